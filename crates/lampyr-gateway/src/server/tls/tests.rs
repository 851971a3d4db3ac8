//! Handshakes over in-memory pipes: SNI choice and the `TlsInfo` of a client certificate.

use super::*;
use rustls_pki_types::{PrivatePkcs8KeyDer, ServerName};

struct Files {
    dir: std::path::PathBuf,
    ca: rcgen::Certificate,
    ca_key: rcgen::KeyPair,
}

impl Files {
    fn new(tag: &str) -> Files {
        let dir = std::env::temp_dir().join(format!("lampyr-tls-{tag}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let mut p = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
        p.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        let ca_key = rcgen::KeyPair::generate().unwrap();
        let ca = p.self_signed(&ca_key).unwrap();
        std::fs::write(dir.join("ca.pem"), ca.pem()).unwrap();
        Files { dir, ca, ca_key }
    }

    fn issue(
        &self,
        name: &str,
        sans: &[&str],
        dn: &[(rcgen::DnType, &str)],
    ) -> (String, String, Vec<u8>, Vec<u8>) {
        let mut p =
            rcgen::CertificateParams::new(sans.iter().map(|s| s.to_string()).collect::<Vec<_>>())
                .unwrap();
        p.distinguished_name = rcgen::DistinguishedName::new();
        for (t, v) in dn {
            p.distinguished_name.push(t.clone(), *v);
        }
        let key = rcgen::KeyPair::generate().unwrap();
        let cert = p.signed_by(&key, &self.ca, &self.ca_key).unwrap();
        let c = self.dir.join(format!("{name}.crt"));
        let k = self.dir.join(format!("{name}.key"));
        std::fs::write(&c, cert.pem()).unwrap();
        std::fs::write(&k, key.serialize_pem()).unwrap();
        (
            c.to_string_lossy().into(),
            k.to_string_lossy().into(),
            cert.der().to_vec(),
            key.serialize_der(),
        )
    }

    fn path(&self, f: &str) -> String {
        self.dir.join(f).to_string_lossy().into()
    }
}

impl Drop for Files {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn listener(http2: bool) -> ListenerSpec {
    ListenerSpec {
        name: "t".into(),
        address: "127.0.0.1:0".into(),
        tls: None,
        http2,
        trusted_proxies: Vec::new(),
    }
}

#[tokio::test]
async fn the_handshake_reports_sni_alpn_and_the_client_certificate() {
    let f = Files::new("info");
    let (cert, key, server_der, _) = f.issue("srv", &["api.test"], &[]);
    let (_, _, client_der, client_key) = f.issue(
        "cli",
        &[],
        &[
            (rcgen::DnType::OrganizationName, "Acme"),
            (rcgen::DnType::CommonName, "svc-a"),
        ],
    );
    let tls = ListenerTls {
        certificates: vec![],
        client_ca: Some(f.path("ca.pem")),
        client_auth: ClientAuth::Required,
    };
    let certs = [CertificateSpec {
        name: "srv".into(),
        cert,
        key,
        sni: vec![],
    }];
    let server = server_config(&listener(true), &tls, &certs).unwrap();

    let mut roots = RootCertStore::empty();
    roots
        .add(CertificateDer::from(f.ca.der().to_vec()))
        .unwrap();
    let mut client = rustls::ClientConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_client_auth_cert(
            vec![CertificateDer::from(client_der.clone())],
            PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(client_key)),
        )
        .unwrap();
    client.alpn_protocols = vec![b"h2".to_vec()];

    let (a, b) = tokio::io::duplex(64 * 1024);
    let accept =
        tokio::spawn(async move { tokio_rustls::TlsAcceptor::from(server).accept(a).await });
    let name = ServerName::try_from("API.test").unwrap();
    let client_side = tokio_rustls::TlsConnector::from(Arc::new(client))
        .connect(name, b)
        .await
        .unwrap();
    assert_eq!(
        client_side.get_ref().1.peer_certificates().unwrap()[0].as_ref(),
        &server_der[..]
    );
    let server_side = accept.await.unwrap().unwrap();
    let info = tls_info(server_side.get_ref().1);
    assert_eq!(info.sni.as_deref(), Some("api.test"));
    assert_eq!(info.alpn.as_deref(), Some("h2"));
    let cc = info.client_cert.expect("client certificate");
    assert_eq!(cc.subject, "CN=svc-a,O=Acme");
    assert_eq!(cc.common_name.as_deref(), Some("svc-a"));
    assert_eq!(cc.fingerprint, hex(&Sha256::digest(&client_der)));
    assert_eq!(cc.fingerprint.len(), 64);
}

#[test]
fn resolver_prefers_exact_then_wildcard_then_the_first_certificate() {
    let f = Files::new("sni");
    let (c1, k1, d1, _) = f.issue("one", &["one.test"], &[]);
    let (c2, k2, d2, _) = f.issue("two", &["two.test", "*.two.test"], &[]);
    let certs = [
        CertificateSpec {
            name: "one".into(),
            cert: c1,
            key: k1,
            sni: vec![],
        },
        CertificateSpec {
            name: "two".into(),
            cert: c2,
            key: k2,
            sni: vec![],
        },
    ];
    let tls = ListenerTls {
        certificates: vec![],
        client_ca: None,
        client_auth: ClientAuth::Off,
    };
    let r = resolver(&tls, &certs).unwrap();
    let der = |k: &Arc<CertifiedKey>| k.cert[0].to_vec();
    assert_eq!(der(r.pick(Some("one.test"))), d1);
    assert_eq!(der(r.pick(Some("TWO.test"))), d2);
    assert_eq!(der(r.pick(Some("a.two.test"))), d2);
    assert_eq!(
        der(r.pick(Some("a.b.two.test"))),
        d1,
        "wildcards cover one label"
    );
    assert_eq!(der(r.pick(Some("unknown.test"))), d1);
    assert_eq!(der(r.pick(None)), d1);

    // Only the named certificates are served; the first named is the default.
    let only_two = ListenerTls {
        certificates: vec!["two".into()],
        ..tls.clone()
    };
    let r = resolver(&only_two, &certs).unwrap();
    assert_eq!(der(r.pick(Some("one.test"))), d2);
}

#[test]
fn bad_material_is_a_tls_error_naming_the_file() {
    let f = Files::new("bad");
    let (c1, _, _, _) = f.issue("one", &["one.test"], &[]);
    let (_, k2, _, _) = f.issue("two", &["two.test"], &[]);
    let tls = ListenerTls {
        certificates: vec![],
        client_ca: None,
        client_auth: ClientAuth::Off,
    };
    let mismatched = [CertificateSpec {
        name: "x".into(),
        cert: c1.clone(),
        key: k2.clone(),
        sni: vec![],
    }];
    match resolver(&tls, &mismatched) {
        Err(GatewayError::Tls { path, .. }) => assert_eq!(path, k2),
        other => panic!("mismatched key accepted: {other:?}"),
    }
    let missing = [CertificateSpec {
        name: "x".into(),
        cert: f.path("nope.crt"),
        key: k2,
        sni: vec![],
    }];
    match resolver(&tls, &missing) {
        Err(GatewayError::Tls { path, .. }) => assert!(path.ends_with("nope.crt")),
        other => panic!("missing file accepted: {other:?}"),
    }
    let no_ca = ListenerTls {
        client_auth: ClientAuth::Required,
        ..tls
    };
    let ok = [CertificateSpec {
        name: "x".into(),
        cert: c1,
        key: f.issue("k", &["k.test"], &[]).1,
        sni: vec![],
    }];
    assert!(
        server_config(&listener(false), &no_ca, &ok).is_err(),
        "required client auth without a CA"
    );
}
