//! Listeners and server certificates.

use serde::{Deserialize, Serialize};

/// A socket the proxy accepts connections on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListenerSpec {
    /// Unique name, used in logs and metrics.
    pub name: String,
    /// `host:port`; port 0 picks a free port (tests).
    pub address: String,
    /// TLS termination; plain HTTP when absent.
    #[serde(default)]
    pub tls: Option<ListenerTls>,
    /// Offer HTTP/2 (ALPN `h2` with TLS, prior knowledge or upgrade-free h2c detection without).
    #[serde(default = "yes")]
    pub http2: bool,
    /// Addresses or CIDRs of proxies in front (load balancers, the demo's simulator) whose
    /// `X-Forwarded-For` is believed: the client is then the rightmost address in it that is
    /// not itself trusted, for policies, limits, the deny list, logs and analytics. Empty:
    /// the TCP peer is the client.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub trusted_proxies: Vec<String>,
}

fn yes() -> bool {
    true
}

/// TLS settings of a listener.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListenerTls {
    /// Certificate names served here; empty means every certificate in `certificates`.
    #[serde(default)]
    pub certificates: Vec<String>,
    /// PEM bundle of CAs that client certificates must chain to.
    #[serde(default)]
    pub client_ca: Option<String>,
    /// Whether a client certificate is asked for.
    #[serde(default)]
    pub client_auth: ClientAuth,
}

/// Client-certificate verification mode.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ClientAuth {
    /// No client certificate is requested.
    #[default]
    Off,
    /// Requested and verified when sent; connections without one are accepted.
    Optional,
    /// Connections without a valid client certificate are refused in the handshake.
    Required,
}

/// A server certificate and the names it is served for.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CertificateSpec {
    /// Unique name listeners refer to.
    pub name: String,
    /// PEM certificate chain file.
    pub cert: String,
    /// PEM private key file.
    pub key: String,
    /// SNI names (`api.example.com`, `*.example.com`); empty means the names in the certificate.
    /// The first certificate of a listener is the default when SNI matches nothing.
    #[serde(default)]
    pub sni: Vec<String>,
}

/// Parses one `trusted_proxies` entry: a CIDR, or a single address (as a /32 or /128).
pub fn parse_trusted_proxy(s: &str) -> Option<ipnet::IpNet> {
    let s = s.trim();
    s.parse::<ipnet::IpNet>()
        .ok()
        .or_else(|| s.parse::<std::net::IpAddr>().ok().map(ipnet::IpNet::from))
}
