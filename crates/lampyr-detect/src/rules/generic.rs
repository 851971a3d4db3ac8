//! Generic attacks (CRS 934xxx territory): server-side request forgery, server-side template
//! injection, prototype pollution, Node.js/Ruby/Perl code injection, PHP `data:` scheme,
//! ORM lookup injection. Also the small helpers the other families of this set share.

mod code;
mod ssrf;

use std::ops::Range;

use super::{Family, RequestContext, RuleHit, Value, ValueKind};
use crate::{Location, Severity};

pub use code::{CodeInjection, OrmLookup, PrototypePollution, TemplateInjection};
pub use ssrf::Ssrf;

/// Every family this module provides.
pub fn families() -> Vec<Box<dyn Family>> {
    vec![
        Box::new(Ssrf::new()),
        Box::new(TemplateInjection::new()),
        Box::new(PrototypePollution::new()),
        Box::new(CodeInjection::new()),
        Box::new(OrmLookup::new()),
    ]
}

/// Builds a hit (rules are `&'static`, so this never allocates).
pub(crate) fn hit(
    rule: &'static str,
    category: &'static str,
    severity: Severity,
    paranoia: u8,
    span: Range<usize>,
) -> RuleHit {
    RuleHit {
        rule,
        category,
        severity,
        paranoia,
        span,
    }
}

/// Whether a value is the request body as a whole (not one of its fields).
pub(crate) fn is_raw_body(v: &Value<'_>) -> bool {
    v.placement.location == Location::Body && v.key.is_empty() && v.kind == ValueKind::Content
}

/// Whether a text is an XML/HTML document (by media type or by its first character).
pub(crate) fn looks_like_markup(text: &str, ctx: &RequestContext<'_>) -> bool {
    ctx.media_type.is_some_and(|m| m.contains("xml")) || text.trim_start().starts_with('<')
}

/// The text nodes and attribute values of a markup document, separated by spaces: what a user
/// typed, without the element and attribute names the schema defines. Linear, never fails.
pub(crate) fn markup_text(doc: &str) -> String {
    let b = doc.as_bytes();
    let mut out = String::with_capacity(doc.len());
    let mut i = 0;
    let mut text_start = 0;
    while i < b.len() {
        if b[i] != b'<' {
            i += 1;
            continue;
        }
        out.push_str(&doc[text_start..i]);
        out.push(' ');
        let rest = &doc[i..];
        if let Some(body) = rest.strip_prefix("<![CDATA[") {
            let end = body.find("]]>").unwrap_or(body.len());
            out.push_str(&body[..end]);
            out.push(' ');
            i += 9 + (end + 3).min(body.len());
        } else if rest.starts_with("<!--") {
            i += rest.find("-->").map_or(rest.len(), |e| e + 3);
        } else {
            // A tag: copy quoted attribute values, skip names.
            let mut j = i + 1;
            while j < b.len() && b[j] != b'>' {
                if b[j] == b'"' || b[j] == b'\'' {
                    let q = b[j];
                    let vstart = j + 1;
                    let vend = memchr::memchr(q, &b[vstart..]).map_or(b.len(), |e| vstart + e);
                    out.push_str(&doc[vstart..vend]);
                    out.push(' ');
                    j = (vend + 1).min(b.len());
                } else {
                    j += 1;
                }
            }
            i = (j + 1).min(b.len());
        }
        text_start = i;
    }
    if text_start < b.len() {
        out.push_str(&doc[text_start..]);
    }
    out
}

/// The last segment of a field path (`a.b[0].isAdmin` → `isAdmin`, `user[role]` → `role`).
pub(crate) fn last_segment(key: &str) -> &str {
    let mut k = key;
    while let Some(stripped) = k.strip_suffix(']') {
        let Some(open) = stripped.rfind('[') else {
            break;
        };
        let inner = &stripped[open + 1..];
        if inner.is_empty() || inner.bytes().all(|b| b.is_ascii_digit()) {
            k = &k[..open];
        } else {
            return inner;
        }
    }
    // The part after the last `.` or `[` (a byte search: cheaper than a char-set split).
    match k.bytes().rposition(|c| c == b'.' || c == b'[') {
        Some(i) => &k[i + 1..],
        None => k,
    }
}

