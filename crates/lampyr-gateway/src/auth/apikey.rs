//! API keys: `X-API-Key: <key>` or `Authorization: ApiKey <key>`.
//!
//! Keys are looked up by their keyed hash ([`Secrets::hash_api_key`]), never compared in the
//! clear. The lookup is a `HashMap` probe on HMAC-SHA256(pepper, key): it needs no
//! constant-time compare, because an attacker who times the probe learns at most about the
//! hash of their own guess, and without the pepper that says nothing about any stored key.

use std::collections::HashMap;
use std::sync::Arc;

use lampyr_spec::{AuthMethod, SpecError};

use super::index::{dup_error, read_secret};
use super::secrets::Secrets;
use super::{authorization, token_id_from_hex, AuthError, Cred, Identity};

/// Longest key accepted on a request; longer is refused before hashing.
const MAX_KEY_LEN: usize = 512;

/// API keys by hash.
#[derive(Default)]
pub(crate) struct ApiKeys {
    by_hash: HashMap<String, (Arc<Cred>, String)>,
}

/// The key a request carries, if any.
pub(crate) fn carried(req: &http::request::Parts) -> Option<&str> {
    if let Some(v) = req.headers.get("x-api-key") {
        return Some(v.to_str().unwrap_or("").trim());
    }
    match authorization(req) {
        Some((scheme, rest)) if scheme.eq_ignore_ascii_case("apikey") => Some(rest),
        _ => None,
    }
}

/// The credential fields of `CredentialKind::ApiKey`.
pub(crate) struct ApiKeySpec<'a> {
    pub(crate) key_env: Option<&'a str>,
    pub(crate) key_file: Option<&'a str>,
    pub(crate) prefix: Option<&'a str>,
    pub(crate) hash: Option<&'a str>,
}

impl ApiKeys {
    /// Adds one credential: the file form is read and hashed now, the stored form is taken
    /// as is. `at` is the credential's key path.
    pub(crate) fn add(
        &mut self,
        at: &str,
        cred: &Arc<Cred>,
        spec: ApiKeySpec<'_>,
        secrets: &Secrets,
    ) -> Result<(), SpecError> {
        let err = |field: &str, message: String| SpecError {
            at: format!("{at}.{field}"),
            message,
        };
        let hash = match (spec.key_env, spec.key_file, spec.hash) {
            (Some(_), Some(_), _) | (Some(_), _, Some(_)) | (_, Some(_), Some(_)) => {
                return Err(SpecError {
                    at: at.to_string(),
                    message: "give one of key_env, key_file or prefix+hash".into(),
                })
            }
            (None, None, None) => {
                return Err(SpecError {
                    at: at.to_string(),
                    message: "api_key needs key_env, key_file or prefix+hash".into(),
                })
            }
            (env, file, None) => {
                let key = read_secret(at, env, file, "key")?;
                if key.len() > MAX_KEY_LEN {
                    return Err(err("key", format!("key longer than {MAX_KEY_LEN} bytes")));
                }
                secrets.hash_api_key(&key)
            }
            (None, None, Some(h)) => {
                if h.len() != 64 || !h.bytes().all(|b| b.is_ascii_hexdigit()) {
                    return Err(err("hash", "want 64 hex characters (HMAC-SHA-256)".into()));
                }
                if spec.prefix.is_some_and(|p| p.is_empty()) {
                    return Err(err("prefix", "empty prefix".into()));
                }
                h.to_ascii_lowercase()
            }
        };
        if let Some((other, other_at)) = self.by_hash.get(&hash) {
            return Err(dup_error(at, "this API key", other, other_at));
        }
        self.by_hash.insert(hash, (cred.clone(), at.to_string()));
        Ok(())
    }

    /// Authenticates a carried key.
    pub(crate) fn authenticate(
        &self,
        key: &str,
        secrets: &Secrets,
        now: i64,
    ) -> Result<Identity, AuthError> {
        if key.is_empty() {
            return Err(AuthError::Invalid("empty API key"));
        }
        if key.len() > MAX_KEY_LEN {
            return Err(AuthError::Invalid("API key too long"));
        }
        let hash = secrets.hash_api_key(key);
        let (cred, _) = self
            .by_hash
            .get(&hash)
            .ok_or(AuthError::Invalid("unknown API key"))?;
        cred.check(now)?;
        Ok(cred.identity(AuthMethod::ApiKey, None, Some(token_id_from_hex(&hash))))
    }
}
