//! Normalisation: the views of one value that the rules read ([`crate::rules::Value`]).
//!
//! Attackers hide payloads behind encodings a backend undoes (`%252e%252e%252f`, `&#x3c;`,
//! `\u003c`, full-width `＜`), so every rule would otherwise need every encoding. Decoding once
//! here, with bounded work, lets each rule be written against plain text:
//!
//! - [`decode`]: repeated URL decoding (`%XX`, `%uXXXX`, overlong UTF-8 `%c0%ae`), HTML entities
//!   (common named ones, decimal, hex), JS/JSON escapes (`\uXXXX`, `\u{X}`, `\xXX`, octal
//!   `\NNN`), at most [`MAX_ROUNDS`] rounds; then compatibility forms folded to ASCII (full-width,
//!   mathematical alphanumerics, small forms, ligatures, Unicode spaces) and NUL bytes removed.
//!   The output is never longer than the input.
//! - [`fold`]: lower case, `/* */` comments replaced by a space (the content of MySQL's `/*!...*/`
//!   kept), whitespace runs compressed to one space (CRS `t:lowercase,t:removeComments,
//!   t:compressWhitespace`).
//! - [`cmdline`]: the shell view (CRS `t:cmdLine`): `\ ' " ^` dropped, `$IFS`/`${IFS}` to a space,
//!   empty-variable tricks (`$@`, `${x}` inside a word) removed, spacing around `;` and `,`
//!   removed.
//! - [`base64_text`]: a value that is strict base64 of mostly printable text, decoded.

mod b64;
mod cmdline;
mod compat;
mod escapes;
mod fold;
#[cfg(test)]
mod tests;

pub use self::b64::base64_text;
pub use self::cmdline::cmdline;
pub use self::compat::compat_into;
pub use self::escapes::{html_decode_into, js_decode_into, url_decode_into};
pub use self::fold::fold;

use self::cmdline::cmdline_into;
use self::fold::{fold_ascii_into, fold_into};

/// Decoding rounds at most (URL, entities, escapes per round): triple encoding is common in
/// attacks, deeper nesting is not decoded by real backends either.
pub const MAX_ROUNDS: usize = 4;

/// Shortest value tried as base64 (shorter ones are words and ids, not payloads).
pub const MIN_BASE64_LEN: usize = 12;

/// Longest value tried as base64.
pub const MAX_BASE64_LEN: usize = 16 * 1024;

/// The normalised views of one value, with their buffers kept for reuse.
#[derive(Debug, Default, Clone)]
pub struct Views {
    /// See [`crate::rules::Value::decoded`].
    pub decoded: String,
    /// See [`crate::rules::Value::folded`].
    pub folded: String,
    /// See [`crate::rules::Value::cmdline`].
    pub cmdline: String,
    /// Whether a NUL byte was seen (and removed) while decoding.
    pub had_nul: bool,
    /// The bytes `decoded` holds (for the families' O(1) prefilters).
    pub bytes: crate::rules::ByteSet,
    scratch: String,
}

impl Views {
    /// Fills every view from `input` (a value already decoded once by its placement).
    pub fn fill(&mut self, input: &str) {
        use crate::rules::ByteSet;
        let in_bytes = ByteSet::of(input);
        if in_bytes.has_non_ascii() || in_bytes.any(b"%&\\\0") {
            self.had_nul = decode_into(input, &mut self.decoded, &mut self.scratch);
            self.bytes = ByteSet::of(&self.decoded);
        } else {
            // Plain ASCII with nothing to decode: the decoded view is the input.
            self.had_nul = false;
            self.decoded.clear();
            self.decoded.push_str(input);
            self.bytes = in_bytes;
        }
        let comment_possible = self.bytes.has(b'/') && self.bytes.has(b'*');
        if !(self.bytes.has_non_ascii() || comment_possible) {
            fold_ascii_into(&self.decoded, self.bytes.ascii_bits(), &mut self.folded);
        } else {
            fold_into(&self.decoded, &mut self.folded);
        }
        // Folding only lowers letters, blanks out spacing and drops comments: without any
        // shell byte in the decoded text there is none in the folded one either, and the
        // shell view is the folded text.
        if self.bytes.any(b"\\'\"^$;,") {
            cmdline_into(&self.folded, &mut self.cmdline);
        } else {
            self.cmdline.clear();
            self.cmdline.push_str(&self.folded);
        }
    }
}

/// `bytes` as text, invalid UTF-8 replaced by U+FFFD: the same as
/// [`String::from_utf8_lossy`], but valid input (nearly every request) is checked by the
/// standard validator, which skips ASCII a word at a time, instead of byte by byte.
pub(crate) fn utf8_lossy(bytes: &[u8]) -> std::borrow::Cow<'_, str> {
    match std::str::from_utf8(bytes) {
        Ok(text) => std::borrow::Cow::Borrowed(text),
        Err(_) => String::from_utf8_lossy(bytes),
    }
}

/// Fully decodes `input` (see the module doc).
pub fn decode(input: &str) -> String {
    let mut out = String::new();
    let mut scratch = String::new();
    decode_into(input, &mut out, &mut scratch);
    out
}

/// [`decode`] into `out`; returns whether a NUL byte was removed.
fn decode_into(input: &str, out: &mut String, scratch: &mut String) -> bool {
    out.clear();
    out.push_str(input);
    if needs_decoding(input) {
        for _ in 0..MAX_ROUNDS {
            let mut changed = false;
            if out.contains('%') {
                changed |= url_decode_into(out, scratch);
                std::mem::swap(out, scratch);
            }
            if out.contains('&') {
                changed |= html_decode_into(out, scratch);
                std::mem::swap(out, scratch);
            }
            if out.contains('\\') {
                changed |= js_decode_into(out, scratch);
                std::mem::swap(out, scratch);
            }
            if !changed {
                break;
            }
        }
    }
    let had_nul = out.contains('\0');
    if !out.is_ascii() {
        // Zero-width characters fold to NUL and go with the NULs below.
        compat_into(out, scratch);
        std::mem::swap(out, scratch);
    }
    if out.contains('\0') {
        out.retain(|c| c != '\0');
    }
    had_nul
}

fn needs_decoding(s: &str) -> bool {
    s.bytes().any(|b| matches!(b, b'%' | b'&' | b'\\'))
}
