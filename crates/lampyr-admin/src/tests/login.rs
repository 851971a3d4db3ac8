//! Console sign-in, the login throttle, session cookies, CSRF, bootstrap and users.

use std::sync::Arc;

use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use lampyr_spec::GatewaySpec;
use lampyr_store::{ConsoleStore, GatewayStore, Role, Store};
use serde_json::json;
use tower::ServiceExt;

use super::seed::{self, as_session, login, post_login, user};
use super::{harness, TOKEN};
use crate::{ensure_admin_user, router, AdminState};

fn session_cookie_set(a: &super::Answer) -> bool {
    a.headers
        .get_all("set-cookie")
        .iter()
        .any(|v| v.as_bytes().starts_with(b"lampyr_session="))
}

#[tokio::test]
async fn login_sets_a_strict_http_only_session_cookie_and_is_audited() {
    let h = harness().await;
    user(&h, "alice", Role::Admin, "correct horse battery").await;
    let page = h
        .send(Request::get("/login").body(Body::empty()).expect("req"))
        .await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.text.contains("id=\"login-form\"") && page.text.contains("id=\"login-submit\""));

    let wrong = post_login(&h, "alice", "wrong password!").await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    assert!(wrong.text.contains("id=\"login-error\""), "{}", wrong.text);
    assert!(
        !session_cookie_set(&wrong),
        "session cookie on a failed login"
    );
    let unknown = post_login(&h, "nobody", "whatever123").await;
    assert_eq!(unknown.status, StatusCode::UNAUTHORIZED);

    let ok = post_login(&h, "alice", "correct horse battery").await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER);
    assert_eq!(
        ok.headers.get("location").map(|v| v.as_bytes()),
        Some(&b"/"[..])
    );
    let cookie = ok
        .headers
        .get("set-cookie")
        .and_then(|v| v.to_str().ok())
        .expect("cookie");
    assert!(cookie.starts_with("lampyr_session="), "{cookie}");
    for flag in ["HttpOnly", "SameSite=Strict", "Path=/", "Max-Age=43200"] {
        assert!(cookie.contains(flag), "{cookie} lacks {flag}");
    }
    assert!(
        !cookie.contains("Secure"),
        "secure_cookies is off by default"
    );
    let token = cookie["lampyr_session=".len()..]
        .split(';')
        .next()
        .expect("token");
    assert!(token.len() >= 43, "32 random bytes, base64url");

    let s = login(&h, "alice", "correct horse battery").await;
    let consumers = as_session(&h, &s, Method::GET, "/admin/v1/consumers", None, false).await;
    assert_eq!(consumers.status, StatusCode::OK);
    let audit = h.get("/admin/v1/audit").await;
    let pairs: Vec<(String, String)> = audit.json["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|r| {
            (
                r["actor"].as_str().unwrap_or("").into(),
                r["action"].as_str().unwrap_or("").into(),
            )
        })
        .collect();
    assert!(
        pairs.contains(&("alice".into(), "login".into())),
        "{pairs:?}"
    );
    assert!(
        pairs.contains(&("alice".into(), "login.failure".into())),
        "{pairs:?}"
    );
}

#[tokio::test]
async fn secure_cookies_flag_adds_secure() {
    let h = harness().await;
    user(&h, "alice", Role::Admin, "correct horse battery").await;
    let shared: Arc<dyn Store> = h.store.clone();
    let state = AdminState::new(shared, h.control.clone(), TOKEN, GatewaySpec::default())
        .with_secure_cookies(true);
    let app = router(state);
    let form = app
        .clone()
        .oneshot(Request::get("/login").body(Body::empty()).expect("req"))
        .await
        .expect("infallible");
    let login_cookie = form
        .headers()
        .get("set-cookie")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    assert!(
        login_cookie.contains("; Secure") && login_cookie.contains("Path=/login"),
        "{login_cookie}"
    );
    // Double submit: the form field carries the cookie's value.
    let pair = login_cookie.split(';').next().unwrap_or("").to_string();
    let token = pair
        .split_once('=')
        .map(|(_, t)| t.to_string())
        .unwrap_or_default();
    let req = Request::post("/login")
        .header("content-type", "application/x-www-form-urlencoded")
        .header("cookie", &pair)
        .body(Body::from(format!(
            "username=alice&password=correct+horse+battery&csrf={token}"
        )))
        .expect("req");
    let resp = app.clone().oneshot(req).await.expect("infallible");
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    let cookie = resp
        .headers()
        .get("set-cookie")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    assert!(
        cookie.starts_with("lampyr_session=") && cookie.contains("; Secure"),
        "{cookie}"
    );
    // Without the form cookie (a cross-site post), the login is refused.
    let forged = Request::post("/login")
        .header("content-type", "application/x-www-form-urlencoded")
        .body(Body::from(format!(
            "username=alice&password=correct+horse+battery&csrf={token}"
        )))
        .expect("req");
    let resp = app.oneshot(forged).await.expect("infallible");
    assert_eq!(resp.status(), StatusCode::FORBIDDEN);
    assert!(resp
        .headers()
        .get("set-cookie")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|c| c.starts_with("lampyr_login=")));
}

