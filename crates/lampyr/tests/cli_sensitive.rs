//! End-to-end tests of sensitive-data classification in `lampyr analyze`, on the clinic fixture
//! (`fixtures/pii/clinic.har`, written by `fixtures/pii/generate.py` together with
//! `fixtures/pii/values.txt`, every clear sensitive value it holds; see `fixtures/pii/README.md`):
//!
//! - what `analyze` labels, where, at which level, and what it must not label (hard negatives);
//! - that the report passes its JSON Schema and its totals agree with its items;
//! - that no clear value leaves the tool (report, OpenAPI, stdout, stderr of `analyze` and
//!   `classify`).
//!
//! Grading expectations are read from the generated tables in `docs/grading.md` (a unit test
//! keeps them identical to the code), with a few rows pinned here as anchors.

#[macro_use]
mod common;

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{json, Value};

use common::sensitive::*;
use common::*;

// ---------------------------------------------------------------------------------------------
// (a) analyze: labels, levels, totals, schema

#[test]
fn fixture_is_what_the_generator_says() {
    let har = std::fs::read_to_string(clinic()).expect("clinic.har");
    assert!(har.len() <= 150 * 1024, "clinic.har is {} bytes", har.len());
    let entries = har_entries(&clinic());
    assert_eq!(entries.len(), 60);
    let values = clear_values();
    assert!(values.len() >= 200, "only {} values", values.len());
    // values.txt lists values that really are in the traffic.
    for v in &values {
        assert!(
            har.contains(v.as_str()) || har.contains(&form_encode(v)),
            "{v:?} from values.txt is not in clinic.har"
        );
    }
    // And the kinds the README names.
    let any = |f: &dyn Fn(&str) -> bool| values.iter().any(|v| f(v));
    assert!(any(
        &|v| v.len() == 18 && v[..17].bytes().all(|b| b.is_ascii_digit())
    ));
    assert!(any(
        &|v| v.starts_with("62") && v.bytes().all(|b| b.is_ascii_digit())
    ));
    assert!(any(&|v| v.ends_with("@example.com")));
    assert!(any(&|v| v.starts_with("eyJ") && v.matches('.').count() == 2));
    assert!(any(&|v| v.starts_with("DE") && v.len() == 22));
    assert!(any(&|v| v.contains('号')));
}

