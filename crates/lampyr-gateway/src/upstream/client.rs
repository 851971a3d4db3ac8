//! The pooled HTTP client each upstream owns, and the mapping of its errors.

use std::time::Duration;

use bytes::Bytes;
use http_body_util::Full;
use hyper_rustls::{FixedServerNameResolver, HttpsConnector};
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use hyper_util::rt::{TokioExecutor, TokioTimer};
use lampyr_spec::UpstreamSpec;
use rustls_pki_types::ServerName;

use super::UpstreamError;

/// The client type every upstream uses: one connector type for plain and TLS targets.
pub(crate) type PoolClient = Client<HttpsConnector<HttpConnector>, Full<Bytes>>;

/// How long an idle pooled connection is kept.
const POOL_IDLE: Duration = Duration::from_secs(90);
/// Idle connections kept per target.
const POOL_MAX_IDLE: usize = 256;

/// Builds the client for `spec`, trusting `roots` for TLS targets.
pub(crate) fn build(
    spec: &UpstreamSpec,
    roots: rustls::RootCertStore,
) -> Result<PoolClient, String> {
    let mut http = HttpConnector::new();
    http.enforce_http(false);
    http.set_nodelay(true);
    http.set_connect_timeout(Some(Duration::from_millis(spec.connect_timeout_ms.max(1))));

    let provider = std::sync::Arc::new(rustls::crypto::ring::default_provider());
    let tls = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| format!("TLS client configuration: {e}"))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    let mut builder = hyper_rustls::HttpsConnectorBuilder::new()
        .with_tls_config(tls)
        .https_or_http();
    if let Some(name) = tls_name(spec)? {
        // Targets are often bare IPs: the configured Host is the name the certificate carries.
        builder = builder.with_server_name_resolver(FixedServerNameResolver::new(name));
    }
    let connector = if spec.tls && spec.http2 {
        // ALPN offers only h2: the operator asked for HTTP/2.
        builder.enable_http2().wrap_connector(http)
    } else {
        builder.enable_http1().wrap_connector(http)
    };

    let mut b = Client::builder(TokioExecutor::new());
    b.timer(TokioTimer::new())
        .pool_timer(TokioTimer::new())
        .pool_idle_timeout(POOL_IDLE)
        .pool_max_idle_per_host(POOL_MAX_IDLE);
    if spec.http2 {
        b.http2_only(true);
    }
    Ok(b.build(connector))
}

/// The TLS server name (SNI and certificate check): the `host` setting without its port when
/// set, else each target's own host.
fn tls_name(spec: &UpstreamSpec) -> Result<Option<ServerName<'static>>, String> {
    let Some(host) = spec.host.as_deref().filter(|_| spec.tls) else {
        return Ok(None);
    };
    let authority: http::uri::Authority = host
        .parse()
        .map_err(|_| format!("host {host:?} is not a valid TLS server name"))?;
    let name = authority
        .host()
        .trim_start_matches('[')
        .trim_end_matches(']');
    ServerName::try_from(name.to_string())
        .map(Some)
        .map_err(|_| format!("host {host:?} is not a valid TLS server name"))
}

/// The web PKI roots trusted by default.
pub(crate) fn webpki_roots() -> rustls::RootCertStore {
    rustls::RootCertStore {
        roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
    }
}

/// Maps a client error; the bool says whether the request may have reached the target.
pub(crate) fn classify(e: &hyper_util::client::legacy::Error) -> (UpstreamError, bool) {
    if e.is_connect() {
        if has_timeout(e) {
            return (UpstreamError::Timeout("connect"), false);
        }
        return (UpstreamError::Connect(chain(e)), false);
    }
    (UpstreamError::Protocol(chain(e)), true)
}

/// Whether any cause in the chain is an I/O timeout.
fn has_timeout(e: &(dyn std::error::Error + 'static)) -> bool {
    let mut cur: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(err) = cur {
        if let Some(io) = err.downcast_ref::<std::io::Error>() {
            if io.kind() == std::io::ErrorKind::TimedOut {
                return true;
            }
        }
        cur = err.source();
    }
    false
}

/// The error and its causes on one line, bounded in length.
pub(crate) fn chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut out = e.to_string();
    let mut cur = e.source();
    let mut depth = 0;
    while let Some(err) = cur {
        if depth >= 8 || out.len() > 512 {
            break;
        }
        out.push_str(": ");
        out.push_str(&err.to_string());
        cur = err.source();
        depth += 1;
    }
    if out.len() > 600 {
        let mut cut = 600;
        while !out.is_char_boundary(cut) {
            cut -= 1;
        }
        out.truncate(cut);
    }
    out
}