#[tokio::test]
async fn repeated_failures_are_throttled_even_with_the_right_password() {
    let h = harness().await;
    user(&h, "bob", Role::Viewer, "bob-password-1").await;
    for _ in 0..crate::session::THROTTLE_FAILURES {
        assert_eq!(
            post_login(&h, "bob", "guess-guess").await.status,
            StatusCode::UNAUTHORIZED
        );
    }
    let blocked = post_login(&h, "bob", "bob-password-1").await;
    assert_eq!(blocked.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(
        !session_cookie_set(&blocked),
        "session cookie on a throttled login"
    );
    // Another user name is not affected.
    user(&h, "carol", Role::Viewer, "carol-password-1").await;
    assert_eq!(
        post_login(&h, "carol", "carol-password-1").await.status,
        StatusCode::SEE_OTHER
    );
}

#[tokio::test]
async fn session_writes_need_the_csrf_token() {
    let h = harness().await;
    user(&h, "alice", Role::Admin, "alice-password").await;
    let s = login(&h, "alice", "alice-password").await;
    let body = Some(json!({"name": "web"}));
    let none = as_session(
        &h,
        &s,
        Method::POST,
        "/admin/v1/consumers",
        body.clone(),
        false,
    )
    .await;
    assert_eq!(none.status, StatusCode::FORBIDDEN);
    assert_eq!(none.json["error"], "missing or invalid CSRF token");
    let wrong = seed::Session {
        cookie: s.cookie.clone(),
        csrf: "x".repeat(43),
    };
    let bad = as_session(
        &h,
        &wrong,
        Method::POST,
        "/admin/v1/consumers",
        body.clone(),
        true,
    )
    .await;
    assert_eq!(bad.status, StatusCode::FORBIDDEN);
    assert!(
        h.store.list_consumers().await.expect("list").is_empty(),
        "refused writes wrote"
    );
    let ok = as_session(&h, &s, Method::POST, "/admin/v1/consumers", body, true).await;
    assert_eq!(ok.status, StatusCode::CREATED, "{}", ok.text);
    let audit = h.get("/admin/v1/audit?limit=1").await;
    assert_eq!(audit.json["items"][0]["actor"], "alice");
    assert_eq!(audit.json["items"][0]["action"], "consumer.create");

    // Logout is an HTML form post: the csrf form field stands in for the header.
    let no_field = Request::post("/logout")
        .header("cookie", &s.cookie)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(Body::from("csrf=nope"))
        .expect("req");
    assert_eq!(h.send(no_field).await.status, StatusCode::FORBIDDEN);
    let out = Request::post("/logout")
        .header("cookie", &s.cookie)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(Body::from(format!("csrf={}", s.csrf)))
        .expect("req");
    let out = h.send(out).await;
    assert_eq!(out.status, StatusCode::SEE_OTHER);
    assert!(out
        .headers
        .get("set-cookie")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|c| c.contains("Max-Age=0")));
    let after = as_session(&h, &s, Method::GET, "/admin/v1/consumers", None, false).await;
    assert_eq!(
        after.status,
        StatusCode::UNAUTHORIZED,
        "session survived logout"
    );
}

