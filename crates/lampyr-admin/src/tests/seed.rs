//! Analytics data and console users written straight to the store, and console sessions
//! opened through `POST /login`.

use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use lampyr_store::{
    AnalyticsStore, ConsoleStore, EndpointRow, ExchangeQuery, ExchangeRow, IncidentRow, Role,
    TrafficMinute, UserRow,
};
use serde_json::{json, Value};

use super::{now_secs, Answer, Harness};

pub(super) const USERS_EP: &str = "GET api.shop.test/users/{id}";
pub(super) const LOGIN_EP: &str = "POST api.shop.test/login";
pub(super) const HEALTH_EP: &str = "GET other.test/health";
/// An attack payload stored in an incident title and an exchange.
pub(super) const PAYLOAD: &str = "<script>alert('pwned')</script>";
pub(super) const ATTACKER_IP: &str = "203.0.113.9";

fn endpoint(key: &str, level: u8, auth: &str, first_us: i64, report: Value) -> EndpointRow {
    let (method, rest) = key.split_once(' ').unwrap_or(("GET", key));
    let (host, path) = rest.split_once('/').unwrap_or((rest, ""));
    EndpointRow {
        key: key.into(),
        method: method.into(),
        host: host.into(),
        template: format!("/{path}"),
        hits: 10,
        first_seen_us: first_us,
        last_seen_us: first_us + 1_000_000,
        level,
        auth: auth.into(),
        report,
    }
}

fn exchange(
    ip: &str,
    consumer: Option<&str>,
    endpoint: &str,
    path: &str,
    status: u16,
    at_us: i64,
) -> ExchangeRow {
    ExchangeRow {
        id: 0,
        time_us: at_us,
        ip: Some(ip.into()),
        consumer: consumer.map(str::to_string),
        user: None,
        method: "GET".into(),
        host: "api.shop.test".into(),
        path: path.into(),
        endpoint: Some(endpoint.into()),
        status,
        incidents: Vec::new(),
        exchange: json!({"v": 1, "request": {"method": "GET", "url": format!("https://api.shop.test{path}"),
            "headers": [["User-Agent", PAYLOAD]]},
            "response": {"status": status, "headers": [["Content-Type", "application/json"]],
            "body": "{\"email\":\"a***@example.com\"}"}}),
    }
}

/// Three endpoints, two incidents, seven exchanges (two of them evidence), traffic minutes.
pub(super) async fn analytics(h: &Harness) {
    let now_us = now_secs() * 1_000_000;
    let old_us = now_us - 10 * 86_400 * 1_000_000;
    let users_report = json!({
        "auth": ["jwt"],
        "sensitivity": {"level": 3, "label": "sensitive-pi", "types": ["cn_resident_id", "email"]},
        "path_params": [{"name": "id", "class": "integer", "type": "integer"}],
        "parameters": {"query": [{"name": "fields", "required": false, "present": 2, "schema": {"type": "string"}}], "header": [], "cookie": []},
        "request_body": {},
        "responses": {"200": {"application/json": {"type": "object", "properties": {
            "email": {"type": "string", "format": "email"},
            "profile": {"type": "object", "properties": {"idCard": {"type": "string"}}}}}}},
        "sensitive": [
            {"in": "response.body", "field": "email", "type": "email", "level": 2, "level_label": "pi", "category": "contact", "hits": 5, "sample": "a***@example.com"},
            {"in": "response.body", "field": "profile.idCard", "type": "cn_resident_id", "level": 3, "level_label": "sensitive-pi", "category": "identity", "hits": 4, "sample": "110***********1234"}
        ]
    });
    h.store
        .upsert_endpoints(vec![
            endpoint(USERS_EP, 3, "jwt", old_us, users_report),
            endpoint(
                LOGIN_EP,
                0,
                "none",
                now_us - 60_000_000,
                json!({"auth": ["none"]}),
            ),
            endpoint(HEALTH_EP, 0, "none", old_us, json!({"auth": ["none"]})),
        ])
        .await
        .expect("endpoints");
    let incident =
        |id: &str, category: &str, severity: &str, title: &str, status: &str, last_us: i64| {
            IncidentRow {
                id: id.into(),
                category: category.into(),
                severity: severity.into(),
                title: title.into(),
                endpoint: Some(USERS_EP.into()),
                actor_ip: Some(ATTACKER_IP.into()),
                actor_consumer: Some("mallory-app".into()),
                actor_user: None,
                first_us: now_us - 120_000_000,
                last_us,
                hits: 2,
                detail: json!({"rules": ["xss.script_tag"]}),
                status: status.into(),
                assignee: None,
                notes: Vec::new(),
            }
        };
    h.store
        .upsert_incidents(vec![
            incident(
                "inc-xss",
                "attack.xss",
                "high",
                &format!("XSS {PAYLOAD}"),
                "open",
                now_us - 60_000_000,
            ),
            incident(
                "inc-old",
                "abuse.bola",
                "medium",
                "Enumeration",
                "resolved",
                now_us - 90_000_000,
            ),
        ])
        .await
        .expect("incidents");
    let mut rows = Vec::new();
    for i in 0..5 {
        rows.push(exchange(
            "198.51.100.1",
            Some("mobile"),
            USERS_EP,
            &format!("/users/{i}"),
            200,
            now_us - 300_000_000 + i * 1_000_000,
        ));
    }
    for i in 0..2 {
        rows.push(exchange(
            ATTACKER_IP,
            Some("mallory-app"),
            USERS_EP,
            &format!("/users/{i}?q={PAYLOAD}"),
            403,
            now_us - 100_000_000 + i,
        ));
    }
    h.store.insert_exchanges(rows).await.expect("exchanges");
    let evidence: Vec<i64> = h
        .store
        .query_exchanges(ExchangeQuery {
            ip: Some(ATTACKER_IP.into()),
            ..ExchangeQuery::default()
        })
        .await
        .expect("query")
        .iter()
        .map(|r| r.id)
        .collect();
    assert_eq!(evidence.len(), 2);
    h.store
        .link_exchanges("inc-xss", evidence)
        .await
        .expect("link");
    let minute = now_secs() / 60 * 60;
    h.store
        .add_traffic(vec![
            TrafficMinute {
                minute: minute - 120,
                requests: 5,
                errors: 0,
                blocked: 0,
                attacks: 0,
                shed: 0,
            },
            TrafficMinute {
                minute: minute - 60,
                requests: 2,
                errors: 2,
                blocked: 2,
                attacks: 2,
                shed: 0,
            },
        ])
        .await
        .expect("traffic");
}

