//! Classifying one exchange: every value of the request and the response, at its location
//! (`in` + `field` as the Analysis report names them), scored with its key context.

use std::collections::HashMap;

use lampyr_core::{Exchange, Headers};

use crate::context::Hints;
use crate::detect::{self, Detection, HIT};
use crate::json;
use crate::mask::{mask_value, MaskStrategy};
use crate::SensitiveType;

/// A value counts as weak evidence for a type from this score (field-level promotion).
pub const WEAK: f32 = 0.3;

/// Distinct locations recorded per exchange; more are counted in `dropped_fields`.
pub const MAX_FIELDS_PER_EXCHANGE: usize = 512;

/// Leaves looked at per body (a 10 MB list of tiny values costs no more than this many).
pub const MAX_LEAVES_PER_BODY: usize = 20_000;

/// Where in an exchange a value sits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Place {
    /// A path segment (the field is the segment's zero-based position).
    RequestPath,
    /// A query parameter.
    RequestQuery,
    /// A request header (lower-case name).
    RequestHeader,
    /// A request cookie.
    RequestCookie,
    /// A request body field.
    RequestBody,
    /// A response body field.
    ResponseBody,
    /// A response header.
    ResponseHeader,
}

impl Place {
    /// The report's name for the place.
    pub fn as_str(self) -> &'static str {
        match self {
            Place::RequestPath => "request.path",
            Place::RequestQuery => "request.query",
            Place::RequestHeader => "request.header",
            Place::RequestCookie => "request.cookie",
            Place::RequestBody => "request.body",
            Place::ResponseBody => "response.body",
            Place::ResponseHeader => "response.header",
        }
    }

    /// Whether the value was sent by the server.
    pub fn is_response(self) -> bool {
        matches!(self, Place::ResponseBody | Place::ResponseHeader)
    }
}

/// What one exchange showed at one location.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldObs {
    /// Where.
    pub place: Place,
    /// Field path, header/cookie/query name, or path segment position.
    pub field: String,
    /// Non-empty values seen there.
    pub values: u32,
    /// Per type evidence (only types with at least weak evidence).
    pub types: Vec<TypeObs>,
}

/// Evidence for one type at one location.
#[derive(Debug, Clone, PartialEq)]
pub struct TypeObs {
    /// The type.
    pub ty: SensitiveType,
    /// Values scoring at least [`HIT`].
    pub hits: u32,
    /// Values scoring in `WEAK..HIT`.
    pub weak: u32,
    /// Sum of the hit values' scores.
    pub score_sum: f32,
    /// A masked example of a hit (never the clear value).
    pub sample: Option<String>,
}

/// The classification of one exchange.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ExchangeScan {
    /// Every location that held a value.
    pub fields: Vec<FieldObs>,
    /// Distinct records of the response that carry sensitive values (list items; 1 for a
    /// single object): the input of leak-volume detection.
    pub response_records: u32,
    /// Sensitive values in the response per type.
    pub response_values: Vec<(SensitiveType, u32)>,
    /// Locations not recorded because of [`MAX_FIELDS_PER_EXCHANGE`].
    pub dropped_fields: u32,
}

impl ExchangeScan {
    /// Total sensitive values in the response.
    pub fn response_value_count(&self) -> u32 {
        self.response_values.iter().map(|(_, n)| n).sum()
    }
}

/// Settings of a classifier.
#[derive(Debug, Clone, Default)]
pub struct ClassifyOptions {
    /// Types never reported.
    pub disabled: Vec<SensitiveType>,
}

/// Classifies exchanges. Keeps a cache of key-name analyses, so it is `&mut` per call; use one
/// per thread.
#[derive(Debug, Default)]
pub struct Classifier {
    disabled: [bool; SensitiveType::ALL.len()],
    hints: HashMap<u64, (Span, Hints), PassThroughBuild>,
    index: HashMap<u64, usize, PassThroughBuild>,
    memo: HashMap<u64, Memo, PassThroughBuild>,
    walk: json::WalkBuffers,
    pool: Vec<FieldObs>,
    detections: Vec<Detection>,
    /// Texts of the cached keys and memo values, compared on every cache hit.
    arena: String,
}

/// A fast 64-bit hash over parts, eight bytes at a time (multiply-rotate): cache and index
/// keys. It is not collision resistant, so every lookup compares the stored text too: a value
/// crafted to collide with a harmless one gets its own detection, not the harmless one's.
fn fast_hash(parts: &[&[u8]]) -> u64 {
    const K: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for p in parts {
        let mut chunks = p.chunks_exact(8);
        for c in &mut chunks {
            let mut w = [0u8; 8];
            w.copy_from_slice(c);
            h = (h ^ u64::from_le_bytes(w)).wrapping_mul(K).rotate_left(29);
        }
        let rest = chunks.remainder();
        let mut w = [0u8; 8];
        w[..rest.len()].copy_from_slice(rest);
        h = (h ^ u64::from_le_bytes(w)).wrapping_mul(K).rotate_left(29);
        // Part boundary: `ab`+`c` and `a`+`bc` differ.
        h = (h ^ p.len() as u64).wrapping_mul(K);
    }
    h ^ (h >> 32)
}

