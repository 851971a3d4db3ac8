//! Remote file inclusion (CRS 931xxx territory): a parameter that is a URL to a bare IP
//! address, a URL ending in `?` (the trick that turns the rest of an include path into a query
//! string), URL schemes no web form sends (`file:`, `gopher:`, `jar:`...), URLs given to
//! parameters named like include paths, and (paranoia 2) any URL to another host than the
//! request's.

use super::builtin::{ReqInfo, RxRule, View};
use super::{RuleHit, Value};
use crate::category::PATH_TRAVERSAL as CAT;
use crate::placement::scope;
use crate::Severity::Critical;

const WHERE: u32 = scope::ARGS | scope::NAMES | scope::COOKIE;

/// The table rules.
pub fn rules() -> Vec<RxRule> {
    vec![
        RxRule::new(
            "rfi.ip_url",
            CAT,
            Critical,
            1,
            View::Folded,
            WHERE,
            &["://"],
            r"^\s*(?:url:)?(?:https?|ftps?|file|tftp)://(?:[^/?#@\s]*@)?(?:\d{1,3}(?:\.\d{1,3}){3}|\[[0-9a-f:.]+\]|[0-9a-f]{1,4}(?::[0-9a-f]{0,4}){2,7})(?:[:/?#]|$)",
        ),
        RxRule::new(
            "rfi.trailing_question_mark",
            CAT,
            Critical,
            1,
            View::Folded,
            WHERE,
            &["file", "ftp", "http"],
            r"^\s*(?:file|ftps?|https?)(?::/?/?[^\s?]*)?\?+\s*$",
        ),
        RxRule::new(
            "rfi.foreign_scheme",
            CAT,
            Critical,
            1,
            View::Folded,
            WHERE,
            &[
                "file:",
                "gopher:",
                "dict:",
                "jar:",
                "tftp:",
                "expect:",
                "local_file:",
                "netdoc:",
                "url:",
            ],
            r"^\s*(?:url:\s*)?(?:file:/|gopher://|dict://|jar:[a-z]+:|tftp://|expect://|local_file:|netdoc:)",
        ),
        // A URL as a path segment (`/get/https://example.com/`): a proxy or fetch endpoint
        // handed an address. Paranoia 2: some APIs take encoded URLs as ids.
        RxRule::new(
            "rfi.url_in_path",
            CAT,
            Critical,
            2,
            View::Folded,
            scope::PATH,
            &["://"],
            r"/(?:https?|ftps?)://[a-z0-9\[]",
        ),
        RxRule::new(
            "rfi.data_uri",
            CAT,
            Critical,
            2,
            View::Folded,
            WHERE,
            &["data:"],
            r"^\s*data:(?://|(?:text/(?:html|plain|javascript|x-[a-z]+)|application/(?:x-httpd-php|x-php|javascript|x-sh))[;,])",
        ),
    ]
}

/// Parameter names that take a path to include (`_conf[path]`, `mosConfig_absolute_path`,
/// `include_dir`...): a URL there is an inclusion attempt.
fn include_like(key: &str) -> bool {
    let k = key.to_ascii_lowercase();
    let k = k.trim_end_matches(']');
    k == "path"
        || k == "include"
        || k == "require"
        || k == "inc"
        || k.ends_with("_path")
        || k.ends_with("[path")
        || k.ends_with("_dir")
        || k.ends_with("[dir")
        || k.ends_with("_root")
        || k.ends_with("[root")
        || k.ends_with("_include")
        || k.contains("mosconfig")
        || k.starts_with("_conf[")
        || k.ends_with("include_path")
}

/// Field names that hold URLs by design (`avatar_url`, `selfLink`, `callbackURL`, `homepage`):
/// a URL to another site there is the field's purpose, not an inclusion attempt.
fn url_named(key: &str) -> bool {
    const STEMS: &[&str] = &[
        "url",
        "uri",
        "link",
        "href",
        "src",
        "source",
        "callback",
        "redirect",
        "return",
        "next",
        "image",
        "icon",
        "avatar",
        "homepage",
        "website",
        "site",
        "endpoint",
        "webhook",
        "hook",
        "target",
        "domain",
        "host",
        "server",
        "photo",
        "picture",
        "logo",
        "thumbnail",
        "resource",
        "location",
        "feed",
        "origin",
        "referrer",
        "referer",
        "repo",
        "git",
        "registry",
        "issuer",
        "audience",
        "profile",
        "blog",
        "page",
        "download",
        "upload",
        "file",
        "media",
        "video",
        "audio",
        "asset",
        "cdn",
        "proxy",
        "address",
        "destination",
        "dest",
        "continue",
        "goto",
    ];
    let k = key.to_ascii_lowercase();
    STEMS.iter().any(|s| k.contains(s))
}

