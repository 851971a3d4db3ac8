//! Every value of a request, at its placement.
//!
//! Rules are written against single values (one parameter, one JSON leaf, one header), never
//! against whole requests, so both the payload and where it sat are known: a `../` in a path
//! segment and one in a JSON comment field are different findings. [`extract`] walks the
//! request once and appends each value to an [`Extracted`] arena (one text buffer, ranges into
//! it), decoded once by its own syntax (percent-decoding for URLs and forms, JSON escapes, XML
//! entities are left to the normaliser). The limits in [`Limits`] bound the work on hostile
//! input; what they cut is counted, never an error.

use std::borrow::Cow;
use std::collections::HashSet;
use std::hash::{BuildHasher, Hasher};
use std::ops::Range;

use lampyr_core::Request;

use crate::normalize;
use crate::rules::ValueKind;
use crate::Location;

/// Scope bits: which kind of place a value comes from, finer than [`Location`] (rules are
/// enabled per scope, as CRS rules name their variables).
pub mod scope {
    /// One path segment (`[N]`).
    pub const PATH_SEGMENT: u32 = 1;
    /// The whole path.
    pub const PATH: u32 = 1 << 1;
    /// A query parameter value.
    pub const QUERY: u32 = 1 << 2;
    /// A query parameter name.
    pub const QUERY_NAME: u32 = 1 << 3;
    /// A body field value (form, JSON, multipart, XML text or attribute, unknown raw body).
    pub const BODY: u32 = 1 << 4;
    /// A body field name.
    pub const BODY_NAME: u32 = 1 << 5;
    /// A cookie value.
    pub const COOKIE: u32 = 1 << 6;
    /// A cookie name.
    pub const COOKIE_NAME: u32 = 1 << 7;
    /// A header value.
    pub const HEADER: u32 = 1 << 8;
    /// A header name.
    pub const HEADER_NAME: u32 = 1 << 9;
    /// The `User-Agent` header value (also [`HEADER`]).
    pub const USER_AGENT: u32 = 1 << 10;
    /// The `Referer` header value (also [`HEADER`]).
    pub const REFERER: u32 = 1 << 11;
    /// A multipart file name (also [`BODY`]).
    pub const FILENAME: u32 = 1 << 12;
    /// The raw text of a structured body (XML), for rules on the document as a whole.
    pub const RAW_BODY: u32 = 1 << 13;

    /// Parameter values: CRS `ARGS` (query, body fields).
    pub const ARGS: u32 = QUERY | BODY;
    /// Parameter names: CRS `ARGS_NAMES`.
    pub const NAMES: u32 = QUERY_NAME | BODY_NAME;
    /// Cookie names and values.
    pub const COOKIES: u32 = COOKIE | COOKIE_NAME;
    /// Where most payload rules look: parameters, their names and cookies.
    pub const PAYLOAD: u32 = ARGS | NAMES | COOKIES;
    /// Everything.
    pub const ALL: u32 = u32::MAX;
}

/// Bounds on the work one request may cause.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct Limits {
    /// Values inspected per request at most; the rest are counted as skipped.
    pub max_values: usize,
    /// Bytes of one value inspected at most; longer values are cut (and counted).
    pub max_value_len: usize,
    /// Bytes of the body inspected at most.
    pub max_body_bytes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_values: 1024,
            max_value_len: 8 * 1024,
            max_body_bytes: 128 * 1024,
        }
    }
}

/// One value found in a request; its texts are ranges of [`Extracted::text`].
#[derive(Debug, Clone)]
pub struct Item {
    /// Where.
    pub location: Location,
    /// The placement's field (see [`crate::Placement::field`]).
    pub field: Range<usize>,
    /// Name or content.
    pub kind: ValueKind,
    /// The field name the value belongs to.
    pub key: Range<usize>,
    /// As on the wire.
    pub raw: Range<usize>,
    /// Decoded once by its syntax.
    pub value: Range<usize>,
    /// [`scope`] bits.
    pub scope: u32,
}