/// The keys are already hashes: pass them through.
#[derive(Debug, Default, Clone, Copy)]
struct PassThroughBuild;

impl std::hash::BuildHasher for PassThroughBuild {
    type Hasher = PassThrough;
    fn build_hasher(&self) -> PassThrough {
        PassThrough(0)
    }
}

#[derive(Debug, Default)]
struct PassThrough(u64);

impl std::hash::Hasher for PassThrough {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 << 8) ^ u64::from(b);
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

/// Values remembered with their detections before the memo is cleared.
const MAX_MEMO: usize = 64 * 1024;
/// Detections a remembered value may have (values with more are detected every time).
const MEMO_DETS: usize = 3;

/// Where a cached text sits in the classifier's arena.
#[derive(Debug, Clone, Copy)]
struct Span {
    start: u32,
    len: u32,
}

/// A remembered value's detections, inline (no allocation per entry).
#[derive(Debug, Clone, Copy)]
struct Memo {
    text: Span,
    dets: [Detection; MEMO_DETS],
    len: u8,
}

const EMPTY_DETECTION: Detection = Detection {
    ty: SensitiveType::Email,
    score: 0.0,
    start: 0,
    end: 0,
};
/// Longest value remembered.
const MAX_MEMO_VALUE: usize = 2048;
/// Bytes of cached texts kept before the caches are cleared.
const MAX_ARENA: usize = 8 * 1024 * 1024;

/// Key analyses cached before the cache is cleared (bounds memory under key-name floods).
const MAX_CACHED_KEYS: usize = 8192;

impl Classifier {
    /// A classifier with these options.
    pub fn new(opts: &ClassifyOptions) -> Self {
        let mut c = Self::default();
        // Sized for a typical working set, so the first thousands of values do not rehash.
        c.memo.reserve(16 * 1024);
        c.arena.reserve(256 * 1024);
        for t in &opts.disabled {
            c.disabled[t.index()] = true;
        }
        c
    }

    /// Classifies one value under a key: the `lampyr classify` building block.
    pub fn classify_value(&mut self, key: &str, parent: &str, value: &str) -> Vec<Detection> {
        let hints = self.hints_for(key, parent);
        let mut out = Vec::new();
        detect::detect(value, &hints, &mut out);
        out.retain(|d| !self.disabled[d.ty.index()]);
        out
    }

    /// Gives a scan's buffers back for the next [`Classifier::scan`]: optional, it saves the
    /// allocations of one location record per field per exchange.
    pub fn recycle(&mut self, scan: ExchangeScan) {
        for mut f in scan.fields {
            if self.pool.len() >= MAX_FIELDS_PER_EXCHANGE {
                break;
            }
            f.types.clear();
            self.pool.push(f);
        }
    }

    /// Classifies every value of an exchange.
    pub fn scan(&mut self, ex: &Exchange) -> ExchangeScan {
        let mut st = ScanState::default();
        self.index.clear();
        let req = &ex.request;
        // Path segments: the literal segment before a value is its context (`/payees/{mobile}`).
        let mut prev = String::new();
        for (pos, raw) in req
            .path
            .split(['?', '#'])
            .next()
            .unwrap_or("")
            .split('/')
            .filter(|s| !s.is_empty())
            .enumerate()
            .take(32)
        {
            let seg = percent_decode(raw);
            let field = pos.to_string();
            self.value(&mut st, Place::RequestPath, &field, &prev, "", &seg, None);
            prev = seg.into_owned();
        }
        if let Some(q) = &req.query {
            for (k, v) in form_pairs(q) {
                self.value(&mut st, Place::RequestQuery, &k, &k, "", &v, None);
            }
        }
        self.headers(&mut st, Place::RequestHeader, &req.headers);
        for cookie in req.headers.get_all("cookie") {
            for part in cookie.split(';') {
                if let Some((k, v)) = part.split_once('=') {
                    let (k, v) = (k.trim(), v.trim());
                    self.value(&mut st, Place::RequestCookie, k, k, "", v, None);
                }
            }
        }
        self.body(
            &mut st,
            Place::RequestBody,
            req.media_type().as_deref(),
            req.body.bytes(),
        );
        if let Some(resp) = &ex.response {
            self.headers(&mut st, Place::ResponseHeader, &resp.headers);
            self.body(
                &mut st,
                Place::ResponseBody,
                resp.media_type().as_deref(),
                resp.body.bytes(),
            );
        }
        st.finish()
    }

