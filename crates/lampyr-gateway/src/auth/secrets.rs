//! Server secrets: the master key, the API-key pepper derived from it, sealing of recoverable
//! secrets (HMAC shared secrets), API-key issuance and password hashing for the admin API.

use std::fmt;
use std::sync::Arc;

use base64::Engine as _;
use chacha20poly1305::aead::{Aead, KeyInit};
use chacha20poly1305::{ChaCha20Poly1305, Key, Nonce};
use hmac::{Hmac, Mac};
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

/// Label the pepper is derived under; changing it invalidates every stored API-key hash.
const PEPPER_LABEL: &[u8] = b"lampyr api-key pepper v1";
/// ChaCha20-Poly1305 nonce length.
const NONCE_LEN: usize = 12;
/// Sealed strings longer than this are refused before decoding (a sealed HMAC secret is tiny).
const MAX_SEALED_LEN: usize = 16 * 1024;

/// Server secrets. Cheap to clone (shared); `Debug` never prints key material.
#[derive(Clone)]
pub struct Secrets {
    inner: Arc<Inner>,
}

struct Inner {
    master: [u8; 32],
    pepper: [u8; 32],
}

impl fmt::Debug for Secrets {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secrets { <redacted> }")
    }
}

impl Default for Secrets {
    /// A random key: nothing sealed under another key opens, so a forgotten key fails closed.
    fn default() -> Self {
        Self::generate()
    }
}

impl Secrets {
    /// Wraps the 32-byte master key and derives the API-key pepper from it, so one secret
    /// needs to be provisioned.
    pub fn new(master_key: [u8; 32]) -> Secrets {
        let mut mac = new_mac(&master_key);
        mac.update(PEPPER_LABEL);
        let mut pepper = [0u8; 32];
        pepper.copy_from_slice(&mac.finalize().into_bytes());
        Secrets {
            inner: Arc::new(Inner {
                master: master_key,
                pepper,
            }),
        }
    }

    /// Parses a master key written as 64 hex characters or base64 (standard or URL-safe,
    /// padded or not) of exactly 32 bytes, so keys from `openssl rand` work either way.
    pub fn parse_master_key(text: &str) -> Result<[u8; 32], String> {
        let text = text.trim();
        if text.len() == 64 && text.bytes().all(|b| b.is_ascii_hexdigit()) {
            let bytes = decode_hex(text).ok_or("master key: invalid hex")?;
            let mut key = [0u8; 32];
            key.copy_from_slice(&bytes);
            return Ok(key);
        }
        if text.len() > 128 {
            return Err("master key: too long (want 64 hex chars or base64 of 32 bytes)".into());
        }
        let engines = [
            &base64::engine::general_purpose::STANDARD,
            &base64::engine::general_purpose::STANDARD_NO_PAD,
            &base64::engine::general_purpose::URL_SAFE,
            &base64::engine::general_purpose::URL_SAFE_NO_PAD,
        ];
        for engine in engines {
            if let Ok(bytes) = engine.decode(text) {
                return <[u8; 32]>::try_from(bytes.as_slice()).map_err(|_| {
                    format!(
                        "master key: base64 decodes to {} bytes, want 32",
                        bytes.len()
                    )
                });
            }
        }
        Err("master key: want 64 hex characters or base64 of 32 bytes".into())
    }

    /// A random key, for tests and `lampyr demo`.
    pub fn generate() -> Secrets {
        Secrets::new(random_bytes())
    }

    /// Keyed hash of an API key: the store never holds keys, and a stolen store cannot be
    /// brute-forced without the master key.
    pub fn hash_api_key(&self, key: &str) -> String {
        let mut mac = new_mac(&self.inner.pepper);
        mac.update(key.as_bytes());
        hex(&mac.finalize().into_bytes())
    }

    /// Encrypts a secret the gateway must recover (an HMAC shared secret) under the master
    /// key: base64(nonce || ciphertext+tag), random nonce.
    pub fn seal(&self, secret: &str) -> String {
        let cipher = ChaCha20Poly1305::new(Key::from_slice(&self.inner.master));
        let nonce: [u8; NONCE_LEN] = random_bytes();
        // Encryption only fails for plaintexts beyond ~256 GiB.
        let ct = cipher
            .encrypt(Nonce::from_slice(&nonce), secret.as_bytes())
            .unwrap_or_default();
        let mut out = nonce.to_vec();
        out.extend_from_slice(&ct);
        base64::engine::general_purpose::STANDARD.encode(out)
    }

    /// Decrypts [`Secrets::seal`] output; fails on tampering or a different master key.
    pub fn open(&self, sealed: &str) -> Result<String, String> {
        let sealed = sealed.trim();
        if sealed.len() > MAX_SEALED_LEN {
            return Err("sealed secret too long".into());
        }
        let raw = base64::engine::general_purpose::STANDARD
            .decode(sealed)
            .map_err(|_| "sealed secret is not base64".to_string())?;
        if raw.len() < NONCE_LEN + 16 {
            return Err("sealed secret too short".into());
        }
        let (nonce, ct) = raw.split_at(NONCE_LEN);
        let cipher = ChaCha20Poly1305::new(Key::from_slice(&self.inner.master));
        let plain = cipher.decrypt(Nonce::from_slice(nonce), ct).map_err(|_| {
            "sealed secret does not open (tampered, or sealed under another master key)".to_string()
        })?;
        String::from_utf8(plain).map_err(|_| "sealed secret is not UTF-8".to_string())
    }
}

pub use lampyr_spec::IssuedKey;

/// Issues a random API key (~190 bits of entropy in the secret part) with its stored form.
pub fn issue_api_key(secrets: &Secrets) -> IssuedKey {
    let prefix = format!("lpk_{}", random_base62(8));
    let key = format!("{prefix}_{}", random_base62(32));
    let hash = secrets.hash_api_key(&key);
    IssuedKey { key, prefix, hash }
}

/// Hashes an admin-API or basic-auth password as an argon2id PHC string (default params).
pub fn hash_password(password: &str) -> Result<String, String> {
    use argon2::password_hash::{PasswordHasher, SaltString};
    let salt_bytes: [u8; 16] = random_bytes();
    let salt = SaltString::encode_b64(&salt_bytes).map_err(|e| e.to_string())?;
    argon2::Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| e.to_string())
}

pub(crate) fn new_mac(key: &[u8]) -> HmacSha256 {
    // HMAC accepts keys of any length; the error branch cannot happen.
    <HmacSha256 as Mac>::new_from_slice(key).unwrap_or_else(|_| unreachable!())
}

/// Random bytes from the OS. A failing OS RNG leaves no safe way to continue.
pub(crate) fn random_bytes<const N: usize>() -> [u8; N] {
    let mut out = [0u8; N];
    if let Err(e) = getrandom::getrandom(&mut out) {
        panic!("OS random number generator failed: {e}");
    }
    out
}

/// Uniform base62 characters by rejection sampling (no modulo bias).
fn random_base62(len: usize) -> String {
    const ALPHABET: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    let mut out = String::with_capacity(len);
    while out.len() < len {
        let buf: [u8; 64] = random_bytes();
        for b in buf {
            // 248 = 4 * 62: bytes below it map uniformly.
            if b < 248 && out.len() < len {
                out.push(char::from(ALPHABET[usize::from(b % 62)]));
            }
        }
    }
    out
}

pub(crate) use crate::hex::{decode as decode_hex, encode as hex};

/// Hex SHA-256.
pub(crate) fn sha256_hex(data: &[u8]) -> String {
    use sha2::Digest as _;
    hex(&Sha256::digest(data))
}
