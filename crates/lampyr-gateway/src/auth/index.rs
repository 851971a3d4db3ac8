//! The compiled credential index and method dispatch.

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;

use lampyr_spec::{AuthMethod, ConsumerSpec, CredentialKind, JwtIssuerSpec, SpecError};

use super::apikey::{self, ApiKeySpec, ApiKeys};
use super::basic::BasicAuth;
use super::hmac::{new_nonce_store, HmacKeys, HmacSpec, SCHEME as HMAC_SCHEME};
use super::jwt::JwtAuth;
use super::mtls::MtlsAuth;
use super::secrets::Secrets;
use super::{authorization, AuthError, ConsumerEntry, Cred, Identity};
use crate::server::TlsInfo;

/// Longest secret read from a file (keys and HMAC secrets are short).
const MAX_SECRET_FILE: u64 = 64 * 1024;

/// Credential lookup compiled from the consumers of one snapshot. Caches that must survive a
/// reload (nonces, JWKS, last-used times) are carried over from `prev`; caches of verified
/// tokens and passwords start empty so changed issuer settings or passwords take effect.
pub struct AuthIndex {
    consumers: HashMap<String, Arc<ConsumerEntry>>,
    creds: Vec<Arc<Cred>>,
    secrets: Secrets,
    api_keys: ApiKeys,
    hmac: HmacKeys,
    jwt: JwtAuth,
    basic: BasicAuth,
    mtls: MtlsAuth,
}

impl fmt::Debug for AuthIndex {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AuthIndex")
            .field("consumers", &self.consumers.len())
            .field("credentials", &self.creds.len())
            .finish_non_exhaustive()
    }
}

impl Default for AuthIndex {
    /// No consumers: every authenticated route refuses.
    fn default() -> Self {
        let errors = &mut Vec::new();
        AuthIndex {
            consumers: HashMap::new(),
            creds: Vec::new(),
            secrets: Secrets::generate(),
            api_keys: ApiKeys::default(),
            hmac: HmacKeys::new(new_nonce_store()),
            jwt: JwtAuth::new(&[], &HashMap::new(), errors),
            basic: BasicAuth::default(),
            mtls: MtlsAuth::default(),
        }
    }
}

impl AuthIndex {
    /// Compiles consumers and issuers. File-form secrets are read now (a missing variable or
    /// file is an error at its key path), and every key, access key, subject, user name and
    /// certificate must belong to one credential only.
    pub fn build(
        consumers: &[ConsumerSpec],
        issuers: &[JwtIssuerSpec],
        secrets: &Secrets,
        prev: Option<&AuthIndex>,
    ) -> Result<AuthIndex, Vec<SpecError>> {
        let mut errors = Vec::new();
        let prev_used: HashMap<&str, &Arc<AtomicI64>> = prev
            .map(|p| {
                p.creds
                    .iter()
                    .map(|c| (c.id.as_str(), &c.last_used))
                    .collect()
            })
            .unwrap_or_default();
        let prev_jwks = prev.map(|p| p.jwt.jwks_caches()).unwrap_or_default();
        let mut index = AuthIndex {
            consumers: HashMap::new(),
            creds: Vec::new(),
            secrets: secrets.clone(),
            api_keys: ApiKeys::default(),
            hmac: HmacKeys::new(
                prev.map(|p| p.hmac.nonces.clone())
                    .unwrap_or_else(new_nonce_store),
            ),
            jwt: JwtAuth::new(issuers, &prev_jwks, &mut errors),
            basic: BasicAuth::default(),
            mtls: MtlsAuth::default(),
        };
        let mut ids: HashMap<String, String> = HashMap::new();
        for (ci, c) in consumers.iter().enumerate() {
            let cat = format!("gateway.consumers[{ci}]");
            let entry = Arc::new(ConsumerEntry {
                name: c.name.clone(),
                groups: c.groups.clone(),
                scopes: c.scopes.clone(),
                tags: c.tags.clone(),
                disabled: c.disabled,
            });
            if index
                .consumers
                .insert(c.name.clone(), entry.clone())
                .is_some()
            {
                errors.push(SpecError {
                    at: format!("{cat}.name"),
                    message: format!("consumer {:?} defined twice", c.name),
                });
            }
            for (k, cs) in c.credentials.iter().enumerate() {
                let at = format!("{cat}.credentials[{k}]");
                let id = cs.id.clone().unwrap_or_else(|| format!("{}/{k}", c.name));
                if let Some(other_at) = ids.insert(id.clone(), at.clone()) {
                    errors.push(SpecError {
                        at: format!("{at}.id"),
                        message: format!("credential id {id:?} already used at {other_at}"),
                    });
                    continue;
                }
                let last_used = prev_used
                    .get(id.as_str())
                    .map(|a| Arc::clone(a))
                    .unwrap_or_else(|| Arc::new(AtomicI64::new(0)));
                let cred = Arc::new(Cred {
                    id,
                    consumer: entry.clone(),
                    expires_at: cs.expires_at,
                    revoked: cs.revoked,
                    last_used,
                });
                let added = match &cs.kind {
                    CredentialKind::ApiKey {
                        key_env,
                        key_file,
                        prefix,
                        hash,
                    } => index.api_keys.add(
                        &at,
                        &cred,
                        ApiKeySpec {
                            key_env: key_env.as_deref(),
                            key_file: key_file.as_deref(),
                            prefix: prefix.as_deref(),
                            hash: hash.as_deref(),
                        },
                        secrets,
                    ),
                    CredentialKind::Hmac {
                        access_key,
                        secret_env,
                        secret_file,
                        sealed_secret,
                    } => index.hmac.add(
                        &at,
                        &cred,
                        HmacSpec {
                            access_key,
                            secret_env: secret_env.as_deref(),
                            secret_file: secret_file.as_deref(),
                            sealed_secret: sealed_secret.as_deref(),
                        },
                        secrets,
                    ),
                    CredentialKind::Jwt { issuer, subject } => {
                        index.jwt.add(&at, &cred, issuer, subject)
                    }
                    CredentialKind::Basic {
                        username,
                        password_hash,
                    } => index.basic.add(&at, &cred, username, password_hash),
                    CredentialKind::Mtls {
                        subject,
                        fingerprint,
                    } => index
                        .mtls
                        .add(&at, &cred, subject.as_deref(), fingerprint.as_deref()),
                };
                match added {
                    Ok(()) => index.creds.push(cred),
                    Err(e) => errors.push(e),
                }
            }
        }
        if errors.is_empty() {
            Ok(index)
        } else {
            Err(errors)
        }
    }

