//! Property tests of path templating on synthetic APIs.
//!
//! A synthetic API is a set of templates built from random literal words and parameter slots
//! of random classes (integers, UUIDs, prefixed ids like `cus_` + 14 base62, hex SHAs and, for
//! the properties that do not depend on the class, word-like slugs). Traffic is drawn from it:
//! random endpoints, random parameter values from small per-slot pools (so ids repeat), query
//! strings, and JSON response bodies whose field names belong to the template.
//!
//! Properties:
//! - every exchange is counted by exactly the endpoint whose template matches its path (the
//!   most specific matching template: literals before parameters), and hits add up;
//! - the inventory does not depend on the order the exchanges arrive in;
//! - when every parameter value is a strong id, the inferred templates are the generator's.

use std::collections::{BTreeMap, BTreeSet};

use lampyr_core::{Body, BodyLimits, Exchange, Response};
use lampyr_discovery::{Discovery, DiscoveryConfig, Inventory, PathTemplate, TemplateSegment};
use proptest::prelude::*;

// ---------------------------------------------------------------------------------------------
// Deterministic randomness for values derived inside a case.

/// SplitMix64: small, good enough, and reproducible from a seed proptest can shrink.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Self {
        Self(seed ^ 0x9e37_79b9_7f4a_7c15)
    }
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

fn hash(parts: &[u64]) -> u64 {
    let mut r = Rng::new(0x5151);
    let mut h = 0u64;
    for p in parts {
        r.0 ^= p.wrapping_add(h);
        h = r.next();
    }
    h
}

const HEX: &[u8] = b"0123456789abcdef";
const BASE62: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
const ADJECTIVES: &[&str] = &[
    "brave", "calm", "eager", "fancy", "gentle", "happy", "jolly", "kind", "lively", "proud",
];
const NOUNS: &[&str] = &[
    "otter", "falcon", "badger", "heron", "lynx", "marten", "osprey", "panda", "raven", "tiger",
];
const METHODS: &[&str] = &["GET", "POST", "PUT", "PATCH", "DELETE"];

// ---------------------------------------------------------------------------------------------
// The synthetic API.

/// Class of a parameter slot.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Class {
    Int,
    Uuid,
    /// `<prefix>_` + 14 base62 characters, as Stripe ids.
    Prefixed(u8),
    Sha,
    /// `brave-otter-12`: word-like, decided by sibling statistics rather than by form.
    Slug,
}

