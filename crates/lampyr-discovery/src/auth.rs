//! Authentication detection: which credentials a request carries, never their values.
//!
//! [`detect`] looks at the `Authorization` header, API-key-like headers and query parameters,
//! and session cookies. What it keeps is safe to store and report: the scheme, where the
//! credential was (header, query or cookie name) and, for JWTs, the header fields and the claim
//! *names* read without verifying the signature. Passwords, tokens, user names and claim values
//! other than `iss` are never kept. mTLS is not visible in an [`Request`] and is not detected.
//!
//! [`AuthSummary`] is the per-endpoint, mergeable view (commutative and associative, bounded).

use std::collections::{BTreeMap, BTreeSet};

use base64::alphabet;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use base64::Engine;
use lampyr_core::Request;
use std::borrow::Cow;
use std::fmt;

use serde::de::{IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::ser::SerializeSeq;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::params::{cookie_pairs, query_pairs, MAX_FIELDS_PER_MESSAGE};
use crate::schema::{has, with_lower};

/// Longest token that is decoded as a JWT (bytes).
pub const MAX_JWT_LEN: usize = 16 * 1024;
/// Most claim names kept from one JWT (the lexicographically smallest).
pub const MAX_JWT_CLAIMS: usize = 64;
/// Longest credential name (header, query or cookie) kept; longer names are cut.
pub const MAX_NAME_LEN: usize = 128;

/// Kind of credential seen on a request.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AuthKind {
    /// No credential at all.
    None,
    /// `Authorization: Basic`.
    Basic,
    /// `Authorization: Bearer` with an opaque token.
    Bearer,
    /// `Authorization: Bearer` (or DPoP, or a bare token) holding a JWT.
    Jwt,
    /// An API key or token in a non-standard header (`X-API-Key`, ...).
    ApiKeyHeader,
    /// An API key or token in the query string (`?api_key=`, `?access_token=`, ...).
    ApiKeyQuery,
    /// A session or token cookie.
    SessionCookie,
    /// Another `Authorization` scheme (Digest, Negotiate, NTLM, AWS4-HMAC-SHA256, ...).
    Other,
}

/// One credential seen on one request. Holds no secret.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct AuthObservation {
    /// What kind of credential.
    pub kind: AuthKind,
    /// Where it was: lower-case header name, exact query parameter or cookie name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The `Authorization` scheme, lower-case (`basic`, `bearer`, `digest`...), when it came
    /// from that header with a scheme.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scheme: Option<String>,
    /// What the credential says about itself when it is a JWT (in any location).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub jwt: Option<JwtInfo>,
    /// Basic only: whether the decoded credentials name a user (`None` when undecodable).
    /// The user name and password themselves are never kept.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub basic_has_user: Option<bool>,
}

impl AuthObservation {
    fn new(kind: AuthKind, name: Option<&str>) -> Self {
        Self {
            kind,
            name: name.map(bounded_name),
            scheme: None,
            jwt: None,
            basic_has_user: None,
        }
    }
}

/// The non-secret parts of a JWT, decoded without verifying it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct JwtInfo {
    /// Header `alg` (`HS256`, `RS256`, `none`...): weak or missing algorithms are posture issues.
    pub alg: String,
    /// Header `typ`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub typ: Option<String>,
    /// Header `kid` (a key id, not a key).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kid: Option<String>,
    /// Payload `iss` (who issued it).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub iss: Option<String>,
    /// Payload claim names (values are never kept), at most [`MAX_JWT_CLAIMS`].
    pub claims: BTreeSet<String>,
    /// Whether the payload has an `exp` claim (tokens without one never expire).
    pub has_exp: bool,
    /// True for a JWE (5 parts): the payload is encrypted and claims are unknown.
    pub encrypted: bool,
}

const B64URL: GeneralPurpose = GeneralPurpose::new(
    &alphabet::URL_SAFE,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);
