//! The per-request context every phase reads and fills.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Instant;

use crate::auth::Identity;
use crate::server::TlsInfo;
use crate::snapshot::CompiledRoute;

/// State of one request as it moves through the phases.
#[derive(Debug)]
pub struct Ctx {
    /// Request id: taken from a valid incoming `X-Request-Id`, else generated; sent upstream
    /// and returned to the client.
    pub request_id: String,
    /// W3C `traceparent` sent upstream (the client's with a new parent span id, or a new trace).
    pub traceparent: String,
    /// Client socket address (the TCP peer; `X-Forwarded-For` is not trusted for policy).
    pub client: SocketAddr,
    /// Name of the listener that accepted the connection.
    pub listener: Arc<str>,
    /// TLS details when the connection was TLS.
    pub tls: Option<Arc<TlsInfo>>,
    /// When the request head was received.
    pub started: Instant,
    /// Wall-clock time of the request, unix microseconds (for the mirror and logs).
    pub started_unix_us: i64,
    /// The matched route (set by the route phase).
    pub route: Option<Arc<CompiledRoute>>,
    /// Who the caller is (set by the authenticate phase).
    pub identity: Option<Identity>,
    /// Response headers added by filters (`RateLimit-*`, ...).
    pub response_headers: Vec<(http::HeaderName, http::HeaderValue)>,
    /// Attack inspection result, when the request was inspected.
    pub verdict: Option<lampyr_detect::inspect::Verdict>,
    /// Why the gateway answered itself instead of forwarding (`auth`, `deny`, `rate_limit`,
    /// `inspect`, `route`, `upstream`, ...), for logs and metrics.
    pub refused: Option<&'static str>,
    /// Upstream target that answered (`host:port`).
    pub target: Option<String>,
    /// Values masked in the response.
    pub masked: usize,
}

impl Ctx {
    /// A fresh context for a request accepted on `listener` from `client`.
    pub fn new(client: SocketAddr, listener: Arc<str>, tls: Option<Arc<TlsInfo>>) -> Self {
        Self {
            request_id: String::new(),
            traceparent: String::new(),
            client,
            listener,
            tls,
            started: Instant::now(),
            started_unix_us: now_unix_us(),
            route: None,
            identity: None,
            response_headers: Vec::new(),
            verdict: None,
            refused: None,
            target: None,
            masked: 0,
        }
    }

    /// Consumer name, when authenticated.
    pub fn consumer(&self) -> Option<&str> {
        self.identity.as_ref().map(|i| i.consumer.name.as_str())
    }
}

/// Wall-clock now, unix microseconds.
pub fn now_unix_us() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_micros() as i64)
        .unwrap_or(0)
}

/// Wall-clock now, unix seconds.
pub fn now_unix() -> i64 {
    now_unix_us() / 1_000_000
}
