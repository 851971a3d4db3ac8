use super::*;
use lampyr_core::Headers;
use proptest::prelude::*;

fn b64(s: &str) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(s)
}

fn jwt(header: &str, payload: &str) -> String {
    format!("{}.{}.sig", b64(header), b64(payload))
}

fn req(headers: &[(&str, &str)], query: Option<&str>) -> Request {
    Request {
        headers: headers.iter().copied().collect::<Headers>(),
        query: query.map(str::to_owned),
        ..Request::default()
    }
}

fn kinds(r: &Request) -> Vec<(AuthKind, Option<String>)> {
    detect(r).into_iter().map(|o| (o.kind, o.name)).collect()
}

#[test]
fn no_credentials_gives_none() {
    let r = req(
        &[("Accept", "*/*"), ("Cookie", "theme=dark; csrftoken=x")],
        Some("q=1"),
    );
    assert_eq!(kinds(&r), [(AuthKind::None, None)]);
}

#[test]
fn basic_keeps_only_user_presence() {
    let r = req(&[("Authorization", "Basic YWxpY2U6aHVudGVyMg==")], None); // alice:hunter2
    let o = &detect(&r)[0];
    assert_eq!(o.kind, AuthKind::Basic);
    assert_eq!(o.basic_has_user, Some(true));
    assert_eq!(o.scheme.as_deref(), Some("basic"));
    let shown = format!("{o:?} {}", serde_json::to_string(o).unwrap());
    assert!(
        !shown.contains("alice") && !shown.contains("hunter2"),
        "{shown}"
    );
    let r = req(&[("Authorization", "Basic OnB3")], None); // ":pw"
    assert_eq!(detect(&r)[0].basic_has_user, Some(false));
    let r = req(&[("Authorization", "Basic !!!")], None);
    assert_eq!(detect(&r)[0].basic_has_user, None);
}

