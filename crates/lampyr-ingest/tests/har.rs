//! HAR reader behaviour, one feature per test.

mod common;

use std::ops::ControlFlow;

use common::*;
use lampyr_core::{BodyLimits, SourceKind};
use lampyr_ingest::{read, read_path, Format, IngestError, Item, Location, ReadOptions};
use serde_json::json;

fn opts() -> ReadOptions {
    ReadOptions::default()
}

fn one(entry_json: serde_json::Value) -> Outcome {
    collect(&har(&[entry_json]), Format::Har, &opts())
}

#[test]
fn small_fixture_reads_every_feature() {
    let mut items = Vec::new();
    let summary = read_path(&fixture("small.har"), Format::Auto, &opts(), |item| {
        items.push(item);
        ControlFlow::Continue(())
    })
    .unwrap();
    assert_eq!(summary.format, Format::Har);
    assert_eq!(
        (summary.entries, summary.exchanges, summary.skipped),
        (6, 5, 1)
    );
    assert!(!summary.stopped && !summary.gzip);
    let ex = |i: usize| match &items[i] {
        Item::Exchange(ex) => ex.clone(),
        Item::Skipped(e) => panic!("entry {i} skipped: {e}"),
    };

    // 0: absolute URL with port and raw query; gzip header over plain text keeps the text.
    let e0 = ex(0);
    assert_eq!(e0.request.method, "GET");
    assert_eq!(e0.request.scheme, "https");
    assert_eq!(e0.request.host, "api.example.com");
    assert_eq!(e0.request.port, Some(8443));
    assert_eq!(e0.request.path, "/v1/users/42");
    assert_eq!(e0.request.query.as_deref(), Some("fields=name%2Cemail&x"));
    assert_eq!(e0.request.version, "HTTP/1.1");
    let names: Vec<_> = e0.request.headers.iter().map(|(n, _)| n).collect();
    assert_eq!(names, ["Host", "Accept"]);
    let resp = e0.response.as_ref().unwrap();
    assert_eq!(resp.status, 200);
    assert_eq!(resp.body.as_str(), Some("{\"id\":42,\"name\":\"Ada\"}"));
    assert_eq!(e0.timing.started_us, Some(1_710_789_143_685_000));
    assert_eq!(e0.timing.duration_ms, Some(57.168));
    assert_eq!(e0.client, Some("198.51.100.23:0".parse().unwrap()));
    assert_eq!(e0.server, Some("[2001:db8::10]:8443".parse().unwrap()));
    assert_eq!(e0.source.kind, SourceKind::Har);
    assert_eq!(e0.source.index, 0);

    // 1: params re-encoded, Cookie synthesized, X-Forwarded-For, base64 binary response.
    let e1 = ex(1);
    assert_eq!(
        e1.request.body.as_str(),
        Some("user=li+wei&pass=p%26ss%3D1")
    );
    assert_eq!(
        e1.request.headers.get("cookie"),
        Some("sid=abc; theme=dark")
    );
    assert_eq!(e1.client, Some("203.0.113.9:0".parse().unwrap()));
    assert_eq!(e1.server, Some("192.0.2.10:443".parse().unwrap()));
    assert_eq!(e1.timing.started_us, Some(1_710_789_144_000_000));
    let resp = e1.response.as_ref().unwrap();
    assert_eq!(resp.status, 302);
    assert_eq!(resp.body.bytes(), [0x00, 0x01, 0xfe, 0xff]);

    // 2: status 0 is no response; X-Real-IP; time -1 is unknown.
    let e2 = ex(2);
    assert!(e2.response.is_none());
    assert_eq!(e2.client, Some("192.0.2.77:0".parse().unwrap()));
    assert_eq!(e2.timing.duration_ms, None);

    // 3: relative URL with the Host header; missing response; identity extension.
    let e3 = ex(3);
    assert_eq!(e3.request.host, "internal.example");
    assert_eq!(e3.request.port, Some(8080));
    assert_eq!(e3.request.path, "/v1/users/42");
    assert_eq!(e3.request.query, None);
    assert!(e3.response.is_none());
    let id = e3.identity.as_ref().unwrap();
    assert_eq!(id.consumer.as_deref(), Some("billing"));
    assert_eq!(id.user, None);
    assert_eq!(id.token_id.as_deref(), Some("key-7"));

    // 4: skipped with a clear message.
    match &items[4] {
        Item::Skipped(e) => {
            assert_eq!(e.location, Location::Entry(4));
            assert_eq!(
                e.to_string(),
                "entry 4: request.url: relative URL without Host header"
            );
        }
        other => panic!("expected a skipped entry, got {other:?}"),
    }

    // 5: request text body; base64 gzip response decoded.
    let e5 = ex(5);
    assert_eq!(e5.request.body.as_str(), Some("hello world"));
    assert_eq!(
        e5.response.as_ref().unwrap().body.as_str(),
        Some("{\"saved\":true}")
    );
    assert_eq!(e5.source.index, 5);
}

