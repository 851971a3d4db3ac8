//! JWT bearer tokens (`Authorization: Bearer <jwt>`).
//!
//! The header's `alg` must be one the issuer allows (`none` never parses), `iss` must be a
//! configured issuer, the key is chosen by `kid` from static keys or the issuer's JWKS, and
//! `exp` (required), `nbf` and `aud` are checked against the request time with the issuer's
//! leeway. The token maps to a consumer by a `jwt` credential binding (issuer, `sub`), else
//! by the issuer's `consumer_claim`. Verified claims are cached by SHA-256 of the token until
//! `min(exp, 60 s)` so a hot token is not re-verified per request; credential state
//! (revoked, expired, disabled) is still checked on every request.

use std::collections::{HashMap, HashSet};
use std::str::FromStr;
use std::sync::{Arc, Mutex};

use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use lampyr_spec::{AuthMethod, JwtIssuerSpec, SpecError};
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

use super::cache::{ExpiringMap, WhenFull};
use super::index::dup_error;
use super::jwks::{find_key, JwksCache, VerifyKey};
use super::secrets::hex;
use super::{token_id_from_hex, AuthError, ConsumerEntry, Cred, Identity};

const MAX_TOKEN_LEN: usize = 16 * 1024;
const TOKEN_CACHE_CAPACITY: usize = 10_000;
const TOKEN_CACHE_SECS: i64 = 60;
const MAX_SCOPES: usize = 256;

struct Issuer {
    audiences: Vec<String>,
    algorithms: Vec<Algorithm>,
    consumer_claim: Option<String>,
    scopes_claim: String,
    leeway: i64,
    keys: Vec<VerifyKey>,
    jwks: Option<Arc<JwksCache>>,
}

/// What a verified token says, cached.
#[derive(Debug)]
struct Verified {
    iss: String,
    sub: Option<String>,
    consumer: Option<String>,
    scopes: Option<Vec<String>>,
}

/// Trusted issuers and subject bindings. No `Debug`: it holds HMAC keys.
pub(crate) struct JwtAuth {
    issuers: HashMap<String, Issuer>,
    subjects: HashMap<(String, String), (Arc<Cred>, String)>,
    tokens: Mutex<ExpiringMap<[u8; 32], Arc<Verified>>>,
}

impl JwtAuth {
    /// Compiles the issuers; `prev_jwks` lends key-set caches whose URL and TTL did not change.
    pub(crate) fn new(
        issuers: &[JwtIssuerSpec],
        prev_jwks: &HashMap<String, Arc<JwksCache>>,
        errors: &mut Vec<SpecError>,
    ) -> Self {
        let mut out = HashMap::new();
        for (i, spec) in issuers.iter().enumerate() {
            let at = format!("gateway.jwt_issuers[{i}]");
            let err = |field: &str, message: String| SpecError {
                at: format!("{at}{field}"),
                message,
            };
            if out.contains_key(&spec.issuer) {
                errors.push(err(
                    ".issuer",
                    format!("issuer {:?} listed twice", spec.issuer),
                ));
                continue;
            }
            let mut algorithms = Vec::new();
            for (j, a) in spec.algorithms.iter().enumerate() {
                match Algorithm::from_str(a) {
                    Ok(alg) => algorithms.push(alg),
                    Err(_) => errors.push(err(
                        &format!(".algorithms[{j}]"),
                        format!("unsupported algorithm {a:?} (never `none`)"),
                    )),
                }
            }
            if spec.algorithms.is_empty() {
                errors.push(err(
                    ".algorithms",
                    "at least one algorithm is required".into(),
                ));
            }
            let mut keys = Vec::new();
            for (j, k) in spec.keys.iter().enumerate() {
                match static_key(k) {
                    Ok(key) => keys.push(key),
                    Err((field, message)) => {
                        errors.push(err(&format!(".keys[{j}]{field}"), message))
                    }
                }
            }
            let jwks = spec
                .jwks_url
                .as_ref()
                .map(|url| match prev_jwks.get(&spec.issuer) {
                    Some(c)
                        if c.url == *url
                            && c.ttl == i64::try_from(spec.jwks_ttl_secs).unwrap_or(i64::MAX) =>
                    {
                        c.clone()
                    }
                    _ => Arc::new(JwksCache::new(url.clone(), spec.jwks_ttl_secs)),
                });
            if let Some(url) = &spec.jwks_url {
                if !(url.starts_with("https://") || url.starts_with("http://")) {
                    errors.push(err(".jwks_url", "want an http(s) URL".into()));
                }
            }
            if jwks.is_none() && keys.is_empty() {
                errors.push(err("", "needs jwks_url or keys".into()));
            }
            out.insert(
                spec.issuer.clone(),
                Issuer {
                    audiences: spec.audiences.clone(),
                    algorithms,
                    consumer_claim: spec.consumer_claim.clone(),
                    scopes_claim: spec.scopes_claim.clone(),
                    leeway: i64::try_from(spec.leeway_secs).unwrap_or(i64::MAX),
                    keys,
                    jwks,
                },
            );
        }
        JwtAuth {
            issuers: out,
            subjects: HashMap::new(),
            tokens: Mutex::new(ExpiringMap::new(TOKEN_CACHE_CAPACITY)),
        }
    }