#[test]
fn analyze_labels_the_expected_locations_and_nothing_on_hard_negatives() {
    let tmp = TempDir::new("sens-labels");
    let (report_path, openapi) = (tmp.path("report.json"), tmp.path("openapi.json"));
    let run = lampyr!(
        "analyze",
        clinic(),
        "--report",
        report_path,
        "--openapi",
        openapi,
        "-q"
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    let report = read_json(&report_path);
    validate_report(&report_path);
    validate("validate_openapi.py", "openapi_spec_validator", &[&openapi]);

    assert_eq!(report["summary"]["endpoints"], 6, "{:#?}", keys(&report));
    for &(method, path, place, field, ty) in EXPECTED {
        let e = endpoint(&report, method, path);
        let field = if field == "{}" {
            let pos = path.split('/').position(|s| s == "1").unwrap();
            param_at(e, pos)
        } else {
            field.to_string()
        };
        let want = (place.to_string(), field, ty.to_string());
        assert!(
            labels(e).contains(&want),
            "{} lacks {want:?}; it has {:#?}",
            e["id"],
            labels(e)
        );
    }
    for e in endpoints(&report) {
        for (place, field, ty) in labels(e) {
            assert!(
                !NEGATIVE_FIELDS.contains(&last_name(&field)),
                "{}: {place} {field} labelled {ty}, but it holds no sensitive value",
                e["id"]
            );
            // No path literal is ever a field.
            if place == "request.path" {
                assert!(is_param(&field), "{}: {field}", e["id"]);
            }
        }
        // Every masked sample is masked.
        for s in items(e) {
            let sample = s["sample"].as_str().unwrap_or("*");
            assert!(
                sample.contains('*'),
                "{}: sample {sample:?} is not masked",
                e["id"]
            );
        }
    }
    // The OpenAPI export lists each operation's sensitive locations as the report does.
    let doc: Value = read_json(&openapi);
    let op = &doc["paths"]["/api/v1/patients"]["get"];
    let listed: Vec<(String, String, String)> = op["x-lampyr-sensitive"]
        .as_array()
        .unwrap_or_else(|| panic!("no x-lampyr-sensitive on GET /api/v1/patients: {op:#}"))
        .iter()
        .map(|i| {
            (
                i["in"].as_str().unwrap().to_string(),
                i["field"].as_str().unwrap().to_string(),
                i["type"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let in_report = labels(endpoint(&report, "GET", "/api/v1/patients"));
    let from_openapi: BTreeSet<(String, String, String)> = listed.iter().cloned().collect();
    assert_eq!(
        from_openapi, in_report,
        "OpenAPI and report disagree on GET /api/v1/patients"
    );
    assert!(listed.contains(&(
        "response.body".to_string(),
        "data.list[].idCard".to_string(),
        "cn_resident_id".to_string()
    )));
    // The public booking form carries no credential.
    let booking = endpoint(&report, "POST", "/api/v1/appointments");
    assert!(
        !labels(booking)
            .iter()
            .any(|(p, _, _)| p == "request.header"),
        "{:#?}",
        labels(booking)
    );

    // Default profile: levels, labels and categories as docs/grading.md lists them.
    assert_consistent(&report, "gbt45574-2025");
    let anchors = [
        ("cn_resident_id", 2, "pi", false),
        ("cn_mobile", 2, "pi", false),
        ("bank_card", 3, "sensitive-pi", true),
        ("iban", 3, "sensitive-pi", true),
        ("password", 4, "auth-secret", true),
        ("jwt", 4, "auth-secret", true),
    ];
    for e in endpoints(&report) {
        for s in items(e) {
            for (ty, level, label, spi) in anchors {
                if s["type"] == ty {
                    assert_eq!(
                        (
                            s["level"].as_u64(),
                            s["level_label"].as_str(),
                            s["sensitive_pi"].as_bool()
                        ),
                        (Some(level), Some(label), Some(spi)),
                        "{s}"
                    );
                }
            }
        }
    }
    // Sensitivity is the max of the data items here (no combination rule in this profile);
    // the bearer JWT every staff call carries is the caller's credential, not data.
    for (method, path, level, label) in [
        ("POST", "/api/v1/appointments", 3, "sensitive-pi"),
        ("POST", "/api/v1/auth/login", 4, "auth-secret"),
        ("GET", "/api/v1/patients", 2, "pi"),
        ("GET", "/api/v1/patients/1", 2, "pi"),
        ("GET", "/api/v1/payees/1/cards", 3, "sensitive-pi"),
        ("GET", "/api/v1/insurance/verify", 2, "pi"),
    ] {
        let e = endpoint(&report, method, path);
        assert_eq!(e["sensitivity"]["level"], level, "{}", e["id"]);
        assert_eq!(e["sensitivity"]["label"], label, "{}", e["id"]);
        let has_jwt = items(e).iter().any(is_request_credential);
        let counted = e["sensitivity"]["types"].as_array().unwrap();
        assert!(has_jwt == (method == "GET"), "{}", e["id"]);
        assert!(!counted.contains(&json!("jwt")) || path == "/api/v1/auth/login");
    }
}

#[test]
fn exchange_records_count_the_list_items_of_each_response() {
    let report = analyze(&[&clinic()], &[]);
    let records: BTreeMap<u64, &Value> = report["exchange_records"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["index"].as_u64().unwrap(), r))
        .collect();
    let mut lists = 0;
    for (i, entry) in har_entries(&clinic()).iter().enumerate() {
        let path = entry_path(entry);
        let body = response_body(entry);
        let rec = records.get(&(i as u64));
        match path.as_str() {
            "/api/v1/patients" => {
                lists += 1;
                let n = body["data"]["list"].as_array().unwrap().len() as u64;
                assert!((10..=20).contains(&n));
                let rec = rec.unwrap_or_else(|| panic!("entry {i} (list) has no record count"));
                assert_eq!(rec["records"].as_u64(), Some(n), "entry {i}: {rec}");
                for ty in [
                    "cn_resident_id",
                    "cn_mobile",
                    "email",
                    "cn_name",
                    "cn_address",
                ] {
                    assert_eq!(rec["values"][ty].as_u64(), Some(n), "entry {i} {ty}: {rec}");
                }
            }
            p if p.starts_with("/api/v1/patients/") => {
                let rec = rec.unwrap_or_else(|| panic!("entry {i} (detail) has no record"));
                assert_eq!(rec["records"], 1, "entry {i}: one patient, one record");
                assert_eq!(rec["values"]["cn_resident_id"], 1, "{rec}");
                assert_eq!(
                    rec["values"]["cn_mobile"], 2,
                    "patient + emergency contact: {rec}"
                );
            }
            // Responses holding only ids, timestamps and order numbers carry no record.
            "/api/v1/insurance/verify" | "/api/v1/appointments" => {
                assert!(rec.is_none(), "entry {i} ({path}): {rec:?}");
            }
            "/api/v1/auth/login" if entry["response"]["status"] == 401 => {
                assert!(rec.is_none(), "entry {i} (failed login): {rec:?}");
            }
            _ => {}
        }
    }
    assert_eq!(lists, 10);
}

#[test]
fn analyze_summary_prints_the_sensitive_data_section() {
    let tmp = TempDir::new("sens-summary");
    let report_path = tmp.path("report.json");
    let run = lampyr!("analyze", clinic(), "--report", report_path);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let report = read_json(&report_path);
    let sens = &report["summary"]["sensitive"];
    let lines: Vec<&str> = run.stdout.lines().collect();
    let at = lines
        .iter()
        .position(|l| l.starts_with("Sensitive data"))
        .unwrap_or_else(|| panic!("no `Sensitive data` line in:\n{}", run.stdout));
    assert!(
        lines[at].contains("gbt45574-2025") && lines[at].contains("6 of 6 endpoints"),
        "{}",
        lines[at]
    );
    let rest = &lines[at + 1..];
    let header = rest
        .iter()
        .position(|l| l.split_whitespace().collect::<Vec<_>>() == ["TYPE", "ENDPOINTS", "FIELDS"])
        .unwrap_or_else(|| panic!("no type table header in:\n{}", run.stdout));
    let rows: BTreeSet<Vec<String>> = rest[header + 1..]
        .iter()
        .map(|l| l.split_whitespace().map(str::to_string).collect())
        .collect();
    let types = sens["types"].as_object().unwrap();
    assert!(types.len() >= 9, "{types:?}");
    for (ty, n) in types {
        let row = vec![ty.clone(), n.to_string(), sens["locations"][ty].to_string()];
        assert!(rows.contains(&row), "no row {row:?} in:\n{}", run.stdout);
    }
    // Endpoints by level.
    for (level, n) in sens["endpoints_by_level"].as_object().unwrap() {
        let prefix = format!("level {level}:");
        let line = rest
            .iter()
            .find(|l| l.trim_start().starts_with(&prefix))
            .unwrap_or_else(|| panic!("no `{prefix}` line in:\n{}", run.stdout));
        assert!(line.contains(&format!("{n} endpoint(s)")), "{line}");
    }
}

// ---------------------------------------------------------------------------------------------
// (b) no clear value leaves the tool

#[test]
fn no_clear_value_leaves_analyze() {
    let values = clear_values();
    let tmp = TempDir::new("sens-leak");
    for openapi_name in ["openapi.json", "openapi.yaml"] {
        let (report_path, openapi) = (tmp.path("report.json"), tmp.path(openapi_name));
        let run = lampyr!(
            "analyze",
            clinic(),
            "--report",
            report_path,
            "--openapi",
            openapi
        );
        assert_eq!(run.code, 0, "{}", run.stderr);
        let report = std::fs::read_to_string(&report_path).unwrap();
        // Only meaningful if the report did find the data.
        assert!(report.contains("cn_resident_id") && report.contains("\"sample\""));
        assert_no_clear_value("the report", &report, &values);
        // serde_json might escape non-ASCII some day: check the decoded strings too.
        let decoded = serde_json::to_string(&read_json(&report_path)).unwrap();
        assert_no_clear_value("the report (re-encoded)", &decoded, &values);
        let doc = std::fs::read_to_string(&openapi).unwrap();
        assert!(doc.contains("/api/v1/patients"));
        assert_no_clear_value(openapi_name, &doc, &values);
        assert_no_clear_value("analyze stdout", &run.stdout, &values);
        assert_no_clear_value("analyze stderr", &run.stderr, &values);
    }
    // A debugging run prints more: still nothing in clear.
    let run = lampyr!("analyze", clinic(), "--debug-templating");
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_no_clear_value("analyze --debug-templating stdout", &run.stdout, &values);
    assert_no_clear_value("analyze --debug-templating stderr", &run.stderr, &values);
}

#[test]
fn no_clear_value_leaves_classify() {
    let values = clear_values();
    let entries = har_entries(&clinic());
    let mut found = 0;
    let mut inputs: Vec<String> = Vec::new();
    for entry in &entries {
        inputs.push(
            entry["response"]["content"]["text"]
                .as_str()
                .unwrap()
                .to_string(),
        );
        if let Some(body) = entry["request"]["postData"]["text"].as_str() {
            inputs.push(body.to_string());
        }
    }
    // All values at once, one per line, as plain text.
    inputs.push(values.join("\n"));
    for input in &inputs {
        for args in [
            &["classify"][..],
            &["classify", "--json"][..],
            &["classify", "--key", "idCard"][..],
        ] {
            let run = lampyr_stdin(args, input.as_bytes());
            assert_eq!(run.code, 0, "{args:?}: {}", run.stderr);
            assert_no_clear_value(&format!("{args:?} stdout"), &run.stdout, &values);
            assert_no_clear_value(&format!("{args:?} stderr"), &run.stderr, &values);
            if args.contains(&"--json") {
                found += serde_json::from_str::<Value>(&run.stdout)
                    .expect("JSON")
                    .as_array()
                    .unwrap()
                    .len();
            }
        }
    }
    assert!(
        found > 300,
        "classify found only {found} values in the fixture"
    );
}
