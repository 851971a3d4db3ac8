//! The demo's traffic through the whole platform (`serve`: gateway → mirror → streaming
//! analytics → store) raises exactly the incident kinds the simulator injected, each for its
//! attacker, and no attack or abuse incident for any ordinary user.

mod support;

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use lampyr_app::{start, AnalyticsSettings, AppConfig};
use lampyr_demo::simulator::{AttackKind, Pacing, SimConfig};
use lampyr_demo::{demo_gateway, serve_hospital, AddressMode};
use lampyr_gateway::auth::{issue_api_key, Secrets};
use lampyr_store::{AnalyticsStore, IncidentQuery};
use lampyr_store_sqlite::SqliteStore;
use tokio::sync::watch;

/// Incident families an attack may raise: its own, plus what its traffic also shows by
/// nature (a sqlmap-like client announces itself; a scanner probes traversal paths).
fn allowed(kind: AttackKind, category: &str) -> BTreeSet<String> {
    let mut s: BTreeSet<String> = [category.to_string()].into();
    match kind {
        AttackKind::Scanner => {
            s.insert("attack.scanner".into());
            s.insert("attack.path_traversal".into());
        }
        AttackKind::Sqli => {
            s.insert("attack.scanner".into());
        }
        _ => {}
    }
    s
}

fn family(category: &str) -> String {
    category
        .splitn(3, '.')
        .take(2)
        .collect::<Vec<_>>()
        .join(".")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn demo_traffic_raises_exactly_the_injected_incident_kinds() {
    let dir = tempfile::tempdir().unwrap();
    let hospital = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let hospital_addr = hospital.local_addr().unwrap();
    let (stop_h, rx) = watch::channel(false);
    let hospital_task = tokio::spawn(serve_hospital(hospital, rx));

    let master_key = [9u8; 32];
    let secrets = Secrets::new(master_key);
    let (mut spec, clients) = demo_gateway(hospital_addr, &mut || issue_api_key(&secrets));
    spec.listeners =
        vec![
            serde_json::from_value(serde_json::json!({"name": "main", "address": "127.0.0.1:0"}))
                .unwrap(),
        ];
    spec.access_log.target = "off".into();
    spec.mirror.capacity = 65_536;
    let app = start(AppConfig {
        gateway: spec,
        data_dir: dir.path().join("data"),
        admin_address: "127.0.0.1:0".into(),
        admin_token: support::TOKEN.into(),
        master_key,
        mirror_file: None,
        analytics: AnalyticsSettings {
            flush: Duration::from_millis(200),
            sample_per_sec: 1000,
            ..AnalyticsSettings::default()
        },
        console: support::console(),
    })
    .await
    .expect("starts");

    let mut cfg = SimConfig::new(app.proxy_addrs[0].1, clients);
    cfg.normal_users = 16;
    cfg.sessions_per_user = Some(2);
    cfg.pacing = Pacing::Fast;
    cfg.addresses = AddressMode::Loopback;
    cfg.page_size = 2;
    let (_keep, sim_stop) = watch::channel(false);
    let report = lampyr_demo::run(cfg, sim_stop).await;
    assert_eq!(report.normal.traffic.errors, 0);
    let sent = report.total().requests;

    app.shutdown().await;
    stop_h.send(true).unwrap();
    hospital_task.await.unwrap();

    let store = SqliteStore::open(&dir.path().join("data").join("lampyr.db"))
        .await
        .unwrap();
    let analysed: u64 = store
        .traffic(0)
        .await
        .unwrap()
        .iter()
        .map(|m| m.requests)
        .sum();
    assert_eq!(analysed, sent, "every proxied exchange was analysed");
    let incidents = store
        .list_incidents(IncidentQuery {
            limit: 10_000,
            ..IncidentQuery::default()
        })
        .await
        .unwrap();
    let mut by_ip: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for i in &incidents {
        if i.category.starts_with("attack.") || i.category.starts_with("abuse.") {
            by_ip
                .entry(i.actor_ip.clone().unwrap_or_else(|| "-".into()))
                .or_default()
                .insert(family(&i.category));
        }
    }
    let mut attackers = BTreeSet::new();
    for a in &report.attacks {
        let ip = a.address.to_string();
        attackers.insert(ip.clone());
        let got = by_ip.get(&ip).cloned().unwrap_or_default();
        assert!(
            got.contains(a.category),
            "{:?} from {ip}: no {} incident; by actor: {by_ip:?}",
            a.kind,
            a.category
        );
        let allowed = allowed(a.kind, a.category);
        let extra: Vec<_> = got.difference(&allowed).collect();
        assert!(
            extra.is_empty(),
            "{:?} from {ip} also raised {extra:?}",
            a.kind
        );
    }
    let ordinary: Vec<_> = by_ip
        .iter()
        .filter(|(ip, _)| !attackers.contains(*ip))
        .collect();
    assert!(
        ordinary.is_empty(),
        "incidents for ordinary users: {ordinary:?}"
    );
}
