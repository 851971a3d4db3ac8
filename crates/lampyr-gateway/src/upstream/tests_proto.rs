//! Protocol tests: TLS with a custom root store and ALPN, HTTP/2 prior knowledge, upgrades,
//! URI and Host rewriting.

use std::sync::Arc;

use bytes::Bytes;
use http::{Request, Response, StatusCode, Version};
use http_body_util::{BodyExt, Full};
use hyper_util::rt::TokioIo;
use rustls_pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use super::tests::{handler, req, serve, spec};
use super::{Upstream, UpstreamError};

/// Replies with the HTTP version the server saw.
fn version_echo() -> super::tests::Handler {
    Arc::new(|r| {
        let v = format!("{:?}", r.version());
        Box::pin(async move { Response::new(Full::new(Bytes::from(v))) })
    })
}

fn get() -> Request<Full<Bytes>> {
    Request::builder()
        .uri("/")
        .body(Full::new(Bytes::new()))
        .unwrap()
}

/// A self-signed `localhost` certificate, a server config offering h2 and http/1.1, and a
/// root store trusting it.
fn tls_pair() -> (Arc<rustls::ServerConfig>, rustls::RootCertStore) {
    let ck = rcgen::generate_simple_self_signed(vec!["localhost".to_string()]).unwrap();
    let cert: CertificateDer<'static> = ck.cert.der().clone();
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(ck.key_pair.serialize_der()));
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut cfg = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(vec![cert.clone()], key)
        .unwrap();
    cfg.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    let mut roots = rustls::RootCertStore::empty();
    roots.add(cert).unwrap();
    (Arc::new(cfg), roots)
}

#[tokio::test]
async fn tls_with_custom_roots_http1_and_h2() {
    let (cfg, roots) = tls_pair();
    let addr = serve(version_echo(), Some(cfg)).await;
    let mut s = spec(&[]);
    s.targets = vec![lampyr_spec::TargetSpec {
        address: format!("localhost:{}", addr.port()),
        weight: 1,
    }];
    s.tls = true;
    for (http2, want) in [(false, Version::HTTP_11), (true, Version::HTTP_2)] {
        s.http2 = http2;
        let up = Upstream::with_root_store(&s, None, roots.clone()).unwrap();
        let r = up.send(get(), None).await.unwrap();
        assert_eq!(r.response.status(), StatusCode::OK);
        assert_eq!(r.response.version(), want);
    }
}

#[tokio::test]
async fn tls_with_untrusted_certificate_fails_to_connect() {
    let (cfg, _) = tls_pair();
    let addr = serve(version_echo(), Some(cfg)).await;
    let mut s = spec(&[]);
    s.targets = vec![lampyr_spec::TargetSpec {
        address: format!("localhost:{}", addr.port()),
        weight: 1,
    }];
    s.tls = true;
    s.retries = 0;
    let up = Upstream::new(&s, None).unwrap();
    let e = up.send(get(), None).await.unwrap_err();
    assert!(matches!(e, UpstreamError::Connect(_)), "{e:?}");
}

#[tokio::test]
async fn plain_http2_uses_prior_knowledge() {
    let addr = serve(version_echo(), None).await;
    let mut s = spec(&[(addr, 1)]);
    s.http2 = true;
    let up = Upstream::new(&s, None).unwrap();
    for _ in 0..3 {
        let r = up.send(get(), None).await.unwrap();
        assert_eq!(r.response.version(), Version::HTTP_2);
    }
}

#[tokio::test]
async fn host_setting_is_the_tls_server_name() {
    let (cfg, roots) = tls_pair();
    let addr = serve(version_echo(), Some(cfg)).await;
    // The certificate names only `localhost`, the target is a bare IP.
    let mut s = spec(&[(addr, 1)]);
    s.tls = true;
    s.retries = 0;
    let up = Upstream::with_root_store(&s, None, roots.clone()).unwrap();
    let e = up.send(get(), None).await.unwrap_err();
    assert!(matches!(e, UpstreamError::Connect(_)), "{e:?}");
    s.host = Some("localhost:8443".into());
    let up = Upstream::with_root_store(&s, None, roots).unwrap();
    let r = up.send(get(), None).await.unwrap();
    assert_eq!(r.response.status(), StatusCode::OK);
}

#[tokio::test]
async fn websocket_upgrade_passes_through() {
    let ws = handler(|mut r| async move {
        let on = hyper::upgrade::on(&mut r);
        tokio::spawn(async move {
            if let Ok(up) = on.await {
                let mut io = TokioIo::new(up);
                let mut buf = [0u8; 4];
                if io.read_exact(&mut buf).await.is_ok() {
                    let _ = io.write_all(&buf).await;
                }
            }
        });
        let mut resp = Response::new(Full::new(Bytes::new()));
        *resp.status_mut() = StatusCode::SWITCHING_PROTOCOLS;
        resp.headers_mut()
            .insert("connection", "upgrade".parse().unwrap());
        resp.headers_mut()
            .insert("upgrade", "websocket".parse().unwrap());
        resp
    });
    let a = serve(ws, None).await;
    let up = Upstream::new(&spec(&[(a, 1)]), None).unwrap();
    let mut r = req("GET", "/ws");
    r.headers_mut()
        .insert("connection", "Upgrade".parse().unwrap());
    r.headers_mut()
        .insert("upgrade", "websocket".parse().unwrap());
    let resp = up.send(r, None).await.unwrap();
    assert_eq!(resp.response.status(), StatusCode::SWITCHING_PROTOCOLS);
    let upgraded = hyper::upgrade::on(resp.response).await.unwrap();
    let mut io = TokioIo::new(upgraded);
    io.write_all(b"ping").await.unwrap();
    let mut buf = [0u8; 4];
    io.read_exact(&mut buf).await.unwrap();
    assert_eq!(&buf, b"ping");
}

#[tokio::test]
async fn uri_is_rewritten_and_host_overridden() {
    let echo = handler(|r| async move {
        let host = r.headers().get("host").cloned();
        let mut resp = Response::new(Full::new(Bytes::from(r.uri().to_string())));
        if let Some(h) = host {
            resp.headers_mut().insert("x-host", h);
        }
        resp
    });
    let a = serve(echo, None).await;
    let mut s = spec(&[(a, 1)]);
    s.host = Some("api.internal".into());
    let up = Upstream::new(&s, None).unwrap();
    let mut r = req("GET", "http://client.example/v1/items?q=1");
    r.headers_mut()
        .insert("host", "client.example".parse().unwrap());
    let resp = up.send(r, None).await.unwrap();
    assert_eq!(resp.response.headers()["x-host"], "api.internal");
    let body = resp
        .response
        .into_body()
        .collect()
        .await
        .unwrap()
        .to_bytes();
    assert_eq!(&body[..], b"/v1/items?q=1");
}
