//! Inspect phase: `lampyr-detect` attack inspection of the request head and buffered body.
//!
//! `off` skips the phase, `monitor` records the verdict and forwards, `block` answers an attack
//! with 403. Inspectors are costly to build (rule compilation), so routes with the same
//! settings share one through [`InspectorCache`].

use std::sync::Arc;

use http::StatusCode;
use lampyr_detect::inspect::{InspectConfig, Inspector, Verdict};
use lampyr_spec::{InspectMode, InspectSpec};

use crate::filters::Refusal;

/// Inspectors shared between routes with the same settings. A snapshot keeps its cache and
/// hands a clone to the next build, so a reload does not recompile the rules.
#[derive(Debug, Default, Clone)]
pub struct InspectorCache {
    built: Vec<(InspectConfig, Arc<Inspector>)>,
}

impl InspectorCache {
    fn get(&mut self, cfg: InspectConfig) -> Result<Arc<Inspector>, String> {
        if let Some((_, i)) = self.built.iter().find(|(c, _)| *c == cfg) {
            return Ok(i.clone());
        }
        let inspector = Arc::new(Inspector::new(cfg.clone()).map_err(|e| e.to_string())?);
        self.built.push((cfg, inspector.clone()));
        Ok(inspector)
    }
}

/// A route's inspection: the shared inspector and what to do with an attack.
#[derive(Debug, Clone)]
pub struct RouteInspector {
    inspector: Arc<Inspector>,
    mode: InspectMode,
}

impl RouteInspector {
    /// The route's inspection with the detection defaults; `None` when the mode is `off`.
    pub fn new(
        spec: &InspectSpec,
        cache: &mut InspectorCache,
    ) -> Result<Option<RouteInspector>, String> {
        Self::new_with(spec, &InspectConfig::default(), cache)
    }

    /// The route's inspection over the gateway's base settings (the route may raise or lower
    /// the paranoia level); `None` when the mode is `off`.
    pub fn new_with(
        spec: &InspectSpec,
        base: &InspectConfig,
        cache: &mut InspectorCache,
    ) -> Result<Option<RouteInspector>, String> {
        if spec.mode == InspectMode::Off {
            return Ok(None);
        }
        let mut cfg = base.clone();
        if let Some(p) = spec.paranoia {
            if !(1..=4).contains(&p) {
                return Err(format!("paranoia: expected a level 1 to 4, got {p}"));
            }
            cfg.paranoia = p;
            cfg.detection_paranoia = cfg.detection_paranoia.max(p);
        }
        let inspector = cache.get(cfg)?;
        Ok(Some(RouteInspector {
            inspector,
            mode: spec.mode,
        }))
    }

    /// `monitor` or `block`.
    pub fn mode(&self) -> InspectMode {
        self.mode
    }

    /// Builds a `lampyr_core::Request` from the head and the buffered body and inspects it.
    /// Only the part of the body the inspector reads is copied.
    pub fn inspect(&self, parts: &http::request::Parts, body: &[u8], scheme: &str) -> Verdict {
        let cap = body
            .len()
            .min(self.inspector.config().limits.max_body_bytes);
        let req = to_core_request(parts, &body[..cap], body.len(), scheme);
        self.inspector.inspect(&req)
    }

    /// Whether the verdict is an attack (score at or over the threshold), whatever the mode.
    pub fn is_attack(&self, v: &Verdict) -> bool {
        v.is_attack()
    }

    /// Whether the request must be answered 403: an attack on a route in `block` mode.
    pub fn blocks(&self, v: &Verdict) -> bool {
        self.mode == InspectMode::Block && v.is_attack()
    }