impl Class {
    fn value(self, rng: &mut Rng) -> String {
        match self {
            Class::Int => (1 + rng.next() % 9_999_999).to_string(),
            Class::Uuid => {
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
            Class::Prefixed(p) => {
                let prefix = ["cus", "ch", "pi", "acct", "sub"][p as usize % 5];
                format!("{prefix}_{}", rng.pick(BASE62, 14))
            }
            Class::Sha => {
                let mut h = rng.pick(HEX, 40).into_bytes();
                // Make sure the value reads as hex (a digit and a letter somewhere).
                h[rng.below(20)] = b'0' + rng.below(10) as u8;
                h[20 + rng.below(20)] = b'a' + rng.below(6) as u8;
                String::from_utf8(h).unwrap()
            }
            Class::Slug => format!(
                "{}-{}-{}",
                ADJECTIVES[rng.below(ADJECTIVES.len())],
                NOUNS[rng.below(NOUNS.len())],
                rng.below(100)
            ),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Seg {
    Lit(String),
    Param(Class),
}

/// One endpoint of the synthetic API.
#[derive(Debug, Clone)]
struct Ep {
    host: String,
    method: &'static str,
    segs: Vec<Seg>,
    /// Response fields, specific to the template (different resources, different shapes).
    fields: Vec<String>,
}

impl Ep {
    /// The template with parameter names normalized to `{}`.
    fn normalized(&self) -> String {
        let mut s = String::new();
        for seg in &self.segs {
            s.push('/');
            match seg {
                Seg::Lit(w) => s.push_str(w),
                Seg::Param(_) => s.push_str("{}"),
            }
        }
        s
    }
}

#[derive(Debug, Clone)]
struct Api {
    endpoints: Vec<Ep>,
}

/// Raw template as proptest generates it: (host, segments, methods); segments are
/// `(is_param, word index, class index)`.
type RawTemplate = (u8, Vec<(bool, usize, u8)>, Vec<&'static str>);

fn class_of(n: u8, strong_only: bool) -> Class {
    let choices = if strong_only { 4 } else { 5 };
    match n % choices {
        0 => Class::Int,
        1 => Class::Uuid,
        2 => Class::Prefixed(n / 5),
        3 => Class::Sha,
        _ => Class::Slug,
    }
}

/// Builds a consistent API from raw templates: the first segment is a literal, and one
/// parameter position (same host, same normalized prefix) has one class, as in a real API.
fn build_api(words: Vec<String>, raw: Vec<RawTemplate>, strong_only: bool) -> Api {
    let mut slot_class: BTreeMap<(String, String), Class> = BTreeMap::new();
    let mut seen = BTreeSet::new();
    let mut endpoints = Vec::new();
    for (t, (host, segs, methods)) in raw.into_iter().enumerate() {
        let host = format!("api{}.example.com", host % 2);
        let mut out = Vec::new();
        let mut prefix = String::new();
        for (i, (is_param, word, class)) in segs.into_iter().enumerate() {
            let seg = if is_param && i > 0 {
                let class = *slot_class
                    .entry((host.clone(), prefix.clone()))
                    .or_insert(class_of(class, strong_only));
                prefix.push_str("/{}");
                Seg::Param(class)
            } else {
                let w = words[word % words.len()].clone();
                prefix.push('/');
                prefix.push_str(&w);
                Seg::Lit(w)
            };
            out.push(seg);
        }
        // Fields belong to the template (its normalized path), so two endpoints on one template
        // share them and two different templates do not.
        let fields: Vec<String> = {
            let key = format!("{host}{prefix}");
            let tag = hash(&[
                key.len() as u64,
                key.bytes().map(u64::from).sum::<u64>(),
                t as u64,
            ]);
            let n = 2 + (tag % 3) as usize;
            (0..n)
                .map(|k| format!("{}_{k}", word_of(tag >> 8)))
                .collect()
        };
        for m in methods {
            if seen.insert((host.clone(), prefix.clone(), m)) {
                endpoints.push(Ep {
                    host: host.clone(),
                    method: m,
                    segs: out.clone(),
                    fields: fields.clone(),
                });
            }
        }
    }
    // The fields of one normalized template must be the same whatever raw template made it.
    let mut by_template: BTreeMap<(String, String), Vec<String>> = BTreeMap::new();
    for ep in &mut endpoints {
        let f = by_template
            .entry((ep.host.clone(), ep.normalized()))
            .or_insert_with(|| ep.fields.clone());
        ep.fields = f.clone();
    }
    Api { endpoints }
}

fn word_of(mut n: u64) -> String {
    let mut s = String::new();
    for _ in 0..6 {
        s.push((b'a' + (n % 26) as u8) as char);
        n /= 26;
    }
    s
}

fn api_strategy(strong_only: bool) -> impl Strategy<Value = Api> {
    let words = prop::collection::btree_set("[a-z]{3,9}", 6)
        .prop_map(|s| s.into_iter().collect::<Vec<String>>());
    let seg = (prop::bool::weighted(0.4), 0..6usize, any::<u8>());
    let template = (
        any::<u8>(),
        prop::collection::vec(seg, 1..=4),
        prop::sample::subsequence(METHODS, 1..=3),
    );
    (words, prop::collection::vec(template, 1..=10))
        .prop_map(move |(words, raw)| build_api(words, raw, strong_only))
}

// ---------------------------------------------------------------------------------------------
// Traffic.

/// One concrete exchange drawn from the API.
struct Drawn {
    ex: Exchange,
    endpoint: usize,
}

fn draw(api: &Api, picks: &[(usize, u64)]) -> Vec<Drawn> {
    // Every endpoint at least once, then the random picks.
    let all: Vec<(usize, u64)> = (0..api.endpoints.len())
        .map(|i| (i, hash(&[i as u64, 7])))
        .chain(picks.iter().map(|&(i, s)| (i % api.endpoints.len(), s)))
        .collect();
    all.into_iter()
        .enumerate()
        .map(|(index, (e, seed))| {
            let ep = &api.endpoints[e];
            let mut rng = Rng::new(seed);
            let mut path = String::new();
            let mut prefix = String::new();
            for seg in &ep.segs {
                path.push('/');
                match seg {
                    Seg::Lit(w) => {
                        path.push_str(w);
                        prefix.push('/');
                        prefix.push_str(w);
                    }
                    Seg::Param(class) => {
                        // Values come from a small pool per slot (host + prefix), shared by
                        // every template through that slot, so ids repeat across endpoints.
                        let choice = rng.below(5) as u64;
                        let slot = hash(&[
                            ep.host.len() as u64,
                            ep.host.bytes().map(u64::from).sum(),
                            prefix.len() as u64,
                            prefix
                                .bytes()
                                .enumerate()
                                .map(|(i, b)| (i as u64 + 1) * u64::from(b))
                                .sum(),
                        ]);
                        let mut vr = Rng::new(hash(&[slot, choice]));
                        let v = class.value(&mut vr);
                        path.push_str(&v);
                        prefix.push_str("/{}");
                    }
                }
            }
            let query = match rng.below(3) {
                0 => None,
                1 => Some(format!("page={}&per_page=50", rng.below(9) + 1)),
                _ => Some(format!("fields={}", ep.fields[0])),
            };
            let mut body = String::from("{");
            for (k, f) in ep.fields.iter().enumerate() {
                if k > 0 {
                    body.push(',');
                }
                body.push_str(&format!("\"{f}\":{}", rng.below(1000)));
            }
            body.push('}');
            let mut ex = Exchange::default();
            ex.request.method = ep.method.to_string();
            ex.request.scheme = "https".into();
            ex.request.host = ep.host.clone();
            ex.request.path = path;
            ex.request.query = query;
            if matches!(ep.method, "POST" | "PUT" | "PATCH") {
                ex.request
                    .headers
                    .append("Content-Type", "application/json");
                ex.request.body = Body::capture(body.clone().into_bytes(), BodyLimits::default());
            }
            let mut r = Response {
                status: if ep.method == "POST" { 201 } else { 200 },
                version: "HTTP/1.1".into(),
                ..Response::default()
            };
            r.headers.append("Content-Type", "application/json");
            r.body = Body::capture(body.into_bytes(), BodyLimits::default());
            ex.response = Some(r);
            ex.timing.started_us = Some(1_700_000_000_000_000 + index as i64 * 1_000);
            ex.timing.duration_ms = Some(1.0 + rng.below(500) as f64 / 10.0);
            ex.source.index = index as u64;
            Drawn { ex, endpoint: e }
        })
        .collect()
}

fn discover<'a>(exchanges: impl IntoIterator<Item = &'a Exchange>) -> Inventory {
    let mut d = Discovery::new(DiscoveryConfig::default());
    for ex in exchanges {
        d.observe(ex);
    }
    d.finish()
}

/// A seeded permutation (Fisher–Yates).
fn permutation(n: usize, seed: u64) -> Vec<usize> {
    let mut rng = Rng::new(seed);
    let mut p: Vec<usize> = (0..n).collect();
    for i in (1..n).rev() {
        p.swap(i, rng.below(i + 1));
    }
    p
}

/// `(method, host, template, hits)` of every endpoint, in inventory order.
fn summary(inv: &Inventory) -> Vec<(String, String, String, u64)> {
    inv.endpoints
        .iter()
        .map(|e| {
            (
                e.method.clone(),
                e.host.clone(),
                e.template.to_string(),
                e.data.traffic.hits,
            )
        })
        .collect()
}

fn normalized(t: &PathTemplate) -> String {
    let mut s = String::new();
    for seg in t.segments() {
        s.push('/');
        match seg {
            TemplateSegment::Literal { text } => s.push_str(text),
            TemplateSegment::Param { .. } => s.push_str("{}"),
        }
    }
    if s.is_empty() {
        s.push('/');
    }
    s
}

/// Literal-before-parameter ordering of a template: the smallest key among the templates
/// matching a path is the one routing reaches.
fn specificity(t: &PathTemplate) -> Vec<bool> {
    t.segments()
        .iter()
        .map(|s| matches!(s, TemplateSegment::Param { .. }))
        .collect()
}

fn check_counted_by_matching_template(
    drawn: &[Drawn],
    inv: &Inventory,
) -> Result<(), TestCaseError> {
    let keys: BTreeSet<(&str, &str, String)> = inv
        .endpoints
        .iter()
        .map(|e| (e.host.as_str(), e.method.as_str(), e.template.to_string()))
        .collect();
    prop_assert_eq!(
        keys.len(),
        inv.endpoints.len(),
        "duplicate endpoints in the inventory"
    );
    let mut expected = vec![0u64; inv.endpoints.len()];
    for d in drawn {
        let req = &d.ex.request;
        let matching: Vec<usize> = inv
            .endpoints
            .iter()
            .enumerate()
            .filter(|(_, e)| {
                e.host == req.host && e.method == req.method && e.template.matches_path(&req.path)
            })
            .map(|(i, _)| i)
            .collect();
        prop_assert!(
            !matching.is_empty(),
            "{} {}{} is matched by no endpoint; inventory: {:#?}",
            req.method,
            req.host,
            req.path,
            summary(inv)
        );
        let best = matching
            .iter()
            .copied()
            .min_by_key(|i| specificity(&inv.endpoints[*i].template))
            .unwrap();
        expected[best] += 1;
    }
    let total: u64 = inv.endpoints.iter().map(|e| e.data.traffic.hits).sum();
    prop_assert_eq!(
        total + inv.noise + inv.dropped_by_limits,
        drawn.len() as u64
    );
    prop_assert_eq!(inv.noise, 0, "200 responses are never noise");
    for (i, e) in inv.endpoints.iter().enumerate() {
        prop_assert_eq!(
            e.data.traffic.hits,
            expected[i],
            "hits of {} {}{}",
            &e.method,
            &e.host,
            &e.template
        );
    }
    Ok(())
}

fn traffic() -> impl Strategy<Value = Vec<(usize, u64)>> {
    prop::collection::vec((any::<usize>(), any::<u64>()), 10..120)
}

fn cases() -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(32)
}

proptest! {
    // 32 cases by default (a second or two in debug); PROPTEST_CASES=N searches harder.
    #![proptest_config(ProptestConfig::with_cases(cases()))]

    /// (a) Every observed (method, path) is matched by an endpoint of that method, and the
    /// endpoint whose stats count it is the most specific matching one; nothing is lost.
    #[test]
    fn every_path_is_counted_by_a_matching_template(
        api in api_strategy(false),
        picks in traffic(),
    ) {
        let drawn = draw(&api, &picks);
        let inv = discover(drawn.iter().map(|d| &d.ex));
        prop_assert_eq!(inv.observed, drawn.len() as u64);
        check_counted_by_matching_template(&drawn, &inv)?;
    }

    /// (b) Observing the same exchanges in another order gives the same inventory: same
    /// endpoints, same hits, same traffic statistics.
    #[test]
    fn inventory_does_not_depend_on_order(
        api in api_strategy(false),
        picks in traffic(),
        seed in any::<u64>(),
    ) {
        let drawn = draw(&api, &picks);
        let inv = discover(drawn.iter().map(|d| &d.ex));
        let order = permutation(drawn.len(), seed);
        let shuffled = discover(order.iter().map(|&i| &drawn[i].ex));
        prop_assert_eq!(summary(&inv), summary(&shuffled));
        prop_assert_eq!(inv.noise, shuffled.noise);
        prop_assert_eq!(inv.dropped_by_limits, shuffled.dropped_by_limits);
        for (a, b) in inv.endpoints.iter().zip(&shuffled.endpoints) {
            prop_assert_eq!(&a.template, &b.template, "parameter names and classes");
            prop_assert_eq!(&a.data.traffic, &b.data.traffic, "stats of {} {}", &a.method, &a.template);
        }
    }

    /// (c) With strong ids only (integers, UUIDs, prefixed ids, SHAs), the inferred templates
    /// are exactly the generator's (parameter names normalized to `{}`), per host and method.
    #[test]
    fn strong_ids_give_the_generator_templates(
        api in api_strategy(true),
        picks in traffic(),
    ) {
        let drawn = draw(&api, &picks);
        let inv = discover(drawn.iter().map(|d| &d.ex));
        let expected: BTreeSet<(String, String, String)> = api
            .endpoints
            .iter()
            .map(|e| (e.host.clone(), e.method.to_string(), e.normalized()))
            .collect();
        let got: BTreeSet<(String, String, String)> = inv
            .endpoints
            .iter()
            .map(|e| (e.host.clone(), e.method.clone(), normalized(&e.template)))
            .collect();
        prop_assert_eq!(
            &got,
            &expected,
            "missing: {:?}\nextra: {:?}",
            expected.difference(&got).collect::<Vec<_>>(),
            got.difference(&expected).collect::<Vec<_>>()
        );
        // And each endpoint counts exactly the traffic drawn for it.
        let mut hits: BTreeMap<(String, String, String), u64> = BTreeMap::new();
        for d in &drawn {
            let e = &api.endpoints[d.endpoint];
            *hits.entry((e.host.clone(), e.method.to_string(), e.normalized())).or_default() += 1;
        }
        for e in &inv.endpoints {
            let key = (e.host.clone(), e.method.clone(), normalized(&e.template));
            prop_assert_eq!(e.data.traffic.hits, hits[&key], "hits of {:?}", key);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Regressions found while writing the properties above. The ignored ones are known false
// merges: they document the expected result; run them with `--ignored` once templating
// handles them.

/// Observes `(method, path, field)` exchanges (200, JSON body `{field_0, field_1}`) and returns
/// the set of `METHOD /normalized/{}` endpoints.
fn observe_all(paths: &[(&str, &str, &str)]) -> BTreeSet<String> {
    let mut d = Discovery::new(DiscoveryConfig::default());
    for (i, (method, path, field)) in paths.iter().enumerate() {
        let mut ex = Exchange::default();
        ex.request.method = method.to_string();
        ex.request.host = "api.example.com".into();
        ex.request.path = path.to_string();
        let mut r = Response {
            status: 200,
            ..Response::default()
        };
        r.headers.append("Content-Type", "application/json");
        r.body = Body::capture(
            format!("{{\"{field}_0\":1,\"{field}_1\":\"x\"}}").into_bytes(),
            BodyLimits::default(),
        );
        ex.response = Some(r);
        ex.source.index = i as u64;
        d.observe(&ex);
    }
    d.finish()
        .endpoints
        .iter()
        .map(|e| format!("{} {}", e.method, normalized(&e.template)))
        .collect()
}

/// `beta` and `gamma` look alike (both have `delta` below), so the level below them may be
/// decided on their pooled children: integers under `beta`, UUIDs under `gamma`. Pooled, the
/// strong values cover the length and character kinds of `delta`; it must stay literal on both
/// sides all the same (it did not at first: found by hand while writing these properties).
#[test]
fn literal_beside_ids_survives_pooling_across_id_classes() {
    let got = observe_all(&[
        ("GET", "/alpha/beta/12345", "a"),
        ("GET", "/alpha/beta/99999", "a"),
        ("GET", "/alpha/beta/delta", "q"),
        (
            "GET",
            "/alpha/gamma/1ff655d9-7bf2-4cf6-9ab3-be7045015ad8",
            "b",
        ),
        (
            "GET",
            "/alpha/gamma/2ff655d9-7bf2-4cf6-9ab3-be7045015ad8",
            "b",
        ),
        ("GET", "/alpha/gamma/delta", "r"),
    ]);
    let want: BTreeSet<String> = [
        "GET /alpha/beta/{}",
        "GET /alpha/beta/delta",
        "GET /alpha/gamma/{}",
        "GET /alpha/gamma/delta",
    ]
    .into_iter()
    .map(String::from)
    .collect();
    assert_eq!(got, want);
}

/// A lower-case word beside mixed-case base62 ids of its length is folded into the id
/// parameter ("same form"), even though it answers with a shape of its own.
#[test]
fn word_beside_base62_ids_of_its_length_stays_literal() {
    let got = observe_all(&[
        ("GET", "/videos/aB3dE9xQ", "title"),
        ("GET", "/videos/Zk81PqW2", "title"),
        ("GET", "/videos/trending", "items"),
    ]);
    let want: BTreeSet<String> = ["GET /videos/{}", "GET /videos/trending"]
        .into_iter()
        .map(String::from)
        .collect();
    assert_eq!(got, want);
}

/// Three resources that each have a `search` sub-resource, with their own response shapes:
/// the resources are not values of one parameter (minimal case shrunk by property (c)).
#[test]
fn resources_sharing_a_child_word_stay_literal() {
    let got = observe_all(&[
        ("GET", "/users/search", "user"),
        ("GET", "/orders/search", "order"),
        ("DELETE", "/products/search", "product"),
    ]);
    let want: BTreeSet<String> = [
        "DELETE /products/search",
        "GET /orders/search",
        "GET /users/search",
    ]
    .into_iter()
    .map(String::from)
    .collect();
    assert_eq!(got, want);
}
