use super::formats::{decode_component, header_params};
use super::*;
use lampyr_core::{BodyLimits, Response};
use proptest::prelude::*;
use serde_json::json;

fn exchange(
    method: &str,
    query: Option<&str>,
    headers: &[(&str, &str)],
    body: &str,
    status: u16,
    res_headers: &[(&str, &str)],
    res_body: &str,
) -> Exchange {
    Exchange {
        request: Request {
            method: method.into(),
            query: query.map(str::to_owned),
            headers: headers.iter().copied().collect(),
            body: Body::capture(body.as_bytes().to_vec(), BodyLimits::default()),
            ..Request::default()
        },
        response: Some(Response {
            status,
            headers: res_headers.iter().copied().collect(),
            body: Body::capture(res_body.as_bytes().to_vec(), BodyLimits::default()),
            ..Response::default()
        }),
        ..Exchange::default()
    }
}

fn shapes(exs: &[Exchange]) -> ParamShapes {
    let mut s = ParamShapes::default();
    for e in exs {
        s.observe(e);
    }
    s
}

#[test]
fn query_headers_cookies() {
    let a = exchange(
        "GET",
        Some("id=1&tag=a&tag=b&filter%5Bstatus%5D=open&q=hello+world&api_key=s3cr3t"),
        &[
            ("X-Tenant", "acme"),
            ("User-Agent", "x"),
            ("X-API-Key", "k"),
            ("Cookie", "sid=abc; theme=dark"),
        ],
        "",
        200,
        &[
            ("X-RateLimit-Remaining", "10"),
            ("Server", "nginx"),
            ("Set-Cookie", "sid=new; Path=/"),
        ],
        "",
    );
    let b = exchange(
        "GET",
        Some("id=2"),
        &[("x-tenant", "acme")],
        "",
        200,
        &[],
        "",
    );
    let s = shapes(&[a, b]);
    assert_eq!(s.count, 2);
    let q: Vec<_> = s
        .query_params()
        .iter()
        .map(|p| (p.name, p.base_name, p.required))
        .collect();
    assert_eq!(
        q,
        [
            ("api_key", "api_key", false),
            ("filter[status]", "filter", false),
            ("id", "id", true),
            ("q", "q", false),
            ("tag", "tag", false),
        ]
    );
    assert_eq!(
        s.query["tag"].to_json_schema(),
        json!({"type": "array", "items": {"type": "string"}})
    );
    assert_eq!(s.query["id"].to_json_schema()["type"], "integer");
    assert_eq!(
        s.headers.keys().collect::<Vec<_>>(),
        ["x-api-key", "x-tenant"]
    );
    assert!(s
        .header_params()
        .iter()
        .any(|p| p.name == "x-tenant" && p.required));
    assert_eq!(s.cookies.keys().collect::<Vec<_>>(), ["sid", "theme"]);
    let r = &s.responses[&200];
    assert_eq!(r.count, 2);
    assert_eq!(
        r.headers.keys().collect::<Vec<_>>(),
        ["x-ratelimit-remaining"]
    );
    assert_eq!(r.set_cookies.get("sid"), Some(&1));
    // Secrets never become enums, even when repeated.
    let repeated: Vec<Exchange> = (0..6)
        .map(|_| {
            exchange(
                "GET",
                Some("api_key=s3cr3t"),
                &[("X-Api-Key", "kkk"), ("Cookie", "sid=abc")],
                "",
                200,
                &[],
                "",
            )
        })
        .collect();
    let s = shapes(&repeated);
    let shown = serde_json::to_string(&s).unwrap();
    assert!(
        !shown.contains("s3cr3t") && !shown.contains("kkk") && !shown.contains("abc"),
        "{shown}"
    );
}

#[test]
fn json_bodies_per_media_type_and_status() {
    let a = exchange(
        "POST",
        None,
        &[("Content-Type", "application/json; charset=utf-8")],
        r#"{"name":"a","age":3}"#,
        201,
        &[("Content-Type", "application/vnd.api+json")],
        r#"{"data":{"id":"1","attributes":{"x":1}}}"#,
    );
    let b = exchange(
        "POST",
        None,
        &[("Content-Type", "application/json")],
        r#"{"name":"b"}"#,
        400,
        &[("Content-Type", "application/problem+json")],
        r#"{"title":"bad"}"#,
    );
    let c = exchange(
        "POST",
        None,
        &[("Content-Type", "application/json")],
        "{not json",
        500,
        &[],
        "oops",
    );
    let s = shapes(&[a, b, c]);
    let req = &s.request_bodies["application/json"];
    assert_eq!((req.kind, req.count, req.unparsed), (BodyKind::Json, 3, 1));
    assert_eq!(req.schema.to_json_schema()["required"], json!(["name"]));
    assert!(s.request_body_required());
    assert_eq!(
        s.responses[&201].bodies["application/vnd.api+json"].kind,
        BodyKind::Json
    );
    assert_eq!(
        s.responses[&500].bodies["application/octet-stream"].kind,
        BodyKind::Other
    );
    let sig: Vec<String> = s.signature().into_iter().collect();
    assert_eq!(
        sig,
        [
            "req:age",
            "req:name",
            "res:201:data",
            "res:201:data.attributes",
            "res:201:data.id",
            "res:400:title",
        ]
    );
}

