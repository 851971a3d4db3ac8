//! HAR 1.2 reader. The file is one JSON object; `log.entries` is walked with a streaming
//! visitor so each entry is converted and handed on as soon as it is parsed, and memory stays
//! bounded by the largest entry rather than the file.

use std::fmt;
use std::io::Read;
use std::ops::ControlFlow;

use lampyr_core::{Body, Exchange, Headers, Request, Response, Source, SourceKind, Timing};
use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};

use crate::common::{self, Target};
use crate::decode::{self, base64_decode, RawBody};
use crate::error::{from_json, EntryError, IngestError, Location};
use crate::json::{bad, join, take, Bad, Json};
use crate::{Emitter, Item, ReadOptions};

/// Marker message of the error used to unwind the parser when the sink asks to stop.
const STOP: &str = "lampyr-ingest: stopped by the caller";

/// Reads a HAR from `reader`, emitting every entry in order.
pub(crate) fn read<R: Read>(reader: R, em: &mut Emitter<'_>) -> Result<(), IngestError> {
    let mut de = serde_json::Deserializer::from_reader(reader);
    let mut state = State {
        em,
        next_index: 0,
        saw_log: false,
        saw_entries: false,
    };
    if let Err(e) = TopSeed(&mut state).deserialize(&mut de) {
        if state.em.stopped {
            return Ok(());
        }
        return Err(from_json(e));
    }
    if !state.saw_log {
        return Err(IngestError::NotHar(
            "the top-level object has no \"log\" member".into(),
        ));
    }
    if !state.saw_entries {
        return Err(IngestError::NotHar(
            "\"log\" has no \"entries\" array".into(),
        ));
    }
    de.end().map_err(from_json)
}

struct State<'s, 'a> {
    em: &'s mut Emitter<'a>,
    next_index: u64,
    saw_log: bool,
    saw_entries: bool,
}

impl State<'_, '_> {
    fn entry(&mut self, entry: Json<'_>) -> ControlFlow<()> {
        let index = self.next_index;
        self.next_index += 1;
        let item = match convert(entry, index, self.em.opts) {
            Ok(exchange) => Item::Exchange(Box::new(exchange)),
            Err(bad) => Item::Skipped(EntryError::new(Location::Entry(index), bad)),
        };
        self.em.emit(item)
    }
}

/// The top-level object: only `log` is read, other members are skipped.
struct TopSeed<'r, 's, 'a>(&'r mut State<'s, 'a>);

impl<'de> DeserializeSeed<'de> for TopSeed<'_, '_, '_> {
    type Value = ();
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for TopSeed<'_, '_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a HAR object with a \"log\" member")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(key) = map.next_key::<String>()? {
            if key == "log" {
                self.0.saw_log = true;
                map.next_value_seed(LogSeed(&mut *self.0))?;
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(())
    }
}

/// The `log` object: `entries` may come before or after `version`, `creator`, `pages`...
struct LogSeed<'r, 's, 'a>(&'r mut State<'s, 'a>);

impl<'de> DeserializeSeed<'de> for LogSeed<'_, '_, '_> {
    type Value = ();
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for LogSeed<'_, '_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the HAR \"log\" object")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(key) = map.next_key::<String>()? {
            if key == "entries" {
                self.0.saw_entries = true;
                map.next_value_seed(EntriesSeed(&mut *self.0))?;
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(())
    }
}

/// The `log.entries` array, handed on one entry at a time.
struct EntriesSeed<'r, 's, 'a>(&'r mut State<'s, 'a>);

impl<'de> DeserializeSeed<'de> for EntriesSeed<'_, '_, '_> {
    type Value = ();
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for EntriesSeed<'_, '_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the \"log.entries\" array")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while let Some(entry) = seq.next_element::<Json<'de>>()? {
            if self.0.entry(entry).is_break() {
                return Err(de::Error::custom(STOP));
            }
        }
        Ok(())
    }
}

