//! Authorise phase: grants, scopes and policies.
//!
//! A route that requires authentication admits only the consumers and groups it names (least
//! privilege: naming none admits no one), and only callers holding every scope it lists.
//! Policies (network, time window, method, path) apply to every route, public or not.

use std::net::IpAddr;
use std::sync::Arc;

use http::{HeaderValue, StatusCode};
use ipnet::IpNet;
use lampyr_spec::{PolicySpec, RouteSpec};

use crate::auth::Identity;
use crate::filters::Refusal;
use crate::snapshot::CompiledRoute;

#[cfg(test)]
pub(crate) mod tests;

const MINUTES_PER_DAY: u16 = 24 * 60;

/// A compiled policy: parsed once per snapshot so the per-request check does no parsing.
#[derive(Debug, Clone)]
pub struct Policy {
    name: String,
    allow: Vec<IpNet>,
    deny: Vec<IpNet>,
    /// Minutes since UTC midnight, `[start, end)`; wraps midnight when `start > end`.
    window: Option<(u16, u16)>,
    /// Bit `d` set = weekday `d` (0 = Monday) admitted; all bits when no days were given.
    days: u8,
    methods: Vec<String>,
    prefixes: Vec<String>,
}

impl Policy {
    /// Compiles a policy spec; the error names the field and the bad value.
    pub fn compile(spec: &PolicySpec) -> Result<Policy, String> {
        let window = spec.time_window.as_deref().map(parse_window).transpose()?;
        let mut days = 0u8;
        for d in &spec.days {
            days |= 1 << parse_day(d)?;
        }
        if spec.days.is_empty() {
            days = 0x7f;
        }
        let mut methods = Vec::with_capacity(spec.methods.len());
        for m in &spec.methods {
            if m.is_empty() || !m.bytes().all(|b| b.is_ascii_alphabetic() || b == b'-') {
                return Err(format!("methods: `{m}` is not an HTTP method"));
            }
            methods.push(m.to_ascii_uppercase());
        }
        for p in &spec.path_prefixes {
            if !p.starts_with('/') {
                return Err(format!("path_prefixes: `{p}` must start with `/`"));
            }
        }
        Ok(Policy {
            name: spec.name.clone(),
            allow: spec.allow_cidrs.iter().map(IpNet::trunc).collect(),
            deny: spec.deny_cidrs.iter().map(IpNet::trunc).collect(),
            window,
            days,
            methods,
            prefixes: spec.path_prefixes.clone(),
        })
    }

    /// The policy's name, for logs.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Whether every condition of the policy holds for this request.
    pub fn admits(&self, client: IpAddr, method: &http::Method, path: &str, now_unix: i64) -> bool {
        let ip = client.to_canonical();
        if !self.allow.is_empty() && !self.allow.iter().any(|n| n.contains(&ip)) {
            return false;
        }
        if self.deny.iter().any(|n| n.contains(&ip)) {
            return false;
        }
        if !self.time_admits(now_unix) {
            return false;
        }
        if !self.methods.is_empty()
            && !self
                .methods
                .iter()
                .any(|m| m.eq_ignore_ascii_case(method.as_str()))
        {
            return false;
        }
        if !self.prefixes.is_empty() {
            // A dot segment could climb out of an admitted prefix once the upstream
            // normalises the path: refuse rather than guess.
            if has_dot_segment(path) {
                return false;
            }
            if !self.prefixes.iter().any(|p| prefix_matches(p, path)) {
                return false;
            }
        }
        true
    }

    /// Time window and days. The part of a midnight-wrapping window after midnight belongs to
    /// the day it started on (`fri` + `22:00-02:00` admits Saturday 01:00).
    fn time_admits(&self, now_unix: i64) -> bool {
        let day_index = now_unix.div_euclid(86_400);
        // 1970-01-01 was a Thursday (index 3 with Monday = 0).
        let weekday = (day_index + 3).rem_euclid(7) as u8;
        let minute = (now_unix.rem_euclid(86_400) / 60) as u16;
        let day_ok = |d: u8| self.days & (1 << d) != 0;
        match self.window {
            None => day_ok(weekday),
            Some((start, end)) if start < end => minute >= start && minute < end && day_ok(weekday),
            Some((start, end)) => {
                if minute >= start {
                    day_ok(weekday)
                } else if minute < end {
                    day_ok((weekday + 6) % 7)
                } else {
                    false
                }
            }
        }
    }
}

fn parse_window(s: &str) -> Result<(u16, u16), String> {
    let bad = || format!("time_window: `{s}` is not `HH:MM-HH:MM` (UTC, 00:00 to 24:00)");
    let (a, b) = s.trim().split_once('-').ok_or_else(bad)?;
    let start = parse_hhmm(a.trim()).ok_or_else(bad)?;
    let end = parse_hhmm(b.trim()).ok_or_else(bad)?;
    if start == MINUTES_PER_DAY {
        return Err(bad());
    }
    if start == end {
        return Err(format!(
            "time_window: `{s}` is empty (start equals end); omit time_window to admit all day"
        ));
    }
    Ok((start, end))
}