const B64STD: GeneralPurpose = GeneralPurpose::new(
    &alphabet::STANDARD,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// Decodes the header and payload of a compact JWS (3 parts) or the header of a JWE (5 parts)
/// without verifying anything. `None` when `token` is not a JWT.
pub fn decode_jwt(token: &str) -> Option<JwtInfo> {
    let token = token.trim();
    if token.len() > MAX_JWT_LEN || !token.starts_with("ey") {
        return None;
    }
    let mut parts = token.split('.');
    let (header, payload) = (parts.next()?, parts.next()?);
    let encrypted = match parts.clone().count() {
        1 => false,
        3 => true,
        _ => return None,
    };
    let header_bytes = B64URL.decode(header).ok()?;
    let h: JwtPart<'_> = serde_json::from_slice(&header_bytes).ok()?;
    let mut info = JwtInfo {
        alg: bounded_string(h.alg.as_deref()?, 32)?,
        typ: h.typ.as_deref().and_then(|s| bounded_string(s, 64)),
        kid: h.kid.as_deref().and_then(|s| bounded_string(s, 128)),
        iss: None,
        claims: BTreeSet::new(),
        has_exp: false,
        encrypted,
    };
    if encrypted {
        return Some(info);
    }
    let payload_bytes = B64URL.decode(payload).ok()?;
    let p: JwtPart<'_> = serde_json::from_slice(&payload_bytes).ok()?;
    info.iss = p.iss.as_deref().and_then(|s| bounded_string(s, 256));
    info.has_exp = p.has_exp;
    let mut names: Vec<&str> = p
        .keys
        .iter()
        .map(|k| k.as_ref())
        .filter(|k| k.len() <= 64)
        .collect();
    names.sort_unstable();
    names.dedup();
    info.claims = names
        .into_iter()
        .take(MAX_JWT_CLAIMS)
        .map(str::to_owned)
        .collect();
    Some(info)
}

/// One JSON object of a JWT (header or payload), read without building a map: the few string
/// fields kept, and the key names.
#[derive(Default)]
struct JwtPart<'a> {
    alg: Option<Cow<'a, str>>,
    typ: Option<Cow<'a, str>>,
    kid: Option<Cow<'a, str>>,
    iss: Option<Cow<'a, str>>,
    has_exp: bool,
    keys: Vec<Cow<'a, str>>,
}

/// Most key names read from one JWT object (further keys are parsed, not kept).
const MAX_JWT_KEYS_READ: usize = 1024;

impl<'de> Deserialize<'de> for JwtPart<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = JwtPart<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut m: A) -> Result<Self::Value, A::Error> {
                let mut part = JwtPart::default();
                while let Some(MaybeStr(k)) = m.next_key::<MaybeStr<'de>>()? {
                    let k = k.unwrap_or_default();
                    let slot = match k.as_ref() {
                        "alg" => Some(&mut part.alg),
                        "typ" => Some(&mut part.typ),
                        "kid" => Some(&mut part.kid),
                        "iss" => Some(&mut part.iss),
                        _ => None,
                    };
                    match slot {
                        Some(slot) => *slot = m.next_value::<MaybeStr<'de>>()?.0,
                        None => {
                            m.next_value::<IgnoredAny>()?;
                        }
                    }
                    part.has_exp |= k == "exp";
                    if part.keys.len() < MAX_JWT_KEYS_READ {
                        part.keys.push(k);
                    }
                }
                Ok(part)
            }
        }
        d.deserialize_map(V)
    }
}

/// Any JSON value: `Some` when it is a string (borrowed when unescaped).
struct MaybeStr<'a>(Option<Cow<'a, str>>);

impl<'de> Deserialize<'de> for MaybeStr<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = MaybeStr<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("any JSON value")
            }
            fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(MaybeStr(Some(Cow::Borrowed(v))))
            }
            fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
                Ok(MaybeStr(Some(Cow::Owned(v.to_owned()))))
            }
            fn visit_bool<E>(self, _: bool) -> Result<Self::Value, E> {
                Ok(MaybeStr(None))
            }
            fn visit_i64<E>(self, _: i64) -> Result<Self::Value, E> {
                Ok(MaybeStr(None))
            }
            fn visit_u64<E>(self, _: u64) -> Result<Self::Value, E> {
                Ok(MaybeStr(None))
            }
            fn visit_f64<E>(self, _: f64) -> Result<Self::Value, E> {
                Ok(MaybeStr(None))
            }
            fn visit_unit<E>(self) -> Result<Self::Value, E> {
                Ok(MaybeStr(None))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut a: A) -> Result<Self::Value, A::Error> {
                while a.next_element::<IgnoredAny>()?.is_some() {}
                Ok(MaybeStr(None))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut m: A) -> Result<Self::Value, A::Error> {
                while m.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                Ok(MaybeStr(None))
            }
        }
        d.deserialize_any(V)
    }
}

