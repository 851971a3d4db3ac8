use std::net::IpAddr;
use std::sync::Arc;

use http::Method;
use lampyr_spec::{AuthMethod, PolicySpec, RouteSpec};

use super::{authorize_spec, Policy};
use crate::auth::{ConsumerEntry, Identity};

/// An identity for filter tests.
pub(crate) fn identity(name: &str, groups: &[&str], scopes: &[&str]) -> Identity {
    Identity {
        consumer: Arc::new(ConsumerEntry {
            name: name.into(),
            groups: groups.iter().map(|g| g.to_string()).collect(),
            scopes: Vec::new(),
            tags: Vec::new(),
            disabled: false,
        }),
        credential_id: format!("{name}-key"),
        method: AuthMethod::ApiKey,
        scopes: scopes.iter().map(|s| s.to_string()).collect(),
        user: None,
        token_id: Some(format!("sha256:{name}")),
    }
}

fn route(json: serde_json::Value) -> RouteSpec {
    let mut base = serde_json::json!({"name": "r", "upstream": "u"});
    if let (Some(b), Some(extra)) = (base.as_object_mut(), json.as_object()) {
        b.extend(extra.clone());
    }
    serde_json::from_value(base).expect("valid route spec")
}

fn policy(json: serde_json::Value) -> Result<Policy, String> {
    let mut base = serde_json::json!({"name": "p"});
    if let (Some(b), Some(extra)) = (base.as_object_mut(), json.as_object()) {
        b.extend(extra.clone());
    }
    let spec: PolicySpec = serde_json::from_value(base).expect("valid policy spec");
    Policy::compile(&spec)
}

fn ip(s: &str) -> IpAddr {
    s.parse().expect("ip")
}

/// 2024-01-01 was a Monday; `at(day, h, m)` is that week's day (0 = Monday) at h:m UTC.
fn at(day: i64, h: i64, m: i64) -> i64 {
    1_704_067_200 + day * 86_400 + h * 3600 + m * 60
}

const NOW: i64 = 1_704_067_200 + 12 * 3600;

fn code(r: Result<(), crate::filters::Refusal>) -> Option<&'static str> {
    r.err().map(|e| e.code)
}

#[test]
fn monday_anchor_is_monday() {
    let p = policy(serde_json::json!({"days": ["mon"]})).unwrap();
    assert!(p.admits(ip("1.1.1.1"), &Method::GET, "/", at(0, 10, 0)));
    assert!(!p.admits(ip("1.1.1.1"), &Method::GET, "/", at(1, 10, 0)));
    assert!(!p.admits(ip("1.1.1.1"), &Method::GET, "/", at(6, 10, 0)));
}

#[test]
fn auth_route_without_grants_refuses_valid_consumer() {
    let r = route(serde_json::json!({"auth": ["api_key"]}));
    let id = identity("alice", &["admins"], &["read"]);
    let res = authorize_spec(&r, &[], Some(&id), ip("10.0.0.1"), &Method::GET, "/x", NOW);
    let err = res.expect_err("least privilege");
    assert_eq!(err.status, http::StatusCode::FORBIDDEN);
    assert_eq!(err.code, "forbidden");
}

#[test]
fn consumer_and_group_grants() {
    let r = route(serde_json::json!({
        "auth": ["api_key"], "allow_consumers": ["bob"], "allow_groups": ["partners"]
    }));
    let c = ip("10.0.0.1");
    let bob = identity("bob", &[], &[]);
    let carol = identity("carol", &["staff", "partners"], &[]);
    let dave = identity("dave", &["staff"], &[]);
    assert!(authorize_spec(&r, &[], Some(&bob), c, &Method::GET, "/", NOW).is_ok());
    assert!(authorize_spec(&r, &[], Some(&carol), c, &Method::GET, "/", NOW).is_ok());
    assert_eq!(
        code(authorize_spec(
            &r,
            &[],
            Some(&dave),
            c,
            &Method::GET,
            "/",
            NOW
        )),
        Some("forbidden")
    );
    assert_eq!(
        code(authorize_spec(&r, &[], None, c, &Method::GET, "/", NOW)),
        Some("unauthorized")
    );
}

#[test]
fn scopes_must_all_be_held() {
    let r = route(serde_json::json!({
        "auth": ["jwt"], "allow_groups": ["g"], "scopes": ["orders:read", "orders:write"]
    }));
    let c = ip("10.0.0.1");
    let full = identity("a", &["g"], &["orders:read", "orders:write", "x"]);
    let part = identity("b", &["g"], &["orders:read"]);
    assert!(authorize_spec(&r, &[], Some(&full), c, &Method::GET, "/", NOW).is_ok());
    let err = authorize_spec(&r, &[], Some(&part), c, &Method::GET, "/", NOW).unwrap_err();
    assert_eq!(err.code, "insufficient_scope");
    assert!(err.message.contains("orders:write"));
    assert!(!err.message.contains("orders:read "));
    let (name, value) = &err.headers[0];
    assert_eq!(name, http::header::WWW_AUTHENTICATE);
    assert!(value.to_str().unwrap().contains("insufficient_scope"));
}

