//! Helpers of the sensitive-data CLI tests (`cli_sensitive*.rs`, `cli_classify.rs`): the clinic
//! fixture, its clear values, report accessors, and the grading tables read from docs/grading.md.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde_json::Value;

use super::*;

// ---------------------------------------------------------------------------------------------
// Helpers

pub fn clinic() -> PathBuf {
    root().join("fixtures/pii/clinic.har")
}

/// Every clear sensitive value of the fixture, as the generator listed them.
pub fn clear_values() -> Vec<String> {
    let text = std::fs::read_to_string(root().join("fixtures/pii/values.txt"))
        .expect("fixtures/pii/values.txt");
    text.lines()
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .collect()
}

/// `application/x-www-form-urlencoded` encoding as Python's `urlencode` writes it.
pub fn form_encode(s: &str) -> String {
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
pub fn assert_no_clear_value(what: &str, text: &str, values: &[String]) {
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
pub fn lampyr_stdin(args: &[&str], input: &[u8]) -> Run {
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
pub fn classify_json(args: &[&str], input: &[u8]) -> Vec<Value> {
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
pub fn grading_table(profile: &str) -> BTreeMap<String, GradeRow> {
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
pub fn labels(e: &Value) -> BTreeSet<(String, String, String)> {
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

pub fn items(e: &Value) -> &Vec<Value> {
    e["sensitive"].as_array().expect("sensitive[]")
}

/// The endpoint whose template fits `path` (one `{...}` matches one segment).
pub fn endpoint<'r>(report: &'r Value, method: &str, path: &str) -> &'r Value {
    endpoints(report)
        .iter()
        .find(|e| e["method"] == method && fits(e["path"].as_str().unwrap(), path))
        .unwrap_or_else(|| panic!("no endpoint for {method} {path} in {:#?}", keys(report)))
}

/// The name of the template parameter at segment `pos` (`{payeeId}`).
pub fn param_at(e: &Value, pos: usize) -> String {
    let seg = e["path"].as_str().unwrap().split('/').nth(pos).unwrap();
    assert!(is_param(seg), "{} has no parameter at {pos}", e["path"]);
    seg.to_string()
}

/// A path from an entry's URL.
pub fn entry_path(entry: &Value) -> String {
    let url = entry["request"]["url"].as_str().unwrap();
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let path = &rest[rest.find('/').unwrap_or(rest.len())..];
    path.split('?').next().unwrap().to_string()
}

pub fn response_body(entry: &Value) -> Value {
    serde_json::from_str(entry["response"]["content"]["text"].as_str().unwrap())
        .expect("response body is JSON")
}

/// The fixture's expected labels: `(method, concrete path, in, field, type)`; a field of
/// `{}` means "the template parameter at that path position".
pub const EXPECTED: &[(&str, &str, &str, &str, &str)] = &[
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
pub const NEGATIVE_FIELDS: &[&str] = &[
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

pub fn last_name(field: &str) -> &str {
    field.rsplit('.').next().unwrap().trim_end_matches("[]")
}

/// The record level `Grading::record_level` documents: the max of the items, raised to 4 in
/// the finance profiles when a name, an identity document and a phone or account meet.
pub fn record_level(profile: &str, levels: &[(String, u64)]) -> u64 {
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
pub fn is_request_credential(item: &Value) -> bool {
    matches!(
        item["in"].as_str(),
        Some("request.header" | "request.cookie")
    ) && matches!(item["type"].as_str(), Some("jwt" | "secret_key"))
}

/// Checks every item against the profile's table, each endpoint's sensitivity against its
/// data items, and `summary.sensitive` against the endpoints.
pub fn assert_consistent(report: &Value, profile: &str) {
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

pub fn validate_report(path: &Path) {
    let schema = root().join("docs/report-v1.schema.json");
    validate("validate_json_schema.py", "jsonschema", &[&schema, path]);
}

pub fn write_config(tmp: &TempDir, name: &str, classify: &str) -> PathBuf {
    tmp.write(name, format!("version: 1\nclassify:\n{classify}"))
}

/// A GB 11643 resident ID from its first 17 digits.
pub fn resident_id(body: &str) -> String {
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
pub fn luhn(body: &str) -> String {
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
