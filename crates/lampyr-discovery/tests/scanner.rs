//! Discovery under a path scanner: a small real API (10 endpoints, 2,000 exchanges answered
//! 200) interleaved with a scanner sending random paths.
//!
//! - 404 scanner: random paths of depth 1–4 made of random alphanumeric segments, all 404.
//!   The real endpoints must keep their exact templates and hits (no false merge), the
//!   inventory must stay small, and `inv.noise` must account for the scanner.
//! - 200 scanner under `/files/<random>`: the values must collapse into one parameterised
//!   template, and with a small `TrieLimits` the tree, the endpoint count and the heap stay
//!   bounded whatever the number of values.
//!
//! Exchanges are generated on the fly and observed one by one: a million of them are never
//! held at once. A counting global allocator reports the live and peak heap of discovery; the
//! tests of this file run one at a time (a lock) so that figure is theirs alone.

use std::alloc::{GlobalAlloc, Layout, System};
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::Instant;

use lampyr_core::{Body, BodyLimits, Exchange, Response};
use lampyr_discovery::{
    Discovery, DiscoveryConfig, Inventory, PathTemplate, TemplateSegment, TrieLimits,
};

// ---------------------------------------------------------------------------------------------
// Heap accounting.

struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = System.alloc(layout);
        if !p.is_null() {
            let now = LIVE.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
            PEAK.fetch_max(now, Ordering::Relaxed);
        }
        p
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        System.dealloc(ptr, layout);
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let p = System.realloc(ptr, layout, new_size);
        if !p.is_null() {
            if new_size >= layout.size() {
                let now = LIVE.fetch_add(new_size - layout.size(), Ordering::Relaxed) + new_size
                    - layout.size();
                PEAK.fetch_max(now, Ordering::Relaxed);
            } else {
                LIVE.fetch_sub(layout.size() - new_size, Ordering::Relaxed);
            }
        }
        p
    }
}

#[global_allocator]
static ALLOC: Counting = Counting;

/// One test at a time, so the heap figures belong to the test that reads them.
static SERIAL: Mutex<()> = Mutex::new(());

const MIB: usize = 1 << 20;

/// Peak heap past which a run with default limits has clearly run away (the figures measured
/// are printed by every run: `--nocapture`).
const RUNAWAY: usize = 512 * MIB;

/// A generous heap budget for a tree at its caps: 8 KiB per leaf (endpoint data with its
/// statistics and sketches), 1 KiB per node, plus 32 MiB for everything else.
fn limits_budget(limits: &TrieLimits) -> usize {
    limits.max_leaves * 8 * 1024 + limits.max_nodes * 1024 + 32 * MIB
}

// ---------------------------------------------------------------------------------------------
// Generators.

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
const HOST: &str = "api.shop.example";

/// The real API: `(method, template, response fields)`. Parameters are written `{kind}`.
const REAL: &[(&str, &str, &[&str])] = &[
    ("GET", "/users", &["items", "next_cursor"]),
    ("POST", "/users", &["id", "email", "created_at"]),
    ("GET", "/users/{int}", &["id", "email", "display_name"]),
    ("GET", "/users/me", &["id", "email", "plan", "quota"]),
    ("GET", "/users/{int}/orders", &["orders", "total"]),
    ("GET", "/orders/{uuid}", &["order_id", "lines", "status"]),
    ("PATCH", "/orders/{uuid}", &["order_id", "lines", "status"]),
    ("GET", "/customers/{cus}", &["customer", "balance"]),
    ("DELETE", "/customers/{cus}/cards/{card}", &["deleted"]),
    ("GET", "/commits/{sha}", &["sha", "author", "message"]),
];

