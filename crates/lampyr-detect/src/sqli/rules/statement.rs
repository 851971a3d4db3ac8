//! Statement and `select` shapes, bracket groups and table names.

use crate::sqli::keywords::Tag;
use crate::sqli::lexer::{Class, Token};

use super::expr::operand;
use super::{class, is_word, skip_group, SELECT_WINDOW};

/// The end of the bracket group opening at `i` and whether it closes inside the value.
pub(super) fn group_end(t: &[Token], i: usize) -> (usize, bool) {
    let end = skip_group(t, i);
    let closed = end < t.len()
        || end == t.len() && end > i + 1 && t[end - 1].class == Class::RParen && {
            // skip_group also ends at the value's end when the group never closes.
            let mut depth = 0i32;
            t[i..end].iter().all(|x| {
                match x.class {
                    Class::LParen => depth += 1,
                    Class::RParen => depth -= 1,
                    _ => {}
                }
                true
            }) && depth <= 0
        };
    (end, closed)
}

/// The breakout string of a quoted context holds one token-like word (`admin`, `1`), not a
/// phrase: `admin'--` is a login bypass, `say "#hashtag"` is not.
pub(super) fn breakout_is_token(t: &[Token], src: &[u8]) -> bool {
    let body = &src[t[0].start..t[0].end.saturating_sub(1)];
    body.len() <= 40 && !body.iter().any(|b| b.is_ascii_whitespace())
}

/// A statement keyword at `i` followed by what that statement needs; its end and paranoia
/// (1: unmistakable, 2: plausible, 3: a keyword pair).
pub(super) fn statement(t: &[Token], i: usize) -> Option<(usize, u8)> {
    let tok = &t[i];
    let next = t.get(i + 1);
    let object = |k: usize| {
        t.get(k).is_some_and(|x| {
            matches!(
                x.word,
                "table"
                    | "database"
                    | "schema"
                    | "view"
                    | "index"
                    | "trigger"
                    | "function"
                    | "procedure"
                    | "user"
                    | "login"
                    | "column"
            )
        })
    };
    match tok.word {
        "select" => select_shape(t, i),
        "insert" | "replace" => {
            if !is_word(t, i + 1, "into") {
                return None;
            }
            let mut k = i + 2;
            name(t, k).map(|e| k = e)?;
            if class(t, k) == Some(Class::LParen) {
                k = skip_group(t, k);
            }
            if is_word(t, k, "values") || is_word(t, k, "select") {
                Some((k + 1, 1))
            } else {
                Some((k, 3))
            }
        }
        "update" => {
            let k = name(t, i + 1)?;
            if !is_word(t, k, "set") {
                return None;
            }
            let e = operand(t, k + 1)?;
            if t.get(e)
                .is_some_and(|o| o.class == Class::Op && o.ch == b'=')
            {
                Some((e + 1, 1))
            } else {
                Some((e, 3))
            }
        }
        "delete" => {
            let mut k = i + 1;
            if is_word(t, k, "from") {
                k += 1;
            }
            let e = name(t, k)?;
            if is_word(t, e, "where") || matches!(class(t, e), Some(Class::Comment | Class::Semi)) {
                Some((e + 1, 2))
            } else {
                Some((e, 3))
            }
        }
        "drop" | "create" | "alter" | "truncate" | "rename" => {
            if object(i + 1) && operand(t, i + 2).is_some() {
                Some((i + 3, 2))
            } else if tok.is("truncate") && operand(t, i + 1).is_some() {
                Some((i + 2, 3))
            } else {
                None
            }
        }
        "exec" | "execute" => {
            let n = next?;
            let strong = n.tag == Tag::Proc
                || n.class == Class::LParen
                || n.class == Class::Str
                || n.is("immediate")
                || n.class == Class::Var
                || (n.class == Class::Bareword && class(t, i + 2) == Some(Class::Dot))
                || n.class == Class::Func;
            strong.then_some((i + 2, 1))
        }
        "declare" => (next?.class == Class::Var).then_some((i + 2, 2)),
        "waitfor" => {
            let n = next?;
            (n.is("delay") || n.is("time")).then_some((i + 2, 1))
        }
        "shutdown" => {
            matches!(next.map(|n| n.class), None | Some(Class::Comment)).then_some((i + 1, 2))
        }
        "grant" | "revoke" => t[i + 1..t.len().min(i + 8)]
            .iter()
            .any(|x| x.is("on") || x.is("to"))
            .then_some((i + 2, 3)),
        _ => None,
    }
}

/// `select` at `i`: how much it looks like a real query.
pub(super) fn select_shape(t: &[Token], i: usize) -> Option<(usize, u8)> {
    let end = t.len().min(i + SELECT_WINDOW);
    let mut k = i + 1;
    let mut strong_cols = false;
    let mut cols = 0;
    while k < end {
        let x = &t[k];
        if x.is("from") {
            break;
        }
        match x.class {
            Class::Func | Class::Var => strong_cols = true,
            Class::Op if x.ch == b'*' => strong_cols = true,
            // `select 0x616263`, `select (case when`: hex strings and conditionals.
            Class::Num if x.ch == b'x' => strong_cols = true,
            Class::Keyword if x.is("case") && (is_word(t, k + 1, "when") || k + 1 == t.len()) => {
                strong_cols = true
            }
            Class::Semi | Class::SetOp | Class::Comment => break,
            Class::Statement => return None,
            _ => {}
        }
        if x.class == Class::Func {
            k = skip_group(t, k + 1);
        } else {
            k += 1;
        }
        cols += 1;
    }
    let has_from = is_word(t, k, "from");
    if cols == 0 {
        return None;
    }
    if !has_from {
        // `select @@version`, `select sleep(5)`: a query without a table.
        return (strong_cols && cols <= 6).then_some((k, 1));
    }
    let Some(after) = operand(t, k + 1) else {
        // `in ( select * from`: cut short before the table.
        return Some((k + 1, if strong_cols { 2 } else { 3 }));
    };
    let tail = t.get(after);
    let strong_tail = tail.is_none()
        || tail.is_some_and(|x| {
            matches!(x.word, "where" | "limit" | "order" | "group" | "union")
                || matches!(x.class, Class::Comment | Class::Semi | Class::RParen)
        });
    let pl = match (strong_cols, strong_tail) {
        (true, true) => 1,
        (true, false) | (false, true) => 2,
        _ => 3,
    };
    Some((after, pl))
}

/// Known MySQL/MSSQL/PostgreSQL system variables read by probes.
pub(super) fn is_known_sysvar(name: &[u8]) -> bool {
    let name = name.to_ascii_lowercase();
    matches!(
        name.as_slice(),
        b"version"
            | b"version_compile_os"
            | b"datadir"
            | b"basedir"
            | b"hostname"
            | b"tmpdir"
            | b"servername"
            | b"spid"
            | b"language"
            | b"identity"
            | b"rowcount"
            | b"global.version"
            | b"session.version"
            | b"secure_file_priv"
            | b"plugin_dir"
            | b"port"
            | b"max_allowed_packet"
            | b"log_error"
            | b"character_set_client"
            | b"sql_mode"
    )
}

/// A table name: like an operand, but keywords are allowed (`insert into table`).
pub(super) fn name(t: &[Token], i: usize) -> Option<usize> {
    match t.get(i)?.class {
        Class::Keyword | Class::Bareword => {
            let mut j = i + 1;
            while class(t, j) == Some(Class::Dot)
                && matches!(class(t, j + 1), Some(Class::Bareword | Class::Keyword))
                && j < i + 8
            {
                j += 2;
            }
            Some(j)
        }
        _ => operand(t, i),
    }
}
