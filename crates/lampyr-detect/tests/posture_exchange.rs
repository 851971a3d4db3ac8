//! Per-exchange posture checks on realistic exchanges: each finding and its benign look-alike.

mod posture_support;

use lampyr_detect::category;
use lampyr_detect::posture::{self, Posture, PostureConfig};
use lampyr_detect::{Location, Severity};
use posture_support::*;

// ---- sensitive data in the URL ----

#[test]
fn personal_data_in_query_and_path_is_reported_masked() {
    let ex = get_json(
        "https://api.example.com/v1/customers/search?email=alice.smith@example.com&mobile=13812345678",
        &[("Authorization", "Bearer abc")],
        200,
        r#"{"items":[]}"#,
    );
    let h = with_prefix(&ex, "posture.sensitive_in_url");
    let fields: Vec<_> = h.iter().map(|h| (h.location, h.field.as_str())).collect();
    assert!(fields.contains(&(Location::Query, "email")), "{h:?}");
    assert!(fields.contains(&(Location::Query, "mobile")), "{h:?}");
    for hit in &h {
        assert_eq!(hit.category, category::POSTURE_SENSITIVE_IN_URL);
        assert_eq!(hit.rule, "posture.sensitive_in_url.personal");
        assert!(!hit.evidence.contains("13812345678"), "{}", hit.evidence);
        assert!(!hit.evidence.contains("alice.smith@"), "{}", hit.evidence);
    }
    let ex = get_json(
        "https://api.example.com/v1/users/alice.smith@example.com/profile",
        &[("Authorization", "Bearer abc")],
        200,
        "{}",
    );
    let h = with_prefix(&ex, "posture.sensitive_in_url");
    assert_eq!(h.len(), 1, "{h:?}");
    assert_eq!(
        (h[0].location, h[0].field.as_str()),
        (Location::Path, "[2]")
    );
}

#[test]
fn ordinary_query_parameters_are_not_reported() {
    let ex = get_json(
        "https://api.example.com/v1/orders?page=2&size=20&sort=created_at&status=shipped&since=2024-01-01",
        &[],
        200,
        r#"{"items":[]}"#,
    );
    assert!(with_prefix(&ex, "posture.sensitive_in_url").is_empty());
}

#[test]
fn callers_own_token_in_url_is_off_by_default_and_low_when_asked() {
    let token = jwt(
        r#"{"alg":"HS256","typ":"JWT"}"#,
        r#"{"sub":"42","exp":1900000000}"#,
        "c2lnbmF0dXJl",
    );
    let ex = get_json(
        &format!("https://api.example.com/v1/feed?access_token={token}"),
        &[],
        200,
        "{}",
    );
    assert!(with_prefix(&ex, "posture.sensitive_in_url").is_empty());
    let noisy = Posture::new(
        PostureConfig {
            tokens_in_url: true,
            ..PostureConfig::default()
        },
        Default::default(),
        posture::Fingerprints::shipped().clone(),
    )
    .unwrap();
    let h: Vec<_> = noisy
        .check_exchange(&ex, Some(&scan(&ex)))
        .into_iter()
        .filter(|h| h.rule.starts_with("posture.sensitive_in_url"))
        .collect();
    assert_eq!(h.len(), 1, "{h:?}");
    assert_eq!(h[0].rule, "posture.sensitive_in_url.credential");
    assert_eq!(h[0].severity, Severity::Low);
    assert!(!h[0].evidence.contains(&token));
}

#[test]
fn password_in_query_is_high_but_random_path_ids_are_not_passwords() {
    let ex = get_json(
        "https://api.example.com/v1/login?user=alice&password=Tr0ub4dor%263",
        &[],
        200,
        "{}",
    );
    let h = with_prefix(&ex, "posture.sensitive_in_url.password");
    assert_eq!(h.len(), 1, "{:?}", hits(&ex));
    assert_eq!(
        (h[0].location, h[0].field.as_str()),
        (Location::Query, "password")
    );
    let ex = get_json(
        "https://api.example.com/artifacts-by-uid/u_iSJVnnNzvkypUW/nod_wxQI1uc3QBzMmF/infra",
        &[("Authorization", "Bearer x")],
        200,
        "{}",
    );
    assert!(
        with_prefix(&ex, "posture.sensitive_in_url").is_empty(),
        "{:?}",
        hits(&ex)
    );
}