/// Converts one HAR entry.
fn convert(entry: Json<'_>, index: u64, opts: &ReadOptions) -> Result<Exchange, Bad> {
    let mut entry = entry.into_object("")?;
    let mut req = take(&mut entry, "request")
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
    let version = version(take(&mut req, "httpVersion"), "request.httpVersion")?;
    let mut headers = common::headers(take(&mut req, "headers"), "request.headers")?;
    common::synthesize_cookie(&mut headers, take(&mut req, "cookies"));
    let target = common::resolve_target(&url, "request.url", None, None, &headers)?;
    let server_port = target.effective_port();
    let Target {
        scheme,
        host,
        port,
        path,
        query,
    } = target;
    let body = match take(&mut req, "postData") {
        Some(post) => post_data(post, &headers, opts)?,
        None => Body::empty(),
    };

    let response = response(take(&mut entry, "response"), opts)?;
    let timing = Timing {
        started_us: common::timestamp(take(&mut entry, "startedDateTime"), "startedDateTime")?,
        duration_ms: common::duration_ms(take(&mut entry, "time"), "time")?,
    };
    // Browsers write "" for cached entries and "[v6]" for IPv6; anything unparsable is
    // dropped rather than failing the entry (it is informational).
    let server = match take(&mut entry, "serverIPAddress") {
        Some(Json::Str(ip)) => common::parse_addr(&ip, server_port),
        _ => None,
    };
    let client =
        match common::addr_field(take(&mut entry, "_clientIPAddress"), "_clientIPAddress", 0)? {
            Some(addr) => Some(addr),
            None if opts.trust_forwarded => common::forwarded_client(&headers),
            None => None,
        };
    let identity = common::identity(take(&mut entry, "_identity"), "_identity")?;

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
            kind: SourceKind::Har,
            input: opts.input,
            index,
        },
    })
}

fn version(value: Option<Json<'_>>, field: &str) -> Result<String, Bad> {
    match value {
        None => Ok("HTTP/1.1".into()),
        Some(v) => {
            let v = v.into_string(field)?;
            Ok(if v.trim().is_empty() {
                "HTTP/1.1".into()
            } else {
                v.into_owned()
            })
        }
    }
}

/// The response; missing, `null`, `{}`, no status or status 0 (the browser got none) mean
/// there was no response.
fn response(value: Option<Json<'_>>, opts: &ReadOptions) -> Result<Option<Response>, Bad> {
    let Some(value) = value else { return Ok(None) };
    let mut resp = value.into_object("response")?;
    let Some(status) = take(&mut resp, "status") else {
        return Ok(None);
    };
    let status = status_code(&status, "response.status")?;
    if status == 0 {
        return Ok(None);
    }
    let version = version(take(&mut resp, "httpVersion"), "response.httpVersion")?;
    let headers = common::headers(take(&mut resp, "headers"), "response.headers")?;
    let raw = match take(&mut resp, "content") {
        None => RawBody::text(String::new()),
        Some(content) => {
            let mut content = content.into_object("response.content")?;
            let encoding = take(&mut content, "encoding")
                .map(|e| e.into_string("response.content.encoding"))
                .transpose()?;
            match take(&mut content, "text") {
                None => RawBody::text(String::new()),
                Some(text) => text_body(
                    text.into_string("response.content.text")?.into_owned(),
                    encoding.as_deref(),
                    "response.content.text",
                )?,
            }
        }
    };
    let body = decode::body(raw, &headers, opts);
    Ok(Some(Response {
        status,
        version,
        headers,
        body,
    }))
}

/// A status code: an integer 0..=999 (also accepted as a numeric string).
pub(crate) fn status_code(value: &Json<'_>, field: &str) -> Result<u16, Bad> {
    let n = value.as_number(field)?;
    if n.fract() != 0.0 || !(0.0..=999.0).contains(&n) {
        return Err(bad(field, format!("not an HTTP status code: {n}")));
    }
    Ok(n as u16)
}

/// Body text with its optional `encoding` (`base64` is the only one defined).
pub(crate) fn text_body(text: String, encoding: Option<&str>, field: &str) -> Result<RawBody, Bad> {
    match encoding.map(str::trim) {
        Some(enc) if enc.eq_ignore_ascii_case("base64") => base64_decode(&text)
            .map(|bytes| RawBody {
                bytes,
                binary: true,
            })
            .ok_or_else(|| bad(field, "invalid base64")),
        _ => Ok(RawBody::text(text)),
    }
}

