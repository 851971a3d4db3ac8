//! Incidents: detector hits grouped into what an analyst works on. Hits of the same rule family
//! (`lampyr_detect::category::family`), on the same endpoint, by the same actor, each within a
//! window of the previous one, form one incident; a longer pause starts a new one.
//!
//! Memory is bounded: at most `max_open` incidents are being extended at once (the least
//! recently active is closed first), at most `max_incidents` are kept in all (later hits are
//! counted, not kept), and each keeps the first and last few evidence exchanges.

use std::collections::{HashMap, VecDeque};

use serde::{Deserialize, Serialize};
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use lampyr_detect::category::family;
use lampyr_detect::{Actor, Severity};

/// One detector hit (or a run of identical hits) as the pipeline hands it to incidents.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HitRecord {
    /// Rule id (`attack.sqli.union`).
    pub rule: String,
    /// Category (`attack.sqli`).
    pub category: String,
    /// Severity.
    pub severity: Severity,
    /// Endpoint key (`GET /users/{id}`), when known.
    pub endpoint: Option<String>,
    /// Who.
    pub actor: Actor,
    /// Report indexes of the exchanges that triggered it.
    pub exchanges: Vec<u64>,
    /// First time, microseconds since the epoch.
    pub first_us: i64,
    /// Last time, microseconds since the epoch.
    pub last_us: i64,
    /// How many hits this record stands for (at least 1).
    pub count: u64,
}

/// Where an incident is in the analyst's workflow.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IncidentStatus {
    /// New, nobody looked yet.
    #[default]
    Open,
    /// Someone is on it.
    Investigating,
    /// Dealt with.
    Resolved,
    /// Not an attack after all (feeds tuning).
    FalsePositive,
}

/// One incident: what reports, alerts and the console show.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Incident {
    /// Stable id: a hash of family, endpoint, actor and first time, so re-running an analysis
    /// over the same input gives the same ids.
    pub id: String,
    /// Category of the most severe hit.
    pub category: String,
    /// Rule family (`attack.sqli`).
    pub family: String,
    /// Highest severity of its hits.
    pub severity: Severity,
    /// One line for lists and alerts.
    pub title: String,
    /// Endpoint key, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub endpoint: Option<String>,
    /// Who.
    pub actor: Actor,
    /// First hit (RFC 3339, UTC).
    pub first_seen: String,
    /// Last hit (RFC 3339, UTC).
    pub last_seen: String,
    /// Hits grouped here.
    pub count: u64,
    /// Distinct rules that fired, in first-seen order (capped).
    pub rules: Vec<String>,
    /// Evidence: report indexes of the first and the last exchanges.
    pub exchanges: Vec<u64>,
    /// Evidence exchanges not listed because of the caps.
    #[serde(default)]
    pub exchanges_omitted: u64,
    /// Workflow status.
    #[serde(default)]
    pub status: IncidentStatus,
    /// Who works on it.
    #[serde(default)]
    pub assignee: Option<String>,
    /// Analyst notes.
    #[serde(default)]
    pub notes: Vec<String>,
    /// First hit, microseconds since the epoch (not serialised: `first_seen` is).
    #[serde(skip)]
    pub first_us: i64,
    /// Last hit, microseconds since the epoch.
    #[serde(skip)]
    pub last_us: i64,
}

/// Settings of incident grouping (`detect.incidents` in the config).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct IncidentConfig {
    /// Seconds since an incident's last hit after which a new hit starts a new incident.
    pub window_secs: u64,
    /// Incidents being extended at once.
    pub max_open: usize,
    /// Incidents kept in all.
    pub max_incidents: usize,
    /// Evidence exchanges kept from the start of an incident.
    pub evidence_first: usize,
    /// Evidence exchanges kept from the end of an incident.
    pub evidence_last: usize,
    /// Distinct rule ids listed per incident.
    pub max_rules: usize,
}

impl Default for IncidentConfig {
    fn default() -> Self {
        Self {
            window_secs: 3600,
            max_open: 10_000,
            max_incidents: 100_000,
            evidence_first: 20,
            evidence_last: 5,
            max_rules: 32,
        }
    }
}