    /// Authenticates with the first of the route's `methods` whose credential the request
    /// carries and that verifies. When none verifies, the error of the first one tried is
    /// returned (the most specific); when the request carries none, [`AuthError::Missing`].
    pub async fn authenticate(
        &self,
        methods: &[AuthMethod],
        req: &http::request::Parts,
        body: &[u8],
        tls: Option<&TlsInfo>,
        now_unix: i64,
    ) -> Result<Identity, AuthError> {
        let auth = authorization(req);
        let scheme_is = |s: &str| auth.is_some_and(|(scheme, _)| scheme.eq_ignore_ascii_case(s));
        let mut first_err: Option<AuthError> = None;
        let mut tried = HashSet::new();
        for m in methods {
            if !tried.insert(*m) {
                continue;
            }
            let result = match m {
                AuthMethod::ApiKey => match apikey::carried(req) {
                    Some(key) => self.api_keys.authenticate(key, &self.secrets, now_unix),
                    None => continue,
                },
                AuthMethod::Hmac if scheme_is(HMAC_SCHEME) => {
                    let params = auth.map(|(_, p)| p).unwrap_or("");
                    self.hmac.authenticate(params, req, body, now_unix)
                }
                AuthMethod::Jwt if scheme_is("bearer") => {
                    let token = auth.map(|(_, t)| t).unwrap_or("");
                    self.jwt
                        .authenticate(token, &self.consumers, now_unix)
                        .await
                }
                AuthMethod::Basic if scheme_is("basic") => {
                    let payload = auth.map(|(_, p)| p).unwrap_or("");
                    self.basic.authenticate(payload, now_unix).await
                }
                AuthMethod::Mtls => match tls.and_then(|t| t.client_cert.as_ref()) {
                    Some(cert) => self.mtls.authenticate(cert, now_unix),
                    None => continue,
                },
                _ => continue,
            };
            match result {
                Ok(id) => return Ok(id),
                Err(e) => {
                    first_err.get_or_insert(e);
                }
            }
        }
        Err(first_err.unwrap_or(AuthError::Missing))
    }

    /// Last-used unix time per credential id (0 = never), for the admin API. Survives
    /// reloads for credentials whose id is unchanged.
    pub fn last_used(&self) -> Vec<(String, i64)> {
        self.creds
            .iter()
            .map(|c| (c.id.clone(), c.last_used.load(Ordering::Relaxed)))
            .collect()
    }

    /// A consumer by name.
    pub fn consumer(&self, name: &str) -> Option<Arc<ConsumerEntry>> {
        self.consumers.get(name).cloned()
    }
}

/// "`what` already belongs to consumer X (at …)".
pub(crate) fn dup_error(at: &str, what: &str, other: &Cred, other_at: &str) -> SpecError {
    SpecError {
        at: at.to_string(),
        message: format!(
            "{what} already belongs to consumer {:?} ({other_at})",
            other.consumer.name
        ),
    }
}

/// Reads a file-form secret from `<name>_env` or `<name>_file`; trailing newlines are dropped.
pub(crate) fn read_secret(
    at: &str,
    env: Option<&str>,
    file: Option<&str>,
    name: &str,
) -> Result<String, SpecError> {
    match (env, file) {
        (Some(var), None) => std::env::var(var).map_err(|_| SpecError {
            at: format!("{at}.{name}_env"),
            message: format!("environment variable {var} is not set"),
        }),
        (None, Some(path)) => {
            let err = |message: String| SpecError {
                at: format!("{at}.{name}_file"),
                message,
            };
            let meta =
                std::fs::metadata(path).map_err(|e| err(format!("cannot read {path}: {e}")))?;
            if meta.len() > MAX_SECRET_FILE {
                return Err(err(format!(
                    "{path} is larger than {MAX_SECRET_FILE} bytes"
                )));
            }
            let text = std::fs::read_to_string(path)
                .map_err(|e| err(format!("cannot read {path}: {e}")))?;
            Ok(text.trim_end_matches(['\r', '\n']).to_string())
        }
        _ => Err(SpecError {
            at: at.to_string(),
            message: format!("give one of {name}_env or {name}_file"),
        }),
    }
}
