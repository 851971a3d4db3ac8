//! The per-exchange posture checks (module docs of [`crate::posture`]).

use std::borrow::Cow;
use std::collections::BTreeSet;
use std::sync::OnceLock;

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use regex::Regex;

use lampyr_classify::mask::{mask_value, MaskStrategy};
use lampyr_classify::{ExchangeScan, Place, SensitiveType};
use lampyr_core::{Exchange, Request, Response};

use super::errors::{self, ErrorKind};
use super::fingerprint::DISCLOSURE_HEADERS;
use super::{jwt, Posture, PostureHit};
use crate::category as cat;
use crate::{Location, Severity};

/// JWTs examined per exchange.
const MAX_JWTS: usize = 8;
/// Hits of one kind per exchange (a response with 10 000 leaked hashes is one finding).
const MAX_SAME_KIND: usize = 4;
/// Request body bytes searched for password fields.
const MAX_REQUEST_SCAN: usize = 64 * 1024;

fn hit(
    rule: impl Into<String>,
    category: &'static str,
    severity: Severity,
    location: Location,
    field: impl Into<String>,
    evidence: impl Into<String>,
) -> PostureHit {
    PostureHit {
        rule: rule.into(),
        category,
        severity,
        location,
        field: field.into(),
        evidence: evidence.into(),
    }
}

/// Runs every per-exchange check.
pub(super) fn check(p: &Posture, ex: &Exchange, scan: Option<&ExchangeScan>) -> Vec<PostureHit> {
    let mut out = Vec::new();
    let req = &ex.request;
    let resp = ex.response.as_ref();
    let body = resp.map(|r| response_text(r, p.cfg.max_body_scan));
    if let Some(scan) = scan {
        sensitive_in_url(p, scan, &mut out);
        secrets_from_scan(p, ex, scan, &mut out);
    }
    if let Some(text) = body.as_deref() {
        secrets_by_shape(text, &mut out);
    }
    plaintext_credentials(req, scan, &mut out);
    weak_jwts(req, resp, body.as_deref(), &mut out);
    if let (Some(r), Some(text)) = (resp, body.as_deref()) {
        verbose_errors(r, text, &mut out);
    }
    if let Some(r) = resp {
        cors(req, r, &mut out);
        components(p, r, body.as_deref(), &mut out);
    }
    out
}

/// The start of a textual response body, lossily decoded; empty for binary media types.
fn response_text(r: &Response, max: usize) -> Cow<'_, str> {
    let media = r.media_type().unwrap_or_default();
    let binary = ["image/", "audio/", "video/", "font/"]
        .iter()
        .any(|p| media.starts_with(p))
        || matches!(
            media.as_str(),
            "application/octet-stream"
                | "application/pdf"
                | "application/zip"
                | "application/gzip"
                | "application/wasm"
                | "application/protobuf"
                | "application/x-protobuf"
                | "application/grpc"
        );
    if binary {
        return Cow::Borrowed("");
    }
    let bytes = r.body.bytes();
    String::from_utf8_lossy(&bytes[..bytes.len().min(max)])
}

fn path_field(place: Place, field: &str) -> (Location, String) {
    match place {
        Place::RequestPath => (Location::Path, format!("[{field}]")),
        Place::RequestQuery => (Location::Query, field.to_string()),
        Place::RequestHeader => (Location::Header, field.to_string()),
        Place::RequestCookie => (Location::Cookie, field.to_string()),
        Place::RequestBody => (Location::Body, field.to_string()),
        Place::ResponseBody => (Location::ResponseBody, field.to_string()),
        Place::ResponseHeader => (Location::ResponseHeader, field.to_string()),
    }
}

/// Personal data for the URL and unauthenticated checks: types that describe a person, not
/// credentials (they have their own rules), network or device identifiers, organisations,
/// places or diagnosis codes, which public APIs legitimately take and serve.
pub(super) fn is_personal(ty: SensitiveType) -> bool {
    use SensitiveType as T;
    ty.identifies_person()
        || matches!(
            ty,
            T::CnName | T::PersonName | T::CnAddress | T::CnLandline | T::DateOfBirth
        )
}

