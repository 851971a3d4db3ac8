//! Secrets a response hands out: password hashes, private keys and credential fields.

use std::sync::OnceLock;

use regex::Regex;

use lampyr_classify::{ExchangeScan, Place, SensitiveType};
use lampyr_core::{Exchange, Request};

use super::credentials::is_password_key;
use super::{hit, Posture, PostureHit, MAX_SAME_KIND};
use crate::category as cat;
use crate::{Location, Severity};

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

pub(super) fn secrets_from_scan(
    p: &Posture,
    ex: &Exchange,
    scan: &ExchangeScan,
    out: &mut Vec<PostureHit>,
) {
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
pub(super) fn secrets_by_shape(text: &str, out: &mut Vec<PostureHit>) {
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
pub(super) fn json_key_before(text: &str, pos: usize) -> Option<String> {
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
