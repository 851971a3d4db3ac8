//! Masking of sensitive values: per-type display conventions (research notes §3.10, PCI for card
//! numbers), generic strategies (keep edges, redact, salted hash, format-preserving pseudonyms),
//! free-text span masking, and JSON body masking by field path that leaves every byte outside the
//! masked values untouched.
//!
//! Behaviour worth knowing:
//! * `Default` and `KeepEdges` replace each masked character with one `*`, so the char count is kept,
//!   except: e-mail (`g***@domain`), non-Chinese names (`J*** S***`), IP addresses (`101.86.*.*`) and
//!   passwords / secret keys / JWTs (fixed `******`), whose length would itself leak something.
//! * When a value has too few maskable characters for the kept prefix and suffix to leave anything
//!   masked, every maskable character is masked instead: a mask never returns the value unchanged.
//! * A value that does not have the shape of its type (an e-mail without `@`) falls back to the
//!   generic rule: first 2 + last 2 alphanumerics if there are at least 8, else all masked.

mod fpe;
mod json;
mod rules;

#[cfg(test)]
mod json_tests;
#[cfg(test)]
mod tests;

use std::ops::Range;

use serde::{Deserialize, Serialize};

use crate::SensitiveType;

pub use json::{mask_json, FieldPath, JsonMaskRule, MaskedJson, PathSegment, MAX_JSON_DEPTH};

/// The fixed replacement used by [`MaskStrategy::Redact`] and for secrets, so length never leaks.
pub const REDACTED: &str = "******";

/// How a sensitive value is masked; config names are snake_case (`default`, `redact`,
/// `{keep_edges: {prefix: 3, suffix: 4}}`, `hash`, `format_preserving`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MaskStrategy {
    /// The per-type display convention (mobile `138****5678`, ID `110105********002X`, ...).
    #[default]
    Default,
    /// Keep `prefix` leading and `suffix` trailing alphanumerics, mask the ones between, keep
    /// separators; masks every alphanumeric when fewer than `prefix + suffix + 1` exist.
    KeepEdges {
        /// Alphanumerics kept at the start.
        prefix: usize,
        /// Alphanumerics kept at the end.
        suffix: usize,
    },
    /// Replace the whole value with the fixed [`REDACTED`] marker.
    Redact,
    /// `h:` + first 16 hex chars of `sha256(salt || value)`: joinable across samples, not readable.
    Hash,
    /// Deterministic same-shape pseudonym (digits stay digits, letters keep case, separators stay;
    /// card/IMEI stay Luhn-valid, resident IDs keep the birth date and a valid check char).
    FormatPreserving,
}

/// Why masking could not be done; the caller then passes the body through unmasked and counts it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MaskError {
    /// The body is not valid JSON (RFC 8259, UTF-8).
    #[error("malformed JSON at byte {offset}: {reason}")]
    Malformed {
        /// Byte offset in the body where the problem was detected.
        offset: usize,
        /// What was wrong there.
        reason: &'static str,
    },
    /// The body nests objects/arrays deeper than [`MAX_JSON_DEPTH`].
    #[error("JSON nesting deeper than {limit} levels at byte {offset}")]
    TooDeep {
        /// Byte offset of the `{` or `[` that went past the limit.
        offset: usize,
        /// The nesting limit.
        limit: usize,
    },
    /// A field path in a masking rule does not parse.
    #[error("invalid field path `{path}` at byte {offset}: {reason}")]
    InvalidPath {
        /// The path as given.
        path: String,
        /// Byte offset in the path where the problem was detected.
        offset: usize,
        /// What was wrong there.
        reason: &'static str,
    },
}

/// Mask one value of type `ty` with `strategy`; `salt` keys `Hash` and `FormatPreserving` (ignored
/// by the other strategies). Works on chars, never panics.
pub fn mask_value(value: &str, ty: SensitiveType, strategy: &MaskStrategy, salt: &[u8]) -> String {
    match strategy {
        MaskStrategy::Default => rules::default_mask(value, ty),
        MaskStrategy::KeepEdges { prefix, suffix } => {
            rules::keep_edges(value, char::is_alphanumeric, *prefix, *suffix)
        }
        MaskStrategy::Redact => REDACTED.to_owned(),
        MaskStrategy::Hash => fpe::hash_token(value, salt),
        MaskStrategy::FormatPreserving => fpe::format_preserving(value, ty, salt),
    }
}

/// Mask the given byte ranges of free text, leaving the rest as is. Ranges may come in any order;
/// overlapping ranges are merged (the merged span takes the type of its earliest, then longest,
/// range); empty ranges, ranges out of bounds or not on char boundaries are ignored.
pub fn mask_spans(
    text: &str,
    spans: &[(Range<usize>, SensitiveType)],
    strategy: &MaskStrategy,
    salt: &[u8],
) -> String {
    let mut valid: Vec<(Range<usize>, SensitiveType)> = spans
        .iter()
        .filter(|(r, _)| {
            r.start < r.end
                && r.end <= text.len()
                && text.is_char_boundary(r.start)
                && text.is_char_boundary(r.end)
        })
        .cloned()
        .collect();
    valid.sort_by(|a, b| a.0.start.cmp(&b.0.start).then(b.0.end.cmp(&a.0.end)));

    let mut merged: Vec<(Range<usize>, SensitiveType)> = Vec::with_capacity(valid.len());
    for (r, ty) in valid {
        match merged.last_mut() {
            Some((last, _)) if r.start < last.end => last.end = last.end.max(r.end),
            _ => merged.push((r, ty)),
        }
    }

    let mut out = String::with_capacity(text.len());
    let mut copied = 0;
    for (r, ty) in merged {
        out.push_str(&text[copied..r.start]);
        out.push_str(&mask_value(&text[r.clone()], ty, strategy, salt));
        copied = r.end;
    }
    out.push_str(&text[copied..]);
    out
}
