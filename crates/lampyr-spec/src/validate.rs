//! Cross-checks of a [`GatewaySpec`]: every problem, with its key path.
//!
//! Serde has already checked shapes and unknown keys; this checks what a type cannot say:
//! unique names, references between sections, value ranges, and credential forms.

use std::collections::HashSet;
use std::fmt;

use crate::{AuthMethod, Balance, ClientAuth, CredentialKind, GatewaySpec, PathMatch};

/// One problem in a gateway spec.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpecError {
    /// Key path (`gateway.routes[2].upstream`).
    pub at: String,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for SpecError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.at, self.message)
    }
}

impl std::error::Error for SpecError {}

/// JWT algorithms the gateway verifies.
pub const JWT_ALGORITHMS: [&str; 12] = [
    "HS256", "HS384", "HS512", "RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256",
    "ES384", "EdDSA",
];

struct Errors<'a> {
    base: &'a str,
    list: Vec<SpecError>,
}

impl Errors<'_> {
    fn push(&mut self, at: impl fmt::Display, message: impl Into<String>) {
        self.list.push(SpecError {
            at: format!("{}.{at}", self.base),
            message: message.into(),
        });
    }

    fn unique<'n>(
        &mut self,
        section: &str,
        names: impl Iterator<Item = &'n str>,
    ) -> HashSet<&'n str> {
        let mut seen = HashSet::new();
        for (i, n) in names.enumerate() {
            if n.trim().is_empty() {
                self.push(format!("{section}[{i}].name"), "must not be empty");
            } else if !seen.insert(n) {
                self.push(
                    format!("{section}[{i}].name"),
                    format!("`{n}` is used twice"),
                );
            }
        }
        seen
    }
}