/// The values of one request.
#[derive(Debug, Default, Clone)]
pub struct Extracted {
    /// Text of every item.
    pub text: String,
    /// The values in request order: path, query, headers, cookies, body.
    pub items: Vec<Item>,
    /// Values not inspected because of [`Limits::max_values`].
    pub skipped_values: u32,
    /// Values cut to [`Limits::max_value_len`].
    pub cut_values: u32,
    /// Whether the body was longer than [`Limits::max_body_bytes`] (or already truncated by
    /// capture).
    pub body_cut: bool,
    /// Whether the body was not inspected at all (binary media type).
    pub body_skipped: bool,
}

impl Extracted {
    /// The text of a range.
    pub fn get(&self, r: &Range<usize>) -> &str {
        &self.text[r.clone()]
    }

    fn clear(&mut self) {
        self.text.clear();
        self.items.clear();
        self.skipped_values = 0;
        self.cut_values = 0;
        self.body_cut = false;
        self.body_skipped = false;
    }
}

/// Header names never inspected: their syntax is fixed by the HTTP stack or they carry only
/// browser hints that a backend does not read. `cookie` is split into cookies instead.
const SKIPPED_HEADERS: &[&str] = &[
    "content-length",
    "connection",
    "keep-alive",
    "proxy-connection",
    "upgrade-insecure-requests",
    "dnt",
    "sec-fetch-dest",
    "sec-fetch-mode",
    "sec-fetch-site",
    "sec-fetch-user",
    "sec-ch-ua",
    "sec-ch-ua-mobile",
    "sec-ch-ua-platform",
    "if-none-match",
    "if-modified-since",
    "accept-encoding",
    "priority",
    "te",
];

struct Builder<'l> {
    out: Extracted,
    limits: &'l Limits,
}

impl Builder<'_> {
    fn push_text(&mut self, s: &str) -> Range<usize> {
        let start = self.out.text.len();
        self.out.text.push_str(s);
        start..self.out.text.len()
    }

    fn cut<'s>(&self, s: &'s str) -> &'s str {
        if s.len() <= self.limits.max_value_len {
            return s;
        }
        let mut end = self.limits.max_value_len;
        while !s.is_char_boundary(end) {
            end -= 1;
        }
        &s[..end]
    }

    fn full(&mut self) -> bool {
        if self.out.items.len() >= self.limits.max_values {
            self.out.skipped_values += 1;
            true
        } else {
            false
        }
    }

    /// Adds one value. `field` and `key` may be the same text.
    #[allow(clippy::too_many_arguments)]
    fn add(
        &mut self,
        location: Location,
        field: &str,
        kind: ValueKind,
        key: &str,
        raw: &str,
        value: &str,
        scope: u32,
    ) {
        if self.full() {
            return;
        }
        if raw.len() > self.limits.max_value_len || value.len() > self.limits.max_value_len {
            self.out.cut_values += 1;
        }
        let raw = self.cut(raw);
        let value = self.cut(value);
        let field_r = self.push_text(field);
        let key_r = if key == field {
            field_r.clone()
        } else {
            self.push_text(key)
        };
        let raw_r = self.push_text(raw);
        let value_r = if value == raw {
            raw_r.clone()
        } else {
            self.push_text(value)
        };
        self.out.items.push(Item {
            location,
            field: field_r,
            kind,
            key: key_r,
            raw: raw_r,
            value: value_r,
            scope,
        });
    }
}

/// Percent-decodes one round; with `plus`, `+` is a space (forms and query strings).
pub fn url_component(s: &str, plus: bool) -> Cow<'_, str> {
    if !s.bytes().any(|b| b == b'%' || (plus && b == b'+')) {
        return Cow::Borrowed(s);
    }
    let spaced: Cow<'_, str> = if plus && s.contains('+') {
        Cow::Owned(s.replace('+', " "))
    } else {
        Cow::Borrowed(s)
    };
    let mut out = String::with_capacity(spaced.len());
    if normalize::url_decode_into(&spaced, &mut out) {
        Cow::Owned(out)
    } else {
        Cow::Owned(spaced.into_owned())
    }
}

/// Finds every value of `req` (see the module doc).
pub fn extract(req: &Request, limits: &Limits) -> Extracted {
    let mut out = Extracted::default();
    extract_into(req, limits, &mut out);
    out
}