/// A string kept only when short and printable; `None` otherwise.
fn bounded_string(s: &str, max: usize) -> Option<String> {
    (s.len() <= max && !s.chars().any(char::is_control)).then(|| s.to_owned())
}

fn bounded_name(s: &str) -> String {
    let mut end = s.len().min(MAX_NAME_LEN);
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    s[..end].to_owned()
}

/// Every credential on `req`, in the order header, API-key headers, query, cookies; one
/// observation per (kind, name). Never empty: a request without any credential gives exactly
/// one observation of kind [`AuthKind::None`].
pub fn detect(req: &Request) -> Vec<AuthObservation> {
    let mut out: Vec<AuthObservation> = Vec::new();
    // Attacker-sized requests: distinct credentials are looked up in a set, at most
    // MAX_CREDENTIALS_PER_REQUEST are kept, at most MAX_JWT_DECODES tokens are decoded, and
    // at most MAX_FIELDS_PER_MESSAGE headers, query pairs and cookies are read.
    let mut seen: BTreeSet<(AuthKind, Option<String>)> = BTreeSet::new();
    let mut decodes = 0usize;
    let mut jwt_of = |v: &str| {
        if decodes >= MAX_JWT_DECODES {
            return None;
        }
        decodes += 1;
        decode_jwt(v)
    };
    let mut push = |o: AuthObservation, out: &mut Vec<AuthObservation>| {
        if out.len() < MAX_CREDENTIALS_PER_REQUEST && seen.insert((o.kind, o.name.clone())) {
            out.push(o);
        }
    };
    for (name, value) in req.headers.iter().take(MAX_FIELDS_PER_MESSAGE) {
        if name.eq_ignore_ascii_case("authorization") {
            if let Some(o) = authorization(value) {
                push(o, &mut out);
            }
        } else if is_credential_header(name) && !value.trim().is_empty() {
            let lower = name.to_ascii_lowercase();
            let mut o = AuthObservation::new(AuthKind::ApiKeyHeader, Some(&lower));
            let v = value.trim();
            let v = strip_scheme(v, "bearer").unwrap_or(v);
            o.jwt = jwt_of(v);
            push(o, &mut out);
        }
    }
    if let Some(q) = req.query.as_deref() {
        for (name, value) in query_pairs(q).take(MAX_FIELDS_PER_MESSAGE) {
            if is_credential_query(&name) && !value.is_empty() {
                let mut o = AuthObservation::new(AuthKind::ApiKeyQuery, Some(&name));
                o.jwt = jwt_of(&value);
                push(o, &mut out);
            }
        }
    }
    for header in req.headers.get_all("cookie").take(MAX_FIELDS_PER_MESSAGE) {
        for (name, value) in cookie_pairs(header).take(MAX_FIELDS_PER_MESSAGE) {
            if is_session_cookie(name) && !value.is_empty() {
                let mut o = AuthObservation::new(AuthKind::SessionCookie, Some(name));
                o.jwt = jwt_of(value);
                push(o, &mut out);
            }
        }
    }
    if out.is_empty() {
        out.push(AuthObservation::new(AuthKind::None, None));
    }
    out
}

/// Credentials kept from one request; more are ignored (a real client sends one or two).
pub const MAX_CREDENTIALS_PER_REQUEST: usize = 16;
/// JWTs decoded per request.
pub const MAX_JWT_DECODES: usize = 4;

fn strip_scheme<'a>(value: &'a str, scheme: &str) -> Option<&'a str> {
    let (s, rest) = value.split_once(|c: char| c.is_ascii_whitespace())?;
    s.eq_ignore_ascii_case(scheme).then(|| rest.trim())
}

