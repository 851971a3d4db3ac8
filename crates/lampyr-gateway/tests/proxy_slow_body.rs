//! A client that sends its head but not its body in time gets a JSON 408 and the upstream
//! never sees the request.

mod support;

use support::*;

#[tokio::test]
async fn a_body_slower_than_the_limit_is_refused_with_408() {
    let up = upstream().await;
    let mut spec = spec(up.addr);
    spec.limits.body_timeout_ms = 200;
    let gw = start_gateway(spec).await;
    let addr = gw.addr("main");

    // Ten bytes announced, two sent, then silence (the socket stays open).
    let answer = raw_exchange(
        addr,
        b"POST /api/orders HTTP/1.1\r\nhost: api.test\r\ncontent-length: 10\r\nconnection: close\r\n\r\nab",
    )
    .await;
    let text = String::from_utf8_lossy(&answer);
    assert!(text.starts_with("HTTP/1.1 408"), "{text}");
    assert!(text.contains(r#""error":"body_timeout""#), "{text}");
    let metrics = gw.gateway.render_metrics();
    assert!(
        metrics.contains(r#"lampyr_refused_total{route="api",reason="timeout"} 1"#),
        "{metrics}"
    );

    // A complete body in time still goes through.
    let ok = raw_exchange(
        addr,
        b"POST /api/orders HTTP/1.1\r\nhost: api.test\r\ncontent-length: 2\r\nconnection: close\r\n\r\nab",
    )
    .await;
    assert!(String::from_utf8_lossy(&ok).starts_with("HTTP/1.1 200"));
    let _ = gw.shutdown.send(true);
    gw.server.wait().await;
}
