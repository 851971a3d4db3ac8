//! End-to-end tests of sensitive-data classification in the `lampyr` binary, on the clinic
//! fixture (`fixtures/pii/clinic.har`, written by `fixtures/pii/generate.py` together with
//! `fixtures/pii/values.txt`, every clear sensitive value it holds; see `fixtures/pii/README.md`).
//!
//! - what `analyze` labels, where, at which level, and what it must not label (hard negatives);
//! - that the report passes its JSON Schema and its totals agree with its items;
//! - that no clear value leaves the tool (report, OpenAPI, stdout, stderr of `analyze` and
//!   `classify`);
//! - the `classify:` configuration section (profile, level overrides, disabled types, errors);
//! - the `lampyr classify` command on JSON, plain text, sentences, empty and binary input.
//!
//! Grading expectations are read from the generated tables in `docs/grading.md` (a unit test
//! keeps them identical to the code), with a few rows pinned here as anchors.

#[macro_use]
mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde_json::{json, Value};

use common::*;

// ---------------------------------------------------------------------------------------------
// Helpers

fn clinic() -> PathBuf {
    root().join("fixtures/pii/clinic.har")
}

/// Every clear sensitive value of the fixture, as the generator listed them.
fn clear_values() -> Vec<String> {
    let text = std::fs::read_to_string(root().join("fixtures/pii/values.txt"))
        .expect("fixtures/pii/values.txt");
    text.lines()
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .collect()
}

