//! Arbitrary bytes into the Exchange JSON Lines reader: it must never panic or hang, and an
//! exchange it accepts must survive a write/read round trip through `to_line`.
#![no_main]

use std::ops::ControlFlow;

use lampyr_core::BodyLimits;
use lampyr_ingest::{read, to_line, Format, Item, ReadOptions};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let opts = ReadOptions {
        limits: BodyLimits { max_body: 64 << 10 },
        max_decoded: 1 << 20,
        max_line: 64 << 10,
        ..ReadOptions::default()
    };
    let _ = read(data, Format::Jsonl, &opts, |item| {
        if let Item::Exchange(ex) = item {
            assert!(ex.request.path.starts_with('/'));
            let line = to_line(&ex);
            let mut back = None;
            read(line.as_bytes(), Format::Jsonl, &opts, |item| {
                back = Some(item);
                ControlFlow::Continue(())
            })
            .expect("reading a written line");
            match back {
                Some(Item::Exchange(mut again)) => {
                    again.source = ex.source;
                    assert_eq!(*again, *ex, "round trip of {line}");
                }
                other => panic!("written line {line} read back as {other:?}"),
            }
        }
        ControlFlow::Continue(())
    });
});
