//! Per-target state shared by the balancer, passive ejection and the active probe.
//!
//! Everything here is lock-free atomics so the hot path (choose a target, count it in flight,
//! record the outcome) never waits on another request.

use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Weak};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http::uri::{Authority, PathAndQuery, Scheme};
use http::{HeaderValue, Request, StatusCode};
use http_body_util::{BodyExt, Full, Limited};
use lampyr_spec::ActiveHealthSpec;
use tokio::sync::Notify;

use super::{Inner, Upstream};

/// Shortest probe period, so a zero or tiny `interval_ms` cannot spin a core.
const MIN_INTERVAL: Duration = Duration::from_millis(5);
/// Shortest probe timeout.
const MIN_PROBE_TIMEOUT: Duration = Duration::from_millis(1);
/// Largest probe response body read (to keep the connection); longer ones are dropped.
const PROBE_BODY_LIMIT: usize = 64 * 1024;

/// Live state of one target.
#[derive(Debug)]
pub(crate) struct TargetState {
    /// `host:port` as configured.
    pub address: String,
    /// The same, parsed for URI rewriting.
    pub authority: Authority,
    /// Balancing weight (at least 1).
    pub weight: u32,
    /// Verdict of the active probe; targets start healthy.
    healthy: AtomicBool,
    /// Requests sent to this target whose response is not finished.
    pub in_flight: AtomicU64,
    /// Consecutive passive failures (stays at or above the limit while ejected, so one more
    /// failure after the ejection lapses ejects again at once).
    failures: AtomicU32,
    /// Milliseconds since the pool's epoch until which the target is out; 0 = not ejected.
    ejected_until: AtomicU64,
    /// Consecutive probe successes / failures.
    probe_ok: AtomicU32,
    probe_fail: AtomicU32,
}

impl TargetState {
    /// A healthy, idle target.
    pub fn new(address: String, authority: Authority, weight: u32) -> Self {
        Self {
            address,
            authority,
            weight,
            healthy: AtomicBool::new(true),
            in_flight: AtomicU64::new(0),
            failures: AtomicU32::new(0),
            ejected_until: AtomicU64::new(0),
            probe_ok: AtomicU32::new(0),
            probe_fail: AtomicU32::new(0),
        }
    }

    /// Active-probe verdict.
    pub fn healthy(&self) -> bool {
        self.healthy.load(Ordering::Relaxed)
    }

    /// Whether the balancer may choose this target at `now_ms` (pool clock).
    pub fn eligible(&self, now_ms: u64) -> bool {
        self.healthy() && self.ejected_until.load(Ordering::Relaxed) <= now_ms
    }

    /// End of the current ejection on the pool clock, if one is running at `now_ms`.
    pub fn ejected_until_ms(&self, now_ms: u64) -> Option<u64> {
        let until = self.ejected_until.load(Ordering::Relaxed);
        (until > now_ms).then_some(until)
    }

    /// A passive failure: after `max` in a row the target is out for `eject_ms`.
    pub fn record_failure(&self, max: u32, eject_ms: u64, now_ms: u64) {
        if max == 0 {
            return;
        }
        let n = self
            .failures
            .fetch_add(1, Ordering::Relaxed)
            .saturating_add(1);
        if n >= max {
            // Keep the counter from wrapping on a target that fails forever.
            self.failures.store(max, Ordering::Relaxed);
            let until = now_ms.saturating_add(eject_ms.max(1));
            self.ejected_until.store(until, Ordering::Relaxed);
            tracing::warn!(target = %self.address, eject_ms, "upstream target ejected");
        }
    }

    /// A passive success: the target answered, so it is back and its streak is reset.
    pub fn record_success(&self) {
        if self.failures.load(Ordering::Relaxed) != 0 {
            self.failures.store(0, Ordering::Relaxed);
        }
        if self.ejected_until.load(Ordering::Relaxed) != 0 {
            self.ejected_until.store(0, Ordering::Relaxed);
        }
    }

    /// One probe outcome, counted against the thresholds.
    fn record_probe(&self, ok: bool, spec: &ActiveHealthSpec) {
        if ok {
            self.probe_fail.store(0, Ordering::Relaxed);
            let n = self
                .probe_ok
                .fetch_add(1, Ordering::Relaxed)
                .saturating_add(1);
            if n >= spec.healthy_threshold.max(1) && !self.healthy.swap(true, Ordering::Relaxed) {
                tracing::info!(target = %self.address, "upstream target healthy");
            }
        } else {
            self.probe_ok.store(0, Ordering::Relaxed);
            let n = self
                .probe_fail
                .fetch_add(1, Ordering::Relaxed)
                .saturating_add(1);
            if n >= spec.unhealthy_threshold.max(1) && self.healthy.swap(false, Ordering::Relaxed) {
                tracing::warn!(target = %self.address, "upstream target unhealthy");
            }
        }
        // Saturate the streaks well below wrap-around.
        for c in [&self.probe_ok, &self.probe_fail] {
            if c.load(Ordering::Relaxed) > 1_000_000 {
                c.store(1_000_000, Ordering::Relaxed);
            }
        }
    }
}

