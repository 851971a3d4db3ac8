//! Script outside tags: script URLs, JavaScript sinks, template expressions, encodings.

use std::sync::OnceLock;

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};

use super::{hit, XssMatch};

/// Occurrences of one pattern examined per value (bounded work).
const MAX_SITES: usize = 64;

/// Bytes browsers drop inside a URL scheme (`java\tscript:`).
fn is_scheme_noise(b: u8) -> bool {
    matches!(b, b'\t' | b'\n' | b'\r' | 0)
}

/// Script-running URL schemes, lower case, without the colon.
const SCHEMES: &[&str] = &["javascript", "vbscript", "livescript", "mocha"];

/// `data:` media types that render as a document or run script.
const ACTIVE_DATA: &[&str] = &[
    "text/html",
    "text/javascript",
    "application/javascript",
    "application/x-javascript",
    "application/xhtml+xml",
    "image/svg+xml",
    "text/xml",
    "application/ecmascript",
    "text/vbscript",
];

/// Matches a script URL at `pos` (after leading spaces and control characters, which
/// browsers strip): its end and whether scheme noise was inside it.
pub(super) fn script_scheme_at(s: &[u8], pos: usize) -> Option<(usize, bool)> {
    let mut i = pos;
    while i < s.len() && s[i] <= 0x20 {
        i += 1;
    }
    for scheme in SCHEMES.iter().chain(std::iter::once(&"data")) {
        let mut j = i;
        let mut noisy = false;
        let mut ok = true;
        for want in scheme.bytes() {
            while j < s.len() && is_scheme_noise(s[j]) {
                j += 1;
                noisy = true;
            }
            if j < s.len() && s[j].to_ascii_lowercase() == want {
                j += 1;
            } else {
                ok = false;
                break;
            }
        }
        while ok && j < s.len() && is_scheme_noise(s[j]) {
            j += 1;
            noisy = true;
        }
        if !ok || s.get(j) != Some(&b':') {
            continue;
        }
        if *scheme == "data" {
            let rest = &s[j + 1..];
            let rest = &rest[rest.iter().take_while(|b| b.is_ascii_whitespace()).count()..];
            let active = ACTIVE_DATA.iter().any(|t| {
                rest.len() >= t.len() && rest[..t.len()].eq_ignore_ascii_case(t.as_bytes())
            });
            if !active {
                continue;
            }
        }
        return Some((j + 1, noisy));
    }
    None
}

/// `javascript:` and friends anywhere in the value.
pub(super) fn script_urls(s: &str) -> Option<XssMatch> {
    let b = s.as_bytes();
    let mut best: Option<XssMatch> = None;
    for (sites, colon) in memchr::memchr_iter(b':', b).enumerate() {
        if sites >= MAX_SITES {
            break;
        }
        // Walk back over the scheme's letters (and the noise browsers drop).
        let mut st = colon;
        while st > 0
            && colon - st < 24
            && (b[st - 1].is_ascii_alphabetic() || is_scheme_noise(b[st - 1]))
        {
            st -= 1;
        }
        // Try every start inside the run so `xjavascript:` finds no scheme but
        // `"javascript:` does.
        let mut found = None;
        for start in st..colon {
            if start > 0 && b[start - 1].is_ascii_alphanumeric() {
                continue;
            }
            if let Some((end, noisy)) = script_scheme_at(b, start) {
                if end == colon + 1 {
                    found = Some((start, end, noisy));
                    break;
                }
            }
        }
        let Some((start, end, noisy)) = found else {
            continue;
        };
        let lead = b[..start].iter().all(|c| *c <= 0x20);
        let after_delim = start > 0 && matches!(b[start - 1], b'=' | b'"' | b'\'' | b'(' | b'`');
        let tail = &s[end..];
        let code = looks_like_code(tail);
        let pl = if lead || noisy || (after_delim && code) {
            1
        } else if code || after_delim {
            2
        } else {
            3
        };
        keep(&mut best, hit("js_url", pl, start..end));
        if pl == 1 {
            break;
        }
    }
    best
}

/// Whether text reads like JavaScript rather than prose: a call, a template call, an
/// assignment or statement separator with no spaces around words.
pub(super) fn looks_like_code(v: &str) -> bool {
    let v = v.trim();
    if v.is_empty() {
        return false;
    }
    let b = v.as_bytes();
    let has_call = b.windows(2).any(|w| {
        (w[0].is_ascii_alphanumeric() || w[0] == b'_' || w[0] == b')')
            && (w[1] == b'(' || w[1] == b'`')
    });
    has_call || v.starts_with("//") || (v.contains(';') && !v.contains(' '))
}

