//! Discovery throughput: `observe` + `finish`, in exchanges per second.
//!
//! - `synthetic/*`: 20,000 realistic exchanges on 50 templates with id parameters (integers,
//!   UUIDs, prefixed ids, SHAs), query strings, typical headers and ~1 KB JSON response
//!   bodies (small JSON request bodies on writes).
//!   - `observe_finish`: a fresh engine observes them all, then templates the inventory;
//!   - `observe`: the same without `finish` (the engine is dropped), to split the cost;
//!   - `schema_sketch`: only the per-endpoint JSON schema sketch of every body
//!     (`SchemaSketch::observe_json_slice`), the schema-inference cost per exchange.
//! - `har/<name>` (`<name>`: the HAR's folder): the same `observe_finish` on every HAR named
//!   in `LAMPYR_BENCH_HAR` (paths separated by `:`), read with `lampyr-ingest` before timing.
//!   Skipped when the variable is unset.
//!
//! Criterion measures wall time by default; `LAMPYR_BENCH_CLOCK=cpu` measures the bench
//! thread's CPU time instead (exchanges per second per core, robust to a busy machine); its
//! groups are named `synthetic-cpu` and `har-cpu` so the two clocks never share a baseline.
//!
//! ```text
//! cargo bench -p lampyr-discovery --bench discovery -- --warm-up-time 1 --measurement-time 5
//! LAMPYR_BENCH_HAR=/path/a/traffic.har:/path/b/traffic.har cargo bench -p lampyr-discovery \
//!     --bench discovery -- har --warm-up-time 1 --measurement-time 5
//! ```

use std::collections::HashMap;
use std::hint::black_box;
use std::ops::ControlFlow;
use std::path::Path;

use criterion::measurement::{Measurement, ValueFormatter, WallTime};
use criterion::{BatchSize, Criterion, Throughput};
use lampyr_core::{Body, BodyLimits, Exchange, Response};
use lampyr_discovery::schema::SchemaSketch;
use lampyr_discovery::{Discovery, DiscoveryConfig};
use lampyr_ingest::{Format, Item, ReadOptions};

/// SplitMix64.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn pick(&mut self, alphabet: &[u8], len: usize) -> String {
        (0..len)
            .map(|_| alphabet[self.below(alphabet.len())] as char)
            .collect()
    }
}

const HEX: &[u8] = b"0123456789abcdef";
const ALNUM: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
const WORDS: &[&str] = &[
    "alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel", "india", "juliet",
    "kilo", "lima", "mike", "november", "oscar", "papa", "quebec", "romeo", "sierra", "tango",
];
const RESOURCES: &[&str] = &[
    "users",
    "orders",
    "customers",
    "invoices",
    "products",
    "carts",
    "payments",
    "refunds",
    "shipments",
    "warehouses",
    "suppliers",
    "coupons",
    "reviews",
    "tickets",
    "projects",
    "teams",
    "repos",
    "commits",
    "webhooks",
    "events",
    "files",
    "folders",
    "reports",
    "subscriptions",
    "plans",
];
const SUBRESOURCES: &[&str] = &[
    "items",
    "notes",
    "history",
    "members",
    "comments",
    "labels",
    "attachments",
    "status",
];

