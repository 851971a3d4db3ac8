//! Discovers every HAR given on the command line (default: the 15 dev-corpus HARs) in one
//! engine, and prints exchanges, endpoints and timings. Run under `/usr/bin/time -v` for the
//! peak RSS. With `LAMPYR_MEMORY_READ_ONLY=1` the exchanges are only read (the baseline of
//! reading, without discovery):
//!
//! ```text
//! cargo build --release -p lampyr-discovery --example memory
//! /usr/bin/time -v target/release/examples/memory
//! ```

use std::ops::ControlFlow;
use std::path::PathBuf;
use std::time::Instant;

use lampyr_discovery::{Discovery, DiscoveryConfig};
use lampyr_ingest::{Format, Item, ReadOptions};

/// The dev corpus beside the repository (`../shared`), from the workspace root.
const CORPUS: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../../shared/corpora/discovery-dev"
);

fn main() {
    let mut paths: Vec<PathBuf> = std::env::args_os().skip(1).map(PathBuf::from).collect();
    if paths.is_empty() {
        let dir = std::fs::read_dir(CORPUS).unwrap_or_else(|e| panic!("{CORPUS}: {e}"));
        paths = dir
            .filter_map(|e| e.ok())
            .map(|e| e.path().join("traffic.har"))
            .filter(|p| p.is_file())
            .collect();
        paths.sort();
    }
    let read_only = std::env::var_os("LAMPYR_MEMORY_READ_ONLY").is_some();
    let started = Instant::now();
    let mut d = Discovery::new(DiscoveryConfig::default());
    let (mut exchanges, mut skipped) = (0u64, 0u64);
    for (input, path) in paths.iter().enumerate() {
        let opts = ReadOptions {
            input: input as u32,
            ..ReadOptions::default()
        };
        lampyr_ingest::read_path(path, Format::Auto, &opts, |item| {
            match item {
                Item::Exchange(ex) => {
                    exchanges += 1;
                    if !read_only {
                        d.observe(&ex);
                    }
                }
                Item::Skipped(_) => skipped += 1,
            }
            ControlFlow::Continue(())
        })
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    }
    let read = started.elapsed();
    let inv = d.finish();
    println!(
        "{} HARs, {exchanges} exchanges ({skipped} skipped), {} endpoints, noise {}, dropped {}; \
         read+observe {:.1?}, finish {:.1?}",
        paths.len(),
        inv.endpoints.len(),
        inv.noise,
        inv.dropped_by_limits,
        read,
        started.elapsed() - read
    );
}
