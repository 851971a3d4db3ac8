//! The per-exchange posture checks (module docs of [`crate::posture`]).

mod cors;
mod credentials;
mod secrets;
#[cfg(test)]
mod tests;
mod tokens;

use std::borrow::Cow;
use std::collections::BTreeSet;

use lampyr_classify::{ExchangeScan, Place, SensitiveType};
use lampyr_core::{Exchange, Response};

use super::errors::{self, ErrorKind};
use super::fingerprint::DISCLOSURE_HEADERS;
use super::{Posture, PostureHit};
use crate::category as cat;
use crate::{Location, Severity};
use cors::cors;
pub(super) use credentials::is_password_key;
use credentials::plaintext_credentials;
use secrets::{secrets_by_shape, secrets_from_scan};
use tokens::weak_jwts;

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
