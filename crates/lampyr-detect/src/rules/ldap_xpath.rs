//! LDAP filter injection (`*)(uid=*`, `)(|(`, `admin)(!(&(1=0`) and XPath injection (quote
//! breaks into XPath functions and axes: `' or count(/*)=1 or '`, `'] | //user[`,
//! `' or name()='`). Plain `' or '1'='1` tautologies are left to the SQL family: only what
//! is specific to LDAP filters and XPath is matched here.

use regex::Regex;

use super::generic::hit;
use super::{ByteSet, Family, Literals, RequestContext, RuleHit, Value};
use crate::{category, Severity};

/// The LDAP and XPath family.
#[derive(Debug)]
pub struct LdapXpath {
    ldap_prefilter: Literals,
    ldap_breakout: Regex,
    ldap_filter: Regex,
    xpath_prefilter: Literals,
    xpath_function: Regex,
    xpath_union: Regex,
    xpath_axis: Regex,
    xpath_path: Regex,
}

/// Every family this module provides.
pub fn families() -> Vec<Box<dyn Family>> {
    vec![Box::new(LdapXpath::new())]
}

impl Default for LdapXpath {
    fn default() -> Self {
        Self::new()
    }
}

/// LDAP attributes attackers enumerate or compare with `*`.
const LDAP_ATTRS: &str = "uid|cn|sn|ou|dc|o|mail|objectclass|userpassword|samaccountname|memberof|member|givenname|displayname|description|userprincipalname|telephonenumber|homedirectory|loginshell|gidnumber|uidnumber|accountstatus|pwdlastset|admincount|[a-z]\\w{0,30}";

impl LdapXpath {
    /// Compiles the rules.
    pub fn new() -> Self {
        let re =
            |s: &str| Regex::new(&super::ascii_boundaries(s)).expect("ldap/xpath regex compiles");
        let ci = |w: &[&str]| Literals::new(w, true);
        Self {
            ldap_prefilter: ci(&[")(", "(|", "(&", "(!", "*)"]),
            // A value that closes the application's filter and opens a new one.
            ldap_breakout: re(&format!(
                r"(?i)\)\s*\(\s*[|&!]\s*\(|\*\s*\)\s*\(\s*[|&!]\s*$|\*\s*\)\s*\(\s*[|&!]?\s*(?:{LDAP_ATTRS})\s*[~<>]?=|\)\s*\(\s*(?:{LDAP_ATTRS})\s*[~<>]?=\s*\*|\)\s*\(\s*&\s*\)|\)\s*\(\s*\|\s*\)|\(\s*&\s*\(\s*1\s*=\s*[01]\s*\)"
            )),
            // A whole filter with wildcards, sent as a value.
            ldap_filter: re(&format!(
                r"(?i)^\s*\(\s*[|&!]\s*\(\s*(?:{LDAP_ATTRS})\s*[~<>]?=[^)]*\*[^)]*\)"
            )),
            xpath_prefilter: ci(&["(", "//", "::", "]"]),
            xpath_function: re(concat!(
                r#"(?i)['"]\s*\]?\s*(?:or|and)\s+(?:not\s*\(\s*)?(?:count|name|local-name|string-length|substring|string|normalize-space|contains|starts-with|position|last|text|node|translate|true|false|boolean|number|doc|document|concat|lower-case|upper-case)\s*\("#,
                r"|\bcount\s*\(\s*/|\bstring-length\s*\(\s*(?:name\s*\(|/|\.\.)|\bname\s*\(\s*(?:/|\.\.|parent::)|\bsubstring\s*\(\s*name\s*\(",
                r"|\bor\s+true\s*\(\s*\)|\bposition\s*\(\s*\)\s*=\s*\d|\bdoc(?:ument)?\s*\(\s*['\x22](?:file|https?|ftp):",
            )),
            xpath_union: re(
                r#"(?i)['"]\s*\]\s*\|\s*//?\s*[\w*@]|\]\s*\|\s*//\s*[\w*@]|['"]\s*\|\s*//\s*[\w*@]"#,
            ),
            xpath_axis: re(
                r"(?i)(?:^|/)\s*(?:ancestor|ancestor-or-self|attribute|child|descendant|descendant-or-self|following|following-sibling|namespace|parent|preceding|preceding-sibling|self)::(?:\w+|\*|node\s*\(\s*\)|text\s*\(\s*\))",
            ),
            xpath_path: re(r"//\s*[\w*]+\s*\[\s*[^\]]{0,100}\]"),
        }
    }
}

impl Family for LdapXpath {
    /// Every LDAP anchor holds `(` or `)`, every XPath anchor `(`, `/`, `:` or `]`.
    fn may_match(&self, v: &Value<'_>, _ctx: &RequestContext<'_>, bytes: &ByteSet) -> bool {
        v.decoded.len() >= 4 && bytes.any(b"()/:]")
    }

