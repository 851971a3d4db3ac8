//! Arbitrary bytes into the attack inspector: the input is split at `\n` into a path, a query,
//! a header block (`name: value` lines up to an empty line) and a body, with a media type
//! chosen by the first byte. The request is inspected, and the raw bytes also go through the
//! normaliser. Nothing may panic or hang; decoding never lengthens its input, hits stay at or
//! below the paranoia level and the score is the sum of their severities.
#![no_main]

use lampyr_core::{Body, Headers, Request};
use lampyr_detect::normalize::{self, Views};
use lampyr_detect::{InspectConfig, Inspector};
use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;

const MEDIA: [&str; 6] = [
    "application/json",
    "application/x-www-form-urlencoded",
    "multipart/form-data; boundary=b",
    "application/xml",
    "text/plain",
    "",
];

fn inspector() -> &'static Inspector {
    static I: OnceLock<Inspector> = OnceLock::new();
    I.get_or_init(|| {
        Inspector::new(InspectConfig {
            paranoia: 4,
            ..InspectConfig::default()
        })
        .expect("default rules compile")
    })
}

fn request(data: &[u8]) -> Request {
    let media = MEDIA[usize::from(data.first().copied().unwrap_or(0)) % MEDIA.len()];
    let text = String::from_utf8_lossy(data.get(1..).unwrap_or_default());
    let mut lines = text.split('\n');
    let path = format!("/{}", lines.next().unwrap_or(""));
    let query = lines.next().filter(|q| !q.is_empty()).map(str::to_string);
    let mut headers = Headers::new();
    if !media.is_empty() {
        headers.append("Content-Type", media);
    }
    for line in lines.by_ref() {
        if line.is_empty() {
            break;
        }
        let (k, v) = line.split_once(':').unwrap_or((line, ""));
        headers.append(k.trim(), v.trim());
    }
    let body: Vec<&str> = lines.collect();
    let body = body.join("\n").into_bytes();
    let len = body.len() as u64;
    Request {
        method: "POST".into(),
        path,
        query,
        headers,
        body: Body::from_parts(body, false, len),
        ..Request::default()
    }
}

fuzz_target!(|data: &[u8]| {
    let verdict = inspector().inspect(&request(data));
    assert!(verdict.hits.iter().all(|h| h.paranoia <= 4));
    assert_eq!(
        verdict.score,
        verdict.hits.iter().map(|h| h.severity.score()).sum::<u32>()
    );
    let text = String::from_utf8_lossy(data);
    let decoded = normalize::decode(&text);
    assert!(decoded.len() <= text.len());
    let mut views = Views::default();
    views.fill(&text);
    let _ = normalize::base64_text(&text);
});
