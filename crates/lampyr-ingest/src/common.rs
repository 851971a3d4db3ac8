//! Conversions shared by the HAR and JSON Lines readers: request targets, addresses, headers,
//! timestamps and identity.

use std::net::{IpAddr, SocketAddr};

use lampyr_core::{Headers, Identity};
use time::format_description::well_known::{Iso8601, Rfc3339};
use time::{OffsetDateTime, PrimitiveDateTime};

use crate::json::{bad, clip, expected, join, take, Bad, Json};

/// Where a request went: the parts of [`lampyr_core::Request`] that come from the URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Target {
    pub scheme: String,
    pub host: String,
    pub port: Option<u16>,
    pub path: String,
    pub query: Option<String>,
}

impl Target {
    /// The port the server listened on: the explicit one, else the scheme's default.
    pub fn effective_port(&self) -> u16 {
        self.port
            .unwrap_or(if self.scheme == "https" { 443 } else { 80 })
    }
}

/// A URL split into parts, without interpretation of the path (kept as sent).
#[derive(Debug, Clone, PartialEq, Eq)]
struct Parsed {
    scheme: Option<String>,
    /// `None` when the URL has no authority (a path) or an empty host.
    host: Option<String>,
    port: Option<u16>,
    path: String,
    query: Option<String>,
}

/// Resolves a request URL: an absolute `http(s)://` URL, or a path (`/a/b?c`, the request
/// target as sent), in which case the host comes from `host_field` (JSON Lines `host`), else
/// the `Host` header, else the HTTP/2 `:authority` pseudo-header.
pub(crate) fn resolve_target(
    url: &str,
    url_field: &str,
    host_field: Option<(&str, &str)>,
    scheme_field: Option<&str>,
    headers: &Headers,
) -> Result<Target, Bad> {
    let parsed = parse_url(url).map_err(|m| bad(url_field, m))?;
    let scheme = match (parsed.scheme, scheme_field.filter(|s| !s.trim().is_empty())) {
        (Some(scheme), _) => scheme,
        (None, Some(field)) => http_scheme(field.trim())
            .ok_or_else(|| {
                bad(
                    "request.scheme",
                    format!("unsupported scheme {:?}", clip(field)),
                )
            })?
            .to_string(),
        (None, None) => headers
            .get(":scheme")
            .and_then(http_scheme)
            .unwrap_or("http")
            .to_string(),
    };
    let (host, port) = match parsed.host {
        Some(host) => (host, parsed.port),
        None => {
            let (value, source) = host_field
                .or_else(|| headers.get("host").map(|h| (h, "request.headers.host")))
                .or_else(|| {
                    headers
                        .get(":authority")
                        .map(|h| (h, "request.headers.:authority"))
                })
                .ok_or_else(|| bad(url_field, "relative URL without Host header"))?;
            let (host, port) = parse_authority(value).map_err(|m| bad(source, m))?;
            if host.is_empty() {
                return Err(bad(source, "empty host"));
            }
            (host, parsed.port.or(port))
        }
    };
    Ok(Target {
        scheme,
        host,
        port,
        path: parsed.path,
        query: parsed.query,
    })
}

fn parse_url(url: &str) -> Result<Parsed, String> {
    let url = url.trim_matches(|c: char| c.is_ascii_whitespace());
    if url.is_empty() {
        return Err("empty URL".into());
    }
    // Anything starting with `/` is the request target as sent (origin form), kept whole:
    // `//x` is a path with an empty first segment there, not a host, and a raw `#` was sent
    // as well (scanners do both).
    let (scheme, rest) = if url.starts_with('/') {
        let (path, query) = split_path_query(url);
        return Ok(Parsed {
            scheme: None,
            host: None,
            port: None,
            path,
            query,
        });
    } else {
        match url.split_once("://") {
            Some((scheme, rest)) if is_scheme(scheme) => match http_scheme(scheme) {
                Some(scheme) => (Some(scheme.to_string()), rest),
                None => return Err(format!("unsupported scheme {:?}", clip(scheme))),
            },
            _ => {
                // The query may carry credentials (`?api_key=`): never echo it.
                let shown = url.split(['?', '#']).next().unwrap_or("");
                return Err(format!(
                    "{:?} is neither an absolute http(s) URL nor a path starting with /",
                    clip(shown)
                ));
            }
        }
    };
    // The fragment of an absolute URL (browsers record it) is never sent.
    let rest = rest.split_once('#').map_or(rest, |(head, _)| head);
    let end = rest.find(['/', '?']).unwrap_or(rest.len());
    let (host, port) = parse_authority(&rest[..end])?;
    let (path, query) = split_path_query(&rest[end..]);
    Ok(Parsed {
        scheme,
        host: (!host.is_empty()).then_some(host),
        port,
        path,
        query,
    })
}

