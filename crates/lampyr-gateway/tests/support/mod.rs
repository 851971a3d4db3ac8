//! Shared helpers of the proxy integration tests: a test PKI, a tiny echo upstream, a
//! gateway harness and HTTP clients. Everything binds port 0 and waits on channels, never
//! on sleeps.
#![allow(dead_code)]

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http::{Request, Response, StatusCode};
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper_util::rt::{TokioExecutor, TokioIo};
use lampyr_core::Exchange;
use lampyr_gateway::auth::Secrets;
use lampyr_gateway::gateway::Gateway;
use lampyr_gateway::server::listener::{start, RunningServer};
use lampyr_spec::GatewaySpec;
use rustls_pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer, ServerName};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{mpsc, watch, Semaphore};

/// Outer bound for anything a test awaits, so a bug fails the test instead of hanging it.
pub const BOUND: Duration = Duration::from_secs(20);

/// Awaits `f` or panics after [`BOUND`].
pub async fn bounded<F: std::future::Future>(f: F) -> F::Output {
    tokio::time::timeout(BOUND, f).await.expect("timed out")
}

/// A fresh temporary directory.
pub fn temp_dir() -> PathBuf {
    static N: AtomicU64 = AtomicU64::new(0);
    let dir = std::env::temp_dir().join(format!(
        "lampyr-gw-proxy-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    ));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A test CA that issues server and client certificates into a directory.
pub struct Pki {
    pub dir: PathBuf,
    pub ca_path: String,
    pub ca_der: CertificateDer<'static>,
    ca: rcgen::Certificate,
    ca_key: rcgen::KeyPair,
}

impl Drop for Pki {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// An issued certificate.
pub struct Issued {
    pub cert_path: String,
    pub key_path: String,
    pub der: CertificateDer<'static>,
    pub key_der: Vec<u8>,
}

impl Pki {
    pub fn new() -> Pki {
        let dir = temp_dir();
        let mut params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
        params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        params.distinguished_name = rcgen::DistinguishedName::new();
        params
            .distinguished_name
            .push(rcgen::DnType::CommonName, "Lampyr Test CA");
        params.key_usages = vec![
            rcgen::KeyUsagePurpose::KeyCertSign,
            rcgen::KeyUsagePurpose::DigitalSignature,
        ];
        let ca_key = rcgen::KeyPair::generate().unwrap();
        let ca = params.self_signed(&ca_key).unwrap();
        let ca_path = dir.join("ca.pem");
        std::fs::write(&ca_path, ca.pem()).unwrap();
        Pki {
            ca_der: ca.der().clone(),
            ca_path: ca_path.to_string_lossy().into_owned(),
            dir,
            ca,
            ca_key,
        }
    }

    fn issue(&self, file: &str, sans: &[&str], cn: &str, client: bool) -> Issued {
        let mut params =
            rcgen::CertificateParams::new(sans.iter().map(|s| s.to_string()).collect::<Vec<_>>())
                .unwrap();
        params.distinguished_name = rcgen::DistinguishedName::new();
        params
            .distinguished_name
            .push(rcgen::DnType::OrganizationName, "Acme");
        params
            .distinguished_name
            .push(rcgen::DnType::CommonName, cn);
        params.extended_key_usages = vec![if client {
            rcgen::ExtendedKeyUsagePurpose::ClientAuth
        } else {
            rcgen::ExtendedKeyUsagePurpose::ServerAuth
        }];
        let key = rcgen::KeyPair::generate().unwrap();
        let cert = params.signed_by(&key, &self.ca, &self.ca_key).unwrap();
        let cert_path = self.dir.join(format!("{file}.crt"));
        let key_path = self.dir.join(format!("{file}.key"));
        std::fs::write(&cert_path, cert.pem()).unwrap();
        std::fs::write(&key_path, key.serialize_pem()).unwrap();
        Issued {
            cert_path: cert_path.to_string_lossy().into_owned(),
            key_path: key_path.to_string_lossy().into_owned(),
            der: cert.der().clone(),
            key_der: key.serialize_der(),
        }
    }

    /// A server certificate with these SAN DNS names.
    pub fn server(&self, file: &str, sans: &[&str]) -> Issued {
        self.issue(file, sans, sans.first().copied().unwrap_or("server"), false)
    }

    /// A client certificate with this common name.
    pub fn client(&self, file: &str, cn: &str) -> Issued {
        self.issue(file, &[], cn, true)
    }

    /// A TLS client trusting this CA, with an optional client certificate and ALPN list.
    pub fn client_config(
        &self,
        client: Option<&Issued>,
        alpn: &[&[u8]],
    ) -> Arc<rustls::ClientConfig> {
        let mut roots = rustls::RootCertStore::empty();
        roots.add(self.ca_der.clone()).unwrap();
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let builder = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_root_certificates(roots);
        let mut config = match client {
            Some(c) => builder
                .with_client_auth_cert(
                    vec![c.der.clone()],
                    PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(c.key_der.clone())),
                )
                .unwrap(),
            None => builder.with_no_client_auth(),
        };
        config.alpn_protocols = alpn.iter().map(|p| p.to_vec()).collect();
        Arc::new(config)
    }
}

/// A TLS connection to `addr` with `sni`.
pub async fn tls_connect(
    addr: SocketAddr,
    sni: &str,
    config: Arc<rustls::ClientConfig>,
) -> std::io::Result<tokio_rustls::client::TlsStream<TcpStream>> {
    let tcp = TcpStream::connect(addr).await?;
    let name = ServerName::try_from(sni.to_string()).unwrap();
    tokio_rustls::TlsConnector::from(config)
        .connect(name, tcp)
        .await
}

/// Frames of a chunked test body.
pub struct Chunks(std::collections::VecDeque<Bytes>);

impl hyper::body::Body for Chunks {
    type Data = Bytes;
    type Error = std::convert::Infallible;
    fn poll_frame(
        self: std::pin::Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<hyper::body::Frame<Bytes>, Self::Error>>> {
        std::task::Poll::Ready(
            self.get_mut()
                .0
                .pop_front()
                .map(|b| Ok(hyper::body::Frame::data(b))),
        )
    }
}

/// Body of the echo upstream's answers.
pub type EchoBody = http_body_util::Either<Full<Bytes>, Chunks>;

/// The echo upstream: answers every request with a JSON description of what it received.
/// `/slow` reports its arrival and waits for a permit on `release`; upgrade requests get a
/// 101 and an echo of every byte.
pub struct Upstream {
    pub addr: SocketAddr,
    pub arrived: mpsc::Receiver<String>,
    pub release: Arc<Semaphore>,
}

/// The upstream's description of a request.
#[derive(Debug, serde::Deserialize)]
pub struct Seen {
    pub method: String,
    pub uri: String,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Seen {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

pub async fn upstream() -> Upstream {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (tx, arrived) = mpsc::channel(16);
    let release = Arc::new(Semaphore::new(0));
    let gate = release.clone();
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                return;
            };
            let tx = tx.clone();
            let gate = gate.clone();
            tokio::spawn(async move {
                let svc = service_fn(move |req| echo(req, tx.clone(), gate.clone()));
                let _ = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new())
                    .serve_connection_with_upgrades(TokioIo::new(stream), svc)
                    .await;
            });
        }
    });
    Upstream {
        addr,
        arrived,
        release,
    }
}

async fn echo(
    mut req: Request<Incoming>,
    arrived: mpsc::Sender<String>,
    gate: Arc<Semaphore>,
) -> Result<Response<EchoBody>, std::convert::Infallible> {
    if req.headers().contains_key(http::header::UPGRADE) {
        let on = hyper::upgrade::on(&mut req);
        tokio::spawn(async move {
            let Ok(up) = on.await else { return };
            let mut io = TokioIo::new(up);
            let mut buf = [0u8; 1024];
            loop {
                match io.read(&mut buf).await {
                    Ok(0) | Err(_) => return,
                    Ok(n) => {
                        if io.write_all(&buf[..n]).await.is_err() {
                            return;
                        }
                    }
                }
            }
        });
        let resp = Response::builder()
            .status(StatusCode::SWITCHING_PROTOCOLS)
            .header("upgrade", "echo")
            .header("connection", "upgrade")
            .body(http_body_util::Either::Left(Full::new(Bytes::new())))
            .unwrap();
        return Ok(resp);
    }
    let path = req.uri().path().to_string();
    if path.ends_with("/slow") {
        let _ = arrived.send(path.clone()).await;
        if let Ok(p) = gate.acquire().await {
            p.forget();
        }
    }
    if path.ends_with("/json") {
        // Returns the request body as a JSON response, chunked (no Content-Length).
        let body = req
            .into_body()
            .collect()
            .await
            .map(|c| c.to_bytes())
            .unwrap_or_default();
        let stream = Chunks(body.chunks(7).map(Bytes::copy_from_slice).collect());
        return Ok(Response::builder()
            .header("content-type", "application/json; charset=utf-8")
            .body(http_body_util::Either::Right(stream))
            .unwrap());
    }
    let method = req.method().to_string();
    let uri = req.uri().to_string();
    let headers: Vec<(String, String)> = req
        .headers()
        .iter()
        .map(|(n, v)| {
            (
                n.to_string(),
                String::from_utf8_lossy(v.as_bytes()).into_owned(),
            )
        })
        .collect();
    let body = req
        .into_body()
        .collect()
        .await
        .map(|c| c.to_bytes())
        .unwrap_or_default();
    let out = serde_json::json!({
        "method": method,
        "uri": uri,
        "headers": headers,
        "body": String::from_utf8_lossy(&body),
    });
    Ok(Response::builder()
        .header("content-type", "application/json")
        .header("connection", "keep-alive, x-upstream-hop")
        .header("x-upstream-hop", "secret")
        .body(http_body_util::Either::Left(Full::new(Bytes::from(
            out.to_string(),
        ))))
        .unwrap())
}

/// A gateway spec with one plain listener, the `echo` upstream at `upstream`, and a route
/// `api` (prefix `/api`, stripped) with inspection off and the access log off.
pub fn spec(upstream: SocketAddr) -> GatewaySpec {
    serde_json::from_value(serde_json::json!({
        "listeners": [{"name": "main", "address": "127.0.0.1:0"}],
        "upstreams": [{"name": "echo", "targets": [{"address": upstream.to_string()}], "retries": 0}],
        "routes": [{
            "name": "api",
            "paths": ["/api"],
            "strip_prefix": true,
            "upstream": "echo",
            "inspect": {"mode": "off"}
        }],
        "access_log": {"target": "off"}
    }))
    .unwrap()
}

/// A running gateway.
pub struct Gw {
    pub gateway: Gateway,
    pub server: RunningServer,
    pub shutdown: watch::Sender<bool>,
    pub mirror: Option<mpsc::Receiver<Exchange>>,
}

impl Gw {
    /// Address of listener `name`.
    pub fn addr(&self, name: &str) -> SocketAddr {
        self.server.addr(name).expect("listener bound")
    }
}

pub async fn start_gateway(spec: GatewaySpec) -> Gw {
    let (gateway, mirror) = Gateway::new(spec, Secrets::generate()).expect("valid spec");
    let (shutdown, rx) = watch::channel(false);
    let server = start(gateway.clone(), rx).await.expect("listeners bind");
    Gw {
        gateway,
        server,
        shutdown,
        mirror,
    }
}

/// A response with its body read.
pub struct Got {
    pub status: StatusCode,
    pub version: http::Version,
    pub headers: http::HeaderMap,
    pub body: Bytes,
}

impl Got {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&self.body)))
    }

    pub fn seen(&self) -> Seen {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| {
            panic!("not an echo ({e}): {}", String::from_utf8_lossy(&self.body))
        })
    }
}

