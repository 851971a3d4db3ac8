//! Parameter structure of an endpoint: query, headers, cookies, request bodies per media type
//! and responses per status, each as a mergeable [`SchemaSketch`].
//!
//! [`ParamShapes::observe`] takes one exchange; [`ParamShapes::merge`] is commutative and
//! associative, so per-path shapes fold into per-template shapes in any order. Everything is
//! bounded: each name map keeps its lexicographically smallest names only (at most
//! `limit + 1`, so overflow is detectable and order independent), bodies are parsed at most once
//! per exchange and a body that fails to parse is counted, never a panic.
//!
//! Bodies understood: JSON (`application/json`, `text/json`, any `+json`),
//! `application/x-www-form-urlencoded`, `multipart/form-data` (part names; file parts are
//! `string`/`binary`), XML (`application/xml`, `text/xml`, any `+xml`: the child elements of
//! the root as properties). Other media types are recorded with their count only. Truncated
//! bodies are counted and not parsed.
//!
//! Speed: JSON bodies go through [`SchemaSketch::observe_json_slice`] (no `serde_json::Value`
//! is built), and names are looked up without allocating once known. Observing into a
//! long-lived `ParamShapes` is the fast path; building one per exchange and merging it costs
//! about twice as much, because merging clones every new name.

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};

use lampyr_core::{Body, Exchange, Headers, Request, Response};
use serde::Serialize;
use serde_json::Value;

use crate::auth::{is_credential_header, is_credential_query};

mod formats;
mod headers;

use crate::schema::{is_secret_key, Field, SchemaSketch};
use formats::{boundary, multipart_fields, xml_children};
pub(crate) use formats::{cookie_pairs, query_pairs};
pub use headers::{is_standard_request_header, is_standard_response_header};

/// Most names kept per location (query, headers, cookies, response headers) per endpoint.
pub const MAX_PARAMS: usize = 256;
/// Most media types kept per request or per response status.
pub const MAX_MEDIA_TYPES: usize = 16;
/// Most `name=value` pairs or multipart parts read from one message.
pub const MAX_FIELDS_PER_MESSAGE: usize = 1024;
/// Longest accepted media type; longer or malformed ones are recorded as
/// `application/octet-stream`.
pub const MAX_MEDIA_TYPE_LEN: usize = 100;

/// How a body of a media type is read.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum BodyKind {
    /// JSON: the full value tree.
    Json,
    /// URL-encoded form: field names and typed values.
    Form,
    /// `multipart/form-data`: part names; file parts are binary strings.
    Multipart,
    /// XML: child elements of the root.
    Xml,
    /// Anything else: only counted.
    #[default]
    Other,
}

impl BodyKind {
    /// The kind for a lower-case media type without parameters.
    pub fn of(media_type: &str) -> BodyKind {
        let m = media_type;
        if m == "application/json" || m == "text/json" || m.ends_with("+json") {
            BodyKind::Json
        } else if m == "application/x-www-form-urlencoded" {
            BodyKind::Form
        } else if m == "multipart/form-data" {
            BodyKind::Multipart
        } else if m == "application/xml" || m == "text/xml" || m.ends_with("+xml") {
            BodyKind::Xml
        } else {
            BodyKind::Other
        }
    }
}

/// The bodies of one media type at one place (request, or one response status).
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct BodyShape {
    /// How this media type is read (a function of the media type).
    pub kind: BodyKind,
    /// Non-empty bodies seen.
    pub count: u64,
    /// Bodies that were complete but could not be parsed as `kind`.
    pub unparsed: u64,
    /// Bodies cut at the capture limit (not parsed).
    pub truncated: u64,
    /// Schema of the parsed bodies (form, multipart and XML bodies are objects of fields).
    pub schema: SchemaSketch,
}

impl BodyShape {
    fn merge(&mut self, o: &BodyShape) {
        self.kind = o.kind;
        self.count = self.count.saturating_add(o.count);
        self.unparsed = self.unparsed.saturating_add(o.unparsed);
        self.truncated = self.truncated.saturating_add(o.truncated);
        self.schema.merge(&o.schema);
    }
}

/// Everything seen for one response status.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct ResponseShape {
    /// Responses with this status.
    pub count: u64,
    /// Non-standard response headers (lower-case names); values typed, secrets never kept.
    pub headers: BTreeMap<String, SchemaSketch>,
    /// Names of cookies set by `Set-Cookie`, with how many responses set each.
    pub set_cookies: BTreeMap<String, u64>,
    /// Bodies per media type.
    pub bodies: BTreeMap<String, BodyShape>,
}

