//! Route phase: which route a request belongs to.
//!
//! Every (route, path) pair becomes one entry; entries are sorted once per snapshot by
//! specificity (exact path, then template, then longer prefixes; then routes that name hosts,
//! methods or headers; then spec order), and the first entry that matches wins. Lookup is a
//! linear scan over the sorted entries with cheap checks, which stays flat up to hundreds of
//! routes; an exact-path index short-cuts the common case.

use std::cmp::Reverse;
use std::collections::HashMap;
use std::sync::Arc;

use lampyr_spec::{PathMatch, SpecError};

use crate::snapshot::CompiledRoute;

/// Route lookup for one snapshot.
#[derive(Debug)]
pub struct Router {
    routes: Vec<Arc<CompiledRoute>>,
    entries: Vec<Entry>,
    /// Exact paths → indexes into `entries` (in specificity order).
    exact: HashMap<String, Vec<usize>>,
}

/// The outcome of routing one request.
#[derive(Debug, Clone)]
pub struct RouteMatch {
    /// The route.
    pub route: Arc<CompiledRoute>,
    /// Path to send upstream (the matched prefix removed when the route strips it).
    pub upstream_path: String,
}

#[derive(Debug)]
struct Entry {
    route: usize,
    pattern: Pattern,
    hosts: Vec<HostPattern>,
    methods: Vec<http::Method>,
    headers: Vec<(http::HeaderName, String)>,
}

#[derive(Debug, Clone)]
enum Pattern {
    Any,
    Exact(String),
    Prefix(String),
    Template(Vec<Segment>),
}

#[derive(Debug, Clone, PartialEq)]
enum Segment {
    Literal(String),
    Param,
}

#[derive(Debug, Clone)]
enum HostPattern {
    Exact(String),
    /// `*.example.com` stored as `.example.com`.
    Suffix(String),
}

