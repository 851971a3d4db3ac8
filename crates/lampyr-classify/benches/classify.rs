//! Classification throughput (MB/s of request and response bodies, headers and URLs) on the
//! pii-dev corpus, against a naive baseline that runs one regex per detector over each body.
//!
//! `cargo bench -p lampyr-classify --bench classify` (set `PII_HAR` to another HAR file; without
//! the corpus a generated sample is used). `LAMPYR_BENCH_CLOCK=cpu` is not needed here: the
//! figures are compared with the baseline measured in the same run.

use std::path::PathBuf;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use lampyr_classify::{Classifier, ClassifyOptions};
use lampyr_core::Exchange;
use regex::Regex;

fn corpus() -> Vec<Exchange> {
    let path = std::env::var_os("PII_HAR")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR"))
                .join("../../../shared/corpora/pii-dev/traffic.har")
        });
    let mut out = Vec::new();
    if path.exists() {
        let opts = lampyr_ingest::ReadOptions::default();
        let _ = lampyr_ingest::read_path(&path, lampyr_ingest::Format::Har, &opts, |item| {
            if let lampyr_ingest::Item::Exchange(ex) = item {
                out.push(*ex);
            }
            std::ops::ControlFlow::Continue(())
        });
    }
    if out.is_empty() {
        eprintln!(
            "corpus not found at {}; using a generated sample",
            path.display()
        );
        for i in 0..2000u64 {
            let mut ex = Exchange::default();
            ex.request.path = format!("/api/users/{i}");
            let body = format!(
                r#"{{"data":{{"list":[{{"name":"张伟","idCard":"11010519491231002X","mobile":"1381234{:04}","email":"u{i}@example.com","orderNo":"2024{:012}","remark":"请尽快处理，谢谢"}}]}}}}"#,
                i % 10000,
                i
            );
            let mut resp = lampyr_core::Response {
                status: 200,
                ..Default::default()
            };
            resp.headers.append("content-type", "application/json");
            resp.body = lampyr_core::Body::from_parts(body.into_bytes(), false, 0);
            ex.response = Some(resp);
            out.push(ex);
        }
    }
    out
}

fn bytes_of(ex: &Exchange) -> u64 {
    let mut n = ex.request.path.len() + ex.request.query.as_deref().map_or(0, str::len);
    n += ex.request.body.len();
    for (k, v) in ex.request.headers.iter() {
        n += k.len() + v.len();
    }
    if let Some(r) = &ex.response {
        n += r.body.len();
        for (k, v) in r.headers.iter() {
            n += k.len() + v.len();
        }
    }
    n as u64
}

/// One regex per detector, each run over the whole text: what a classifier without a shared
/// prefilter does.
fn naive_patterns() -> Vec<Regex> {
    [
        r"\b[1-9]\d{5}(?:18|19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}[\dXx]\b",
        r"\b1[3-9]\d{9}\b",
        r"\b0\d{2,3}-?[2-8]\d{6,7}\b",
        r"\b(?:62|4|5[1-5]|2[2-7]|3[47]|35)\d{11,17}\b",
        r"\b[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}\b",
        r"\b[EG]\d{8}\b",
        r"\b[CHM]\d{8}\b",
        r"\bL\d{8}\b",
        r"[\p{Han}]字第\w{4,8}号",
        r"[京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼][A-HJ-NP-Z][A-HJ-NP-Z0-9]{4,5}",
        r"\b(?:MR|ZY)\d{6,10}\b",
        r"[\p{Han}]{2,}(?:省|市|区|县)[\p{Han}\d]+(?:路|街|号)",
        r"[\p{Han}]{2,4}",
        r"[\w.+-]+@[\w-]+\.[\w.]+",
        r"\+\d{1,3}[\s-]?\d{4,14}",
        r"\b\d{3}-\d{2}-\d{4}\b",
        r"\b[A-Z]{2}\d{2}[A-Z0-9]{11,30}\b",
        r"\b[A-Z0-9]{6,9}\b",
        r"\b(?:\d{1,3}\.){3}\d{1,3}\b",
        r"\b[0-9a-fA-F:]{2,39}::?[0-9a-fA-F:]{2,39}\b",
        r"\b(?:[0-9A-Fa-f]{2}[:-]){5}[0-9A-Fa-f]{2}\b",
        r"\b\d{15}\b",
        r"eyJ[\w-]+\.[\w-]+\.[\w-]*",
        r"\b(?:AKIA|ASIA)[A-Z0-9]{16}\b|\bgh[pousr]_\w{36}\b|sk_live_\w+|whsec_\w+",
        r#""(?:password|pwd|passwd)"\s*:\s*"[^"]*""#,
        r"\b[A-Z][a-z]+ [A-Z][a-z]+\b",
        r"\b(?:19|20)\d{2}-\d{2}-\d{2}\b",
        r"\b[A-TV-Z]\d{2}(?:\.\d{1,4})?\b",
        r"-?\d{1,3}\.\d{4,}",
    ]
    .iter()
    .map(|p| Regex::new(p).expect("pattern"))
    .collect()
}

fn bench(c: &mut Criterion) {
    let exchanges = corpus();
    let total: u64 = exchanges.iter().map(bytes_of).sum();
    let mut group = c.benchmark_group("classify");
    group.throughput(Throughput::Bytes(total));
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(10));
    // A fresh classifier per pass: its caches (key analyses, the value memo) start cold, as
    // for a new process. The headline figure.
    group.bench_function("lampyr_scan", |b| {
        b.iter(|| {
            let mut classifier = Classifier::new(&ClassifyOptions::default());
            let mut n = 0usize;
            for ex in &exchanges {
                let scan = classifier.scan(ex);
                n += scan.fields.len();
                classifier.recycle(scan);
            }
            n
        })
    });
    // One classifier over repeated passes: what a long-running pipeline sees once tokens,
    // enum values and repeated records are in the memo. Overstates a single pass.
    group.bench_function("lampyr_scan_warm", |b| {
        let mut classifier = Classifier::new(&ClassifyOptions::default());
        b.iter(|| {
            let mut n = 0usize;
            for ex in &exchanges {
                let scan = classifier.scan(ex);
                n += scan.fields.len();
                classifier.recycle(scan);
            }
            n
        })
    });
    let patterns = naive_patterns();
    let texts: Vec<String> = exchanges
        .iter()
        .map(|ex| {
            let mut t = ex.request.path.clone();
            t.push_str(ex.request.query.as_deref().unwrap_or(""));
            for (k, v) in ex.request.headers.iter() {
                t.push_str(k);
                t.push_str(v);
            }
            t.push_str(&String::from_utf8_lossy(ex.request.body.bytes()));
            if let Some(r) = &ex.response {
                for (k, v) in r.headers.iter() {
                    t.push_str(k);
                    t.push_str(v);
                }
                t.push_str(&String::from_utf8_lossy(r.body.bytes()));
            }
            t
        })
        .collect();
    group.bench_function("naive_regex_per_detector", |b| {
        b.iter(|| {
            let mut n = 0usize;
            for t in &texts {
                for p in &patterns {
                    n += p.find_iter(t).count();
                }
            }
            n
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
