//! TLS termination: one rustls configuration per TLS listener.
//!
//! The certificate is chosen per connection from the SNI name: an exact name first, then a
//! `*.domain` wildcard (one label deep), then the listener's first certificate as the
//! default. A certificate's names come from its `sni` list or, when that is empty, from the
//! certificate's own SAN DNS names. Client certificates are verified against `client_ca`
//! with webpki, either on request (`optional`) or as a handshake requirement (`required`).

use std::collections::HashMap;
use std::sync::Arc;

use lampyr_spec::{CertificateSpec, ClientAuth, ListenerSpec, ListenerTls};
use rustls::crypto::CryptoProvider;
use rustls::server::{ClientHello, ResolvesServerCert, ServerConnection, WebPkiClientVerifier};
use rustls::sign::CertifiedKey;
use rustls::{RootCertStore, ServerConfig};
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};
use sha2::{Digest, Sha256};

use super::der::parse_certificate;
use super::{ClientCert, TlsInfo};
use crate::hex::encode as hex;
use crate::GatewayError;

/// Picks a certificate by SNI.
pub struct SniResolver {
    exact: HashMap<String, Arc<CertifiedKey>>,
    /// `*.example.com` stored under `example.com`.
    wildcard: HashMap<String, Arc<CertifiedKey>>,
    default: Arc<CertifiedKey>,
}

impl std::fmt::Debug for SniResolver {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Keys stay out of Debug; names are enough to diagnose.
        f.debug_struct("SniResolver")
            .field("exact", &self.exact.keys().collect::<Vec<_>>())
            .field("wildcard", &self.wildcard.keys().collect::<Vec<_>>())
            .finish_non_exhaustive()
    }
}

impl SniResolver {
    /// The certificate for `sni` (already lower-case or not), falling back to the default.
    pub fn pick(&self, sni: Option<&str>) -> &Arc<CertifiedKey> {
        let Some(name) = sni.map(|s| s.trim_end_matches('.').to_ascii_lowercase()) else {
            return &self.default;
        };
        if let Some(k) = self.exact.get(&name) {
            return k;
        }
        if let Some((_, parent)) = name.split_once('.') {
            if let Some(k) = self.wildcard.get(parent) {
                return k;
            }
        }
        &self.default
    }
}

impl ResolvesServerCert for SniResolver {
    fn resolve(&self, client_hello: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        Some(self.pick(client_hello.server_name()).clone())
    }
}

fn tls_err(path: &str, message: impl std::fmt::Display) -> GatewayError {
    GatewayError::Tls {
        path: path.to_string(),
        message: message.to_string(),
    }
}

fn provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// Reads every certificate of a PEM file.
pub fn load_certs(path: &str) -> Result<Vec<CertificateDer<'static>>, GatewayError> {
    let certs = CertificateDer::pem_file_iter(path)
        .map_err(|e| tls_err(path, e))?
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| tls_err(path, e))?;
    if certs.is_empty() {
        return Err(tls_err(path, "no certificate in file"));
    }
    Ok(certs)
}

/// A root store holding the CA certificates of a PEM bundle (client CAs, upstream `tls_ca`).
pub fn load_roots(path: &str) -> Result<RootCertStore, GatewayError> {
    let mut roots = RootCertStore::empty();
    for cert in load_certs(path)? {
        roots.add(cert).map_err(|e| tls_err(path, e))?;
    }
    Ok(roots)
}

/// Loads one certificate spec and the names it serves.
fn load_certified(
    spec: &CertificateSpec,
    provider: &CryptoProvider,
) -> Result<(Arc<CertifiedKey>, Vec<String>), GatewayError> {
    let chain = load_certs(&spec.cert)?;
    let key = PrivateKeyDer::from_pem_file(&spec.key).map_err(|e| tls_err(&spec.key, e))?;
    let names = if spec.sni.is_empty() {
        parse_certificate(&chain[0])
            .ok_or_else(|| tls_err(&spec.cert, "cannot read the certificate's names"))?
            .dns_names
    } else {
        spec.sni.iter().map(|s| s.to_ascii_lowercase()).collect()
    };
    let certified = CertifiedKey::from_der(chain, key, provider)
        .map_err(|e| tls_err(&spec.key, format!("key does not fit the certificate: {e}")))?;
    Ok((Arc::new(certified), names))
}

