//! API posture: weaknesses of the API itself, seen in ordinary traffic, as opposed to attacks
//! against it.
//!
//! Two levels:
//! - per exchange ([`Posture::check_exchange`]): sensitive data in URLs, secrets and password
//!   hashes in responses, passwords over plain HTTP, weak JWTs (`alg: none`, no `exp`),
//!   stack traces and database errors, permissive CORS with credentials, and component versions
//!   with known CVEs ([`Fingerprints`], from the shipped `data/vulnerable-components.yaml` or a
//!   user file);
//! - per endpoint ([`Posture::check_endpoint`] over [`EndpointFacts`], which
//!   [`EndpointTracker`] builds from exchanges): sensitive data served without authentication,
//!   login without rate limiting.
//!
//! Evidence never holds a full secret: values are masked with [`lampyr_classify::mask`], JWTs
//! are described by algorithm and claim names only.

mod endpoint;
mod errors;
mod exchange;
pub mod fingerprint;
pub mod jwt;
pub mod version;

use serde::{Deserialize, Serialize};

use lampyr_classify::grading::Grading;
use lampyr_classify::ExchangeScan;
use lampyr_core::Exchange;

pub use endpoint::{
    is_login_request, request_has_credentials, saw_rate_limit, EndpointFacts, EndpointTracker,
    MAX_TRACKED_ENDPOINTS,
};
pub use errors::{ErrorKind, ErrorLeak};
pub use fingerprint::{ComponentMatch, Fingerprint, Fingerprints};
pub use version::{Version, VersionReq};

use crate::{DetectError, Location, Severity};

/// One posture finding in one exchange or endpoint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PostureHit {
    /// Rule id: the category plus a specific suffix (`posture.weak_jwt.alg_none`).
    pub rule: String,
    /// One of the `posture.*` constants of [`crate::category`].
    pub category: &'static str,
    /// How bad it is.
    pub severity: Severity,
    /// Where it was seen.
    #[serde(rename = "in")]
    pub location: Location,
    /// Which field (report conventions: dotted path, lower-case header name, `[N]` for a path
    /// segment; empty when the whole body or request is meant).
    pub field: String,
    /// What was seen, masked: never a full secret or credential.
    pub evidence: String,
}

/// Settings of the posture checks (`detect.posture` in the config).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PostureConfig {
    /// Personal data in a URL is reported from this grading level up.
    pub url_min_level: u8,
    /// Personal data served without authentication is reported from this level up.
    pub unauthenticated_min_level: u8,
    /// Login requests an endpoint must have seen before a missing rate limit is reported.
    pub login_attempts_for_rate_limit: u64,
    /// Response body bytes searched for traces, secrets, JWTs and footers.
    pub max_body_scan: usize,
    /// Report access tokens and API keys in URLs. Off by default: it is the caller's own
    /// credential and how many APIs (CircleCI v1, Google Maps) are meant to be called; on, it
    /// is a `low` note.
    pub tokens_in_url: bool,
    /// Report every disclosed component version (`info`), not only those with known CVEs.
    pub version_disclosure: bool,
    /// Rule ids or prefixes not reported (`posture.cors`, `posture.weak_jwt.no_exp`).
    pub disabled: Vec<String>,
}

impl Default for PostureConfig {
    fn default() -> Self {
        Self {
            url_min_level: 2,
            unauthenticated_min_level: 2,
            login_attempts_for_rate_limit: 20,
            max_body_scan: 256 * 1024,
            tokens_in_url: false,
            version_disclosure: false,
            disabled: Vec::new(),
        }
    }
}

/// Largest `max_body_scan` accepted.
pub const MAX_BODY_SCAN: usize = 16 * 1024 * 1024;

/// The posture checks with their settings, grading and fingerprints.
#[derive(Debug, Clone)]
pub struct Posture {
    cfg: PostureConfig,
    grading: Grading,
    fingerprints: Fingerprints,
}

impl Default for Posture {
    fn default() -> Self {
        Self {
            cfg: PostureConfig::default(),
            grading: Grading::default(),
            fingerprints: Fingerprints::shipped().clone(),
        }
    }
}

impl Posture {
    /// Checks built from validated settings; levels must lie in the grading's scale.
    pub fn new(
        cfg: PostureConfig,
        grading: Grading,
        fingerprints: Fingerprints,
    ) -> Result<Posture, DetectError> {
        let max = grading.max_level();
        for (name, level) in [
            ("url_min_level", cfg.url_min_level),
            ("unauthenticated_min_level", cfg.unauthenticated_min_level),
        ] {
            if !(1..=max).contains(&level) {
                return Err(DetectError::Setting {
                    setting: format!("detect.posture.{name}"),
                    message: format!(
                        "level {level} is outside the {} scale 1..={max}",
                        grading.profile().id()
                    ),
                });
            }
        }
        if cfg.max_body_scan == 0 || cfg.max_body_scan > MAX_BODY_SCAN {
            return Err(DetectError::Setting {
                setting: "detect.posture.max_body_scan".into(),
                message: format!("expected 1..={MAX_BODY_SCAN} bytes"),
            });
        }
        for d in &cfg.disabled {
            if !d.starts_with("posture") {
                return Err(DetectError::Setting {
                    setting: "detect.posture.disabled".into(),
                    message: format!("`{d}` is not a posture rule or category"),
                });
            }
        }
        Ok(Posture {
            cfg,
            grading,
            fingerprints,
        })
    }

    /// The settings.
    pub fn config(&self) -> &PostureConfig {
        &self.cfg
    }

    /// The fingerprints in use.
    pub fn fingerprints(&self) -> &Fingerprints {
        &self.fingerprints
    }

    /// The grading levels are read from.
    pub fn grading(&self) -> &Grading {
        &self.grading
    }

    /// Every posture hit of one exchange. `scan` (the classifier's view of the exchange) enables
    /// the sensitive-data checks; without it only the pattern checks run.
    pub fn check_exchange(&self, ex: &Exchange, scan: Option<&ExchangeScan>) -> Vec<PostureHit> {
        let mut out = exchange::check(self, ex, scan);
        self.retain_enabled(&mut out);
        out
    }

    /// Every posture hit of one endpoint's accumulated facts.
    pub fn check_endpoint(&self, facts: &EndpointFacts) -> Vec<PostureHit> {
        let mut out = endpoint::check(self, facts);
        self.retain_enabled(&mut out);
        out
    }

    fn retain_enabled(&self, hits: &mut Vec<PostureHit>) {
        if self.cfg.disabled.is_empty() {
            return;
        }
        hits.retain(|h| {
            !self.cfg.disabled.iter().any(|d| {
                h.rule == *d
                    || (h.rule.starts_with(d.as_str())
                        && h.rule.as_bytes().get(d.len()) == Some(&b'.'))
            })
        });
    }
}

/// [`Posture::check_exchange`] with the default settings and the shipped fingerprints.
pub fn check_exchange(ex: &Exchange, scan: Option<&ExchangeScan>) -> Vec<PostureHit> {
    default_posture().check_exchange(ex, scan)
}

/// [`Posture::check_endpoint`] with the default settings.
pub fn check_endpoint(facts: &EndpointFacts) -> Vec<PostureHit> {
    default_posture().check_endpoint(facts)
}

fn default_posture() -> &'static Posture {
    static P: std::sync::OnceLock<Posture> = std::sync::OnceLock::new();
    P.get_or_init(Posture::default)
}
