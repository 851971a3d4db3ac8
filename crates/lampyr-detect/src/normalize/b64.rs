//! The base64 view: a value that strictly decodes to mostly printable text.

use base64::Engine as _;

use super::{MAX_BASE64_LEN, MIN_BASE64_LEN};

/// The text a value encodes when it is strict base64 (standard or URL-safe alphabet, correct
/// padding, [`MIN_BASE64_LEN`]..=[`MAX_BASE64_LEN`] long, not plain hex or digits) of valid
/// UTF-8 that is at least 90 % printable; `None` otherwise.
pub fn base64_text(value: &str) -> Option<String> {
    let v = value.trim();
    let n = v.len();
    if !(MIN_BASE64_LEN..=MAX_BASE64_LEN).contains(&n) {
        return None;
    }
    let b = v.as_bytes();
    let body = v.trim_end_matches('=');
    if n - body.len() > 2 {
        return None;
    }
    let padded = body.len() != n;
    if (padded && !n.is_multiple_of(4)) || (!padded && n % 4 == 1) {
        return None;
    }
    let (mut std_only, mut url_only, mut upper, mut lower, mut nonhex) =
        (false, false, false, false, false);
    for &c in body.as_bytes() {
        match c {
            b'A'..=b'Z' => {
                upper = true;
                nonhex |= c > b'F';
            }
            b'a'..=b'z' => {
                lower = true;
                nonhex |= c > b'f';
            }
            b'0'..=b'9' => {}
            b'+' | b'/' => std_only = true,
            b'-' | b'_' => url_only = true,
            _ => return None,
        }
    }
    if (std_only && url_only) || !(upper && lower) || !nonhex {
        return None;
    }
    let _ = b;
    let engine = if url_only {
        base64::engine::general_purpose::URL_SAFE_NO_PAD
    } else {
        base64::engine::general_purpose::STANDARD_NO_PAD
    };
    let bytes = engine.decode(body).ok()?;
    let text = String::from_utf8(bytes).ok()?;
    let total = text.chars().count();
    let printable = text
        .chars()
        .filter(|c| !c.is_control() || matches!(c, '\n' | '\r' | '\t'))
        .count();
    (total >= 4 && printable * 10 >= total * 9).then_some(text)
}
