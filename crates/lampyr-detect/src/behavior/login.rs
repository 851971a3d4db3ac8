//! Credential stuffing, password spraying and brute force over login attempts.
//!
//! Four views of the same attempts:
//! - per source address: many distinct accounts failing (stuffing or spraying from one place);
//! - per client fingerprint (login endpoint + user agent): the same, spread over addresses;
//! - per login endpoint: failures of accounts that do not sign in within `orphan_delay_s`
//!   ("orphans"). People who mistype sign in a moment later; a combo list's accounts never do,
//!   so even a botnet rotating addresses and user agents shows up as orphans;
//! - per account: many failures without a success (brute force, also low and slow).

use std::collections::VecDeque;

use serde_json::json;

use super::config::{us, BehaviorConfig};
use super::state::{fnv, DistinctWindow, Lru, SlidingSum};
use super::{Event, Signal};
use crate::category::{BRUTE_FORCE, CREDENTIAL_STUFFING};
use crate::{Actor, Severity};

const RULE_SOURCE: &str = "behavior.credential_stuffing.source";
const RULE_FINGERPRINT: &str = "behavior.credential_stuffing.fingerprint";
const RULE_DISTRIBUTED: &str = "behavior.credential_stuffing.distributed";
const RULE_BRUTE: &str = "behavior.brute_force.account";

#[derive(Debug)]
struct Group {
    attempts: SlidingSum,
    failures: SlidingSum,
    accounts: DistinctWindow,
    ips: DistinctWindow,
    flagged: bool,
}

impl Group {
    fn new(cfg: &BehaviorConfig) -> Self {
        let w = us(cfg.login_window_s);
        Self {
            attempts: SlidingSum::new(w, 60),
            failures: SlidingSum::new(w, 60),
            accounts: DistinctWindow::new(w, cfg.max_distinct),
            ips: DistinctWindow::new(w, cfg.max_distinct),
            flagged: false,
        }
    }
}

#[derive(Debug)]
struct Account {
    failures: SlidingSum,
    ips: DistinctWindow,
    failing_ips: DistinctWindow,
    last_success: i64,
    flagged: bool,
}

#[derive(Debug)]
struct LoginEndpoint {
    orphans: DistinctWindow,
    successes: SlidingSum,
    flagged: bool,
}

#[derive(Debug)]
struct Pending {
    /// Source and fingerprint keys: a failure already attributed to a flagged source or
    /// fingerprint is not counted again as distributed stuffing.
    groups: [Option<String>; 2],
    time_us: i64,
    index: u64,
    endpoint: String,
    account: u64,
    actor: Actor,
}

/// State of the login detectors.
#[derive(Debug)]
pub(crate) struct LoginDetector {
    sources: Lru<String, Group>,
    fingerprints: Lru<String, Group>,
    accounts: Lru<u64, Account>,
    endpoints: Lru<String, LoginEndpoint>,
    pending: VecDeque<Pending>,
    pending_dropped: u64,
}

impl LoginDetector {
    pub fn new(cfg: &BehaviorConfig) -> Self {
        Self {
            sources: Lru::new(cfg.max_tracked),
            fingerprints: Lru::new(cfg.max_tracked),
            accounts: Lru::new(cfg.max_tracked),
            endpoints: Lru::new(cfg.max_tracked.min(10_000)),
            pending: VecDeque::new(),
            pending_dropped: 0,
        }
    }

    /// (keys tracked, keys evicted, pending failures dropped).
    pub fn memory(&self) -> (u64, u64, u64) {
        let tracked = self.sources.len()
            + self.fingerprints.len()
            + self.accounts.len()
            + self.endpoints.len()
            + self.pending.len();
        let evicted = self.sources.evicted
            + self.fingerprints.evicted
            + self.accounts.evicted
            + self.endpoints.evicted;
        (tracked as u64, evicted, self.pending_dropped)
    }