impl ResponseShape {
    fn merge(&mut self, o: &ResponseShape) {
        self.count = self.count.saturating_add(o.count);
        merge_map(
            &mut self.headers,
            &o.headers,
            MAX_PARAMS,
            SchemaSketch::merge,
        );
        merge_map(&mut self.set_cookies, &o.set_cookies, MAX_PARAMS, |a, b| {
            *a = a.saturating_add(*b)
        });
        merge_map(
            &mut self.bodies,
            &o.bodies,
            MAX_MEDIA_TYPES,
            BodyShape::merge,
        );
    }

    /// Non-standard headers with presence and required-ness relative to this status's count.
    pub fn header_params(&self) -> Vec<ParamInfo<'_>> {
        params(&self.headers, self.count)
    }
}

/// The parameter structure of one endpoint (or one concrete path), mergeable.
///
/// Fields are public for reading; they are maintained by [`ParamShapes::observe`] and
/// [`ParamShapes::merge`].
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct ParamShapes {
    /// Exchanges observed.
    pub count: u64,
    /// Query parameters by raw (decoded) name, e.g. `id`, `filter[status]`, `tags[]`. A name
    /// repeated in one query is one array observation.
    pub query: BTreeMap<String, SchemaSketch>,
    /// Non-standard request headers by lower-case name (see [`is_standard_request_header`]);
    /// API-key headers stay here, with their values never kept.
    pub headers: BTreeMap<String, SchemaSketch>,
    /// Request cookies by exact name; values are typed but never kept.
    pub cookies: BTreeMap<String, SchemaSketch>,
    /// Request bodies per media type (lower-case, without parameters).
    pub request_bodies: BTreeMap<String, BodyShape>,
    /// Responses per status code (`0` collects statuses outside `100..=599`).
    pub responses: BTreeMap<u16, ResponseShape>,
    /// Exchanges without a response.
    pub no_response: u64,
}

/// One parameter as OpenAPI export needs it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ParamInfo<'a> {
    /// Name as seen (query: raw decoded name; headers: lower-case).
    pub name: &'a str,
    /// Name without a `[...]` suffix (`filter[status]` → `filter`): the deepObject base.
    pub base_name: &'a str,
    /// Messages that carried it.
    pub present: u64,
    /// See [`is_required`].
    pub required: bool,
    /// Its values.
    pub schema: &'a SchemaSketch,
}

/// The required rule shared with schema properties: present in every message, and at least
/// two messages seen (one example says nothing about optionality).
pub fn is_required(present: u64, total: u64) -> bool {
    total >= crate::schema::REQUIRED_MIN_OBSERVATIONS && present >= total
}

/// `filter[status]` → `filter`, `tags[]` → `tags`, `id` → `id`.
pub fn base_name(raw: &str) -> &str {
    match raw.find('[') {
        Some(i) if i > 0 => &raw[..i],
        _ => raw,
    }
}

fn params(m: &BTreeMap<String, SchemaSketch>, total: u64) -> Vec<ParamInfo<'_>> {
    m.iter()
        .map(|(name, schema)| ParamInfo {
            name,
            base_name: base_name(name),
            present: schema.count(),
            required: is_required(schema.count(), total),
            schema,
        })
        .collect()
}

impl ParamShapes {
    /// Records one exchange, parsing each body at most once.
    pub fn observe(&mut self, ex: &Exchange) {
        self.observe_with_json(ex, None, None);
    }

    /// Like [`ParamShapes::observe`], reusing JSON bodies the caller already parsed (pass
    /// `None` to let this parse them). A given value is used only when the body's media type is
    /// read as JSON.
    pub fn observe_with_json(
        &mut self,
        ex: &Exchange,
        request_json: Option<&Value>,
        response_json: Option<&Value>,
    ) {
        self.count = self.count.saturating_add(1);
        self.observe_request(&ex.request, request_json);
        match &ex.response {
            Some(res) => self.observe_response(res, response_json),
            None => self.no_response = self.no_response.saturating_add(1),
        }
    }

