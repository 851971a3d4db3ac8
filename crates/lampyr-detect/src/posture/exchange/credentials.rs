//! Passwords and Basic credentials sent over plain http.

use std::borrow::Cow;
use std::collections::BTreeSet;
use std::sync::OnceLock;

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use regex::Regex;

use lampyr_classify::mask::{mask_value, MaskStrategy};
use lampyr_classify::{ExchangeScan, Place, SensitiveType};
use lampyr_core::Request;

use super::{hit, path_field, PostureHit, MAX_REQUEST_SCAN, MAX_SAME_KIND};
use crate::category as cat;
use crate::{Location, Severity};

fn is_loopback_host(host: &str) -> bool {
    let h = host.trim_start_matches('[').trim_end_matches(']');
    h == "localhost"
        || h.ends_with(".localhost")
        || h == "::1"
        || h.parse::<std::net::Ipv4Addr>()
            .is_ok_and(|a| a.is_loopback())
}

/// Field names that carry a password.
pub(in crate::posture) fn is_password_key(key: &str) -> bool {
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

pub(super) fn plaintext_credentials(
    req: &Request,
    scan: Option<&ExchangeScan>,
    out: &mut Vec<PostureHit>,
) {
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
