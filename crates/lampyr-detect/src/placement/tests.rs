//! Unit and property tests of request value extraction.

use super::*;
use lampyr_core::{Body, Headers};
use proptest::prelude::*;

fn req(method: &str, target: &str, headers: &[(&str, &str)], body: &str) -> Request {
    let (path, query) = match target.split_once('?') {
        Some((p, q)) => (p.to_string(), Some(q.to_string())),
        None => (target.to_string(), None),
    };
    let mut h = Headers::new();
    for (k, v) in headers {
        h.append(*k, *v);
    }
    Request {
        method: method.into(),
        path,
        query,
        headers: h,
        body: Body::from_parts(body.as_bytes().to_vec(), false, body.len() as u64),
        ..Request::default()
    }
}

fn values(e: &Extracted) -> Vec<(Location, String, ValueKind, String)> {
    e.items
        .iter()
        .map(|i| {
            (
                i.location,
                e.get(&i.field).to_string(),
                i.kind,
                e.get(&i.value).to_string(),
            )
        })
        .collect()
}

#[test]
fn path_query_headers_and_cookies_are_found_with_fields() {
    let r = req(
        "GET",
        "/a/b%2Fc?x=1+2&flag&y=%27",
        &[
            ("User-Agent", "ua"),
            ("Cookie", "sid=abc; t=%3Cb%3E"),
            ("Content-Length", "0"),
        ],
        "",
    );
    let e = extract(&r, &Limits::default());
    let v = values(&e);
    assert!(v.contains(&(
        Location::Path,
        "[1]".into(),
        ValueKind::Content,
        "b/c".into()
    )));
    assert!(v.contains(&(
        Location::Path,
        "".into(),
        ValueKind::Content,
        "/a/b/c".into()
    )));
    assert!(v.contains(&(
        Location::Query,
        "x".into(),
        ValueKind::Content,
        "1 2".into()
    )));
    assert!(v.contains(&(
        Location::Query,
        "flag".into(),
        ValueKind::Name,
        "flag".into()
    )));
    assert!(v.contains(&(Location::Query, "y".into(), ValueKind::Content, "'".into())));
    assert!(v.contains(&(
        Location::Header,
        "user-agent".into(),
        ValueKind::Content,
        "ua".into()
    )));
    assert!(v.contains(&(
        Location::Cookie,
        "t".into(),
        ValueKind::Content,
        "<b>".into()
    )));
    assert!(!v.iter().any(|x| x.1 == "content-length"));
}

#[test]
fn json_bodies_give_every_leaf_and_key() {
    let r = req(
        "POST",
        "/",
        &[("Content-Type", "application/json")],
        r#"{"user":{"name":"O'Brien","tags":["a","b"]},"n":3}"#,
    );
    let e = extract(&r, &Limits::default());
    let v = values(&e);
    assert!(v.contains(&(
        Location::Body,
        "user.name".into(),
        ValueKind::Content,
        "O'Brien".into()
    )));
    assert!(v.contains(&(
        Location::Body,
        "user.tags[]".into(),
        ValueKind::Content,
        "b".into()
    )));
    assert!(v.contains(&(
        Location::Body,
        "user".into(),
        ValueKind::Name,
        "user".into()
    )));
    assert!(v.contains(&(
        Location::Body,
        "user.tags".into(),
        ValueKind::Name,
        "tags".into()
    )));
    assert_eq!(v.iter().filter(|x| x.3 == "tags").count(), 1);
}

#[test]
fn multipart_parts_give_name_filename_and_content() {
    let body = "--XX\r\nContent-Disposition: form-data; name=\"f\"; filename=\"../x.php\"\r\nContent-Type: text/plain\r\n\r\n<?php ?>\r\n--XX--\r\n";
    let r = req(
        "POST",
        "/",
        &[("Content-Type", "multipart/form-data; boundary=XX")],
        body,
    );
    let e = extract(&r, &Limits::default());
    let files: Vec<_> = e
        .items
        .iter()
        .filter(|i| i.scope & scope::FILENAME != 0)
        .collect();
    assert_eq!(files.len(), 1);
    assert_eq!(e.get(&files[0].value), "../x.php");
    assert_eq!(e.get(&files[0].key), "f@filename");
    assert_eq!(e.get(&files[0].field), "f@filename");
    assert!(values(&e).contains(&(
        Location::Body,
        "f".into(),
        ValueKind::Content,
        "<?php ?>".into()
    )));
}

#[test]
fn xml_text_and_attributes_have_element_paths() {
    let r = req(
        "POST",
        "/",
        &[("Content-Type", "application/xml")],
        r#"<?xml version="1.0"?><root><a probe="x&lt;y">text</a><b/></root>"#,
    );
    let e = extract(&r, &Limits::default());
    let v = values(&e);
    assert!(v.contains(&(
        Location::Body,
        "root.a@probe".into(),
        ValueKind::Content,
        "x&lt;y".into()
    )));
    assert!(v.contains(&(
        Location::Body,
        "root.a".into(),
        ValueKind::Content,
        "text".into()
    )));
}

#[test]
fn limits_cut_and_count() {
    let limits = Limits {
        max_values: 5,
        max_value_len: 4,
        max_body_bytes: 1000,
    };
    let r = req("GET", "/p?a=123456&b=2&c=3&d=4&e=5", &[], "");
    let e = extract(&r, &limits);
    assert_eq!(e.items.len(), 5);
    assert!(e.skipped_values > 0);
    assert!(e.cut_values >= 1);
    assert!(e.items.iter().all(|i| e.get(&i.raw).len() <= 4));
}

#[test]
fn binary_bodies_are_skipped() {
    let r = req(
        "POST",
        "/",
        &[("Content-Type", "image/png")],
        "../../etc/passwd",
    );
    let e = extract(&r, &Limits::default());
    assert!(e.body_skipped);
    assert!(e.items.iter().all(|i| i.location != Location::Body));
}

proptest! {
    #[test]
    fn extraction_never_panics_and_respects_limits(
        path in "/[ -~]{0,40}", query in "[ -~]{0,80}", ct in prop::sample::select(vec![
            "application/json", "application/x-www-form-urlencoded",
            "multipart/form-data; boundary=b", "application/xml", "text/plain", ""]),
        body in "[ -~\r\n]{0,300}") {
        let r = req("POST", &format!("{path}?{query}"), &[("Content-Type", ct), ("Cookie", &query)], &body);
        let limits = Limits { max_values: 50, max_value_len: 64, max_body_bytes: 200 };
        let e = extract(&r, &limits);
        prop_assert!(e.items.len() <= 50);
        for i in &e.items {
            prop_assert!(e.get(&i.raw).len() <= 64);
            prop_assert!(e.get(&i.value).len() <= 64);
        }
    }
}
