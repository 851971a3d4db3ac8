//! CRLF injection, header injection and response splitting (CRS 921xxx territory): a line
//! break followed by a response header or a status line in any value, line breaks in parameter
//! names, and (paranoia 2) any line break in a query value, where browsers never put one.

use super::builtin::{RxRule, View};
use crate::category::CRLF as CAT;
use crate::placement::scope;
use crate::Severity::Critical;

const WHERE: u32 = scope::PAYLOAD | scope::PATH | scope::PATH_SEGMENT | scope::HEADER;

/// The table rules.
pub fn rules() -> Vec<RxRule> {
    vec![
        RxRule::new(
            "crlf.header_injection",
            CAT,
            Critical,
            1,
            View::Decoded,
            WHERE,
            &["\n", "\r"],
            r"(?i)[\r\n]\W{0,8}(?:set-cookie2?|location|content-(?:type|length|disposition|security-policy)|transfer-encoding|refresh|x-xss-protection|access-control-allow-[a-z]+|cache-control|x-forwarded-(?:for|host|proto|server)|x-real-ip|x-original-url|x-rewrite-url|remote-(?:ip|addr)|originating-ip|via|host|cookie|link|strict-transport-security)\s*:",
        ),
        RxRule::new(
            "crlf.response_splitting",
            CAT,
            Critical,
            1,
            View::Decoded,
            WHERE,
            &["http/", "<html", "<meta"],
            r"(?i)[\r\n]\s*(?:http/\d(?:\.\d)?\s+\d{3}\b|<(?:html|meta)\b)",
        ),
        RxRule::new(
            "crlf.newline_in_name",
            CAT,
            Critical,
            1,
            View::Decoded,
            scope::NAMES | scope::COOKIE_NAME | scope::HEADER_NAME,
            &["\n", "\r"],
            r"[\r\n]",
        ),
        RxRule::new(
            "crlf.newline_in_query",
            CAT,
            Critical,
            2,
            View::Decoded,
            scope::QUERY | scope::PATH_SEGMENT,
            &["\n", "\r"],
            r"[\r\n]",
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::super::builtin::testing::{fires, hits_with};
    use crate::placement::scope;

    #[test]
    fn header_injection_is_caught() {
        for v in [
            "x%0d%0aSet-Cookie:%20a=b",
            "en%0aLocation: http://evil",
            "%0d%0aContent-Length: 0%0d%0a%0d%0aHTTP/1.1 200 OK",
            "x\r\nX-Forwarded-For: 1.2.3.4",
        ] {
            assert!(fires(v, "crlf.", 1), "{v}");
        }
        assert!(hits_with("a\nb", scope::QUERY_NAME, None)
            .iter()
            .any(|h| h.0 == "crlf.newline_in_name"));
    }

    #[test]
    fn multi_line_text_is_not_caught_at_pl1() {
        for v in [
            "line one\nline two",
            "Dear team,\r\nthanks.\r\nBob",
            "notes:\n- a\n- b",
        ] {
            assert!(!fires(v, "crlf.", 1), "{v}");
        }
        let body = hits_with("line one\nline two", scope::BODY, None);
        assert!(body.is_empty(), "{body:?}");
    }
}