/// `http` or `https` for the schemes of HTTP requests (WebSocket upgrades included).
fn http_scheme(s: &str) -> Option<&'static str> {
    match s.to_ascii_lowercase().as_str() {
        "http" | "ws" => Some("http"),
        "https" | "wss" => Some("https"),
        _ => None,
    }
}

fn is_scheme(s: &str) -> bool {
    let mut chars = s.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
}

/// Splits `/path?query` (either part may be missing); an empty path becomes `/`.
fn split_path_query(s: &str) -> (String, Option<String>) {
    let (path, query) = match s.split_once('?') {
        Some((path, query)) => (path, Some(query.to_string())),
        None => (s, None),
    };
    let path = if path.is_empty() { "/" } else { path };
    (path.to_string(), query)
}

/// Splits `[userinfo@]host[:port]` into a lower-case host (IPv6 kept in brackets) and port.
pub(crate) fn parse_authority(authority: &str) -> Result<(String, Option<u16>), String> {
    let authority = authority.trim();
    let authority = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let (host, port) = if authority.starts_with('[') {
        let end = authority
            .find(']')
            .ok_or_else(|| format!("unclosed IPv6 address in {:?}", clip(authority)))?;
        let rest = &authority[end + 1..];
        let port = match rest {
            "" => "",
            _ => rest
                .strip_prefix(':')
                .ok_or_else(|| format!("invalid authority {:?}", clip(authority)))?,
        };
        (&authority[..=end], port)
    } else {
        authority.rsplit_once(':').unwrap_or((authority, ""))
    };
    if host
        .chars()
        .any(|c| c.is_control() || c.is_whitespace() || matches!(c, '/' | '\\' | '?' | '#'))
    {
        return Err(format!("invalid host {:?}", clip(host)));
    }
    let port = match port {
        "" => None,
        p => Some(
            p.parse::<u16>()
                .map_err(|_| format!("invalid port {:?}", clip(p)))?,
        ),
    };
    Ok((host.to_ascii_lowercase(), port))
}

/// Parses `ip`, `ip:port`, `[v6]` or `[v6]:port`; a missing port becomes `default_port`.
pub(crate) fn parse_addr(text: &str, default_port: u16) -> Option<SocketAddr> {
    let text = text.trim().trim_matches('"');
    if let Ok(addr) = text.parse::<SocketAddr>() {
        return Some(addr);
    }
    let ip = text
        .strip_prefix('[')
        .and_then(|t| t.strip_suffix(']'))
        .unwrap_or(text);
    ip.parse::<IpAddr>()
        .ok()
        .map(|ip| SocketAddr::new(ip, default_port))
}

/// An explicit address field (`_clientIPAddress`, `client`, `server`): absent or empty is
/// `None`, anything else must parse.
pub(crate) fn addr_field(
    value: Option<Json<'_>>,
    field: &str,
    default_port: u16,
) -> Result<Option<SocketAddr>, Bad> {
    let Some(value) = value else { return Ok(None) };
    let text = value.into_string(field)?;
    if text.trim().is_empty() {
        return Ok(None);
    }
    parse_addr(&text, default_port)
        .map(Some)
        .ok_or_else(|| bad(field, format!("not an IP address: {:?}", clip(&text))))
}

