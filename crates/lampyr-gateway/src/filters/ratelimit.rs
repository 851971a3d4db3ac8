//! Rate-limit phase: GCRA per consumer, client IP or route, with `RateLimit-*` headers.
//!
//! The generic cell rate algorithm keeps one instant per key (the theoretical arrival time,
//! TAT), so a limit costs one small map entry per active key and no timers. A request of cost
//! `c` conforms when `max(TAT, now) + c·T − now ≤ burst·T`, with `T = per_secs / requests`.
//!
//! A route may carry several limits; a request must fit every one. Each is checked in turn;
//! when one refuses, the tokens already taken from the limits before it are given back, so a
//! refused request costs nothing (two racing requests may briefly see the refunded tokens as
//! taken: the bound is one request per concurrent refusal).

use std::collections::HashMap;
use std::hash::BuildHasher;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use http::{HeaderName, HeaderValue, StatusCode};
use lampyr_spec::{RateLimitKey, RateLimitSpec};

use crate::auth::Identity;
use crate::filters::Refusal;

#[cfg(test)]
mod tests;

/// Keys a local limiter tracks before it evicts (split evenly across its shards).
pub const DEFAULT_MAX_KEYS: usize = 100_000;
const SHARDS: usize = 16;

/// The outcome of one rate-limit check, with what the `RateLimit-*` headers report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Decision {
    /// Whether the request fits.
    pub allowed: bool,
    /// Requests the key may make at once (the burst).
    pub limit: u64,
    /// Requests left right now after this one.
    pub remaining: u64,
    /// Seconds until the full burst is available again.
    pub reset_secs: u64,
    /// Seconds until a refused request would fit (0 when allowed).
    pub retry_after_secs: u64,
}

/// A rate limiter keyed by string, behind a trait so a cluster-wide (Redis) limiter can
/// replace the local one without touching the phase.
pub trait Limiter: Send + Sync + std::fmt::Debug {
    /// Takes `cost` requests for `key` when they fit; a refusal takes nothing.
    fn check(&self, key: &str, cost: u64, now: Instant) -> Decision;

    /// Gives back `cost` requests taken by an allowed [`Limiter::check`] for a request that
    /// another limit then refused. Best effort: the default does nothing.
    fn refund(&self, key: &str, cost: u64) {
        let _ = (key, cost);
    }
}

/// Local GCRA limiter with a bounded key map.
pub struct Gcra {
    /// Emission interval `T`, nanoseconds.
    interval_ns: u64,
    /// Burst: requests accepted at once.
    burst: u64,
    /// Origin of the stored instants.
    epoch: Instant,
    max_keys_per_shard: usize,
    hasher: std::collections::hash_map::RandomState,
    /// Key → TAT in nanoseconds since `epoch`.
    shards: Vec<Mutex<HashMap<Box<str>, u64>>>,
}

impl std::fmt::Debug for Gcra {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Gcra")
            .field("interval_ns", &self.interval_ns)
            .field("burst", &self.burst)
            .field("keys", &self.len())
            .finish()
    }
}

impl Gcra {
    /// `requests` per `per_secs` with `burst` at once (zeros are read as one), tracking at most
    /// `max_keys` keys.
    pub fn new(requests: u64, per_secs: u64, burst: u64, max_keys: usize) -> Gcra {
        let requests = requests.max(1);
        let period_ns = u128::from(per_secs.max(1)) * 1_000_000_000;
        let interval_ns = u64::try_from(period_ns / u128::from(requests))
            .unwrap_or(u64::MAX)
            .max(1);
        Gcra {
            interval_ns,
            burst: burst.max(1),
            epoch: Instant::now(),
            max_keys_per_shard: max_keys.div_ceil(SHARDS).max(1),
            hasher: Default::default(),
            shards: (0..SHARDS).map(|_| Mutex::new(HashMap::new())).collect(),
        }
    }

    /// The limiter for a spec (`burst` defaults to `requests`).
    pub fn from_spec(spec: &RateLimitSpec, max_keys: usize) -> Gcra {
        Gcra::new(
            spec.requests,
            spec.per_secs,
            spec.burst.unwrap_or(spec.requests),
            max_keys,
        )
    }

    /// Keys currently tracked.
    pub fn len(&self) -> usize {
        self.shards
            .iter()
            .map(|s| s.lock().map(|m| m.len()).unwrap_or(0))
            .sum()
    }

    /// Whether no key is tracked.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn shard(&self, key: &str) -> &Mutex<HashMap<Box<str>, u64>> {
        &self.shards[(self.hasher.hash_one(key) as usize) % SHARDS]
    }

    fn tolerance_ns(&self) -> u64 {
        self.interval_ns.saturating_mul(self.burst)
    }

    fn decision(&self, allowed: bool, tat: u64, now: u64, retry_ns: u64) -> Decision {
        let ahead = tat.saturating_sub(now);
        let free_ns = self.tolerance_ns().saturating_sub(ahead);
        Decision {
            allowed,
            limit: self.burst,
            remaining: (free_ns / self.interval_ns).min(self.burst),
            reset_secs: ceil_secs(ahead),
            retry_after_secs: if allowed {
                0
            } else {
                ceil_secs(retry_ns).max(1)
            },
        }
    }
}

fn ceil_secs(ns: u64) -> u64 {
    ns.div_ceil(1_000_000_000)
}

