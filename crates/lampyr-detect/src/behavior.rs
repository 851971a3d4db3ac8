//! Behaviour detectors: abuse that only shows across requests.
//!
//! Feed [`Event`]s in time order to an [`Engine`]; it keeps per-entity state over sliding
//! windows in bounded memory and raises [`BehaviorHit`]s:
//!
//! | rule | category | keyed on | fires when |
//! |---|---|---|---|
//! | `behavior.credential_stuffing.source` | abuse.credential_stuffing | client address | many distinct accounts fail from it, mostly failures (stuffing, spraying) |
//! | `behavior.credential_stuffing.fingerprint` | abuse.credential_stuffing | login endpoint + user agent | many accounts fail from many addresses sharing a client fingerprint |
//! | `behavior.credential_stuffing.distributed` | abuse.credential_stuffing | login endpoint | many failing accounts that never sign in afterwards ("orphans"), a large share of the endpoint's logins |
//! | `behavior.brute_force.account` | abuse.brute_force | login endpoint + account | many failures on one account without a success |
//! | `behavior.bola.enumeration` | abuse.bola | actor + templated endpoint | many distinct object ids, mostly denied (403/404) |
//! | `behavior.bola.breadth` | abuse.bola | actor + templated endpoint | far more distinct object ids than the actor's peers read |
//! | `behavior.scraping.pages` | abuse.scraping | actor + endpoint | far more list pages than peers, unless steady since before the engine started |
//! | `behavior.leak.volume` | leak.bulk_sensitive | actor | sensitive records in an hour (or at a pace) crossing the grading profile's leak threshold |
//! | `behavior.scanner.paths` | abuse.scanner | actor | many distinct unrouted paths, or well-known probe paths |
//! | `behavior.token_sharing.networks` | abuse.token_sharing | credential | one credential used from many networks (/24) |
//! | `behavior.rate.endpoint` | abuse.rate_anomaly | actor + endpoint | request rate far above peers' on the endpoint, unless steady |
//!
//! The actor is the end user (JWT `sub`) or credential when known, the address only when
//! nothing else is: many people behind one hospital or carrier NAT are not one actor.
//!
//! One case per (rule, key): [`Engine::observe`] returns a hit the moment a case opens (for an
//! online alert); later evidence extends the same case (more exchanges cited, counts updated)
//! and [`Engine::finish`] returns every case in its final form, with the same [`BehaviorHit::id`].

mod config;
mod event;
mod login;
mod objects;
mod scanner;
mod state;
mod token;
mod volume;

use std::collections::HashMap;

use serde::Serialize;
use serde_json::Value;

pub use config::BehaviorConfig;
pub use event::{Event, LoginAttempt};

use crate::{Actor, Severity};

/// A behaviour finding: one actor, one kind of abuse, the exchanges that make the case.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BehaviorHit {
    /// Stable case id (`rule` + actor key hash): updates of one case share it.
    pub id: String,
    /// Stable rule id (`behavior.bola.enumeration`).
    pub rule: &'static str,
    /// Finding category ([`crate::category`]).
    pub category: &'static str,
    /// How bad.
    pub severity: Severity,
    /// Who.
    pub actor: Actor,
    /// The endpoint key when the case is about one endpoint.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub endpoint: Option<String>,
    /// Cited exchanges: the one at which the detector fired, then the actor's relevant ones
    /// after it (at most [`BehaviorConfig::max_cited`]).
    pub exchanges: Vec<u64>,
    /// Time of the first cited exchange, µs since the epoch.
    pub first_us: i64,
    /// Time of the last evidence, µs since the epoch.
    pub last_us: i64,
    /// Counts, ratios and the thresholds they crossed.
    pub evidence: Value,
}

/// Memory accounting of an engine: how much state is held and how much was evicted.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct EngineStats {
    /// Events observed.
    pub events: u64,
    /// Keys currently tracked, all detectors.
    pub tracked: u64,
    /// Keys evicted by the caps, all detectors.
    pub evicted: u64,
    /// Failed logins dropped from the pending queue by its cap.
    pub pending_dropped: u64,
    /// Cases open.
    pub cases: u64,
    /// Cases not opened because `max_cases` was reached.
    pub cases_dropped: u64,
}

/// A piece of evidence from a detector: opens a case (with `evidence`) or extends an open one.
#[derive(Debug, Clone)]
pub(crate) struct Signal {
    pub rule: &'static str,
    pub category: &'static str,
    pub severity: Severity,
    /// The case's actor key within the rule.
    pub key: String,
    pub actor: Actor,
    pub endpoint: Option<String>,
    pub index: u64,
    pub time_us: i64,
    /// Set when the detector (re)evaluated its thresholds: replaces the case's evidence and
    /// opens the case when none is open.
    pub evidence: Option<Value>,
}

/// The actor key of an event and the [`Actor`] shown in findings: end user or credential when
/// known, client address otherwise.
pub(crate) fn actor_of(ev: &Event) -> (String, Actor) {
    let actor = Actor {
        ip: ev.ip.map(|ip| ip.to_string()),
        consumer: ev.consumer.clone(),
        user: ev.user.clone(),
        token_id: ev.token_id.clone(),
    };
    let key = if ev.login.is_none() && ev.user.is_some() {
        format!(
            "user:{}/{}",
            ev.consumer.as_deref().unwrap_or(""),
            ev.user.as_deref().unwrap_or("")
        )
    } else if let Some(t) = &ev.token_id {
        format!("token:{t}")
    } else if let Some(ip) = ev.ip {
        format!("ip:{ip}")
    } else {
        "anonymous".to_string()
    };
    (key, actor)
}

