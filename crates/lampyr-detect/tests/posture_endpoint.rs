//! Per-endpoint posture: unauthenticated sensitive data and login without rate limiting, from
//! facts and from exchanges through the tracker.

mod posture_support;

use lampyr_classify::grading::Grading;
use lampyr_detect::posture::{self, EndpointFacts, EndpointTracker};
use lampyr_detect::{category, Severity};
use posture_support::*;

fn facts(authenticated: bool, sensitive: &[(&str, u8)]) -> EndpointFacts {
    EndpointFacts {
        method: "GET".into(),
        path: "/v1/customers/{id}".into(),
        authenticated,
        sensitive: sensitive.iter().map(|(t, l)| (t.to_string(), *l)).collect(),
        ..EndpointFacts::default()
    }
}

#[test]
fn personal_data_without_credentials_is_reported() {
    let h = posture::check_endpoint(&facts(false, &[("cn_mobile", 2), ("bank_card", 3)]));
    assert_eq!(h.len(), 1);
    assert_eq!(h[0].category, category::POSTURE_UNAUTHENTICATED_SENSITIVE);
    assert_eq!(h[0].severity, Severity::High);
    assert!(
        h[0].evidence.contains("bank_card (level 3)"),
        "{}",
        h[0].evidence
    );
}

#[test]
fn authenticated_or_non_personal_or_login_endpoints_are_fine() {
    assert!(posture::check_endpoint(&facts(true, &[("cn_mobile", 2)])).is_empty());
    // Store locator: coordinates and an address-less public listing; a login returning a token.
    assert!(posture::check_endpoint(&facts(
        false,
        &[("geo_coordinates", 3), ("jwt", 4), ("ipv4", 2)]
    ))
    .is_empty());
    let mut login = facts(false, &[("email", 2)]);
    login.is_login = true;
    assert!(posture::check_endpoint(&login).is_empty());
}

fn login_facts(attempts: u64, limited: bool) -> EndpointFacts {
    EndpointFacts {
        method: "POST".into(),
        path: "/v1/auth/login".into(),
        authenticated: false,
        is_login: true,
        saw_rate_limit: limited,
        login_attempts: attempts,
        ..EndpointFacts::default()
    }
}

#[test]
fn login_without_rate_limit_needs_enough_attempts() {
    let h = posture::check_endpoint(&login_facts(50, false));
    assert_eq!(h.len(), 1);
    assert_eq!(h[0].rule, "posture.no_login_rate_limit");
    assert!(posture::check_endpoint(&login_facts(50, true)).is_empty());
    assert!(posture::check_endpoint(&login_facts(5, false)).is_empty());
}

fn login(status: u16, headers: &[(&str, &str)]) -> lampyr_core::Exchange {
    let mut resp = vec![("Content-Type", "application/json")];
    resp.extend_from_slice(headers);
    exchange(
        "POST",
        "https://api.example.com/v1/auth/login",
        &[("Content-Type", "application/json")],
        r#"{"username":"alice","password":"wrong-password"}"#,
        status,
        &resp,
        r#"{"error":"invalid_credentials"}"#,
    )
}

#[test]
fn tracker_sees_logins_and_rate_limits() {
    let g = Grading::default();
    let mut t = EndpointTracker::default();
    for _ in 0..30 {
        let ex = login(401, &[]);
        t.observe("POST", "/v1/auth/login", &ex, Some(&scan(&ex)), &g);
    }
    let f = t.facts();
    assert_eq!(f.len(), 1);
    assert!(f[0].is_login && !f[0].saw_rate_limit && !f[0].authenticated);
    assert_eq!(f[0].login_attempts, 30);
    assert_eq!(
        posture::check_endpoint(&f[0])[0].rule,
        "posture.no_login_rate_limit"
    );

    let ex = login(429, &[("Retry-After", "30")]);
    t.observe("POST", "/v1/auth/login", &ex, Some(&scan(&ex)), &g);
    assert!(posture::check_endpoint(&t.facts()[0]).is_empty());
}

#[test]
fn tracker_sees_unauthenticated_personal_data() {
    let g = Grading::default();
    let mut t = EndpointTracker::default();
    let body =
        r#"{"id":7,"name":"Alice Smith","email":"alice.smith@example.com","mobile":"13812345678"}"#;
    let anon = get_json(
        "https://api.example.com/v1/customers/7",
        &[("Cookie", "_ga=GA1.2.3")],
        200,
        body,
    );
    t.observe("GET", "/v1/customers/{id}", &anon, Some(&scan(&anon)), &g);
    let f = &t.facts()[0];
    assert!(!f.authenticated);
    assert!(f.sensitive.iter().any(|(t, _)| t == "email"), "{f:?}");
    assert_eq!(
        posture::check_endpoint(f)[0].rule,
        "posture.unauthenticated_sensitive"
    );

    let authed = get_json(
        "https://api.example.com/v1/customers/8",
        &[("Authorization", "Bearer x")],
        200,
        body,
    );
    t.observe(
        "GET",
        "/v1/customers/{id}",
        &authed,
        Some(&scan(&authed)),
        &g,
    );
    assert!(posture::check_endpoint(&t.facts()[0]).is_empty());
}

#[test]
fn tracker_is_bounded() {
    let g = Grading::default();
    let mut t = EndpointTracker::new(2);
    let ex = get_json("https://api.example.com/x", &[], 200, "{}");
    for p in ["/a", "/b", "/c", "/d"] {
        t.observe("GET", p, &ex, None, &g);
    }
    assert_eq!(t.len(), 2);
    assert_eq!(t.dropped, 2);
}

#[test]
fn credentials_are_recognised_in_their_usual_places() {
    use posture::request_has_credentials as creds;
    let r = |h: &[(&str, &str)], url: &str| get_json(url, h, 200, "").request;
    assert!(creds(
        &r(&[("X-API-Key", "k")], "https://a.example/x"),
        None
    ));
    assert!(creds(
        &r(
            &[("Cookie", "theme=dark; JSESSIONID=abc")],
            "https://a.example/x"
        ),
        None
    ));
    assert!(creds(&r(&[], "https://a.example/x?api_key=abc"), None));
    assert!(!creds(
        &r(
            &[("Cookie", "_ga=1; theme=dark")],
            "https://a.example/x?page=1"
        ),
        None
    ));
}
