//! Behaviour tests against real sockets: tiny hyper servers on port 0.

use std::collections::HashMap;
use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http::{Request, Response, StatusCode};
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;
use lampyr_spec::{ActiveHealthSpec, Balance, PassiveHealthSpec, TargetSpec, UpstreamSpec};
use tokio::io::AsyncReadExt;
use tokio::net::TcpListener;

use super::{Upstream, UpstreamError};

type Reply = Pin<Box<dyn Future<Output = Response<Full<Bytes>>> + Send>>;
pub(super) type Handler = Arc<dyn Fn(Request<Incoming>) -> Reply + Send + Sync>;

pub(super) fn handler<F, Fut>(f: F) -> Handler
where
    F: Fn(Request<Incoming>) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Response<Full<Bytes>>> + Send + 'static,
{
    Arc::new(move |r| Box::pin(f(r)))
}

fn ok_handler() -> Handler {
    handler(|_| async { Response::new(Full::new(Bytes::from_static(b"ok"))) })
}

/// An HTTP/1.1 + h2 server on port 0, optionally behind TLS.
pub(super) async fn serve(h: Handler, tls: Option<Arc<rustls::ServerConfig>>) -> SocketAddr {
    let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = l.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((s, _)) = l.accept().await {
            let (h, tls) = (h.clone(), tls.clone());
            tokio::spawn(async move {
                let svc = service_fn(move |req| {
                    let h = h.clone();
                    async move { Ok::<_, Infallible>(h(req).await) }
                });
                let b = auto::Builder::new(TokioExecutor::new());
                match tls {
                    None => {
                        let _ = b.serve_connection_with_upgrades(TokioIo::new(s), svc).await;
                    }
                    Some(cfg) => {
                        let Ok(s) = tokio_rustls::TlsAcceptor::from(cfg).accept(s).await else {
                            return;
                        };
                        let _ = b.serve_connection_with_upgrades(TokioIo::new(s), svc).await;
                    }
                }
            });
        }
    });
    addr
}

/// A port nothing listens on.
async fn closed_port() -> SocketAddr {
    let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let a = l.local_addr().unwrap();
    drop(l);
    a
}

/// Accepts, reads a request head, counts it, then closes without answering.
async fn closer(count: Arc<AtomicUsize>) -> SocketAddr {
    let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let a = l.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((mut s, _)) = l.accept().await {
            let count = count.clone();
            tokio::spawn(async move {
                let mut buf = Vec::new();
                let mut chunk = [0u8; 1024];
                while !buf.windows(4).any(|w| w == b"\r\n\r\n") {
                    match s.read(&mut chunk).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => buf.extend_from_slice(&chunk[..n]),
                    }
                }
                count.fetch_add(1, Ordering::SeqCst);
            });
        }
    });
    a
}

/// Accepts and never answers.
async fn silent() -> SocketAddr {
    let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let a = l.local_addr().unwrap();
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((s, _)) = l.accept().await {
            held.push(s);
        }
    });
    a
}

pub(super) fn spec(targets: &[(SocketAddr, u32)]) -> UpstreamSpec {
    UpstreamSpec {
        name: "test".into(),
        targets: targets
            .iter()
            .map(|(a, w)| TargetSpec {
                address: a.to_string(),
                weight: *w,
            })
            .collect(),
        balance: Balance::RoundRobin,
        tls: false,
        tls_ca: None,
        http2: false,
        host: None,
        health: None,
        passive: PassiveHealthSpec::default(),
        connect_timeout_ms: 2_000,
        read_timeout_ms: 10_000,
        total_timeout_ms: 20_000,
        retries: 1,
    }
}

pub(super) fn req(method: &str, path: &str) -> Request<Full<Bytes>> {
    Request::builder()
        .method(method)
        .uri(path)
        .body(Full::new(Bytes::from_static(b"body")))
        .unwrap()
}

async fn get_target(up: &Upstream, key: Option<&[u8]>) -> String {
    let r = up.send(req("GET", "/"), key).await.unwrap();
    assert_eq!(r.response.status(), StatusCode::OK);
    let target = r.target.clone();
    r.response.into_body().collect().await.unwrap();
    target
}

/// Waits until `cond` holds, re-checking after each round of probes; fails after 5 s.
async fn wait_for(up: &Upstream, what: &str, cond: impl Fn() -> bool) {
    let mut rounds = up.probe_rounds();
    tokio::time::timeout(Duration::from_secs(5), rounds.wait_for(|_| cond()))
        .await
        .unwrap_or_else(|_| panic!("timed out waiting for {what}"))
        .expect("probe loop alive");
}

