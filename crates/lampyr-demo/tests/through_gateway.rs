//! End to end: the demo spec in a real gateway in front of the hospital, the simulator in
//! fast mode through it, and the offline analysis of the mirrored exchanges finding every
//! injected attack with default thresholds.

use std::collections::BTreeSet;

use lampyr_analytics::{AnalyzeConfig, Analyzer};
use lampyr_core::Exchange;
use lampyr_demo::simulator::{AttackKind, Pacing, SimConfig, SimReport};
use lampyr_demo::{demo_gateway, serve_hospital, AddressMode};
use lampyr_gateway::auth::{issue_api_key, Secrets};
use lampyr_gateway::gateway::Gateway;
use lampyr_gateway::server::listener::start;
use lampyr_spec::{AccessLogSpec, ListenerSpec};
use tokio::net::TcpListener;
use tokio::sync::watch;

/// Hospital + gateway (listener trusting `X-Forwarded-For` from `trusted`) + a fast run;
/// returns the report and the mirrored exchanges in time order.
async fn through_gateway(mode: AddressMode, trusted: &[&str]) -> (SimReport, Vec<Exchange>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let upstream = listener.local_addr().unwrap();
    let (stop_h, rx) = watch::channel(false);
    let hospital = tokio::spawn(serve_hospital(listener, rx));

    let secrets = Secrets::generate();
    let (mut spec, clients) = demo_gateway(upstream, &mut || issue_api_key(&secrets));
    let listener: ListenerSpec = serde_json::from_value(serde_json::json!({
        "name": "main", "address": "127.0.0.1:0", "trusted_proxies": trusted,
    }))
    .unwrap();
    spec.listeners = vec![listener];
    spec.access_log = AccessLogSpec {
        target: "off".into(),
    };
    spec.mirror.capacity = 65_536;
    assert_eq!(lampyr_spec::validate(&spec, "gateway"), Vec::new());
    let (gateway, mirror) = Gateway::new(spec, secrets).expect("the demo spec compiles");
    let mut mirror = mirror.expect("mirror on");
    let (stop_g, rx) = watch::channel(false);
    let server = start(gateway.clone(), rx).await.expect("listener binds");

    let mut cfg = SimConfig::new(server.addr("main").unwrap(), clients);
    cfg.normal_users = 16;
    cfg.sessions_per_user = Some(2);
    cfg.pacing = Pacing::Fast;
    cfg.addresses = mode;
    // Two records a page keeps the debug-build analysis below quick; the scraper's page
    // count, not its records, is what crosses the threshold.
    cfg.page_size = 2;
    let (_keep, sim_stop) = watch::channel(false);
    let report = lampyr_demo::run(cfg, sim_stop).await;
    assert_eq!(report.addresses, mode);

    // The gateway let ordinary users through: nothing refused beyond sign-in typos.
    let n = &report.normal.traffic;
    assert_eq!(n.errors, 0);
    assert_eq!(
        n.status(401),
        report.normal.failed_logins,
        "{:?}",
        n.statuses
    );
    assert_eq!(n.status(429) + n.status(403), 0, "{:?}", n.statuses);
    let scanner = report.attack(AttackKind::Scanner).unwrap();
    assert_eq!(scanner.consumer, None);
    assert_eq!(
        scanner.traffic.status(404) + scanner.traffic.status(401),
        32,
        "no route, or no key under /api/: {:?}",
        scanner.traffic.statuses
    );
    let scraping = report.attack(AttackKind::Scraping).unwrap();
    assert_eq!(scraping.traffic.status(200), 361, "under the rate limit");

    // Every exchange is mirrored (the copy may trail the answer by a moment).
    let total = report.total().requests as usize;
    let mut exchanges = Vec::with_capacity(total);
    while exchanges.len() < total {
        match tokio::time::timeout(std::time::Duration::from_secs(5), mirror.recv()).await {
            Ok(Some(ex)) => exchanges.push(ex),
            _ => break,
        }
    }
    assert_eq!(exchanges.len(), total);
    exchanges.sort_by_key(|e| e.timing.started_us);

    stop_g.send(true).unwrap();
    stop_h.send(true).unwrap();
    hospital.await.unwrap();
    (report, exchanges)
}

/// `attack.sqli.union` → `attack.sqli`.
fn family(category: &str) -> String {
    category
        .splitn(3, '.')
        .take(2)
        .collect::<Vec<_>>()
        .join(".")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn attacks_from_loopback_sources_raise_their_findings() {
    let (report, mut exchanges) = through_gateway(AddressMode::Loopback, &[]).await;
    let mut analyzer = Analyzer::new(AnalyzeConfig::default()).unwrap();
    for (i, ex) in exchanges.iter_mut().enumerate() {
        ex.source.index = i as u64;
        analyzer.observe(ex);
    }
    let findings = analyzer.finish().report.findings;
    let found: BTreeSet<(String, Option<String>)> = findings
        .iter()
        .map(|f| (family(&f.category), f.actor.ip.clone()))
        .collect();
    for a in &report.attacks {
        let want = (a.category.to_string(), Some(a.address.to_string()));
        assert!(found.contains(&want), "{want:?} missing; found {found:?}");
    }
    // Ordinary users raise no attack or abuse finding.
    let attackers: BTreeSet<String> = report
        .attacks
        .iter()
        .map(|a| a.address.to_string())
        .collect();
    let noisy: Vec<_> = findings
        .iter()
        .filter(|f| f.category.starts_with("abuse.") || f.category.starts_with("attack."))
        .filter(|f| f.actor.ip.as_ref().is_none_or(|ip| !attackers.contains(ip)))
        .map(|f| (f.category.clone(), f.actor.ip.clone()))
        .collect();
    assert!(noisy.is_empty(), "false positives: {noisy:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_listener_trusting_loopback_attributes_forwarded_addresses() {
    let (report, exchanges) = through_gateway(AddressMode::Forwarded, &["127.0.0.1"]).await;
    let clients: BTreeSet<String> = exchanges
        .iter()
        .filter_map(|e| e.client.map(|c| c.ip().to_string()))
        .collect();
    assert!(!clients.contains("127.0.0.1"), "{clients:?}");
    for a in &report.attacks {
        assert!(clients.contains(&a.address.to_string()), "{:?}", a.kind);
    }
    // 16 users over at most two /24 networks per application, plus five attackers.
    assert_eq!(clients.len(), 16 + 5, "{clients:?}");
}
