use std::net::SocketAddr;

use serde::{Deserialize, Serialize};

use crate::{Body, Headers};

/// One HTTP request and, when one was seen, its response.
///
/// The unit every source produces and every analysis consumes.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Exchange {
    /// The request as the client sent it.
    pub request: Request,
    /// The response, or `None` when the capture has none (timeouts, HAR entries without one).
    pub response: Option<Response>,
    /// When it started and how long it took.
    pub timing: Timing,
    /// Address of the client, when the source knows it.
    pub client: Option<SocketAddr>,
    /// Address of the server, when the source knows it.
    pub server: Option<SocketAddr>,
    /// Who made the call, when authentication already established it.
    pub identity: Option<Identity>,
    /// Where the exchange was read from.
    pub source: Source,
}

/// An HTTP request. The path is kept as sent (still percent-encoded), without the query.
#[derive(Debug, Clone, PartialEq)]
pub struct Request {
    /// Method, upper-case as sent (`GET`, `POST`, ...).
    pub method: String,
    /// `http` or `https`.
    pub scheme: String,
    /// Host without port, lower-case; empty when unknown.
    pub host: String,
    /// Port when the URL or `Host` named one.
    pub port: Option<u16>,
    /// Path as sent, starting with `/`.
    pub path: String,
    /// Raw query string after `?`, without the `?`; `None` when there was no `?`.
    pub query: Option<String>,
    /// Protocol version as written by the source (`HTTP/1.1`, `HTTP/2`...).
    pub version: String,
    /// Header fields in order.
    pub headers: Headers,
    /// Body after content decoding.
    pub body: Body,
}

impl Default for Request {
    fn default() -> Self {
        Self {
            method: "GET".into(),
            scheme: "http".into(),
            host: String::new(),
            port: None,
            path: "/".into(),
            query: None,
            version: "HTTP/1.1".into(),
            headers: Headers::new(),
            body: Body::empty(),
        }
    }
}

/// An HTTP response.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Response {
    /// Status code.
    pub status: u16,
    /// Protocol version as written by the source.
    pub version: String,
    /// Header fields in order.
    pub headers: Headers,
    /// Body after content decoding.
    pub body: Body,
}

/// Timing of an exchange.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Timing {
    /// Start of the request, microseconds since the Unix epoch (UTC).
    pub started_us: Option<i64>,
    /// Time from the first request byte to the last response byte, in milliseconds.
    pub duration_ms: Option<f64>,
}

/// Who made a call, as far as it is known.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Identity {
    /// The API consumer (account) the gateway authenticated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub consumer: Option<String>,
    /// The end user, when the application reported one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
    /// A stable id of the credential (never the credential itself).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token_id: Option<String>,
}

/// The kind of source an exchange was read from.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SourceKind {
    /// A HAR 1.2 file.
    #[default]
    Har,
    /// Exchange JSON Lines v1.
    Jsonl,
    /// The gateway's mirror.
    Gateway,
    /// A packet capture.
    Pcap,
}

/// Where an exchange came from: the kind, which input (by position on the command line) and
/// the zero-based index of the entry in that input. Reports refer to exchanges by this index.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Source {
    /// Kind of source.
    pub kind: SourceKind,
    /// Position of the input among all inputs of one run.
    pub input: u32,
    /// Zero-based index of the entry (HAR entry or JSON line) in its input.
    pub index: u64,
}

impl Request {
    /// The `Content-Type` media type, lower-case, without parameters.
    pub fn media_type(&self) -> Option<String> {
        media_type(&self.headers)
    }
}

impl Response {
    /// The `Content-Type` media type, lower-case, without parameters.
    pub fn media_type(&self) -> Option<String> {
        media_type(&self.headers)
    }
}

fn media_type(headers: &Headers) -> Option<String> {
    let value = headers.get("content-type")?;
    let essence = value.split(';').next()?.trim();
    (!essence.is_empty()).then(|| essence.to_ascii_lowercase())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::BodyLimits;

    #[test]
    fn media_type_drops_parameters_and_case() {
        let mut r = Request::default();
        r.headers
            .append("Content-Type", "Application/JSON; charset=utf-8");
        assert_eq!(r.media_type().as_deref(), Some("application/json"));
    }

    #[test]
    fn exchange_debug_hides_captured_values() {
        let mut ex = Exchange::default();
        ex.request.headers.append("Cookie", "session=abcdef123456");
        ex.request.body = Body::capture(b"card=4111111111111111".to_vec(), BodyLimits::default());
        let shown = format!("{ex:?}");
        assert!(!shown.contains("abcdef123456"), "{shown}");
        assert!(!shown.contains("4111"), "{shown}");
    }
}
