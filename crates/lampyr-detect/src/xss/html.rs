//! Tags and attributes, read the way a browser's tokenizer reads them.

use std::collections::HashSet;
use std::sync::OnceLock;

use super::{hit, js, XssMatch, MAX_TAGS};

/// Attributes a tag may carry before the reader stops.
const MAX_ATTRS: usize = 32;

static EVENTS: &str = include_str!("../../data/xss/events.txt");

/// Whether `name` (lower case, without `on`) is a DOM event.
fn is_event(name: &str) -> bool {
    static SET: OnceLock<HashSet<&'static str>> = OnceLock::new();
    SET.get_or_init(|| {
        EVENTS
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .collect()
    })
    .contains(name)
}

/// Tags that run or load active content by themselves.
const ACTIVE_TAGS: &[&str] = &[
    "script", "iframe", "frame", "frameset", "object", "embed", "applet", "base", "meta",
    "isindex", "import", "vmlframe", "portal", "xml",
];

/// Known HTML and SVG/MathML element names: markup, inert without active attributes.
const KNOWN_TAGS: &[&str] = &[
    "a",
    "abbr",
    "address",
    "animate",
    "animatemotion",
    "animatetransform",
    "area",
    "article",
    "aside",
    "audio",
    "b",
    "bdi",
    "bdo",
    "bgsound",
    "big",
    "blink",
    "blockquote",
    "body",
    "br",
    "button",
    "canvas",
    "caption",
    "center",
    "cite",
    "code",
    "col",
    "colgroup",
    "data",
    "datalist",
    "dd",
    "del",
    "details",
    "dfn",
    "dialog",
    "dir",
    "div",
    "dl",
    "dt",
    "em",
    "fieldset",
    "figcaption",
    "figure",
    "font",
    "footer",
    "foreignobject",
    "form",
    "g",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "head",
    "header",
    "hr",
    "html",
    "i",
    "image",
    "img",
    "input",
    "ins",
    "kbd",
    "keygen",
    "label",
    "layer",
    "ilayer",
    "legend",
    "li",
    "link",
    "listing",
    "main",
    "map",
    "mark",
    "marquee",
    "math",
    "menu",
    "meter",
    "mi",
    "mo",
    "mtext",
    "nav",
    "nobr",
    "noembed",
    "noframes",
    "noscript",
    "ol",
    "optgroup",
    "option",
    "output",
    "p",
    "param",
    "picture",
    "plaintext",
    "pre",
    "progress",
    "q",
    "rp",
    "rt",
    "ruby",
    "s",
    "samp",
    "section",
    "select",
    "set",
    "slot",
    "small",
    "source",
    "span",
    "strike",
    "strong",
    "style",
    "sub",
    "summary",
    "sup",
    "svg",
    "table",
    "tbody",
    "td",
    "template",
    "textarea",
    "tfoot",
    "th",
    "thead",
    "time",
    "title",
    "tr",
    "track",
    "tt",
    "u",
    "ul",
    "use",
    "var",
    "video",
    "wbr",
    "xmp",
    "xss",
];

/// Attributes whose value is a URL the browser may navigate to or load.
const URL_ATTRS: &[&str] = &[
    "href",
    "src",
    "action",
    "formaction",
    "data",
    "xlink:href",
    "background",
    "dynsrc",
    "lowsrc",
    "poster",
    "codebase",
    "cite",
    "longdesc",
    "usemap",
    "archive",
    "classid",
    "ping",
    "value",
    "to",
    "from",
    "values",
    "by",
    "content",
    "srcset",
    "code",
    "manifest",
];

fn is_tag_name_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'-' | b':' | b'_')
}

/// One attribute: lower-case name and its value's byte range.
struct Attr {
    name: String,
    value: std::ops::Range<usize>,
    start: usize,
}

