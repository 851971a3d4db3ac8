//! The detection stage of the analysis: attack inspection per request, behaviour over time,
//! posture per exchange and endpoint, then findings grouped into incidents.
//!
//! Offline, endpoints are only known once discovery has seen everything, so `observe` keeps a
//! compact record of what each detector needs (bounded, drops counted) and `finish` resolves
//! endpoints, runs the time-ordered detectors and builds the findings.

use std::collections::{BTreeMap, HashMap};

use lampyr_classify::grading::Grading;
use lampyr_classify::ExchangeScan;
use lampyr_core::Exchange;
use lampyr_detect::behavior::{self, BehaviorConfig, BehaviorHit};
use lampyr_detect::posture::{
    self, EndpointFacts, Fingerprints, Posture, PostureConfig, PostureHit,
};
use lampyr_detect::{category, Actor, DetectError, InspectConfig, Inspector, Severity};
use lampyr_discovery::Inventory;

use crate::endpoint_match::EndpointMatcher;
use crate::findings::{sort_findings, stable_id, Finding, FindingsSummary, MAX_FINDING_EXCHANGES};
use crate::incident::{HitRecord, Incident, IncidentConfig, Incidents};

/// Attack requests remembered for the report at most.
const MAX_ATTACK_EVENTS: usize = 200_000;
/// Exchanges kept for the behaviour detectors at most (a few hundred bytes each).
const MAX_BEHAVIOR_EVENTS: usize = 2_000_000;
/// Posture hits remembered at most.
const MAX_POSTURE_EVENTS: usize = 200_000;
/// Sample fragments kept per finding.
const MAX_SAMPLES: usize = 5;

/// Settings of the detection stage.
#[derive(Debug, Clone, Default)]
pub struct DetectionConfig {
    /// Attack inspection.
    pub inspect: InspectConfig,
    /// Behaviour thresholds, windows and memory caps.
    pub behavior: BehaviorConfig,
    /// Posture checks.
    pub posture: PostureConfig,
    /// Vulnerable-component fingerprints (the shipped set unless the config names a file).
    pub fingerprints: Option<Fingerprints>,
    /// How findings are grouped into incidents.
    pub incidents: IncidentConfig,
}

/// One request judged an attack.
#[derive(Debug)]
struct AttackEvent {
    index: u64,
    time_us: Option<i64>,
    actor: Actor,
    method: String,
    host: String,
    path: String,
    score: u32,
    hits: Vec<lampyr_detect::AttackHit>,
}

/// The detection stage.
#[derive(Debug)]
pub struct Detection {
    inspector: Inspector,
    attacks: Vec<AttackEvent>,
    behavior_cfg: BehaviorConfig,
    /// Behaviour events with the host they were sent to and the posture facts of the request
    /// (the endpoint is resolved at the end).
    events: Vec<(behavior::Event, String, ExchangeFacts)>,
    posture: Posture,
    posture_hits: Vec<PostureEvent>,
    incidents: IncidentConfig,
    summary: FindingsSummary,
}

/// What the endpoint-level posture checks need of one exchange.
#[derive(Debug, Clone, Copy, Default)]
struct ExchangeFacts {
    credentials: bool,
    login: bool,
    rate_limited: bool,
}

/// One exchange's posture hit.
#[derive(Debug)]
struct PostureEvent {
    index: u64,
    time_us: Option<i64>,
    method: String,
    host: String,
    path: String,
    hit: PostureHit,
}

/// The inspector and posture checks both pipelines build from the same settings, after
/// checking the incident settings.
pub(crate) fn build_checks(
    cfg: &DetectionConfig,
    grading: &Grading,
) -> Result<(Inspector, Posture), DetectError> {
    cfg.incidents
        .validate()
        .map_err(|message| DetectError::Setting {
            setting: "detect.incidents".into(),
            message,
        })?;
    let fingerprints = cfg
        .fingerprints
        .clone()
        .unwrap_or_else(|| Fingerprints::shipped().clone());
    Ok((
        Inspector::new(cfg.inspect.clone())?,
        Posture::new(cfg.posture.clone(), grading.clone(), fingerprints)?,
    ))
}

