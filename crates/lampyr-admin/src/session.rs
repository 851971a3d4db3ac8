//! Console sessions: the cookie, its token (only the SHA-256 is stored), the CSRF token that
//! goes with it, and the in-memory throttle on failed logins.

use std::collections::HashMap;
use std::sync::Mutex;

use axum::http::header::COOKIE;
use axum::http::HeaderMap;
use lampyr_store::SessionRow;
use sha2::{Digest, Sha256};

use crate::error::ApiError;
use crate::state::{now, random_b64, AdminState};

/// Name of the session cookie.
pub const SESSION_COOKIE: &str = "lampyr_session";
/// Session lifetime: 12 hours.
pub(crate) const SESSION_SECS: i64 = 12 * 3600;
/// Failed logins per user name and address within [`THROTTLE_WINDOW_SECS`] before 429.
pub(crate) const THROTTLE_FAILURES: usize = 5;
/// Failed logins per client address (any user name) within the window before 429.
pub(crate) const THROTTLE_FAILURES_PER_IP: usize = 50;
/// The throttle's window: 5 minutes.
pub(crate) const THROTTLE_WINDOW_SECS: i64 = 300;
/// Most (user, address) pairs tracked; stale ones are dropped first.
const THROTTLE_KEYS: usize = 100_000;

/// The value of cookie `name` in the request's `Cookie` headers.
pub(crate) fn cookie_value(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.trim().to_string())
}

/// SHA-256 of a session token, lower-case hex (what the store keeps).
pub(crate) fn token_hash(token: &str) -> String {
    Sha256::digest(token.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// `Set-Cookie` value for a new session.
pub(crate) fn set_cookie(token: &str, secure: bool) -> String {
    format!(
        "{SESSION_COOKIE}={token}; HttpOnly; SameSite=Strict; Path=/; Max-Age={SESSION_SECS}{}",
        if secure { "; Secure" } else { "" }
    )
}

/// `Set-Cookie` value that removes the session cookie.
pub(crate) fn clear_cookie(secure: bool) -> String {
    format!(
        "{SESSION_COOKIE}=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0{}",
        if secure { "; Secure" } else { "" }
    )
}

/// Stores a new session for `user`; returns the cookie token (never stored in clear).
pub(crate) async fn start(state: &AdminState, user: &str) -> Result<String, ApiError> {
    let token = random_b64(32)?;
    let at = now();
    let row = SessionRow {
        token_hash: token_hash(&token),
        user: user.to_string(),
        csrf: random_b64(32)?,
        created_at: at,
        expires_at: at.saturating_add(SESSION_SECS),
    };
    state.store().create_session(row).await?;
    if let Err(e) = state.store().prune_sessions(at).await {
        tracing::warn!(error = %e, "console: pruning expired sessions failed");
    }
    Ok(token)
}

/// Failed login times per (user name, client address), so password guessing is slowed
/// without locking the account out for everyone else, and per address, so one client cannot
/// spray many user names (each failure costs an argon2 run and an audit record).
#[derive(Default)]
pub(crate) struct LoginThrottle {
    failures: Mutex<HashMap<String, Vec<i64>>>,
}

fn key(user: &str, ip: &str) -> String {
    format!("{user}\n{ip}")
}

/// The per-address key (user names cannot contain control characters, so no clash).
fn ip_key(ip: &str) -> String {
    format!("\n{ip}")
}

impl LoginThrottle {
    /// Whether this pair already failed too often in the window.
    pub(crate) fn blocked(&self, user: &str, ip: &str, at: i64) -> bool {
        let Ok(map) = self.failures.lock() else {
            return false;
        };
        let recent = |k: &str| {
            map.get(k).map_or(0, |times| {
                times
                    .iter()
                    .filter(|t| **t > at - THROTTLE_WINDOW_SECS)
                    .count()
            })
        };
        recent(&key(user, ip)) >= THROTTLE_FAILURES
            || (!ip.is_empty() && recent(&ip_key(ip)) >= THROTTLE_FAILURES_PER_IP)
    }

    /// Counts a failure.
    pub(crate) fn failed(&self, user: &str, ip: &str, at: i64) {
        let Ok(mut map) = self.failures.lock() else {
            return;
        };
        if map.len() >= THROTTLE_KEYS {
            map.retain(|_, times| times.iter().any(|t| *t > at - THROTTLE_WINDOW_SECS));
            if map.len() >= THROTTLE_KEYS {
                map.clear();
            }
        }
        // Without a known address (no connect info) only the per-user rule applies, so
        // one client cannot lock everybody out.
        let keys = if ip.is_empty() {
            vec![key(user, ip)]
        } else {
            vec![key(user, ip), ip_key(ip)]
        };
        for k in keys {
            let times = map.entry(k).or_default();
            times.retain(|t| *t > at - THROTTLE_WINDOW_SECS);
            times.push(at);
        }
    }

    /// Forgets the pair after a successful login.
    pub(crate) fn succeeded(&self, user: &str, ip: &str) {
        if let Ok(mut map) = self.failures.lock() {
            map.remove(&key(user, ip));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn throttle_counts_failures_in_the_window_per_pair() {
        let t = LoginThrottle::default();
        for i in 0..THROTTLE_FAILURES {
            assert!(!t.blocked("u", "1.2.3.4", 1000), "blocked after {i}");
            t.failed("u", "1.2.3.4", 1000);
        }
        assert!(t.blocked("u", "1.2.3.4", 1000));
        assert!(!t.blocked("u", "5.6.7.8", 1000), "another address");
        assert!(!t.blocked("v", "1.2.3.4", 1000), "another user");
        assert!(!t.blocked("u", "1.2.3.4", 1000 + THROTTLE_WINDOW_SECS));
        t.succeeded("u", "1.2.3.4");
        assert!(!t.blocked("u", "1.2.3.4", 1000));
    }

    #[test]
    fn throttle_caps_failures_per_address_across_user_names() {
        let t = LoginThrottle::default();
        for i in 0..THROTTLE_FAILURES_PER_IP {
            t.failed(&format!("user{i}"), "9.9.9.9", 1000);
        }
        assert!(t.blocked("fresh", "9.9.9.9", 1000), "spraying user names");
        assert!(!t.blocked("fresh", "8.8.8.8", 1000));
        for i in 0..THROTTLE_FAILURES_PER_IP {
            t.failed(&format!("user{i}"), "", 1000);
        }
        assert!(
            !t.blocked("fresh", "", 1000),
            "unknown address locks everyone out"
        );
    }

    #[test]
    fn cookies_are_parsed_and_built_with_their_flags() {
        let mut h = HeaderMap::new();
        h.insert(
            COOKIE,
            "a=1; lampyr_session=tok; b=2".parse().expect("header"),
        );
        assert_eq!(cookie_value(&h, SESSION_COOKIE).as_deref(), Some("tok"));
        assert_eq!(cookie_value(&h, "c"), None);
        let c = set_cookie("tok", true);
        for flag in [
            "HttpOnly",
            "SameSite=Strict",
            "Path=/",
            "Secure",
            "Max-Age=43200",
        ] {
            assert!(c.contains(flag), "{c} lacks {flag}");
        }
        assert!(!set_cookie("tok", false).contains("Secure"));
    }
}
