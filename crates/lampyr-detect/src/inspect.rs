//! Request inspection: placements → normalised values → rule families → anomaly score.
//!
//! [`Inspector::inspect`] finds every value of a request at its placement
//! ([`crate::placement`]), builds its views once ([`crate::normalize`]), runs every family on
//! it, and again on what a base64-wrapped value decodes to. Hits add CRS-style: each rule counts
//! once per request with its severity's score; the request is an attack when the sum reaches
//! the threshold. Rules above the paranoia level still run and are kept apart as
//! detection-only hits (CRS's `detection_paranoia_level`), so a shadow deployment can see what
//! a higher level would add without blocking on it.

use std::cell::RefCell;
use std::ops::Range;

use lampyr_classify::context::Hints;
use lampyr_classify::mask::{mask_spans, MaskStrategy};
use lampyr_core::Request;
use serde::{Deserialize, Serialize};

use crate::normalize::{self, Views};
use crate::placement::{self, scope, Extracted, Limits};
use crate::rules::builtin::{self, Core, ReqInfo};
use crate::rules::user::{CompiledUserRule, UserRule};
use crate::rules::{ByteSet, Family, RequestContext, RuleHit, Value, ValueKind};
use crate::{DetectError, Location, Placement, Severity};

/// Longest fragment shown in a hit, in characters.
pub const MAX_FRAGMENT_CHARS: usize = 80;

/// Settings of the attack inspector (the `detect.inspect` section of the configuration).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct InspectConfig {
    /// Paranoia level 1–4 (CRS meaning): rules above it neither score nor block. Default 2.
    pub paranoia: u8,
    /// Rules above `paranoia` up to this level are still run and reported as detection-only
    /// hits (never scored). Equal to `paranoia` turns that off; must be ≥ `paranoia`.
    pub detection_paranoia: u8,
    /// Anomaly score at which a request is an attack (CRS default 5: one critical hit).
    pub threshold: u32,
    /// User rules.
    pub rules: Vec<UserRule>,
    /// Rule ids that never fire: exact ids (`rce.unix_command`) or a family with `.*`
    /// (`lfi.*`).
    pub disabled_rules: Vec<String>,
    /// Whether values that are base64 of text are decoded and inspected again.
    pub decode_base64: bool,
    /// Bounds on the work of one request.
    pub limits: Limits,
}

impl Default for InspectConfig {
    fn default() -> Self {
        Self {
            // Paranoia 2 caught 72 % of the CRS payload-family attacks with no benign API
            // exchange of the development corpora flagged (paranoia 1: 61 %, also none).
            paranoia: 2,
            detection_paranoia: 4,
            threshold: 5,
            rules: Vec::new(),
            disabled_rules: Vec::new(),
            decode_base64: true,
            limits: Limits::default(),
        }
    }
}

impl InspectConfig {
    /// Checks every setting; errors name the setting's path under `detect.inspect`.
    pub fn validate(&self) -> Result<(), DetectError> {
        let bad = |setting: &str, message: &str| {
            Err(DetectError::Setting {
                setting: format!("detect.inspect.{setting}"),
                message: message.into(),
            })
        };
        if !(1..=4).contains(&self.paranoia) {
            return bad("paranoia", "expected a paranoia level 1 to 4");
        }
        if !(self.paranoia..=4).contains(&self.detection_paranoia) {
            return bad(
                "detection_paranoia",
                "expected a level from `paranoia` to 4",
            );
        }
        if !(1..=1000).contains(&self.threshold) {
            return bad(
                "threshold",
                "expected an anomaly score threshold 1 to 1000 (5 = one critical hit)",
            );
        }
        for (i, d) in self.disabled_rules.iter().enumerate() {
            let id = d.strip_suffix(".*").unwrap_or(d);
            if id.is_empty()
                || !id
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'))
            {
                return bad(
                    &format!("disabled_rules[{i}]"),
                    "expected a rule id (`rce.unix_command`) or a family (`lfi.*`)",
                );
            }
        }
        let l = &self.limits;
        if !(1..=100_000).contains(&l.max_values) {
            return bad("limits.max_values", "expected 1 to 100000");
        }
        if !(16..=1 << 20).contains(&l.max_value_len) {
            return bad("limits.max_value_len", "expected 16 to 1048576 bytes");
        }
        if !(0..=64 << 20).contains(&l.max_body_bytes) {
            return bad("limits.max_body_bytes", "expected 0 to 67108864 bytes");
        }
        let mut ids: Vec<&str> = self.rules.iter().map(|r| r.id.as_str()).collect();
        ids.sort_unstable();
        if let Some(w) = ids.windows(2).find(|w| w[0] == w[1]) {
            return Err(DetectError::Rule {
                id: w[0].to_string(),
                message: "duplicate user rule id".into(),
            });
        }
        Ok(())
    }
}