    /// The 403 answer to a blocked request: code `blocked` and a generic message. The rule
    /// ids stay out of the answer (they would tell an attacker which rule to evade); the
    /// request id in the body finds them in the access log and analytics.
    pub fn refusal(&self, v: &Verdict, request_id: &str) -> Refusal {
        let _ = (v, request_id); // the response carries the id (body and `X-Request-Id`)
        Refusal::new(
            StatusCode::FORBIDDEN,
            "blocked",
            "request blocked by attack inspection",
        )
    }
}

/// The request as `lampyr-detect` reads it. Header values that are not UTF-8 are read lossily
/// (an attacker cannot hide a value from inspection behind one bad byte).
fn to_core_request(
    parts: &http::request::Parts,
    body: &[u8],
    original_len: usize,
    scheme: &str,
) -> lampyr_core::Request {
    let mut headers = lampyr_core::Headers::new();
    for (name, value) in &parts.headers {
        headers.append(
            name.as_str(),
            String::from_utf8_lossy(value.as_bytes()).into_owned(),
        );
    }
    let authority = parts
        .uri
        .authority()
        .map(|a| a.as_str().to_owned())
        .or_else(|| {
            parts
                .headers
                .get(http::header::HOST)
                .map(|h| String::from_utf8_lossy(h.as_bytes()).into_owned())
        })
        .unwrap_or_default();
    let (host, port) = split_host_port(&authority);
    let version = match parts.version {
        http::Version::HTTP_09 => "HTTP/0.9",
        http::Version::HTTP_10 => "HTTP/1.0",
        http::Version::HTTP_2 => "HTTP/2",
        http::Version::HTTP_3 => "HTTP/3",
        _ => "HTTP/1.1",
    };
    lampyr_core::Request {
        method: parts.method.as_str().to_owned(),
        scheme: scheme.to_owned(),
        host,
        port,
        path: parts.uri.path().to_owned(),
        query: parts.uri.query().map(str::to_owned),
        version: version.to_owned(),
        headers,
        body: lampyr_core::Body::from_parts(
            body.to_vec(),
            body.len() < original_len,
            original_len as u64,
        ),
    }
}