/// Reads the tag starting at `<` at `lt`. `None` when the `<` opens no tag (`a < b`, `<3`,
/// `<a@b.com>`). Returns the tag name (lower case), its attributes and its end.
fn read_tag(s: &[u8], lt: usize) -> Option<(String, Vec<Attr>, usize, bool)> {
    let n = s.len();
    let mut i = lt + 1;
    let closing = s.get(i) == Some(&b'/');
    if closing {
        i += 1;
    }
    if !s.get(i)?.is_ascii_alphabetic() {
        return None;
    }
    let name_start = i;
    while i < n && is_tag_name_byte(s[i]) && i - name_start < 32 {
        i += 1;
    }
    let full = String::from_utf8_lossy(&s[name_start..i]).to_ascii_lowercase();
    // `<v:vmlframe>`: the local name after a namespace prefix decides.
    let name = full.rsplit(':').next().unwrap_or(&full).to_string();
    // What may follow a tag name: whitespace, `/`, `>`, or nothing (a truncated tag).
    match s.get(i) {
        None => return Some((name, Vec::new(), n, closing)),
        Some(b) if b.is_ascii_whitespace() || matches!(b, b'/' | b'>' | 0x0c) => {}
        _ => return None,
    }
    let mut attrs = Vec::new();
    while i < n && attrs.len() < MAX_ATTRS {
        while i < n && (s[i].is_ascii_whitespace() || s[i] == b'/' || s[i] == 0x0c) {
            i += 1;
        }
        if i >= n {
            break;
        }
        if s[i] == b'>' {
            i += 1;
            break;
        }
        let start = i;
        while i < n && !(s[i].is_ascii_whitespace() || matches!(s[i], b'/' | b'>' | b'=')) {
            i += 1;
        }
        if i == start {
            // A lone `=`: skip it as browsers do.
            i += 1;
            continue;
        }
        let attr_name = String::from_utf8_lossy(&s[start..i]).to_ascii_lowercase();
        let mut j = i;
        while j < n && s[j].is_ascii_whitespace() {
            j += 1;
        }
        let mut value = j..j;
        if s.get(j) == Some(&b'=') {
            j += 1;
            while j < n && s[j].is_ascii_whitespace() {
                j += 1;
            }
            match s.get(j) {
                Some(&q @ (b'"' | b'\'' | b'`')) => {
                    let end = memchr::memchr(q, &s[j + 1..]).map_or(n, |p| j + 1 + p);
                    value = j + 1..end;
                    i = (end + 1).min(n);
                }
                Some(_) => {
                    let mut e = j;
                    while e < n && !(s[e].is_ascii_whitespace() || s[e] == b'>') {
                        e += 1;
                    }
                    value = j..e;
                    i = e;
                }
                None => i = j,
            }
        }
        attrs.push(Attr {
            name: attr_name,
            value,
            start,
        });
    }
    Some((name, attrs, i, closing))
}

/// Judges one attribute of a tag; `None` when it is inert.
fn attribute_risk(s: &str, a: &Attr) -> Option<(&'static str, u8)> {
    let value = &s[a.value.clone()];
    if let Some(ev) = a.name.strip_prefix("on") {
        if is_event(ev) {
            return Some(("event_handler", 1));
        }
        if ev.len() >= 3 && ev.bytes().all(|b| b.is_ascii_alphabetic()) {
            return Some(("event_handler", 2));
        }
    }
    if a.name == "style" && js::css_is_active(value) {
        return Some(("style_script", 1));
    }
    if a.name == "srcdoc" && value.contains('<') {
        return Some(("srcdoc", 1));
    }
    if URL_ATTRS.contains(&a.name.as_str()) || a.name.ends_with(":href") {
        if js::script_scheme_at(value.as_bytes(), 0).is_some() {
            return Some(("js_url", 1));
        }
        // `content="0;url=javascript:..."` (meta refresh) and srcset lists.
        if js::script_urls(value).is_some_and(|m| m.paranoia == 1) {
            return Some(("js_url", 1));
        }
    }
    None
}

/// Every tag in the value; the worst one decides.
pub(super) fn scan_tags(s: &str) -> Option<XssMatch> {
    let b = s.as_bytes();
    let mut best: Option<XssMatch> = None;
    let mut from = 0;
    let mut tags = 0;
    while let Some(p) = memchr::memchr(b'<', &b[from..]) {
        let lt = from + p;
        from = lt + 1;
        if tags >= MAX_TAGS {
            break;
        }
        if b.len() >= lt + 8 && b[lt + 1..lt + 8].eq_ignore_ascii_case(b"?import") {
            keep(&mut best, hit("active_tag", 1, lt..lt + 8));
            continue;
        }
        if b[lt + 1..].starts_with(b"!--") {
            keep(&mut best, hit("html_comment", 3, lt..lt + 4));
            continue;
        }
        let Some((name, attrs, end, closing)) = read_tag(b, lt) else {
            continue;
        };
        tags += 1;
        let span = lt..end;
        if closing {
            let pl = match name.as_str() {
                "script" => 1,
                "title" | "textarea" | "style" | "noscript" | "xmp" | "iframe" => 2,
                _ if KNOWN_TAGS.contains(&name.as_str()) => 2,
                _ => 3,
            };
            keep(&mut best, hit("closing_tag", pl, span));
            continue;
        }
        for a in &attrs {
            if let Some((kind, pl)) = attribute_risk(s, a) {
                keep(&mut best, hit(kind, pl, lt..a.value.end.max(a.start)));
            }
        }
        if name == "script" {
            keep(&mut best, hit("script_tag", 1, span.clone()));
        } else if ACTIVE_TAGS.contains(&name.as_str()) {
            keep(&mut best, hit("active_tag", 1, span.clone()));
        } else if name == "style" && js::css_is_active(&s[end..]) {
            keep(&mut best, hit("style_script", 1, span.clone()));
        } else if name == "link"
            && attrs
                .iter()
                .any(|a| a.name == "rel" && s[a.value.clone()].eq_ignore_ascii_case("import"))
        {
            keep(&mut best, hit("active_tag", 1, span.clone()));
        } else if KNOWN_TAGS.contains(&name.as_str()) {
            keep(&mut best, hit("html_tag", 2, span.clone()));
        } else {
            keep(&mut best, hit("html_tag", 3, span.clone()));
        }
        if best.as_ref().is_some_and(|m| m.paranoia == 1) {
            break;
        }
    }
    best
}

