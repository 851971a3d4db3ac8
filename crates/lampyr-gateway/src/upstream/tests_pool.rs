//! The plain-HTTP/1.1 connection pool: reuse after a finished body, replacement of
//! connections the target closes, and `Host` for requests that carry none.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use http_body_util::BodyExt;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

use super::tests::{req, spec};
use super::Upstream;

/// A raw HTTP/1.1 server counting accepted connections. Each answer echoes the request's
/// `Host` in the body; with `close` it carries `Connection: close` and the socket is closed.
async fn counting(accepted: Arc<AtomicUsize>, close: bool) -> std::net::SocketAddr {
    let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let a = l.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((mut s, _)) = l.accept().await {
            accepted.fetch_add(1, Ordering::SeqCst);
            tokio::spawn(async move {
                let mut buf = Vec::new();
                let mut chunk = [0u8; 1024];
                loop {
                    while !buf.windows(4).any(|w| w == b"\r\n\r\n") {
                        match s.read(&mut chunk).await {
                            Ok(0) | Err(_) => return,
                            Ok(n) => buf.extend_from_slice(&chunk[..n]),
                        }
                    }
                    let end = buf.windows(4).position(|w| w == b"\r\n\r\n").unwrap() + 4;
                    let head = String::from_utf8_lossy(&buf[..end]).to_ascii_lowercase();
                    buf.drain(..end);
                    let host = head
                        .lines()
                        .find_map(|l| l.strip_prefix("host:"))
                        .map(str::trim)
                        .unwrap_or("")
                        .to_string();
                    let conn = if close { "connection: close\r\n" } else { "" };
                    let resp = format!(
                        "HTTP/1.1 200 OK\r\ncontent-length: {}\r\n{conn}\r\n{host}",
                        host.len()
                    );
                    if s.write_all(resp.as_bytes()).await.is_err() || close {
                        return;
                    }
                }
            });
        }
    });
    a
}

async fn get_body(up: &Upstream) -> String {
    let r = up.send(req("GET", "/"), None).await.unwrap();
    let body = r.response.into_body().collect().await.unwrap().to_bytes();
    String::from_utf8(body.to_vec()).unwrap()
}

#[tokio::test]
async fn sequential_requests_reuse_one_connection() {
    let accepted = Arc::new(AtomicUsize::new(0));
    let a = counting(accepted.clone(), false).await;
    let up = Upstream::new(&spec(&[(a, 1)]), None).unwrap();
    for _ in 0..3 {
        // Without a Host header the target's authority is sent, as the pooled client did.
        assert_eq!(get_body(&up).await, a.to_string());
    }
    assert_eq!(accepted.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn a_connection_the_target_closes_is_replaced() {
    let accepted = Arc::new(AtomicUsize::new(0));
    let a = counting(accepted.clone(), true).await;
    let mut s = spec(&[(a, 1)]);
    s.retries = 0; // the replacement is the pool's, not a retry
    let up = Upstream::new(&s, None).unwrap();
    for _ in 0..3 {
        assert_eq!(get_body(&up).await, a.to_string());
    }
    assert_eq!(accepted.load(Ordering::SeqCst), 3);
}
