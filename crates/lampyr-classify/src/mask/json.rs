//! JSON body masking by field path: a streaming byte-level tokenizer that copies the body through
//! unchanged except the string / number values a rule selects.
//!
//! * Only string and number leaves are masked; `null`, booleans, objects and arrays at a rule path
//!   are left alone. A masked number is written back as a JSON string (its literal text masked), so
//!   consumers see `"138****5678"` instead of an invalid number.
//! * String escapes are decoded before masking (`\u0031` is the digit 1); the replacement is written
//!   with minimal escaping (`"`, `\`, control chars) and raw UTF-8.
//! * When several rules select the same value, the first rule in the slice wins.
//! * Validation is RFC 8259 with UTF-8: whitespace, literals, number grammar, escapes and control
//!   chars are checked; a lone surrogate escape (`\ud800`) is accepted (the grammar allows it) and
//!   decodes to U+FFFD. A byte-order mark is rejected.
//! * Time is O(body length × live rules), memory O(depth + rules); no recursion on the input.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use super::{mask_value, MaskError, MaskStrategy};
use crate::SensitiveType;

/// Deepest object/array nesting accepted, so a hostile body cannot make the masker allocate freely.
pub const MAX_JSON_DEPTH: usize = 256;

/// One step of a [`FieldPath`].
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum PathSegment {
    /// An object member with exactly this (decoded) key.
    Key(String),
    /// Any object member (`*`).
    AnyKey,
    /// Any array item (`[]`).
    Item,
}

/// A field path in the report syntax (`data.list[].idCard`, `[].name`, `settleCards[]`, `a.*.b`):
/// dotted keys from the root, `[]` for array items, `*` for any single key; `\` escapes `.`, `[`,
/// `]`, `*` and `\` inside a key.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct FieldPath {
    segments: Vec<PathSegment>,
}

impl FieldPath {
    /// Parse the report's field syntax; errors name the byte offset in `s`.
    pub fn parse(s: &str) -> Result<FieldPath, MaskError> {
        let err = |offset: usize, reason: &'static str| MaskError::InvalidPath {
            path: s.to_owned(),
            offset,
            reason,
        };
        if s.is_empty() {
            return Err(err(0, "empty path"));
        }
        let mut segments = Vec::new();
        let mut it = s.char_indices().peekable();
        // True at the start and after `.`: a key must follow (after `.`, not `[`).
        let mut need_key = false;
        loop {
            match it.peek().copied() {
                None => {
                    if need_key {
                        return Err(err(s.len(), "expected a key after '.'"));
                    }
                    break;
                }
                Some((i, '[')) => {
                    if need_key {
                        return Err(err(i, "expected a key after '.'"));
                    }
                    it.next();
                    match it.next() {
                        Some((_, ']')) => segments.push(PathSegment::Item),
                        Some((j, _)) => return Err(err(j, "only '[]' (any item) is supported")),
                        None => return Err(err(s.len(), "unclosed '['")),
                    }
                }
                Some((i, c)) => {
                    if !segments.is_empty() && !need_key {
                        // After `[]` only `.`, `[` or the end may follow.
                        if c != '.' {
                            return Err(err(i, "expected '.' or '[' after ']'"));
                        }
                        it.next();
                        need_key = true;
                        continue;
                    }
                    let mut key = String::new();
                    let mut escaped_any = false;
                    while let Some(&(j, c)) = it.peek() {
                        match c {
                            '.' | '[' => break,
                            ']' => return Err(err(j, "unexpected ']'")),
                            '\\' => {
                                it.next();
                                match it.next() {
                                    Some((_, e)) => {
                                        key.push(e);
                                        escaped_any = true;
                                    }
                                    None => return Err(err(s.len(), "dangling '\\'")),
                                }
                            }
                            _ => {
                                key.push(c);
                                it.next();
                            }
                        }
                    }
                    if key.is_empty() {
                        return Err(err(i, "empty key"));
                    }
                    segments.push(if key == "*" && !escaped_any {
                        PathSegment::AnyKey
                    } else {
                        PathSegment::Key(key)
                    });
                    need_key = false;
                    if let Some(&(_, '.')) = it.peek() {
                        it.next();
                        need_key = true;
                    }
                }
            }
        }
        Ok(FieldPath { segments })
    }

    /// The steps from the root, for callers that match paths themselves.
    pub fn segments(&self) -> &[PathSegment] {
        &self.segments
    }
}

impl FromStr for FieldPath {
    type Err = MaskError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        FieldPath::parse(s)
    }
}

impl TryFrom<String> for FieldPath {
    type Error = MaskError;

    fn try_from(s: String) -> Result<Self, Self::Error> {
        FieldPath::parse(&s)
    }
}

