//! Exchange JSON Lines v1 reader and writer.

mod common;

use std::ops::ControlFlow;

use common::*;
use lampyr_core::{BodyLimits, SourceKind};
use lampyr_ingest::{read, read_path, to_line, Format, Item, Location, ReadOptions};
use serde_json::json;

fn opts() -> ReadOptions {
    ReadOptions::default()
}

fn lines(lines: &[serde_json::Value]) -> Vec<u8> {
    let mut out = Vec::new();
    for l in lines {
        out.extend_from_slice(serde_json::to_string(l).unwrap().as_bytes());
        out.push(b'\n');
    }
    out
}

fn one(line: serde_json::Value) -> Outcome {
    collect(&lines(&[line]), Format::Jsonl, &opts())
}

/// The example block of the format's documentation.
fn doc_example() -> String {
    let doc = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/exchange-jsonl-v1.md"),
    )
    .unwrap();
    let start = doc.find("```jsonl\n").expect("example block") + "```jsonl\n".len();
    let end = start + doc[start..].find("```").unwrap();
    doc[start..end].to_string()
}

#[test]
fn documentation_example_parses() {
    let example = doc_example();
    let out = collect(example.as_bytes(), Format::Auto, &opts());
    let summary = out.summary();
    assert_eq!(summary.format, Format::Jsonl);
    assert_eq!(
        (summary.exchanges, summary.skipped),
        (3, 0),
        "{:?}",
        out.skipped()
    );
    let ex = out.exchanges();

    let first = ex[0];
    assert_eq!(first.request.method, "POST");
    assert_eq!(first.request.host, "api.example.com");
    assert_eq!(first.request.path, "/v1/users");
    assert_eq!(first.request.query.as_deref(), Some("invite=true"));
    assert_eq!(first.request.headers.len(), 3);
    assert_eq!(
        first.request.media_type().as_deref(),
        Some("application/json")
    );
    assert_eq!(
        first.request.body.as_str(),
        Some(r#"{"name":"Li Wei","email":"li.wei@example.com"}"#)
    );
    let resp = first.response.as_ref().unwrap();
    assert_eq!(resp.status, 201);
    assert_eq!(resp.headers.get("content-type"), Some("application/json"));
    assert_eq!(first.timing.started_us, Some(1_710_789_143_685_000));
    assert_eq!(first.timing.duration_ms, Some(57.2));
    assert_eq!(first.client, Some("203.0.113.7:51544".parse().unwrap()));
    assert_eq!(first.server, Some("10.0.3.12:8080".parse().unwrap()));
    let id = first.identity.as_ref().unwrap();
    assert_eq!(
        (id.consumer.as_deref(), id.user.as_deref()),
        (Some("mobile-app"), Some("u-1842"))
    );
    assert_eq!(first.source.kind, SourceKind::Jsonl);

    let second = ex[1];
    assert_eq!(second.request.scheme, "https");
    assert_eq!(second.request.host, "api.example.com");
    assert_eq!(second.request.path, "/v1/users/9001/avatar");
    assert_eq!(second.request.headers.get("Accept"), Some("image/png"));
    assert_eq!(second.timing.started_us, Some(1_710_789_144_194_000));
    assert_eq!(second.client, Some("198.51.100.4:0".parse().unwrap()));
    let resp = second.response.as_ref().unwrap();
    assert_eq!(resp.status, 200);
    assert_eq!(resp.body.bytes(), b"\x89PNG\r\n\x1a\n");
    assert_eq!(second.source.index, 1);

    let third = ex[2];
    assert!(third.response.is_none());
    assert_eq!(third.request.version, "HTTP/1.1");
}

#[test]
fn small_fixture_reports_bad_lines_and_goes_on() {
    let mut items = Vec::new();
    let summary = read_path(&fixture("small.jsonl"), Format::Auto, &opts(), |item| {
        items.push(item);
        ControlFlow::Continue(())
    })
    .unwrap();
    assert_eq!(summary.format, Format::Jsonl);
    // 7 lines, one blank: 6 entries, 2 of them bad.
    assert_eq!(
        (summary.entries, summary.exchanges, summary.skipped),
        (6, 4, 2)
    );
    let skipped: Vec<String> = items
        .iter()
        .filter_map(|i| match i {
            Item::Skipped(e) => Some(e.to_string()),
            _ => None,
        })
        .collect();
    assert!(
        skipped[0].starts_with("line 5: invalid JSON at column"),
        "{}",
        skipped[0]
    );
    assert_eq!(skipped[1], "line 7: request: missing");
    let report = items
        .iter()
        .find_map(|i| match i {
            Item::Exchange(ex) if ex.request.path == "/v1/report" => Some(ex.clone()),
            _ => None,
        })
        .unwrap();
    assert_eq!(report.source.index, 5);
    assert_eq!(
        report.response.as_ref().unwrap().body.as_str(),
        Some("id,name\n1,Ada\n")
    );
    assert_eq!(report.timing.duration_ms, Some(250.0));
    assert_eq!(report.client, Some("[2001:db8::5]:4711".parse().unwrap()));
}

#[test]
fn all_header_shapes_keep_order() {
    let shapes = [
        json!([["B", "1"], ["a", "2"], ["B", "3"]]),
        json!([{"name": "B", "value": "1"}, {"name": "a", "value": "2"}, {"name": "B", "value": "3"}]),
    ];
    for headers in shapes {
        let out =
            one(json!({"request": {"method": "GET", "url": "http://h/", "headers": headers}}));
        let got: Vec<_> = out
            .single()
            .request
            .headers
            .iter()
            .map(|(n, v)| format!("{n}={v}"))
            .collect();
        assert_eq!(got, ["B=1", "a=2", "B=3"]);
    }
    // Object shape: document order, arrays expand, null and "" mean absent, numbers as text.
    let line = r#"{"request":{"method":"GET","url":"http://h/","headers":{"z":"1","set-cookie":["a=1","b=2"],"gone":null,"empty":"","content-length":42}}}"#;
    let out = collect(line.as_bytes(), Format::Jsonl, &opts());
    let got: Vec<_> = out
        .single()
        .request
        .headers
        .iter()
        .map(|(n, v)| format!("{n}={v}"))
        .collect();
    assert_eq!(
        got,
        [
            "z=1",
            "set-cookie=a=1",
            "set-cookie=b=2",
            "content-length=42"
        ]
    );
}

#[test]
fn bodies_base64_json_and_truncation_flags() {
    let out = one(
        json!({"request": {"method": "POST", "url": "http://h/", "body": b64(b"\x00\xff"), "body_encoding": "base64"}}),
    );
    assert_eq!(out.single().request.body.bytes(), b"\x00\xff");

    let out =
        one(json!({"request": {"method": "POST", "url": "http://h/", "body": {"a": [1, true]}}}));
    assert_eq!(
        out.single().request.body.as_str(),
        Some(r#"{"a":[1,true]}"#)
    );

    let out = one(
        json!({"request": {"method": "POST", "url": "http://h/", "body": "abc", "body_truncated": true, "body_size": 1000}}),
    );
    let body = &out.single().request.body;
    assert_eq!(
        (body.as_str(), body.truncated(), body.original_len()),
        (Some("abc"), true, 1000)
    );

    // body_decoded: a Content-Encoding header is kept but the body is not decoded again.
    let gz = gzip(b"x");
    let out = one(json!({"request": {"method": "GET", "url": "http://h/"},
        "response": {"status": 200, "headers": [["Content-Encoding", "gzip"]], "body": b64(&gz), "body_encoding": "base64", "body_decoded": true}}));
    assert_eq!(out.single().response.as_ref().unwrap().body.bytes(), gz);
    let out = one(json!({"request": {"method": "GET", "url": "http://h/"},
        "response": {"status": 200, "headers": [["Content-Encoding", "gzip"]], "body": b64(&gz), "body_encoding": "base64"}}));
    assert_eq!(out.single().response.as_ref().unwrap().body.bytes(), b"x");

    let out = one(
        json!({"request": {"method": "GET", "url": "http://h/", "body": "??", "body_encoding": "base64"}}),
    );
    assert_eq!(
        out.skipped()[0].to_string(),
        "line 1: request.body: invalid base64"
    );
    let out = one(
        json!({"request": {"method": "GET", "url": "http://h/", "body": "x", "body_encoding": "utf16"}}),
    );
    assert_eq!(
        out.skipped()[0].to_string(),
        "line 1: request.body_encoding: expected \"utf8\" or \"base64\", found \"utf16\""
    );
}

#[test]
fn bomb_in_jsonl_is_cut() {
    let bomb = brotli(&vec![0u8; 8 << 20]);
    let opts = ReadOptions {
        max_decoded: 1 << 20,
        limits: BodyLimits { max_body: 4096 },
        ..ReadOptions::default()
    };
    let data = lines(&[json!({"request": {"method": "GET", "url": "http://h/"},
        "response": {"status": 200, "headers": {"content-encoding": "br"}, "body": b64(&bomb), "body_encoding": "base64"}})]);
    let out = collect(&data, Format::Jsonl, &opts);
    let body = &out.single().response.as_ref().unwrap().body;
    assert!(body.truncated());
    assert_eq!((body.len(), body.original_len()), (4096, 1 << 20));
}

#[test]
fn overlong_line_is_skipped_without_buffering() {
    let long = format!(
        r#"{{"request":{{"method":"GET","url":"http://h/","body":"{}"}}}}"#,
        "x".repeat(10_000)
    );
    let short = r#"{"request":{"method":"GET","url":"http://h/after"}}"#;
    let data = format!("{long}\n{short}\n{long}");
    let opts = ReadOptions {
        max_line: 1000,
        ..ReadOptions::default()
    };
    let out = collect(data.as_bytes(), Format::Jsonl, &opts);
    let skipped = out.skipped();
    assert_eq!(skipped.len(), 2);
    assert_eq!(skipped[0].location, Location::Line(1));
    assert_eq!(skipped[1].location, Location::Line(3));
    assert_eq!(
        skipped[0].to_string(),
        "line 1: line is longer than the limit of 1000 bytes"
    );
    let ex = out.exchanges();
    assert_eq!(ex.len(), 1);
    assert_eq!(
        (ex[0].request.path.as_str(), ex[0].source.index),
        ("/after", 1)
    );
}

#[test]
fn crlf_blank_lines_and_invalid_utf8() {
    let mut data =
        b"\r\n{\"request\":{\"method\":\"GET\",\"url\":\"http://h/a\"}}\r\n   \r\n".to_vec();
    data.extend_from_slice(
        b"{\"request\":{\"method\":\"POST\",\"url\":\"http://h/b\",\"body\":\"caf\xe9\"}}\n",
    );
    let out = collect(&data, Format::Auto, &opts());
    let s = out.summary();
    assert_eq!((s.format, s.entries, s.exchanges), (Format::Jsonl, 2, 2));
    let ex = out.exchanges();
    assert_eq!(ex[0].source.index, 1);
    assert_eq!(ex[1].source.index, 3);
    assert_eq!(ex[1].request.body.as_str(), Some("caf\u{fffd}"));
}

#[test]
fn field_errors_name_line_and_field() {
    let cases = [
        (
            json!({"v": 2, "request": {}}),
            "line 1: v: unsupported version 2 (this reader knows 1)",
        ),
        (json!([1]), "line 1: expected an object, found an array"),
        (
            json!({"request": {"method": "GET"}}),
            "line 1: request.url: missing",
        ),
        (
            json!({"request": {"method": "", "url": "/"}}),
            "line 1: request.method: empty",
        ),
        (
            json!({"request": {"method": "GET", "url": "/x"}}),
            "line 1: request.url: relative URL without Host header",
        ),
        (
            json!({"request": {"method": "GET", "url": "/x", "host": "h", "scheme": "gopher"}}),
            "line 1: request.scheme: unsupported scheme \"gopher\"",
        ),
        (
            json!({"request": {"method": "GET", "url": "http://h/"}, "response": {}}),
            "line 1: response.status: missing",
        ),
        (
            json!({"request": {"method": "GET", "url": "http://h/"}, "client": "somewhere"}),
            "line 1: client: not an IP address: \"somewhere\"",
        ),
        (
            json!({"request": {"method": "GET", "url": "http://h/"}, "started": true}),
            "line 1: started: expected a number, found a boolean",
        ),
        (
            json!({"request": {"method": "GET", "url": "http://h/"}, "identity": "bob"}),
            "line 1: identity: expected an object, found a string",
        ),
        (
            json!({"request": {"method": "GET", "url": "http://h/", "headers": [["a"]]}}),
            "line 1: request.headers[0]: expected a [name, value] pair",
        ),
    ];
    for (line, message) in cases {
        let out = one(line);
        assert_eq!(
            out.skipped().first().map(|e| e.to_string()).as_deref(),
            Some(message)
        );
    }
}

#[test]
fn lenient_numbers_and_hosts() {
    let out = one(
        json!({"request": {"method": "GET", "url": "/p?q", "host": "Example.COM:8080"},
        "response": {"status": "503"}, "started": "1710789143.5", "duration_ms": "12.5", "server": "10.0.0.1"}),
    );
    let ex = out.single();
    assert_eq!(
        (ex.request.host.as_str(), ex.request.port),
        ("example.com", Some(8080))
    );
    assert_eq!(ex.response.as_ref().unwrap().status, 503);
    assert_eq!(ex.timing.started_us, Some(1_710_789_143_500_000));
    assert_eq!(ex.timing.duration_ms, Some(12.5));
    assert_eq!(ex.server, Some("10.0.0.1:8080".parse().unwrap()));
}

#[test]
fn break_stops_after_the_current_line() {
    let data = lines(&vec![
        json!({"request": {"method": "GET", "url": "http://h/"}});
        5
    ]);
    let mut n = 0;
    let summary = read(&data[..], Format::Jsonl, &opts(), |_| {
        n += 1;
        ControlFlow::Break(())
    })
    .unwrap();
    assert_eq!((n, summary.entries, summary.stopped), (1, 1, true));
}

#[test]
fn writer_round_trips_the_har_fixture() {
    let mut originals = Vec::new();
    read_path(&fixture("small.har"), Format::Har, &opts(), |item| {
        if let Item::Exchange(ex) = item {
            originals.push(*ex);
        }
        ControlFlow::Continue(())
    })
    .unwrap();
    let text: String = originals.iter().map(|ex| to_line(ex) + "\n").collect();
    let out = collect(text.as_bytes(), Format::Auto, &opts());
    assert_eq!(out.summary().format, Format::Jsonl);
    let back = out.exchanges();
    assert_eq!(back.len(), originals.len());
    for (orig, back) in originals.iter().zip(back) {
        let mut back = back.clone();
        back.source = orig.source;
        assert_eq!(&back, orig, "{}", to_line(orig));
    }
}