/// One rule that matched one value.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AttackHit {
    /// Stable rule id (`sqli.tautology`, `user.<id>`...).
    pub rule: String,
    /// Finding category (see [`crate::category`]).
    pub category: &'static str,
    /// Severity; its score adds to the request's anomaly score.
    pub severity: Severity,
    /// Paranoia level of the rule.
    pub paranoia: u8,
    /// Where the value was.
    pub placement: Placement,
    /// The matched fragment, at most [`MAX_FRAGMENT_CHARS`] characters, with sensitive values
    /// masked.
    pub fragment: String,
    /// Whether the value was base64 and the match is in what it decodes to.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub from_base64: bool,
}

/// What the limits cut from one request (all zero on ordinary traffic).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Coverage {
    /// Values not inspected (over `limits.max_values`).
    pub skipped_values: u32,
    /// Values inspected only up to `limits.max_value_len`.
    pub cut_values: u32,
    /// Whether the body was inspected only up to `limits.max_body_bytes`.
    pub body_cut: bool,
    /// Whether the body was not inspected (binary media type).
    pub body_skipped: bool,
}

impl Coverage {
    fn is_complete(&self) -> bool {
        *self == Coverage::default()
    }
}

/// What inspecting one request found.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Verdict {
    /// Every hit at or below the paranoia level, one per rule.
    pub hits: Vec<AttackHit>,
    /// Sum of the hits' severity scores.
    pub score: u32,
    /// The threshold it was compared with.
    pub threshold: u32,
    /// Hits of rules above the paranoia level, up to the detection paranoia level: reported,
    /// never scored.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub detection_only: Vec<AttackHit>,
    /// What the limits left out.
    #[serde(skip_serializing_if = "Coverage::is_complete")]
    pub coverage: Coverage,
}

impl Verdict {
    /// Whether the score reached the threshold.
    pub fn is_attack(&self) -> bool {
        self.threshold > 0 && self.score >= self.threshold
    }

    /// The score the request would have at the detection paranoia level.
    pub fn detection_score(&self) -> u32 {
        self.score
            + self
                .detection_only
                .iter()
                .map(|h| h.severity.score())
                .sum::<u32>()
    }
}

/// The attack inspector: built once from settings, shared by reference across threads.
pub struct Inspector {
    cfg: InspectConfig,
    core: Core,
    families: Vec<Box<dyn Family>>,
    user: Vec<CompiledUserRule>,
    /// Distinguishes this inspector's entries in the per-thread [`ValueCache`].
    id: u64,
}

/// Source of [`Inspector`] ids (each inspector's families could differ).
static NEXT_INSPECTOR_ID: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);

impl std::fmt::Debug for Inspector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Inspector")
            .field("cfg", &self.cfg)
            .field("core", &self.core)
            .field("families", &self.families.len())
            .field("user_rules", &self.user.len())
            .finish()
    }
}

