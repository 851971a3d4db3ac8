//! The proxy's filter phases end to end: response masking (buffered, over the cap, mirror
//! unmasked), rate-limit headers and 429, and blocking inspection.

mod support;

use std::sync::atomic::Ordering;

use bytes::Bytes;
use http_body_util::Full;
use support::*;

const MOBILE: &str = "13812345678";

fn masking_spec(up: std::net::SocketAddr, cap: usize) -> lampyr_spec::GatewaySpec {
    let mut s = spec(up);
    s.routes[0].mask = Some(lampyr_spec::MaskSpec {
        types: vec![],
        clear_for_groups: Default::default(),
        clear_for_consumers: Default::default(),
        max_body: cap,
    });
    s
}

fn post_json(body: &str) -> http::Request<Full<Bytes>> {
    req("POST", "/api/json")
        .header("content-type", "application/json")
        .body(Full::new(Bytes::from(body.to_string())))
        .unwrap()
}

#[tokio::test]
async fn a_chunked_json_response_is_masked_with_a_new_length_and_mirrored_unmasked() {
    let up = upstream().await;
    let mut gw = start_gateway(masking_spec(up.addr, 1 << 20)).await;
    let mut mirror = gw.mirror.take().unwrap();
    let body = format!(r#"{{"name":"x","mobile":"{MOBILE}"}}"#);
    let got = h1(gw.addr("main"), post_json(&body)).await;
    assert_eq!(got.status, 200);
    let text = String::from_utf8_lossy(&got.body).into_owned();
    assert!(!text.contains(MOBILE), "{text}");
    assert_eq!(got.json()["name"], "x");
    assert_eq!(
        got.headers["content-length"],
        got.body.len().to_string().as_str()
    );
    assert!(!got.headers.contains_key("transfer-encoding"));
    let m = gw.gateway.metrics().route("api");
    assert!(m.masked_values.load(Ordering::Relaxed) >= 1);

    let ex = bounded(mirror.recv()).await.unwrap();
    let mirrored = ex.response.unwrap();
    assert_eq!(
        mirrored.body.bytes(),
        body.as_bytes(),
        "the mirror sees the upstream body"
    );
}

#[tokio::test]
async fn a_response_over_the_mask_cap_passes_unchanged_and_is_counted() {
    let up = upstream().await;
    let gw = start_gateway(masking_spec(up.addr, 16)).await;
    let body = format!(r#"{{"name":"a long enough body","mobile":"{MOBILE}"}}"#);
    let got = h1(gw.addr("main"), post_json(&body)).await;
    assert_eq!(got.status, 200);
    assert_eq!(&got.body[..], body.as_bytes());
    let m = gw.gateway.metrics().route("api");
    assert_eq!(m.mask_skipped.load(Ordering::Relaxed), 1);
    assert_eq!(m.masked_values.load(Ordering::Relaxed), 0);
}

#[tokio::test]
async fn rate_limit_headers_reach_the_client_and_the_excess_is_429() {
    let up = upstream().await;
    let mut s = spec(up.addr);
    s.routes[0].rate_limits = vec![serde_json::from_value(serde_json::json!({
        "key": "ip", "requests": 1, "per_secs": 3600, "burst": 1
    }))
    .unwrap()];
    let gw = start_gateway(s).await;
    let first = h1(
        gw.addr("main"),
        req("GET", "/api/r").body(Full::new(Bytes::new())).unwrap(),
    )
    .await;
    assert_eq!(first.status, 200);
    assert!(
        first
            .headers
            .keys()
            .any(|k| k.as_str().starts_with("ratelimit")),
        "{:?}",
        first.headers
    );
    let second = h1(
        gw.addr("main"),
        req("GET", "/api/r").body(Full::new(Bytes::new())).unwrap(),
    )
    .await;
    assert_eq!(second.status, 429);
    assert_eq!(second.json()["error"], "rate_limited");
    assert!(second.headers.contains_key("retry-after"));
    let mut text = String::new();
    gw.gateway.metrics().render_into(&mut text);
    assert!(
        text.contains("lampyr_refused_total{route=\"api\",reason=\"rate_limit\"} 1"),
        "{text}"
    );
}

#[tokio::test]
async fn blocking_inspection_refuses_an_attack_and_forwards_a_clean_request() {
    let up = upstream().await;
    let mut s = spec(up.addr);
    s.routes[0].inspect.mode = lampyr_spec::InspectMode::Block;
    let gw = start_gateway(s).await;
    let clean = h1(
        gw.addr("main"),
        req("GET", "/api/items?id=42")
            .body(Full::new(Bytes::new()))
            .unwrap(),
    )
    .await;
    assert_eq!(clean.status, 200);
    let attack = h1(
        gw.addr("main"),
        req("GET", "/api/items?id=1%27%20OR%20%271%27%3D%271%27%20UNION%20SELECT%20password%20FROM%20users--")
            .body(Full::new(Bytes::new()))
            .unwrap(),
    )
    .await;
    assert_eq!(
        attack.status,
        403,
        "{}",
        String::from_utf8_lossy(&attack.body)
    );
    assert_eq!(
        attack.json()["request_id"],
        attack.headers["x-request-id"].to_str().unwrap()
    );
    let m = gw.gateway.metrics().route("api");
    assert_eq!(m.attacks.load(Ordering::Relaxed), 1);
}

#[tokio::test]
async fn a_denied_address_is_refused_until_the_entry_is_removed() {
    let up = upstream().await;
    let gw = start_gateway(spec(up.addr)).await;
    gw.gateway
        .deny()
        .add(lampyr_spec::DenyEntry {
            kind: lampyr_spec::DenyKind::Ip,
            value: "127.0.0.0/8".into(),
            expires_at: None,
            reason: "test".into(),
        })
        .unwrap();
    let got = h1(
        gw.addr("main"),
        req("POST", "/api/d")
            .body(Full::new(Bytes::from_static(b"ignored")))
            .unwrap(),
    )
    .await;
    assert_eq!(got.status, 403);
    assert_eq!(got.json()["error"], "denied");
    assert!(gw
        .gateway
        .deny()
        .remove(lampyr_spec::DenyKind::Ip, "127.0.0.0/8"));
    let got = h1(
        gw.addr("main"),
        req("GET", "/api/d").body(Full::new(Bytes::new())).unwrap(),
    )
    .await;
    assert_eq!(got.status, 200);
}
