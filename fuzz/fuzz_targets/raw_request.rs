//! Arbitrary bytes as one raw HTTP request (`lampyr scan-request`): parsing never panics, a
//! parsed body never exceeds the body limit, and whatever parses can be inspected.
#![no_main]

use lampyr_core::BodyLimits;
use lampyr_detect::{InspectConfig, Inspector};
use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;

fn inspector() -> &'static Inspector {
    static I: OnceLock<Inspector> = OnceLock::new();
    I.get_or_init(|| Inspector::new(InspectConfig::default()).expect("default rules compile"))
}

fuzz_target!(|data: &[u8]| {
    let limits = BodyLimits { max_body: 4096 };
    if let Ok(req) = lampyr_ingest::raw::parse_request(data, limits) {
        assert!(req.body.len() <= limits.max_body);
        assert!(!req.path.is_empty());
        let v = inspector().inspect(&req);
        assert_eq!(v.is_attack(), v.score >= v.threshold);
    }
});