#[test]
fn forwarded_headers_are_used_only_when_trusted() {
    let opts = ReadOptions {
        trust_forwarded: false,
        input: 3,
        ..ReadOptions::default()
    };
    let mut clients = Vec::new();
    read_path(&fixture("small.har"), Format::Har, &opts, |item| {
        if let Item::Exchange(ex) = item {
            assert_eq!(ex.source.input, 3);
            clients.push(ex.client);
        }
        ControlFlow::Continue(())
    })
    .unwrap();
    // _clientIPAddress still counts; X-Forwarded-For and X-Real-IP do not.
    assert_eq!(
        clients,
        [
            Some("198.51.100.23:0".parse().unwrap()),
            None,
            None,
            None,
            None
        ]
    );
}

#[test]
fn entries_may_come_before_or_after_other_keys() {
    let e = entry("http://a.example/x", json!({"status": 200}));
    let entries = serde_json::to_string(&[&e, &e]).unwrap();
    let docs = [
        format!(
            r#"{{"log":{{"entries":{entries},"version":"1.2","creator":{{"name":"x"}},"pages":[{{"id":"p"}}]}}}}"#
        ),
        format!(
            r#"{{"log":{{"version":"1.2","pages":[[1,{{"a":[2]}}]],"_custom":{{"entries":"no"}},"entries":{entries}}}}}"#
        ),
        format!(
            r#"{{"comment":"first","x":[{{"log":1}}],"log":{{"entries":{entries}}},"after":{{"y":null}}}}"#
        ),
        format!(" \n\t{{ \"log\" : {{ \"entries\" : {entries} }} }} \n"),
    ];
    for doc in docs {
        let out = collect(doc.as_bytes(), Format::Auto, &opts());
        let s = out.summary();
        assert_eq!((s.format, s.exchanges), (Format::Har, 2), "{doc}");
    }
}

#[test]
fn missing_null_and_empty_responses_are_none() {
    for response in [
        json!(null),
        json!({}),
        json!({"status": 0}),
        json!({"headers": []}),
    ] {
        let out = one(entry("http://a.example/", response.clone()));
        assert!(out.single().response.is_none(), "{response}");
    }
    let mut e = entry("http://a.example/", json!(null));
    e.as_object_mut().unwrap().remove("response");
    assert!(one(e).single().response.is_none());
    // Status as a string is accepted.
    let out = one(entry("http://a.example/", json!({"status": "404"})));
    assert_eq!(out.single().response.as_ref().unwrap().status, 404);
}

#[test]
fn base64_content_is_decoded() {
    let out = one(entry(
        "http://a.example/img",
        json!({"status": 200, "content": {"mimeType": "image/png", "text": b64(b"\x89PNG\r\n"), "encoding": "base64"}}),
    ));
    let body = &out.single().response.as_ref().unwrap().body;
    assert_eq!(body.bytes(), b"\x89PNG\r\n");
    // Bad base64 skips the entry, naming the field.
    let out = one(entry(
        "http://a.example/img",
        json!({"status": 200, "content": {"text": "%%%", "encoding": "base64"}}),
    ));
    assert_eq!(
        out.skipped()[0].to_string(),
        "entry 0: response.content.text: invalid base64"
    );
}

