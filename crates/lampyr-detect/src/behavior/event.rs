//! [`Event`]: one exchange reduced to what the behaviour detectors need, and its extraction from
//! an [`Exchange`] (JWT subject, credential id, login attempts and their outcome).

use std::net::IpAddr;

use base64::Engine as _;
use lampyr_classify::grading::leak_thresholds;
use lampyr_classify::SensitiveType;
use lampyr_core::{Exchange, Redacted};
use serde_json::Value;

use super::state::fnv;

/// Longest token, body or header value parsed for identity and login data: attacker bytes, so
/// the work per exchange is bounded.
const MAX_PARSE: usize = 16 * 1024;
/// Longest user agent kept.
const MAX_UA: usize = 256;
/// Longest account name, subject or role kept.
const MAX_NAME: usize = 128;

/// One exchange as the behaviour detectors see it. Built by [`Event::from_exchange`] or by the
/// gateway from what it already knows.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Event {
    /// Run-wide exchange index: what findings cite.
    pub index: u64,
    /// Start of the request, microseconds since the Unix epoch.
    pub time_us: i64,
    /// Client address.
    pub ip: Option<IpAddr>,
    /// API consumer authenticated by the gateway.
    pub consumer: Option<String>,
    /// End user: JWT `sub` (read without verification) or the login name of a login attempt.
    pub user: Option<String>,
    /// Role or scope claim of the JWT: the peer group whose normal behaviour an actor is
    /// compared with (a doctor with other doctors, not with patients).
    pub role: Option<String>,
    /// Short hash of the credential (bearer token, API key, session cookie), never the credential.
    pub token_id: Option<String>,
    /// Request method, upper-case.
    pub method: String,
    /// Endpoint key from API discovery (`GET host /users/{id}`), `None` when no endpoint matched.
    pub endpoint: Option<String>,
    /// Raw request path (no query).
    pub path: String,
    /// Raw query string.
    pub query: Option<String>,
    /// Response status, `None` when there was no response.
    pub status: Option<u16>,
    /// Person records with sensitive data in the response (classifier `response_records`).
    pub records: u32,
    /// The grading profile's "serious" leak threshold for the most sensitive type in the
    /// response (see [`Event::leak_threshold_of`]); `None` uses the configured default.
    pub leak_threshold: Option<u64>,
    /// User agent (truncated).
    pub user_agent: Option<String>,
    /// Set when the exchange is a login attempt.
    pub login: Option<LoginAttempt>,
}

/// A login attempt and its outcome.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoginAttempt {
    /// The account tried (user name, phone, job number...), redacted in `Debug` output; the
    /// evidence of a brute-force finding names it, logs never do.
    pub account: Option<Redacted<String>>,
    /// True when the server accepted the credentials.
    pub success: bool,
}

impl Event {
    /// Extracts an event from an exchange: identity from the gateway's [`lampyr_core::Identity`]
    /// or the bearer token, a credential id, and a login attempt when the request is one
    /// (POST to a path naming login/signin/auth/token/session with a password-like and an
    /// account-like field). `endpoint` is the discovered route key, `records` the classifier's
    /// `response_records`.
    pub fn from_exchange(ex: &Exchange, index: u64, endpoint: Option<&str>, records: u32) -> Event {
        let req = &ex.request;
        let status = ex.response.as_ref().map(|r| r.status);
        let mut ev = Event {
            index,
            time_us: ex.timing.started_us.unwrap_or(0),
            ip: ex.client.map(|a| a.ip()),
            method: req.method.to_ascii_uppercase(),
            endpoint: endpoint.map(str::to_string),
            path: req.path.clone(),
            query: req.query.clone(),
            status,
            records,
            user_agent: req
                .headers
                .get("user-agent")
                .map(|ua| truncate(ua, MAX_UA).to_string()),
            ..Event::default()
        };
        let mut credential: Option<&str> = None;
        if let Some(auth) = req.headers.get("authorization") {
            let auth = auth.trim();
            credential = Some(auth);
            if let Some(token) = strip_prefix_ci(auth, "bearer ") {
                if let Some(claims) = jwt_claims(token.trim()) {
                    ev.user = claim_text(&claims, "sub");
                    ev.role = ["role", "roles", "scope", "scp"]
                        .iter()
                        .find_map(|k| claim_text(&claims, k));
                }
            }
        }
        if credential.is_none() {
            credential = [
                "x-api-key",
                "api-key",
                "x-auth-token",
                "x-access-token",
                "token",
            ]
            .iter()
            .find_map(|h| req.headers.get(h));
        }
        let cookie_session;
        if credential.is_none() {
            cookie_session = session_cookie(req.headers.get_all("cookie"));
            credential = cookie_session.as_deref();
        }
        if let Some(c) = credential.filter(|c| !c.is_empty()) {
            let c = truncate(c, MAX_PARSE);
            ev.token_id = Some(format!("{:012x}", fnv(&[c.as_bytes()]) >> 16));
        }
        if let Some(id) = &ex.identity {
            if id.consumer.is_some() {
                ev.consumer = id.consumer.clone();
            }
            if id.user.is_some() {
                ev.user = id.user.clone();
            }
            if id.token_id.is_some() {
                ev.token_id = id.token_id.clone();
            }
        }
        ev.login = login_attempt(ex);
        if ev.user.is_none() {
            if let Some(Some(account)) = ev.login.as_ref().map(|l| l.account.as_ref()) {
                ev.user = Some(account.expose().clone());
            }
        }
        ev
    }

