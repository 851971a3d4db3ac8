//! Header hygiene of the proxy, both directions.
//!
//! Hop-by-hop headers describe one connection and must not travel to the next one, or a
//! client could make the gateway drop headers it adds or smuggle framing to the upstream.
//! `Authorization` is deliberately forwarded: upstreams may want to read the token (JWT
//! claims) or run their own checks; a route that must hide it can use a policy upstream.

use std::sync::atomic::{AtomicU64, Ordering};

use http::header::{
    HeaderName, HeaderValue, CONNECTION, HOST, TE, TRAILER, TRANSFER_ENCODING, UPGRADE,
};
use http::{HeaderMap, Version};

/// `X-Request-Id`.
pub static X_REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");
/// `X-Forwarded-For`.
pub static X_FORWARDED_FOR: HeaderName = HeaderName::from_static("x-forwarded-for");
/// `X-Forwarded-Proto`.
pub static X_FORWARDED_PROTO: HeaderName = HeaderName::from_static("x-forwarded-proto");
/// `X-Forwarded-Host`.
pub static X_FORWARDED_HOST: HeaderName = HeaderName::from_static("x-forwarded-host");
/// W3C trace context.
pub static TRACEPARENT: HeaderName = HeaderName::from_static("traceparent");

/// Longest accepted incoming request id.
pub const MAX_REQUEST_ID: usize = 64;

/// Whether the request asks for a protocol upgrade (WebSocket): HTTP/1.1 with `Upgrade` and
/// `Connection: upgrade`.
pub fn is_upgrade(version: Version, headers: &HeaderMap) -> bool {
    version == Version::HTTP_11
        && headers.contains_key(UPGRADE)
        && connection_tokens(headers).any(|t| t.eq_ignore_ascii_case("upgrade"))
}

fn connection_tokens(headers: &HeaderMap) -> impl Iterator<Item = &str> {
    headers
        .get_all(CONNECTION)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .filter(|t| !t.is_empty())
}

