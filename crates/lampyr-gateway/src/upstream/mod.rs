//! Upstream phase: choose a healthy target, send, retry when safe.
//!
//! An [`Upstream`] owns one pooled client (keep-alive connections shared by every worker
//! thread), the live state of its targets (in flight, passive ejection, active-probe verdict)
//! and the balancer. A reload whose spec for this upstream is unchanged reuses all of it, so
//! connections and health survive configuration changes.

mod balance;
mod client;
mod h1;
mod health;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_pool;
#[cfg(test)]
mod tests_proto;

use std::fmt;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use http::uri::{Authority, PathAndQuery, Scheme};
use http::{HeaderMap, HeaderValue, Method, Request, Response, StatusCode, Uri, Version};
use http_body_util::Full;
use lampyr_spec::UpstreamSpec;
use tokio::sync::Notify;

use balance::Balancer;
use client::PoolClient;
use health::TargetState;

/// Most targets one upstream may list (bounds per-request scans and the hash ring).
const MAX_TARGETS: usize = 1_024;
/// Largest target weight.
const MAX_WEIGHT: u32 = 10_000;
/// Most extra attempts per request, whatever the spec says.
const MAX_RETRIES: u32 = 10;

/// A backend pool: balancing, health, timeouts, retries and pooled connections.
pub struct Upstream {
    inner: Arc<Inner>,
    started: AtomicBool,
    stopped: AtomicBool,
    stop: Arc<Notify>,
}

/// State shared with a successor built from an unchanged spec.
pub(crate) struct Inner {
    spec: UpstreamSpec,
    client: PoolClient,
    /// Own connection pool for plain-HTTP/1.1 targets (`None` for TLS and h2 upstreams,
    /// which go through `client`).
    fast: Option<Arc<h1::H1Pool>>,
    scheme: Scheme,
    host: Option<HeaderValue>,
    targets: Vec<Arc<TargetState>>,
    balancer: Balancer,
    /// Origin of the pool clock used for ejections.
    epoch: Instant,
    /// Which `start_health` call owns probing (the newest).
    health_gen: AtomicU64,
    probe_path: Option<PathAndQuery>,
    /// Completed rounds of active probes, so callers wait for health to change instead of
    /// polling it.
    probe_rounds: tokio::sync::watch::Sender<u64>,
}

impl Inner {
    fn health_generation(&self) -> u64 {
        self.health_gen.load(Ordering::Acquire)
    }
}

impl fmt::Debug for Upstream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = &self.inner.spec;
        f.debug_struct("Upstream")
            .field("name", &s.name)
            .field("balance", &s.balance)
            .field("tls", &s.tls)
            .field("http2", &s.http2)
            .field("targets", &self.health())
            .finish()
    }
}

/// A response from a target, with what the proxy needs to log and account it.
#[derive(Debug)]
pub struct UpstreamResponse {
    /// The target's response; its body streams from the pooled connection.
    pub response: Response<hyper::body::Incoming>,
    /// `host:port` of the target that answered.
    pub target: String,
    /// Attempts made, including this one.
    pub attempts: u32,
    /// Keep until the body is finished so least-connections sees the request as in flight.
    pub guard: InFlight,
}

/// Counts a request as in flight on its target until dropped; on a plain-HTTP/1.1 upstream
/// it also returns the connection to the pool then (the response body is finished).
pub struct InFlight {
    target: Arc<TargetState>,
    lent: Option<h1::Lent>,
}

impl InFlight {
    fn new(target: Arc<TargetState>) -> Self {
        target.in_flight.fetch_add(1, Ordering::Relaxed);
        Self { target, lent: None }
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        self.target.in_flight.fetch_sub(1, Ordering::Relaxed);
        if let Some(lent) = self.lent.take() {
            lent.give_back();
        }
    }
}

impl fmt::Debug for InFlight {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("InFlight")
            .field("target", &self.target.address)
            .finish()
    }
}