    /// The grading profile's "serious" leak threshold for a response carrying these types:
    /// the lowest [`leak_thresholds`] over them (50 for location/financial, 500 for health,
    /// 5 000 for other personal data), or `None` without sensitive values.
    pub fn leak_threshold_of(values: &[(SensitiveType, u32)]) -> Option<u64> {
        values
            .iter()
            .filter(|(_, n)| *n > 0)
            .map(|(ty, _)| leak_thresholds(*ty).serious)
            .min()
    }

    /// Same event with the response's leak threshold set from the classifier's
    /// `response_values`.
    pub fn with_leak_types(mut self, values: &[(SensitiveType, u32)]) -> Event {
        self.leak_threshold = Event::leak_threshold_of(values);
        self
    }
}

fn truncate(s: &str, max: usize) -> &str {
    if s.len() <= max {
        return s;
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

fn strip_prefix_ci<'a>(s: &'a str, prefix: &str) -> Option<&'a str> {
    (s.len() >= prefix.len()
        && s.as_bytes()[..prefix.len()].eq_ignore_ascii_case(prefix.as_bytes()))
    .then(|| &s[prefix.len()..])
}

/// The payload of a JWT, decoded without verification (identity for grouping only).
fn jwt_claims(token: &str) -> Option<Value> {
    if token.len() > MAX_PARSE {
        return None;
    }
    let mut parts = token.split('.');
    let (_, payload, _) = (parts.next()?, parts.next()?, parts.next()?);
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload.trim_end_matches('='))
        .ok()?;
    let v: Value = serde_json::from_slice(&bytes).ok()?;
    v.is_object().then_some(v)
}

fn claim_text(claims: &Value, key: &str) -> Option<String> {
    let v = claims.get(key)?;
    let s = match v {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        Value::Array(items) => {
            let mut parts: Vec<&str> = items.iter().filter_map(Value::as_str).collect();
            parts.sort_unstable();
            parts.join(",")
        }
        _ => return None,
    };
    (!s.is_empty()).then(|| truncate(&s, MAX_NAME).to_string())
}

const SESSION_COOKIES: &[&str] = &[
    "session",
    "sessionid",
    "session_id",
    "sid",
    "jsessionid",
    "phpsessid",
    "connect.sid",
    "asp.net_sessionid",
    "token",
    "access_token",
    "auth_token",
];

fn session_cookie<'a>(cookies: impl Iterator<Item = &'a str>) -> Option<String> {
    for header in cookies {
        for part in header.split(';') {
            if let Some((k, v)) = part.split_once('=') {
                let k = k.trim().to_ascii_lowercase();
                if SESSION_COOKIES.contains(&k.as_str()) && !v.trim().is_empty() {
                    return Some(format!("{k}={}", v.trim()));
                }
            }
        }
    }
    None
}

/// Words of a path that name a login endpoint.
const LOGIN_WORDS: &[&str] = &[
    "login",
    "signin",
    "sign-in",
    "sign_in",
    "logon",
    "auth",
    "authenticate",
    "token",
    "session",
    "sessions",
    "oauth",
];
/// Field names holding a password.
const PASSWORD_FIELDS: &[&str] = &[
    "password",
    "passwd",
    "pwd",
    "pass",
    "passcode",
    "mima",
    "userpassword",
    "loginpassword",
    "secret",
];
/// Field names holding the account, most specific first.
const ACCOUNT_FIELDS: &[&str] = &[
    "username",
    "user_name",
    "login",
    "loginname",
    "account",
    "accountname",
    "email",
    "mail",
    "mobile",
    "phone",
    "phonenumber",
    "tel",
    "jobno",
    "job_no",
    "employeeno",
    "staffno",
    "userid",
    "user_id",
    "uid",
    "user",
    "name",
    "idcard",
    "cardno",
];

