//! Leaves of a JSON document with exact field paths.
//!
//! `lampyr_classify::json::walk` joins keys with `.` unescaped, so a key such as `user.phone`
//! would yield a path that selects something else when masking. This walker keeps the path as
//! segments and writes it in `FieldPath` syntax with escapes. It expects a document already
//! validated (the caller runs a JSON parser first) and stays panic-free on anything else.

use std::borrow::Cow;

/// One string or number leaf.
pub(super) struct Leaf<'a> {
    /// The path in `FieldPath` syntax, with escapes; an empty key (which the syntax cannot
    /// name) is written `*`, which selects it along with its siblings.
    pub path: &'a str,
    /// Nearest object key (for array items, the array's key); empty at the top.
    pub key: &'a str,
    /// The key enclosing `key`; empty when none.
    pub parent: &'a str,
    /// Decoded string content, or the number's text.
    pub value: &'a str,
}

/// The document nests deeper than the walker follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct TooDeep;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Frame {
    Object,
    Array,
}

/// The current path: segments with the path text length before each.
#[derive(Default)]
struct Path {
    text: String,
    /// `(key, text length before the segment)`; `None` for an array item.
    segs: Vec<(Option<String>, usize)>,
}

impl Path {
    fn push_key(&mut self, k: String) {
        let before = self.text.len();
        if !self.text.is_empty() {
            self.text.push('.');
        }
        if k.is_empty() {
            self.text.push('*');
        } else if k == "*" {
            self.text.push_str("\\*");
        } else {
            for c in k.chars() {
                if matches!(c, '.' | '[' | ']' | '\\') {
                    self.text.push('\\');
                }
                self.text.push(c);
            }
        }
        self.segs.push((Some(k), before));
    }

    fn push_item(&mut self) {
        self.segs.push((None, self.text.len()));
        self.text.push_str("[]");
    }

    fn pop(&mut self) {
        if let Some((_, before)) = self.segs.pop() {
            self.text.truncate(before);
        }
    }

