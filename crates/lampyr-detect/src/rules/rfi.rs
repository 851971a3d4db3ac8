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
    if let Some(host) = url_host(f) {
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
}
