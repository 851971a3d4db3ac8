//! Imported API specifications: the documented operations of an OpenAPI 3.x or Swagger 2.0
//! document, and matching discovered endpoints against them.
//!
//! An endpoint seen in traffic that no imported operation describes is *shadow*
//! (undocumented); an operation no endpoint matches is a *zombie* candidate (documented,
//! never seen). Discovery names parameters after the literal before them (`{userId}`) while
//! a spec names them freely (`{id}`), so matching compares segment *shapes*: literal text
//! must be equal, a parameter matches a parameter with the same fixed text around it, and a
//! concrete (literal) discovered segment also fits a documented parameter. Server URLs
//! (`servers[]`, Swagger's `host` + `basePath`) give the host and a path prefix.
//!
//! The input is an untrusted `serde_json::Value` (YAML is converted by the caller). Work is
//! bounded by [`SpecLimits`], and every refusal names the place in the document.

use std::collections::HashMap;

use serde::Serialize;
use serde_json::{Map, Value};

/// Why a document is not a usable API specification.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SpecImportError {
    /// Neither `openapi: 3.x` nor `swagger: "2.0"`.
    #[error("not an OpenAPI 3.x or Swagger 2.0 document: {0}")]
    NotASpec(String),
    /// A field has the wrong type or value.
    #[error("{at}: {message}")]
    Invalid {
        /// JSON-pointer-like location (`paths./users/{id}.get`).
        at: String,
        /// What is wrong.
        message: String,
    },
    /// A bound of [`SpecLimits`] was exceeded.
    #[error("{what}: more than {limit} (the import limit)")]
    TooLarge {
        /// What there is too much of.
        what: String,
        /// The bound.
        limit: usize,
    },
    /// The document describes no HTTP operation at all.
    #[error("the document describes no operations (no `paths` with get/put/post/... entries)")]
    NoOperations,
}

/// Bounds on one import, so a hostile document costs bounded time and memory.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SpecLimits {
    /// Most entries in `paths`.
    pub max_paths: usize,
    /// Most operations (method × path) in the document.
    pub max_operations: usize,
    /// Most server URLs that apply to one operation.
    pub max_servers: usize,
    /// Longest path key or server URL, in bytes.
    pub max_path_len: usize,
    /// Most segments in a path (prefix included).
    pub max_segments: usize,
    /// Most warnings kept (further ones are counted, not kept).
    pub max_warnings: usize,
}

impl Default for SpecLimits {
    fn default() -> Self {
        Self {
            max_paths: 10_000,
            max_operations: 20_000,
            max_servers: 16,
            max_path_len: 2048,
            max_segments: 64,
            max_warnings: 20,
        }
    }
}

/// Which family the document belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum SpecFormat {
    /// OpenAPI 3.0, 3.1 or later 3.x.
    #[serde(rename = "openapi3")]
    OpenApi3,
    /// Swagger 2.0.
    #[serde(rename = "swagger2")]
    Swagger2,
}

/// One segment shape: fixed text, or fixed pieces around parameters (`{a}.json` is
/// `["", ".json"]`, `v{major}` is `["v", ""]`); parameter names are erased.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Shape {
    Literal(String),
    Pattern(Vec<String>),
}

/// Where an operation is served: a host (or any host) and a path prefix.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ServerBase {
    /// Lower-case host without port; `None` = any host (relative server URL or no host).
    /// May hold `{var}` when a server variable has no default.
    pub host: Option<String>,
    /// Path prefix (`/v1`), empty for none.
    pub prefix: String,
    #[serde(skip)]
    host_shape: Option<Vec<String>>,
    #[serde(skip)]
    prefix_shape: Vec<Shape>,
}

/// One documented operation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SpecOperation {
    /// Upper-case method.
    pub method: String,
    /// The path as written in the spec (`/users/{id}`), without the server prefix.
    pub path: String,
    /// `operationId`, when given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub operation_id: Option<String>,
    /// Servers it is reachable at (never empty: no server means any host, no prefix).
    pub servers: Vec<ServerBase>,
    #[serde(skip)]
    shape: Vec<Shape>,
}

