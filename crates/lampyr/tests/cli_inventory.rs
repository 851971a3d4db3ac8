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
//!
//! This file: what `analyze` finds and writes.

#[macro_use]
mod common;

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{json, Value};

use common::*;

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
/// (`inputs[].entries`) but count in the line-based indexes, so the next input's indexes must
/// be offset by the index span, not the entry count, or they would collide.
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
