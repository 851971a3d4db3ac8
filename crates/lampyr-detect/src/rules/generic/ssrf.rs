//! Server-side request forgery: URLs (and scheme-less host names in URL-valued fields) that
//! point at the server itself, private networks, cloud metadata services, in any spelling an
//! URL parser accepts (decimal, octal, hex and short IPv4 forms, IPv4-mapped IPv6, circled or
//! full-width digits, `\`-escaped letters, `user@host` confusion), and URL schemes that reach
//! other protocols (`gopher:`, `dict:`, `file:`...).

use std::net::Ipv6Addr;
use std::ops::Range;

use regex::Regex;

use super::{hit, last_segment};
use crate::rules::{ByteSet, Family, RequestContext, RuleHit, Value};
use crate::{category, Location, Severity};

const HOSTS: &str = include_str!("../../../data/rules/ssrf-hosts.txt");

/// URL candidates examined per value at most.
const MAX_CANDIDATES: usize = 32;
/// Bytes after a URL in which `@host` confusions are looked for.
const AT_WINDOW: usize = 256;

/// Schemes an URL-fetching library may follow. A `scheme:` without `//` counts as an URL only
/// for these (so `note: 12345` is not one).
const KNOWN_SCHEMES: &[&str] = &[
    "http",
    "https",
    "ftp",
    "ftps",
    "sftp",
    "tftp",
    "gopher",
    "dict",
    "file",
    "ldap",
    "ldaps",
    "jar",
    "netdoc",
    "ssh",
    "telnet",
    "smb",
    "imap",
    "imaps",
    "pop3",
    "smtp",
    "irc",
    "rtmp",
    "rtsp",
    "rsync",
    "xri",
    "acap",
    "ws",
    "wss",
    "redis",
    "mysql",
    "mongodb",
    "postgres",
    "postgresql",
    "local_file",
];

/// Schemes that turn an URL fetch into another protocol or a file read.
const DANGEROUS_SCHEMES: &[&str] = &[
    "gopher",
    "dict",
    "file",
    "jar",
    "netdoc",
    "local_file",
    "tftp",
];

/// Where a host name or address leads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Target {
    /// An ordinary public host.
    Public,
    /// An IP literal a user would not type (numeric, hex, octal, IPv6) to a public address.
    Obfuscated,
    /// Loopback, private, link-local addresses and names for them.
    Internal,
    /// A cloud metadata service.
    Metadata,
}

#[derive(Debug, Clone)]
struct HostName {
    name: String,
    suffix: bool,
    metadata: bool,
}

/// The SSRF family.
#[derive(Debug)]
pub struct Ssrf {
    scheme: Regex,
    names: Vec<HostName>,
}

impl Default for Ssrf {
    fn default() -> Self {
        Self::new()
    }
}

impl Ssrf {
    /// Loads the host list and compiles the URL finder.
    pub fn new() -> Self {
        let names = HOSTS
            .lines()
            .filter(|l| !l.starts_with('#'))
            .filter_map(|l| l.trim().split_once(' '))
            .map(|(kind, name)| HostName {
                suffix: name.starts_with('.'),
                name: name.trim_start_matches('.').to_string(),
                metadata: kind == "metadata",
            })
            .collect();
        Self {
            scheme: Regex::new(r"(?i)\b[a-z][a-z0-9+.\-_]{0,19}:").expect("scheme regex"),
            names,
        }
    }

    fn classify_name(&self, host: &str) -> Target {
        for n in &self.names {
            let matches = host == n.name
                || (n.suffix
                    && host.len() > n.name.len()
                    && host.ends_with(&n.name)
                    && host.as_bytes()[host.len() - n.name.len() - 1] == b'.');
            if matches {
                return if n.metadata {
                    Target::Metadata
                } else {
                    Target::Internal
                };
            }
        }
        // Wildcard DNS services that answer with the address spelled in the name.
        for svc in [".nip.io", ".sslip.io", ".xip.io", ".traefik.me"] {
            if let Some(front) = host.strip_suffix(svc) {
                let ip: String = front
                    .rsplit(['.', '-'])
                    .take(4)
                    .collect::<Vec<_>>()
                    .into_iter()
                    .rev()
                    .collect::<Vec<_>>()
                    .join(".");
                if let Some((addr, _)) = parse_ipv4_loose(&ip) {
                    return classify_v4(addr).max(Target::Public);
                }
            }
        }
        Target::Public
    }