    fn emit(&self, value: &str, f: &mut impl FnMut(Leaf<'_>) -> bool) -> bool {
        let mut keys = self.segs.iter().rev().filter_map(|(k, _)| k.as_deref());
        let key = keys.next().unwrap_or("");
        let parent = keys.next().unwrap_or("");
        f(Leaf {
            path: &self.text,
            key,
            parent,
            value,
        })
    }
}

/// Calls `f` for every string and number leaf of `doc`, in document order, until `f` returns
/// false. Nesting deeper than `max_depth` stops the walk with [`TooDeep`].
pub(super) fn leaves(
    doc: &[u8],
    max_depth: usize,
    mut f: impl FnMut(Leaf<'_>) -> bool,
) -> Result<(), TooDeep> {
    let mut stack: Vec<Frame> = Vec::new();
    let mut path = Path::default();
    let mut i = 0usize;
    // After a value inside an object, its key segment is dropped.
    let end_value = |stack: &[Frame], path: &mut Path| {
        if stack.last() == Some(&Frame::Object) {
            path.pop();
        }
    };
    while let Some(&c) = doc.get(i) {
        match c {
            b' ' | b'\t' | b'\n' | b'\r' | b',' | b':' => i += 1,
            b'{' | b'[' => {
                if stack.len() >= max_depth {
                    return Err(TooDeep);
                }
                if c == b'{' {
                    stack.push(Frame::Object);
                } else {
                    stack.push(Frame::Array);
                    path.push_item();
                }
                i += 1;
            }
            b'}' | b']' => {
                if stack.pop() == Some(Frame::Array) {
                    path.pop();
                }
                i += 1;
                end_value(&stack, &mut path);
            }
            b'"' => {
                let end = string_end(doc, i);
                let raw = &doc[i..end];
                i = end;
                let text = decode(raw);
                let mut j = i;
                while doc.get(j).is_some_and(u8::is_ascii_whitespace) {
                    j += 1;
                }
                if stack.last() == Some(&Frame::Object) && doc.get(j) == Some(&b':') {
                    path.push_key(text.into_owned());
                    continue;
                }
                if !path.emit(&text, &mut f) {
                    return Ok(());
                }
                end_value(&stack, &mut path);
            }
            b't' | b'f' | b'n' => {
                while doc.get(i).is_some_and(u8::is_ascii_alphabetic) {
                    i += 1;
                }
                end_value(&stack, &mut path);
            }
            _ => {
                let start = i;
                while doc.get(i).is_some_and(|b| {
                    b.is_ascii_digit() || matches!(b, b'-' | b'+' | b'.' | b'e' | b'E')
                }) {
                    i += 1;
                }
                if i == start {
                    // Not JSON: stop rather than loop.
                    return Ok(());
                }
                let text = String::from_utf8_lossy(&doc[start..i]);
                if !path.emit(&text, &mut f) {
                    return Ok(());
                }
                end_value(&stack, &mut path);
            }
        }
    }
    Ok(())
}

/// Index just past the closing quote of the string starting at `start` (or the end).
fn string_end(doc: &[u8], start: usize) -> usize {
    let mut i = start + 1;
    while let Some(&b) = doc.get(i) {
        match b {
            b'\\' => i += 2,
            b'"' => return i + 1,
            _ => i += 1,
        }
    }
    doc.len()
}

/// A string literal's content with escapes decoded.
fn decode(raw: &[u8]) -> Cow<'_, str> {
    if !raw.contains(&b'\\') {
        let inner = raw.get(1..raw.len().saturating_sub(1)).unwrap_or_default();
        return String::from_utf8_lossy(inner);
    }
    match serde_json::from_slice::<String>(raw) {
        Ok(s) => Cow::Owned(s),
        Err(_) => String::from_utf8_lossy(raw),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn collect(doc: &str) -> Vec<(String, String, String, String)> {
        let mut out = Vec::new();
        let _ = leaves(doc.as_bytes(), 256, |l| {
            out.push((
                l.path.to_owned(),
                l.key.to_owned(),
                l.parent.to_owned(),
                l.value.to_owned(),
            ));
            true
        });
        out
    }

    #[test]
    fn paths_keys_and_values() {
        let got = collect(
            r#"{"a": {"b": [ {"c": "x\"y", "n": -1.5e3}, 7 ], "t": true, "z": null}, "e": [], "f": {}, "g": "end"}"#,
        );
        let want = [
            ("a.b[].c", "c", "b", "x\"y"),
            ("a.b[].n", "n", "b", "-1.5e3"),
            ("a.b[]", "b", "a", "7"),
            ("g", "g", "", "end"),
        ];
        assert_eq!(got.len(), want.len(), "{got:?}");
        for (g, w) in got.iter().zip(want) {
            assert_eq!((g.0.as_str(), g.1.as_str(), g.2.as_str(), g.3.as_str()), w);
        }
    }

    #[test]
    fn special_keys_are_escaped() {
        let got = collect(r#"{"user.phone": "1", "*": "2", "": "3", "a\\b[": "4"}"#);
        let paths: Vec<&str> = got.iter().map(|g| g.0.as_str()).collect();
        assert_eq!(paths, ["user\\.phone", "\\*", "*", "a\\\\b\\["]);
        for p in paths {
            assert!(lampyr_classify::mask::FieldPath::parse(p).is_ok(), "{p}");
        }
        assert_eq!(
            lampyr_classify::mask::FieldPath::parse("user\\.phone")
                .unwrap()
                .segments(),
            [lampyr_classify::mask::PathSegment::Key("user.phone".into())]
        );
    }

    #[test]
    fn top_level_arrays_and_garbage() {
        let got = collect(r#"[{"m": "1"}, ["2"]]"#);
        assert_eq!(got[0].0, "[].m");
        assert_eq!(got[1].0, "[][]");
        // Invalid input ends without panicking.
        collect("{\"a\": @@@");
        collect("\"unterminated");
        collect("]]]}}}");
    }

    #[test]
    fn depth_is_bounded_and_the_walk_can_stop() {
        let deep = format!("{}1{}", "[".repeat(300), "]".repeat(300));
        assert_eq!(leaves(deep.as_bytes(), 256, |_| true), Err(TooDeep));
        let mut n = 0;
        let r = leaves(b"[1,2,3,4]", 256, |_| {
            n += 1;
            n < 2
        });
        assert_eq!((r, n), (Ok(()), 2));
    }
}
