//! Sign-in and session tokens of the hospital.
//!
//! Accounts: doctors `doc001` … `doc024` and the integration account `his-sync` (role
//! `doctor`), lab partners `lab01` … `lab04` (role `lab`), and every patient by their mobile
//! number (role `patient`). The demo password of an account is [`password_of`]: the
//! simulator's ordinary users know it, stuffing lists do not.
//!
//! Tokens are HS256 JWTs (`sub`, `role`, `pid`, `iat`, `exp`) signed with a key derived from
//! the seed: the hospital checks them; the gateway only forwards them, and analytics reads
//! `sub` and `role` to tell users and their peer groups apart.

use std::collections::HashMap;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use hmac::{Hmac, Mac};
use serde_json::{json, Value};
use sha2::Sha256;

use super::data;

/// Lifetime of a session token, seconds.
pub const TOKEN_TTL_S: u64 = 3600;
/// The integration account the scraping partner abuses.
pub const INTEGRATION_ACCOUNT: &str = "his-sync";

/// What a caller may do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Role {
    /// Any patient's records.
    Doctor,
    /// Lab reports only.
    Lab,
    /// Their own records only.
    Patient(u32),
}

impl Role {
    /// The `role` claim.
    pub fn name(&self) -> &'static str {
        match self {
            Role::Doctor => "doctor",
            Role::Lab => "lab",
            Role::Patient(_) => "patient",
        }
    }
}

/// The demo password of an account.
pub fn password_of(username: &str) -> String {
    format!("{username}@Demo2026")
}

/// Staff user name of doctor `n` (1-based).
pub fn doctor_account(n: u32) -> String {
    format!("doc{n:03}")
}

/// User name of lab partner `n` (1-based).
pub fn lab_account(n: u32) -> String {
    format!("lab{n:02}")
}

/// Accounts and the token key.
pub(crate) struct Accounts {
    key: Vec<u8>,
    patients_by_mobile: HashMap<String, u32>,
}

impl Accounts {
    pub(crate) fn new(seed: u64) -> Accounts {
        let mut patients_by_mobile = HashMap::with_capacity(data::PATIENTS as usize);
        for id in data::FIRST_PATIENT..data::FIRST_PATIENT + data::PATIENTS {
            patients_by_mobile
                .entry(data::patient_mobile(seed, id))
                .or_insert(id);
        }
        Accounts {
            key: format!("lampyr-demo-hospital-{seed}").into_bytes(),
            patients_by_mobile,
        }
    }

    /// The role of a user name, if the account exists.
    fn role_of(&self, username: &str) -> Option<Role> {
        if username == INTEGRATION_ACCOUNT {
            return Some(Role::Doctor);
        }
        let numbered = |prefix: &str, max: u32| {
            username
                .strip_prefix(prefix)
                .and_then(|n| n.parse::<u32>().ok())
                .is_some_and(|n| (1..=max).contains(&n))
        };
        if numbered("doc", data::DOCTORS) && username.len() == 6 {
            return Some(Role::Doctor);
        }
        if numbered("lab", data::LABS) && username.len() == 5 {
            return Some(Role::Lab);
        }
        self.patients_by_mobile
            .get(username)
            .map(|id| Role::Patient(*id))
    }

    /// Checks a password and issues a token: `Some((token, role))` on success.
    pub(crate) fn login(&self, username: &str, password: &str, now: u64) -> Option<(String, Role)> {
        let role = self.role_of(username)?;
        if password != password_of(username) {
            return None;
        }
        let mut claims = json!({
            "sub": username,
            "role": role.name(),
            "iat": now,
            "exp": now + TOKEN_TTL_S,
        });
        if let Role::Patient(id) = role {
            claims["pid"] = json!(id);
        }
        Some((self.sign(&claims), role))
    }

    fn mac(&self, signing_input: &str) -> Vec<u8> {
        // HMAC takes keys of any length: this cannot fail.
        let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(&self.key) else {
            return Vec::new();
        };
        mac.update(signing_input.as_bytes());
        mac.finalize().into_bytes().to_vec()
    }

    fn sign(&self, claims: &Value) -> String {
        let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"HS256","typ":"JWT"}"#);
        let payload = URL_SAFE_NO_PAD.encode(claims.to_string());
        let input = format!("{header}.{payload}");
        let sig = URL_SAFE_NO_PAD.encode(self.mac(&input));
        format!("{input}.{sig}")
    }

    /// The role a bearer token grants, when it is ours and not expired.
    pub(crate) fn verify(&self, token: &str, now: u64) -> Option<Role> {
        let (input, sig) = token.rsplit_once('.')?;
        let sig = URL_SAFE_NO_PAD.decode(sig).ok()?;
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.key).ok()?;
        mac.update(input.as_bytes());
        mac.verify_slice(&sig).ok()?;
        let payload = input.split('.').nth(1)?;
        let claims: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).ok()?).ok()?;
        if claims["exp"].as_u64()? <= now {
            return None;
        }
        match claims["role"].as_str()? {
            "doctor" => Some(Role::Doctor),
            "lab" => Some(Role::Lab),
            "patient" => Some(Role::Patient(u32::try_from(claims["pid"].as_u64()?).ok()?)),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_round_trip_and_tampering_is_refused() {
        let a = Accounts::new(1);
        let (tok, role) = a.login("doc003", &password_of("doc003"), 1000).unwrap();
        assert_eq!(role, Role::Doctor);
        assert_eq!(a.verify(&tok, 1001), Some(Role::Doctor));
        assert_eq!(a.verify(&tok, 1000 + TOKEN_TTL_S), None, "expired");
        let mut forged = tok.clone();
        forged.push('A');
        assert_eq!(a.verify(&forged, 1001), None);
        assert!(a.login("doc003", "wrong", 1000).is_none());
        assert!(a.login("doc999", &password_of("doc999"), 1000).is_none());
        assert!(a.login("doc0031", &password_of("doc0031"), 1000).is_none());
        let mobile = data::patient_mobile(1, data::FIRST_PATIENT + 5);
        let (tok, role) = a.login(&mobile, &password_of(&mobile), 1000).unwrap();
        assert!(matches!(role, Role::Patient(_)));
        assert_eq!(a.verify(&tok, 1001), Some(role));
        // Another hospital (seed) does not accept the token.
        assert_eq!(Accounts::new(2).verify(&tok, 1001), None);
    }
}
