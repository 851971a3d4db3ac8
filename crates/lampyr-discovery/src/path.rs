//! Splitting request paths into decoded segments.

use std::borrow::Cow;

/// Longest path (in segments) that discovery keys on; deeper paths fold their tail into the
/// last segment so an attacker cannot make the tree arbitrarily deep.
pub const MAX_SEGMENTS: usize = 32;

/// Splits a raw path into percent-decoded, non-empty segments. Empty segments (double or
/// trailing slashes) are dropped: `/a//b/` and `/a/b` are the same endpoint.
pub fn split_path(path: &str) -> Vec<String> {
    let path = path.split(['?', '#']).next().unwrap_or("");
    let mut out: Vec<String> = Vec::new();
    for raw in path.split('/').filter(|s| !s.is_empty()) {
        let seg = decode(raw);
        if out.len() == MAX_SEGMENTS {
            let last = out.last_mut().expect("MAX_SEGMENTS > 0");
            last.push('/');
            last.push_str(&seg);
            if last.len() > 4096 {
                last.truncate(4096);
            }
        } else {
            out.push(seg.into_owned());
        }
    }
    out
}

fn decode(raw: &str) -> Cow<'_, str> {
    if raw.contains('%') {
        percent_encoding::percent_decode_str(raw).decode_utf8_lossy()
    } else {
        Cow::Borrowed(raw)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn drops_empty_segments_and_decodes() {
        assert_eq!(split_path("/a//b/"), ["a", "b"]);
        assert_eq!(split_path("/"), Vec::<String>::new());
        assert_eq!(split_path("/files/my%20doc"), ["files", "my doc"]);
        assert_eq!(split_path("/x?y=1"), ["x"]);
    }

    #[test]
    fn depth_is_capped() {
        let deep = "/a".repeat(100);
        let segs = split_path(&deep);
        assert_eq!(segs.len(), MAX_SEGMENTS);
    }
}