fn real_value(kind: &str, rng: &mut Rng) -> String {
    match kind {
        "int" => (1 + rng.below(400)).to_string(),
        "uuid" => {
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
        "cus" => format!("cus_{}", rng.pick(ALNUM, 14)),
        "card" => format!("card_{}", rng.pick(ALNUM, 14)),
        "sha" => {
            let mut h = rng.pick(HEX, 40).into_bytes();
            h[0] = b'a';
            h[1] = b'7';
            String::from_utf8(h).unwrap()
        }
        other => panic!("unknown kind {other}"),
    }
}

fn exchange(method: &str, path: String, status: u16, body: Option<String>, index: u64) -> Exchange {
    let mut ex = Exchange::default();
    ex.request.method = method.to_string();
    ex.request.scheme = "https".into();
    ex.request.host = HOST.into();
    ex.request.path = path;
    let mut r = Response {
        status,
        version: "HTTP/1.1".into(),
        ..Response::default()
    };
    if let Some(b) = body {
        r.headers.append("Content-Type", "application/json");
        r.body = Body::capture(b.into_bytes(), BodyLimits::default());
    }
    ex.response = Some(r);
    ex.timing.started_us = Some(1_700_000_000_000_000 + index as i64 * 100);
    ex.timing.duration_ms = Some(12.5);
    ex.source.index = index;
    ex
}

/// One real exchange on endpoint `e`.
fn real_exchange(e: usize, rng: &mut Rng, index: u64) -> Exchange {
    let (method, template, fields) = REAL[e];
    let mut path = String::new();
    for seg in template.split('/').filter(|s| !s.is_empty()) {
        path.push('/');
        match seg.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
            Some(kind) => path.push_str(&real_value(kind, rng)),
            None => path.push_str(seg),
        }
    }
    let body = format!(
        "{{{}}}",
        fields
            .iter()
            .map(|f| format!("\"{f}\":{}", rng.below(1000)))
            .collect::<Vec<_>>()
            .join(",")
    );
    exchange(method, path, 200, Some(body), index)
}

/// A random path of depth 1–4 with random alphanumeric segments (3–12 characters).
fn scanner_path(rng: &mut Rng) -> String {
    let depth = 1 + rng.below(4);
    let mut path = String::new();
    for _ in 0..depth {
        path.push('/');
        let len = 3 + rng.below(10);
        path.push_str(&rng.pick(ALNUM, len));
    }
    path
}

/// What the scanner sends.
#[derive(Clone, Copy)]
enum Scanner {
    /// Random paths, answered 404.
    NotFound,
    /// `/files/<random>`, answered 200 with a small JSON body.
    Files,
}

struct Outcome {
    inv: Inventory,
    real_hits: BTreeMap<(String, String), u64>,
    scanner_sent: u64,
    /// Live heap held by discovery just before `finish` (bytes).
    live_before_finish: usize,
    /// Peak heap from the start of the run to the end of `finish` (bytes).
    peak: usize,
}

