//! Per-endpoint posture: facts accumulated over an endpoint's exchanges, then judged once.

use std::collections::{BTreeMap, HashMap};

use lampyr_classify::grading::Grading;
use lampyr_classify::{ExchangeScan, Place, SensitiveType};
use lampyr_core::{Exchange, Identity, Request, Response};

use super::exchange::{is_password_key, is_personal};
use super::{Posture, PostureHit};
use crate::category as cat;
use crate::{Location, Severity};

/// Endpoints an [`EndpointTracker`] keeps; later ones are counted in `dropped`.
pub const MAX_TRACKED_ENDPOINTS: usize = 100_000;

/// What was observed of one endpoint: the input of [`Posture::check_endpoint`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EndpointFacts {
    /// Method.
    pub method: String,
    /// Path template (`/users/{id}`).
    pub path: String,
    /// Some request carried credentials.
    pub authenticated: bool,
    /// Sensitive types served in successful responses, with their grading level (type id,
    /// level).
    pub sensitive: Vec<(String, u8)>,
    /// The endpoint takes logins (credential fields posted, or a login path).
    pub is_login: bool,
    /// A 429 or rate-limit headers were seen.
    pub saw_rate_limit: bool,
    /// Login requests seen.
    pub login_attempts: u64,
}

pub(super) fn check(p: &Posture, f: &EndpointFacts) -> Vec<PostureHit> {
    let mut out = Vec::new();
    // A login answers requests without credentials by design, with the user's own data.
    if !f.authenticated && !f.is_login {
        let mut types: Vec<(&str, u8)> = f
            .sensitive
            .iter()
            .filter(|(id, level)| {
                *level >= p.cfg.unauthenticated_min_level
                    && SensitiveType::from_id(id).is_some_and(is_personal)
            })
            .map(|(id, l)| (id.as_str(), *l))
            .collect();
        types.sort();
        types.dedup();
        if let Some(max) = types.iter().map(|t| t.1).max() {
            let sensitive_pi = types.iter().any(|(id, _)| {
                SensitiveType::from_id(id).is_some_and(|t| p.grading.grade(t).sensitive_pi)
            });
            let list: Vec<String> = types
                .iter()
                .take(12)
                .map(|(id, l)| format!("{id} (level {l})"))
                .collect();
            out.push(PostureHit {
                rule: "posture.unauthenticated_sensitive".into(),
                category: cat::POSTURE_UNAUTHENTICATED_SENSITIVE,
                severity: if sensitive_pi || max >= p.grading.max_level() {
                    Severity::High
                } else {
                    Severity::Medium
                },
                location: Location::ResponseBody,
                field: String::new(),
                evidence: format!(
                    "{} {} serves {} to requests without credentials",
                    f.method,
                    f.path,
                    list.join(", ")
                ),
            });
        }
    }
    if f.is_login && !f.saw_rate_limit && f.login_attempts >= p.cfg.login_attempts_for_rate_limit {
        out.push(PostureHit {
            rule: "posture.no_login_rate_limit".into(),
            category: cat::POSTURE_NO_LOGIN_RATE_LIMIT,
            severity: Severity::Medium,
            location: Location::Path,
            field: String::new(),
            evidence: format!(
                "{} {}: {} login attempts, no 429 or rate-limit header seen",
                f.method, f.path, f.login_attempts
            ),
        });
    }
    out
}

/// Request headers that carry an API credential.
const CREDENTIAL_HEADERS: &[&str] = &[
    "authorization",
    "proxy-authorization",
    "x-api-key",
    "api-key",
    "apikey",
    "x-apikey",
    "x-auth-token",
    "x-access-token",
    "x-token",
    "x-session-token",
    "x-csrf-token",
    "x-amz-security-token",
];

/// Query parameters that carry an API credential.
const CREDENTIAL_PARAMS: &[&str] = &[
    "access_token",
    "api_key",
    "apikey",
    "api-key",
    "key",
    "token",
    "auth",
    "sig",
    "signature",
    "x-amz-signature",
];

/// Whether a cookie name looks like a session or auth cookie (not analytics or preferences).
fn is_session_cookie(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    [
        "sess", "sid", "auth", "token", "jwt", "login", "remember", "user",
    ]
    .iter()
    .any(|w| n.contains(w))
        || n == "connect.sid"
        || n.ends_with("_at")
}

/// Whether a request carried credentials of any kind: authorisation headers, API-key headers or
/// query parameters, session cookies, or an identity the gateway established.
pub fn request_has_credentials(req: &Request, identity: Option<&Identity>) -> bool {
    if identity.is_some_and(|i| i.consumer.is_some() || i.user.is_some() || i.token_id.is_some()) {
        return true;
    }
    for (name, value) in req.headers.iter() {
        if value.trim().is_empty() {
            continue;
        }
        if CREDENTIAL_HEADERS
            .iter()
            .any(|h| name.eq_ignore_ascii_case(h))
        {
            return true;
        }
        if name.eq_ignore_ascii_case("cookie")
            && value
                .split(';')
                .take(64)
                .filter_map(|p| p.split_once('='))
                .any(|(k, v)| !v.trim().is_empty() && is_session_cookie(k.trim()))
        {
            return true;
        }
    }
    if let Some(q) = &req.query {
        for pair in q.split('&').take(256) {
            if let Some((k, v)) = pair.split_once('=') {
                if !v.is_empty() && CREDENTIAL_PARAMS.iter().any(|p| k.eq_ignore_ascii_case(p)) {
                    return true;
                }
            }
        }
    }
    false
}