/// Removes hop-by-hop headers. With `upgrade`, `Upgrade` survives and `Connection` becomes
/// exactly `upgrade`, which is what the next hop needs to switch protocols.
pub fn strip_hop_by_hop(headers: &mut HeaderMap, upgrade: bool) {
    // One scan of the names says which of them are present (most messages carry none, or
    // only `Connection: keep-alive`), so absent names cost no lookup.
    let present = headers.keys().fold(0u8, |acc, n| acc | hop_bit(n));
    if present == 0 && !upgrade {
        return;
    }
    if present & HOP_CONNECTION != 0 {
        // `keep-alive` and `upgrade` are handled below whatever `Connection` says.
        let listed: Vec<HeaderName> = connection_tokens(headers)
            .filter(|t| !t.eq_ignore_ascii_case("keep-alive") && !t.eq_ignore_ascii_case("upgrade"))
            .filter_map(|t| HeaderName::from_bytes(t.as_bytes()).ok())
            .take(64)
            .collect();
        for name in listed {
            // Never let a client remove what the proxy relies on through `Connection`.
            if name == HOST || name == X_REQUEST_ID || name == TRACEPARENT {
                continue;
            }
            headers.remove(&name);
        }
    }
    let keeps_trailers = present & HOP_TE != 0
        && headers
            .get_all(TE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .any(|t| t.trim().eq_ignore_ascii_case("trailers"));
    if present & HOP_CONNECTION != 0 {
        headers.remove(CONNECTION);
    }
    if present & HOP_TE != 0 {
        headers.remove(TE);
    }
    if present & HOP_TRAILER != 0 {
        headers.remove(TRAILER);
    }
    if present & HOP_TRANSFER_ENCODING != 0 {
        headers.remove(TRANSFER_ENCODING);
    }
    if present & HOP_KEEP_ALIVE != 0 {
        headers.remove("keep-alive");
    }
    if present & HOP_PROXY_CONNECTION != 0 {
        headers.remove("proxy-connection");
    }
    if keeps_trailers {
        headers.insert(TE, HeaderValue::from_static("trailers"));
    }
    if upgrade {
        headers.insert(CONNECTION, HeaderValue::from_static("upgrade"));
    } else if present & HOP_UPGRADE != 0 {
        headers.remove(UPGRADE);
    }
}

const HOP_CONNECTION: u8 = 1;
const HOP_TE: u8 = 1 << 1;
const HOP_TRAILER: u8 = 1 << 2;
const HOP_TRANSFER_ENCODING: u8 = 1 << 3;
const HOP_UPGRADE: u8 = 1 << 4;
const HOP_KEEP_ALIVE: u8 = 1 << 5;
const HOP_PROXY_CONNECTION: u8 = 1 << 6;

/// The `HOP_*` bit of a header [`strip_hop_by_hop`] always removes, else 0.
fn hop_bit(name: &HeaderName) -> u8 {
    if name == CONNECTION {
        HOP_CONNECTION
    } else if name == TE {
        HOP_TE
    } else if name == TRAILER {
        HOP_TRAILER
    } else if name == TRANSFER_ENCODING {
        HOP_TRANSFER_ENCODING
    } else if name == UPGRADE {
        HOP_UPGRADE
    } else if name.as_str() == "keep-alive" {
        HOP_KEEP_ALIVE
    } else if name.as_str() == "proxy-connection" {
        HOP_PROXY_CONNECTION
    } else {
        0
    }
}

/// Most `X-Forwarded-For` entries looked at (an attacker controls the left part of the chain).
const MAX_FORWARDED_HOPS: usize = 16;

/// The client named by `X-Forwarded-For` when `peer` is a trusted proxy: walking from the
/// right, the first address that is not itself trusted (the leftmost one when all are).
/// `None` (use the peer) when the peer is not trusted, the header is absent, or an entry that
/// must be read is not an address.
pub fn forwarded_client(
    trusted: &[ipnet::IpNet],
    peer: std::net::IpAddr,
    headers: &HeaderMap,
) -> Option<std::net::IpAddr> {
    if trusted.is_empty() || !trusted.iter().any(|n| n.contains(&peer)) {
        return None;
    }
    let mut chosen = None;
    let mut seen = 0usize;
    let values: Vec<&str> = headers
        .get_all(&X_FORWARDED_FOR)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .collect();
    for value in values.iter().rev() {
        for entry in value.rsplit(',') {
            seen += 1;
            if seen > MAX_FORWARDED_HOPS {
                return chosen;
            }
            let ip = parse_forwarded_entry(entry.trim())?;
            chosen = Some(ip);
            if !trusted.iter().any(|n| n.contains(&ip)) {
                return chosen;
            }
        }
    }
    chosen
}

/// One `X-Forwarded-For` entry: an address, `[v6]:port` or `v4:port`.
fn parse_forwarded_entry(s: &str) -> Option<std::net::IpAddr> {
    if let Ok(ip) = s.parse() {
        return Some(ip);
    }
    if let Ok(sa) = s.parse::<std::net::SocketAddr>() {
        return Some(sa.ip());
    }
    None
}

/// Sets the headers that tell the upstream about the original request.
pub fn add_forwarding(
    headers: &mut HeaderMap,
    client_ip: std::net::IpAddr,
    proto: &'static str,
    host: &str,
    request_id: &str,
    traceparent: &str,
) {
    let previous: Vec<&str> = headers
        .get_all(&X_FORWARDED_FOR)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .collect();
    if previous.is_empty() {
        headers.insert(X_FORWARDED_FOR.clone(), ip_value(client_ip));
    } else {
        let xff = format!("{}, {client_ip}", previous.join(", "));
        if let Ok(v) = HeaderValue::from_str(&xff) {
            headers.insert(X_FORWARDED_FOR.clone(), v);
        }
    }
    headers.insert(X_FORWARDED_PROTO.clone(), HeaderValue::from_static(proto));
    match HeaderValue::from_str(host) {
        Ok(v) if !host.is_empty() => {
            headers.insert(X_FORWARDED_HOST.clone(), v);
        }
        _ => {
            headers.remove(&X_FORWARDED_HOST);
        }
    }
    if let Ok(v) = HeaderValue::from_str(request_id) {
        headers.insert(X_REQUEST_ID.clone(), v);
    }
    if let Ok(v) = HeaderValue::from_str(traceparent) {
        headers.insert(TRACEPARENT.clone(), v);
    }
}

/// `ip` as a header value. The last one is kept per thread: consecutive requests mostly
/// come from the same client (keep-alive), and formatting an address costs two allocations.
fn ip_value(ip: std::net::IpAddr) -> HeaderValue {
    use std::cell::RefCell;
    thread_local! {
        static LAST: RefCell<Option<(std::net::IpAddr, HeaderValue)>> = const { RefCell::new(None) };
    }
    LAST.with(|last| {
        let mut last = last.borrow_mut();
        if let Some((cached, v)) = last.as_ref() {
            if *cached == ip {
                return v.clone();
            }
        }
        // An address always formats to a valid header value.
        let v = HeaderValue::from_maybe_shared(bytes::Bytes::from(ip.to_string()))
            .unwrap_or_else(|_| HeaderValue::from_static("unknown"));
        *last = Some((ip, v.clone()));
        v
    })
}

/// The incoming `X-Request-Id` when it is safe to echo (≤ 64 of `[A-Za-z0-9._-]`), else a new
/// random one.
pub fn request_id(headers: &HeaderMap) -> String {
    if let Some(v) = headers.get(&X_REQUEST_ID).and_then(|v| v.to_str().ok()) {
        let valid = !v.is_empty()
            && v.len() <= MAX_REQUEST_ID
            && v.bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'));
        if valid {
            return v.to_string();
        }
    }
    crate::hex::encode(&random::<16>())
}

/// The `traceparent` to send upstream: the client's trace id with a new parent span id when
/// the incoming one is valid (version 00 format), else a new sampled trace.
pub fn traceparent(headers: &HeaderMap) -> String {
    let mut out = String::with_capacity(55);
    out.push_str("00-");
    match headers
        .get(&TRACEPARENT)
        .and_then(|v| v.to_str().ok())
        .and_then(parse_traceparent)
    {
        Some((trace, flags)) => {
            out.push_str(trace);
            out.push('-');
            push_hex(&mut out, &nonzero_random::<8>());
            out.push('-');
            out.push_str(flags);
        }
        None => {
            push_hex(&mut out, &nonzero_random::<16>());
            out.push('-');
            push_hex(&mut out, &nonzero_random::<8>());
            out.push_str("-01");
        }
    }
    out
}

/// Appends `bytes` as lower-case hex.
fn push_hex(out: &mut String, bytes: &[u8]) {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    for b in bytes {
        out.push(DIGITS[(b >> 4) as usize] as char);
        out.push(DIGITS[(b & 0xf) as usize] as char);
    }
}

/// Trace id and flags of a valid `traceparent`.
fn parse_traceparent(v: &str) -> Option<(&str, &str)> {
    let v = v.trim();
    let mut parts = v.split('-');
    let (version, trace, parent, flags) =
        (parts.next()?, parts.next()?, parts.next()?, parts.next()?);
    let lower_hex = |s: &str, n: usize| {
        s.len() == n && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
    };
    let valid = lower_hex(version, 2)
        && version != "ff"
        && (version != "00" || parts.next().is_none())
        && lower_hex(trace, 32)
        && trace.bytes().any(|b| b != b'0')
        && lower_hex(parent, 16)
        && parent.bytes().any(|b| b != b'0')
        && lower_hex(flags, 2);
    valid.then_some((trace, flags))
}

/// `N` random bytes for ids. These need uniqueness, not secrecy, and a `getrandom` system
/// call per id was a measurable share of a proxied request, so they come from a per-thread
/// wyrand generator seeded once from the OS (falling back to the clock, a process counter
/// and the thread's stack address when the OS source fails).
fn random<const N: usize>() -> [u8; N] {
    use std::cell::Cell;
    thread_local! {
        static STATE: Cell<u64> = Cell::new(seed());
    }
    let mut out = [0u8; N];
    STATE.with(|state| {
        for chunk in out.chunks_mut(8) {
            // wyrand: a 64-bit counter mixed by a 128-bit multiply.
            let s = state.get().wrapping_add(0xa076_1d64_78bd_642f);
            state.set(s);
            let m = u128::from(s) * u128::from(s ^ 0xe703_7ed1_a0b4_28db);
            let v = ((m >> 64) as u64) ^ (m as u64);
            chunk.copy_from_slice(&v.to_le_bytes()[..chunk.len()]);
        }
    });
    out
}

/// A per-thread generator seed from the OS, or a process-unique fallback.
fn seed() -> u64 {
    let mut b = [0u8; 8];
    if getrandom::getrandom(&mut b).is_ok() {
        return u64::from_le_bytes(b);
    }
    static COUNTER: AtomicU64 = AtomicU64::new(1);
    let local = 0u8;
    let addr = std::ptr::addr_of!(local) as u64;
    COUNTER.fetch_add(0x9e37_79b9_7f4a_7c15, Ordering::Relaxed)
        ^ (crate::ctx::now_unix_us() as u64).rotate_left(17)
        ^ addr.rotate_left(41)
}

fn nonzero_random<const N: usize>() -> [u8; N] {
    let mut out = random::<N>();
    if out.iter().all(|b| *b == 0) {
        out[N - 1] = 1;
    }
    out
}

/// Total size of a header block the way HTTP/2 counts it (name + value + 32 per field), a
/// protocol-neutral measure for `max_header_bytes`.
pub fn header_bytes(headers: &HeaderMap) -> usize {
    headers
        .iter()
        .map(|(n, v)| n.as_str().len() + v.len() + 32)
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn xff(values: &[&str]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for v in values {
            h.append(X_FORWARDED_FOR.clone(), HeaderValue::from_str(v).unwrap());
        }
        h
    }

    fn nets(list: &[&str]) -> Vec<ipnet::IpNet> {
        list.iter()
            .map(|s| lampyr_spec::parse_trusted_proxy(s).unwrap())
            .collect()
    }

    #[test]
    fn forwarded_client_is_the_rightmost_untrusted_address() {
        let lb = "10.0.0.2".parse().unwrap();
        let t = nets(&["10.0.0.0/24"]);
        let h = xff(&["203.0.113.9, 198.51.100.7, 10.0.0.5"]);
        assert_eq!(
            forwarded_client(&t, lb, &h),
            Some("198.51.100.7".parse().unwrap()),
            "a spoofed left part is ignored"
        );
        let two = xff(&["203.0.113.9", "10.0.0.7"]);
        assert_eq!(
            forwarded_client(&t, lb, &two),
            Some("203.0.113.9".parse().unwrap()),
            "several header lines read as one list"
        );
        assert_eq!(
            forwarded_client(&t, lb, &xff(&["[2001:db8::1]:443"])),
            Some("2001:db8::1".parse().unwrap())
        );
    }

    proptest::proptest! {
        /// Whatever a client writes in X-Forwarded-For, the answer is the peer's choice
        /// (`None`) or an address that appears in the header.
        #[test]
        fn forwarded_client_never_invents_an_address(header in "[ -~]{0,200}") {
            let t = nets(&["127.0.0.0/8"]);
            let mut h = HeaderMap::new();
            if let Ok(v) = HeaderValue::from_str(&header) {
                h.insert(X_FORWARDED_FOR.clone(), v);
            }
            if let Some(ip) = forwarded_client(&t, "127.0.0.1".parse().unwrap(), &h) {
                let text = ip.to_string();
                let compressed = header.replace(' ', "");
                proptest::prop_assert!(
                    compressed.contains(&text) || header.parse::<std::net::IpAddr>().is_ok(),
                    "{text} not in {header}"
                );
            }
        }
    }

    #[test]
    fn forwarded_client_needs_a_trusted_peer_and_a_readable_chain() {
        let t = nets(&["127.0.0.1"]);
        let h = xff(&["203.0.113.9"]);
        assert_eq!(forwarded_client(&t, "192.0.2.1".parse().unwrap(), &h), None);
        assert_eq!(
            forwarded_client(&[], "127.0.0.1".parse().unwrap(), &h),
            None
        );
        let lo = "127.0.0.1".parse().unwrap();
        assert_eq!(forwarded_client(&t, lo, &HeaderMap::new()), None);
        assert_eq!(forwarded_client(&t, lo, &xff(&["not-an-ip"])), None);
        let long = vec!["127.0.0.1"; 40].join(", ");
        assert_eq!(
            forwarded_client(&t, lo, &xff(&[&long])),
            Some("127.0.0.1".parse().unwrap()),
            "the walk stops after a bounded number of hops"
        );
    }

    fn map(pairs: &[(&str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (n, v) in pairs {
            h.append(
                HeaderName::from_bytes(n.as_bytes()).unwrap(),
                HeaderValue::from_str(v).unwrap(),
            );
        }
        h
    }

    #[test]
    fn hop_by_hop_headers_and_those_named_by_connection_are_removed() {
        let mut h = map(&[
            ("connection", "keep-alive, x-secret-hop, x-request-id"),
            ("keep-alive", "timeout=5"),
            ("proxy-connection", "keep-alive"),
            ("te", "gzip, trailers"),
            ("trailer", "x-sum"),
            ("transfer-encoding", "chunked"),
            ("upgrade", "websocket"),
            ("x-secret-hop", "1"),
            ("x-request-id", "abc"),
            ("authorization", "Bearer t"),
        ]);
        strip_hop_by_hop(&mut h, false);
        for gone in [
            "connection",
            "keep-alive",
            "proxy-connection",
            "trailer",
            "transfer-encoding",
            "upgrade",
            "x-secret-hop",
        ] {
            assert!(!h.contains_key(gone), "{gone} survived");
        }
        assert_eq!(h["te"], "trailers");
        assert_eq!(
            h["x-request-id"], "abc",
            "Connection cannot drop the proxy's headers"
        );
        assert_eq!(h["authorization"], "Bearer t");
    }

    #[test]
    fn an_upgrade_keeps_upgrade_and_connection() {
        let mut h = map(&[
            ("connection", "Upgrade"),
            ("upgrade", "websocket"),
            ("te", "gzip"),
        ]);
        assert!(is_upgrade(Version::HTTP_11, &h));
        assert!(!is_upgrade(Version::HTTP_2, &h));
        strip_hop_by_hop(&mut h, true);
        assert_eq!(h["upgrade"], "websocket");
        assert_eq!(h["connection"], "upgrade");
        assert!(!h.contains_key("te"));
    }

    #[test]
    fn forwarding_headers_append_the_client_ip() {
        let mut h = map(&[
            ("x-forwarded-for", "1.1.1.1"),
            ("x-forwarded-for", "2.2.2.2"),
        ]);
        add_forwarding(
            &mut h,
            "10.0.0.9".parse().unwrap(),
            "https",
            "api.example:8443",
            "rid",
            "tp",
        );
        assert_eq!(h["x-forwarded-for"], "1.1.1.1, 2.2.2.2, 10.0.0.9");
        assert_eq!(h["x-forwarded-proto"], "https");
        assert_eq!(h["x-forwarded-host"], "api.example:8443");
        assert_eq!(h["x-request-id"], "rid");
        assert_eq!(h["traceparent"], "tp");
    }

    #[test]
    fn request_ids_are_kept_only_when_safe() {
        assert_eq!(
            request_id(&map(&[("x-request-id", "abc.DEF_1-2")])),
            "abc.DEF_1-2"
        );
        for bad in ["", "a b", "a\"b", &"x".repeat(65)] {
            let mut h = HeaderMap::new();
            if let Ok(v) = HeaderValue::from_str(bad) {
                h.insert(&X_REQUEST_ID, v);
            }
            let id = request_id(&h);
            assert_eq!(id.len(), 32, "{bad:?} → {id}");
            assert_ne!(id, bad);
        }
        assert_ne!(request_id(&HeaderMap::new()), request_id(&HeaderMap::new()));
    }

    #[test]
    fn traceparent_keeps_a_valid_trace_and_replaces_the_span() {
        let incoming = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
        let out = traceparent(&map(&[("traceparent", incoming)]));
        assert!(
            out.starts_with("00-4bf92f3577b34da6a3ce929d0e0e4736-"),
            "{out}"
        );
        assert!(out.ends_with("-01"));
        assert_ne!(out, incoming);
        assert!(parse_traceparent(&out).is_some());
        for bad in [
            "00-00000000000000000000000000000000-00f067aa0ba902b7-01",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",
            "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
            "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra",
            "garbage",
        ] {
            let out = traceparent(&map(&[("traceparent", bad)]));
            assert!(
                !out.contains("4bf92f3577b34da6a3ce929d0e0e4736"),
                "{bad} kept"
            );
            assert!(parse_traceparent(&out).is_some(), "{out}");
        }
    }
}
