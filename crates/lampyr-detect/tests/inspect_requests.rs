//! `Inspector::inspect` on whole requests: every placement, every encoding the normaliser
//! undoes, scoring, paranoia, detection-only hits, user rules and limits.

use lampyr_core::{Body, Headers, Request};
use lampyr_detect::{category, InspectConfig, Inspector, Location, Verdict};
use proptest::prelude::*;

fn request(method: &str, target: &str, headers: &[(&str, &str)], body: &str) -> Request {
    let (path, query) = match target.split_once('?') {
        Some((p, q)) => (p.to_string(), Some(q.to_string())),
        None => (target.to_string(), None),
    };
    let mut h = Headers::new();
    h.append("Host", "api.example.com");
    for (k, v) in headers {
        h.append(*k, *v);
    }
    Request {
        method: method.into(),
        host: "api.example.com".into(),
        path,
        query,
        headers: h,
        body: Body::from_parts(body.as_bytes().to_vec(), false, body.len() as u64),
        ..Request::default()
    }
}

fn inspector() -> Inspector {
    Inspector::new(InspectConfig::default()).expect("default config")
}

fn inspect(req: &Request) -> Verdict {
    inspector().inspect(req)
}

fn has(v: &Verdict, rule_prefix: &str, loc: Location) -> bool {
    v.hits
        .iter()
        .any(|h| h.rule.starts_with(rule_prefix) && h.placement.location == loc)
}

#[test]
fn query_traversal_is_an_attack_with_placement_and_fragment() {
    let v = inspect(&request(
        "GET",
        "/files?name=..%2F..%2Fetc%2Fpasswd",
        &[],
        "",
    ));
    assert!(v.is_attack(), "{v:?}");
    let hit = v
        .hits
        .iter()
        .find(|h| h.rule == "lfi.traversal")
        .expect("traversal hit");
    assert_eq!(hit.placement.location, Location::Query);
    assert_eq!(hit.placement.field, "name");
    assert_eq!(hit.category, category::PATH_TRAVERSAL);
    assert!(hit.fragment.contains("../"), "{}", hit.fragment);
    assert_eq!(
        v.score,
        v.hits.iter().map(|h| h.severity.score()).sum::<u32>()
    );
}

#[test]
fn json_body_fields_are_inspected_by_path() {
    let body = r#"{"user":{"name":"Ann","cmd":"x; cat /etc/passwd"},"tags":["a"]}"#;
    let v = inspect(&request(
        "POST",
        "/users",
        &[("Content-Type", "application/json")],
        body,
    ));
    assert!(v.is_attack());
    let hit = v
        .hits
        .iter()
        .find(|h| h.rule.starts_with("rce."))
        .expect("rce hit");
    assert_eq!(hit.placement.location, Location::Body);
    assert_eq!(hit.placement.field, "user.cmd");
}

#[test]
fn form_multipart_and_xml_bodies_are_inspected() {
    let form = inspect(&request(
        "POST",
        "/login",
        &[("Content-Type", "application/x-www-form-urlencoded")],
        "user=a&note=%3C%3Fphp+system%28%24_GET%5Bc%5D%29%3B",
    ));
    assert!(has(&form, "php.", Location::Body), "{form:?}");

    let mp = "--b\r\nContent-Disposition: form-data; name=\"f\"; filename=\"shell.php\"\r\n\r\nhello\r\n--b--\r\n";
    let multi = inspect(&request(
        "POST",
        "/upload",
        &[("Content-Type", "multipart/form-data; boundary=b")],
        mp,
    ));
    assert!(
        multi.hits.iter().any(|h| h.rule == "php.script_upload"),
        "{multi:?}"
    );

    let xml = r#"<?xml version="1.0"?><root><a probe="http://66.240.183.75/crash.php"></a></root>"#;
    let x = inspect(&request(
        "POST",
        "/api",
        &[("Content-Type", "application/xml")],
        xml,
    ));
    let hit = x
        .hits
        .iter()
        .find(|h| h.rule == "rfi.ip_url")
        .expect("rfi hit");
    assert_eq!(hit.placement.field, "root.a@probe");
}