/// Buffers of one inspection, kept per thread so a gateway thread allocates them once.
#[derive(Default)]
struct Scratch {
    extracted: Extracted,
    views: Views,
    b64_views: Views,
    hits: Vec<RuleHit>,
    /// Items already inspected in this request, by content hash (see [`Inspector::seen`]).
    seen: SeenMap,
    /// Family hits of path, query, header and cookie values seen in earlier requests.
    cache: ValueCache,
}

/// Most values the per-thread [`ValueCache`] holds; it is emptied when full.
const CACHE_MAX_ENTRIES: usize = 1024;
/// Longest value (in key bytes) the cache holds: long values rarely repeat, and this bounds
/// the cache's memory (about `CACHE_MAX_ENTRIES` × this).
const CACHE_MAX_KEY_BYTES: usize = 1024;

/// The family hits of path, query, header and cookie values across requests of one thread: a
/// client sends the same User-Agent, Accept, Authorization, cookies and path segments on every
/// request, and their inspection result is a function of the value and of the request facts
/// the families read (method, media type, User-Agent, host, Referer host), all of which are in
/// the key with the inspector's id. Family `check`s read the body only through
/// `check_request`, which is never cached. A hash only finds the candidate; the full key bytes
/// are compared, so a collision never changes a verdict.
#[derive(Default)]
struct ValueCache {
    map: std::collections::HashMap<u64, CacheEntry, SeededState>,
    /// The key being built (reused).
    key: Vec<u8>,
}

struct CacheEntry {
    key: Box<[u8]>,
    /// Hits of the value's own views.
    hits: Box<[RuleHit]>,
    /// Hits of what the value decodes to as base64 (empty when it is not base64).
    b64_hits: Box<[RuleHit]>,
}

impl ValueCache {
    /// Builds the key of one value into `self.key`; `false` when the value is not cached.
    fn build_key(&mut self, parts: &[&[u8]]) -> bool {
        self.key.clear();
        let total: usize = parts.iter().map(|p| p.len() + 4).sum();
        if total > CACHE_MAX_KEY_BYTES {
            return false;
        }
        for p in parts {
            self.key.extend_from_slice(&(p.len() as u32).to_le_bytes());
            self.key.extend_from_slice(p);
        }
        true
    }

    fn get(&self) -> Option<&CacheEntry> {
        let h = fast_hash(0x2545_f491_4f6c_dd1d, &self.key);
        self.map.get(&h).filter(|e| *e.key == *self.key)
    }

    fn insert(&mut self, hits: &[RuleHit], b64_hits: &[RuleHit]) {
        if self.map.len() >= CACHE_MAX_ENTRIES {
            self.map.clear();
        }
        let h = fast_hash(0x2545_f491_4f6c_dd1d, &self.key);
        self.map.insert(
            h,
            CacheEntry {
                key: self.key.as_slice().into(),
                hits: hits.into(),
                b64_hits: b64_hits.into(),
            },
        );
    }
}

thread_local! {
    static SCRATCH: RefCell<Scratch> = RefCell::new(Scratch::default());
}

impl Inspector {
    /// Validates the settings and compiles the rules.
    pub fn new(cfg: InspectConfig) -> Result<Self, DetectError> {
        cfg.validate()?;
        let user = cfg
            .rules
            .iter()
            .map(UserRule::compile)
            .collect::<Result<Vec<_>, _>>()?;
        // Build the detectors' lazily compiled tables now, not on the first request.
        for text in ["<a onclick=x>", "alert(1)", "document x"] {
            let _ = crate::xss::detect(text);
        }
        let _ = crate::sqli::detect("1' or sleep(1)-- information_schema");
        Ok(Self {
            core: Core::new(),
            families: builtin::families(),
            user,
            cfg,
            id: NEXT_INSPECTOR_ID.fetch_add(1, std::sync::atomic::Ordering::Relaxed),
        })
    }