/// Query parameters whose values are times, counts, versions or cursors: long numbers there
/// (epoch milliseconds, sequence numbers) are not card or phone numbers whatever their digits.
fn is_meta_param(name: &str) -> bool {
    let k: String = name
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .take(48)
        .collect::<String>()
        .to_ascii_lowercase();
    matches!(
        k.as_str(),
        "ts" | "t" | "v" | "n" | "at" | "from" | "to" | "seq"
    ) || [
        "since", "modified", "time", "date", "limit", "offset", "page", "size", "before", "after",
        "count", "version", "etag", "updated", "created", "expire", "ttl", "cursor", "start",
        "end", "max", "min", "sequence", "revision", "nonce", "cache",
    ]
    .iter()
    .any(|w| k.contains(w))
}

fn sensitive_in_url(p: &Posture, scan: &ExchangeScan, out: &mut Vec<PostureHit>) {
    for obs in &scan.fields {
        if !matches!(obs.place, Place::RequestPath | Place::RequestQuery)
            || (obs.place == Place::RequestQuery && is_meta_param(&obs.field))
        {
            continue;
        }
        let (loc, field) = path_field(obs.place, &obs.field);
        for t in obs.types.iter().filter(|t| t.hits > 0) {
            let sample = t.sample.as_deref().unwrap_or("");
            let (rule, severity) = match t.ty {
                // Only a query parameter named as a password: path segments and other names
                // are too often ids that merely look random.
                SensitiveType::Password
                    if obs.place == Place::RequestQuery && is_password_key(&obs.field) =>
                {
                    ("posture.sensitive_in_url.password", Severity::High)
                }
                SensitiveType::Password => continue,
                SensitiveType::Jwt | SensitiveType::SecretKey => {
                    if !p.cfg.tokens_in_url {
                        continue;
                    }
                    // The caller's own credential: it leaks through logs and Referer, but it is
                    // how many APIs are called, so it is only worth noting.
                    ("posture.sensitive_in_url.credential", Severity::Low)
                }
                ty if is_personal(ty) => {
                    let grade = p.grading.grade(ty);
                    if grade.level < p.cfg.url_min_level {
                        continue;
                    }
                    let sev = if grade.sensitive_pi {
                        Severity::High
                    } else {
                        Severity::Medium
                    };
                    ("posture.sensitive_in_url.personal", sev)
                }
                _ => continue,
            };
            out.push(hit(
                rule,
                cat::POSTURE_SENSITIVE_IN_URL,
                severity,
                loc,
                field.clone(),
                format!("{} in the URL: {sample}", t.ty.id()),
            ));
        }
    }
}

/// Path words of endpoints that hand out credentials: a token or key in their response is the
/// point of the call.
fn issues_credentials(req: &Request) -> bool {
    req.path
        .split(['/', '?'])
        .map(|s| s.to_ascii_lowercase())
        .any(|s| {
            matches!(
                s.as_str(),
                "login"
                    | "signin"
                    | "sign-in"
                    | "sign_in"
                    | "logon"
                    | "auth"
                    | "authenticate"
                    | "authorize"
                    | "oauth"
                    | "oauth2"
                    | "token"
                    | "tokens"
                    | "refresh"
                    | "session"
                    | "sessions"
                    | "register"
                    | "signup"
                    | "sign-up"
                    | "keys"
                    | "api-keys"
                    | "apikeys"
                    | "api_keys"
                    | "credentials"
                    | "secrets"
                    | "connect"
                    | "sso"
                    | "saml"
                    | "callback"
            ) || s.ends_with("token")
                || s.ends_with("login")
        })
}

/// Whether the last segment of a response field path names a secret (`client_secret`,
/// `secretAccessKey`, `password`, `apiKey`, `privateKey`): a generic `key` or `token` does
/// not (Kubernetes secret references, issued tokens).
fn secret_field_name(field: &str) -> Option<SensitiveType> {
    let last = field.rsplit(['.', '[']).next().unwrap_or(field);
    let k: String = last
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .take(48)
        .collect::<String>()
        .to_ascii_lowercase();
    if is_password_key(&k) || k.ends_with("passwordhash") || k == "passwordhash" || k == "pwdhash" {
        return Some(SensitiveType::Password);
    }
    let secret = k.contains("secret")
        || matches!(
            k.as_str(),
            "apikey" | "privatekey" | "signingkey" | "encryptionkey" | "masterkey"
        );
    // `secretName`, `secretRef`, `secretKeyRef`: references to a secret, not the secret.
    let reference = [
        "name", "ref", "id", "type", "path", "file", "arn", "url", "uri",
    ]
    .iter()
    .any(|s| k.ends_with(s));
    (secret && !reference).then_some(SensitiveType::SecretKey)
}