impl IncidentConfig {
    /// Checks the ranges; the error names the setting.
    pub fn validate(&self) -> Result<(), String> {
        if self.window_secs == 0 || self.window_secs > 30 * 86_400 {
            return Err("detect.incidents.window_secs: expected 1 to 2592000 (30 days)".into());
        }
        if self.max_open == 0 || self.max_open > 10_000_000 {
            return Err("detect.incidents.max_open: expected 1 to 10000000".into());
        }
        if self.max_incidents == 0 || self.max_incidents > 10_000_000 {
            return Err("detect.incidents.max_incidents: expected 1 to 10000000".into());
        }
        if self.evidence_first + self.evidence_last == 0
            || self.evidence_first > 10_000
            || self.evidence_last > 10_000
        {
            return Err(
                "detect.incidents.evidence_first/evidence_last: expected 0 to 10000, not both 0"
                    .into(),
            );
        }
        if self.max_rules == 0 || self.max_rules > 10_000 {
            return Err("detect.incidents.max_rules: expected 1 to 10000".into());
        }
        Ok(())
    }
}

/// What grouping is keyed on.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct Key {
    family: String,
    endpoint: Option<String>,
    actor: Actor,
}

#[derive(Debug, Clone)]
struct State {
    incident: Incident,
    /// The last evidence exchanges (beyond the first ones).
    tail: VecDeque<u64>,
    /// Evidence exchanges seen in all.
    evidence_total: u64,
    key: Key,
    open: bool,
}

/// What [`Incidents::observe`] did with a hit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Observed {
    /// A new incident was opened.
    Opened,
    /// An open incident grew and its severity rose.
    Escalated,
    /// An open incident grew.
    Extended,
    /// The hit was counted but not kept (`max_incidents` reached).
    Dropped,
}

/// The grouping state.
#[derive(Debug, Clone, Default)]
pub struct Incidents {
    cfg: IncidentConfig,
    states: Vec<State>,
    open: HashMap<Key, usize>,
    /// Hits not kept because `max_incidents` was reached.
    pub dropped_hits: u64,
    /// Incidents closed early because `max_open` was reached.
    pub evicted: u64,
}