/// Checks names, references and values; returns every problem found (empty when valid).
/// `base` prefixes every key path (`gateway`).
pub fn validate(spec: &GatewaySpec, base: &str) -> Vec<SpecError> {
    let mut e = Errors {
        base,
        list: Vec::new(),
    };
    e.unique("listeners", spec.listeners.iter().map(|l| l.name.as_str()));
    let certs = e.unique(
        "certificates",
        spec.certificates.iter().map(|c| c.name.as_str()),
    );
    let upstreams = e.unique("upstreams", spec.upstreams.iter().map(|u| u.name.as_str()));
    e.unique("routes", spec.routes.iter().map(|r| r.name.as_str()));
    let consumers = e.unique("consumers", spec.consumers.iter().map(|c| c.name.as_str()));
    let policies = e.unique("policies", spec.policies.iter().map(|p| p.name.as_str()));
    let mut issuers = HashSet::new();
    for (i, j) in spec.jwt_issuers.iter().enumerate() {
        if !issuers.insert(j.issuer.as_str()) {
            e.push(
                format!("jwt_issuers[{i}].issuer"),
                format!("`{}` is listed twice", j.issuer),
            );
        }
    }

    let mut addresses = HashSet::new();
    for (i, l) in spec.listeners.iter().enumerate() {
        let at = format!("listeners[{i}]");
        if !is_host_port(&l.address) {
            e.push(
                format!("{at}.address"),
                format!("`{}` is not host:port", l.address),
            );
        } else if !l.address.ends_with(":0") && !addresses.insert(l.address.as_str()) {
            e.push(
                format!("{at}.address"),
                format!("`{}` is used by another listener", l.address),
            );
        }
        for (j, p) in l.trusted_proxies.iter().enumerate() {
            if crate::parse_trusted_proxy(p).is_none() {
                e.push(
                    format!("{at}.trusted_proxies[{j}]"),
                    format!("`{p}` is not an IP address or CIDR"),
                );
            }
        }
        if let Some(tls) = &l.tls {
            for (j, c) in tls.certificates.iter().enumerate() {
                if !certs.contains(c.as_str()) {
                    e.push(
                        format!("{at}.tls.certificates[{j}]"),
                        format!("no certificate named `{c}`"),
                    );
                }
            }
            if spec.certificates.is_empty() {
                e.push(
                    format!("{at}.tls"),
                    "TLS listener but no `certificates` are defined",
                );
            }
            if tls.client_auth != ClientAuth::Off && tls.client_ca.is_none() {
                e.push(
                    format!("{at}.tls.client_ca"),
                    "required when client_auth is optional or required",
                );
            }
        }
    }
    for (i, c) in spec.certificates.iter().enumerate() {
        if c.cert.trim().is_empty() {
            e.push(format!("certificates[{i}].cert"), "must name a PEM file");
        }
        if c.key.trim().is_empty() {
            e.push(format!("certificates[{i}].key"), "must name a PEM file");
        }
    }

    for (i, u) in spec.upstreams.iter().enumerate() {
        let at = format!("upstreams[{i}]");
        if u.targets.is_empty() {
            e.push(format!("{at}.targets"), "at least one target is needed");
        }
        for (j, t) in u.targets.iter().enumerate() {
            if !is_host_port(&t.address) {
                e.push(
                    format!("{at}.targets[{j}].address"),
                    format!("`{}` is not host:port", t.address),
                );
            }
            if t.weight == 0 || t.weight > 1000 {
                e.push(format!("{at}.targets[{j}].weight"), "must be 1–1000");
            }
        }
        if let Balance::ConsistentHash { key } = &u.balance {
            let ok = matches!(key.as_str(), "client_ip" | "consumer" | "path")
                || key.strip_prefix("header:").is_some_and(|h| !h.is_empty());
            if !ok {
                e.push(
                    format!("{at}.balance.key"),
                    format!("`{key}`: use client_ip, consumer, path or header:<name>"),
                );
            }
        }
        for (name, v) in [
            ("connect_timeout_ms", u.connect_timeout_ms),
            ("read_timeout_ms", u.read_timeout_ms),
            ("total_timeout_ms", u.total_timeout_ms),
        ] {
            if v == 0 || v > 3_600_000 {
                e.push(format!("{at}.{name}"), "must be 1–3600000");
            }
        }
        if u.retries > 10 {
            e.push(format!("{at}.retries"), "at most 10");
        }
        if let Some(h) = &u.health {
            if !h.path.starts_with('/') {
                e.push(format!("{at}.health.path"), "must start with `/`");
            }
            if h.interval_ms < 10 || h.timeout_ms == 0 {
                e.push(
                    format!("{at}.health"),
                    "interval_ms must be ≥ 10 and timeout_ms ≥ 1",
                );
            }
            if h.healthy_threshold == 0 || h.unhealthy_threshold == 0 {
                e.push(format!("{at}.health"), "thresholds must be ≥ 1");
            }
            if let Some(s) = h.expect_status.iter().find(|s| !(100..=599).contains(*s)) {
                e.push(
                    format!("{at}.health.expect_status"),
                    format!("{s} is not an HTTP status"),
                );
            }
        }
    }

    for (i, r) in spec.routes.iter().enumerate() {
        let at = format!("routes[{i}]");
        if !upstreams.contains(r.upstream.as_str()) {
            e.push(
                format!("{at}.upstream"),
                format!("no upstream named `{}`", r.upstream),
            );
        }
        for (j, p) in r.policies.iter().enumerate() {
            if !policies.contains(p.as_str()) {
                e.push(
                    format!("{at}.policies[{j}]"),
                    format!("no policy named `{p}`"),
                );
            }
        }
        for (j, c) in r.allow_consumers.iter().enumerate() {
            if !consumers.contains(c.as_str()) {
                e.push(
                    format!("{at}.allow_consumers[{j}]"),
                    format!("no consumer named `{c}`"),
                );
            }
        }
        if r.auth.is_empty()
            && (!r.allow_consumers.is_empty() || !r.allow_groups.is_empty() || !r.scopes.is_empty())
        {
            e.push(
                format!("{at}.auth"),
                "grants or scopes are set but the route accepts no authentication",
            );
        }
        if r.auth.contains(&AuthMethod::Jwt) && spec.jwt_issuers.is_empty() {
            e.push(
                format!("{at}.auth"),
                "accepts jwt but no jwt_issuers are defined",
            );
        }
        if r.strip_prefix && r.path_match != PathMatch::Prefix {
            e.push(
                format!("{at}.strip_prefix"),
                "only prefix routes can strip their prefix",
            );
        }
        for (j, l) in r.rate_limits.iter().enumerate() {
            if l.requests == 0 || l.per_secs == 0 {
                e.push(
                    format!("{at}.rate_limits[{j}]"),
                    "requests and per_secs must be ≥ 1",
                );
            }
            if l.burst == Some(0) {
                e.push(format!("{at}.rate_limits[{j}].burst"), "must be ≥ 1");
            }
        }
        if let Some(p) = r.inspect.paranoia {
            if !(1..=4).contains(&p) {
                e.push(format!("{at}.inspect.paranoia"), "must be 1–4");
            }
        }
        if let Some(m) = &r.mask {
            for (group, _) in m.clear_for_groups.iter().filter(|(g, _)| g.is_empty()) {
                e.push(
                    format!("{at}.mask.clear_for_groups"),
                    format!("empty group name `{group}`"),
                );
            }
            for c in m.clear_for_consumers.keys() {
                if !consumers.contains(c.as_str()) {
                    e.push(
                        format!("{at}.mask.clear_for_consumers.{c}"),
                        format!("no consumer named `{c}`"),
                    );
                }
            }
        }
    }

    for (i, c) in spec.consumers.iter().enumerate() {
        for (j, cred) in c.credentials.iter().enumerate() {
            let at = format!("consumers[{i}].credentials[{j}]");
            match &cred.kind {
                CredentialKind::ApiKey {
                    key_env,
                    key_file,
                    hash,
                    ..
                } => {
                    let n = [key_env.is_some(), key_file.is_some(), hash.is_some()]
                        .iter()
                        .filter(|x| **x)
                        .count();
                    if n != 1 {
                        e.push(
                            &at,
                            "an api_key needs exactly one of key_env, key_file or hash",
                        );
                    }
                }
                CredentialKind::Hmac {
                    access_key,
                    secret_env,
                    secret_file,
                    sealed_secret,
                } => {
                    if access_key.trim().is_empty() {
                        e.push(format!("{at}.access_key"), "must not be empty");
                    }
                    let n = [
                        secret_env.is_some(),
                        secret_file.is_some(),
                        sealed_secret.is_some(),
                    ]
                    .iter()
                    .filter(|x| **x)
                    .count();
                    if n != 1 {
                        e.push(&at, "an hmac credential needs exactly one of secret_env, secret_file or sealed_secret");
                    }
                }
                CredentialKind::Jwt { issuer, subject } => {
                    if !issuers.contains(issuer.as_str()) {
                        e.push(
                            format!("{at}.issuer"),
                            format!("no jwt_issuers entry for `{issuer}`"),
                        );
                    }
                    if subject.is_empty() {
                        e.push(format!("{at}.subject"), "must not be empty");
                    }
                }
                CredentialKind::Basic {
                    username,
                    password_hash,
                } => {
                    if username.is_empty() || username.contains(':') {
                        e.push(
                            format!("{at}.username"),
                            "must be non-empty and without `:`",
                        );
                    }
                    if !password_hash.starts_with("$argon2") {
                        e.push(
                            format!("{at}.password_hash"),
                            "must be an argon2 PHC string (`$argon2id$…`)",
                        );
                    }
                }
                CredentialKind::Mtls {
                    subject,
                    fingerprint,
                } => {
                    if subject.is_none() && fingerprint.is_none() {
                        e.push(&at, "an mtls credential needs a subject or a fingerprint");
                    }
                    if let Some(f) = fingerprint {
                        let hex: String = f.chars().filter(|c| *c != ':').collect();
                        if hex.len() != 64 || !hex.chars().all(|c| c.is_ascii_hexdigit()) {
                            e.push(
                                format!("{at}.fingerprint"),
                                "must be a SHA-256 fingerprint (64 hex digits)",
                            );
                        }
                    }
                }
            }
        }
    }

    for (i, p) in spec.policies.iter().enumerate() {
        let at = format!("policies[{i}]");
        if let Some(w) = &p.time_window {
            if parse_window(w).is_none() {
                e.push(
                    format!("{at}.time_window"),
                    format!("`{w}`: use HH:MM-HH:MM (UTC)"),
                );
            }
        }
        for (j, d) in p.days.iter().enumerate() {
            if day_index(d).is_none() {
                e.push(
                    format!("{at}.days[{j}]"),
                    format!("`{d}`: use mon, tue, wed, thu, fri, sat or sun"),
                );
            }
        }
        for (j, pre) in p.path_prefixes.iter().enumerate() {
            if !pre.starts_with('/') {
                e.push(format!("{at}.path_prefixes[{j}]"), "must start with `/`");
            }
        }
    }

    for (i, j) in spec.jwt_issuers.iter().enumerate() {
        let at = format!("jwt_issuers[{i}]");
        if j.jwks_url.is_none() && j.keys.is_empty() {
            e.push(at.clone(), "needs jwks_url or keys");
        }
        if let Some(u) = &j.jwks_url {
            if !(u.starts_with("https://") || u.starts_with("http://")) {
                e.push(format!("{at}.jwks_url"), "must be an http(s) URL");
            }
        }
        if j.algorithms.is_empty() {
            e.push(
                format!("{at}.algorithms"),
                "at least one algorithm is needed",
            );
        }
        for (k, a) in j.algorithms.iter().enumerate() {
            if !JWT_ALGORITHMS.contains(&a.as_str()) {
                e.push(
                    format!("{at}.algorithms[{k}]"),
                    format!("`{a}` is not supported (never `none`)"),
                );
            }
        }
        for (k, key) in j.keys.iter().enumerate() {
            let kat = format!("{at}.keys[{k}]");
            if !JWT_ALGORITHMS.contains(&key.alg.as_str()) {
                e.push(
                    format!("{kat}.alg"),
                    format!("`{}` is not supported", key.alg),
                );
            } else if key.alg.starts_with("HS") != key.secret_env.is_some()
                || key.pem_file.is_some() == key.secret_env.is_some()
            {
                e.push(
                    kat,
                    "HS* keys need secret_env; other algorithms need pem_file",
                );
            }
        }
    }

    let l = &spec.limits;
    for (name, v) in [
        ("max_header_bytes", l.max_header_bytes as u64),
        ("max_headers", l.max_headers as u64),
        ("max_request_body", l.max_request_body as u64),
        ("header_timeout_ms", l.header_timeout_ms),
        ("body_timeout_ms", l.body_timeout_ms),
        ("idle_timeout_ms", l.idle_timeout_ms),
        ("max_connections", l.max_connections as u64),
    ] {
        if v == 0 {
            e.push(format!("limits.{name}"), "must be ≥ 1");
        }
    }
    if spec.mirror.enabled && spec.mirror.capacity == 0 {
        e.push("mirror.capacity", "must be ≥ 1");
    }
    e.list
}

/// `host:port` with a numeric port (IPv6 hosts in brackets).
fn is_host_port(s: &str) -> bool {
    match s.rsplit_once(':') {
        Some((host, port)) => !host.is_empty() && port.parse::<u16>().is_ok(),
        None => false,
    }
}

/// Parses `HH:MM-HH:MM` into minutes after midnight.
pub fn parse_window(w: &str) -> Option<(u16, u16)> {
    let (a, b) = w.split_once('-')?;
    Some((parse_hm(a.trim())?, parse_hm(b.trim())?))
}

fn parse_hm(s: &str) -> Option<u16> {
    let (h, m) = s.split_once(':')?;
    let (h, m): (u16, u16) = (h.parse().ok()?, m.parse().ok()?);
    (h < 24 && m < 60 && s.len() == 5).then_some(h * 60 + m)
}

/// `mon` → 0 … `sun` → 6.
pub fn day_index(d: &str) -> Option<u8> {
    ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
        .iter()
        .position(|x| x.eq_ignore_ascii_case(d))
        .map(|i| i as u8)
}

#[cfg(test)]
mod tests;
