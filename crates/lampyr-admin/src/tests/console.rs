//! Roles per user, console pages, their controls and their escaping.

use axum::http::{Method, StatusCode};
use lampyr_store::Role;
use serde_json::json;

use super::harness;
use super::seed::{self, as_session, login, user, ATTACKER_IP, PAYLOAD};

#[tokio::test]
async fn roles_limit_what_each_user_may_change() {
    let h = harness().await;
    seed::analytics(&h).await;
    user(&h, "vic", Role::Viewer, "viewer-password").await;
    user(&h, "ana", Role::Analyst, "analyst-password").await;
    let viewer = login(&h, "vic", "viewer-password").await;
    let analyst = login(&h, "ana", "analyst-password").await;

    assert_eq!(
        as_session(&h, &viewer, Method::GET, "/admin/v1/incidents", None, false)
            .await
            .status,
        StatusCode::OK
    );
    let resolve = Some(json!({"status": "resolved", "note": "fixed upstream"}));
    let v = as_session(
        &h,
        &viewer,
        Method::PATCH,
        "/admin/v1/incidents/inc-xss",
        resolve.clone(),
        true,
    )
    .await;
    assert_eq!(v.status, StatusCode::FORBIDDEN);
    assert_eq!(
        as_session(&h, &viewer, Method::GET, "/admin/v1/users", None, false)
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        as_session(&h, &viewer, Method::GET, "/users", None, false)
            .await
            .status,
        StatusCode::FORBIDDEN
    );

    let a = as_session(
        &h,
        &analyst,
        Method::PATCH,
        "/admin/v1/incidents/inc-xss",
        resolve,
        true,
    )
    .await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.text);
    assert_eq!(a.json["status"], "resolved");
    assert_eq!(a.json["notes"][0]["author"], "ana");
    let c = as_session(
        &h,
        &analyst,
        Method::POST,
        "/admin/v1/consumers",
        Some(json!({"name": "x"})),
        true,
    )
    .await;
    assert_eq!(
        c.status,
        StatusCode::FORBIDDEN,
        "analyst created a consumer"
    );
    let ingest = as_session(
        &h,
        &analyst,
        Method::POST,
        "/admin/v1/ingest",
        Some(json!({})),
        true,
    )
    .await;
    assert_eq!(ingest.status, StatusCode::FORBIDDEN);

    let audit = h.get("/admin/v1/audit").await;
    let first = &audit.json["items"][0];
    assert_eq!(
        (first["actor"].as_str(), first["action"].as_str()),
        (Some("ana"), Some("incident.update"))
    );
    assert_eq!(first["object"], "incident/inc-xss");
    assert_eq!(first["detail"]["status"], "resolved");

    // The viewer sees no action controls; the analyst does, but not the gateway's.
    let vp = as_session(&h, &viewer, Method::GET, "/incidents/inc-xss", None, false).await;
    assert_eq!(vp.status, StatusCode::OK);
    for id in ["incident-save", "block-actor", "add-exception"] {
        assert!(!vp.text.contains(id), "viewer sees {id}");
    }
    let ap = as_session(&h, &analyst, Method::GET, "/incidents/inc-xss", None, false).await;
    for id in [
        "id=\"incident-status\"",
        "id=\"incident-save\"",
        "id=\"block-actor\"",
        "id=\"add-exception\"",
    ] {
        assert!(ap.text.contains(id), "analyst lacks {id}");
    }
    let gw = as_session(&h, &analyst, Method::GET, "/gateway", None, false).await;
    assert_eq!(gw.status, StatusCode::OK);
    assert!(
        !gw.text.contains("consumer-create"),
        "analyst sees admin controls"
    );
}

#[tokio::test]
async fn pages_escape_attack_payloads_and_carry_security_headers() {
    let h = harness().await;
    seed::analytics(&h).await;
    user(&h, "alice", Role::Admin, "alice-password").await;
    let s = login(&h, "alice", "alice-password").await;
    let escaped = "&lt;script&gt;alert(&#39;pwned&#39;)&lt;/script&gt;";
    for uri in [
        "/incidents/inc-xss".to_string(),
        "/incidents".to_string(),
        format!("/investigate?ip={ATTACKER_IP}"),
        format!("/actors/{ATTACKER_IP}"),
        "/".to_string(),
    ] {
        let p = as_session(&h, &s, Method::GET, &uri, None, false).await;
        assert_eq!(p.status, StatusCode::OK, "{uri}: {}", p.text);
        assert!(
            !p.text.contains(PAYLOAD),
            "{uri} shows the payload unescaped"
        );
        assert!(!p.text.contains("<script>"), "{uri} has an inline script");
        let csp = p
            .headers
            .get("content-security-policy")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        assert!(csp.starts_with("default-src 'self'"), "{uri}: {csp}");
        assert_eq!(
            p.headers.get("x-frame-options").map(|v| v.as_bytes()),
            Some(&b"DENY"[..])
        );
        assert_eq!(
            p.headers
                .get("x-content-type-options")
                .map(|v| v.as_bytes()),
            Some(&b"nosniff"[..])
        );
        assert_eq!(
            p.headers.get("referrer-policy").map(|v| v.as_bytes()),
            Some(&b"no-referrer"[..])
        );
        if uri.starts_with("/incidents/") || uri.starts_with("/investigate") {
            assert!(p.text.contains(escaped), "{uri} lacks the escaped payload");
        }
    }
    for uri in [
        "/inventory",
        "/inventory/endpoint?key=GET%20api.shop.test%2Fusers%2F%7Bid%7D",
        "/sensitive",
        "/gateway",
        "/audit",
        "/users",
        "/investigate",
    ] {
        let p = as_session(&h, &s, Method::GET, uri, None, false).await;
        assert_eq!(p.status, StatusCode::OK, "{uri}: {}", p.text);
    }
    let ep = as_session(
        &h,
        &s,
        Method::GET,
        "/inventory/endpoint?key=GET%20api.shop.test%2Fusers%2F%7Bid%7D",
        None,
        false,
    )
    .await;
    assert!(ep.text.contains("id=\"param-tree\""));
    assert!(
        ep.text.contains("cn_resident_id (level 3, sensitive-pi)"),
        "idCard label missing"
    );
}