#[test]
fn form_bodies() {
    let a = exchange(
        "POST",
        None,
        &[("Content-Type", "application/x-www-form-urlencoded")],
        "user=alice&password=hunter2&remember=true&n=5&n=6",
        200,
        &[],
        "",
    );
    let s = shapes(&[a]);
    let schema = s.request_bodies["application/x-www-form-urlencoded"]
        .schema
        .to_json_schema();
    assert_eq!(schema["type"], "object");
    assert_eq!(schema["properties"]["remember"]["type"], "boolean");
    assert_eq!(schema["properties"]["n"]["items"]["type"], "integer");
    assert_eq!(schema["properties"]["password"]["type"], "string");
}

#[test]
fn multipart_bodies() {
    let body = "--XyZ\r\nContent-Disposition: form-data; name=\"title\"\r\n\r\nHello\r\n\
                --XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.png\"\r\n\
                Content-Type: image/png\r\n\r\n\u{1}\u{2}PNG\r\n--XyZ\r\n\
                Content-Disposition: form-data; name=\"count\"\r\n\r\n42\r\n--XyZ--\r\n";
    let a = exchange(
        "POST",
        None,
        &[("Content-Type", "multipart/form-data; boundary=\"XyZ\"")],
        body,
        200,
        &[],
        "",
    );
    let s = shapes(&[a]);
    let shape = &s.request_bodies["multipart/form-data"];
    assert_eq!(shape.unparsed, 0);
    let schema = shape.schema.to_json_schema();
    assert_eq!(
        schema["properties"]["file"],
        json!({"type": "string", "format": "binary"})
    );
    assert_eq!(schema["properties"]["title"]["type"], "string");
    assert_eq!(schema["properties"]["count"]["type"], "integer");
    // No boundary: unparsed.
    let bad = exchange(
        "POST",
        None,
        &[("Content-Type", "multipart/form-data")],
        body,
        200,
        &[],
        "",
    );
    assert_eq!(
        shapes(&[bad]).request_bodies["multipart/form-data"].unparsed,
        1
    );
}

#[test]
fn xml_bodies() {
    let body = r#"<?xml version="1.0"?>
        <!DOCTYPE order [<!ENTITY x SYSTEM "file:///etc/passwd">]>
        <!-- comment -->
        <order id="1"><item sku="a">3</item><item>4</item><customer><name>A &amp; B</name></customer>
        <note><![CDATA[<b>hi</b>]]></note><empty/></order>"#;
    let a = exchange(
        "POST",
        None,
        &[("Content-Type", "application/xml")],
        body,
        200,
        &[],
        "",
    );
    let s = shapes(&[a]);
    let shape = &s.request_bodies["application/xml"];
    assert_eq!(shape.unparsed, 0);
    let schema = shape.schema.to_json_schema();
    assert_eq!(schema["properties"]["item"]["items"]["type"], "integer");
    assert_eq!(schema["properties"]["customer"]["type"], "object");
    assert_eq!(schema["properties"]["note"]["type"], "string");
    assert_eq!(schema["properties"]["empty"]["type"], "string");
    let bad = exchange(
        "POST",
        None,
        &[("Content-Type", "text/xml")],
        "no xml here",
        200,
        &[],
        "",
    );
    assert_eq!(shapes(&[bad]).request_bodies["text/xml"].unparsed, 1);
}