    fn check(&self, v: &Value<'_>, _ctx: &RequestContext<'_>, out: &mut Vec<RuleHit>) {
        let d = v.decoded;
        if d.len() < 4 {
            return;
        }
        let b = d.as_bytes();
        // Every LDAP anchor holds `(` or `)`.
        if memchr::memchr2(b'(', b')', b).is_some() && self.ldap_prefilter.is_match(d) {
            // A complete, balanced filter is what a directory-search API takes; a fragment
            // that closes the application's filter is the injection.
            let breakout = if closes_unopened(d) {
                self.ldap_breakout.find(d)
            } else {
                None
            };
            if let Some(m) = breakout {
                out.push(hit(
                    "ldap.filter_breakout",
                    category::LDAPI,
                    Severity::Critical,
                    1,
                    m.range(),
                ));
            } else if let Some(m) = self.ldap_filter.find(d) {
                out.push(hit(
                    "ldap.wildcard_filter",
                    category::LDAPI,
                    Severity::Critical,
                    2,
                    m.range(),
                ));
            }
        }
        if !self.xpath_prefilter.is_match(d) {
            return;
        }
        // Each regex is run only when the bytes it cannot match without occur: every
        // function alternative has `(`, every union `|`, every axis `::`, a path `[`.
        let has = |c: u8| memchr::memchr(c, b).is_some();
        let (paren, bar, bracket) = (has(b'('), has(b'|'), has(b'['));
        let axis = memchr::memmem::find(b, b"::").is_some();
        if let Some(m) = paren
            .then(|| self.xpath_function.find(d))
            .flatten()
            .or_else(|| bar.then(|| self.xpath_union.find(d)).flatten())
        {
            out.push(hit(
                "xpath.injection",
                category::XPATHI,
                Severity::Critical,
                1,
                m.range(),
            ));
        } else if let Some(m) = axis
            .then(|| self.xpath_axis.find(d))
            .flatten()
            .or_else(|| bracket.then(|| self.xpath_path.find(d)).flatten())
        {
            out.push(hit(
                "xpath.expression",
                category::XPATHI,
                Severity::Critical,
                2,
                m.range(),
            ));
        }
    }
}

/// Whether a value closes a parenthesis it never opened: the mark of a fragment that ends the
/// application's filter (a complete filter, however many groups, never does).
fn closes_unopened(d: &str) -> bool {
    let mut depth = 0i32;
    for b in d.bytes() {
        match b {
            b'(' => depth += 1,
            b')' => {
                depth -= 1;
                if depth < 0 {
                    return true;
                }
            }
            _ => {}
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    static FAMS: std::sync::LazyLock<Vec<Box<dyn Family>>> = std::sync::LazyLock::new(families);
    use crate::rules::generic::test_support::{check_all, rules_of};

    fn rules(v: &str) -> Vec<&'static str> {
        rules_of(&FAMS, "user", v)
    }

    #[test]
    fn ldap_breakouts() {
        for p in [
            "*)(uid=*",
            "admin)(|(password=*",
            "*)(&",
            "admin)(!(&(1=0",
            "x)(objectClass=*",
            "*)(|(objectclass=*))",
        ] {
            assert!(rules(p).contains(&"ldap.filter_breakout"), "{p}");
        }
        let h = check_all(&FAMS, "filter", "(|(uid=*)(cn=a*))");
        assert_eq!((h[0].rule, h[0].paranoia), ("ldap.wildcard_filter", 2));
    }

    #[test]
    fn xpath_injections() {
        for p in [
            "' or count(/*)=1 or '",
            "' or string-length(name(/*[1]))=4 or '",
            "'] | //user[name='admin",
            "' or position()=1 or '",
            "' or name()='user",
            "x' or true() or '",
            "' and substring(name(/*[1]),1,1)='a",
        ] {
            assert!(rules(p).contains(&"xpath.injection"), "{p}");
        }
        let h = check_all(&FAMS, "q", "//user[@id=5]");
        assert_eq!((h[0].rule, h[0].paranoia), ("xpath.expression", 2));
    }

    #[test]
    fn benign_look_alikes() {
        for p in [
            "(555) 123-4567",
            "John Smith (CEO) (acting)",
            "f(x)(y) = x*y",
            "https://example.com/a/b",
            "' or '1'='1",
            "name (optional)",
            "count (5)",
            "Sort by name() in the UI",
            "see https://site.com//path[1]",
            "(userAccountControl:1.2.840.113556.1.4.803:=512)(&(objectCategory=group)(cn=a*))",
        ] {
            let r = rules(p);
            assert!(
                r.is_empty() || (p.contains("//path") && r == ["xpath.expression"]),
                "{p}: {r:?}"
            );
        }
    }
}