/// Creates a console user (cheap argon2 parameters in tests).
pub(super) async fn user(h: &Harness, name: &str, role: Role, password: &str) {
    let hash = crate::password::hash(password).await.expect("hash");
    h.store
        .create_user(UserRow {
            name: name.into(),
            role,
            password_hash: hash,
            created_at: now_secs(),
            disabled: false,
        })
        .await
        .expect("create user");
}

/// A logged-in console session.
pub(super) struct Session {
    pub(super) cookie: String,
    pub(super) csrf: String,
}

/// The login form's cookie (`name=value`) and its token, from a `GET /login` answer.
pub(super) fn login_form_token(a: &Answer) -> (String, String) {
    let cookie = a
        .headers
        .get("set-cookie")
        .and_then(|v| v.to_str().ok())
        .and_then(|c| c.split(';').next())
        .expect("login cookie")
        .to_string();
    let marker = "name=\"csrf\" value=\"";
    let start = a.text.find(marker).expect("csrf field") + marker.len();
    let token = a.text[start..]
        .split('"')
        .next()
        .expect("token")
        .to_string();
    (cookie, token)
}

/// `GET /login`, then `POST /login` with the form's token, as a browser does.
pub(super) async fn post_login(h: &Harness, name: &str, password: &str) -> Answer {
    let form = h
        .send(Request::get("/login").body(Body::empty()).expect("req"))
        .await;
    let (cookie, token) = login_form_token(&form);
    let fields = [("username", name), ("password", password), ("csrf", &token)];
    let body = serde_urlencoded::to_string(fields).expect("form");
    let req = Request::post("/login")
        .header("content-type", "application/x-www-form-urlencoded")
        .header("cookie", cookie)
        .body(Body::from(body))
        .expect("request");
    h.send(req).await
}

/// Logs in and reads the CSRF token from a page's meta tag.
pub(super) async fn login(h: &Harness, name: &str, password: &str) -> Session {
    let a = post_login(h, name, password).await;
    assert_eq!(a.status, StatusCode::SEE_OTHER, "{}", a.text);
    let set = a
        .headers
        .get("set-cookie")
        .and_then(|v| v.to_str().ok())
        .expect("set-cookie");
    let cookie = set.split(';').next().expect("cookie").to_string();
    let page = as_session(
        h,
        &Session {
            cookie: cookie.clone(),
            csrf: String::new(),
        },
        Method::GET,
        "/audit",
        None,
        false,
    )
    .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.text);
    let marker = "<meta name=\"csrf-token\" content=\"";
    let start = page.text.find(marker).expect("csrf meta") + marker.len();
    let csrf = page.text[start..]
        .split('"')
        .next()
        .expect("csrf")
        .to_string();
    assert!(csrf.len() > 20, "csrf {csrf:?}");
    Session { cookie, csrf }
}

/// A request with the session cookie, and the CSRF header when `with_csrf`.
pub(super) async fn as_session(
    h: &Harness,
    s: &Session,
    method: Method,
    uri: &str,
    body: Option<Value>,
    with_csrf: bool,
) -> Answer {
    let mut req = Request::builder()
        .method(method)
        .uri(uri)
        .header("cookie", &s.cookie)
        .header("content-type", "application/json");
    if with_csrf {
        req = req.header("x-csrf-token", &s.csrf);
    }
    let body = body.map_or_else(Body::empty, |b| Body::from(b.to_string()));
    h.send(req.body(body).expect("request")).await
}
