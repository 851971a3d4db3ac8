//! Injection of code into interpreters the server runs: template engines (SSTI), JavaScript
//! object prototypes, Node.js, Ruby and Perl expressions, PHP's `data:` stream, ORM lookups.

use regex::Regex;

use super::{hit, last_segment, segments};
use crate::rules::{ByteSet, Family, Literals, RequestContext, RuleHit, Value, ValueKind};
use crate::{category, Severity};

fn re(s: &str) -> Regex {
    Regex::new(s).expect("built-in regex compiles")
}

fn anchors(words: &[&str]) -> Literals {
    Literals::new(words, true)
}

/// Server-side template injection: arithmetic probes (`{{7*7}}`, `${7*7}`, `<%= 7*7 %>`),
/// object walks (`{{''.__class__.__mro__}}`, `{{config}}`), template statements, Freemarker,
/// Velocity, ERB and Twig escapes.
#[derive(Debug)]
pub struct TemplateInjection {
    prefilter: Literals,
    probe: Regex,
    object_walk: Regex,
    statement_strong: Regex,
    statement: Regex,
    erb_code: Regex,
    freemarker: Regex,
    velocity: Regex,
    interpolation_call: Regex,
}

impl Default for TemplateInjection {
    fn default() -> Self {
        Self::new()
    }
}

impl TemplateInjection {
    /// Compiles the rules.
    pub fn new() -> Self {
        Self {
            prefilter: anchors(&[
                "{{",
                "${",
                "#{",
                "*{",
                "@(",
                "{%",
                "<%",
                "<#",
                "#set",
                "[[",
                "freemarker",
                "?new",
                "_self",
            ]),
            probe: re(concat!(
                r"(?:\{\{|\$\{\{?|#\{|\*\{|@\(|\{%=?|<%=?|\[\[|\$\()\s*[(\s]*-?\d+\s*[*+/-]\s*-?\d+[)\s]*",
                r"(?:\}\}|\}|%\}|%>|\)|\]\])"
            )),
            object_walk: re(concat!(
                r"(?i)\{\{[^}]{0,300}?(?:__[a-z]+__|\bconfig\b|\bself\b|request\.application|\blipsum\b|",
                r"\bcycler\b|\bjoiner\b|\bnamespace\b|\|\s*attr\s*\(|_self\.env|get_flashed_messages|url_for|\bos\.popen|",
                r"\bsubprocess\b|\bimport\b)|_self\.env\.|registerundefinedfiltercallback"
            )),
            statement_strong: re(r"(?i)\{%-?\s*(?:import|from\s+\S+\s+import|debug|exec|load)\b"),
            statement: re(
                r"(?i)(?:\{%-?\s*(?:if|for|set|include|extends|macro|call|filter|raw|with|block)\b[^%]{0,300}%\}|<%[-=]?\s*(?:if|for|while|unless|each|end)\b[^%]{0,300}%>)",
            ),
            erb_code: re(
                r"(?i)<%[=-]?\s*(?:system|exec|eval|spawn|`|%x|io\.|file\.|require|runtime|process|open\s*\(|import|class\.forname|request\.getparameter)",
            ),
            freemarker: re(
                r"(?i)freemarker\.template\.utility|\?new\s*\(\s*\)|<#assign\b|<#list\b|\bobjectconstructor\b",
            ),
            velocity: re(r"(?i)#set\s*\(\s*\$\w+\s*=|\$\w+\.getclass\s*\(\s*\)|#foreach\s*\(\s*\$"),
            interpolation_call: re(
                r"(?i)[#$]\{[^}]{0,200}?\b(?:exec|system|eval|spawn|popen|require|import|open|send|constantize|runtime|process|`)",
            ),
        }
    }
}

impl Family for TemplateInjection {
    /// Every prefilter anchor holds one of `{ ( % < # [ ? _`, except `freemarker` (which
    /// needs an `f` and a `k`).
    fn may_match(&self, v: &Value<'_>, _ctx: &RequestContext<'_>, bytes: &ByteSet) -> bool {
        v.decoded.len() >= 4 && (bytes.any(b"{(%<#[?_") || (bytes.any(b"fF") && bytes.any(b"kK")))
    }

