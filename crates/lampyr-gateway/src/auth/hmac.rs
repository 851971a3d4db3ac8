//! HMAC request signing.
//!
//! A client holding an access key id and a shared secret signs each request:
//!
//! ```text
//! Authorization: HMAC-SHA256 Credential=<access_key>, SignedHeaders=host;x-date;x-nonce, Signature=<hex>
//! X-Date: <unix seconds>
//! X-Nonce: <1..=128 visible ASCII characters, unique per request>
//! ```
//!
//! The signature is `hex(HMAC-SHA256(secret, canonical_request))` where `canonical_request`
//! is these lines joined by `\n` (no trailing newline):
//!
//! 1. the method, as sent (`GET`);
//! 2. the path, as sent, without the query (`/v1/orders`; `/` when empty);
//! 3. the canonical query: the raw query string split on `&`, empty parts dropped, `=` appended
//!    to parts without one, sorted by byte value, joined with `&` (no decoding or re-encoding;
//!    empty line when there is no query);
//! 4. one line per signed header, in the order of `SignedHeaders`: `name:value` with the name
//!    lower-case and the value trimmed of surrounding whitespace (several values of one
//!    header are each trimmed and joined with `,`; `host` falls back to the request URI's
//!    authority under HTTP/2);
//! 5. the `SignedHeaders` list itself (`host;x-date;x-nonce`);
//! 6. `hex(SHA-256(body))`, lower-case (of the empty string for no body).
//!
//! `SignedHeaders` names are lower-case, separated by `;`, without repeats, at most 32, and
//! must include `x-date` and `x-nonce`; signing `host` is strongly recommended. The gateway
//! refuses a request whose `X-Date` is more than 300 s from its clock ([`AuthError::Skew`]),
//! and one whose nonce it has seen for the same access key within that window
//! ([`AuthError::Replay`]); nonces are remembered until their date leaves the window. The
//! signature is compared in constant time. [`sign_request`] produces the header for clients,
//! tests and the bench.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use hmac::Mac;
use lampyr_spec::{AuthMethod, SpecError};
use sha2::{Digest, Sha256};

use super::cache::{ExpiringMap, WhenFull};
use super::index::{dup_error, read_secret};
use super::secrets::{decode_hex, hex, new_mac, sha256_hex, Secrets};
use super::{token_id_from_hex, AuthError, Cred, Identity};

/// Allowed distance between `X-Date` and the gateway clock, seconds.
pub const MAX_SKEW_SECS: i64 = 300;
/// Nonces remembered at most (~48 MiB when full); when full of live nonces, new signed
/// requests are refused rather than forgetting nonces that could then be replayed.
const NONCE_CAPACITY: usize = 1 << 20;
const MAX_NONCE_LEN: usize = 128;
const MAX_SIGNED_HEADERS: usize = 32;
const MAX_AUTH_LEN: usize = 4096;

/// The scheme name in `Authorization`.
pub const SCHEME: &str = "HMAC-SHA256";

