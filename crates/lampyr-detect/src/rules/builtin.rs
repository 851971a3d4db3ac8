//! The registry of built-in rules, and the engine that runs the regex rules of the families
//! written as tables (traversal, RFI, command injection, PHP, CRLF, protocol, scanners,
//! session fixation).
//!
//! Why an engine rather than one regex pass per rule: a benign value must cost little. Every
//! table rule names the literals one of which any match must contain; one Aho-Corasick pass per
//! view finds which literals occur, and only the rules they name run their regex. A value
//! with no trigger literal (nearly every benign one) costs one automaton pass per view.

use std::borrow::Cow;

use regex::{Regex, RegexBuilder};

use super::{Family, RequestContext, RuleHit, Value, ValueKind};
use crate::placement::scope;
use crate::{Location, Severity};

/// Which view of a value a rule reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Deserialize, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum View {
    /// As on the wire ([`Value::raw`]).
    Raw,
    /// Fully decoded, case kept ([`Value::decoded`]).
    Decoded,
    /// Lower case, comments out, whitespace compressed ([`Value::folded`]).
    Folded,
    /// Shell evasion removed ([`Value::cmdline`]).
    Cmdline,
}

impl View {
    const ALL: [View; 4] = [View::Raw, View::Decoded, View::Folded, View::Cmdline];

    fn index(self) -> usize {
        self as usize
    }

    /// The text of this view of `v`.
    pub fn of<'a>(self, v: &Value<'a>) -> &'a str {
        match self {
            View::Raw => v.raw,
            View::Decoded => v.decoded,
            View::Folded => v.folded,
            View::Cmdline => v.cmdline,
        }
    }
}

/// One table rule: a regex on one view of the values of some scopes.
#[derive(Debug, Clone)]
pub struct RxRule {
    /// Stable id, `family.name`.
    pub id: &'static str,
    /// Finding category.
    pub category: &'static str,
    /// Severity.
    pub severity: Severity,
    /// Paranoia level 1–4.
    pub paranoia: u8,
    /// The view the regex reads.
    pub view: View,
    /// [`scope`] bits of the values the rule reads.
    pub scope: u32,
    /// Literals (matched ASCII case-insensitively) one of which every match contains; empty =
    /// the rule runs on every value of its scope.
    pub literals: Vec<Cow<'static, str>>,
    /// The regex (Rust `regex` syntax; views other than `Raw`/`Decoded` are lower case).
    pub pattern: Cow<'static, str>,
    /// When set, `literals` are words one of which must be the first word of the view (its
    /// leading path and `.exe` removed) instead of occurring anywhere: a command list as
    /// trigger without running the rule on every value that contains `id` or `ls`.
    pub start_words: bool,
}

impl RxRule {
    /// A rule with static literals and pattern.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        id: &'static str,
        category: &'static str,
        severity: Severity,
        paranoia: u8,
        view: View,
        scope: u32,
        literals: &[&'static str],
        pattern: impl Into<Cow<'static, str>>,
    ) -> Self {
        Self {
            id,
            category,
            severity,
            paranoia,
            view,
            scope,
            literals: literals.iter().map(|l| Cow::Borrowed(*l)).collect(),
            pattern: pattern.into(),
            start_words: false,
        }
    }

    /// The same rule on other scopes at another paranoia level (CRS runs many rules on
    /// headers one or two levels higher than on parameters).
    pub fn also(&self, id: &'static str, scope: u32, paranoia: u8) -> Self {
        Self {
            id,
            scope,
            paranoia,
            ..self.clone()
        }
    }
}

/// What the engine knows of the request beyond one value.
#[derive(Debug, Clone, Copy, Default)]
pub struct ReqInfo<'a> {
    /// Request host (lower case, no port); empty when unknown.
    pub host: &'a str,
    /// Host of the `Referer`, when there is one (empty string when it has no host).
    pub referer_host: Option<&'a str>,
}

struct Compiled {
    rule: RxRule,
    rx: Regex,
}

