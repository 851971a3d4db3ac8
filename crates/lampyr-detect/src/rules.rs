//! Built-in rule families and the interface they share.
//!
//! The inspector ([`crate::inspect`]) finds every value of a request at its placement
//! ([`crate::placement`]), normalises it once ([`crate::normalize`]) and hands each family a
//! [`Value`] carrying every view a rule needs, so no family decodes anything itself. A family
//! pushes [`RuleHit`]s; the inspector keeps those at or below the paranoia level, masks the
//! fragment and adds their scores.

use std::ops::Range;

use crate::{Placement, Severity};

/// Whether a value is a field name or a field's content (CRS: `ARGS_NAMES` vs `ARGS`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ValueKind {
    /// A query, form, JSON, cookie or header name.
    Name,
    /// Content: a parameter value, a header value, a path segment, a raw body.
    Content,
}

/// One request value, with the views the rules read.
#[derive(Debug, Clone, Copy)]
pub struct Value<'a> {
    /// Where it is.
    pub placement: &'a Placement,
    /// Name or content.
    pub kind: ValueKind,
    /// The field name the value belongs to (empty for path segments and raw bodies).
    pub key: &'a str,
    /// As found on the wire (still percent-encoded where it was).
    pub raw: &'a str,
    /// Fully decoded: repeated URL decoding, HTML entities, JSON/JS escapes, full-width forms
    /// and other compatibility characters to ASCII, NUL bytes removed. Case kept.
    pub decoded: &'a str,
    /// `decoded`, lower-cased, with SQL/C comments removed and whitespace runs collapsed to one
    /// space (CRS `t:lowercase,t:removeComments,t:compressWhitespace`).
    pub folded: &'a str,
    /// `folded` with shell evasion removed: `\`, `'`, `"`, `^` dropped, `$IFS`/`${IFS}` and
    /// `,`/`;` spacing normalised (CRS `t:cmdLine`).
    pub cmdline: &'a str,
    /// Set when `decoded` was base64 and this is a re-inspection of what it decodes to.
    pub from_base64: bool,
}

/// What the whole request looks like, for rules that need more than one value.
#[derive(Debug, Clone, Copy)]
pub struct RequestContext<'a> {
    /// Method as sent.
    pub method: &'a str,
    /// Request media type, lower-case, without parameters.
    pub media_type: Option<&'a str>,
    /// The `User-Agent` header.
    pub user_agent: Option<&'a str>,
    /// The raw body as text (lossy), capped at the inspection limit.
    pub body: &'a str,
}

/// One rule that matched.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleHit {
    /// Stable rule id, `family.name` (`rce.unix_command`, `jndi.lookup`...).
    pub rule: &'static str,
    /// Finding category (see [`crate::category`]).
    pub category: &'static str,
    /// Severity; its score adds to the anomaly score.
    pub severity: Severity,
    /// Paranoia level 1–4 at which the rule is active.
    pub paranoia: u8,
    /// The matched bytes, as a range of [`Value::decoded`] (empty when the match is on another
    /// view; the inspector then shows the start of `decoded`).
    pub span: Range<usize>,
}

/// Which ASCII bytes a value's decoded text holds, and whether it holds any other: computed
/// once per value by the normaliser so a family can tell in O(1) that it has nothing to find
/// (a value with no `(`, `)`, `/`, `:` or `]` holds no LDAP filter or XPath expression).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ByteSet {
    ascii: u128,
    non_ascii: bool,
}

impl ByteSet {
    /// The bytes of `s`.
    pub fn of(s: &str) -> Self {
        let mut set = Self::default();
        set.add(s.as_bytes());
        set
    }

    /// Adds the bytes of `b`.
    pub fn add(&mut self, b: &[u8]) {
        let mut ascii = self.ascii;
        let mut high = false;
        for &c in b {
            if c < 128 {
                ascii |= 1u128 << c;
            } else {
                high = true;
            }
        }
        self.ascii = ascii;
        self.non_ascii |= high;
    }

    /// Whether the ASCII byte `b` occurs.
    pub fn has(&self, b: u8) -> bool {
        b < 128 && self.ascii & (1u128 << b) != 0
    }

    /// Whether any of the ASCII bytes in `bytes` occurs.
    pub fn any(&self, bytes: &[u8]) -> bool {
        bytes.iter().any(|&b| self.has(b))
    }

    /// The ASCII bytes as a bit set (bit `b` set when byte `b` occurs), for tests of several
    /// bytes at once.
    pub fn ascii_bits(&self) -> u128 {
        self.ascii
    }

    /// Whether a non-ASCII character occurs.
    pub fn has_non_ascii(&self) -> bool {
        self.non_ascii
    }

