//! A JSON leaf walker: every string and number value with its field path (`data.list[].idCard`),
//! its key and its parent key, in one pass without building a tree.
//!
//! Written here rather than using serde_json because classification needs the path of every
//! leaf, not a tree: walking a `serde_json::Value` would allocate every string and map first.
//! The walker is iterative (an explicit stack), so nesting depth costs heap, not call stack,
//! and is capped. Malformed documents stop the walk with an error; leaves already reported
//! stay reported (the caller decides whether a truncated body's prefix counts).

use std::borrow::Cow;

/// Nesting depth beyond which a document is not walked further.
pub const MAX_DEPTH: usize = 128;

/// One leaf value.
#[derive(Debug)]
pub struct Leaf<'a, 'p> {
    /// Field path in the report's syntax.
    pub path: &'p str,
    /// The nearest object key (for array items, the array's key); empty at the top level.
    pub key: &'p str,
    /// The object key enclosing `key`, if any.
    pub parent: &'p str,
    /// The value: a string's content (escapes decoded) or a number's text.
    pub value: Cow<'a, str>,
    /// Index of the item in the outermost array on the path (a record of a list response).
    pub record: Option<u32>,
}

/// Why a walk stopped early.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WalkError {
    /// Not valid JSON at this byte offset.
    Malformed(usize),
    /// Nested deeper than [`MAX_DEPTH`].
    TooDeep(usize),
}

#[derive(Debug)]
enum Frame {
    Object {
        path_len: usize,
        key: (usize, usize),
    },
    Array {
        path_len: usize,
        index: u32,
    },
}

/// Buffers a walk needs, kept between walks so a classifier allocates them once.
#[derive(Debug, Default)]
pub struct WalkBuffers {
    path: String,
    keys: String,
    stack: Vec<Frame>,
}

/// Walks `doc`, calling `f` for every string and number leaf.
pub fn walk<'a>(doc: &'a str, f: impl FnMut(Leaf<'a, '_>)) -> Result<(), WalkError> {
    walk_with(doc, &mut WalkBuffers::default(), f)
}

/// [`walk`] with reusable buffers.
pub fn walk_with<'a>(
    doc: &'a str,
    bufs: &mut WalkBuffers,
    mut f: impl FnMut(Leaf<'a, '_>),
) -> Result<(), WalkError> {
    let b = doc.as_bytes();
    let mut i = 0usize;
    let WalkBuffers { path, keys, stack } = bufs;
    path.clear();
    keys.clear();
    stack.clear();
    let mut outer_array: Option<usize> = None; // stack depth of the outermost array
    let mut expect_value = true;
    skip_ws(b, &mut i);
    loop {
        if expect_value {
            skip_ws(b, &mut i);
            let Some(&c) = b.get(i) else {
                return Err(WalkError::Malformed(i));
            };
            match c {
                b'{' => {
                    if stack.len() >= MAX_DEPTH {
                        return Err(WalkError::TooDeep(i));
                    }
                    i += 1;
                    stack.push(Frame::Object {
                        path_len: path.len(),
                        key: (keys.len(), keys.len()),
                    });
                    skip_ws(b, &mut i);
                    if b.get(i) == Some(&b'}') {
                        i += 1;
                        pop(stack, path, keys, &mut outer_array);
                        expect_value = false;
                        continue;
                    }
                    // Read the first key.
                    if !read_key(doc, &mut i, stack, path, keys)? {
                        return Err(WalkError::Malformed(i));
                    }
                    continue;
                }
                b'[' => {
                    if stack.len() >= MAX_DEPTH {
                        return Err(WalkError::TooDeep(i));
                    }
                    i += 1;
                    let path_len = path.len();
                    path.push_str("[]");
                    if outer_array.is_none() {
                        outer_array = Some(stack.len());
                    }
                    stack.push(Frame::Array { path_len, index: 0 });
                    skip_ws(b, &mut i);
                    if b.get(i) == Some(&b']') {
                        i += 1;
                        pop(stack, path, keys, &mut outer_array);
                        expect_value = false;
                    }
                    continue;
                }
                b'"' => {
                    let s = read_string(doc, &mut i)?;
                    emit(stack, path, keys, outer_array, s, &mut f);
                }
                b'-' | b'0'..=b'9' => {
                    let start = i;
                    i = number_end(b, i).map_err(|(at, _)| WalkError::Malformed(at))?;
                    emit(
                        stack,
                        path,
                        keys,
                        outer_array,
                        Cow::Borrowed(&doc[start..i]),
                        &mut f,
                    );
                }
                b't' => literal(b, &mut i, b"true")?,
                b'f' => literal(b, &mut i, b"false")?,
                b'n' => literal(b, &mut i, b"null")?,
                _ => return Err(WalkError::Malformed(i)),
            }
            expect_value = false;
            continue;
        }
        // After a value: `,` or a closing bracket, or the end of the document.
        skip_ws(b, &mut i);
        let Some(frame) = stack.last_mut() else {
            return if i == b.len() {
                Ok(())
            } else {
                Err(WalkError::Malformed(i))
            };
        };
        let Some(&c) = b.get(i) else {
            return Err(WalkError::Malformed(i));
        };
        match (frame, c) {
            (Frame::Object { .. }, b',') => {
                i += 1;
                if !read_key(doc, &mut i, stack, path, keys)? {
                    return Err(WalkError::Malformed(i));
                }
                expect_value = true;
            }
            (Frame::Array { index, .. }, b',') => {
                i += 1;
                *index = index.saturating_add(1);
                expect_value = true;
            }
            (Frame::Object { .. }, b'}') | (Frame::Array { .. }, b']') => {
                i += 1;
                pop(stack, path, keys, &mut outer_array);
            }
            _ => return Err(WalkError::Malformed(i)),
        }
    }
}