async fn read(resp: Response<Incoming>) -> Got {
    let (parts, body) = resp.into_parts();
    let body = body
        .collect()
        .await
        .map(|c| c.to_bytes())
        .unwrap_or_default();
    Got {
        status: parts.status,
        version: parts.version,
        headers: parts.headers,
        body,
    }
}

/// One HTTP/1.1 request over any stream.
pub async fn h1_over<I>(io: I, req: Request<Full<Bytes>>) -> hyper::Result<Got>
where
    I: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    let (mut send, conn) = hyper::client::conn::http1::handshake(TokioIo::new(io)).await?;
    tokio::spawn(conn);
    let resp = send.send_request(req).await?;
    Ok(read(resp).await)
}

/// One h2 request over any stream.
pub async fn h2_over<I>(io: I, req: Request<Full<Bytes>>) -> hyper::Result<Got>
where
    I: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    let (mut send, conn) =
        hyper::client::conn::http2::handshake(TokioExecutor::new(), TokioIo::new(io)).await?;
    tokio::spawn(conn);
    let resp = send.send_request(req).await?;
    Ok(read(resp).await)
}

/// One HTTP/1.1 request to a plain listener.
pub async fn h1(addr: SocketAddr, req: Request<Full<Bytes>>) -> Got {
    let tcp = TcpStream::connect(addr).await.unwrap();
    bounded(h1_over(tcp, req)).await.expect("request failed")
}

/// A request builder preset with a Host header.
pub fn req(method: &str, uri: &str) -> http::request::Builder {
    Request::builder()
        .method(method)
        .uri(uri)
        .header("host", "api.test")
}

/// Writes `raw` and reads until the server closes (bounded).
pub async fn raw_exchange(addr: SocketAddr, raw: &[u8]) -> Vec<u8> {
    let mut tcp = TcpStream::connect(addr).await.unwrap();
    tcp.write_all(raw).await.unwrap();
    let mut out = Vec::new();
    let _ = bounded(tcp.read_to_end(&mut out)).await;
    out
}
