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
//! This file: bad input, usage errors and configuration.

#[macro_use]
mod common;

use std::collections::BTreeSet;

use serde_json::Value;

use common::*;

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

/// A missing input is named with its cause once (the cause used to be printed twice, once in
/// the message and once as the error's source).
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
