use super::*;
use proptest::prelude::*;

/// Payloads a PL1 deployment must see, with the kind each should be recognised as.
const ATTACKS_PL1: &[(&str, &str)] = &[
    ("<script>alert(1)</script>", "script_tag"),
    ("<ScRiPt src=//evil.example/x.js>", "script_tag"),
    ("\"><script>alert(document.cookie)</script>", "script_tag"),
    ("<img src=x onerror=alert(1)>", "event_handler"),
    ("<svg/onload=alert(1)>", "event_handler"),
    ("<body onload=alert('x')>", "event_handler"),
    (
        "<iframe src=\"https://evil.example\"></iframe>",
        "active_tag",
    ),
    ("<object data=\"x.swf\">", "active_tag"),
    (
        "<meta http-equiv=\"refresh\" content=\"0;url=javascript:alert(1)\">",
        "js_url",
    ),
    ("<a href=\"javascript:alert(1)\">x</a>", "js_url"),
    ("<a href=\"\u{1}javascript:alert(1)\">", "js_url"),
    ("<a href=\"java\tscript:alert(1)\">x</a>", "js_url"),
    (
        "<form action=\"javascript:alert(1)\"><input type=submit>",
        "js_url",
    ),
    (
        "<div style=\"width: expression(alert(1))\">",
        "style_script",
    ),
    (
        "<div style=\"background:url(javascript:alert(1))\">",
        "style_script",
    ),
    ("<iframe srcdoc=\"<script>alert(1)</script>\">", "srcdoc"),
    ("javascript:alert(1)", "js_url"),
    ("  JaVaScRiPt:alert(document.domain)", "js_url"),
    (
        "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
        "js_url",
    ),
    ("\" onmouseover=\"alert(1)", "attribute_injection"),
    ("' autofocus onfocus=alert(1) x='", "attribute_injection"),
    ("';alert(1)//", "js_call"),
    ("\";alert(String.fromCharCode(88,83,83));//", "js_call"),
    ("</script><svg onload=alert(1)>", "closing_tag"),
    (
        "{{constructor.constructor('alert(1)')()}}",
        "template_injection",
    ),
    ("document.cookie", "js_property"),
    ("alert`1`", "js_call"),
    ("window['al'+'ert'](1)", "js_global"),
    ("+ADw-script+AD4-alert(1)+ADw-/script+AD4-", "utf7"),
    ("[][(![]+[])[+[]]+(![]+[])[!+[]+!+[]]]", "jsfuck"),
];

/// Text with angle brackets, `on` words, colons and parentheses that is not script, at any
/// paranoia level at or below 2.
const BENIGN: &[&str] = &[
    "a < b and c > d",
    "I <3 you",
    "John <john@example.com>",
    "**bold** and _italic_ [link](https://example.com)",
    "on=1",
    "onion=3",
    "turn the light on=off",
    "https://example.com/path?q=1&x=2",
    "time: 12:30",
    "Note: see javascript docs",
    "price (incl. VAT): 12.50",
    "x = (a + b) * c",
    "{\"a\": [1, 2, {\"b\": null}]}",
    "Hello {{name}}, welcome",
    "2024-01-01T00:00:00+01:00",
    "mailto:someone@example.com",
    "data:image/png;base64,iVBORw0KGgo=",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko)",
    "the top [5] results",
    "Please confirm (yes or no) your alert settings",
    "List<T> and Map<K, V>",
    "C++ templates: vector<int>",
];