/// The segments of a field path, split at `.`, `[` and `]`.
pub(crate) fn segments(key: &str) -> impl Iterator<Item = &str> {
    key.split(['.', '[', ']']).filter(|s| !s.is_empty())
}

#[cfg(test)]
pub(crate) mod test_support {
    //! Builds values the way the inspector would, for unit tests of the families.

    use super::*;
    use crate::Placement;

    /// The views of a decoded value, approximately as the normaliser makes them.
    pub fn views(decoded: &str) -> (String, String) {
        let folded = decoded
            .to_lowercase()
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        let cmdline = folded.replace(['\\', '\'', '"', '^'], "");
        (folded, cmdline)
    }

    /// Runs every family on one value at `location`, of `kind`, in a request with `method`.
    pub fn check_value(
        families: &[Box<dyn Family>],
        location: Location,
        kind: ValueKind,
        key: &str,
        decoded: &str,
        method: &str,
        media_type: Option<&str>,
    ) -> Vec<RuleHit> {
        let placement = Placement {
            location,
            field: key.to_string(),
        };
        let (folded, cmdline) = views(decoded);
        let v = Value {
            placement: &placement,
            kind,
            key,
            raw: decoded,
            decoded,
            folded: &folded,
            cmdline: &cmdline,
            from_base64: false,
        };
        let ctx = RequestContext {
            method,
            media_type,
            user_agent: None,
            body: if location == Location::Body {
                decoded
            } else {
                ""
            },
        };
        let mut out = Vec::new();
        for f in families {
            f.check(&v, &ctx, &mut out);
            f.check_request(&ctx, &mut out);
        }
        for h in &out {
            assert!(h.span.end <= decoded.len(), "{h:?} outside {decoded:?}");
            assert!(decoded.is_char_boundary(h.span.start) && decoded.is_char_boundary(h.span.end));
        }
        out
    }

    /// Runs every family on a query value.
    pub fn check_all(families: &[Box<dyn Family>], key: &str, decoded: &str) -> Vec<RuleHit> {
        check_value(
            families,
            Location::Query,
            ValueKind::Content,
            key,
            decoded,
            "GET",
            None,
        )
    }

    /// The ids of the rules that hit a query value.
    pub fn rules_of(families: &[Box<dyn Family>], key: &str, decoded: &str) -> Vec<&'static str> {
        check_all(families, key, decoded)
            .into_iter()
            .map(|h| h.rule)
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_text_keeps_values_and_drops_names() {
        let t = markup_text(
            r#"<?xml version="1.0"?><xml><java.lang.Runtime a="v1">text</java.lang.Runtime><![CDATA[cd]]><!-- c --></xml>"#,
        );
        assert!(t.contains("v1") && t.contains("text") && t.contains("cd"));
        assert!(!t.contains("java.lang") && !t.contains(" c "));
    }

    #[test]
    fn last_segment_of_paths() {
        assert_eq!(last_segment("a.b[0].isAdmin"), "isAdmin");
        assert_eq!(last_segment("user[role]"), "role");
        assert_eq!(last_segment("roles[]"), "roles");
        assert_eq!(last_segment("role"), "role");
    }
}

#[cfg(test)]
mod proptests {
    //! Every family of this set on arbitrary attacker text: never panics, spans stay inside
    //! the value on character boundaries (checked by `check_value`), work stays bounded.

    use proptest::prelude::*;

    use super::test_support::check_value;
    use super::*;

    /// Built once: compiling the rules per generated case would dominate the run.
    static ALL: std::sync::LazyLock<Vec<Box<dyn Family>>> = std::sync::LazyLock::new(all);

    fn all() -> Vec<Box<dyn Family>> {
        let mut f = families();
        f.extend(crate::rules::java::families());
        f.extend(crate::rules::xxe::families());
        f.extend(crate::rules::nosql::families());
        f.extend(crate::rules::ldap_xpath::families());
        f.extend(crate::rules::mass_assignment::families());
        f
    }