/// Observes `scanner_sent` scanner exchanges with `REAL_EXCHANGES` real ones spread among them
/// at random, generated one at a time.
fn run(scanner: Scanner, scanner_sent: u64, limits: TrieLimits, seed: u64) -> Outcome {
    const REAL_EXCHANGES: u64 = 2_000;
    let mut rng = Rng(seed);
    let mut values = Rng(seed ^ 0xfeed);
    let base = LIVE.load(Ordering::Relaxed);
    PEAK.store(base, Ordering::Relaxed);
    let started = Instant::now();
    let mut d = Discovery::new(DiscoveryConfig {
        limits,
        ..DiscoveryConfig::default()
    });
    let total = scanner_sent + REAL_EXCHANGES;
    let mut real_left = REAL_EXCHANGES;
    let mut real_hits: BTreeMap<(String, String), u64> = BTreeMap::new();
    for index in 0..total {
        let left = total - index;
        // Real traffic spread uniformly over the run.
        let is_real = (rng.next() % left) < real_left;
        if is_real {
            real_left -= 1;
            // Every endpoint early on, then at random.
            let e = if real_left >= REAL_EXCHANGES - REAL.len() as u64 {
                (REAL_EXCHANGES - 1 - real_left) as usize
            } else {
                values.below(REAL.len())
            };
            *real_hits
                .entry((REAL[e].0.to_string(), normalize(REAL[e].1)))
                .or_default() += 1;
            d.observe(&real_exchange(e, &mut values, index));
        } else {
            let ex = match scanner {
                Scanner::NotFound => {
                    let body = Some("{\"error\":\"not found\"}".to_string());
                    exchange("GET", scanner_path(&mut rng), 404, body, index)
                }
                Scanner::Files => {
                    let len = 3 + rng.below(10);
                    let path = format!("/files/{}", rng.pick(ALNUM, len));
                    let body = Some(format!("{{\"name\":\"f\",\"size\":{}}}", rng.below(9999)));
                    exchange("GET", path, 200, body, index)
                }
            };
            d.observe(&ex);
        }
    }
    let observed_in = started.elapsed();
    let live_before_finish = LIVE.load(Ordering::Relaxed).saturating_sub(base);
    let inv = d.finish();
    let peak = PEAK.load(Ordering::Relaxed).saturating_sub(base);
    eprintln!(
        "{} scanner + {} real exchanges: observe {:.1?}, finish {:.1?}; {} endpoints, noise {}, \
         dropped {}; heap {:.1} MiB before finish, peak {:.1} MiB",
        scanner_sent,
        REAL_EXCHANGES,
        observed_in,
        started.elapsed() - observed_in,
        inv.endpoints.len(),
        inv.noise,
        inv.dropped_by_limits,
        live_before_finish as f64 / MIB as f64,
        peak as f64 / MIB as f64,
    );
    Outcome {
        inv,
        real_hits,
        scanner_sent,
        live_before_finish,
        peak,
    }
}

/// `/users/{int}` → `/users/{}`.
fn normalize(template: &str) -> String {
    template
        .split('/')
        .filter(|s| !s.is_empty())
        .map(|s| {
            if s.starts_with('{') {
                "/{}".to_string()
            } else {
                format!("/{s}")
            }
        })
        .collect()
}

fn normalized(t: &PathTemplate) -> String {
    let s: String = t
        .segments()
        .iter()
        .map(|s| match s {
            TemplateSegment::Literal { text } => format!("/{text}"),
            TemplateSegment::Param { .. } => "/{}".to_string(),
        })
        .collect();
    if s.is_empty() {
        "/".into()
    } else {
        s
    }
}

fn listing(inv: &Inventory) -> String {
    inv.endpoints
        .iter()
        .take(40)
        .map(|e| {
            format!(
                "  {} {} hits={} routed={}\n",
                e.method, e.template, e.data.traffic.hits, e.data.traffic.routed_hits
            )
        })
        .collect()
}

/// Every real endpoint is in the inventory with its exact template and exactly its own hits:
/// no scanner path merged into it, and it was not merged into anything.
fn assert_real_endpoints_exact(out: &Outcome) {
    for ((method, template), hits) in &out.real_hits {
        let found: Vec<_> = out
            .inv
            .endpoints
            .iter()
            .filter(|e| {
                e.host == HOST && &e.method == method && &normalized(&e.template) == template
            })
            .collect();
        assert_eq!(
            found.len(),
            1,
            "{method} {template} not found exactly once; inventory:\n{}",
            listing(&out.inv)
        );
        assert_eq!(
            found[0].data.traffic.hits, *hits,
            "{method} {} has foreign or missing hits",
            found[0].template
        );
        assert_eq!(found[0].data.traffic.status.get(&200), Some(hits));
    }
}

/// What must hold whatever the templating decides: every exchange is accounted for exactly
/// once (endpoint hits, noise or dropped), the inventory stays small and the heap bounded.
fn assert_accounted_and_bounded(out: &Outcome, max_endpoints: usize, max_peak: usize) {
    let real_total: u64 = out.real_hits.values().sum();
    assert_eq!(out.inv.observed, out.scanner_sent + real_total);
    let in_endpoints: u64 = out.inv.endpoints.iter().map(|e| e.data.traffic.hits).sum();
    assert_eq!(
        in_endpoints + out.inv.noise + out.inv.dropped_by_limits,
        out.inv.observed,
        "exchanges lost or counted twice"
    );
    assert!(
        out.inv.endpoints.len() <= max_endpoints,
        "{} endpoints:\n{}",
        out.inv.endpoints.len(),
        listing(&out.inv)
    );
    assert!(
        out.peak < max_peak,
        "peak heap {:.1} MiB",
        out.peak as f64 / MIB as f64
    );
}

