//! Property tests of `Classifier::scan` on hostile and random input.
//!
//! - `Classifier::scan` never panics, whatever the exchange: arbitrary body bytes, arbitrary
//!   JSON documents, huge strings, arbitrary header names and values, arbitrary paths and
//!   queries; and what it returns is internally consistent.
//! - Every `Detection` range lies inside its value, on char boundaries.
//! - Scanning the same exchange twice, or after other exchanges, gives the same `ExchangeScan`.
//! - A masked sample never contains the clear value it stands for (values with at least six
//!   alphanumerics).
//!
//! 64 cases per property by default (PROPTEST_CASES=N searches harder); the huge-input
//! properties run fewer.

mod support;

use std::collections::BTreeMap;

use lampyr_classify::context::Hints;
use lampyr_classify::scan::MAX_FIELDS_PER_EXCHANGE;
use lampyr_classify::{detect, Classifier, ClassifyOptions};
use proptest::prelude::*;
use support::*;

proptest! {
#![proptest_config(ProptestConfig::with_cases(cases()))]

#[test]
fn scan_never_panics_and_is_consistent(ex in any_exchange()) {
    let mut c = Classifier::new(&ClassifyOptions::default());
    let scan = c.scan(&ex);
    check_scan(&scan)?;
}

#[test]
fn scanning_is_deterministic(ex in any_exchange(), other in any_exchange()) {
    let mut c = Classifier::new(&ClassifyOptions::default());
    let first = c.scan(&ex);
    let again = c.scan(&ex);
    prop_assert_eq!(&first, &again);
    // A classifier that has seen other traffic (a warm key cache) agrees.
    let mut warm = Classifier::new(&ClassifyOptions::default());
    warm.scan(&other);
    prop_assert_eq!(&first, &warm.scan(&ex));
}

#[test]
fn detections_lie_inside_the_value_on_char_boundaries(
    v in value(),
    k in key(),
    parent in key(),
) {
    let hints = Hints::of_key(&k).with_parent(&parent);
    let mut out = Vec::new();
    detect::detect(&v, &hints, &mut out);
    let mut c = Classifier::new(&ClassifyOptions::default());
    out.extend(c.classify_value(&k, &parent, &v));
    for d in out {
        let (s, e) = (d.start as usize, d.end as usize);
        prop_assert!(s < e && e <= v.len(), "{:?} in {:?}", d, v);
        prop_assert!(v.is_char_boundary(s) && v.is_char_boundary(e), "{:?} in {:?}", d, v);
        prop_assert!((0.0..=1.0).contains(&d.score), "{:?}", d);
    }
}

#[test]
fn masked_samples_never_hold_the_clear_value(
    members in prop::collection::vec((key(), value()), 1..16),
    query in prop::collection::vec((key(), value()), 0..6),
    segs in prop::collection::vec(value(), 0..4),
) {
    // Unique keys so each location holds known values.
    let mut by_field: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut obj = Vec::new();
    for (i, (k, v)) in members.into_iter().enumerate() {
        let k = format!("{k}{i}");
        by_field.entry(k.clone()).or_default().push(v.clone());
        obj.push((k, J::Str(v)));
    }
    let body = J::Obj(obj).text(Style { pretty: false, ascii: false });
    let mut pairs = Vec::new();
    for (i, (k, v)) in query.into_iter().enumerate() {
        let k = format!("q{i}{k}");
        pairs.push(format!("{}={}", form(&k), form(&v)));
        by_field.entry(k).or_default().push(v);
    }
    let mut path = String::new();
    for (i, s) in segs.iter().enumerate() {
        path.push('/');
        path.push_str(&form(s));
        by_field.entry(i.to_string()).or_default().push(s.clone());
    }
    path.push_str("/end");
    let ex = exchange(path, Some(pairs.join("&")), vec![], "application/json",
        body.clone().into_bytes(), body.into_bytes());
    let mut c = Classifier::new(&ClassifyOptions::default());
    let scan = c.scan(&ex);
    for f in &scan.fields {
        let Some(values) = by_field.get(&f.field) else { continue };
        for t in &f.types {
            let Some(sample) = &t.sample else { continue };
            for v in values {
                let alnum = v.chars().filter(|c| c.is_alphanumeric()).count();
                if alnum >= 6 {
                    prop_assert!(!sample.contains(v.trim()),
                        "sample {:?} of {} at {:?} holds the value {:?}", sample, t.ty, f.field, v);
                }
            }
        }
    }
}}

proptest! {
    // Huge inputs: a few cases are enough, each costs megabytes.
    #![proptest_config(ProptestConfig::with_cases(cases().min(8)))]

    #[test]
    fn huge_strings_are_scanned_without_panic(
        piece in text(),
        sensitive in sensitive_value(),
        n in 1usize..40_000,
        kind in 0u8..4,
    ) {
        let piece = format!("{piece}{sensitive} ");
        let reps = (n * 16 / piece.len().max(1)).max(1);
        let huge = piece.repeat(reps.min(1 << 20));
        let body = match kind {
            0 => huge.clone().into_bytes(),
            1 => J::Obj(vec![("remark".into(), J::Str(huge.clone()))])
                .text(Style { pretty: false, ascii: false })
                .into_bytes(),
            2 => J::Arr(vec![J::Str(huge.clone()); 4])
                .text(Style { pretty: false, ascii: true })
                .into_bytes(),
            _ => format!("remark={}", form(&huge)).into_bytes(),
        };
        let header = huge.chars().take(100_000).collect::<String>();
        let ex = exchange(format!("/notes/{}", form(&header)), Some(format!("q={}", form(&header))),
            vec![("X-Note".into(), header)], MEDIA[kind as usize % MEDIA.len()], body.clone(), body);
        let mut c = Classifier::new(&ClassifyOptions::default());
        check_scan(&c.scan(&ex))?;
        let mut out = Vec::new();
        detect::detect(&huge, &Hints::of_key("remark"), &mut out);
        for d in out {
            prop_assert!(d.end as usize <= huge.len());
            prop_assert!(huge.is_char_boundary(d.start as usize) && huge.is_char_boundary(d.end as usize));
        }
    }

    /// Many leaves and many distinct keys: the per-exchange caps hold.
    #[test]
    fn wide_documents_respect_the_caps(n in 1usize..3000, seed in any::<u32>()) {
        let obj: Vec<(String, J)> = (0..n)
            .map(|i| (format!("k{seed}_{i}"), J::Str(format!("138{:08}", i))))
            .collect();
        let doc = J::Obj(obj).text(Style { pretty: false, ascii: false });
        let ex = exchange("/".into(), None, vec![], "application/json", doc.clone().into_bytes(),
            doc.into_bytes());
        let mut c = Classifier::new(&ClassifyOptions::default());
        let scan = c.scan(&ex);
        check_scan(&scan)?;
        prop_assert_eq!(scan.fields.len(), (2 * n).min(MAX_FIELDS_PER_EXCHANGE));
    }
}