    /// Text dense in the characters the rules look at, plus any Unicode.
    fn attackish() -> impl Strategy<Value = String> {
        proptest::collection::vec(
            prop_oneof![
                Just("${".to_string()),
                Just("}".to_string()),
                Just("jndi:".to_string()),
                Just("::-".to_string()),
                Just("http://".to_string()),
                Just("@".to_string()),
                Just("[".to_string()),
                Just("]".to_string()),
                Just("<!ENTITY ".to_string()),
                Just("$ne".to_string()),
                Just(")(".to_string()),
                Just("{{".to_string()),
                Just("__proto__".to_string()),
                Just("0x".to_string()),
                Just(".".to_string()),
                "[a-z0-9]{1,6}",
                any::<char>().prop_map(|c| c.to_string()),
            ],
            0..60,
        )
        .prop_map(|v| v.concat())
    }

    proptest! {
        #[test]
        fn no_family_panics_on_any_value(
            key in attackish(),
            value in attackish(),
            loc in 0usize..5,
            name in any::<bool>(),
        ) {
            let location = [Location::Path, Location::Query, Location::Header, Location::Cookie, Location::Body][loc];
            let kind = if name { ValueKind::Name } else { ValueKind::Content };
            let fams = &*ALL;
            let hits = check_value(fams, location, kind, &key, &value, "POST", Some("application/json"));
            for h in hits {
                prop_assert!((1..=4).contains(&h.paranoia));
                prop_assert!(h.rule.contains('.'));
            }
        }

        #[test]
        fn no_family_panics_on_arbitrary_unicode(value in any::<String>(), key in any::<String>()) {
            let fams = &*ALL;
            check_value(fams, Location::Body, ValueKind::Content, &key, &value, "PUT", None);
            check_value(fams, Location::Body, ValueKind::Content, "", &value, "POST", Some("application/xml"));
        }

        #[test]
        fn a_family_that_declines_a_value_finds_nothing_in_it(
            key in attackish(),
            value in attackish(),
            loc in 0usize..5,
            name in any::<bool>(),
        ) {
            let location = [Location::Path, Location::Query, Location::Header, Location::Cookie, Location::Body][loc];
            let placement = crate::Placement { location, field: key.clone() };
            let (folded, cmdline) = test_support::views(&value);
            let v = Value {
                placement: &placement,
                kind: if name { ValueKind::Name } else { ValueKind::Content },
                key: &key,
                raw: &value,
                decoded: &value,
                folded: &folded,
                cmdline: &cmdline,
                from_base64: false,
            };
            let bytes = crate::rules::ByteSet::of(&value);
            for method in ["GET", "POST"] {
                let ctx = RequestContext { method, media_type: None, user_agent: None, body: "" };
                for f in ALL.iter().filter(|f| !f.may_match(&v, &ctx, &bytes)) {
                    let mut out = Vec::new();
                    f.check(&v, &ctx, &mut out);
                    prop_assert!(out.is_empty(), "{f:?} declined {value:?} but found {out:?}");
                }
            }
        }

        #[test]
        fn markup_text_never_panics(doc in any::<String>()) {
            let t = markup_text(&doc);
            prop_assert!(t.len() <= 2 * doc.len() + 2);
        }
    }

    #[test]
    fn huge_nested_lookups_stay_bounded() {
        let v = "${".repeat(200_000) + &"}".repeat(200_000);
        let fams = &*ALL;
        let hits = check_value(
            fams,
            Location::Query,
            ValueKind::Content,
            "q",
            &v,
            "GET",
            None,
        );
        assert!(hits.iter().all(|h| h.category == crate::category::JNDI));
        let v = "<!ENTITY a SYSTEM \"x\">".repeat(50_000);
        let hits = check_value(
            fams,
            Location::Body,
            ValueKind::Content,
            "",
            &v,
            "POST",
            Some("application/xml"),
        );
        assert!(hits.iter().any(|h| h.rule == "xxe.external_entity"));
    }
}