impl From<FieldPath> for String {
    fn from(p: FieldPath) -> String {
        p.to_string()
    }
}

impl fmt::Display for FieldPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, seg) in self.segments.iter().enumerate() {
            match seg {
                PathSegment::Item => f.write_str("[]")?,
                PathSegment::AnyKey | PathSegment::Key(_) => {
                    if i > 0 {
                        f.write_str(".")?;
                    }
                    match seg {
                        PathSegment::Key(k) => {
                            if k == "*" {
                                f.write_str("\\")?;
                            }
                            for c in k.chars() {
                                if matches!(c, '.' | '[' | ']' | '\\') {
                                    f.write_str("\\")?;
                                }
                                write!(f, "{c}")?;
                            }
                        }
                        _ => f.write_str("*")?,
                    }
                }
            }
        }
        Ok(())
    }
}

/// Mask the string / number values at `path` as `ty` with `strategy`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JsonMaskRule {
    /// Which values.
    pub path: FieldPath,
    /// Their sensitive type (selects the default convention).
    pub ty: SensitiveType,
    /// How to mask them.
    pub strategy: MaskStrategy,
}

/// A masked body plus how many values were replaced (for masked-exposure metrics).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MaskedJson {
    /// The body, byte-identical to the input outside the masked values.
    pub body: Vec<u8>,
    /// Number of values replaced.
    pub masked: usize,
}

/// Mask the values selected by `rules` in a JSON body without re-ordering or re-formatting it;
/// `salt` keys the `Hash` and `FormatPreserving` strategies.
pub fn mask_json(
    body: &[u8],
    rules: &[JsonMaskRule],
    salt: &[u8],
) -> Result<MaskedJson, MaskError> {
    Masker {
        body,
        rules,
        salt,
        out: Vec::new(),
        copied: 0,
        masked: 0,
    }
    .run()
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Expect {
    /// A value (root, after `:` or after `,` in an array).
    Value,
    /// A value or `]` (just after `[`).
    ValueOrClose,
    /// A key or `}` (just after `{`).
    KeyOrClose,
    /// A key (after `,` in an object).
    Key,
    /// `:` after a key.
    Colon,
    /// `,` or the closing bracket, or the end of input at the root.
    AfterValue,
}

struct Frame {
    is_object: bool,
    /// Start of this container's live rules in the `live` stack.
    live_start: usize,
}

struct Masker<'a> {
    body: &'a [u8],
    rules: &'a [JsonMaskRule],
    salt: &'a [u8],
    out: Vec<u8>,
    /// Input bytes before this offset are already in `out` (only used once something is masked).
    copied: usize,
    masked: usize,
}

fn malformed(offset: usize, reason: &'static str) -> MaskError {
    MaskError::Malformed { offset, reason }
}

fn segment_matches(seg: &PathSegment, key: Option<&str>) -> bool {
    match (seg, key) {
        (PathSegment::Item, None) | (PathSegment::AnyKey, Some(_)) => true,
        (PathSegment::Key(k), Some(key)) => k == key,
        _ => false,
    }
}