#[tokio::test]
async fn anonymous_visitors_are_sent_to_login_and_assets_are_public() {
    let h = harness().await;
    let page = h
        .send(Request::get("/incidents").body(Body::empty()).expect("req"))
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    assert_eq!(
        page.headers.get("location").map(|v| v.as_bytes()),
        Some(&b"/login"[..])
    );
    let api = h
        .send(
            Request::get("/admin/v1/incidents")
                .body(Body::empty())
                .expect("req"),
        )
        .await;
    assert_eq!(api.status, StatusCode::UNAUTHORIZED);
    for (uri, ty) in [
        (crate::console::CSS_PATH, "text/css; charset=utf-8"),
        (crate::console::JS_PATH, "text/javascript; charset=utf-8"),
    ] {
        let a = h
            .send(Request::get(uri).body(Body::empty()).expect("req"))
            .await;
        assert_eq!(a.status, StatusCode::OK, "{uri}");
        assert_eq!(
            a.headers.get("content-type").and_then(|v| v.to_str().ok()),
            Some(ty)
        );
        let cache = a
            .headers
            .get("cache-control")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        assert!(cache.contains("max-age=31536000"), "{cache}");
    }
    let forged = h
        .send(
            Request::get("/")
                .header("cookie", "lampyr_session=forged")
                .body(Body::empty())
                .expect("req"),
        )
        .await;
    assert_eq!(forged.status, StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn ensure_admin_user_bootstraps_once_and_users_are_managed() {
    let h = harness().await;
    assert!(
        ensure_admin_user(h.store.as_ref(), "root", "first-password")
            .await
            .expect("bootstrap")
    );
    assert!(
        !ensure_admin_user(h.store.as_ref(), "other", "first-password")
            .await
            .expect("again")
    );
    assert_eq!(h.store.list_users().await.expect("users").len(), 1);
    assert!(
        ensure_admin_user(h.store.as_ref(), "x", "short")
            .await
            .is_err(),
        "short password"
    );
    let root = login(&h, "root", "first-password").await;

    let created = as_session(
        &h,
        &root,
        Method::POST,
        "/admin/v1/users",
        Some(json!({"name": "vic", "role": "viewer", "password": "viewer-pass"})),
        true,
    )
    .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    assert!(created.json.get("password_hash").is_none());
    let short = h
        .post(
            "/admin/v1/users",
            json!({"name": "w", "role": "viewer", "password": "short"}),
        )
        .await;
    assert_eq!(short.status, StatusCode::BAD_REQUEST);
    let vic = login(&h, "vic", "viewer-pass").await;

    let promote = h
        .call(
            Method::PATCH,
            "/admin/v1/users/vic",
            Some(json!({"role": "analyst"})),
        )
        .await;
    assert_eq!(promote.json["role"], "analyst");
    // Role changes apply to live sessions at once.
    let a = as_session(
        &h,
        &vic,
        Method::PATCH,
        "/admin/v1/incidents/none",
        Some(json!({"status": "open"})),
        true,
    )
    .await;
    assert_eq!(
        a.status,
        StatusCode::NOT_FOUND,
        "analyst passes the role check"
    );
    let disabled = h
        .call(
            Method::PATCH,
            "/admin/v1/users/vic",
            Some(json!({"disabled": true})),
        )
        .await;
    assert_eq!(disabled.status, StatusCode::OK);
    assert_eq!(
        as_session(&h, &vic, Method::GET, "/admin/v1/incidents", None, false)
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        post_login(&h, "vic", "viewer-pass").await.status,
        StatusCode::UNAUTHORIZED
    );

    let last = h.call(Method::DELETE, "/admin/v1/users/root", None).await;
    assert_eq!(last.status, StatusCode::CONFLICT, "last admin deleted");
    let demote = h
        .call(
            Method::PATCH,
            "/admin/v1/users/root",
            Some(json!({"role": "viewer"})),
        )
        .await;
    assert_eq!(demote.status, StatusCode::CONFLICT);
    assert_eq!(
        h.call(Method::DELETE, "/admin/v1/users/vic", None)
            .await
            .status,
        StatusCode::NO_CONTENT
    );
    let list = h.get("/admin/v1/users").await;
    assert_eq!(list.json["items"].as_array().map(Vec::len), Some(1));
}