#[test]
fn public_route_skips_grants_but_applies_policies() {
    let r = route(serde_json::json!({"scopes": ["never"]}));
    let p = Arc::new(policy(serde_json::json!({"deny_cidrs": ["192.0.2.0/24"]})).unwrap());
    let ok = authorize_spec(
        &r,
        std::slice::from_ref(&p),
        None,
        ip("10.0.0.1"),
        &Method::GET,
        "/",
        NOW,
    );
    assert!(ok.is_ok());
    let no = authorize_spec(&r, &[p], None, ip("192.0.2.9"), &Method::GET, "/", NOW);
    assert_eq!(code(no), Some("policy"));
}

#[test]
fn cidr_allow_and_deny() {
    let p = policy(serde_json::json!({
        "allow_cidrs": ["10.0.0.0/8", "2001:db8::/32"], "deny_cidrs": ["10.66.0.0/16"]
    }))
    .unwrap();
    let m = Method::GET;
    assert!(p.admits(ip("10.1.2.3"), &m, "/", NOW));
    assert!(p.admits(ip("2001:db8::1"), &m, "/", NOW));
    assert!(p.admits(ip("::ffff:10.1.2.3"), &m, "/", NOW), "v4-mapped");
    assert!(!p.admits(ip("10.66.1.1"), &m, "/", NOW));
    assert!(!p.admits(ip("11.0.0.1"), &m, "/", NOW));
    assert!(!p.admits(ip("2001:db9::1"), &m, "/", NOW));
}

#[test]
fn time_window_plain() {
    let p = policy(serde_json::json!({"time_window": "09:00-17:30"})).unwrap();
    let c = ip("1.1.1.1");
    assert!(!p.admits(c, &Method::GET, "/", at(2, 8, 59)));
    assert!(p.admits(c, &Method::GET, "/", at(2, 9, 0)));
    assert!(p.admits(c, &Method::GET, "/", at(2, 17, 29)));
    assert!(!p.admits(c, &Method::GET, "/", at(2, 17, 30)));
}

#[test]
fn time_window_wraps_midnight_with_days() {
    let p = policy(serde_json::json!({"time_window": "22:00-02:00", "days": ["fri"]})).unwrap();
    let c = ip("1.1.1.1");
    let m = Method::GET;
    assert!(p.admits(c, &m, "/", at(4, 23, 0)), "friday night");
    assert!(
        p.admits(c, &m, "/", at(5, 1, 59)),
        "after midnight belongs to friday"
    );
    assert!(!p.admits(c, &m, "/", at(5, 2, 0)));
    assert!(
        !p.admits(c, &m, "/", at(4, 1, 0)),
        "thursday's night, not friday's"
    );
    assert!(!p.admits(c, &m, "/", at(5, 23, 0)), "saturday night");
    assert!(!p.admits(c, &m, "/", at(4, 12, 0)));
}

#[test]
fn time_window_to_end_of_day() {
    let p = policy(serde_json::json!({"time_window": "18:00-24:00"})).unwrap();
    let c = ip("1.1.1.1");
    assert!(p.admits(c, &Method::GET, "/", at(0, 23, 59)));
    assert!(!p.admits(c, &Method::GET, "/", at(1, 0, 0)));
    let all_day = policy(serde_json::json!({"time_window": "00:00-24:00"})).unwrap();
    assert!(all_day.admits(c, &Method::GET, "/", at(3, 0, 0)));
    assert!(all_day.admits(c, &Method::GET, "/", at(3, 23, 59)));
}

#[test]
fn bad_policies_have_clear_messages() {
    for (json, needle) in [
        (serde_json::json!({"time_window": "9-17"}), "HH:MM-HH:MM"),
        (
            serde_json::json!({"time_window": "25:00-26:00"}),
            "time_window",
        ),
        (serde_json::json!({"time_window": "10:00-10:00"}), "empty"),
        (
            serde_json::json!({"time_window": "24:00-01:00"}),
            "time_window",
        ),
        (serde_json::json!({"days": ["mon", "funday"]}), "funday"),
        (serde_json::json!({"methods": ["GE T"]}), "GE T"),
        (
            serde_json::json!({"path_prefixes": ["api"]}),
            "must start with",
        ),
    ] {
        let e = policy(json.clone()).expect_err("invalid");
        assert!(e.contains(needle), "{json}: {e}");
    }
}

#[test]
fn method_and_path_policy() {
    let p = policy(
        serde_json::json!({"methods": ["get", "HEAD"], "path_prefixes": ["/api", "/static/"]}),
    )
    .unwrap();
    let c = ip("1.1.1.1");
    assert!(p.admits(c, &Method::GET, "/api", NOW));
    assert!(p.admits(c, &Method::HEAD, "/api/v1/x?q=1", NOW));
    assert!(p.admits(c, &Method::GET, "/static/app.js", NOW));
    assert!(!p.admits(c, &Method::POST, "/api/v1", NOW));
    assert!(!p.admits(c, &Method::GET, "/apix", NOW), "segment boundary");
    assert!(!p.admits(c, &Method::GET, "/admin", NOW));
    assert!(!p.admits(c, &Method::GET, "/api/../admin", NOW));
    assert!(!p.admits(c, &Method::GET, "/api/%2e%2E/admin", NOW));
    assert!(!p.admits(c, &Method::GET, "/api%2f..%2fadmin", NOW));
}