/// Produces the `Authorization` value for a request. `path_and_query` is the request target
/// (`/v1/orders?b=2&a=1`); every header in `headers` is signed and must also be sent, and it
/// must include `x-date` and `x-nonce` (and should include `host`).
pub fn sign_request(
    access_key: &str,
    secret: &[u8],
    method: &str,
    path_and_query: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> String {
    let (path, query) = match path_and_query.split_once('?') {
        Some((p, q)) => (p, q),
        None => (path_and_query, ""),
    };
    let mut named: Vec<(String, String)> = headers
        .iter()
        .map(|(n, v)| (n.to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    named.sort();
    let signed: Vec<&str> = named.iter().map(|(n, _)| n.as_str()).collect();
    let lines: Vec<String> = named.iter().map(|(n, v)| format!("{n}:{v}")).collect();
    let canonical = canonical_request(method, path, query, &lines, &signed.join(";"), body);
    let mut mac = new_mac(secret);
    mac.update(canonical.as_bytes());
    format!(
        "{SCHEME} Credential={access_key}, SignedHeaders={}, Signature={}",
        signed.join(";"),
        hex(&mac.finalize().into_bytes())
    )
}

fn canonical_request(
    method: &str,
    path: &str,
    query: &str,
    header_lines: &[String],
    signed: &str,
    body: &[u8],
) -> String {
    let mut parts: Vec<String> = query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            if p.contains('=') {
                p.to_string()
            } else {
                format!("{p}=")
            }
        })
        .collect();
    parts.sort();
    let path = if path.is_empty() { "/" } else { path };
    let mut out = format!("{method}\n{path}\n{}\n", parts.join("&"));
    for l in header_lines {
        out.push_str(l);
        out.push('\n');
    }
    out.push_str(signed);
    out.push('\n');
    out.push_str(&hex(&Sha256::digest(body)));
    out
}

struct HmacCred {
    cred: Arc<Cred>,
    secret: Vec<u8>,
    at: String,
}

/// Nonces seen, keyed by a digest of (access key, nonce); shared across snapshots.
pub(crate) type NonceStore = Arc<Mutex<ExpiringMap<[u8; 16], ()>>>;

pub(crate) fn new_nonce_store() -> NonceStore {
    Arc::new(Mutex::new(ExpiringMap::new(NONCE_CAPACITY)))
}

/// HMAC credentials by access key. No `Debug`: it holds secrets.
pub(crate) struct HmacKeys {
    by_key: HashMap<String, HmacCred>,
    pub(crate) nonces: NonceStore,
}

/// The credential fields of `CredentialKind::Hmac`.
pub(crate) struct HmacSpec<'a> {
    pub(crate) access_key: &'a str,
    pub(crate) secret_env: Option<&'a str>,
    pub(crate) secret_file: Option<&'a str>,
    pub(crate) sealed_secret: Option<&'a str>,
}

impl HmacKeys {
    pub(crate) fn new(nonces: NonceStore) -> Self {
        HmacKeys {
            by_key: HashMap::new(),
            nonces,
        }
    }

    /// Adds one credential, reading (file form) or opening (stored form) its secret now.
    pub(crate) fn add(
        &mut self,
        at: &str,
        cred: &Arc<Cred>,
        spec: HmacSpec<'_>,
        secrets: &Secrets,
    ) -> Result<(), SpecError> {
        let ak = spec.access_key;
        if ak.is_empty() || ak.len() > 128 || !ak.bytes().all(|b| b.is_ascii_graphic() && b != b',')
        {
            return Err(SpecError {
                at: format!("{at}.access_key"),
                message: "access key must be 1-128 visible ASCII characters without ','".into(),
            });
        }
        let secret = match (spec.secret_env, spec.secret_file, spec.sealed_secret) {
            (None, None, Some(sealed)) => secrets.open(sealed).map_err(|e| SpecError {
                at: format!("{at}.sealed_secret"),
                message: e,
            })?,
            (env, file, None) if env.is_some() != file.is_some() => {
                read_secret(at, env, file, "secret")?
            }
            _ => {
                return Err(SpecError {
                    at: at.to_string(),
                    message: "give exactly one of secret_env, secret_file or sealed_secret".into(),
                })
            }
        };
        if secret.is_empty() {
            return Err(SpecError {
                at: at.to_string(),
                message: "empty HMAC secret".into(),
            });
        }
        if let Some(other) = self.by_key.get(ak) {
            return Err(dup_error(
                at,
                &format!("access key {ak:?}"),
                &other.cred,
                &other.at,
            ));
        }
        self.by_key.insert(
            ak.to_string(),
            HmacCred {
                cred: cred.clone(),
                secret: secret.into_bytes(),
                at: at.to_string(),
            },
        );
        Ok(())
    }

