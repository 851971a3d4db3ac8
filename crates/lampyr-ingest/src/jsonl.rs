//! Exchange JSON Lines v1 (`docs/exchange-jsonl-v1.md`): one exchange per line, read line by
//! line with a bounded line length, and written by [`to_line`].

use std::borrow::Cow;
use std::io::{self, BufRead};
use std::net::SocketAddr;

use base64::Engine;
use lampyr_core::{Body, Exchange, Headers, Request, Response, Source, SourceKind, Timing};
use serde::ser::{Serialize, SerializeMap, SerializeSeq, Serializer};
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use crate::common::{self, Target};
use crate::decode::{self, RawBody};
use crate::error::{strip_position, EntryError, IngestError, Location};
use crate::har::{status_code, text_body};
use crate::json::{bad, clip, join, take, Bad, Json};
use crate::{Emitter, Item, ReadOptions};

/// A capacity above which the line buffer is released after use, so one huge line does not
/// pin its memory for the rest of the file.
const KEEP_CAPACITY: usize = 1 << 20;

/// Reads JSON Lines from `reader`, emitting every non-blank line in order.
pub(crate) fn read<R: BufRead>(mut reader: R, em: &mut Emitter<'_>) -> Result<(), IngestError> {
    let max_line = em.opts.max_line;
    let mut buf = Vec::new();
    let mut line_no = 0u64;
    loop {
        buf.clear();
        let line = next_line(&mut reader, &mut buf, max_line)?;
        if line == LineRead::Eof {
            return Ok(());
        }
        line_no += 1;
        let item = match line {
            LineRead::TooLong => Some(Item::Skipped(EntryError {
                location: Location::Line(line_no),
                field: String::new(),
                message: format!("line is longer than the limit of {max_line} bytes"),
            })),
            _ if buf.iter().all(u8::is_ascii_whitespace) => None,
            _ => Some(parse_line(&buf, line_no, em.opts)),
        };
        if buf.capacity() > KEEP_CAPACITY {
            buf = Vec::new();
        }
        if let Some(item) = item {
            if em.emit(item).is_break() {
                return Ok(());
            }
        }
    }
}

/// Parses and converts one line.
fn parse_line(line: &[u8], line_no: u64, opts: &ReadOptions) -> Item {
    let location = Location::Line(line_no);
    // Lines must be UTF-8, but nginx's `escape=json` passes body bytes >= 0x80 through raw:
    // rather than losing the exchange, such bytes become U+FFFD.
    let lossy;
    let line = match std::str::from_utf8(line) {
        Ok(_) => line,
        Err(_) => {
            lossy = String::from_utf8_lossy(line).into_owned();
            lossy.as_bytes()
        }
    };
    let converted = match serde_json::from_slice::<Json<'_>>(line) {
        Ok(json) => convert(json, line_no, opts),
        Err(e) => Err(bad(
            "",
            format!(
                "invalid JSON at column {}: {}",
                e.column(),
                strip_position(&e)
            ),
        )),
    };
    match converted {
        Ok(exchange) => Item::Exchange(Box::new(exchange)),
        Err(bad) => Item::Skipped(EntryError::new(location, bad)),
    }
}

#[derive(Debug, PartialEq, Eq)]
enum LineRead {
    Eof,
    Complete,
    TooLong,
}