fn is_login_path(path: &str) -> bool {
    path.split('/').any(|seg| {
        let seg = seg.to_ascii_lowercase();
        LOGIN_WORDS.iter().any(|w| {
            seg.strip_prefix(w).is_some_and(|rest| {
                rest.starts_with('.') || rest.chars().all(|c| !c.is_ascii_alphabetic())
            })
        })
    })
}

fn norm_field(k: &str) -> String {
    k.chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '_')
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// The login attempt of an exchange, if it is one.
fn login_attempt(ex: &Exchange) -> Option<LoginAttempt> {
    let req = &ex.request;
    if !req.method.eq_ignore_ascii_case("POST") || !is_login_path(&req.path) {
        return None;
    }
    let body = req.body.bytes();
    if body.is_empty() || body.len() > MAX_PARSE {
        return None;
    }
    let fields: Vec<(String, String)> = match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(map)) => map
            .iter()
            .filter_map(|(k, v)| match v {
                Value::String(s) => Some((norm_field(k), s.clone())),
                Value::Number(n) => Some((norm_field(k), n.to_string())),
                _ => None,
            })
            .collect(),
        Ok(_) => return None,
        Err(_) => std::str::from_utf8(body)
            .ok()?
            .split('&')
            .take(64)
            .filter_map(|p| p.split_once('='))
            .map(|(k, v)| {
                let v = percent_encoding::percent_decode_str(&v.replace('+', " "))
                    .decode_utf8_lossy()
                    .into_owned();
                (norm_field(k), v)
            })
            .collect(),
    };
    if !fields
        .iter()
        .any(|(k, v)| !v.is_empty() && PASSWORD_FIELDS.contains(&k.as_str()))
    {
        return None;
    }
    let account = ACCOUNT_FIELDS.iter().find_map(|name| {
        fields
            .iter()
            .find(|(k, v)| k == name && !v.is_empty())
            .map(|(_, v)| Redacted::new(truncate(v.trim(), MAX_NAME).to_string()))
    });
    let resp = ex.response.as_ref()?;
    let success = match resp.status {
        200..=299 => !body_says_error(resp.body.bytes()),
        500..=599 => return None,
        _ => false,
    };
    Some(LoginAttempt { account, success })
}

