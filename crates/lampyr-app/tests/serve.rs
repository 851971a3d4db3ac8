//! `lampyr serve` end to end: the admin API manages consumers and keys on a running gateway,
//! the proxy enforces them, and everything survives a restart.

mod support;

use std::net::SocketAddr;
use std::path::Path;

use hyper::StatusCode;
use serde_json::{json, Value};

use lampyr_app::{start, AppConfig};
use support::{upstream, Http, TOKEN};

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
        analytics: lampyr_app::AnalyticsSettings {
            enabled: false,
            ..Default::default()
        },
        console: support::console(),
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
