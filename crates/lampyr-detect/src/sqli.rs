//! SQL injection by tokenising.
//!
//! A value is tokenised three times, as libinjection does: as it is (a number or an
//! expression pasted into a query), as if it followed a `'` and as if it followed a `"` (text
//! pasted into a quoted string, which an injection must break out of). Each token sequence is
//! checked for shapes that real injections have and prose does not: a tautology or condition
//! right after the break (`' or 1=1--`), a comment cutting the query (`admin'--`),
//! `union select`, stacked statements (`; drop table`), delay functions, error-based and file
//! functions, catalog tables, MSSQL procedures, sub-selects, executable comments.
//!
//! Each kind carries a paranoia level: 1 for structure no benign value has, 2 for shapes that
//! are nearly always attacks but can occur in technical text, 3 for lone keyword pairs.
//!
//! Cost: a value without any byte that could start an injection (quote, comment, operator,
//! bracket, whitespace...) is dismissed by one table scan; others are tokenised at most three
//! times, each capped at [`MAX_TOKENS`](lexer::MAX_TOKENS) tokens and [`MAX_INPUT`] bytes.

mod keywords;
mod lexer;
mod rules;

use std::ops::Range;

/// Bytes of one value that are analysed; the rest is ignored (the token cap binds first on
/// most inputs).
pub const MAX_INPUT: usize = 16 * 1024;

/// A value that tokenises as an injection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SqliMatch {
    /// Short name of what was recognised (`tautology`, `union_select`, `stacked_query`...).
    pub kind: &'static str,
    /// Token-class fingerprint of the injected part, for evidence and tests.
    pub fingerprint: String,
    /// The bytes of the input that carry the injection.
    pub span: Range<usize>,
    /// Paranoia level 1–4 at which this kind of match counts.
    pub paranoia: u8,
    /// The context the value was read in: `none` (as it is), `single` or `double` quote.
    pub context: &'static str,
}

/// Whether `input` (one decoded value, case kept) is SQL injection. Returns the match of the
/// lowest paranoia level over the three contexts.
pub fn detect(input: &str) -> Option<SqliMatch> {
    detect_at(input, 4)
}

/// Like [`detect`], but stops looking as soon as a match at or below `max_paranoia` is found
/// and never returns one above it: the inspector's entry point.
pub fn detect_at(input: &str, max_paranoia: u8) -> Option<SqliMatch> {
    let bytes = &input.as_bytes()[..input.len().min(MAX_INPUT)];
    if !could_be_sql(bytes) {
        return None;
    }
    let mut lexed = lexer::Lexed::default();
    let mut best: Option<SqliMatch> = None;
    for (quote, context) in [
        (None, "none"),
        (Some(b'\''), "single"),
        (Some(b'"'), "double"),
    ] {
        if let Some(q) = quote {
            if memchr::memchr(q, bytes).is_none() {
                continue;
            }
        }
        lexer::lex(bytes, quote, &mut lexed);
        let Some(found) = rules::analyse(&lexed, bytes, quote.is_some()) else {
            continue;
        };
        if found.paranoia > max_paranoia
            || best.as_ref().is_some_and(|b| b.paranoia <= found.paranoia)
        {
            continue;
        }
        let toks = &lexed.tokens[found.tokens.clone()];
        let span = toks.first().map_or(0, |t| t.start)..toks.last().map_or(0, |t| t.end);
        best = Some(SqliMatch {
            kind: found.kind,
            fingerprint: toks.iter().take(24).map(|t| t.class.as_char()).collect(),
            span,
            paranoia: found.paranoia,
            context,
        });
        if found.paranoia == 1 {
            break;
        }
    }
    best
}

/// Bytes that can take part in an injection. A value made only of other bytes (letters,
/// digits, `-`, `.`, `_`, `:`, non-ASCII...) is a single word and cannot be SQL injection.
static SQL_BYTES: [bool; 256] = {
    let mut t = [false; 256];
    let special = b" \t\n\r\x0b\x0c'\"`;()=#/*@<>|&!^~+\\";
    let mut i = 0;
    while i < special.len() {
        t[special[i] as usize] = true;
        i += 1;
    }
    t
};

/// The prefilter: one table look-up per byte, plus `--` (a comment with no other signal).
fn could_be_sql(bytes: &[u8]) -> bool {
    bytes.iter().any(|&b| SQL_BYTES[b as usize]) || memchr::memmem::find(bytes, b"--").is_some()
}

#[cfg(test)]
mod tests;