/// One target's state, for `/metrics` and the admin API.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TargetHealth {
    /// `host:port`.
    pub address: String,
    /// Active-probe verdict (always true without a probe).
    pub healthy: bool,
    /// End of a passive ejection in progress.
    pub ejected_until: Option<Instant>,
    /// Requests whose response is not finished.
    pub in_flight: u64,
    /// Balancing weight.
    pub weight: u32,
}

/// Why no response came back; [`UpstreamError::status`] is the answer to the client.
#[derive(Debug, thiserror::Error)]
pub enum UpstreamError {
    /// Every target is unhealthy or ejected.
    #[error("no healthy upstream target")]
    NoHealthyTarget,
    /// The connection could not be made.
    #[error("upstream connect failed: {0}")]
    Connect(String),
    /// `"connect"`, `"read"` (time to the response head) or `"total"` (the request's
    /// deadline, [`Upstream::send_by`]) ran out.
    #[error("upstream {0} timeout")]
    Timeout(&'static str),
    /// The target broke the exchange after the connection was made.
    #[error("upstream protocol error: {0}")]
    Protocol(String),
}

impl UpstreamError {
    /// The status the client gets: 503 when nothing is up, 504 on a timeout, else 502.
    pub fn status(&self) -> StatusCode {
        match self {
            Self::NoHealthyTarget => StatusCode::SERVICE_UNAVAILABLE,
            Self::Timeout(_) => StatusCode::GATEWAY_TIMEOUT,
            Self::Connect(_) | Self::Protocol(_) => StatusCode::BAD_GATEWAY,
        }
    }
}

impl Upstream {
    /// Builds the pool; when `prev` (same name in the previous snapshot) has the same spec it
    /// is returned itself (`Arc::ptr_eq`), so connections, health state and the probe task
    /// carry over. TLS targets are checked against the web PKI.
    pub fn new(
        spec: &UpstreamSpec,
        prev: Option<&Arc<Upstream>>,
    ) -> Result<Arc<Upstream>, crate::GatewayError> {
        Self::build(spec, prev, client::webpki_roots)
    }

    /// As [`Upstream::new`], trusting `roots` instead of the web PKI (private CAs, tests).
    /// A reused pool keeps the roots it was built with.
    pub fn with_root_store(
        spec: &UpstreamSpec,
        prev: Option<&Arc<Upstream>>,
        roots: rustls::RootCertStore,
    ) -> Result<Arc<Upstream>, crate::GatewayError> {
        Self::build(spec, prev, move || roots)
    }

    fn build(
        spec: &UpstreamSpec,
        prev: Option<&Arc<Upstream>>,
        roots: impl FnOnce() -> rustls::RootCertStore,
    ) -> Result<Arc<Upstream>, crate::GatewayError> {
        let inner = match prev {
            // Unchanged and still running: the very same pool, probe task included.
            Some(p) if p.inner.spec == *spec && !p.is_stopped() => return Ok(Arc::clone(p)),
            // Unchanged but shut down: keep connections and health, start probing afresh.
            Some(p) if p.inner.spec == *spec => Arc::clone(&p.inner),
            _ => Arc::new(compile(spec, roots())?),
        };
        Ok(Arc::new(Upstream {
            inner,
            started: AtomicBool::new(false),
            stopped: AtomicBool::new(false),
            stop: Arc::new(Notify::new()),
        }))
    }

    /// The spec this pool was built from (the proxy enforces `total_timeout_ms`).
    pub fn spec(&self) -> &UpstreamSpec {
        &self.inner.spec
    }

    /// Starts active probing when the spec has a probe; call inside a tokio runtime. Only the
    /// newest upstream sharing a pool probes it, so a reload does not double the probe rate.
    pub fn start_health(self: &Arc<Self>) {
        if self.inner.spec.health.is_none() || self.started.swap(true, Ordering::AcqRel) {
            return;
        }
        let Ok(rt) = tokio::runtime::Handle::try_current() else {
            tracing::error!(upstream = %self.inner.spec.name, "health probes need a tokio runtime");
            self.started.store(false, Ordering::Release);
            return;
        };
        let generation = self
            .inner
            .health_gen
            .fetch_add(1, Ordering::AcqRel)
            .wrapping_add(1);
        let task = health::run(Arc::downgrade(self), Arc::clone(&self.stop), generation);
        rt.spawn(task);
    }