impl SpecOperation {
    /// Full path templates with their host (`None` = any), one per server.
    pub fn templates(&self) -> Vec<(Option<&str>, String)> {
        self.servers
            .iter()
            .map(|s| (s.host.as_deref(), join_path(&s.prefix, &self.path)))
            .collect()
    }
}

/// A parsed specification.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ApiSpec {
    /// OpenAPI 3 or Swagger 2.
    pub format: SpecFormat,
    /// `info.title` (empty when absent).
    pub title: String,
    /// `info.version` (empty when absent).
    pub version: String,
    /// Documented operations, in the order the JSON map keeps `paths` (methods in the
    /// order get, put, post, delete, options, head, patch, trace).
    pub operations: Vec<SpecOperation>,
    /// Parts skipped (external `$ref`s, odd keys), at most [`SpecLimits::max_warnings`].
    pub warnings: Vec<String>,
}

/// Parses a document with the default [`SpecLimits`].
pub fn parse(doc: &Value) -> Result<ApiSpec, SpecImportError> {
    parse_with(doc, &SpecLimits::default())
}

const METHODS: &[&str] = &[
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

fn invalid(at: impl Into<String>, message: impl Into<String>) -> SpecImportError {
    SpecImportError::Invalid {
        at: at.into(),
        message: message.into(),
    }
}

/// At most 80 characters of untrusted text, for messages.
fn clip(s: &str) -> String {
    if s.len() <= 80 {
        return s.to_string();
    }
    let mut end = 80;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &s[..end])
}

struct Warnings<'a> {
    limits: &'a SpecLimits,
    list: Vec<String>,
    more: usize,
}

impl Warnings<'_> {
    fn push(&mut self, w: String) {
        if self.list.len() < self.limits.max_warnings {
            self.list.push(w);
        } else {
            self.more += 1;
        }
    }
}