    /// Whether every byte is an ASCII letter or digit (true for the empty text).
    pub fn only_alphanumeric(&self) -> bool {
        const ALNUM: u128 =
            (0x3ffu128 << b'0') | (0x3ff_ffffu128 << b'A') | (0x3ff_ffffu128 << b'a');
        !self.non_ascii && self.ascii & !ALNUM == 0
    }
}

/// A literal set searched byte by byte with a concrete Aho-Corasick automaton: the same
/// matches as `aho_corasick::AhoCorasick` with [`MatchKind::Standard`](aho_corasick::MatchKind),
/// without its per-byte dynamic dispatch (which costs more than the transition on the short
/// values of API traffic). Small sets use a DFA; large ones a contiguous NFA, whose table
/// stays in cache where a DFA's would not.
#[derive(Debug, Clone)]
pub struct Literals {
    imp: LiteralsImp,
}

#[derive(Debug, Clone)]
enum LiteralsImp {
    Dfa(aho_corasick::dfa::DFA),
    Nfa(aho_corasick::nfa::contiguous::NFA),
}

/// Sets with more patterns than this use the NFA.
const MAX_DFA_PATTERNS: usize = 64;

impl Literals {
    /// Compiles `patterns` (none may be empty), ASCII case-insensitive when `ci`.
    pub fn new<P: AsRef<[u8]>>(patterns: &[P], ci: bool) -> Self {
        assert!(
            patterns.iter().all(|p| !p.as_ref().is_empty()),
            "empty literal"
        );
        let imp = if patterns.len() <= MAX_DFA_PATTERNS {
            LiteralsImp::Dfa(
                aho_corasick::dfa::DFA::builder()
                    .ascii_case_insensitive(ci)
                    .match_kind(aho_corasick::MatchKind::Standard)
                    .build(patterns)
                    .expect("literal set compiles"),
            )
        } else {
            LiteralsImp::Nfa(
                aho_corasick::nfa::contiguous::NFA::builder()
                    .ascii_case_insensitive(ci)
                    .match_kind(aho_corasick::MatchKind::Standard)
                    .build(patterns)
                    .expect("literal set compiles"),
            )
        };
        Self { imp }
    }

    /// Calls `f(pattern, start, end)` for every occurrence of every pattern, overlapping
    /// ones included, in order of end position (then in the automaton's order at one
    /// position, as `find_overlapping_iter` reports them).
    #[inline]
    pub fn for_each_match(&self, text: &[u8], f: impl FnMut(usize, usize, usize)) {
        match &self.imp {
            LiteralsImp::Dfa(a) => each_match(a, text, f),
            LiteralsImp::Nfa(a) => each_match(a, text, f),
        }
    }

    /// Whether any pattern occurs in `text`.
    pub fn is_match(&self, text: &str) -> bool {
        self.find(text.as_bytes()).is_some()
    }

    /// The first match as `AhoCorasick::find` reports it with standard semantics (the one
    /// that ends first): (pattern, start, end).
    pub fn find(&self, text: &[u8]) -> Option<(usize, usize, usize)> {
        match &self.imp {
            LiteralsImp::Dfa(a) => first_match(a, text),
            LiteralsImp::Nfa(a) => first_match(a, text),
        }
    }
}

#[inline]
fn each_match<A: aho_corasick::automaton::Automaton>(
    a: &A,
    text: &[u8],
    mut f: impl FnMut(usize, usize, usize),
) {
    use aho_corasick::Anchored;
    let Ok(mut sid) = a.start_state(Anchored::No) else {
        return;
    };
    for (i, &b) in text.iter().enumerate() {
        sid = a.next_state(Anchored::No, sid, b);
        if a.is_special(sid) && a.is_match(sid) {
            for k in 0..a.match_len(sid) {
                let p = a.match_pattern(sid, k);
                f(p.as_usize(), i + 1 - a.pattern_len(p), i + 1);
            }
        }
    }
}

fn first_match<A: aho_corasick::automaton::Automaton>(
    a: &A,
    text: &[u8],
) -> Option<(usize, usize, usize)> {
    use aho_corasick::Anchored;
    let mut sid = a.start_state(Anchored::No).ok()?;
    for (i, &b) in text.iter().enumerate() {
        sid = a.next_state(Anchored::No, sid, b);
        if a.is_special(sid) && a.is_match(sid) {
            let p = a.match_pattern(sid, 0);
            return Some((p.as_usize(), i + 1 - a.pattern_len(p), i + 1));
        }
    }
    None
}

/// A family of rules. Implementations are built once (compiling their regexes and phrase
/// lists) and are `Send + Sync` so one inspector serves every gateway thread.
pub trait Family: Send + Sync + std::fmt::Debug {
    /// Checks one value.
    fn check(&self, value: &Value<'_>, ctx: &RequestContext<'_>, out: &mut Vec<RuleHit>);