#[derive(Default)]
struct ViewIndex {
    /// Rules without literals.
    always: Vec<u16>,
    /// Rules per first word, sorted by word (binary search: cheaper than hashing the few
    /// bytes of a word).
    start: Vec<(String, Vec<u16>)>,
    /// Length of the longest first word in `start`.
    start_max: usize,
    /// Union of the scopes of this view's rules.
    scopes: u32,
}

/// Compiled table rules (see the module doc).
///
/// One automaton holds the literals of every view, and each distinct text among a value's
/// views (up to ASCII case, which the literals ignore) is scanned once: most values read the
/// same in all four views, so they cost one pass instead of four.
pub struct Engine {
    rules: Vec<Compiled>,
    views: [ViewIndex; 4],
    /// The literals of every view (ASCII case-insensitive), walked byte by byte: a concrete
    /// DFA (no dynamic dispatch per byte) reporting every occurrence.
    ac: Option<super::Literals>,
    /// Per literal pattern id: (view bit, rule) pairs.
    by_literal: Vec<Vec<(u8, u16)>>,
}

impl std::fmt::Debug for Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Engine")
            .field("rules", &self.rules.len())
            .finish()
    }
}

/// Rules per engine at most (candidates are tracked in a fixed bitset).
const MAX_RULES: usize = 512;

impl Engine {
    /// Compiles `rules`. Panics only on a built-in rule that does not compile (a bug caught by
    /// the tests), never on input.
    pub fn new(rules: Vec<RxRule>) -> Self {
        assert!(rules.len() <= MAX_RULES, "too many table rules");
        let mut compiled = Vec::with_capacity(rules.len());
        for rule in rules {
            let rx = RegexBuilder::new(&super::ascii_boundaries(&rule.pattern))
                .size_limit(4 << 20)
                .build()
                .unwrap_or_else(|e| panic!("rule {}: {e}", rule.id));
            compiled.push(Compiled { rule, rx });
        }
        let mut views: [ViewIndex; 4] = Default::default();
        let mut lits: Vec<String> = Vec::new();
        let mut lit_ids: std::collections::HashMap<String, usize> = Default::default();
        let mut by_literal: Vec<Vec<(u8, u16)>> = Vec::new();
        for (i, c) in compiled.iter().enumerate() {
            let view = c.rule.view;
            let idx = &mut views[view.index()];
            idx.scopes |= c.rule.scope;
            if c.rule.literals.is_empty() {
                idx.always.push(i as u16);
            }
            if c.rule.start_words {
                for w in &c.rule.literals {
                    let w = w.to_ascii_lowercase();
                    idx.start_max = idx.start_max.max(w.len());
                    match idx.start.iter_mut().find(|(x, _)| *x == w) {
                        Some((_, rs)) => rs.push(i as u16),
                        None => idx.start.push((w, vec![i as u16])),
                    }
                }
                continue;
            }
            for l in &c.rule.literals {
                let l = l.to_ascii_lowercase();
                let p = *lit_ids.entry(l.clone()).or_insert_with(|| {
                    lits.push(l);
                    by_literal.push(Vec::new());
                    lits.len() - 1
                });
                let entry = (1u8 << view.index(), i as u16);
                if !by_literal[p].contains(&entry) {
                    by_literal[p].push(entry);
                }
            }
        }
        for idx in &mut views {
            idx.start.sort_by(|a, b| a.0.cmp(&b.0));
        }
        assert!(lits.iter().all(|l| !l.is_empty()), "empty rule literal");
        let ac = (!lits.is_empty()).then(|| super::Literals::new(&lits, true));
        Self {
            rules: compiled,
            views,
            ac,
            by_literal,
        }
    }

    /// Number of rules.
    pub fn len(&self) -> usize {
        self.rules.len()
    }