fn secrets_from_scan(p: &Posture, ex: &Exchange, scan: &ExchangeScan, out: &mut Vec<PostureHit>) {
    let _ = p;
    let issuer = issues_credentials(&ex.request);
    let creates = ex.request.method.eq_ignore_ascii_case("POST");
    let mut n = 0;
    for obs in &scan.fields {
        if obs.place != Place::ResponseBody {
            continue;
        }
        let in_list = obs.field.contains("[]");
        // The classifier's evidence decides there is a value of the type; the field name
        // decides it is the secret itself and not a reference to one.
        let named = secret_field_name(&obs.field);
        for t in obs.types.iter().filter(|t| t.hits > 0) {
            let (rule, severity) = match (t.ty, named) {
                // A password (or its hash) never belongs in a response.
                (SensitiveType::Password, Some(SensitiveType::Password)) => {
                    ("posture.secret_in_response.password", Severity::High)
                }
                // Keys are handed out once, by the endpoint or the POST that creates them
                // (a webhook's signing secret), one per response.
                (SensitiveType::SecretKey, Some(SensitiveType::SecretKey))
                    if (issuer || creates) && !in_list =>
                {
                    continue
                }
                (
                    SensitiveType::SecretKey | SensitiveType::Password,
                    Some(SensitiveType::SecretKey),
                ) => ("posture.secret_in_response.secret_key", Severity::High),
                // A JWT issued by a login is normal; a list of records with tokens is a leak.
                (SensitiveType::Jwt, _) if in_list && !issuer => {
                    ("posture.secret_in_response.token", Severity::Medium)
                }
                _ => continue,
            };
            if n >= MAX_SAME_KIND * 3 {
                return;
            }
            n += 1;
            out.push(hit(
                rule,
                cat::POSTURE_SECRET_IN_RESPONSE,
                severity,
                Location::ResponseBody,
                obs.field.clone(),
                format!(
                    "{} in the response: {}",
                    t.ty.id(),
                    t.sample
                        .as_deref()
                        .unwrap_or(lampyr_classify::mask::REDACTED)
                ),
            ));
        }
    }
}

struct Shapes {
    hash: Regex,
    private_key: Regex,
}

fn shapes() -> &'static Shapes {
    static S: OnceLock<Shapes> = OnceLock::new();
    S.get_or_init(|| Shapes {
        // bcrypt, sha-crypt, md5-crypt, argon2, Django PBKDF2, phpass.
        hash: Regex::new(
            r"\$2[abxy]?\$\d{2}\$[./A-Za-z0-9]{53}|\$[56]\$(?:rounds=\d{1,7}\$)?[./A-Za-z0-9]{1,16}\$[./A-Za-z0-9]{43,86}|\$1\$[./A-Za-z0-9]{1,8}\$[./A-Za-z0-9]{22}|\$argon2(?:id|i|d)\$v=\d+\$m=\d+,t=\d+,p=\d+\$[A-Za-z0-9+/]{8,}\$[A-Za-z0-9+/]{16,}|pbkdf2_sha(?:1|256)\$\d{3,7}\$[A-Za-z0-9]{4,64}\$[A-Za-z0-9+/=]{20,}|\$[PH]\$[./A-Za-z0-9]{31}",
        )
        .expect("hash pattern"),
        private_key: Regex::new(r"-----BEGIN (?:RSA |EC |DSA |OPENSSH |ENCRYPTED )?PRIVATE KEY-----")
            .expect("key pattern"),
    })
}

