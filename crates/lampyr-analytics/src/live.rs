//! The streaming pipeline `lampyr serve` runs over the gateway mirror and ingested exchanges.
//!
//! [`Analyzer`](crate::Analyzer) answers once, at the end of its input; a running platform
//! needs answers while traffic goes on. [`LivePipeline`] runs the same stages per exchange
//! (classification, discovery, inline attack inspection, per-exchange posture, behaviour
//! windows, incident grouping) and, on [`LivePipeline::refresh`], templates what discovery has
//! recorded so far, re-resolves endpoints for the behaviour detectors and hands back the
//! endpoints and the incidents that changed, for the caller to persist.
//!
//! Differences from the batch analysis, on purpose:
//! - Endpoint keys come from the last refresh, so exchanges seen before an endpoint's first
//!   template are keyed by nothing (the behaviour detectors see the actor's later requests).
//! - A behaviour case raises an incident when it opens; evidence it gathers later stays in the
//!   engine's case (the exchanges that follow from the same actor are linked by the caller).
//! - Endpoint-level posture checks run at each refresh and raise each (rule, endpoint) once.
//!
//! Memory is bounded by the discovery limits, the behaviour engine's caps and the incident
//! caps; nothing grows with the number of exchanges.

mod mask;

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use lampyr_classify::grading::Grading;
use lampyr_classify::Classifier;
use lampyr_core::Exchange;
use lampyr_detect::behavior::{self, BehaviorHit};
use lampyr_detect::posture::{self, EndpointFacts, Posture};
use lampyr_detect::{category, Actor, DetectError, Inspector, Severity};
use lampyr_discovery::{Discovery, Inventory};

use crate::endpoint_match::EndpointMatcher;
use crate::incident::{HitRecord, Incident, Incidents};
use crate::report::{EndpointReport, Report};
use crate::AnalyzeConfig;

pub use mask::masked_exchange;

/// An analyst's exception: matching hits raise no incident.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Exception {
    /// Exact rule id, category (`attack.sqli`), or a prefix ending in `.*`.
    pub rule: String,
    /// Endpoint key, or anywhere.
    pub endpoint: Option<String>,
    /// Actor address, consumer or user, or anyone.
    pub actor: Option<String>,
}

impl Exception {
    fn matches(&self, rule: &str, cat: &str, endpoint: Option<&str>, actor: &Actor) -> bool {
        let rule_ok = if let Some(prefix) = self.rule.strip_suffix(".*") {
            rule.starts_with(prefix) || cat.starts_with(prefix)
        } else {
            self.rule == rule || self.rule == cat || self.rule == category::family(cat)
        };
        let endpoint_ok = self.endpoint.as_deref().is_none_or(|e| Some(e) == endpoint);
        let actor_ok = self.actor.as_deref().is_none_or(|a| {
            actor.ip.as_deref() == Some(a)
                || actor.consumer.as_deref() == Some(a)
                || actor.user.as_deref() == Some(a)
        });
        rule_ok && endpoint_ok && actor_ok
    }
}

/// What one exchange did in the pipeline, for the caller's sampling and counters.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Observed {
    /// Run-wide sequence number of the exchange.
    pub index: u64,
    /// Endpoint key (`METHOD host/template`) as of the last refresh.
    pub endpoint: Option<String>,
    /// Whether the inspector judged the request an attack.
    pub attack: bool,
    /// Incidents this exchange is evidence for (opened, extended, or the actor's open
    /// behaviour incidents).
    pub incidents: Vec<String>,
    /// Sensitive records in the response.
    pub records: u32,
}

/// Counters of a pipeline.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LiveStats {
    /// Exchanges analysed.
    pub exchanges: u64,
    /// Attack requests.
    pub attacks: u64,
    /// Hits suppressed by exceptions.
    pub excepted: u64,
    /// Incidents kept.
    pub incidents: u64,
    /// Refreshes done.
    pub refreshes: u64,
}

/// What a refresh hands back.
#[derive(Debug, Clone, Default)]
pub struct Refresh {
    /// Every endpoint as it stands (Analysis report v1 objects).
    pub endpoints: Vec<EndpointReport>,
    /// Incidents opened or grown since the previous refresh.
    pub incidents: Vec<Incident>,
}

