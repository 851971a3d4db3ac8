//! SQL injection by tokenising. (Skeleton: the SQLi/XSS work fills this in.)

use std::ops::Range;

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
}

/// Whether `input` (one decoded value, case kept) is SQL injection.
pub fn detect(_input: &str) -> Option<SqliMatch> {
    None
}
