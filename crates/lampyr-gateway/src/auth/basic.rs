//! HTTP Basic against argon2 password hashes.
//!
//! argon2 is deliberately slow, so a successful (user, password) pair is remembered for
//! [`CACHE_SECS`] by the SHA-256 of `user:password`; failures are never cached, so a guess
//! always pays the full argon2 cost.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use argon2::password_hash::{PasswordHash, PasswordVerifier};
use base64::Engine as _;
use lampyr_spec::{AuthMethod, SpecError};
use sha2::{Digest, Sha256};

use super::cache::{ExpiringMap, WhenFull};
use super::index::dup_error;
use super::{AuthError, Cred, Identity};

/// How long a verified password is trusted without re-running argon2, seconds.
pub const CACHE_SECS: i64 = 60;
const CACHE_CAPACITY: usize = 10_000;
/// Longest `Authorization: Basic` payload accepted.
const MAX_CREDENTIALS_LEN: usize = 1024;

/// argon2 verifications running at once.
pub const MAX_CONCURRENT_ARGON2: usize = 4;
static ARGON2_PERMITS: tokio::sync::Semaphore =
    tokio::sync::Semaphore::const_new(MAX_CONCURRENT_ARGON2);

/// A hash of a random password, verified against for unknown users.
fn dummy_hash() -> &'static str {
    static DUMMY: OnceLock<String> = OnceLock::new();
    DUMMY.get_or_init(|| {
        let random: [u8; 16] = super::secrets::random_bytes();
        super::secrets::hash_password(&super::secrets::hex(&random)).unwrap_or_default()
    })
}

/// argon2 verification off the async workers.
async fn verify_blocking(password: String, hash: String) -> bool {
    let Ok(_permit) = ARGON2_PERMITS.acquire().await else {
        return false;
    };
    tokio::task::spawn_blocking(move || {
        PasswordHash::new(&hash).is_ok_and(|h| {
            argon2::Argon2::default()
                .verify_password(password.as_bytes(), &h)
                .is_ok()
        })
    })
    .await
    .unwrap_or(false)
}

struct BasicCred {
    cred: Arc<Cred>,
    hash: String,
    at: String,
}

/// Basic credentials by user name. No `Debug`: holds password hashes.
pub(crate) struct BasicAuth {
    by_user: HashMap<String, BasicCred>,
    verified: Mutex<ExpiringMap<[u8; 32], String>>,
}

impl Default for BasicAuth {
    fn default() -> Self {
        BasicAuth {
            by_user: HashMap::new(),
            verified: Mutex::new(ExpiringMap::new(CACHE_CAPACITY)),
        }
    }
}

impl BasicAuth {
    /// Adds one credential; the hash must be a parseable PHC string.
    pub(crate) fn add(
        &mut self,
        at: &str,
        cred: &Arc<Cred>,
        username: &str,
        password_hash: &str,
    ) -> Result<(), SpecError> {
        if username.is_empty() || username.contains(':') {
            return Err(SpecError {
                at: format!("{at}.username"),
                message: "user name must be non-empty and without ':'".into(),
            });
        }
        if PasswordHash::new(password_hash).is_err() {
            return Err(SpecError {
                at: format!("{at}.password_hash"),
                message: "not a PHC password hash (want $argon2id$...)".into(),
            });
        }
        if let Some(other) = self.by_user.get(username) {
            return Err(dup_error(
                at,
                &format!("user name {username:?}"),
                &other.cred,
                &other.at,
            ));
        }
        self.by_user.insert(
            username.to_string(),
            BasicCred {
                cred: cred.clone(),
                hash: password_hash.to_string(),
                at: at.to_string(),
            },
        );
        Ok(())
    }

    /// Verifies `Authorization: Basic <payload>`. argon2 runs on the blocking pool, at most
    /// [`MAX_CONCURRENT_ARGON2`] at a time (each needs ~19 MiB), and also for unknown users so
    /// response time does not reveal which user names exist.
    pub(crate) async fn authenticate(
        &self,
        payload: &str,
        now: i64,
    ) -> Result<Identity, AuthError> {
        const WRONG: AuthError = AuthError::Invalid("unknown user or wrong password");
        if payload.len() > MAX_CREDENTIALS_LEN {
            return Err(AuthError::Invalid("malformed basic credentials"));
        }
        let raw = base64::engine::general_purpose::STANDARD
            .decode(payload)
            .map_err(|_| AuthError::Invalid("malformed basic credentials"))?;
        let text = String::from_utf8(raw)
            .map_err(|_| AuthError::Invalid("malformed basic credentials"))?;
        let (user, password) = text
            .split_once(':')
            .ok_or(AuthError::Invalid("malformed basic credentials"))?;
        let entry = self.by_user.get(user);
        let digest: [u8; 32] = Sha256::digest(text.as_bytes()).into();
        let cached = entry.is_some_and(|e| {
            self.cache()
                .get(&digest, now)
                .is_some_and(|cred_id| cred_id == e.cred.id)
        });
        if !cached {
            let hash = match entry {
                Some(e) => e.hash.clone(),
                None => dummy_hash().to_string(),
            };
            let ok = verify_blocking(password.to_string(), hash).await;
            let entry = entry.ok_or(WRONG)?;
            if !ok {
                return Err(WRONG);
            }
            self.cache().insert(
                digest,
                entry.cred.id.clone(),
                now.saturating_add(CACHE_SECS),
                now,
                WhenFull::Clear,
            );
        }
        let entry = entry.ok_or(WRONG)?;
        entry.cred.check(now)?;
        Ok(entry
            .cred
            .identity(AuthMethod::Basic, Some(user.to_string()), None))
    }

    fn cache(&self) -> std::sync::MutexGuard<'_, ExpiringMap<[u8; 32], String>> {
        self.verified.lock().unwrap_or_else(|p| p.into_inner())
    }
}
