//! The proxy over TLS: ALPN h2, certificates by SNI, client certificates.

mod support;

use std::net::SocketAddr;

use bytes::Bytes;
use http_body_util::Full;
use lampyr_spec::{CertificateSpec, ClientAuth, GatewaySpec, ListenerSpec, ListenerTls};
use rustls_pki_types::ServerName;
use support::*;
use tokio::net::TcpStream;

fn cert_spec(name: &str, issued: &Issued, sni: &[&str]) -> CertificateSpec {
    CertificateSpec {
        name: name.into(),
        cert: issued.cert_path.clone(),
        key: issued.key_path.clone(),
        sni: sni.iter().map(|s| s.to_string()).collect(),
    }
}

fn tls_listener(name: &str, client_auth: ClientAuth, client_ca: Option<String>) -> ListenerSpec {
    ListenerSpec {
        name: name.into(),
        address: "127.0.0.1:0".into(),
        tls: Some(ListenerTls {
            certificates: vec![],
            client_ca,
            client_auth,
        }),
        http2: true,
        trusted_proxies: Vec::new(),
    }
}

/// Certificate `a` (SNI from the spec, also valid for 127.0.0.1) and `b` (names from its SANs).
fn tls_spec(pki: &Pki, upstream: SocketAddr) -> (GatewaySpec, Issued, Issued) {
    let a = pki.server("a", &["a.test", "127.0.0.1"]);
    let b = pki.server("b", &["b.test", "*.wild.test"]);
    let mut spec = spec(upstream);
    spec.certificates = vec![cert_spec("a", &a, &["a.test"]), cert_spec("b", &b, &[])];
    spec.listeners = vec![tls_listener("tls", ClientAuth::Off, None)];
    (spec, a, b)
}

fn get(uri: &str) -> http::Request<Full<Bytes>> {
    http::Request::builder()
        .uri(uri)
        .body(Full::new(Bytes::new()))
        .unwrap()
}

#[tokio::test]
async fn h2_is_negotiated_by_alpn_and_forwarded() {
    let pki = Pki::new();
    let up = upstream().await;
    let (spec, _, _) = tls_spec(&pki, up.addr);
    let gw = start_gateway(spec).await;
    let addr = gw.addr("tls");

    let tls = tls_connect(
        addr,
        "a.test",
        pki.client_config(None, &[b"h2", b"http/1.1"]),
    )
    .await
    .unwrap();
    assert_eq!(tls.get_ref().1.alpn_protocol(), Some(&b"h2"[..]));
    let got = bounded(h2_over(tls, get("https://a.test/api/h2")))
        .await
        .unwrap();
    assert_eq!(got.status, 200);
    assert_eq!(got.version, http::Version::HTTP_2);
    let seen = got.seen();
    assert_eq!(seen.uri, "/h2");
    assert_eq!(seen.header("x-forwarded-proto"), Some("https"));
    assert_eq!(seen.header("x-forwarded-host"), Some("a.test"));
    assert_eq!(seen.header("host"), Some("a.test"));

    let tls = tls_connect(addr, "a.test", pki.client_config(None, &[b"http/1.1"]))
        .await
        .unwrap();
    assert_eq!(tls.get_ref().1.alpn_protocol(), Some(&b"http/1.1"[..]));
    let got = bounded(h1_over(
        tls,
        req("GET", "/api/h1").body(Full::new(Bytes::new())).unwrap(),
    ))
    .await
    .unwrap();
    assert_eq!(got.status, 200);
    assert_eq!(got.version, http::Version::HTTP_11);
}

#[tokio::test]
async fn sni_picks_the_certificate_exact_wildcard_then_default() {
    let pki = Pki::new();
    let up = upstream().await;
    let (spec, a, b) = tls_spec(&pki, up.addr);
    let gw = start_gateway(spec).await;
    let addr = gw.addr("tls");
    let config = pki.client_config(None, &[]);

    for (sni, want) in [("a.test", &a), ("b.test", &b), ("x.wild.test", &b)] {
        let tls = tls_connect(addr, sni, config.clone())
            .await
            .unwrap_or_else(|e| panic!("{sni}: {e}"));
        let presented = tls.get_ref().1.peer_certificates().unwrap()[0].clone();
        assert_eq!(presented, want.der, "certificate for {sni}");
    }

    // An IP address sends no SNI: the listener's first certificate is the default.
    let tcp = TcpStream::connect(addr).await.unwrap();
    let name = ServerName::IpAddress(std::net::IpAddr::from([127, 0, 0, 1]).into());
    let tls = tokio_rustls::TlsConnector::from(config)
        .connect(name, tcp)
        .await
        .unwrap();
    assert_eq!(tls.get_ref().1.peer_certificates().unwrap()[0], a.der);
}