#[test]
fn content_encodings_are_undone() {
    let text = br#"{"items":[1,2,3],"note":"decoded"}"#;
    for (coding, bytes) in [
        ("gzip", gzip(text)),
        ("br", brotli(text)),
        ("deflate", zlib(text)),
    ] {
        let out = one(entry(
            "http://a.example/",
            json!({"status": 200,
                   "headers": [{"name": "Content-Encoding", "value": coding}],
                   "content": {"text": b64(&bytes), "encoding": "base64"}}),
        ));
        let body = &out.single().response.as_ref().unwrap().body;
        assert_eq!(body.bytes(), text, "{coding}");
        assert!(!body.truncated());
    }
}

#[test]
fn decompression_bomb_is_cut() {
    let bomb = gzip(&vec![b'A'; 20 << 20]);
    let opts = ReadOptions {
        max_decoded: 2 << 20,
        limits: BodyLimits { max_body: 64 << 10 },
        ..ReadOptions::default()
    };
    let doc = har(&[entry(
        "http://a.example/",
        json!({"status": 200,
               "headers": [{"name": "Content-Encoding", "value": "gzip"}],
               "content": {"text": b64(&bomb), "encoding": "base64"}}),
    )]);
    let out = collect(&doc, Format::Har, &opts);
    let body = &out.single().response.as_ref().unwrap().body;
    assert!(body.truncated());
    assert_eq!(body.len(), 64 << 10);
    assert_eq!(body.original_len(), 2 << 20);
    assert!(body.bytes().iter().all(|&b| b == b'A'));
}

#[test]
fn large_plain_bodies_are_cut_at_the_body_limit() {
    let opts = ReadOptions {
        limits: BodyLimits { max_body: 10 },
        ..ReadOptions::default()
    };
    let doc = har(&[entry(
        "http://a.example/",
        json!({"status": 200, "content": {"text": "0123456789abcdef"}}),
    )]);
    let out = collect(&doc, Format::Har, &opts);
    let body = &out.single().response.as_ref().unwrap().body;
    assert_eq!(
        (body.as_str(), body.truncated(), body.original_len()),
        (Some("0123456789"), true, 16)
    );
}

#[test]
fn post_data_variants() {
    let post = |post_data: serde_json::Value, headers: serde_json::Value| {
        let mut e = entry("http://a.example/upload", json!(null));
        e["request"]["method"] = json!("POST");
        e["request"]["postData"] = post_data;
        e["request"]["headers"] = headers;
        let out = one(e);
        out.single().request.body.bytes().to_vec()
    };
    // Text wins over params.
    assert_eq!(
        post(
            json!({"mimeType": "application/json", "text": "{\"a\":1}", "params": [{"name": "x"}]}),
            json!([])
        ),
        b"{\"a\":1}"
    );
    // Base64 text (not standard, but seen).
    assert_eq!(
        post(
            json!({"mimeType": "application/octet-stream", "text": b64(b"\xff\x00"), "encoding": "base64"}),
            json!([])
        ),
        b"\xff\x00"
    );
    // Multipart text is kept as it is.
    let mp = "--b1\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n1\r\n--b1--\r\n";
    assert_eq!(
        post(
            json!({"mimeType": "multipart/form-data; boundary=b1", "text": mp}),
            json!([])
        ),
        mp.as_bytes()
    );
    // Multipart params only: rebuilt with the boundary.
    let body = post(
        json!({"mimeType": "multipart/form-data; boundary=XyZ", "params": [
            {"name": "title", "value": "hi"},
            {"name": "file", "fileName": "a.txt", "contentType": "text/plain", "value": "data"}]}),
        json!([]),
    );
    assert_eq!(
        String::from_utf8(body).unwrap(),
        "--XyZ\r\nContent-Disposition: form-data; name=\"title\"\r\n\r\nhi\r\n\
         --XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.txt\"\r\n\
         Content-Type: text/plain\r\n\r\ndata\r\n--XyZ--\r\n"
    );
    // Params without a mime type fall back to the Content-Type header, then to urlencoded.
    assert_eq!(
        post(
            json!({"params": [{"name": "q", "value": "a b"}, {"name": "empty"}]}),
            json!([{"name": "Content-Type", "value": "application/x-www-form-urlencoded"}])
        ),
        b"q=a+b&empty="
    );
    // A gzip-encoded request body is decoded too.
    assert_eq!(
        post(
            json!({"mimeType": "application/json", "text": b64(&gzip(b"[1]")), "encoding": "base64"}),
            json!([{"name": "Content-Encoding", "value": "gzip"}])
        ),
        b"[1]"
    );
}