impl Detection {
    /// Builds the detectors (compiles rules); `grading` gives the levels posture checks read.
    pub fn new(cfg: DetectionConfig, grading: &Grading) -> Result<Self, DetectError> {
        let (inspector, posture) = build_checks(&cfg, grading)?;
        let summary = FindingsSummary {
            paranoia: cfg.inspect.paranoia,
            threshold: cfg.inspect.threshold,
            ..FindingsSummary::default()
        };
        Ok(Self {
            inspector,
            attacks: Vec::new(),
            behavior_cfg: cfg.behavior,
            events: Vec::new(),
            posture,
            posture_hits: Vec::new(),
            incidents: cfg.incidents,
            summary,
        })
    }

    /// Inspects one exchange; `index` is its run-wide index.
    pub fn observe(&mut self, ex: &Exchange, scan: &ExchangeScan, index: u64) {
        if self.events.len() < MAX_BEHAVIOR_EVENTS {
            let ev = behavior::Event::from_exchange(ex, index, None, scan.response_records)
                .with_leak_types(&scan.response_values);
            let facts = ExchangeFacts {
                credentials: posture::request_has_credentials(&ex.request, ex.identity.as_ref()),
                login: posture::is_login_request(&ex.request, Some(scan)),
                rate_limited: ex.response.as_ref().is_some_and(posture::saw_rate_limit),
            };
            self.events.push((ev, ex.request.host.clone(), facts));
        } else {
            self.summary.dropped += 1;
        }
        for hit in self.posture.check_exchange(ex, Some(scan)) {
            if self.posture_hits.len() < MAX_POSTURE_EVENTS {
                self.posture_hits.push(PostureEvent {
                    index,
                    time_us: ex.timing.started_us,
                    method: ex.request.method.clone(),
                    host: ex.request.host.clone(),
                    path: ex.request.path.clone(),
                    hit,
                });
            } else {
                self.summary.dropped += 1;
            }
        }
        let verdict = self.inspector.inspect(&ex.request);
        if verdict.is_attack() {
            self.summary.attack_requests += 1;
            if self.attacks.len() < MAX_ATTACK_EVENTS {
                self.attacks.push(AttackEvent {
                    index,
                    time_us: ex.timing.started_us,
                    actor: actor_of(ex),
                    method: ex.request.method.clone(),
                    host: ex.request.host.clone(),
                    path: ex.request.path.clone(),
                    score: verdict.score,
                    hits: verdict.hits,
                });
            } else {
                self.summary.dropped += 1;
            }
        } else if !verdict.hits.is_empty() {
            self.summary.suspicious_requests += 1;
        }
    }

