//! The shapes of injections, checked over one context's token sequence.
//!
//! Two groups: *anchored* shapes must start where the value starts (right after the string
//! the value breaks out of, or after a leading number), because that is where an injected
//! value enters the query; *anywhere* shapes are strong enough to count wherever they are
//! (`union select`, `; drop table`, `sleep(5)`, `xp_cmdshell`).

use std::ops::Range;

use super::keywords::Tag;
use super::lexer::{Class, Lexed, Token};

/// One shape found: its kind, paranoia level and the tokens it covers.
#[derive(Debug, Clone)]
pub(crate) struct Found {
    pub kind: &'static str,
    pub paranoia: u8,
    pub tokens: Range<usize>,
}

/// Most operands one expression may chain before the parser gives up (bounded work).
const MAX_CHAIN: usize = 8;
/// Tokens a `select` may span before its `from`.
const SELECT_WINDOW: usize = 24;

/// Checks one context; returns the lowest-paranoia shape.
pub(crate) fn analyse(lexed: &Lexed, src: &[u8], quoted: bool) -> Option<Found> {
    let t = &lexed.tokens;
    if t.is_empty() {
        return None;
    }
    if quoted && t[0].open {
        // The value never leaves the string: nothing here is code.
        return None;
    }
    let mut best = anchored(t, src, quoted, lexed.inline_comment);
    let first = usize::from(quoted);
    for k in first..t.len() {
        if best.as_ref().is_some_and(|b| b.paranoia == 1) {
            break;
        }
        offer(&mut best, anywhere(t, src, k));
    }
    if lexed.mysql_exec_comment {
        offer(
            &mut best,
            Some(Found {
                kind: "mysql_comment",
                paranoia: 1,
                tokens: 0..t.len(),
            }),
        );
    }
    best
}

/// Keeps the lower-paranoia of two findings (the earlier one on a tie).
fn offer(best: &mut Option<Found>, f: Option<Found>) {
    if let Some(f) = f {
        if best.as_ref().is_none_or(|b| b.paranoia > f.paranoia) {
            *best = Some(f);
        }
    }
}

fn found(kind: &'static str, paranoia: u8, tokens: Range<usize>) -> Option<Found> {
    Some(Found {
        kind,
        paranoia,
        tokens,
    })
}

fn class(t: &[Token], i: usize) -> Option<Class> {
    t.get(i).map(|x| x.class)
}

fn is_word(t: &[Token], i: usize, w: &str) -> bool {
    t.get(i).is_some_and(|x| x.is(w))
}

/// Index after the `)` matching the `(` at `i` (or the end when it never closes).
fn skip_group(t: &[Token], i: usize) -> usize {
    let mut depth = 0usize;
    for (k, tok) in t.iter().enumerate().skip(i) {
        match tok.class {
            Class::LParen => depth += 1,
            Class::RParen => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    return k + 1;
                }
            }
            _ => {}
        }
    }
    t.len()
}

fn is_unary(tok: &Token) -> bool {
    tok.class == Class::Op
        && (tok.is("not")
            || (tok.end - tok.start == 1 && matches!(tok.ch, b'-' | b'+' | b'!' | b'~')))
}

/// What an expression is made of.
#[derive(Debug, Default, Clone, Copy)]
struct Expr {
    /// A comparison operator joins two operands.
    cmp: bool,
    /// It is a single literal (number, string, `true`...).
    literal: bool,
    /// It starts with a function call; the function's tag.
    call: Option<Tag>,
    /// It is or contains a parenthesised `select`.
    subselect: bool,
    /// It compares two equal literals (`1=1`, `'a'='a`).
    same_literals: bool,
}

fn is_literal(tok: &Token) -> bool {
    matches!(tok.class, Class::Num | Class::Str | Class::Literal)
}