/// Whether a `style` value or stylesheet runs script (`expression(`, `url(javascript:`,
/// `behavior:`, `-moz-binding`, `@import`).
pub(super) fn css_is_active(css: &str) -> bool {
    let mut flat = Vec::with_capacity(css.len().min(4096));
    let b = css.as_bytes();
    let mut i = 0;
    while i < b.len() && flat.len() < 4096 {
        if b[i..].starts_with(b"/*") {
            i = memchr::memmem::find(&b[i + 2..], b"*/").map_or(b.len(), |p| i + 2 + p + 2);
            continue;
        }
        let c = b[i];
        if !(c.is_ascii_whitespace() || matches!(c, b'\\' | b'"' | b'\'' | 0)) {
            flat.push(c.to_ascii_lowercase());
        }
        i += 1;
    }
    const ACTIVE: &[&[u8]] = &[
        b"expression(",
        b"javascript:",
        b"vbscript:",
        b"behavior:",
        b"behaviour:",
        b"-moz-binding",
        b"@import",
        b"url(data:text/html",
    ];
    ACTIVE
        .iter()
        .any(|p| memchr::memmem::find(&flat, p).is_some())
}

/// The sink vocabulary, matched case-insensitively.
#[derive(Clone, Copy)]
enum Sink {
    /// A function that runs or shows attacker text when called (`alert`, `eval`).
    Call(u8),
    /// A property read or written by payloads (`document.cookie`); its paranoia.
    Property(u8),
    /// A global object indexed by a computed name (`window['al'+'ert']`).
    Global,
    /// A constructor chain (`constructor.constructor(`).
    Constructor,
    /// Only dangerous as a tagged template (`` .call`${alert}` ``).
    Template,
}

const SINKS: &[(&str, Sink)] = &[
    ("alert", Sink::Call(2)),
    ("eval", Sink::Call(2)),
    ("prompt", Sink::Call(3)),
    ("confirm", Sink::Call(3)),
    ("settimeout", Sink::Call(2)),
    ("setinterval", Sink::Call(2)),
    ("execscript", Sink::Call(2)),
    ("fromcharcode", Sink::Call(1)),
    ("atob", Sink::Call(3)),
    ("btoa", Sink::Call(3)),
    ("new function", Sink::Call(2)),
    ("call", Sink::Template),
    ("apply", Sink::Template),
    ("document.cookie", Sink::Property(1)),
    ("document.domain", Sink::Property(1)),
    ("document.write", Sink::Property(1)),
    ("document.location", Sink::Property(2)),
    // DOM access that only script does: reading or building the page.
    ("document.queryselector", Sink::Property(2)),
    ("document.queryselectorall", Sink::Property(2)),
    ("document.getelementbyid", Sink::Property(2)),
    ("document.getelementsbytagname", Sink::Property(2)),
    ("document.createelement", Sink::Property(2)),
    ("document.body", Sink::Property(2)),
    ("window.location", Sink::Property(2)),
    ("location.href", Sink::Property(3)),
    ("innerhtml", Sink::Property(2)),
    ("outerhtml", Sink::Property(2)),
    ("window", Sink::Global),
    ("self", Sink::Global),
    ("top", Sink::Global),
    ("this", Sink::Global),
    ("parent", Sink::Global),
    ("frames", Sink::Global),
    ("globalthis", Sink::Global),
    ("document", Sink::Global),
    ("constructor", Sink::Constructor),
];

fn sink_matcher() -> &'static AhoCorasick {
    static AC: OnceLock<AhoCorasick> = OnceLock::new();
    AC.get_or_init(|| {
        AhoCorasickBuilder::new()
            .ascii_case_insensitive(true)
            .match_kind(MatchKind::LeftmostLongest)
            .build(SINKS.iter().map(|(p, _)| p))
            .expect("static patterns")
    })
}

fn is_ident(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b == b'$'
}

/// Index after the `)` matching the `(` at `open`, within `limit` bytes.
fn close_paren(b: &[u8], open: usize, limit: usize) -> Option<usize> {
    let mut depth = 0usize;
    let mut quote = 0u8;
    for (k, &c) in b.iter().enumerate().skip(open).take(limit) {
        if quote != 0 {
            if c == quote {
                quote = 0;
            }
            continue;
        }
        match c {
            b'\'' | b'"' | b'`' => quote = c,
            b'(' => depth += 1,
            b')' => {
                depth -= 1;
                if depth == 0 {
                    return Some(k + 1);
                }
            }
            _ => {}
        }
    }
    None
}

