//! The `classify:` configuration section end to end: grading profile, level overrides, disabled
//! types, and errors with their key paths (`analyze`, `config check`, `classify`).

#[macro_use]
mod common;

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{json, Value};

use common::sensitive::*;
use common::*;

// ---------------------------------------------------------------------------------------------
// (c) configuration

#[test]
fn finance_profile_relabels_and_applies_the_three_elements_rule() {
    let tmp = TempDir::new("sens-profile");
    let cfg = write_config(&tmp, "fin.yaml", "  profile: jrt0171-2020\n");
    let report_path = tmp.path("report.json");
    let run = lampyr!(
        "analyze",
        clinic(),
        "--config",
        cfg,
        "--report",
        report_path,
        "-q"
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    validate_report(&report_path);
    let report = read_json(&report_path);
    assert_consistent(&report, "jrt0171-2020");
    let mut seen = BTreeSet::new();
    for e in endpoints(&report) {
        for s in items(e) {
            let label = s["level_label"].as_str().unwrap();
            assert!(
                ["not-pfi", "C1", "C2", "C3"].contains(&label),
                "{}: {s}",
                e["id"]
            );
            seen.insert((s["type"].as_str().unwrap().to_string(), label.to_string()));
        }
    }
    for (ty, label) in [
        ("cn_resident_id", "C2"),
        ("cn_mobile", "C2"),
        ("bank_card", "C2"),
        ("password", "C3"),
        ("jwt", "C3"),
    ] {
        assert!(
            seen.contains(&(ty.to_string(), label.to_string())),
            "{ty} should be {label}: {seen:?}"
        );
    }
    // Name + resident ID + mobile on the booking form: raised to the top (C3) although each
    // item is C2.
    let booking = endpoint(&report, "POST", "/api/v1/appointments");
    assert!(items(booking).iter().all(|s| s["level"].as_u64() < Some(4)));
    assert_eq!(
        booking["sensitivity"]["level"], 4,
        "{}",
        booking["sensitivity"]
    );
}

#[test]
fn finance_profile_sensitivity_label_matches_its_raised_level() {
    let tmp = TempDir::new("sens-profile-label");
    let cfg = write_config(&tmp, "fin.yaml", "  profile: jrt0171-2020\n");
    let report = analyze(&[&clinic()], &["--config", cfg.to_str().unwrap()]);
    let booking = endpoint(&report, "POST", "/api/v1/appointments");
    assert_eq!(booking["sensitivity"]["level"], 4);
    assert_eq!(
        booking["sensitivity"]["label"], "C3",
        "{}",
        booking["sensitivity"]
    );
}

#[test]
fn level_overrides_and_disabled_types_change_only_what_they_name() {
    let tmp = TempDir::new("sens-overrides");
    let base = analyze(&[&clinic()], &[]);
    let items_without = |r: &Value, skip: &str| -> BTreeMap<String, Vec<Value>> {
        endpoints(r)
            .iter()
            .map(|e| {
                let kept = items(e)
                    .iter()
                    .filter(|s| s["type"] != skip)
                    .cloned()
                    .collect();
                (e["id"].as_str().unwrap().to_string(), kept)
            })
            .collect()
    };

    // levels: {cn_mobile: 4}
    let cfg = write_config(&tmp, "levels.yaml", "  levels:\n    cn_mobile: 4\n");
    let report = analyze(&[&clinic()], &["--config", cfg.to_str().unwrap()]);
    let mut mobiles = 0;
    for e in endpoints(&report) {
        for s in items(e) {
            if s["type"] == "cn_mobile" {
                mobiles += 1;
                assert_eq!(s["level"], 4, "{s}");
                assert_eq!(s["level_label"], "auth-secret", "{s}");
                assert_eq!(s["sensitive_pi"], true, "{s}");
                assert_eq!(s["category"], "contact", "{s}");
            }
        }
    }
    assert!(mobiles >= 6, "{mobiles}");
    assert_eq!(
        items_without(&report, "cn_mobile"),
        items_without(&base, "cn_mobile")
    );
    // The booking form now tops out at the mobile.
    let booking = endpoint(&report, "POST", "/api/v1/appointments");
    assert_eq!(booking["sensitivity"]["level"], 4);
    assert_eq!(
        endpoint(&base, "POST", "/api/v1/appointments")["sensitivity"]["level"],
        3
    );

    // disabled_types: [ipv4]
    assert!(base["summary"]["sensitive"]["types"]["ipv4"].as_u64() >= Some(1));
    let cfg = write_config(&tmp, "disabled.yaml", "  disabled_types: [ipv4]\n");
    let report = analyze(&[&clinic()], &["--config", cfg.to_str().unwrap()]);
    assert_eq!(
        items_without(&report, "ipv4"),
        items_without(&base, "ipv4"),
        "disabling ipv4 removes exactly the ipv4 items"
    );
    assert!(endpoints(&report)
        .iter()
        .all(|e| items(e).iter().all(|s| s["type"] != "ipv4")));
    assert!(report["summary"]["sensitive"]["types"]
        .get("ipv4")
        .is_none());
    assert!(report["summary"]["sensitive"]["locations"]
        .get("ipv4")
        .is_none());
    let detail = endpoint(&report, "GET", "/api/v1/patients/1");
    assert!(!detail["sensitivity"]["types"]
        .as_array()
        .unwrap()
        .contains(&json!("ipv4")));
}

#[test]
fn invalid_classify_config_exits_3_with_the_key_path() {
    let tmp = TempDir::new("sens-badcfg");
    let cases = [
        ("  profile: gbt-nope\n", "classify.profile"),
        ("  profile: 7\n", "classify.profile"),
        ("  levels:\n    cn_mobile: 5\n", "classify.levels.cn_mobile"),
        (
            "  levels:\n    not_a_type: 2\n",
            "classify.levels.not_a_type",
        ),
        (
            "  disabled_types: [ipv4, nope]\n",
            "classify.disabled_types[1]",
        ),
        ("  profil: gbt45574-2025\n", "classify.profil"),
    ];
    for (i, (body, at)) in cases.into_iter().enumerate() {
        let cfg = write_config(&tmp, &format!("bad{i}.yaml"), body);
        let report = tmp.path(&format!("report{i}.json"));
        let run = lampyr!("analyze", clinic(), "--config", cfg, "--report", report);
        assert_eq!(run.code, 3, "{body}: {}", run.stderr);
        assert!(
            run.stderr.contains(at),
            "{body}: {at} not in {}",
            run.stderr
        );
        assert!(!report.exists(), "{body}: a report was written");
        let run = lampyr!("config", "check", cfg);
        assert_eq!(run.code, 3, "{body}: {}", run.stderr);
        assert!(
            run.stderr.contains(at),
            "{body}: {at} not in {}",
            run.stderr
        );
        let run = lampyr_stdin(
            &["classify", "--config", cfg.to_str().unwrap()],
            b"13812345678",
        );
        assert_eq!(run.code, 3, "{body}: {}", run.stderr);
        assert!(
            run.stderr.contains(at),
            "{body}: {at} not in {}",
            run.stderr
        );
    }
    // The profile named in the error lists the valid ids.
    let cfg = write_config(&tmp, "nope.yaml", "  profile: gbt-nope\n");
    let run = lampyr!("config", "check", cfg);
    assert!(run.stderr.contains("jrt0171-2020"), "{}", run.stderr);
}