// ---- secrets in responses ----

#[test]
fn password_hash_in_a_user_list_is_reported() {
    let body = r#"{"users":[{"id":1,"email":"a@example.com","passwordHash":"$2b$12$KIXQJQ1fGv0Bq9eXo5vZ7eG0c3yF6hZr0m1Jx9dW8qkP2aL4sT6uC"},{"id":2,"email":"b@example.com","passwordHash":"$2b$12$0ZxY1wV2uT3sR4qP5oN6mOLkJ7iH8gF9eD0cB1aA2zY3xW4vU5tS6"}]}"#;
    let ex = get_json(
        "https://api.example.com/v1/admin/users",
        &[("Cookie", "session=abc")],
        200,
        body,
    );
    let h = with_prefix(&ex, "posture.secret_in_response.password_hash");
    assert_eq!(h.len(), 1, "{:?}", hits(&ex));
    assert_eq!(h[0].severity, Severity::High);
    assert_eq!(h[0].field, "passwordHash");
    assert!(h[0].evidence.starts_with("2 bcrypt"), "{}", h[0].evidence);
    assert!(!h[0].evidence.contains("KIXQJQ"), "{}", h[0].evidence);
}

#[test]
fn private_key_in_a_response_is_critical() {
    let body = "{\"config\":{\"tls_key\":\"-----BEGIN RSA PRIVATE KEY-----\\nMIIEpAIBAAKCAQEA...\\n-----END RSA PRIVATE KEY-----\"}}";
    let ex = get_json(
        "https://api.example.com/v1/settings",
        &[("Authorization", "Bearer x")],
        200,
        body,
    );
    let h = with_prefix(&ex, "posture.secret_in_response.private_key");
    assert_eq!(h.len(), 1);
    assert_eq!(h[0].severity, Severity::Critical);
    assert_eq!(h[0].field, "tls_key");
    assert!(!h[0].evidence.contains("MIIE"));
}