    /// The settings in force.
    pub fn config(&self) -> &InspectConfig {
        &self.cfg
    }

    fn disabled(&self, rule: &str) -> bool {
        self.cfg
            .disabled_rules
            .iter()
            .any(|d| match d.strip_suffix(".*") {
                Some(fam) => rule
                    .strip_prefix(fam)
                    .is_some_and(|rest| rest.starts_with('.')),
                None => d == rule,
            })
    }

    /// Inspects one request.
    pub fn inspect(&self, req: &Request) -> Verdict {
        SCRATCH.with(|s| match s.try_borrow_mut() {
            Ok(mut s) => self.inspect_with(req, &mut s),
            Err(_) => self.inspect_with(req, &mut Scratch::default()),
        })
    }

    fn inspect_with(&self, req: &Request, s: &mut Scratch) -> Verdict {
        let mut verdict = Verdict {
            threshold: self.cfg.threshold,
            ..Verdict::default()
        };
        let Scratch {
            extracted,
            views,
            b64_views,
            hits,
            seen,
            cache,
        } = s;
        seen.clear();
        placement::extract_into(req, &self.cfg.limits, extracted);
        verdict.coverage = Coverage {
            skipped_values: extracted.skipped_values,
            cut_values: extracted.cut_values,
            body_cut: extracted.body_cut,
            body_skipped: extracted.body_skipped,
        };
        let media = req.media_type();
        let body_bytes = req.body.bytes();
        let body_cap = body_bytes.len().min(self.cfg.limits.max_body_bytes);
        let body = if extracted.body_skipped {
            std::borrow::Cow::Borrowed("")
        } else {
            normalize::utf8_lossy(&body_bytes[..body_cap])
        };
        let ctx = RequestContext {
            method: &req.method,
            media_type: media.as_deref(),
            user_agent: req.headers.get("user-agent"),
            body: &body,
        };
        let host_header;
        let host = if req.host.is_empty() {
            host_header = req
                .headers
                .get("host")
                .map(|h| strip_port(h).to_ascii_lowercase())
                .unwrap_or_default();
            host_header.as_str()
        } else {
            req.host.as_str()
        };
        let referer_host = req.headers.get("referer").map(referer_host_of);
        let info = ReqInfo { host, referer_host };

        let mut placement = Placement {
            location: Location::Path,
            field: String::new(),
        };
        for (index, item) in extracted.items.iter().enumerate() {
            let value_text = extracted.get(&item.value);
            if value_text.is_empty() || Self::seen(extracted, index, seen) {
                continue;
            }
            placement.location = item.location;
            placement.field.clear();
            placement.field.push_str(extracted.get(&item.field));
            let key = extracted.get(&item.key);
            let raw = extracted.get(&item.raw);
            let cacheable = matches!(
                item.location,
                Location::Header | Location::Cookie | Location::Path | Location::Query
            ) && cache.build_key(&[
                &self.id.to_le_bytes(),
                &[
                    item.location as u8,
                    u8::from(item.kind == ValueKind::Name),
                    u8::from(self.cfg.decode_base64),
                    u8::from(ctx.media_type.is_some()),
                    u8::from(ctx.user_agent.is_some()),
                    u8::from(info.referer_host.is_some()),
                ],
                &item.scope.to_le_bytes(),
                placement.field.as_bytes(),
                key.as_bytes(),
                raw.as_bytes(),
                value_text.as_bytes(),
                ctx.method.as_bytes(),
                ctx.media_type.unwrap_or("").as_bytes(),
                ctx.user_agent.unwrap_or("").as_bytes(),
                info.host.as_bytes(),
                info.referer_host.unwrap_or("").as_bytes(),
            ]);
            if cacheable {
                if let Some(e) = cache.get() {
                    self.replay(
                        &mut verdict,
                        e,
                        item,
                        &placement,
                        [key, raw, value_text],
                        views,
                        b64_views,
                    );
                    continue;
                }
            }
            views.fill(value_text);
            let v = Value {
                placement: &placement,
                kind: item.kind,
                key,
                raw,
                decoded: &views.decoded,
                folded: &views.folded,
                cmdline: &views.cmdline,
                from_base64: false,
            };
            hits.clear();
            self.run_families(&v, &views.bytes, item.scope, &info, &ctx, hits);
            self.record(&mut verdict, hits, &v);
            self.run_user_rules(&mut verdict, &v);
            let own_hits = hits.len();
            if self.b64_candidate(item, value_text) {
                if let Some(text) = normalize::base64_text(&views.decoded) {
                    b64_views.fill(&text);
                    let v = Value {
                        placement: &placement,
                        kind: item.kind,
                        key,
                        raw: &text,
                        decoded: &b64_views.decoded,
                        folded: &b64_views.folded,
                        cmdline: &b64_views.cmdline,
                        from_base64: true,
                    };
                    self.run_families(&v, &b64_views.bytes, item.scope, &info, &ctx, hits);
                    self.record(&mut verdict, &hits[own_hits..], &v);
                    self.run_user_rules(&mut verdict, &v);
                }
            }
            if cacheable {
                cache.insert(&hits[..own_hits], &hits[own_hits..]);
            }
        }

        hits.clear();
        for f in &self.families {
            f.check_request(&ctx, hits);
        }
        if !hits.is_empty() {
            placement.location = Location::Body;
            placement.field.clear();
            let v = Value {
                placement: &placement,
                kind: ValueKind::Content,
                key: "",
                raw: &body,
                decoded: &body,
                folded: &body,
                cmdline: &body,
                from_base64: false,
            };
            self.record(&mut verdict, hits, &v);
        }
        verdict
    }