    /// Where `host` (as found in an authority, any spelling) leads.
    fn classify(&self, raw_host: &str) -> Target {
        // `\`-escaped letters: glibc's resolver drops the escapes, nothing legitimate sends them.
        let escaped = raw_host.contains('\\');
        let host = ascii_host(raw_host);
        let host = host.trim_end_matches('.');
        if host.is_empty() {
            return Target::Public;
        }
        if let Some(inner) = host.strip_prefix('[') {
            let inner = inner.trim_end_matches(']');
            let inner = inner.split('%').next().unwrap_or(inner);
            return match inner.parse::<Ipv6Addr>() {
                Ok(a) => classify_v6(a),
                Err(_) => Target::Public,
            };
        }
        if host
            .bytes()
            .all(|b| b.is_ascii_hexdigit() || b == b'.' || b == b'x')
        {
            if let Some((addr, standard)) = parse_ipv4_loose(host) {
                let t = classify_v4(addr);
                return if t == Target::Public && (!standard || escaped) {
                    Target::Obfuscated
                } else {
                    t
                };
            }
        }
        let t = self.classify_name(host);
        if t == Target::Public && escaped {
            Target::Obfuscated
        } else {
            t
        }
    }

    fn check_text(&self, key: &str, text: &str, out: &mut Vec<RuleHit>) {
        let mut best: Option<(Target, Range<usize>)> = None;
        let mut dangerous: Option<Range<usize>> = None;
        let mut userinfo: Option<Range<usize>> = None;
        let mut any_url = false;
        // Every candidate is `scheme:`; without a colon only the scheme-less forms remain.
        let candidates = memchr::memchr(b':', text.as_bytes())
            .map(|_| self.scheme.find_iter(text).take(MAX_CANDIDATES));
        for m in candidates.into_iter().flatten() {
            // The match is the scheme and its `:` (no capture groups needed: cheaper).
            let scheme = m.as_str()[..m.len() - 1].to_ascii_lowercase();
            let rest = &text[m.end()..];
            let slashes = rest
                .bytes()
                .take(3)
                .take_while(|&b| b == b'/' || b == b'\\')
                .count();
            let known = KNOWN_SCHEMES.contains(&scheme.as_str());
            if slashes < 2 && !known {
                continue;
            }
            if slashes == 0 && !matches!(scheme.as_str(), "http" | "https" | "ftp") {
                continue;
            }
            any_url = true;
            let after = &rest[slashes..];
            let auth_len = after
                .find(|c: char| {
                    matches!(c, '/' | '?' | '#' | '"' | '\'' | '<' | '>') || c.is_whitespace()
                })
                .unwrap_or(after.len());
            let authority = &after[..auth_len];
            let start = m.start();
            let end = m.end() + slashes + auth_len;
            if DANGEROUS_SCHEMES.contains(&scheme.as_str())
                && (scheme != "file" || slashes > 0)
                && dangerous.is_none()
            {
                dangerous = Some(start..end);
            }
            let (info, hostport) = match authority.rfind('@') {
                Some(i) => (&authority[..i], &authority[i + 1..]),
                None => ("", authority),
            };
            let target = self.classify(strip_port(hostport));
            if !info.is_empty() && info.contains('.') && !info.contains(':') {
                userinfo.get_or_insert(start..end);
            }
            let mut consider = |t: Target, r: Range<usize>| {
                if t > Target::Public && best.as_ref().is_none_or(|(b, _)| t > *b) {
                    best = Some((t, r));
                }
            };
            consider(target, start..end);
            // Parser confusion: a later `@host` some libraries take as the host.
            let window_end = floor_char(text, (end + AT_WINDOW).min(text.len()));
            let tail = &text[end..window_end];
            for (i, _) in tail.match_indices('@') {
                let h = &tail[i + 1..];
                let hl = h
                    .find(|c: char| matches!(c, '/' | '?' | '#' | '@' | '&') || c.is_whitespace())
                    .unwrap_or(h.len());
                let t = self.classify(strip_port(&h[..hl]));
                if t >= Target::Internal {
                    consider(t, start..end + i + 1 + hl);
                }
            }
        }
        if !any_url {
            self.check_schemeless(key, text, &mut best);
        }
        if let Some((t, span)) = best {
            let loopback_redirect = t == Target::Internal
                && last_segment(key)
                    .to_ascii_lowercase()
                    .contains("redirect_ur");
            let (rule, pl) = match t {
                Target::Metadata => ("generic.ssrf_cloud_metadata", 1),
                Target::Internal if loopback_redirect => ("generic.ssrf_internal_host", 3),
                Target::Internal => ("generic.ssrf_internal_host", 1),
                _ => ("generic.ssrf_obfuscated_ip", 2),
            };
            out.push(hit(rule, category::SSRF, Severity::Critical, pl, span));
        }
        if let Some(span) = dangerous {
            out.push(hit(
                "generic.ssrf_dangerous_scheme",
                category::SSRF,
                Severity::Critical,
                1,
                span,
            ));
        }
        if let Some(span) = userinfo {
            out.push(hit(
                "generic.ssrf_userinfo_host",
                category::SSRF,
                Severity::High,
                2,
                span,
            ));
        }
    }