/// Parses a document with explicit bounds.
pub fn parse_with(doc: &Value, limits: &SpecLimits) -> Result<ApiSpec, SpecImportError> {
    let root = doc.as_object().ok_or_else(|| {
        SpecImportError::NotASpec("the document must be a JSON or YAML object".into())
    })?;
    let format = detect(root)?;
    let info = root.get("info").and_then(Value::as_object);
    let text = |k: &str| {
        info.and_then(|i| i.get(k))
            .map(|v| match v {
                Value::String(s) => clip(s),
                other => clip(&other.to_string()),
            })
            .unwrap_or_default()
    };
    let mut warnings = Warnings {
        limits,
        list: Vec::new(),
        more: 0,
    };
    let top_servers = match format {
        SpecFormat::OpenApi3 => servers(root.get("servers"), "servers", limits)?,
        SpecFormat::Swagger2 => swagger_base(root, limits)?,
    };
    let paths = match root.get("paths") {
        None | Some(Value::Null) => return Err(SpecImportError::NoOperations),
        Some(Value::Object(p)) => p,
        Some(_) => return Err(invalid("paths", "must be an object")),
    };
    if paths.len() > limits.max_paths {
        return Err(SpecImportError::TooLarge {
            what: "paths".into(),
            limit: limits.max_paths,
        });
    }
    let mut operations = Vec::new();
    for (path, item) in paths {
        if path.starts_with("x-") {
            continue;
        }
        let at = format!("paths.{}", clip(path));
        if !path.starts_with('/') {
            return Err(invalid(at, "a path must start with '/'"));
        }
        if path.len() > limits.max_path_len {
            return Err(SpecImportError::TooLarge {
                what: format!("length of path {}", clip(path)),
                limit: limits.max_path_len,
            });
        }
        let Some(item) = resolve_item(doc, item, &at, &mut warnings)? else {
            continue;
        };
        let path_servers = match format {
            SpecFormat::OpenApi3 => servers(item.get("servers"), &format!("{at}.servers"), limits)?,
            SpecFormat::Swagger2 => Vec::new(),
        };
        // A query string in a path key is not OpenAPI, but some generators write one.
        let bare = path.split('?').next().unwrap_or(path);
        let shape = shape_of(bare);
        for method in METHODS {
            let Some(op) = item.get(*method) else {
                continue;
            };
            let op_at = format!("{at}.{method}");
            let op = op
                .as_object()
                .ok_or_else(|| invalid(op_at.as_str(), "an operation must be an object"))?;
            if operations.len() >= limits.max_operations {
                return Err(SpecImportError::TooLarge {
                    what: "operations".into(),
                    limit: limits.max_operations,
                });
            }
            let op_servers = match format {
                SpecFormat::OpenApi3 => {
                    servers(op.get("servers"), &format!("{op_at}.servers"), limits)?
                }
                SpecFormat::Swagger2 => Vec::new(),
            };
            let servers = [op_servers, path_servers.clone(), top_servers.clone()]
                .into_iter()
                .find(|s| !s.is_empty())
                .unwrap_or_else(|| vec![any_server()]);
            for s in &servers {
                if s.prefix_shape.len() + shape.len() > limits.max_segments {
                    return Err(SpecImportError::TooLarge {
                        what: format!("segments of {op_at}"),
                        limit: limits.max_segments,
                    });
                }
            }
            let operation_id = match op.get("operationId") {
                Some(Value::String(s)) => Some(clip(s)),
                _ => None,
            };
            operations.push(SpecOperation {
                method: method.to_ascii_uppercase(),
                path: bare.to_string(),
                operation_id,
                servers,
                shape: shape.clone(),
            });
        }
    }
    if operations.is_empty() {
        return Err(SpecImportError::NoOperations);
    }
    let mut list = warnings.list;
    if warnings.more > 0 {
        list.push(format!("… and {} more", warnings.more));
    }
    Ok(ApiSpec {
        format,
        title: text("title"),
        version: text("version"),
        operations,
        warnings: list,
    })
}

fn detect(root: &Map<String, Value>) -> Result<SpecFormat, SpecImportError> {
    match (root.get("openapi"), root.get("swagger")) {
        (Some(Value::String(v)), _) if v.starts_with("3.") => Ok(SpecFormat::OpenApi3),
        (Some(v), _) => Err(SpecImportError::NotASpec(format!(
            "`openapi` is {}, this importer reads 3.x",
            clip(&v.to_string())
        ))),
        (None, Some(Value::String(v))) if v == "2.0" => Ok(SpecFormat::Swagger2),
        (None, Some(v)) => Err(SpecImportError::NotASpec(format!(
            "`swagger` is {}, this importer reads \"2.0\"",
            clip(&v.to_string())
        ))),
        (None, None) => Err(SpecImportError::NotASpec(
            "no `openapi: 3.x` or `swagger: \"2.0\"` field".into(),
        )),
    }
}

/// A path item, following one local `$ref` (`#/...`); external references are skipped
/// with a warning.
fn resolve_item<'a>(
    doc: &'a Value,
    item: &'a Value,
    at: &str,
    warnings: &mut Warnings<'_>,
) -> Result<Option<&'a Map<String, Value>>, SpecImportError> {
    let obj = item
        .as_object()
        .ok_or_else(|| invalid(at, "a path item must be an object"))?;
    let Some(r) = obj.get("$ref") else {
        return Ok(Some(obj));
    };
    // One level only: a target that is itself a reference is not followed (no chains, no
    // cycles).
    let target = r
        .as_str()
        .and_then(|r| r.strip_prefix('#'))
        .and_then(|ptr| doc.pointer(ptr))
        .and_then(Value::as_object);
    match target {
        Some(t) if !t.contains_key("$ref") => Ok(Some(t)),
        _ => {
            warnings.push(format!(
                "{at}: $ref {} not resolved (only local references are read); skipped",
                clip(&r.to_string())
            ));
            Ok(None)
        }
    }
}