    /// Stops active probing for good.
    pub fn shutdown(&self) {
        self.stopped.store(true, Ordering::Release);
        self.stop.notify_one();
    }

    fn is_stopped(&self) -> bool {
        self.stopped.load(Ordering::Acquire)
    }

    /// Ticks after every round of active probes: wait on it (`wait_for(|_| …health()…)`)
    /// to see a target change state without polling.
    pub fn probe_rounds(&self) -> tokio::sync::watch::Receiver<u64> {
        self.inner.probe_rounds.subscribe()
    }

    /// Every target's state.
    pub fn health(&self) -> Vec<TargetHealth> {
        let inner = &self.inner;
        let now_ms = health::now_ms(inner.epoch);
        inner
            .targets
            .iter()
            .map(|t| TargetHealth {
                address: t.address.clone(),
                healthy: t.healthy(),
                ejected_until: t.ejected_until_ms(now_ms).and_then(|until| {
                    inner
                        .epoch
                        .checked_add(Duration::from_millis(until.saturating_sub(1)))
                }),
                in_flight: t.in_flight.load(Ordering::Relaxed),
                weight: t.weight,
            })
            .collect()
    }

    /// Sends one request to a target chosen by balance and health, retrying on another
    /// target when that is safe: always when the connection failed before anything was sent,
    /// otherwise only for idempotent methods, at most `retries` extra attempts. Upgrade
    /// requests go through once, untouched, so the proxy can take over both connections.
    pub async fn send(
        &self,
        req: Request<Full<Bytes>>,
        hash_key: Option<&[u8]>,
    ) -> Result<UpstreamResponse, UpstreamError> {
        self.send_by(req, hash_key, None).await
    }