    /// `localhost/x`, `169.254.169.254/latest`, `host.docker.internal:2375`: a host with a
    /// path or port and no scheme. A bare name counts only in an URL-valued field.
    fn check_schemeless(&self, key: &str, text: &str, best: &mut Option<(Target, Range<usize>)>) {
        let t = text.trim_start();
        let lead = text.len() - t.len();
        let auth_len = t
            .find(|c: char| matches!(c, '/' | '?' | '#') || c.is_whitespace())
            .unwrap_or(t.len());
        let authority = &t[..auth_len];
        if authority.is_empty() || authority.contains('@') {
            return;
        }
        let after = &t[auth_len..];
        let has_port = strip_port(authority).len() != authority.len();
        let path = after.strip_prefix('/');
        let cidr = path.is_some_and(|p| {
            !p.is_empty()
                && p.bytes()
                    .take_while(|b| !b.is_ascii_whitespace())
                    .all(|b| b.is_ascii_digit())
        });
        let has_path = path.is_some() && !cidr;
        let bare = after.trim().is_empty() && !has_port;
        if bare && !url_key(key) {
            return;
        }
        if !(has_path || has_port || bare) {
            return;
        }
        let target = self.classify(strip_port(authority));
        if target >= Target::Internal {
            *best = Some((target, lead..lead + auth_len));
        }
    }
}

impl Family for Ssrf {
    fn check(&self, v: &Value<'_>, _ctx: &RequestContext<'_>, out: &mut Vec<RuleHit>) {
        // Origin, Referer, Host, X-Forwarded-*: addresses of the client, not URLs to fetch.
        if v.placement.location == Location::Header || v.decoded.len() < 4 {
            return;
        }
        self.check_text(v.key, v.decoded, out);
    }

    /// An URL needs a `:` (scheme or port), a host with a path a `/`, an IPv6 literal a `[`;
    /// only a bare host in an URL-valued field has none of them.
    fn may_match(&self, v: &Value<'_>, _ctx: &RequestContext<'_>, bytes: &ByteSet) -> bool {
        v.placement.location != Location::Header
            && v.decoded.len() >= 4
            && (bytes.any(b":/[") || url_key(v.key))
    }
}

