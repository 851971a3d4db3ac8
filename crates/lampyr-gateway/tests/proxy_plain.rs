//! The proxy over plain HTTP: forwarding, header hygiene, limits, timeouts, upgrades,
//! graceful shutdown and the mirror.

mod support;

use bytes::Bytes;
use http_body_util::Full;
use support::*;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

#[tokio::test]
async fn get_and_post_round_trip_with_forwarding_headers_and_no_hop_by_hop() {
    let up = upstream().await;
    let gw = start_gateway(spec(up.addr)).await;
    let addr = gw.addr("main");

    let got = h1(
        addr,
        req("GET", "/api/items?page=2")
            .header("x-request-id", "client-id.1")
            .header("connection", "keep-alive, x-hop")
            .header("x-hop", "drop me")
            .header("keep-alive", "timeout=5")
            .header("x-forwarded-for", "203.0.113.7")
            .header("authorization", "Bearer kept")
            .body(Full::new(Bytes::new()))
            .unwrap(),
    )
    .await;
    assert_eq!(got.status, 200);
    assert_eq!(got.headers["x-request-id"], "client-id.1");
    assert!(
        !got.headers.contains_key("x-upstream-hop"),
        "response hop-by-hop removed"
    );
    let seen = got.seen();
    assert_eq!(seen.method, "GET");
    assert_eq!(seen.uri, "/items?page=2", "prefix stripped, query kept");
    assert_eq!(seen.header("x-request-id"), Some("client-id.1"));
    assert_eq!(
        seen.header("x-forwarded-for"),
        Some("203.0.113.7, 127.0.0.1")
    );
    assert_eq!(seen.header("x-forwarded-proto"), Some("http"));
    assert_eq!(seen.header("x-forwarded-host"), Some("api.test"));
    assert_eq!(seen.header("authorization"), Some("Bearer kept"));
    assert!(seen
        .header("traceparent")
        .is_some_and(|t| t.starts_with("00-") && t.len() == 55));
    for hop in ["x-hop", "keep-alive", "te", "trailer", "upgrade"] {
        assert!(seen.header(hop).is_none(), "{hop} reached the upstream");
    }

    let body = "{\"name\":\"widget\"}".repeat(100);
    let got = h1(
        addr,
        req("POST", "/api/items")
            .header("content-type", "application/json")
            .header(
                "traceparent",
                "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
            )
            .body(Full::new(Bytes::from(body.clone())))
            .unwrap(),
    )
    .await;
    assert_eq!(got.status, 200);
    let seen = got.seen();
    assert_eq!(seen.method, "POST");
    assert_eq!(seen.body, body);
    let tp = seen.header("traceparent").unwrap();
    assert!(
        tp.starts_with("00-4bf92f3577b34da6a3ce929d0e0e4736-"),
        "{tp}"
    );
    assert!(!tp.contains("00f067aa0ba902b7"), "new parent span id: {tp}");
    let rid = got.headers["x-request-id"].to_str().unwrap();
    assert_eq!(rid.len(), 32, "generated request id");
    assert_eq!(seen.header("x-request-id"), Some(rid));
}

#[tokio::test]
async fn no_route_is_a_json_404_with_the_request_id() {
    let up = upstream().await;
    let gw = start_gateway(spec(up.addr)).await;
    let got = h1(
        gw.addr("main"),
        req("GET", "/nowhere")
            .body(Full::new(Bytes::new()))
            .unwrap(),
    )
    .await;
    assert_eq!(got.status, 404);
    assert_eq!(got.headers["content-type"], "application/json");
    let v = got.json();
    assert_eq!(v["error"], "not_found");
    assert_eq!(
        v["request_id"],
        got.headers["x-request-id"].to_str().unwrap()
    );
    let mut text = String::new();
    gw.gateway.metrics().render_into(&mut text);
    assert!(
        text.contains("lampyr_refused_total{route=\"-\",reason=\"route\"} 1"),
        "{text}"
    );
}

