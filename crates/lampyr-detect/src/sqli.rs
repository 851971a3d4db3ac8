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
    /// The context the value was read in: `none` (as it is), `single`, `double` quote or
    /// `backtick` (a MySQL quoted identifier).
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
        return lone_name(bytes).filter(|m| m.paranoia <= max_paranoia);
    }
    let mut lexed = lexer::Lexed::default();
    let best = detect_in(bytes, 0, max_paranoia, &mut lexed);
    if best
        .as_ref()
        .is_some_and(|b| b.paranoia <= max_paranoia.min(2))
    {
        return best;
    }
    // `name=value` inside one value (a nested query string, a form body encoded twice): the
    // part after `=` is where an injection would start.
    match embedded_value(bytes) {
        Some(at) => {
            let inner = detect_in(&bytes[at..], at, max_paranoia, &mut lexed);
            match (best, inner) {
                (Some(b), Some(i)) => Some(if i.paranoia < b.paranoia { i } else { b }),
                (b, i) => b.or(i),
            }
        }
        None => best,
    }
}

/// The quote contexts a value is read in: as it is, then after each kind of quote. The
/// `std` forms read a backslash as an ordinary byte (standard SQL strings), tried only when
/// the value has a backslash before that quote.
const CONTEXTS: [(Option<u8>, bool, &str); 7] = [
    (None, false, "none"),
    (Some(b'\''), false, "single"),
    (Some(b'"'), false, "double"),
    (Some(b'`'), false, "backtick"),
    (Some(b'\''), true, "single"),
    (Some(b'"'), true, "double"),
    (Some(b'`'), true, "backtick"),
];

/// All contexts over `bytes` (which start at `offset` of the value).
fn detect_in(
    bytes: &[u8],
    offset: usize,
    max_paranoia: u8,
    lexed: &mut lexer::Lexed,
) -> Option<SqliMatch> {
    let mut best: Option<SqliMatch> = None;
    for (quote, std_strings, context) in CONTEXTS {
        if let Some(q) = quote {
            let Some(first) = memchr::memchr(q, bytes) else {
                continue;
            };
            // Without a backslash before the first quote both readings are the same.
            if std_strings && (first == 0 || bytes[first - 1] != b'\\') {
                continue;
            }
        }
        lexer::lex(bytes, quote, std_strings, lexed);
        let Some(found) = rules::analyse(lexed, bytes, quote.is_some()) else {
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
            span: span.start + offset..span.end + offset,
            paranoia: found.paranoia,
            context,
        });
        if found.paranoia == 1 {
            break;
        }
    }
    best
}

/// Where the value of a leading `name=` starts, when the value begins with one: a name of
/// word bytes (and `.`, `[`, `]`, `-`) of at most 64 bytes, then a single `=`.
fn embedded_value(bytes: &[u8]) -> Option<usize> {
    let first = *bytes.first()?;
    if !(first.is_ascii_alphabetic() || first == b'_') {
        return None;
    }
    let eq = bytes.iter().take(65).position(|&b| {
        !(b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'[' | b']' | b'-'))
    })?;
    (bytes[eq] == b'=' && bytes.get(eq + 1).is_some_and(|&b| b != b'=') && eq + 1 < bytes.len())
        .then_some(eq + 1)
}

/// A value that is one word and that word is a name only SQL has (a catalog table, a
/// dangerous procedure): a probe for what the database lets through.
fn lone_name(bytes: &[u8]) -> Option<SqliMatch> {
    // Every such name starts with one of these letters: most words end here.
    if !(6..=keywords::MAX_WORD).contains(&bytes.len())
        || !matches!(
            bytes[0] | 0x20,
            b'i' | b's' | b'm' | b'p' | b'x' | b'u' | b'o'
        )
    {
        return None;
    }
    let w = keywords::lookup(bytes).filter(|w| w.lone)?;
    Some(SqliMatch {
        kind: if w.tag == keywords::Tag::Schema {
            "catalog_access"
        } else {
            "command_exec"
        },
        fingerprint: "n".into(),
        span: 0..bytes.len(),
        paranoia: 2,
        context: "none",
    })
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

/// The prefilter: one table look-up per byte, plus `--` (a comment with no other signal) and
/// `::` (a PostgreSQL cast).
fn could_be_sql(bytes: &[u8]) -> bool {
    bytes.iter().any(|&b| SQL_BYTES[b as usize])
        || bytes
            .windows(2)
            .any(|w| w[0] == w[1] && matches!(w[0], b'-' | b':'))
}

#[cfg(test)]
mod tests;
