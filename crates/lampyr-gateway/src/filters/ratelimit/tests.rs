use std::net::IpAddr;
use std::time::{Duration, Instant};

use lampyr_spec::{RateLimitKey, RateLimitSpec};

use super::{check, Decision, Gcra, Limiter, RouteLimit};
use crate::filters::authz::tests::identity;

fn spec(key: RateLimitKey, requests: u64, per_secs: u64, burst: Option<u64>) -> RateLimitSpec {
    RateLimitSpec {
        key,
        requests,
        per_secs,
        burst,
    }
}

fn ip(s: &str) -> IpAddr {
    s.parse().unwrap()
}

fn header<'a>(h: &'a [(http::HeaderName, http::HeaderValue)], name: &str) -> Option<&'a str> {
    h.iter()
        .find(|(n, _)| n.as_str() == name)
        .and_then(|(_, v)| v.to_str().ok())
}

#[test]
fn burst_then_refused_with_retry_after() {
    // 1 request per second, burst 3.
    let g = Gcra::new(1, 1, 3, 1000);
    let t0 = Instant::now();
    for expected_remaining in [2, 1, 0] {
        let d = g.check("k", 1, t0);
        assert!(d.allowed);
        assert_eq!(d.remaining, expected_remaining);
        assert_eq!(d.limit, 3);
    }
    let d = g.check("k", 1, t0);
    assert!(!d.allowed);
    assert_eq!(d.remaining, 0);
    assert_eq!(d.retry_after_secs, 1);
    assert_eq!(d.reset_secs, 3);
}

#[test]
fn refills_over_time() {
    // 10 per second, burst 2: one request every 100 ms.
    let g = Gcra::new(10, 1, 2, 1000);
    let t0 = Instant::now();
    assert!(g.check("k", 1, t0).allowed);
    assert!(g.check("k", 1, t0).allowed);
    assert!(!g.check("k", 1, t0 + Duration::from_millis(50)).allowed);
    assert!(g.check("k", 1, t0 + Duration::from_millis(100)).allowed);
    assert!(!g.check("k", 1, t0 + Duration::from_millis(150)).allowed);
    // After a long pause the full burst is back, and no more.
    let later = t0 + Duration::from_secs(10);
    assert_eq!(g.check("k", 1, later).remaining, 1);
    assert!(g.check("k", 1, later).allowed);
    assert!(!g.check("k", 1, later).allowed);
}

#[test]
fn refused_requests_take_nothing() {
    let g = Gcra::new(1, 1, 1, 1000);
    let t0 = Instant::now();
    assert!(g.check("k", 1, t0).allowed);
    for ms in [100, 500, 900] {
        assert!(!g.check("k", 1, t0 + Duration::from_millis(ms)).allowed);
    }
    assert!(g.check("k", 1, t0 + Duration::from_secs(1)).allowed);
}

#[test]
fn keys_are_isolated() {
    let g = Gcra::new(1, 60, 1, 1000);
    let t0 = Instant::now();
    assert!(g.check("a", 1, t0).allowed);
    assert!(!g.check("a", 1, t0).allowed);
    assert!(g.check("b", 1, t0).allowed);
}

#[test]
fn key_map_is_bounded() {
    let g = Gcra::new(1, 3600, 1, 64);
    let t0 = Instant::now();
    for i in 0..10_000 {
        assert!(g.check(&format!("k{i}"), 1, t0).allowed);
    }
    // 64 keys over 16 shards: at most 4 per shard.
    assert!(g.len() <= 64, "{} keys", g.len());
    // Keys whose TAT passed are purged before anything live is evicted.
    let later = t0 + Duration::from_secs(7200);
    for i in 0..64 {
        g.check(&format!("n{i}"), 1, later);
    }
    assert!(g.len() <= 64);
}

#[test]
fn extreme_specs_do_not_panic() {
    let g = Gcra::new(0, 0, 0, 0);
    let t0 = Instant::now();
    assert!(g.check("k", 1, t0).allowed);
    assert!(!g.check("k", u64::MAX, t0).allowed);
    let g = Gcra::new(u64::MAX, u64::MAX, u64::MAX, 1);
    assert!(g.check("k", 1, t0).allowed);
}