#[tokio::test]
async fn weighted_round_robin_is_exactly_proportional() {
    let a = serve(ok_handler(), None).await;
    let b = serve(ok_handler(), None).await;
    let up = Upstream::new(&spec(&[(a, 3), (b, 1)]), None).unwrap();
    let mut counts: HashMap<String, u32> = HashMap::new();
    for _ in 0..40 {
        *counts.entry(get_target(&up, None).await).or_default() += 1;
    }
    assert_eq!(counts.get(&a.to_string()), Some(&30));
    assert_eq!(counts.get(&b.to_string()), Some(&10));
}

#[tokio::test]
async fn least_connections_prefers_the_idle_target() {
    let a = serve(ok_handler(), None).await;
    let b = serve(ok_handler(), None).await;
    let mut s = spec(&[(a, 1), (b, 1)]);
    s.balance = Balance::LeastConnections;
    let up = Upstream::new(&s, None).unwrap();
    // Hold one response open: its target stays busy until the guard drops.
    let busy = up.send(req("GET", "/"), None).await.unwrap();
    let busy_target = busy.target.clone();
    for _ in 0..6 {
        assert_ne!(get_target(&up, None).await, busy_target);
    }
    let h = up.health();
    assert_eq!(h.iter().map(|t| t.in_flight).sum::<u64>(), 1);
    drop(busy);
    assert!(up.health().iter().all(|t| t.in_flight == 0));
}

#[tokio::test]
async fn consistent_hash_is_sticky_and_moves_only_removed_keys() {
    let addrs = [
        serve(ok_handler(), None).await,
        serve(ok_handler(), None).await,
        serve(ok_handler(), None).await,
    ];
    let mut s = spec(&[(addrs[0], 1), (addrs[1], 1), (addrs[2], 1)]);
    s.balance = Balance::ConsistentHash {
        key: "client_ip".into(),
    };
    let up = Upstream::new(&s, None).unwrap();
    let keys: Vec<String> = (0..60).map(|i| format!("10.0.0.{i}")).collect();
    let mut first = HashMap::new();
    for k in &keys {
        first.insert(k.clone(), get_target(&up, Some(k.as_bytes())).await);
    }
    for k in &keys {
        assert_eq!(
            get_target(&up, Some(k.as_bytes())).await,
            first[k],
            "key {k}"
        );
    }
    let removed = addrs[2].to_string();
    assert!(
        first.values().any(|t| *t == removed),
        "test keys should cover every target"
    );
    s.targets.pop();
    let smaller = Upstream::new(&s, Some(&up)).unwrap();
    for k in &keys {
        let now = get_target(&smaller, Some(k.as_bytes())).await;
        if first[k] == removed {
            assert_ne!(now, removed);
        } else {
            assert_eq!(now, first[k], "key {k} moved although its target stayed");
        }
    }
}

#[tokio::test]
async fn closed_target_is_ejected_and_no_request_fails() {
    let bad = closed_port().await;
    let good = serve(ok_handler(), None).await;
    let mut s = spec(&[(bad, 1), (good, 1)]);
    s.passive = PassiveHealthSpec {
        max_failures: 1,
        eject_ms: 60_000,
    };
    s.retries = 1;
    let up = Upstream::new(&s, None).unwrap();
    let mut attempts = Vec::new();
    for _ in 0..10 {
        let r = up
            .send(req("POST", "/"), None)
            .await
            .expect("no request may fail");
        assert_eq!(r.target, good.to_string());
        attempts.push(r.attempts);
    }
    // The first request met the dead target first and was retried; later ones never see it.
    assert_eq!(attempts[0], 2);
    assert!(attempts[1..].iter().all(|&a| a == 1), "{attempts:?}");
    let h = up.health();
    let bad_h = h.iter().find(|t| t.address == bad.to_string()).unwrap();
    assert!(bad_h.ejected_until.is_some());
}

#[tokio::test]
async fn all_targets_down_is_503() {
    let bad = closed_port().await;
    let mut s = spec(&[(bad, 1)]);
    s.passive = PassiveHealthSpec {
        max_failures: 1,
        eject_ms: 60_000,
    };
    s.retries = 0;
    let up = Upstream::new(&s, None).unwrap();
    let e = up.send(req("GET", "/"), None).await.unwrap_err();
    assert!(matches!(e, UpstreamError::Connect(_)), "{e:?}");
    assert_eq!(e.status(), StatusCode::BAD_GATEWAY);
    let e = up.send(req("GET", "/"), None).await.unwrap_err();
    assert!(matches!(e, UpstreamError::NoHealthyTarget), "{e:?}");
    assert_eq!(e.status(), StatusCode::SERVICE_UNAVAILABLE);
}