    /// Whether there are no rules.
    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }

    /// Runs every rule whose scope includes `sc` and whose literal occurs on `v`.
    pub fn check(&self, v: &Value<'_>, sc: u32, out: &mut Vec<RuleHit>) {
        let mut cand = [0u64; MAX_RULES / 64];
        let mut any = false;
        let mut set = |cand: &mut [u64; MAX_RULES / 64], r: u16| {
            cand[r as usize / 64] |= 1 << (r % 64);
            any = true;
        };
        // Distinct texts (up to ASCII case) among the active views, with the views reading
        // each.
        let mut groups: [(&str, u8); 4] = [("", 0); 4];
        let mut n_groups = 0;
        for view in View::ALL {
            let idx = &self.views[view.index()];
            if idx.scopes & sc == 0 {
                continue;
            }
            let text = view.of(v);
            for &r in &idx.always {
                set(&mut cand, r);
            }
            if !idx.start.is_empty() {
                let w = first_word(text);
                if w.len() <= idx.start_max {
                    if let Ok(k) = idx.start.binary_search_by(|(x, _)| x.as_str().cmp(w)) {
                        for &r in &idx.start[k].1 {
                            set(&mut cand, r);
                        }
                    }
                }
            }
            let bit = 1u8 << view.index();
            match groups[..n_groups]
                .iter_mut()
                .find(|(t, _)| t.len() == text.len() && t.eq_ignore_ascii_case(text))
            {
                Some(g) => g.1 |= bit,
                None => {
                    groups[n_groups] = (text, bit);
                    n_groups += 1;
                }
            }
        }
        if let Some(ac) = &self.ac {
            for &(text, mask) in &groups[..n_groups] {
                ac.for_each_match(text.as_bytes(), |p, _, _| {
                    for &(vb, r) in &self.by_literal[p] {
                        if vb & mask != 0 {
                            set(&mut cand, r);
                        }
                    }
                });
            }
        }
        if !any {
            return;
        }
        for (w, &bits) in cand.iter().enumerate() {
            let mut bits = bits;
            while bits != 0 {
                let b = bits.trailing_zeros() as usize;
                bits &= bits - 1;
                let c = &self.rules[w * 64 + b];
                if c.rule.scope & sc == 0 {
                    continue;
                }
                let text = c.rule.view.of(v);
                if let Some(m) = c.rx.find(text) {
                    let span = span_in_decoded(v, c.rule.view, m.as_str(), m.range());
                    out.push(RuleHit {
                        rule: c.rule.id,
                        category: c.rule.category,
                        severity: c.rule.severity,
                        paranoia: c.rule.paranoia,
                        span,
                    });
                }
            }
        }
    }
}

/// The first word of a text as a shell reads a command: leading blanks skipped, up to a
/// blank or an operator, its directory (`/usr/bin/`, `c:\\windows\\`) and `.exe` removed.
pub fn first_word(text: &str) -> &str {
    // ASCII fast path (the common case); any other byte takes the general one.
    let b = text.as_bytes();
    let mut i = 0;
    while i < b.len() && matches!(b[i], b'\t'..=b'\r' | b' ') {
        i += 1;
    }
    let mut j = i;
    while j < b.len() {
        match b[j] {
            0x80.. => return first_word_general(text),
            b'\t'..=b'\r' | b' ' | b';' | b'|' | b'&' | b'<' | b'>' | b'`' | b'(' | b')' => break,
            _ => j += 1,
        }
    }
    let w = &text[i..j];
    let w = match w.bytes().rposition(|c| c == b'/' || c == b'\\') {
        Some(k) => &w[k + 1..],
        None => w,
    };
    w.strip_suffix(".exe").unwrap_or(w)
}

fn first_word_general(text: &str) -> &str {
    let t = text.trim_start();
    let end = t
        .find(|c: char| {
            c.is_whitespace() || matches!(c, ';' | '|' | '&' | '<' | '>' | '`' | '(' | ')')
        })
        .unwrap_or(t.len());
    let w = &t[..end];
    let w = w.rsplit(['/', '\\']).next().unwrap_or(w);
    w.strip_suffix(".exe").unwrap_or(w)
}

/// Where a match on some view sits in `decoded`, best effort (empty when it cannot be found).
pub fn span_in_decoded(
    v: &Value<'_>,
    view: View,
    matched: &str,
    range: std::ops::Range<usize>,
) -> std::ops::Range<usize> {
    if view == View::Decoded {
        return range;
    }
    let needle = matched.trim();
    if needle.is_empty() {
        return 0..0;
    }
    let hay = v.decoded;
    // ASCII case-insensitive search of the match, then of its first 8 bytes.
    for n in [needle, needle.get(..8.min(needle.len())).unwrap_or(needle)] {
        if let Some(p) = find_ci(hay, n) {
            return p..p + n.len();
        }
    }
    0..0
}

