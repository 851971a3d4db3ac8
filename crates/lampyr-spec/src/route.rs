//! Routes: what a request must look like, where it goes, and which filters apply to it.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// A route. A request matches when host, path, method and headers all match; among matching
/// routes the most specific wins (exact path, then template, then the longest prefix; a route
/// naming hosts, methods or headers beats one that does not), ties broken by order in the file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RouteSpec {
    /// Unique name, used in logs, metrics and the mirror.
    pub name: String,
    /// Host names (`api.example.com`, `*.example.com`); empty matches any host.
    #[serde(default)]
    pub hosts: Vec<String>,
    /// Paths, read according to `path_match`; empty matches every path.
    #[serde(default)]
    pub paths: Vec<String>,
    /// How `paths` are compared.
    #[serde(default)]
    pub path_match: PathMatch,
    /// Methods (upper case); empty matches any method.
    #[serde(default)]
    pub methods: Vec<String>,
    /// Header name → exact value that must be present.
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
    /// Upstream name.
    pub upstream: String,
    /// Remove the matched prefix before forwarding (prefix routes only).
    #[serde(default)]
    pub strip_prefix: bool,
    /// Authentication methods accepted; empty means the route is public.
    #[serde(default)]
    pub auth: Vec<AuthMethod>,
    /// Consumers admitted by name. With `auth` set and no `allow_consumers`/`allow_groups`, no one
    /// is admitted: least privilege by default.
    #[serde(default)]
    pub allow_consumers: Vec<String>,
    /// Consumer groups admitted.
    #[serde(default)]
    pub allow_groups: Vec<String>,
    /// Scopes the caller must hold (all of them).
    #[serde(default)]
    pub scopes: Vec<String>,
    /// Names of policies that must all admit the request.
    #[serde(default)]
    pub policies: Vec<String>,
    /// Rate limits; a request must fit every one.
    #[serde(default)]
    pub rate_limits: Vec<RateLimitSpec>,
    /// Attack inspection.
    #[serde(default)]
    pub inspect: InspectSpec,
    /// Response masking; none when absent.
    #[serde(default)]
    pub mask: Option<MaskSpec>,
    /// Mirror this route's exchanges to analytics.
    #[serde(default = "yes")]
    pub mirror: bool,
}

fn yes() -> bool {
    true
}

/// Path comparison.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PathMatch {
    /// The path starts with the pattern at a segment boundary (`/api` matches `/api/x`, not `/apix`).
    #[default]
    Prefix,
    /// The path equals the pattern.
    Exact,
    /// `/users/{id}/orders`: each `{name}` matches one non-empty segment.
    Template,
}

/// An authentication method a route accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AuthMethod {
    /// `X-API-Key` header or `Authorization: ApiKey …`.
    ApiKey,
    /// `Authorization: HMAC-SHA256 Credential=…, SignedHeaders=…, Signature=…`.
    Hmac,
    /// `Authorization: Bearer <JWT>`.
    Jwt,
    /// `Authorization: Basic …`.
    Basic,
    /// Client certificate from the TLS handshake.
    Mtls,
}

/// A rate limit: `requests` per `per_secs` per key, with a burst allowance (GCRA).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RateLimitSpec {
    /// What is counted separately.
    pub key: RateLimitKey,
    /// Requests allowed per period.
    pub requests: u64,
    /// Period, seconds.
    #[serde(default = "one_sec")]
    pub per_secs: u64,
    /// Requests that may arrive at once above the steady rate; `requests` when absent.
    #[serde(default)]
    pub burst: Option<u64>,
}

fn one_sec() -> u64 {
    1
}

/// The key a rate limit counts by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RateLimitKey {
    /// Per authenticated consumer (anonymous callers share one bucket per IP).
    Consumer,
    /// Per client IP.
    Ip,
    /// One bucket for the whole route.
    Route,
}

/// Inline attack inspection of requests.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct InspectSpec {
    /// `off`, `monitor` (record, forward) or `block` (403).
    pub mode: InspectMode,
    /// Paranoia level 1–4; the detection default when absent.
    pub paranoia: Option<u8>,
}

impl Default for InspectSpec {
    fn default() -> Self {
        Self {
            mode: InspectMode::Monitor,
            paranoia: None,
        }
    }
}

/// What inspection does with an attack.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InspectMode {
    /// Not inspected.
    Off,
    /// Inspected and recorded; the request goes through.
    #[default]
    Monitor,
    /// Inspected; an attack is answered 403.
    Block,
}

/// Response masking: sensitive types found in JSON response bodies are masked unless the
/// consumer may see them in clear.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MaskSpec {
    /// Types masked (sensitive type ids); empty means every type.
    #[serde(default)]
    pub types: Vec<String>,
    /// Consumer group → types that group sees in clear (`"*"` for all).
    #[serde(default)]
    pub clear_for_groups: BTreeMap<String, Vec<String>>,
    /// Consumer name → types that consumer sees in clear (`"*"` for all).
    #[serde(default)]
    pub clear_for_consumers: BTreeMap<String, Vec<String>>,
    /// Bodies larger than this pass unmasked (and are counted).
    #[serde(default = "d_mask_cap")]
    pub max_body: usize,
}

fn d_mask_cap() -> usize {
    1024 * 1024
}