/// `example.com:8443` → (`example.com`, 8443); `[::1]:80` → (`::1`, 80); lower-cased host.
fn split_host_port(authority: &str) -> (String, Option<u16>) {
    let authority = authority.rsplit('@').next().unwrap_or(authority);
    let (host, port) = if let Some(rest) = authority.strip_prefix('[') {
        match rest.split_once(']') {
            Some((h, after)) => (h, after.strip_prefix(':')),
            None => (rest, None),
        }
    } else {
        match authority.rsplit_once(':') {
            Some((h, p)) if !h.contains(':') => (h, Some(p)),
            _ => (authority, None),
        }
    };
    (host.to_ascii_lowercase(), port.and_then(|p| p.parse().ok()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(mode: InspectMode) -> InspectSpec {
        InspectSpec {
            mode,
            paranoia: None,
        }
    }

    fn parts(uri: &str) -> http::request::Parts {
        http::Request::builder()
            .method("GET")
            .uri(uri)
            .header("host", "api.example.com:8443")
            .header("user-agent", "test-client/1.0")
            .header("accept", "application/json")
            .body(())
            .unwrap()
            .into_parts()
            .0
    }

    #[test]
    fn off_builds_nothing_and_routes_share_inspectors() {
        let mut cache = InspectorCache::default();
        assert!(RouteInspector::new(&spec(InspectMode::Off), &mut cache)
            .unwrap()
            .is_none());
        let a = RouteInspector::new(&spec(InspectMode::Block), &mut cache)
            .unwrap()
            .unwrap();
        let b = RouteInspector::new(&spec(InspectMode::Monitor), &mut cache)
            .unwrap()
            .unwrap();
        assert!(Arc::ptr_eq(&a.inspector, &b.inspector));
        let p3 = InspectSpec {
            mode: InspectMode::Block,
            paranoia: Some(3),
        };
        let c = RouteInspector::new(&p3, &mut cache).unwrap().unwrap();
        assert!(!Arc::ptr_eq(&a.inspector, &c.inspector));
        assert_eq!(c.inspector.config().paranoia, 3);
        assert_eq!(cache.built.len(), 2);
        let bad = InspectSpec {
            mode: InspectMode::Block,
            paranoia: Some(7),
        };
        let e = RouteInspector::new(&bad, &mut cache).unwrap_err();
        assert!(e.contains("paranoia"), "{e}");
    }

    #[test]
    fn sqli_in_query_is_blocked_with_request_id() {
        let mut cache = InspectorCache::default();
        let ri = RouteInspector::new(&spec(InspectMode::Block), &mut cache)
            .unwrap()
            .unwrap();
        let p = parts("/api/users?id=1%27%20OR%20%271%27%3D%271%27%20--%20");
        let v = ri.inspect(&p, b"", "https");
        assert!(ri.is_attack(&v), "{v:?}");
        assert!(ri.blocks(&v));
        assert!(v.hits.iter().any(|h| h.rule.starts_with("sqli")), "{v:?}");
        let r = ri.refusal(&v, "req-123");
        assert_eq!(r.status, StatusCode::FORBIDDEN);
        assert_eq!(r.code, "blocked");
        assert!(
            !r.message.contains("sqli"),
            "rule ids stay out of the answer: {}",
            r.message
        );
        assert!(!r.message.contains("OR"), "no fragment echoed");
    }

    #[test]
    fn sqli_in_json_body_is_found() {
        let mut cache = InspectorCache::default();
        let ri = RouteInspector::new(&spec(InspectMode::Block), &mut cache)
            .unwrap()
            .unwrap();
        let (mut p, _) = http::Request::builder()
            .method("POST")
            .uri("https://api.example.com/api/login")
            .header("content-type", "application/json")
            .body(())
            .unwrap()
            .into_parts();
        p.headers.insert("user-agent", "t".parse().unwrap());
        let body = br#"{"user":"admin' UNION SELECT password FROM users --","pw":"x"}"#;
        let v = ri.inspect(&p, body, "https");
        assert!(ri.blocks(&v), "{v:?}");
    }

    #[test]
    fn benign_request_passes() {
        let mut cache = InspectorCache::default();
        let ri = RouteInspector::new(&spec(InspectMode::Block), &mut cache)
            .unwrap()
            .unwrap();
        let p = parts("/api/users/42/orders?page=2&sort=created_at&q=blue%20shoes");
        let v = ri.inspect(&p, b"", "https");
        assert!(!ri.is_attack(&v), "{v:?}");
        assert!(!ri.blocks(&v));
    }

    #[test]
    fn monitor_mode_records_but_does_not_block() {
        let mut cache = InspectorCache::default();
        let ri = RouteInspector::new(&spec(InspectMode::Monitor), &mut cache)
            .unwrap()
            .unwrap();
        assert_eq!(ri.mode(), InspectMode::Monitor);
        let p = parts("/api/users?id=1%27%20OR%20%271%27%3D%271%27%20--%20");
        let v = ri.inspect(&p, b"", "http");
        assert!(ri.is_attack(&v));
        assert!(!ri.blocks(&v));
    }

    #[test]
    fn host_and_port_are_split() {
        assert_eq!(
            split_host_port("API.Example.com:8443"),
            ("api.example.com".into(), Some(8443))
        );
        assert_eq!(split_host_port("[::1]:80"), ("::1".into(), Some(80)));
        assert_eq!(split_host_port("example.com"), ("example.com".into(), None));
        assert_eq!(split_host_port("h:notaport"), ("h".into(), None));
        let p = parts("/x?a=1");
        let r = to_core_request(&p, b"ab", 10, "https");
        assert_eq!(r.host, "api.example.com");
        assert_eq!(r.port, Some(8443));
        assert_eq!(r.query.as_deref(), Some("a=1"));
        assert!(r.body.truncated());
    }
}