    /// Resolves endpoints, runs the time-ordered detectors and returns the findings and the
    /// incidents they were grouped into.
    pub fn finish(
        self,
        inventory: &Inventory,
        grading: &Grading,
    ) -> (Vec<Finding>, Vec<Incident>, FindingsSummary) {
        let matcher = EndpointMatcher::new(inventory);
        let endpoint_id = |method: &str, host: &str, path: &str| -> Option<String> {
            matcher.resolve(method, host, path).map(|i| {
                let e = &inventory.endpoints[i];
                format!("{} {}{}", e.method, e.host, e.template)
            })
        };
        let mut findings = attack_findings(&self.attacks, &endpoint_id);
        findings.extend(posture_findings(&self.posture_hits, &endpoint_id));
        let mut events = self.events;
        // Behaviour keys endpoints as `METHOD host /template`; findings name them by report id.
        let mut keys: HashMap<String, String> = HashMap::new();
        let mut facts: Vec<Option<EndpointFacts>> = vec![None; inventory.endpoints.len()];
        for (ev, host, f) in &mut events {
            if let Some(i) = matcher.resolve(&ev.method, host, &ev.path) {
                let e = &inventory.endpoints[i];
                let ef = facts[i].get_or_insert_with(|| endpoint_facts(e, grading));
                ef.authenticated |= f.credentials;
                ef.is_login |= f.login;
                ef.saw_rate_limit |= f.rate_limited;
                ef.login_attempts += u64::from(f.login);
                let e = &inventory.endpoints[i];
                let key = format!("{} {} {}", e.method, e.host, e.template);
                keys.entry(key.clone())
                    .or_insert_with(|| format!("{} {}{}", e.method, e.host, e.template));
                ev.endpoint = Some(key);
            }
        }
        // Stable: exchanges of one instant keep their input order.
        events.sort_by_key(|(ev, _, _)| ev.time_us);
        let mut engine = behavior::Engine::new(self.behavior_cfg);
        for (ev, _, _) in &events {
            engine.observe(ev);
        }
        drop(events);
        findings.extend(
            engine
                .finish()
                .into_iter()
                .map(|h| behavior_finding(h, &keys)),
        );
        for (i, f) in facts.iter().enumerate() {
            let Some(f) = f else { continue };
            let e = &inventory.endpoints[i];
            let id = format!("{} {}{}", e.method, e.host, e.template);
            for hit in self.posture.check_endpoint(f) {
                findings.push(endpoint_posture_finding(hit, &id, e));
            }
        }
        sort_findings(&mut findings);
        let incidents = group_incidents(&mut findings, self.incidents);
        let mut summary = self.summary;
        summary.count(&findings);
        summary.incidents = incidents.len();
        (findings, incidents, summary)
    }
}

/// The endpoint's facts known from discovery: method, template and the sensitive types its
/// responses carry (with their levels). The per-exchange facts are added by the caller.
fn endpoint_facts(e: &lampyr_discovery::Endpoint, grading: &Grading) -> EndpointFacts {
    let mut sensitive: Vec<(String, u8)> = crate::sensitive::endpoint_sensitive(e, grading)
        .into_iter()
        .filter(|s| s.place.starts_with("response."))
        .map(|s| (s.ty.to_string(), s.level))
        .collect();
    sensitive.sort();
    sensitive.dedup();
    EndpointFacts {
        method: e.method.clone(),
        path: format!("{}{}", e.host, e.template),
        authenticated: false,
        sensitive,
        is_login: false,
        saw_rate_limit: false,
        login_attempts: 0,
    }
}

/// An endpoint-level posture hit as a finding (no exchange is the trigger: the endpoint is).
fn endpoint_posture_finding(hit: PostureHit, id: &str, e: &lampyr_discovery::Endpoint) -> Finding {
    let t = &e.data.traffic;
    Finding {
        id: stable_id("f", &[&hit.rule, id]),
        title: format!("{} on {id}", posture_title(hit.category)),
        rule: hit.rule,
        category: hit.category.to_string(),
        severity: hit.severity,
        endpoint: Some(id.to_string()),
        actor: Actor::default(),
        exchanges: Vec::new(),
        count: t.hits,
        first_seen: t.first_seen_us.and_then(crate::report::rfc3339),
        last_seen: t.last_seen_us.and_then(crate::report::rfc3339),
        first_us: t.first_seen_us,
        last_us: t.last_seen_us,
        evidence: serde_json::json!({
            "in": hit.location.as_str(),
            "field": hit.field,
            "detail": hit.evidence,
        }),
        incident: None,
    }
}

