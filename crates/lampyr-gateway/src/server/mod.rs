//! Accept phase and the proxy service: listeners, TLS, HTTP/1.1 and h2, the phase pipeline.
//!
//! OWNER: server helper. Submodules: `listener`, `tls`, `proxy`, `headers`, `body`.

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