#[tokio::test]
async fn too_many_or_too_large_headers_are_431() {
    let up = upstream().await;
    let mut s = spec(up.addr);
    s.limits.max_headers = 5;
    s.limits.max_header_bytes = 8192;
    let gw = start_gateway(s).await;
    let addr = gw.addr("main");

    let mut many = String::from("GET /api/x HTTP/1.1\r\nHost: api.test\r\n");
    for i in 0..10 {
        many.push_str(&format!("X-H{i}: v\r\n"));
    }
    many.push_str("\r\n");
    let out = raw_exchange(addr, many.as_bytes()).await;
    assert!(
        out.starts_with(b"HTTP/1.1 431"),
        "{}",
        String::from_utf8_lossy(&out)
    );

    let big = format!(
        "GET /api/x HTTP/1.1\r\nHost: api.test\r\nX-Big: {}\r\n\r\n",
        "a".repeat(20_000)
    );
    let out = raw_exchange(addr, big.as_bytes()).await;
    assert!(
        out.starts_with(b"HTTP/1.1 431"),
        "{}",
        String::from_utf8_lossy(&out)
    );

    // Over the byte budget but under hyper's smallest read buffer: still 431.
    let mut s = spec(up.addr);
    s.limits.max_header_bytes = 1000;
    let gw = start_gateway(s).await;
    let mid = format!(
        "GET /api/x HTTP/1.1\r\nHost: api.test\r\nX-Big: {}\r\n\r\n",
        "b".repeat(2000)
    );
    let out = raw_exchange(gw.addr("main"), mid.as_bytes()).await;
    assert!(
        out.starts_with(b"HTTP/1.1 431"),
        "{}",
        String::from_utf8_lossy(&out)
    );
    let ok = h1(
        gw.addr("main"),
        req("GET", "/api/x")
            .header("x-small", "s")
            .body(Full::new(Bytes::new()))
            .unwrap(),
    )
    .await;
    assert_eq!(ok.status, 200);
}

#[tokio::test]
async fn oversize_bodies_are_413_declared_or_chunked() {
    let up = upstream().await;
    let mut s = spec(up.addr);
    s.limits.max_request_body = 1024;
    let gw = start_gateway(s).await;
    let addr = gw.addr("main");

    let got = h1(
        addr,
        req("POST", "/api/up")
            .body(Full::new(Bytes::from(vec![b'x'; 4096])))
            .unwrap(),
    )
    .await;
    assert_eq!(got.status, 413);
    assert_eq!(got.json()["error"], "body_too_large");

    let chunk = "a".repeat(800);
    let raw = format!(
        "POST /api/up HTTP/1.1\r\nHost: api.test\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n320\r\n{chunk}\r\n320\r\n{chunk}\r\n0\r\n\r\n"
    );
    let out = raw_exchange(addr, raw.as_bytes()).await;
    assert!(
        out.starts_with(b"HTTP/1.1 413"),
        "{}",
        String::from_utf8_lossy(&out)
    );

    let ok = h1(
        addr,
        req("POST", "/api/up")
            .body(Full::new(Bytes::from(vec![b'y'; 1024])))
            .unwrap(),
    )
    .await;
    assert_eq!(ok.status, 200, "a body at the limit passes");
}

#[tokio::test]
async fn a_client_sending_half_a_header_is_disconnected() {
    let up = upstream().await;
    let mut s = spec(up.addr);
    s.limits.header_timeout_ms = 200;
    let gw = start_gateway(s).await;

    let mut tcp = TcpStream::connect(gw.addr("main")).await.unwrap();
    tcp.write_all(b"GET /api/x HTTP/1.1\r\nHost: api.t")
        .await
        .unwrap();
    let mut out = Vec::new();
    // EOF (or a reset) proves the gateway gave up; the bound only keeps a bug from hanging.
    let r = bounded(tcp.read_to_end(&mut out)).await;
    assert!(
        r.is_err() || !out.starts_with(b"HTTP/1.1 200"),
        "{}",
        String::from_utf8_lossy(&out)
    );

    // A client that connects and sends nothing is dropped too.
    let mut idle = TcpStream::connect(gw.addr("main")).await.unwrap();
    let mut out = Vec::new();
    let _ = bounded(idle.read_to_end(&mut out)).await;
    assert!(out.is_empty());
}

