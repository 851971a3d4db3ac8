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

use lampyr_core::Request;
use serde::Serialize;

use crate::normalize::{self, Views};
use crate::placement::{self, scope, Extracted};
use crate::rules::builtin::{self, Core, ReqInfo};
use crate::rules::user::{CompiledUserRule, UserRule};
use crate::rules::{ByteSet, Family, RequestContext, RuleHit, Value, ValueKind};
use crate::{DetectError, Location, Placement, Severity};

mod cache;
mod config;
mod masking;

use cache::{fast_hash, CacheEntry, SeenMap, ValueCache};
pub use config::InspectConfig;
pub use masking::{fragment, MAX_FRAGMENT_CHARS};

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

#[cfg(test)]
mod tests;