/// [`extract`] into a reused arena.
pub fn extract_into(req: &Request, limits: &Limits, out: &mut Extracted) {
    out.clear();
    let mut b = Builder {
        out: std::mem::take(out),
        limits,
    };
    path(&mut b, &req.path);
    if let Some(q) = &req.query {
        pairs(&mut b, q, Location::Query, scope::QUERY, scope::QUERY_NAME);
    }
    for (name, value) in req.headers.iter() {
        header(&mut b, name, value);
    }
    body(&mut b, req);
    *out = b.out;
}

fn path(b: &mut Builder<'_>, path: &str) {
    let decoded = url_component(path, false);
    b.add(
        Location::Path,
        "",
        ValueKind::Content,
        "",
        path,
        &decoded,
        scope::PATH,
    );
    let mut field = String::new();
    for (i, seg) in path.split('/').filter(|s| !s.is_empty()).enumerate() {
        if b.out.items.len() >= b.limits.max_values {
            b.out.skipped_values += 1;
            break;
        }
        field.clear();
        field.push('[');
        field.push_str(&i.to_string());
        field.push(']');
        let decoded = url_component(seg, false);
        b.add(
            Location::Path,
            &field,
            ValueKind::Content,
            "",
            seg,
            &decoded,
            scope::PATH_SEGMENT,
        );
    }
}

/// `a=1&b=2` pairs (query strings and urlencoded forms).
fn pairs(b: &mut Builder<'_>, text: &str, loc: Location, value_scope: u32, name_scope: u32) {
    for pair in text.split('&') {
        if pair.is_empty() {
            continue;
        }
        if b.out.items.len() >= b.limits.max_values {
            b.out.skipped_values += 1;
            break;
        }
        let (raw_name, raw_value) = match pair.split_once('=') {
            Some((n, v)) => (n, Some(v)),
            None => (pair, None),
        };
        let name = url_component(raw_name, true);
        if !name.is_empty() {
            b.add(
                loc,
                &name,
                ValueKind::Name,
                &name,
                raw_name,
                &name,
                name_scope,
            );
        }
        if let Some(raw_value) = raw_value {
            if !raw_value.is_empty() {
                let value = url_component(raw_value, true);
                b.add(
                    loc,
                    &name,
                    ValueKind::Content,
                    &name,
                    raw_value,
                    &value,
                    value_scope,
                );
            }
        }
    }
}

fn header(b: &mut Builder<'_>, name: &str, value: &str) {
    let lower: Cow<'_, str> = if name.bytes().any(|c| c.is_ascii_uppercase()) {
        Cow::Owned(name.to_ascii_lowercase())
    } else {
        Cow::Borrowed(name)
    };
    let lower = lower.as_ref();
    if !lower
        .bytes()
        .all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_')
    {
        // Only an odd name is worth a look of its own (injection in header names).
        b.add(
            Location::Header,
            lower,
            ValueKind::Name,
            lower,
            name,
            name,
            scope::HEADER_NAME,
        );
    }
    if SKIPPED_HEADERS.contains(&lower) || lower.starts_with(':') {
        return;
    }
    if lower == "cookie" {
        cookies(b, value);
        return;
    }
    let mut sc = scope::HEADER;
    if lower == "user-agent" {
        sc |= scope::USER_AGENT;
    } else if lower == "referer" {
        sc |= scope::REFERER;
    }
    b.add(
        Location::Header,
        lower,
        ValueKind::Content,
        lower,
        value,
        value,
        sc,
    );
}

fn cookies(b: &mut Builder<'_>, header: &str) {
    for c in header.split(';') {
        let c = c.trim_matches(|ch: char| ch == ' ' || ch == '\t');
        if c.is_empty() {
            continue;
        }
        let (name, value) = c.split_once('=').unwrap_or((c, ""));
        let dname = url_component(name, false);
        b.add(
            Location::Cookie,
            &dname,
            ValueKind::Name,
            &dname,
            name,
            &dname,
            scope::COOKIE_NAME,
        );
        if !value.is_empty() {
            let v = value
                .strip_prefix('"')
                .and_then(|v| v.strip_suffix('"'))
                .unwrap_or(value);
            let dv = url_component(v, false);
            b.add(
                Location::Cookie,
                &dname,
                ValueKind::Content,
                &dname,
                value,
                &dv,
                scope::COOKIE,
            );
        }
    }
}