/// Per-exchange posture hits grouped by (rule, endpoint) into findings.
fn posture_findings(
    events: &[PostureEvent],
    endpoint_id: &dyn Fn(&str, &str, &str) -> Option<String>,
) -> Vec<Finding> {
    #[derive(Default)]
    struct Group {
        endpoint: Option<String>,
        category: &'static str,
        severity: Option<Severity>,
        exchanges: Vec<u64>,
        count: u64,
        first: Option<i64>,
        last: Option<i64>,
        samples: Vec<serde_json::Value>,
    }
    let mut groups: BTreeMap<(String, String), Group> = BTreeMap::new();
    for ev in events {
        let endpoint = endpoint_id(&ev.method, &ev.host, &ev.path);
        let key = (
            ev.hit.rule.clone(),
            endpoint
                .clone()
                .unwrap_or_else(|| format!("{} {}", ev.method, ev.host)),
        );
        let g = groups.entry(key).or_default();
        g.endpoint.clone_from(&endpoint);
        g.category = ev.hit.category;
        g.severity = g.severity.max(Some(ev.hit.severity));
        g.count += 1;
        if g.exchanges.len() < MAX_FINDING_EXCHANGES {
            g.exchanges.push(ev.index);
        }
        g.first = min_opt(g.first, ev.time_us);
        g.last = max_opt(g.last, ev.time_us);
        if g.samples.len() < MAX_SAMPLES
            && !g
                .samples
                .iter()
                .any(|s| s["field"] == ev.hit.field.as_str())
        {
            g.samples.push(serde_json::json!({
                "exchange": ev.index,
                "in": ev.hit.location.as_str(),
                "field": ev.hit.field,
                "detail": ev.hit.evidence,
            }));
        }
    }
    groups
        .into_iter()
        .map(|((rule, endpoint_key), mut g)| {
            g.exchanges.sort_unstable();
            Finding {
                id: stable_id("f", &[&rule, &endpoint_key]),
                title: format!(
                    "{}{} on {endpoint_key}: {} exchange(s)",
                    posture_title(g.category),
                    rule_detail(&rule, g.category),
                    g.count
                ),
                rule,
                category: g.category.to_string(),
                severity: g.severity.unwrap_or(Severity::Low),
                endpoint: g.endpoint,
                actor: Actor::default(),
                exchanges: g.exchanges,
                count: g.count,
                first_seen: g.first.and_then(crate::report::rfc3339),
                last_seen: g.last.and_then(crate::report::rfc3339),
                first_us: g.first,
                last_us: g.last,
                evidence: serde_json::json!({ "samples": g.samples }),
                incident: None,
            }
        })
        .collect()
}

/// ` (detail)` from a rule id's part after its category (`cve-2021-41773`, `database.mysql`).
fn rule_detail(rule: &str, category: &str) -> String {
    match rule
        .strip_prefix(category)
        .and_then(|r| r.strip_prefix('.'))
    {
        Some(d) if !d.is_empty() => format!(" ({d})"),
        _ => String::new(),
    }
}

fn posture_title(category: &str) -> &'static str {
    match category {
        category::POSTURE_UNAUTHENTICATED_SENSITIVE => {
            "Sensitive data served without authentication"
        }
        category::POSTURE_SENSITIVE_IN_URL => "Sensitive data in the URL",
        category::POSTURE_SECRET_IN_RESPONSE => "Secret or credential in responses",
        category::POSTURE_PLAINTEXT_CREDENTIALS => "Credentials sent over plain HTTP",
        category::POSTURE_WEAK_JWT => "Weak JWT",
        category::POSTURE_VERBOSE_ERROR => "Verbose error",
        category::POSTURE_CORS => "Permissive CORS with credentials",
        category::POSTURE_NO_LOGIN_RATE_LIMIT => "Login without rate limiting",
        category::POSTURE_VULNERABLE_COMPONENT => "Vulnerable component",
        _ => "API posture",
    }
}

/// Groups findings into incidents (same family, endpoint and actor within the window), in
/// time order, and marks each finding with its incident id.
fn group_incidents(findings: &mut [Finding], cfg: IncidentConfig) -> Vec<Incident> {
    let mut order: Vec<usize> = (0..findings.len()).collect();
    order.sort_by_key(|&i| {
        (
            first_us(&findings[i]),
            findings[i].exchanges.first().copied(),
        )
    });
    let mut incidents = Incidents::new(cfg);
    for i in order {
        let f = &findings[i];
        let (first, last) = (first_us(f), last_us(f));
        incidents.observe(HitRecord {
            rule: f.rule.clone(),
            category: f.category.clone(),
            severity: f.severity,
            endpoint: f.endpoint.clone(),
            actor: f.actor.clone(),
            exchanges: f.exchanges.clone(),
            first_us: first,
            last_us: last,
            count: f.count,
        });
        if let Some(inc) = incidents.current(&f.category, f.endpoint.as_deref(), &f.actor) {
            findings[i].incident = Some(inc.id);
        }
    }
    incidents.incidents()
}