#[test]
fn route_check_headers_and_429() {
    let limits = [RouteLimit::new(
        &spec(RateLimitKey::Consumer, 2, 60, None),
        "orders",
        None,
    )];
    let alice = identity("alice", &[], &[]);
    let bob = identity("bob", &[], &[]);
    let c = ip("10.0.0.1");
    let t0 = Instant::now();
    let h = check(&limits, Some(&alice), c, t0).unwrap();
    assert_eq!(header(&h, "ratelimit-limit"), Some("2"));
    assert_eq!(header(&h, "ratelimit-remaining"), Some("1"));
    assert_eq!(header(&h, "ratelimit-reset"), Some("30"));
    let h = check(&limits, Some(&alice), c, t0).unwrap();
    assert_eq!(header(&h, "ratelimit-remaining"), Some("0"));
    assert_eq!(header(&h, "ratelimit-reset"), Some("60"));
    let r = check(&limits, Some(&alice), c, t0).unwrap_err();
    assert_eq!(r.status, http::StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(r.code, "rate_limited");
    assert_eq!(header(&r.headers, "retry-after"), Some("30"));
    assert_eq!(header(&r.headers, "ratelimit-remaining"), Some("0"));
    // Another consumer from the same address has its own bucket.
    assert!(check(&limits, Some(&bob), c, t0).is_ok());
}

#[test]
fn anonymous_consumer_limit_counts_per_ip_and_v6_per_64() {
    let limits = [RouteLimit::new(
        &spec(RateLimitKey::Consumer, 1, 60, None),
        "r",
        None,
    )];
    let t0 = Instant::now();
    assert!(check(&limits, None, ip("192.0.2.1"), t0).is_ok());
    assert!(check(&limits, None, ip("192.0.2.1"), t0).is_err());
    assert!(check(&limits, None, ip("192.0.2.2"), t0).is_ok());
    assert!(check(&limits, None, ip("2001:db8:1:2::1"), t0).is_ok());
    assert!(check(&limits, None, ip("2001:db8:1:2:ffff::9"), t0).is_err());
    assert!(check(&limits, None, ip("2001:db8:1:3::1"), t0).is_ok());
}

#[test]
fn most_restrictive_headers_and_no_cost_when_refused() {
    let limits = [
        RouteLimit::new(&spec(RateLimitKey::Route, 100, 1, None), "r", None),
        RouteLimit::new(&spec(RateLimitKey::Ip, 2, 60, None), "r", None),
    ];
    let t0 = Instant::now();
    let c = ip("192.0.2.1");
    let h = check(&limits, None, c, t0).unwrap();
    assert_eq!(header(&h, "ratelimit-limit"), Some("2"));
    assert!(check(&limits, None, c, t0).is_ok());
    // The per-IP limit refuses from now on; the route limit must not be drained by it.
    for _ in 0..500 {
        assert!(check(&limits, None, c, t0).is_err());
    }
    let other = ip("192.0.2.99");
    for i in 0..2 {
        assert!(check(&limits, None, other, t0).is_ok(), "request {i}");
    }
    let route_only = &limits[0];
    let d: Decision = route_only.limiter.check("r|route", 1, t0);
    assert!(d.allowed);
    assert_eq!(d.remaining, 100 - 5);
}

#[test]
fn reload_keeps_state_only_for_the_same_spec() {
    let s = spec(RateLimitKey::Ip, 1, 60, None);
    let old = RouteLimit::new(&s, "r", None);
    let t0 = Instant::now();
    assert!(check(std::slice::from_ref(&old), None, ip("192.0.2.1"), t0).is_ok());
    let kept = RouteLimit::new(&s, "r", Some(&old));
    assert!(kept.shares_state_with(&old));
    assert!(check(std::slice::from_ref(&kept), None, ip("192.0.2.1"), t0).is_err());
    let changed = RouteLimit::new(&spec(RateLimitKey::Ip, 2, 60, None), "r", Some(&old));
    assert!(!changed.shares_state_with(&old));
    assert_eq!(changed.spec().requests, 2);
}
