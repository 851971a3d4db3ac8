//! Allocation-free JSON observation for [`super::SchemaSketch::observe_json_slice`].
//!
//! The body is checked as UTF-8 once; then two passes run over the same `&str` with the same
//! small recursive-descent scanner:
//!
//! 1. [`scan`] validates the document (the grammar serde_json accepts, with its nesting limit)
//!    and records, for each object in document order, whether that observation is a map —
//!    which needs all of its keys before any entry can be recorded — and whether any object
//!    repeats a key;
//! 2. [`observe`] streams the document into the sketch nodes, allocating only for new nodes
//!    and for strings with escapes.
//!
//! A document that fails pass 1 records nothing. Numbers are classified exactly as serde_json
//! does (integers that fit `u64`/`i64` are integers, `-0` and overflowing integers are floats),
//! and floats are converted by serde_json itself, so observing bytes here equals observing the
//! `serde_json::Value` parsed from them.

use std::borrow::Cow;

use lampyr_core::json_text::find_string_stop as find_stop;

use super::{is_id_like_key, is_secret_key, Cx, Format, Node, MAX_KEY_LEN, MAX_PROPERTIES};

/// serde_json's default nesting limit.
const RECURSION_LIMIT: usize = 128;

/// Exact powers of ten as `f64`.
const POW10: [f64; 23] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16,
    1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
];

/// Why a document was rejected (the caller only needs to know that it was).
#[derive(Debug)]
pub(super) struct Invalid;

type R<T> = Result<T, Invalid>;

enum Num {
    Int(f64),
    Float(f64),
}

/// What pass 1 learned.
pub(super) struct Scan {
    /// Per object, in document order: is this observation a map?
    pub map_like: Vec<bool>,
    /// Some object repeats a key (then the caller takes a slower path where the last wins).
    pub duplicate_keys: bool,
}

struct P<'a> {
    s: &'a str,
    b: &'a [u8],
    i: usize,
}

impl<'a> P<'a> {
    fn new(s: &'a str) -> Self {
        P {
            s,
            b: s.as_bytes(),
            i: 0,
        }
    }

    fn ws(&mut self) {
        while let Some(&c) = self.b.get(self.i) {
            if matches!(c, b' ' | b'\n' | b'\r' | b'\t') {
                self.i += 1;
            } else {
                break;
            }
        }
    }

    fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }

    fn eat(&mut self, c: u8) -> R<()> {
        if self.peek() == Some(c) {
            self.i += 1;
            Ok(())
        } else {
            Err(Invalid)
        }
    }

    fn literal(&mut self, lit: &[u8]) -> R<()> {
        if self.b.get(self.i..self.i + lit.len()) == Some(lit) {
            self.i += lit.len();
            Ok(())
        } else {
            Err(Invalid)
        }
    }

    fn end(&mut self) -> R<()> {
        self.ws();
        if self.i == self.b.len() {
            Ok(())
        } else {
            Err(Invalid)
        }
    }

    /// A string starting at `"`: borrowed unless it has escapes.
    fn string(&mut self) -> R<Cow<'a, str>> {
        self.eat(b'"')?;
        let start = self.i;
        let mut owned: Option<String> = None;
        let mut run = start;
        loop {
            let rel = find_stop(&self.b[self.i..]).ok_or(Invalid)?;
            let end = self.i + rel;
            if self.b[end] < 0x20 {
                return Err(Invalid);
            }
            if self.b[end] == b'"' {
                self.i = end + 1;
                return Ok(match owned {
                    None => Cow::Borrowed(&self.s[start..end]),
                    Some(mut o) => {
                        o.push_str(&self.s[run..end]);
                        Cow::Owned(o)
                    }
                });
            }
            // An escape.
            let o = owned.get_or_insert_with(String::new);
            o.push_str(&self.s[run..end]);
            self.i = end + 1;
            let c = self.peek().ok_or(Invalid)?;
            self.i += 1;
            match c {
                b'"' => o.push('"'),
                b'\\' => o.push('\\'),
                b'/' => o.push('/'),
                b'b' => o.push('\u{8}'),
                b'f' => o.push('\u{c}'),
                b'n' => o.push('\n'),
                b'r' => o.push('\r'),
                b't' => o.push('\t'),
                b'u' => {
                    let hi = self.hex4()?;
                    let ch = match hi {
                        0xD800..=0xDBFF => {
                            self.literal(b"\\u")?;
                            let lo = self.hex4()?;
                            if !(0xDC00..=0xDFFF).contains(&lo) {
                                return Err(Invalid);
                            }
                            0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00)
                        }
                        0xDC00..=0xDFFF => return Err(Invalid),
                        _ => hi,
                    };
                    o.push(char::from_u32(ch).ok_or(Invalid)?);
                }
                _ => return Err(Invalid),
            }
            run = self.i;
        }
    }

    fn hex4(&mut self) -> R<u32> {
        let digits = self.b.get(self.i..self.i + 4).ok_or(Invalid)?;
        let mut v = 0u32;
        for &d in digits {
            v = v << 4 | (d as char).to_digit(16).ok_or(Invalid)?;
        }
        self.i += 4;
        Ok(v)
    }

    fn digits(&mut self) -> usize {
        let start = self.i;
        while self.peek().is_some_and(|c| c.is_ascii_digit()) {
            self.i += 1;
        }
        self.i - start
    }

    /// A number, classified as serde_json classifies it. Floats with at most 15 significant
    /// digits and a decimal exponent within ±22 are one exact IEEE operation, which is what
    /// serde_json computes too; other floats are converted by serde_json itself.
    fn number(&mut self) -> R<Num> {
        let start = self.i;
        let negative = self.peek() == Some(b'-');
        if negative {
            self.i += 1;
        }
        let int_start = self.i;
        let n = self.digits();
        if n == 0 || (n > 1 && self.b[int_start] == b'0') {
            return Err(Invalid);
        }
        let int_end = self.i;
        let (mut frac_start, mut frac_end) = (int_end, int_end);
        let mut float = false;
        if self.peek() == Some(b'.') {
            self.i += 1;
            frac_start = self.i;
            if self.digits() == 0 {
                return Err(Invalid);
            }
            frac_end = self.i;
            float = true;
        }
        let mut exp: i64 = 0;
        if matches!(self.peek(), Some(b'e' | b'E')) {
            self.i += 1;
            let exp_negative = self.peek() == Some(b'-');
            if matches!(self.peek(), Some(b'+' | b'-')) {
                self.i += 1;
            }
            let e_start = self.i;
            let e_len = self.digits();
            if e_len == 0 {
                return Err(Invalid);
            }
            // Long exponents go to the slow path below.
            exp = if e_len > 4 {
                i64::MAX
            } else {
                self.b[e_start..self.i]
                    .iter()
                    .fold(0i64, |v, d| v * 10 + i64::from(d - b'0'))
            };
            if exp_negative {
                exp = -exp;
            }
            float = true;
        }
        let text = &self.s[start..self.i];
        let mut sig: u64 = 0;
        let mut overflow = false;
        let digits = self.b[int_start..int_end]
            .iter()
            .chain(&self.b[frac_start..frac_end]);
        for &d in digits {
            match sig
                .checked_mul(10)
                .and_then(|v| v.checked_add(u64::from(d - b'0')))
            {
                Some(v) => sig = v,
                None => {
                    overflow = true;
                    break;
                }
            }
        }
        if !float && !overflow {
            if !negative {
                return Ok(Num::Int(sig as f64));
            }
            let neg = (sig as i64).wrapping_neg();
            // serde_json: `-0` and integers below i64::MIN are floats.
            return Ok(if neg >= 0 {
                Num::Float(-(sig as f64))
            } else {
                Num::Int(neg as f64)
            });
        }
        let exp10 = exp.saturating_sub((frac_end - frac_start) as i64);
        if float && !overflow && sig < (1 << 53) && (-22..=22).contains(&exp10) {
            let x = sig as f64;
            let p = POW10[exp10.unsigned_abs() as usize];
            let v = if exp10 >= 0 { x * p } else { x / p };
            return Ok(Num::Float(if negative { -v } else { v }));
        }
        serde_json::from_str::<f64>(text)
            .map(Num::Float)
            .map_err(|_| Invalid)
    }

    // --- pass 1 -------------------------------------------------------------------------------

    fn scan_value(&mut self, depth: usize, st: &mut Scan, keys: &mut Vec<Cow<'a, str>>) -> R<()> {
        self.ws();
        match self.peek().ok_or(Invalid)? {
            b'{' => {
                if depth + 1 >= RECURSION_LIMIT {
                    return Err(Invalid);
                }
                self.i += 1;
                let idx = st.map_like.len();
                st.map_like.push(false);
                let start = keys.len();
                let (mut n, mut all_ids, mut long) = (0usize, true, false);
                self.ws();
                if self.peek() == Some(b'}') {
                    self.i += 1;
                } else {
                    loop {
                        self.ws();
                        let k = self.string()?;
                        n += 1;
                        long |= k.len() > MAX_KEY_LEN;
                        all_ids = all_ids && is_id_like_key(&k);
                        keys.push(k);
                        self.ws();
                        self.eat(b':')?;
                        self.scan_value(depth + 1, st, keys)?;
                        self.ws();
                        match self.peek() {
                            Some(b',') => self.i += 1,
                            Some(b'}') => {
                                self.i += 1;
                                break;
                            }
                            _ => return Err(Invalid),
                        }
                    }
                }
                let own = &mut keys[start..];
                st.duplicate_keys |= if own.len() <= 16 {
                    own.iter()
                        .enumerate()
                        .any(|(i, k)| own[..i].iter().any(|k2| k2 == k))
                } else {
                    own.sort_unstable();
                    own.windows(2).any(|w| w[0] == w[1])
                };
                keys.truncate(start);
                st.map_like[idx] = n > MAX_PROPERTIES || long || (n > 0 && all_ids);
                Ok(())
            }
            b'[' => {
                if depth + 1 >= RECURSION_LIMIT {
                    return Err(Invalid);
                }
                self.i += 1;
                self.ws();
                if self.peek() == Some(b']') {
                    self.i += 1;
                    return Ok(());
                }
                loop {
                    self.scan_value(depth + 1, st, keys)?;
                    self.ws();
                    match self.peek() {
                        Some(b',') => self.i += 1,
                        Some(b']') => {
                            self.i += 1;
                            return Ok(());
                        }
                        _ => return Err(Invalid),
                    }
                }
            }
            b'"' => self.string().map(drop),
            b't' => self.literal(b"true"),
            b'f' => self.literal(b"false"),
            b'n' => self.literal(b"null"),
            b'-' | b'0'..=b'9' => self.number().map(drop),
            _ => Err(Invalid),
        }
    }

    // --- pass 2 -------------------------------------------------------------------------------
    // Runs only on documents pass 1 accepted; errors are still propagated, never unwrapped.

    fn observe_value(
        &mut self,
        node: &mut Node,
        depth: u8,
        secret: bool,
        w: &mut Walk<'_>,
    ) -> R<()> {
        self.ws();
        let c = self.peek().ok_or(Invalid)?;
        node.count = node.count.saturating_add(1);
        match c {
            b'{' => {
                node.types.object = node.types.object.saturating_add(1);
                let map_like = w.map_like.get(w.next).copied().unwrap_or(false);
                w.next += 1;
                self.i += 1;
                if depth >= w.cx.cap {
                    return self.skip_rest(b'}', w);
                }
                self.ws();
                if self.peek() == Some(b'}') {
                    self.i += 1;
                    return Ok(());
                }
                loop {
                    self.ws();
                    let k = self.string()?;
                    self.ws();
                    self.eat(b':')?;
                    if map_like {
                        let m = node.map.get_or_insert_with(|| {
                            w.cx.changed = true;
                            Box::default()
                        });
                        let s = secret || is_secret_key(&k);
                        self.observe_value(m, depth + 1, s, w)?;
                    } else if let Some(child) = node.props.get_mut(k.as_ref()) {
                        let s = secret || child.secret_key;
                        self.observe_value(child, depth + 1, s, w)?;
                    } else {
                        w.cx.changed = true;
                        let fresh = Node::keyed(&k);
                        let child = node.props.entry(k.into_owned()).or_insert(fresh);
                        let s = secret || child.secret_key;
                        self.observe_value(child, depth + 1, s, w)?;
                    }
                    self.ws();
                    match self.peek() {
                        Some(b',') => self.i += 1,
                        Some(b'}') => {
                            self.i += 1;
                            return Ok(());
                        }
                        _ => return Err(Invalid),
                    }
                }
            }
            b'[' => {
                node.types.array = node.types.array.saturating_add(1);
                self.i += 1;
                if depth >= w.cx.cap {
                    return self.skip_rest(b']', w);
                }
                self.ws();
                if self.peek() == Some(b']') {
                    self.i += 1;
                    return Ok(());
                }
                // The items node exists once a non-empty array was seen.
                let items = node.items.get_or_insert_with(|| {
                    w.cx.changed = true;
                    Box::default()
                });
                loop {
                    self.observe_value(items, depth + 1, secret, w)?;
                    self.ws();
                    match self.peek() {
                        Some(b',') => self.i += 1,
                        Some(b']') => {
                            self.i += 1;
                            return Ok(());
                        }
                        _ => return Err(Invalid),
                    }
                }
            }
            b'"' => {
                let s = self.string()?;
                node.observe_string(&s, Format::detect(&s), !secret);
                Ok(())
            }
            b't' | b'f' => {
                self.literal(if c == b't' { b"true" } else { b"false" })?;
                node.types.boolean = node.types.boolean.saturating_add(1);
                Ok(())
            }
            b'n' => {
                self.literal(b"null")?;
                node.types.null = node.types.null.saturating_add(1);
                Ok(())
            }
            _ => {
                match self.number()? {
                    Num::Int(x) => {
                        node.types.integer = node.types.integer.saturating_add(1);
                        node.observe_number(x);
                    }
                    Num::Float(x) => {
                        node.types.number = node.types.number.saturating_add(1);
                        node.observe_number(x);
                    }
                }
                Ok(())
            }
        }
    }

    /// Skips the rest of a container below the depth limit, counting the objects in it so that
    /// later map decisions stay in step.
    fn skip_rest(&mut self, close: u8, w: &mut Walk<'_>) -> R<()> {
        let mut stack: Vec<u8> = vec![close];
        while let Some(&top) = stack.last() {
            self.ws();
            match self.peek().ok_or(Invalid)? {
                c if c == top => {
                    self.i += 1;
                    stack.pop();
                }
                b'{' => {
                    w.next += 1;
                    self.i += 1;
                    stack.push(b'}');
                }
                b'[' => {
                    self.i += 1;
                    stack.push(b']');
                }
                b'"' => {
                    self.string()?;
                }
                b',' | b':' | b't' | b'r' | b'u' | b'e' | b'f' | b'a' | b'l' | b's' | b'n' => {
                    self.i += 1;
                }
                b'-' | b'0'..=b'9' => {
                    self.number()?;
                }
                _ => return Err(Invalid),
            }
        }
        Ok(())
    }
}