/// Media types whose bodies are not text and carry no parameters.
fn is_binary_type(mt: &str) -> bool {
    mt.starts_with("image/")
        || mt.starts_with("audio/")
        || mt.starts_with("video/")
        || mt.starts_with("font/")
        || matches!(
            mt,
            "application/octet-stream"
                | "application/pdf"
                | "application/zip"
                | "application/gzip"
                | "application/x-protobuf"
                | "application/protobuf"
                | "application/grpc"
                | "application/x-tar"
        )
}

fn body(b: &mut Builder<'_>, req: &Request) {
    let bytes = req.body.bytes();
    if bytes.is_empty() {
        return;
    }
    b.out.body_cut = req.body.truncated();
    let mut bytes = bytes;
    if bytes.len() > b.limits.max_body_bytes {
        bytes = &bytes[..b.limits.max_body_bytes];
        b.out.body_cut = true;
    }
    let media = req.media_type().unwrap_or_default();
    if is_binary_type(&media) {
        b.out.body_skipped = true;
        return;
    }
    let text = crate::normalize::utf8_lossy(bytes);
    let text = text.as_ref();
    if media == "application/x-www-form-urlencoded" {
        pairs(b, text, Location::Body, scope::BODY, scope::BODY_NAME);
    } else if media.ends_with("json") {
        if !json(b, text) {
            raw_body(b, text, scope::BODY);
        }
    } else if media == "multipart/form-data" || media.starts_with("multipart/") {
        let boundary = req
            .headers
            .get("content-type")
            .and_then(boundary_of)
            .unwrap_or_default();
        if boundary.is_empty() || !multipart(b, text, &boundary) {
            raw_body(b, text, scope::BODY);
        }
    } else if media.ends_with("xml") {
        xml(b, text);
    } else {
        sniffed(b, text);
    }
}

/// A body of unknown or plain type: JSON, form or XML when it looks like one, else one value.
fn sniffed(b: &mut Builder<'_>, text: &str) {
    let t = text.trim_start();
    if (t.starts_with('{') || t.starts_with('[')) && json(b, text) {
        return;
    }
    if t.starts_with('<') {
        xml(b, text);
        return;
    }
    let formish = text.contains('=')
        && !text
            .bytes()
            .any(|c| c == b' ' || c == b'\n' || c == b'\r' || c == b'\t');
    if formish {
        pairs(b, text, Location::Body, scope::BODY, scope::BODY_NAME);
    } else {
        raw_body(b, text, scope::BODY);
    }
}

fn raw_body(b: &mut Builder<'_>, text: &str, sc: u32) {
    b.add(Location::Body, "", ValueKind::Content, "", text, text, sc);
}

/// Nesting of JSON arrays and objects followed at most (deeper documents stop the walk).
const MAX_JSON_DEPTH: usize = 128;