/// Call arguments that read as code: no bare spaces outside quotes, or empty.
fn code_args(args: &[u8]) -> bool {
    let mut quote = 0u8;
    for &c in args {
        if quote != 0 {
            if c == quote {
                quote = 0;
            }
        } else if matches!(c, b'\'' | b'"' | b'`') {
            quote = c;
        } else if c.is_ascii_whitespace() {
            return false;
        }
    }
    true
}

/// JavaScript sinks: calls, dangerous properties, computed globals, constructor chains and
/// AngularJS template expressions.
pub(super) fn sinks(s: &str) -> Option<XssMatch> {
    let b = s.as_bytes();
    let mut best: Option<XssMatch> = None;
    for (sites, m) in sink_matcher().find_iter(b).enumerate() {
        if sites >= MAX_SITES {
            break;
        }
        let (st, en) = (m.start(), m.end());
        if st > 0 && is_ident(b[st - 1]) || b.get(en).is_some_and(|c| is_ident(*c)) {
            continue;
        }
        let mut j = en;
        while j < b.len() && b[j].is_ascii_whitespace() && j - en < 8 {
            j += 1;
        }
        let next = b.get(j).copied();
        match SINKS[m.pattern().as_usize()].1 {
            Sink::Call(_) if next == Some(b'}') && b[..st].ends_with(b"${") => {
                // `${alert}` inside a tagged template.
                keep(&mut best, hit("js_call", 1, st..j + 1));
            }
            Sink::Template if next == Some(b'`') => {
                keep(&mut best, hit("js_call", 1, st..j + 1));
            }
            Sink::Template => {}
            Sink::Call(weak_pl) => match next {
                Some(b'`') => keep(&mut best, hit("js_call", 1, st..j + 1)),
                Some(b'(') => {
                    let close = close_paren(b, j, 256);
                    let adjacent = j == en;
                    let pl = match close {
                        Some(c) if adjacent && code_args(&b[j + 1..c - 1]) => 1,
                        Some(c) if code_args(&b[j + 1..c - 1]) => weak_pl.min(2),
                        _ if adjacent => weak_pl,
                        _ => weak_pl.max(3),
                    };
                    let end = close.unwrap_or(j + 1);
                    keep(&mut best, hit("js_call", pl, st..end));
                }
                _ => {}
            },
            Sink::Property(pl) => keep(&mut best, hit("js_property", pl, st..en)),
            Sink::Global => {
                // `window['x']`, `(document)["cookie"]`.
                let (next, j) = if next == Some(b')') {
                    (b.get(j + 1).copied(), j + 1)
                } else {
                    (next, j)
                };
                if next == Some(b'[') {
                    let inner = b.get(j + 1).copied();
                    if matches!(inner, Some(b'\'' | b'"' | b'`'))
                        || inner.is_some_and(|c| c.is_ascii_alphabetic())
                    {
                        keep(&mut best, hit("js_global", 1, st..j + 1));
                    }
                }
            }
            Sink::Constructor => {
                let chained = b[..st].ends_with(b".") || next == Some(b'.') || next == Some(b'(');
                if chained && b[st..].windows(1).any(|w| w[0] == b'(') {
                    keep(&mut best, hit("constructor_chain", 1, st..en));
                }
            }
        }
        if best.as_ref().is_some_and(|m| m.paranoia == 1) {
            return best;
        }
    }
    best
}

/// `{{constructor.constructor('alert(1)')()}}` and other AngularJS expressions.
pub(super) fn template_expression(s: &str) -> Option<XssMatch> {
    let b = s.as_bytes();
    memchr::memchr(b'{', b)?;
    let open = memchr::memmem::find(b, b"{{")?;
    let close = memchr::memmem::find(&b[open..], b"}}").map_or(b.len(), |p| open + p + 2);
    let inner = s[open..close].to_ascii_lowercase();
    const MARKERS: &[&str] = &[
        "constructor",
        "$eval",
        "$on",
        "__proto__",
        "tostring",
        "charat",
        "$parse",
        "alert",
        "$window",
        "fromcharcode",
    ];
    if MARKERS.iter().any(|m| inner.contains(m)) {
        return hit("template_injection", 1, open..close);
    }
    if inner.contains('(') {
        return hit("template_injection", 2, open..close);
    }
    None
}