    /// Key-set caches by issuer, for the next snapshot.
    pub(crate) fn jwks_caches(&self) -> HashMap<String, Arc<JwksCache>> {
        self.issuers
            .iter()
            .filter_map(|(name, i)| Some((name.clone(), i.jwks.clone()?)))
            .collect()
    }

    /// Binds (issuer, subject) to a credential.
    pub(crate) fn add(
        &mut self,
        at: &str,
        cred: &Arc<Cred>,
        issuer: &str,
        subject: &str,
    ) -> Result<(), SpecError> {
        if !self.issuers.contains_key(issuer) {
            return Err(SpecError {
                at: format!("{at}.issuer"),
                message: format!("unknown JWT issuer {issuer:?} (not in jwt_issuers)"),
            });
        }
        let key = (issuer.to_string(), subject.to_string());
        if let Some((other, other_at)) = self.subjects.get(&key) {
            return Err(dup_error(
                at,
                &format!("JWT subject {subject:?} of {issuer:?}"),
                other,
                other_at,
            ));
        }
        self.subjects.insert(key, (cred.clone(), at.to_string()));
        Ok(())
    }

    /// Verifies a bearer token and maps it to a consumer.
    pub(crate) async fn authenticate(
        &self,
        token: &str,
        consumers: &HashMap<String, Arc<ConsumerEntry>>,
        now: i64,
    ) -> Result<Identity, AuthError> {
        if token.is_empty() || token.len() > MAX_TOKEN_LEN {
            return Err(AuthError::Invalid("malformed token"));
        }
        let digest: [u8; 32] = Sha256::digest(token.as_bytes()).into();
        let cached = self.token_cache().get(&digest, now);
        let verified = match cached {
            Some(v) => v,
            None => {
                let (v, exp) = self.verify(token, now).await?;
                let v = Arc::new(v);
                let until = exp.min(now.saturating_add(TOKEN_CACHE_SECS));
                self.token_cache()
                    .insert(digest, v.clone(), until, now, WhenFull::Clear);
                v
            }
        };
        let token_id = Some(token_id_from_hex(&hex(&digest)));
        let scopes =
            |c: &ConsumerEntry| verified.scopes.clone().unwrap_or_else(|| c.scopes.clone());
        if let Some(sub) = &verified.sub {
            if let Some((cred, _)) = self.subjects.get(&(verified.iss.clone(), sub.clone())) {
                cred.check(now)?;
                let mut id = cred.identity(AuthMethod::Jwt, Some(sub.clone()), token_id);
                id.scopes = scopes(&cred.consumer);
                return Ok(id);
            }
        }
        let name = verified
            .consumer
            .as_ref()
            .ok_or(AuthError::Invalid("no consumer"))?;
        let consumer = consumers
            .get(name)
            .ok_or(AuthError::Invalid("no consumer"))?;
        if consumer.disabled {
            return Err(AuthError::Disabled);
        }
        Ok(Identity {
            consumer: consumer.clone(),
            credential_id: format!("jwt:{}", verified.iss),
            method: AuthMethod::Jwt,
            scopes: scopes(consumer),
            user: verified.sub.clone(),
            token_id,
        })
    }