    fn observe_request(&mut self, req: &Request, json: Option<&Value>) {
        if let Some(q) = req.query.as_deref() {
            let pairs: Vec<_> = query_pairs(q).take(MAX_FIELDS_PER_MESSAGE).collect();
            for_each_group(pairs, |name, values| {
                let new =
                    || SchemaSketch::for_name(is_secret_key(name) || is_credential_query(name));
                if let Some(s) = bounded_entry(&mut self.query, name, MAX_PARAMS, new) {
                    observe_values(s, values);
                }
            });
        }
        observe_headers(&mut self.headers, &req.headers, is_standard_request_header);
        let mut cookies: Vec<(&str, &str)> = Vec::new();
        for header in req.headers.get_all("cookie") {
            cookies.extend(cookie_pairs(header).take(MAX_FIELDS_PER_MESSAGE - cookies.len()));
        }
        for_each_group(cookies, |name, values| {
            let new = || SchemaSketch::for_name(true);
            if let Some(s) = bounded_entry(&mut self.cookies, name, MAX_PARAMS, new) {
                observe_values(s, values);
            }
        });
        observe_body(&mut self.request_bodies, &req.headers, &req.body, json);
    }

    fn observe_response(&mut self, res: &Response, json: Option<&Value>) {
        // Statuses outside 100..=599 are not HTTP statuses: one bucket, 0, keeps the map small.
        let status = if (100..=599).contains(&res.status) {
            res.status
        } else {
            0
        };
        let shape = self.responses.entry(status).or_default();
        shape.count = shape.count.saturating_add(1);
        observe_headers(
            &mut shape.headers,
            &res.headers,
            is_standard_response_header,
        );
        let mut set: BTreeSet<&str> = BTreeSet::new();
        for v in res
            .headers
            .get_all("set-cookie")
            .take(MAX_FIELDS_PER_MESSAGE)
        {
            if let Some((name, _)) = v.split_once('=') {
                let name = name.trim();
                if !name.is_empty() && name.len() <= crate::schema::MAX_KEY_LEN {
                    set.insert(name);
                }
            }
        }
        for name in set {
            if let Some(n) = bounded_entry(&mut shape.set_cookies, name, MAX_PARAMS, || 0) {
                *n = n.saturating_add(1);
            }
        }
        observe_body(&mut shape.bodies, &res.headers, &res.body, json);
    }

    /// Merges another endpoint's shapes into this one. Commutative and associative.
    pub fn merge(&mut self, other: &ParamShapes) {
        self.count = self.count.saturating_add(other.count);
        self.no_response = self.no_response.saturating_add(other.no_response);
        merge_map(
            &mut self.query,
            &other.query,
            MAX_PARAMS,
            SchemaSketch::merge,
        );
        merge_map(
            &mut self.headers,
            &other.headers,
            MAX_PARAMS,
            SchemaSketch::merge,
        );
        merge_map(
            &mut self.cookies,
            &other.cookies,
            MAX_PARAMS,
            SchemaSketch::merge,
        );
        merge_map(
            &mut self.request_bodies,
            &other.request_bodies,
            MAX_MEDIA_TYPES,
            BodyShape::merge,
        );
        for (status, r) in &other.responses {
            self.responses.entry(*status).or_default().merge(r);
        }
    }

    /// Keys that describe the *shape* of this endpoint, for path templating to tell parameter
    /// values from static siblings: `q:<query name>`, `req:<body field path>` and
    /// `res:<status>:<body field path>`, field paths limited to two property levels.
    pub fn signature(&self) -> BTreeSet<String> {
        let mut out = BTreeSet::new();
        for name in self.query.keys() {
            out.insert(format!("q:{name}"));
        }
        for body in self.request_bodies.values() {
            for p in body.schema.field_paths_limited(2) {
                out.insert(format!("req:{p}"));
            }
        }
        for (status, r) in &self.responses {
            for body in r.bodies.values() {
                for p in body.schema.field_paths_limited(2) {
                    out.insert(format!("res:{status}:{p}"));
                }
            }
        }
        out
    }