/// Most incidents an actor's later exchanges are linked to.
const MAX_ACTOR_LINKS: usize = 8;
/// Actors whose behaviour incidents are remembered for linking (least recent forgotten).
const MAX_LINKED_ACTORS: usize = 10_000;

/// Facts gathered per endpoint for the endpoint-level posture checks.
#[derive(Debug, Clone, Copy, Default)]
struct Facts {
    credentials: bool,
    login: bool,
    rate_limited: bool,
    login_attempts: u64,
}

/// The streaming analysis.
#[derive(Debug)]
pub struct LivePipeline {
    classifier: Classifier,
    discovery: Discovery,
    grading: Grading,
    inspector: Inspector,
    posture: Posture,
    engine: behavior::Engine,
    incidents: Incidents,
    matcher: EndpointMatcher,
    inventory: Arc<Inventory>,
    facts: HashMap<String, Facts>,
    posture_raised: HashSet<(String, String)>,
    actor_links: HashMap<String, Vec<String>>,
    exceptions: Vec<Exception>,
    changed: HashSet<String>,
    next_index: u64,
    /// Latest exchange time seen: the stream's clock. Incidents close by it, not by the wall
    /// clock, so ingested history groups as it would offline.
    latest_us: i64,
    /// When the matcher was last rebuilt.
    rekeyed: Option<std::time::Instant>,
    stats: LiveStats,
}

/// Shortest time between two rebuilds of the endpoint matcher forced by an attack on a path
/// no endpoint covers yet (a scanner's misses must not re-template the tree per request).
const MIN_REKEY: std::time::Duration = std::time::Duration::from_millis(250);

impl LivePipeline {
    /// A new pipeline. Fails when the detection settings do not build.
    pub fn new(cfg: AnalyzeConfig) -> Result<Self, DetectError> {
        let (inspector, posture) = crate::detection::build_checks(&cfg.detection, &cfg.grading)?;
        Ok(Self {
            classifier: Classifier::new(&cfg.classify),
            discovery: Discovery::new(cfg.discovery),
            inspector,
            posture,
            engine: behavior::Engine::new(cfg.detection.behavior),
            incidents: Incidents::new(cfg.detection.incidents),
            grading: cfg.grading,
            matcher: EndpointMatcher::default(),
            inventory: Arc::new(Inventory::default()),
            facts: HashMap::new(),
            posture_raised: HashSet::new(),
            actor_links: HashMap::new(),
            exceptions: Vec::new(),
            changed: HashSet::new(),
            next_index: 0,
            latest_us: 0,
            rekeyed: None,
            stats: LiveStats::default(),
        })
    }

    /// Replaces the analysts' exceptions (applied to hits from now on).
    pub fn set_exceptions(&mut self, exceptions: Vec<Exception>) {
        self.exceptions = exceptions;
    }

    /// Counters so far.
    pub fn stats(&self) -> LiveStats {
        LiveStats {
            incidents: self.incidents.len() as u64,
            ..self.stats
        }
    }

    /// The classifier, for masking samples with the same detectors.
    pub fn classifier(&mut self) -> &mut Classifier {
        &mut self.classifier
    }