fn any_server() -> ServerBase {
    ServerBase {
        host: None,
        prefix: String::new(),
        host_shape: None,
        prefix_shape: Vec::new(),
    }
}

/// OpenAPI 3 `servers`: each URL with its variables' defaults substituted.
fn servers(
    v: Option<&Value>,
    at: &str,
    limits: &SpecLimits,
) -> Result<Vec<ServerBase>, SpecImportError> {
    let list = match v {
        None | Some(Value::Null) => return Ok(Vec::new()),
        Some(Value::Array(a)) => a,
        Some(_) => return Err(invalid(at, "must be an array")),
    };
    if list.len() > limits.max_servers {
        return Err(SpecImportError::TooLarge {
            what: format!("entries in {at}"),
            limit: limits.max_servers,
        });
    }
    let mut out: Vec<ServerBase> = Vec::new();
    for (i, s) in list.iter().enumerate() {
        let s_at = format!("{at}[{i}]");
        let url = s
            .get("url")
            .and_then(Value::as_str)
            .ok_or_else(|| invalid(s_at.as_str(), "a server needs a string `url`"))?;
        if url.len() > limits.max_path_len {
            return Err(SpecImportError::TooLarge {
                what: format!("length of {s_at}.url"),
                limit: limits.max_path_len,
            });
        }
        let mut url = url.to_string();
        if let Some(vars) = s.get("variables").and_then(Value::as_object) {
            for (name, var) in vars {
                if let Some(d) = var.get("default").and_then(Value::as_str) {
                    url = url.replace(&format!("{{{name}}}"), d);
                    if url.len() > limits.max_path_len {
                        return Err(SpecImportError::TooLarge {
                            what: format!("length of {s_at}.url with its variables"),
                            limit: limits.max_path_len,
                        });
                    }
                }
            }
        }
        let base = server_from_url(&url);
        if !out.contains(&base) {
            out.push(base);
        }
    }
    Ok(out)
}

/// Swagger 2 `host` + `basePath`.
fn swagger_base(
    root: &Map<String, Value>,
    limits: &SpecLimits,
) -> Result<Vec<ServerBase>, SpecImportError> {
    let host = match root.get("host") {
        None | Some(Value::Null) => None,
        Some(Value::String(h)) => Some(h.as_str()),
        Some(_) => return Err(invalid("host", "must be a string")),
    };
    let base = match root.get("basePath") {
        None | Some(Value::Null) => "",
        Some(Value::String(b)) => b.as_str(),
        Some(_) => return Err(invalid("basePath", "must be a string")),
    };
    if host.map_or(0, str::len) + base.len() > limits.max_path_len {
        return Err(SpecImportError::TooLarge {
            what: "length of host + basePath".into(),
            limit: limits.max_path_len,
        });
    }
    let url = match host {
        Some(h) => format!("//{h}/{}", base.trim_start_matches('/')),
        None => base.to_string(),
    };
    Ok(vec![server_from_url(&url)])
}

/// Host (lower case, no port, no brackets) and path prefix of a server URL.
fn server_from_url(url: &str) -> ServerBase {
    let rest = if let Some(i) = url.find("://") {
        Some(&url[i + 3..])
    } else {
        url.strip_prefix("//")
    };
    let (host, path) = match rest {
        Some(r) => {
            let end = r.find(['/', '?', '#']).unwrap_or(r.len());
            let authority = &r[..end];
            let authority = authority.rsplit('@').next().unwrap_or(authority);
            let h = bare_host(authority);
            (if h.is_empty() { None } else { Some(h) }, &r[end..])
        }
        None => (None, url),
    };
    let path = path.split(['?', '#']).next().unwrap_or("");
    let prefix_shape = shape_of(path);
    let prefix = if prefix_shape.is_empty() {
        String::new()
    } else {
        format!("/{}", path.trim_matches('/'))
    };
    ServerBase {
        host_shape: host
            .as_deref()
            .map(|h| pieces(h).unwrap_or_else(|| vec![h.to_string()])),
        host,
        prefix,
        prefix_shape,
    }
}

