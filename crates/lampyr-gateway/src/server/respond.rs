//! The end of every request: the gateway's own JSON answers, metrics, the access log and the
//! exchange for the mirror.

use std::net::SocketAddr;

use bytes::Bytes;
use http::header::{HeaderValue, CONTENT_LENGTH, CONTENT_TYPE};
use http::{HeaderMap, Method, Response, StatusCode, Uri, Version};

use super::body::{full, ProxyBody};
use super::headers::X_REQUEST_ID;
use crate::access_log::{query_param_names, AccessRecord};
use crate::filters::Refusal;
use crate::gateway::Gateway;
use crate::metrics::NO_ROUTE;
use crate::Ctx;

/// The request head as the client sent it, kept for logs and the mirror.
#[derive(Debug, Clone)]
pub(super) struct ReqHead {
    pub method: Method,
    pub uri: Uri,
    pub version: Version,
    /// The request headers as the mirror records them (credentials redacted), taken by
    /// [`exchange`]; `None` when the mirror is off. Converted here, once, instead of
    /// copying the whole header map for later.
    pub mirror_headers: Option<lampyr_core::Headers>,
    /// `Host` (or the h2 `:authority`) as sent, port included.
    pub authority: String,
    /// Host without port, lower-case, for routing.
    pub host: String,
    /// Port named by the authority.
    pub port: Option<u16>,
    /// `http` or `https`.
    pub scheme: &'static str,
    /// Local address the connection came in on.
    pub server: SocketAddr,
}

impl ReqHead {
    /// Reads the head of `req`. The headers are kept only with `keep_headers` (the mirror
    /// records them as sent; nothing else reads them from here).
    pub fn new<B>(
        req: &http::Request<B>,
        scheme: &'static str,
        server: SocketAddr,
        keep_headers: bool,
    ) -> Self {
        let authority = req
            .uri()
            .authority()
            .map(|a| a.as_str().to_string())
            .or_else(|| {
                req.headers()
                    .get(http::header::HOST)
                    .and_then(|v| v.to_str().ok())
                    .map(str::to_string)
            })
            .unwrap_or_default();
        let (host, port) = split_host_port(&authority);
        Self {
            method: req.method().clone(),
            uri: req.uri().clone(),
            version: req.version(),
            mirror_headers: keep_headers.then(|| mirrored_request_headers(req.headers())),
            host,
            port,
            authority,
            scheme,
            server,
        }
    }

    /// Path without the query.
    pub fn path(&self) -> &str {
        self.uri.path()
    }
}

/// Splits `host[:port]` / `[v6]:port`, lower-casing the host.
fn split_host_port(authority: &str) -> (String, Option<u16>) {
    let authority = authority.rsplit('@').next().unwrap_or(authority);
    if let Some(rest) = authority.strip_prefix('[') {
        if let Some((h, after)) = rest.split_once(']') {
            let port = after.strip_prefix(':').and_then(|p| p.parse().ok());
            return (h.to_ascii_lowercase(), port);
        }
    }
    match authority.rsplit_once(':') {
        Some((h, p)) if !h.contains(':') => (h.to_ascii_lowercase(), p.parse().ok()),
        _ => (authority.to_ascii_lowercase(), None),
    }
}

/// Protocol name for the access log.
pub(super) fn protocol(v: Version) -> &'static str {
    match v {
        Version::HTTP_09 => "HTTP/0.9",
        Version::HTTP_10 => "HTTP/1.0",
        Version::HTTP_2 => "HTTP/2.0",
        Version::HTTP_3 => "HTTP/3.0",
        _ => "HTTP/1.1",
    }
}

/// The JSON body of a refusal.
pub(super) fn refusal_body(r: &Refusal, request_id: &str) -> Bytes {
    let v = serde_json::json!({ "error": r.code, "message": r.message, "request_id": request_id });
    Bytes::from(v.to_string())
}

/// A refusal as an HTTP response (its headers, the request id, a JSON body).
pub(super) fn refusal_response(
    r: &Refusal,
    request_id: &str,
    extra: &[(http::HeaderName, HeaderValue)],
) -> (Response<ProxyBody>, Bytes) {
    let body = refusal_body(r, request_id);
    let mut resp = Response::new(full(body.clone()));
    *resp.status_mut() = r.status;
    let h = resp.headers_mut();
    h.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    h.insert(CONTENT_LENGTH, HeaderValue::from(body.len()));
    if let Ok(v) = HeaderValue::from_str(request_id) {
        h.insert(X_REQUEST_ID.clone(), v);
    }
    for (n, v) in extra.iter().chain(r.headers.iter()) {
        h.append(n.clone(), v.clone());
    }
    (resp, body)
}

/// Records metrics and the access-log line of a request whose response head is known.
pub(super) fn record(
    gateway: &Gateway,
    ctx: &Ctx,
    head: &ReqHead,
    status: StatusCode,
    bytes_in: u64,
    bytes_out: u64,
) {
    let route = ctx.route.as_ref().map(|r| r.spec.name.as_str());
    let m = gateway.metrics().route(route.unwrap_or(NO_ROUTE));
    m.observe(status.as_u16(), ctx.started.elapsed());
    if let Some(reason) = ctx.refused {
        m.refuse(reason);
    }
    if ctx.masked > 0 {
        m.masked_values
            .fetch_add(ctx.masked as u64, std::sync::atomic::Ordering::Relaxed);
    }
    let log = gateway.access_log();
    if !log.enabled() {
        return;
    }
    let time =
        time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(ctx.started_unix_us) * 1000)
            .ok()
            .and_then(|t| {
                t.format(&time::format_description::well_known::Rfc3339)
                    .ok()
            })
            .unwrap_or_default();
    let verdict = ctx.verdict.as_ref();
    let target = ctx.target.as_deref();
    log.log(&AccessRecord {
        time,
        request_id: &ctx.request_id,
        client: ctx.client.ip().to_string(),
        listener: &ctx.listener,
        method: head.method.as_str(),
        host: &head.host,
        path: head.path(),
        query_params: query_param_names(head.uri.query()),
        protocol: protocol(head.version),
        status: status.as_u16(),
        duration_ms: ctx.started.elapsed().as_secs_f64() * 1000.0,
        bytes_in,
        bytes_out,
        route,
        consumer: ctx.consumer(),
        credential: ctx.identity.as_ref().map(|i| i.credential_id.as_str()),
        refused: ctx.refused,
        upstream: target,
        attack_score: verdict.map(|v| v.score).filter(|s| *s > 0),
        rules: verdict
            .map(|v| v.hits.iter().map(|h| h.rule.clone()).collect())
            .unwrap_or_default(),
        masked: ctx.masked,
    });
}

