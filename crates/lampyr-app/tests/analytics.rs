//! Streaming analytics inside `serve`: mirrored traffic becomes inventory, incidents and masked
//! samples in the store; shutdown loses nothing accepted; a restart keeps and extends it all;
//! exchanges from other gateways come in through the ingest endpoint.

mod support;

use std::net::SocketAddr;
use std::path::Path;
use std::time::Duration;

use hyper::StatusCode;
use lampyr_app::{start, AnalyticsSettings, AppConfig};
use lampyr_store::{AnalyticsStore, ExchangeQuery, IncidentQuery, IncidentUpdate};
use lampyr_store_sqlite::SqliteStore;
use support::{upstream, Http, TOKEN};

fn config(dir: &Path, upstream: SocketAddr) -> AppConfig {
    let gateway = serde_yaml::from_str(&format!(
        r#"
listeners: [{{name: main, address: "127.0.0.1:0"}}]
upstreams: [{{name: app, targets: [{{address: "{upstream}"}}]}}]
routes:
  - name: open
    paths: [/public]
    upstream: app
access_log: {{target: "off"}}
"#
    ))
    .unwrap();
    AppConfig {
        gateway,
        data_dir: dir.join("data"),
        admin_address: "127.0.0.1:0".into(),
        admin_token: TOKEN.into(),
        master_key: [7u8; 32],
        mirror_file: None,
        analytics: AnalyticsSettings {
            flush: Duration::from_millis(200),
            sample_per_sec: 1000,
            ..AnalyticsSettings::default()
        },
        console: support::console(),
    }
}

const SQLI: &str = "/public/search?q=1%27%20UNION%20SELECT%20password%20FROM%20users--";

async fn stored(dir: &Path) -> SqliteStore {
    SqliteStore::open(&dir.join("data").join("lampyr.db"))
        .await
        .expect("store opens")
}

async fn requests_counted(store: &SqliteStore) -> u64 {
    store
        .traffic(0)
        .await
        .unwrap()
        .iter()
        .map(|m| m.requests)
        .sum()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mirrored_traffic_is_analysed_persisted_and_survives_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let up = upstream().await;
    let http = Http::new();

    let app = start(config(dir.path(), up)).await.expect("starts");
    for i in 0..30 {
        let a = http
            .proxy(&app, &format!("/public/items/{}", 1000 + i), None)
            .await;
        assert_eq!(a.status, StatusCode::OK, "{}", a.text);
    }
    for _ in 0..3 {
        let a = http.proxy(&app, SQLI, None).await;
        assert_eq!(
            a.status,
            StatusCode::OK,
            "monitor mode forwards: {}",
            a.text
        );
    }
    // Shut down right away: what the proxy answered must still reach the store.
    app.shutdown().await;

    let store = stored(dir.path()).await;
    assert_eq!(
        requests_counted(&store).await,
        33,
        "every exchange analysed"
    );
    let endpoints = store.list_endpoints().await.unwrap();
    let items = endpoints
        .iter()
        .find(|e| e.template.starts_with("/public/items/{"))
        .unwrap_or_else(|| panic!("templated endpoint in {endpoints:?}"));
    assert_eq!(items.hits, 30);
    assert!(
        items.level > 0,
        "the mobile number in responses is sensitive"
    );
    let incidents = store
        .list_incidents(IncidentQuery::default())
        .await
        .unwrap();
    let sqli: Vec<_> = incidents
        .iter()
        .filter(|i| i.category.starts_with("attack.sqli"))
        .collect();
    assert_eq!(sqli.len(), 1, "{incidents:?}");
    assert_eq!(sqli[0].actor_ip.as_deref(), Some("127.0.0.1"));
    assert_eq!(sqli[0].hits, 3);
    assert!(
        !incidents.iter().any(|i| i.category.starts_with("abuse.")),
        "no abuse from 30 ordinary reads: {incidents:?}"
    );
    let evidence = store
        .query_exchanges(ExchangeQuery {
            incident: Some(sqli[0].id.clone()),
            ..ExchangeQuery::default()
        })
        .await
        .unwrap();
    assert_eq!(
        evidence.len(),
        3,
        "each attack request is linked as evidence"
    );
    let all = store
        .query_exchanges(ExchangeQuery {
            limit: 1000,
            ..ExchangeQuery::default()
        })
        .await
        .unwrap();
    assert_eq!(all.len(), 33);
    for row in &all {
        let text = row.exchange.to_string();
        assert!(!text.contains("13812345678"), "sample not masked: {text}");
    }
    // An analyst works the incident; the workflow must survive the restart and new hits.
    store
        .update_incident(
            &sqli[0].id,
            IncidentUpdate {
                status: Some("investigating".into()),
                assignee: Some("alice".into()),
                note: None,
            },
        )
        .await
        .unwrap();
    store.close().await;

    let app = start(config(dir.path(), up)).await.expect("restarts");
    for i in 0..5 {
        http.proxy(&app, &format!("/public/items/{}", 2000 + i), None)
            .await;
    }
    app.shutdown().await;
    let store = stored(dir.path()).await;
    assert_eq!(requests_counted(&store).await, 38);
    let items = store.get_endpoint(&items.key).await.unwrap();
    assert_eq!(items.hits, 35, "hits of both runs add up");
    let inc = store.get_incident(&sqli[0].id).await.unwrap();
    assert_eq!(inc.status, "investigating");
    assert_eq!(inc.assignee.as_deref(), Some("alice"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ingested_json_lines_are_analysed_and_bad_lines_reported() {
    let dir = tempfile::tempdir().unwrap();
    let up = upstream().await;
    let http = Http::new();
    let app = start(config(dir.path(), up)).await.expect("starts");
    let mut body = String::new();
    for i in 0..20 {
        body.push_str(&format!(
            r#"{{"v":1,"request":{{"method":"GET","url":"http://partner.example/v1/orders/{}"}},"response":{{"status":200,"headers":[{{"name":"content-type","value":"application/json"}}],"body":"{{\"ok\":true}}"}},"started":"2026-12-01T10:00:{:02}Z","client":"10.1.1.1"}}"#,
            500 + i,
            i
        ));
        body.push('\n');
    }
    body.push_str("{not json\n");
    let auth = format!("Bearer {TOKEN}");
    let a = http
        .call_raw(
            "POST",
            format!("http://{}/admin/v1/ingest", app.admin_addr),
            &[("authorization", &auth)],
            body,
        )
        .await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.text);
    assert_eq!(a.json["accepted"], 20, "{}", a.text);
    assert_eq!(a.json["rejected"], 1, "{}", a.text);
    assert!(
        a.json["errors"][0].as_str().unwrap_or("").contains("21"),
        "the bad line is named: {}",
        a.text
    );
    let unauth = http
        .call_raw(
            "POST",
            format!("http://{}/admin/v1/ingest", app.admin_addr),
            &[],
            String::from("{}\n"),
        )
        .await;
    assert_eq!(unauth.status, StatusCode::UNAUTHORIZED);
    app.shutdown().await;

    let store = stored(dir.path()).await;
    let endpoints = store.list_endpoints().await.unwrap();
    let orders = endpoints
        .iter()
        .find(|e| e.host == "partner.example")
        .unwrap_or_else(|| panic!("ingested endpoint in {endpoints:?}"));
    assert_eq!(orders.hits, 20);
    assert!(
        orders.template.starts_with("/v1/orders/{"),
        "{}",
        orders.template
    );
}