/// The behaviour engine: every detector and the open cases.
#[derive(Debug)]
pub struct Engine {
    cfg: BehaviorConfig,
    start_us: Option<i64>,
    login: login::LoginDetector,
    objects: objects::ObjectDetector,
    volume: volume::VolumeDetector,
    scanner: scanner::ScannerDetector,
    token: token::TokenDetector,
    cases: HashMap<(&'static str, String), BehaviorHit>,
    cases_dropped: u64,
    events: u64,
    signals: Vec<Signal>,
}

impl Engine {
    /// A new engine.
    pub fn new(cfg: BehaviorConfig) -> Engine {
        Engine {
            login: login::LoginDetector::new(&cfg),
            objects: objects::ObjectDetector::new(&cfg),
            volume: volume::VolumeDetector::new(&cfg),
            scanner: scanner::ScannerDetector::new(&cfg),
            token: token::TokenDetector::new(&cfg),
            cfg,
            start_us: None,
            cases: HashMap::new(),
            cases_dropped: 0,
            events: 0,
            signals: Vec::new(),
        }
    }

    /// Feeds one event (in time order) and returns the cases it opened, for online alerting.
    /// Evidence for already open cases is folded into them silently; [`Engine::finish`] (or
    /// [`Engine::cases`]) gives their current form.
    pub fn observe(&mut self, ev: &Event) -> Vec<BehaviorHit> {
        self.events += 1;
        let start = *self.start_us.get_or_insert(ev.time_us);
        let warm = ev.time_us - start < config::us(self.cfg.warmup_s);
        let mut out = std::mem::take(&mut self.signals);
        self.login.observe(ev, &self.cfg, &mut out);
        self.objects.observe(ev, &self.cfg, &mut out);
        self.volume.observe(ev, warm, &self.cfg, &mut out);
        self.scanner.observe(ev, &self.cfg, &mut out);
        self.token.observe(ev, &self.cfg, &mut out);
        let mut opened = Vec::new();
        for s in out.drain(..) {
            if let Some(hit) = self.apply(s) {
                opened.push(hit);
            }
        }
        self.signals = out;
        opened
    }

    /// The open cases in their current form, oldest first.
    pub fn cases(&self) -> Vec<BehaviorHit> {
        let mut v: Vec<BehaviorHit> = self.cases.values().cloned().collect();
        v.sort_by(|a, b| (a.first_us, &a.id).cmp(&(b.first_us, &b.id)));
        v
    }

    /// Ends the stream: flushes pending evaluations and returns every case, oldest first.
    pub fn finish(mut self) -> Vec<BehaviorHit> {
        let mut out = Vec::new();
        self.login.flush(&self.cfg, &mut out);
        for s in out {
            self.apply(s);
        }
        self.cases()
    }

    /// What the engine holds and has evicted.
    pub fn stats(&self) -> EngineStats {
        let (t1, e1, dropped) = self.login.memory();
        let parts = [
            (t1, e1),
            self.objects.memory(),
            self.volume.memory(),
            self.scanner.memory(),
            self.token.memory(),
        ];
        EngineStats {
            events: self.events,
            tracked: parts.iter().map(|p| p.0).sum(),
            evicted: parts.iter().map(|p| p.1).sum(),
            pending_dropped: dropped,
            cases: self.cases.len() as u64,
            cases_dropped: self.cases_dropped,
        }
    }

    fn apply(&mut self, s: Signal) -> Option<BehaviorHit> {
        let key = (s.rule, s.key);
        if let Some(case) = self.cases.get_mut(&key) {
            if case.exchanges.len() < self.cfg.max_cited && !case.exchanges.contains(&s.index) {
                case.exchanges.push(s.index);
            }
            case.last_us = case.last_us.max(s.time_us);
            case.severity = case.severity.max(s.severity);
            if let Some(e) = s.evidence {
                case.evidence = e;
            }
            merge_actor(&mut case.actor, &s.actor);
            return None;
        }
        let evidence = s.evidence?;
        // A rate anomaly adds nothing to a case that already explains the volume.
        if s.category == crate::category::RATE_ANOMALY
            && [
                "behavior.bola.enumeration",
                "behavior.bola.breadth",
                "behavior.scraping.pages",
            ]
            .iter()
            .any(|r| self.cases.contains_key(&(*r, key.1.clone())))
        {
            return None;
        }
        if self.cases.len() >= self.cfg.max_cases {
            self.cases_dropped += 1;
            return None;
        }
        let hit = BehaviorHit {
            id: format!(
                "{}:{:016x}",
                s.rule,
                state::fnv(&[
                    key.1.as_bytes(),
                    s.endpoint.as_deref().unwrap_or("").as_bytes()
                ])
            ),
            rule: s.rule,
            category: s.category,
            severity: s.severity,
            actor: s.actor,
            endpoint: s.endpoint,
            exchanges: vec![s.index],
            first_us: s.time_us,
            last_us: s.time_us,
            evidence,
        };
        self.cases.insert(key, hit.clone());
        Some(hit)
    }
}

/// Fills the case's actor fields that were unknown when it opened.
fn merge_actor(into: &mut Actor, from: &Actor) {
    if into.ip.is_none() {
        into.ip.clone_from(&from.ip);
    }
    if into.user.is_none() {
        into.user.clone_from(&from.user);
    }
    if into.token_id.is_none() {
        into.token_id.clone_from(&from.token_id);
    }
    if into.consumer.is_none() {
        into.consumer.clone_from(&from.consumer);
    }
}