/// `application/x-www-form-urlencoded` encoding as Python's `urlencode` writes it.
fn form_encode(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'_' | b'.' | b'-' | b'~' => {
                out.push(b as char)
            }
            b' ' => out.push('+'),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// Asserts that no clear value (nor its form-encoded spelling) occurs in `text`.
fn assert_no_clear_value(what: &str, text: &str, values: &[String]) {
    let leaked: Vec<&String> = values
        .iter()
        .filter(|v| text.contains(v.as_str()) || text.contains(&form_encode(v)))
        .collect();
    assert!(
        leaked.is_empty(),
        "{what} contains {} clear value(s), e.g. {:?}",
        leaked.len(),
        &leaked[..leaked.len().min(5)]
    );
}

/// Runs the binary with `input` on stdin.
fn lampyr_stdin(args: &[&str], input: &[u8]) -> Run {
    let mut child = Command::new(env!("CARGO_BIN_EXE_lampyr"))
        .args(args)
        .current_dir(root())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn lampyr");
    let mut stdin = child.stdin.take().expect("stdin");
    let input = input.to_vec();
    let writer = std::thread::spawn(move || {
        // The child may stop reading early (a cap); a broken pipe is not our failure.
        let _ = stdin.write_all(&input);
    });
    let out = child.wait_with_output().expect("wait for lampyr");
    writer.join().expect("stdin writer");
    Run {
        code: out.status.code().expect("lampyr exited by a signal"),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// `lampyr classify --json ARGS` on `input`: exit 0, the findings array.
fn classify_json(args: &[&str], input: &[u8]) -> Vec<Value> {
    let mut all = vec!["classify", "--json"];
    all.extend_from_slice(args);
    let run = lampyr_stdin(&all, input);
    assert_eq!(run.code, 0, "classify {args:?} failed: {}", run.stderr);
    assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
    let v: Value = serde_json::from_str(&run.stdout)
        .unwrap_or_else(|e| panic!("classify --json printed no JSON ({e}):\n{}", run.stdout));
    v.as_array().expect("findings array").clone()
}

/// One grading row of `docs/grading.md`: (level, label, category, sensitive_pi).
type GradeRow = (u64, String, String, bool);

/// The table of one profile in `docs/grading.md`, by type id.
fn grading_table(profile: &str) -> BTreeMap<String, GradeRow> {
    let doc = std::fs::read_to_string(root().join("docs/grading.md")).expect("docs/grading.md");
    let head = format!("### `{profile}`");
    let start = doc
        .find(&head)
        .unwrap_or_else(|| panic!("no {head} in docs/grading.md"));
    let mut rows = BTreeMap::new();
    for line in doc[start..].lines().skip(1) {
        if line.starts_with("### ") {
            break;
        }
        let cells: Vec<&str> = line.split('|').map(str::trim).collect();
        // ["", "`type`", "level", "label", "category", "yes", ""]
        if cells.len() != 7 || !cells[1].starts_with('`') {
            continue;
        }
        rows.insert(
            cells[1].trim_matches('`').to_string(),
            (
                cells[2].parse().expect("level"),
                cells[3].to_string(),
                cells[4].to_string(),
                cells[5] == "yes",
            ),
        );
    }
    assert!(rows.len() >= 29, "{profile}: only {} rows", rows.len());
    rows
}

/// `(in, field, type)` of an endpoint's items.
fn labels(e: &Value) -> BTreeSet<(String, String, String)> {
    e["sensitive"]
        .as_array()
        .expect("sensitive[]")
        .iter()
        .map(|s| {
            (
                s["in"].as_str().unwrap().to_string(),
                s["field"].as_str().unwrap().to_string(),
                s["type"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn items(e: &Value) -> &Vec<Value> {
    e["sensitive"].as_array().expect("sensitive[]")
}

/// The endpoint whose template fits `path` (one `{...}` matches one segment).
fn endpoint<'r>(report: &'r Value, method: &str, path: &str) -> &'r Value {
    endpoints(report)
        .iter()
        .find(|e| e["method"] == method && fits(e["path"].as_str().unwrap(), path))
        .unwrap_or_else(|| panic!("no endpoint for {method} {path} in {:#?}", keys(report)))
}

/// The name of the template parameter at segment `pos` (`{payeeId}`).
fn param_at(e: &Value, pos: usize) -> String {
    let seg = e["path"].as_str().unwrap().split('/').nth(pos).unwrap();
    assert!(is_param(seg), "{} has no parameter at {pos}", e["path"]);
    seg.to_string()
}

/// A path from an entry's URL.
fn entry_path(entry: &Value) -> String {
    let url = entry["request"]["url"].as_str().unwrap();
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let path = &rest[rest.find('/').unwrap_or(rest.len())..];
    path.split('?').next().unwrap().to_string()
}

fn response_body(entry: &Value) -> Value {
    serde_json::from_str(entry["response"]["content"]["text"].as_str().unwrap())
        .expect("response body is JSON")
}

/// The fixture's expected labels: `(method, concrete path, in, field, type)`; a field of
/// `{}` means "the template parameter at that path position".
const EXPECTED: &[(&str, &str, &str, &str, &str)] = &[
    (
        "POST",
        "/api/v1/auth/login",
        "request.body",
        "password",
        "password",
    ),
    (
        "POST",
        "/api/v1/auth/login",
        "request.body",
        "username",
        "email",
    ),
    (
        "POST",
        "/api/v1/auth/login",
        "response.body",
        "data.token",
        "jwt",
    ),
    (
        "GET",
        "/api/v1/patients",
        "request.header",
        "authorization",
        "jwt",
    ),
    (
        "GET",
        "/api/v1/patients",
        "response.body",
        "data.list[].idCard",
        "cn_resident_id",
    ),
    (
        "GET",
        "/api/v1/patients",
        "response.body",
        "data.list[].mobile",
        "cn_mobile",
    ),
    (
        "GET",
        "/api/v1/patients",
        "response.body",
        "data.list[].email",
        "email",
    ),
    (
        "GET",
        "/api/v1/patients",
        "response.body",
        "data.list[].name",
        "cn_name",
    ),
    (
        "GET",
        "/api/v1/patients",
        "response.body",
        "data.list[].address",
        "cn_address",
    ),
    (
        "GET",
        "/api/v1/patients/1",
        "request.header",
        "authorization",
        "jwt",
    ),
    (
        "GET",
        "/api/v1/patients/1",
        "response.body",
        "data.idCard",
        "cn_resident_id",
    ),
    (
        "GET",
        "/api/v1/patients/1",
        "response.body",
        "data.mobile",
        "cn_mobile",
    ),
    (
        "GET",
        "/api/v1/patients/1",
        "response.body",
        "data.email",
        "email",
    ),
    (
        "GET",
        "/api/v1/patients/1",
        "response.body",
        "data.name",
        "cn_name",
    ),
    (
        "GET",
        "/api/v1/patients/1",
        "response.body",
        "data.address",
        "cn_address",
    ),
    (
        "GET",
        "/api/v1/patients/1",
        "response.body",
        "data.lastLoginIp",
        "ipv4",
    ),
    (
        "GET",
        "/api/v1/patients/1",
        "response.body",
        "data.emergencyContact.name",
        "cn_name",
    ),
    (
        "GET",
        "/api/v1/patients/1",
        "response.body",
        "data.emergencyContact.mobile",
        "cn_mobile",
    ),
    (
        "GET",
        "/api/v1/payees/1/cards",
        "request.path",
        "{}",
        "cn_mobile",
    ),
    (
        "GET",
        "/api/v1/payees/1/cards",
        "request.header",
        "authorization",
        "jwt",
    ),
    (
        "GET",
        "/api/v1/payees/1/cards",
        "response.body",
        "data.cards[].cardNo",
        "bank_card",
    ),
    (
        "GET",
        "/api/v1/payees/1/cards",
        "response.body",
        "data.holderName",
        "cn_name",
    ),
    (
        "GET",
        "/api/v1/insurance/verify",
        "request.query",
        "idNo",
        "cn_resident_id",
    ),
    (
        "GET",
        "/api/v1/insurance/verify",
        "request.header",
        "authorization",
        "jwt",
    ),
    (
        "POST",
        "/api/v1/appointments",
        "request.body",
        "idCard",
        "cn_resident_id",
    ),
    (
        "POST",
        "/api/v1/appointments",
        "request.body",
        "mobile",
        "cn_mobile",
    ),
    (
        "POST",
        "/api/v1/appointments",
        "request.body",
        "patientName",
        "cn_name",
    ),
    (
        "POST",
        "/api/v1/appointments",
        "request.body",
        "refundIban",
        "iban",
    ),
    (
        "POST",
        "/api/v1/appointments",
        "request.body",
        "remark",
        "cn_mobile",
    ),
];

/// Last names of locations that carry no sensitive value: UUID ids, millisecond timestamps,
/// order numbers, masked copies (the hard negatives), and plain fields.
const NEGATIVE_FIELDS: &[&str] = &[
    // hard negatives
    "x-request-id",
    "requestId",
    "appointmentId",
    "timestamp",
    "createdAt",
    "updatedAt",
    "checkedAt",
    "bindTime",
    "orderNo",
    "policyNo",
    "maskedMobile",
    "maskedIdCard",
    "maskedCardNo",
    "maskedName",
    // plain
    "captcha",
    "expiresIn",
    "tokenType",
    "staffId",
    "total",
    "page",
    "size",
    "code",
    "message",
    "department",
    "relation",
    "slot",
    "status",
    "bank",
    "verified",
    "channel",
];

fn last_name(field: &str) -> &str {
    field.rsplit('.').next().unwrap().trim_end_matches("[]")
}

/// The record level `Grading::record_level` documents: the max of the items, raised to 4 in
/// the finance profiles when a name, an identity document and a phone or account meet.
fn record_level(profile: &str, levels: &[(String, u64)]) -> u64 {
    let max = levels.iter().map(|(_, l)| *l).max().unwrap_or(1);
    if !matches!(profile, "jrt0171-2020" | "jrt0197-2020") {
        return max;
    }
    let has = |set: &[&str]| levels.iter().any(|(t, _)| set.contains(&t.as_str()));
    let name = has(&["cn_name", "person_name"]);
    let id = has(&[
        "cn_resident_id",
        "cn_passport",
        "cn_hk_macau_permit",
        "cn_taiwan_permit",
        "cn_military_id",
        "us_ssn",
        "passport",
    ]);
    let third = has(&["cn_mobile", "phone", "bank_card", "iban"]);
    if name && id && third {
        max.max(4)
    } else {
        max
    }
}

/// Whether an item is the caller's own credential (a JWT or secret in a request header or
/// cookie): listed in `sensitive[]` but not counted in the endpoint's sensitivity, which grades
/// the data the endpoint accepts or serves.
fn is_request_credential(item: &Value) -> bool {
    matches!(
        item["in"].as_str(),
        Some("request.header" | "request.cookie")
    ) && matches!(item["type"].as_str(), Some("jwt" | "secret_key"))
}

/// Checks every item against the profile's table, each endpoint's sensitivity against its
/// data items, and `summary.sensitive` against the endpoints.
fn assert_consistent(report: &Value, profile: &str) {
    let table = grading_table(profile);
    let sens = &report["summary"]["sensitive"];
    assert_eq!(sens["profile"], profile);
    let mut by_level: BTreeMap<String, u64> = BTreeMap::new();
    let mut types: BTreeMap<String, u64> = BTreeMap::new();
    let mut locations: BTreeMap<String, u64> = BTreeMap::new();
    let mut with_sensitive = 0u64;
    for e in endpoints(report) {
        let id = e["id"].as_str().unwrap();
        let its = items(e);
        for s in its {
            let ty = s["type"].as_str().unwrap();
            let (level, label, category, spi) = &table[ty];
            assert_eq!(s["level"].as_u64(), Some(*level), "{id} {s}");
            assert_eq!(s["level_label"], label.as_str(), "{id} {s}");
            assert_eq!(s["category"], category.as_str(), "{id} {s}");
            assert_eq!(s["sensitive_pi"], *spi, "{id} {s}");
            let (hits, values) = (s["hits"].as_u64().unwrap(), s["values"].as_u64().unwrap());
            assert!(hits >= 1 && hits <= values, "{id} {s}");
            let ratio = s["ratio"].as_f64().unwrap();
            assert!(
                (ratio - hits as f64 / values as f64).abs() < 0.001,
                "{id} {s}"
            );
            let conf = s["confidence"].as_f64().unwrap();
            assert!(conf > 0.0 && conf <= 1.0, "{id} {s}");
            *locations.entry(ty.to_string()).or_default() += 1;
        }
        let all_types: BTreeSet<String> = its
            .iter()
            .map(|i| i["type"].as_str().unwrap().to_string())
            .collect();
        for t in all_types {
            *types.entry(t).or_default() += 1;
        }
        let s = &e["sensitivity"];
        let data: Vec<&Value> = its.iter().filter(|i| !is_request_credential(i)).collect();
        if data.is_empty() {
            assert!(s.is_null(), "{id}: sensitivity without data items: {s}");
            continue;
        }
        with_sensitive += 1;
        let levels: Vec<(String, u64)> = data
            .iter()
            .map(|i| {
                (
                    i["type"].as_str().unwrap().to_string(),
                    i["level"].as_u64().unwrap(),
                )
            })
            .collect();
        let want = record_level(profile, &levels);
        assert_eq!(s["level"].as_u64(), Some(want), "{id}: {s}");
        let item_types: BTreeSet<String> = levels.iter().map(|(t, _)| t.clone()).collect();
        let listed: Vec<String> = s["types"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t.as_str().unwrap().to_string())
            .collect();
        assert_eq!(
            listed,
            item_types.iter().cloned().collect::<Vec<_>>(),
            "{id}: sensitivity.types are the data items' types, sorted, once each"
        );
        *by_level.entry(want.to_string()).or_default() += 1;
    }
    let counts = |v: &Value| -> BTreeMap<String, u64> {
        v.as_object()
            .unwrap()
            .iter()
            .map(|(k, n)| (k.clone(), n.as_u64().unwrap()))
            .collect()
    };
    assert_eq!(sens["endpoints"].as_u64(), Some(with_sensitive));
    assert_eq!(counts(&sens["endpoints_by_level"]), by_level);
    assert_eq!(counts(&sens["types"]), types);
    assert_eq!(counts(&sens["locations"]), locations);
    let records = report["exchange_records"].as_array().unwrap();
    assert_eq!(
        sens["exchanges_with_sensitive_responses"].as_u64(),
        Some(records.len() as u64)
    );
    let total: u64 = records.iter().map(|r| r["records"].as_u64().unwrap()).sum();
    assert_eq!(sens["response_records"].as_u64(), Some(total));
}

fn validate_report(path: &Path) {
    let schema = root().join("docs/report-v1.schema.json");
    validate("validate_json_schema.py", "jsonschema", &[&schema, path]);
}

fn write_config(tmp: &TempDir, name: &str, classify: &str) -> PathBuf {
    tmp.write(name, format!("version: 1\nclassify:\n{classify}"))
}

/// A GB 11643 resident ID from its first 17 digits.
fn resident_id(body: &str) -> String {
    const W: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    let sum: u32 = body
        .chars()
        .zip(W)
        .map(|(c, w)| c.to_digit(10).unwrap() * w)
        .sum();
    let check = b"10X98765432"[(sum % 11) as usize] as char;
    format!("{body}{check}")
}

/// A Luhn-valid card number from all digits but the last.
fn luhn(body: &str) -> String {
    let sum: u32 = body
        .chars()
        .rev()
        .enumerate()
        .map(|(i, c)| {
            let d = c.to_digit(10).unwrap();
            if i % 2 == 0 {
                let d2 = d * 2;
                if d2 > 9 {
                    d2 - 9
                } else {
                    d2
                }
            } else {
                d
            }
        })
        .sum();
    format!("{body}{}", (10 - sum % 10) % 10)
}

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

// ---------------------------------------------------------------------------------------------
// (d) lampyr classify

#[test]
fn classify_json_input_prints_types_with_masked_values() {
    let id = resident_id("11010519491231002");
    let card = luhn("622848012345678901");
    let doc = json!({
        "user": {
            "name": "张伟",
            "idCard": id,
            "mobile": "13812345678",
            "email": "zhang.wei@example.com",
            "bankCard": card,
        },
        "orderNo": "202406110000012345",
        "requestId": "7ab22073-850d-43d1-9e66-d01bba7dbdd3",
        "maskedMobile": "138****5678",
        "createdAt": 1714985578123u64,
    });
    let text = serde_json::to_string_pretty(&doc).unwrap();
    let findings = classify_json(&[], text.as_bytes());
    let by_field: BTreeMap<String, &Value> = findings
        .iter()
        .map(|f| (f["field"].as_str().unwrap().to_string(), f))
        .collect();
    let expect = [
        ("user.idCard", "cn_resident_id", 2),
        ("user.mobile", "cn_mobile", 2),
        ("user.email", "email", 2),
        ("user.name", "cn_name", 2),
        ("user.bankCard", "bank_card", 3),
    ];
    for (field, ty, level) in expect {
        let f = by_field
            .get(field)
            .unwrap_or_else(|| panic!("no finding at {field}: {findings:#?}"));
        assert_eq!(f["type"], ty, "{f}");
        assert_eq!(f["level"], level, "{f}");
        assert!(f["score"].as_f64().unwrap() >= 0.5, "{f}");
        assert!(f["masked"].as_str().unwrap().contains('*'), "{f}");
    }
    assert_eq!(by_field["user.mobile"]["masked"], "138****5678");
    assert_eq!(
        by_field["user.idCard"]["masked"],
        format!("{}********{}", &id[..6], &id[14..])
    );
    for field in ["orderNo", "requestId", "maskedMobile", "createdAt"] {
        assert!(
            !by_field.contains_key(field),
            "{field} is not sensitive: {findings:#?}"
        );
    }
    // The table form names the same findings, still masked.
    let run = lampyr_stdin(&["classify"], text.as_bytes());
    assert_eq!(run.code, 0, "{}", run.stderr);
    for (field, ty, _) in expect {
        assert!(
            run.stdout
                .lines()
                .any(|l| l.starts_with(field) && l.contains(ty)),
            "{field} {ty} not in:\n{}",
            run.stdout
        );
    }
    let clear = [
        id.as_str(),
        "13812345678",
        "zhang.wei@example.com",
        "张伟",
        &card,
    ];
    for v in clear {
        assert!(!run.stdout.contains(v), "{v} in clear:\n{}", run.stdout);
        assert!(
            !findings.iter().any(|f| f.to_string().contains(v)),
            "{v} in clear in the JSON findings"
        );
    }
}

#[test]
fn classify_plain_text_uses_the_key_and_finds_phones_in_sentences() {
    let id = resident_id("44030519900307123");
    // With the key as context.
    let findings = classify_json(&["--key", "idCard"], format!("{id}\n").as_bytes());
    assert_eq!(findings.len(), 1, "{findings:#?}");
    assert_eq!(findings[0]["type"], "cn_resident_id");
    assert_eq!(findings[0]["field"], "idCard");
    assert!(!findings[0]["masked"].as_str().unwrap().contains(&id));
    let run = lampyr_stdin(&["classify", "--key", "idCard"], id.as_bytes());
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.contains("cn_resident_id"), "{}", run.stdout);
    assert!(!run.stdout.contains(&id), "{}", run.stdout);

    // A phone inside a sentence, Chinese and English.
    for sentence in [
        "周五下午请回电13812345678，谢谢",
        "please call me back at 13812345678 before noon, thanks",
    ] {
        let findings = classify_json(&[], sentence.as_bytes());
        let phone = findings
            .iter()
            .find(|f| f["type"] == "cn_mobile")
            .unwrap_or_else(|| panic!("no cn_mobile in {sentence:?}: {findings:#?}"));
        assert_eq!(phone["masked"], "138****5678", "{phone}");
    }

    // Several lines are classified one by one.
    let text = format!("{id}\nnothing here\nzhang.wei@example.com\n");
    let findings = classify_json(&["--key", "idCard"], text.as_bytes());
    let types: BTreeSet<&str> = findings
        .iter()
        .map(|f| f["type"].as_str().unwrap())
        .collect();
    assert_eq!(
        types,
        BTreeSet::from(["cn_resident_id", "email"]),
        "{findings:#?}"
    );
}

#[test]
fn classify_empty_and_binary_input_do_not_fail() {
    for empty in [&b""[..], b"\n", b"   \n\t\n"] {
        let run = lampyr_stdin(&["classify"], empty);
        assert_eq!(run.code, 0, "{}", run.stderr);
        assert_eq!(run.stdout, "no sensitive data found\n");
        assert!(classify_json(&[], empty).is_empty());
    }
    let run = lampyr_stdin(&["classify"], b"hello world\n{not json\n");
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.stdout, "no sensitive data found\n");

    // Binary garbage: NULs, invalid UTF-8, brackets that look like JSON.
    let mut seed = 0x9e37_79b9_7f4a_7c15u64;
    let mut garbage = Vec::with_capacity(1 << 16);
    while garbage.len() < 1 << 16 {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        garbage.extend_from_slice(&seed.to_le_bytes());
    }
    let mut starts_json = b"{\"a\":[".to_vec();
    starts_json.extend_from_slice(&garbage);
    let deep = "[".repeat(100_000);
    for input in [
        &garbage[..],
        &starts_json[..],
        deep.as_bytes(),
        &[0u8; 4096][..],
    ] {
        for args in [&["classify"][..], &["classify", "--json"][..]] {
            let run = lampyr_stdin(args, input);
            assert_eq!(run.code, 0, "{args:?}: {}", run.stderr);
            assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
        }
        classify_json(&[], input);
    }
}
