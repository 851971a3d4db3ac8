//! Webhook sink against a real loopback HTTP server that fails the first requests.

mod alert_support;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::sync::mpsc;
use std::thread;

use lampyr_analytics::alert::{AlertError, AlertSink, WebhookConfig, WebhookSink};

/// One received request: headers (lower-case names) and body.
struct Received {
    headers: Vec<(String, String)>,
    body: String,
}

/// Serves `total` requests: the first `fail` get `status`, the rest 204. Each request is sent
/// back on the channel.
fn server(
    fail: usize,
    status: u16,
    total: usize,
) -> (String, mpsc::Receiver<Received>, thread::JoinHandle<()>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/hooks/lampyr", listener.local_addr().unwrap());
    let (tx, rx) = mpsc::channel();
    let h = thread::spawn(move || {
        for n in 0..total {
            let (stream, _) = listener.accept().unwrap();
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut line = String::new();
            reader.read_line(&mut line).unwrap();
            assert!(line.starts_with("POST /hooks/lampyr HTTP/1.1"), "{line}");
            let mut headers = Vec::new();
            let mut len = 0usize;
            loop {
                let mut l = String::new();
                reader.read_line(&mut l).unwrap();
                let l = l.trim_end();
                if l.is_empty() {
                    break;
                }
                let (k, v) = l.split_once(':').unwrap();
                let (k, v) = (k.trim().to_ascii_lowercase(), v.trim().to_string());
                if k == "content-length" {
                    len = v.parse().unwrap();
                }
                headers.push((k, v));
            }
            let mut body = vec![0; len];
            reader.read_exact(&mut body).unwrap();
            tx.send(Received {
                headers,
                body: String::from_utf8(body).unwrap(),
            })
            .unwrap();
            let code = if n < fail { status } else { 204 };
            let mut s = stream;
            write!(
                s,
                "HTTP/1.1 {code} X\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"
            )
            .unwrap();
        }
    });
    (url, rx, h)
}

fn config(url: &str, retries: u32) -> WebhookConfig {
    WebhookConfig {
        url: url.into(),
        headers: [(
            "Authorization".to_string(),
            "Bearer hook-secret".to_string(),
        )]
        .into(),
        timeout_ms: 5_000,
        retries,
        backoff_ms: 1,
        max_backoff_ms: 4,
    }
}

#[test]
fn retries_server_errors_then_delivers_the_incident_json() {
    let (url, rx, h) = server(2, 500, 3);
    let mut sink = WebhookSink::new(&config(&url, 3)).unwrap();
    let inc = alert_support::incident();
    sink.send(&inc).unwrap();
    assert_eq!(sink.last_attempts(), 3);
    h.join().unwrap();
    let got: Vec<Received> = rx.try_iter().collect();
    assert_eq!(got.len(), 3);
    let last = &got[2];
    let v: serde_json::Value = serde_json::from_str(&last.body).unwrap();
    assert_eq!(v["id"], inc.id.as_str());
    assert_eq!(v["severity"], "critical");
    assert_eq!(v["family"], "attack.sqli");
    assert_eq!(v["status"], "open");
    assert_eq!(v["exchanges"], serde_json::json!([10, 11]));
    let header = |k: &str| {
        last.headers
            .iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.as_str())
    };
    assert_eq!(header("content-type"), Some("application/json"));
    assert_eq!(header("authorization"), Some("Bearer hook-secret"));
    // Every attempt carried the same body.
    assert!(got.iter().all(|r| r.body == last.body));
}

#[test]
fn gives_up_after_the_retries_naming_the_sink() {
    let (url, rx, h) = server(3, 503, 3);
    let mut sink = WebhookSink::new(&config(&url, 2)).unwrap();
    let err = sink.send(&alert_support::incident()).unwrap_err();
    h.join().unwrap();
    assert_eq!(rx.try_iter().count(), 3);
    match &err {
        AlertError::Delivery {
            attempts, message, ..
        } => {
            assert_eq!(*attempts, 3);
            assert_eq!(message, "HTTP 503");
        }
        other => panic!("{other:?}"),
    }
    assert!(
        err.to_string()
            .starts_with(&format!("alert sink webhook {url}: gave up after 3")),
        "{err}"
    );
}

#[test]
fn client_errors_are_not_retried() {
    let (url, rx, h) = server(1, 400, 1);
    let mut sink = WebhookSink::new(&config(&url, 5)).unwrap();
    let err = sink.send(&alert_support::incident()).unwrap_err();
    h.join().unwrap();
    assert_eq!(rx.try_iter().count(), 1);
    assert_eq!(sink.last_attempts(), 1);
    assert!(err.to_string().contains("HTTP 400"), "{err}");
}

#[test]
fn connection_refused_is_retried_then_reported() {
    // A port with no listener: bind, note the port, close.
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut sink = WebhookSink::new(&config(&format!("http://127.0.0.1:{port}/x"), 2)).unwrap();
    let err = sink.send(&alert_support::incident()).unwrap_err();
    assert_eq!(sink.last_attempts(), 3);
    assert!(
        matches!(err, AlertError::Delivery { attempts: 3, .. }),
        "{err:?}"
    );
}