impl Masker<'_> {
    fn run(mut self) -> Result<MaskedJson, MaskError> {
        let body = self.body;
        let len = body.len();
        let mut frames: Vec<Frame> = Vec::new();
        // Rules still able to match below each open container (indices, increasing per frame).
        let mut live: Vec<u32> = Vec::new();
        // Rules whose path so far matches the path of the value about to be parsed.
        let mut candidates: Vec<u32> = (0..self.rules.len() as u32).collect();
        let mut key = String::new();
        let mut expect = Expect::Value;
        let mut i = 0;

        loop {
            while i < len && matches!(body[i], b' ' | b'\t' | b'\n' | b'\r') {
                i += 1;
            }
            match expect {
                Expect::Value | Expect::ValueOrClose => {
                    if i == len {
                        return Err(malformed(i, "unexpected end of input, expected a value"));
                    }
                    if expect == Expect::ValueOrClose && body[i] == b']' {
                        close(&mut frames, &mut live);
                        i += 1;
                        expect = Expect::AfterValue;
                        continue;
                    }
                    let depth = frames.len();
                    if let Some(top) = frames.last() {
                        if !top.is_object {
                            candidates.clear();
                            for &r in &live[top.live_start..] {
                                let segs = &self.rules[r as usize].path.segments;
                                if segment_matches(&segs[depth - 1], None) {
                                    candidates.push(r);
                                }
                            }
                        }
                    }
                    match body[i] {
                        open @ (b'{' | b'[') => {
                            if depth >= MAX_JSON_DEPTH {
                                return Err(MaskError::TooDeep {
                                    offset: i,
                                    limit: MAX_JSON_DEPTH,
                                });
                            }
                            let live_start = live.len();
                            live.extend(
                                candidates.iter().filter(|&&r| {
                                    self.rules[r as usize].path.segments.len() > depth
                                }),
                            );
                            frames.push(Frame {
                                is_object: open == b'{',
                                live_start,
                            });
                            i += 1;
                            expect = if open == b'{' {
                                Expect::KeyOrClose
                            } else {
                                Expect::ValueOrClose
                            };
                            continue;
                        }
                        b'"' => {
                            let (end, text) = scan_string(body, i)?;
                            if let Some(rule) = self.matching_rule(&candidates, depth) {
                                let decoded = decode_string(text);
                                self.replace(i, end, &decoded, rule);
                            }
                            i = end;
                        }
                        b'-' | b'0'..=b'9' => {
                            let end = scan_number(body, i)?;
                            if let Some(rule) = self.matching_rule(&candidates, depth) {
                                // Number literals are ASCII: the slice is valid UTF-8.
                                let text = std::str::from_utf8(&body[i..end]).unwrap_or_default();
                                self.replace(i, end, text, rule);
                            }
                            i = end;
                        }
                        b't' => i = scan_literal(body, i, b"true")?,
                        b'f' => i = scan_literal(body, i, b"false")?,
                        b'n' => i = scan_literal(body, i, b"null")?,
                        _ => return Err(malformed(i, "expected a value")),
                    }
                    expect = Expect::AfterValue;
                }
                Expect::KeyOrClose | Expect::Key => {
                    if i == len {
                        return Err(malformed(i, "unexpected end of input, expected a key"));
                    }
                    if expect == Expect::KeyOrClose && body[i] == b'}' {
                        close(&mut frames, &mut live);
                        i += 1;
                        expect = Expect::AfterValue;
                        continue;
                    }
                    if body[i] != b'"' {
                        return Err(malformed(i, "expected a string key"));
                    }
                    let (end, text) = scan_string(body, i)?;
                    candidates.clear();
                    let depth = frames.len();
                    let live_start = frames.last().map_or(0, |f| f.live_start);
                    if live.len() > live_start {
                        key.clear();
                        key.push_str(&decode_string(text));
                        for &r in &live[live_start..] {
                            let segs = &self.rules[r as usize].path.segments;
                            if segment_matches(&segs[depth - 1], Some(&key)) {
                                candidates.push(r);
                            }
                        }
                    }
                    i = end;
                    expect = Expect::Colon;
                }
                Expect::Colon => {
                    if i == len {
                        return Err(malformed(i, "unexpected end of input, expected ':'"));
                    }
                    if body[i] != b':' {
                        return Err(malformed(i, "expected ':' after an object key"));
                    }
                    i += 1;
                    expect = Expect::Value;
                }
                Expect::AfterValue => {
                    let Some(top) = frames.last() else {
                        if i < len {
                            return Err(malformed(i, "trailing characters after the JSON value"));
                        }
                        break;
                    };
                    if i == len {
                        return Err(malformed(
                            i,
                            "unexpected end of input, expected ',' or a close",
                        ));
                    }
                    match (top.is_object, body[i]) {
                        (true, b',') => expect = Expect::Key,
                        (false, b',') => expect = Expect::Value,
                        (true, b'}') | (false, b']') => close(&mut frames, &mut live),
                        (true, _) => return Err(malformed(i, "expected ',' or '}' in an object")),
                        (false, _) => return Err(malformed(i, "expected ',' or ']' in an array")),
                    }
                    i += 1;
                }
            }
        }

        let body = if self.masked == 0 {
            self.body.to_vec()
        } else {
            self.out.extend_from_slice(&self.body[self.copied..]);
            self.out
        };
        Ok(MaskedJson {
            body,
            masked: self.masked,
        })
    }

    /// The first candidate whose path ends at `depth` (candidates are in rule order).
    fn matching_rule(&self, candidates: &[u32], depth: usize) -> Option<usize> {
        candidates
            .iter()
            .map(|&r| r as usize)
            .find(|&r| self.rules[r].path.segments.len() == depth)
    }

    /// Replace the value at `start..end` by the masked `text` as a JSON string.
    fn replace(&mut self, start: usize, end: usize, text: &str, rule: usize) {
        let rule = &self.rules[rule];
        let masked = mask_value(text, rule.ty, &rule.strategy, self.salt);
        if self.out.is_empty() {
            self.out.reserve(self.body.len() + 16);
        }
        self.out.extend_from_slice(&self.body[self.copied..start]);
        write_json_string(&mut self.out, &masked);
        self.copied = end;
        self.masked += 1;
    }
}