#[tokio::test]
async fn active_probe_takes_a_failing_target_out() {
    let good = serve(ok_handler(), None).await;
    let failing = Arc::new(AtomicBool::new(true));
    let f = failing.clone();
    let sick = serve(
        handler(move |r| {
            let failing = f.load(Ordering::SeqCst);
            async move {
                let status = if failing && r.uri().path() == "/healthz" {
                    StatusCode::INTERNAL_SERVER_ERROR
                } else {
                    StatusCode::OK
                };
                let mut resp = Response::new(Full::new(Bytes::new()));
                *resp.status_mut() = status;
                resp
            }
        }),
        None,
    )
    .await;
    let mut s = spec(&[(good, 1), (sick, 1)]);
    s.health = Some(ActiveHealthSpec {
        path: "/healthz".into(),
        interval_ms: 20,
        timeout_ms: 1_000,
        healthy_threshold: 2,
        unhealthy_threshold: 3,
        expect_status: vec![],
    });
    let up = Upstream::new(&s, None).unwrap();
    assert!(
        up.health().iter().all(|t| t.healthy),
        "targets start healthy"
    );
    up.start_health();
    up.start_health(); // idempotent
    let sick_s = sick.to_string();
    wait_for(&up, "the sick target to turn unhealthy", || {
        up.health()
            .iter()
            .any(|t| t.address == sick_s && !t.healthy)
    })
    .await;
    assert!(up
        .health()
        .iter()
        .any(|t| t.address == good.to_string() && t.healthy));
    for _ in 0..6 {
        assert_eq!(get_target(&up, None).await, good.to_string());
    }
    failing.store(false, Ordering::SeqCst);
    wait_for(&up, "the sick target to recover", || {
        up.health().iter().all(|t| t.healthy)
    })
    .await;
    let mut seen = std::collections::HashSet::new();
    for _ in 0..4 {
        seen.insert(get_target(&up, None).await);
    }
    assert!(
        seen.contains(&sick_s),
        "a recovered target takes traffic again"
    );
    up.shutdown();
}

#[test]
fn start_health_outside_a_runtime_does_not_panic() {
    let addr: SocketAddr = "127.0.0.1:9".parse().unwrap();
    let mut s = spec(&[(addr, 1)]);
    s.health = Some(ActiveHealthSpec {
        path: "/".into(),
        interval_ms: 10,
        timeout_ms: 10,
        healthy_threshold: 1,
        unhealthy_threshold: 1,
        expect_status: vec![],
    });
    let up = Upstream::new(&s, None).unwrap();
    up.start_health();
    assert!(up.health()[0].healthy);
}

