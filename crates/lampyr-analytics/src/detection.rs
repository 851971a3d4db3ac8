//! The detection stage of the analysis: attack inspection per request, behaviour over time,
//! posture per exchange and endpoint, then findings grouped into incidents.
//!
//! Offline, endpoints are only known once discovery has seen everything, so `observe` keeps a
//! compact record of what each detector needs (bounded, drops counted) and `finish` resolves
//! endpoints, runs the time-ordered detectors and builds the findings.

use std::collections::BTreeMap;

use lampyr_classify::ExchangeScan;
use lampyr_core::Exchange;
use lampyr_detect::{category, Actor, DetectError, InspectConfig, Inspector, Severity};
use lampyr_discovery::Inventory;

use crate::endpoint_match::EndpointMatcher;
use crate::findings::{sort_findings, stable_id, Finding, FindingsSummary, MAX_FINDING_EXCHANGES};

/// Attack requests remembered for the report at most.
const MAX_ATTACK_EVENTS: usize = 200_000;
/// Sample fragments kept per finding.
const MAX_SAMPLES: usize = 5;

/// Settings of the detection stage.
#[derive(Debug, Clone, Default)]
pub struct DetectionConfig {
    /// Attack inspection.
    pub inspect: InspectConfig,
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
    summary: FindingsSummary,
}

impl Detection {
    /// Builds the detectors (compiles rules).
    pub fn new(cfg: DetectionConfig) -> Result<Self, DetectError> {
        let summary = FindingsSummary {
            paranoia: cfg.inspect.paranoia,
            threshold: cfg.inspect.threshold,
            ..FindingsSummary::default()
        };
        Ok(Self {
            inspector: Inspector::new(cfg.inspect)?,
            attacks: Vec::new(),
            summary,
        })
    }

    /// Inspects one exchange; `index` is its run-wide index.
    pub fn observe(&mut self, ex: &Exchange, _scan: &ExchangeScan, index: u64) {
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

    /// Resolves endpoints, runs the time-ordered detectors and returns the findings.
    pub fn finish(self, inventory: &Inventory) -> (Vec<Finding>, FindingsSummary) {
        let matcher = EndpointMatcher::new(inventory);
        let endpoint_id = |method: &str, host: &str, path: &str| -> Option<String> {
            matcher.resolve(method, host, path).map(|i| {
                let e = &inventory.endpoints[i];
                format!("{} {}{}", e.method, e.host, e.template)
            })
        };
        let mut findings = attack_findings(&self.attacks, &endpoint_id);
        sort_findings(&mut findings);
        let mut summary = self.summary;
        summary.count(&findings);
        (findings, summary)
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