#[test]
fn bearer_jwt_is_decoded_without_values() {
    let token = jwt(
        r#"{"alg":"HS256","typ":"JWT","kid":"k1"}"#,
        r#"{"iss":"https://id.example","sub":"user-42","exp":1700000000,"role":"admin"}"#,
    );
    let r = req(&[("authorization", &format!("Bearer {token}"))], None);
    let o = &detect(&r)[0];
    assert_eq!(o.kind, AuthKind::Jwt);
    let j = o.jwt.as_ref().unwrap();
    assert_eq!(j.alg, "HS256");
    assert_eq!(j.typ.as_deref(), Some("JWT"));
    assert_eq!(j.kid.as_deref(), Some("k1"));
    assert_eq!(j.iss.as_deref(), Some("https://id.example"));
    assert!(j.has_exp && !j.encrypted);
    assert_eq!(
        j.claims.iter().map(String::as_str).collect::<Vec<_>>(),
        ["exp", "iss", "role", "sub"]
    );
    let shown = serde_json::to_string(o).unwrap();
    assert!(
        !shown.contains("user-42") && !shown.contains("admin\""),
        "{shown}"
    );
    // alg none, no exp.
    let none = jwt(r#"{"alg":"none"}"#, r#"{"sub":"x"}"#);
    let j = decode_jwt(&none.replace(".sig", ".")).unwrap();
    assert_eq!(j.alg, "none");
    assert!(!j.has_exp);
    // JWE: header only.
    let jwe = format!("{}.a.b.c.d", b64(r#"{"alg":"RSA-OAEP","enc":"A256GCM"}"#));
    assert!(decode_jwt(&jwe).unwrap().encrypted);
}

#[test]
fn opaque_bearer_and_other_schemes() {
    let r = req(&[("Authorization", "Bearer abc123opaque")], None);
    assert_eq!(
        kinds(&r),
        [(AuthKind::Bearer, Some("authorization".into()))]
    );
    let r = req(
        &[("Authorization", "Digest username=\"a\", realm=\"r\"")],
        None,
    );
    let o = &detect(&r)[0];
    assert_eq!(
        (o.kind, o.scheme.as_deref()),
        (AuthKind::Other, Some("digest"))
    );
    let r = req(&[("Authorization", "Token abc")], None);
    assert_eq!(detect(&r)[0].kind, AuthKind::ApiKeyHeader);
    let r = req(&[("Authorization", "rawkey123")], None);
    assert_eq!(detect(&r)[0].kind, AuthKind::ApiKeyHeader);
}

#[test]
fn api_keys_in_headers_and_query() {
    let r = req(
        &[
            ("X-API-Key", "k"),
            ("X-CSRF-Token", "c"),
            ("X-Auth-Token", "t"),
            ("Ocp-Apim-Subscription-Key", "s"),
        ],
        Some("api_key=abc&page=2&access_token=&Token=z"),
    );
    assert_eq!(
        kinds(&r),
        [
            (AuthKind::ApiKeyHeader, Some("x-api-key".into())),
            (AuthKind::ApiKeyHeader, Some("x-auth-token".into())),
            (
                AuthKind::ApiKeyHeader,
                Some("ocp-apim-subscription-key".into())
            ),
            (AuthKind::ApiKeyQuery, Some("api_key".into())),
            (AuthKind::ApiKeyQuery, Some("Token".into())),
        ]
    );
}

#[test]
fn session_cookies() {
    let r = req(
        &[(
            "Cookie",
            "theme=dark; JSESSIONID=abc; __Host-session=x; _ga=1; XSRF-TOKEN=y; rails_session=q",
        )],
        None,
    );
    assert_eq!(
        kinds(&r),
        [
            (AuthKind::SessionCookie, Some("JSESSIONID".into())),
            (AuthKind::SessionCookie, Some("__Host-session".into())),
            (AuthKind::SessionCookie, Some("rails_session".into())),
        ]
    );
    for n in [
        "PHPSESSID",
        "connect.sid",
        "ASP.NET_SessionId",
        "sid",
        "access_token",
        "laravel_session",
    ] {
        assert!(is_session_cookie(n), "{n}");
    }
    for n in ["theme", "_ga", "csrftoken", "lang"] {
        assert!(!is_session_cookie(n), "{n}");
    }
}

#[test]
fn summary_counts_and_merges() {
    let token = jwt(r#"{"alg":"RS256"}"#, r#"{"iss":"me","sub":"1"}"#);
    let a = req(&[("Authorization", &format!("Bearer {token}"))], None);
    let b = req(&[], None);
    let c = req(&[("X-Api-Key", "1")], None);
    let mut s1 = AuthSummary::default();
    s1.observe(&a);
    s1.observe(&b);
    let mut s2 = AuthSummary::default();
    s2.observe(&c);
    let mut m1 = s1.clone();
    m1.merge(&s2);
    let mut m2 = s2.clone();
    m2.merge(&s1);
    assert_eq!(m1, m2);
    assert_eq!(m1.requests, 3);
    assert_eq!(m1.unauthenticated, 1);
    assert!(!m1.is_authenticated_always());
    assert_eq!(
        m1.kinds(),
        BTreeSet::from([AuthKind::Jwt, AuthKind::ApiKeyHeader])
    );
    assert_eq!(m1.jwt.without_exp, 1);
    assert_eq!(m1.jwt.algs.get("RS256"), Some(&1));
    assert_eq!(m1.jwt.issuers.get("me"), Some(&1));
    let v = serde_json::to_value(&m1).unwrap();
    assert_eq!(v["schemes"][0]["kind"], "none");
    assert_eq!(
        v["schemes"][1],
        serde_json::json!({"kind": "jwt", "name": "authorization", "count": 1})
    );
    let mut only = AuthSummary::default();
    only.observe(&c);
    assert!(only.is_authenticated_always());
}

fn arb_req() -> impl Strategy<Value = Request> {
    let header = prop_oneof![
        Just("Authorization".to_string()),
        Just("Cookie".to_string()),
        Just("X-Api-Key".to_string()),
        "[a-zA-Z-]{1,12}",
    ];
    (
        prop::collection::vec((header, ".{0,40}"), 0..4),
        prop::option::of(".{0,40}"),
    )
        .prop_map(|(h, q)| Request {
            headers: h.into_iter().collect(),
            query: q,
            ..Request::default()
        })
}

proptest! {
    #[test]
    fn detect_never_panics_and_is_never_empty(r in arb_req(), tok in ".{0,80}") {
        prop_assert!(!detect(&r).is_empty());
        let _ = decode_jwt(&tok);
        let _ = decode_jwt(&format!("ey{tok}.{tok}.x"));
    }

    #[test]
    fn summary_merge_commutes_and_associates(a in prop::collection::vec(arb_req(), 0..4),
                                             b in prop::collection::vec(arb_req(), 0..4),
                                             c in prop::collection::vec(arb_req(), 0..4)) {
        let sum = |rs: &[Request]| { let mut s = AuthSummary::default(); for r in rs { s.observe(r); } s };
        let (sa, sb, sc) = (sum(&a), sum(&b), sum(&c));
        let m = |x: &AuthSummary, y: &AuthSummary| { let mut z = x.clone(); z.merge(y); z };
        prop_assert_eq!(m(&sa, &sb), m(&sb, &sa));
        prop_assert_eq!(m(&m(&sa, &sb), &sc), m(&sa, &m(&sb, &sc)));
        let all: Vec<Request> = a.iter().chain(&b).chain(&c).cloned().collect();
        prop_assert_eq!(m(&m(&sa, &sb), &sc), sum(&all));
    }
}

#[test]
fn a_request_with_thousands_of_credential_names_is_bounded() {
    let cookies: Vec<String> = (0..20_000).map(|i| format!("c{i}_session=x")).collect();
    let mut req = Request::default();
    req.headers.append("Cookie", cookies.join("; "));
    for i in 0..5_000 {
        req.headers.append(format!("x-token-{i}"), "abc");
    }
    let found = detect(&req);
    assert_eq!(found.len(), MAX_CREDENTIALS_PER_REQUEST);
}