#[test]
fn attacks_are_found_at_paranoia_one_with_their_kind() {
    let mut wrong = Vec::new();
    for (input, kind) in ATTACKS_PL1 {
        match detect(input) {
            Some(m) if m.paranoia == 1 && m.kind == *kind => {}
            other => wrong.push(format!("{input:?} -> {other:?} (want {kind})")),
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn benign_values_are_not_flagged_at_paranoia_two() {
    let flagged: Vec<_> = BENIGN
        .iter()
        .filter_map(|v| detect_at(v, 2).map(|m| format!("{v:?} -> {m:?}")))
        .collect();
    assert!(flagged.is_empty(), "{}", flagged.join("\n"));
}

#[test]
fn inert_markup_is_paranoia_two_never_one() {
    for v in [
        "<b>bold</b>",
        "<p>para</p>",
        "<i>x</i> and <u>y</u>",
        "<svg>",
    ] {
        let m = detect(v).unwrap_or_else(|| panic!("{v} is markup"));
        assert_eq!(m.paranoia, 2, "{v}: {m:?}");
        assert!(detect_at(v, 1).is_none(), "{v}");
    }
    // Unknown tags (generics, placeholders) only at PL3.
    assert_eq!(detect("List<T>").map(|m| m.paranoia), Some(3));
}

#[test]
fn unquoted_attribute_breakouts_and_dom_calls_are_found() {
    // Leading whitespace ends an unquoted attribute value.
    let m = detect_at("  onload= ", 2).expect("known event");
    assert_eq!((m.kind, m.paranoia), ("attribute_injection", 1));
    let m = detect("  onabcdefgh= x").expect("unknown event-like name");
    assert_eq!(m.paranoia, 3);
    assert_eq!(detect("\"onabcdefgh= x").map(|m| m.paranoia), Some(2));
    // Not an event name: longer than any real one.
    assert!(detect_at(&format!(" on{}=", "a".repeat(45)), 2).is_none());
    // Leading whitespace without an `on*` or URL attribute is text.
    for v in [" online=yes", "  onboarding", " name=value", " count = 3"] {
        assert!(detect_at(v, 2).is_none(), "{v:?}");
    }
    let m = detect_at("document.querySelector(\"p\").textContent=\"x\"", 2).unwrap();
    assert_eq!(m.kind, "js_property");
    assert!(detect_at("see the document body for details", 2).is_none());
    assert!(detect_at("+!![]", 2).is_some(), "JSFuck");
    assert!(detect_at("![](image.png)", 2).is_none(), "markdown image");
}

#[test]
fn span_points_at_the_payload() {
    let v = "hello <img src=x onerror=alert(1)> world";
    let m = detect(v).unwrap();
    assert!(v[m.span.clone()].starts_with("<img"), "{m:?}");
    let v = "javascript:alert(1)";
    let m = detect(v).unwrap();
    assert_eq!(&v[m.span.clone()], "javascript:");
}

proptest! {
    #[test]
    fn never_panics_on_arbitrary_text(s in "\\PC{0,2000}") {
        if let Some(m) = detect(&s) {
            prop_assert!(m.span.end <= s.len());
            prop_assert!(m.span.start <= m.span.end);
        }
    }

    #[test]
    fn never_panics_on_html_alphabet(s in "[<>/ =\"'`a-z0-9:;(){}\\[\\]!+.\t\n-]{0,3000}") {
        if let Some(m) = detect(&s) {
            prop_assert!(m.span.end <= s.len());
            prop_assert!((1..=4).contains(&m.paranoia));
        }
    }

    #[test]
    fn work_is_bounded_on_long_values(
        unit in prop::sample::select(vec!["<a ", "<", "=", "on", "javascript:", "alert(", "{{", "[][", "((("]),
        n in 1usize..6000,
    ) {
        let s = unit.repeat(n);
        let started = std::time::Instant::now();
        let _ = detect(&s);
        prop_assert!(started.elapsed() < std::time::Duration::from_secs(2));
    }
}

proptest! {
    /// The sink prefilter never hides a sink hit, on the text or on its compact form.
    #[test]
    fn sink_prefilter_is_a_necessary_condition(
        s in "(alert|document|location|innerHTML| |\\.|/\\*|\\*/|cookie|x|\\(|\\)|`|\\[|\\}|\\$\\{|constructor|window|'){0,12}"
    ) {
        let found = js::sinks(&s).is_some()
            || js::compact(&s).is_some_and(|flat| js::sinks(&flat).is_some());
        if found {
            prop_assert!(js::sink_possible(&s), "{s:?}");
        }
    }
}