/// Field names whose value is an URL the server may fetch.
fn url_key(key: &str) -> bool {
    // Words by first letter: one table look-up per byte of the key, no allocation.
    fn words(first: u8) -> &'static [&'static [u8]] {
        match first {
            b'u' => &[b"url", b"uri"],
            b'c' => &[b"callback"],
            b'w' => &[b"webhook"],
            b'r' => &[b"redirect", b"return"],
            b'd' => &[b"dest"],
            b't' => &[b"target"],
            b'i' => &[b"image"],
            b'f' => &[b"feed", b"fetch"],
            b'h' => &[b"host"],
            b'e' => &[b"endpoint"],
            b'l' => &[b"link"],
            b's' => &[b"src", b"source"],
            b'p' => &[b"proxy"],
            b'n' => &[b"next"],
            _ => &[],
        }
    }
    let k = last_segment(key).as_bytes();
    (0..k.len()).any(|i| {
        words(k[i].to_ascii_lowercase()).iter().any(|w| {
            k.get(i..i + w.len())
                .is_some_and(|x| x.eq_ignore_ascii_case(w))
        })
    })
}

fn floor_char(text: &str, at: usize) -> usize {
    let mut i = at.min(text.len());
    while !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// Drops a trailing `:port` (not the colons of an IPv6 literal).
fn strip_port(hostport: &str) -> &str {
    if hostport.starts_with('[') {
        return match hostport.find(']') {
            Some(i) => &hostport[..=i],
            None => hostport,
        };
    }
    match hostport.rfind(':') {
        Some(i) if hostport[i + 1..].bytes().all(|b| b.is_ascii_digit()) => &hostport[..i],
        _ => hostport,
    }
}

/// The host spelled in ASCII: `\` escapes dropped, circled and full-width characters and
/// ideographic full stops mapped to what URL parsers map them to, lower-cased.
fn ascii_host(host: &str) -> String {
    let mut out = String::with_capacity(host.len());
    for c in host.chars().take(512) {
        let u = c as u32;
        let mapped = match u {
            0x5C => None,
            0x2460..=0x2468 => char::from_u32(u - 0x2460 + u32::from(b'1')),
            0x24EA | 0x24FF => Some('0'),
            0x24D0..=0x24E9 => char::from_u32(u - 0x24D0 + u32::from(b'a')),
            0x24B6..=0x24CF => char::from_u32(u - 0x24B6 + u32::from(b'a')),
            0xFF01..=0xFF5E => char::from_u32(u - 0xFF01 + 0x21),
            0x3002 | 0xFF61 => Some('.'),
            _ => Some(c),
        };
        if let Some(m) = mapped {
            out.push(m.to_ascii_lowercase());
        }
    }
    out
}

/// One part of a loose IPv4 address: decimal, `0x` hex or `0`-prefixed octal. Returns the
/// value and whether it was written the ordinary way.
fn parse_part(p: &str) -> Option<(u128, bool)> {
    if p.is_empty() || p.len() > 32 {
        return None;
    }
    if let Some(h) = p.strip_prefix("0x") {
        if h.is_empty() {
            return Some((0, false));
        }
        return u128::from_str_radix(h, 16).ok().map(|v| (v, false));
    }
    if p.len() > 1 && p.starts_with('0') {
        return u128::from_str_radix(&p[1..], 8).ok().map(|v| (v, false));
    }
    p.parse::<u128>().ok().map(|v| (v, true))
}

/// An IPv4 address as `inet_aton` reads it (1–4 parts, the last filling the remaining bytes;
/// over-long values keep their low bits, as some parsers do). The flag says whether it was
/// an ordinary dotted quad.
fn parse_ipv4_loose(host: &str) -> Option<(u32, bool)> {
    let parts: Vec<&str> = host.split('.').collect();
    if parts.is_empty() || parts.len() > 4 {
        return None;
    }
    let mut nums = Vec::with_capacity(4);
    let mut standard = parts.len() == 4;
    for p in &parts {
        let (v, ordinary) = parse_part(p)?;
        standard &= ordinary && v <= 255;
        nums.push(v);
    }
    let n = nums.len();
    let mut addr: u32 = 0;
    for &v in &nums[..n - 1] {
        if v > 255 {
            return None;
        }
        addr = (addr << 8) | v as u32;
    }
    let rem_bits = 8 * (5 - n as u32);
    let last = nums[n - 1];
    let mask = if rem_bits >= 32 {
        u32::MAX as u128
    } else {
        (1u128 << rem_bits) - 1
    };
    if last > mask {
        standard = false;
    }
    let addr = if rem_bits >= 32 {
        (last & mask) as u32
    } else {
        (addr << rem_bits) | (last & mask) as u32
    };
    Some((addr, standard))
}

fn classify_v4(a: u32) -> Target {
    let o = a.to_be_bytes();
    match o {
        [169, 254, 169, 254] | [169, 254, 170, 2] | [100, 100, 100, 200] | [192, 0, 0, 192] => {
            Target::Metadata
        }
        [168, 63, 129, 16] => Target::Metadata,
        [127, ..] | [10, ..] | [192, 168, ..] | [169, 254, ..] | [0, 0, 0, 0] => Target::Internal,
        [172, b, ..] if (16..32).contains(&b) => Target::Internal,
        [100, b, ..] if (64..128).contains(&b) => Target::Internal,
        _ => Target::Public,
    }
}

fn classify_v6(a: Ipv6Addr) -> Target {
    let s = a.segments();
    if s == [0xfd00, 0x0ec2, 0, 0, 0, 0, 0, 0x0254] {
        return Target::Metadata;
    }
    if a.is_loopback() || a.is_unspecified() {
        return Target::Internal;
    }
    if let Some(v4) = a.to_ipv4_mapped() {
        return classify_v4(u32::from(v4)).max(Target::Obfuscated);
    }
    if s[..6] == [0; 6] {
        let v4 = (u32::from(s[6]) << 16) | u32::from(s[7]);
        return classify_v4(v4).max(Target::Obfuscated);
    }
    if (s[0] & 0xffc0) == 0xfe80 || (s[0] & 0xfe00) == 0xfc00 {
        return Target::Internal;
    }
    Target::Obfuscated
}

#[cfg(test)]
mod tests {
    use super::*;

    static FAMS: std::sync::LazyLock<Vec<Box<dyn Family>>> =
        std::sync::LazyLock::new(|| vec![Box::new(Ssrf::new())]);
    use crate::rules::generic::test_support::rules_of;

    fn rules(key: &str, v: &str) -> Vec<&'static str> {
        rules_of(&FAMS, key, v)
    }

    #[test]
    fn url_keys_are_found_in_any_case() {
        for k in [
            "url",
            "imageURL",
            "a.b[0].WebHook",
            "returnTo",
            "x[next]",
            "Feed",
            "src",
        ] {
            assert!(url_key(k), "{k}");
        }
        for k in ["name", "uuid", "ur", "descr", "a[url].b", ""] {
            assert!(!url_key(k), "{k}");
        }
    }

    #[test]
    fn loose_ipv4_forms() {
        assert_eq!(parse_ipv4_loose("2852039166"), Some((0xA9FE_A9FE, false)));
        assert_eq!(
            parse_ipv4_loose("0xA9.0xFE.0xA9.0xFE".to_lowercase().as_str()),
            Some((0xA9FE_A9FE, false))
        );
        assert_eq!(
            parse_ipv4_loose("0251.0376.0251.0376"),
            Some((0xA9FE_A9FE, false))
        );
        assert_eq!(
            parse_ipv4_loose("169.254.43518"),
            Some((0xA9FE_A9FE, false))
        );
        assert_eq!(parse_ipv4_loose("127.0.0.1"), Some((0x7F00_0001, true)));
        assert_eq!(
            parse_ipv4_loose("0x41414141a9fea9fe"),
            Some((0xA9FE_A9FE, false))
        );
        assert_eq!(parse_ipv4_loose("example"), None);
    }

    #[test]
    fn metadata_in_every_spelling() {
        for u in [
            "http://169.254.169.254/latest/meta-data/",
            "http://2852039166/",
            "http://0xA9FEA9FE/",
            "http://[::ffff:a9fe:a9fe]/",
            "http://169。254。169。254/",
            "http://metadata.google.internal/computeMetadata/v1/",
            "http://[fd00:ec2::254]/latest",
            "http:/2852039166",
            "http://100.100.100.200/latest/meta-data",
        ] {
            assert!(
                rules("q", u).contains(&"generic.ssrf_cloud_metadata"),
                "{u}"
            );
        }
    }

    #[test]
    fn internal_hosts() {
        for u in [
            "http://localhost/admin",
            "http://127.0.0.1:8080",
            "ssh://0177.00.00.01",
            "gopher://0x7f000001",
            "irc://ⓛⓞⓒⓐⓛⓗⓞⓢⓣ",
            "acap://①②⑦.⓪.⓪.①",
            "http://\\l\\o\\c\\a\\l\\h\\o\\s\\t/",
            "http://[::]/",
            "http://[fe80::1%25eth0]/",
            "http://google.com:80 &@127.88.23.245:22/",
            "http://10.0.0.1.nip.io/",
            "http://host.docker.internal:2375/containers",
        ] {
            assert!(rules("q", u).contains(&"generic.ssrf_internal_host"), "{u}");
        }
    }

    #[test]
    fn schemeless_needs_path_port_or_url_field() {
        assert!(rules("q", "localhost/").contains(&"generic.ssrf_internal_host"));
        assert!(rules("q", "kubernetes.default.svc.cluster.local/")
            .contains(&"generic.ssrf_internal_host"));
        assert!(rules("callback_url", "localhost").contains(&"generic.ssrf_internal_host"));
        assert!(rules("server", "localhost").is_empty());
        assert!(rules("server", "mylocalhost").is_empty());
        assert!(rules("cidr", "10.0.0.0/8").is_empty());
        assert!(rules("ip", "192.168.1.10").is_empty());
    }

    #[test]
    fn obfuscated_public_ip_is_paranoia_two() {
        let hits = crate::rules::generic::test_support::check_all(&FAMS, "q", "http://123456789/");
        assert_eq!(hits.len(), 1);
        assert_eq!(
            (hits[0].rule, hits[0].paranoia),
            ("generic.ssrf_obfuscated_ip", 2)
        );
    }

    #[test]
    fn dangerous_schemes_and_userinfo() {
        assert!(rules("q", "gopher://evil.com:70/_x").contains(&"generic.ssrf_dangerous_scheme"));
        assert!(rules("q", "file:///etc/passwd").contains(&"generic.ssrf_dangerous_scheme"));
        assert!(rules("q", "http://expected.com@evil.net/").contains(&"generic.ssrf_userinfo_host"));
    }

    #[test]
    fn benign_urls() {
        for (k, u) in [
            ("url", "https://cdn.example.com/a.png"),
            ("image", "https://images.example.org/x.jpg?w=100"),
            ("note", "ratio: 12345"),
            ("q", "see https://user:pw@api.example.com/v1"),
            ("redirect_uri", "http://localhost:8080/callback"),
            ("q", "time 10:30"),
            ("email", "user@example.com"),
        ] {
            let got: Vec<_> = rules_of(&FAMS, k, u)
                .into_iter()
                .filter(|r| {
                    // redirect_uri loopback is reported at paranoia 3 only
                    k != "redirect_uri" || *r != "generic.ssrf_internal_host"
                })
                .collect();
            assert!(got.is_empty(), "{k}={u}: {got:?}");
        }
    }
}