/// The client named by `X-Forwarded-For` (first address) or else `X-Real-IP`. These headers
/// are client-controlled, so an unparsable value is ignored rather than an error.
pub(crate) fn forwarded_client(headers: &Headers) -> Option<SocketAddr> {
    headers
        .get("x-forwarded-for")
        .and_then(|v| v.split(',').next())
        .and_then(|first| parse_addr(first, 0))
        .or_else(|| headers.get("x-real-ip").and_then(|v| parse_addr(v, 0)))
}

/// Header fields in any of the accepted shapes: `[{"name":..,"value":..}]` (HAR),
/// `[[name, value]]`, or `{"name": value | [values]}` (log plugins; there `null` and `""`
/// mean the header was absent). Order is kept.
pub(crate) fn headers(value: Option<Json<'_>>, field: &str) -> Result<Headers, Bad> {
    // Field paths are built only when there is an error: this runs for every header.
    let mut out = Headers::new();
    match value {
        None => {}
        Some(Json::Array(items)) => {
            for (i, item) in items.into_iter().enumerate() {
                let at = |suffix: &str| format!("{field}[{i}]{suffix}");
                match item {
                    Json::Object(mut members) => {
                        let name = take(&mut members, "name")
                            .ok_or_else(|| bad(at(".name"), "missing"))?
                            .into_scalar_string("")
                            .map_err(|e| e.at(at(".name")))?;
                        let value = take(&mut members, "value")
                            .ok_or_else(|| bad(at(".value"), "missing"))?
                            .into_scalar_string("")
                            .map_err(|e| e.at(at(".value")))?;
                        out.append(name, value);
                    }
                    Json::Array(pair) if pair.len() == 2 => {
                        let mut pair = pair.into_iter();
                        let name = pair.next().unwrap_or_default();
                        let value = pair.next().unwrap_or_default();
                        out.append(
                            name.into_scalar_string("").map_err(|e| e.at(at("[0]")))?,
                            value.into_scalar_string("").map_err(|e| e.at(at("[1]")))?,
                        );
                    }
                    Json::Array(_) => {
                        return Err(bad(at(""), "expected a [name, value] pair"));
                    }
                    other => {
                        return Err(expected(
                            &at(""),
                            "a header object or [name, value] pair",
                            &other,
                        ))
                    }
                }
            }
        }
        Some(Json::Object(members)) => {
            for (name, value) in members {
                match value {
                    Json::Array(values) => {
                        for (i, v) in values.into_iter().enumerate() {
                            let v = v
                                .into_scalar_string("")
                                .map_err(|e| e.at(format!("{}[{i}]", join(field, &name))))?;
                            out.append(name.to_string(), v);
                        }
                    }
                    // Log templates write null or "" for a header that was absent.
                    Json::Null => {}
                    Json::Str(v) if v.is_empty() => {}
                    v => {
                        let v = v
                            .into_scalar_string("")
                            .map_err(|e| e.at(join(field, &name)))?;
                        out.append(name.to_string(), v);
                    }
                }
            }
        }
        Some(other) => return Err(expected(field, "an array or object of headers", &other)),
    }
    Ok(out)
}

/// Adds a `Cookie` header built from a HAR `cookies` array when the headers have none
/// (some exporters strip the header but keep the parsed list). Malformed items are skipped:
/// the list is informational.
pub(crate) fn synthesize_cookie(headers: &mut Headers, cookies: Option<Json<'_>>) {
    if headers.contains("cookie") {
        return;
    }
    let Some(Json::Array(items)) = cookies else {
        return;
    };
    let pairs: Vec<String> = items
        .into_iter()
        .filter_map(|item| {
            let Json::Object(mut members) = item else {
                return None;
            };
            let name = take(&mut members, "name")?.into_scalar_string("").ok()?;
            let value = take(&mut members, "value")
                .and_then(|v| v.into_scalar_string("").ok())
                .unwrap_or_default();
            Some(format!("{name}={value}"))
        })
        .collect();
    if !pairs.is_empty() {
        headers.append("Cookie", pairs.join("; "));
    }
}