/// Scanner traffic (404 on random paths) is noise: at least 99 % of it is counted in
/// `inv.noise` (or dropped by the caps) rather than in endpoints.
fn assert_scanner_is_noise(out: &Outcome) {
    assert!(
        out.inv.noise + out.inv.dropped_by_limits >= out.scanner_sent * 99 / 100,
        "only {} of {} scanner exchanges counted as noise ({} dropped); inventory:\n{}",
        out.inv.noise,
        out.scanner_sent,
        out.inv.dropped_by_limits,
        listing(&out.inv)
    );
}

fn not_found_scanner(n: u64) -> Outcome {
    run(Scanner::NotFound, n, TrieLimits::default(), 0x5ca7_7e12)
}

/// 100,000 random 404 paths among the real traffic: every exchange accounted for, at most a
/// few extra endpoints, heap bounded.
#[test]
fn scanner_404_100k_is_accounted_and_bounded() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let out = not_found_scanner(100_000);
    assert_accounted_and_bounded(&out, REAL.len() + 4, RUNAWAY);
}

/// 100,000 random 404 paths among the real traffic: the real endpoints keep their exact
/// templates and hits, and the scanner is counted as noise.
#[test]
fn scanner_404_100k_keeps_real_endpoints_exact() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let out = not_found_scanner(100_000);
    assert_real_endpoints_exact(&out);
    assert_scanner_is_noise(&out);
}

/// The same with 1,000,000 scanner exchanges (default limits): about 30 s in a debug build,
/// 6 s in release.
#[test]
fn scanner_404_1m_keeps_real_endpoints_exact() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let out = not_found_scanner(1_000_000);
    assert_accounted_and_bounded(&out, REAL.len() + 4, RUNAWAY);
    assert_real_endpoints_exact(&out);
    assert_scanner_is_noise(&out);
}

/// The `/files/<random>` endpoints of an outcome.
fn files_endpoints(out: &Outcome) -> Vec<&lampyr_discovery::Endpoint> {
    out.inv
        .endpoints
        .iter()
        .filter(|e| e.template.segments().first() == Some(&lit("files")))
        .collect()
}

/// `/files/{}` exists and holds nearly all (≥ 99 %) of the files traffic; the rest of the
/// inventory is the real API, exact.
fn assert_files_mostly_one_parameter(out: &Outcome) {
    assert_real_endpoints_exact(out);
    let files = files_endpoints(out);
    let param: Vec<_> = files
        .iter()
        .filter(|e| normalized(&e.template) == "/files/{}")
        .collect();
    assert_eq!(param.len(), 1, "no /files/{{}}:\n{}", listing(&out.inv));
    assert!(
        param[0].data.traffic.hits >= out.scanner_sent * 99 / 100,
        "/files/{{}} has {} of {} hits",
        param[0].data.traffic.hits,
        out.scanner_sent
    );
}

/// `/files/*` is exactly one endpoint, `/files/{}`, with every hit.
fn assert_files_exactly_one_parameter(out: &Outcome) {
    let files = files_endpoints(out);
    assert_eq!(
        files.len(),
        1,
        "/files/* should be one endpoint; inventory:\n{}",
        listing(&out.inv)
    );
    assert_eq!(normalized(&files[0].template), "/files/{}");
    assert_eq!(
        files[0].data.traffic.hits + out.inv.dropped_by_limits,
        out.scanner_sent
    );
    assert_eq!(out.inv.endpoints.len(), REAL.len() + 1);
}