    pub fn observe(&mut self, ev: &Event, cfg: &BehaviorConfig, out: &mut Vec<Signal>) {
        self.settle(ev.time_us, cfg, out);
        let Some(login) = &ev.login else {
            return;
        };
        let now = ev.time_us;
        let endpoint = ev
            .endpoint
            .clone()
            .unwrap_or_else(|| format!("{} {}", ev.method, ev.path));
        let account = login
            .account
            .as_ref()
            .map(|a| fnv(&[endpoint.as_bytes(), a.expose().as_bytes()]));
        let ip_hash = ev.ip.map(|ip| fnv(&[ip.to_string().as_bytes()]));
        let actor = Actor {
            ip: ev.ip.map(|ip| ip.to_string()),
            ..Actor::default()
        };

        // Per source address, then per fingerprint.
        let source_key = ev.ip.map(|ip| format!("ip:{ip}"));
        let fp_key = ev
            .user_agent
            .as_ref()
            .map(|ua| format!("fp:{endpoint}|{ua}"));
        if let Some(key) = &source_key {
            let key = key.clone();
            let g = self.sources.entry(&key, || Group::new(cfg));
            if let Some(s) = group_step(
                g,
                now,
                login.success,
                account,
                ip_hash,
                cfg.stuffing_min_accounts,
                1,
                cfg.stuffing_min_failure_ratio,
            ) {
                out.push(signal(
                    RULE_SOURCE,
                    CREDENTIAL_STUFFING,
                    &key,
                    &actor,
                    &endpoint,
                    ev,
                    s,
                ));
            }
        }
        if let (Some(ua), Some(key)) = (&ev.user_agent, &fp_key) {
            let key = key.clone();
            let g = self.fingerprints.entry(&key, || Group::new(cfg));
            if let Some(mut s) = group_step(
                g,
                now,
                login.success,
                account,
                ip_hash,
                cfg.fingerprint_min_accounts,
                cfg.fingerprint_min_ips,
                cfg.fingerprint_min_failure_ratio,
            ) {
                if let Some(e) = s.as_mut() {
                    e["user_agent"] = json!(ua);
                }
                let fp_actor = Actor {
                    ip: actor.ip.clone(),
                    consumer: Some(format!("user-agent: {ua}")),
                    ..Actor::default()
                };
                out.push(signal(
                    RULE_FINGERPRINT,
                    CREDENTIAL_STUFFING,
                    &key,
                    &fp_actor,
                    &endpoint,
                    ev,
                    s,
                ));
            }
        }

        // Per login endpoint: successes (the denominator of the orphan share).
        let ep = self.endpoints.entry(&endpoint, || LoginEndpoint {
            orphans: DistinctWindow::new(us(cfg.orphan_window_s), cfg.max_distinct * 4),
            successes: SlidingSum::new(us(cfg.orphan_window_s), 60),
            flagged: false,
        });
        if login.success {
            ep.successes.add(now, 1);
        }

        // Per account.
        let Some(acct) = account else {
            return;
        };
        let a = self.accounts.entry(&acct, || Account {
            failures: SlidingSum::new(us(cfg.brute_window_s), 60),
            ips: DistinctWindow::new(us(cfg.brute_window_s), 64),
            failing_ips: DistinctWindow::new(us(cfg.brute_window_s), 64),
            last_success: i64::MIN,
            flagged: false,
        });
        if let Some(h) = ip_hash {
            a.ips.insert(now, h);
        }
        let name = login.account.as_ref().map(|n| n.expose().as_str());
        let brute_actor = Actor {
            ip: actor.ip.clone(),
            user: name.map(str::to_string),
            ..Actor::default()
        };
        if login.success {
            a.last_success = now;
            a.failures.clear();
            let from_guesser = ip_hash.is_some_and(|h| a.failing_ips.contains(now, h));
            if a.flagged && from_guesser {
                // The guessing worked: cite the success and say so.
                out.push(Signal {
                    rule: RULE_BRUTE,
                    category: BRUTE_FORCE,
                    severity: Severity::Critical,
                    key: format!("acct:{acct:016x}"),
                    actor: brute_actor,
                    endpoint: Some(endpoint.clone()),
                    index: ev.index,
                    time_us: now,
                    evidence: None,
                });
            }
            return;
        }
        a.failures.add(now, 1);
        if let Some(h) = ip_hash {
            a.failing_ips.insert(now, h);
        }
        let fails = a.failures.sum(now);
        if a.flagged || fails >= u64::from(cfg.brute_min_failures) {
            let evidence = (!a.flagged || fails.is_multiple_of(10)).then(|| {
                json!({
                    "account": name,
                    "failures": fails,
                    "addresses": a.ips.count(now),
                    "window_s": cfg.brute_window_s,
                    "threshold": cfg.brute_min_failures,
                })
            });
            a.flagged = true;
            out.push(Signal {
                rule: RULE_BRUTE,
                category: BRUTE_FORCE,
                severity: Severity::High,
                key: format!("acct:{acct:016x}"),
                actor: brute_actor,
                endpoint: Some(endpoint.clone()),
                index: ev.index,
                time_us: now,
                evidence,
            });
        }
        let brute = a.flagged;
        if !brute {
            if self.pending.len() >= cfg.max_pending_logins {
                self.pending.pop_front();
                self.pending_dropped += 1;
            }
            self.pending.push_back(Pending {
                groups: [source_key, fp_key],
                time_us: now,
                index: ev.index,
                endpoint,
                account: acct,
                actor,
            });
        }
    }

