//! `lampyr serve` end to end: the admin API manages consumers and keys on a running gateway,
//! the proxy enforces them, and everything survives a restart.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::path::Path;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::{Request, Response, StatusCode};
use hyper_util::client::legacy::Client;
use hyper_util::rt::{TokioExecutor, TokioIo};
use serde_json::{json, Value};

use lampyr_app::{start, AppConfig, RunningApp};

const TOKEN: &str = "admin-token-for-tests-0123456789";

/// An upstream answering JSON that echoes what it was sent.
async fn upstream() -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                return;
            };
            tokio::spawn(async move {
                let svc =
                    hyper::service::service_fn(|req: Request<hyper::body::Incoming>| async move {
                        let xff = req
                            .headers()
                            .get("x-forwarded-for")
                            .and_then(|v| v.to_str().ok())
                            .unwrap_or("")
                            .to_string();
                        let body = json!({
                            "path": req.uri().path(),
                            "xff": xff,
                            "contact": {"mobile": "13812345678"},
                        });
                        Ok::<_, Infallible>(
                            Response::builder()
                                .header("content-type", "application/json")
                                .body(Full::new(Bytes::from(body.to_string())))
                                .unwrap(),
                        )
                    });
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), svc)
                    .await;
            });
        }
    });
    addr
}

fn config(dir: &Path, upstream: SocketAddr) -> AppConfig {
    let gateway = serde_yaml::from_str(&format!(
        r#"
listeners: [{{name: main, address: "127.0.0.1:0"}}]
upstreams: [{{name: app, targets: [{{address: "{upstream}"}}]}}]
routes:
  - name: api
    paths: [/api]
    upstream: app
    auth: [api_key]
    allow_groups: [partners]
    mask: {{types: [cn_mobile]}}
  - name: open
    paths: [/public]
    upstream: app
"#
    ))
    .unwrap();
    AppConfig {
        gateway,
        data_dir: dir.join("data"),
        admin_address: "127.0.0.1:0".into(),
        admin_token: TOKEN.into(),
        master_key: [7u8; 32],
        mirror_file: Some(dir.join("mirror.jsonl")),
    }
}

struct Http {
    client: Client<hyper_util::client::legacy::connect::HttpConnector, Full<Bytes>>,
}

struct Answer {
    status: StatusCode,
    json: Value,
    text: String,
}

impl Http {
    fn new() -> Self {
        Self {
            client: Client::builder(TokioExecutor::new()).build_http(),
        }
    }

    async fn call(
        &self,
        method: &str,
        url: String,
        headers: &[(&str, &str)],
        body: Option<Value>,
    ) -> Answer {
        let mut req = Request::builder().method(method).uri(url);
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        let body = body.map_or_else(Bytes::new, |b| Bytes::from(b.to_string()));
        let resp = self
            .client
            .request(req.body(Full::new(body)).unwrap())
            .await
            .unwrap();
        let status = resp.status();
        let bytes = resp.into_body().collect().await.unwrap().to_bytes();
        Answer {
            status,
            json: serde_json::from_slice(&bytes).unwrap_or(Value::Null),
            text: String::from_utf8_lossy(&bytes).into_owned(),
        }
    }

    async fn admin(
        &self,
        app: &RunningApp,
        method: &str,
        path: &str,
        body: Option<Value>,
    ) -> Answer {
        let auth = format!("Bearer {TOKEN}");
        self.call(
            method,
            format!("http://{}{path}", app.admin_addr),
            &[
                ("authorization", &auth),
                ("content-type", "application/json"),
            ],
            body,
        )
        .await
    }

