//! Weak JWTs (unsigned or without expiry) presented to or issued by the server.

use lampyr_core::{Request, Response};

use super::secrets::json_key_before;
use super::{hit, PostureHit, MAX_JWTS};
use crate::category as cat;
use crate::posture::jwt;
use crate::{Location, Severity};

pub(super) fn weak_jwts(
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
