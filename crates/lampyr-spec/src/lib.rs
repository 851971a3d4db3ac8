//! The gateway's declarative model.
//!
//! One set of plain serde types describes what the gateway runs: listeners, certificates,
//! upstreams, routes, consumers with their credentials, and policies. `lampyr.yaml` is read
//! into these types, the admin API accepts and returns them, and the store persists them, so
//! the three can never disagree about a field. Nothing here does I/O; [`validate`] checks
//! cross-references and values and reports every problem at once with its key path.

pub mod consumer;
pub mod listener;
pub mod policy;
pub mod route;
pub mod upstream;
pub mod validate;

pub use consumer::{ConsumerSpec, CredentialKind, CredentialSpec, IssuedKey};
pub use listener::{parse_trusted_proxy, CertificateSpec, ClientAuth, ListenerSpec, ListenerTls};
pub use policy::{DenyEntry, DenyKind, PolicySpec};
pub use route::{
    AuthMethod, InspectMode, InspectSpec, MaskSpec, PathMatch, RateLimitKey, RateLimitSpec,
    RouteSpec,
};
pub use upstream::{ActiveHealthSpec, Balance, PassiveHealthSpec, TargetSpec, UpstreamSpec};
pub use validate::{validate, SpecError};

use serde::{Deserialize, Serialize};

/// Everything the gateway runs, as written in the `gateway:` section of `lampyr.yaml`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct GatewaySpec {
    /// Where the proxy accepts connections.
    pub listeners: Vec<ListenerSpec>,
    /// Server certificates, chosen by SNI.
    pub certificates: Vec<CertificateSpec>,
    /// Backend pools.
    pub upstreams: Vec<UpstreamSpec>,
    /// Routes, matched most specific first (see `route`).
    pub routes: Vec<RouteSpec>,
    /// API accounts and their credentials.
    pub consumers: Vec<ConsumerSpec>,
    /// Named conditions routes refer to.
    pub policies: Vec<PolicySpec>,
    /// JWT issuers trusted by routes that accept `jwt`.
    pub jwt_issuers: Vec<JwtIssuerSpec>,
    /// Hard limits on what a client may send.
    pub limits: LimitsSpec,
    /// Copy of every exchange to analytics.
    pub mirror: MirrorSpec,
    /// JSON access log.
    pub access_log: AccessLogSpec,
}

/// A JWT issuer: where its keys come from and how claims map to consumers and scopes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JwtIssuerSpec {
    /// Expected `iss` claim.
    pub issuer: String,
    /// Accepted `aud` values; empty means `aud` is not checked.
    #[serde(default)]
    pub audiences: Vec<String>,
    /// JWKS document URL, fetched and cached; refetched on an unknown `kid` (with a cooldown).
    #[serde(default)]
    pub jwks_url: Option<String>,
    /// Static keys, for issuers without a JWKS endpoint.
    #[serde(default)]
    pub keys: Vec<JwtKeySpec>,
    /// Allowed algorithms (`RS256`, `ES256`, `EdDSA`, `HS256`, ...). Never `none`.
    #[serde(default = "default_jwt_algs")]
    pub algorithms: Vec<String>,
    /// Claim whose value names the consumer when no credential binds the subject.
    #[serde(default)]
    pub consumer_claim: Option<String>,
    /// Claim holding the token's scopes (space-separated string or array).
    #[serde(default = "default_scope_claim")]
    pub scopes_claim: String,
    /// Allowed clock skew for `exp` and `nbf`, seconds.
    #[serde(default = "default_leeway")]
    pub leeway_secs: u64,
    /// How long a fetched JWKS is trusted before a refetch, seconds.
    #[serde(default = "default_jwks_ttl")]
    pub jwks_ttl_secs: u64,
}

/// One static JWT verification key.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JwtKeySpec {
    /// Key id matched against the token's `kid`; `None` matches tokens without one.
    #[serde(default)]
    pub kid: Option<String>,
    /// Algorithm this key is for.
    pub alg: String,
    /// PEM public key file (RSA, EC, Ed25519).
    #[serde(default)]
    pub pem_file: Option<String>,
    /// Environment variable holding an HMAC secret (HS* algorithms).
    #[serde(default)]
    pub secret_env: Option<String>,
}

fn default_jwt_algs() -> Vec<String> {
    ["RS256", "ES256", "EdDSA"].map(String::from).to_vec()
}
fn default_scope_claim() -> String {
    "scope".into()
}
fn default_leeway() -> u64 {
    30
}
fn default_jwks_ttl() -> u64 {
    300
}

/// Limits on attacker-controlled sizes and times.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LimitsSpec {
    /// Total size of request headers before 431.
    pub max_header_bytes: usize,
    /// Number of request header fields before 431.
    pub max_headers: usize,
    /// Request body size before 413.
    pub max_request_body: usize,
    /// Time to receive the request head, milliseconds (slow clients are disconnected).
    pub header_timeout_ms: u64,
    /// Time to receive the request body once the head is in, milliseconds (408 after).
    pub body_timeout_ms: u64,
    /// Idle keep-alive connection lifetime, milliseconds.
    pub idle_timeout_ms: u64,
    /// Open downstream connections before new ones wait in the accept queue.
    pub max_connections: usize,
}

impl Default for LimitsSpec {
    fn default() -> Self {
        Self {
            max_header_bytes: 32 * 1024,
            max_headers: 100,
            max_request_body: 8 * 1024 * 1024,
            header_timeout_ms: 10_000,
            body_timeout_ms: 30_000,
            idle_timeout_ms: 60_000,
            max_connections: 10_000,
        }
    }
}

/// The mirror of exchanges to analytics.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MirrorSpec {
    /// Whether exchanges are mirrored at all.
    pub enabled: bool,
    /// Bytes of each body kept in the mirrored exchange.
    pub max_body: usize,
    /// Exchanges buffered before new ones are dropped (and counted).
    pub capacity: usize,
}

impl Default for MirrorSpec {
    fn default() -> Self {
        Self {
            enabled: true,
            max_body: 64 * 1024,
            capacity: 8192,
        }
    }
}

/// Where the JSON access log goes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AccessLogSpec {
    /// `stdout`, `off`, or a file path.
    pub target: String,
}

impl Default for AccessLogSpec {
    fn default() -> Self {
        Self {
            target: "stdout".into(),
        }
    }
}
