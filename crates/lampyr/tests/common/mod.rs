//! Helpers shared by the CLI integration tests: run the real binary on shipped fixtures and
//! read what it wrote.
#![allow(dead_code)]

use std::collections::BTreeSet;
use std::ffi::{OsStr, OsString};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicUsize, Ordering};

use serde_json::Value;

pub const HOST_URL: &str = "https://api.shop.example";

// ---------------------------------------------------------------------------------------------
// Helpers

pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .expect("repository root")
}

pub fn sample(name: &str) -> PathBuf {
    root().join("fixtures/sample").join(name)
}

/// A fresh directory under the system temp dir, removed on drop.
pub struct TempDir(PathBuf);

impl TempDir {
    pub fn new(tag: &str) -> TempDir {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let dir =
            std::env::temp_dir().join(format!("lampyr-cli-test-{}-{tag}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("create temp dir");
        TempDir(dir)
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }

    pub fn write(&self, name: &str, contents: impl AsRef<[u8]>) -> PathBuf {
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

pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

/// `lampyr!(arg, ...)`: runs the binary from the repository root; each argument is anything
/// that is `AsRef<OsStr>` (`&str`, `PathBuf`...).
#[allow(unused_macros)] // not every test file runs the binary with arguments only
macro_rules! lampyr {
    ($($arg:expr),* $(,)?) => {
        run_lampyr(&[$(&$arg as &dyn AsRef<std::ffi::OsStr>),*])
    };
}

pub fn run_lampyr(args: &[&dyn AsRef<OsStr>]) -> Run {
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

pub fn read_json(path: &Path) -> Value {
    let text = std::fs::read(path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
    serde_json::from_slice(&text).unwrap_or_else(|e| panic!("parse {}: {e}", path.display()))
}

/// Runs `lampyr analyze INPUTS... --report R --quiet [extra]`, asserts exit 0, returns the
/// report.
pub fn analyze(inputs: &[&Path], extra: &[&str]) -> Value {
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
pub fn har_entries(path: &Path) -> Vec<Value> {
    let har = read_json(path);
    har["log"]["entries"]
        .as_array()
        .expect("log.entries")
        .clone()
}

/// One request of the sample, reduced to what the tests look at.
#[derive(Debug, Clone)]
pub struct Req {
    pub method: String,
    /// Path without the query.
    pub path: String,
    /// Query parameter names in order.
    pub query: Vec<String>,
    /// GraphQL `operationName` of a JSON body, if any.
    pub operation_name: Option<String>,
    /// GraphQL document of a JSON body, if any.
    pub graphql_query: Option<String>,
}

pub fn split_url(url: &str) -> (String, Vec<String>) {
    let rest = url.strip_prefix(HOST_URL).unwrap_or(url);
    let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
    let names = query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| p.split('=').next().unwrap_or_default().to_string())
        .collect();
    (path.to_string(), names)
}

pub fn graphql_fields(body: Option<&str>) -> (Option<String>, Option<String>) {
    let Some(v) = body.and_then(|b| serde_json::from_str::<Value>(b).ok()) else {
        return (None, None);
    };
    (
        v["operationName"].as_str().map(str::to_string),
        v["query"].as_str().map(str::to_string),
    )
}

pub fn har_requests(path: &Path) -> Vec<Req> {
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

pub fn jsonl_requests(path: &Path) -> Vec<Req> {
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

pub fn endpoints(report: &Value) -> &Vec<Value> {
    report["endpoints"].as_array().expect("endpoints")
}

pub fn find<'r>(report: &'r Value, method: &str, path: &str) -> &'r Value {
    endpoints(report)
        .iter()
        .find(|e| e["method"] == method && e["path"] == path && e.get("operation").is_none())
        .unwrap_or_else(|| panic!("no endpoint {method} {path} in {:#?}", keys(report)))
}

/// (method, path, operation) of every endpoint.
pub fn keys(report: &Value) -> BTreeSet<(String, String, String)> {
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
pub fn inventory(report: &Value) -> Vec<(String, String, String, u64)> {
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

pub fn is_param(segment: &str) -> bool {
    segment.len() > 2 && segment.starts_with('{') && segment.ends_with('}')
}

/// Whether a concrete path fits a template (`{...}` matches one segment).
pub fn fits(template: &str, path: &str) -> bool {
    let t: Vec<&str> = template.split('/').collect();
    let p: Vec<&str> = path.split('/').collect();
    t.len() == p.len() && t.iter().zip(&p).all(|(t, p)| is_param(t) || t == p)
}

pub fn is_uuid(s: &str) -> bool {
    s.len() == 36
        && s.char_indices().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => c == '-',
            _ => c.is_ascii_hexdigit(),
        })
}

pub fn strings(v: &Value) -> BTreeSet<String> {
    v.as_array()
        .unwrap_or_else(|| panic!("expected an array, got {v}"))
        .iter()
        .map(|s| s.as_str().expect("string").to_string())
        .collect()
}

pub fn auth(e: &Value) -> BTreeSet<String> {
    strings(&e["auth"])
}

/// `Some(reason)` when the validator cannot run here; panics instead when validators are
/// required.
pub fn validator_missing(module: &str) -> Option<String> {
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
pub fn validate(script: &str, module: &str, args: &[&Path]) -> bool {
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
pub fn har_with(entries: Vec<Value>) -> String {
    let mut har = read_json(&sample("shop.har"));
    har["log"]["entries"] = Value::Array(entries);
    serde_json::to_string(&har).unwrap()
}

// ---------------------------------------------------------------------------------------------
// (a) what discovery finds in shop.har

/// A deterministic permutation (xorshift; no dependency needed).
pub fn shuffle<T>(items: &mut [T], mut seed: u64) {
    for i in (1..items.len()).rev() {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        items.swap(i, (seed % (i as u64 + 1)) as usize);
    }
}

pub mod sensitive;