    /// Whether a value is decoded as base64 and inspected again.
    fn b64_candidate(&self, item: &placement::Item, value_text: &str) -> bool {
        self.cfg.decode_base64
            && item.kind == ValueKind::Content
            && item.scope & (scope::PATH) == 0
            && value_text.len() >= normalize::MIN_BASE64_LEN
    }

    /// Records a cached value's family hits exactly as inspecting it would; the views are
    /// built only when there is a hit to show or a user rule to run.
    #[allow(clippy::too_many_arguments)]
    fn replay(
        &self,
        verdict: &mut Verdict,
        e: &CacheEntry,
        item: &placement::Item,
        placement: &Placement,
        [key, raw, value_text]: [&str; 3],
        views: &mut Views,
        b64_views: &mut Views,
    ) {
        if e.hits.is_empty() && e.b64_hits.is_empty() && self.user.is_empty() {
            return;
        }
        views.fill(value_text);
        let v = Value {
            placement,
            kind: item.kind,
            key,
            raw,
            decoded: &views.decoded,
            folded: &views.folded,
            cmdline: &views.cmdline,
            from_base64: false,
        };
        self.record(verdict, &e.hits, &v);
        self.run_user_rules(verdict, &v);
        if !self.b64_candidate(item, value_text) {
            return;
        }
        if e.b64_hits.is_empty() && self.user.is_empty() {
            return;
        }
        if let Some(text) = normalize::base64_text(&views.decoded) {
            b64_views.fill(&text);
            let v = Value {
                placement,
                kind: item.kind,
                key,
                raw: &text,
                decoded: &b64_views.decoded,
                folded: &b64_views.folded,
                cmdline: &b64_views.cmdline,
                from_base64: true,
            };
            self.record(verdict, &e.b64_hits, &v);
            self.run_user_rules(verdict, &v);
        }
    }