impl Router {
    /// Compiles the routes' match rules; reports every malformed pattern.
    pub fn new(routes: Vec<Arc<CompiledRoute>>) -> Result<Router, Vec<SpecError>> {
        let mut errors = Vec::new();
        let mut entries = Vec::new();
        for (ri, r) in routes.iter().enumerate() {
            let at = format!("gateway.routes[{}]", r.index);
            let hosts = r
                .spec
                .hosts
                .iter()
                .map(|h| host_pattern(h))
                .collect::<Vec<_>>();
            let mut methods = Vec::new();
            for (i, m) in r.spec.methods.iter().enumerate() {
                match http::Method::from_bytes(m.to_ascii_uppercase().as_bytes()) {
                    Ok(m) => methods.push(m),
                    Err(_) => errors.push(SpecError {
                        at: format!("{at}.methods[{i}]"),
                        message: format!("`{m}` is not an HTTP method"),
                    }),
                }
            }
            let mut headers = Vec::new();
            for (name, value) in &r.spec.headers {
                match http::HeaderName::from_bytes(name.to_ascii_lowercase().as_bytes()) {
                    Ok(n) => headers.push((n, value.clone())),
                    Err(_) => errors.push(SpecError {
                        at: format!("{at}.headers.{name}"),
                        message: "not a valid header name".into(),
                    }),
                }
            }
            let patterns: Vec<Result<Pattern, String>> = if r.spec.paths.is_empty() {
                vec![Ok(Pattern::Any)]
            } else {
                r.spec
                    .paths
                    .iter()
                    .map(|p| compile_path(p, r.spec.path_match))
                    .collect()
            };
            for (i, p) in patterns.into_iter().enumerate() {
                match p {
                    Ok(pattern) => entries.push(Entry {
                        route: ri,
                        pattern,
                        hosts: hosts.clone(),
                        methods: methods.clone(),
                        headers: headers.clone(),
                    }),
                    Err(message) => errors.push(SpecError {
                        at: format!("{at}.paths[{i}]"),
                        message,
                    }),
                }
            }
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        entries.sort_by_key(|e| {
            let (kind, len) = match &e.pattern {
                Pattern::Exact(p) => (3, p.len()),
                Pattern::Template(s) => (2, s.len()),
                Pattern::Prefix(p) => (1, p.len()),
                Pattern::Any => (0, 0),
            };
            (
                Reverse(kind),
                Reverse(len),
                Reverse(!e.hosts.is_empty()),
                Reverse(!e.methods.is_empty()),
                Reverse(e.headers.len()),
                routes[e.route].index,
            )
        });
        let mut exact: HashMap<String, Vec<usize>> = HashMap::new();
        for (i, e) in entries.iter().enumerate() {
            if let Pattern::Exact(p) = &e.pattern {
                exact.entry(p.clone()).or_default().push(i);
            }
        }
        Ok(Router {
            routes,
            entries,
            exact,
        })
    }

    /// Every route, in spec order.
    pub fn routes(&self) -> &[Arc<CompiledRoute>] {
        &self.routes
    }

    /// The most specific route for a request. `host` may carry a port (ignored).
    pub fn route(
        &self,
        host: &str,
        method: &http::Method,
        path: &str,
        headers: &http::HeaderMap,
    ) -> Option<RouteMatch> {
        let host = strip_port(host);
        let check = |e: &Entry| -> bool {
            (e.hosts.is_empty() || e.hosts.iter().any(|h| h.matches(host)))
                && (e.methods.is_empty() || e.methods.contains(method))
                && e.headers
                    .iter()
                    .all(|(n, v)| headers.get(n).is_some_and(|x| x.as_bytes() == v.as_bytes()))
        };
        if let Some(ids) = self.exact.get(path) {
            if let Some(e) = ids.iter().map(|&i| &self.entries[i]).find(|e| check(e)) {
                return Some(self.matched(e, path));
            }
        }
        self.entries
            .iter()
            .filter(|e| !matches!(e.pattern, Pattern::Exact(_)))
            .find(|e| e.pattern.matches(path) && check(e))
            .map(|e| self.matched(e, path))
    }

    fn matched(&self, e: &Entry, path: &str) -> RouteMatch {
        let route = self.routes[e.route].clone();
        let upstream_path = match (&e.pattern, route.spec.strip_prefix) {
            (Pattern::Prefix(p), true) => {
                let rest = &path[p.trim_end_matches('/').len()..];
                if rest.starts_with('/') {
                    rest.to_string()
                } else {
                    format!("/{rest}")
                }
            }
            _ => path.to_string(),
        };
        RouteMatch {
            route,
            upstream_path,
        }
    }
}

impl Pattern {
    fn matches(&self, path: &str) -> bool {
        match self {
            Pattern::Any => true,
            Pattern::Exact(p) => path == p,
            Pattern::Prefix(p) => {
                let p = p.trim_end_matches('/');
                p.is_empty()
                    || (path.starts_with(p)
                        && matches!(path.as_bytes().get(p.len()), None | Some(b'/')))
            }
            Pattern::Template(segs) => {
                let mut parts = path.strip_prefix('/').unwrap_or(path).split('/');
                for s in segs {
                    match (s, parts.next()) {
                        (Segment::Literal(l), Some(x)) if l == x => {}
                        (Segment::Param, Some(x)) if !x.is_empty() => {}
                        _ => return false,
                    }
                }
                parts.next().is_none()
            }
        }
    }
}

impl HostPattern {
    fn matches(&self, host: &str) -> bool {
        match self {
            HostPattern::Exact(h) => host.eq_ignore_ascii_case(h),
            HostPattern::Suffix(s) => {
                host.len() > s.len()
                    && host.is_char_boundary(host.len() - s.len())
                    && host[host.len() - s.len()..].eq_ignore_ascii_case(s)
            }
        }
    }
}

fn host_pattern(h: &str) -> HostPattern {
    let h = h.trim().to_ascii_lowercase();
    match h.strip_prefix('*') {
        Some(rest) if rest.starts_with('.') => HostPattern::Suffix(rest.to_string()),
        _ => HostPattern::Exact(h),
    }
}

fn strip_port(host: &str) -> &str {
    if host.starts_with('[') {
        // `[v6]:port` → `[v6]`; an unclosed bracket is returned as is (it matches no route).
        return host.find(']').map_or(host, |end| &host[..=end]);
    }
    match host.rsplit_once(':') {
        Some((h, port)) if port.bytes().all(|b| b.is_ascii_digit()) => h,
        _ => host,
    }
}

fn compile_path(p: &str, how: PathMatch) -> Result<Pattern, String> {
    if !p.starts_with('/') {
        return Err(format!("path `{p}` must start with `/`"));
    }
    match how {
        PathMatch::Exact => Ok(Pattern::Exact(p.to_string())),
        PathMatch::Prefix => Ok(Pattern::Prefix(p.to_string())),
        PathMatch::Template => {
            let mut segs = Vec::new();
            for s in p[1..].split('/') {
                if s.starts_with('{') && s.ends_with('}') && s.len() > 2 {
                    segs.push(Segment::Param);
                } else if s.contains('{') || s.contains('}') {
                    return Err(format!(
                        "template `{p}`: a parameter must be a whole segment like `{{id}}`"
                    ));
                } else {
                    segs.push(Segment::Literal(s.to_string()));
                }
            }
            Ok(Pattern::Template(segs))
        }
    }
}

#[cfg(test)]
mod tests;