fn files_scanner(n: u64, limits: TrieLimits) -> Outcome {
    run(Scanner::Files, n, limits, 0xf11e5)
}

fn lit(text: &str) -> TemplateSegment {
    TemplateSegment::Literal { text: text.into() }
}

/// 100,000 distinct `/files/<random>` answered 200 collapse into `/files/{}` (nearly all of
/// them), nothing is dropped and the real API is untouched.
#[test]
fn files_200_collapse_into_a_parameter() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let out = files_scanner(100_000, TrieLimits::default());
    assert_accounted_and_bounded(&out, REAL.len() + 1 + 16, RUNAWAY);
    assert_eq!(out.inv.dropped_by_limits, 0);
    assert_files_mostly_one_parameter(&out);
}

/// 100,000 distinct `/files/<random>` answered 200 make exactly one endpoint.
#[test]
fn files_200_collapse_to_exactly_one_template() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let out = files_scanner(100_000, TrieLimits::default());
    assert_files_exactly_one_parameter(&out);
    let small = files_scanner(
        100_000,
        TrieLimits {
            max_children: 1000,
            ..TrieLimits::default()
        },
    );
    assert_files_exactly_one_parameter(&small);
}

/// With `max_children: 1000` the `/files` node keeps 1,000 values and folds the rest into the
/// overflow child (a parameter): nothing is dropped, the endpoint count is bounded by the cap,
/// and the heap does not grow with the number of distinct values (10k vs 100k).
#[test]
fn files_200_small_limits_keep_memory_bounded() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let limits = TrieLimits {
        max_children: 1000,
        ..TrieLimits::default()
    };
    let bound = REAL.len() + 1 + limits.max_children;
    let small = files_scanner(10_000, limits);
    assert_accounted_and_bounded(&small, bound, 128 * MIB);
    let large = files_scanner(100_000, limits);
    assert_accounted_and_bounded(&large, bound, 128 * MIB);
    assert_eq!(small.inv.dropped_by_limits, 0);
    assert_eq!(large.inv.dropped_by_limits, 0);
    assert_real_endpoints_exact(&large);
    // The overflow child is the parameter and takes everything past the cap.
    let param = files_endpoints(&large)
        .into_iter()
        .find(|e| normalized(&e.template) == "/files/{}")
        .expect("/files/{}");
    assert!(param.data.traffic.hits >= large.scanner_sent - limits.max_children as u64);
    // 10x the distinct values, about the same heap: the tree is capped, stats are per leaf.
    assert!(
        large.live_before_finish < small.live_before_finish * 2 + MIB,
        "heap grew with traffic: {} -> {} bytes",
        small.live_before_finish,
        large.live_before_finish
    );
    assert!(large.inv.endpoints.len() <= small.inv.endpoints.len() + 16);
}

/// The 404 scanner against small caps on the whole tree (1,000 children per node, 20,000
/// nodes, 10,000 leaves): every exchange accounted for, few endpoints, a heap within a budget
/// derived from the caps, and no growth from 10x more scanner traffic.
#[test]
fn scanner_404_small_limits_keep_memory_bounded() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let limits = TrieLimits {
        max_children: 1000,
        max_nodes: 20_000,
        max_leaves: 10_000,
        max_hosts: 16,
    };
    // Both runs go past the leaf cap (reached after roughly 90k scanner requests here), so
    // the heap must plateau: twice the traffic, about the same memory.
    let small = run(Scanner::NotFound, 120_000, limits, 0xb0b);
    let large = run(Scanner::NotFound, 240_000, limits, 0xb0b);
    let budget = limits_budget(&limits);
    assert_accounted_and_bounded(&small, REAL.len() + 4, budget);
    assert_accounted_and_bounded(&large, REAL.len() + 4, budget);
    assert!(
        large.live_before_finish < small.live_before_finish * 2 + MIB,
        "heap grew with traffic: {} -> {} bytes",
        small.live_before_finish,
        large.live_before_finish
    );
}
