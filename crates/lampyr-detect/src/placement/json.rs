//! JSON bodies: a depth-bounded walker yielding every leaf and key with its field path.

use std::collections::HashSet;
use std::hash::{BuildHasher, Hasher};

use super::{scope, Builder};
use crate::rules::ValueKind;
use crate::Location;

/// Nesting of JSON arrays and objects followed at most (deeper documents stop the walk).
const MAX_JSON_DEPTH: usize = 128;

/// JSON leaves (strings and numbers) and keys; false when the text is not JSON at all.
///
/// Field paths join keys with `.` and mark array items with `[]` (`items[].id`); a key is a
/// [`ValueKind::Name`] value once per distinct path, as sent (a key holding dots stays one
/// name: `java.lang.Runtime`).
pub(super) fn json(b: &mut Builder<'_>, text: &str) -> bool {
    let mut w = JsonWalk {
        s: text.as_bytes(),
        text,
        i: 0,
        path: String::new(),
        key: String::new(),
        buf: String::new(),
        seen: HashSet::new(),
        state: std::collections::hash_map::RandomState::new(),
        any: false,
    };
    let ok = w.value(b, 0).is_some() && {
        w.ws();
        w.i == w.s.len()
    };
    ok || w.any
}

struct JsonWalk<'t> {
    s: &'t [u8],
    text: &'t str,
    i: usize,
    /// Field path of the current value.
    path: String,
    /// Nearest object key (for array items, the array's key).
    key: String,
    /// Decoded string scratch.
    buf: String,
    /// Hashes of the paths whose key was already added (keyed hashing: a crafted collision
    /// can only hide a repeated name, and the seed is per walk).
    seen: HashSet<u64>,
    state: std::collections::hash_map::RandomState,
    /// Whether any value was added.
    any: bool,
}

impl JsonWalk<'_> {
    fn ws(&mut self) {
        while self
            .s
            .get(self.i)
            .is_some_and(|c| matches!(c, b' ' | b'\t' | b'\n' | b'\r'))
        {
            self.i += 1;
        }
    }

    /// One value at the current path; `None` on malformed input.
    fn value(&mut self, b: &mut Builder<'_>, depth: usize) -> Option<()> {
        self.ws();
        match *self.s.get(self.i)? {
            b'{' => {
                if depth >= MAX_JSON_DEPTH {
                    return None;
                }
                self.i += 1;
                let (path_len, key_len) = (self.path.len(), self.key.len());
                let saved_key = std::mem::take(&mut self.key);
                self.ws();
                if self.s.get(self.i) == Some(&b'}') {
                    self.i += 1;
                } else {
                    loop {
                        self.ws();
                        if self.s.get(self.i) != Some(&b'"') {
                            return None;
                        }
                        self.string()?;
                        self.path.truncate(path_len);
                        if !self.path.is_empty() {
                            self.path.push('.');
                        }
                        self.path.push_str(&self.buf);
                        self.key.clear();
                        self.key.push_str(&self.buf);
                        self.name(b);
                        self.ws();
                        if self.s.get(self.i) != Some(&b':') {
                            return None;
                        }
                        self.i += 1;
                        self.value(b, depth + 1)?;
                        self.ws();
                        match self.s.get(self.i)? {
                            b',' => self.i += 1,
                            b'}' => {
                                self.i += 1;
                                break;
                            }
                            _ => return None,
                        }
                    }
                }
                self.path.truncate(path_len);
                self.key = saved_key;
                debug_assert_eq!(self.key.len(), key_len);
            }
            b'[' => {
                if depth >= MAX_JSON_DEPTH {
                    return None;
                }
                self.i += 1;
                let path_len = self.path.len();
                self.path.push_str("[]");
                self.ws();
                if self.s.get(self.i) == Some(&b']') {
                    self.i += 1;
                } else {
                    loop {
                        self.value(b, depth + 1)?;
                        self.ws();
                        match self.s.get(self.i)? {
                            b',' => self.i += 1,
                            b']' => {
                                self.i += 1;
                                break;
                            }
                            _ => return None,
                        }
                    }
                }
                self.path.truncate(path_len);
            }
            b'"' => {
                self.string()?;
                if !self.buf.is_empty() {
                    self.any = true;
                    b.add(
                        Location::Body,
                        &self.path,
                        ValueKind::Content,
                        &self.key,
                        &self.buf,
                        &self.buf,
                        scope::BODY,
                    );
                }
            }
            b'-' | b'0'..=b'9' => {
                let start = self.i;
                while self
                    .s
                    .get(self.i)
                    .is_some_and(|c| matches!(c, b'0'..=b'9' | b'-' | b'+' | b'.' | b'e' | b'E'))
                {
                    self.i += 1;
                }
                let n = &self.text[start..self.i];
                self.any = true;
                b.add(
                    Location::Body,
                    &self.path,
                    ValueKind::Content,
                    &self.key,
                    n,
                    n,
                    scope::BODY,
                );
            }
            _ => {
                for lit in [&b"true"[..], b"false", b"null"] {
                    if self.s[self.i..].starts_with(lit) {
                        self.i += lit.len();
                        return Some(());
                    }
                }
                return None;
            }
        }
        Some(())
    }

    /// The key just read (in `buf`) as a name, once per path.
    fn name(&mut self, b: &mut Builder<'_>) {
        let mut h = self.state.build_hasher();
        h.write(self.path.as_bytes());
        if !self.seen.insert(h.finish()) || self.buf.is_empty() {
            return;
        }
        let field = self.path.trim_end_matches("[]");
        self.any = true;
        b.add(
            Location::Body,
            field,
            ValueKind::Name,
            &self.buf,
            &self.buf,
            &self.buf,
            scope::BODY_NAME,
        );
    }

    /// A string at `i` (on its opening quote), unescaped into `buf`.
    fn string(&mut self) -> Option<()> {
        self.i += 1;
        self.buf.clear();
        loop {
            let rest = &self.s[self.i..];
            let stop = memchr::memchr2(b'"', b'\\', rest)?;
            self.buf.push_str(&self.text[self.i..self.i + stop]);
            self.i += stop;
            if self.s[self.i] == b'"' {
                self.i += 1;
                return Some(());
            }
            // An escape.
            let c = *self.s.get(self.i + 1)?;
            self.i += 2;
            let ch = match c {
                b'"' => '"',
                b'\\' => '\\',
                b'/' => '/',
                b'b' => '\u{8}',
                b'f' => '\u{c}',
                b'n' => '\n',
                b'r' => '\r',
                b't' => '\t',
                b'u' => {
                    let hi = self.hex4()?;
                    if (0xd800..0xdc00).contains(&hi)
                        && self.s.get(self.i) == Some(&b'\\')
                        && self.s.get(self.i + 1) == Some(&b'u')
                    {
                        let save = self.i;
                        self.i += 2;
                        match self.hex4() {
                            Some(lo) if (0xdc00..0xe000).contains(&lo) => {
                                char::from_u32(0x10000 + ((hi - 0xd800) << 10) + (lo - 0xdc00))
                                    .unwrap_or('\u{fffd}')
                            }
                            _ => {
                                self.i = save;
                                '\u{fffd}'
                            }
                        }
                    } else {
                        char::from_u32(hi).unwrap_or('\u{fffd}')
                    }
                }
                _ => return None,
            };
            self.buf.push(ch);
        }
    }

    fn hex4(&mut self) -> Option<u32> {
        let h = self.s.get(self.i..self.i + 4)?;
        let mut v = 0;
        for &c in h {
            v = v * 16 + (c as char).to_digit(16)?;
        }
        self.i += 4;
        Some(v)
    }
}
