//! The console over a real socket: the login throttle keys on the client address the
//! listener reports, and a session works end to end.

use std::net::SocketAddr;

use lampyr_store::Role;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use super::harness;
use super::seed::user;

/// One HTTP/1.1 exchange; returns the status, the head and the body.
async fn http(addr: SocketAddr, head: &str, body: &str) -> (u16, String, String) {
    let mut s = TcpStream::connect(addr).await.expect("connect");
    let req = format!(
        "{head}\r\nHost: {addr}\r\nConnection: close\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    s.write_all(req.as_bytes()).await.expect("write");
    let mut out = Vec::new();
    s.read_to_end(&mut out).await.expect("read");
    let text = String::from_utf8_lossy(&out).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    (status, head.to_string(), body.to_string())
}

/// `name=value` of the first `Set-Cookie` header.
fn set_cookie(head: &str) -> String {
    head.lines()
        .find_map(|l| {
            l.split_once(':')
                .filter(|(k, _)| k.eq_ignore_ascii_case("set-cookie"))
                .map(|(_, v)| v.trim())
        })
        .and_then(|c| c.split(';').next())
        .expect("cookie")
        .to_string()
}

#[tokio::test]
async fn login_throttle_and_session_over_a_real_socket() {
    let h = harness().await;
    user(&h, "alice", Role::Admin, "alice-password").await;
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    let app = h
        .router
        .clone()
        .into_make_service_with_connect_info::<SocketAddr>();
    let server = tokio::spawn(async move { axum::serve(listener, app).await });
    let (_, head, _) = http(addr, "GET /login HTTP/1.1", "").await;
    let login = set_cookie(&head);
    let token = login
        .split_once('=')
        .map(|(_, t)| t.to_string())
        .unwrap_or_default();
    let form = format!("Content-Type: application/x-www-form-urlencoded\r\nCookie: {login}");

    let (status, head, _) = http(
        addr,
        &format!("POST /login HTTP/1.1\r\n{form}"),
        &format!("username=alice&password=alice-password&csrf={token}"),
    )
    .await;
    assert_eq!(status, 303);
    let cookie = set_cookie(&head);
    let (status, _, page) = http(
        addr,
        &format!("GET /gateway HTTP/1.1\r\nCookie: {cookie}"),
        "",
    )
    .await;
    assert_eq!(status, 200);
    assert!(page.contains("id=\"consumer-create\""));

    for _ in 0..crate::session::THROTTLE_FAILURES {
        let (status, _, _) = http(
            addr,
            &format!("POST /login HTTP/1.1\r\n{form}"),
            &format!("username=alice&password=nope-nope&csrf={token}"),
        )
        .await;
        assert_eq!(status, 401);
    }
    let (status, _, _) = http(
        addr,
        &format!("POST /login HTTP/1.1\r\n{form}"),
        &format!("username=alice&password=alice-password&csrf={token}"),
    )
    .await;
    assert_eq!(status, 429);
    let audit = h.get("/admin/v1/audit?limit=1").await;
    assert_eq!(audit.json["items"][0]["detail"]["ip"], "127.0.0.1");
    server.abort();
}
