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
use std::ops::Range;

use lampyr_core::Request;

use crate::normalize;
use crate::rules::ValueKind;
use crate::Location;

mod json;
mod multipart;
mod xml;

use json::json;
pub use multipart::FILENAME_SUFFIX;
use multipart::{boundary_of, multipart};
use xml::xml;

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

#[cfg(test)]
mod tests;