#[test]
fn a_login_issuing_a_jwt_is_normal() {
    let token = jwt(
        r#"{"alg":"RS256","typ":"JWT"}"#,
        r#"{"sub":"42","iat":1700000000,"exp":1700003600}"#,
        "c2lnbmF0dXJlLXJzYQ",
    );
    let ex = exchange(
        "POST",
        "https://api.example.com/v1/auth/login",
        &[("Content-Type", "application/json")],
        r#"{"username":"alice","password":"correct horse battery"}"#,
        200,
        &[("Content-Type", "application/json")],
        &format!(r#"{{"access_token":"{token}","token_type":"Bearer","expires_in":3600}}"#),
    );
    assert!(rules(&ex).is_empty(), "{:?}", hits(&ex));
}

#[test]
fn a_public_key_and_a_hash_like_id_are_not_secrets() {
    let body = r#"{"kid":"2024-01","publicKey":"-----BEGIN PUBLIC KEY-----\nMIIBIjANBgkqh\n-----END PUBLIC KEY-----","commit":"9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"}"#;
    let ex = get_json("https://api.example.com/.well-known/keys", &[], 200, body);
    assert!(
        with_prefix(&ex, "posture.secret_in_response").is_empty(),
        "{:?}",
        hits(&ex)
    );
}

#[test]
fn secret_references_are_not_secrets() {
    // Kubernetes-style references name a secret and its key; they hold no secret.
    let body = r#"{"items":[{"spec":{"auth":{"username":{"name":"amqp-creds","key":"username"},"password":{"name":"amqp-creds","key":"password"}},"secretName":"tls-cert"}}]}"#;
    let ex = get_json(
        "https://k8s.example.com/api/v1/event-sources",
        &[("Authorization", "Bearer x")],
        200,
        body,
    );
    assert!(
        with_prefix(&ex, "posture.secret_in_response").is_empty(),
        "{:?}",
        hits(&ex)
    );
}

#[test]
fn client_secret_in_an_app_listing_is_reported() {
    let body = r#"{"apps":[{"name":"billing","client_id":"7f3c1a","client_secret":"Zk9sV2xqT3BhX0RzY1ZyZ2h0UXlBcUc4"}]}"#;
    let ex = get_json(
        "https://api.example.com/v1/apps",
        &[("Authorization", "Bearer x")],
        200,
        body,
    );
    let h = with_prefix(&ex, "posture.secret_in_response.secret_key");
    assert_eq!(h.len(), 1, "{:?}", hits(&ex));
    assert_eq!(h[0].field, "apps[].client_secret");
    assert!(!h[0].evidence.contains("Zk9sV2xq"), "{}", h[0].evidence);
}

// ---- passwords over plain HTTP ----

#[test]
fn basic_auth_over_http_is_reported_without_the_password() {
    // alice:s3cret!
    let ex = get_json(
        "http://api.example.com/v1/reports",
        &[("Authorization", "Basic YWxpY2U6czNjcmV0IQ==")],
        200,
        "{}",
    );
    let h = with_prefix(&ex, "posture.plaintext_credentials");
    assert_eq!(h.len(), 1, "{h:?}");
    assert_eq!(h[0].rule, "posture.plaintext_credentials.basic_auth");
    assert_eq!(
        (h[0].location, h[0].field.as_str()),
        (Location::Header, "authorization")
    );
    assert!(h[0].evidence.contains("a****"), "{}", h[0].evidence);
    assert!(!h[0].evidence.contains("s3cret") && !h[0].evidence.contains("alice"));
}

#[test]
fn password_form_over_http_is_reported() {
    let ex = exchange(
        "POST",
        "http://shop.example.com/login",
        &[("Content-Type", "application/x-www-form-urlencoded")],
        "username=alice&password=hunter2&remember=1",
        302,
        &[("Location", "/account")],
        "",
    );
    let h = with_prefix(&ex, "posture.plaintext_credentials.password");
    assert_eq!(h.len(), 1, "{:?}", hits(&ex));
    assert_eq!(
        (h[0].location, h[0].field.as_str()),
        (Location::Body, "password")
    );
    assert!(!h[0].evidence.contains("hunter2"));
}

#[test]
fn same_login_over_https_or_loopback_is_not_reported() {
    for url in [
        "https://shop.example.com/login",
        "http://127.0.0.1:8080/login",
        "http://localhost/login",
    ] {
        let ex = exchange(
            "POST",
            url,
            &[("Content-Type", "application/json")],
            r#"{"username":"alice","password":"hunter2"}"#,
            200,
            &[("Content-Type", "application/json")],
            r#"{"ok":true}"#,
        );
        assert!(
            with_prefix(&ex, "posture.plaintext_credentials").is_empty(),
            "{url}: {:?}",
            hits(&ex)
        );
    }
    // Bearer tokens over http are not passwords.
    let ex = get_json(
        "http://api.example.com/v1/x",
        &[("Authorization", "Bearer abc.def")],
        200,
        "{}",
    );
    assert!(with_prefix(&ex, "posture.plaintext_credentials").is_empty());
}

// ---- weak JWTs ----

#[test]
fn unsigned_token_accepted_by_the_server_is_critical() {
    let token = jwt(
        r#"{"alg":"none","typ":"JWT"}"#,
        r#"{"sub":"42","role":"admin","exp":1900000000}"#,
        "",
    );
    let ex = get_json(
        "https://api.example.com/v1/admin/users",
        &[("Authorization", &format!("Bearer {token}"))],
        200,
        "[]",
    );
    let h = with_prefix(&ex, "posture.weak_jwt");
    assert_eq!(h.len(), 1, "{h:?}");
    assert_eq!(h[0].rule, "posture.weak_jwt.alg_none");
    assert_eq!(h[0].severity, Severity::Critical);
    assert_eq!(
        h[0].evidence,
        "unsigned JWT (alg none) accepted by the server: alg=none; claims: exp, role, sub"
    );
    // Rejected: an attack attempt, not the API's posture.
    let ex = get_json(
        "https://api.example.com/v1/admin/users",
        &[("Authorization", &format!("Bearer {token}"))],
        401,
        r#"{"error":"invalid_token"}"#,
    );
    assert!(with_prefix(&ex, "posture.weak_jwt").is_empty());
}

#[test]
fn token_without_expiry_in_a_cookie_or_issued_is_reported() {
    let token = jwt(
        r#"{"alg":"HS256","typ":"JWT"}"#,
        r#"{"sub":"42","name":"Alice"}"#,
        "c2ln",
    );
    let ex = get_json(
        "https://app.example.com/api/me",
        &[("Cookie", &format!("theme=dark; auth={token}"))],
        200,
        r#"{"id":42}"#,
    );
    let h = with_prefix(&ex, "posture.weak_jwt");
    assert_eq!(h.len(), 1, "{h:?}");
    assert_eq!(
        (h[0].rule.as_str(), h[0].location, h[0].field.as_str()),
        ("posture.weak_jwt.no_exp", Location::Cookie, "auth")
    );
    let ex = exchange(
        "POST",
        "https://app.example.com/api/login",
        &[("Content-Type", "application/json")],
        r#"{"user":"alice","password":"x"}"#,
        200,
        &[
            ("Content-Type", "application/json"),
            ("Set-Cookie", &format!("session={token}; HttpOnly; Secure")),
        ],
        &format!(r#"{{"token":"{token}"}}"#),
    );
    let h = with_prefix(&ex, "posture.weak_jwt.no_exp");
    let places: Vec<_> = h.iter().map(|h| (h.location, h.field.as_str())).collect();
    assert_eq!(
        places,
        [
            (Location::ResponseHeader, "set-cookie:session"),
            (Location::ResponseBody, "token")
        ]
    );
    assert!(h.iter().all(|h| !h.evidence.contains(&token)));
}

#[test]
fn signed_expiring_token_is_fine() {
    let token = jwt(
        r#"{"alg":"ES256","typ":"JWT"}"#,
        r#"{"sub":"42","exp":1900000000}"#,
        "c2ln",
    );
    let ex = get_json(
        "https://api.example.com/v1/me",
        &[("Authorization", &format!("Bearer {token}"))],
        200,
        "{}",
    );
    assert!(with_prefix(&ex, "posture.weak_jwt").is_empty());
}

// ---- verbose errors ----

#[test]
fn java_stack_trace_in_a_500_is_reported() {
    let body = r#"{"timestamp":"2024-05-01T10:00:00Z","status":500,"error":"Internal Server Error","trace":"java.lang.NullPointerException: Cannot invoke \"User.getName()\"\n\tat com.acme.shop.api.UserController.get(UserController.java:57)\n\tat java.base/jdk.internal.reflect.NativeMethodAccessorImpl.invoke0(Native Method)"}"#;
    let ex = get_json("https://api.example.com/v1/users/9", &[], 500, body);
    let h = with_prefix(&ex, "posture.verbose_error");
    assert_eq!(h.len(), 1, "{h:?}");
    assert_eq!(h[0].rule, "posture.verbose_error.stack_trace.java");
    assert_eq!(h[0].category, category::POSTURE_VERBOSE_ERROR);
    assert!(
        h[0].evidence.contains("UserController.java:57"),
        "{}",
        h[0].evidence
    );
}

#[test]
fn database_errors_are_reported_per_engine() {
    for (body, rule) in [
        ("<b>Warning</b>: You have an error in your SQL syntax; check the manual that corresponds to your MySQL server version for the right syntax to use near ''' at line 1", "posture.verbose_error.database.mysql"),
        (r#"{"error":"PG::SyntaxError: ERROR:  syntax error at or near \"'\""}"#, "posture.verbose_error.database.postgresql"),
        ("Microsoft OLE DB Provider for SQL Server error '80040e14' Unclosed quotation mark after the character string ''.", "posture.verbose_error.database.mssql"),
        (r#"{"message":"ORA-00933: SQL command not properly ended"}"#, "posture.verbose_error.database.oracle"),
        (r#"{"error":"SQLITE_ERROR: near \"'\": syntax error"}"#, "posture.verbose_error.database.sqlite"),
        (r#"{"error":"E11000 duplicate key error collection: shop.users index: email_1 dup key"}"#, "posture.verbose_error.database.mongodb"),
    ] {
        let ex = get_json("https://api.example.com/v1/items?id=1'", &[], 500, body);
        let got: Vec<String> = with_prefix(&ex, "posture.verbose_error").into_iter().map(|h| h.rule).collect();
        assert!(got.contains(&rule.to_string()), "{body}: {got:?}");
    }
}

#[test]
fn plain_error_messages_are_not_verbose() {
    for body in [
        r#"{"status":500,"error":"Internal Server Error","message":"Something went wrong","path":"/v1/users/9"}"#,
        r#"{"type":"https://example.com/probs/out-of-credit","title":"You do not have enough credit.","status":403}"#,
        "<html><body><h1>Bad Gateway</h1></body></html>",
    ] {
        let ex = get_json("https://api.example.com/v1/users/9", &[], 500, body);
        assert!(
            with_prefix(&ex, "posture.verbose_error").is_empty(),
            "{body}"
        );
    }
}

#[test]
fn werkzeug_debugger_is_high() {
    let ex = exchange(
        "GET",
        "https://api.example.com/v1/boom",
        &[],
        "",
        500,
        &[("Content-Type", "text/html; charset=utf-8"), ("Server", "Werkzeug/3.0.6 Python/3.12.1")],
        "<!doctype html><title>ZeroDivisionError // Werkzeug Debugger</title><script src=\"?__debugger__=yes&cmd=resource&f=debugger.js\"></script>",
    );
    let h = with_prefix(&ex, "posture.verbose_error.debugger");
    assert_eq!(h.len(), 1);
    assert_eq!(h[0].severity, Severity::High);
}

// ---- CORS ----

fn cors_exchange(origin: Option<&str>, acao: &str, creds: bool) -> lampyr_core::Exchange {
    let mut req: Vec<(&str, &str)> = vec![("Cookie", "session=abc")];
    if let Some(o) = origin {
        req.push(("Origin", o));
    }
    let mut resp = vec![
        ("Content-Type", "application/json"),
        ("Access-Control-Allow-Origin", acao),
    ];
    if creds {
        resp.push(("Access-Control-Allow-Credentials", "true"));
    }
    exchange(
        "GET",
        "https://api.example.com/v1/me",
        &req,
        "",
        200,
        &resp,
        r#"{"id":1}"#,
    )
}

#[test]
fn cross_site_origin_reflected_with_credentials_is_high() {
    let ex = cors_exchange(
        Some("https://evil.example.net"),
        "https://evil.example.net",
        true,
    );
    let h = with_prefix(&ex, "posture.cors");
    assert_eq!(h.len(), 1);
    assert_eq!(
        (h[0].rule.as_str(), h[0].severity),
        ("posture.cors.reflected_origin", Severity::High)
    );
    let ex = cors_exchange(Some("null"), "null", true);
    assert_eq!(
        with_prefix(&ex, "posture.cors")[0].rule,
        "posture.cors.null_origin"
    );
    let ex = cors_exchange(None, "*", true);
    assert_eq!(
        with_prefix(&ex, "posture.cors")[0].rule,
        "posture.cors.wildcard_credentials"
    );
}

#[test]
fn same_site_origins_and_public_wildcards_are_fine() {
    // The company's own front end.
    let ex = cors_exchange(
        Some("https://app.example.com"),
        "https://app.example.com",
        true,
    );
    assert!(with_prefix(&ex, "posture.cors").is_empty());
    // A public API without credentials.
    let ex = cors_exchange(Some("https://evil.example.net"), "*", false);
    assert!(with_prefix(&ex, "posture.cors").is_empty());
    // A fixed allow-list entry that is not the caller's origin.
    let ex = cors_exchange(
        Some("https://evil.example.net"),
        "https://partner.example.org",
        true,
    );
    assert!(with_prefix(&ex, "posture.cors").is_empty());
}

// ---- vulnerable components ----

#[test]
fn server_header_with_vulnerable_versions_names_the_cves() {
    let ex = exchange(
        "GET",
        "https://www.example.com/",
        &[],
        "",
        200,
        &[
            ("Server", "Apache/2.4.49 (Unix) OpenSSL/1.0.1f"),
            ("X-Powered-By", "PHP/7.3.10"),
            ("Content-Type", "text/html"),
        ],
        "<html></html>",
    );
    let h = with_prefix(&ex, "posture.vulnerable_component");
    let rules: Vec<&str> = h.iter().map(|h| h.rule.as_str()).collect();
    for cve in [
        "cve-2021-41773",
        "cve-2021-42013",
        "cve-2014-0160",
        "cve-2019-11043",
    ] {
        assert!(rules.iter().any(|r| r.ends_with(cve)), "{cve}: {rules:?}");
    }
    let heart = h
        .iter()
        .find(|h| h.rule.ends_with("cve-2014-0160"))
        .unwrap();
    assert_eq!(
        (heart.location, heart.field.as_str(), heart.severity),
        (Location::ResponseHeader, "server", Severity::Critical)
    );
    assert!(
        heart.evidence.contains("OpenSSL 1.0.1f") && heart.evidence.contains("CVE-2014-0160"),
        "{}",
        heart.evidence
    );
}

#[test]
fn tomcat_error_page_footer_is_read() {
    let ex = exchange(
        "GET",
        "https://api.example.com/missing",
        &[],
        "",
        404,
        &[("Content-Type", "text/html;charset=utf-8")],
        "<!doctype html><html lang=\"en\"><head><title>HTTP Status 404 – Not Found</title></head><body><h1>HTTP Status 404 – Not Found</h1><hr class=\"line\" /><h3>Apache Tomcat/9.0.30</h3></body></html>",
    );
    let rules: Vec<String> = with_prefix(&ex, "posture.vulnerable_component")
        .into_iter()
        .map(|h| h.rule)
        .collect();
    assert!(
        rules.contains(&"posture.vulnerable_component.cve-2020-1938".to_string()),
        "{rules:?}"
    );
}

#[test]
fn patched_or_versionless_servers_are_not_reported() {
    for server in [
        "Apache/2.4.62 (Debian)",
        "nginx",
        "nginx/1.26.2",
        "Microsoft-IIS/10.0",
        "cloudflare",
        "Apache-Coyote/1.1",
    ] {
        let ex = exchange(
            "GET",
            "https://www.example.com/",
            &[],
            "",
            200,
            &[("Server", server)],
            "",
        );
        assert!(
            with_prefix(&ex, "posture.vulnerable_component").is_empty(),
            "{server}"
        );
    }
}

#[test]
fn version_disclosure_is_opt_in_info() {
    let ex = exchange(
        "GET",
        "https://www.example.com/",
        &[],
        "",
        200,
        &[("Server", "nginx/1.26.2")],
        "",
    );
    assert!(posture::check_exchange(&ex, None).is_empty());
    let p = Posture::new(
        PostureConfig {
            version_disclosure: true,
            ..PostureConfig::default()
        },
        Default::default(),
        posture::Fingerprints::shipped().clone(),
    )
    .unwrap();
    let h = p.check_exchange(&ex, None);
    assert_eq!(h.len(), 1);
    assert_eq!(
        (h[0].rule.as_str(), h[0].severity),
        (
            "posture.vulnerable_component.version_disclosure",
            Severity::Info
        )
    );
}

// ---- settings ----

#[test]
fn disabled_rules_and_categories_are_dropped() {
    let ex = cors_exchange(
        Some("https://evil.example.net"),
        "https://evil.example.net",
        true,
    );
    let p = Posture::new(
        PostureConfig {
            disabled: vec!["posture.cors".into()],
            ..PostureConfig::default()
        },
        Default::default(),
        posture::Fingerprints::shipped().clone(),
    )
    .unwrap();
    assert!(p.check_exchange(&ex, None).is_empty());
    let err = Posture::new(
        PostureConfig {
            url_min_level: 9,
            ..PostureConfig::default()
        },
        Default::default(),
        posture::Fingerprints::shipped().clone(),
    )
    .unwrap_err()
    .to_string();
    assert!(err.contains("detect.posture.url_min_level"), "{err}");
}

#[test]
fn hits_serialise_with_the_report_vocabulary() {
    let ex = cors_exchange(Some("null"), "null", true);
    let h = &posture::check_exchange(&ex, None)[0];
    let v = serde_json::to_value(h).unwrap();
    assert_eq!(v["in"], "response.header");
    assert_eq!(v["category"], "posture.cors");
    assert_eq!(v["severity"], "high");
    assert_eq!(v["field"], "access-control-allow-origin");
}