/// True when a 2xx JSON body reports an error (`"success": false`, `"code": 401`,
/// `"code": 40101`, `"errcode": 1`, `"status": "fail"`, `"error": {...}`).
fn body_says_error(body: &[u8]) -> bool {
    if body.is_empty() || body.len() > 4 * MAX_PARSE {
        return false;
    }
    let Ok(Value::Object(map)) = serde_json::from_slice::<Value>(body) else {
        return false;
    };
    for (k, v) in &map {
        let k = norm_field(k);
        match (k.as_str(), v) {
            ("success" | "ok", Value::Bool(false)) => return true,
            ("code" | "status" | "statuscode" | "resultcode", Value::Number(n)) => {
                if let Some(c) = n.as_i64() {
                    if (400..600).contains(&c) || (40_000..60_000).contains(&c) {
                        return true;
                    }
                }
            }
            ("code" | "resultcode", Value::String(s)) => {
                if let Ok(c) = s.trim().parse::<i64>() {
                    if (400..600).contains(&c) || (40_000..60_000).contains(&c) {
                        return true;
                    }
                }
            }
            ("errcode" | "errorcode" | "err_code" | "error_code", Value::Number(n))
                if n.as_i64().is_some_and(|c| c != 0) =>
            {
                return true;
            }
            ("status" | "result", Value::String(s)) => {
                let s = s.to_ascii_lowercase();
                if matches!(
                    s.as_str(),
                    "fail" | "failed" | "failure" | "error" | "denied"
                ) {
                    return true;
                }
            }
            ("error" | "errors", v) => {
                let present = match v {
                    Value::Null | Value::Bool(false) => false,
                    Value::String(s) => !s.is_empty(),
                    Value::Array(a) => !a.is_empty(),
                    Value::Object(o) => !o.is_empty(),
                    _ => true,
                };
                if present {
                    return true;
                }
            }
            _ => {}
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;
    use lampyr_core::{Body, BodyLimits, Response};

    fn jwt(payload: &str) -> String {
        let e = base64::engine::general_purpose::URL_SAFE_NO_PAD;
        format!(
            "{}.{}.sig",
            e.encode(r#"{"alg":"HS256"}"#),
            e.encode(payload.as_bytes())
        )
    }

    fn login(body: &str, status: u16, resp: &str) -> Exchange {
        let mut ex = Exchange::default();
        ex.request.method = "POST".into();
        ex.request.path = "/api/v1/auth/login".into();
        ex.request.body = Body::capture(body.as_bytes().to_vec(), BodyLimits::default());
        ex.response = Some(Response {
            status,
            body: Body::capture(resp.as_bytes().to_vec(), BodyLimits::default()),
            ..Response::default()
        });
        ex
    }

    #[test]
    fn bearer_jwt_gives_subject_role_and_a_token_hash() {
        let mut ex = Exchange::default();
        let token = jwt(r#"{"sub":"U42","role":"doctor"}"#);
        ex.request
            .headers
            .append("Authorization", format!("Bearer {token}"));
        let ev = Event::from_exchange(&ex, 7, Some("GET h /x"), 3);
        assert_eq!(ev.user.as_deref(), Some("U42"));
        assert_eq!(ev.role.as_deref(), Some("doctor"));
        let id = ev.token_id.expect("token id");
        assert_eq!(id.len(), 12);
        assert!(!token.contains(&id));
        assert_eq!((ev.index, ev.records), (7, 3));
        assert!(ev.login.is_none());
    }

    #[test]
    fn login_success_and_failures_are_recognised() {
        let ok = Event::from_exchange(
            &login(
                r#"{"mobile":"13800000000","password":"x"}"#,
                200,
                r#"{"code":0}"#,
            ),
            0,
            None,
            0,
        );
        let l = ok.login.expect("login");
        assert!(l.success);
        assert_eq!(l.account.unwrap().expose(), "13800000000");
        assert_eq!(ok.user.as_deref(), Some("13800000000"));
        for (status, body) in [
            (401, "{}"),
            (200, r#"{"code":40101,"msg":"bad"}"#),
            (200, r#"{"success":false}"#),
            (200, r#"{"errcode":1}"#),
        ] {
            let ev = Event::from_exchange(
                &login(r#"{"jobNo":"D1","password":"x"}"#, status, body),
                0,
                None,
                0,
            );
            assert!(!ev.login.expect("login").success, "{status} {body}");
        }
        let form = login("username=bob&passwd=secret", 403, "");
        let l = Event::from_exchange(&form, 0, None, 0)
            .login
            .expect("login");
        assert_eq!(l.account.unwrap().expose(), "bob");
    }

    #[test]
    fn not_a_login_without_password_or_on_other_paths() {
        let ev = Event::from_exchange(&login(r#"{"mobile":"1"}"#, 401, ""), 0, None, 0);
        assert!(ev.login.is_none());
        let mut ex = login(r#"{"mobile":"1","password":"x"}"#, 401, "");
        ex.request.path = "/api/v1/appointments".into();
        assert!(Event::from_exchange(&ex, 0, None, 0).login.is_none());
        assert!(!is_login_path("/authors/1"));
        assert!(is_login_path("/v2/token"));
        assert!(is_login_path("/user/login.json"));
    }

    #[test]
    fn leak_threshold_takes_the_most_sensitive_type() {
        let v = [(SensitiveType::CnMobile, 3), (SensitiveType::BankCard, 1)];
        assert_eq!(Event::leak_threshold_of(&v), Some(50));
        assert_eq!(Event::leak_threshold_of(&[]), None);
    }

    proptest::proptest! {
        #[test]
        fn extraction_never_panics(auth in ".{0,300}", body in proptest::collection::vec(proptest::num::u8::ANY, 0..400), path in "[/a-z]{0,40}") {
            let mut ex = login("", 200, "");
            ex.request.path = path;
            ex.request.headers.append("Authorization", auth);
            ex.request.body = Body::capture(body.clone(), BodyLimits::default());
            ex.response.as_mut().unwrap().body = Body::capture(body, BodyLimits::default());
            let _ = Event::from_exchange(&ex, 0, None, 0);
        }
    }
}