/// Password hashes and private keys by their unmistakable shapes, with or without a scan.
fn secrets_by_shape(text: &str, out: &mut Vec<PostureHit>) {
    let s = shapes();
    if let Some(m) = s.hash.find(text) {
        let kind = hash_kind(m.as_str());
        let count = s.hash.find_iter(text).take(10_000).count();
        out.push(hit(
            "posture.secret_in_response.password_hash",
            cat::POSTURE_SECRET_IN_RESPONSE,
            Severity::High,
            Location::ResponseBody,
            json_key_before(text, m.start()).unwrap_or_default(),
            format!(
                "{count} {kind} password hash(es), e.g. {}",
                mask_secret(m.as_str())
            ),
        ));
    }
    if let Some(m) = s.private_key.find(text) {
        out.push(hit(
            "posture.secret_in_response.private_key",
            cat::POSTURE_SECRET_IN_RESPONSE,
            Severity::Critical,
            Location::ResponseBody,
            json_key_before(text, m.start()).unwrap_or_default(),
            m.as_str().to_string(),
        ));
    }
}

fn hash_kind(h: &str) -> &'static str {
    if h.starts_with("$2") {
        "bcrypt"
    } else if h.starts_with("$argon2") {
        "argon2"
    } else if h.starts_with("$5$") || h.starts_with("$6$") {
        "sha-crypt"
    } else if h.starts_with("$1$") {
        "md5-crypt"
    } else if h.starts_with("pbkdf2") {
        "pbkdf2"
    } else {
        "phpass"
    }
}

/// The scheme prefix of a hash and a fixed mask: enough to recognise, nothing to crack.
fn mask_secret(s: &str) -> String {
    let keep: String = s.chars().take(7).collect();
    format!("{keep}{}", lampyr_classify::mask::REDACTED)
}

/// The JSON key right before a value at `pos` (`"passwordHash": "$2b$..."` → `passwordHash`).
fn json_key_before(text: &str, pos: usize) -> Option<String> {
    let pos = pos.min(text.len());
    let mut from = pos.saturating_sub(200);
    while !text.is_char_boundary(from) {
        from += 1;
    }
    let before = text.get(from..pos)?;
    let colon = before.rfind(':')?;
    let head = before[..colon].trim_end();
    let head = head.strip_suffix('"')?;
    let start = head.rfind('"')?;
    let key = &head[start + 1..];
    (!key.is_empty() && key.len() <= 64 && !key.contains(['{', '}', ',', ':']))
        .then(|| key.to_string())
}

fn is_loopback_host(host: &str) -> bool {
    let h = host.trim_start_matches('[').trim_end_matches(']');
    h == "localhost"
        || h.ends_with(".localhost")
        || h == "::1"
        || h.parse::<std::net::Ipv4Addr>()
            .is_ok_and(|a| a.is_loopback())
}

/// Field names that carry a password.
pub(super) fn is_password_key(key: &str) -> bool {
    let k: String = key
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .take(40)
        .collect::<String>()
        .to_ascii_lowercase();
    matches!(
        k.as_str(),
        "password"
            | "passwd"
            | "pwd"
            | "pass"
            | "passcode"
            | "passphrase"
            | "userpassword"
            | "newpassword"
            | "oldpassword"
            | "currentpassword"
            | "confirmpassword"
            | "password1"
            | "password2"
            | "loginpassword"
            | "pword"
    )
}

fn form_pairs(text: &str) -> impl Iterator<Item = (Cow<'_, str>, &str)> {
    text.split('&').filter_map(|pair| {
        let (k, v) = pair.split_once('=')?;
        let k = percent_encoding::percent_decode_str(&k.replace('+', " "))
            .decode_utf8_lossy()
            .into_owned();
        Some((Cow::Owned(k), v))
    })
}

fn json_password_key() -> &'static Regex {
    static R: OnceLock<Regex> = OnceLock::new();
    R.get_or_init(|| {
        Regex::new(
            r#""([A-Za-z_]{0,20}(?i:password|passwd|pwd|passcode|passphrase)[0-9]?)"\s*:\s*"[^"]"#,
        )
        .expect("json password key")
    })
}