/// `Host:port`, `[v6]:port` → lower-case host without port or brackets.
fn bare_host(authority: &str) -> String {
    let h = if let Some(v6) = authority.strip_prefix('[') {
        v6.split(']').next().unwrap_or(v6)
    } else {
        match authority.rsplit_once(':') {
            // A port is digits (or a `{port}` variable left unresolved).
            Some((h, p)) if p.bytes().all(|b| b.is_ascii_digit()) || p.starts_with('{') => h,
            _ => authority,
        }
    };
    h.to_ascii_lowercase()
}

/// Fixed pieces around `{...}` groups, or `None` when there is no group.
fn pieces(seg: &str) -> Option<Vec<String>> {
    if !seg.contains('{') {
        return None;
    }
    let mut out = Vec::new();
    let mut rest = seg;
    loop {
        match rest.find('{') {
            Some(open) => match rest[open..].find('}') {
                Some(close) => {
                    out.push(rest[..open].to_string());
                    rest = &rest[open + close + 1..];
                }
                None => {
                    // An unclosed brace is text.
                    if let Some(last) = out.last_mut() {
                        last.push_str(rest);
                    } else {
                        return None;
                    }
                    return Some(out);
                }
            },
            None => {
                out.push(rest.to_string());
                return Some(out);
            }
        }
    }
}

fn shape_of(path: &str) -> Vec<Shape> {
    path.split('/')
        .filter(|s| !s.is_empty())
        .map(|s| match pieces(s) {
            Some(p) => Shape::Pattern(p),
            None => Shape::Literal(s.to_string()),
        })
        .collect()
}

fn join_path(prefix: &str, path: &str) -> String {
    let joined = format!(
        "{}/{}",
        prefix.trim_end_matches('/'),
        path.trim_start_matches('/')
    );
    if joined.len() > 1 {
        joined.trim_end_matches('/').to_string()
    } else {
        joined
    }
}

/// True when `text` is `pieces[0] X pieces[1] Y ... pieces[n]` with every parameter
/// non-empty. Greedy from the left with backtracking bounded by the piece count.
fn glob(pieces: &[String], text: &str) -> bool {
    let Some((first, rest)) = pieces.split_first() else {
        return text.is_empty();
    };
    let Some(mut t) = text.strip_prefix(first.as_str()) else {
        return false;
    };
    let Some((last, middle)) = rest.split_last() else {
        return t.is_empty();
    };
    if !t.ends_with(last.as_str()) || t.len() < last.len() {
        return false;
    }
    t = &t[..t.len() - last.len()];
    // Each middle piece must appear after at least one character of parameter; the
    // leftmost such occurrence is always safe (it leaves the most room for the rest).
    for p in middle {
        let Some(after_one) = t.char_indices().nth(1).map(|(i, _)| i) else {
            return false;
        };
        match t[after_one..].find(p.as_str()) {
            Some(i) => t = &t[after_one + i + p.len()..],
            None => return false,
        }
    }
    !t.is_empty()
}

/// How a discovered segment meets a documented one: `Some(true)` for the same shape,
/// `Some(false)` for a concrete value inside a parameter, `None` for no match.
fn seg_match(doc: &Shape, seen: &Shape) -> Option<bool> {
    match (doc, seen) {
        (Shape::Literal(a), Shape::Literal(b)) => (a == b).then_some(true),
        (Shape::Pattern(a), Shape::Pattern(b)) => (a == b).then_some(true),
        (Shape::Pattern(a), Shape::Literal(b)) => glob(a, b).then_some(false),
        (Shape::Literal(_), Shape::Pattern(_)) => None,
    }
}

fn host_match(doc: Option<&Vec<String>>, seen: &str) -> bool {
    match doc {
        None => true,
        Some(_) if seen.is_empty() => true,
        Some(p) if p.len() == 1 => p[0] == seen,
        Some(p) => glob(p, seen),
    }
}