    /// As [`Upstream::send`], giving up with [`UpstreamError::Timeout`] at `deadline` (the
    /// proxy's `total_timeout_ms`). Each attempt runs under one timer, the earlier of its
    /// read timeout and the deadline, rather than a timer inside another.
    pub async fn send_by(
        &self,
        req: Request<Full<Bytes>>,
        hash_key: Option<&[u8]>,
        deadline: Option<tokio::time::Instant>,
    ) -> Result<UpstreamResponse, UpstreamError> {
        let inner = &self.inner;
        let spec = &inner.spec;
        let (parts, body) = req.into_parts();
        let body = body.into_inner().unwrap_or_default();
        let upgrade = is_upgrade(&parts.headers);
        let idempotent = is_idempotent(&parts.method);
        let max_attempts = if upgrade {
            1
        } else {
            1 + spec.retries.min(MAX_RETRIES)
        };
        let read_timeout = Duration::from_millis(spec.read_timeout_ms.max(1));
        let path = parts
            .uri
            .path_and_query()
            .cloned()
            .unwrap_or_else(|| PathAndQuery::from_static("/"));
        let mut headers = parts.headers;
        if let Some(h) = &inner.host {
            headers.insert(http::header::HOST, h.clone());
        }
        let mut template = Some(Template {
            method: parts.method,
            headers,
            extensions: parts.extensions,
        });

        let mut tried: Vec<usize> = Vec::new();
        let mut attempts = 0u32;
        let mut last = UpstreamError::NoHealthyTarget;
        while attempts < max_attempts {
            if deadline.is_some_and(|d| tokio::time::Instant::now() >= d) {
                return Err(UpstreamError::Timeout("total"));
            }
            let Some(idx) = self.choose(hash_key, &tried) else {
                break;
            };
            tried.push(idx);
            attempts += 1;
            let target = Arc::clone(&inner.targets[idx]);
            let last_try = attempts == max_attempts;
            let Some(t) = (if last_try {
                template.take()
            } else {
                template.clone()
            }) else {
                break;
            };
            let mut guard = InFlight::new(Arc::clone(&target));
            let read_by = tokio::time::Instant::now() + read_timeout;
            let (until, total_binds) = match deadline {
                Some(d) if d < read_by => (d, true),
                _ => (read_by, false),
            };
            let outcome = match &inner.fast {
                Some(pool) => {
                    // Origin-form target and a Host header, as the pooled client would set.
                    let mut req = t.into_request(Uri::from(path.clone()), body.clone());
                    if !req.headers().contains_key(http::header::HOST) {
                        let a = &target.authority;
                        let host = match a.port_u16() {
                            Some(80) => a.host(),
                            _ => a.as_str(),
                        };
                        if let Ok(v) = HeaderValue::from_str(host) {
                            req.headers_mut().insert(http::header::HOST, v);
                        }
                    }
                    let sent = pool.request(idx, &target.authority, req);
                    match tokio::time::timeout_at(until, sent).await {
                        Ok(Ok((response, lent))) => {
                            guard.lent = Some(lent);
                            Ok(Ok(response))
                        }
                        Ok(Err(e)) => Ok(Err(e)),
                        Err(elapsed) => Err(elapsed),
                    }
                }
                None => {
                    let uri = match target_uri(&inner.scheme, &target.authority, &path) {
                        Ok(u) => u,
                        Err(e) => return Err(UpstreamError::Protocol(e)),
                    };
                    let req = t.into_request(uri, body.clone());
                    match tokio::time::timeout_at(until, inner.client.request(req)).await {
                        Ok(Ok(response)) => Ok(Ok(response)),
                        Ok(Err(e)) => Ok(Err(client::classify(&e))),
                        Err(elapsed) => Err(elapsed),
                    }
                }
            };
            if total_binds && outcome.is_err() {
                // The request's own deadline, not this target, ran out.
                return Err(UpstreamError::Timeout("total"));
            }
            let now_ms = health::now_ms(inner.epoch);
            let (err, sent) = match outcome {
                Ok(Ok(response)) => {
                    if matches!(
                        response.status(),
                        StatusCode::BAD_GATEWAY
                            | StatusCode::SERVICE_UNAVAILABLE
                            | StatusCode::GATEWAY_TIMEOUT
                    ) {
                        self.fail(&target, now_ms);
                    } else {
                        target.record_success();
                    }
                    return Ok(UpstreamResponse {
                        response,
                        target: target.address.clone(),
                        attempts,
                        guard,
                    });
                }
                Ok(Err(e)) => e,
                Err(_) => (UpstreamError::Timeout("read"), true),
            };
            drop(guard);
            self.fail(&target, now_ms);
            tracing::debug!(
                upstream = %spec.name, target = %target.address, attempt = attempts,
                error = %err, "upstream attempt failed"
            );
            last = err;
            if sent && !idempotent {
                break;
            }
        }
        Err(last)
    }

    /// An eligible target not yet tried by this request, else any eligible one.
    fn choose(&self, key: Option<&[u8]>, tried: &[usize]) -> Option<usize> {
        let inner = &self.inner;
        let now_ms = health::now_ms(inner.epoch);
        let ok = |i: usize| inner.targets[i].eligible(now_ms);
        let fresh = |i: usize| ok(i) && !tried.contains(&i);
        inner
            .balancer
            .pick(&inner.targets, key, &fresh)
            .or_else(|| inner.balancer.pick(&inner.targets, key, &ok))
    }