/// Whether this request's exchange goes to the mirror.
pub(super) fn mirrored(gateway: &Gateway, ctx: &Ctx) -> bool {
    gateway.mirror().enabled() && ctx.route.as_ref().is_none_or(|r| r.spec.mirror)
}

fn core_headers(h: &HeaderMap) -> lampyr_core::Headers {
    h.iter()
        .map(|(n, v)| {
            (
                n.as_str().to_string(),
                String::from_utf8_lossy(v.as_bytes()).into_owned(),
            )
        })
        .collect()
}

/// Request headers for the mirror, with the credentials the gateway consumed redacted
/// ([`crate::mirror::redact_credential`]).
fn mirrored_request_headers(h: &HeaderMap) -> lampyr_core::Headers {
    h.iter()
        .map(|(n, v)| {
            let value = String::from_utf8_lossy(v.as_bytes());
            let value = crate::mirror::redact_credential(n.as_str(), &value)
                .unwrap_or_else(|| value.into_owned());
            (n.as_str().to_string(), value)
        })
        .collect()
}

fn core_body(bytes: &[u8], total: u64, cap: usize) -> lampyr_core::Body {
    let kept = &bytes[..bytes.len().min(cap)];
    lampyr_core::Body::from_parts(kept.to_vec(), total > kept.len() as u64, total)
}

/// The mirrored exchange with the request filled in and the response head from `status`
/// and `headers`; the response body is left for the caller.
pub(super) fn exchange(
    gateway: &Gateway,
    ctx: &Ctx,
    head: &mut ReqHead,
    req_body: &[u8],
    status: StatusCode,
    resp_version: Version,
    resp_headers: &HeaderMap,
) -> lampyr_core::Exchange {
    let cap = gateway.mirror().max_body();
    let version = match head.version {
        Version::HTTP_2 => "HTTP/2".to_string(),
        v => protocol(v).to_string(),
    };
    let identity = ctx.identity.as_ref().map(|i| lampyr_core::Identity {
        consumer: Some(i.consumer.name.clone()),
        user: i.user.clone(),
        token_id: i.token_id.clone(),
    });
    lampyr_core::Exchange {
        request: lampyr_core::Request {
            method: head.method.as_str().to_string(),
            scheme: head.scheme.to_string(),
            host: head.host.clone(),
            port: head.port,
            path: head.path().to_string(),
            query: head.uri.query().map(str::to_string),
            version: version.clone(),
            headers: head.mirror_headers.take().unwrap_or_default(),
            body: core_body(req_body, req_body.len() as u64, cap),
        },
        response: Some(lampyr_core::Response {
            status: status.as_u16(),
            version: match resp_version {
                Version::HTTP_2 => "HTTP/2".to_string(),
                v => protocol(v).to_string(),
            },
            headers: core_headers(resp_headers),
            body: lampyr_core::Body::empty(),
        }),
        timing: lampyr_core::Timing {
            started_us: Some(ctx.started_unix_us),
            duration_ms: None,
        },
        client: Some(ctx.client),
        server: Some(head.server),
        identity,
        source: lampyr_core::Source {
            kind: lampyr_core::SourceKind::Gateway,
            input: 0,
            index: 0,
        },
    }
}

/// Sends a complete exchange (refusals and fully buffered responses).
pub(super) fn mirror_complete(
    gateway: &Gateway,
    mut ex: lampyr_core::Exchange,
    ctx: &Ctx,
    body: &[u8],
) {
    let cap = gateway.mirror().max_body();
    if let Some(r) = ex.response.as_mut() {
        r.body = core_body(body, body.len() as u64, cap);
    }
    ex.timing.duration_ms = Some(ctx.started.elapsed().as_secs_f64() * 1000.0);
    gateway.mirror().send(ex);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_and_port_are_split_for_names_and_ipv6() {
        assert_eq!(
            split_host_port("API.Example:8443"),
            ("api.example".into(), Some(8443))
        );
        assert_eq!(split_host_port("api"), ("api".into(), None));
        assert_eq!(split_host_port("[::1]:80"), ("::1".into(), Some(80)));
        assert_eq!(split_host_port("::1"), ("::1".into(), None));
    }

    #[test]
    fn refusals_are_json_with_the_request_id() {
        let r = Refusal::new(StatusCode::NOT_FOUND, "not_found", "no route");
        let (resp, body) = refusal_response(&r, "rid-1", &[]);
        assert_eq!(resp.status(), 404);
        assert_eq!(resp.headers()["content-type"], "application/json");
        assert_eq!(resp.headers()["x-request-id"], "rid-1");
        let v: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(
            v,
            serde_json::json!({"error": "not_found", "message": "no route", "request_id": "rid-1"})
        );
    }
}
