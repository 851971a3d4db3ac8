//! The hospital on a real socket, and the simulator against it (no gateway).

use std::net::SocketAddr;
use std::time::Instant;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper_util::rt::TokioIo;
use lampyr_classify::validate::{cn_id, cn_phone, icd10};
use lampyr_demo::simulator::{AttackKind, Pacing, SimConfig};
use lampyr_demo::{serve_hospital, AddressMode};
use serde_json::Value;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

async fn start() -> (SocketAddr, watch::Sender<bool>, tokio::task::JoinHandle<()>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (tx, rx) = watch::channel(false);
    let task = tokio::spawn(serve_hospital(listener, rx));
    (addr, tx, task)
}

async fn call(
    addr: SocketAddr,
    method: &str,
    path: &str,
    auth: Option<&str>,
    body: &str,
) -> (u16, Value) {
    let stream = TcpStream::connect(addr).await.unwrap();
    let (mut send, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .unwrap();
    tokio::spawn(conn);
    let mut req = http::Request::builder()
        .method(method)
        .uri(path)
        .header("host", "his.hospital.example")
        .header("content-type", "application/json");
    if let Some(a) = auth {
        req = req.header("authorization", a);
    }
    let resp = send
        .send_request(req.body(Full::new(Bytes::from(body.to_string()))).unwrap())
        .await
        .unwrap();
    let status = resp.status().as_u16();
    let bytes = resp.into_body().collect().await.unwrap().to_bytes();
    (
        status,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    )
}

#[tokio::test]
async fn hospital_serves_valid_identities_and_enforces_roles() {
    let (addr, stop, task) = start().await;
    assert_eq!(call(addr, "GET", "/api/v1/health", None, "").await.0, 200);
    assert_eq!(call(addr, "GET", "/api/v1/patients", None, "").await.0, 401);
    let (s, v) = call(
        addr,
        "POST",
        "/api/v1/auth/login",
        None,
        r#"{"username":"doc002","password":"wrong"}"#,
    )
    .await;
    assert_eq!((s, v["error"].as_str().is_some()), (401, true));
    let (s, v) = call(
        addr,
        "POST",
        "/api/v1/auth/login",
        None,
        r#"{"username":"doc002","password":"doc002@Demo2026"}"#,
    )
    .await;
    assert_eq!(s, 200);
    let auth = format!("Bearer {}", v["data"]["token"].as_str().unwrap());

    let (s, v) = call(
        addr,
        "GET",
        "/api/v1/patients?page=3&size=100",
        Some(&auth),
        "",
    )
    .await;
    assert_eq!(s, 200);
    let items = v["data"]["items"].as_array().unwrap();
    assert_eq!(items.len(), 100);
    assert_eq!(items[0]["id"], 10_201);
    for p in items {
        let id = p["idCard"].as_str().unwrap();
        let parsed = cn_id::cn_resident_id(id, 2026).unwrap_or_else(|| panic!("bad id {id}"));
        assert!(parsed.province_known, "{id}");
        let birth = p["birthDate"].as_str().unwrap().replace('-', "");
        assert_eq!(&id[6..14], birth, "birth date agrees with the id");
        assert_eq!(parsed.male, p["gender"] == "男", "sex agrees with the id");
        let mobile = p["mobile"].as_str().unwrap();
        assert!(cn_phone::cn_mobile(mobile).is_some(), "{mobile}");
        assert!(p["mrn"].as_str().unwrap().starts_with("MR"));
    }

    let (s, v) = call(addr, "GET", "/api/v1/patients/10005", Some(&auth), "").await;
    assert_eq!(s, 200);
    assert!(v["data"]["email"].as_str().unwrap().contains('@'));
    assert!(icd10::icd10(
        v["data"]["diagnosis"]["icd10"].as_str().unwrap()
    ));
    let (s, v) = call(
        addr,
        "GET",
        "/api/v1/patients/10005/prescriptions",
        Some(&auth),
        "",
    )
    .await;
    assert_eq!(s, 200);
    assert!(!v["data"]["items"].as_array().unwrap().is_empty());
    let (s, v) = call(addr, "GET", "/api/v1/lab-results/100052", Some(&auth), "").await;
    assert_eq!((s, v["data"]["patientId"].as_u64()), (200, Some(10_005)));
    assert_eq!(
        call(addr, "GET", "/api/v1/patients/99", Some(&auth), "")
            .await
            .0,
        404
    );
    assert_eq!(call(addr, "GET", "/.env", Some(&auth), "").await.0, 404);
    let (s, v) = call(
        addr,
        "POST",
        "/api/v1/appointments",
        Some(&auth),
        r#"{"patientId":10005,"doctorId":"D003"}"#,
    )
    .await;
    assert_eq!((s, v["data"]["status"].as_str()), (201, Some("booked")));
    let (s, v) = call(addr, "GET", "/api/v1/doctors?sort=name%27", None, "").await;
    assert_eq!(s, 500);
    assert!(v["message"]
        .as_str()
        .unwrap()
        .contains("You have an error in your SQL syntax"));

    stop.send(true).unwrap();
    task.await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fast_simulation_sends_the_expected_traffic() {
    let (addr, stop, task) = start().await;
    let mut cfg = SimConfig::new(addr, Vec::new());
    cfg.normal_users = 12;
    cfg.sessions_per_user = Some(2);
    cfg.pacing = Pacing::Fast;
    cfg.addresses = AddressMode::Loopback;
    let (_keep, sim_stop) = watch::channel(false);
    let t0 = Instant::now();
    let report = lampyr_demo::run(cfg, sim_stop).await;
    let took = t0.elapsed();

    let n = &report.normal;
    assert_eq!((n.users, n.sessions), (12, 24));
    assert_eq!(n.traffic.errors, 0);
    assert_eq!(n.addresses, 12, "one address per user");
    assert_eq!(
        n.traffic.status(401),
        n.failed_logins,
        "ordinary users fail only on typos"
    );
    assert_eq!(n.logins - n.failed_logins, 24, "every session signs in");
    let bad: u64 = n
        .traffic
        .statuses
        .iter()
        .filter(|(s, _)| ![200, 201, 401].contains(*s))
        .map(|(_, c)| c)
        .sum();
    assert_eq!(bad, 0, "{:?}", n.traffic.statuses);

    assert_eq!(report.attacks.len(), 5);
    let a = |k| report.attack(k).unwrap();
    let scanner = a(AttackKind::Scanner);
    assert_eq!(
        (scanner.traffic.requests, scanner.traffic.status(404)),
        (32, 32)
    );
    let sqli = a(AttackKind::Sqli);
    assert_eq!(sqli.traffic.requests, 20);
    assert_eq!(sqli.traffic.status(401), 4, "injected sign-ins fail");
    assert!(
        sqli.traffic.status(500) >= 10,
        "{:?}",
        sqli.traffic.statuses
    );
    let stuffing = a(AttackKind::CredentialStuffing);
    assert_eq!(
        (stuffing.traffic.requests, stuffing.traffic.status(401)),
        (60, 60)
    );
    let bola = a(AttackKind::Bola);
    assert_eq!(bola.traffic.requests, 62);
    assert_eq!(
        (
            bola.traffic.status(200),
            bola.traffic.status(403),
            bola.traffic.status(404)
        ),
        (2, 44, 16)
    );
    let scraping = a(AttackKind::Scraping);
    assert_eq!(
        (scraping.traffic.requests, scraping.traffic.status(200)),
        (361, 361)
    );
    assert_eq!(scraping.user.as_deref(), Some("his-sync"));

    let mut addrs: Vec<_> = report.attacks.iter().map(|a| a.address).collect();
    addrs.sort();
    addrs.dedup();
    assert_eq!(addrs.len(), 5, "each attacker has its own address");
    assert_eq!(report.total().errors, 0);
    assert!(
        took.as_secs() < 20,
        "fast mode is fast: {took:?} for {} requests",
        report.total().requests
    );
    eprintln!("fast run: {} requests in {took:?}", report.total().requests);

    stop.send(true).unwrap();
    task.await.unwrap();
}

#[tokio::test]
async fn a_stopped_realtime_run_ends_promptly() {
    let (addr, stop, task) = start().await;
    let mut cfg = SimConfig::new(addr, Vec::new());
    cfg.normal_users = 3;
    let (tx, rx) = watch::channel(false);
    let run = tokio::spawn(lampyr_demo::run(cfg, rx));
    tx.send(true).unwrap();
    let report = tokio::time::timeout(std::time::Duration::from_secs(5), run)
        .await
        .expect("stops within 5 s")
        .unwrap();
    assert!(report.attacks.is_empty(), "stopped before the attack delay");
    stop.send(true).unwrap();
    task.await.unwrap();
}
