//! Scores the attack inspector on the CRS regression corpus and on benign API traffic.
//!
//! ```text
//! cargo run --release -p lampyr-detect --example crs_eval -- CRS_DIR [--paranoia N]
//!     [--family F] [--show-misses] [--show-fp] [--benign FILE.har|DIR ...] [--json OUT]
//!     [--dump OUT]
//! ```
//!
//! Per family: attack cases detected (all, and those whose CRS rule is PL1–PL2) and benign
//! cases flagged. `--benign` reads HAR files (a directory is searched for `*.har`) and reports
//! the share of exchanges flagged: the real false-positive rate on API traffic. `--dump` writes
//! one line per request (case id or HAR entry) with every hit, scored or detection-only, and
//! its placement: two dumps diffed show exactly what a change to the inspector altered.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

use lampyr_core::{Body, Headers, Request};
use lampyr_detect::{InspectConfig, Inspector};
use serde_json::Value;

/// Families that carry attack payloads (the headline set of the research note).
const PAYLOAD_FAMILIES: &[&str] = &[
    "sqli",
    "xss",
    "rce",
    "lfi",
    "rfi",
    "php",
    "java",
    "generic",
    "session-fixation",
];

#[derive(Default, serde::Serialize)]
struct Row {
    attacks: u64,
    detected: u64,
    attacks_pl12: u64,
    detected_pl12: u64,
    benign: u64,
    flagged: u64,
}

fn main() {
    let mut args = std::env::args().skip(1);
    let mut dir = None;
    let mut paranoia = 1u8;
    let mut only = None;
    let mut show_misses = false;
    let mut show_fp = false;
    let mut benign_paths = Vec::new();
    let mut json_out = None;
    let mut dump_out = None;
    while let Some(a) = args.next() {
        match a.as_str() {
            "--paranoia" => paranoia = args.next().and_then(|v| v.parse().ok()).expect("N"),
            "--family" => only = args.next(),
            "--show-misses" => show_misses = true,
            "--show-fp" => show_fp = true,
            "--benign" => benign_paths.push(PathBuf::from(args.next().expect("path"))),
            "--json" => json_out = args.next(),
            "--dump" => dump_out = args.next(),
            _ => dir = Some(PathBuf::from(a)),
        }
    }
    let dir = dir.expect("usage: crs_eval CRS_DIR [options]");
    let inspector = Inspector::new(InspectConfig {
        paranoia,
        ..InspectConfig::default()
    })
    .expect("rules compile");

    let mut rows: BTreeMap<String, Row> = BTreeMap::new();
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("CRS dir")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "jsonl"))
        .collect();
    files.sort();
    let mut inspected = 0u64;
    let mut dump = String::new();
    let started = Instant::now();
    for file in files {
        let family = file.file_stem().unwrap().to_string_lossy().to_string();
        if family.starts_with("response-") || only.as_ref().is_some_and(|f| f != &family) {
            continue;
        }
        let text = std::fs::read_to_string(&file).expect("readable");
        for line in text.lines().filter(|l| !l.trim().is_empty()) {
            let case: Value = serde_json::from_str(line).expect("JSON line");
            let req = request_of(&case);
            let verdict = inspector.inspect(&req);
            inspected += 1;
            dump_line(&mut dump, case["id"].as_str().unwrap_or(""), &verdict);
            let row = rows.entry(family.clone()).or_default();
            let pl = case["paranoia_level"].as_u64().unwrap_or(1);
            let flagged = verdict.is_attack();
            if case["expect"] == "attack" {
                row.attacks += 1;
                row.detected += u64::from(flagged);
                if pl <= 2 {
                    row.attacks_pl12 += 1;
                    row.detected_pl12 += u64::from(flagged);
                }
                if !flagged && show_misses {
                    println!(
                        "MISS {} PL{pl} {} {} | {}",
                        case["id"].as_str().unwrap_or(""),
                        case["desc"].as_str().unwrap_or(""),
                        case["uri"].as_str().unwrap_or(""),
                        case["body"]
                            .as_str()
                            .unwrap_or("")
                            .chars()
                            .take(200)
                            .collect::<String>()
                    );
                }
            } else {
                row.benign += 1;
                row.flagged += u64::from(flagged);
                if flagged && show_fp {
                    println!(
                        "FP {} {} {:?}",
                        case["id"].as_str().unwrap_or(""),
                        case["uri"].as_str().unwrap_or(""),
                        verdict
                            .hits
                            .iter()
                            .map(|h| format!(
                                "{}@{}:{} {}",
                                h.rule,
                                h.placement.location.as_str(),
                                h.placement.field,
                                h.fragment
                            ))
                            .collect::<Vec<_>>()
                    );
                }
            }
        }
    }
    let crs_secs = started.elapsed().as_secs_f64();

    println!("\nparanoia {paranoia}");
    println!(
        "{:<22} {:>14} {:>8} {:>14} {:>8} {:>12}",
        "family", "attacks", "rate", "PL1-2", "rate", "benign FP"
    );
    let mut payload = Row::default();
    let mut all = Row::default();
    for (family, r) in &rows {
        print_row(family, r);
        let is_payload = PAYLOAD_FAMILIES.contains(&family.as_str());
        for t in [Some(&mut all), is_payload.then_some(&mut payload)]
            .into_iter()
            .flatten()
        {
            t.attacks += r.attacks;
            t.detected += r.detected;
            t.attacks_pl12 += r.attacks_pl12;
            t.detected_pl12 += r.detected_pl12;
            t.benign += r.benign;
            t.flagged += r.flagged;
        }
    }
    print_row("PAYLOAD FAMILIES", &payload);
    print_row("ALL (request side)", &all);
    println!(
        "CRS cases: {inspected} in {crs_secs:.3}s = {:.0} requests/s (one thread)",
        inspected as f64 / crs_secs
    );

    let mut benign_summary = Vec::new();
    for path in &benign_paths {
        for har in har_files(path) {
            let (n, flagged, secs) = benign_run(&inspector, &har, show_fp, &mut dump);
            println!(
                "benign {}: {flagged}/{n} flagged ({:.3} %), {:.0} exchanges/s",
                har.display(),
                100.0 * flagged as f64 / n.max(1) as f64,
                n as f64 / secs
            );
            benign_summary.push((har.display().to_string(), n, flagged));
        }
    }
    if !benign_summary.is_empty() {
        let n: u64 = benign_summary.iter().map(|b| b.1).sum();
        let f: u64 = benign_summary.iter().map(|b| b.2).sum();
        println!(
            "BENIGN TOTAL: {f}/{n} flagged ({:.3} %)",
            100.0 * f as f64 / n.max(1) as f64
        );
    }
    if let Some(out) = dump_out {
        std::fs::write(out, dump).expect("write dump");
    }
    if let Some(out) = json_out {
        let v = serde_json::json!({
            "paranoia": paranoia,
            "families": rows,
            "payload": payload,
            "all": all,
            "benign": benign_summary,
        });
        std::fs::write(out, serde_json::to_string_pretty(&v).unwrap()).expect("write JSON");
    }
}