/// Reads the next line into `buf` (without its `\n`). A line longer than `max` is not
/// buffered: the rest of it is consumed and dropped, and `TooLong` is returned.
fn next_line<R: BufRead>(reader: &mut R, buf: &mut Vec<u8>, max: usize) -> io::Result<LineRead> {
    let mut any = false;
    let mut too_long = false;
    loop {
        let available = match reader.fill_buf() {
            Ok(b) => b,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if available.is_empty() {
            return Ok(match (any, too_long) {
                (false, _) => LineRead::Eof,
                (true, true) => LineRead::TooLong,
                (true, false) => LineRead::Complete,
            });
        }
        any = true;
        let newline = available.iter().position(|&b| b == b'\n');
        let chunk = &available[..newline.unwrap_or(available.len())];
        if !too_long {
            if buf.len() + chunk.len() > max {
                too_long = true;
                buf.clear();
            } else {
                buf.extend_from_slice(chunk);
            }
        }
        let used = newline.map_or(available.len(), |i| i + 1);
        reader.consume(used);
        if newline.is_some() {
            return Ok(if too_long {
                LineRead::TooLong
            } else {
                LineRead::Complete
            });
        }
    }
}

/// Converts one JSON Lines record.
fn convert(record: Json<'_>, line_no: u64, opts: &ReadOptions) -> Result<Exchange, Bad> {
    let mut rec = record.into_object("")?;
    if let Some(v) = take(&mut rec, "v") {
        let n = v.as_number("v")?;
        if n != 1.0 {
            return Err(bad(
                "v",
                format!("unsupported version {n} (this reader knows 1)"),
            ));
        }
    }
    let mut req = take(&mut rec, "request")
        .ok_or_else(|| bad("request", "missing"))?
        .into_object("request")?;
    let method = take(&mut req, "method")
        .ok_or_else(|| bad("request.method", "missing"))?
        .into_string("request.method")?;
    if method.trim().is_empty() {
        return Err(bad("request.method", "empty"));
    }
    let url = take(&mut req, "url")
        .ok_or_else(|| bad("request.url", "missing"))?
        .into_string("request.url")?;
    let host = optional_string(&mut req, "request.host")?;
    let scheme = optional_string(&mut req, "request.scheme")?;
    let version = optional_string(&mut req, "request.version")?
        .filter(|v| !v.trim().is_empty())
        .map_or_else(|| "HTTP/1.1".to_string(), Cow::into_owned);
    let headers = common::headers(take(&mut req, "headers"), "request.headers")?;
    let target = common::resolve_target(
        &url,
        "request.url",
        host.as_deref()
            .filter(|h| !h.trim().is_empty())
            .map(|h| (h, "request.host")),
        scheme.as_deref(),
        &headers,
    )?;
    let server_port = target.effective_port();
    let Target {
        scheme,
        host,
        port,
        path,
        query,
    } = target;
    let body = body(&mut req, "request", &headers, opts)?;

    let response = match take(&mut rec, "response") {
        None => None,
        Some(resp) => response(resp, opts)?,
    };
    let timing = Timing {
        started_us: common::timestamp(take(&mut rec, "started"), "started")?,
        duration_ms: match take(&mut rec, "duration_ms") {
            Some(ms) => common::duration_ms(Some(ms), "duration_ms")?,
            // Seconds, for servers that log nothing finer (nginx `$request_time`).
            None => {
                common::duration_ms(take(&mut rec, "duration_s"), "duration_s")?.map(|s| s * 1000.0)
            }
        },
    };
    let server = common::addr_field(take(&mut rec, "server"), "server", server_port)?;
    let client = match common::addr_field(take(&mut rec, "client"), "client", 0)? {
        Some(addr) => Some(addr),
        None if opts.trust_forwarded => common::forwarded_client(&headers),
        None => None,
    };
    let identity = common::identity(take(&mut rec, "identity"), "identity")?;
    Ok(Exchange {
        request: Request {
            method: method.into_owned(),
            scheme,
            host,
            port,
            path,
            query,
            version,
            headers,
            body,
        },
        response,
        timing,
        client,
        server,
        identity,
        source: Source {
            kind: SourceKind::Jsonl,
            input: opts.input,
            index: line_no - 1,
        },
    })
}

fn optional_string<'a>(
    members: &mut [(Cow<'a, str>, Json<'a>)],
    field: &str,
) -> Result<Option<Cow<'a, str>>, Bad> {
    let key = field.rsplit('.').next().unwrap_or(field);
    take(members, key).map(|v| v.into_string(field)).transpose()
}

fn response(value: Json<'_>, opts: &ReadOptions) -> Result<Option<Response>, Bad> {
    let mut resp = value.into_object("response")?;
    let status = take(&mut resp, "status").ok_or_else(|| bad("response.status", "missing"))?;
    let status = status_code(&status, "response.status")?;
    if status == 0 {
        return Ok(None);
    }
    let version = optional_string(&mut resp, "response.version")?
        .filter(|v| !v.trim().is_empty())
        .map_or_else(|| "HTTP/1.1".to_string(), Cow::into_owned);
    let headers = common::headers(take(&mut resp, "headers"), "response.headers")?;
    let body = body(&mut resp, "response", &headers, opts)?;
    Ok(Some(Response {
        status,
        version,
        headers,
        body,
    }))
}