/// FNV-1a 64: a published, stable hash, so ids do not change between versions or platforms.
fn fnv1a(parts: &[&[u8]]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for p in parts {
        for &b in *p {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
        // Separator, so `ab`+`c` and `a`+`bc` differ.
        h ^= 0xff;
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

/// The deterministic incident id.
pub fn incident_id(family: &str, endpoint: Option<&str>, actor: &Actor, first_us: i64) -> String {
    let opt = |o: &Option<String>| o.clone().unwrap_or_default();
    let first = first_us.to_string();
    let h = fnv1a(&[
        family.as_bytes(),
        endpoint.unwrap_or("").as_bytes(),
        opt(&actor.ip).as_bytes(),
        opt(&actor.consumer).as_bytes(),
        opt(&actor.user).as_bytes(),
        opt(&actor.token_id).as_bytes(),
        first.as_bytes(),
    ]);
    format!("inc-{h:016x}")
}

/// RFC 3339 UTC text of a microsecond timestamp (the epoch for out-of-range values).
pub fn rfc3339_us(us: i64) -> String {
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(us) * 1000)
        .unwrap_or(OffsetDateTime::UNIX_EPOCH)
        .format(&Rfc3339)
        .unwrap_or_else(|_| "1970-01-01T00:00:00Z".into())
}

/// What a family is called in titles.
fn family_title(family: &str) -> String {
    let known = match family {
        "attack.sqli" => "SQL injection",
        "attack.xss" => "Cross-site scripting",
        "attack.path_traversal" => "Path traversal",
        "attack.command_injection" => "Command injection",
        "attack.ssrf" => "Server-side request forgery",
        "attack.xxe" => "XML external entity",
        "attack.ssti" => "Template injection",
        "attack.jndi" => "JNDI injection (Log4Shell)",
        "attack.nosqli" => "NoSQL injection",
        "attack.ldapi" => "LDAP injection",
        "attack.xpathi" => "XPath injection",
        "attack.crlf" => "CRLF injection",
        "attack.prototype_pollution" => "Prototype pollution",
        "attack.deserialization" => "Insecure deserialisation",
        "attack.mass_assignment" => "Mass assignment",
        "attack.scanner" => "Attack tool",
        "abuse.credential_stuffing" => "Credential stuffing",
        "abuse.brute_force" => "Brute force",
        "abuse.bola" => "Object-level authorisation abuse (BOLA)",
        "abuse.scraping" => "Scraping",
        "abuse.scanner" => "Scanning",
        "abuse.token_sharing" => "Token sharing",
        "abuse.rate_anomaly" => "Rate anomaly",
        "leak.bulk_sensitive" => "Bulk sensitive data leak",
        "posture.unauthenticated_sensitive" => "Sensitive data without authentication",
        "posture.sensitive_in_url" => "Sensitive data in URL",
        "posture.secret_in_response" => "Secret in response",
        "posture.plaintext_credentials" => "Credentials over plain HTTP",
        "posture.weak_jwt" => "Weak JWT",
        "posture.verbose_error" => "Verbose error",
        "posture.cors" => "Permissive CORS",
        "posture.no_login_rate_limit" => "Login without rate limiting",
        "posture.vulnerable_component" => "Vulnerable component",
        other => return other.to_string(),
    };
    known.to_string()
}

fn actor_text(a: &Actor) -> Option<String> {
    a.user
        .as_ref()
        .map(|u| format!("user {u}"))
        .or_else(|| a.consumer.as_ref().map(|c| format!("consumer {c}")))
        .or_else(|| a.ip.clone())
        .or_else(|| a.token_id.as_ref().map(|t| format!("token {t}")))
}

fn title(family: &str, endpoint: Option<&str>, actor: &Actor) -> String {
    let mut t = family_title(family);
    if let Some(e) = endpoint {
        t.push_str(" on ");
        t.push_str(e);
    }
    if let Some(a) = actor_text(actor) {
        t.push_str(if family.starts_with("posture.") {
            ", seen with "
        } else {
            " from "
        });
        t.push_str(&a);
    }
    t.chars().take(300).collect()
}

impl Incidents {
    /// An empty grouping with these settings (call [`IncidentConfig::validate`] first).
    pub fn new(cfg: IncidentConfig) -> Self {
        Self {
            cfg,
            ..Self::default()
        }
    }

    /// Adds one hit.
    pub fn observe(&mut self, hit: HitRecord) -> Observed {
        let key = Key {
            family: family(&hit.category).to_string(),
            endpoint: hit.endpoint.clone(),
            actor: hit.actor.clone(),
        };
        let window_us = i64::try_from(self.cfg.window_secs)
            .unwrap_or(i64::MAX / 2_000_000)
            .saturating_mul(1_000_000);
        if let Some(&i) = self.open.get(&key) {
            let inc = &self.states[i].incident;
            let near = hit.first_us <= inc.last_us.saturating_add(window_us)
                && hit.last_us >= inc.first_us.saturating_sub(window_us);
            if near {
                return self.extend(i, hit);
            }
            self.close(i);
        }
        if self.states.len() >= self.cfg.max_incidents {
            self.dropped_hits += hit.count.max(1);
            return Observed::Dropped;
        }
        if self.open.len() >= self.cfg.max_open {
            self.make_room(hit.first_us, window_us);
        }
        let id = incident_id(
            &key.family,
            key.endpoint.as_deref(),
            &key.actor,
            hit.first_us,
        );
        let incident = Incident {
            id,
            category: hit.category.clone(),
            family: key.family.clone(),
            severity: hit.severity,
            title: title(&key.family, key.endpoint.as_deref(), &key.actor),
            endpoint: key.endpoint.clone(),
            actor: key.actor.clone(),
            first_seen: rfc3339_us(hit.first_us),
            last_seen: rfc3339_us(hit.last_us.max(hit.first_us)),
            count: 0,
            rules: Vec::new(),
            exchanges: Vec::new(),
            exchanges_omitted: 0,
            status: IncidentStatus::Open,
            assignee: None,
            notes: Vec::new(),
            first_us: hit.first_us,
            last_us: hit.last_us.max(hit.first_us),
        };
        self.states.push(State {
            incident,
            tail: VecDeque::new(),
            evidence_total: 0,
            key: key.clone(),
            open: true,
        });
        let i = self.states.len() - 1;
        self.open.insert(key, i);
        self.extend(i, hit);
        Observed::Opened
    }

    fn extend(&mut self, i: usize, hit: HitRecord) -> Observed {
        let (first_n, last_n, max_rules) = (
            self.cfg.evidence_first,
            self.cfg.evidence_last,
            self.cfg.max_rules,
        );
        let st = &mut self.states[i];
        let inc = &mut st.incident;
        let escalated = hit.severity > inc.severity;
        if escalated {
            inc.severity = hit.severity;
            inc.category = hit.category.clone();
        }
        inc.count = inc.count.saturating_add(hit.count.max(1));
        if hit.first_us < inc.first_us {
            inc.first_us = hit.first_us;
            inc.first_seen = rfc3339_us(hit.first_us);
        }
        if hit.last_us > inc.last_us {
            inc.last_us = hit.last_us;
            inc.last_seen = rfc3339_us(hit.last_us);
        }
        if !inc.rules.contains(&hit.rule) && inc.rules.len() < max_rules {
            inc.rules.push(hit.rule);
        }
        for x in hit.exchanges {
            // The same exchange reported by two rules is one piece of evidence.
            if inc.exchanges.contains(&x) || st.tail.contains(&x) {
                continue;
            }
            st.evidence_total += 1;
            if inc.exchanges.len() < first_n {
                inc.exchanges.push(x);
            } else if last_n > 0 {
                if st.tail.len() >= last_n {
                    st.tail.pop_front();
                }
                st.tail.push_back(x);
            }
        }
        if escalated {
            Observed::Escalated
        } else {
            Observed::Extended
        }
    }

    fn close(&mut self, i: usize) {
        let st = &mut self.states[i];
        if st.open {
            st.open = false;
            self.open.remove(&st.key);
        }
    }

    /// Closes every incident idle past the window at `now_us`, then the least recently active
    /// ones until there is room for one more.
    fn make_room(&mut self, now_us: i64, window_us: i64) {
        self.expire_with(now_us, window_us);
        while self.open.len() >= self.cfg.max_open {
            let Some((_, &i)) = self
                .open
                .iter()
                .min_by_key(|(_, &i)| (self.states[i].incident.last_us, i))
            else {
                break;
            };
            self.close(i);
            self.evicted += 1;
        }
    }

    fn expire_with(&mut self, now_us: i64, window_us: i64) -> usize {
        let idle: Vec<usize> = self
            .open
            .values()
            .copied()
            .filter(|&i| self.states[i].incident.last_us.saturating_add(window_us) < now_us)
            .collect();
        for &i in &idle {
            self.close(i);
        }
        idle.len()
    }

    /// Closes the incidents idle past the window at `now_us` (streaming use); returns how many.
    pub fn expire(&mut self, now_us: i64) -> usize {
        let window_us = i64::try_from(self.cfg.window_secs)
            .unwrap_or(i64::MAX / 2_000_000)
            .saturating_mul(1_000_000);
        self.expire_with(now_us, window_us)
    }

    /// Incidents being extended.
    pub fn open_count(&self) -> usize {
        self.open.len()
    }

    /// Incidents kept.
    pub fn len(&self) -> usize {
        self.states.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.states.is_empty()
    }

    /// The current view of incident number `i` (in opening order), evidence composed.
    pub fn snapshot(&self, i: usize) -> Option<Incident> {
        self.states.get(i).map(compose)
    }

    /// The most recently opened or extended incident for this hit's key, for alerting right
    /// after [`Incidents::observe`].
    pub fn current(
        &self,
        category: &str,
        endpoint: Option<&str>,
        actor: &Actor,
    ) -> Option<Incident> {
        let key = Key {
            family: family(category).to_string(),
            endpoint: endpoint.map(str::to_string),
            actor: actor.clone(),
        };
        self.open.get(&key).map(|&i| compose(&self.states[i]))
    }

    /// Every incident, most severe first, then by first time and id.
    pub fn incidents(&self) -> Vec<Incident> {
        let mut out: Vec<Incident> = self.states.iter().map(compose).collect();
        out.sort_by(|a, b| {
            b.severity
                .cmp(&a.severity)
                .then(a.first_us.cmp(&b.first_us))
                .then_with(|| a.id.cmp(&b.id))
        });
        out
    }
}

fn compose(st: &State) -> Incident {
    let mut inc = st.incident.clone();
    inc.exchanges.extend(st.tail.iter().copied());
    inc.exchanges_omitted = st.evidence_total.saturating_sub(inc.exchanges.len() as u64);
    inc
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hit(cat: &str, sev: Severity, ip: &str, t_s: i64, ex: u64) -> HitRecord {
        HitRecord {
            rule: format!("{cat}.r"),
            category: cat.into(),
            severity: sev,
            endpoint: Some("GET /users/{id}".into()),
            actor: Actor {
                ip: Some(ip.into()),
                ..Actor::default()
            },
            exchanges: vec![ex],
            first_us: t_s * 1_000_000,
            last_us: t_s * 1_000_000,
            count: 1,
        }
    }

    #[test]
    fn one_actor_one_family_within_the_window_is_one_incident() {
        let mut g = Incidents::new(IncidentConfig::default());
        assert_eq!(
            g.observe(hit("attack.sqli", Severity::Medium, "1.2.3.4", 1000, 0)),
            Observed::Opened
        );
        assert_eq!(
            g.observe(hit(
                "attack.sqli.union",
                Severity::Critical,
                "1.2.3.4",
                1500,
                1
            )),
            Observed::Escalated
        );
        assert_eq!(
            g.observe(hit("attack.sqli", Severity::Low, "1.2.3.4", 4000, 2)),
            Observed::Extended
        );
        // Other actor, other family: their own incidents.
        g.observe(hit("attack.sqli", Severity::Low, "5.6.7.8", 1000, 3));
        g.observe(hit("attack.xss", Severity::Low, "1.2.3.4", 1000, 4));
        // More than an hour after the last hit: a new incident.
        assert_eq!(
            g.observe(hit("attack.sqli", Severity::Low, "1.2.3.4", 4000 + 3601, 5)),
            Observed::Opened
        );
        let all = g.incidents();
        assert_eq!(all.len(), 4);
        let first = &all[0];
        assert_eq!(first.severity, Severity::Critical);
        assert_eq!(first.category, "attack.sqli.union");
        assert_eq!(first.family, "attack.sqli");
        assert_eq!(first.count, 3);
        assert_eq!(first.exchanges, [0, 1, 2]);
        assert_eq!(first.rules, ["attack.sqli.r", "attack.sqli.union.r"]);
        assert_eq!(first.first_seen, "1970-01-01T00:16:40Z");
        assert_eq!(first.last_seen, "1970-01-01T01:06:40Z");
        assert_eq!(first.title, "SQL injection on GET /users/{id} from 1.2.3.4");
    }

    #[test]
    fn ids_are_deterministic_and_distinct() {
        let a = Actor {
            ip: Some("1.2.3.4".into()),
            ..Actor::default()
        };
        let id = incident_id("attack.sqli", Some("GET /x"), &a, 5);
        assert_eq!(id, incident_id("attack.sqli", Some("GET /x"), &a, 5));
        assert_ne!(id, incident_id("attack.sqli", Some("GET /x"), &a, 6));
        assert_ne!(id, incident_id("attack.xss", Some("GET /x"), &a, 5));
        assert!(id.starts_with("inc-") && id.len() == 20);
    }

    #[test]
    fn evidence_keeps_first_and_last() {
        let cfg = IncidentConfig {
            evidence_first: 3,
            evidence_last: 2,
            ..IncidentConfig::default()
        };
        let mut g = Incidents::new(cfg);
        for i in 0..10 {
            g.observe(hit(
                "abuse.bola",
                Severity::High,
                "9.9.9.9",
                100 + i as i64,
                i,
            ));
        }
        let inc = &g.incidents()[0];
        assert_eq!(inc.exchanges, [0, 1, 2, 8, 9]);
        assert_eq!(inc.exchanges_omitted, 5);
        assert_eq!(inc.count, 10);
    }

    #[test]
    fn caps_are_counted() {
        let cfg = IncidentConfig {
            max_open: 2,
            max_incidents: 3,
            ..IncidentConfig::default()
        };
        let mut g = Incidents::new(cfg);
        for (i, ip) in ["a", "b", "c", "d", "e"].iter().enumerate() {
            g.observe(hit(
                "attack.xss",
                Severity::Low,
                ip,
                10 + i as i64,
                i as u64,
            ));
        }
        assert_eq!(g.len(), 3);
        assert!(g.open_count() <= 2);
        assert_eq!(g.evicted, 1);
        assert_eq!(g.dropped_hits, 2);
    }

    #[test]
    fn serialises_for_the_report() {
        let mut g = Incidents::new(IncidentConfig::default());
        g.observe(hit("attack.sqli", Severity::High, "1.2.3.4", 1000, 7));
        let v = serde_json::to_value(&g.incidents()[0]).unwrap();
        assert_eq!(v["status"], "open");
        assert_eq!(v["assignee"], serde_json::Value::Null);
        assert_eq!(v["notes"], serde_json::json!([]));
        assert_eq!(v["severity"], "high");
        assert_eq!(v["actor"]["ip"], "1.2.3.4");
        assert!(v.get("first_us").is_none());
        let back: Incident = serde_json::from_value(v).unwrap();
        assert_eq!(back.id, g.incidents()[0].id);
        assert_eq!(
            serde_json::to_value(IncidentStatus::FalsePositive).unwrap(),
            "false_positive"
        );
    }
}