/// Builds the certificate resolver of a listener.
pub fn resolver(
    tls: &ListenerTls,
    certificates: &[CertificateSpec],
) -> Result<SniResolver, GatewayError> {
    let chosen: Vec<&CertificateSpec> = if tls.certificates.is_empty() {
        certificates.iter().collect()
    } else {
        tls.certificates
            .iter()
            .map(|name| {
                certificates
                    .iter()
                    .find(|c| &c.name == name)
                    .ok_or_else(|| {
                        GatewayError::invalid(
                            "gateway.listeners.tls.certificates",
                            format!("unknown certificate {name}"),
                        )
                    })
            })
            .collect::<Result<_, _>>()?
    };
    let provider = provider();
    let mut exact = HashMap::new();
    let mut wildcard = HashMap::new();
    let mut default = None;
    for spec in chosen {
        let (key, names) = load_certified(spec, &provider)?;
        for name in names {
            // The first certificate naming a host wins, like the first route.
            match name.strip_prefix("*.") {
                Some(parent) => wildcard
                    .entry(parent.to_string())
                    .or_insert_with(|| key.clone()),
                None => exact.entry(name).or_insert_with(|| key.clone()),
            };
        }
        default.get_or_insert(key);
    }
    let default = default.ok_or_else(|| {
        GatewayError::invalid(
            "gateway.listeners.tls",
            "a TLS listener needs at least one certificate",
        )
    })?;
    Ok(SniResolver {
        exact,
        wildcard,
        default,
    })
}

/// The rustls configuration of a TLS listener.
pub fn server_config(
    listener: &ListenerSpec,
    tls: &ListenerTls,
    certificates: &[CertificateSpec],
) -> Result<Arc<ServerConfig>, GatewayError> {
    let provider = provider();
    let resolver = Arc::new(resolver(tls, certificates)?);
    let builder = ServerConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|e| tls_err(&listener.name, e))?;
    let builder = match tls.client_auth {
        ClientAuth::Off => builder.with_no_client_auth(),
        mode => {
            let path = tls.client_ca.as_deref().ok_or_else(|| {
                GatewayError::invalid(
                    format!("gateway.listeners[{}].tls.client_ca", listener.name),
                    "client_auth needs client_ca",
                )
            })?;
            let roots = load_roots(path)?;
            let mut verifier =
                WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider);
            if mode == ClientAuth::Optional {
                verifier = verifier.allow_unauthenticated();
            }
            builder.with_client_cert_verifier(verifier.build().map_err(|e| tls_err(path, e))?)
        }
    };
    let mut config = builder.with_cert_resolver(resolver);
    config.alpn_protocols = if listener.http2 {
        vec![b"h2".to_vec(), b"http/1.1".to_vec()]
    } else {
        vec![b"http/1.1".to_vec()]
    };
    Ok(Arc::new(config))
}

/// What the proxy needs to know about a finished handshake.
pub fn tls_info(conn: &ServerConnection) -> TlsInfo {
    TlsInfo {
        sni: conn.server_name().map(str::to_string),
        alpn: conn
            .alpn_protocol()
            .map(|p| String::from_utf8_lossy(p).into_owned()),
        client_cert: conn
            .peer_certificates()
            .and_then(|c| c.first())
            .map(|c| client_cert(c)),
    }
}

/// Subject, CN and fingerprint of a (verified) client certificate.
pub fn client_cert(der: &[u8]) -> ClientCert {
    let names = parse_certificate(der).unwrap_or_default();
    ClientCert {
        subject: names.subject,
        common_name: names.common_name,
        fingerprint: hex(&Sha256::digest(der)),
    }
}

#[cfg(test)]
mod tests;