    fn headers(&mut self, st: &mut ScanState, place: Place, headers: &Headers) {
        let mut lower = String::new();
        for (name, value) in headers.iter() {
            lower.clear();
            lower.push_str(name);
            lower.make_ascii_lowercase();
            if matches!(
                lower.as_str(),
                "cookie"
                    | "set-cookie"
                    | "content-type"
                    | "content-length"
                    | "host"
                    | "accept"
                    | "accept-encoding"
                    | "accept-language"
                    | "connection"
                    | "user-agent"
                    | "date"
                    | "cache-control"
                    | "content-encoding"
                    | "vary"
                    | "etag"
                    | "last-modified"
                    | "expires"
                    | "transfer-encoding"
                    | "server"
            ) {
                continue;
            }
            let name = std::mem::take(&mut lower);
            self.value(st, place, &name, &name, "", value, None);
            lower = name;
        }
    }

    fn body(&mut self, st: &mut ScanState, place: Place, media: Option<&str>, bytes: &[u8]) {
        if bytes.is_empty() {
            return;
        }
        let Ok(text) = std::str::from_utf8(bytes) else {
            return;
        };
        let media = media.unwrap_or("");
        let first = text.trim_start().bytes().next();
        let jsonish = media.contains("json") || matches!(first, Some(b'{' | b'['));
        if jsonish {
            let mut leaves = 0usize;
            let mut bufs = std::mem::take(&mut self.walk);
            let _ = json::walk_with(text, &mut bufs, |leaf| {
                leaves += 1;
                if leaves <= MAX_LEAVES_PER_BODY {
                    self.value(
                        st,
                        place,
                        leaf.path,
                        leaf.key,
                        leaf.parent,
                        &leaf.value,
                        leaf.record,
                    );
                }
            });
            return;
        }
        if media == "application/x-www-form-urlencoded" {
            for (k, v) in form_pairs(text) {
                self.value(st, place, &k, &k, "", &v, None);
            }
        }
    }

    fn hints_for(&mut self, key: &str, parent: &str) -> Hints {
        let id = fast_hash(&[key.as_bytes(), parent.as_bytes()]);
        if let Some((span, h)) = self.hints.get(&id) {
            if self.arena_eq(*span, &[key, "\0", parent]) {
                return *h;
            }
        }
        let mut h = Hints::of_key(key);
        if !parent.is_empty() {
            h = h.with_parent(parent);
        }
        if self.hints.len() >= MAX_CACHED_KEYS || self.arena.len() > MAX_ARENA {
            self.clear_caches();
        }
        let span = self.arena_push(&[key, "\0", parent]);
        self.hints.insert(id, (span, h));
        h
    }

    fn arena_push(&mut self, parts: &[&str]) -> Span {
        let start = self.arena.len() as u32;
        for p in parts {
            self.arena.push_str(p);
        }
        Span {
            start,
            len: self.arena.len() as u32 - start,
        }
    }

    fn arena_eq(&self, span: Span, parts: &[&str]) -> bool {
        let Some(mut stored) = self
            .arena
            .as_bytes()
            .get(span.start as usize..(span.start + span.len) as usize)
        else {
            return false;
        };
        for p in parts {
            match stored.strip_prefix(p.as_bytes()) {
                Some(rest) => stored = rest,
                None => return false,
            }
        }
        stored.is_empty()
    }

    fn clear_caches(&mut self) {
        self.hints.clear();
        self.memo.clear();
        self.arena.clear();
    }