#[derive(Clone, Copy)]
enum Id {
    Int,
    Uuid,
    Prefixed(&'static str),
    Sha,
}

impl Id {
    fn value(self, rng: &mut Rng) -> String {
        match self {
            Id::Int => (1 + rng.below(50_000)).to_string(),
            Id::Uuid => {
                let h = rng.pick(HEX, 32);
                format!(
                    "{}-{}-{}-{}-{}",
                    &h[..8],
                    &h[8..12],
                    &h[12..16],
                    &h[16..20],
                    &h[20..]
                )
            }
            Id::Prefixed(p) => format!("{p}_{}", rng.pick(ALNUM, 14)),
            Id::Sha => {
                let mut h = rng.pick(HEX, 40).into_bytes();
                h[3] = b'7';
                h[9] = b'c';
                String::from_utf8(h).unwrap()
            }
        }
    }
}

/// One template of the synthetic API.
struct Template {
    method: &'static str,
    /// A literal, or an id slot.
    segments: Vec<Result<&'static str, Id>>,
    /// Response fields: (name, kind) with kind 0 string, 1 number, 2 bool, 3 nested, 4 array.
    fields: Vec<(String, u8)>,
}

/// 50 templates: collections, items, sub-collections and sub-items of 25 resources.
fn templates() -> Vec<Template> {
    let ids = [
        Id::Int,
        Id::Uuid,
        Id::Prefixed("cus"),
        Id::Prefixed("ord"),
        Id::Sha,
    ];
    let mut rng = Rng(42);
    let mut out = Vec::new();
    for (i, &r) in RESOURCES.iter().enumerate() {
        let id = ids[i % ids.len()];
        let sub = SUBRESOURCES[i % SUBRESOURCES.len()];
        let shapes: [(&str, Vec<Result<&str, Id>>); 2] = if i % 2 == 0 {
            [
                ("GET", vec![Ok("v1"), Ok(r), Err(id)]),
                ("GET", vec![Ok("v1"), Ok(r), Err(id), Ok(sub)]),
            ]
        } else {
            [
                (
                    ["POST", "PATCH", "DELETE", "PUT"][i / 2 % 4],
                    vec![Ok("v1"), Ok(r), Err(id)],
                ),
                ("GET", vec![Ok("v1"), Ok(r), Err(id), Ok(sub), Err(Id::Int)]),
            ]
        };
        for (method, segments) in shapes {
            let n = 20 + rng.below(10);
            let fields = (0..n)
                .map(|k| {
                    let name = format!("{}_{}", WORDS[rng.below(WORDS.len())], k);
                    (name, (rng.below(10) % 5) as u8)
                })
                .collect();
            out.push(Template {
                method,
                segments,
                fields,
            });
        }
    }
    assert_eq!(out.len(), 50);
    out
}

/// A JSON object of about 1 KB with the template's fields.
fn body(t: &Template, rng: &mut Rng) -> String {
    let mut s = String::with_capacity(1200);
    s.push('{');
    for (k, (name, kind)) in t.fields.iter().enumerate() {
        if k > 0 {
            s.push(',');
        }
        s.push('"');
        s.push_str(name);
        s.push_str("\":");
        match kind {
            0 => {
                let len = 8 + rng.below(40);
                s.push('"');
                s.push_str(&rng.pick(ALNUM, len));
                s.push('"');
            }
            1 => s.push_str(&rng.below(1_000_000).to_string()),
            2 => s.push_str(if rng.below(2) == 0 { "true" } else { "false" }),
            3 => s.push_str(&format!(
                "{{\"id\":{},\"name\":\"{}\",\"created_at\":\"2024-03-{:02}T10:{:02}:00Z\"}}",
                rng.below(10_000),
                WORDS[rng.below(WORDS.len())],
                1 + rng.below(28),
                rng.below(60)
            )),
            _ => {
                s.push('[');
                for j in 0..(1 + rng.below(3)) {
                    if j > 0 {
                        s.push(',');
                    }
                    s.push_str(&format!(
                        "{{\"key\":\"{}\",\"value\":{}}}",
                        WORDS[rng.below(WORDS.len())],
                        rng.below(100)
                    ));
                }
                s.push(']');
            }
        }
    }
    s.push('}');
    s
}

/// `n` exchanges drawn from the 50 templates.
fn synthetic(n: usize) -> (Vec<Exchange>, Vec<usize>) {
    let ts = templates();
    let mut rng = Rng(7);
    let mut exchanges = Vec::with_capacity(n);
    let mut which = Vec::with_capacity(n);
    for i in 0..n {
        let ti = rng.below(ts.len());
        let t = &ts[ti];
        let mut path = String::new();
        for seg in &t.segments {
            path.push('/');
            match seg {
                Ok(lit) => path.push_str(lit),
                Err(id) => path.push_str(&id.value(&mut rng)),
            }
        }
        let mut ex = Exchange::default();
        ex.request.method = t.method.into();
        ex.request.scheme = "https".into();
        ex.request.host = "api.example.com".into();
        ex.request.path = path;
        ex.request.query = match rng.below(4) {
            0 => None,
            1 => Some(format!("page={}&per_page=50", 1 + rng.below(20))),
            2 => Some(format!(
                "expand[]=owner&fields={},{}",
                t.fields[0].0, t.fields[1].0
            )),
            _ => Some(format!(
                "q={}&sort=-created_at&limit=100",
                WORDS[rng.below(WORDS.len())]
            )),
        };
        for (name, value) in [
            ("Host", "api.example.com".to_string()),
            (
                "User-Agent",
                "Mozilla/5.0 (X11; Linux x86_64) bench/1.0".into(),
            ),
            ("Accept", "application/json".into()),
            ("Accept-Encoding", "gzip, deflate, br".into()),
            ("Authorization", format!("Bearer {}", rng.pick(ALNUM, 40))),
        ] {
            ex.request.headers.append(name, value);
        }
        let status = match t.method {
            "POST" => 201,
            "DELETE" => 204,
            _ if rng.below(50) == 0 => 404,
            _ => 200,
        };
        if matches!(t.method, "POST" | "PATCH" | "PUT") {
            let req = format!(
                "{{\"{}\":\"{}\",\"{}\":{}}}",
                t.fields[0].0,
                rng.pick(ALNUM, 12),
                t.fields[1].0,
                rng.below(100)
            );
            ex.request
                .headers
                .append("Content-Type", "application/json");
            ex.request.body = Body::capture(req.into_bytes(), BodyLimits::default());
        }
        let mut r = Response {
            status,
            version: "HTTP/1.1".into(),
            ..Response::default()
        };
        r.headers
            .append("Content-Type", "application/json; charset=utf-8");
        r.headers.append("Date", "Mon, 18 Mar 2024 19:12:25 GMT");
        r.headers.append("X-Request-Id", rng.pick(HEX, 32));
        if status != 204 {
            r.body = Body::capture(body(t, &mut rng).into_bytes(), BodyLimits::default());
        }
        ex.response = Some(r);
        ex.timing.started_us = Some(1_710_000_000_000_000 + i as i64 * 1_000);
        ex.timing.duration_ms = Some(5.0 + rng.below(200) as f64);
        ex.source.index = i as u64;
        exchanges.push(ex);
        which.push(ti);
    }
    (exchanges, which)
}

fn discover(exchanges: &[Exchange]) -> usize {
    let mut d = Discovery::new(DiscoveryConfig::default());
    for ex in exchanges {
        d.observe(ex);
    }
    d.finish().endpoints.len()
}

fn load_har(path: &Path) -> Vec<Exchange> {
    let mut out = Vec::new();
    lampyr_ingest::read_path(path, Format::Auto, &ReadOptions::default(), |item| {
        if let Item::Exchange(ex) = item {
            out.push(*ex);
        }
        ControlFlow::Continue(())
    })
    .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    out
}

fn bench_synthetic<M: Measurement + 'static>(c: &mut Criterion<M>, suffix: &str) {
    let (exchanges, which) = synthetic(20_000);
    let bytes: usize = exchanges
        .iter()
        .filter_map(|e| e.response.as_ref())
        .map(|r| r.body.len())
        .sum();
    eprintln!(
        "synthetic: {} exchanges, mean response body {} bytes, {} endpoints",
        exchanges.len(),
        bytes / exchanges.len(),
        discover(&exchanges)
    );
    let mut g = c.benchmark_group(format!("synthetic{suffix}"));
    g.throughput(Throughput::Elements(exchanges.len() as u64));
    g.sample_size(10);
    g.bench_function("observe_finish", |b| {
        b.iter(|| black_box(discover(black_box(&exchanges))))
    });
    g.bench_function("observe", |b| {
        b.iter_batched(
            || Discovery::new(DiscoveryConfig::default()),
            |mut d| {
                for ex in &exchanges {
                    d.observe(black_box(ex));
                }
                d
            },
            BatchSize::LargeInput,
        )
    });
    g.bench_function("schema_sketch", |b| {
        b.iter(|| {
            // One sketch per endpoint, as discovery would keep.
            let mut sketches: HashMap<usize, SchemaSketch> = HashMap::new();
            for (ex, t) in exchanges.iter().zip(&which) {
                if let Some(r) = &ex.response {
                    if !r.body.is_empty() {
                        let _ = sketches
                            .entry(*t)
                            .or_default()
                            .observe_json_slice(r.body.bytes());
                    }
                }
            }
            black_box(sketches.len())
        })
    });
    g.finish();
}

