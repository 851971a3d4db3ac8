//! Authenticate phase: who is calling.
//!
//! [`AuthIndex`] is compiled from the consumers and JWT issuers of a spec snapshot and answers
//! [`AuthIndex::authenticate`] for the methods a route accepts: API key ([`apikey`]), HMAC
//! request signature ([`hmac`]), JWT ([`jwt`], keys from [`jwks`]), HTTP Basic ([`basic`]) and
//! client certificates ([`mtls`]). Server secrets live in [`secrets`].

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;

use http::StatusCode;
use lampyr_spec::AuthMethod;

pub mod apikey;
pub mod basic;
mod cache;
pub mod hmac;
mod index;
pub mod jwks;
pub mod jwt;
pub mod mtls;
pub mod secrets;
#[cfg(test)]
mod tests;

pub use self::hmac::sign_request;
pub use index::AuthIndex;
pub use secrets::{hash_password, issue_api_key, IssuedKey, Secrets};

/// A consumer as the data plane sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsumerEntry {
    /// Unique name.
    pub name: String,
    /// Groups.
    pub groups: Vec<String>,
    /// Scopes held by default.
    pub scopes: Vec<String>,
    /// Tags.
    pub tags: Vec<String>,
    /// Disabled consumers are refused.
    pub disabled: bool,
}

/// The authenticated caller.
#[derive(Debug, Clone)]
pub struct Identity {
    /// The consumer.
    pub consumer: Arc<ConsumerEntry>,
    /// Id of the credential used.
    pub credential_id: String,
    /// How the caller authenticated.
    pub method: AuthMethod,
    /// Scopes in force for this request (token scopes, else the consumer's).
    pub scopes: Vec<String>,
    /// End user, when the credential names one (JWT `sub`, basic user name).
    pub user: Option<String>,
    /// Stable, non-secret id of the token or key (`sha256:` + 16 hex of its hash), for the
    /// deny list and analytics.
    pub token_id: Option<String>,
}

/// Why a request was not authenticated. Messages are safe to show the client.
#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    /// No credential of an accepted method was presented.
    #[error("credentials required")]
    Missing,
    /// The credential is malformed, unknown or does not verify.
    #[error("invalid credentials: {0}")]
    Invalid(&'static str),
    /// The credential or token has expired.
    #[error("credentials expired")]
    Expired,
    /// The credential was revoked.
    #[error("credentials revoked")]
    Revoked,
    /// The consumer is disabled.
    #[error("consumer disabled")]
    Disabled,
    /// A signed request's nonce was seen before.
    #[error("request replayed")]
    Replay,
    /// A signed request's date is too far from the gateway's clock.
    #[error("request date outside the allowed clock skew")]
    Skew,
    /// A JWT names a key id the issuer does not publish.
    #[error("unknown signing key")]
    UnknownKey,
    /// The issuer's key set could not be fetched.
    #[error("identity provider unavailable: {0}")]
    Upstream(String),
}

impl AuthError {
    /// 401 for bad or missing credentials; 403 when the caller is known but disabled; 503
    /// when the identity provider's keys cannot be fetched (the caller is not at fault).
    pub fn status(&self) -> StatusCode {
        match self {
            AuthError::Disabled => StatusCode::FORBIDDEN,
            AuthError::Upstream(_) => StatusCode::SERVICE_UNAVAILABLE,
            _ => StatusCode::UNAUTHORIZED,
        }
    }

    /// The `WWW-Authenticate` value for a 401: one challenge per accepted method (mTLS has
    /// none), with RFC 6750 `error` on bearer challenges when a token was rejected.
    pub fn www_authenticate(&self, methods: &[AuthMethod]) -> String {
        let mut out: Vec<String> = Vec::new();
        for m in methods {
            let c = match m {
                AuthMethod::ApiKey => "ApiKey realm=\"lampyr\"".to_string(),
                AuthMethod::Hmac => "HMAC-SHA256 realm=\"lampyr\"".to_string(),
                AuthMethod::Jwt => match self {
                    AuthError::Missing => "Bearer realm=\"lampyr\"".to_string(),
                    _ => "Bearer realm=\"lampyr\", error=\"invalid_token\"".to_string(),
                },
                AuthMethod::Basic => "Basic realm=\"lampyr\", charset=\"UTF-8\"".to_string(),
                AuthMethod::Mtls => continue,
            };
            if !out.contains(&c) {
                out.push(c);
            }
        }
        out.join(", ")
    }
}

/// A compiled credential: its id, owner and the state checked on every use.
#[derive(Debug)]
pub(crate) struct Cred {
    pub(crate) id: String,
    pub(crate) consumer: Arc<ConsumerEntry>,
    pub(crate) expires_at: Option<i64>,
    pub(crate) revoked: bool,
    /// Shared with later snapshots through `prev`, so reloads keep the history.
    pub(crate) last_used: Arc<AtomicI64>,
}

impl Cred {
    /// Refuses revoked, expired and disabled; records the use otherwise.
    pub(crate) fn check(&self, now: i64) -> Result<(), AuthError> {
        if self.revoked {
            return Err(AuthError::Revoked);
        }
        if self.expires_at.is_some_and(|t| t <= now) {
            return Err(AuthError::Expired);
        }
        if self.consumer.disabled {
            return Err(AuthError::Disabled);
        }
        self.last_used.fetch_max(now, Ordering::Relaxed);
        Ok(())
    }

    /// The identity this credential grants, with the consumer's scopes.
    pub(crate) fn identity(
        &self,
        method: AuthMethod,
        user: Option<String>,
        token_id: Option<String>,
    ) -> Identity {
        Identity {
            consumer: self.consumer.clone(),
            credential_id: self.id.clone(),
            method,
            scopes: self.consumer.scopes.clone(),
            user,
            token_id,
        }
    }
}

/// `sha256:` + the first 16 hex digits of a hex hash: a stable, non-secret token id.
pub(crate) fn token_id_from_hex(hash_hex: &str) -> String {
    let short = hash_hex.get(..16).unwrap_or(hash_hex);
    let mut id = String::with_capacity(7 + short.len());
    id.push_str("sha256:");
    id.push_str(short);
    id
}

/// The `Authorization` header split as (scheme, rest), when present and valid UTF-8.
pub(crate) fn authorization(req: &http::request::Parts) -> Option<(&str, &str)> {
    let v = req
        .headers
        .get(http::header::AUTHORIZATION)?
        .to_str()
        .ok()?
        .trim();
    match v.split_once(' ') {
        Some((scheme, rest)) => Some((scheme, rest.trim())),
        None => Some((v, "")),
    }
}