    async fn proxy(&self, app: &RunningApp, path: &str, key: Option<&str>) -> Answer {
        let mut headers = vec![];
        if let Some(k) = key {
            headers.push(("x-api-key", k));
        }
        self.call(
            "GET",
            format!("http://{}{path}", app.proxy_addrs[0].1),
            &headers,
            None,
        )
        .await
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn admin_managed_keys_are_enforced_by_the_proxy_and_survive_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let up = upstream().await;
    let http = Http::new();
    let app = start(config(dir.path(), up)).await.expect("starts");

    // Public route: no credentials needed; the upstream sees X-Forwarded-For.
    let open = http.proxy(&app, "/public/x", None).await;
    assert_eq!(open.status, StatusCode::OK, "{}", open.text);
    assert_eq!(open.json["xff"], "127.0.0.1");

    // A consumer and a key, made through the admin API.
    let c = http
        .admin(
            &app,
            "POST",
            "/admin/v1/consumers",
            Some(json!({"name": "acme", "groups": ["partners"]})),
        )
        .await;
    assert_eq!(c.status, StatusCode::CREATED, "{}", c.text);
    let k = http
        .admin(
            &app,
            "POST",
            "/admin/v1/consumers/acme/credentials",
            Some(json!({"type": "api_key"})),
        )
        .await;
    assert_eq!(k.status, StatusCode::CREATED, "{}", k.text);
    let key1 = k.json["key"].as_str().unwrap().to_string();
    let id1 = k.json["credential"]["id"].as_str().unwrap().to_string();

    assert_eq!(
        http.proxy(&app, "/api/orders", None).await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        http.proxy(&app, "/api/orders", Some("lpk_wrong_key"))
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
    let ok = http.proxy(&app, "/api/orders", Some(&key1)).await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.text);
    assert_eq!(ok.json["path"], "/api/orders");
    assert_eq!(
        ok.json["contact"]["mobile"], "138****5678",
        "masked on the way out: {}",
        ok.text
    );
    assert!(!ok.text.contains("13812345678"));

    // Rotation: the new key works, and so does the old one during its grace period.
    let r = http
        .admin(
            &app,
            "POST",
            &format!("/admin/v1/credentials/{id1}/rotate"),
            Some(json!({"grace_secs": 3600})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let key2 = r.json["key"].as_str().unwrap().to_string();
    assert_ne!(key1, key2);
    assert_eq!(
        http.proxy(&app, "/api/a", Some(&key2)).await.status,
        StatusCode::OK
    );
    assert_eq!(
        http.proxy(&app, "/api/a", Some(&key1)).await.status,
        StatusCode::OK
    );

    // Revocation takes effect at once.
    let rv = http
        .admin(
            &app,
            "POST",
            &format!("/admin/v1/credentials/{id1}/revoke"),
            None,
        )
        .await;
    assert_eq!(rv.status, StatusCode::OK, "{}", rv.text);
    assert_eq!(
        http.proxy(&app, "/api/a", Some(&key1)).await.status,
        StatusCode::UNAUTHORIZED
    );

    // The deny list: the consumer is refused until the entry is removed.
    let d = http
        .admin(
            &app,
            "POST",
            "/admin/v1/deny",
            Some(json!({"kind": "consumer", "value": "acme", "reason": "test"})),
        )
        .await;
    assert_eq!(d.status, StatusCode::CREATED, "{}", d.text);
    let denied = http.proxy(&app, "/api/a", Some(&key2)).await;
    assert_eq!(denied.status, StatusCode::FORBIDDEN, "{}", denied.text);
    let rm = http
        .admin(
            &app,
            "DELETE",
            "/admin/v1/deny?kind=consumer&value=acme",
            None,
        )
        .await;
    assert_eq!(rm.status, StatusCode::NO_CONTENT, "{}", rm.text);
    assert_eq!(
        http.proxy(&app, "/api/a", Some(&key2)).await.status,
        StatusCode::OK
    );

    // Metrics need the admin token and count per route.
    let anon = http
        .call(
            "GET",
            format!("http://{}/metrics", app.admin_addr),
            &[],
            None,
        )
        .await;
    assert_eq!(anon.status, StatusCode::UNAUTHORIZED);
    let m = http.admin(&app, "GET", "/metrics", None).await;
    assert_eq!(m.status, StatusCode::OK);
    assert!(
        m.text
            .contains("lampyr_requests_total{route=\"api\",status=\"2xx\"} 4"),
        "{}",
        m.text
    );
    assert!(
        m.text
            .contains("lampyr_refused_total{route=\"api\",reason=\"auth\"} 3"),
        "{}",
        m.text
    );
    assert!(
        m.text
            .contains("lampyr_refused_total{route=\"api\",reason=\"deny\"} 1"),
        "{}",
        m.text
    );

    app.shutdown().await;

    // Every exchange went to the mirror, with the unmasked response for analytics.
    let mirror = std::fs::read_to_string(dir.path().join("mirror.jsonl")).unwrap();
    let lines: Vec<Value> = mirror
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 9, "{mirror}");
    assert!(
        !mirror.contains(&key2),
        "keys never reach the mirror in clear"
    );

    // Restart on the same data directory: the stored consumer and key still work.
    let app = start(config(dir.path(), up)).await.expect("restarts");
    assert_eq!(
        http.proxy(&app, "/api/a", Some(&key2)).await.status,
        StatusCode::OK
    );
    assert_eq!(
        http.proxy(&app, "/api/a", Some(&key1)).await.status,
        StatusCode::UNAUTHORIZED
    );
    let creds = http
        .admin(&app, "GET", "/admin/v1/consumers/acme/credentials", None)
        .await;
    assert!(
        !creds.text.contains(&key2) && !creds.text.contains(&key1),
        "{}",
        creds.text
    );
    app.shutdown().await;
}