    /// Query parameters with presence and required-ness (relative to [`ParamShapes::count`]).
    pub fn query_params(&self) -> Vec<ParamInfo<'_>> {
        params(&self.query, self.count)
    }

    /// Non-standard request headers with presence and required-ness.
    pub fn header_params(&self) -> Vec<ParamInfo<'_>> {
        params(&self.headers, self.count)
    }

    /// Request cookies with presence and required-ness.
    pub fn cookie_params(&self) -> Vec<ParamInfo<'_>> {
        params(&self.cookies, self.count)
    }

    /// Request bodies per media type.
    pub fn request_body_media_types(&self) -> impl Iterator<Item = (&str, &BodyShape)> {
        self.request_bodies.iter().map(|(m, b)| (m.as_str(), b))
    }

    /// True when every exchange (at least two) carried a request body.
    pub fn request_body_required(&self) -> bool {
        let with_body = self
            .request_bodies
            .values()
            .fold(0u64, |n, b| n.saturating_add(b.count));
        is_required(with_body, self.count)
    }

    /// Responses by status, each with its bodies per media type and headers.
    pub fn responses_by_status(&self) -> impl Iterator<Item = (u16, &ResponseShape)> {
        self.responses.iter().map(|(s, r)| (*s, r))
    }

    /// True when some location hit its name limit (names were dropped, keeping the smallest).
    pub fn is_truncated(&self) -> bool {
        self.query.len() > MAX_PARAMS
            || self.headers.len() > MAX_PARAMS
            || self.cookies.len() > MAX_PARAMS
            || self.request_bodies.len() > MAX_MEDIA_TYPES
            || self.responses.values().any(|r| {
                r.headers.len() > MAX_PARAMS
                    || r.bodies.len() > MAX_MEDIA_TYPES
                    || r.set_cookies.len() > MAX_PARAMS
            })
    }
}

// ---------------------------------------------------------------------------------------------
// Bounded name maps: keep the smallest `limit + 1` names, so "more than `limit` names were seen"
// is known and the kept set is the same whatever the order.

fn bounded_entry<'m, V>(
    map: &'m mut BTreeMap<String, V>,
    key: &str,
    limit: usize,
    new: impl FnOnce() -> V,
) -> Option<&'m mut V> {
    if !map.contains_key(key) {
        if map.len() > limit
            && map
                .last_key_value()
                .is_some_and(|(last, _)| key > last.as_str())
        {
            return None;
        }
        map.insert(key.to_owned(), new());
        while map.len() > limit + 1 {
            map.pop_last();
        }
    }
    map.get_mut(key)
}

fn merge_map<K: Ord + Clone, V: Default + Clone>(
    dst: &mut BTreeMap<K, V>,
    src: &BTreeMap<K, V>,
    limit: usize,
    merge: impl Fn(&mut V, &V),
) {
    for (k, v) in src {
        if let Some(d) = dst.get_mut(k) {
            merge(d, v);
            continue;
        }
        if dst.len() > limit && dst.last_key_value().is_some_and(|(last, _)| k > last) {
            continue;
        }
        dst.insert(k.clone(), v.clone());
        while dst.len() > limit + 1 {
            dst.pop_last();
        }
    }
}

/// Calls `f` once per distinct name with all its values, in name order. One sort, no map.
fn for_each_group<K: AsRef<str>, V: AsRef<str>>(
    mut pairs: Vec<(K, V)>,
    mut f: impl FnMut(&str, &[&str]),
) {
    pairs.sort_by(|a, b| a.0.as_ref().cmp(b.0.as_ref()));
    let mut i = 0;
    while i < pairs.len() {
        let name = pairs[i].0.as_ref();
        let mut j = i + 1;
        while j < pairs.len() && pairs[j].0.as_ref() == name {
            j += 1;
        }
        if j == i + 1 {
            f(name, &[pairs[i].1.as_ref()]);
        } else {
            let values: Vec<&str> = pairs[i..j].iter().map(|p| p.1.as_ref()).collect();
            f(name, &values);
        }
        i = j;
    }
}

/// One value is a scalar observation, several (a repeated name) one array observation.
/// Whether values may be kept was decided when the sketch was created for its name.
fn observe_values(sketch: &mut SchemaSketch, values: &[&str]) {
    match values {
        [one] => sketch.observe_named_str(one),
        many => sketch.observe_str_array(many.iter().copied(), sketch.is_secret()),
    }
}

fn lower(name: &str) -> Cow<'_, str> {
    if name.bytes().any(|c| c.is_ascii_uppercase()) {
        Cow::Owned(name.to_ascii_lowercase())
    } else {
        Cow::Borrowed(name)
    }
}

/// Most header fields of one message looked at.
const MAX_HEADERS_PER_MESSAGE: usize = 256;

