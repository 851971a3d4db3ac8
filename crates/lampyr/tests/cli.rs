//! End-to-end tests of the `lampyr` binary on the shipped sample traffic
//! (`fixtures/sample/shop.har`, `fixtures/sample/shop.jsonl`; see `fixtures/README.md`).
//!
//! Expected values are computed from the fixtures wherever possible (hit counts, operation
//! names, enum values), so regenerating the sample does not silently weaken the tests.
//!
//! The validator tests call `python3 bench/validate_openapi.py` and
//! `bench/validate_json_schema.py`. When python3 or the Python modules are missing they print
//! `skipped: ...` and pass, unless `LAMPYR_REQUIRE_VALIDATORS=1` is set, in which case they
//! fail (CI installs `.ci/requirements.txt`).

use std::collections::{BTreeMap, BTreeSet};
use std::ffi::{OsStr, OsString};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicUsize, Ordering};

use serde_json::{json, Value};

const HOST_URL: &str = "https://api.shop.example";

// ---------------------------------------------------------------------------------------------
// Helpers

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .expect("repository root")
}

fn sample(name: &str) -> PathBuf {
    root().join("fixtures/sample").join(name)
}

/// A fresh directory under the system temp dir, removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new(tag: &str) -> TempDir {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let dir =
            std::env::temp_dir().join(format!("lampyr-cli-test-{}-{tag}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("create temp dir");
        TempDir(dir)
    }

    fn path(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }

    fn write(&self, name: &str, contents: impl AsRef<[u8]>) -> PathBuf {
        let p = self.path(name);
        std::fs::write(&p, contents).expect("write temp file");
        p
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

/// `lampyr!(arg, ...)`: runs the binary from the repository root; each argument is anything
/// that is `AsRef<OsStr>` (`&str`, `PathBuf`...).
macro_rules! lampyr {
    ($($arg:expr),* $(,)?) => {
        run_lampyr(&[$(&$arg as &dyn AsRef<OsStr>),*])
    };
}

fn run_lampyr(args: &[&dyn AsRef<OsStr>]) -> Run {
    let out: Output = Command::new(env!("CARGO_BIN_EXE_lampyr"))
        .args(args.iter().map(|a| a.as_ref()))
        .current_dir(root())
        .output()
        .expect("run lampyr");
    Run {
        code: out.status.code().expect("lampyr exited by a signal"),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn read_json(path: &Path) -> Value {
    let text = std::fs::read(path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
    serde_json::from_slice(&text).unwrap_or_else(|e| panic!("parse {}: {e}", path.display()))
}

/// Runs `lampyr analyze INPUTS... --report R --quiet [extra]`, asserts exit 0, returns the
/// report.
fn analyze(inputs: &[&Path], extra: &[&str]) -> Value {
    let tmp = TempDir::new("analyze");
    let report = tmp.path("report.json");
    let mut args: Vec<OsString> = vec!["analyze".into()];
    args.extend(inputs.iter().map(|p| p.as_os_str().to_owned()));
    args.push("--report".into());
    args.push(report.clone().into());
    args.push("--quiet".into());
    args.extend(extra.iter().map(|s| s.into()));
    let args: Vec<&dyn AsRef<OsStr>> = args.iter().map(|a| a as &dyn AsRef<OsStr>).collect();
    let run = run_lampyr(&args);
    assert_eq!(run.code, 0, "analyze {inputs:?} failed: {}", run.stderr);
    read_json(&report)
}

/// The HAR entries of a file.
fn har_entries(path: &Path) -> Vec<Value> {
    let har = read_json(path);
    har["log"]["entries"]
        .as_array()
        .expect("log.entries")
        .clone()
}

/// One request of the sample, reduced to what the tests look at.
#[derive(Debug, Clone)]
struct Req {
    method: String,
    /// Path without the query.
    path: String,
    /// Query parameter names in order.
    query: Vec<String>,
    /// GraphQL `operationName` of a JSON body, if any.
    operation_name: Option<String>,
    /// GraphQL document of a JSON body, if any.
    graphql_query: Option<String>,
}

fn split_url(url: &str) -> (String, Vec<String>) {
    let rest = url.strip_prefix(HOST_URL).unwrap_or(url);
    let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
    let names = query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| p.split('=').next().unwrap_or_default().to_string())
        .collect();
    (path.to_string(), names)
}

fn graphql_fields(body: Option<&str>) -> (Option<String>, Option<String>) {
    let Some(v) = body.and_then(|b| serde_json::from_str::<Value>(b).ok()) else {
        return (None, None);
    };
    (
        v["operationName"].as_str().map(str::to_string),
        v["query"].as_str().map(str::to_string),
    )
}

fn har_requests(path: &Path) -> Vec<Req> {
    har_entries(path)
        .iter()
        .map(|e| {
            let (path, query) = split_url(e["request"]["url"].as_str().expect("url"));
            let (operation_name, graphql_query) =
                graphql_fields(e["request"]["postData"]["text"].as_str());
            Req {
                method: e["request"]["method"].as_str().expect("method").to_string(),
                path,
                query,
                operation_name,
                graphql_query,
            }
        })
        .collect()
}

fn jsonl_requests(path: &Path) -> Vec<Req> {
    std::fs::read_to_string(path)
        .expect("read jsonl")
        .lines()
        .map(|line| {
            let v: Value = serde_json::from_str(line).expect("jsonl line");
            let (path, query) = split_url(v["request"]["url"].as_str().expect("url"));
            let (operation_name, graphql_query) = graphql_fields(v["request"]["body"].as_str());
            Req {
                method: v["request"]["method"].as_str().expect("method").to_string(),
                path,
                query,
                operation_name,
                graphql_query,
            }
        })
        .collect()
}

fn endpoints(report: &Value) -> &Vec<Value> {
    report["endpoints"].as_array().expect("endpoints")
}

fn find<'r>(report: &'r Value, method: &str, path: &str) -> &'r Value {
    endpoints(report)
        .iter()
        .find(|e| e["method"] == method && e["path"] == path && e.get("operation").is_none())
        .unwrap_or_else(|| panic!("no endpoint {method} {path} in {:#?}", keys(report)))
}

/// (method, path, operation) of every endpoint.
fn keys(report: &Value) -> BTreeSet<(String, String, String)> {
    endpoints(report)
        .iter()
        .map(|e| {
            (
                e["method"].as_str().unwrap().to_string(),
                e["path"].as_str().unwrap().to_string(),
                e["operation"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

/// (method, path, operation, hits) of every endpoint, in report order.
fn inventory(report: &Value) -> Vec<(String, String, String, u64)> {
    endpoints(report)
        .iter()
        .map(|e| {
            (
                e["method"].as_str().unwrap().to_string(),
                e["path"].as_str().unwrap().to_string(),
                e["operation"].as_str().unwrap_or_default().to_string(),
                e["hits"].as_u64().unwrap(),
            )
        })
        .collect()
}

fn is_param(segment: &str) -> bool {
    segment.len() > 2 && segment.starts_with('{') && segment.ends_with('}')
}

/// Whether a concrete path fits a template (`{...}` matches one segment).
fn fits(template: &str, path: &str) -> bool {
    let t: Vec<&str> = template.split('/').collect();
    let p: Vec<&str> = path.split('/').collect();
    t.len() == p.len() && t.iter().zip(&p).all(|(t, p)| is_param(t) || t == p)
}

fn is_uuid(s: &str) -> bool {
    s.len() == 36
        && s.char_indices().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => c == '-',
            _ => c.is_ascii_hexdigit(),
        })
}

fn strings(v: &Value) -> BTreeSet<String> {
    v.as_array()
        .unwrap_or_else(|| panic!("expected an array, got {v}"))
        .iter()
        .map(|s| s.as_str().expect("string").to_string())
        .collect()
}

fn auth(e: &Value) -> BTreeSet<String> {
    strings(&e["auth"])
}

/// `Some(reason)` when the validator cannot run here; panics instead when validators are
/// required.
fn validator_missing(module: &str) -> Option<String> {
    let probe = Command::new("python3")
        .args(["-c", &format!("import {module}")])
        .output();
    let reason = match probe {
        Err(e) => format!("python3 is not available ({e})"),
        Ok(out) if !out.status.success() => format!(
            "python3 module {module} is not installed (pip install -r .ci/requirements.txt)"
        ),
        Ok(_) => return None,
    };
    if std::env::var("LAMPYR_REQUIRE_VALIDATORS").as_deref() == Ok("1") {
        panic!("LAMPYR_REQUIRE_VALIDATORS=1 but {reason}");
    }
    Some(reason)
}

/// Runs a validator script from `bench/` on `args`; asserts it passes.
fn validate(script: &str, module: &str, args: &[&Path]) -> bool {
    if let Some(reason) = validator_missing(module) {
        println!("skipped: {script}: {reason}");
        return false;
    }
    let out = Command::new("python3")
        .arg(root().join("bench").join(script))
        .args(args)
        .current_dir(root())
        .output()
        .expect("run python3");
    assert!(
        out.status.success(),
        "{script} {args:?} failed:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    true
}

/// A HAR document with the given entries (and the sample's `log` members).
fn har_with(entries: Vec<Value>) -> String {
    let mut har = read_json(&sample("shop.har"));
    har["log"]["entries"] = Value::Array(entries);
    serde_json::to_string(&har).unwrap()
}

// ---------------------------------------------------------------------------------------------
// (a) what discovery finds in shop.har

#[test]
fn shop_har_inventory() {
    let har = sample("shop.har");
    let reqs = har_requests(&har);
    let report = analyze(&[&har], &[]);

    assert_eq!(report["version"], 1);
    assert_eq!(
        report["inputs"],
        json!([{
            "path": har.display().to_string(),
            "format": "har",
            "entries": reqs.len(),
            "exchanges": reqs.len(),
            "skipped": 0
        }])
    );
    let total: u64 = endpoints(&report)
        .iter()
        .map(|e| e["hits"].as_u64().unwrap())
        .sum();
    assert_eq!(
        total + report["summary"]["noise"].as_u64().unwrap(),
        reqs.len() as u64,
        "every exchange is in one endpoint or counted as noise"
    );
    assert_eq!(
        report["summary"]["endpoints"].as_u64().unwrap() as usize,
        endpoints(&report).len()
    );

    // Integer ids and the static sibling `me` are separate endpoints.
    let by_id: Vec<&Value> = endpoints(&report)
        .iter()
        .filter(|e| {
            e["method"] == "GET"
                && e["path"].as_str().is_some_and(|p| {
                    p.strip_prefix("/v1/users/")
                        .is_some_and(|rest| is_param(rest) && !rest.contains('/'))
                })
        })
        .collect();
    assert_eq!(
        by_id.len(),
        1,
        "one GET /v1/users/{{...}}: {:#?}",
        keys(&report)
    );
    let user = by_id[0];
    let me = find(&report, "GET", "/v1/users/me");
    assert_eq!(user["path_params"][0]["class"], "integer");
    assert_eq!(user["path_params"][0]["type"], "integer");

    // Hit counts, counted in the HAR.
    let user_hits = reqs
        .iter()
        .filter(|r| {
            r.method == "GET"
                && r.path
                    .strip_prefix("/v1/users/")
                    .is_some_and(|id| !id.is_empty() && id.bytes().all(|b| b.is_ascii_digit()))
        })
        .count() as u64;
    assert!(user_hits > 10, "the sample has user lookups");
    assert_eq!(user["hits"].as_u64(), Some(user_hits));
    let me_hits = reqs
        .iter()
        .filter(|r| r.method == "GET" && r.path == "/v1/users/me")
        .count() as u64;
    assert_eq!(me["hits"].as_u64(), Some(me_hits));
    for method in ["GET", "PATCH", "DELETE"] {
        let expected = reqs
            .iter()
            .filter(|r| {
                r.method == method && r.path.strip_prefix("/v1/orders/").is_some_and(is_uuid)
            })
            .count() as u64;
        let orders: Vec<&Value> = endpoints(&report)
            .iter()
            .filter(|e| {
                e["method"] == method
                    && e["path"]
                        .as_str()
                        .is_some_and(|p| fits(p, "/v1/orders/x") && p != "/v1/orders/x")
            })
            .collect();
        assert_eq!(orders.len(), 1, "{method} /v1/orders/{{...}}");
        assert_eq!(
            orders[0]["hits"].as_u64(),
            Some(expected),
            "{method} orders"
        );
        assert_eq!(orders[0]["path_params"][0]["format"], "uuid");
    }
    // Indexes point at entries of the endpoint.
    for i in user["exchanges"].as_array().unwrap() {
        let r = &reqs[i.as_u64().unwrap() as usize];
        assert!(fits(user["path"].as_str().unwrap(), &r.path) && r.path != "/v1/users/me");
    }

    // Two consecutive word parameters.
    let repos: Vec<&Value> = endpoints(&report)
        .iter()
        .filter(|e| e["path"].as_str().unwrap().starts_with("/v1/repos/"))
        .collect();
    assert_eq!(repos.len(), 1, "{:#?}", keys(&report));
    let segs: Vec<&str> = repos[0]["path"].as_str().unwrap().split('/').collect();
    assert!(
        segs.len() == 5 && is_param(segs[3]) && is_param(segs[4]),
        "{segs:?}"
    );
    let repo_hits = reqs
        .iter()
        .filter(|r| r.path.starts_with("/v1/repos/"))
        .count() as u64;
    assert_eq!(repos[0]["hits"].as_u64(), Some(repo_hits));

    // GraphQL: one endpoint per operation, named "<type> <name>".
    let mut expected_ops: BTreeMap<String, u64> = BTreeMap::new();
    for r in reqs.iter().filter(|r| r.path == "/graphql") {
        let doc = r.graphql_query.as_deref().expect("graphql document");
        let kind = doc.split_whitespace().next().unwrap();
        let name = r.operation_name.as_deref().expect("operationName");
        *expected_ops.entry(format!("{kind} {name}")).or_default() += 1;
    }
    assert_eq!(expected_ops.len(), 3, "{expected_ops:?}");
    let got_ops: BTreeMap<String, u64> = endpoints(&report)
        .iter()
        .filter(|e| e["path"] == "/graphql")
        .map(|e| {
            assert_eq!(e["method"], "POST");
            (
                e["operation"].as_str().expect("operation").to_string(),
                e["hits"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(got_ops, expected_ops);

    // Authentication.
    assert!(auth(user).contains("jwt"), "{}", user["auth"]);
    assert_eq!(user["auth_detail"]["jwt"]["algs"]["RS256"], user["hits"]);
    assert!(user["auth_detail"]["jwt"]["claims"]["sub"].as_u64() > Some(0));
    assert!(auth(me).is_superset(&strings(&json!(["jwt", "session_cookie"]))));
    for e in endpoints(&report)
        .iter()
        .filter(|e| e["path"] == "/graphql")
    {
        assert!(auth(e).contains("jwt"), "{}", e["id"]);
    }
    assert_eq!(
        auth(repos[0]),
        strings(&json!(["api_key_header"])),
        "repos use X-API-Key"
    );
    assert_eq!(
        auth(find(&report, "POST", "/v1/auth/login")),
        strings(&json!(["none"]))
    );

    // Query parameters of the product list.
    let products = find(&report, "GET", "/v1/products");
    let list: Vec<&Req> = reqs
        .iter()
        .filter(|r| r.method == "GET" && r.path == "/v1/products")
        .collect();
    assert_eq!(products["hits"].as_u64(), Some(list.len() as u64));
    let query: BTreeMap<String, &Value> = products["parameters"]["query"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p["name"].as_str().unwrap().to_string(), p))
        .collect();
    for name in ["page", "limit", "category", "sort"] {
        let p = query
            .get(name)
            .unwrap_or_else(|| panic!("query parameter {name} missing: {query:?}"));
        let present = list
            .iter()
            .filter(|r| r.query.iter().any(|q| q == name))
            .count();
        assert_eq!(p["present"].as_u64(), Some(present as u64), "{name}");
        assert_eq!(p["required"], present == list.len(), "{name}");
    }
    assert_eq!(query["page"]["schema"]["type"], "integer");
    let categories: BTreeSet<String> = har_entries(&har)
        .iter()
        .flat_map(|e| e["request"]["queryString"].as_array().unwrap().clone())
        .filter(|q| q["name"] == "category")
        .map(|q| q["value"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(strings(&query["category"]["schema"]["enum"]), categories);
}

#[test]
fn summary_goes_to_stdout_unless_quiet() {
    let har = sample("shop.har");
    let n = har_entries(&har).len();
    let run = lampyr!("analyze", har);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stdout.starts_with(&format!("{n} exchanges, ")),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("/v1/users/me"), "{}", run.stdout);
    let quiet = lampyr!("analyze", har, "--quiet");
    assert_eq!(quiet.code, 0);
    assert_eq!(quiet.stdout, "");
    assert_eq!(quiet.stderr, "");
}

// ---------------------------------------------------------------------------------------------
// (b) the outputs pass independent validators

#[test]
fn openapi_and_report_pass_the_validators() {
    let tmp = TempDir::new("validators");
    let (openapi, report) = (tmp.path("shop.openapi.json"), tmp.path("report.json"));
    let run = lampyr!(
        "analyze",
        sample("shop.har"),
        "--openapi",
        openapi,
        "--report",
        report,
        "-q"
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    let doc = read_json(&openapi);
    assert!(doc["openapi"].as_str().unwrap().starts_with("3.1"));
    validate(
        "validate_openapi.py",
        "openapi_spec_validator",
        &[openapi.as_path()],
    );
    let schema = root().join("docs/report-v1.schema.json");
    validate(
        "validate_json_schema.py",
        "jsonschema",
        &[schema.as_path(), report.as_path()],
    );
}

#[test]
fn reports_of_every_shape_pass_the_report_schema() {
    // JSONL input, several inputs, skipped entries, exchanges without time or response.
    let tmp = TempDir::new("schema");
    let report = tmp.path("report.json");
    let run = lampyr!(
        "analyze",
        sample("shop.jsonl"),
        root().join("fixtures/ingest/small.jsonl"),
        root().join("fixtures/ingest/small.har"),
        "--report",
        report,
        "-q"
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    let r = read_json(&report);
    assert!(r["summary"]["skipped"].as_u64() > Some(0));
    assert!(endpoints(&r).iter().any(|e| e["latency_ms"].is_null()));
    let schema = root().join("docs/report-v1.schema.json");
    validate(
        "validate_json_schema.py",
        "jsonschema",
        &[schema.as_path(), report.as_path()],
    );
}

// ---------------------------------------------------------------------------------------------
// (c) YAML output

#[test]
fn openapi_is_yaml_for_yaml_extensions() {
    let tmp = TempDir::new("yaml");
    for name in ["api.yaml", "api.yml"] {
        let out = tmp.path(name);
        let run = lampyr!("analyze", sample("shop.har"), "--openapi", out, "-q");
        assert_eq!(run.code, 0, "{}", run.stderr);
        let text = std::fs::read_to_string(&out).unwrap();
        assert!(
            serde_json::from_str::<Value>(&text).is_err(),
            "{name} must be YAML, not JSON"
        );
        let doc: serde_yaml::Value = serde_yaml::from_str(&text).expect("valid YAML");
        assert!(doc["openapi"].as_str().unwrap().starts_with("3.1"));
        let paths = doc["paths"].as_mapping().expect("paths");
        assert!(paths.contains_key("/v1/users/me"), "{name}");
        assert!(paths.contains_key("/v1/products"), "{name}");
        validate(
            "validate_openapi.py",
            "openapi_spec_validator",
            &[out.as_path()],
        );
    }
    // Any other name gives JSON.
    let out = tmp.path("api.out");
    let run = lampyr!("analyze", sample("shop.har"), "--openapi", out, "-q");
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(read_json(&out)["paths"]["/v1/users/me"].is_object());
}

// ---------------------------------------------------------------------------------------------
// (d) JSON Lines input

#[test]
fn jsonl_is_detected_and_finds_the_same_endpoints() {
    let jsonl = sample("shop.jsonl");
    let reqs = jsonl_requests(&jsonl);
    let report = analyze(&[&jsonl], &[]);
    assert_eq!(report["inputs"][0]["format"], "jsonl");
    assert_eq!(
        report["inputs"][0]["entries"].as_u64(),
        Some(reqs.len() as u64)
    );
    assert_eq!(report["inputs"][0]["skipped"], 0);
    let har_report = analyze(&[&sample("shop.har")], &[]);
    assert_eq!(keys(&report), keys(&har_report));
    let me_hits = reqs.iter().filter(|r| r.path == "/v1/users/me").count() as u64;
    assert_eq!(
        find(&report, "GET", "/v1/users/me")["hits"].as_u64(),
        Some(me_hits)
    );

    // --format forces the reader: a JSON Lines file is not a HAR.
    let run = lampyr!("analyze", jsonl, "--format", "har", "-q");
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(run.stderr.contains("shop.jsonl"), "{}", run.stderr);
}

#[test]
fn exchange_indexes_run_over_all_inputs_in_order() {
    let (har, jsonl) = (sample("shop.har"), sample("shop.jsonl"));
    let mut reqs = har_requests(&har);
    let n_har = reqs.len() as u64;
    reqs.extend(jsonl_requests(&jsonl));
    let report = analyze(&[&har, &jsonl], &[]);
    assert_eq!(report["inputs"][1]["path"], jsonl.display().to_string());
    let me = find(&report, "GET", "/v1/users/me");
    let expected: Vec<u64> = reqs
        .iter()
        .enumerate()
        .filter(|(_, r)| r.method == "GET" && r.path == "/v1/users/me")
        .map(|(i, _)| i as u64)
        .take(16)
        .collect();
    assert!(expected.iter().any(|&i| i >= n_har), "both inputs call /me");
    let got: Vec<u64> = me["exchanges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i.as_u64().unwrap())
        .collect();
    assert_eq!(got, expected);
}

/// A JSONL input with a blank line, followed by another input: blank lines are not entries
/// (`inputs[].entries`) but still count in the line-based indexes, so the next input's
/// indexes are shifted too little and collide with the first input's.
#[test]
fn exchange_indexes_stay_distinct_after_a_jsonl_input_with_blank_lines() {
    let tmp = TempDir::new("blank");
    let a = tmp.write(
        "a.jsonl",
        "{\"request\":{\"method\":\"GET\",\"url\":\"http://a.example/x\"}}\n\n\
         {\"request\":{\"method\":\"GET\",\"url\":\"http://a.example/y\"}}\n",
    );
    let b = tmp.write(
        "b.jsonl",
        "{\"request\":{\"method\":\"GET\",\"url\":\"http://a.example/z\"}}\n",
    );
    let report = analyze(&[&a, &b], &[]);
    let mut seen = BTreeSet::new();
    for e in endpoints(&report) {
        for i in e["exchanges"].as_array().unwrap() {
            assert!(
                seen.insert(i.as_u64().unwrap()),
                "index {i} used twice: {:#?}",
                endpoints(&report)
                    .iter()
                    .map(|e| (&e["path"], &e["exchanges"]))
                    .collect::<Vec<_>>()
            );
        }
    }
}

// ---------------------------------------------------------------------------------------------
// (e) malformed entries

#[test]
fn malformed_entries_are_skipped_and_named_or_stop_a_strict_run() {
    let tmp = TempDir::new("malformed");
    let mut entries: Vec<Value> = har_entries(&sample("shop.har"))
        .into_iter()
        .take(20)
        .collect();
    entries[7]["request"]
        .as_object_mut()
        .unwrap()
        .remove("url")
        .expect("entry 7 has a url");
    let bad = tmp.write("bad.har", har_with(entries));
    let report = tmp.path("report.json");

    let run = lampyr!("analyze", bad, "--report", report);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stderr.contains("bad.har") && run.stderr.contains("entry 7: request.url"),
        "the warning names the file, the entry index and the field: {}",
        run.stderr
    );
    let r = read_json(&report);
    assert_eq!(r["inputs"][0]["skipped"], 1);
    assert_eq!(r["inputs"][0]["entries"], 20);
    assert_eq!(r["inputs"][0]["exchanges"], 19);
    assert_eq!(r["summary"]["skipped"], 1);
    assert!(
        run.stdout.contains(" 1 skipped"),
        "summary line: {}",
        run.stdout
    );

    std::fs::remove_file(&report).unwrap();
    let run = lampyr!("analyze", bad, "--strict", "--report", report);
    assert_eq!(run.code, 4, "{}", run.stderr);
    assert!(run.stderr.contains("entry 7"), "{}", run.stderr);
    assert!(!report.exists(), "a strict run that stopped writes nothing");

    // JSON Lines: named by line number (1-based).
    let mut lines: Vec<String> = std::fs::read_to_string(sample("shop.jsonl"))
        .unwrap()
        .lines()
        .take(5)
        .map(str::to_string)
        .collect();
    lines[2] = "{\"request\": {\"method\": \"GET\"".to_string();
    let bad = tmp.write("bad.jsonl", lines.join("\n") + "\n");
    let run = lampyr!("analyze", bad, "--report", report);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stderr.contains("line 3"), "{}", run.stderr);
    let r = read_json(&report);
    assert_eq!(r["inputs"][0]["skipped"], 1);
    assert_eq!(r["inputs"][0]["exchanges"], 4);
    let run = lampyr!("analyze", bad, "--strict");
    assert_eq!(run.code, 4, "{}", run.stderr);
    assert!(run.stderr.contains("line 3"), "{}", run.stderr);
}

// ---------------------------------------------------------------------------------------------
// (f) inputs that are not traffic

#[test]
fn inputs_that_are_not_traffic_fail_naming_the_file() {
    let tmp = TempDir::new("nottraffic");
    let notes = tmp.write("notes.txt", "Meeting notes: the API is great.\n");
    let run = lampyr!("analyze", notes);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(run.stderr.starts_with("error: "), "{}", run.stderr);
    assert!(run.stderr.contains("notes.txt"), "{}", run.stderr);
    assert!(run.stderr.contains("unrecognised input"), "{}", run.stderr);

    let other = tmp.write(
        "package.json",
        "{\n  \"name\": \"shop\",\n  \"version\": \"1.0.0\"\n}\n",
    );
    let run = lampyr!("analyze", other);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(run.stderr.contains("package.json"), "{}", run.stderr);

    let missing = tmp.path("missing.har");
    let run = lampyr!("analyze", missing);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(run.stderr.contains("missing.har"), "{}", run.stderr);

    // A bad file after a good one still fails the run, and writes nothing.
    let report = tmp.path("report.json");
    let run = lampyr!(
        "analyze",
        sample("shop.har"),
        notes,
        "--report",
        report,
        "-q"
    );
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(!report.exists());
}

/// Today: `error: M: cannot open M: No such file or directory (os error 2): No such file or
/// directory (os error 2)`: the cause is printed twice (it is both in the message of
/// `IngestError::Open` and its `source`, which `{:#}` prints again).
#[test]
fn a_missing_input_names_its_cause_once() {
    let tmp = TempDir::new("missing");
    let run = lampyr!("analyze", tmp.path("missing.har"));
    assert_eq!(run.code, 1);
    assert_eq!(
        run.stderr.matches("os error 2").count(),
        1,
        "{}",
        run.stderr
    );
}

#[test]
fn usage_errors_exit_2() {
    assert_eq!(lampyr!("analyze").code, 2);
    let run = lampyr!("analyze", "x.har", "--format", "pcap");
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert_eq!(lampyr!("analyze", "x.har", "--no-such-flag").code, 2);
}

// ---------------------------------------------------------------------------------------------
// (g) configuration

#[test]
fn config_check_accepts_a_valid_file_and_lists_every_error() {
    let tmp = TempDir::new("config");
    let good = tmp.write(
        "lampyr.yaml",
        "version: 1\ningest:\n  max_body: 65536\n  trust_forwarded: false\ndiscovery:\n  \
         templates: [\"/v1/repos/{owner}/{repo}\"]\n  never_merge: [\"/v1/admin\"]\n  \
         limits:\n    max_children: 1000\n",
    );
    let run = lampyr!("config", "check", good);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.contains("ok"), "{}", run.stdout);

    let bad = tmp.write(
        "bad.yaml",
        "version: 2\ningest:\n  max_bdy: 1\ndiscovery:\n  never_merge: [repos]\n  \
         limits:\n    max_nodes: -1\n",
    );
    let run = lampyr!("config", "check", bad);
    assert_eq!(run.code, 3, "{}", run.stderr);
    for at in [
        "version:",
        "ingest.max_bdy:",
        "discovery.never_merge[0]:",
        "discovery.limits.max_nodes:",
    ] {
        assert!(
            run.stderr.contains(at),
            "{at} missing from:\n{}",
            run.stderr
        );
    }
    assert!(run.stderr.contains("4 error(s)"), "{}", run.stderr);

    // analyze refuses an invalid file before reading anything.
    let report = tmp.path("report.json");
    let run = lampyr!(
        "analyze",
        sample("shop.har"),
        "--config",
        bad,
        "--report",
        report
    );
    assert_eq!(run.code, 3, "{}", run.stderr);
    assert!(run.stderr.contains("ingest.max_bdy"), "{}", run.stderr);
    assert!(!report.exists());

    // An unreadable file is an error, not a configuration problem.
    let run = lampyr!("config", "check", tmp.path("nope.yaml"));
    assert_eq!(run.code, 1, "{}", run.stderr);
}

#[test]
fn config_rules_change_the_inventory() {
    let tmp = TempDir::new("rules");
    let har = sample("shop.har");
    let reqs = har_requests(&har);

    // never_merge keeps every repo path literal; the rest is unchanged.
    let cfg = tmp.write(
        "never.yaml",
        "version: 1\ndiscovery:\n  never_merge: [\"/v1/repos\"]\n",
    );
    let default = analyze(&[&har], &[]);
    let report = analyze(&[&har], &["--config", cfg.to_str().unwrap()]);
    let repo_paths: BTreeSet<String> = reqs
        .iter()
        .filter(|r| r.path.starts_with("/v1/repos/"))
        .map(|r| r.path.clone())
        .collect();
    let got: BTreeSet<String> = endpoints(&report)
        .iter()
        .map(|e| e["path"].as_str().unwrap().to_string())
        .filter(|p| p.starts_with("/v1/repos/"))
        .collect();
    assert_eq!(got, repo_paths);
    let others = |r: &Value| {
        inventory(r)
            .into_iter()
            .filter(|(_, p, _, _)| !p.starts_with("/v1/repos/"))
            .collect::<Vec<_>>()
    };
    assert_eq!(others(&report), others(&default));

    // templates force parameters where the traffic alone is too thin to show them.
    let few: Vec<Value> = har_entries(&har)
        .into_iter()
        .filter(|e| e["request"]["url"].as_str().unwrap().contains("/v1/repos/"))
        .take(3)
        .collect();
    let thin = tmp.write("thin.har", har_with(few));
    let before = analyze(&[&thin], &[]);
    assert!(
        endpoints(&before).len() > 1,
        "three repos alone do not make a template: {:?}",
        keys(&before)
    );
    let cfg = tmp.write(
        "templates.yaml",
        "version: 1\ndiscovery:\n  templates: [\"/v1/repos/{owner}/{repo}\"]\n",
    );
    let after = analyze(&[&thin], &["--config", cfg.to_str().unwrap()]);
    assert_eq!(endpoints(&after).len(), 1, "{:?}", keys(&after));
    let e = &endpoints(&after)[0];
    assert_eq!(e["hits"], 3);
    assert!(
        e["path_params"].as_array().unwrap().len() == 2,
        "{}",
        e["path"]
    );
}

// ---------------------------------------------------------------------------------------------
// (h) order independence

/// A deterministic permutation (xorshift; no dependency needed).
fn shuffle<T>(items: &mut [T], mut seed: u64) {
    for i in (1..items.len()).rev() {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        items.swap(i, (seed % (i as u64 + 1)) as usize);
    }
}

#[test]
fn shuffled_entries_give_the_same_inventory() {
    let tmp = TempDir::new("shuffle");
    let har = sample("shop.har");
    let original = analyze(&[&har], &[]);
    for seed in [0x9e37_79b9_7f4a_7c15_u64, 42] {
        let mut entries = har_entries(&har);
        shuffle(&mut entries, seed);
        let shuffled = tmp.write("shuffled.har", har_with(entries));
        let report = analyze(&[&shuffled], &[]);
        assert_eq!(inventory(&report), inventory(&original), "seed {seed}");
        assert_eq!(report["summary"], original["summary"], "seed {seed}");
        // Everything but the entry indexes is the same.
        let strip = |r: &Value| {
            let mut eps = r["endpoints"].clone();
            for e in eps.as_array_mut().unwrap() {
                e.as_object_mut().unwrap().remove("exchanges");
            }
            eps
        };
        assert!(strip(&report) == strip(&original), "seed {seed}");
    }
}