fn find_ci(hay: &str, needle: &str) -> Option<usize> {
    let (h, n) = (hay.as_bytes(), needle.as_bytes());
    if n.is_empty() || n.len() > h.len() {
        return None;
    }
    (0..=h.len() - n.len())
        .find(|&i| hay.is_char_boundary(i) && h[i..i + n.len()].eq_ignore_ascii_case(n))
        .filter(|&i| hay.is_char_boundary(i + n.len()))
}

/// The scope bits of a value, from its placement and kind (for families that get a [`Value`]
/// without the placement's finer scope).
pub fn scope_of(v: &Value<'_>) -> u32 {
    let name = v.kind == ValueKind::Name;
    match v.placement.location {
        Location::Path if v.placement.field.is_empty() => scope::PATH,
        Location::Path => scope::PATH_SEGMENT,
        Location::Query if name => scope::QUERY_NAME,
        Location::Query => scope::QUERY,
        Location::Body if name => scope::BODY_NAME,
        Location::Body => scope::BODY,
        Location::Cookie if name => scope::COOKIE_NAME,
        Location::Cookie => scope::COOKIE,
        Location::Header if name => scope::HEADER_NAME,
        Location::Header => match v.placement.field.as_str() {
            "user-agent" => scope::HEADER | scope::USER_AGENT,
            "referer" => scope::HEADER | scope::REFERER,
            _ => scope::HEADER,
        },
        Location::ResponseBody | Location::ResponseHeader => 0,
    }
}

/// The table-rule families of this crate as one engine, plus their code checks (the ones a
/// regex cannot say: hosts compared with the request's, session names with the referer).
#[derive(Debug)]
pub struct Core {
    engine: Engine,
    scanner: super::scanner::Scanner,
}

impl Default for Core {
    fn default() -> Self {
        Self::new()
    }
}

impl Core {
    /// Compiles every table rule.
    pub fn new() -> Self {
        let mut rules = Vec::new();
        rules.extend(super::traversal::rules());
        rules.extend(super::rfi::rules());
        rules.extend(super::rce::rules());
        rules.extend(super::php::rules());
        rules.extend(super::crlf::rules());
        rules.extend(super::protocol::rules());
        rules.extend(super::session::rules());
        rules.extend(super::sqli_family::rules());
        rules.extend(super::xss_family::rules());
        Self {
            engine: Engine::new(rules),
            scanner: super::scanner::Scanner::new(),
        }
    }

    /// Checks one value with the request facts the engine can use.
    pub fn check_with(&self, v: &Value<'_>, sc: u32, info: &ReqInfo<'_>, out: &mut Vec<RuleHit>) {
        self.engine.check(v, sc, out);
        super::traversal::check(v, sc, out);
        super::rfi::check(v, sc, info, out);
        super::rce::check(v, sc, out);
        super::session::check(v, sc, info, out);
        self.scanner.check(v, sc, out);
    }

    /// Number of table rules.
    pub fn table_rules(&self) -> usize {
        self.engine.len()
    }
}

impl Family for Core {
    fn check(&self, value: &Value<'_>, _ctx: &RequestContext<'_>, out: &mut Vec<RuleHit>) {
        self.check_with(value, scope_of(value), &ReqInfo::default(), out);
    }
}