/// An identity object `{consumer, user, token_id}`; all members absent means `None`.
pub(crate) fn identity(value: Option<Json<'_>>, field: &str) -> Result<Option<Identity>, Bad> {
    let Some(value) = value else { return Ok(None) };
    let mut members = value.into_object(field)?;
    let mut member = |key: &str| -> Result<Option<String>, Bad> {
        take(&mut members, key)
            .map(|v| {
                v.into_scalar_string(&join(field, key))
                    .map(|s| s.into_owned())
            })
            .transpose()
    };
    let identity = Identity {
        consumer: member("consumer")?,
        user: member("user")?,
        token_id: member("token_id")?,
    };
    Ok((identity != Identity::default()).then_some(identity))
}

/// A start time: an RFC 3339 / ISO 8601 string (an offset-less one is taken as UTC), or an
/// epoch number (see [`epoch_to_us`]), also when quoted. Returns microseconds since the epoch.
pub(crate) fn timestamp(value: Option<Json<'_>>, field: &str) -> Result<Option<i64>, Bad> {
    let Some(value) = value else { return Ok(None) };
    match value {
        Json::Str(s) if s.trim().is_empty() => Ok(None),
        Json::Str(s) => parse_datetime(&s)
            .or_else(|| s.trim().parse::<f64>().ok().and_then(epoch_to_us))
            .map(Some)
            .ok_or_else(|| bad(field, format!("not an RFC 3339 date-time: {:?}", clip(&s)))),
        other => {
            let n = other.as_number(field)?;
            epoch_to_us(n)
                .map(Some)
                .ok_or_else(|| bad(field, format!("epoch time out of range: {n}")))
        }
    }
}

/// Epoch milliseconds to microseconds. Numbers below 10^11 cannot be milliseconds of any
/// plausible capture (that is 1973) and are taken as seconds, which is what nginx's `$msec`
/// and many log pipelines write.
pub(crate) fn epoch_to_us(n: f64) -> Option<i64> {
    if !n.is_finite() || n < 0.0 {
        return None;
    }
    // The last microsecond of year 9999: dates beyond cannot be written back as RFC 3339.
    const MAX_US: f64 = 253_402_300_799_999_999.0;
    let us = if n < 1e11 { n * 1e6 } else { n * 1e3 };
    (us <= MAX_US).then(|| us.round() as i64)
}

fn parse_datetime(text: &str) -> Option<i64> {
    let text = text.trim();
    let owned;
    // Tolerate "YYYY-MM-DD hh:mm:ss" (space instead of T).
    let text = if text.len() > 10 && text.as_bytes()[10] == b' ' && text.is_char_boundary(11) {
        owned = format!("{}T{}", &text[..10], &text[11..]);
        &owned
    } else {
        text
    };
    let dt = OffsetDateTime::parse(text, &Rfc3339)
        .or_else(|_| OffsetDateTime::parse(text, &Iso8601::DEFAULT))
        .or_else(|_| PrimitiveDateTime::parse(text, &Iso8601::DEFAULT).map(|p| p.assume_utc()))
        .ok()?;
    i64::try_from(dt.unix_timestamp_nanos() / 1000).ok()
}

