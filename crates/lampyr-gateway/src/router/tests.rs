use http::{HeaderMap, Method};
use lampyr_spec::{GatewaySpec, PathMatch, RouteSpec, TargetSpec, UpstreamSpec};

use crate::auth::Secrets;
use crate::snapshot::Snapshot;

fn upstream() -> UpstreamSpec {
    serde_yaml::from_str("name: up\ntargets: [{address: '127.0.0.1:9'}]").unwrap()
}

fn route(name: &str, paths: &[&str], how: PathMatch) -> RouteSpec {
    let mut r: RouteSpec = serde_yaml::from_str(&format!("name: {name}\nupstream: up")).unwrap();
    r.paths = paths.iter().map(|s| s.to_string()).collect();
    r.path_match = how;
    r
}

fn snapshot(routes: Vec<RouteSpec>) -> Snapshot {
    let spec = GatewaySpec {
        upstreams: vec![upstream()],
        routes,
        ..GatewaySpec::default()
    };
    Snapshot::build(spec, &Secrets::generate(), None).expect("valid spec")
}

fn name_of(s: &Snapshot, host: &str, method: Method, path: &str) -> Option<String> {
    name_with(s, host, method, path, &HeaderMap::new())
}

fn name_with(s: &Snapshot, host: &str, m: Method, path: &str, h: &HeaderMap) -> Option<String> {
    s.router
        .route(host, &m, path, h)
        .map(|r| r.route.spec.name.clone())
}

#[test]
fn exact_beats_template_beats_prefix() {
    let s = snapshot(vec![
        route("prefix", &["/users"], PathMatch::Prefix),
        route("template", &["/users/{id}"], PathMatch::Template),
        route("exact", &["/users/me"], PathMatch::Exact),
    ]);
    assert_eq!(
        name_of(&s, "a", Method::GET, "/users/me").as_deref(),
        Some("exact")
    );
    assert_eq!(
        name_of(&s, "a", Method::GET, "/users/42").as_deref(),
        Some("template")
    );
    assert_eq!(
        name_of(&s, "a", Method::GET, "/users/42/orders").as_deref(),
        Some("prefix")
    );
    assert_eq!(
        name_of(&s, "a", Method::GET, "/users").as_deref(),
        Some("prefix")
    );
    assert_eq!(
        name_of(&s, "a", Method::GET, "/usersx"),
        None,
        "prefix stops at a segment boundary"
    );
    assert_eq!(
        name_of(&s, "a", Method::GET, "/users/"),
        Some("prefix".into()),
        "empty segment is no template match"
    );
}

#[test]
fn longer_prefix_wins_and_hosts_methods_headers_narrow() {
    let mut admin = route("admin", &["/api/admin"], PathMatch::Prefix);
    admin.methods = vec!["POST".into()];
    let mut host = route("host", &["/api"], PathMatch::Prefix);
    host.hosts = vec!["*.example.com".into()];
    let mut v2 = route("v2", &["/api"], PathMatch::Prefix);
    v2.headers.insert("X-Version".into(), "2".into());
    let s = snapshot(vec![
        route("api", &["/api"], PathMatch::Prefix),
        admin,
        host,
        v2,
    ]);
    assert_eq!(
        name_of(&s, "x", Method::POST, "/api/admin/x").as_deref(),
        Some("admin")
    );
    assert_eq!(
        name_of(&s, "x", Method::GET, "/api/admin/x").as_deref(),
        Some("api")
    );
    assert_eq!(
        name_of(&s, "eu.Example.com:8443", Method::GET, "/api/a").as_deref(),
        Some("host")
    );
    assert_eq!(
        name_of(&s, "example.com", Method::GET, "/api/a").as_deref(),
        Some("api"),
        "wildcard needs a label"
    );
    let mut h = HeaderMap::new();
    h.insert("x-version", "2".parse().unwrap());
    assert_eq!(
        name_with(&s, "x", Method::GET, "/api/a", &h).as_deref(),
        Some("v2")
    );
}

#[test]
fn strip_prefix_rewrites_the_upstream_path() {
    let mut r = route("svc", &["/svc/"], PathMatch::Prefix);
    r.strip_prefix = true;
    let s = snapshot(vec![r]);
    let m = s
        .router
        .route("h", &Method::GET, "/svc/a/b", &HeaderMap::new())
        .unwrap();
    assert_eq!(m.upstream_path, "/a/b");
    let m = s
        .router
        .route("h", &Method::GET, "/svc", &HeaderMap::new())
        .unwrap();
    assert_eq!(m.upstream_path, "/");
}

#[test]
fn ties_go_to_the_first_route_in_the_file() {
    let s = snapshot(vec![
        route("first", &["/same"], PathMatch::Prefix),
        route("second", &["/same"], PathMatch::Prefix),
    ]);
    assert_eq!(
        name_of(&s, "h", Method::GET, "/same/x").as_deref(),
        Some("first")
    );
}

#[test]
fn malformed_patterns_are_all_reported() {
    let mut bad_method = route("m", &["/m"], PathMatch::Prefix);
    bad_method.methods = vec!["GE T".into()];
    let spec = GatewaySpec {
        upstreams: vec![upstream()],
        routes: vec![
            route("a", &["no-slash"], PathMatch::Prefix),
            route("b", &["/x/{id"], PathMatch::Template),
            bad_method,
        ],
        ..GatewaySpec::default()
    };
    let err = Snapshot::build(spec, &Secrets::generate(), None).unwrap_err();
    let text = err.to_string();
    assert!(text.contains("gateway.routes[0].paths[0]"), "{text}");
    assert!(text.contains("gateway.routes[1].paths[0]"), "{text}");
    assert!(text.contains("gateway.routes[2].methods[0]"), "{text}");
}

#[test]
fn ipv6_hosts_keep_their_brackets() {
    assert_eq!(super::strip_port("[::1]:8080"), "[::1]");
    assert_eq!(super::strip_port("api.example.com:443"), "api.example.com");
    assert_eq!(super::strip_port("api"), "api");
    assert_eq!(
        super::strip_port("[nKH%p"),
        "[nKH%p",
        "an unclosed bracket does not panic"
    );
    let _ = TargetSpec {
        address: String::new(),
        weight: 1,
    };
}