/// The host of a URL value with a scheme (`https://user@host:port/...`), lower case.
fn url_host(url: &str) -> Option<&str> {
    let (_, rest) = url.split_once("://")?;
    let authority = rest.split(['/', '?', '#', '\\']).next()?;
    let host = authority.rsplit('@').next()?;
    let host = if host.starts_with('[') {
        host.split(']').next().map(|h| h.trim_start_matches('['))?
    } else {
        host.split(':').next()?
    };
    (!host.is_empty()).then_some(host)
}

/// The explicit port of a URL's authority, when it has one.
fn url_port(url: &str) -> Option<u16> {
    let (_, rest) = url.split_once("://")?;
    let authority = rest.split(['/', '?', '#', '\\']).next()?;
    let host_port = authority.rsplit('@').next()?;
    let port = match host_port.rfind(']') {
        Some(p) => host_port[p + 1..].strip_prefix(':')?,
        None => host_port.rsplit_once(':')?.1,
    };
    port.parse().ok()
}

fn same_site(a: &str, b: &str) -> bool {
    let a = a.trim_end_matches('.');
    let b = b.trim_end_matches('.');
    a.eq_ignore_ascii_case(b) || a.ends_with(&format!(".{b}")) || b.ends_with(&format!(".{a}"))
}

/// Code checks: URLs in include-like parameters, URLs to other hosts.
pub fn check(v: &Value<'_>, sc: u32, info: &ReqInfo<'_>, out: &mut Vec<RuleHit>) {
    if sc & scope::ARGS == 0 || v.from_base64 {
        return;
    }
    let f = v.folded.trim_start();
    let schemed = ["http://", "https://", "ftp://", "ftps://"]
        .iter()
        .any(|s| f.starts_with(s));
    if !schemed {
        return;
    }
    if include_like(v.key) {
        out.push(RuleHit {
            rule: "rfi.include_param_url",
            category: CAT,
            severity: Critical,
            paranoia: 1,
            span: 0..v.decoded.len(),
        });
    }
    // The host as a parser that does not decode the authority first reads it
    // (`http://good.com%2f@evil.com/`): when it differs, one of the two parsers is fooled.
    let raw = v.raw.trim_start().to_ascii_lowercase();
    let raw_host = url_host(&raw).filter(|h| !h.contains('%') || h.len() < 256);
    let differs =
        raw_host.is_some_and(|rh| url_host(f).is_some_and(|h| !rh.eq_ignore_ascii_case(h)));
    if differs {
        out.push(RuleHit {
            rule: "rfi.authority_confusion",
            category: CAT,
            severity: Critical,
            paranoia: 1,
            span: 0..v.decoded.len(),
        });
        return;
    }
    if let Some(host) = url_host(f) {
        // Same host, another port than the request's default one: another service.
        if !info.host.is_empty()
            && same_site(host, info.host)
            && host.eq_ignore_ascii_case(info.host)
            && !url_named(v.key)
            && url_port(f).is_some_and(|p| p != 80 && p != 443)
        {
            out.push(RuleHit {
                rule: "rfi.other_port_url",
                category: CAT,
                severity: Critical,
                paranoia: 2,
                span: 0..v.decoded.len(),
            });
        }
        if !info.host.is_empty() && !same_site(host, info.host) && !url_named(v.key) {
            out.push(RuleHit {
                rule: "rfi.offsite_url",
                category: CAT,
                severity: Critical,
                paranoia: 2,
                span: 0..v.decoded.len(),
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::builtin::testing::fires;
    use super::*;

    #[test]
    fn remote_inclusion_urls_are_caught() {
        for v in [
            "http://66.240.183.75/crash.php",
            "https://[2001:41d0:701:1100::29c8]/gecko.php",
            "ftp%3A%2F%2F1.1.1.1",
            "https://foo.bar?",
            "http?",
            "file:///etc/passwd",
            "url:file://foo.bar",
            "gopher://google.com/_SSRFTest!",
            "jar:http://evil.co/b.zip!a",
        ] {
            assert!(fires(v, "rfi.", 1), "{v}");
        }
        assert!(fires("data://text/plain;base64,PD9waHA=", "rfi.", 2));
    }

    #[test]
    fn ordinary_urls_are_not_caught_at_pl1() {
        for v in [
            "https://foo.bar?foo=bar",
            "https://example.com/a?b=c",
            "http://www.example.com/some/path",
            "data:image/png;base64,iVBORw0KGgo=",
            "version 1.2.3.4",
        ] {
            assert!(!fires(v, "rfi.", 1), "{v}");
        }
    }

    #[test]
    fn hosts_are_parsed_from_authority() {
        assert_eq!(url_host("http://u:p@evil.com:80/x"), Some("evil.com"));
        assert_eq!(url_host("https://[::1]/"), Some("::1"));
        assert!(same_site("api.example.com", "example.com"));
        assert!(!same_site("example.com.evil.com", "example.org"));
    }

    #[test]
    fn include_like_names() {
        assert!(include_like("_CONF[path]"));
        assert!(include_like("mosConfig_absolute_path"));
        assert!(!include_like("avatar_url"));
        assert!(!include_like("callback"));
    }

    #[test]
    fn url_fields_are_known_by_name() {
        assert!(url_named("avatar_url"));
        assert!(url_named("selfLink"));
        assert!(url_named("callbackURL"));
        assert!(!url_named("x"));
        assert!(!url_named("q"));
    }

    fn code_hits(raw: &str, decoded: &str, key: &str, host: &str) -> Vec<&'static str> {
        use crate::normalize::Views;
        use crate::{Location, Placement};
        let placement = Placement {
            location: Location::Query,
            field: key.into(),
        };
        let mut views = Views::default();
        views.fill(decoded);
        let v = Value {
            placement: &placement,
            kind: crate::rules::ValueKind::Content,
            key,
            raw,
            decoded: &views.decoded,
            folded: &views.folded,
            cmdline: &views.cmdline,
            from_base64: false,
        };
        let info = ReqInfo {
            host,
            referer_host: None,
        };
        let mut out = Vec::new();
        check(&v, scope::QUERY, &info, &mut out);
        out.into_iter().map(|h| h.rule).collect()
    }

    #[test]
    fn authority_confusion_and_other_ports_are_caught() {
        let h = code_hits(
            "http://example.com%2f@evil.com/",
            "http://example.com/@evil.com/",
            "x",
            "example.com",
        );
        assert_eq!(h, vec!["rfi.authority_confusion"]);
        let h = code_hits(
            "https://example.com:1234/",
            "https://example.com:1234/",
            "x",
            "example.com",
        );
        assert_eq!(h, vec!["rfi.other_port_url"]);
        let h = code_hits(
            "https://example.com:443/a",
            "https://example.com:443/a",
            "x",
            "example.com",
        );
        assert!(h.is_empty(), "{h:?}");
        let h = code_hits(
            "https://example.com:8443/a",
            "https://example.com:8443/a",
            "next_url",
            "example.com",
        );
        assert!(h.is_empty(), "{h:?}");
        let h = code_hits(
            "https%3A%2F%2Fexample.com%2Fa",
            "https://example.com/a",
            "x",
            "example.com",
        );
        assert!(h.is_empty(), "{h:?}");
        assert_eq!(url_port("http://[::1]:8080/x"), Some(8080));
        assert_eq!(url_port("http://u:p@h/x"), None);
    }

    #[test]
    fn urls_in_paths_are_caught_at_paranoia_2() {
        use super::super::builtin::testing::hits_with;
        let h = hits_with("/get/https://example.com/", scope::PATH, None);
        assert!(h.contains(&("rfi.url_in_path", 2)), "{h:?}");
        let h = hits_with("/api/v1/items/https%3A", scope::PATH, None);
        assert!(!h.iter().any(|h| h.0 == "rfi.url_in_path"), "{h:?}");
    }
}