/// A duration in milliseconds; negative values (HAR's `-1`) mean unknown.
pub(crate) fn duration_ms(value: Option<Json<'_>>, field: &str) -> Result<Option<f64>, Bad> {
    let Some(value) = value else { return Ok(None) };
    let n = value.as_number(field)?;
    Ok((n >= 0.0).then_some(n))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn target(url: &str, headers: &[(&str, &str)]) -> Result<Target, Bad> {
        let headers: Headers = headers.iter().copied().collect();
        resolve_target(url, "request.url", None, None, &headers)
    }

    #[test]
    fn absolute_urls_split_into_parts() {
        let t = target(
            "HTTPS://user:pw@API.Example.com:8443/a%20b/c?x=1&y=%2F#frag",
            &[],
        )
        .unwrap();
        assert_eq!(t.scheme, "https");
        assert_eq!(t.host, "api.example.com");
        assert_eq!(t.port, Some(8443));
        assert_eq!(t.path, "/a%20b/c");
        assert_eq!(t.query.as_deref(), Some("x=1&y=%2F"));

        let t = target("http://example.com", &[]).unwrap();
        assert_eq!((t.path.as_str(), t.query, t.port), ("/", None, None));
        let t = target("http://example.com?", &[]).unwrap();
        assert_eq!((t.path.as_str(), t.query.as_deref()), ("/", Some("")));
        let t = target("//double/slash", &[("Host", "h")]).unwrap();
        assert_eq!((t.host.as_str(), t.path.as_str()), ("h", "//double/slash"));
        let t = target("wss://[::1]:9000/socket", &[]).unwrap();
        assert_eq!(
            (t.scheme.as_str(), t.host.as_str(), t.port),
            ("https", "[::1]", Some(9000))
        );
        assert_eq!(t.effective_port(), 9000);
    }

    #[test]
    fn relative_urls_take_the_host_header() {
        let t = target("/v1/users?id=3", &[("Host", "Shop.example:8080")]).unwrap();
        assert_eq!((t.host.as_str(), t.port), ("shop.example", Some(8080)));
        assert_eq!(t.path, "/v1/users");
        let t = target("/x", &[(":authority", "h2.example"), (":scheme", "https")]).unwrap();
        assert_eq!(
            (t.host.as_str(), t.scheme.as_str()),
            ("h2.example", "https")
        );
        let e = target("/x", &[]).unwrap_err();
        assert_eq!(e.field, "request.url");
        assert_eq!(e.message, "relative URL without Host header");
        let e = target("/x", &[("Host", "a.example:http")]).unwrap_err();
        assert!(e.message.contains("invalid port"), "{e:?}");
    }

    #[test]
    fn bad_urls_are_errors() {
        for url in [
            "",
            "data:text/plain,hi",
            "ftp://x/y",
            "example.com/x",
            "http://h:99999/",
        ] {
            assert!(target(url, &[("Host", "h")]).is_err(), "{url}");
        }
    }

    #[test]
    fn addresses_with_and_without_port() {
        assert_eq!(
            parse_addr("10.0.0.1", 0),
            Some("10.0.0.1:0".parse().unwrap())
        );
        assert_eq!(
            parse_addr(" 10.0.0.1:5 ", 0),
            Some("10.0.0.1:5".parse().unwrap())
        );
        assert_eq!(parse_addr("[::1]", 443), Some("[::1]:443".parse().unwrap()));
        assert_eq!(parse_addr("::1", 0), Some("[::1]:0".parse().unwrap()));
        assert_eq!(parse_addr("unknown", 0), None);
    }

    #[test]
    fn forwarded_headers() {
        let h: Headers = [
            ("X-Forwarded-For", "203.0.113.7, 10.0.0.1"),
            ("X-Real-IP", "10.9.9.9"),
        ]
        .into_iter()
        .collect();
        assert_eq!(forwarded_client(&h), Some("203.0.113.7:0".parse().unwrap()));
        let h: Headers = [("X-Forwarded-For", "garbage"), ("X-Real-IP", "10.9.9.9")]
            .into_iter()
            .collect();
        assert_eq!(forwarded_client(&h), Some("10.9.9.9:0".parse().unwrap()));
    }

    #[test]
    fn timestamps() {
        let t = |s: &str| timestamp(Some(Json::Str(s.into())), "started");
        assert_eq!(t("1970-01-01T00:00:01.5Z"), Ok(Some(1_500_000)));
        assert_eq!(t("1970-01-01T01:00:01+01:00"), Ok(Some(1_000_000)));
        assert_eq!(t("1970-01-01 00:00:02"), Ok(Some(2_000_000)));
        assert_eq!(t("1710789143685"), Ok(Some(1_710_789_143_685_000)));
        assert!(t("yesterday").is_err());
        let n = |n: f64| timestamp(Some(Json::Float(n)), "started");
        assert_eq!(n(1_710_789_143_685.0), Ok(Some(1_710_789_143_685_000)));
        assert_eq!(n(1_710_789_143.685), Ok(Some(1_710_789_143_685_000)));
        assert!(n(-1.0).is_err());
    }
}
