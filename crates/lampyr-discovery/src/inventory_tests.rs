//! Behaviour tests of templating on small synthetic APIs.

use lampyr_core::{Body, BodyLimits, Exchange, Response};

use crate::{Discovery, DiscoveryConfig, PathTemplate};

fn ex(method: &str, path: &str, status: u16, body: &str) -> Exchange {
    let mut e = Exchange::default();
    e.request.method = method.into();
    e.request.host = "api.test".into();
    let (p, q) = match path.split_once('?') {
        Some((p, q)) => (p, Some(q.to_string())),
        None => (path, None),
    };
    e.request.path = p.into();
    e.request.query = q;
    let mut r = Response {
        status,
        ..Response::default()
    };
    if !body.is_empty() {
        r.headers.append("Content-Type", "application/json");
        r.body = Body::capture(body.as_bytes().to_vec(), BodyLimits::default());
    }
    e.response = Some(r);
    e
}

fn templates(cfg: DiscoveryConfig, traffic: &[Exchange]) -> Vec<String> {
    let mut d = Discovery::new(cfg);
    for e in traffic {
        d.observe(e);
    }
    let inv = d.finish();
    inv.endpoints
        .iter()
        .map(|e| {
            let mut s = format!("{} {}", e.method, normalise(&e.template));
            if let Some(op) = &e.operation {
                s.push_str(&format!(" [{op}]"));
            }
            s
        })
        .collect()
}

/// Template with parameter names erased, as the benchmark compares them.
fn normalise(t: &PathTemplate) -> String {
    let mut out = String::new();
    for seg in t.to_string().split('/').filter(|s| !s.is_empty()) {
        out.push('/');
        match (seg.find('{'), seg.find('}')) {
            (Some(a), Some(b)) => {
                out.push_str(&seg[..a]);
                out.push_str("{}");
                out.push_str(&seg[b + 1..]);
            }
            _ => out.push_str(seg),
        }
    }
    if out.is_empty() {
        out.push('/');
    }
    out
}

const USER: &str = r#"{"id": 1, "login": "x", "email": "x@example.com"}"#;

#[test]
fn a_static_sibling_stays_beside_an_id_parameter() {
    let mut traffic: Vec<Exchange> = (1..=20)
        .map(|i| ex("GET", &format!("/users/{}", i * 37), 200, USER))
        .collect();
    traffic.push(ex("GET", "/users/me", 200, USER));
    traffic.push(ex("GET", "/users/me", 200, USER));
    assert_eq!(
        templates(DiscoveryConfig::default(), &traffic),
        ["GET /users/me", "GET /users/{}"]
    );
}

#[test]
fn consecutive_word_parameters_are_found() {
    let owners = [
        "alice-king",
        "bob42",
        "carol_sky",
        "dave-91",
        "erin",
        "frank7",
    ];
    let repos = [
        "brave-otter",
        "calm-newt-3",
        "docs-site",
        "api-gw-12",
        "tiny",
    ];
    let mut traffic = Vec::new();
    for (i, o) in owners.iter().enumerate() {
        for r in repos.iter().skip(i % 3).take(3) {
            traffic.push(ex(
                "GET",
                &format!("/repos/{o}/{r}/issues"),
                200,
                r#"[{"number": 1, "title": "t"}]"#,
            ));
            traffic.push(ex(
                "GET",
                &format!("/repos/{o}/{r}"),
                200,
                r#"{"name": "r", "owner": {"login": "o"}}"#,
            ));
        }
    }
    assert_eq!(
        templates(DiscoveryConfig::default(), &traffic),
        ["GET /repos/{}/{}", "GET /repos/{}/{}/issues"]
    );
}

#[test]
fn version_and_date_segments_stay_literal() {
    let mut traffic = Vec::new();
    for i in 0..10 {
        traffic.push(ex(
            "GET",
            &format!("/2010-04-01/Accounts/AC{:030x}", i * 7919 + 11),
            200,
            r#"{"sid": "x"}"#,
        ));
        traffic.push(ex("GET", &format!("/v2/items/{}", 100 + i), 200, "{}"));
        traffic.push(ex("GET", &format!("/v3/items/{}", 100 + i), 200, "{}"));
    }
    assert_eq!(
        templates(DiscoveryConfig::default(), &traffic),
        [
            "GET /2010-04-01/Accounts/{}",
            "GET /v2/items/{}",
            "GET /v3/items/{}"
        ]
    );
}

