//! CORS policies that let other sites read responses with the user's credentials.

use lampyr_core::{Request, Response};

use super::{hit, PostureHit};
use crate::category as cat;
use crate::{Location, Severity};

/// The registrable part of a host, roughly: the last two labels, three under common
/// second-level suffixes (`example.co.uk`, `example.com.cn`). Addresses stay whole.
pub(super) fn site(host: &str) -> String {
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
pub(super) fn origin_host(origin: &str) -> Option<&str> {
    let rest = origin.split_once("://")?.1;
    let rest = rest.split('/').next()?;
    if let Some(v6) = rest.strip_prefix('[') {
        return v6.split(']').next();
    }
    Some(rest.split(':').next().unwrap_or(rest))
}

pub(super) fn cors(req: &Request, r: &Response, out: &mut Vec<PostureHit>) {
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
