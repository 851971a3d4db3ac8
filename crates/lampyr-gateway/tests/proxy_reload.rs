//! Hot reload under load: configuration swaps while keep-alive clients send requests never
//! fail a request nor drop a connection, and new requests follow the new configuration.

mod support;

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper_util::rt::TokioIo;
use support::*;

fn spec_to(
    a: std::net::SocketAddr,
    b: std::net::SocketAddr,
    to: &str,
    extra: bool,
) -> lampyr_spec::GatewaySpec {
    let mut routes = vec![serde_json::json!({
        "name": "api", "paths": ["/api"], "strip_prefix": true, "upstream": to,
        "inspect": {"mode": "monitor"}
    })];
    if extra {
        routes.push(serde_json::json!({"name": "extra", "paths": ["/extra"], "upstream": "b"}));
    }
    serde_json::from_value(serde_json::json!({
        "listeners": [{"name": "main", "address": "127.0.0.1:0"}],
        "upstreams": [
            {"name": "a", "targets": [{"address": a.to_string()}], "host": "a.internal", "retries": 0},
            {"name": "b", "targets": [{"address": b.to_string()}], "host": "b.internal", "retries": 0}
        ],
        "routes": routes,
        "access_log": {"target": "off"},
        "mirror": {"enabled": false}
    }))
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reloads_under_load_fail_no_request_and_drop_no_connection() {
    let ua = upstream().await;
    let ub = upstream().await;
    let gw = start_gateway(spec_to(ua.addr, ub.addr, "a", false)).await;
    let addr = gw.addr("main");

    let stop = Arc::new(AtomicBool::new(false));
    let ok = Arc::new(AtomicU64::new(0));
    let seen_a = Arc::new(AtomicU64::new(0));
    let seen_b = Arc::new(AtomicU64::new(0));
    let mut clients = Vec::new();
    for _ in 0..8 {
        let (stop, ok, seen_a, seen_b) = (stop.clone(), ok.clone(), seen_a.clone(), seen_b.clone());
        clients.push(tokio::spawn(async move {
            // One keep-alive connection per client for the whole test: a reload that dropped
            // connections would fail a send here.
            let tcp = tokio::net::TcpStream::connect(addr).await.unwrap();
            let (mut send, conn) = hyper::client::conn::http1::handshake(TokioIo::new(tcp))
                .await
                .unwrap();
            tokio::spawn(conn);
            let mut failures = Vec::new();
            while !stop.load(Ordering::Relaxed) {
                let req = req("GET", "/api/items/1")
                    .body(Full::new(Bytes::new()))
                    .unwrap();
                match send.send_request(req).await {
                    Ok(resp) => {
                        let status = resp.status();
                        let body = resp.into_body().collect().await.unwrap().to_bytes();
                        if status != 200 {
                            failures.push(format!("{status}: {}", String::from_utf8_lossy(&body)));
                            continue;
                        }
                        let seen: Seen = serde_json::from_slice(&body).unwrap();
                        match seen.header("host") {
                            Some("a.internal") => seen_a.fetch_add(1, Ordering::Relaxed),
                            Some("b.internal") => seen_b.fetch_add(1, Ordering::Relaxed),
                            other => panic!("unexpected host {other:?}"),
                        };
                        ok.fetch_add(1, Ordering::Relaxed);
                    }
                    Err(e) => failures.push(format!("send failed: {e}")),
                }
            }
            failures
        }));
    }

    // Wait until traffic flows (bounded), then swap the configuration 40 times.
    bounded(async {
        while ok.load(Ordering::Relaxed) < 50 {
            tokio::task::yield_now().await;
        }
    })
    .await;
    let mut version = gw.gateway.snapshot().version;
    for i in 0..40 {
        let to = if i % 2 == 0 { "b" } else { "a" };
        let before = ok.load(Ordering::Relaxed);
        let v = gw
            .gateway
            .apply(spec_to(ua.addr, ub.addr, to, i % 3 == 0))
            .expect("valid");
        assert_eq!(v, version + 1);
        version = v;
        // Let some requests run on this version before the next swap.
        bounded(async {
            while ok.load(Ordering::Relaxed) < before + 20 {
                tokio::task::yield_now().await;
            }
        })
        .await;
    }
    // Last swap went to `a` (i = 39): settle on `b` and check new requests follow it.
    gw.gateway
        .apply(spec_to(ua.addr, ub.addr, "b", false))
        .expect("valid");
    let after = h1(
        addr,
        req("GET", "/api/x").body(Full::new(Bytes::new())).unwrap(),
    )
    .await;
    assert_eq!(after.seen().header("host"), Some("b.internal"));
    let gone = h1(
        addr,
        req("GET", "/extra").body(Full::new(Bytes::new())).unwrap(),
    )
    .await;
    assert_eq!(gone.status, 404, "a removed route stops matching");

    stop.store(true, Ordering::Relaxed);
    let mut failures = Vec::new();
    for c in clients {
        failures.extend(c.await.unwrap());
    }
    assert!(
        failures.is_empty(),
        "{} failed: {:?}",
        failures.len(),
        &failures[..failures.len().min(5)]
    );
    assert!(
        ok.load(Ordering::Relaxed) >= 800,
        "{} requests",
        ok.load(Ordering::Relaxed)
    );
    assert!(seen_a.load(Ordering::Relaxed) > 0 && seen_b.load(Ordering::Relaxed) > 0);
    let metrics = gw.gateway.render_metrics();
    assert!(
        metrics.contains(&format!("lampyr_config_version {}", version + 1)),
        "{metrics}"
    );
    let _ = gw.shutdown.send(true);
    gw.server.wait().await;
}