/// Classifies one `Authorization` header value.
fn authorization(value: &str) -> Option<AuthObservation> {
    let value = value.trim();
    if value.is_empty() {
        return None;
    }
    let name = Some("authorization");
    let Some((scheme, rest)) = value.split_once(|c: char| c.is_ascii_whitespace()) else {
        // A bare token: a JWT, or an API key passed as the whole header.
        let jwt = decode_jwt(value);
        let kind = if jwt.is_some() {
            AuthKind::Jwt
        } else {
            AuthKind::ApiKeyHeader
        };
        let mut o = AuthObservation::new(kind, name);
        o.jwt = jwt;
        return Some(o);
    };
    let rest = rest.trim();
    let scheme_lc = scheme.to_ascii_lowercase();
    let mut o = match scheme_lc.as_str() {
        "basic" => {
            let mut o = AuthObservation::new(AuthKind::Basic, name);
            o.basic_has_user = B64STD.decode(rest).ok().and_then(|raw| {
                let colon = raw.iter().position(|&c| c == b':')?;
                Some(colon > 0)
            });
            o
        }
        "bearer" | "dpop" => {
            let jwt = decode_jwt(rest);
            let kind = if jwt.is_some() {
                AuthKind::Jwt
            } else {
                AuthKind::Bearer
            };
            let mut o = AuthObservation::new(kind, name);
            o.jwt = jwt;
            o
        }
        "token" | "apikey" | "api-key" | "key" | "api_key" => {
            let mut o = AuthObservation::new(AuthKind::ApiKeyHeader, name);
            o.jwt = decode_jwt(rest);
            o
        }
        _ => AuthObservation::new(AuthKind::Other, name),
    };
    let scheme_ok = scheme.len() <= 32
        && scheme
            .bytes()
            .all(|c| c.is_ascii_alphanumeric() || b"-_.+!#$%&'*^`|~".contains(&c));
    o.scheme = scheme_ok.then_some(scheme_lc);
    Some(o)
}

/// A request header (not `Authorization`) that carries an API key or token. Matches names like
/// `x-api-key`, `api-key`, `apikey`, `x-auth-token`, `x-api-token`, `x-access-token`,
/// `ocp-apim-subscription-key`, `x-amz-security-token`, `private-token`; CSRF, paging and
/// idempotency tokens are not credentials.
pub fn is_credential_header(name: &str) -> bool {
    with_lower(name, |l| {
        // The common standard headers, answered without any substring search.
        if l.starts_with("accept")
            || l.starts_with("content-")
            || l.starts_with("sec-")
            || l.starts_with("x-forwarded-")
            || matches!(
                l,
                "host"
                    | "user-agent"
                    | "connection"
                    | "cookie"
                    | "origin"
                    | "referer"
                    | "cache-control"
                    | "pragma"
                    | "te"
                    | "upgrade"
                    | "dnt"
                    | "priority"
                    | "authorization"
                    | "proxy-authorization"
            )
        {
            return false;
        }
        const NOT: [&str; 8] = [
            "csrf",
            "xsrf",
            "page",
            "next",
            "continuation",
            "idempotency",
            "nonce",
            "request-id",
        ];
        if NOT.iter().any(|n| has(l, n)) {
            return false;
        }
        const EXACT: [&str; 5] = [
            "x-auth",
            "x-authorization",
            "x-session",
            "x-session-id",
            "x-sessionid",
        ];
        const PARTS: [&str; 9] = [
            "api-key",
            "apikey",
            "api_key",
            "token",
            "secret",
            "access-key",
            "subscription-key",
            "auth-key",
            "functions-key",
        ];
        EXACT.contains(&l) || PARTS.iter().any(|p| has(l, p))
    })
}

/// A query parameter that carries an API key or token (`api_key`, `apikey`, `key`, `token`,
/// `access_token`, `client_secret`, `x-amz-credential`, ...). Case-insensitive, exact names.
pub fn is_credential_query(name: &str) -> bool {
    const NAMES: [&str; 25] = [
        "access_token",
        "accesstoken",
        "api_key",
        "apikey",
        "api-key",
        "api_token",
        "apitoken",
        "key",
        "token",
        "auth",
        "auth_token",
        "authtoken",
        "client_secret",
        "secret",
        "jwt",
        "id_token",
        "session",
        "sessionid",
        "session_id",
        "sid",
        "x-api-key",
        "x-amz-credential",
        "x-amz-security-token",
        "x-goog-credential",
        "subscription-key",
    ];
    NAMES.iter().any(|n| name.eq_ignore_ascii_case(n))
}