#[test]
fn cookie_header_wins_over_cookies_array() {
    let mut e = entry("http://a.example/", json!(null));
    e["request"]["headers"] = json!([{"name": "Cookie", "value": "real=1"}]);
    e["request"]["cookies"] = json!([{"name": "parsed", "value": "2"}]);
    let out = one(e);
    let cookies: Vec<_> = out.single().request.headers.get_all("cookie").collect();
    assert_eq!(cookies, ["real=1"]);
}

#[test]
fn relative_urls_need_a_host() {
    let mut e = entry("/api/v2/items?page=2", json!(null));
    e["request"]["headers"] = json!([{"name": ":authority", "value": "h2.example"}, {"name": ":scheme", "value": "https"}]);
    let out = one(e);
    let req = &out.single().request;
    assert_eq!(
        (
            req.scheme.as_str(),
            req.host.as_str(),
            req.path.as_str(),
            req.query.as_deref()
        ),
        ("https", "h2.example", "/api/v2/items", Some("page=2"))
    );
    let out = one(entry("/api", json!(null)));
    assert_eq!(
        out.skipped()[0].to_string(),
        "entry 0: request.url: relative URL without Host header"
    );
}

#[test]
fn client_ip_extension_wins_over_forwarded_headers() {
    let mut e = entry("http://a.example/", json!(null));
    e["request"]["headers"] = json!([{"name": "X-Forwarded-For", "value": "203.0.113.1"}]);
    e["_clientIPAddress"] = json!("2001:db8::1");
    assert_eq!(
        one(e.clone()).single().client,
        Some("[2001:db8::1]:0".parse().unwrap())
    );
    e["_clientIPAddress"] = json!("10.1.2.3:4567");
    assert_eq!(
        one(e.clone()).single().client,
        Some("10.1.2.3:4567".parse().unwrap())
    );
    e["_clientIPAddress"] = json!("not-an-ip");
    assert_eq!(
        one(e).skipped()[0].to_string(),
        "entry 0: _clientIPAddress: not an IP address: \"not-an-ip\""
    );
}

#[test]
fn wrong_types_skip_the_entry_and_name_the_field() {
    let cases = [
        (json!("just a string"), "entry 0: expected an object, found a string"),
        (json!({"response": null}), "entry 0: request: missing"),
        (json!({"request": {"url": "http://a/"}}), "entry 0: request.method: missing"),
        (json!({"request": {"method": "GET", "url": 5}}), "entry 0: request.url: expected a string, found a number"),
        (json!({"request": {"method": "GET", "url": "http://a/", "headers": "x"}}),
         "entry 0: request.headers: expected an array or object of headers, found a string"),
        (json!({"request": {"method": "GET", "url": "http://a/", "headers": [{"name": "A"}]}}),
         "entry 0: request.headers[0].value: missing"),
        (json!({"request": {"method": "GET", "url": "http://a/"}, "response": {"status": 70000}}),
         "entry 0: response.status: not an HTTP status code: 70000"),
        (json!({"request": {"method": "GET", "url": "http://a/"}, "startedDateTime": "last tuesday"}),
         "entry 0: startedDateTime: not an RFC 3339 date-time: \"last tuesday\""),
        (json!({"request": {"method": "GET", "url": "data:text/plain,hi"}}),
         "entry 0: request.url: \"data:text/plain,hi\" is neither an absolute http(s) URL nor a path starting with /"),
    ];
    for (entry_json, message) in cases {
        let out = one(entry_json);
        assert_eq!(out.summary().skipped, 1);
        assert_eq!(out.skipped()[0].to_string(), message);
    }
    // Numbers as header values are taken as text.
    let mut e = entry("http://a.example/", json!(null));
    e["request"]["headers"] = json!([{"name": "Content-Length", "value": 12}]);
    assert_eq!(
        one(e).single().request.headers.get("content-length"),
        Some("12")
    );
}

