//! Request and response filters between authentication and the upstream.
//!
//! OWNER: filters helper. Each filter is a module with its phase documented.

pub mod authz;
pub mod denylist;
pub mod inspect;
pub mod mask;
pub mod ratelimit;

use http::StatusCode;

/// An answer the gateway gives itself instead of forwarding.
#[derive(Debug, Clone)]
pub struct Refusal {
    /// HTTP status.
    pub status: StatusCode,
    /// Machine-readable code (`unauthorized`, `forbidden`, `rate_limited`, `blocked`, ...).
    pub code: &'static str,
    /// Human-readable message; never contains a secret.
    pub message: String,
    /// Extra response headers (`WWW-Authenticate`, `Retry-After`, `RateLimit-*`).
    pub headers: Vec<(http::HeaderName, http::HeaderValue)>,
}

impl Refusal {
    /// A refusal with no extra headers.
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
            headers: Vec::new(),
        }
    }
}