/// Password fields of a request (location, field), from the scan when there is one, else from
/// field names.
fn password_fields(req: &Request, scan: Option<&ExchangeScan>) -> Vec<(Location, String)> {
    let mut out = BTreeSet::new();
    if let Some(scan) = scan {
        for obs in &scan.fields {
            if matches!(obs.place, Place::RequestBody | Place::RequestQuery)
                && obs
                    .types
                    .iter()
                    .any(|t| t.ty == SensitiveType::Password && t.hits > 0)
            {
                out.insert(path_field(obs.place, &obs.field));
            }
        }
    }
    if let Some(q) = &req.query {
        for (k, v) in form_pairs(q) {
            if !v.is_empty() && is_password_key(&k) {
                out.insert((Location::Query, k.into_owned()));
            }
        }
    }
    let bytes = req.body.bytes();
    let body = String::from_utf8_lossy(&bytes[..bytes.len().min(MAX_REQUEST_SCAN)]);
    match req.media_type().as_deref() {
        Some("application/x-www-form-urlencoded") => {
            for (k, v) in form_pairs(&body) {
                if !v.is_empty() && is_password_key(&k) {
                    out.insert((Location::Body, k.into_owned()));
                }
            }
        }
        _ => {
            for c in json_password_key().captures_iter(&body).take(4) {
                out.insert((Location::Body, c[1].to_string()));
            }
        }
    }
    out.into_iter().take(MAX_SAME_KIND).collect()
}

fn plaintext_credentials(req: &Request, scan: Option<&ExchangeScan>, out: &mut Vec<PostureHit>) {
    if !req.scheme.eq_ignore_ascii_case("http") || is_loopback_host(&req.host) {
        return;
    }
    for value in req.headers.get_all("authorization") {
        let v = value.trim();
        let Some(cred) = v
            .get(..6)
            .filter(|s| s.eq_ignore_ascii_case("basic "))
            .map(|_| v[6..].trim())
        else {
            continue;
        };
        let user = STANDARD
            .decode(
                cred.as_bytes()
                    .get(..cred.len().min(4096))
                    .unwrap_or_default(),
            )
            .ok()
            .and_then(|b| String::from_utf8(b).ok())
            .and_then(|s| s.split_once(':').map(|(u, _)| u.to_string()))
            .map(|u| {
                mask_value(
                    &u,
                    SensitiveType::PersonName,
                    &MaskStrategy::KeepEdges {
                        prefix: 1,
                        suffix: 0,
                    },
                    b"",
                )
            });
        out.push(hit(
            "posture.plaintext_credentials.basic_auth",
            cat::POSTURE_PLAINTEXT_CREDENTIALS,
            Severity::High,
            Location::Header,
            "authorization",
            format!(
                "Basic credentials{} sent over http://{}",
                user.map(|u| format!(" for user {u}")).unwrap_or_default(),
                req.host
            ),
        ));
        break;
    }
    for (loc, field) in password_fields(req, scan) {
        out.push(hit(
            "posture.plaintext_credentials.password",
            cat::POSTURE_PLAINTEXT_CREDENTIALS,
            Severity::High,
            loc,
            field.clone(),
            format!("password field `{field}` sent over http://{}", req.host),
        ));
    }
}

fn weak_jwts(
    req: &Request,
    resp: Option<&Response>,
    body: Option<&str>,
    out: &mut Vec<PostureHit>,
) {
    // Tokens the client presented: a weakness only when the server accepted them (a rejected
    // unsigned token is an attack attempt, not the API's posture).
    let accepted = resp.is_none_or(|r| r.status < 400);
    let mut seen = 0usize;
    if accepted {
        for value in req.headers.get_all("authorization") {
            let v = value.trim();
            if let Some(tok) = v
                .get(..7)
                .filter(|s| s.eq_ignore_ascii_case("bearer "))
                .map(|_| v[7..].trim())
            {
                jwt_hits(tok, true, Location::Header, "authorization", &mut seen, out);
            }
        }
        for cookie in req.headers.get_all("cookie") {
            for part in cookie.split(';').take(64) {
                if let Some((k, v)) = part.split_once('=') {
                    jwt_hits(v.trim(), true, Location::Cookie, k.trim(), &mut seen, out);
                }
            }
        }
    }
    // Tokens the server issued.
    if let Some(r) = resp {
        for sc in r.headers.get_all("set-cookie").take(32) {
            let first = sc.split(';').next().unwrap_or("");
            if let Some((k, v)) = first.split_once('=') {
                jwt_hits(
                    v.trim(),
                    false,
                    Location::ResponseHeader,
                    &format!("set-cookie:{}", k.trim()),
                    &mut seen,
                    out,
                );
            }
        }
    }
    if let Some(text) = body {
        let mut prev = String::new();
        for tok in jwt::find_in_text(text, MAX_JWTS) {
            let start = tok.as_ptr() as usize - text.as_ptr() as usize;
            let field = json_key_before(text, start).unwrap_or_default();
            if field == prev && !field.is_empty() {
                continue;
            }
            jwt_hits(tok, false, Location::ResponseBody, &field, &mut seen, out);
            prev = field;
        }
    }
}