fn pop(stack: &mut Vec<Frame>, path: &mut String, keys: &mut String, outer: &mut Option<usize>) {
    match stack.pop() {
        Some(Frame::Object { path_len, key }) => {
            path.truncate(path_len);
            keys.truncate(key.0);
        }
        Some(Frame::Array { path_len, .. }) => path.truncate(path_len),
        None => {}
    }
    if outer.is_some_and(|d| d >= stack.len()) {
        *outer = None;
    }
}

/// Reads `"key":` inside the top object frame and sets the frame's key and the path.
/// Returns false on a missing key.
fn read_key(
    doc: &str,
    i: &mut usize,
    stack: &mut [Frame],
    path: &mut String,
    keys: &mut String,
) -> Result<bool, WalkError> {
    let b = doc.as_bytes();
    skip_ws(b, i);
    if b.get(*i) != Some(&b'"') {
        return Ok(false);
    }
    let key = read_string(doc, i)?;
    skip_ws(b, i);
    if b.get(*i) != Some(&b':') {
        return Err(WalkError::Malformed(*i));
    }
    *i += 1;
    let Some(Frame::Object {
        path_len,
        key: range,
    }) = stack.last_mut()
    else {
        return Err(WalkError::Malformed(*i));
    };
    path.truncate(*path_len);
    if !path.is_empty() {
        path.push('.');
    }
    path.push_str(&key);
    keys.truncate(range.0);
    keys.push_str(&key);
    range.1 = keys.len();
    Ok(true)
}

fn emit<'a>(
    stack: &[Frame],
    path: &str,
    keys: &str,
    outer: Option<usize>,
    value: Cow<'a, str>,
    f: &mut impl FnMut(Leaf<'a, '_>),
) {
    // The leaf's key: the nearest object frame's key; its parent: the next object key above.
    let mut names = stack.iter().rev().filter_map(|fr| match fr {
        Frame::Object { key, .. } => Some(&keys[key.0..key.1]),
        Frame::Array { .. } => None,
    });
    let key = names.next().unwrap_or("");
    let parent = names.next().unwrap_or("");
    let record = outer.and_then(|d| match stack.get(d) {
        Some(Frame::Array { index, .. }) => Some(*index),
        _ => None,
    });
    f(Leaf {
        path,
        key,
        parent,
        value,
        record,
    });
}

/// End of the JSON number starting at `start`
/// (`-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`), or the offset where it breaks and why.
/// Shared with the JSON masker, whose errors name the reason.
pub(crate) fn number_end(b: &[u8], start: usize) -> Result<usize, (usize, &'static str)> {
    let digit_at = |i: usize| b.get(i).is_some_and(u8::is_ascii_digit);
    let digits_from = |mut i: usize, reason: &'static str| {
        if !digit_at(i) {
            return Err((i, reason));
        }
        while digit_at(i) {
            i += 1;
        }
        Ok(i)
    };
    let mut i = start;
    if b.get(i) == Some(&b'-') {
        i += 1;
    }
    i = if b.get(i) == Some(&b'0') {
        i + 1
    } else {
        digits_from(i, "expected a digit")?
    };
    if b.get(i) == Some(&b'.') {
        i = digits_from(i + 1, "expected a digit after the decimal point")?;
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(b.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        i = digits_from(i, "expected a digit in the exponent")?;
    }
    Ok(i)
}

fn skip_ws(b: &[u8], i: &mut usize) {
    while *i < b.len() && matches!(b[*i], b' ' | b'\t' | b'\n' | b'\r') {
        *i += 1;
    }
}

fn literal(b: &[u8], i: &mut usize, word: &[u8]) -> Result<(), WalkError> {
    if b.get(*i..*i + word.len()) == Some(word) {
        *i += word.len();
        Ok(())
    } else {
        Err(WalkError::Malformed(*i))
    }
}

/// Reads a string starting at the opening quote; leaves `i` after the closing quote.
fn read_string<'a>(doc: &'a str, i: &mut usize) -> Result<Cow<'a, str>, WalkError> {
    let b = doc.as_bytes();
    let start = *i + 1;
    let j = start
        + lampyr_core::json_text::find_string_stop(&b[start.min(b.len())..])
            .unwrap_or(b.len() - start.min(b.len()));
    match b.get(j) {
        Some(b'"') => {
            *i = j + 1;
            Ok(Cow::Borrowed(&doc[start..j]))
        }
        Some(b'\\') => read_escaped(doc, start, i),
        _ => Err(WalkError::Malformed(j)),
    }
}