    fn check(&self, v: &Value<'_>, _ctx: &RequestContext<'_>, out: &mut Vec<RuleHit>) {
        let d = v.decoded;
        if d.len() < 4 || !self.prefilter.is_match(d) {
            return;
        }
        let rules: [(&Regex, &'static str, u8); 8] = [
            (&self.probe, "generic.ssti_probe", 1),
            (&self.object_walk, "generic.ssti_object_access", 1),
            (&self.statement_strong, "generic.ssti_statement", 1),
            (&self.erb_code, "generic.ssti_code", 1),
            (&self.freemarker, "generic.ssti_freemarker", 1),
            (&self.interpolation_call, "generic.ssti_code", 1),
            (&self.velocity, "generic.ssti_velocity", 2),
            (&self.statement, "generic.ssti_statement", 2),
        ];
        let mut done: Vec<&str> = Vec::new();
        for (r, id, pl) in rules {
            if done.contains(&id) {
                continue;
            }
            if let Some(m) = r.find(d) {
                done.push(id);
                out.push(hit(id, category::SSTI, Severity::Critical, pl, m.range()));
            }
        }
    }
}

/// Prototype pollution: `__proto__` or `constructor.prototype` as a key path or written into
/// a value the way merge functions read it.
#[derive(Debug)]
pub struct PrototypePollution {
    prefilter: Literals,
    content: Regex,
}

impl Default for PrototypePollution {
    fn default() -> Self {
        Self::new()
    }
}

impl PrototypePollution {
    /// Compiles the rules.
    pub fn new() -> Self {
        Self {
            prefilter: anchors(&["__proto__", "prototype"]),
            content: re(
                r#"(?i)__proto__\s*(?:\[|\.|["']\s*:|["']?\s*\]|=)|\bconstructor\s*(?:\.\s*|\[\s*["']?\s*)prototype\b"#,
            ),
        }
    }

    fn key_polluting(key: &str) -> bool {
        let mut prev_constructor = false;
        for s in segments(key) {
            let s = s.trim().trim_matches(['"', '\'']);
            if s == "__proto__" || (prev_constructor && s == "prototype") {
                return true;
            }
            prev_constructor = s == "constructor";
        }
        false
    }
}

/// Whether `text` holds `proto` in any case: part of every anchor (`__proto__`,
/// `prototype`).
fn has_proto(text: &str) -> bool {
    let b = text.as_bytes();
    memchr::memchr2_iter(b'p', b'P', b).any(|i| {
        b.get(i..i + 5)
            .is_some_and(|w| w.eq_ignore_ascii_case(b"proto"))
    })
}

impl Family for PrototypePollution {
    /// A polluting key, name or value spells `proto` (in `__proto__` or `prototype`).
    fn may_match(&self, v: &Value<'_>, _ctx: &RequestContext<'_>, bytes: &ByteSet) -> bool {
        let letters = [b"pP", b"rR", b"oO", b"tT"];
        has_proto(v.key) || (letters.iter().all(|l| bytes.any(*l)) && has_proto(v.decoded))
    }

