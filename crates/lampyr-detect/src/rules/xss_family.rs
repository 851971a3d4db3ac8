//! Cross-site scripting as a family: the HTML-tokenising detector ([`crate::xss::detect`]) on
//! every decoded value, plus regex rules for script sinks a tokeniser does not model.

use super::builtin::{RxRule, View};
use super::{Family, RequestContext, RuleHit, Value, ValueKind};
use crate::category::XSS as CAT;
use crate::placement::scope;
use crate::Location;
use crate::Severity::Critical;

fn rule_id(kind: &str) -> &'static str {
    match kind {
        "script_tag" => "xss.script_tag",
        "event_handler" => "xss.event_handler",
        "js_url" => "xss.js_url",
        "dangerous_tag" => "xss.dangerous_tag",
        "style" => "xss.style",
        "data_url" => "xss.data_url",
        _ => "xss.tokenizer",
    }
}

/// The tokenising detector as a family.
#[derive(Debug, Default, Clone, Copy)]
pub struct XssFamily;

impl Family for XssFamily {
    fn check(&self, v: &Value<'_>, _ctx: &RequestContext<'_>, out: &mut Vec<RuleHit>) {
        if matches!(
            v.placement.location,
            Location::ResponseBody | Location::ResponseHeader
        ) {
            return;
        }
        // The raw text of an XML document is markup by design; its fields are inspected one
        // by one instead.
        if v.placement.location == Location::Body
            && v.key.is_empty()
            && v.kind == ValueKind::Content
            && v.decoded.trim_start().starts_with("<?xml")
        {
            return;
        }
        if let Some(m) = crate::xss::detect(v.decoded) {
            out.push(RuleHit {
                rule: rule_id(m.kind),
                category: CAT,
                severity: Critical,
                paranoia: m.paranoia.clamp(1, 4),
                span: m.span,
            });
        }
    }
}

/// Regex rules for script injection the tokeniser may not see.
pub fn rules() -> Vec<RxRule> {
    vec![
        RxRule::new(
            "xss.script_tag_regex",
            CAT,
            Critical,
            1,
            View::Folded,
            scope::PAYLOAD | scope::PATH | scope::HEADER,
            &[
                "<script", "<svg", "<iframe", "<img", "<body", "<object", "<embed", "<details",
                "<video", "<audio", "<input", "<a ", "<math", "<style", "<link", "<meta", "<base",
                "<form", "<marquee", "<x", "<div",
            ],
            r#"<script[\s>/]|<(?:svg|img|body|iframe|object|embed|details|video|audio|input|math|marquee|div|a|x|image|style|link|form|base|meta|isindex|frameset|bgsound|xss)\b[^>]*?[\s/"'](?:on[a-z]{3,24}|formaction|xlink:href|srcdoc)\s*="#,
        ),
        RxRule::new(
            "xss.javascript_url",
            CAT,
            Critical,
            1,
            View::Folded,
            scope::PAYLOAD | scope::PATH,
            &["javascript:", "vbscript:", "livescript:"],
            r#"(?:^|[\s"'=(])(?:java|vb|live)script\s*:\s*[a-z_$(\[/'"`]"#,
        ),
        RxRule::new(
            "xss.dom_sink",
            CAT,
            Critical,
            2,
            View::Folded,
            scope::PAYLOAD,
            &[
                "alert",
                "prompt",
                "confirm",
                "eval",
                "document.",
                "window.",
                "fromcharcode",
                "constructor",
                "innerhtml",
                "settimeout",
                "setinterval",
            ],
            r#"(?:^|[;'"\s)(>=])(?:alert|prompt|confirm)\s*(?:\(|`)|string\.fromcharcode\s*\(|\.constructor\s*\(\s*['"`]|\b(?:document|window)\s*\.\s*(?:write|location|domain|cookie)\b|\binnerhtml\s*=|\bset(?:timeout|interval)\s*\(\s*['"`]"#,
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::super::builtin::testing::fires;

    #[test]
    fn markup_with_script_is_caught() {
        assert!(fires("<script>alert(1)</script>", "xss.", 1));
        assert!(fires("<img src=x onerror=alert(1)>", "xss.", 1));
        assert!(fires("<svg/onload=alert(1)>", "xss.", 1));
        assert!(fires("javascript:alert(1)", "xss.", 1));
        assert!(fires("&lt;script&gt;alert(1)&lt;/script&gt;", "xss.", 1));
        assert!(fires("＜script＞alert(1)＜/script＞", "xss.", 1));
    }

    #[test]
    fn ordinary_text_is_not_caught() {
        for v in [
            "a < b and c > d",
            "<b>bold</b>",
            "see the script for details",
            "Java: a language",
            "x <= y",
        ] {
            assert!(!fires(v, "xss.", 1), "{v}");
        }
    }
}
