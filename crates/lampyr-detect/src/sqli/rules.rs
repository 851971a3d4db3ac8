//! The shapes of injections, checked over one context's token sequence.
//!
//! Two groups: *anchored* shapes must start where the value starts (right after the string
//! the value breaks out of, or after a leading number), because that is where an injected
//! value enters the query; *anywhere* shapes are strong enough to count wherever they are
//! (`union select`, `; drop table`, `sleep(5)`, `xp_cmdshell`).

mod anchored;
mod anywhere;
mod expr;
mod statement;

use std::ops::Range;

use super::lexer::{Class, Lexed, Token};

use self::anchored::anchored;
use self::anywhere::anywhere;

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