/// Whether `status` is a healthy probe answer.
pub(crate) fn status_ok(spec: &ActiveHealthSpec, status: StatusCode) -> bool {
    if spec.expect_status.is_empty() {
        (200..=399).contains(&status.as_u16())
    } else {
        spec.expect_status.contains(&status.as_u16())
    }
}

/// The probe loop. Holds only a `Weak` so a dropped upstream ends it; `generation` lets a
/// newer upstream sharing the same pool take over probing without double counting.
pub(crate) async fn run(this: Weak<Upstream>, stop: Arc<Notify>, generation: u64) {
    loop {
        let (inner, spec) = {
            let Some(up) = this.upgrade() else { return };
            if up.is_stopped() {
                return;
            }
            let inner = Arc::clone(&up.inner);
            let Some(spec) = inner.spec.health.clone() else {
                return;
            };
            (inner, spec)
        };
        if inner.health_generation() != generation {
            return;
        }
        probe_all(&inner, &spec).await;
        inner.probe_rounds.send_modify(|n| *n = n.wrapping_add(1));
        drop(inner);
        let interval = Duration::from_millis(spec.interval_ms).max(MIN_INTERVAL);
        tokio::select! {
            _ = tokio::time::sleep(interval) => {}
            _ = stop.notified() => return,
        }
    }
}

/// Probes every target concurrently and records the outcomes.
async fn probe_all(inner: &Arc<Inner>, spec: &ActiveHealthSpec) {
    let mut set = tokio::task::JoinSet::new();
    for (i, _) in inner.targets.iter().enumerate() {
        let inner = Arc::clone(inner);
        let spec = spec.clone();
        set.spawn(async move {
            let t = &inner.targets[i];
            let ok = probe_one(&inner, t, &spec).await;
            t.record_probe(ok, &spec);
        });
    }
    while set.join_next().await.is_some() {}
}

/// One GET to the probe path; true when it answered an expected status in time.
async fn probe_one(inner: &Inner, t: &TargetState, spec: &ActiveHealthSpec) -> bool {
    let Some(path) = inner.probe_path.clone() else {
        return false;
    };
    let Some(req) = probe_request(&inner.scheme, &t.authority, path, inner.host.as_ref()) else {
        return false;
    };
    let timeout = Duration::from_millis(spec.timeout_ms).max(MIN_PROBE_TIMEOUT);
    let exchange = async {
        let resp = inner.client.request(req).await?;
        let ok = status_ok(spec, resp.status());
        // Read a small body to the end so the connection goes back to the pool; a larger
        // one is simply dropped with its connection.
        let _ = Limited::new(resp.into_body(), PROBE_BODY_LIMIT)
            .collect()
            .await;
        Ok::<_, hyper_util::client::legacy::Error>(ok)
    };
    match tokio::time::timeout(timeout, exchange).await {
        Ok(Ok(ok)) => ok,
        Ok(Err(e)) => {
            tracing::debug!(target = %t.address, error = %e, "health probe failed");
            false
        }
        Err(_) => {
            tracing::debug!(target = %t.address, "health probe timed out");
            false
        }
    }
}

fn probe_request(
    scheme: &Scheme,
    authority: &Authority,
    path: PathAndQuery,
    host: Option<&HeaderValue>,
) -> Option<Request<Full<Bytes>>> {
    let uri = http::Uri::builder()
        .scheme(scheme.clone())
        .authority(authority.clone())
        .path_and_query(path)
        .build()
        .ok()?;
    let mut req = Request::new(Full::new(Bytes::new()));
    *req.uri_mut() = uri;
    if let Some(h) = host {
        req.headers_mut().insert(http::header::HOST, h.clone());
    }
    req.headers_mut().insert(
        http::header::USER_AGENT,
        HeaderValue::from_static("lampyr-health"),
    );
    Some(req)
}

/// The pool clock: milliseconds since `epoch`, offset by one so 0 can mean "never".
pub(crate) fn now_ms(epoch: Instant) -> u64 {
    u64::try_from(epoch.elapsed().as_millis())
        .unwrap_or(u64::MAX)
        .saturating_add(1)
}
