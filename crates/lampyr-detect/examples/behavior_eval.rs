//! Runs the behaviour engine over a HAR file and writes its findings as report-like JSON.
//!
//! ```text
//! cargo run --release -p lampyr-detect --example behavior_eval -- TRAFFIC.har [--out FINDINGS.json] [--config BEHAVIOR.json]
//! python3 bench/score_behavior.py FINDINGS.json truth.json
//! ```
//!
//! Two passes, as the analytics pipeline does: API discovery over the whole file gives the
//! endpoint templates; then every exchange is matched to its template, classified (person
//! records in the response and their most sensitive type) and fed to the engine in time order.

use std::collections::HashMap;
use std::ops::ControlFlow;
use std::path::{Path, PathBuf};
use std::time::Instant;

use lampyr_classify::{Classifier, ClassifyOptions};
use lampyr_core::Exchange;
use lampyr_detect::behavior::{BehaviorConfig, Engine, Event};
use lampyr_discovery::{Discovery, DiscoveryConfig, PathTemplate, TemplateSegment};
use lampyr_ingest::{Format, Item, ReadOptions};
use serde_json::json;

/// Templates per (host, method), most literal segments first: the most specific match wins.
struct Routes(HashMap<(String, String), Vec<(PathTemplate, String)>>);

impl Routes {
    fn build(inv: &lampyr_discovery::Inventory) -> Routes {
        let mut map: HashMap<(String, String), Vec<(PathTemplate, String)>> = HashMap::new();
        for ep in &inv.endpoints {
            if ep.operation.is_some() {
                continue;
            }
            let key = format!("{} {} {}", ep.method, ep.host, ep.template);
            map.entry((ep.host.clone(), ep.method.clone()))
                .or_default()
                .push((ep.template.clone(), key));
        }
        for v in map.values_mut() {
            v.sort_by_key(|(t, _)| {
                std::cmp::Reverse(
                    t.segments()
                        .iter()
                        .filter(|s| matches!(s, TemplateSegment::Literal { .. }))
                        .count(),
                )
            });
        }
        Routes(map)
    }

    fn find(&self, ex: &Exchange) -> Option<&str> {
        let key = (
            ex.request.host.to_ascii_lowercase(),
            ex.request.method.to_ascii_uppercase(),
        );
        self.0
            .get(&key)?
            .iter()
            .find(|(t, _)| t.matches_path(&ex.request.path))
            .map(|(_, k)| k.as_str())
    }
}

fn read(path: &Path, mut f: impl FnMut(u64, &Exchange)) {
    let mut index = 0u64;
    lampyr_ingest::read_path(path, Format::Auto, &ReadOptions::default(), |item| {
        if let Item::Exchange(ex) = item {
            f(index, &ex);
        }
        index += 1;
        ControlFlow::Continue(())
    })
    .expect("read input");
}

fn main() {
    let mut args = std::env::args().skip(1);
    let mut input = None;
    let mut out = None;
    let mut cfg = BehaviorConfig::default();
    while let Some(a) = args.next() {
        match a.as_str() {
            "--out" => out = args.next(),
            "--config" => {
                let text = std::fs::read_to_string(args.next().expect("config path"))
                    .expect("read config");
                cfg = serde_json::from_str(&text).expect("valid behavior config");
            }
            _ => input = Some(PathBuf::from(a)),
        }
    }
    let input = input.expect("usage: behavior_eval TRAFFIC.har [--out F] [--config C]");
    let started = Instant::now();

    let mut discovery = Discovery::new(DiscoveryConfig::default());
    read(&input, |_, ex| discovery.observe(ex));
    let inventory = discovery.finish();
    let routes = Routes::build(&inventory);
    let t_discovery = started.elapsed();

    let mut classifier = Classifier::new(&ClassifyOptions::default());
    let mut events = Vec::new();
    read(&input, |index, ex| {
        let scan = classifier.scan(ex);
        let ev = Event::from_exchange(ex, index, routes.find(ex), scan.response_records)
            .with_leak_types(&scan.response_values);
        classifier.recycle(scan);
        events.push(ev);
    });
    events.sort_by_key(|e| (e.time_us, e.index));
    let t_read = started.elapsed();

    let mut engine = Engine::new(cfg);
    let mut online = Vec::new();
    let t0 = Instant::now();
    for ev in &events {
        for hit in engine.observe(ev) {
            online.push((hit.rule, hit.exchanges[0]));
        }
    }
    let t_engine = t0.elapsed();
    let stats = engine.stats();
    let hits = engine.finish();
    let findings: Vec<_> = hits
        .iter()
        .map(|h| {
            json!({
                "id": h.id, "rule": h.rule, "category": h.category, "severity": h.severity,
                "actor": h.actor, "endpoint": h.endpoint, "exchanges": h.exchanges,
                "first_us": h.first_us, "last_us": h.last_us, "evidence": h.evidence,
            })
        })
        .collect();
    let report = json!({
        "findings": findings,
        "stats": stats,
        "endpoints": inventory.endpoints.iter()
            .map(|e| format!("{} {} {}", e.method, e.host, e.template))
            .collect::<Vec<_>>(),
    });
    let text = serde_json::to_string_pretty(&report).expect("json");
    match out {
        Some(p) => std::fs::write(&p, text).expect("write output"),
        None => println!("{text}"),
    }
    eprintln!(
        "{} events, {} endpoints, {} findings ({} raised online); discovery {:.1}s, read+classify {:.1}s, engine {:.3}s ({:.2} µs/event); tracked {} evicted {}",
        events.len(),
        inventory.endpoints.len(),
        hits.len(),
        online.len(),
        t_discovery.as_secs_f64(),
        (t_read - t_discovery).as_secs_f64(),
        t_engine.as_secs_f64(),
        t_engine.as_secs_f64() * 1e6 / events.len().max(1) as f64,
        stats.tracked,
        stats.evicted,
    );
}