fn first_us(f: &Finding) -> i64 {
    f.first_us.unwrap_or(0)
}

fn last_us(f: &Finding) -> i64 {
    f.last_us.unwrap_or(0)
}

/// A behaviour case as a finding.
fn behavior_finding(h: BehaviorHit, keys: &HashMap<String, String>) -> Finding {
    let endpoint = h
        .endpoint
        .as_ref()
        .map(|k| keys.get(k).cloned().unwrap_or_else(|| k.clone()));
    let who = h
        .actor
        .user
        .as_deref()
        .map(|u| format!("user {u}"))
        .or_else(|| h.actor.ip.clone())
        .or_else(|| h.actor.token_id.as_deref().map(|t| format!("token {t}")))
        .unwrap_or_else(|| "unknown actor".into());
    let on = endpoint
        .as_deref()
        .map(|e| format!(" on {e}"))
        .unwrap_or_default();
    let mut exchanges = h.exchanges;
    exchanges.truncate(MAX_FINDING_EXCHANGES);
    Finding {
        id: h.id,
        title: format!(
            "{} by {who}{on}: {} exchange(s) cited",
            behavior_title(h.category),
            exchanges.len()
        ),
        rule: h.rule.to_string(),
        category: h.category.to_string(),
        severity: h.severity,
        endpoint,
        actor: h.actor,
        count: exchanges.len() as u64,
        exchanges,
        first_seen: crate::report::rfc3339(h.first_us),
        last_seen: crate::report::rfc3339(h.last_us),
        first_us: Some(h.first_us),
        last_us: Some(h.last_us),
        evidence: h.evidence,
        incident: None,
    }
}

fn behavior_title(category: &str) -> &'static str {
    match category::family(category) {
        category::CREDENTIAL_STUFFING => "Credential stuffing",
        category::BRUTE_FORCE => "Brute force",
        category::BOLA => "Object-id enumeration (BOLA)",
        category::SCRAPING => "Scraping",
        category::ABUSE_SCANNER => "Scanning",
        category::TOKEN_SHARING => "Token sharing",
        category::RATE_ANOMALY => "Request rate anomaly",
        category::BULK_SENSITIVE => "Bulk sensitive-data harvesting",
        _ => "Abuse",
    }
}

/// The actor of an exchange: client address and whatever identity the source established.
pub fn actor_of(ex: &Exchange) -> Actor {
    let id = ex.identity.as_ref();
    Actor {
        ip: ex.client.map(|a| a.ip().to_string()),
        consumer: id.and_then(|i| i.consumer.clone()),
        user: id.and_then(|i| i.user.clone()),
        token_id: id.and_then(|i| i.token_id.clone()),
    }
}

