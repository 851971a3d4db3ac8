//! Threat detection over exchanges. Pure: no I/O, no async.
//!
//! Three kinds of detector share the vocabulary in this module ([`Severity`], [`Location`],
//! [`Placement`], [`Actor`], the categories in [`category`]):
//!
//! - [`inspect`]: attacks in one request. Every value is found at its placement
//!   ([`placement`]), normalised ([`normalize`]) and run through the rule families ([`rules`],
//!   [`sqli`], [`xss`]); hits add to an anomaly score compared with a threshold, CRS-style, at a
//!   chosen paranoia level. The gateway calls this inline; analytics calls it offline.
//! - [`behavior`]: abuse across requests (credential stuffing, brute force, BOLA, scraping,
//!   bulk leaks, scanners, token sharing, rate anomalies) over sliding windows per actor with
//!   bounded memory.
//! - [`posture`]: API vulnerabilities per endpoint (sensitive data without authentication,
//!   secrets in responses, weak JWTs, verbose errors, CORS, vulnerable components...).

pub mod behavior;
pub mod category;
mod error;
pub mod inspect;
pub mod normalize;
pub mod placement;
pub mod posture;
pub mod rules;
pub mod sqli;
pub mod xss;

pub use error::DetectError;
pub use inspect::{AttackHit, InspectConfig, Inspector, Verdict};

use serde::{Deserialize, Serialize};

/// How bad a hit is. The anomaly score of a request is the sum of its hits' [`Severity::score`],
/// with CRS's weights so thresholds carry over.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Worth recording, not worth an alert.
    Info,
    /// Suspicious on its own, harmful only with other signals.
    Low,
    /// Likely harmful.
    Medium,
    /// Harmful.
    High,
    /// Harmful and exploitable as seen.
    Critical,
}

impl Severity {
    /// Anomaly points (CRS: critical 5, error 4, warning 3, notice 2).
    pub fn score(self) -> u32 {
        match self {
            Severity::Critical => 5,
            Severity::High => 4,
            Severity::Medium => 3,
            Severity::Low => 2,
            Severity::Info => 0,
        }
    }

    /// The lower-case name used in reports and config.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }
}

/// Where in a request a value sits; the report's `in` vocabulary (DESIGN.md).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Location {
    /// The request line: method, path and its segments.
    #[serde(rename = "request.path")]
    Path,
    /// A query parameter (name or value).
    #[serde(rename = "request.query")]
    Query,
    /// A header (name or value).
    #[serde(rename = "request.header")]
    Header,
    /// A cookie (name or value).
    #[serde(rename = "request.cookie")]
    Cookie,
    /// A body field (form, JSON, multipart, XML) or the raw body.
    #[serde(rename = "request.body")]
    Body,
    /// The response body (leaks, error pages).
    #[serde(rename = "response.body")]
    ResponseBody,
    /// A response header.
    #[serde(rename = "response.header")]
    ResponseHeader,
}

impl Location {
    /// The report's `in` string.
    pub fn as_str(self) -> &'static str {
        match self {
            Location::Path => "request.path",
            Location::Query => "request.query",
            Location::Header => "request.header",
            Location::Cookie => "request.cookie",
            Location::Body => "request.body",
            Location::ResponseBody => "response.body",
            Location::ResponseHeader => "response.header",
        }
    }
}

/// A value's place: location plus field (dotted JSON path with `[]`, lower-case header name,
/// exact query or cookie name, path segment index as `[N]`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Placement {
    /// Where.
    #[serde(rename = "in")]
    pub location: Location,
    /// Which field.
    pub field: String,
}

/// Who did it, as far as the exchange tells (DESIGN.md `actor`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Actor {
    /// Client address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ip: Option<String>,
    /// API consumer the gateway authenticated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub consumer: Option<String>,
    /// End user (JWT subject, login name).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
    /// Stable id of the credential (a hash prefix, never the credential).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token_id: Option<String>,
}
