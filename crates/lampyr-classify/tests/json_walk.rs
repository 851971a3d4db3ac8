//! Property tests of `json::walk`, the classifier's JSON leaf walker, against serde_json: it
//! accepts exactly the documents serde_json accepts (within the depth limit) and visits the
//! string and number leaves serde_json sees, in order, with the same path, key, parent and
//! record index; deep nesting stops with `TooDeep`, never a stack overflow.

mod support;

use lampyr_classify::json::{self, WalkError, MAX_DEPTH};
use lampyr_classify::{Classifier, ClassifyOptions};
use proptest::prelude::*;
use support::*;

proptest! {
    #![proptest_config(ProptestConfig::with_cases(cases()))]

    #[test]
    fn walk_visits_the_leaves_serde_json_sees(doc in json_doc(), style in style()) {
        let text = doc.text(style);
        prop_assume!(max_depth(&text) < 100);
        let seen = serde_leaves(&text);
        prop_assert!(seen.is_some(), "serde_json rejects a generated document: {}", text);
        let seen = seen.unwrap();
        let (walked, result) = walk_leaves(&text);
        prop_assert_eq!(result, Ok(()), "{}", text);
        prop_assert_eq!(walked.len(), seen.len(), "{}", text);
        for (w, s) in walked.iter().zip(&seen) {
            prop_assert!(same_leaf(w, s), "walk {:?} vs serde {:?} in {}", w, s, text);
        }
    }

    #[test]
    fn walk_handles_deep_nesting((doc, depth, closed) in deep_doc()) {
        let (walked, result) = walk_leaves(&doc);
        if depth > MAX_DEPTH {
            prop_assert!(matches!(result, Err(WalkError::TooDeep(_))), "{:?}", result);
            prop_assert!(walked.is_empty());
        } else if closed {
            prop_assert_eq!(result, Ok(()));
            prop_assert_eq!(walked.len(), 1);
        } else {
            prop_assert!(result.is_err() || depth == 0);
            prop_assert!(walked.len() <= 1);
        }
        let mut c = Classifier::new(&ClassifyOptions::default());
        let ex = exchange("/".into(), None, vec![], "application/json", doc.clone().into_bytes(),
            doc.into_bytes());
        check_scan(&c.scan(&ex))?;
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(cases() * 4))]

    /// On documents broken by a few edits (and arbitrary text), the walker and serde_json agree
    /// on validity; where both accept, the leaves agree.
    #[test]
    fn walk_agrees_with_serde_json_on_validity(
        doc in prop_oneof![3 => edited_doc(), 1 => any::<String>(), 1 => text()],
    ) {
        prop_assume!(max_depth(&doc) < 100);
        let serde_ok = serde_json::from_str::<serde::de::IgnoredAny>(&doc).is_ok();
        let (walked, result) = walk_leaves(&doc);
        prop_assert_eq!(result.is_ok(), serde_ok, "walk {:?} on {:?}", result, doc);
        if serde_ok && !doc.contains("\\u") {
            if let Some(seen) = serde_leaves(&doc) {
                prop_assert_eq!(walked.len(), seen.len(), "{:?}", doc);
                for (w, s) in walked.iter().zip(&seen) {
                    prop_assert!(same_leaf(w, s), "walk {:?} vs serde {:?} in {:?}", w, s, doc);
                }
            }
        }
    }
}

/// The number grammar, case by case: the walker must reject what RFC 8259 (and serde_json)
/// reject.
#[test]
fn walk_rejects_malformed_numbers() {
    let mut accepted = Vec::new();
    for doc in [
        "01",
        "-",
        "1.",
        ".5",
        "1e",
        "1e+",
        "1.2.3",
        "--1",
        "1-2",
        "+1",
        "[01]",
        "{\"a\":1.}",
        "[1e5e5]",
        "-01",
        "0x10",
    ] {
        assert!(
            serde_json::from_str::<serde::de::IgnoredAny>(doc).is_err(),
            "{doc}"
        );
        if json::walk(doc, |_| {}).is_ok() {
            accepted.push(doc);
        }
    }
    assert!(accepted.is_empty(), "json::walk accepts {accepted:?}");
}

#[test]
fn walk_and_serde_agree_on_escapes_and_surrogates() {
    // Valid escapes, a surrogate pair, every simple escape.
    let doc = r#"{"a\u0062":"\ud83d\ude00 \"q\" \\ \/ \b\f\n\r\t","n":[-0,1E+2,0.5e-3]}"#;
    let seen = serde_leaves(doc).expect("valid");
    let (walked, result) = walk_leaves(doc);
    assert_eq!(result, Ok(()));
    assert_eq!(walked.len(), seen.len());
    for (w, s) in walked.iter().zip(&seen) {
        assert!(same_leaf(w, s), "{w:?} vs {s:?}");
    }
    // Grammar errors both reject.
    for doc in [
        "{\"a\":\"\\x\"}",
        "{\"a\":\"\\u12\"}",
        "[1,]",
        "{\"a\":1,}",
        "{,}",
        "[\"a\" \"b\"]",
        "{\"a\"}",
        "nul",
        "tru",
        "\"\u{1}\"",
        "[1]]",
        "{}{}",
    ] {
        assert!(
            serde_json::from_str::<serde::de::IgnoredAny>(doc).is_err(),
            "{doc}"
        );
        assert!(json::walk(doc, |_| {}).is_err(), "walk accepts {doc:?}");
    }
}