/// Where a discovered endpoint is documented.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SpecMatch<'a> {
    /// Name of the spec it was added under.
    pub spec: &'a str,
    /// The operation.
    pub operation: &'a SpecOperation,
    /// Index of the operation in [`SpecIndex::operations`].
    pub index: usize,
}

/// Operations of several specs, indexed by method and segment count for matching.
#[derive(Debug, Default)]
pub struct SpecIndex {
    names: Vec<String>,
    ops: Vec<(usize, SpecOperation)>,
    /// (method, total segments) → (operation, server) pairs.
    by_shape: HashMap<(String, usize), Vec<(usize, usize)>>,
}

impl SpecIndex {
    /// An empty index (nothing documented).
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds every operation of `spec` under `name`.
    pub fn add(&mut self, name: &str, spec: &ApiSpec) {
        let n = self.names.len();
        self.names.push(name.to_string());
        for op in &spec.operations {
            let i = self.ops.len();
            for (si, s) in op.servers.iter().enumerate() {
                let len = s.prefix_shape.len() + op.shape.len();
                self.by_shape
                    .entry((op.method.clone(), len))
                    .or_default()
                    .push((i, si));
            }
            self.ops.push((n, op.clone()));
        }
    }

    /// True when no spec was added.
    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }

    /// How many specs were added.
    pub fn spec_count(&self) -> usize {
        self.names.len()
    }

    /// How many operations all specs have together.
    pub fn operation_count(&self) -> usize {
        self.ops.len()
    }

    /// Every operation with the name of its spec, in insertion order.
    pub fn operations(&self) -> impl Iterator<Item = (&str, &SpecOperation)> {
        self.ops.iter().map(|(n, op)| (self.names[*n].as_str(), op))
    }

    /// Every operation matching a discovered endpoint (`template` as discovery writes it,
    /// `/users/{userId}`), best first: same-shape matches before a concrete value inside a
    /// documented parameter. `HEAD` falls back to `GET` when no `HEAD` is documented.
    pub fn matching(&self, method: &str, host: &str, template: &str) -> Vec<SpecMatch<'_>> {
        let method = method.to_ascii_uppercase();
        let host = bare_host(host);
        let seen = shape_of(template);
        let mut found = self.matching_method(&method, &host, &seen);
        if found.is_empty() && method == "HEAD" {
            found = self.matching_method("GET", &host, &seen);
        }
        found.sort_by_key(|&(i, inexact)| (inexact, i));
        found.dedup_by_key(|m| m.0);
        found
            .into_iter()
            .map(|(i, _)| SpecMatch {
                spec: &self.names[self.ops[i].0],
                operation: &self.ops[i].1,
                index: i,
            })
            .collect()
    }

    /// The best operation matching a discovered endpoint, if any.
    pub fn find(&self, method: &str, host: &str, template: &str) -> Option<SpecMatch<'_>> {
        self.matching(method, host, template).into_iter().next()
    }

    /// (operation index, number of inexact segments) of the matches for one method.
    fn matching_method(&self, method: &str, host: &str, seen: &[Shape]) -> Vec<(usize, usize)> {
        let Some(cands) = self.by_shape.get(&(method.to_string(), seen.len())) else {
            return Vec::new();
        };
        let mut out: Vec<(usize, usize)> = Vec::new();
        for &(i, si) in cands {
            let op = &self.ops[i].1;
            let server = &op.servers[si];
            if !host_match(server.host_shape.as_ref(), host) {
                continue;
            }
            let mut inexact = 0;
            let all =
                server.prefix_shape.iter().chain(&op.shape).zip(seen).all(
                    |(d, s)| match seg_match(d, s) {
                        Some(exact) => {
                            inexact += usize::from(!exact);
                            true
                        }
                        None => false,
                    },
                );
            if all {
                out.push((i, inexact));
            }
        }
        out
    }
}

#[cfg(test)]
#[path = "spec_import_tests.rs"]
mod tests;