#[tokio::test]
async fn an_upgrade_is_spliced_through_the_proxy() {
    let up = upstream().await;
    let gw = start_gateway(spec(up.addr)).await;
    let mut tcp = TcpStream::connect(gw.addr("main")).await.unwrap();
    tcp.write_all(
        b"GET /api/ws HTTP/1.1\r\nHost: api.test\r\nConnection: Upgrade\r\nUpgrade: echo\r\n\r\n",
    )
    .await
    .unwrap();
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        let n = bounded(tcp.read(&mut byte)).await.unwrap();
        assert_eq!(
            n,
            1,
            "closed before the 101 head: {}",
            String::from_utf8_lossy(&head)
        );
        head.push(byte[0]);
    }
    let head = String::from_utf8_lossy(&head).to_ascii_lowercase();
    assert!(head.starts_with("http/1.1 101"), "{head}");
    assert!(head.contains("upgrade: echo"), "{head}");
    for msg in [&b"ping"[..], b"second message"] {
        tcp.write_all(msg).await.unwrap();
        let mut back = vec![0u8; msg.len()];
        bounded(tcp.read_exact(&mut back)).await.unwrap();
        assert_eq!(back, msg);
    }
}

#[tokio::test]
async fn graceful_shutdown_lets_an_in_flight_request_finish() {
    let mut up = upstream().await;
    let gw = start_gateway(spec(up.addr)).await;
    let addr = gw.addr("main");
    let inflight = tokio::spawn(async move {
        let tcp = TcpStream::connect(addr).await.unwrap();
        h1_over(
            tcp,
            req("GET", "/api/slow")
                .body(Full::new(Bytes::new()))
                .unwrap(),
        )
        .await
    });
    assert_eq!(bounded(up.arrived.recv()).await.as_deref(), Some("/slow"));

    gw.shutdown.send(true).unwrap();
    let server = gw.server;
    let waiting = tokio::spawn(server.wait());
    // Wait (no timer) until the listener is closed: shutdown has begun.
    bounded(async {
        while let Ok(s) = TcpStream::connect(addr).await {
            drop(s);
            tokio::task::yield_now().await;
        }
    })
    .await;
    assert!(
        !waiting.is_finished(),
        "wait() returned while a request was in flight"
    );
    up.release.add_permits(1);
    let got = bounded(inflight)
        .await
        .unwrap()
        .expect("in-flight request completes");
    assert_eq!(got.status, 200);
    assert_eq!(got.seen().uri, "/slow");
    bounded(waiting).await.unwrap();
}

#[tokio::test]
async fn the_mirror_receives_the_exchange() {
    let up = upstream().await;
    let mut gw = start_gateway(spec(up.addr)).await;
    let mut rx = gw.mirror.take().expect("mirror on by default");
    let got = h1(
        gw.addr("main"),
        req("POST", "/api/orders?x=1")
            .header("content-type", "text/plain")
            .body(Full::new(Bytes::from_static(b"order-body")))
            .unwrap(),
    )
    .await;
    assert_eq!(got.status, 200);
    let ex = bounded(rx.recv()).await.expect("an exchange");
    assert_eq!(ex.request.method, "POST");
    assert_eq!(ex.request.path, "/api/orders");
    assert_eq!(ex.request.query.as_deref(), Some("x=1"));
    assert_eq!(ex.request.host, "api.test");
    assert_eq!(ex.request.body.bytes(), b"order-body");
    assert_eq!(ex.source.kind, lampyr_core::SourceKind::Gateway);
    let resp = ex.response.expect("a response");
    assert_eq!(resp.status, 200);
    assert_eq!(resp.body.bytes(), &got.body[..], "the body the client got");
    assert_eq!(
        ex.client.map(|c| c.ip().to_string()).as_deref(),
        Some("127.0.0.1")
    );
    assert_eq!(ex.server, Some(gw.addr("main")));
    assert!(ex.timing.duration_ms.is_some());

    // Refusals are mirrored too.
    let _ = h1(
        gw.addr("main"),
        req("GET", "/missing")
            .body(Full::new(Bytes::new()))
            .unwrap(),
    )
    .await;
    let ex = bounded(rx.recv()).await.expect("the refusal");
    assert_eq!(ex.response.unwrap().status, 404);
}