    fn fail(&self, target: &TargetState, now_ms: u64) {
        let p = &self.inner.spec.passive;
        target.record_failure(p.max_failures, p.eject_ms, now_ms);
    }
}

impl Drop for Upstream {
    fn drop(&mut self) {
        // Wakes the probe task so it notices at once rather than after its interval.
        self.stop.notify_one();
    }
}

/// The parts of a request each attempt resends.
#[derive(Clone)]
struct Template {
    method: Method,
    headers: HeaderMap,
    extensions: http::Extensions,
}

impl Template {
    fn into_request(self, uri: Uri, body: Bytes) -> Request<Full<Bytes>> {
        let mut req = Request::new(Full::new(body));
        *req.method_mut() = self.method;
        *req.uri_mut() = uri;
        *req.version_mut() = Version::HTTP_11;
        *req.headers_mut() = self.headers;
        *req.extensions_mut() = self.extensions;
        req
    }
}

fn target_uri(scheme: &Scheme, authority: &Authority, path: &PathAndQuery) -> Result<Uri, String> {
    Uri::builder()
        .scheme(scheme.clone())
        .authority(authority.clone())
        .path_and_query(path.clone())
        .build()
        .map_err(|e| format!("upstream URI: {e}"))
}

/// Methods that may be sent twice (RFC 9110 §9.2.2).
fn is_idempotent(m: &Method) -> bool {
    matches!(
        *m,
        Method::GET | Method::HEAD | Method::OPTIONS | Method::PUT | Method::DELETE | Method::TRACE
    )
}

/// `Connection: upgrade` with an `Upgrade` header (WebSocket and friends).
fn is_upgrade(headers: &HeaderMap) -> bool {
    headers.contains_key(http::header::UPGRADE)
        && headers
            .get_all(http::header::CONNECTION)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .any(|t| t.trim().eq_ignore_ascii_case("upgrade"))
}

/// Validates `spec` and builds a fresh pool.
fn compile(
    spec: &UpstreamSpec,
    roots: rustls::RootCertStore,
) -> Result<Inner, crate::GatewayError> {
    let at = |what: &str| format!("upstream {}: {what}", spec.name);
    let invalid = |what: &str, msg: String| crate::GatewayError::invalid(at(what), msg);
    if spec.targets.is_empty() {
        return Err(invalid("targets", "at least one target is required".into()));
    }
    if spec.targets.len() > MAX_TARGETS {
        return Err(invalid("targets", format!("at most {MAX_TARGETS} targets")));
    }
    let mut targets = Vec::with_capacity(spec.targets.len());
    for (i, t) in spec.targets.iter().enumerate() {
        let what = format!("targets[{i}]");
        let authority: Authority = t
            .address
            .parse()
            .map_err(|_| invalid(&what, format!("address {:?} is not host:port", t.address)))?;
        if authority.port_u16().is_none() || authority.as_str().contains('@') {
            return Err(invalid(
                &what,
                format!("address {:?} needs host:port", t.address),
            ));
        }
        if t.weight == 0 || t.weight > MAX_WEIGHT {
            return Err(invalid(&what, format!("weight must be 1..={MAX_WEIGHT}")));
        }
        if spec.targets[..i].iter().any(|o| o.address == t.address) {
            return Err(invalid(&what, format!("duplicate address {:?}", t.address)));
        }
        targets.push(Arc::new(TargetState::new(
            t.address.clone(),
            authority,
            t.weight,
        )));
    }
    let host = match &spec.host {
        Some(h) => Some(
            HeaderValue::from_str(h)
                .map_err(|_| invalid("host", "not a valid Host value".into()))?,
        ),
        None => None,
    };
    let probe_path = match &spec.health {
        Some(h) => {
            if !h.path.starts_with('/') {
                return Err(invalid("health.path", "must start with '/'".into()));
            }
            Some(
                h.path
                    .parse::<PathAndQuery>()
                    .map_err(|_| invalid("health.path", "not a valid path".into()))?,
            )
        }
        None => None,
    };
    let client = client::build(spec, roots).map_err(|m| invalid("tls", m))?;
    let balancer = Balancer::new(&spec.balance, &targets);
    let fast = (!spec.tls && !spec.http2).then(|| {
        h1::H1Pool::new(
            targets.len(),
            Duration::from_millis(spec.connect_timeout_ms.max(1)),
        )
    });
    Ok(Inner {
        spec: spec.clone(),
        client,
        fast,
        scheme: if spec.tls {
            Scheme::HTTPS
        } else {
            Scheme::HTTP
        },
        host,
        targets,
        balancer,
        epoch: Instant::now(),
        health_gen: AtomicU64::new(0),
        probe_rounds: tokio::sync::watch::Sender::new(0),
        probe_path,
    })
}
