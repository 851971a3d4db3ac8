//! Format detection from the first bytes of an input.

use crate::{Format, IngestError};

/// How many bytes are looked at to tell HAR from JSON Lines.
pub(crate) const PEEK: usize = 64 * 1024;

/// What a scan of the first object found.
#[derive(Debug, PartialEq, Eq)]
enum Scan {
    /// A top-level `"log"` key came first.
    Log,
    /// A top-level `"request"`, `"response"` or `"v"` key came first.
    Record,
    /// The first object ended without either key.
    Closed { multiline: bool },
    /// The peeked bytes ended inside the first object.
    Open { multiline: bool },
}

/// Decides the format of an input from its first bytes (`head`, at most [`PEEK`] of them,
/// without a byte-order mark). `hint` (from the file name) settles the cases the content
/// leaves open; the content wins when it is clear.
pub(crate) fn detect(head: &[u8], hint: Option<Format>) -> Result<Format, IngestError> {
    let Some(start) = head.iter().position(|b| !b.is_ascii_whitespace()) else {
        // Empty input: nothing to read either way.
        return Ok(hint.unwrap_or(Format::Jsonl));
    };
    if head[start] != b'{' {
        let shown: String = String::from_utf8_lossy(&head[start..head.len().min(start + 16)])
            .chars()
            .map(|c| if c.is_control() { '.' } else { c })
            .collect();
        return Err(IngestError::UnknownFormat(format!(
            "expected a HAR (one JSON object) or Exchange JSON Lines (one object per line), \
             but the input starts with {shown:?}"
        )));
    }
    Ok(match scan(&head[start..]) {
        Scan::Log => Format::Har,
        Scan::Record => Format::Jsonl,
        // A JSON Lines record never spans lines.
        Scan::Closed { multiline: true } | Scan::Open { multiline: true } => Format::Har,
        Scan::Open { multiline: false } => hint.unwrap_or(Format::Har),
        Scan::Closed { multiline: false } => hint.ok_or_else(|| {
            IngestError::UnknownFormat(
                "the first object has neither a top-level \"log\" (HAR) nor a \"request\" \
                 (Exchange JSON Lines)"
                    .into(),
            )
        })?,
    })
}

/// Walks the first JSON object (which starts at `bytes[0]`) far enough to find a top-level
/// key that tells the format.
fn scan(bytes: &[u8]) -> Scan {
    let mut depth = 0usize;
    let mut in_string = false;
    let mut escaped = false;
    let mut is_key = false;
    let mut expect_key = false;
    let mut key_start = 0;
    let mut multiline = false;
    for (i, &c) in bytes.iter().enumerate() {
        if in_string {
            if escaped {
                escaped = false;
            } else if c == b'\\' {
                escaped = true;
            } else if c == b'"' {
                in_string = false;
                if is_key {
                    match &bytes[key_start..i] {
                        b"log" => return Scan::Log,
                        // Top-level members of an exchange record that no HAR has.
                        b"request" | b"response" | b"v" => return Scan::Record,
                        _ => {}
                    }
                }
            } else if c == b'\n' {
                multiline = true;
            }
            continue;
        }
        match c {
            b'"' => {
                in_string = true;
                is_key = depth == 1 && expect_key;
                key_start = i + 1;
            }
            b'{' | b'[' => {
                depth += 1;
                if depth == 1 {
                    expect_key = c == b'{';
                }
            }
            b'}' | b']' => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    return Scan::Closed { multiline };
                }
            }
            b':' if depth == 1 => expect_key = false,
            b',' if depth == 1 => expect_key = true,
            b'\n' => multiline = true,
            _ => {}
        }
    }
    Scan::Open { multiline }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(text: &str, hint: Option<Format>) -> Option<Format> {
        detect(text.as_bytes(), hint).ok()
    }

    #[test]
    fn har_and_jsonl_by_first_key() {
        assert_eq!(d("  {\"log\": {\"entries\": []}}", None), Some(Format::Har));
        assert_eq!(
            d("{\"comment\": \"x\", \"log\": {}}", Some(Format::Jsonl)),
            Some(Format::Har)
        );
        assert_eq!(d("{\"v\":1,\"request\":{}}\n{}", None), Some(Format::Jsonl));
        // A long first line whose "request" is beyond the peeked bytes.
        let long = format!("{{\"response\":{{\"body\":\"{}", "x".repeat(PEEK));
        assert_eq!(d(&long[..PEEK], None), Some(Format::Jsonl));
        // Keys inside nested objects and strings do not count.
        assert_eq!(
            d(
                "{\"x\": {\"log\": 1}, \"s\": \"\\\"log\", \"request\": {}}",
                None
            ),
            Some(Format::Jsonl)
        );
    }

    #[test]
    fn ambiguous_cases_use_the_hint() {
        assert_eq!(d("{\"a\":1}\n", Some(Format::Jsonl)), Some(Format::Jsonl));
        assert_eq!(d("{\"a\":1}\n", None), None);
        assert_eq!(d("{\n \"a\": 1\n}", None), Some(Format::Har));
        assert_eq!(
            d("{\"a\": \"unfinished", Some(Format::Jsonl)),
            Some(Format::Jsonl)
        );
        assert_eq!(d("", None), Some(Format::Jsonl));
        assert_eq!(d(" \n ", Some(Format::Har)), Some(Format::Har));
    }

    #[test]
    fn non_objects_are_rejected() {
        let err = detect(b"[1,2]", None).unwrap_err();
        assert!(err.to_string().contains("starts with \"[1,2]\""), "{err}");
        assert!(detect(b"\x00\x01binary", Some(Format::Har)).is_err());
    }
}