fn read_escaped<'a>(doc: &'a str, start: usize, i: &mut usize) -> Result<Cow<'a, str>, WalkError> {
    let b = doc.as_bytes();
    let mut out = String::new();
    let mut j = start;
    let mut run = start;
    while j < b.len() {
        match b[j] {
            b'"' => {
                out.push_str(&doc[run..j]);
                *i = j + 1;
                return Ok(Cow::Owned(out));
            }
            b'\\' => {
                out.push_str(&doc[run..j]);
                let esc = *b.get(j + 1).ok_or(WalkError::Malformed(j))?;
                j += 2;
                match esc {
                    b'"' => out.push('"'),
                    b'\\' => out.push('\\'),
                    b'/' => out.push('/'),
                    b'b' => out.push('\u{8}'),
                    b'f' => out.push('\u{c}'),
                    b'n' => out.push('\n'),
                    b'r' => out.push('\r'),
                    b't' => out.push('\t'),
                    b'u' => {
                        let (ch, used) = unicode_escape(b, j).ok_or(WalkError::Malformed(j))?;
                        j += used;
                        out.push(ch);
                    }
                    _ => return Err(WalkError::Malformed(j - 1)),
                }
                run = j;
            }
            c if c < 0x20 => return Err(WalkError::Malformed(j)),
            _ => j += 1,
        }
    }
    Err(WalkError::Malformed(j))
}

/// The character of a `\uXXXX` escape whose hex digits start at `at` (a surrogate pair takes
/// the following `\uXXXX` too; a lone surrogate is U+FFFD, as serde_json reads it), and the
/// bytes used after the `u`. `None` when the digits are not four hex digits. Shared with the
/// JSON masker.
pub(crate) fn unicode_escape(b: &[u8], at: usize) -> Option<(char, usize)> {
    let hi = hex4(b, at)?;
    if (0xD800..0xDC00).contains(&hi)
        && b.get(at + 4) == Some(&b'\\')
        && b.get(at + 5) == Some(&b'u')
    {
        if let Some(lo) = hex4(b, at + 6).filter(|lo| (0xDC00..0xE000).contains(lo)) {
            let c = char::from_u32(0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00));
            return Some((c.unwrap_or('\u{fffd}'), 10));
        }
    }
    Some((char::from_u32(hi).unwrap_or('\u{fffd}'), 4))
}

fn hex4(b: &[u8], at: usize) -> Option<u32> {
    let digits = b.get(at..at + 4)?;
    let mut v = 0u32;
    for &d in digits {
        v = v * 16 + (d as char).to_digit(16)?;
    }
    Some(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn leaves(doc: &str) -> Vec<(String, String, String, String, Option<u32>)> {
        let mut out = Vec::new();
        walk(doc, |l| {
            out.push((
                l.path.to_string(),
                l.key.to_string(),
                l.parent.to_string(),
                l.value.into_owned(),
                l.record,
            ))
        })
        .unwrap();
        out
    }

    #[test]
    fn paths_keys_parents_and_records() {
        let doc = r#"{"data":{"list":[{"idCard":"1","c":{"phone":2}},{"idCard":"x\u0031"}],"n":null,"ok":true},"cards":["a","b"]}"#;
        let got = leaves(doc);
        assert_eq!(
            got,
            vec![
                (
                    "data.list[].idCard".into(),
                    "idCard".into(),
                    "list".into(),
                    "1".into(),
                    Some(0)
                ),
                (
                    "data.list[].c.phone".into(),
                    "phone".into(),
                    "c".into(),
                    "2".into(),
                    Some(0)
                ),
                (
                    "data.list[].idCard".into(),
                    "idCard".into(),
                    "list".into(),
                    "x1".into(),
                    Some(1)
                ),
                (
                    "cards[]".into(),
                    "cards".into(),
                    "".into(),
                    "a".into(),
                    Some(0)
                ),
                (
                    "cards[]".into(),
                    "cards".into(),
                    "".into(),
                    "b".into(),
                    Some(1)
                ),
            ]
        );
    }

    #[test]
    fn top_level_arrays_and_scalars() {
        let got = leaves(r#"[{"name":"a"},{"name":"b"}]"#);
        assert_eq!(got[1].0, "[].name");
        assert_eq!(got[1].4, Some(1));
        assert_eq!(leaves(r#""just text""#)[0].3, "just text");
        assert_eq!(leaves("  42 ")[0].3, "42");
    }

    #[test]
    fn malformed_documents_stop_with_an_offset() {
        for doc in [
            "{",
            "{\"a\":}",
            "[1,2",
            "{\"a\" 1}",
            "[1]x",
            "\"abc",
            "{\"a\":\"\\q\"}",
            "",
        ] {
            assert!(
                matches!(walk(doc, |_| {}), Err(WalkError::Malformed(_))),
                "{doc:?}"
            );
        }
        let deep = "[".repeat(MAX_DEPTH + 1);
        assert!(matches!(walk(&deep, |_| {}), Err(WalkError::TooDeep(_))));
    }
}