    /// Whether [`Family::check`] can find anything in `value`, whose decoded text holds
    /// `bytes`: a cheap necessary condition (a trigger character, a key shape) that lets the
    /// inspector skip the family on the many values that cannot match. Must never be false
    /// for a value `check` would report; the default (always true) is always correct.
    fn may_match(&self, _value: &Value<'_>, _ctx: &RequestContext<'_>, _bytes: &ByteSet) -> bool {
        true
    }

    /// Checks the request as a whole (headers together, the raw body, the method), once per
    /// request. Most families have nothing to do here.
    fn check_request(&self, _ctx: &RequestContext<'_>, _out: &mut Vec<RuleHit>) {}
}

/// `pattern` with its word boundaries (`\b`, `\B`) made ASCII. A Unicode boundary makes the
/// regex engines give up their DFAs on any non-ASCII text and fall back to the PikeVM, many
/// times slower (about 1 ms per 1 KB of Chinese JSON for the verbose-error patterns). The
/// built-in patterns bound ASCII words only; ASCII semantics also means a non-ASCII letter
/// glued to a keyword does not hide it.
pub(crate) fn ascii_boundaries(pattern: &str) -> String {
    let mut out = String::with_capacity(pattern.len() + 16);
    let mut chars = pattern.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('b') => out.push_str("(?-u:\\b)"),
            Some('B') => out.push_str("(?-u:\\B)"),
            Some(n) => {
                out.push('\\');
                out.push(n);
            }
            None => out.push('\\'),
        }
    }
    out
}

pub mod generic;
pub mod java;
pub mod ldap_xpath;
pub mod mass_assignment;
pub mod nosql;
pub mod xxe;

pub mod builtin;
pub mod crlf;
pub mod php;
pub mod protocol;
pub mod rce;
pub mod rfi;
pub mod scanner;
pub mod session;
pub mod sqli_family;
pub mod traversal;
pub mod user;
pub mod xss_family;

#[cfg(test)]
mod byteset_tests {
    use super::{ByteSet, Literals};
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn literal_sets_report_what_aho_corasick_reports(
            pats in proptest::collection::vec("[abAB.$]{1,4}", 1..100),
            text in "[abAB.$x]{0,40}",
            ci in any::<bool>(),
        ) {
            let ac = aho_corasick::AhoCorasickBuilder::new()
                .ascii_case_insensitive(ci)
                .build(&pats)
                .unwrap();
            let lits = Literals::new(&pats, ci);
            let mut ours = Vec::new();
            lits.for_each_match(text.as_bytes(), |p, s, e| ours.push((p, s, e)));
            let theirs: Vec<_> = ac
                .find_overlapping_iter(&text)
                .map(|m| (m.pattern().as_usize(), m.start(), m.end()))
                .collect();
            prop_assert_eq!(ours, theirs);
            let first = ac.find(&text).map(|m| (m.pattern().as_usize(), m.start(), m.end()));
            prop_assert_eq!(lits.find(text.as_bytes()), first);
        }
    }

    #[test]
    fn byte_sets_answer_membership_and_alphanumeric() {
        let s = ByteSet::of("ab(9");
        assert!(s.has(b'(') && s.has(b'a') && !s.has(b')'));
        assert!(s.any(b")(") && !s.any(b")]"));
        assert!(!s.only_alphanumeric());
        assert!(ByteSet::of("rO0ABXNy09").only_alphanumeric());
        assert!(!ByteSet::of("caf\u{e9}").only_alphanumeric());
        assert!(ByteSet::of("caf\u{e9}").has_non_ascii());
        assert!(!ByteSet::of("x").has(200));
    }
}

#[cfg(test)]
mod boundary_tests {
    use super::ascii_boundaries;

    #[test]
    fn only_unescaped_boundaries_change() {
        assert_eq!(ascii_boundaries(r"\bselect\b"), r"(?-u:\b)select(?-u:\b)");
        assert_eq!(ascii_boundaries(r"\Bx"), r"(?-u:\B)x");
        assert_eq!(ascii_boundaries(r"C:\\boot"), r"C:\\boot");
        assert_eq!(ascii_boundaries(r"\d+\.\w"), r"\d+\.\w");
        assert_eq!(ascii_boundaries("a\\"), "a\\");
    }

    #[test]
    fn ascii_boundaries_still_bound_words_next_to_chinese() {
        let rx = regex::Regex::new(&ascii_boundaries(r"\bunion\b")).unwrap();
        assert!(rx.is_match("名字 union select"));
        assert!(!rx.is_match("reunion"));
    }
}
