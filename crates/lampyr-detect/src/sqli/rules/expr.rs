//! The operand and expression parser the shapes share: conditions, comparisons and tautologies.

use crate::sqli::keywords::Tag;
use crate::sqli::lexer::{Class, Token};

use super::{class, is_word, skip_group, MAX_CHAIN};

pub(super) fn is_unary(tok: &Token) -> bool {
    tok.class == Class::Op
        && (tok.is("not")
            || (tok.end - tok.start == 1 && matches!(tok.ch, b'-' | b'+' | b'!' | b'~')))
}

/// What an expression is made of.
#[derive(Debug, Default, Clone, Copy)]
pub(super) struct Expr {
    /// A comparison operator joins two operands.
    pub(super) cmp: bool,
    /// It is a single literal (number, string, `true`...).
    pub(super) literal: bool,
    /// It starts with a function call; the function's tag.
    pub(super) call: Option<Tag>,
    /// It is or contains a parenthesised `select`.
    pub(super) subselect: bool,
    /// It compares two equal literals (`1=1`, `'a'='a`).
    pub(super) same_literals: bool,
    /// It ends the value on a comparison operator (`x=`): the query supplies the rest.
    pub(super) dangling: bool,
}

pub(super) fn is_literal(tok: &Token) -> bool {
    matches!(tok.class, Class::Num | Class::Str | Class::Literal)
}

/// Index after one operand starting at `i`: optional unary operators, then a literal, name,
/// variable, call or parenthesised group, then `.member` chains.
pub(super) fn operand(t: &[Token], i: usize) -> Option<usize> {
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
pub(super) fn is_clause(word: &str) -> bool {
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

pub(super) fn is_cmp(tok: &Token) -> bool {
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

pub(super) fn is_binary_op(tok: &Token) -> bool {
    tok.class == Class::Op && !tok.is("not") && !(tok.ch == b'~' || tok.ch == b'!') || is_cmp(tok)
}

/// Literal text without quotes, for comparing `'1'='1`.
pub(super) fn literal_text<'a>(input_tok: &Token, src: &'a [u8]) -> &'a [u8] {
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
pub(super) fn expr(t: &[Token], i: usize, src: &[u8]) -> Option<(usize, Expr)> {
    expr_at(t, i, src, 0)
}

/// Deepest nesting of parenthesised conditions looked into (bounded work).
pub(super) const MAX_NEST: u8 = 3;

pub(super) fn expr_at(t: &[Token], i: usize, src: &[u8], depth: u8) -> Option<(usize, Expr)> {
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
pub(super) fn postfix_test(t: &[Token], j: usize, e: &mut Expr) -> usize {
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

pub(super) fn contains_select(t: &[Token], from: usize, to: usize) -> bool {
    t[from..to.min(t.len())]
        .windows(2)
        .any(|w| w[0].class == Class::LParen && w[1].is("select"))
}

/// Whether the query could end after index `j` without a syntax error the attacker would
/// avoid: end of value, a comment, `;`, another condition, a closing bracket, the
/// application's own closing quote, or a clause keyword.
pub(super) fn terminated(t: &[Token], j: usize) -> bool {
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

/// Whether `a op b` over two constants is always true (`1=1`, `'a' like 'a'`, `1!=2`): the
/// tautology a probe uses, as opposed to a value like `11=1` or `123<456`.
pub(super) fn always_true(a: &Token, op: &Token, b: &Token, src: &[u8]) -> bool {
    let (x, y) = (literal_text(a, src), literal_text(b, src));
    let same = x.eq_ignore_ascii_case(y);
    let op_text = &src[op.start..op.end];
    match op_text {
        b"=" | b"==" | b"<=>" | b"<=" | b">=" => same,
        b"!=" | b"<>" => !same,
        _ => matches!(op.word, "like" | "is" | "regexp" | "rlike" | "glob") && same,
    }
}