fn bench_har<M: Measurement + 'static>(c: &mut Criterion<M>, suffix: &str) {
    let Some(paths) = std::env::var_os("LAMPYR_BENCH_HAR") else {
        return;
    };
    let mut g = c.benchmark_group(format!("har{suffix}"));
    g.sample_size(10);
    for path in std::env::split_paths(&paths) {
        let exchanges = load_har(&path);
        let name = path
            .parent()
            .and_then(|p| p.file_name())
            .or(path.file_name())
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let bytes: usize = exchanges
            .iter()
            .filter_map(|e| e.response.as_ref())
            .map(|r| r.body.len())
            .sum();
        eprintln!(
            "har{suffix}/{name}: {} exchanges, mean response body {} bytes, {} endpoints",
            exchanges.len(),
            bytes / exchanges.len().max(1),
            discover(&exchanges)
        );
        g.throughput(Throughput::Elements(exchanges.len() as u64));
        g.bench_function(&name, |b| {
            b.iter(|| black_box(discover(black_box(&exchanges))))
        });
    }
    g.finish();
}

/// Thread CPU time (`CLOCK_THREAD_CPUTIME_ID`): what one core spends, whatever else runs on
/// the machine. Selected with `LAMPYR_BENCH_CLOCK=cpu`.
struct CpuTime(WallTime);