#[test]
fn headers_and_cookies_are_inspected() {
    let ua = inspect(&request(
        "GET",
        "/",
        &[("User-Agent", "sqlmap/1.7.2#stable")],
        "",
    ));
    assert!(
        ua.hits.iter().any(|h| h.category == category::SCANNER),
        "{ua:?}"
    );
    assert!(ua.is_attack());

    let shellshock = inspect(&request("GET", "/", &[("X-Api", "() { :; }; /bin/id")], ""));
    assert!(
        has(&shellshock, "rce.shellshock", Location::Header),
        "{shellshock:?}"
    );

    let cookie = inspect(&request(
        "GET",
        "/",
        &[("Cookie", "a=1; theme=..%2F..%2Fetc%2Fpasswd")],
        "",
    ));
    let hit = cookie
        .hits
        .iter()
        .find(|h| h.rule.starts_with("lfi."))
        .expect("cookie hit");
    assert_eq!(hit.placement.location, Location::Cookie);
    assert_eq!(hit.placement.field, "theme");
}

#[test]
fn path_segments_are_inspected() {
    let v = inspect(&request("GET", "/static/.env", &[], ""));
    let hit = v
        .hits
        .iter()
        .find(|h| h.rule == "lfi.hidden_path")
        .expect("hidden path");
    assert_eq!(hit.placement.field, "[1]");
}

#[test]
fn encodings_are_undone_before_rules_run() {
    for target in [
        "/s?q=%252e%252e%252f%252e%252e%252fetc%252fpasswd",
        "/s?q=%EF%BC%8E%EF%BC%8E%EF%BC%8F%EF%BC%8E%EF%BC%8E%EF%BC%8Fetc%EF%BC%8Fpasswd",
        "/s?q=%26%2346%3B%26%2346%3B%2Fetc%2Fpasswd",
    ] {
        let v = inspect(&request("GET", target, &[], ""));
        assert!(
            v.hits.iter().any(|h| h.rule.starts_with("lfi.")),
            "{target}: {v:?}"
        );
    }
    let json = r#"{"q":"\u002e\u002e\u002f\u002e\u002e\u002fetc\u002fpasswd"}"#;
    let v = inspect(&request(
        "POST",
        "/s",
        &[("Content-Type", "application/json")],
        json,
    ));
    assert!(v.is_attack(), "{v:?}");
}

#[test]
fn base64_wrapped_payloads_are_decoded_and_marked() {
    // "; cat /etc/passwd"
    let v = inspect(&request(
        "GET",
        "/s?data=OyBjYXQgL2V0Yy9wYXNzd2Q%3D",
        &[],
        "",
    ));
    assert!(v.is_attack(), "{v:?}");
    assert!(v.hits.iter().all(|h| h.from_base64));
    // An ordinary token is not decoded into anything.
    let v = inspect(&request(
        "GET",
        "/s?token=q83vEjRWeJCrze8SNFZ4kA%3D%3D",
        &[],
        "",
    ));
    assert!(v.hits.is_empty(), "{v:?}");
}

#[test]
fn benign_api_traffic_is_quiet() {
    let body = r#"{"name":"O'Brien","bio":"select a union rep; a & b","path":"/usr/share is a path",
        "email":"ann@example.com","website":"https://example.org/","tags":["rock & roll"],
        "price":12.5,"note":"Loading...\nThanks!"}"#;
    let v = inspect(&request(
        "PUT",
        "/api/v1/users/42",
        &[
            ("Content-Type", "application/json"),
            (
                "User-Agent",
                "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36",
            ),
            ("Accept", "text/html,application/xhtml+xml,*/*;q=0.8"),
            (
                "Authorization",
                "Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.sig",
            ),
            ("Cookie", "session=abc123; theme=dark"),
        ],
        body,
    ));
    assert!(!v.is_attack(), "{v:?}");
    assert_eq!(v.score, 0, "{v:?}");
}

#[test]
fn each_rule_counts_once_per_request() {
    let v = inspect(&request("GET", "/s?a=../../x&b=../../y&c=../z", &[], ""));
    let n = v.hits.iter().filter(|h| h.rule == "lfi.traversal").count();
    assert_eq!(n, 1);
    assert_eq!(
        v.score,
        v.hits.iter().map(|h| h.severity.score()).sum::<u32>()
    );
}