#[tokio::test]
async fn an_unreachable_upstream_is_a_json_502() {
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = closed.local_addr().unwrap();
    drop(closed);
    let gw = start_gateway(spec(addr)).await;
    let got = h1(
        gw.addr("main"),
        req("GET", "/api/x").body(Full::new(Bytes::new())).unwrap(),
    )
    .await;
    assert_eq!(got.status, 502);
    assert_eq!(got.json()["error"], "bad_gateway");
}

#[tokio::test]
async fn h2c_prior_knowledge_is_detected_only_when_http2_is_on() {
    let up = upstream().await;
    let gw = start_gateway(spec(up.addr)).await;
    let tcp = TcpStream::connect(gw.addr("main")).await.unwrap();
    let got = bounded(h2_over(
        tcp,
        http::Request::builder()
            .uri("http://api.test/api/h2c")
            .body(Full::new(Bytes::new()))
            .unwrap(),
    ))
    .await
    .unwrap();
    assert_eq!(got.status, 200);
    assert_eq!(got.version, http::Version::HTTP_2);
    assert_eq!(got.seen().header("host"), Some("api.test"));

    // h2 has no field-count limit of its own: the proxy's check answers 431 in JSON.
    let tcp = TcpStream::connect(gw.addr("main")).await.unwrap();
    let mut many = http::Request::builder().uri("http://api.test/api/h2c");
    for i in 0..150 {
        many = many.header(format!("x-f{i}"), "v");
    }
    let got = bounded(h2_over(tcp, many.body(Full::new(Bytes::new())).unwrap()))
        .await
        .unwrap();
    assert_eq!(got.status, 431);
    assert_eq!(got.json()["error"], "headers_too_large");

    let mut s = spec(up.addr);
    s.listeners[0].http2 = false;
    let gw = start_gateway(s).await;
    let tcp = TcpStream::connect(gw.addr("main")).await.unwrap();
    let refused = bounded(h2_over(
        tcp,
        http::Request::builder()
            .uri("http://api.test/api/h2c")
            .body(Full::new(Bytes::new()))
            .unwrap(),
    ))
    .await;
    assert!(refused.is_err(), "h2 spoken to an HTTP/1.1-only listener");
}

#[tokio::test]
async fn idle_connections_are_closed_after_idle_timeout() {
    use hyper_util::rt::{TokioExecutor, TokioIo};
    let up = upstream().await;
    let mut s = spec(up.addr);
    s.limits.idle_timeout_ms = 100;
    // Longer than the test's bound: only the idle timeout can close these connections.
    s.limits.header_timeout_ms = 60_000;
    let gw = start_gateway(s).await;

    // h2: a GOAWAY and a close end the client's connection task.
    let tcp = TcpStream::connect(gw.addr("main")).await.unwrap();
    let (mut send, conn) =
        hyper::client::conn::http2::handshake(TokioExecutor::new(), TokioIo::new(tcp))
            .await
            .unwrap();
    let conn = tokio::spawn(conn);
    let resp = send
        .send_request(
            http::Request::builder()
                .uri("http://api.test/api/idle")
                .body(Full::new(Bytes::new()))
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    drop(resp);
    let _ = bounded(conn).await;

    // HTTP/1.1 keep-alive: the server closes after the response once the connection idles.
    let mut tcp = TcpStream::connect(gw.addr("main")).await.unwrap();
    tcp.write_all(b"GET /api/idle HTTP/1.1\r\nHost: api.test\r\n\r\n")
        .await
        .unwrap();
    let mut out = Vec::new();
    bounded(tcp.read_to_end(&mut out)).await.unwrap();
    assert!(
        out.starts_with(b"HTTP/1.1 200"),
        "{}",
        String::from_utf8_lossy(&out)
    );
}