#[cfg(target_os = "linux")]
fn thread_cpu_ns() -> u64 {
    #[repr(C)]
    struct Timespec {
        tv_sec: i64,
        tv_nsec: i64,
    }
    extern "C" {
        fn clock_gettime(clock: i32, tp: *mut Timespec) -> i32;
    }
    const CLOCK_THREAD_CPUTIME_ID: i32 = 3;
    let mut t = Timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `t` is a valid, writable timespec; the clock id is a Linux constant.
    let rc = unsafe { clock_gettime(CLOCK_THREAD_CPUTIME_ID, &mut t) };
    assert_eq!(rc, 0, "clock_gettime(CLOCK_THREAD_CPUTIME_ID)");
    t.tv_sec as u64 * 1_000_000_000 + t.tv_nsec as u64
}

#[cfg(target_os = "linux")]
impl Measurement for CpuTime {
    type Intermediate = u64;
    type Value = std::time::Duration;

    fn start(&self) -> u64 {
        thread_cpu_ns()
    }
    fn end(&self, start: u64) -> std::time::Duration {
        std::time::Duration::from_nanos(thread_cpu_ns() - start)
    }
    fn add(&self, a: &Self::Value, b: &Self::Value) -> Self::Value {
        *a + *b
    }
    fn zero(&self) -> Self::Value {
        std::time::Duration::ZERO
    }
    fn to_f64(&self, value: &Self::Value) -> f64 {
        value.as_nanos() as f64
    }
    fn formatter(&self) -> &dyn ValueFormatter {
        self.0.formatter()
    }
}

fn main() {
    let cpu = std::env::var("LAMPYR_BENCH_CLOCK").is_ok_and(|v| v == "cpu");
    if cpu && cfg!(target_os = "linux") {
        #[cfg(target_os = "linux")]
        {
            let mut c = Criterion::default()
                .with_measurement(CpuTime(WallTime))
                .configure_from_args();
            bench_synthetic(&mut c, "-cpu");
            bench_har(&mut c, "-cpu");
            c.final_summary();
        }
    } else {
        let mut c = Criterion::default().configure_from_args();
        bench_synthetic(&mut c, "");
        bench_har(&mut c, "");
        c.final_summary();
    }
}