#[test]
fn paranoia_splits_scored_and_detection_only_hits() {
    // `${x}` is a paranoia-2 shell variable rule.
    let req = request("GET", "/s?q=%24%7BHOME%7D", &[], "");
    let pl1 = Inspector::new(InspectConfig {
        paranoia: 1,
        ..InspectConfig::default()
    })
    .unwrap()
    .inspect(&req);
    assert!(!pl1.hits.iter().any(|h| h.rule == "rce.shell_variable"));
    assert!(
        pl1.detection_only
            .iter()
            .any(|h| h.rule == "rce.shell_variable"),
        "{pl1:?}"
    );
    assert!(pl1.detection_score() > pl1.score);

    let pl2 = Inspector::new(InspectConfig {
        paranoia: 2,
        ..InspectConfig::default()
    })
    .unwrap()
    .inspect(&req);
    assert!(pl2.hits.iter().any(|h| h.rule == "rce.shell_variable"));

    let quiet = Inspector::new(InspectConfig {
        paranoia: 1,
        detection_paranoia: 1,
        ..InspectConfig::default()
    })
    .unwrap()
    .inspect(&req);
    assert!(quiet.detection_only.is_empty());
}

#[test]
fn disabled_rules_and_families_do_not_fire() {
    let req = request("GET", "/s?q=..%2F..%2Fetc%2Fpasswd", &[], "");
    let cfg = InspectConfig {
        disabled_rules: vec!["lfi.*".into()],
        ..InspectConfig::default()
    };
    let v = Inspector::new(cfg).unwrap().inspect(&req);
    assert!(v.hits.iter().all(|h| !h.rule.starts_with("lfi.")), "{v:?}");
    let cfg = InspectConfig {
        disabled_rules: vec!["lfi.traversal".into()],
        ..InspectConfig::default()
    };
    let v = Inspector::new(cfg).unwrap().inspect(&req);
    assert!(v.hits.iter().all(|h| h.rule != "lfi.traversal"));
    assert!(v.hits.iter().any(|h| h.rule == "lfi.unix_file"));
}

#[test]
fn user_rules_from_config_fire_with_their_ids() {
    let cfg: InspectConfig = serde_json::from_value(serde_json::json!({
        "rules": [{
            "id": "debug-flag", "category": "attack.command_injection", "severity": "critical",
            "locations": ["request.query"], "fields": ["debug"], "pattern": "^(?:1|true)$"
        }]
    }))
    .unwrap();
    let ins = Inspector::new(cfg).unwrap();
    let v = ins.inspect(&request("GET", "/s?debug=true", &[], ""));
    assert!(v.is_attack());
    assert_eq!(v.hits[0].rule, "user.debug-flag");
    assert!(ins
        .inspect(&request("GET", "/s?other=true", &[], ""))
        .hits
        .is_empty());
}

#[test]
fn fragments_never_show_full_identifiers() {
    let v = inspect(&request(
        "GET",
        "/s?q=4111111111111111%27%20or%201%3D1%3B%20cat%20%2Fetc%2Fpasswd",
        &[],
        "",
    ));
    assert!(v.is_attack());
    for h in &v.hits {
        assert!(!h.fragment.contains("4111111111111111"), "{}", h.fragment);
        assert!(h.fragment.chars().count() <= lampyr_detect::inspect::MAX_FRAGMENT_CHARS);
    }
}

#[test]
fn limits_are_counted_not_fatal() {
    let q: String = (0..3000).map(|i| format!("k{i}=v&")).collect();
    let v = inspect(&request("GET", &format!("/s?{q}"), &[], ""));
    assert!(v.coverage.skipped_values > 0);
    let big = format!("{}../../etc/passwd", "a".repeat(20_000));
    let v = inspect(&request("GET", &format!("/s?q={big}"), &[], ""));
    assert_eq!(v.coverage.cut_values, 1);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]
    #[test]
    fn inspection_never_panics(path in "/[ -~]{0,30}", query in "[ -~]{0,60}",
        ua in "[ -~]{0,40}", body in "\\PC{0,200}",
        ct in prop::sample::select(vec!["application/json", "application/x-www-form-urlencoded",
            "multipart/form-data; boundary=x", "text/xml", "text/plain"])) {
        let req = request("POST", &format!("{path}?{query}"), &[("User-Agent", &ua), ("Content-Type", ct)], &body);
        let v = inspect(&req);
        prop_assert!(v.hits.iter().all(|h| h.paranoia <= 2));
        prop_assert_eq!(v.score, v.hits.iter().map(|h| h.severity.score()).sum::<u32>());
    }
}