/// State of pass 2.
pub(super) struct Walk<'s> {
    pub cx: &'s mut Cx,
    pub map_like: &'s [bool],
    pub next: usize,
}

/// Pass 1: validates `text` as one JSON document.
pub(super) fn scan(text: &str) -> Result<Scan, Invalid> {
    let mut p = P::new(text);
    let mut st = Scan {
        map_like: Vec::new(),
        duplicate_keys: false,
    };
    let mut keys = Vec::new();
    p.scan_value(0, &mut st, &mut keys)?;
    p.end()?;
    Ok(st)
}

/// Pass 2: records `text` (accepted by [`scan`]) into `root`.
pub(super) fn observe(text: &str, root: &mut Node, w: &mut Walk<'_>) -> Result<(), Invalid> {
    let mut p = P::new(text);
    p.observe_value(root, 0, false, w)?;
    p.end()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn accepts(text: &str) -> bool {
        scan(text).is_ok()
    }

    #[test]
    fn accepts_what_serde_json_accepts() {
        let cases = [
            "0",
            "-0",
            "1.5e3",
            "-1E-2",
            "01",
            "1.",
            ".5",
            "-",
            "1e",
            "[1,]",
            "[,1]",
            "{\"a\":1,}",
            "{\"a\" 1}",
            "{1:2}",
            "\"\\u00e9\"",
            "\"\\ud83d\\ude00\"",
            "\"\\ud83d\"",
            "\"\\ude00\"",
            "\"\\x\"",
            "\"a\u{1}b\"",
            "\"tab\there\"",
            "[] x",
            " {} ",
            "tru",
            "nul",
            "true false",
            "1e400",
            "18446744073709551616",
            "-9223372036854775809",
            "[[[[]]]]",
            "\"\\/\"",
        ];
        for c in cases {
            let serde_ok = serde_json::from_str::<serde_json::Value>(c).is_ok();
            assert_eq!(accepts(c), serde_ok, "{c:?}");
        }
        for n in [
            RECURSION_LIMIT - 2,
            RECURSION_LIMIT - 1,
            RECURSION_LIMIT,
            RECURSION_LIMIT + 1,
        ] {
            for (open, close) in [("[", "]"), ("{\"a\":", "}")] {
                let deep = format!("{}1{}", open.repeat(n), close.repeat(n));
                let serde_ok = serde_json::from_str::<serde_json::Value>(&deep).is_ok();
                assert_eq!(accepts(&deep), serde_ok, "{n} {open}");
            }
        }
    }

    proptest! {
        #[test]
        fn acceptance_matches_serde_json(text in "[\\[\\]{}\":,0-9a-z\\\\. eE+-]{0,24}") {
            let serde_ok = serde_json::from_str::<serde_json::Value>(&text).is_ok();
            prop_assert_eq!(accepts(&text), serde_ok, "{:?}", text);
        }

        #[test]
        fn numbers_equal_serde_json(text in "-?(0|[1-9][0-9]{0,20})(\\.[0-9]{1,20})?([eE][+-]?[0-9]{1,3})?") {
            let mut p = P::new(&text);
            let ours = p.number();
            match serde_json::from_str::<serde_json::Value>(&text) {
                Ok(serde_json::Value::Number(n)) => {
                    let (is_float, x) = match ours.unwrap() {
                        Num::Int(x) => (false, x),
                        Num::Float(x) => (true, x),
                    };
                    prop_assert_eq!(is_float, n.is_f64(), "{}", text);
                    prop_assert_eq!(x.to_bits(), n.as_f64().unwrap().to_bits(), "{}", text);
                }
                _ => prop_assert!(ours.is_err(), "{}", text),
            }
        }

        #[test]
        fn find_stop_matches_bytewise(bytes in prop::collection::vec(prop_oneof![Just(b'"'), Just(b'\\'), Just(0x1fu8), Just(0x20u8), Just(0x7fu8), Just(0x80u8), any::<u8>()], 0..40)) {
            let slow = bytes.iter().position(|&c| c == b'"' || c == b'\\' || c < 0x20);
            prop_assert_eq!(find_stop(&bytes), slow);
        }

        #[test]
        fn never_panics(text in ".{0,64}") {
            let _ = accepts(&text);
        }
    }
}