impl Limiter for Gcra {
    fn check(&self, key: &str, cost: u64, now: Instant) -> Decision {
        let now_ns =
            u64::try_from(now.saturating_duration_since(self.epoch).as_nanos()).unwrap_or(u64::MAX);
        let increment = self.interval_ns.saturating_mul(cost);
        let tolerance = self.tolerance_ns();
        let mut map = self.shard(key).lock().unwrap_or_else(|p| p.into_inner());
        let tat = map.get(key).copied().unwrap_or(now_ns).max(now_ns);
        let new_tat = tat.saturating_add(increment);
        if new_tat - now_ns > tolerance {
            let retry = new_tat - now_ns - tolerance;
            return self.decision(false, tat, now_ns, retry);
        }
        if let Some(t) = map.get_mut(key) {
            *t = new_tat;
        } else {
            if map.len() >= self.max_keys_per_shard {
                // Keys whose TAT has passed are indistinguishable from fresh ones.
                map.retain(|_, t| *t > now_ns);
            }
            if map.len() >= self.max_keys_per_shard {
                // Still full: evict the key closest to being fresh again.
                if let Some(k) = map.iter().min_by_key(|(_, t)| **t).map(|(k, _)| k.clone()) {
                    map.remove(&k);
                }
            }
            map.insert(key.into(), new_tat);
        }
        self.decision(true, new_tat, now_ns, 0)
    }

    fn refund(&self, key: &str, cost: u64) {
        let increment = self.interval_ns.saturating_mul(cost);
        let mut map = self.shard(key).lock().unwrap_or_else(|p| p.into_inner());
        if let Some(t) = map.get_mut(key) {
            *t = t.saturating_sub(increment);
        }
    }
}

/// One rate limit of a route with its state.
#[derive(Debug)]
pub struct RouteLimit {
    spec: RateLimitSpec,
    route: Arc<str>,
    limiter: Arc<dyn Limiter>,
}

impl RouteLimit {
    /// A limiter for `spec` on `route`; `prev` (the same limit in the previous snapshot) lends
    /// its state so a reload does not hand every client a fresh burst.
    pub fn new(spec: &RateLimitSpec, route: &str, prev: Option<&RouteLimit>) -> RouteLimit {
        let limiter = match prev {
            Some(p) if p.spec == *spec => p.limiter.clone(),
            _ => Arc::new(Gcra::from_spec(spec, DEFAULT_MAX_KEYS)) as Arc<dyn Limiter>,
        };
        RouteLimit {
            spec: spec.clone(),
            route: route.into(),
            limiter,
        }
    }

    /// A limit backed by another limiter (a cluster-wide one).
    pub fn with_limiter(
        spec: &RateLimitSpec,
        route: &str,
        limiter: Arc<dyn Limiter>,
    ) -> RouteLimit {
        RouteLimit {
            spec: spec.clone(),
            route: route.into(),
            limiter,
        }
    }

    /// The spec it enforces.
    pub fn spec(&self) -> &RateLimitSpec {
        &self.spec
    }

    /// Whether two limits share state (a reload kept the buckets).
    pub fn shares_state_with(&self, other: &RouteLimit) -> bool {
        Arc::ptr_eq(&self.limiter, &other.limiter)
    }

    /// The bucket key of a request. IPv6 clients are counted per /64, the block one
    /// subscriber usually holds, so rotating addresses inside it does not escape the limit.
    fn key(&self, identity: Option<&Identity>, client: IpAddr) -> String {
        let ip = || match client.to_canonical() {
            IpAddr::V4(v4) => v4.to_string(),
            IpAddr::V6(v6) => {
                let s = v6.segments();
                format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
            }
        };
        match (self.spec.key, identity) {
            (RateLimitKey::Consumer, Some(id)) => format!("{}|c|{}", self.route, id.consumer.name),
            (RateLimitKey::Consumer, None) | (RateLimitKey::Ip, _) => {
                format!("{}|ip|{}", self.route, ip())
            }
            (RateLimitKey::Route, _) => format!("{}|route", self.route),
        }
    }
}

/// Checks every limit of the route and returns the `RateLimit-Limit`, `RateLimit-Remaining`
/// and `RateLimit-Reset` headers (IETF draft) of the most restrictive one for the response,
/// or a 429 refusal carrying the refusing limit's headers plus `Retry-After`.
pub fn check(
    limits: &[RouteLimit],
    identity: Option<&Identity>,
    client: IpAddr,
    now: Instant,
) -> Result<Vec<(HeaderName, HeaderValue)>, Refusal> {
    let mut taken: Vec<(&RouteLimit, String)> = Vec::with_capacity(limits.len());
    let mut tightest: Option<Decision> = None;
    for limit in limits {
        let key = limit.key(identity, client);
        let d = limit.limiter.check(&key, 1, now);
        if !d.allowed {
            for (l, k) in &taken {
                l.limiter.refund(k, 1);
            }
            let mut r = Refusal::new(
                StatusCode::TOO_MANY_REQUESTS,
                "rate_limited",
                format!("rate limit exceeded; retry in {} s", d.retry_after_secs),
            );
            r.headers = headers(&d);
            r.headers.push((
                http::header::RETRY_AFTER,
                HeaderValue::from(d.retry_after_secs),
            ));
            return Err(r);
        }
        taken.push((limit, key));
        tightest = Some(match tightest {
            Some(t)
                if (t.remaining, std::cmp::Reverse(t.reset_secs))
                    <= (d.remaining, std::cmp::Reverse(d.reset_secs)) =>
            {
                t
            }
            _ => d,
        });
    }
    Ok(tightest.map(|d| headers(&d)).unwrap_or_default())
}

fn headers(d: &Decision) -> Vec<(HeaderName, HeaderValue)> {
    vec![
        (
            HeaderName::from_static("ratelimit-limit"),
            HeaderValue::from(d.limit),
        ),
        (
            HeaderName::from_static("ratelimit-remaining"),
            HeaderValue::from(d.remaining),
        ),
        (
            HeaderName::from_static("ratelimit-reset"),
            HeaderValue::from(d.reset_secs),
        ),
    ]
}
