use proptest::prelude::*;
use serde_json::json;

use super::*;

fn index_of(doc: Value) -> SpecIndex {
    let spec = parse(&doc).expect("parse");
    let mut idx = SpecIndex::new();
    idx.add("api", &spec);
    idx
}

fn doc3(servers: Value, paths: Value) -> Value {
    json!({"openapi": "3.0.3", "info": {"title": "Shop", "version": "1.2"},
        "servers": servers, "paths": paths})
}

/// The `path` of the best operation documenting an endpoint.
fn best(idx: &SpecIndex, method: &str, host: &str, template: &str) -> Option<String> {
    idx.find(method, host, template)
        .map(|m| m.operation.path.clone())
}

#[test]
fn parses_openapi3_operations_with_servers() {
    let doc = doc3(
        json!([{"url": "https://API.example.com:8443/v1/"}, {"url": "/rel"}]),
        json!({
            "/users/{id}": {"get": {"operationId": "getUser"}, "delete": {},
                "parameters": [], "summary": "x"},
            "x-internal": {"get": {}},
        }),
    );
    let spec = parse(&doc).expect("parse");
    assert_eq!(spec.format, SpecFormat::OpenApi3);
    assert_eq!(
        (spec.title.as_str(), spec.version.as_str()),
        ("Shop", "1.2")
    );
    let ops: Vec<(&str, &str, Option<&str>)> = spec
        .operations
        .iter()
        .map(|o| {
            (
                o.method.as_str(),
                o.path.as_str(),
                o.operation_id.as_deref(),
            )
        })
        .collect();
    assert_eq!(
        ops,
        [
            ("GET", "/users/{id}", Some("getUser")),
            ("DELETE", "/users/{id}", None)
        ]
    );
    assert_eq!(
        spec.operations[0].templates(),
        [
            (Some("api.example.com"), "/v1/users/{id}".to_string()),
            (None, "/rel/users/{id}".to_string())
        ]
    );
}

#[test]
fn parses_swagger2_host_and_base_path() {
    let doc = json!({"swagger": "2.0", "host": "shop.test:8080", "basePath": "/api",
        "paths": {"/orders/{orderId}": {"put": {}}}});
    let spec = parse(&doc).expect("parse");
    assert_eq!(spec.format, SpecFormat::Swagger2);
    assert_eq!(
        spec.operations[0].templates(),
        [(Some("shop.test"), "/api/orders/{orderId}".to_string())]
    );
    let mut idx = SpecIndex::new();
    idx.add("shop", &spec);
    assert!(idx
        .find("PUT", "shop.test", "/api/orders/{param}")
        .is_some());
    assert!(
        idx.find("PUT", "shop.test", "/orders/{param}").is_none(),
        "basePath ignored"
    );
    assert!(
        idx.find("PUT", "other.test", "/api/orders/{param}")
            .is_none(),
        "host ignored"
    );
    assert!(
        idx.find("GET", "shop.test", "/api/orders/{param}")
            .is_none(),
        "method ignored"
    );
}

#[test]
fn parameter_names_do_not_matter_but_shapes_do() {
    let idx = index_of(doc3(
        json!([{"url": "https://api.test"}]),
        json!({
            "/users/{id}": {"get": {}},
            "/users/me": {"get": {}},
            "/files/{name}.json": {"get": {}},
            "/reports/v{major}.{minor}": {"get": {}},
        }),
    ));
    assert_eq!(
        best(&idx, "GET", "api.test", "/users/{userId}").as_deref(),
        Some("/users/{id}")
    );
    // A concrete segment fits a documented parameter, but the literal operation wins.
    assert_eq!(
        best(&idx, "GET", "api.test", "/users/me").as_deref(),
        Some("/users/me")
    );
    assert_eq!(
        best(&idx, "GET", "api.test", "/users/42").as_deref(),
        Some("/users/{id}")
    );
    assert_eq!(idx.matching("GET", "api.test", "/users/me").len(), 2);
    // Suffixes are part of the shape.
    assert!(best(&idx, "GET", "api.test", "/files/{file}.json").is_some());
    assert!(best(&idx, "GET", "api.test", "/files/{file}.xml").is_none());
    assert!(best(&idx, "GET", "api.test", "/files/{file}").is_none());
    assert!(best(&idx, "GET", "api.test", "/files/a.json").is_some());
    assert!(
        best(&idx, "GET", "api.test", "/files/.json").is_none(),
        "empty parameter"
    );
    assert!(best(&idx, "GET", "api.test", "/reports/v2.10").is_some());
    assert!(best(&idx, "GET", "api.test", "/reports/v2").is_none());
    // A discovered parameter does not fit documented literal text.
    assert!(best(&idx, "GET", "api.test", "/{param}/me").is_none());
    // Segment counts must agree; trailing slashes do not count.
    assert!(best(&idx, "GET", "api.test", "/users").is_none());
    assert!(best(&idx, "GET", "api.test", "/users/{id}/").is_some());
    assert!(best(&idx, "GET", "api.test", "/users/{id}/x").is_none());
}