/// The `body`, `body_encoding`, `body_decoded`, `body_truncated` and `body_size` members of a
/// request or response.
fn body<'a>(
    members: &mut [(Cow<'a, str>, Json<'a>)],
    prefix: &str,
    headers: &Headers,
    opts: &ReadOptions,
) -> Result<Body, Bad> {
    let field = join(prefix, "body");
    let encoding = optional_string(members, &join(prefix, "body_encoding"))?;
    let base64 = match encoding.as_deref().map(str::trim) {
        None | Some("") => false,
        Some(e) if e.eq_ignore_ascii_case("utf8") || e.eq_ignore_ascii_case("utf-8") => false,
        Some(e) if e.eq_ignore_ascii_case("base64") => true,
        Some(e) => {
            return Err(bad(
                join(prefix, "body_encoding"),
                format!("expected \"utf8\" or \"base64\", found {:?}", clip(e)),
            ))
        }
    };
    let decoded = flag(members, &join(prefix, "body_decoded"))?;
    let truncated = flag(members, &join(prefix, "body_truncated"))?;
    let size_field = join(prefix, "body_size");
    let size = match take(members, "body_size") {
        None => None,
        Some(v) => {
            let n = v.as_number(&size_field)?;
            if n < 0.0 || n.fract() != 0.0 {
                return Err(bad(size_field, format!("not a byte count: {n}")));
            }
            Some(n as u64)
        }
    };
    let raw = match take(members, "body") {
        None => RawBody::text(String::new()),
        Some(Json::Str(text)) => {
            let encoding = base64.then_some("base64");
            text_body(text.into_owned(), encoding, &field)?
        }
        // A log plugin may embed a JSON body as JSON: keep its text.
        Some(other) if !base64 => {
            RawBody::text(serde_json::to_string(&other).map_err(|e| bad(&field, e.to_string()))?)
        }
        Some(other) => return Err(crate::json::expected(&field, "a string", &other)),
    };
    let body = if decoded {
        Body::capture(raw.bytes, opts.limits)
    } else {
        decode::body(raw, headers, opts)
    };
    if truncated {
        let original = size.unwrap_or(0).max(body.original_len());
        return Ok(Body::from_parts(body.bytes().to_vec(), true, original));
    }
    Ok(body)
}

fn flag<'a>(members: &mut [(Cow<'a, str>, Json<'a>)], field: &str) -> Result<bool, Bad> {
    let key = field.rsplit('.').next().unwrap_or(field);
    match take(members, key) {
        None => Ok(false),
        Some(Json::Bool(b)) => Ok(b),
        Some(other) => Err(crate::json::expected(field, "true or false", &other)),
    }
}

impl Serialize for Json<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Json::Null => s.serialize_unit(),
            Json::Bool(b) => s.serialize_bool(*b),
            Json::Int(n) => s.serialize_i64(*n),
            Json::UInt(n) => s.serialize_u64(*n),
            Json::Float(n) => s.serialize_f64(*n),
            Json::Str(v) => s.serialize_str(v),
            Json::Array(items) => {
                let mut seq = s.serialize_seq(Some(items.len()))?;
                for item in items {
                    seq.serialize_element(item)?;
                }
                seq.end()
            }
            Json::Object(members) => {
                let mut map = s.serialize_map(Some(members.len()))?;
                for (k, v) in members {
                    map.serialize_entry(k.as_ref(), v)?;
                }
                map.end()
            }
        }
    }
}

