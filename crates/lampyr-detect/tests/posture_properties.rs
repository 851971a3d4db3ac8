//! Posture parsers read attacker bytes: they never panic and stay bounded.

mod posture_support;

use lampyr_detect::posture::{self, jwt, Fingerprints, Version, VersionReq};
use posture_support::*;
use proptest::prelude::*;

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn check_exchange_never_panics(
        path in "/[a-zA-Z0-9/%._~-]{0,40}",
        query in proptest::option::of("[ -~]{0,60}"),
        auth in "[ -~]{0,80}",
        cookie in "[ -~]{0,80}",
        body in "(?s).{0,400}",
        server in "[ -~]{0,60}",
        acao in "[ -~]{0,30}",
        status in 100u16..600,
    ) {
        let url = match &query {
            Some(q) => format!("http://api.example.com{path}?{q}"),
            None => format!("http://api.example.com{path}"),
        };
        let ex = exchange(
            "POST",
            &url,
            &[("Authorization", &auth), ("Cookie", &cookie), ("Origin", &acao), ("Content-Type", "application/x-www-form-urlencoded")],
            &body,
            status,
            &[("Server", &server), ("Access-Control-Allow-Origin", &acao), ("Access-Control-Allow-Credentials", "true"), ("Set-Cookie", &cookie)],
            &body,
        );
        let hits = posture::check_exchange(&ex, Some(&scan(&ex)));
        prop_assert!(hits.len() < 200);
        for h in hits {
            prop_assert!(h.evidence.len() <= 2048);
        }
    }

    #[test]
    fn jwt_and_version_parsers_never_panic(s in "(?s).{0,300}", t in "eyJ[A-Za-z0-9_.=-]{0,200}") {
        let _ = jwt::parse(&s);
        let _ = jwt::parse(&t);
        prop_assert!(jwt::find_in_text(&s, 8).len() <= 8);
        let _ = Version::parse(&s);
        let _ = VersionReq::parse(&s);
        let _ = Fingerprints::shipped().matches(Some("server"), &s);
        let _ = Fingerprints::shipped().matches(None, &s);
    }

    #[test]
    fn version_order_is_total_and_consistent(a in "[0-9]{1,3}(\\.[0-9]{1,3}){0,3}[a-z]{0,2}", b in "[0-9]{1,3}(\\.[0-9]{1,3}){0,3}(-rc[0-9])?") {
        let (va, vb) = (Version::parse(&a).unwrap(), Version::parse(&b).unwrap());
        prop_assert_eq!(va.cmp(&vb), vb.cmp(&va).reverse());
        let req = VersionReq::parse(&format!(">={b}")).unwrap();
        prop_assert_eq!(req.matches(&va), va >= vb);
    }
}

#[test]
fn huge_bodies_cost_only_the_scanned_prefix() {
    // 4 MB of trace-like junk: only the first max_body_scan bytes are searched.
    let body = "\tat x.y(Z.java:1)\n".repeat(250_000);
    let ex = get_json("https://api.example.com/x", &[], 500, &body);
    let hits = posture::check_exchange(&ex, None);
    assert_eq!(hits.len(), 1, "{hits:?}");
}