    fn check(&self, v: &Value<'_>, _ctx: &RequestContext<'_>, out: &mut Vec<RuleHit>) {
        let in_key = self.prefilter.is_match(v.key) && Self::key_polluting(v.key);
        let in_name = v.kind == ValueKind::Name && Self::key_polluting(v.decoded);
        if in_key || in_name {
            out.push(hit(
                "generic.prototype_pollution",
                category::PROTOTYPE_POLLUTION,
                Severity::Critical,
                1,
                0..0,
            ));
            return;
        }
        if !self.prefilter.is_match(v.decoded) {
            return;
        }
        if let Some(m) = self.content.find(v.decoded) {
            out.push(hit(
                "generic.prototype_pollution",
                category::PROTOTYPE_POLLUTION,
                Severity::Critical,
                1,
                m.range(),
            ));
        }
    }
}

/// Code for server-side interpreters in values: Node.js (`require('child_process')`,
/// `process.mainModule`, `_$$ND_FUNC$$_`, `this.constructor.constructor`, endless loops,
/// React Server Components reference chains), Ruby (`Process.spawn`), Perl (`@{[ ... ]}`),
/// and PHP's `data:` stream wrapper.
#[derive(Debug)]
pub struct CodeInjection {
    prefilter: Literals,
    node: Regex,
    node_weak: Regex,
    rsc: Regex,
    dos: Regex,
    ruby: Regex,
    perl: Regex,
    data_scheme: Regex,
}

impl Default for CodeInjection {
    fn default() -> Self {
        Self::new()
    }
}

impl CodeInjection {
    /// Compiles the rules.
    pub fn new() -> Self {
        Self {
            prefilter: anchors(&[
                "_$$nd_func$$_",
                "__js_function",
                "eval",
                "function",
                "constructor",
                "module.exports",
                "process",
                "console",
                "require",
                "child_process",
                "while",
                "$",
                "kernel",
                "io.",
                "open3",
                "@{",
                "@@",
                "data:",
                "_load",
            ]),
            node: re(concat!(
                r"(?i)_\$\$nd_func\$\$_|__js_function|\beval\s*\(\s*(?:string\.fromcharcode|atob|buffer|unescape|decodeuricomponent)",
                r"|\bnew\s+function\s*\(|\bfunction\s*\(\s*\)\s*\{|\.constructor\s*\.\s*constructor\b",
                r#"|\[\s*["']constructor["']\s*\]\s*\[\s*["']constructor"#,
                r"|\bmodule\s*\.\s*exports\s*=|\bprocess\s*(?:\.\s*(?:env|mainmodule|binding|dlopen|kill|exit|chdir)\b|\[)",
                r#"|\bconsole\s*(?:\.\s*\w+|\[\s*["']\w+["']\s*\])\s*(?:\(|\.\s*(?:call|apply)\s*\()"#,
                r#"|\brequire\s*(?:\(\s*["'`]|\[|\.\s*main\b)|\bchild_process\b|\.constructor\s*\.\s*_load\s*\("#,
            )),
            node_weak: re(r"(?i)\beval\s*\(|\bFunction\s*\("),
            rsc: re(r#"(?i)["']\$[0-9a-f]{1,4}:(?:\w+:)*(?:__proto__|constructor|prototype)\b"#),
            dos: re(r"(?i)\bwhile\s*\(\s*([^;]{0,40}?)\s*\)\s*(?:;|\{\s*\}|$|\))"),
            ruby: re(
                r"(?:Process\s*\.\s*spawn|Kernel\s*\.\s*(?:exec|system|spawn|open|eval)|IO\s*\.\s*popen|Open3\s*\.\s*\w+)\s*\(?",
            ),
            perl: re(r"@+\{\s*\["),
            data_scheme: re(
                r"(?i)^\s*data:(?:text/|application/(?:x-)?(?:httpd-)?(?:php|javascript|sh|x-sh|perl|python|ruby)|\*/\*)",
            ),
        }
    }
}

/// Whether the condition of a `while(...)` is a constant that is always true (an endless
/// loop: the Node.js event-loop denial of service).
fn always_true(cond: &str) -> bool {
    let mut c = cond.trim();
    // strip balanced outer parentheses
    while c.starts_with('(') && c.ends_with(')') {
        c = c[1..c.len() - 1].trim();
    }
    let bangs = c
        .bytes()
        .take_while(|&b| b == b'!' || b == b' ')
        .filter(|&b| b == b'!')
        .count();
    let atom = c.trim_start_matches(['!', ' ']).trim();
    let atom = atom.trim_start_matches('(').trim_end_matches(')').trim();
    let lower = atom.to_ascii_lowercase();
    let truthy = match lower.as_str() {
        "false" | "0" | "-0" | "+0" | "\"\"" | "''" | "``" | "null" | "undefined" | "nan" => false,
        "true" | "infinity" | "-infinity" | "+infinity" | "{}" | "[]" | "this" | "string"
        | "object" | "number" | "array" | "date" | "math" | "json" | "boolean" | "symbol"
        | "globalthis" | "window" => true,
        s if s.starts_with("new ") => true,
        s => {
            let n = s.trim_start_matches(['+', '-']);
            if !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit() || b == b'.') {
                n.bytes().any(|b| (b'1'..=b'9').contains(&b))
            } else {
                return false;
            }
        }
    };
    truthy ^ (bangs % 2 == 1)
}

impl Family for CodeInjection {
    fn check(&self, v: &Value<'_>, _ctx: &RequestContext<'_>, out: &mut Vec<RuleHit>) {
        let d = v.decoded;
        if d.len() < 5 || !self.prefilter.is_match(d) {
            return;
        }
        let ci = category::COMMAND_INJECTION;
        if let Some(m) = self.node.find(d).or_else(|| self.rsc.find(d)) {
            out.push(hit(
                "generic.nodejs_injection",
                ci,
                Severity::Critical,
                1,
                m.range(),
            ));
        } else if let Some(m) = self.node_weak.find(d) {
            out.push(hit("generic.js_eval", ci, Severity::Critical, 2, m.range()));
        }
        for caps in self.dos.captures_iter(d).take(8) {
            if always_true(&caps[1]) {
                let m = caps.get(0).expect("match");
                out.push(hit(
                    "generic.nodejs_dos",
                    ci,
                    Severity::Critical,
                    1,
                    m.range(),
                ));
                break;
            }
        }
        if let Some(m) = self.ruby.find(d) {
            out.push(hit(
                "generic.ruby_injection",
                ci,
                Severity::Critical,
                1,
                m.range(),
            ));
        }
        if let Some(m) = self.perl.find(d) {
            out.push(hit(
                "generic.perl_injection",
                ci,
                Severity::Critical,
                2,
                m.range(),
            ));
        }
        if let Some(m) = self.data_scheme.find(d) {
            out.push(hit(
                "generic.php_data_scheme",
                category::PATH_TRAVERSAL,
                Severity::Critical,
                1,
                m.range(),
            ));
        }
    }
}

/// Django/ORM lookup operators in field names (`username__startswith`,
/// `user__profile__email__icontains`): filters an API forwards to its ORM unchecked let a
/// client query fields it was never meant to see.
#[derive(Debug, Default)]
pub struct OrmLookup;

/// Django's field lookups (and the PostgreSQL-specific ones).
const LOOKUPS: &[&str] = &[
    "exact",
    "iexact",
    "contains",
    "icontains",
    "in",
    "gt",
    "gte",
    "lt",
    "lte",
    "startswith",
    "istartswith",
    "endswith",
    "iendswith",
    "range",
    "date",
    "year",
    "iso_year",
    "month",
    "day",
    "week",
    "week_day",
    "iso_week_day",
    "quarter",
    "time",
    "hour",
    "minute",
    "second",
    "isnull",
    "regex",
    "iregex",
    "has_key",
    "has_keys",
    "has_any_keys",
    "contained_by",
    "overlap",
    "len",
    "search",
    "trigram_similar",
    "unaccent",
];

impl OrmLookup {
    /// The rule (no state).
    pub fn new() -> Self {
        Self
    }