    /// Analyses one exchange.
    pub fn observe(&mut self, ex: &Exchange) -> Observed {
        let index = self.next_index;
        self.next_index += 1;
        self.stats.exchanges += 1;
        let scan = self.classifier.scan(ex);
        self.discovery.observe_with(ex, Some(&scan));
        let mut endpoint = self.resolve(ex);
        let verdict = self.inspector.inspect(&ex.request);
        // An attack on an endpoint the last refresh did not know yet (the first requests
        // after start) would otherwise open an incident keyed on no endpoint, apart from
        // the ones that follow: re-key now, at most every MIN_REKEY.
        if endpoint.is_none()
            && verdict.is_attack()
            && self.rekeyed.is_none_or(|t| t.elapsed() >= MIN_REKEY)
        {
            self.rekey();
            endpoint = self.resolve(ex);
        }
        let time_us = ex.timing.started_us.unwrap_or(self.latest_us);
        self.latest_us = self.latest_us.max(time_us);
        let actor = crate::detection::actor_of(ex);
        let mut out = Observed {
            index,
            endpoint: endpoint.clone(),
            records: scan.response_records,
            ..Observed::default()
        };

        // Endpoint facts for the posture checks at refresh.
        if let Some(key) = &endpoint {
            let f = self.facts.entry(key.clone()).or_default();
            f.credentials |= posture::request_has_credentials(&ex.request, ex.identity.as_ref());
            let login = posture::is_login_request(&ex.request, Some(&scan));
            f.login |= login;
            f.login_attempts += u64::from(login);
            f.rate_limited |= ex.response.as_ref().is_some_and(posture::saw_rate_limit);
        }

        // Inline attack inspection: one hit per family.
        if verdict.is_attack() {
            out.attack = true;
            self.stats.attacks += 1;
            let mut families: Vec<(&str, Severity, &str)> = Vec::new();
            for h in &verdict.hits {
                let fam = category::family(h.category);
                match families.iter_mut().find(|(f, _, _)| *f == fam) {
                    Some(entry) if h.severity > entry.1 => *entry = (fam, h.severity, &h.rule),
                    Some(_) => {}
                    None => families.push((fam, h.severity, &h.rule)),
                }
            }
            let hits: Vec<(String, String, Severity)> = families
                .into_iter()
                .map(|(fam, sev, rule)| {
                    let cat = verdict
                        .hits
                        .iter()
                        .find(|h| h.rule == rule)
                        .map(|h| h.category)
                        .unwrap_or(fam);
                    (rule.to_string(), cat.to_string(), sev)
                })
                .collect();
            for (rule, cat, severity) in hits {
                self.hit(
                    HitRecord {
                        rule,
                        category: cat,
                        severity,
                        endpoint: endpoint.clone(),
                        actor: actor.clone(),
                        exchanges: vec![index],
                        first_us: time_us,
                        last_us: time_us,
                        count: 1,
                    },
                    &mut out.incidents,
                );
            }
        }

        // Per-exchange posture: one incident per (family, endpoint), whoever the client.
        for hit in self.posture.check_exchange(ex, Some(&scan)) {
            let ep = endpoint
                .clone()
                .or_else(|| Some(format!("{} {}", ex.request.method, ex.request.host)));
            self.hit(
                HitRecord {
                    rule: hit.rule,
                    category: hit.category.to_string(),
                    severity: hit.severity,
                    endpoint: ep,
                    actor: Actor::default(),
                    exchanges: vec![index],
                    first_us: time_us,
                    last_us: time_us,
                    count: 1,
                },
                &mut out.incidents,
            );
        }

        // Behaviour windows.
        let ev =
            behavior::Event::from_exchange(ex, index, endpoint.as_deref(), scan.response_records)
                .with_leak_types(&scan.response_values);
        for case in self.engine.observe(&ev) {
            self.behavior_case(case, &mut out.incidents);
        }
        for key in actor_keys(&actor) {
            if let Some(ids) = self.actor_links.get(&key) {
                for id in ids {
                    if !out.incidents.contains(id) {
                        out.incidents.push(id.clone());
                    }
                }
            }
        }
        self.classifier.recycle(scan);
        out
    }

    fn resolve(&self, ex: &Exchange) -> Option<String> {
        self.matcher
            .resolve(
                &ex.request.method.to_ascii_uppercase(),
                &ex.request.host.to_ascii_lowercase(),
                &ex.request.path,
            )
            .map(|i| endpoint_key(&self.inventory.endpoints[i]))
    }

    /// Templates what discovery recorded and rebuilds the endpoint matcher.
    fn rekey(&mut self) {
        self.inventory = Arc::new(self.discovery.snapshot());
        self.matcher = EndpointMatcher::new(&self.inventory);
        self.rekeyed = Some(std::time::Instant::now());
    }

    fn behavior_case(&mut self, case: BehaviorHit, touched: &mut Vec<String>) {
        let actor = case.actor.clone();
        let before = touched.len();
        let exchanges = case.exchanges.iter().copied().take(20).collect();
        self.hit(
            HitRecord {
                rule: case.rule.to_string(),
                category: case.category.to_string(),
                severity: case.severity,
                endpoint: case.endpoint.clone(),
                actor: case.actor,
                exchanges,
                first_us: case.first_us,
                last_us: case.last_us,
                count: case.exchanges.len().max(1) as u64,
            },
            touched,
        );
        let Some(id) = touched.get(before).cloned() else {
            return;
        };
        if self.actor_links.len() >= MAX_LINKED_ACTORS {
            self.actor_links.clear();
        }
        for key in actor_keys(&actor) {
            let ids = self.actor_links.entry(key).or_default();
            if !ids.contains(&id) {
                if ids.len() >= MAX_ACTOR_LINKS {
                    ids.remove(0);
                }
                ids.push(id.clone());
            }
        }
    }