/// Writes `exchange` as one Exchange JSON Lines v1 record (no trailing newline).
///
/// Bodies are written decoded with `body_decoded: true` whenever a `Content-Encoding` header is
/// kept, so reading the line back does not decode twice. The source position is not written:
/// it belongs to the file the line ends up in.
pub fn to_line(exchange: &Exchange) -> String {
    let req = &exchange.request;
    // A `#` in a path or query was sent as such; in an absolute URL it would read back as a
    // fragment, so such targets are written as path + `host` + `scheme`.
    let absolute = !req.host.is_empty()
        && !req.path.contains('#')
        && !req.query.as_deref().is_some_and(|q| q.contains('#'));
    let mut url = String::new();
    if absolute {
        url.push_str(&req.scheme);
        url.push_str("://");
        url.push_str(&req.host);
        if let Some(port) = req.port {
            url.push_str(&format!(":{port}"));
        }
    }
    url.push_str(&req.path);
    if let Some(query) = &req.query {
        url.push('?');
        url.push_str(query);
    }
    let mut request = vec![
        member("method", string(&req.method)),
        member("url", Json::Str(url.into())),
    ];
    if !absolute && !req.host.is_empty() {
        let host = match req.port {
            Some(port) => format!("{}:{port}", req.host),
            None => req.host.clone(),
        };
        request.push(member("host", Json::Str(host.into())));
    }
    if !absolute && req.scheme != "http" {
        request.push(member("scheme", string(&req.scheme)));
    }
    request.push(member("version", string(&req.version)));
    request.push(member("headers", headers_json(&req.headers)));
    body_members(&mut request, &req.body, &req.headers);

    let mut record = vec![
        member("v", Json::UInt(1)),
        member("request", Json::Object(request)),
    ];
    if let Some(resp) = &exchange.response {
        let mut response = vec![
            member("status", Json::UInt(u64::from(resp.status))),
            member("version", string(&resp.version)),
            member("headers", headers_json(&resp.headers)),
        ];
        body_members(&mut response, &resp.body, &resp.headers);
        record.push(member("response", Json::Object(response)));
    }
    if let Some(started) = exchange.timing.started_us.and_then(format_us) {
        record.push(member("started", Json::Str(started.into())));
    }
    if let Some(ms) = exchange.timing.duration_ms.filter(|ms| ms.is_finite()) {
        record.push(member("duration_ms", Json::Float(ms)));
    }
    if let Some(client) = exchange.client {
        record.push(member("client", Json::Str(client_text(client).into())));
    }
    if let Some(server) = exchange.server {
        record.push(member("server", Json::Str(server.to_string().into())));
    }
    if let Some(identity) = &exchange.identity {
        let mut id = Vec::new();
        for (key, value) in [
            ("consumer", &identity.consumer),
            ("user", &identity.user),
            ("token_id", &identity.token_id),
        ] {
            if let Some(value) = value {
                id.push(member(key, string(value)));
            }
        }
        record.push(member("identity", Json::Object(id)));
    }
    serde_json::to_string(&Json::Object(record)).unwrap_or_default()
}

fn member<'a>(key: &'static str, value: Json<'a>) -> (Cow<'a, str>, Json<'a>) {
    (Cow::Borrowed(key), value)
}

fn string(s: &str) -> Json<'_> {
    Json::Str(Cow::Borrowed(s))
}

fn headers_json(headers: &Headers) -> Json<'_> {
    Json::Array(
        headers
            .iter()
            .map(|(n, v)| Json::Array(vec![string(n), string(v)]))
            .collect(),
    )
}

fn body_members<'a>(out: &mut Vec<(Cow<'a, str>, Json<'a>)>, body: &'a Body, headers: &Headers) {
    if body.is_empty() && !body.truncated() {
        return;
    }
    match body.as_str() {
        Some(text) => out.push(member("body", string(text))),
        None => {
            let encoded = base64::engine::general_purpose::STANDARD.encode(body.bytes());
            out.push(member("body", Json::Str(encoded.into())));
            out.push(member("body_encoding", string("base64")));
        }
    }
    if headers.contains("content-encoding") {
        out.push(member("body_decoded", Json::Bool(true)));
    }
    if body.truncated() {
        out.push(member("body_truncated", Json::Bool(true)));
        out.push(member("body_size", Json::UInt(body.original_len())));
    }
}

fn format_us(us: i64) -> Option<String> {
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(us) * 1000)
        .ok()?
        .format(&Rfc3339)
        .ok()
}

/// `ip:port`, or the bare IP when the port is unknown (0, which a bare IP reads back as).
fn client_text(addr: SocketAddr) -> String {
    match addr {
        SocketAddr::V6(v6) if v6.scope_id() != 0 => addr.to_string(),
        _ if addr.port() == 0 => addr.ip().to_string(),
        _ => addr.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use std::io::Cursor;

    use super::*;

    #[test]
    fn next_line_bounds_and_skips() {
        let data = b"short\nthis line is too long\n\nlast";
        let mut r = io::BufReader::with_capacity(4, Cursor::new(&data[..]));
        let mut buf = Vec::new();
        assert_eq!(next_line(&mut r, &mut buf, 10).unwrap(), LineRead::Complete);
        assert_eq!(buf, b"short");
        buf.clear();
        assert_eq!(next_line(&mut r, &mut buf, 10).unwrap(), LineRead::TooLong);
        assert!(buf.is_empty());
        assert_eq!(next_line(&mut r, &mut buf, 10).unwrap(), LineRead::Complete);
        assert!(buf.is_empty());
        assert_eq!(next_line(&mut r, &mut buf, 10).unwrap(), LineRead::Complete);
        assert_eq!(buf, b"last");
        buf.clear();
        assert_eq!(next_line(&mut r, &mut buf, 10).unwrap(), LineRead::Eof);
    }
}
