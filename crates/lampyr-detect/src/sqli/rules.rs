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
    /// It ends the value on a comparison operator (`x=`): the query supplies the rest.
    dangling: bool,
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
        // `password glob password`: a non-clause keyword used as a column name.
        Class::Keyword
            if !is_clause(tok.word)
                && (t.get(i + 1).is_some_and(is_cmp) || i > 0 && is_cmp(&t[i - 1])) =>
        {
            i + 1
        }
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

/// Keywords that structure a query and are never a column name.
fn is_clause(word: &str) -> bool {
    matches!(
        word,
        "from"
            | "where"
            | "into"
            | "values"
            | "by"
            | "having"
            | "limit"
            | "offset"
            | "as"
            | "join"
            | "on"
            | "case"
            | "when"
            | "then"
            | "else"
            | "end"
            | "order"
            | "group"
            | "distinct"
            | "all"
            | "procedure"
            | "with"
            | "set"
            | "table"
            | "top"
    )
}

fn is_cmp(tok: &Token) -> bool {
    if tok.class != Class::Op {
        return false;
    }
    if !tok.word.is_empty() {
        return matches!(
            tok.word,
            "like"
                | "rlike"
                | "regexp"
                | "ilike"
                | "is"
                | "in"
                | "between"
                | "sounds"
                | "glob"
                | "notnull"
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
    expr_at(t, i, src, 0)
}

/// Deepest nesting of parenthesised conditions looked into (bounded work).
const MAX_NEST: u8 = 3;

fn expr_at(t: &[Token], i: usize, src: &[u8], depth: u8) -> Option<(usize, Expr)> {
    let mut e = Expr::default();
    let first = t.get(i)?;
    let mut j = operand(t, i)?;
    e.literal = j == i + 1 && is_literal(first);
    if first.class == Class::Func {
        e.call = Some(first.tag);
    }
    e.subselect = contains_select(t, i, j);
    if first.class == Class::LParen && depth < MAX_NEST {
        // `or (1=1)`, `and (name = "`: the condition inside the brackets counts.
        if let Some((_, inner)) = expr_at(t, i + 1, src, depth + 1) {
            e.cmp = inner.cmp;
            e.same_literals = inner.same_literals;
            e.dangling = inner.dangling;
            e.call = e.call.or(inner.call);
        }
    }
    j = postfix_test(t, j, &mut e);
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
        let Some(end) = operand(t, rhs) else {
            if cmp && rhs >= t.len() {
                e.cmp = true;
                e.dangling = true;
                e.literal = false;
                j = t.len();
            }
            break;
        };
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
        j = postfix_test(t, j, &mut e);
        ops += 1;
    }
    Some((j, e))
}

/// `x is [not] null|true|false`, `x notnull`, `x isnull` after an operand ending at `j`: a
/// one-sided test; returns the index after it.
fn postfix_test(t: &[Token], j: usize, e: &mut Expr) -> usize {
    let Some(tok) = t.get(j) else { return j };
    if tok.is("notnull") || tok.is("isnull") && class(t, j + 1) != Some(Class::LParen) {
        e.cmp = true;
        e.literal = false;
        return j + 1;
    }
    if tok.is("is") {
        let k = if is_word(t, j + 1, "not") {
            j + 2
        } else {
            j + 1
        };
        if t.get(k).is_some_and(|x| x.class == Class::Literal) {
            e.cmp = true;
            e.literal = false;
            return k + 1;
        }
    }
    j
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
fn value_start(t: &[Token], inline_comment: bool) -> Option<Found> {
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
fn query_tail(t: &[Token], src: &[u8]) -> Option<Found> {
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

/// The end of the bracket group opening at `i` and whether it closes inside the value.
fn group_end(t: &[Token], i: usize) -> (usize, bool) {
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
fn table_tail(t: &[Token], i: usize) -> bool {
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