/// Whether a request is a login attempt: a POST to a login-like path, or a POST carrying a
/// password field to a path that is not registration or password management.
pub fn is_login_request(req: &Request, scan: Option<&ExchangeScan>) -> bool {
    if !req.method.eq_ignore_ascii_case("POST") {
        return false;
    }
    let path = req.path.to_ascii_lowercase();
    let words: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    if words.iter().any(|w| {
        w.contains("register")
            || w.contains("signup")
            || w.contains("sign-up")
            || w.contains("reset")
            || w.contains("forgot")
            || w.contains("change")
            || *w == "users"
            || *w == "accounts"
    }) && !words.iter().any(|w| w.contains("login"))
    {
        return false;
    }
    let login_path = words.iter().any(|w| {
        matches!(
            *w,
            "login"
                | "signin"
                | "sign-in"
                | "sign_in"
                | "logon"
                | "authenticate"
                | "session"
                | "sessions"
        ) || w.ends_with("login")
    }) || path.ends_with("/oauth/token")
        || path.ends_with("/oauth2/token")
        || path.ends_with("/auth/token");
    if login_path {
        return true;
    }
    let password_in_scan = scan.is_some_and(|s| {
        s.fields.iter().any(|o| {
            o.place == Place::RequestBody
                && o.types
                    .iter()
                    .any(|t| t.ty == SensitiveType::Password && t.hits > 0)
        })
    });
    if password_in_scan {
        return true;
    }
    // Form bodies without a scan: a password key.
    let bytes = req.body.bytes();
    let body = String::from_utf8_lossy(&bytes[..bytes.len().min(8192)]);
    body.split(['&', ',', '{', '}'])
        .take(128)
        .filter_map(|p| p.split_once(['=', ':']))
        .any(|(k, _)| is_password_key(k.trim().trim_matches('"')))
}

/// Whether a response shows rate limiting: 429, or `RateLimit-*` / `X-RateLimit-*` /
/// `Retry-After` headers.
pub fn saw_rate_limit(resp: &Response) -> bool {
    resp.status == 429
        || resp.headers.iter().any(|(name, _)| {
            let n = name.to_ascii_lowercase();
            n.starts_with("ratelimit")
                || n.starts_with("x-ratelimit")
                || n.starts_with("x-rate-limit")
                || n == "retry-after"
        })
}

#[derive(Debug, Clone, Default)]
struct Track {
    authenticated: bool,
    sensitive: BTreeMap<SensitiveType, u8>,
    is_login: bool,
    saw_rate_limit: bool,
    login_attempts: u64,
}

/// Builds [`EndpointFacts`] from exchanges, keyed by the caller's endpoint (method + path
/// template from discovery). Bounded: at most `max_endpoints` endpoints.
#[derive(Debug, Clone)]
pub struct EndpointTracker {
    map: HashMap<(String, String), Track>,
    max_endpoints: usize,
    /// Exchanges of endpoints not tracked because of the limit.
    pub dropped: u64,
}

impl Default for EndpointTracker {
    fn default() -> Self {
        Self::new(MAX_TRACKED_ENDPOINTS)
    }
}

impl EndpointTracker {
    /// A tracker keeping at most `max_endpoints` endpoints.
    pub fn new(max_endpoints: usize) -> Self {
        Self {
            map: HashMap::new(),
            max_endpoints,
            dropped: 0,
        }
    }

    /// Adds one exchange of endpoint `method path`; `scan` supplies the sensitive types served,
    /// `grading` their levels.
    pub fn observe(
        &mut self,
        method: &str,
        path: &str,
        ex: &Exchange,
        scan: Option<&ExchangeScan>,
        grading: &Grading,
    ) {
        let key = (method.to_string(), path.to_string());
        if !self.map.contains_key(&key) && self.map.len() >= self.max_endpoints {
            self.dropped += 1;
            return;
        }
        let t = self.map.entry(key).or_default();
        let req = &ex.request;
        if request_has_credentials(req, ex.identity.as_ref()) {
            t.authenticated = true;
        }
        if is_login_request(req, scan) {
            t.is_login = true;
            t.login_attempts += 1;
        }
        if let Some(resp) = &ex.response {
            if saw_rate_limit(resp) {
                t.saw_rate_limit = true;
            }
            if (200..300).contains(&resp.status) {
                if let Some(scan) = scan {
                    for obs in scan.fields.iter().filter(|o| o.place.is_response()) {
                        for ty in obs.types.iter().filter(|t| t.hits > 0).map(|t| t.ty) {
                            t.sensitive.insert(ty, grading.grade(ty).level);
                        }
                    }
                }
            }
        }
    }

    /// Endpoints tracked.
    pub fn len(&self) -> usize {
        self.map.len()
    }

    /// Whether none are.
    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }

    /// The facts of every endpoint, ordered by path then method.
    pub fn facts(&self) -> Vec<EndpointFacts> {
        let mut out: Vec<EndpointFacts> = self
            .map
            .iter()
            .map(|((method, path), t)| EndpointFacts {
                method: method.clone(),
                path: path.clone(),
                authenticated: t.authenticated,
                sensitive: t
                    .sensitive
                    .iter()
                    .map(|(ty, l)| (ty.id().to_string(), *l))
                    .collect(),
                is_login: t.is_login,
                saw_rate_limit: t.saw_rate_limit,
                login_attempts: t.login_attempts,
            })
            .collect();
        out.sort_by(|a, b| (&a.path, &a.method).cmp(&(&b.path, &b.method)));
        out
    }
}
