//! Arbitrary Exchange JSON Lines (what `POST /admin/v1/ingest` accepts from anyone holding the
//! admin token, and what the mirror carries from any client) through the live analytics
//! pipeline and the sample masking: never a panic or a hang, and a stored sample is always
//! valid Exchange JSON Lines.
#![no_main]

use std::ops::ControlFlow;

use lampyr_analytics::live::{masked_exchange, LivePipeline};
use lampyr_analytics::AnalyzeConfig;
use lampyr_core::BodyLimits;
use lampyr_ingest::{read, to_line, Format, Item, ReadOptions};
use libfuzzer_sys::fuzz_target;

thread_local! {
    // Building the detectors compiles every rule: once per process, not per input.
    static PIPE: std::cell::RefCell<LivePipeline> = std::cell::RefCell::new(
        LivePipeline::new(AnalyzeConfig::default()).expect("default settings build"),
    );
}

fuzz_target!(|data: &[u8]| {
    let opts = ReadOptions {
        limits: BodyLimits { max_body: 64 << 10 },
        max_decoded: 1 << 20,
        max_line: 64 << 10,
        ..ReadOptions::default()
    };
    PIPE.with(|p| run(&mut p.borrow_mut(), data, &opts));
});

fn run(pipe: &mut LivePipeline, data: &[u8], opts: &ReadOptions) {
    let _ = read(data, Format::Jsonl, opts, |item| {
        if let Item::Exchange(ex) = item {
            pipe.observe(&ex);
            let masked = masked_exchange(pipe.classifier(), &ex);
            let line = to_line(&masked);
            serde_json::from_str::<serde_json::Value>(&line).expect("a sample is JSON");
        }
        ControlFlow::Continue(())
    });
    pipe.refresh(0);
}