/// Index after one operand starting at `i`: optional unary operators, then a literal, name,
/// variable, call or parenthesised group, then `.member` chains.
fn operand(t: &[Token], i: usize) -> Option<usize> {
    let mut i = i;
    let mut unary = 0;
    while i < t.len() && unary < 4 && is_unary(&t[i]) {
        i += 1;
        unary += 1;
    }
    let tok = t.get(i)?;
    let mut j = match tok.class {
        Class::Num | Class::Str | Class::Var | Class::Literal | Class::Bareword => i + 1,
        Class::Keyword if tok.tag == Tag::Probe => i + 1,
        Class::Func if class(t, i + 1) == Some(Class::LParen) => skip_group(t, i + 1),
        Class::Func => i + 1,
        Class::LParen => skip_group(t, i),
        _ => return None,
    };
    let mut hops = 0;
    while hops < 4 && class(t, j) == Some(Class::Dot) {
        match t.get(j + 1) {
            Some(n) if matches!(n.class, Class::Bareword | Class::Var) => j += 2,
            Some(n) if n.class == Class::Func => j = skip_group(t, j + 2),
            Some(n) if n.class == Class::Op && n.ch == b'*' => j += 2,
            _ => break,
        }
        hops += 1;
    }
    Some(j)
}

fn is_cmp(tok: &Token) -> bool {
    if tok.class != Class::Op {
        return false;
    }
    if !tok.word.is_empty() {
        return matches!(
            tok.word,
            "like" | "rlike" | "regexp" | "ilike" | "is" | "in" | "between" | "sounds" | "glob"
        );
    }
    // `?`, `?|`, `?&`, `@>`: PostgreSQL JSON tests, boolean like comparisons.
    matches!(tok.ch, b'=' | b'<' | b'>' | b'?' | b'@')
        || (tok.ch == b'!' && tok.end - tok.start > 1)
}

fn is_binary_op(tok: &Token) -> bool {
    tok.class == Class::Op && !tok.is("not") && !(tok.ch == b'~' || tok.ch == b'!') || is_cmp(tok)
}

/// Literal text without quotes, for comparing `'1'='1`.
fn literal_text<'a>(input_tok: &Token, src: &'a [u8]) -> &'a [u8] {
    let s = &src[input_tok.start..input_tok.end];
    if input_tok.class == Class::Str {
        let s = s.strip_prefix(&[input_tok.ch]).unwrap_or(s);
        if input_tok.open {
            s
        } else {
            s.strip_suffix(&[input_tok.ch]).unwrap_or(s)
        }
    } else {
        s
    }
}

/// Parses `operand (op operand)*` from `i`; returns its end and what it is made of.
fn expr(t: &[Token], i: usize, src: &[u8]) -> Option<(usize, Expr)> {
    let mut e = Expr::default();
    let first = t.get(i)?;
    let mut j = operand(t, i)?;
    e.literal = j == i + 1 && is_literal(first);
    if first.class == Class::Func {
        e.call = Some(first.tag);
    }
    e.subselect = contains_select(t, i, j);
    let mut ops = 0;
    while ops < MAX_CHAIN {
        let Some(op) = t.get(j) else { break };
        let mut k = j;
        if op.is("not") && t.get(j + 1).is_some_and(is_cmp) {
            k += 1;
        }
        let op = &t[k];
        if !is_binary_op(op) {
            break;
        }
        let cmp = is_cmp(op);
        let mut rhs = k + 1;
        if op.is("sounds") && is_word(t, rhs, "like") {
            rhs += 1;
        }
        let Some(end) = operand(t, rhs) else { break };
        if cmp
            && ops == 0
            && j == i + 1
            && end == rhs + 1
            && is_literal(&t[i])
            && is_literal(&t[rhs])
        {
            e.same_literals = op.ch == b'='
                && op.end - op.start == 1
                && literal_text(&t[i], src).eq_ignore_ascii_case(literal_text(&t[rhs], src));
        }
        e.subselect |= contains_select(t, rhs, end);
        e.cmp |= cmp;
        e.literal = false;
        j = end;
        if op.is("between") && is_word(t, j, "and") {
            j = operand(t, j + 1)?;
        }
        ops += 1;
    }
    Some((j, e))
}

fn contains_select(t: &[Token], from: usize, to: usize) -> bool {
    t[from..to.min(t.len())]
        .windows(2)
        .any(|w| w[0].class == Class::LParen && w[1].is("select"))
}

