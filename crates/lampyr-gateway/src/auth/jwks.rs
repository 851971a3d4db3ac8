//! JWKS fetching and caching per issuer.
//!
//! A key set is trusted for the issuer's `jwks_ttl_secs`. A token naming an unknown `kid`
//! triggers an immediate refetch (keys rotate), but fetch attempts per issuer are at most one
//! per [`FETCH_COOLDOWN_SECS`], so a caller spraying random `kid`s cannot make the gateway
//! hammer the identity provider; a failed fetch keeps the previous keys. Fetches use a
//! 5 s timeout and a 1 MiB body cap; concurrent misses share one fetch.

use std::str::FromStr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Empty, Limited};
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use jsonwebtoken::jwk::{Jwk, PublicKeyUse};
use jsonwebtoken::{Algorithm, DecodingKey};

use super::AuthError;

/// Minimum time between two fetches of one issuer's key set, seconds.
pub const FETCH_COOLDOWN_SECS: i64 = 10;
const FETCH_TIMEOUT: Duration = Duration::from_secs(5);
const MAX_BODY: usize = 1 << 20;
const MAX_KEYS: usize = 100;

/// A verification key with what it may verify.
#[derive(Clone)]
pub(crate) struct VerifyKey {
    pub(crate) kid: Option<String>,
    /// `None`: any algorithm of the key's family the issuer allows.
    pub(crate) alg: Option<Algorithm>,
    pub(crate) key: DecodingKey,
}

/// Picks the key for a token header: same `kid` (or, for a token without `kid`, a key without
/// one or the only key), an algorithm matching the key's declared one and family.
pub(crate) fn find_key<'a>(
    keys: &'a [VerifyKey],
    kid: Option<&str>,
    alg: Algorithm,
) -> Option<&'a VerifyKey> {
    let fits = |k: &&VerifyKey| k.alg.is_none_or(|a| a == alg) && k.key.family() == alg.family();
    match kid {
        Some(kid) => keys
            .iter()
            .filter(fits)
            .find(|k| k.kid.as_deref() == Some(kid)),
        None => keys
            .iter()
            .filter(fits)
            .find(|k| k.kid.is_none())
            .or_else(|| {
                if keys.len() == 1 {
                    keys.iter().find(fits)
                } else {
                    None
                }
            }),
    }
}

#[derive(Default)]
struct State {
    keys: Arc<Vec<VerifyKey>>,
    fetched_at: Option<i64>,
    last_attempt: Option<i64>,
    last_error: Option<String>,
}

/// One issuer's remote key set. Shared across snapshots while the URL and TTL are unchanged.
pub(crate) struct JwksCache {
    pub(crate) url: String,
    pub(crate) ttl: i64,
    state: Mutex<State>,
    fetch_lock: tokio::sync::Mutex<()>,
    /// Fetch attempts, for metrics and tests.
    pub(crate) fetches: AtomicU64,
}

