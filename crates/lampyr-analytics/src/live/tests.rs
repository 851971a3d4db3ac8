use std::net::SocketAddr;

use lampyr_core::{Body, Exchange, Headers, Request, Response};

use super::*;

fn exchange(
    ip: &str,
    method: &str,
    path_query: &str,
    status: u16,
    body: &str,
    t_s: i64,
) -> Exchange {
    let (path, query) = match path_query.split_once('?') {
        Some((p, q)) => (p.to_string(), Some(q.to_string())),
        None => (path_query.to_string(), None),
    };
    let mut resp_headers = Headers::new();
    resp_headers.append("content-type", "application/json");
    let mut req_headers = Headers::new();
    req_headers.append("authorization", "Bearer abc.def.ghi");
    Exchange {
        request: Request {
            method: method.into(),
            host: "api.test".into(),
            path,
            query,
            headers: req_headers,
            ..Request::default()
        },
        response: Some(Response {
            status,
            version: "HTTP/1.1".into(),
            headers: resp_headers,
            body: Body::from_parts(body.as_bytes().to_vec(), false, body.len() as u64),
        }),
        timing: lampyr_core::Timing {
            started_us: Some(1_700_000_000_000_000 + t_s * 1_000_000),
            duration_ms: Some(3.0),
        },
        client: Some(SocketAddr::new(ip.parse().unwrap(), 40000)),
        ..Exchange::default()
    }
}

fn pipeline() -> LivePipeline {
    LivePipeline::new(AnalyzeConfig::default()).unwrap()
}

#[test]
fn sql_injection_raises_one_attack_incident_for_its_actor() {
    let mut p = pipeline();
    for i in 0..50 {
        p.observe(&exchange(
            "10.0.0.1",
            "GET",
            &format!("/users/{}", 100 + i),
            200,
            "{}",
            i,
        ));
    }
    p.refresh(0);
    let attack = p.observe(&exchange(
        "10.9.9.9",
        "GET",
        "/users/5?id=1%27%20UNION%20SELECT%20password%20FROM%20users--",
        200,
        "{}",
        60,
    ));
    assert!(attack.attack, "the UNION SELECT request is an attack");
    assert_eq!(
        attack.endpoint.as_deref(),
        Some("GET api.test/users/{userId}")
    );
    assert_eq!(attack.incidents.len(), 1);
    let r = p.refresh(61_000_000);
    let sqli: Vec<_> = r
        .incidents
        .iter()
        .filter(|i| i.category.starts_with("attack.sqli"))
        .collect();
    assert_eq!(sqli.len(), 1, "{:?}", r.incidents);
    assert_eq!(sqli[0].actor.ip.as_deref(), Some("10.9.9.9"));
    assert_eq!(sqli[0].id, attack.incidents[0]);
    assert_eq!(r.endpoints.len(), 1);
    assert_eq!(r.endpoints[0].path, "/users/{userId}");
    // Nothing changed since: the next refresh reports no incident.
    assert!(p.refresh(62_000_000).incidents.is_empty());
}

#[test]
fn an_exception_suppresses_matching_hits_only() {
    let mut p = pipeline();
    p.set_exceptions(vec![Exception {
        rule: "attack.sqli".into(),
        endpoint: None,
        actor: Some("10.9.9.9".into()),
    }]);
    let q = "/search?q=1%27%20OR%20%271%27%3D%271%27%20UNION%20SELECT%20NULL--";
    let excepted = p.observe(&exchange("10.9.9.9", "GET", q, 200, "{}", 1));
    assert!(excepted.attack);
    assert!(excepted.incidents.is_empty());
    let raised = p.observe(&exchange("10.8.8.8", "GET", q, 200, "{}", 2));
    assert_eq!(raised.incidents.len(), 1);
    assert_eq!(p.stats().excepted, 1);
}