#[tokio::test]
async fn gateway_errors_from_the_target_eject_it() {
    let a = serve(
        handler(|_| async {
            let mut r = Response::new(Full::new(Bytes::new()));
            *r.status_mut() = StatusCode::SERVICE_UNAVAILABLE;
            r
        }),
        None,
    )
    .await;
    let mut s = spec(&[(a, 1)]);
    s.passive = PassiveHealthSpec {
        max_failures: 2,
        eject_ms: 60_000,
    };
    let up = Upstream::new(&s, None).unwrap();
    for _ in 0..2 {
        // A 503 answer is passed on as is (not retried) but counted against the target.
        let r = up.send(req("GET", "/"), None).await.unwrap();
        assert_eq!(r.response.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(r.attempts, 1);
    }
    let e = up.send(req("GET", "/"), None).await.unwrap_err();
    assert!(matches!(e, UpstreamError::NoHealthyTarget), "{e:?}");
}

#[tokio::test]
async fn post_is_not_retried_after_it_was_sent() {
    let count = Arc::new(AtomicUsize::new(0));
    let a = closer(count.clone()).await;
    let b = closer(count.clone()).await;
    let mut s = spec(&[(a, 1), (b, 1)]);
    s.retries = 3;
    s.passive.max_failures = 0;
    let up = Upstream::new(&s, None).unwrap();
    let e = up.send(req("POST", "/orders"), None).await.unwrap_err();
    assert!(matches!(e, UpstreamError::Protocol(_)), "{e:?}");
    assert_eq!(e.status(), StatusCode::BAD_GATEWAY);
    assert_eq!(
        count.load(Ordering::SeqCst),
        1,
        "POST reached a target more than once"
    );

    // The same failure on an idempotent method is retried up to `retries` times.
    count.store(0, Ordering::SeqCst);
    let e = up.send(req("PUT", "/orders/1"), None).await.unwrap_err();
    assert!(matches!(e, UpstreamError::Protocol(_)), "{e:?}");
    assert_eq!(count.load(Ordering::SeqCst), 4);
}

#[tokio::test]
async fn upgrade_requests_are_never_retried() {
    let count = Arc::new(AtomicUsize::new(0));
    let a = closer(count.clone()).await;
    let b = closer(count.clone()).await;
    let mut s = spec(&[(a, 1), (b, 1)]);
    s.retries = 3;
    let up = Upstream::new(&s, None).unwrap();
    let mut r = req("GET", "/ws");
    r.headers_mut()
        .insert("connection", "Upgrade".parse().unwrap());
    r.headers_mut()
        .insert("upgrade", "websocket".parse().unwrap());
    assert!(up.send(r, None).await.is_err());
    assert_eq!(count.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn read_timeout_is_504() {
    let a = silent().await;
    let mut s = spec(&[(a, 1)]);
    s.read_timeout_ms = 100;
    s.retries = 0;
    let up = Upstream::new(&s, None).unwrap();
    let e = up.send(req("GET", "/"), None).await.unwrap_err();
    assert!(matches!(e, UpstreamError::Timeout("read")), "{e:?}");
    assert_eq!(e.status(), StatusCode::GATEWAY_TIMEOUT);
}

#[tokio::test]
async fn unchanged_spec_keeps_state_changed_spec_starts_fresh() {
    let bad = closed_port().await;
    let good = serve(ok_handler(), None).await;
    let mut s = spec(&[(bad, 1), (good, 1)]);
    s.passive = PassiveHealthSpec {
        max_failures: 1,
        eject_ms: 60_000,
    };
    let up = Upstream::new(&s, None).unwrap();
    up.send(req("GET", "/"), None).await.unwrap();
    let ejected = |u: &Upstream| u.health().iter().any(|t| t.ejected_until.is_some());
    assert!(ejected(&up));
    let same = Upstream::new(&s, Some(&up)).unwrap();
    assert!(Arc::ptr_eq(&same, &up), "unchanged spec reuses the pool");
    assert!(ejected(&same), "unchanged spec must keep passive health");
    up.shutdown();
    let restarted = Upstream::new(&s, Some(&up)).unwrap();
    assert!(
        !Arc::ptr_eq(&restarted, &up),
        "a shut-down pool is not handed out again"
    );
    assert!(ejected(&restarted), "but its health state carries over");
    let same = restarted;
    s.retries = 2;
    let changed = Upstream::new(&s, Some(&same)).unwrap();
    assert!(!ejected(&changed), "a changed spec builds a fresh pool");
}

#[test]
fn bad_specs_are_refused() {
    let addr: SocketAddr = "127.0.0.1:80".parse().unwrap();
    let base = spec(&[(addr, 1)]);
    let mut cases = Vec::new();
    let mut s = base.clone();
    s.targets.clear();
    cases.push(s);
    for a in ["no-port", "", "user@h:1", "h:99999"] {
        let mut s = base.clone();
        s.targets[0].address = a.into();
        cases.push(s);
    }
    let mut s = base.clone();
    s.targets[0].weight = 0;
    cases.push(s);
    let mut s = base.clone();
    s.targets.push(s.targets[0].clone());
    cases.push(s);
    let mut s = base.clone();
    s.host = Some("bad\nhost".into());
    cases.push(s);
    let mut s = base.clone();
    s.health = Some(ActiveHealthSpec {
        path: "healthz".into(),
        interval_ms: 1_000,
        timeout_ms: 100,
        healthy_threshold: 1,
        unhealthy_threshold: 1,
        expect_status: vec![],
    });
    cases.push(s);
    for c in cases {
        assert!(Upstream::new(&c, None).is_err(), "accepted {c:?}");
    }
    assert!(Upstream::new(&base, None).is_ok());
}

#[test]
fn probe_status_rules() {
    let mut h = ActiveHealthSpec {
        path: "/".into(),
        interval_ms: 1,
        timeout_ms: 1,
        healthy_threshold: 1,
        unhealthy_threshold: 1,
        expect_status: vec![],
    };
    use super::health::status_ok;
    assert!(status_ok(&h, StatusCode::OK));
    assert!(status_ok(&h, StatusCode::PERMANENT_REDIRECT));
    assert!(!status_ok(&h, StatusCode::NOT_FOUND));
    h.expect_status = vec![204];
    assert!(status_ok(&h, StatusCode::NO_CONTENT));
    assert!(!status_ok(&h, StatusCode::OK));
}