    /// Whether an item equal to item `index` in everything the rules read (location, field,
    /// kind, key, raw and value text, scope) came earlier in the request, and records it
    /// otherwise. Such an item yields exactly the earlier one's hits, which the verdict
    /// already holds (one hit per rule), so it is skipped: JSON arrays repeat their field
    /// names and many values. A hash only finds the candidate; the texts are compared, so a
    /// collision costs a normal inspection, never a miss.
    fn seen(extracted: &Extracted, index: usize, seen: &mut SeenMap) -> bool {
        let item = &extracted.items[index];
        let parts = [&item.field, &item.key, &item.raw, &item.value];
        let mut h = fast_hash(
            0x9e37_79b9_7f4a_7c15,
            &[item.location as u8, u8::from(item.kind == ValueKind::Name)],
        );
        h = fast_hash(h, &item.scope.to_le_bytes());
        for p in parts {
            h = fast_hash(h, extracted.get(p).as_bytes());
        }
        match seen.entry(h) {
            std::collections::hash_map::Entry::Occupied(e) => {
                let other = &extracted.items[*e.get() as usize];
                other.location == item.location
                    && other.kind == item.kind
                    && other.scope == item.scope
                    && [&other.field, &other.key, &other.raw, &other.value]
                        .iter()
                        .zip(parts)
                        .all(|(a, b)| extracted.get(a) == extracted.get(b))
            }
            std::collections::hash_map::Entry::Vacant(e) => {
                e.insert(index as u32);
                false
            }
        }
    }

    /// Every family on one value; each is first asked whether it can match at all (its O(1)
    /// prefilter on the value's bytes and key), so most values skip most families.
    fn run_families(
        &self,
        v: &Value<'_>,
        bytes: &ByteSet,
        sc: u32,
        info: &ReqInfo<'_>,
        ctx: &RequestContext<'_>,
        out: &mut Vec<RuleHit>,
    ) {
        self.core.check_with(v, sc, info, out);
        for f in &self.families {
            if f.may_match(v, ctx, bytes) {
                f.check(v, ctx, out);
            }
        }
    }

    fn run_user_rules(&self, verdict: &mut Verdict, v: &Value<'_>) {
        for r in &self.user {
            if r.paranoia > self.cfg.detection_paranoia {
                continue;
            }
            if let Some(range) = r.find(v) {
                let span =
                    builtin::span_in_decoded(v, r.view(), &r.view().of(v)[range.clone()], range);
                self.add(
                    verdict, &r.rule_id, r.category, r.severity, r.paranoia, span, v,
                );
            }
        }
    }