fn jwt_hits(
    token: &str,
    presented: bool,
    loc: Location,
    field: &str,
    seen: &mut usize,
    out: &mut Vec<PostureHit>,
) {
    if *seen >= MAX_JWTS || !token.starts_with("eyJ") {
        return;
    }
    *seen += 1;
    let Some(info) = jwt::parse(token) else {
        return;
    };
    let who = if presented {
        "accepted by the server"
    } else {
        "issued by the server"
    };
    if info.alg_none() {
        out.push(hit(
            "posture.weak_jwt.alg_none",
            cat::POSTURE_WEAK_JWT,
            if presented {
                Severity::Critical
            } else {
                Severity::High
            },
            loc,
            field,
            format!("unsigned JWT (alg none) {who}: {}", info.evidence()),
        ));
    }
    if !info.has_exp {
        out.push(hit(
            "posture.weak_jwt.no_exp",
            cat::POSTURE_WEAK_JWT,
            Severity::Medium,
            loc,
            field,
            format!(
                "JWT without expiry (no exp claim) {who}: {}",
                info.evidence()
            ),
        ));
    }
}

fn verbose_errors(r: &Response, text: &str, out: &mut Vec<PostureHit>) {
    let _ = r;
    for leak in errors::find(text) {
        let (rule, severity) = match (leak.kind, leak.tech) {
            (ErrorKind::StackTrace, "debugger") => {
                ("posture.verbose_error.debugger".to_string(), Severity::High)
            }
            (ErrorKind::StackTrace, t) => (
                format!("posture.verbose_error.stack_trace.{t}"),
                Severity::Medium,
            ),
            (ErrorKind::Database, t) => (
                format!("posture.verbose_error.database.{t}"),
                Severity::Medium,
            ),
        };
        out.push(hit(
            rule,
            cat::POSTURE_VERBOSE_ERROR,
            severity,
            Location::ResponseBody,
            "",
            leak.fragment,
        ));
    }
}

/// The registrable part of a host, roughly: the last two labels, three under common
/// second-level suffixes (`example.co.uk`, `example.com.cn`). Addresses stay whole.
fn site(host: &str) -> String {
    let h = host.trim_end_matches('.').to_ascii_lowercase();
    if h.parse::<std::net::IpAddr>().is_ok() || h.starts_with('[') {
        return h;
    }
    let labels: Vec<&str> = h.split('.').collect();
    let n = labels.len();
    if n <= 2 {
        return h;
    }
    let take = if labels[n - 1].len() == 2
        && matches!(
            labels[n - 2],
            "co" | "com" | "net" | "org" | "gov" | "edu" | "ac" | "or" | "ne" | "go"
        ) {
        3
    } else {
        2
    };
    labels[n.saturating_sub(take)..].join(".")
}

/// Host of an origin (`https://app.example.com:8443` → `app.example.com`).
fn origin_host(origin: &str) -> Option<&str> {
    let rest = origin.split_once("://")?.1;
    let rest = rest.split('/').next()?;
    if let Some(v6) = rest.strip_prefix('[') {
        return v6.split(']').next();
    }
    Some(rest.split(':').next().unwrap_or(rest))
}