    /// How many `__`-separated parts a field name with a trailing lookup has (0 when none).
    fn lookup_depth(name: &str) -> usize {
        if !name.contains("__") || name.starts_with('_') || name.len() > 256 {
            return 0;
        }
        let parts: Vec<&str> = name.split("__").collect();
        let valid = parts
            .iter()
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_'));
        match parts.last() {
            Some(last) if valid && LOOKUPS.contains(last) => parts.len(),
            _ => 0,
        }
    }
}

impl Family for OrmLookup {
    /// A lookup needs `__` in the field name (the value itself for a name).
    fn may_match(&self, v: &Value<'_>, _ctx: &RequestContext<'_>, bytes: &ByteSet) -> bool {
        match v.kind {
            ValueKind::Name => bytes.has(b'_'),
            ValueKind::Content => memchr::memchr(b'_', v.key.as_bytes()).is_some(),
        }
    }

    fn check(&self, v: &Value<'_>, _ctx: &RequestContext<'_>, out: &mut Vec<RuleHit>) {
        let name = match v.kind {
            ValueKind::Name => last_segment(v.decoded),
            ValueKind::Content => last_segment(v.key),
        };
        let depth = Self::lookup_depth(name);
        if depth >= 2 {
            let pl = if depth >= 3 { 2 } else { 3 };
            out.push(hit(
                "generic.orm_lookup",
                category::SQLI,
                Severity::Critical,
                pl,
                0..0,
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::generic::test_support::{check_all, rules_of};
    use crate::rules::Family;

    static ALL: std::sync::LazyLock<Vec<Box<dyn Family>>> = std::sync::LazyLock::new(all);

    fn all() -> Vec<Box<dyn Family>> {
        vec![
            Box::new(TemplateInjection::new()),
            Box::new(PrototypePollution::new()),
            Box::new(CodeInjection::new()),
            Box::new(OrmLookup::new()),
        ]
    }

    fn rules(key: &str, v: &str) -> Vec<&'static str> {
        rules_of(&ALL, key, v)
    }

    #[test]
    fn ssti_attacks() {
        for p in [
            "{{7*7}}",
            "${7*7}",
            "<%= 7*7 %>",
            "#{7*7}",
            "{{config}}",
            "{{self.__init__.__globals__}}",
            "{{''.__class__.__mro__}}",
            "{% import os %}",
            "<#assign ex=\"freemarker.template.utility.Execute\"?new()>",
            "#{runtime.exec('id')}",
            "<% system('id') %>",
        ] {
            assert!(
                rules("q", p).iter().any(|r| r.starts_with("generic.ssti")),
                "{p}"
            );
        }
    }

    #[test]
    fn template_placeholders_are_benign() {
        for p in [
            "{{username}}",
            "<%=title%>",
            "#{name}",
            "${price}",
            "Hello {{ user.first_name }}!",
            "__init__ is the Python constructor",
        ] {
            assert!(rules("q", p).is_empty(), "{p}: {:?}", rules("q", p));
        }
    }

    #[test]
    fn jinja_if_is_paranoia_two() {
        let h = check_all(&ALL, "q", "{% if True %}49{% endif %}");
        assert_eq!(h.len(), 1);
        assert_eq!(h[0].paranoia, 2);
    }

    #[test]
    fn prototype_pollution_in_keys_and_values() {
        assert!(rules("__proto__[test]", "x").contains(&"generic.prototype_pollution"));
        assert!(rules("a[constructor][prototype][x]", "x").contains(&"generic.prototype_pollution"));
        assert!(rules("title.__proto__.where", "x").contains(&"generic.prototype_pollution"));
        assert!(
            rules("q", r#"{"__proto__":{"admin":true}}"#).contains(&"generic.prototype_pollution")
        );
        assert!(rules("q", "constructor.prototype.x=1").contains(&"generic.prototype_pollution"));
        assert!(rules("q", "proto").is_empty());
        assert!(rules("q", "the prototype is ready").is_empty());
    }

    #[test]
    fn node_injection() {
        for p in [
            "_$$ND_FUNC$$_function(){}",
            "require('child_process').exec('id')",
            "process.mainModule.require('fs')",
            "this.constructor.constructor('return process')()",
            "process.env",
            "console.info(1)",
            r#"{"then":"$1:__proto__:then"}"#,
        ] {
            assert!(rules("q", p).contains(&"generic.nodejs_injection"), "{p}");
        }
        assert!(rules("q", "process.").is_empty());
        assert!(rules("q", "We process orders daily").is_empty());
    }

    #[test]
    fn endless_loops() {
        for p in [
            "while(true);",
            "while(!false)",
            "while(!!{});",
            "while((true)))",
            "while(1);",
            "while(new Date);",
        ] {
            assert!(rules("q", p).contains(&"generic.nodejs_dos"), "{p}");
        }
        for p in ["while(!true);", "while (foo) is bar.", "while(0);"] {
            assert!(!rules("q", p).contains(&"generic.nodejs_dos"), "{p}");
        }
    }

    #[test]
    fn ruby_perl_and_data() {
        assert!(rules("q", "Process.spawn(\"id\")").contains(&"generic.ruby_injection"));
        assert!(rules("q", "@{[system 'id']}").contains(&"generic.perl_injection"));
        assert!(rules("q", "user@example.com").is_empty());
        assert!(rules("q", "data:text/plain;base64,SSBsb3ZlIFBIUAo=")
            .contains(&"generic.php_data_scheme"));
        assert!(rules("q", "data:image/png;base64,iVBORw0KGgo=").is_empty());
    }

    #[test]
    fn orm_lookups_by_depth() {
        let h = check_all(&ALL, "user__profile__city__startswith", "p");
        assert_eq!((h[0].rule, h[0].paranoia), ("generic.orm_lookup", 2));
        let h = check_all(&ALL, "username__startswith", "p");
        assert_eq!(h[0].paranoia, 3);
        assert!(check_all(&ALL, "__init__", "x").is_empty());
        assert!(check_all(&ALL, "opt_in", "1").is_empty());
    }
}
