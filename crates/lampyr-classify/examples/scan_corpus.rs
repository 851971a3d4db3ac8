//! Scans a HAR file's exchanges N times: a driver for profilers
//! (`valgrind --tool=callgrind --toggle-collect='*Classifier::scan*'
//! target/release/examples/scan_corpus FILE 3 fresh`), whose instruction counts compare commits
//! on this noisy machine better than wall time. `fresh` uses a new classifier per pass (cold
//! caches, as a new process); without it one classifier serves every pass (warm caches).

fn main() {
    let mut args = std::env::args().skip(1);
    let path = args.next().expect("usage: scan_corpus FILE.har [ROUNDS]");
    let rounds: usize = args.next().and_then(|r| r.parse().ok()).unwrap_or(1);
    let fresh = args.next().as_deref() == Some("fresh");
    let mut exchanges = Vec::new();
    let opts = lampyr_ingest::ReadOptions::default();
    lampyr_ingest::read_path(
        std::path::Path::new(&path),
        lampyr_ingest::Format::Har,
        &opts,
        |item| {
            if let lampyr_ingest::Item::Exchange(ex) = item {
                exchanges.push(*ex);
            }
            std::ops::ControlFlow::Continue(())
        },
    )
    .expect("readable HAR");
    let mut classifier = lampyr_classify::Classifier::new(&Default::default());
    let started = std::time::Instant::now();
    let mut fields = 0usize;
    for _ in 0..rounds {
        if fresh {
            classifier = lampyr_classify::Classifier::new(&Default::default());
        }
        for ex in &exchanges {
            let scan = classifier.scan(ex);
            fields += scan.fields.len();
            classifier.recycle(scan);
        }
    }
    eprintln!(
        "{} exchanges x {rounds}: {fields} locations in {:.3}s",
        exchanges.len(),
        started.elapsed().as_secs_f64()
    );
}