    fn record(&self, verdict: &mut Verdict, hits: &[RuleHit], v: &Value<'_>) {
        for h in hits {
            self.add(
                verdict,
                h.rule,
                h.category,
                h.severity,
                h.paranoia,
                h.span.clone(),
                v,
            );
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn add(
        &self,
        verdict: &mut Verdict,
        rule: &str,
        category: &'static str,
        severity: Severity,
        paranoia: u8,
        span: Range<usize>,
        v: &Value<'_>,
    ) {
        let scored = paranoia <= self.cfg.paranoia;
        if !scored && paranoia > self.cfg.detection_paranoia {
            return;
        }
        if verdict.hits.iter().any(|h| h.rule == rule) {
            return;
        }
        if !scored && verdict.detection_only.iter().any(|h| h.rule == rule) {
            return;
        }
        if self.disabled(rule) {
            return;
        }
        let hit = AttackHit {
            rule: rule.to_string(),
            category,
            severity,
            paranoia,
            placement: v.placement.clone(),
            fragment: fragment(v.decoded, span, v.key),
            from_base64: v.from_base64,
        };
        if scored {
            // A rule seen first above the level cannot be: levels are per rule. Keep one list.
            verdict.score += severity.score();
            verdict.hits.push(hit);
        } else {
            verdict.detection_only.push(hit);
        }
    }
}

/// Item content hash → first item index with it.
type SeenMap = std::collections::HashMap<u64, u32, SeededState>;

/// Hashes the (already computed) content hash once more with a per-map random seed: cheaper
/// than SipHash, and a crafted set of equal-bucket content hashes cannot be aimed at a
/// table whose seed the sender does not know.
#[derive(Clone)]
struct SeededState(u64);

impl Default for SeededState {
    fn default() -> Self {
        use std::hash::BuildHasher;
        Self(std::collections::hash_map::RandomState::new().hash_one(0x5eed_u64) | 1)
    }
}

impl std::hash::BuildHasher for SeededState {
    type Hasher = SeededHasher;
    fn build_hasher(&self) -> SeededHasher {
        SeededHasher(self.0)
    }
}

/// See [`SeededState`].
struct SeededHasher(u64);

impl std::hash::Hasher for SeededHasher {
    fn write(&mut self, bytes: &[u8]) {
        self.0 = fast_hash(self.0, bytes);
    }

    fn write_u64(&mut self, x: u64) {
        let h = (x ^ self.0).wrapping_mul(0x9e37_79b9_7f4a_7c15);
        self.0 = h ^ (h >> 29);
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

/// A fast, unkeyed hash of `bytes` continuing from `h` (eight bytes per step). Only a
/// candidate finder: equal hashes are always confirmed by comparing the texts.
fn fast_hash(mut h: u64, bytes: &[u8]) -> u64 {
    const K: u64 = 0x517c_c1b7_2722_0a95;
    let mut chunks = bytes.chunks_exact(8);
    for c in &mut chunks {
        let w = u64::from_le_bytes(c.try_into().unwrap_or_default());
        h = (h.rotate_left(5) ^ w).wrapping_mul(K);
    }
    let mut last = [0u8; 8];
    let rest = chunks.remainder();
    last[..rest.len()].copy_from_slice(rest);
    h = (h.rotate_left(5) ^ u64::from_le_bytes(last)).wrapping_mul(K);
    (h.rotate_left(5) ^ bytes.len() as u64).wrapping_mul(K)
}

fn strip_port(host: &str) -> &str {
    if host.starts_with('[') {
        return host.split(']').next().map_or(host, |h| &h[1..]);
    }
    host.split(':').next().unwrap_or(host)
}

/// Host of a `Referer` URL (lower case, no port); empty when it has none.
fn referer_host_of(r: &str) -> &str {
    let rest = r.split_once("://").map_or("", |(_, rest)| rest);
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let host = authority.rsplit('@').next().unwrap_or("");
    strip_port(host)
}

/// At most [`MAX_FRAGMENT_CHARS`] characters of `decoded` around `span` (its start when the
/// span is empty or invalid), with identifiers the classifier recognises masked and control
/// characters shown as spaces.
pub fn fragment(decoded: &str, span: Range<usize>, key: &str) -> String {
    let valid = span.start <= span.end
        && span.end <= decoded.len()
        && decoded.is_char_boundary(span.start)
        && decoded.is_char_boundary(span.end);
    let start_byte = if valid { span.start } else { 0 };
    // Up to 16 characters of context before the match.
    let before: Vec<usize> = decoded[..start_byte]
        .char_indices()
        .rev()
        .take(16)
        .map(|(i, _)| i)
        .collect();
    let from = before.last().copied().unwrap_or(start_byte);
    let window: String = decoded[from..].chars().take(MAX_FRAGMENT_CHARS).collect();
    let mut dets = Vec::new();
    lampyr_classify::detect::detect(&window, &Hints::of_key(key), &mut dets);
    let spans: Vec<_> = dets
        .iter()
        .filter(|d| d.score >= lampyr_classify::detect::HIT)
        .map(|d| (d.start as usize..d.end as usize, d.ty))
        .collect();
    let masked = if spans.is_empty() {
        window
    } else {
        mask_spans(&window, &spans, &MaskStrategy::Default, b"")
    };
    mask_digit_runs(&masked)
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

/// Masks every run of 8 or more digits (spaces and dashes allowed between them) but its last
/// two: whatever the classifier did not recognise, no full card, phone or id number is shown.
fn mask_digit_runs(s: &str) -> String {
    let chars: Vec<char> = s.chars().collect();
    let mut out: Vec<char> = chars.clone();
    let mut i = 0;
    while i < chars.len() {
        if !chars[i].is_ascii_digit() {
            i += 1;
            continue;
        }
        let start = i;
        let mut digits = Vec::new();
        let mut j = i;
        while j < chars.len()
            && (chars[j].is_ascii_digit()
                || ((chars[j] == ' ' || chars[j] == '-')
                    && chars.get(j + 1).is_some_and(char::is_ascii_digit)))
        {
            if chars[j].is_ascii_digit() {
                digits.push(j);
            }
            j += 1;
        }
        if digits.len() >= 8 {
            for &k in &digits[..digits.len() - 2] {
                out[k] = '*';
            }
        }
        i = j.max(start + 1);
    }
    out.into_iter().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn config_is_validated_with_setting_paths() {
        let bad = |cfg: InspectConfig| match Inspector::new(cfg) {
            Err(DetectError::Setting { setting, .. }) => setting,
            other => panic!("{other:?}"),
        };
        assert_eq!(
            bad(InspectConfig {
                paranoia: 5,
                ..InspectConfig::default()
            }),
            "detect.inspect.paranoia"
        );
        assert_eq!(
            bad(InspectConfig {
                paranoia: 3,
                detection_paranoia: 2,
                ..InspectConfig::default()
            }),
            "detect.inspect.detection_paranoia"
        );
        assert_eq!(
            bad(InspectConfig {
                threshold: 0,
                ..InspectConfig::default()
            }),
            "detect.inspect.threshold"
        );
        assert_eq!(
            bad(InspectConfig {
                disabled_rules: vec!["a b".into()],
                ..InspectConfig::default()
            }),
            "detect.inspect.disabled_rules[0]"
        );
    }

    #[test]
    fn config_deserialises_with_defaults_and_rejects_unknown_keys() {
        let cfg: InspectConfig = serde_json::from_value(serde_json::json!({
            "paranoia": 2,
            "rules": [{"id": "x", "category": "attack.sqli", "pattern": "zz"}],
            "limits": {"max_values": 10}
        }))
        .unwrap();
        assert_eq!(cfg.paranoia, 2);
        assert_eq!(cfg.threshold, 5);
        assert_eq!(cfg.limits.max_values, 10);
        assert_eq!(cfg.limits.max_body_bytes, Limits::default().max_body_bytes);
        let err = serde_json::from_value::<InspectConfig>(serde_json::json!({"paranioa": 2}));
        assert!(err.unwrap_err().to_string().contains("paranioa"));
    }

    #[test]
    fn fragments_are_short_and_masked() {
        let long = format!("{}<script>{}", "a".repeat(100), "b".repeat(200));
        let f = fragment(&long, 100..108, "q");
        assert!(f.chars().count() <= MAX_FRAGMENT_CHARS);
        assert!(f.contains("<script>"));
        let f = fragment("' or 1=1 -- 4111111111111111", 0..0, "card");
        assert!(!f.contains("4111111111111111"), "{f}");
        let f = fragment("phone 13812345678; cat /etc/passwd", 18..21, "q");
        assert!(!f.contains("13812345678"), "{f}");
        assert_eq!(
            mask_digit_runs("id 1234-5678-9012 x 12345"),
            "id ****-****-**12 x 12345"
        );
        // Invalid spans fall back to the start.
        assert_eq!(fragment("abc", 5..9, "q"), "abc");
    }

    #[test]
    fn referer_hosts_are_parsed() {
        assert_eq!(referer_host_of("https://u@Evil.com:8443/x?y"), "Evil.com");
        assert_eq!(referer_host_of("not a url"), "");
        assert_eq!(strip_port("[::1]:80"), "::1");
    }
}