/// Records the non-standard headers of one message, without allocating in the common case:
/// names are lower-cased on the stack and repeated names found by scanning.
fn observe_headers(
    dst: &mut BTreeMap<String, SchemaSketch>,
    headers: &Headers,
    standard: fn(&str) -> bool,
) {
    const MAX: usize = crate::schema::MAX_KEY_LEN;
    let fields: Vec<(&str, &str)> = headers.iter().take(MAX_HEADERS_PER_MESSAGE).collect();
    for (i, (name, value)) in fields.iter().enumerate() {
        if name.is_empty() || name.len() > MAX {
            continue;
        }
        let mut buf = [0u8; MAX];
        let buf = &mut buf[..name.len()];
        buf.copy_from_slice(name.as_bytes());
        buf.make_ascii_lowercase();
        let Ok(lname) = std::str::from_utf8(buf) else {
            continue;
        };
        if standard(lname)
            || fields[..i]
                .iter()
                .any(|(n, _)| n.eq_ignore_ascii_case(name))
        {
            continue;
        }
        let new = || SchemaSketch::for_name(is_credential_header(lname) || is_secret_key(lname));
        let Some(sketch) = bounded_entry(dst, lname, MAX_PARAMS, new) else {
            continue;
        };
        let repeated = fields[i + 1..]
            .iter()
            .any(|(n, _)| n.eq_ignore_ascii_case(name));
        if repeated {
            let values: Vec<&str> = fields[i..]
                .iter()
                .filter(|(n, _)| n.eq_ignore_ascii_case(name))
                .map(|(_, v)| *v)
                .collect();
            observe_values(sketch, &values);
        } else {
            observe_values(sketch, &[value]);
        }
    }
}

/// Media type of a message, validated; a body without `Content-Type` is sniffed as JSON when
/// it starts like JSON.
fn body_media_type<'a>(headers: &'a Headers, body: &[u8]) -> Cow<'a, str> {
    const FALLBACK: &str = "application/octet-stream";
    let Some(ct) = headers.get("content-type") else {
        let first = body.iter().find(|c| !c.is_ascii_whitespace());
        return Cow::Borrowed(if matches!(first, Some(b'{' | b'[')) {
            "application/json"
        } else {
            FALLBACK
        });
    };
    let essence = ct.split(';').next().unwrap_or("").trim();
    let valid = !essence.is_empty()
        && essence.len() <= MAX_MEDIA_TYPE_LEN
        && essence.matches('/').count() == 1
        && essence
            .bytes()
            .all(|c| c.is_ascii_alphanumeric() || b"!#$&-^_.+/*".contains(&c));
    if valid {
        lower(essence)
    } else {
        Cow::Borrowed(FALLBACK)
    }
}

fn observe_body(
    dst: &mut BTreeMap<String, BodyShape>,
    headers: &Headers,
    body: &Body,
    json: Option<&Value>,
) {
    if body.is_empty() {
        return;
    }
    let media = body_media_type(headers, body.bytes());
    let Some(shape) = bounded_entry(dst, &media, MAX_MEDIA_TYPES, BodyShape::default) else {
        return;
    };
    shape.kind = BodyKind::of(&media);
    shape.count = shape.count.saturating_add(1);
    if body.truncated() {
        shape.truncated = shape.truncated.saturating_add(1);
        return;
    }
    let ok = match shape.kind {
        BodyKind::Json => match json {
            Some(v) => {
                shape.schema.observe_json(v);
                true
            }
            None => shape.schema.observe_json_slice(body.bytes()).is_ok(),
        },
        BodyKind::Form => {
            let text = String::from_utf8_lossy(body.bytes());
            let mut fields: BTreeMap<Cow<'_, str>, Vec<Field<'_>>> = BTreeMap::new();
            for (k, v) in query_pairs(&text).take(MAX_FIELDS_PER_MESSAGE) {
                fields.entry(k).or_default().push(Field::Text(v));
            }
            shape.schema.observe_fields(&fields);
            true
        }
        BodyKind::Multipart => match headers.get("content-type").and_then(boundary) {
            Some(b) => match multipart_fields(body.bytes(), &b) {
                Some(fields) => {
                    shape.schema.observe_fields(&fields);
                    true
                }
                None => false,
            },
            None => false,
        },
        BodyKind::Xml => match xml_children(body.bytes()) {
            Some(fields) => {
                shape.schema.observe_fields(&fields);
                true
            }
            None => false,
        },
        BodyKind::Other => true,
    };
    if !ok {
        shape.unparsed = shape.unparsed.saturating_add(1);
    }
}

#[cfg(test)]
mod tests;