/// `request.postData`: its `text`, else its `params` re-encoded.
fn post_data(value: Json<'_>, headers: &Headers, opts: &ReadOptions) -> Result<Body, Bad> {
    let mut post = value.into_object("request.postData")?;
    let mime = take(&mut post, "mimeType")
        .map(|m| m.into_string("request.postData.mimeType"))
        .transpose()?;
    let encoding = take(&mut post, "encoding")
        .map(|e| e.into_string("request.postData.encoding"))
        .transpose()?;
    let text = take(&mut post, "text")
        .map(|t| t.into_string("request.postData.text"))
        .transpose()?;
    let raw = match text {
        Some(text) if !text.is_empty() => text_body(
            text.into_owned(),
            encoding.as_deref(),
            "request.postData.text",
        )?,
        _ => match take(&mut post, "params") {
            Some(params) => {
                let mime = mime
                    .as_deref()
                    .filter(|m| !m.trim().is_empty())
                    .or_else(|| headers.get("content-type"))
                    .unwrap_or("");
                RawBody::text(encode_params(params, mime)?)
            }
            None => RawBody::text(String::new()),
        },
    };
    Ok(decode::body(raw, headers, opts))
}

struct Param {
    name: String,
    value: String,
    file_name: Option<String>,
    content_type: Option<String>,
}

/// Rebuilds a body from HAR `params`: multipart when the media type is multipart with a
/// boundary, else `application/x-www-form-urlencoded`.
fn encode_params(value: Json<'_>, mime: &str) -> Result<String, Bad> {
    const FIELD: &str = "request.postData.params";
    let mut params = Vec::new();
    for (i, item) in value.into_array(FIELD)?.into_iter().enumerate() {
        let at = format!("{FIELD}[{i}]");
        let mut members = item.into_object(&at)?;
        let mut member = |key: &str| -> Result<Option<String>, Bad> {
            take(&mut members, key)
                .map(|v| {
                    v.into_scalar_string(&join(&at, key))
                        .map(|s| s.into_owned())
                })
                .transpose()
        };
        params.push(Param {
            name: member("name")?.ok_or_else(|| bad(join(&at, "name"), "missing"))?,
            value: member("value")?.unwrap_or_default(),
            file_name: member("fileName")?,
            content_type: member("contentType")?,
        });
    }
    let lower = mime.to_ascii_lowercase();
    if lower.trim_start().starts_with("multipart/") {
        if let Some(boundary) = boundary(mime) {
            return Ok(multipart(&params, &boundary));
        }
    }
    let mut out = String::new();
    for (i, p) in params.iter().enumerate() {
        if i > 0 {
            out.push('&');
        }
        form_encode(&p.name, &mut out);
        out.push('=');
        form_encode(&p.value, &mut out);
    }
    Ok(out)
}

/// The `boundary` parameter of a multipart media type.
fn boundary(mime: &str) -> Option<String> {
    mime.split(';').skip(1).find_map(|param| {
        let (name, value) = param.split_once('=')?;
        name.trim()
            .eq_ignore_ascii_case("boundary")
            .then(|| value.trim().trim_matches('"').to_string())
            .filter(|b| !b.is_empty())
    })
}

fn multipart(params: &[Param], boundary: &str) -> String {
    let mut out = String::new();
    for p in params {
        out.push_str("--");
        out.push_str(boundary);
        out.push_str("\r\nContent-Disposition: form-data; name=\"");
        out.push_str(&p.name.replace('"', "%22"));
        out.push('"');
        if let Some(file) = &p.file_name {
            out.push_str("; filename=\"");
            out.push_str(&file.replace('"', "%22"));
            out.push('"');
        }
        out.push_str("\r\n");
        if let Some(ct) = &p.content_type {
            out.push_str("Content-Type: ");
            out.push_str(ct);
            out.push_str("\r\n");
        }
        out.push_str("\r\n");
        out.push_str(&p.value);
        out.push_str("\r\n");
    }
    out.push_str("--");
    out.push_str(boundary);
    out.push_str("--\r\n");
    out
}

/// The `application/x-www-form-urlencoded` serializer of the WHATWG URL standard.
fn form_encode(s: &str, out: &mut String) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    for &b in s.as_bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'*' | b'-' | b'.' | b'_' => {
                out.push(b as char)
            }
            b' ' => out.push('+'),
            _ => {
                out.push('%');
                out.push(HEX[usize::from(b >> 4)] as char);
                out.push(HEX[usize::from(b & 15)] as char);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn form_encoding_matches_whatwg() {
        let mut out = String::new();
        form_encode("a b&c=d/é*", &mut out);
        assert_eq!(out, "a+b%26c%3Dd%2F%C3%A9*");
    }

    #[test]
    fn boundary_is_found_with_quotes_and_case() {
        assert_eq!(
            boundary("multipart/form-data; Boundary=\"xyz\"").as_deref(),
            Some("xyz")
        );
        assert_eq!(boundary("multipart/form-data"), None);
    }
}