/// Whether the query could end after index `j` without a syntax error the attacker would
/// avoid: end of value, a comment, `;`, another condition, a closing bracket, the
/// application's own closing quote, or a clause keyword.
fn terminated(t: &[Token], j: usize) -> bool {
    let Some(tok) = t.get(j) else { return true };
    match tok.class {
        Class::Comment | Class::Semi | Class::Logic | Class::RParen | Class::SetOp => true,
        Class::Str => tok.open && j + 1 == t.len(),
        Class::Keyword => matches!(
            tok.word,
            "order" | "group" | "having" | "limit" | "into" | "procedure" | "offset" | "then"
        ),
        Class::Statement => true,
        _ => false,
    }
}

/// Shapes that must start where the injected value enters the query.
fn anchored(t: &[Token], src: &[u8], quoted: bool, inline_comment: bool) -> Option<Found> {
    let mut i;
    let mut word_anchor = false;
    if quoted {
        i = 1;
    } else {
        i = 0;
        if t[0].class == Class::Op && matches!(t[0].ch, b'-' | b'+') {
            i = 1;
        }
        match class(t, i) {
            Some(Class::Num) => i += 1,
            Some(Class::RParen) => {}
            Some(Class::Bareword) if i == 0 => {
                word_anchor = true;
                i += 1;
            }
            // The value starts with `and`/`or`: a condition appended to the query.
            Some(Class::Logic) if i == 0 => {}
            _ => return None,
        }
    }
    let mut closing = 0;
    while closing < 4 && class(t, i) == Some(Class::RParen) {
        i += 1;
        closing += 1;
    }
    let head = 0..i;
    let tok = t.get(i)?;
    match tok.class {
        Class::Logic => {
            let lead = !quoted && i == 0;
            let (j, e) = expr(t, i + 1, src)?;
            let strong = terminated(t, j);
            let cond = e.cmp || e.literal || e.call.is_some() || e.subselect;
            if !cond {
                // `' or abc`, `and x =`: a condition cut short.
                let dangling = t.get(j).is_some_and(is_cmp);
                if word_anchor || !(dangling || quoted && breakout_is_token(t, src)) {
                    return None;
                }
                return found("boolean_fragment", 2, 0..(j + 1).min(t.len()));
            }
            let kind = match e.call {
                Some(Tag::Time) => "time_based",
                _ if e.subselect || e.call.is_some() => "boolean_blind",
                _ => "tautology",
            };
            let pl = if word_anchor {
                match (e.same_literals && strong, e.cmp && strong) {
                    (true, _) => 1,
                    (_, true) => 2,
                    _ => return None,
                }
            } else if lead {
                if e.same_literals {
                    1
                } else if e.cmp || e.call.is_some() || e.subselect {
                    2
                } else {
                    3
                }
            } else if !strong {
                2
            } else if e.literal && !quoted {
                // `1 or 2`: prose unless something else cuts or hides in the query.
                if inline_comment || matches!(class(t, j), Some(Class::Comment | Class::Semi)) {
                    1
                } else {
                    3
                }
            } else {
                1
            };
            found(kind, pl, head.start..j.min(t.len()))
        }
        Class::Comment if !word_anchor => {
            if !quoted {
                return found("comment_truncation", 3, head.start..i + 1);
            }
            let dash = src[tok.start..].starts_with(b"--");
            let empty = t[0].end - t[0].start <= 1;
            let pl = match (breakout_is_token(t, src) && (dash || !empty), dash) {
                (true, _) => 1,
                (false, true) => 2,
                (false, false) => 3,
            };
            found("comment_truncation", pl, 0..i + 1)
        }
        Class::Semi if quoted => match class(t, i + 1) {
            Some(Class::Comment) | None => found(
                "comment_truncation",
                if class(t, i + 1).is_some() || breakout_is_token(t, src) {
                    1
                } else {
                    2
                },
                0..(i + 2).min(t.len()),
            ),
            // `';select`: a new statement right after the break.
            Some(Class::Statement) if breakout_is_token(t, src) => {
                found("stacked_query", 1, 0..i + 2)
            }
            _ => None,
        },
        Class::Keyword if !word_anchor && (tok.is("order") || tok.is("group")) => {
            if !is_word(t, i + 1, "by") {
                return None;
            }
            let (j, _) = expr(t, i + 2, src)?;
            let numeric = class(t, i + 2) == Some(Class::Num);
            let mut j = j;
            while class(t, j) == Some(Class::Comma) {
                j = operand(t, j + 1).unwrap_or(j + 1);
            }
            let strong = terminated(t, j) && (numeric || j < t.len());
            found("order_by", if strong && numeric { 1 } else { 3 }, 0..j)
        }
        Class::Keyword if !word_anchor && tok.is("having") => {
            let (j, e) = expr(t, i + 1, src)?;
            (e.cmp && terminated(t, j)).then_some(Found {
                kind: "having",
                paranoia: 1,
                tokens: 0..j,
            })
        }
        Class::Keyword if !word_anchor && tok.is("procedure") && is_word(t, i + 1, "analyse") => {
            found("procedure_analyse", 1, 0..i + 2)
        }
        Class::Op if quoted => {
            let (j, e) = expr(t, 0, src)?;
            if e.cmp && terminated(t, j) {
                let rhs = t.get(i + 1).map_or(Class::Other, |x| x.class);
                let pl = match rhs {
                    Class::Bareword if tok.word.is_empty() => 2,
                    Class::Bareword => 3,
                    _ => 1,
                };
                found("tautology", pl, 0..j.min(t.len()))
            } else if j > 2 && terminated(t, j) {
                found("string_break_operator", 2, 0..j.min(t.len()))
            } else {
                None
            }
        }
        Class::Statement if !word_anchor => match statement(t, i) {
            Some((end, pl)) => found("stacked_query", pl.min(2), 0..end),
            // `'alter a`: a statement word right after the break.
            None if quoted && breakout_is_token(t, src) => {
                found("keyword_after_break", 2, 0..i + 1)
            }
            None => None,
        },
        Class::SetOp if quoted && breakout_is_token(t, src) => {
            found("keyword_after_break", 2, 0..i + 1)
        }
        _ => None,
    }
}