#[test]
fn servers_give_hosts_and_prefixes() {
    let doc = json!({"openapi": "3.1.0", "info": {},
    "servers": [{"url": "{scheme}://{tenant}.shop.test/{base}",
        "variables": {"scheme": {"default": "https"}, "base": {"default": "api/v2"}}}],
    "paths": {
        "/a": {"get": {}},
        "/b": {"servers": [{"url": "https://b.test"}], "get": {},
            "post": {"servers": [{"url": "/only-post"}]}},
    }});
    let idx = index_of(doc);
    assert!(idx.find("GET", "acme.shop.test", "/api/v2/a").is_some());
    assert!(
        idx.find("GET", "shop.test", "/api/v2/a").is_none(),
        "tenant must be non-empty"
    );
    assert!(idx.find("GET", "acme.other.test", "/api/v2/a").is_none());
    // Path-level servers replace the document's; operation-level ones replace both.
    assert!(idx.find("GET", "b.test", "/b").is_some());
    assert!(idx.find("GET", "acme.shop.test", "/api/v2/b").is_none());
    assert!(idx.find("POST", "anything.test", "/only-post/b").is_some());
    assert!(idx.find("POST", "b.test", "/b").is_none());
}

#[test]
fn no_servers_means_any_host_and_head_falls_back_to_get() {
    let idx = index_of(json!({"openapi": "3.0.0", "paths": {"/ping": {"get": {}}}}));
    assert!(idx.find("GET", "whatever.test", "/ping").is_some());
    assert!(idx.find("HEAD", "whatever.test", "/ping").is_some());
    assert!(idx.find("POST", "whatever.test", "/ping").is_none());
}

#[test]
fn local_path_item_refs_are_followed_and_external_ones_skipped() {
    let doc = json!({"openapi": "3.1.0",
    "components": {"pathItems": {"Users": {"get": {"operationId": "list"}}}},
    "paths": {
        "/users": {"$ref": "#/components/pathItems/Users"},
        "/ext": {"$ref": "other.yaml#/paths/x"},
    }});
    let spec = parse(&doc).expect("parse");
    assert_eq!(spec.operations.len(), 1);
    assert_eq!(spec.operations[0].operation_id.as_deref(), Some("list"));
    assert_eq!(spec.warnings.len(), 1);
    assert!(
        spec.warnings[0].contains("paths./ext"),
        "{:?}",
        spec.warnings
    );
}

#[test]
fn bad_documents_are_refused_with_the_place_named() {
    let cases = [
        (json!([1, 2]), "must be a JSON or YAML object"),
        (
            json!({"info": {}}),
            "no `openapi: 3.x` or `swagger: \"2.0\"` field",
        ),
        (
            json!({"openapi": "2.0", "paths": {}}),
            "`openapi` is \"2.0\"",
        ),
        (json!({"swagger": "1.2"}), "`swagger` is \"1.2\""),
        (
            json!({"openapi": "3.0.0", "paths": []}),
            "paths: must be an object",
        ),
        (json!({"openapi": "3.0.0"}), "describes no operations"),
        (
            json!({"openapi": "3.0.0", "paths": {"/a": {"summary": "x"}}}),
            "describes no operations",
        ),
        (
            json!({"openapi": "3.0.0", "paths": {"a": {"get": {}}}}),
            "paths.a: a path must start with '/'",
        ),
        (
            json!({"openapi": "3.0.0", "paths": {"/a": 3}}),
            "paths./a: a path item must be an object",
        ),
        (
            json!({"openapi": "3.0.0", "paths": {"/a": {"get": "x"}}}),
            "paths./a.get: an operation must be an object",
        ),
        (
            json!({"openapi": "3.0.0", "servers": {}, "paths": {"/a": {"get": {}}}}),
            "servers: must be an array",
        ),
        (
            json!({"openapi": "3.0.0", "servers": [{"uri": "/"}], "paths": {"/a": {"get": {}}}}),
            "servers[0]: a server needs a string `url`",
        ),
        (
            json!({"swagger": "2.0", "host": 7, "paths": {"/a": {"get": {}}}}),
            "host: must be a string",
        ),
    ];
    for (doc, want) in cases {
        let err = parse(&doc).expect_err(&doc.to_string()).to_string();
        assert!(err.contains(want), "{doc}: {err:?} lacks {want:?}");
    }
}

