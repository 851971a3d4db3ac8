//! Arbitrary bytes into the classifier: the input is split at `\n` into a path, a query, a
//! header block (`name: value` lines up to an empty line), a request body and a response body;
//! the exchange is scanned, and the raw bytes also go through `json::walk` and
//! `mask::mask_json`. Nothing may panic or hang, detections stay inside their values on char
//! boundaries, and masking a document changes nothing when no rule selects a value.
#![no_main]

use lampyr_classify::context::Hints;
use lampyr_classify::mask::{mask_json, FieldPath, JsonMaskRule, MaskStrategy};
use lampyr_classify::{detect, json, Classifier, ClassifyOptions, SensitiveType};
use lampyr_core::{Body, Exchange, Headers, Request, Response};
use libfuzzer_sys::fuzz_target;

const MEDIA: [&str; 4] = [
    "application/json",
    "application/x-www-form-urlencoded",
    "text/plain",
    "",
];

fn exchange(data: &[u8]) -> Exchange {
    let text = String::from_utf8_lossy(data);
    let mut lines = text.split('\n');
    let path = lines.next().unwrap_or("/").to_string();
    let query = lines.next().filter(|q| !q.is_empty()).map(str::to_string);
    let mut headers = Headers::new();
    for line in lines.by_ref() {
        if line.is_empty() {
            break;
        }
        let (name, value) = line.split_once(':').unwrap_or((line, ""));
        headers.append(name.trim(), value.trim());
    }
    let rest: Vec<&str> = lines.collect();
    let rest = rest.join("\n");
    // The first byte picks the media type; the body halves go to request and response.
    let media = MEDIA[data.first().map_or(0, |b| *b as usize) % MEDIA.len()];
    let mid = rest.len() / 2;
    let mid = (mid..=rest.len())
        .find(|&i| rest.is_char_boundary(i))
        .unwrap_or(rest.len());
    let (req_body, resp_body) = rest.split_at(mid);
    let mut resp_headers = Headers::new();
    if !media.is_empty() {
        headers.append("Content-Type", media);
        resp_headers.append("Content-Type", media);
    }
    let body = |s: &str| Body::from_parts(s.as_bytes().to_vec(), false, s.len() as u64);
    Exchange {
        request: Request {
            method: "POST".into(),
            path,
            query,
            headers,
            body: body(req_body),
            ..Request::default()
        },
        response: Some(Response {
            status: 200,
            headers: resp_headers,
            body: body(resp_body),
            ..Response::default()
        }),
        ..Exchange::default()
    }
}

fuzz_target!(|data: &[u8]| {
    let ex = exchange(data);
    let mut classifier = Classifier::new(&ClassifyOptions::default());
    let scan = classifier.scan(&ex);
    for f in &scan.fields {
        for t in &f.types {
            assert!(t.hits + t.weak <= f.values);
            assert_eq!(t.hits > 0, t.sample.is_some());
        }
    }
    assert_eq!(scan, classifier.scan(&ex), "a second scan differs");

    // The raw bytes as one document and as one value.
    if let Ok(text) = std::str::from_utf8(data) {
        let mut leaves = 0usize;
        let _ = json::walk(text, |leaf| {
            leaves += 1;
            let mut out = Vec::new();
            detect::detect(&leaf.value, &Hints::of_key(leaf.key), &mut out);
            for d in out {
                let (s, e) = (d.start as usize, d.end as usize);
                assert!(s < e && e <= leaf.value.len());
                assert!(leaf.value.is_char_boundary(s) && leaf.value.is_char_boundary(e));
            }
        });
        let mut out = Vec::new();
        detect::detect(text, &Hints::of_key("remark"), &mut out);
        for d in out {
            assert!(
                text.is_char_boundary(d.start as usize) && text.is_char_boundary(d.end as usize)
            );
        }
    }
    let rules: Vec<JsonMaskRule> = ["data.list[].idCard", "*", "[]", "a.*.b", "mobile"]
        .iter()
        .map(|p| JsonMaskRule {
            path: FieldPath::parse(p).expect("rule path"),
            ty: SensitiveType::CnMobile,
            strategy: MaskStrategy::Default,
        })
        .collect();
    if let Ok(masked) = mask_json(data, &rules, b"salt") {
        // Masked output is JSON again and masking it twice is stable in shape.
        assert!(mask_json(&masked.body, &rules, b"salt").is_ok());
    }
    if let Ok(unchanged) = mask_json(data, &[], b"") {
        assert_eq!(unchanged.body, data);
        assert_eq!(unchanged.masked, 0);
    }
});
