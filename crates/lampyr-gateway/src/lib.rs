//! The gateway data plane.
//!
//! A request passes through phases in a fixed order over one per-request [`Ctx`]:
//!
//! | phase | module | what it does |
//! |---|---|---|
//! | accept | [`server`] | TCP/TLS accept, SNI certificate, client certificate, HTTP/1.1 or h2 |
//! | route | [`router`] | host, path, method and header match → [`snapshot::CompiledRoute`] |
//! | authenticate | [`auth`] | API key, HMAC signature, JWT, basic, mTLS → [`auth::Identity`] |
//! | authorise | [`filters::authz`], [`filters::denylist`] | grants, scopes, policies, dynamic deny list |
//! | rate-limit | [`filters::ratelimit`] | GCRA per consumer, IP or route; `RateLimit-*` headers, 429 |
//! | inspect | [`filters::inspect`] | `lampyr-detect` attack inspection: off, monitor or block (403) |
//! | upstream | [`upstream`] | balancing, health, retries, timeouts, pooled connections |
//! | response | [`filters::mask`] | JSON response masking with `lampyr-classify` |
//! | log / mirror | [`mirror`], [`access_log`], [`metrics`] | exchange to analytics, JSON access log, Prometheus |
//!
//! Every phase reads one immutable [`snapshot::Snapshot`]; a configuration change builds a new
//! snapshot and swaps it in, so connections are never dropped and a request sees one version
//! of the configuration from start to end.

pub mod access_log;
pub mod auth;
pub mod ctx;
pub mod error;
pub mod filters;
pub mod gateway;
pub mod hex;
pub mod metrics;
pub mod mirror;
pub mod router;
pub mod server;
pub mod snapshot;
pub mod upstream;

pub use ctx::Ctx;
pub use error::GatewayError;

pub use gateway::Gateway;