#[test]
fn limits_bound_hostile_documents() {
    let mut paths = Map::new();
    for i in 0..50 {
        paths.insert(format!("/p{i}"), json!({"get": {}, "post": {}}));
    }
    let doc = json!({"openapi": "3.0.0", "paths": paths});
    let tight = |f: fn(&mut SpecLimits)| {
        let mut l = SpecLimits::default();
        f(&mut l);
        parse_with(&doc, &l)
            .expect_err("over the limit")
            .to_string()
    };
    assert_eq!(
        tight(|l| l.max_paths = 49),
        "paths: more than 49 (the import limit)"
    );
    assert_eq!(
        tight(|l| l.max_operations = 99),
        "operations: more than 99 (the import limit)"
    );
    assert!(tight(|l| l.max_path_len = 3).contains("length of path /p10"));
    assert!(tight(|l| l.max_segments = 0).contains("segments of paths./p0.get"));
    assert_eq!(parse(&doc).expect("within limits").operations.len(), 100);

    let many_servers: Vec<Value> = (0..17).map(|i| json!({"url": format!("/s{i}")})).collect();
    let doc = json!({"openapi": "3.0.0", "servers": many_servers, "paths": {"/a": {"get": {}}}});
    assert!(parse(&doc)
        .expect_err("servers")
        .to_string()
        .contains("entries in servers"));

    let long = "x".repeat(1000);
    let doc = json!({"openapi": "3.0.0", "servers": [{"url": "/{v}{v}{v}",
        "variables": {"v": {"default": long}}}], "paths": {"/a": {"get": {}}}});
    assert!(parse(&doc)
        .expect_err("long url")
        .to_string()
        .contains("with its variables"));

    // Warnings are capped, the rest counted.
    let mut paths = Map::new();
    for i in 0..30 {
        paths.insert(format!("/e{i}"), json!({"$ref": "x.yaml"}));
    }
    paths.insert("/ok".into(), json!({"get": {}}));
    let spec = parse(&json!({"openapi": "3.0.0", "paths": paths})).expect("parse");
    assert_eq!(spec.warnings.len(), 21);
    assert_eq!(spec.warnings[20], "… and 10 more");
}

#[test]
fn glob_matches_fixed_pieces_around_nonempty_parameters() {
    let p = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    assert!(glob(&p(&["", ""]), "x"));
    assert!(!glob(&p(&["", ""]), ""));
    assert!(glob(&p(&["v", ".", ""]), "v1.2"));
    assert!(!glob(&p(&["v", ".", ""]), "v1."));
    assert!(!glob(&p(&["v", ".", ""]), "v.2"));
    assert!(glob(&p(&["", "-", ""]), "a-b-c"));
    assert!(glob(&p(&["", "", ""]), "ab"));
    assert!(!glob(&p(&["", "", ""]), "a"));
    assert!(glob(&p(&["ab", "b"]), "abxb"));
    assert!(!glob(&p(&["ab", "b"]), "abb"));
    assert!(glob(&p(&["é", "ü"]), "éßü"));
}

#[test]
fn hosts_lose_ports_and_brackets() {
    assert_eq!(bare_host("API.Test:443"), "api.test");
    assert_eq!(bare_host("[::1]:8080"), "::1");
    assert_eq!(bare_host("a.test:{port}"), "a.test");
    assert_eq!(server_from_url("https://u:p@h.test/x/").prefix, "/x");
    assert_eq!(
        server_from_url("https://h.test?x=1").host.as_deref(),
        Some("h.test")
    );
    assert_eq!(server_from_url("/").prefix, "");
}

/// Round trip: the discovered inventory's own OpenAPI export documents every endpoint.
#[test]
fn the_discovered_export_documents_its_own_endpoints() {
    let doc = json!({"openapi": "3.1.0", "servers": [{"url": "https://a.test"}],
        "paths": {"/users/{userId}/orders/{orderId}": {"get": {}, "patch": {}},
            "/lists/{list}.json": {"get": {}}}});
    let idx = index_of(doc);
    for (m, t) in [
        ("GET", "/users/{id}/orders/{n}"),
        ("PATCH", "/users/{u}/orders/{o}"),
        ("GET", "/lists/{x}.json"),
    ] {
        assert!(idx.find(m, "a.test", t).is_some(), "{m} {t}");
    }
}