#[test]
fn rpc_style_methods_are_not_merged() {
    let methods = [
        "chat.postMessage",
        "chat.update",
        "conversations.history",
        "conversations.list",
        "users.info",
        "users.list",
        "files.upload",
        "reactions.add",
        "team.info",
        "auth.test",
    ];
    let traffic: Vec<Exchange> = methods
        .iter()
        .flat_map(|m| (0..3).map(move |_| ex("POST", &format!("/api/{m}"), 200, r#"{"ok": true}"#)))
        .collect();
    let found = templates(DiscoveryConfig::default(), &traffic);
    assert_eq!(found.len(), methods.len(), "{found:?}");
    assert!(found.iter().all(|t| !t.contains('{')), "{found:?}");
}

#[test]
fn a_known_template_from_config_is_forced() {
    let traffic = vec![
        ex("GET", "/files/readme", 200, "{}"),
        ex("GET", "/files/license", 200, "{}"),
        ex("GET", "/files/latest", 200, "{}"),
    ];
    assert_eq!(templates(DiscoveryConfig::default(), &traffic).len(), 3);
    let cfg = DiscoveryConfig {
        templates: vec![
            PathTemplate::parse("/files/{name}"),
            PathTemplate::parse("/files/latest"),
        ],
        ..DiscoveryConfig::default()
    };
    assert_eq!(
        templates(cfg, &traffic),
        ["GET /files/latest", "GET /files/{}"]
    );
}

#[test]
fn never_merge_keeps_values_literal() {
    let traffic: Vec<Exchange> = (1..=5)
        .map(|i| ex("GET", &format!("/codes/{i}"), 200, "{}"))
        .collect();
    assert_eq!(
        templates(DiscoveryConfig::default(), &traffic),
        ["GET /codes/{}"]
    );
    let cfg = DiscoveryConfig {
        never_merge: vec![PathTemplate::parse("/codes")],
        ..DiscoveryConfig::default()
    };
    assert_eq!(templates(cfg, &traffic).len(), 5);
}

#[test]
fn graphql_operations_are_separate_endpoints() {
    let mut traffic = Vec::new();
    for (name, q) in [
        ("GetUser", "query GetUser { user(id: 1) { id } }"),
        ("AddItem", "mutation AddItem { addItem(x: 1) { id } }"),
    ] {
        let mut e = ex("POST", "/graphql", 200, r#"{"data": {}}"#);
        e.request.headers.append("Content-Type", "application/json");
        let body = serde_json::json!({"query": q, "operationName": name}).to_string();
        e.request.body = Body::capture(body.into_bytes(), BodyLimits::default());
        traffic.push(e);
    }
    assert_eq!(
        templates(DiscoveryConfig::default(), &traffic),
        [
            "POST /graphql [mutation AddItem]",
            "POST /graphql [query GetUser]"
        ]
    );
}

#[test]
fn scanner_misses_do_not_become_endpoints() {
    let mut traffic: Vec<Exchange> = (1..=10)
        .map(|i| ex("GET", &format!("/orders/{i}"), 200, "{}"))
        .collect();
    for p in ["/.env", "/wp-login.php", "/admin/config.php", "/.git/HEAD"] {
        traffic.push(ex("GET", p, 404, ""));
    }
    let mut d = Discovery::new(DiscoveryConfig::default());
    for e in &traffic {
        d.observe(e);
    }
    let inv = d.finish();
    assert_eq!(inv.endpoints.len(), 1);
    assert_eq!(inv.noise, 4);
}

#[test]
fn a_shared_extension_becomes_part_of_the_template() {
    let traffic: Vec<Exchange> = ["best-sellers-7", "hardcover-fiction", "e-books-12", "manga"]
        .iter()
        .map(|l| {
            ex(
                "GET",
                &format!("/lists/{l}.json"),
                200,
                r#"{"results": []}"#,
            )
        })
        .collect();
    assert_eq!(
        templates(DiscoveryConfig::default(), &traffic),
        ["GET /lists/{}.json"]
    );
}

#[test]
fn the_inventory_does_not_depend_on_order() {
    let mut traffic = Vec::new();
    for i in 0..40u32 {
        traffic.push(ex("GET", &format!("/users/{}", i * 13), 200, USER));
        traffic.push(ex(
            "GET",
            &format!("/teams/team-{}/members", i % 7),
            200,
            "[]",
        ));
    }
    traffic.push(ex("GET", "/users/me", 200, USER));
    let forward = templates(DiscoveryConfig::default(), &traffic);
    traffic.reverse();
    let backward = templates(DiscoveryConfig::default(), &traffic);
    assert_eq!(forward, backward);
}

mod arbitrary_traffic {
    use super::*;
    use proptest::prelude::*;

    fn segment() -> impl Strategy<Value = String> {
        prop_oneof![
            Just("users".to_string()),
            Just("me".to_string()),
            Just("v2".to_string()),
            Just("2010-04-01".to_string()),
            Just("chat.postMessage".to_string()),
            Just("A".to_string()),
            Just("AAAA".to_string()),
            (0u32..5000).prop_map(|n| n.to_string()),
            "[a-z]{1,8}",
            "[a-z]{2,6}-[a-z]{2,6}(-[0-9]{1,2})?",
            "[A-Za-z0-9]{6,12}",
            "[a-z]{2,4}_[A-Za-z0-9]{10}",
            "[a-z]{1,6}\\.(json|xml)",
            "[ -~]{0,6}",
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        /// Whatever the paths, templating neither panics nor loses or double-counts an
        /// exchange: each lands in exactly one endpoint, the noise count or the dropped count.
        #[test]
        fn every_exchange_is_accounted_for(
            paths in prop::collection::vec(
                (prop::collection::vec(segment(), 0..6),
                 prop::sample::select(vec!["GET", "POST", "PUT", "DELETE"]),
                 prop::sample::select(vec![200u16, 201, 204, 404, 500])),
                1..120,
            )
        ) {
            let traffic: Vec<Exchange> = paths
                .iter()
                .map(|(segs, m, status)| {
                    let path = format!("/{}", segs.join("/"));
                    ex(m, &path, *status, r#"{"id": 1}"#)
                })
                .collect();
            let mut d = Discovery::new(DiscoveryConfig::default());
            for e in &traffic {
                d.observe(e);
            }
            let inv = d.finish();
            let hits: u64 = inv.endpoints.iter().map(|e| e.data.traffic.hits).sum();
            prop_assert_eq!(hits + inv.noise + inv.dropped_by_limits, inv.observed);
            prop_assert_eq!(inv.observed, traffic.len() as u64);
        }
    }
}
