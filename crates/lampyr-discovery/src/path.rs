//! Splitting request paths into decoded segments.

use std::borrow::Cow;

/// Longest path (in segments) that discovery keys on; deeper paths fold their tail into the
/// last segment so an attacker cannot make the tree arbitrarily deep.
pub const MAX_SEGMENTS: usize = 32;

/// Longest text of the folded last segment of an over-deep path.
const MAX_FOLDED_LEN: usize = 4096;

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
            if last.len() > MAX_FOLDED_LEN {
                // Cut on a character boundary: the text is decoded and may be multi-byte.
                let mut end = MAX_FOLDED_LEN;
                while !last.is_char_boundary(end) {
                    end -= 1;
                }
                last.truncate(end);
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
    fn a_long_folded_tail_is_cut_on_a_character_boundary() {
        let deep = format!("{}/x{}", "/a".repeat(32), "%C3%A9".repeat(2100));
        let segs = split_path(&deep);
        assert_eq!(segs.len(), MAX_SEGMENTS);
        let last = segs.last().unwrap();
        assert!(
            last.len() <= MAX_FOLDED_LEN && last.ends_with('é'),
            "{}",
            last.len()
        );
    }

    #[test]
    fn depth_is_capped() {
        let deep = "/a".repeat(100);
        let segs = split_path(&deep);
        assert_eq!(segs.len(), MAX_SEGMENTS);
    }
}
