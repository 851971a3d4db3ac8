//! Anchored shapes: those that must start where the injected value enters the query.

use crate::sqli::keywords::Tag;
use crate::sqli::lexer::{Class, Token};

use super::expr::{expr, is_binary_op, is_cmp, operand, terminated};
use super::statement::{breakout_is_token, group_end, name, statement};
use super::{class, found, is_word, Found};

/// Shapes that must start where the injected value enters the query.
pub(super) fn anchored(
    t: &[Token],
    src: &[u8],
    quoted: bool,
    inline_comment: bool,
) -> Option<Found> {
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
            Some(Class::Semi | Class::Comma | Class::Statement) if i == 0 => {
                return value_start(t, inline_comment)
            }
            Some(Class::Keyword) if i == 0 && t[0].is("from") => return query_tail(t, src),
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
            if quoted && i + 1 == t.len() && breakout_is_token(t, src) {
                // `\'and`, `x' or`: a condition the rest of the query completes.
                return found("boolean_fragment", 2, 0..i + 1);
            }
            let (j, e) = expr(t, i + 1, src)?;
            let strong = terminated(t, j);
            let cond = e.cmp || e.literal || e.call.is_some() || e.subselect;
            if word_anchor && e.dangling {
                return None;
            }
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
                // `xor` is no English word; an operator or a comment left hanging after the
                // operand (`or 2 <`, `or 1#`) is a condition cut short on purpose.
                let hanging = t.get(j).is_some_and(|x| {
                    x.class == Class::Comment || is_binary_op(x) && j + 1 == t.len()
                });
                if e.same_literals {
                    1
                } else if e.cmp || e.call.is_some() || e.subselect || hanging || tok.is("xor") {
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
        // `) when 1 then`, `) from t`: the value closes a bracket and goes on with a clause.
        Class::Keyword
            if !quoted
                && closing > 0
                && i == closing
                && matches!(
                    tok.word,
                    "when" | "then" | "else" | "from" | "where" | "having" | "limit"
                ) =>
        {
            found("bracket_clause", 2, 0..i + 1)
        }
        // `) like (`, `)=(`: the value closes a bracket and compares what it held.
        Class::Op if !quoted && closing > 0 && i == closing && is_cmp(tok) => {
            found("bracket_comparison", 2, 0..i + 1)
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

/// Values that start with `;`, `,` or a statement word: a statement appended to the query
/// (`;update users`, `; drop`), a column appended to a select list (`, find_in_set(`), a
/// statement whose object is cut by a comment (`drop x;--`, `DROP/**/t`).
pub(super) fn value_start(t: &[Token], inline_comment: bool) -> Option<Found> {
    let first = &t[0];
    match first.class {
        Class::Semi => {
            let s = t.get(1)?;
            if s.class != Class::Statement {
                return None;
            }
            let pl = statement(t, 1).map_or(2, |(_, pl)| pl.min(2));
            found("stacked_query", pl, 0..2)
        }
        Class::Comma => {
            let f = t.get(1)?;
            let call = f.class == Class::Func && (f.func || f.tag != Tag::None);
            let sub = f.class == Class::LParen && is_word(t, 2, "select");
            (call || sub).then(|| Found {
                kind: "sql_function",
                paranoia: 2,
                tokens: 0..group_end(t, 2).0.min(t.len()),
            })
        }
        Class::Statement
            if matches!(
                first.word,
                "drop" | "truncate" | "alter" | "delete" | "rename"
            ) =>
        {
            let object = if is_word(t, 1, "table") { 2 } else { 1 };
            let end = name(t, object)?;
            let cut = match class(t, end) {
                Some(Class::Comment) => true,
                Some(Class::Semi) => matches!(class(t, end + 1), None | Some(Class::Comment)),
                None => inline_comment,
                _ => false,
            };
            cut.then_some(Found {
                kind: "stacked_query",
                paranoia: 2,
                tokens: 0..end,
            })
        }
        _ => None,
    }
}

/// A value that starts with `from`: the tail of a query whose `select` the application
/// wrote (`from users where id=1`, ``from `db`.`t` limit``, `from t group by x`).
pub(super) fn query_tail(t: &[Token], src: &[u8]) -> Option<Found> {
    let end = name(t, 1)?;
    let next = t.get(end)?;
    let strong = match next.word {
        "where" => expr(t, end + 1, src).is_some_and(|(_, e)| e.cmp),
        "group" | "order" => is_word(t, end + 1, "by"),
        "limit" => {
            let quoted_table = src[t[1].start] == b'`';
            match class(t, end + 1) {
                Some(Class::Num) => {
                    matches!(
                        class(t, end + 2),
                        None | Some(Class::Comma | Class::Comment | Class::Semi)
                    ) || is_word(t, end + 2, "offset")
                }
                None => quoted_table,
                _ => false,
            }
        }
        _ => false,
    };
    strong.then(|| Found {
        kind: "sql_fragment",
        paranoia: 2,
        tokens: 0..end + 1,
    })
}