fn cors(req: &Request, r: &Response, out: &mut Vec<PostureHit>) {
    let Some(acao) = r.headers.get("access-control-allow-origin").map(str::trim) else {
        return;
    };
    let creds = r
        .headers
        .get("access-control-allow-credentials")
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("true"));
    if !creds {
        return;
    }
    let field = "access-control-allow-origin";
    if acao == "*" {
        out.push(hit(
            "posture.cors.wildcard_credentials",
            cat::POSTURE_CORS,
            Severity::Medium,
            Location::ResponseHeader,
            field,
            "Access-Control-Allow-Origin: * with Access-Control-Allow-Credentials: true",
        ));
        return;
    }
    if acao.eq_ignore_ascii_case("null") {
        out.push(hit(
            "posture.cors.null_origin",
            cat::POSTURE_CORS,
            Severity::High,
            Location::ResponseHeader,
            field,
            "Access-Control-Allow-Origin: null with credentials (sandboxed pages and files get in)",
        ));
        return;
    }
    let Some(origin) = req.headers.get("origin").map(str::trim) else {
        return;
    };
    if !origin.eq_ignore_ascii_case(acao) {
        return;
    }
    let Some(ohost) = origin_host(origin) else {
        return;
    };
    if req.host.is_empty() || site(ohost) == site(&req.host) {
        return;
    }
    let shown: String = origin.chars().take(100).collect();
    out.push(hit(
        "posture.cors.reflected_origin",
        cat::POSTURE_CORS,
        Severity::High,
        Location::ResponseHeader,
        field,
        format!(
            "cross-site Origin {shown} reflected with credentials allowed for {}",
            req.host
        ),
    ));
}

fn components(p: &Posture, r: &Response, body: Option<&str>, out: &mut Vec<PostureHit>) {
    let mut seen: BTreeSet<String> = BTreeSet::new();
    let mut lower = String::new();
    for (name, value) in r.headers.iter() {
        lower.clear();
        lower.push_str(name);
        lower.make_ascii_lowercase();
        let value: String = value.chars().take(512).collect();
        for m in p.fingerprints.matches(Some(&lower), &value) {
            if seen.insert(m.entry.cve.clone()) {
                out.push(component_hit(&m, Location::ResponseHeader, &lower));
            }
        }
        if p.cfg.version_disclosure
            && DISCLOSURE_HEADERS.contains(&lower.as_str())
            && value.bytes().any(|b| b.is_ascii_digit())
        {
            out.push(hit(
                "posture.vulnerable_component.version_disclosure",
                cat::POSTURE_VULNERABLE_COMPONENT,
                Severity::Info,
                Location::ResponseHeader,
                lower.clone(),
                format!("{name}: {value}"),
            ));
        }
    }
    let media = r.media_type().unwrap_or_default();
    let texty = media.is_empty() || media.starts_with("text/") || media.contains("xml");
    if let Some(text) = body.filter(|_| texty) {
        for m in p.fingerprints.matches(None, text) {
            if seen.insert(m.entry.cve.clone()) {
                out.push(component_hit(&m, Location::ResponseBody, ""));
            }
        }
    }
}

fn component_hit(m: &super::ComponentMatch<'_>, loc: Location, field: &str) -> PostureHit {
    let e = m.entry;
    hit(
        format!(
            "posture.vulnerable_component.{}",
            e.cve.to_ascii_lowercase()
        ),
        cat::POSTURE_VULNERABLE_COMPONENT,
        e.severity,
        loc,
        field,
        format!(
            "`{}` reports {} {} — {} (affected {}): {}",
            m.disclosed,
            e.component,
            m.version,
            e.cve,
            e.versions
                .iter()
                .map(|r| r.as_str())
                .collect::<Vec<_>>()
                .join(" or "),
            e.summary
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sites() {
        assert_eq!(site("api.example.com"), "example.com");
        assert_eq!(site("www.shop.example.co.uk"), "example.co.uk");
        assert_eq!(site("10.0.0.1"), "10.0.0.1");
        assert_eq!(
            origin_host("https://app.example.com:8443"),
            Some("app.example.com")
        );
    }

    #[test]
    fn json_keys_before_values() {
        let t = r#"{"user":{"passwordHash": "$2b$10$x"}}"#;
        assert_eq!(
            json_key_before(t, t.find('$').unwrap()).as_deref(),
            Some("passwordHash")
        );
        assert_eq!(json_key_before("no key here $2b", 12), None);
    }

    #[test]
    fn password_keys() {
        for k in [
            "password",
            "Password",
            "new_password",
            "passwd",
            "pwd",
            "user-password",
        ] {
            assert!(is_password_key(k), "{k}");
        }
        for k in ["passport", "password_policy", "pass_count", "username"] {
            assert!(!is_password_key(k), "{k}");
        }
    }
}
