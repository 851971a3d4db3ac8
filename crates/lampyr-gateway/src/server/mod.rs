//! Accept phase and the proxy service: listeners, TLS, HTTP/1.1 and h2, the phase pipeline.
//!
//! OWNER: server helper.
//!
//! - [`listener`] binds the configured sockets, limits connections and drains in-flight
//!   requests on shutdown; `conn` runs the TLS handshake or h2c sniffing and serves
//!   HTTP/1.1 or h2 with hyper.
//! - [`tls`] builds one rustls configuration per TLS listener: certificate by SNI, ALPN,
//!   optional or required client certificates, and the [`TlsInfo`] of a finished handshake.
//! - [`proxy`] runs the request phases (route, authenticate, authorise, rate-limit, inspect,
//!   upstream, mask) over one [`crate::Ctx`] and finishes every request with metrics, the
//!   access log and the mirror.
//! - [`headers`] is the proxy's header hygiene: hop-by-hop removal, `X-Forwarded-*`, request
//!   id and `traceparent`.
//! - [`body`] holds the response body types: the mirror tee and the masking buffer.

pub mod body;
mod conn;
pub mod der;
pub mod headers;
pub mod listener;
pub mod proxy;
mod respond;
pub mod tls;
mod upgrade;

/// TLS facts of a connection.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TlsInfo {
    /// SNI name the client asked for.
    pub sni: Option<String>,
    /// Negotiated ALPN protocol.
    pub alpn: Option<String>,
    /// Verified client certificate.
    pub client_cert: Option<ClientCert>,
}

/// A verified client certificate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientCert {
    /// Subject distinguished name, RFC 4514 style (`CN=svc-a,O=Acme`).
    pub subject: String,
    /// Subject common name.
    pub common_name: Option<String>,
    /// SHA-256 of the DER certificate, lower-case hex.
    pub fingerprint: String,
}