impl JwksCache {
    pub(crate) fn new(url: String, ttl_secs: u64) -> Self {
        JwksCache {
            url,
            ttl: i64::try_from(ttl_secs).unwrap_or(i64::MAX),
            state: Mutex::new(State::default()),
            fetch_lock: tokio::sync::Mutex::new(()),
            fetches: AtomicU64::new(0),
        }
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The key for a token, fetching the set when stale or when `kid` is unknown (subject to
    /// the cooldown).
    pub(crate) async fn key(
        &self,
        kid: Option<&str>,
        alg: Algorithm,
        now: i64,
    ) -> Result<DecodingKey, AuthError> {
        let seen_attempt = {
            let st = self.state();
            let fresh = st
                .fetched_at
                .is_some_and(|t| now.saturating_sub(t) < self.ttl);
            if fresh {
                if let Some(k) = find_key(&st.keys, kid, alg) {
                    return Ok(k.key.clone());
                }
            }
            if !self.may_fetch(&st, now) {
                return self.lookup_held(&st, kid, alg);
            }
            st.last_attempt
        };
        let _guard = self.fetch_lock.lock().await;
        {
            let mut st = self.state();
            if st.last_attempt != seen_attempt {
                // Another request fetched while this one waited.
                return self.lookup_held(&st, kid, alg);
            }
            st.last_attempt = Some(now);
        }
        self.fetches.fetch_add(1, Ordering::Relaxed);
        let result = fetch(&self.url).await;
        let mut st = self.state();
        match result {
            Ok(keys) => {
                st.keys = Arc::new(keys);
                st.fetched_at = Some(now);
                st.last_error = None;
            }
            Err(e) => {
                tracing::warn!(url = %self.url, error = %e, "JWKS fetch failed");
                st.last_error = Some(e);
            }
        }
        self.lookup_held(&st, kid, alg)
    }

    fn may_fetch(&self, st: &State, now: i64) -> bool {
        match st.last_attempt {
            None => true,
            // A clock stepped backwards also allows a fetch.
            Some(t) => now.saturating_sub(t) >= FETCH_COOLDOWN_SECS || now < t,
        }
    }

    /// Lookup in whatever keys are held (possibly past their TTL while the provider is down).
    fn lookup_held(
        &self,
        st: &State,
        kid: Option<&str>,
        alg: Algorithm,
    ) -> Result<DecodingKey, AuthError> {
        if let Some(k) = find_key(&st.keys, kid, alg) {
            return Ok(k.key.clone());
        }
        match (&st.last_error, st.fetched_at) {
            (Some(e), _) => Err(AuthError::Upstream(e.clone())),
            (None, None) => Err(AuthError::Upstream("key set not fetched yet".into())),
            (None, Some(_)) => Err(AuthError::UnknownKey),
        }
    }
}

type HttpClient = Client<HttpsConnector<HttpConnector>, Empty<Bytes>>;

fn client() -> Result<&'static HttpClient, String> {
    static CLIENT: OnceLock<Result<HttpClient, String>> = OnceLock::new();
    CLIENT
        .get_or_init(|| {
            let https = hyper_rustls::HttpsConnectorBuilder::new()
                .with_provider_and_webpki_roots(Arc::new(rustls::crypto::ring::default_provider()))
                .map_err(|e| format!("TLS setup: {e}"))?
                .https_or_http()
                .enable_http1()
                .build();
            Ok(Client::builder(hyper_util::rt::TokioExecutor::new()).build(https))
        })
        .as_ref()
        .map_err(Clone::clone)
}

/// Fetches and parses a key set; keys that are unusable (encryption keys, unknown types) are
/// skipped, not fatal.
async fn fetch(url: &str) -> Result<Vec<VerifyKey>, String> {
    let client = client()?;
    let req = http::Request::get(url)
        .header(http::header::ACCEPT, "application/json")
        .header(http::header::USER_AGENT, "lampyr-gateway")
        .body(Empty::<Bytes>::new())
        .map_err(|e| format!("bad JWKS URL: {e}"))?;
    let body = tokio::time::timeout(FETCH_TIMEOUT, async {
        let resp = client
            .request(req)
            .await
            .map_err(|e| format!("JWKS fetch: {e}"))?;
        if !resp.status().is_success() {
            return Err(format!("JWKS fetch: HTTP {}", resp.status()));
        }
        Limited::new(resp.into_body(), MAX_BODY)
            .collect()
            .await
            .map(|c| c.to_bytes())
            .map_err(|e| format!("JWKS body: {e}"))
    })
    .await
    .map_err(|_| "JWKS fetch timed out".to_string())??;
    parse_jwks(&body)
}

/// Parses a JWKS document.
pub(crate) fn parse_jwks(body: &[u8]) -> Result<Vec<VerifyKey>, String> {
    #[derive(serde::Deserialize)]
    struct Doc {
        keys: Vec<serde_json::Value>,
    }
    let doc: Doc =
        serde_json::from_slice(body).map_err(|e| format!("JWKS is not a key set: {e}"))?;
    let mut out = Vec::new();
    for v in doc.keys.into_iter().take(MAX_KEYS) {
        let Ok(jwk) = serde_json::from_value::<Jwk>(v) else {
            continue;
        };
        if matches!(jwk.common.public_key_use, Some(PublicKeyUse::Encryption)) {
            continue;
        }
        let alg = match jwk.common.key_algorithm {
            Some(ka) => match Algorithm::from_str(&ka.to_string()) {
                Ok(a) => Some(a),
                Err(_) => continue,
            },
            None => None,
        };
        let Ok(key) = DecodingKey::from_jwk(&jwk) else {
            continue;
        };
        out.push(VerifyKey {
            kid: jwk.common.key_id.clone(),
            alg,
            key,
        });
    }
    Ok(out)
}