fn print_row(name: &str, r: &Row) {
    let pct = |a: u64, b: u64| {
        if b == 0 {
            "-".to_string()
        } else {
            format!("{:.1}%", 100.0 * a as f64 / b as f64)
        }
    };
    println!(
        "{:<22} {:>14} {:>8} {:>14} {:>8} {:>12}",
        name,
        format!("{}/{}", r.detected, r.attacks),
        pct(r.detected, r.attacks),
        format!("{}/{}", r.detected_pl12, r.attacks_pl12),
        pct(r.detected_pl12, r.attacks_pl12),
        format!("{}/{} {}", r.flagged, r.benign, pct(r.flagged, r.benign)),
    );
}

/// The request a CRS case puts on the wire (as go-ftw sends it).
fn request_of(case: &Value) -> Request {
    let uri = case["uri"].as_str().unwrap_or("/");
    let (path, query) = match uri.split_once('?') {
        Some((p, q)) => (p.to_string(), Some(q.to_string())),
        None => (uri.to_string(), None),
    };
    let mut headers = Headers::new();
    let mut host = String::new();
    if let Some(obj) = case["headers"].as_object() {
        for (k, v) in obj {
            let v = v.as_str().unwrap_or("");
            if k.eq_ignore_ascii_case("host") {
                host = v.to_ascii_lowercase();
            }
            headers.append(k.clone(), v);
        }
    }
    let body = case["body"]
        .as_str()
        .map(|b| Body::from_parts(b.as_bytes().to_vec(), false, b.len() as u64))
        .unwrap_or_else(Body::empty);
    Request {
        method: case["method"].as_str().unwrap_or("GET").to_string(),
        scheme: "http".into(),
        host,
        port: None,
        path: if path.is_empty() { "/".into() } else { path },
        query,
        version: case["version"].as_str().unwrap_or("HTTP/1.1").to_string(),
        headers,
        body,
    }
}

fn har_files(path: &Path) -> Vec<PathBuf> {
    if path.is_file() {
        return vec![path.to_path_buf()];
    }
    let mut out = Vec::new();
    let mut stack = vec![path.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|e| e == "har") {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

fn benign_run(
    inspector: &Inspector,
    har: &Path,
    show_fp: bool,
    dump: &mut String,
) -> (u64, u64, f64) {
    let mut exchanges = Vec::new();
    lampyr_ingest::read_path(
        har,
        lampyr_ingest::Format::Har,
        &lampyr_ingest::ReadOptions::default(),
        |item| {
            if let lampyr_ingest::Item::Exchange(ex) = item {
                exchanges.push(*ex);
            }
            std::ops::ControlFlow::Continue(())
        },
    )
    .expect("readable HAR");
    let started = Instant::now();
    let mut flagged = 0;
    for (i, ex) in exchanges.iter().enumerate() {
        let v = inspector.inspect(&ex.request);
        dump_line(dump, &format!("{}#{i}", har.display()), &v);
        if v.is_attack() {
            flagged += 1;
            if show_fp {
                println!(
                    "FP {}#{i} {} {} {:?}",
                    har.display(),
                    ex.request.method,
                    ex.request.path,
                    v.hits
                        .iter()
                        .map(|h| format!(
                            "{}@{}:{} {}",
                            h.rule,
                            h.placement.location.as_str(),
                            h.placement.field,
                            h.fragment
                        ))
                        .collect::<Vec<_>>()
                );
            }
        }
    }
    (
        exchanges.len() as u64,
        flagged,
        started.elapsed().as_secs_f64(),
    )
}

/// One dump line: the request's name, its score, then every hit (`-` before detection-only
/// ones) as `rule@location:field`, sorted.
fn dump_line(out: &mut String, name: &str, v: &lampyr_detect::Verdict) {
    use std::fmt::Write as _;
    let mut hits: Vec<String> = v
        .hits
        .iter()
        .map(|h| (h, ""))
        .chain(v.detection_only.iter().map(|h| (h, "-")))
        .map(|(h, mark)| {
            format!(
                "{mark}{}@{}:{}{}",
                h.rule,
                h.placement.location.as_str(),
                h.placement.field,
                if h.from_base64 { "(b64)" } else { "" }
            )
        })
        .collect();
    hits.sort();
    let _ = writeln!(out, "{name}\t{}\t{}", v.score, hits.join(" "));
}
