//! Cross-site scripting by tokenising HTML. (Skeleton: the SQLi/XSS work fills this in.)

use std::ops::Range;

/// A value that tokenises as script injection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct XssMatch {
    /// Short name of what was recognised (`script_tag`, `event_handler`, `js_url`...).
    pub kind: &'static str,
    /// The bytes of the input that carry it.
    pub span: Range<usize>,
    /// Paranoia level 1–4 at which this kind of match counts.
    pub paranoia: u8,
}

/// Whether `input` (one decoded value, case kept) is script injection.
pub fn detect(_input: &str) -> Option<XssMatch> {
    None
}