    /// Groups a hit into incidents unless an exception covers it.
    fn hit(&mut self, hit: HitRecord, touched: &mut Vec<String>) {
        if self.exceptions.iter().any(|e| {
            e.matches(
                &hit.rule,
                &hit.category,
                hit.endpoint.as_deref(),
                &hit.actor,
            )
        }) {
            self.stats.excepted += 1;
            return;
        }
        let (cat, endpoint, actor) = (
            hit.category.clone(),
            hit.endpoint.clone(),
            hit.actor.clone(),
        );
        self.incidents.observe(hit);
        if let Some(inc) = self.incidents.current(&cat, endpoint.as_deref(), &actor) {
            if !touched.contains(&inc.id) {
                touched.push(inc.id.clone());
            }
            self.changed.insert(inc.id);
        }
    }

    /// Templates what discovery recorded, re-keys endpoints for the detectors, runs the
    /// endpoint-level posture checks and returns the endpoints and the changed incidents.
    /// `now_us` dates endpoint findings of endpoints that have no timed exchange.
    pub fn refresh(&mut self, now_us: i64) -> Refresh {
        self.stats.refreshes += 1;
        self.rekey();
        let report = Report::build(&self.inventory, Vec::new(), &self.grading, Vec::new());
        let mut pending = Vec::new();
        for (e, r) in self.inventory.endpoints.iter().zip(&report.endpoints) {
            let key = endpoint_key(e);
            let Some(f) = self.facts.get(&key).copied() else {
                continue;
            };
            let facts = EndpointFacts {
                method: e.method.clone(),
                path: format!("{}{}", e.host, e.template),
                authenticated: f.credentials,
                sensitive: {
                    let mut s: Vec<(String, u8)> = r
                        .sensitive
                        .iter()
                        .filter(|s| s.place.starts_with("response."))
                        .map(|s| (s.ty.to_string(), s.level))
                        .collect();
                    s.sort();
                    s.dedup();
                    s
                },
                is_login: f.login,
                saw_rate_limit: f.rate_limited,
                login_attempts: f.login_attempts,
            };
            for hit in self.posture.check_endpoint(&facts) {
                if !self.posture_raised.insert((hit.rule.clone(), key.clone())) {
                    continue;
                }
                let t = &e.data.traffic;
                pending.push(HitRecord {
                    rule: hit.rule,
                    category: hit.category.to_string(),
                    severity: hit.severity,
                    endpoint: Some(key.clone()),
                    actor: Actor::default(),
                    exchanges: Vec::new(),
                    first_us: t.first_seen_us.unwrap_or(now_us),
                    last_us: t.last_seen_us.unwrap_or(now_us),
                    count: t.hits.max(1),
                });
            }
        }
        let mut touched = Vec::new();
        for hit in pending {
            self.hit(hit, &mut touched);
        }
        self.incidents.expire(self.latest_us);
        let changed = std::mem::take(&mut self.changed);
        let incidents = if changed.is_empty() {
            Vec::new()
        } else {
            self.incidents
                .incidents()
                .into_iter()
                .filter(|i| changed.contains(&i.id))
                .collect()
        };
        Refresh {
            endpoints: report.endpoints,
            incidents,
        }
    }

    /// The inventory as of the last refresh (shared: the admin side exports it on demand).
    pub fn inventory(&self) -> Arc<Inventory> {
        self.inventory.clone()
    }
}

/// `METHOD host/template`: the key endpoints are stored and linked under.
pub fn endpoint_key(e: &lampyr_discovery::Endpoint) -> String {
    format!("{} {}{}", e.method, e.host, e.template)
}

fn actor_keys(a: &Actor) -> Vec<String> {
    let mut keys = Vec::new();
    if let Some(u) = &a.user {
        keys.push(format!("user:{}/{u}", a.consumer.as_deref().unwrap_or("")));
    } else if let Some(t) = &a.token_id {
        keys.push(format!("token:{t}"));
    } else if let Some(ip) = &a.ip {
        keys.push(format!("ip:{ip}"));
    }
    keys
}

#[cfg(test)]
mod tests;