#[test]
fn samples_are_masked() {
    let mut c = Classifier::default();
    let ex = exchange(
        "10.0.0.1",
        "GET",
        "/patients?phone=13812345678&page=2",
        200,
        r#"{"name":"张三","idCard":"11010519491231002X","mobile":"13812345678","page":2}"#,
        0,
    );
    let m = masked_exchange(&mut c, &ex);
    let body = std::str::from_utf8(m.response.as_ref().unwrap().body.bytes()).unwrap();
    assert!(!body.contains("11010519491231002X"), "{body}");
    assert!(!body.contains("13812345678"), "{body}");
    assert!(body.contains("\"page\":2"), "{body}");
    let query = m.request.query.as_deref().unwrap();
    assert!(!query.contains("13812345678"), "{query}");
    assert!(query.ends_with("page=2"), "{query}");
    assert_eq!(
        m.request.headers.get("authorization"),
        Some("Bearer ******")
    );
}

#[test]
fn binary_bodies_are_dropped_from_samples() {
    let mut c = Classifier::default();
    let mut ex = exchange("10.0.0.1", "GET", "/f", 200, "", 0);
    let bytes = vec![0xff, 0xfe, 0x00, 0x81];
    ex.response.as_mut().unwrap().body = Body::from_parts(bytes, false, 4);
    let m = masked_exchange(&mut c, &ex);
    let body = &m.response.as_ref().unwrap().body;
    assert!(body.is_empty());
    assert_eq!(body.original_len(), 4);
}

#[test]
fn incidents_close_by_the_stream_clock_not_the_wall_clock() {
    // Ingested history: hits a few seconds apart, with refreshes between them at today's
    // wall clock, still form one incident.
    let mut p = pipeline();
    let q = "/search?q=1%27%20UNION%20SELECT%20password%20FROM%20users--";
    let wall = 1_900_000_000_000_000;
    let mut ids = Vec::new();
    for t in 0..3 {
        let o = p.observe(&exchange("10.7.7.7", "GET", q, 200, "{}", t * 5));
        ids.extend(o.incidents);
        p.refresh(wall);
    }
    ids.dedup();
    assert_eq!(ids.len(), 1, "{ids:?}");
}

proptest::proptest! {
    /// Masking sees attacker bytes: it never panics, keeps a JSON body valid JSON with the
    /// same keys, and never lets a planted mobile number through.
    #[test]
    fn masking_keeps_json_shape_and_hides_planted_values(
        keys in proptest::collection::vec("[a-zA-Z_]{1,12}", 1..6),
        noise in proptest::collection::vec("[ -~]{0,30}", 1..6),
        query in "[ -~]{0,80}",
    ) {
        let mut obj = serde_json::Map::new();
        for (k, v) in keys.iter().zip(noise.iter().cycle()) {
            obj.insert(k.clone(), serde_json::Value::String(v.clone()));
        }
        obj.insert("mobile".into(), serde_json::Value::String("13812345678".into()));
        let body = serde_json::Value::Object(obj.clone()).to_string();
        let mut c = Classifier::default();
        let mut ex = exchange("10.0.0.1", "GET", "/x", 200, &body, 0);
        ex.request.query = Some(query);
        let m = masked_exchange(&mut c, &ex);
        let out = m.response.as_ref().unwrap().body.bytes().to_vec();
        let v: serde_json::Value = serde_json::from_slice(&out).expect("still JSON");
        let masked = v.as_object().expect("still an object");
        proptest::prop_assert_eq!(masked.len(), obj.len());
        for k in obj.keys() {
            proptest::prop_assert!(masked.contains_key(k));
        }
        proptest::prop_assert!(!String::from_utf8_lossy(&out).contains("13812345678"));
    }

    #[test]
    fn masking_arbitrary_bytes_never_panics(
        body in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..300),
        header in "[ -~]{0,60}",
    ) {
        let mut c = Classifier::default();
        let mut ex = exchange("10.0.0.1", "POST", "/x", 200, "", 0);
        ex.request.body = Body::from_parts(body.clone(), false, body.len() as u64);
        ex.request.headers.append("x-custom", header);
        let _ = masked_exchange(&mut c, &ex);
    }
}