/// JSON leaves (strings and numbers) and keys; false when the text is not JSON at all.
///
/// Field paths join keys with `.` and mark array items with `[]` (`items[].id`); a key is a
/// [`ValueKind::Name`] value once per distinct path, as sent (a key holding dots stays one
/// name: `java.lang.Runtime`).
fn json(b: &mut Builder<'_>, text: &str) -> bool {
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

/// `boundary=` of a `multipart/*` content type.
fn boundary_of(ct: &str) -> Option<String> {
    ct.split(';').skip(1).find_map(|p| {
        let (k, v) = p.trim().split_once('=')?;
        k.trim()
            .eq_ignore_ascii_case("boundary")
            .then(|| v.trim().trim_matches('"').to_string())
    })
}

/// Suffix of the key (and field) of a multipart file name: `avatar@filename` is the file name
/// sent in part `avatar`.
pub const FILENAME_SUFFIX: &str = "@filename";

/// Multipart parts: each part's name, file name and (text) content; false when no part
/// delimiter is found.
fn multipart(b: &mut Builder<'_>, text: &str, boundary: &str) -> bool {
    let delim = format!("--{boundary}");
    let mut parts = text.split(delim.as_str());
    if parts.next().is_none() {
        return false;
    }
    let mut found = false;
    for part in parts {
        if part.starts_with("--") {
            break;
        }
        found = true;
        if b.out.items.len() >= b.limits.max_values {
            b.out.skipped_values += 1;
            break;
        }
        let part = part
            .strip_prefix("\r\n")
            .or_else(|| part.strip_prefix('\n'))
            .unwrap_or(part);
        let (head, content) = match part.find("\r\n\r\n") {
            Some(i) => (&part[..i], &part[i + 4..]),
            None => match part.find("\n\n") {
                Some(i) => (&part[..i], &part[i + 2..]),
                None => (part, ""),
            },
        };
        let content = content
            .strip_suffix("\r\n")
            .or_else(|| content.strip_suffix('\n'))
            .unwrap_or(content);
        let mut name = String::new();
        let mut filename = None;
        let mut binary = false;
        for line in head.lines() {
            let Some((hn, hv)) = line.split_once(':') else {
                continue;
            };
            let hn = hn.trim();
            if hn.eq_ignore_ascii_case("content-disposition") {
                for p in hv.split(';').skip(1) {
                    if let Some((k, v)) = p.trim().split_once('=') {
                        let v = v.trim().trim_matches('"');
                        match k.trim().to_ascii_lowercase().as_str() {
                            "name" => name = v.to_string(),
                            "filename" | "filename*" => filename = Some(v.to_string()),
                            _ => {}
                        }
                    }
                }
            } else if hn.eq_ignore_ascii_case("content-type") {
                binary = is_binary_type(
                    hv.trim()
                        .to_ascii_lowercase()
                        .split(';')
                        .next()
                        .unwrap_or(""),
                );
            }
        }
        if !name.is_empty() {
            b.add(
                Location::Body,
                &name,
                ValueKind::Name,
                &name,
                &name,
                &name,
                scope::BODY_NAME,
            );
        }
        if let Some(f) = &filename {
            // A key of its own (`name@filename`): rules on uploaded file names tell them from
            // the part's content and from ordinary fields.
            let key = format!("{name}{FILENAME_SUFFIX}");
            b.add(
                Location::Body,
                &key,
                ValueKind::Content,
                &key,
                f,
                f,
                scope::BODY | scope::FILENAME,
            );
        }
        let text_like = !binary && !content.contains('\u{fffd}') && !content.contains('\0');
        if !content.is_empty() && text_like {
            b.add(
                Location::Body,
                &name,
                ValueKind::Content,
                &name,
                content,
                content,
                scope::BODY,
            );
        }
    }
    found
}

/// Nesting kept for XML field paths at most.
const MAX_XML_DEPTH: usize = 64;

/// XML text nodes and attribute values with element paths, plus the raw document
/// ([`scope::RAW_BODY`]) for rules on the document itself (entities, DOCTYPE).
fn xml(b: &mut Builder<'_>, text: &str) {
    raw_body(b, text, scope::RAW_BODY);
    let bytes = text.as_bytes();
    // Path length before each open element; elements past MAX_XML_DEPTH are only counted.
    let mut stack: Vec<usize> = Vec::new();
    let mut overflow = 0usize;
    let mut path = String::new();
    let mut i = 0;
    while i < bytes.len() {
        if b.out.items.len() >= b.limits.max_values {
            b.out.skipped_values += 1;
            return;
        }
        if bytes[i] != b'<' {
            let end = memchr::memchr(b'<', &bytes[i..]).map_or(bytes.len(), |o| i + o);
            xml_text(b, &path, &text[i..end]);
            i = end;
            continue;
        }
        let rest = &text[i..];
        if let Some(r) = rest.strip_prefix("<![CDATA[") {
            let end = r.find("]]>").unwrap_or(r.len());
            xml_text(b, &path, &r[..end]);
            i += 9 + (end + 3).min(r.len());
            continue;
        }
        if rest.starts_with("<!--") {
            i += rest.find("-->").map_or(rest.len(), |e| e + 3);
            continue;
        }
        if rest.starts_with("<!") {
            // DOCTYPE with an internal subset ends at `]>`.
            let end = match (rest.find('['), rest.find('>')) {
                (Some(o), Some(c)) if o < c => rest.find("]>").map_or(rest.len(), |e| e + 2),
                (_, Some(c)) => c + 1,
                _ => rest.len(),
            };
            i += end;
            continue;
        }
        if rest.starts_with("<?") {
            i += rest.find("?>").map_or(rest.len(), |e| e + 2);
            continue;
        }
        let close = rest.find('>').unwrap_or(rest.len());
        let tag = &rest[1..close];
        i += (close + 1).min(rest.len());
        if tag.starts_with('/') {
            if overflow > 0 {
                overflow -= 1;
            } else if let Some(len) = stack.pop() {
                path.truncate(len);
            }
            continue;
        }
        let self_closing = tag.ends_with('/');
        let tag = tag.trim_end_matches('/');
        let name_end = tag.find(|c: char| c.is_whitespace()).unwrap_or(tag.len());
        let name = &tag[..name_end];
        let before = path.len();
        if !path.is_empty() {
            path.push('.');
        }
        path.push_str(name);
        attributes(b, &tag[name_end..], &path);
        if self_closing || stack.len() >= MAX_XML_DEPTH {
            path.truncate(before);
            if !self_closing {
                overflow += 1;
            }
        } else {
            stack.push(before);
        }
    }
}

fn xml_text(b: &mut Builder<'_>, path: &str, t: &str) {
    let t = t.trim();
    if !t.is_empty() {
        let key = path.rsplit('.').next().unwrap_or("");
        b.add(
            Location::Body,
            path,
            ValueKind::Content,
            key,
            t,
            t,
            scope::BODY,
        );
    }
}

fn attributes(b: &mut Builder<'_>, mut s: &str, element: &str) {
    loop {
        s = s.trim_start();
        let Some(eq) = s.find('=') else { return };
        let name = s[..eq].trim();
        let after = s[eq + 1..].trim_start();
        let Some(q) = after.chars().next().filter(|c| *c == '"' || *c == '\'') else {
            return;
        };
        let body = &after[1..];
        let end = body.find(q).unwrap_or(body.len());
        let value = &body[..end];
        if !value.is_empty() {
            let field = format!("{element}@{name}");
            b.add(
                Location::Body,
                &field,
                ValueKind::Content,
                name,
                value,
                value,
                scope::BODY,
            );
        }
        s = &body[(end + 1).min(body.len())..];
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use lampyr_core::{Body, Headers};
    use proptest::prelude::*;

    fn req(method: &str, target: &str, headers: &[(&str, &str)], body: &str) -> Request {
        let (path, query) = match target.split_once('?') {
            Some((p, q)) => (p.to_string(), Some(q.to_string())),
            None => (target.to_string(), None),
        };
        let mut h = Headers::new();
        for (k, v) in headers {
            h.append(*k, *v);
        }
        Request {
            method: method.into(),
            path,
            query,
            headers: h,
            body: Body::from_parts(body.as_bytes().to_vec(), false, body.len() as u64),
            ..Request::default()
        }
    }

    fn values(e: &Extracted) -> Vec<(Location, String, ValueKind, String)> {
        e.items
            .iter()
            .map(|i| {
                (
                    i.location,
                    e.get(&i.field).to_string(),
                    i.kind,
                    e.get(&i.value).to_string(),
                )
            })
            .collect()
    }

    #[test]
    fn path_query_headers_and_cookies_are_found_with_fields() {
        let r = req(
            "GET",
            "/a/b%2Fc?x=1+2&flag&y=%27",
            &[
                ("User-Agent", "ua"),
                ("Cookie", "sid=abc; t=%3Cb%3E"),
                ("Content-Length", "0"),
            ],
            "",
        );
        let e = extract(&r, &Limits::default());
        let v = values(&e);
        assert!(v.contains(&(
            Location::Path,
            "[1]".into(),
            ValueKind::Content,
            "b/c".into()
        )));
        assert!(v.contains(&(
            Location::Path,
            "".into(),
            ValueKind::Content,
            "/a/b/c".into()
        )));
        assert!(v.contains(&(
            Location::Query,
            "x".into(),
            ValueKind::Content,
            "1 2".into()
        )));
        assert!(v.contains(&(
            Location::Query,
            "flag".into(),
            ValueKind::Name,
            "flag".into()
        )));
        assert!(v.contains(&(Location::Query, "y".into(), ValueKind::Content, "'".into())));
        assert!(v.contains(&(
            Location::Header,
            "user-agent".into(),
            ValueKind::Content,
            "ua".into()
        )));
        assert!(v.contains(&(
            Location::Cookie,
            "t".into(),
            ValueKind::Content,
            "<b>".into()
        )));
        assert!(!v.iter().any(|x| x.1 == "content-length"));
    }

    #[test]
    fn json_bodies_give_every_leaf_and_key() {
        let r = req(
            "POST",
            "/",
            &[("Content-Type", "application/json")],
            r#"{"user":{"name":"O'Brien","tags":["a","b"]},"n":3}"#,
        );
        let e = extract(&r, &Limits::default());
        let v = values(&e);
        assert!(v.contains(&(
            Location::Body,
            "user.name".into(),
            ValueKind::Content,
            "O'Brien".into()
        )));
        assert!(v.contains(&(
            Location::Body,
            "user.tags[]".into(),
            ValueKind::Content,
            "b".into()
        )));
        assert!(v.contains(&(
            Location::Body,
            "user".into(),
            ValueKind::Name,
            "user".into()
        )));
        assert!(v.contains(&(
            Location::Body,
            "user.tags".into(),
            ValueKind::Name,
            "tags".into()
        )));
        assert_eq!(v.iter().filter(|x| x.3 == "tags").count(), 1);
    }

    #[test]
    fn multipart_parts_give_name_filename_and_content() {
        let body = "--XX\r\nContent-Disposition: form-data; name=\"f\"; filename=\"../x.php\"\r\nContent-Type: text/plain\r\n\r\n<?php ?>\r\n--XX--\r\n";
        let r = req(
            "POST",
            "/",
            &[("Content-Type", "multipart/form-data; boundary=XX")],
            body,
        );
        let e = extract(&r, &Limits::default());
        let files: Vec<_> = e
            .items
            .iter()
            .filter(|i| i.scope & scope::FILENAME != 0)
            .collect();
        assert_eq!(files.len(), 1);
        assert_eq!(e.get(&files[0].value), "../x.php");
        assert_eq!(e.get(&files[0].key), "f@filename");
        assert_eq!(e.get(&files[0].field), "f@filename");
        assert!(values(&e).contains(&(
            Location::Body,
            "f".into(),
            ValueKind::Content,
            "<?php ?>".into()
        )));
    }

    #[test]
    fn xml_text_and_attributes_have_element_paths() {
        let r = req(
            "POST",
            "/",
            &[("Content-Type", "application/xml")],
            r#"<?xml version="1.0"?><root><a probe="x&lt;y">text</a><b/></root>"#,
        );
        let e = extract(&r, &Limits::default());
        let v = values(&e);
        assert!(v.contains(&(
            Location::Body,
            "root.a@probe".into(),
            ValueKind::Content,
            "x&lt;y".into()
        )));
        assert!(v.contains(&(
            Location::Body,
            "root.a".into(),
            ValueKind::Content,
            "text".into()
        )));
    }

    #[test]
    fn limits_cut_and_count() {
        let limits = Limits {
            max_values: 5,
            max_value_len: 4,
            max_body_bytes: 1000,
        };
        let r = req("GET", "/p?a=123456&b=2&c=3&d=4&e=5", &[], "");
        let e = extract(&r, &limits);
        assert_eq!(e.items.len(), 5);
        assert!(e.skipped_values > 0);
        assert!(e.cut_values >= 1);
        assert!(e.items.iter().all(|i| e.get(&i.raw).len() <= 4));
    }

    #[test]
    fn binary_bodies_are_skipped() {
        let r = req(
            "POST",
            "/",
            &[("Content-Type", "image/png")],
            "../../etc/passwd",
        );
        let e = extract(&r, &Limits::default());
        assert!(e.body_skipped);
        assert!(e.items.iter().all(|i| i.location != Location::Body));
    }

    proptest! {
        #[test]
        fn extraction_never_panics_and_respects_limits(
            path in "/[ -~]{0,40}", query in "[ -~]{0,80}", ct in prop::sample::select(vec![
                "application/json", "application/x-www-form-urlencoded",
                "multipart/form-data; boundary=b", "application/xml", "text/plain", ""]),
            body in "[ -~\r\n]{0,300}") {
            let r = req("POST", &format!("{path}?{query}"), &[("Content-Type", ct), ("Cookie", &query)], &body);
            let limits = Limits { max_values: 50, max_value_len: 64, max_body_bytes: 200 };
            let e = extract(&r, &limits);
            prop_assert!(e.items.len() <= 50);
            for i in &e.items {
                prop_assert!(e.get(&i.raw).len() <= 64);
                prop_assert!(e.get(&i.value).len() <= 64);
            }
        }
    }
}
