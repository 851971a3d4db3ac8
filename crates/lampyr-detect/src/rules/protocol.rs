//! Protocol attacks visible in values (CRS 921xxx territory): an HTTP request smuggled inside
//! a value or body (`\r\nGET /admin HTTP/1.1`), header names that no HTTP stack would produce,
//! and a request line hidden in a header value.

use super::builtin::{RxRule, View};
use crate::category::CRLF as CAT;
use crate::placement::scope;
use crate::Severity::Critical;

/// The table rules.
pub fn rules() -> Vec<RxRule> {
    vec![
        RxRule::new(
            "protocol.request_smuggling",
            CAT,
            Critical,
            1,
            View::Decoded,
            scope::PAYLOAD | scope::HEADER | scope::PATH,
            &["http/"],
            r"(?i)(?:^|[\r\n])\s*(?:get|post|head|options|connect|put|delete|trace|track|patch|propfind|proppatch|mkcol|copy|move|lock|unlock)\s+\S+\s+http/\d(?:\.\d)?(?:[\r\n]|$)",
        ),
        RxRule::new(
            "protocol.header_name_injection",
            CAT,
            Critical,
            1,
            View::Raw,
            scope::HEADER_NAME,
            &[],
            r"[\x00-\x20:()<>@,;\\\x22/\[\]?={}\x7f]",
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::super::builtin::testing::{fires, hits_with};
    use crate::placement::scope;

    #[test]
    fn smuggled_requests_are_caught() {
        assert!(fires("x\r\nGET /admin HTTP/1.1\r\nHost: a", "protocol.", 1));
        assert!(hits_with("x\nPOST / HTTP/1.0\n", scope::BODY, None)
            .iter()
            .any(|h| h.0 == "protocol.request_smuggling"));
        assert!(!fires("get the data over http/2 please", "protocol.", 1));
    }

    #[test]
    fn odd_header_names_are_caught() {
        let h = hits_with("x-a\r\nb", scope::HEADER_NAME, None);
        assert!(h.iter().any(|h| h.0 == "protocol.header_name_injection"));
        assert!(hits_with("x_custom.v1", scope::HEADER_NAME, None).is_empty());
    }
}