/// Encodings that only payloads use: UTF-7 markup, JSFuck; and CSS that runs script outside
/// any tag (`x:url(javascript`, `-moz-binding:`).
pub(super) fn encodings(s: &str) -> Option<XssMatch> {
    let b = s.as_bytes();
    // Each pattern is looked for only when its punctuation occurs at all.
    let paren = memchr::memchr(b'(', b).is_some();
    let css = [
        (&b"url(javascript"[..], paren),
        (b"url(vbscript", paren),
        (b"-moz-binding", memchr::memchr(b'-', b).is_some()),
    ];
    for (p, possible) in css {
        if let Some(at) = possible.then(|| find_ci(b, p)).flatten() {
            return hit("style_script", 1, at..at + p.len());
        }
    }
    if let Some(at) = paren.then(|| find_ci(b, b"expression(")).flatten() {
        return hit("style_script", 2, at..at + 11);
    }
    let utf7 = memchr::memchr(b'+', b).and_then(|_| memchr::memmem::find(b, b"+ADw-"));
    if let Some(p) = utf7 {
        let tag = b
            .get(p + 5)
            .is_some_and(|c| c.is_ascii_alphabetic() || *c == b'/');
        return hit("utf7", if tag { 1 } else { 2 }, p..p + 5);
    }
    if memchr::memchr(b'[', b).is_some() {
        let flat: Vec<u8> = b
            .iter()
            .copied()
            .filter(|c| !c.is_ascii_whitespace())
            .take(4096)
            .collect();
        let count = [&b"![]"[..], b"!![]", b"!+[]", b"[][", b"+[]", b"[])["]
            .iter()
            .map(|p| memchr::memmem::find_iter(&flat, p).take(8).count())
            .sum::<usize>();
        if count >= 2 {
            let st = memchr::memchr(b'[', b).unwrap_or(0);
            return hit("jsfuck", 1, st.saturating_sub(1)..b.len());
        }
    }
    None
}

fn keep(best: &mut Option<XssMatch>, m: Option<XssMatch>) {
    if let Some(m) = m {
        if best.as_ref().is_none_or(|b| b.paranoia > m.paranoia) {
            *best = Some(m);
        }
    }
}

/// Case-insensitive search for an ASCII pattern (the first position, as a naive scan finds it;
/// candidates come from a vectorised search for the first byte in either case).
fn find_ci(hay: &[u8], pat: &[u8]) -> Option<usize> {
    if pat.is_empty() || hay.len() < pat.len() {
        return None;
    }
    let last = hay.len() - pat.len();
    let (lo, up) = (pat[0].to_ascii_lowercase(), pat[0].to_ascii_uppercase());
    memchr::memchr2_iter(lo, up, &hay[..=last])
        .find(|&i| hay[i..i + pat.len()].eq_ignore_ascii_case(pat))
}

/// Whether [`sinks`] can find anything in `s` or in its [`compact`] form: every sink hit
/// needs one of `(`, `` ` ``, `}`, `[` after the name, or is a property (`document.…`,
/// `…location…`, `inner`/`outerHTML`) whose name is in the text already or is formed by
/// removing a `/* */` comment.
pub(super) fn sink_possible(s: &str) -> bool {
    static WORDS: OnceLock<crate::rules::Literals> = OnceLock::new();
    let b = s.as_bytes();
    b.iter().any(|c| matches!(c, b'(' | b'`' | b'}' | b'['))
        || WORDS
            .get_or_init(|| {
                crate::rules::Literals::new(&["/*", "document", "location", "erhtml"], true)
            })
            .find(b)
            .is_some()
}

/// The value with JavaScript comments removed and whitespace around punctuation dropped
/// (`document /*x*/ . cookie` reads `document.cookie`), capped at 4 KiB; `None` when that
/// changes nothing.
pub(super) fn compact(s: &str) -> Option<String> {
    let b = s.as_bytes();
    if !b.iter().any(|c| c.is_ascii_whitespace() || *c == b'/') {
        return None;
    }
    let punct = |c: Option<&u8>| c.is_some_and(|c| b".[]()'\"`/".contains(c));
    let mut out: Vec<u8> = Vec::with_capacity(b.len().min(4096));
    let mut i = 0;
    while i < b.len() && out.len() < 4096 {
        if b[i..].starts_with(b"/*") {
            i = memchr::memmem::find(&b[i + 2..], b"*/").map_or(b.len(), |p| i + 2 + p + 2);
            continue;
        }
        if b[i].is_ascii_whitespace() {
            let mut j = i;
            while j < b.len() && b[j].is_ascii_whitespace() {
                j += 1;
            }
            if !(punct(out.last()) || punct(b.get(j))) {
                out.push(b' ');
            }
            i = j;
            continue;
        }
        out.push(b[i]);
        i += 1;
    }
    let out = String::from_utf8_lossy(&out).into_owned();
    (out.len() < s.len()).then_some(out)
}