fn arb_segment() -> impl Strategy<Value = (bool, String)> {
    // (is parameter, literal text or parameter suffix)
    prop_oneof![
        "[a-z]{1,6}".prop_map(|s| (false, s)),
        Just((true, String::new())),
        Just((true, ".json".to_string())),
    ]
}

fn render(segs: &[(bool, String)], names: &[String]) -> String {
    let mut out = String::new();
    for (i, (param, text)) in segs.iter().enumerate() {
        out.push('/');
        if *param {
            out.push_str(&format!("{{{}}}{text}", names[i % names.len()]));
        } else {
            out.push_str(text);
        }
    }
    if out.is_empty() {
        out.push('/');
    }
    out
}

proptest! {
    /// A template matches the spec path with the same shape whatever the parameter names on
    /// either side, and renaming parameters never changes whether two templates match.
    #[test]
    fn matching_ignores_parameter_names(
        doc_segs in proptest::collection::vec(arb_segment(), 0..6),
        seen_segs in proptest::collection::vec(arb_segment(), 0..6),
        doc_names in proptest::collection::vec("[a-zA-Z_][a-zA-Z0-9_]{0,8}", 1..4),
        seen_names in proptest::collection::vec("[a-zA-Z_][a-zA-Z0-9_]{0,8}", 1..4),
    ) {
        let plain = vec!["p".to_string()];
        let doc_path = render(&doc_segs, &doc_names);
        let spec = |path: &str| index_of(json!({"openapi": "3.0.0",
            "paths": {path: {"get": {}}}}));
        let named = spec(&doc_path);
        let unnamed = spec(&render(&doc_segs, &plain));
        // Same shape, other names: always documented.
        prop_assert!(named.find("GET", "h.test", &render(&doc_segs, &seen_names)).is_some());
        // Any other template: the names change nothing.
        let a = named.find("GET", "h.test", &render(&seen_segs, &seen_names)).is_some();
        let b = unnamed.find("GET", "h.test", &render(&seen_segs, &plain)).is_some();
        prop_assert_eq!(a, b);
    }
}

/// JSON values built from the words a spec uses, so the parser's branches are reached.
fn arb_doc() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i32>().prop_map(|n| json!(n)),
        prop::sample::select(vec![
            "3.0.0",
            "2.0",
            "/",
            "/a/{b}",
            "{x}",
            "https://{h}.t:{p}/{v}",
            "//h",
            "#/paths/~1a",
            "#/x",
            "",
            "}{",
            "{a}{b}.{c}",
        ])
        .prop_map(|s| json!(s)),
    ];
    leaf.prop_recursive(5, 64, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::vec(
                (
                    prop::sample::select(vec![
                        "openapi",
                        "swagger",
                        "paths",
                        "servers",
                        "url",
                        "variables",
                        "default",
                        "host",
                        "basePath",
                        "get",
                        "post",
                        "$ref",
                        "info",
                        "title",
                        "/a",
                        "/a/{id}",
                        "/{x}.json",
                        "x-ext",
                        "operationId",
                        "components",
                    ]),
                    inner,
                ),
                0..6,
            )
            .prop_map(|kv| Value::Object(
                kv.into_iter().map(|(k, v)| (k.to_string(), v)).collect()
            )),
        ]
    })
}

proptest! {
    /// Arbitrary documents never panic, and every operation that parses matches its own
    /// templates.
    #[test]
    fn hostile_documents_never_panic(doc in arb_doc(), ver in prop::sample::select(vec!["3.1.0", "2.0"])) {
        let mut doc = doc;
        if let Value::Object(m) = &mut doc {
            let key = if ver == "2.0" { "swagger" } else { "openapi" };
            m.entry(key).or_insert_with(|| json!(ver));
        }
        if let Ok(spec) = parse(&doc) {
            let mut idx = SpecIndex::new();
            idx.add("x", &spec);
            for op in &spec.operations {
                for (host, t) in op.templates() {
                    let host = host.unwrap_or("h.test").replace(['{', '}'], "");
                    prop_assert!(
                        idx.matching(&op.method, &host, &t).iter().any(|m| m.operation == op),
                        "{} {host}{t} does not match its own operation", op.method
                    );
                }
            }
        }
    }
}