fn keep(best: &mut Option<XssMatch>, m: Option<XssMatch>) {
    if let Some(m) = m {
        if best.as_ref().is_none_or(|b| b.paranoia > m.paranoia) {
            *best = Some(m);
        }
    }
}

/// `" onmouseover="alert(1)`, `' autofocus onfocus=x '`: a value that closes the attribute
/// it was put in and adds one of its own, without any `<`.
pub(super) fn attribute_breakout(s: &str) -> Option<XssMatch> {
    let b = s.as_bytes();
    let n = b.len();
    let mut best = None;
    let mut from = 0;
    let mut seen = 0;
    while let Some(p) = memchr::memchr(b'=', &b[from..]) {
        let eq = from + p;
        from = eq + 1;
        seen += 1;
        if seen > 256 {
            break;
        }
        // The attribute name before `=` (spaces allowed in between).
        let mut e = eq;
        while e > 0 && b[e - 1].is_ascii_whitespace() {
            e -= 1;
        }
        let mut st = e;
        while st > 0 && (b[st - 1].is_ascii_alphanumeric() || matches!(b[st - 1], b'-' | b':')) {
            st -= 1;
        }
        if st == e || e - st > 64 {
            continue;
        }
        let name = s[st..e].to_ascii_lowercase();
        // A quote (or `/`) closes the attribute the value sat in; bare attribute names such
        // as `autofocus` may stand between it and this one.
        let after_quote = b[..st]
            .iter()
            .rev()
            .take(64)
            .find(|c| !(c.is_ascii_alphanumeric() || c.is_ascii_whitespace() || **c == b'-'))
            .is_some_and(|c| matches!(c, b'"' | b'\'' | b'`' | b'/'));
        // Leading whitespace ends an unquoted attribute (`<img src=VALUE>`); weaker than a
        // quote, as text can start with a space too.
        let after_space = !after_quote && st > 0 && b[..st].iter().all(|c| c.is_ascii_whitespace());
        let mut v = eq + 1;
        while v < n && b[v].is_ascii_whitespace() {
            v += 1;
        }
        let value_end = b[v..]
            .iter()
            .position(|c| c.is_ascii_whitespace() || *c == b'>')
            .map_or(n, |q| v + q);
        let value = &s[v..value_end];
        if let Some(ev) = name.strip_prefix("on") {
            if is_event(ev) {
                let code_like = js::looks_like_code(value.trim_matches(['"', '\'', '`']));
                let pl = match (after_quote || after_space, code_like) {
                    (true, _) => 1,
                    (false, true) => 2,
                    (false, false) => 3,
                };
                keep(&mut best, hit("attribute_injection", pl, st..value_end));
            } else if after_quote
                && st > 0
                && b[st - 1] != b'/'
                // Real event names are at most 40 letters long.
                && (3..=40).contains(&ev.len())
                && ev.bytes().all(|c| c.is_ascii_alphabetic())
            {
                keep(&mut best, hit("attribute_injection", 2, st..value_end));
            } else if after_space && (3..=40).contains(&ev.len()) {
                keep(&mut best, hit("attribute_injection", 3, st..value_end));
            }
        } else if name == "style" && after_quote && js::css_is_active(&s[v..]) {
            keep(&mut best, hit("attribute_injection", 1, st..n));
        } else if after_quote
            && URL_ATTRS.contains(&name.as_str())
            && js::script_scheme_at(value.trim_start_matches(['"', '\'']).as_bytes(), 0).is_some()
        {
            keep(&mut best, hit("attribute_injection", 1, st..value_end));
        }
    }
    best
}