#[test]
fn truncated_and_sniffed_bodies() {
    let mut ex = exchange("POST", None, &[], r#"{"a":1}"#, 200, &[], "");
    let s = shapes(std::slice::from_ref(&ex));
    assert_eq!(
        s.request_bodies["application/json"].schema.field_paths(),
        ["a"]
    );
    ex.request.body = Body::capture(br#"{"a":1,"b":2}"#.to_vec(), BodyLimits { max_body: 5 });
    ex.request.headers = [("Content-Type", "application/json")].into_iter().collect();
    let s = shapes(&[ex]);
    assert_eq!(s.request_bodies["application/json"].truncated, 1);
    assert_eq!(s.request_bodies["application/json"].unparsed, 0);
}

#[test]
fn names_are_bounded() {
    let q: String = (0..MAX_PARAMS + 50)
        .map(|i| format!("p{i:04}=1&"))
        .collect();
    let s = shapes(&[exchange("GET", Some(&q), &[], "", 200, &[], "")]);
    assert_eq!(s.query.len(), MAX_PARAMS + 1);
    assert!(s.is_truncated());
    assert!(s.query.contains_key("p0000"));
}

#[test]
fn decoding() {
    assert_eq!(decode_component("a+b%20c%zz%"), "a b c%zz%");
    assert_eq!(decode_component("%E4%BD%A0"), "你");
    assert_eq!(decode_component("%4"), "%4");
    assert_eq!(base_name("a[b][c]"), "a");
    assert_eq!(base_name("[x]"), "[x]");
}

fn arb_exchange() -> impl Strategy<Value = Exchange> {
    let ct = prop_oneof![
        Just("application/json"),
        Just("application/x-www-form-urlencoded"),
        Just("multipart/form-data; boundary=b"),
        Just("application/xml"),
        Just("text/plain"),
    ];
    let json_body = prop_oneof![
        Just(r#"{"a":1,"b":{"c":"x"}}"#.to_string()),
        Just(r#"[{"id":"1"},{"id":2}]"#.to_string()),
        Just(r#"{"a":"on","d":[1,2]}"#.to_string()),
        "[a-c=&]{0,12}",
    ];
    (
        prop::option::of("[a-c]{1,2}=[0-9a-z]{0,3}(&[a-c]{1,2}=[0-9]{0,2}){0,2}"),
        ct,
        json_body,
        prop_oneof![Just(200u16), Just(404u16)],
        prop::option::of("[a-d]{1,3}"),
    )
        .prop_map(|(q, ct, body, status, hdr)| {
            let mut headers: Vec<(String, String)> = vec![("Content-Type".into(), ct.into())];
            if let Some(h) = hdr {
                headers.push((format!("x-{h}"), "v".into()));
                headers.push(("Cookie".into(), format!("{h}=1")));
            }
            Exchange {
                request: Request {
                    query: q,
                    headers: headers.into_iter().collect(),
                    body: Body::capture(body.clone().into_bytes(), BodyLimits::default()),
                    ..Request::default()
                },
                response: (status == 200).then(|| Response {
                    status,
                    headers: [("Content-Type", "application/json")].into_iter().collect(),
                    body: Body::capture(body.into_bytes(), BodyLimits::default()),
                    ..Response::default()
                }),
                ..Exchange::default()
            }
        })
}

fn m(a: &ParamShapes, b: &ParamShapes) -> ParamShapes {
    let mut x = a.clone();
    x.merge(b);
    x
}

proptest! {
    #[test]
    fn merge_commutes_and_associates(a in prop::collection::vec(arb_exchange(), 0..4),
                                     b in prop::collection::vec(arb_exchange(), 0..4),
                                     c in prop::collection::vec(arb_exchange(), 0..4)) {
        let (sa, sb, sc) = (shapes(&a), shapes(&b), shapes(&c));
        prop_assert_eq!(m(&sa, &sb), m(&sb, &sa));
        prop_assert_eq!(m(&m(&sa, &sb), &sc), m(&sa, &m(&sb, &sc)));
        let all: Vec<Exchange> = a.iter().chain(&b).chain(&c).cloned().collect();
        prop_assert_eq!(m(&m(&sa, &sb), &sc), shapes(&all));
    }

    #[test]
    fn parsers_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..400), bnd in "[a-z-]{1,8}") {
        let _ = multipart_fields(&bytes, &bnd);
        let _ = xml_children(&bytes);
        let text = String::from_utf8_lossy(&bytes);
        let _ = query_pairs(&text).count();
        let _ = cookie_pairs(&text).count();
        let _ = header_params(&text);
        let _ = boundary(&text);
        let cts = ["application/json".to_string(), "application/x-www-form-urlencoded".to_string(),
                   "application/xml".to_string(), format!("multipart/form-data; boundary={bnd}"), text.to_string()];
        for ct in &cts {
            let ct = ct.as_str();
            let ex = Exchange {
                request: Request {
                    headers: [("Content-Type", ct), ("Cookie", &*text), (&*text, "x")].into_iter()
                        .filter(|(n, _)| !n.is_empty()).collect(),
                    query: Some(text.to_string()),
                    body: Body::capture(bytes.clone(), BodyLimits::default()),
                    ..Request::default()
                },
                ..Exchange::default()
            };
            let mut s = ParamShapes::default();
            s.observe(&ex);
            let _ = s.signature();
            let _ = serde_json::to_string(&s).unwrap();
        }
    }

    #[test]
    fn multipart_with_random_content(parts in prop::collection::vec(("[a-z]{1,5}", prop::collection::vec(any::<u8>(), 0..40), any::<bool>()), 0..5)) {
        let mut body = Vec::new();
        for (name, content, file) in &parts {
            body.extend_from_slice(b"--BND\r\nContent-Disposition: form-data; name=\"");
            body.extend_from_slice(name.as_bytes());
            body.extend_from_slice(if *file { b"\"; filename=\"f\"\r\n\r\n" } else { b"\"\r\n\r\n" });
            body.extend_from_slice(content);
            body.extend_from_slice(b"\r\n");
        }
        body.extend_from_slice(b"--BND--\r\n");
        let got = multipart_fields(&body, "BND");
        if !parts.is_empty() {
            let got = got.unwrap_or_default();
            for (name, _, _) in &parts {
                prop_assert!(got.contains_key(name.as_str()));
            }
        }
    }
}