fn parse_hhmm(s: &str) -> Option<u16> {
    let (h, m) = s.split_once(':')?;
    if h.len() != 2 || m.len() != 2 {
        return None;
    }
    let h: u16 = h.parse().ok()?;
    let m: u16 = m.parse().ok()?;
    match (h, m) {
        (0..=23, 0..=59) => Some(h * 60 + m),
        (24, 0) => Some(MINUTES_PER_DAY),
        _ => None,
    }
}

fn parse_day(s: &str) -> Result<u8, String> {
    let day = match s.trim().to_ascii_lowercase().as_str() {
        "mon" | "monday" => 0,
        "tue" | "tuesday" => 1,
        "wed" | "wednesday" => 2,
        "thu" | "thursday" => 3,
        "fri" | "friday" => 4,
        "sat" | "saturday" => 5,
        "sun" | "sunday" => 6,
        _ => {
            return Err(format!(
                "days: `{s}` is not a day (mon, tue, wed, thu, fri, sat, sun)"
            ))
        }
    };
    Ok(day)
}

/// Prefix match at a segment boundary: `/api` admits `/api` and `/api/x`, not `/apix`.
fn prefix_matches(prefix: &str, path: &str) -> bool {
    match path.strip_prefix(prefix) {
        Some(rest) => prefix.ends_with('/') || rest.is_empty() || rest.starts_with(['/', '?']),
        None => false,
    }
}

/// `.` or `..` segments, raw or percent-encoded, or an encoded slash or backslash.
fn has_dot_segment(path: &str) -> bool {
    let path = path.split('?').next().unwrap_or(path);
    let lower = path.to_ascii_lowercase();
    if lower.contains("%2f") || lower.contains("%5c") || lower.contains('\\') {
        return true;
    }
    lower
        .split('/')
        .any(|seg| matches!(seg.replace("%2e", ".").as_str(), "." | ".."))
}

/// Decides whether the caller may use the route. Routes that require authentication admit
/// only the consumers and groups they name, holding every scope they list; public routes
/// skip grants and scopes. Every policy of the route must admit the request.
pub fn authorize(
    route: &CompiledRoute,
    identity: Option<&Identity>,
    client: IpAddr,
    method: &http::Method,
    path: &str,
    now_unix: i64,
) -> Result<(), Refusal> {
    authorize_spec(
        &route.spec,
        &route.policies,
        identity,
        client,
        method,
        path,
        now_unix,
    )
}

/// [`authorize`] on the parts of a compiled route it reads.
pub fn authorize_spec(
    spec: &RouteSpec,
    policies: &[Arc<Policy>],
    identity: Option<&Identity>,
    client: IpAddr,
    method: &http::Method,
    path: &str,
    now_unix: i64,
) -> Result<(), Refusal> {
    if !spec.auth.is_empty() {
        let Some(id) = identity else {
            // The authenticate phase answers 401 first; this only guards against misuse.
            return Err(Refusal::new(
                StatusCode::UNAUTHORIZED,
                "unauthorized",
                "authentication required",
            ));
        };
        let consumer = &id.consumer;
        let granted = spec.allow_consumers.iter().any(|c| *c == consumer.name)
            || consumer
                .groups
                .iter()
                .any(|g| spec.allow_groups.iter().any(|a| a == g));
        if !granted {
            return Err(Refusal::new(
                StatusCode::FORBIDDEN,
                "forbidden",
                "this consumer is not granted access to this route",
            ));
        }
        let missing: Vec<&str> = spec
            .scopes
            .iter()
            .filter(|s| !id.scopes.iter().any(|h| h == *s))
            .map(String::as_str)
            .collect();
        if !missing.is_empty() {
            let mut r = Refusal::new(
                StatusCode::FORBIDDEN,
                "insufficient_scope",
                format!("missing scope: {}", missing.join(" ")),
            );
            // RFC 6750 §3.1: name the scopes the resource needs.
            let challenge = format!(
                "Bearer error=\"insufficient_scope\", scope=\"{}\"",
                spec.scopes.join(" ")
            );
            if let Ok(v) = HeaderValue::from_str(&challenge) {
                r.headers.push((http::header::WWW_AUTHENTICATE, v));
            }
            return Err(r);
        }
    }
    if policies
        .iter()
        .any(|p| !p.admits(client, method, path, now_unix))
    {
        return Err(Refusal::new(
            StatusCode::FORBIDDEN,
            "policy",
            "request not allowed by policy",
        ));
    }
    Ok(())
}