    /// Decides every pending failure old enough: orphan or not.
    fn settle(&mut self, now: i64, cfg: &BehaviorConfig, out: &mut Vec<Signal>) {
        let delay = us(cfg.orphan_delay_s);
        while self
            .pending
            .front()
            .is_some_and(|p| p.time_us + delay <= now)
        {
            let p = self.pending.pop_front().expect("front");
            self.decide(p, now, cfg, out);
        }
    }

    /// Decides every pending failure (end of stream).
    pub fn flush(&mut self, cfg: &BehaviorConfig, out: &mut Vec<Signal>) {
        while let Some(p) = self.pending.pop_front() {
            let now = p.time_us + us(cfg.orphan_delay_s);
            self.decide(p, now, cfg, out);
        }
    }

    fn decide(&mut self, p: Pending, now: i64, cfg: &BehaviorConfig, out: &mut Vec<Signal>) {
        let signed_in = self
            .accounts
            .peek(&p.account)
            .is_some_and(|a| a.last_success > p.time_us || a.flagged);
        let attributed = self
            .sources
            .peek(p.groups[0].as_ref().unwrap_or(&String::new()))
            .is_some_and(|g| g.flagged)
            || self
                .fingerprints
                .peek(p.groups[1].as_ref().unwrap_or(&String::new()))
                .is_some_and(|g| g.flagged);
        if signed_in || attributed {
            return;
        }
        let Some(ep) = self.endpoints.get_mut(&p.endpoint) else {
            return;
        };
        ep.orphans.insert(p.time_us, p.account);
        let orphans = ep.orphans.count(now) as u64;
        let successes = ep.successes.sum(now);
        let share = orphans as f64 / (orphans + successes).max(1) as f64;
        let fire = orphans >= u64::from(cfg.orphan_min_accounts) && share >= cfg.orphan_min_share;
        if fire || ep.flagged {
            let evidence = (fire && (!ep.flagged || orphans.is_multiple_of(10))).then(|| {
                json!({
                    "orphan_accounts": orphans,
                    "successful_logins": successes,
                    "orphan_share": round3(share),
                    "window_s": cfg.orphan_window_s,
                    "orphan_delay_s": cfg.orphan_delay_s,
                    "thresholds": {"accounts": cfg.orphan_min_accounts, "share": cfg.orphan_min_share},
                })
            });
            ep.flagged |= fire;
            out.push(Signal {
                rule: RULE_DISTRIBUTED,
                category: CREDENTIAL_STUFFING,
                severity: Severity::High,
                key: format!("endpoint:{}", p.endpoint),
                actor: p.actor,
                endpoint: Some(p.endpoint),
                index: p.index,
                time_us: p.time_us,
                evidence,
            });
        }
    }
}

/// Updates a source or fingerprint group; `Some(evidence)` when the attempt belongs to a
/// flagged group (evidence `Some` when thresholds were evaluated and crossed).
#[allow(clippy::too_many_arguments)]
fn group_step(
    g: &mut Group,
    now: i64,
    success: bool,
    account: Option<u64>,
    ip: Option<u64>,
    min_accounts: u32,
    min_ips: u32,
    min_ratio: f64,
) -> Option<Option<serde_json::Value>> {
    g.attempts.add(now, 1);
    if success {
        return g.flagged.then_some(None);
    }
    g.failures.add(now, 1);
    if let Some(a) = account {
        g.accounts.insert(now, a);
    }
    if let Some(ip) = ip {
        g.ips.insert(now, ip);
    }
    let accounts = g.accounts.count(now) as u64;
    if !g.flagged && accounts < u64::from(min_accounts) {
        return None;
    }
    let attempts = g.attempts.sum(now);
    let failures = g.failures.sum(now);
    let ratio = failures as f64 / attempts.max(1) as f64;
    let ips = g.ips.count(now) as u64;
    let fire =
        accounts >= u64::from(min_accounts) && ips >= u64::from(min_ips) && ratio >= min_ratio;
    if !fire && !g.flagged {
        return None;
    }
    let evidence = (fire && (!g.flagged || accounts.is_multiple_of(10))).then(|| {
        json!({
            "failed_accounts": accounts,
            "attempts": attempts,
            "failures": failures,
            "failure_ratio": round3(ratio),
            "addresses": ips,
            "thresholds": {"accounts": min_accounts, "addresses": min_ips, "failure_ratio": min_ratio},
        })
    });
    g.flagged |= fire;
    Some(evidence)
}

fn signal(
    rule: &'static str,
    category: &'static str,
    key: &str,
    actor: &Actor,
    endpoint: &str,
    ev: &Event,
    evidence: Option<serde_json::Value>,
) -> Signal {
    Signal {
        rule,
        category,
        severity: Severity::High,
        key: key.to_string(),
        actor: actor.clone(),
        endpoint: Some(endpoint.to_string()),
        index: ev.index,
        time_us: ev.time_us,
        evidence,
    }
}

pub(crate) fn round3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}