    fn token_cache(&self) -> std::sync::MutexGuard<'_, ExpiringMap<[u8; 32], Arc<Verified>>> {
        self.tokens.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Full verification; returns the claims and `exp`.
    async fn verify(&self, token: &str, now: i64) -> Result<(Verified, i64), AuthError> {
        let header = jsonwebtoken::decode_header(token)
            .map_err(|_| AuthError::Invalid("malformed token"))?;
        // Unverified read of `iss` only to pick the issuer's keys; everything is re-read from
        // the verified token below.
        let unverified: Map<String, Value> = jsonwebtoken::dangerous::insecure_decode_claims(token)
            .map_err(|_| AuthError::Invalid("malformed token"))?;
        let iss = unverified
            .get("iss")
            .and_then(Value::as_str)
            .ok_or(AuthError::Invalid("no issuer"))?;
        let issuer = self
            .issuers
            .get(iss)
            .ok_or(AuthError::Invalid("untrusted issuer"))?;
        let alg = header.alg;
        if !issuer.algorithms.contains(&alg) {
            return Err(AuthError::Invalid("algorithm not allowed"));
        }
        let kid = header.kid.as_deref();
        let key: DecodingKey = match find_key(&issuer.keys, kid, alg) {
            Some(k) => k.key.clone(),
            None => match &issuer.jwks {
                Some(jwks) => jwks.key(kid, alg, now).await?,
                None => return Err(AuthError::UnknownKey),
            },
        };
        let mut validation = Validation::new(alg);
        // Time and audience are checked below against the request time.
        validation.required_spec_claims = HashSet::new();
        validation.validate_exp = false;
        validation.validate_nbf = false;
        validation.validate_aud = false;
        let data =
            jsonwebtoken::decode::<Map<String, Value>>(token, &key, &validation).map_err(|e| {
                match e.kind() {
                    jsonwebtoken::errors::ErrorKind::InvalidSignature => {
                        AuthError::Invalid("bad signature")
                    }
                    _ => AuthError::Invalid("invalid token"),
                }
            })?;
        let claims = data.claims;
        if claims.get("iss").and_then(Value::as_str) != Some(iss) {
            return Err(AuthError::Invalid("untrusted issuer"));
        }
        let exp = numeric(&claims, "exp")?.ok_or(AuthError::Invalid("exp required"))?;
        if exp.saturating_add(issuer.leeway) <= now {
            return Err(AuthError::Expired);
        }
        if let Some(nbf) = numeric(&claims, "nbf")? {
            if nbf > now.saturating_add(issuer.leeway) {
                return Err(AuthError::Invalid("token not yet valid"));
            }
        }
        if !issuer.audiences.is_empty() {
            let ok = match claims.get("aud") {
                Some(Value::String(a)) => issuer.audiences.contains(a),
                Some(Value::Array(list)) => list
                    .iter()
                    .filter_map(Value::as_str)
                    .any(|a| issuer.audiences.iter().any(|x| x == a)),
                _ => false,
            };
            if !ok {
                return Err(AuthError::Invalid("wrong audience"));
            }
        }
        let sub = claims
            .get("sub")
            .and_then(Value::as_str)
            .map(str::to_string);
        let consumer = issuer
            .consumer_claim
            .as_ref()
            .and_then(|c| claims.get(c))
            .and_then(Value::as_str)
            .map(str::to_string);
        let scopes = match claims.get(&issuer.scopes_claim) {
            Some(Value::String(s)) => Some(
                s.split_whitespace()
                    .take(MAX_SCOPES)
                    .map(str::to_string)
                    .collect(),
            ),
            Some(Value::Array(a)) => Some(
                a.iter()
                    .filter_map(Value::as_str)
                    .take(MAX_SCOPES)
                    .map(str::to_string)
                    .collect(),
            ),
            _ => None,
        };
        Ok((
            Verified {
                iss: iss.to_string(),
                sub,
                consumer,
                scopes,
            },
            exp,
        ))
    }
}

/// A NumericDate claim as whole seconds; an error when present but not a number.
fn numeric(claims: &Map<String, Value>, name: &'static str) -> Result<Option<i64>, AuthError> {
    match claims.get(name) {
        None => Ok(None),
        Some(v) => match (v.as_i64(), v.as_f64()) {
            (Some(n), _) => Ok(Some(n)),
            (None, Some(f)) if f.is_finite() => Ok(Some(f as i64)),
            _ => Err(AuthError::Invalid("bad time claim")),
        },
    }
}

/// A static key; errors carry the field suffix and message.
fn static_key(k: &lampyr_spec::JwtKeySpec) -> Result<VerifyKey, (&'static str, String)> {
    let alg = Algorithm::from_str(&k.alg)
        .map_err(|_| (".alg", format!("unsupported algorithm {:?}", k.alg)))?;
    use jsonwebtoken::AlgorithmFamily as F;
    let key = match (alg.family(), &k.pem_file, &k.secret_env) {
        (F::Hmac, None, Some(env)) => {
            let s = std::env::var(env).map_err(|_| {
                (
                    ".secret_env",
                    format!("environment variable {env} is not set"),
                )
            })?;
            if s.is_empty() {
                return Err((
                    ".secret_env",
                    format!("environment variable {env} is empty"),
                ));
            }
            DecodingKey::from_secret(s.as_bytes()).map_err(|e| (".secret_env", e.to_string()))?
        }
        (F::Hmac, _, _) => return Err(("", "HS* keys need secret_env (and no pem_file)".into())),
        (fam, Some(path), None) => {
            let pem = std::fs::read(path)
                .map_err(|e| (".pem_file", format!("cannot read {path}: {e}")))?;
            let key = match fam {
                F::Rsa => DecodingKey::from_rsa_pem(&pem),
                F::Ec => DecodingKey::from_ec_pem(&pem),
                _ => DecodingKey::from_ed_pem(&pem),
            };
            key.map_err(|e| (".pem_file", format!("not a {:?} public key: {e}", fam)))?
        }
        _ => {
            return Err((
                "",
                "asymmetric keys need pem_file (and no secret_env)".into(),
            ))
        }
    };
    Ok(VerifyKey {
        kid: k.kid.clone(),
        alg: Some(alg),
        key,
    })
}
