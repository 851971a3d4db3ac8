//! `findings[]` of the report: what the detectors found, grouped so one attacker walking one
//! endpoint is one finding citing its exchanges, not a thousand lines.

use std::collections::BTreeMap;

use serde::Serialize;

use lampyr_detect::{Actor, Severity};

/// Exchanges cited by one finding at most (the first ones, where the detector fired, are
/// kept; `count` still counts every one).
pub const MAX_FINDING_EXCHANGES: usize = 1000;

/// One finding (`findings[]`, DESIGN.md contract).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Finding {
    /// Stable id: a hash of rule, endpoint, actor and first exchange.
    pub id: String,
    /// The rule that fired (the most frequent one when several of a family did).
    pub rule: String,
    /// Finding category (`attack.sqli`, `abuse.bola`, `posture.cors`...).
    pub category: String,
    /// How bad.
    pub severity: Severity,
    /// One line for people.
    pub title: String,
    /// The endpoint (`METHOD host/template`), when one is concerned and known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub endpoint: Option<String>,
    /// Who did it, as far as known (empty for posture findings).
    pub actor: Actor,
    /// Zero-based indexes (over all inputs in order) of the exchanges that triggered it,
    /// earliest first, at most [`MAX_FINDING_EXCHANGES`].
    pub exchanges: Vec<u64>,
    /// Exchanges involved in all (may exceed `exchanges.len()`).
    pub count: u64,
    /// First exchange's time (RFC 3339, UTC).
    pub first_seen: Option<String>,
    /// Last exchange's time.
    pub last_seen: Option<String>,
    /// `first_seen` in microseconds since the epoch (for ordering; not in the report).
    #[serde(skip)]
    pub first_us: Option<i64>,
    /// `last_seen` in microseconds since the epoch.
    #[serde(skip)]
    pub last_us: Option<i64>,
    /// Rule-specific facts: counts, thresholds, masked fragments.
    pub evidence: serde_json::Value,
    /// The incident this finding belongs to.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub incident: Option<String>,
}

/// Totals of `findings[]` for `summary.findings`.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct FindingsSummary {
    /// Findings in all.
    pub total: usize,
    /// Findings per severity.
    pub by_severity: BTreeMap<&'static str, usize>,
    /// Findings per category family (`attack.sqli`, `abuse.bola`...).
    pub by_category: BTreeMap<String, usize>,
    /// Requests the attack inspector judged attacks (score at or over the threshold).
    pub attack_requests: u64,
    /// Requests with rule hits below the threshold (not reported as findings).
    pub suspicious_requests: u64,
    /// Paranoia level and threshold the inspector ran with.
    pub paranoia: u8,
    /// Anomaly threshold.
    pub threshold: u32,
    /// Incidents the findings were grouped into.
    pub incidents: usize,
    /// Evidence dropped by memory caps (attack events, behaviour events), counted.
    pub dropped: u64,
}

impl FindingsSummary {
    /// Counts `findings`.
    pub fn count(&mut self, findings: &[Finding]) {
        self.total = findings.len();
        for f in findings {
            *self.by_severity.entry(f.severity.as_str()).or_default() += 1;
            *self
                .by_category
                .entry(lampyr_detect::category::family(&f.category).to_string())
                .or_default() += 1;
        }
    }
}

/// A short stable id (FNV-1a 64 over the parts, hex).
pub fn stable_id(prefix: &str, parts: &[&str]) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for p in parts {
        for b in p.bytes().chain(std::iter::once(0xff)) {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
    format!("{prefix}-{h:016x}")
}

/// Orders findings for people: most severe first, then earliest.
pub fn sort_findings(findings: &mut [Finding]) {
    findings.sort_by(|a, b| {
        b.severity
            .cmp(&a.severity)
            .then_with(|| a.exchanges.first().cmp(&b.exchanges.first()))
            .then_with(|| a.id.cmp(&b.id))
    });
}