#[tokio::test]
async fn a_required_client_certificate_is_enforced() {
    let pki = Pki::new();
    let other = Pki::new();
    let up = upstream().await;
    let (mut spec, _, _) = tls_spec(&pki, up.addr);
    spec.listeners = vec![tls_listener(
        "mtls",
        ClientAuth::Required,
        Some(pki.ca_path.clone()),
    )];
    let gw = start_gateway(spec).await;
    let addr = gw.addr("mtls");
    let good = pki.client("svc-a", "svc-a");
    let foreign = other.client("intruder", "intruder");

    let attempt = |config| async move {
        let tls = tls_connect(addr, "a.test", config).await?;
        h1_over(
            tls,
            req("GET", "/api/m").body(Full::new(Bytes::new())).unwrap(),
        )
        .await
        .map_err(std::io::Error::other)
    };
    let without = bounded(attempt(pki.client_config(None, &[]))).await;
    assert!(
        without.is_err(),
        "a client without a certificate got through"
    );
    let wrong_ca = bounded(attempt(pki.client_config(Some(&foreign), &[]))).await;
    assert!(
        wrong_ca.is_err(),
        "a certificate from another CA got through"
    );
    let with = bounded(attempt(pki.client_config(Some(&good), &[])))
        .await
        .expect("valid client certificate");
    assert_eq!(with.status, 200);
}

#[tokio::test]
async fn an_optional_client_certificate_admits_both() {
    let pki = Pki::new();
    let up = upstream().await;
    let (mut spec, _, _) = tls_spec(&pki, up.addr);
    spec.listeners = vec![tls_listener(
        "opt",
        ClientAuth::Optional,
        Some(pki.ca_path.clone()),
    )];
    let gw = start_gateway(spec).await;
    let addr = gw.addr("opt");
    let good = pki.client("svc-b", "svc-b");
    for client in [None, Some(&good)] {
        let tls = tls_connect(addr, "a.test", pki.client_config(client, &[]))
            .await
            .unwrap();
        let got = bounded(h1_over(
            tls,
            req("GET", "/api/o").body(Full::new(Bytes::new())).unwrap(),
        ))
        .await
        .unwrap();
        assert_eq!(got.status, 200);
    }
}

#[tokio::test]
async fn the_client_certificate_fingerprint_authenticates_the_consumer() {
    use sha2::Digest;
    let pki = Pki::new();
    let up = upstream().await;
    let (mut spec, _, _) = tls_spec(&pki, up.addr);
    spec.listeners = vec![tls_listener(
        "opt",
        ClientAuth::Optional,
        Some(pki.ca_path.clone()),
    )];
    let known = pki.client("svc-a", "svc-a");
    let unknown = pki.client("svc-z", "svc-z");
    let fingerprint: String = sha2::Sha256::digest(&known.der)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    spec.consumers = vec![serde_json::from_value(serde_json::json!({
        "name": "svc-a",
        "credentials": [{"type": "mtls", "fingerprint": fingerprint}]
    }))
    .unwrap()];
    spec.routes[0].auth = vec![lampyr_spec::AuthMethod::Mtls];
    spec.routes[0].allow_consumers = vec!["svc-a".into()];
    let mut gw = start_gateway(spec).await;
    let mut mirror = gw.mirror.take().unwrap();
    let addr = gw.addr("opt");

    let call = |client: Option<&Issued>| {
        let config = pki.client_config(client, &[]);
        async move {
            let tls = tls_connect(addr, "a.test", config).await.unwrap();
            bounded(h1_over(
                tls,
                req("GET", "/api/me").body(Full::new(Bytes::new())).unwrap(),
            ))
            .await
            .unwrap()
        }
    };
    let got = call(Some(&known)).await;
    assert_eq!(got.status, 200, "{}", String::from_utf8_lossy(&got.body));
    let ex = bounded(mirror.recv()).await.unwrap();
    assert_eq!(
        ex.identity.and_then(|i| i.consumer).as_deref(),
        Some("svc-a")
    );

    for client in [Some(&unknown), None] {
        let got = call(client).await;
        assert_eq!(got.status, 401, "{}", String::from_utf8_lossy(&got.body));
        assert_eq!(got.json()["error"], "unauthorized");
    }
}
