//! Shapes strong enough to count wherever they are in the value.

use crate::sqli::keywords::Tag;
use crate::sqli::lexer::{Class, Token};

use super::expr::{always_true, expr, is_literal, operand, terminated};
use super::statement::{group_end, is_known_sysvar, name, select_shape, statement};
use super::{class, found, is_word, skip_group, Found};

/// Shapes strong enough wherever they are; `k` is the token to start from.
pub(super) fn anywhere(t: &[Token], src: &[u8], k: usize) -> Option<Found> {
    let tok = &t[k];
    match tok.class {
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
        Class::SetOp if tok.is("except") || tok.is("intersect") => {
            // `except select 1,2`, `except values(1,2)` (SQLite auth bypasses).
            let n = t.get(k + 1)?;
            let after = t.get(k + 2)?;
            let select = n.is("select")
                && matches!(
                    after.class,
                    Class::Num | Class::Var | Class::Func | Class::Str | Class::LParen
                )
                || n.is("select") && after.ch == b'*';
            let values = n.is("values") && after.class == Class::LParen;
            (select || values).then(|| Found {
                kind: "union_select",
                paranoia: 2,
                tokens: k..k + 2,
            })
        }
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
            let open_call = (tok.func || !tok.word.is_empty()) && !group_end(t, k + 1).1;
            let judged_below = matches!(tok.tag, Tag::Time | Tag::Error) && inner.is_some();
            match tok.tag {
                // A known function whose call the value leaves open (`concat(`, `round (`,
                // `ifnull(x,`): the query around it supplies the rest. Delay and error
                // functions with arguments are judged by those below.
                tag if open_call && !judged_below => {
                    // Their names are SQL-only (but `sleep`).
                    let sql_only = matches!(tag, Tag::Time | Tag::Error) && !tok.is("sleep");
                    found("sql_function", if sql_only { 1 } else { 2 }, k..args.end)
                }
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
                _ if (tok.is("if") || tok.is("iif")) && t[k + 1].start == tok.end => {
                    // MySQL `if(1=1,...)`: a condition evaluated inside the query.
                    let (_, e) = expr(t, k + 2, src)?;
                    let single_eq = t
                        .get(k + 3)
                        .is_some_and(|x| x.ch == b'=' && x.end - x.start == 1);
                    (e.cmp && single_eq).then_some(Found {
                        kind: "conditional",
                        paranoia: 2,
                        tokens: k..args.end,
                    })
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
        Class::LParen if is_word(t, k + 1, "select") && k + 2 == t.len() => {
            // `=(select` ending the value: a sub-query the attacker goes on to write.
            found("subselect", 2, k..k + 2)
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
            // `1=1`, `11!=1`, `'a' like 'a'`, `1 is not 2`: a bare comparison of constants.
            let (j, e) = expr(t, k, src)?;
            if !e.cmp || !(k + 3..=k + 4).contains(&j) || !terminated(t, j) {
                return None;
            }
            let rhs = &t[j - 1];
            let ops = &t[k + 1..j - 1];
            let negated = ops.iter().any(|x| x.is("not"));
            let op = ops.iter().find(|x| !x.is("not"))?;
            let bare = is_literal(rhs)
                && (ops.len() == 1 || negated)
                && always_true(&t[k], op, rhs, src) != negated;
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
            // `(...)::int`: casting a computed value, PostgreSQL's error-based extraction.
            let computed = k > 0 && t[k - 1].class == Class::RParen;
            is_type.then(|| Found {
                kind: "type_cast",
                paranoia: if computed { 1 } else { 2 },
                tokens: k..k + 2,
            })
        }
        Class::Keyword if tok.is("procedure") && is_word(t, k + 1, "analyse") => {
            found("procedure_analyse", 1, k..k + 2)
        }
        Class::Op | Class::Keyword
            if (tok.is("in") || tok.is("values"))
                && class(t, k + 1) == Some(Class::LParen)
                && k + 2 == t.len() =>
        {
            // `in (`, `values(` ending the value: a list the query completes.
            found("sql_fragment", 2, k..k + 2)
        }
        Class::Keyword if tok.is("where") => {
            // `where 1=1`: the classic always-true filter.
            let (j, e) = expr(t, k + 1, src)?;
            e.same_literals.then_some(Found {
                kind: "tautology",
                paranoia: 2,
                tokens: k..j,
            })
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
            // After a closing bracket the alias names a computed column: `count(*) as n from`.
            let computed = k > 0 && t[k - 1].class == Class::RParen && table_tail(t, k + 3);
            (named && is_word(t, k + 2, "from")).then(|| Found {
                kind: "sql_fragment",
                paranoia: if quoted_name || computed { 2 } else { 3 },
                tokens: k..k + 3,
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

/// What may follow `from` when a select list ends there: nothing (the query goes on), or a
/// table name followed by nothing or a clause.
pub(super) fn table_tail(t: &[Token], i: usize) -> bool {
    let Some(end) = (i < t.len()).then(|| name(t, i)).flatten() else {
        return i >= t.len();
    };
    t.get(end).is_none_or(|x| {
        matches!(
            x.word,
            "where" | "limit" | "order" | "group" | "join" | "inner" | "left" | "union"
        ) || matches!(x.class, Class::Comment | Class::Semi | Class::RParen)
    })
}
