//! Property tests: malformed input never panics, and well-formed exchanges written as JSON
//! Lines read back equal.

mod common;

use common::*;
use lampyr_core::BodyLimits;
use lampyr_ingest::{Format, ReadOptions};
use proptest::collection::vec;
use proptest::prelude::*;
use serde_json::json;

fn small_opts() -> ReadOptions {
    ReadOptions {
        limits: BodyLimits { max_body: 4096 },
        max_decoded: 64 << 10,
        max_line: 4096,
        ..ReadOptions::default()
    }
}

fn format(n: u8) -> Format {
    match n % 3 {
        0 => Format::Auto,
        1 => Format::Har,
        _ => Format::Jsonl,
    }
}

/// Applies byte edits (overwrite, insert, delete) to a seed document.
fn mutate(seed: &[u8], edits: &[(usize, u8, u8)]) -> Vec<u8> {
    let mut doc = seed.to_vec();
    for &(at, byte, op) in edits {
        if doc.is_empty() {
            doc.push(byte);
            continue;
        }
        let at = at % doc.len();
        match op % 3 {
            0 => doc[at] = byte,
            1 => doc.insert(at, byte),
            _ => {
                doc.remove(at);
            }
        }
    }
    doc
}

/// Bytes that make JSON structure likely, so mutations reach deep into the readers.
fn json_byte() -> impl Strategy<Value = u8> {
    prop_oneof![
        any::<u8>(),
        prop::sample::select(b"{}[]\":,\\0123456789 \ntrue-eE.".to_vec()),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in vec(any::<u8>(), 0..2048), f in any::<u8>()) {
        let _ = collect(&bytes, format(f), &small_opts());
    }

    #[test]
    fn json_like_bytes_never_panic(bytes in vec(json_byte(), 0..1024), f in any::<u8>()) {
        let mut doc = b"{\"log\":{\"entries\":[".to_vec();
        doc.extend_from_slice(&bytes);
        let _ = collect(&doc, format(f), &small_opts());
        let _ = collect(&bytes, format(f), &small_opts());
    }

    #[test]
    fn mutated_har_never_panics(edits in vec((any::<usize>(), json_byte(), any::<u8>()), 1..12)) {
        let seed = std::fs::read(fixture("small.har")).unwrap();
        let doc = mutate(&seed, &edits);
        let _ = collect(&doc, Format::Auto, &small_opts());
        let _ = collect(&gzip(&doc), Format::Har, &small_opts());
    }

    #[test]
    fn mutated_jsonl_never_panics(edits in vec((any::<usize>(), json_byte(), any::<u8>()), 1..12)) {
        let seed = std::fs::read(fixture("small.jsonl")).unwrap();
        let doc = mutate(&seed, &edits);
        let _ = collect(&doc, Format::Jsonl, &small_opts());
    }

    #[test]
    fn corrupt_compressed_bodies_never_panic(
        body in vec(any::<u8>(), 0..512),
        coding in prop::sample::select(vec!["gzip", "deflate", "br", "gzip, br", "x-gzip"]),
    ) {
        let line = json!({"request": {"method": "GET", "url": "http://h/"},
            "response": {"status": 200, "headers": [["Content-Encoding", coding]],
                         "body": b64(&body), "body_encoding": "base64"}});
        let out = collect(line.to_string().as_bytes(), Format::Jsonl, &small_opts());
        prop_assert_eq!(out.summary().exchanges, 1);
    }

    #[test]
    fn well_formed_jsonl_reads_back_equal(
        method in "[A-Z]{1,8}",
        host in "[a-z][a-z0-9-]{0,10}(\\.[a-z]{2,6}){0,2}",
        port in proptest::option::of(1u16..),
        path in "(/([A-Za-z0-9._~!$&'()*+,;=:@-]|%[0-9A-F]{2}){0,8}){1,4}",
        query in proptest::option::of("[A-Za-z0-9=&%._~+/?-]{0,20}"),
        headers in vec(("x-[a-z0-9-]{1,10}", "[ -~]{0,20}"), 0..6),
        body in vec(any::<u8>(), 0..256),
        prefer_text in any::<bool>(),
        status in 100u16..600,
        response_headers in vec(("x-[a-z0-9-]{1,10}", "[ -~]{0,20}"), 0..4),
        response_body in "\\PC{0,64}",
        absolute in any::<bool>(),
        har_shape in any::<bool>(),
    ) {
        let authority = match port {
            Some(p) => format!("{host}:{p}"),
            None => host.clone(),
        };
        let target = match &query {
            Some(q) => format!("{path}?{q}"),
            None => path.clone(),
        };
        let shape = |h: &[(String, String)]| -> serde_json::Value {
            if har_shape {
                h.iter().map(|(n, v)| json!({"name": n, "value": v})).collect()
            } else {
                h.iter().map(|(n, v)| json!([n, v])).collect()
            }
        };
        let mut request = json!({"method": method, "headers": shape(&headers)});
        if absolute {
            request["url"] = json!(format!("https://{authority}{target}"));
        } else {
            request["url"] = json!(target);
            request["host"] = json!(authority);
        }
        match std::str::from_utf8(&body) {
            Ok(text) if prefer_text => request["body"] = json!(text),
            _ => {
                request["body"] = json!(b64(&body));
                request["body_encoding"] = json!("base64");
            }
        }
        let line = json!({"v": 1, "request": request,
            "response": {"status": status, "headers": shape(&response_headers), "body": response_body}});
        let out = collect(format!("{line}\n").as_bytes(), Format::Auto, &ReadOptions::default());
        prop_assert_eq!(out.summary().format, Format::Jsonl);
        let ex = out.single();
        let req = &ex.request;
        prop_assert_eq!(&req.method, &method);
        prop_assert_eq!(&req.host, &host);
        prop_assert_eq!(req.port, port);
        prop_assert_eq!(&req.scheme, if absolute { "https" } else { "http" });
        prop_assert_eq!(&req.path, &path);
        prop_assert_eq!(&req.query, &query);
        let got: Vec<(String, String)> =
            req.headers.iter().map(|(n, v)| (n.to_string(), v.to_string())).collect();
        prop_assert_eq!(&got, &headers);
        prop_assert_eq!(req.body.bytes(), &body[..]);
        let resp = ex.response.as_ref().unwrap();
        prop_assert_eq!(resp.status, status);
        let got: Vec<(String, String)> =
            resp.headers.iter().map(|(n, v)| (n.to_string(), v.to_string())).collect();
        prop_assert_eq!(&got, &response_headers);
        prop_assert_eq!(resp.body.as_str(), Some(response_body.as_str()));

        // And the crate's own writer produces a line that reads back to the same exchange.
        let again = collect(format!("{}\n", lampyr_ingest::to_line(ex)).as_bytes(), Format::Jsonl, &ReadOptions::default());
        prop_assert_eq!(again.single(), ex);
    }
}
