//! Console passwords: argon2id hashing and verification, run off the async workers.

use std::sync::OnceLock;

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};

use crate::error::ApiError;

/// Shortest console password accepted.
pub(crate) const MIN_PASSWORD: usize = 8;
/// Longest console password accepted (argon2 cost grows with input).
pub(crate) const MAX_PASSWORD: usize = 1024;

/// Refuses passwords outside the length bounds.
pub(crate) fn check(password: &str) -> Result<(), ApiError> {
    if password.chars().count() < MIN_PASSWORD || password.len() > MAX_PASSWORD {
        return Err(ApiError::bad_request(format!(
            "password must be {MIN_PASSWORD} to {MAX_PASSWORD} bytes"
        )));
    }
    Ok(())
}

/// argon2id with the crate's recommended parameters (19 MiB, 2 passes); unit tests use a
/// cheap setting so debug builds stay fast (verification reads the parameters from the hash).
fn hasher() -> Argon2<'static> {
    let params = if cfg!(test) {
        Params::new(256, 1, 1, None)
    } else {
        Ok(Params::default())
    };
    Argon2::new(
        Algorithm::Argon2id,
        Version::V0x13,
        params.unwrap_or_default(),
    )
}

fn hash_now(password: &str) -> Result<String, ApiError> {
    let mut salt = [0u8; 16];
    getrandom::getrandom(&mut salt).map_err(|e| ApiError::internal("random source", e))?;
    let salt = SaltString::encode_b64(&salt).map_err(|e| ApiError::internal("salt", e))?;
    hasher()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| ApiError::internal("hashing a password", e))
}

/// argon2id PHC string of `password`.
pub(crate) async fn hash(password: &str) -> Result<String, ApiError> {
    let password = password.to_string();
    tokio::task::spawn_blocking(move || hash_now(&password))
        .await
        .map_err(|e| ApiError::internal("hashing a password", e))?
}

/// A hash of nothing anyone knows, verified for unknown or disabled users so a login takes
/// about as long whether the user exists or not.
fn dummy() -> &'static str {
    static DUMMY: OnceLock<String> = OnceLock::new();
    DUMMY.get_or_init(|| {
        hash_now("lampyr-dummy-password-never-matches").unwrap_or_else(|_| {
            "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$S0xRWkRRb2dHZ1JZbXhIV1dmY0hBUQ".into()
        })
    })
}

/// Whether `password` matches `stored` (a PHC string); `None` verifies against a dummy hash
/// and answers false.
pub(crate) async fn verify(stored: Option<String>, password: &str) -> bool {
    let password = password.to_string();
    let real = stored.is_some();
    let ok = tokio::task::spawn_blocking(move || {
        let stored = stored.unwrap_or_else(|| dummy().to_string());
        PasswordHash::new(&stored).is_ok_and(|h| {
            Argon2::default()
                .verify_password(password.as_bytes(), &h)
                .is_ok()
        })
    })
    .await
    .unwrap_or(false);
    ok && real
}