    #[allow(clippy::too_many_arguments)]
    fn value(
        &mut self,
        st: &mut ScanState,
        place: Place,
        field: &str,
        key: &str,
        parent: &str,
        value: &str,
        record: Option<u32>,
    ) {
        if crate::detect::trim(value).is_empty() {
            return;
        }
        // The location first: its key context is computed once per exchange.
        let id = fast_hash(&[&[place as u8], field.as_bytes()]);
        let found = match self.index.get(&id) {
            Some(&i) if st.fields[i].place == place && st.fields[i].field == field => Some(i),
            // A colliding name: find the location the slow way.
            Some(_) => st
                .fields
                .iter()
                .position(|f| f.place == place && f.field == field),
            None => None,
        };
        let idx = match found {
            Some(i) => i,
            None => {
                if st.fields.len() >= MAX_FIELDS_PER_EXCHANGE {
                    st.dropped += 1;
                    return;
                }
                let hints = self.hints_for(key, parent);
                let mut obs = self.pool.pop().unwrap_or_else(|| FieldObs {
                    place,
                    field: String::new(),
                    values: 0,
                    types: Vec::new(),
                });
                obs.place = place;
                obs.field.clear();
                obs.field.push_str(field);
                obs.values = 0;
                obs.types.clear();
                st.fields.push(obs);
                st.hints.push(hints);
                self.index.entry(id).or_insert(st.fields.len() - 1);
                st.fields.len() - 1
            }
        };
        let hints = st.hints[idx];
        let mut dets = std::mem::take(&mut self.detections);
        dets.clear();
        // Values repeat (tokens on every request, enum words, the same record in many
        // responses): the same value under the same key context is detected once.
        if value.len() <= MAX_MEMO_VALUE {
            let id = fast_hash(&[&hints.bits().to_le_bytes(), value.as_bytes()]);
            let hit = self
                .memo
                .get(&id)
                .filter(|m| self.arena_eq(m.text, &[value]))
                .copied();
            if let Some(m) = hit {
                dets.extend_from_slice(&m.dets[..usize::from(m.len)]);
            } else {
                detect::detect(value, &hints, &mut dets);
                if dets.len() <= MEMO_DETS {
                    if self.memo.len() >= MAX_MEMO || self.arena.len() > MAX_ARENA {
                        self.clear_caches();
                    }
                    let text = self.arena_push(&[value]);
                    let mut m = Memo {
                        text,
                        dets: [EMPTY_DETECTION; MEMO_DETS],
                        len: dets.len() as u8,
                    };
                    m.dets[..dets.len()].copy_from_slice(&dets);
                    self.memo.insert(id, m);
                }
            }
        } else {
            detect::detect(value, &hints, &mut dets);
        }
        let obs = &mut st.fields[idx];
        obs.values += 1;
        // Per value and type, the best detection counts once.
        let disabled = &self.disabled;
        dets.retain(|d| !disabled[d.ty.index()] && d.score >= WEAK);
        if dets.len() > 1 {
            dets.sort_unstable_by(|a, b| a.ty.cmp(&b.ty).then(b.score.total_cmp(&a.score)));
            dets.dedup_by_key(|d| d.ty);
        }
        for d in &dets {
            let i = match obs.types.iter().position(|t| t.ty == d.ty) {
                Some(i) => i,
                None => {
                    obs.types.push(TypeObs {
                        ty: d.ty,
                        hits: 0,
                        weak: 0,
                        score_sum: 0.0,
                        sample: None,
                    });
                    obs.types.len() - 1
                }
            };
            let t = &mut obs.types[i];
            if d.score >= HIT {
                t.hits += 1;
                t.score_sum += d.score;
                // One sample per location and exchange (the first); across exchanges the
                // smallest is kept, so reports do not depend on input order.
                if t.sample.is_none() {
                    let span = value.get(d.start as usize..d.end as usize).unwrap_or(value);
                    t.sample = Some(mask_value(span, d.ty, &MaskStrategy::Default, b""));
                }
            } else {
                t.weak += 1;
            }
        }
        if place.is_response() {
            for d in dets.iter().filter(|d| d.score >= HIT) {
                st.count_response(d.ty, record);
            }
        }
        self.detections = dets;
    }
}

#[derive(Default)]
struct ScanState {
    fields: Vec<FieldObs>,
    hints: Vec<Hints>,
    dropped: u32,
    records: Vec<u32>,
    any_unlisted: bool,
    values: Vec<(SensitiveType, u32)>,
}

impl ScanState {
    fn count_response(&mut self, ty: SensitiveType, record: Option<u32>) {
        match self.values.iter_mut().find(|(t, _)| *t == ty) {
            Some((_, n)) => *n += 1,
            None => self.values.push((ty, 1)),
        }
        match record {
            Some(r) => {
                if !self.records.contains(&r) && self.records.len() < 100_000 {
                    self.records.push(r);
                }
            }
            None => self.any_unlisted = true,
        }
    }

    fn finish(mut self) -> ExchangeScan {
        self.values.sort();
        let records = if self.records.is_empty() {
            u32::from(self.any_unlisted)
        } else {
            self.records.len() as u32
        };
        ExchangeScan {
            fields: self.fields,
            response_records: records,
            response_values: self.values,
            dropped_fields: self.dropped,
        }
    }
}

fn percent_decode(s: &str) -> std::borrow::Cow<'_, str> {
    if s.contains('%') {
        percent_encoding::percent_decode_str(s).decode_utf8_lossy()
    } else {
        std::borrow::Cow::Borrowed(s)
    }
}

/// `a=1&b=2` pairs, `+` as space, percent-decoded; at most 1,000 pairs.
fn form_pairs(s: &str) -> impl Iterator<Item = (String, String)> + '_ {
    s.split('&').take(1000).filter(|p| !p.is_empty()).map(|p| {
        let (k, v) = p.split_once('=').unwrap_or((p, ""));
        let k = k.replace('+', " ");
        let v = v.replace('+', " ");
        (
            percent_decode(&k).into_owned(),
            percent_decode(&v).into_owned(),
        )
    })
}