fn close(frames: &mut Vec<Frame>, live: &mut Vec<u32>) {
    if let Some(f) = frames.pop() {
        live.truncate(f.live_start);
    }
}

/// Validate the string starting at the `"` at `start`; returns the offset after the closing quote
/// and the raw (still escaped) contents.
fn scan_string(body: &[u8], start: usize) -> Result<(usize, &str), MaskError> {
    let mut i = start + 1;
    loop {
        // Plain content up to the next quote, backslash or control character in one step.
        i += lampyr_core::json_text::find_string_stop(body.get(i..).unwrap_or_default())
            .unwrap_or(body.len().saturating_sub(i));
        let Some(&b) = body.get(i) else {
            return Err(malformed(body.len(), "unterminated string"));
        };
        match b {
            b'"' => break,
            b'\\' => {
                let Some(&e) = body.get(i + 1) else {
                    return Err(malformed(body.len(), "unterminated string"));
                };
                match e {
                    b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't' => i += 2,
                    b'u' => {
                        for k in i + 2..i + 6 {
                            match body.get(k) {
                                Some(h) if h.is_ascii_hexdigit() => {}
                                Some(_) => {
                                    return Err(malformed(
                                        k,
                                        "invalid \\u escape, expected 4 hex digits",
                                    ))
                                }
                                None => return Err(malformed(body.len(), "unterminated string")),
                            }
                        }
                        i += 6;
                    }
                    _ => return Err(malformed(i + 1, "invalid escape character")),
                }
            }
            0x00..=0x1f => return Err(malformed(i, "unescaped control character in string")),
            _ => i += 1,
        }
    }
    match std::str::from_utf8(&body[start + 1..i]) {
        Ok(text) => Ok((i + 1, text)),
        Err(e) => Err(malformed(
            start + 1 + e.valid_up_to(),
            "invalid UTF-8 in string",
        )),
    }
}

/// Validate the number starting at `start`; returns the offset after it.
fn scan_number(body: &[u8], start: usize) -> Result<usize, MaskError> {
    crate::json::number_end(body, start).map_err(|(at, reason)| malformed(at, reason))
}

fn scan_literal(body: &[u8], start: usize, lit: &[u8]) -> Result<usize, MaskError> {
    for (k, &want) in lit.iter().enumerate() {
        match body.get(start + k) {
            Some(&b) if b == want => {}
            Some(_) => return Err(malformed(start + k, "invalid literal")),
            None => {
                return Err(malformed(
                    body.len(),
                    "unexpected end of input in a literal",
                ))
            }
        }
    }
    Ok(start + lit.len())
}

/// Decode the escapes of an already validated string body.
fn decode_string(raw: &str) -> String {
    if !raw.contains('\\') {
        return raw.to_owned();
    }
    let bytes = raw.as_bytes();
    let mut out = String::with_capacity(raw.len());
    let mut run_start = 0;
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] != b'\\' {
            i += 1;
            continue;
        }
        out.push_str(&raw[run_start..i]);
        let e = bytes.get(i + 1).copied().unwrap_or(b'\\');
        i += 2;
        match e {
            b'b' => out.push('\u{8}'),
            b'f' => out.push('\u{c}'),
            b'n' => out.push('\n'),
            b'r' => out.push('\r'),
            b't' => out.push('\t'),
            b'u' => {
                let (c, used) = crate::json::unicode_escape(bytes, i).unwrap_or(('\u{FFFD}', 4));
                i += used;
                out.push(c);
            }
            other => out.push(char::from(other)),
        }
        run_start = i;
    }
    out.push_str(raw.get(run_start..).unwrap_or_default());
    out
}

/// Append `s` as a JSON string literal.
fn write_json_string(out: &mut Vec<u8>, s: &str) {
    out.push(b'"');
    let bytes = s.as_bytes();
    let mut run_start = 0;
    for (i, &b) in bytes.iter().enumerate() {
        let esc: &[u8] = match b {
            b'"' => b"\\\"",
            b'\\' => b"\\\\",
            b'\n' => b"\\n",
            b'\r' => b"\\r",
            b'\t' => b"\\t",
            0x08 => b"\\b",
            0x0c => b"\\f",
            0x00..=0x1f => b"",
            _ => continue,
        };
        out.extend_from_slice(&bytes[run_start..i]);
        if esc.is_empty() {
            const HEX: &[u8; 16] = b"0123456789abcdef";
            out.extend_from_slice(b"\\u00");
            out.push(HEX[usize::from(b >> 4)]);
            out.push(HEX[usize::from(b & 0xf)]);
        } else {
            out.extend_from_slice(esc);
        }
        run_start = i + 1;
    }
    out.extend_from_slice(&bytes[run_start..]);
    out.push(b'"');
}
