//! Request inspection: placements → normalised values → rule families → anomaly score.
//! (Skeleton: the attack-engine work fills this in.)

use lampyr_core::Request;
use serde::Serialize;

use crate::{DetectError, Placement, Severity};

/// Settings of the attack inspector.
#[derive(Debug, Clone)]
pub struct InspectConfig {
    /// Paranoia level 1–4 (CRS meaning): rules above it neither score nor block.
    pub paranoia: u8,
    /// Anomaly score at which a request is an attack (CRS default 5: one critical hit).
    pub threshold: u32,
}

impl Default for InspectConfig {
    fn default() -> Self {
        Self {
            paranoia: 1,
            threshold: 5,
        }
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
    /// The matched fragment, cut short, with sensitive values masked.
    pub fragment: String,
}

/// What inspecting one request found.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Verdict {
    /// Every hit at or below the paranoia level.
    pub hits: Vec<AttackHit>,
    /// Sum of the hits' severity scores.
    pub score: u32,
    /// The threshold it was compared with.
    pub threshold: u32,
}

impl Verdict {
    /// Whether the score reached the threshold.
    pub fn is_attack(&self) -> bool {
        self.threshold > 0 && self.score >= self.threshold
    }
}

/// The attack inspector: built once from settings, shared by reference across threads.
#[derive(Debug)]
pub struct Inspector {
    cfg: InspectConfig,
}

impl Inspector {
    /// Compiles the rules.
    pub fn new(cfg: InspectConfig) -> Result<Self, DetectError> {
        Ok(Self { cfg })
    }

    /// Inspects one request.
    pub fn inspect(&self, _req: &Request) -> Verdict {
        Verdict {
            hits: Vec::new(),
            score: 0,
            threshold: self.cfg.threshold,
        }
    }
}
