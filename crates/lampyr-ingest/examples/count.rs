//! Reads HAR / JSON Lines files and prints what they hold and how fast they were read.
//!
//! `cargo run --release -p lampyr-ingest --example count -- FILE... [--runs N]`
//!
//! Each file is read `N` times (default 5) and the best and median throughput are printed,
//! in MB/s of input file size (10^6 bytes per second).

use std::hint::black_box;
use std::ops::ControlFlow;
use std::path::PathBuf;
use std::time::Instant;

use lampyr_ingest::{read_path, Format, Item, ReadOptions};

fn main() {
    let mut runs = 5usize;
    let mut files = Vec::new();
    let mut args = std::env::args_os().skip(1);
    while let Some(arg) = args.next() {
        if arg == "--runs" {
            runs = args
                .next()
                .and_then(|n| n.to_str()?.parse().ok())
                .expect("--runs takes a number");
        } else {
            files.push(PathBuf::from(arg));
        }
    }
    if files.is_empty() {
        eprintln!("usage: count FILE... [--runs N]");
        std::process::exit(2);
    }
    let opts = ReadOptions::default();
    for path in files {
        let size = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
        let mut times = Vec::new();
        let mut last = None;
        for _ in 0..runs.max(1) {
            let mut body_bytes = 0u64;
            let start = Instant::now();
            let result = read_path(&path, Format::Auto, &opts, |item| {
                if let Item::Exchange(ex) = &item {
                    body_bytes += ex.request.body.len() as u64
                        + ex.response.as_ref().map_or(0, |r| r.body.len() as u64);
                }
                black_box(item);
                ControlFlow::Continue(())
            });
            times.push(start.elapsed().as_secs_f64());
            last = Some((result, body_bytes));
        }
        times.sort_by(f64::total_cmp);
        let mb = size as f64 / 1e6;
        match last {
            Some((Ok(s), body_bytes)) => println!(
                "{}: {} {:.1} MB, {} entries ({} exchanges, {} skipped), {} body bytes; \
                 best {:.1} ms = {:.1} MB/s, median {:.1} ms = {:.1} MB/s",
                path.display(),
                s.format,
                mb,
                s.entries,
                s.exchanges,
                s.skipped,
                body_bytes,
                times[0] * 1e3,
                mb / times[0],
                times[times.len() / 2] * 1e3,
                mb / times[times.len() / 2],
            ),
            Some((Err(e), _)) => println!("{}: error: {e}", path.display()),
            None => {}
        }
    }
}