    /// Verifies a request whose `Authorization` scheme is [`SCHEME`]; `params` is the rest.
    pub(crate) fn authenticate(
        &self,
        params: &str,
        req: &http::request::Parts,
        body: &[u8],
        now: i64,
    ) -> Result<Identity, AuthError> {
        let malformed = AuthError::Invalid("malformed HMAC authorization");
        if params.len() > MAX_AUTH_LEN {
            return Err(malformed);
        }
        let (mut ak, mut signed, mut sig) = (None, None, None);
        for part in params.split(',') {
            let (k, v) = part
                .trim()
                .split_once('=')
                .ok_or(AuthError::Invalid("malformed HMAC authorization"))?;
            let slot = match k.trim() {
                "Credential" => &mut ak,
                "SignedHeaders" => &mut signed,
                "Signature" => &mut sig,
                _ => continue,
            };
            if slot.replace(v.trim()).is_some() {
                return Err(malformed);
            }
        }
        let (Some(ak), Some(signed), Some(sig)) = (ak, signed, sig) else {
            return Err(malformed);
        };
        let names: Vec<&str> = signed.split(';').collect();
        if names.len() > MAX_SIGNED_HEADERS
            || names
                .iter()
                .any(|n| n.is_empty() || n.bytes().any(|b| b.is_ascii_uppercase()))
            || names
                .iter()
                .enumerate()
                .any(|(i, n)| names[..i].contains(n))
        {
            return Err(AuthError::Invalid("bad SignedHeaders"));
        }
        if !names.contains(&"x-date") || !names.contains(&"x-nonce") {
            return Err(AuthError::Invalid("x-date and x-nonce must be signed"));
        }
        let entry = self
            .by_key
            .get(ak)
            .ok_or(AuthError::Invalid("unknown access key"))?;

        let date: i64 = header_str(req, "x-date")?
            .parse()
            .map_err(|_| AuthError::Invalid("X-Date must be unix seconds"))?;
        if now.abs_diff(date) > MAX_SKEW_SECS as u64 {
            return Err(AuthError::Skew);
        }
        let nonce = header_str(req, "x-nonce")?;
        if nonce.is_empty()
            || nonce.len() > MAX_NONCE_LEN
            || !nonce.bytes().all(|b| b.is_ascii_graphic())
        {
            return Err(AuthError::Invalid("bad X-Nonce"));
        }

        let mut lines = Vec::with_capacity(names.len());
        for n in &names {
            let value = header_value(req, n)?;
            lines.push(format!("{n}:{value}"));
        }
        let canonical = canonical_request(
            req.method.as_str(),
            req.uri.path(),
            req.uri.query().unwrap_or(""),
            &lines,
            signed,
            body,
        );
        let sig = decode_hex(sig).ok_or(AuthError::Invalid("bad signature"))?;
        let mut mac = new_mac(&entry.secret);
        mac.update(canonical.as_bytes());
        mac.verify_slice(&sig)
            .map_err(|_| AuthError::Invalid("bad signature"))?;

        let mut h = Sha256::new();
        h.update(ak.as_bytes());
        h.update([0]);
        h.update(nonce.as_bytes());
        let mut key = [0u8; 16];
        key.copy_from_slice(&h.finalize()[..16]);
        {
            let mut nonces = self.nonces.lock().unwrap_or_else(|p| p.into_inner());
            if nonces.contains_live(&key, now) {
                return Err(AuthError::Replay);
            }
            let until = date.saturating_add(MAX_SKEW_SECS + 1);
            if !nonces.insert(key, (), until, now, WhenFull::Refuse) {
                tracing::warn!(
                    "HMAC nonce store full; refusing signed requests until nonces age out"
                );
                return Err(AuthError::Replay);
            }
        }
        entry.cred.check(now)?;
        let token_id = token_id_from_hex(&sha256_hex(ak.as_bytes()));
        Ok(entry.cred.identity(AuthMethod::Hmac, None, Some(token_id)))
    }
}

/// A single-valued header as text.
fn header_str<'a>(req: &'a http::request::Parts, name: &str) -> Result<&'a str, AuthError> {
    req.headers
        .get(name)
        .ok_or(AuthError::Invalid("signed header missing"))?
        .to_str()
        .map(str::trim)
        .map_err(|_| AuthError::Invalid("header is not text"))
}

/// All values of a signed header, trimmed and joined with `,`.
fn header_value(req: &http::request::Parts, name: &str) -> Result<String, AuthError> {
    let mut values = Vec::new();
    for v in req.headers.get_all(name) {
        values.push(
            v.to_str()
                .map_err(|_| AuthError::Invalid("header is not text"))?
                .trim(),
        );
    }
    if values.is_empty() {
        if name == "host" {
            if let Some(a) = req.uri.authority() {
                return Ok(a.as_str().to_string());
            }
        }
        return Err(AuthError::Invalid("signed header missing"));
    }
    Ok(values.join(","))
}