/// A cookie that carries a session or a token: `session`, `sessionid`, `sid`, `JSESSIONID`,
/// `PHPSESSID`, `connect.sid`, `ASP.NET_SessionId`, `*_session`, `*sessid`, token cookies...
/// The `__Host-` and `__Secure-` prefixes are ignored; CSRF cookies are not sessions.
pub fn is_session_cookie(name: &str) -> bool {
    let mut n = name;
    for prefix in ["__Host-", "__Secure-"] {
        if let Some(head) = n.get(..prefix.len()) {
            if head.eq_ignore_ascii_case(prefix) {
                n = &n[prefix.len()..];
            }
        }
    }
    if n.is_empty() || n.len() > MAX_NAME_LEN || with_lower(n, |l| has(l, "csrf") || has(l, "xsrf"))
    {
        return false;
    }
    let lc = n.to_ascii_lowercase();
    const EXACT: [&str; 20] = [
        "session",
        "sessionid",
        "session_id",
        "sess",
        "sessid",
        "sid",
        "jsessionid",
        "phpsessid",
        "connect.sid",
        "express.sid",
        "asp.net_sessionid",
        "cfid",
        "cftoken",
        "auth",
        "jwt",
        "koa.sess",
        "koa:sess",
        "rack.session",
        "ci_session",
        "_session_id",
    ];
    EXACT.contains(&lc.as_str())
        || [
            "_session",
            "-session",
            ".session",
            "sessionid",
            "sessid",
            "_sess",
            ".sid",
            "_sid",
        ]
        .iter()
        .any(|s| lc.ends_with(s))
        || lc.starts_with("aspsessionid")
        || lc.starts_with("wordpress_logged_in")
        || lc.starts_with("session")
        || lc.contains("token")
        || lc.contains("auth")
}

/// Most (kind, name) pairs kept per summary (the smallest, so merging stays order independent).
pub const MAX_SCHEMES: usize = 32;
/// Most JWT algorithms, issuers or claim names kept per summary.
pub const MAX_JWT_VALUES: usize = 64;

/// What the JWTs seen on an endpoint look like. Mergeable.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct JwtSummary {
    /// JWTs seen (one request may carry several).
    pub tokens: u64,
    /// JWTs without an `exp` claim (never expire), JWE excluded.
    pub without_exp: u64,
    /// Count per header `alg`.
    pub algs: BTreeMap<String, u64>,
    /// Count per `iss`.
    pub issuers: BTreeMap<String, u64>,
    /// Count per claim name.
    pub claims: BTreeMap<String, u64>,
}

/// Per-endpoint authentication summary: counts per (kind, name), unauthenticated requests and
/// JWT properties. Commutative and associative merge; every map keeps its smallest keys only
/// (at most `limit + 1`), so attacker-chosen names cannot grow it without bound.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct AuthSummary {
    /// Requests observed.
    pub requests: u64,
    /// Requests with no credential at all.
    pub unauthenticated: u64,
    /// Requests per (kind, location name; empty when none). Serialized as a list of
    /// `{kind, name, count}`.
    #[serde(serialize_with = "serialize_schemes")]
    pub schemes: BTreeMap<(AuthKind, String), u64>,
    /// JWT properties.
    pub jwt: JwtSummary,
}

fn serialize_schemes<S: Serializer>(
    m: &BTreeMap<(AuthKind, String), u64>,
    s: S,
) -> Result<S::Ok, S::Error> {
    #[derive(Serialize)]
    struct Entry<'a> {
        kind: AuthKind,
        #[serde(skip_serializing_if = "str::is_empty")]
        name: &'a str,
        count: u64,
    }
    let mut seq = s.serialize_seq(Some(m.len()))?;
    for ((kind, name), count) in m {
        seq.serialize_element(&Entry {
            kind: *kind,
            name,
            count: *count,
        })?;
    }
    seq.end()
}