/// The breakout string of a quoted context holds one token-like word (`admin`, `1`), not a
/// phrase: `admin'--` is a login bypass, `say "#hashtag"` is not.
fn breakout_is_token(t: &[Token], src: &[u8]) -> bool {
    let body = &src[t[0].start..t[0].end.saturating_sub(1)];
    body.len() <= 40 && !body.iter().any(|b| b.is_ascii_whitespace())
}

/// A statement keyword at `i` followed by what that statement needs; its end and paranoia
/// (1: unmistakable, 2: plausible, 3: a keyword pair).
fn statement(t: &[Token], i: usize) -> Option<(usize, u8)> {
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
fn select_shape(t: &[Token], i: usize) -> Option<(usize, u8)> {
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
fn is_known_sysvar(name: &[u8]) -> bool {
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
fn name(t: &[Token], i: usize) -> Option<usize> {
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

/// Shapes strong enough wherever they are; `k` is the token to start from.
fn anywhere(t: &[Token], src: &[u8], k: usize) -> Option<Found> {
    let tok = &t[k];
    match tok.class {
        Class::SetOp if tok.is("union") => {
            let mut j = k + 1;
            if is_word(t, j, "all") || is_word(t, j, "distinct") {
                j += 1;
            }
            let mut p = 0;
            while p < 3 && class(t, j) == Some(Class::LParen) {
                j += 1;
                p += 1;
            }
            if is_word(t, j, "select") {
                return found("union_select", 1, k..j + 1);
            }
            if is_word(t, j - p, "all") {
                return found("union_select", 3, k..j);
            }
            None
        }
        Class::Semi => {
            let s = t.get(k + 1)?;
            if s.class != Class::Statement && !(s.is("set") && class(t, k + 2) == Some(Class::Var))
            {
                return None;
            }
            if s.is("set") {
                return found("stacked_query", 2, k..k + 3);
            }
            match statement(t, k + 1) {
                Some((end, pl)) => found("stacked_query", if pl <= 2 { 1 } else { 3 }, k..end),
                // `; insert into`, `;drop`: a statement cut short.
                None => found("stacked_query", 3, k..k + 2),
            }
        }
        Class::Statement => {
            let (end, pl) = statement(t, k)?;
            let kind = match tok.word {
                "select" => "select_query",
                "waitfor" => "time_based",
                "exec" | "execute" => "command_exec",
                _ => "sql_statement",
            };
            found(kind, pl, k..end)
        }
        Class::Func => {
            let args = k + 1..skip_group(t, k + 1);
            let inner = t.get(k + 2);
            match tok.tag {
                Tag::Time => {
                    let argful = inner.is_some_and(|x| {
                        matches!(
                            x.class,
                            Class::Num
                                | Class::Var
                                | Class::Func
                                | Class::LParen
                                | Class::Str
                                | Class::Op
                        )
                    });
                    let weak = tok.is("randomblob") || tok.is("get_lock");
                    found(
                        "time_based",
                        if argful && !weak { 1 } else { 2 },
                        k..args.end,
                    )
                }
                Tag::Error => {
                    let rich = t[args.clone()].iter().any(|x| {
                        matches!(x.class, Class::Func | Class::Var | Class::Str)
                            || x.is("select")
                            || x.ch == b'~'
                    });
                    found("error_based", if rich { 1 } else { 2 }, k..args.end)
                }
                Tag::File => found("file_access", 1, k..args.end),
                Tag::Proc => found("command_exec", 1, k..args.end),
                _ if tok.is("exp") && inner.is_some_and(|x| x.ch == b'~') => {
                    found("error_based", 1, k..args.end)
                }
                _ if tok.is("floor") && inner.is_some_and(|x| x.is("rand")) => {
                    found("error_based", 1, k..args.end)
                }
                _ if tok.is("char") || tok.is("chr") => {
                    // char(65)+char(66): strings spelled in code points.
                    let after = t.get(args.end)?;
                    let next = t.get(args.end + 1)?;
                    if matches!(after.class, Class::Op | Class::Logic) && next.is(tok.word) {
                        return found("char_encoding", 2, k..args.end + 2);
                    }
                    found("sql_function", 2, k..args.end)
                }
                // `Left (WA)` is prose; `left(` is code.
                _ if t[k + 1].start != tok.end => None,
                Tag::Probe => found("sql_function", 2, k..args.end),
                _ if !tok.word.is_empty() => found("sql_function", 3, k..args.end),
                _ => None,
            }
        }
        Class::Bareword if tok.tag == Tag::Proc => found("command_exec", 1, k..k + 1),
        Class::Bareword if tok.tag == Tag::Time && class(t, k + 1) == Some(Class::Dot) => {
            found("time_based", 1, k..k + 2)
        }
        Class::Bareword if tok.tag == Tag::Time && k > 0 && t[k - 1].is("select") => {
            found("time_based", 1, k - 1..k + 1)
        }
        Class::Bareword if tok.tag == Tag::Schema => {
            let in_query = k > 0
                && (t[k - 1].is("from") || t[k - 1].is("join") || t[k - 1].class == Class::Dot)
                || class(t, k + 1) == Some(Class::Dot);
            found("catalog_access", if in_query { 1 } else { 2 }, k..k + 1)
        }
        Class::Keyword if tok.is("into") => {
            let n = t.get(k + 1)?;
            (n.tag == Tag::File).then(|| Found {
                kind: "file_access",
                paranoia: 1,
                tokens: k..k + 2,
            })
        }
        Class::Keyword
            if tok.is("load")
                && t.get(k + 1)
                    .is_some_and(|x| src[x.start..x.end].eq_ignore_ascii_case(b"data")) =>
        {
            found("file_access", 2, k..k + 2)
        }
        Class::Var => {
            // `@@version` and other system variables.
            let name = src[tok.start..tok.end].strip_prefix(b"@@")?;
            let pl = if is_known_sysvar(name) { 1 } else { 2 };
            found("system_variable", pl, k..k + 1)
        }
        Class::LParen if is_word(t, k + 1, "select") => {
            let (end, pl) = select_shape(t, k + 1)?;
            let prev_ok = k == 0
                || matches!(
                    t[k - 1].class,
                    Class::Op | Class::Logic | Class::Comma | Class::LParen | Class::Semi
                )
                || t[k - 1].is("exists")
                || t[k - 1].class == Class::Func;
            let pl = if prev_ok { pl.min(2) } else { pl.max(2) };
            found("subselect", pl, k..end)
        }
        Class::Logic => {
            let (j, e) = expr(t, k + 1, src)?;
            if e.same_literals {
                return found("tautology", 1, k..j);
            }
            if e.cmp && terminated(t, j) && e.call.is_some() {
                return found("boolean_blind", 2, k..j);
            }
            None
        }
        Class::Num | Class::Str
            if k == 0 || matches!(t[k - 1].class, Class::Comma | Class::LParen) =>
        {
            // `1=1`, `11!=1`, `'a' like 'a'`: a bare comparison of constants.
            let (j, e) = expr(t, k, src)?;
            let rhs = t.get(k + 2)?;
            let bare = e.cmp
                && j == k + 3
                && is_literal(rhs)
                && terminated(t, j)
                && always_true(&t[k], &t[k + 1], rhs, src);
            bare.then_some(Found {
                kind: "tautology",
                paranoia: 2,
                tokens: k..j,
            })
        }
        Class::Op if tok.ch == b':' && tok.end - tok.start == 2 => {
            let ty = t.get(k + 1)?;
            let name = src[ty.start..ty.end].to_ascii_lowercase();
            let is_type = matches!(
                name.as_slice(),
                b"int"
                    | b"integer"
                    | b"bigint"
                    | b"text"
                    | b"varchar"
                    | b"char"
                    | b"json"
                    | b"jsonb"
                    | b"regclass"
                    | b"double"
                    | b"numeric"
                    | b"bool"
                    | b"boolean"
                    | b"bytea"
                    | b"oid"
                    | b"float"
            );
            is_type.then(|| Found {
                kind: "type_cast",
                paranoia: 2,
                tokens: k..k + 2,
            })
        }
        Class::Keyword if tok.is("procedure") && is_word(t, k + 1, "analyse") => {
            found("procedure_analyse", 1, k..k + 2)
        }
        Class::Keyword if tok.is("having") => {
            let (j, e) = expr(t, k + 1, src)?;
            if !e.cmp {
                return None;
            }
            found("having", if e.call.is_some() { 1 } else { 2 }, k..j)
        }
        Class::Keyword if tok.is("as") => {
            // `` ` AS `x` FROM ``: the middle of a select list.
            let n = t.get(k + 1)?;
            let quoted_name = n.class == Class::Str || src[n.start] == b'`';
            let named = quoted_name || matches!(n.class, Class::Bareword | Class::Keyword);
            (named && is_word(t, k + 2, "from")).then(|| Found {
                kind: "sql_fragment",
                paranoia: if quoted_name { 2 } else { 3 },
                tokens: k..k + 3,
            })
        }
        Class::Num
            if src[tok.start..tok.end].ends_with(b".e")
                || src[tok.start..tok.end].ends_with(b".E") =>
        {
            // `1.e(`, `1.e.tables`: MySQL reads `1.e` as a number glued to what follows.
            let n = t.get(k + 1)?;
            (n.start == tok.end).then(|| Found {
                kind: "scientific_notation",
                paranoia: 1,
                tokens: k..k + 2,
            })
        }
        Class::Keyword if tok.is("case") => {
            let w = is_word(t, k + 1, "when")
                || operand(t, k + 1).is_some_and(|e| is_word(t, e, "when"));
            let then = t[k..t.len().min(k + 16)].iter().any(|x| x.is("then"));
            (w && then).then(|| Found {
                kind: "conditional",
                paranoia: 2,
                tokens: k..k + 2,
            })
        }
        _ => None,
    }
}

/// Whether `a op b` over two constants is always true (`1=1`, `'a' like 'a'`, `1!=2`): the
/// tautology a probe uses, as opposed to a value like `11=1` or `123<456`.
fn always_true(a: &Token, op: &Token, b: &Token, src: &[u8]) -> bool {
    let (x, y) = (literal_text(a, src), literal_text(b, src));
    let same = x.eq_ignore_ascii_case(y);
    let op_text = &src[op.start..op.end];
    match op_text {
        b"=" | b"==" | b"<=>" | b"<=" | b">=" => same,
        b"!=" | b"<>" => !same,
        _ => matches!(op.word, "like" | "is" | "regexp" | "rlike" | "glob") && same,
    }
}