/// Groups attack requests by (category family, endpoint, actor) into findings.
fn attack_findings(
    events: &[AttackEvent],
    endpoint_id: &dyn Fn(&str, &str, &str) -> Option<String>,
) -> Vec<Finding> {
    #[derive(Default)]
    struct Group<'a> {
        endpoint: Option<String>,
        actor: Option<&'a Actor>,
        exchanges: Vec<u64>,
        count: u64,
        first: Option<i64>,
        last: Option<i64>,
        severity: Option<Severity>,
        rules: BTreeMap<&'a str, u64>,
        samples: Vec<serde_json::Value>,
        max_score: u32,
    }
    let mut groups: BTreeMap<(String, String, &Actor), Group> = BTreeMap::new();
    for ev in events {
        let endpoint = endpoint_id(&ev.method, &ev.host, &ev.path);
        let mut families: Vec<&str> = ev
            .hits
            .iter()
            .map(|h| category::family(h.category))
            .collect();
        families.sort_unstable();
        families.dedup();
        for fam in families {
            let key = (
                fam.to_string(),
                endpoint
                    .clone()
                    .unwrap_or_else(|| format!("{} {}", ev.method, ev.host)),
                &ev.actor,
            );
            let g = groups.entry(key).or_default();
            g.endpoint.clone_from(&endpoint);
            g.actor = Some(&ev.actor);
            g.count += 1;
            if g.exchanges.len() < MAX_FINDING_EXCHANGES {
                g.exchanges.push(ev.index);
            }
            g.first = min_opt(g.first, ev.time_us);
            g.last = max_opt(g.last, ev.time_us);
            g.max_score = g.max_score.max(ev.score);
            for h in ev
                .hits
                .iter()
                .filter(|h| category::family(h.category) == fam)
            {
                *g.rules.entry(h.rule.as_str()).or_default() += 1;
                g.severity = g.severity.max(Some(h.severity));
                if g.samples.len() < MAX_SAMPLES {
                    g.samples.push(serde_json::json!({
                        "exchange": ev.index,
                        "rule": h.rule,
                        "in": h.placement.location.as_str(),
                        "field": h.placement.field,
                        "fragment": h.fragment,
                    }));
                }
            }
        }
    }
    groups
        .into_iter()
        .map(|((fam, endpoint_key, actor), mut g)| {
            g.exchanges.sort_unstable();
            let rule = g
                .rules
                .iter()
                .max_by_key(|(r, n)| (**n, std::cmp::Reverse(**r)))
                .map(|(r, _)| r.to_string())
                .unwrap_or_default();
            let first = g.exchanges.first().copied().unwrap_or(0).to_string();
            let who = actor.ip.as_deref().unwrap_or("unknown client");
            Finding {
                id: stable_id("f", &[&fam, &endpoint_key, &format!("{actor:?}"), &first]),
                title: format!(
                    "{} from {who} on {endpoint_key}: {} request(s)",
                    family_title(&fam),
                    g.count
                ),
                rule,
                category: fam,
                severity: g.severity.unwrap_or(Severity::Medium),
                endpoint: g.endpoint,
                actor: actor.clone(),
                exchanges: g.exchanges,
                count: g.count,
                first_seen: g.first.and_then(crate::report::rfc3339),
                last_seen: g.last.and_then(crate::report::rfc3339),
                first_us: g.first,
                last_us: g.last,
                evidence: serde_json::json!({
                    "rules": g.rules,
                    "max_score": g.max_score,
                    "samples": g.samples,
                }),
                incident: None,
            }
        })
        .collect()
}

fn family_title(fam: &str) -> &'static str {
    match fam {
        category::SQLI => "SQL injection",
        category::XSS => "Cross-site scripting",
        category::PATH_TRAVERSAL => "Path traversal / file inclusion",
        category::COMMAND_INJECTION => "Command injection",
        category::SSRF => "Server-side request forgery",
        category::XXE => "XML external entity",
        category::SSTI => "Template injection",
        category::JNDI => "JNDI lookup (Log4Shell)",
        category::NOSQLI => "NoSQL injection",
        category::LDAPI => "LDAP injection",
        category::XPATHI => "XPath injection",
        category::CRLF => "CRLF / header injection",
        category::PROTOTYPE_POLLUTION => "Prototype pollution",
        category::DESERIALIZATION => "Insecure deserialisation",
        category::MASS_ASSIGNMENT => "Mass assignment",
        category::SCANNER => "Attack tool",
        category::SESSION_FIXATION => "Session fixation",
        _ => "Attack",
    }
}

fn min_opt(a: Option<i64>, b: Option<i64>) -> Option<i64> {
    match (a, b) {
        (Some(x), Some(y)) => Some(x.min(y)),
        (x, y) => x.or(y),
    }
}

fn max_opt(a: Option<i64>, b: Option<i64>) -> Option<i64> {
    a.max(b)
}
