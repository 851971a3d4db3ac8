//! Arbitrary bytes into the HAR reader (and auto-detection): it must never panic or hang,
//! and every item it delivers must be a well-formed exchange.
#![no_main]

use std::ops::ControlFlow;

use lampyr_core::BodyLimits;
use lampyr_ingest::{read, Format, Item, ReadOptions};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let opts = ReadOptions {
        limits: BodyLimits { max_body: 64 << 10 },
        max_decoded: 1 << 20,
        max_line: 1 << 20,
        ..ReadOptions::default()
    };
    for format in [Format::Har, Format::Auto] {
        let _ = read(data, format, &opts, |item| {
            if let Item::Exchange(ex) = item {
                assert!(ex.request.path.starts_with('/'));
                assert!(ex.request.body.len() <= opts.limits.max_body);
            }
            ControlFlow::Continue(())
        });
    }
});