/// Every built-in family that implements [`Family`] on its own: the tokenising SQLi and XSS
/// detectors and the families of `java`, `generic`, `xxe`, `nosql`, `ldap_xpath` and
/// `mass_assignment`. The table rules run through [`Core`].
pub fn families() -> Vec<Box<dyn Family>> {
    let mut out: Vec<Box<dyn Family>> = vec![
        Box::new(super::sqli_family::SqliFamily),
        Box::new(super::xss_family::XssFamily),
    ];
    out.extend(super::java::families());
    out.extend(super::generic::families());
    out.extend(super::xxe::families());
    out.extend(super::nosql::families());
    out.extend(super::ldap_xpath::families());
    out.extend(super::mass_assignment::families());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_words_are_read_like_a_shell() {
        assert_eq!(first_word("  /usr/bin/wget http://x"), "wget");
        assert_eq!(first_word("c:\\windows\\cmd.exe /c dir"), "cmd");
        assert_eq!(first_word("id;ls"), "id");
        assert_eq!(first_word("\u{a0}cat /etc/passwd"), "cat");
        assert_eq!(first_word("caf\u{e9} x"), "caf\u{e9}");
        assert_eq!(first_word(""), "");
        assert_eq!(first_word("ls/"), "");
    }

    #[test]
    fn every_builtin_table_rule_compiles_with_a_unique_id_and_valid_level() {
        let core = Core::new();
        assert!(core.table_rules() > 50);
        let mut ids: Vec<&str> = core.engine.rules.iter().map(|c| c.rule.id).collect();
        ids.sort_unstable();
        let n = ids.len();
        ids.dedup();
        assert_eq!(ids.len(), n, "duplicate rule ids");
        for c in &core.engine.rules {
            assert!((1..=4).contains(&c.rule.paranoia), "{}", c.rule.id);
            assert!(c.rule.id.contains('.'), "{}", c.rule.id);
            assert!(c.rule.scope != 0, "{}", c.rule.id);
            assert!(c.rule.category.starts_with("attack."), "{}", c.rule.id);
        }
    }
}

/// Test helpers shared by the family modules' unit tests.
#[cfg(test)]
pub(crate) mod testing {
    use std::sync::OnceLock;

    use super::{Core, ReqInfo};
    use crate::normalize::Views;
    use crate::placement::scope;
    use crate::rules::{Value, ValueKind};
    use crate::{Location, Placement};

    fn core() -> &'static Core {
        static CORE: OnceLock<Core> = OnceLock::new();
        CORE.get_or_init(Core::new)
    }

    /// Rule ids (at any paranoia) the table families report for `value` at scope `sc`, with a
    /// request to `localhost` and the given referer host.
    pub fn hits_with(value: &str, sc: u32, referer_host: Option<&str>) -> Vec<(&'static str, u8)> {
        let location = if sc & (scope::PATH | scope::PATH_SEGMENT) != 0 {
            Location::Path
        } else if sc & (scope::HEADER | scope::HEADER_NAME) != 0 {
            Location::Header
        } else if sc & scope::COOKIES != 0 {
            Location::Cookie
        } else if sc & (scope::BODY | scope::BODY_NAME) != 0 {
            Location::Body
        } else {
            Location::Query
        };
        let placement = Placement {
            location,
            field: "q".into(),
        };
        let mut views = Views::default();
        views.fill(value);
        let v = Value {
            placement: &placement,
            kind: if sc & (scope::NAMES | scope::COOKIE_NAME | scope::HEADER_NAME) != 0 {
                ValueKind::Name
            } else {
                ValueKind::Content
            },
            key: if sc & scope::NAMES != 0 { value } else { "q" },
            raw: value,
            decoded: &views.decoded,
            folded: &views.folded,
            cmdline: &views.cmdline,
            from_base64: false,
        };
        let info = ReqInfo {
            host: "localhost",
            referer_host,
        };
        let mut out = Vec::new();
        core().check_with(&v, sc, &info, &mut out);
        out.into_iter().map(|h| (h.rule, h.paranoia)).collect()
    }

    /// Rule ids reported at paranoia ≤ `pl` for a query parameter value.
    pub fn ids_at(value: &str, pl: u8) -> Vec<&'static str> {
        hits_with(value, scope::QUERY, None)
            .into_iter()
            .filter(|h| h.1 <= pl)
            .map(|h| h.0)
            .collect()
    }

    /// Whether any table rule of a family (`rce.`, `lfi.`...) fires at paranoia ≤ `pl` on a
    /// query value.
    pub fn fires(value: &str, prefix: &str, pl: u8) -> bool {
        ids_at(value, pl).iter().any(|id| id.starts_with(prefix))
    }
}