#[test]
fn truncated_file_keeps_earlier_entries_and_reports_position() {
    let doc = har(&[
        entry("http://a.example/1", json!({"status": 200})),
        entry("http://a.example/2", json!({"status": 200})),
        entry("http://a.example/3", json!({"status": 200})),
    ]);
    let text = String::from_utf8(doc).unwrap();
    let cut = text.find("/3").unwrap();
    let out = collect(&text.as_bytes()[..cut], Format::Har, &opts());
    assert_eq!(out.exchanges().len(), 2);
    match out.result {
        Err(IngestError::Syntax { line, column, .. }) => {
            assert_eq!((line, column), (1, cut));
        }
        other => panic!("expected a syntax error, got {other:?}"),
    }
    // Garbage inside the array after good entries.
    let bad = text.replace(r#"{"request":{"headers":[],"httpVersion":"HTTP/1.1","method":"GET","url":"http://a.example/3"}"#, "}{");
    let out = collect(bad.as_bytes(), Format::Har, &opts());
    assert!(out.exchanges().len() >= 2);
    assert!(
        matches!(out.result, Err(IngestError::Syntax { .. })),
        "{:?}",
        out.result
    );
}

#[test]
fn trailing_data_after_the_har_is_an_error() {
    let mut doc = har(&[entry("http://a.example/", json!(null))]);
    doc.extend_from_slice(b"\n{\"log\":{}}");
    let out = collect(&doc, Format::Har, &opts());
    assert_eq!(out.exchanges().len(), 1);
    let err = out.result.unwrap_err();
    assert!(err.to_string().contains("trailing characters"), "{err}");
}

#[test]
fn not_a_har_is_a_fatal_error() {
    for (doc, expect) in [
        (&b"{\"foo\": 1}"[..], "no \"log\" member"),
        (b"{\"log\": {\"version\": \"1.2\"}}", "no \"entries\" array"),
        (
            b"{\"log\": {\"entries\": {}}}",
            "expected the \"log.entries\" array",
        ),
        (b"{\"log\": []}", "expected the HAR \"log\" object"),
        (b"[1, 2]", "expected a HAR object"),
    ] {
        let out = collect(doc, Format::Har, &opts());
        match out.result {
            Err(e @ IngestError::NotHar(_)) => {
                assert!(e.to_string().contains(expect), "{e} / {expect}")
            }
            other => panic!("{}: {other:?}", String::from_utf8_lossy(doc)),
        }
    }
}

#[test]
fn break_stops_reading() {
    let doc = har(&vec![entry("http://a.example/", json!(null)); 10]);
    let mut seen = 0;
    let summary = read(&doc[..], Format::Har, &opts(), |_| {
        seen += 1;
        if seen == 3 {
            ControlFlow::Break(())
        } else {
            ControlFlow::Continue(())
        }
    })
    .unwrap();
    assert_eq!(seen, 3);
    assert!(summary.stopped);
    assert_eq!(summary.entries, 3);
}

#[test]
fn deep_nesting_is_an_error_not_a_crash() {
    let depth = 100_000;
    let mut doc = String::from("{\"log\":{\"pages\":");
    doc.push_str(&"[".repeat(depth));
    doc.push_str(&"]".repeat(depth));
    doc.push_str(",\"entries\":[]}}");
    let out = collect(doc.as_bytes(), Format::Har, &opts());
    // serde_json's recursion limit answers; what matters is no stack overflow.
    let _ = out.result;

    let mut doc = String::from("{\"log\":{\"entries\":[");
    doc.push_str(&"{\"a\":".repeat(depth));
    let out = collect(doc.as_bytes(), Format::Har, &opts());
    assert!(out.result.is_err());
}