fn add_bounded<K: Ord + Clone>(m: &mut BTreeMap<K, u64>, k: &K, n: u64, limit: usize) {
    if let Some(c) = m.get_mut(k) {
        *c = c.saturating_add(n);
        return;
    }
    if m.len() > limit && m.last_key_value().is_some_and(|(last, _)| k > last) {
        return;
    }
    m.insert(k.clone(), n);
    while m.len() > limit + 1 {
        m.pop_last();
    }
}

fn merge_bounded<K: Ord + Clone>(dst: &mut BTreeMap<K, u64>, src: &BTreeMap<K, u64>, limit: usize) {
    for (k, n) in src {
        add_bounded(dst, k, *n, limit);
    }
}

impl AuthSummary {
    /// Detects and records the credentials of one request.
    pub fn observe(&mut self, req: &Request) {
        self.observe_detected(&detect(req));
    }

    /// Records what [`detect`] returned for one request (when the caller already has it).
    pub fn observe_detected(&mut self, obs: &[AuthObservation]) {
        self.requests = self.requests.saturating_add(1);
        if obs.iter().all(|o| o.kind == AuthKind::None) {
            self.unauthenticated = self.unauthenticated.saturating_add(1);
        }
        // Count each (kind, name) once per request.
        let mut seen: BTreeSet<(AuthKind, &str)> = BTreeSet::new();
        for o in obs {
            let name = o.name.as_deref().unwrap_or("");
            if seen.insert((o.kind, name)) {
                add_bounded(
                    &mut self.schemes,
                    &(o.kind, name.to_owned()),
                    1,
                    MAX_SCHEMES,
                );
            }
            if let Some(j) = &o.jwt {
                let js = &mut self.jwt;
                js.tokens = js.tokens.saturating_add(1);
                if !j.has_exp && !j.encrypted {
                    js.without_exp = js.without_exp.saturating_add(1);
                }
                add_bounded(&mut js.algs, &j.alg, 1, MAX_JWT_VALUES);
                if let Some(iss) = &j.iss {
                    add_bounded(&mut js.issuers, iss, 1, MAX_JWT_VALUES);
                }
                for c in &j.claims {
                    add_bounded(&mut js.claims, c, 1, MAX_JWT_VALUES);
                }
            }
        }
    }

    /// Merges another summary. Commutative and associative.
    pub fn merge(&mut self, o: &AuthSummary) {
        self.requests = self.requests.saturating_add(o.requests);
        self.unauthenticated = self.unauthenticated.saturating_add(o.unauthenticated);
        merge_bounded(&mut self.schemes, &o.schemes, MAX_SCHEMES);
        self.jwt.tokens = self.jwt.tokens.saturating_add(o.jwt.tokens);
        self.jwt.without_exp = self.jwt.without_exp.saturating_add(o.jwt.without_exp);
        merge_bounded(&mut self.jwt.algs, &o.jwt.algs, MAX_JWT_VALUES);
        merge_bounded(&mut self.jwt.issuers, &o.jwt.issuers, MAX_JWT_VALUES);
        merge_bounded(&mut self.jwt.claims, &o.jwt.claims, MAX_JWT_VALUES);
    }

    /// Credential kinds seen, without [`AuthKind::None`].
    pub fn kinds(&self) -> BTreeSet<AuthKind> {
        self.schemes
            .keys()
            .map(|(k, _)| *k)
            .filter(|k| *k != AuthKind::None)
            .collect()
    }

    /// True when requests were seen and every one carried some credential.
    pub fn is_authenticated_always(&self) -> bool {
        self.requests > 0 && self.unauthenticated == 0
    }

    /// True when some request carried no credential at all.
    pub fn is_unauthenticated_sometimes(&self) -> bool {
        self.unauthenticated > 0
    }

    /// Share of requests without any credential (0 when nothing was seen).
    pub fn unauthenticated_ratio(&self) -> f64 {
        if self.requests == 0 {
            0.0
        } else {
            self.unauthenticated as f64 / self.requests as f64
        }
    }
}

#[cfg(test)]
mod tests;
