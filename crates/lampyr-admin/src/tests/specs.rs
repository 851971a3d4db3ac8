//! Imported API specifications: import (JSON and YAML), the `documented` inventory filter,
//! zombie operations, bad documents, roles, and the console's inventory page.

use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use lampyr_store::Role;
use serde_json::{json, Value};

use super::seed::{self, as_session, login, user, HEALTH_EP, LOGIN_EP, USERS_EP};
use super::{harness, Answer, Harness, TOKEN};
use crate::console::html::enc;

/// The seeded shop API as a YAML OpenAPI 3 document: documents `GET /users/{userId}` and
/// `POST /login` (seen in traffic) plus two operations never seen; `other.test` is not in it.
const SHOP_YAML: &str = "\
openapi: 3.0.3
info:
  title: Shop API
  version: '2.1'
servers:
  - url: https://api.shop.test
paths:
  /users/{userId}:
    get:
      operationId: getUser
      responses:
        200:
          description: the user
    delete:
      operationId: deleteUser
  /login:
    post: {}
  /orders:
    get:
      operationId: listOrders
";

async fn upload(h: &Harness, uri: &str, body: &str) -> Answer {
    let req = Request::post(uri)
        .header("authorization", format!("Bearer {TOKEN}"))
        .header("content-type", "application/yaml")
        .body(Body::from(body.to_string()))
        .expect("request");
    h.send(req).await
}

fn keys(a: &Answer) -> Vec<String> {
    a.json["items"]
        .as_array()
        .unwrap_or_else(|| panic!("no items: {}", a.text))
        .iter()
        .map(|i| i["key"].as_str().expect("key").to_string())
        .collect()
}

fn zombies(a: &Answer) -> Vec<String> {
    a.json["zombies"]
        .as_array()
        .expect("zombies")
        .iter()
        .map(|z| {
            format!(
                "{} {}",
                z["method"].as_str().expect("m"),
                z["path"].as_str().expect("p")
            )
        })
        .collect()
}

#[tokio::test]
async fn imported_specs_mark_shadow_endpoints_and_list_zombies() {
    let h = harness().await;
    seed::analytics(&h).await;

    // Before any import: no documentation fields, and the filter says what it needs.
    let before = h.get("/admin/v1/inventory").await;
    assert_eq!(before.json["specs"], 0);
    assert!(before.json["items"][0].get("documented").is_none());
    let refused = h.get("/admin/v1/inventory?documented=false").await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    assert!(refused.json["error"]
        .as_str()
        .expect("error")
        .contains("imported API specification"));
    assert!(h
        .get(&format!("/admin/v1/inventory/{}", enc(USERS_EP)))
        .await
        .json["documentation"]
        .is_null());

    let a = upload(&h, "/admin/v1/specs?name=shop", SHOP_YAML).await;
    assert_eq!(a.status, StatusCode::CREATED, "{}", a.text);
    assert_eq!(
        (
            &a.json["name"],
            &a.json["title"],
            &a.json["version"],
            &a.json["operations"],
            &a.json["format"]
        ),
        (
            &json!("shop"),
            &json!("Shop API"),
            &json!("2.1"),
            &json!(4),
            &json!("openapi3")
        )
    );
    let listed = h.get("/admin/v1/specs").await;
    assert_eq!(listed.json["items"][0]["name"], "shop");
    assert_eq!(listed.json["items"][0]["operations"], 4);
    assert_eq!(listed.json["items"].as_array().map(Vec::len), Some(1));

    let all = h.get("/admin/v1/inventory").await;
    assert_eq!(all.json["specs"], 1);
    assert_eq!(
        all.json["coverage"],
        json!({"documented": 2, "undocumented": 1, "zombies": 2})
    );
    assert_eq!(zombies(&all), ["GET /orders", "DELETE /users/{userId}"]);
    assert_eq!(
        all.json["zombies"][0]["templates"][0],
        json!({"host": "api.shop.test", "template": "/orders"})
    );
    let shadow = h.get("/admin/v1/inventory?documented=false").await;
    assert_eq!(keys(&shadow), [HEALTH_EP]);
    assert_eq!(shadow.json["items"][0]["documented"], false);
    let documented = h.get("/admin/v1/inventory?documented=true").await;
    assert_eq!(keys(&documented), [LOGIN_EP, USERS_EP]);
    // The filter combines with the others, and zombies stay computed over all endpoints.
    let combined = h.get("/admin/v1/inventory?documented=true&auth=none").await;
    assert_eq!(keys(&combined), [LOGIN_EP]);
    assert_eq!(zombies(&combined).len(), 2);
    assert_eq!(
        h.get("/admin/v1/inventory?documented=maybe").await.status,
        StatusCode::BAD_REQUEST
    );

    // The detail names the operation, parameter names notwithstanding.
    let users = h
        .get(&format!("/admin/v1/inventory/{}", enc(USERS_EP)))
        .await;
    assert_eq!(users.json["documentation"]["documented"], true);
    let op = &users.json["documentation"]["operations"][0];
    assert_eq!(
        (&op["spec"], &op["path"], &op["operation_id"]),
        (&json!("shop"), &json!("/users/{userId}"), &json!("getUser"))
    );
    let health = h
        .get(&format!("/admin/v1/inventory/{}", enc(HEALTH_EP)))
        .await;
    assert_eq!(
        health.json["documentation"],
        json!({"documented": false, "operations": []})
    );

    let audit = h.get("/admin/v1/audit?limit=1").await;
    assert_eq!(audit.json["items"][0]["action"], "spec.import");
    assert_eq!(audit.json["items"][0]["object"], "spec/shop");

    // Same name again replaces (200); a second spec documenting other.test covers the rest.
    let again = upload(&h, "/admin/v1/specs?name=shop", SHOP_YAML).await;
    assert_eq!(again.status, StatusCode::OK, "{}", again.text);
    assert_eq!(again.json["replaced"], true);
    let ops = json!({"swagger": "2.0", "info": {"title": "Ops probes"}, "host": "other.test",
        "paths": {"/health": {"get": {}}}});
    let b = h.post("/admin/v1/specs", ops).await;
    assert_eq!(b.status, StatusCode::CREATED, "{}", b.text);
    assert_eq!(b.json["name"], "ops-probes", "name derived from the title");
    let none_shadow = h.get("/admin/v1/inventory?documented=false").await;
    assert!(keys(&none_shadow).is_empty());
    assert_eq!(none_shadow.json["coverage"]["undocumented"], 0);

    // Deleting brings shadow endpoints back, and the filter needs a spec again at the end.
    let d = h
        .call(Method::DELETE, "/admin/v1/specs/ops-probes", None)
        .await;
    assert_eq!(d.status, StatusCode::NO_CONTENT, "{}", d.text);
    assert_eq!(
        keys(&h.get("/admin/v1/inventory?documented=false").await),
        [HEALTH_EP]
    );
    let audit = h.get("/admin/v1/audit?limit=1").await;
    assert_eq!(audit.json["items"][0]["action"], "spec.delete");
    assert_eq!(
        h.call(Method::DELETE, "/admin/v1/specs/ops-probes", None)
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    h.call(Method::DELETE, "/admin/v1/specs/shop", None).await;
    assert_eq!(h.get("/admin/v1/inventory").await.json["specs"], 0);
}

#[tokio::test]
async fn bad_documents_are_refused_with_a_clear_message() {
    let h = harness().await;
    let cases: &[(&str, &str)] = &[
        ("", "empty body"),
        ("{\"openapi\": ", "invalid JSON"),
        ("openapi: [3", "invalid YAML"),
        ("{\"swagger\": \"1.2\"}", "`swagger` is \"1.2\""),
        (
            "{\"openapi\": \"3.1.0\", \"paths\": {}}",
            "describes no operations",
        ),
        (
            "{\"openapi\": \"3.1.0\", \"paths\": {\"users\": {\"get\": {}}}}",
            "paths.users: a path must start with '/'",
        ),
        ("- just\n- a list\n", "must be a JSON or YAML object"),
    ];
    for (body, want) in cases {
        let a = upload(&h, "/admin/v1/specs?name=x", body).await;
        assert_eq!(
            a.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{body:?}: {}",
            a.text
        );
        let msg = a.json["error"].as_str().expect("error");
        assert!(msg.contains(want), "{body:?}: {msg:?} lacks {want:?}");
    }
    let doc = "{\"openapi\": \"3.0.0\", \"paths\": {\"/a\": {\"get\": {}}}}";
    for name in ["-x", "a%20b", "a/b"] {
        let a = upload(&h, &format!("/admin/v1/specs?name={name}"), doc).await;
        assert_eq!(a.status, StatusCode::BAD_REQUEST, "{name}: {}", a.text);
    }
    let huge = format!(
        "{{\"openapi\": \"3.0.0\", \"x-pad\": \"{}\", \"paths\": {{\"/a\": {{\"get\": {{}}}}}}}}",
        "x".repeat(crate::MAX_SPEC_BYTES)
    );
    assert_eq!(
        upload(&h, "/admin/v1/specs", &huge).await.status,
        StatusCode::PAYLOAD_TOO_LARGE
    );
    assert_eq!(
        h.get("/admin/v1/specs").await.json["items"],
        json!([]),
        "nothing stored"
    );
    // A body over the general 1 MiB limit but under the spec limit is accepted.
    let big = format!(
        "{{\"openapi\": \"3.0.0\", \"x-pad\": \"{}\", \"paths\": {{\"/a\": {{\"get\": {{}}}}}}}}",
        "x".repeat(crate::MAX_BODY_BYTES + 10)
    );
    assert_eq!(
        upload(&h, "/admin/v1/specs?name=big", &big).await.status,
        StatusCode::CREATED
    );
}

#[tokio::test]
async fn only_admins_import_and_delete_specs() {
    let h = harness().await;
    user(&h, "vic", Role::Viewer, "viewer-password").await;
    user(&h, "ana", Role::Analyst, "analyst-password").await;
    user(&h, "root", Role::Admin, "admin-password").await;
    let viewer = login(&h, "vic", "viewer-password").await;
    let analyst = login(&h, "ana", "analyst-password").await;
    let admin = login(&h, "root", "admin-password").await;
    let doc: Value = json!({"openapi": "3.0.0", "paths": {"/a": {"get": {}}}});
    for s in [&viewer, &analyst] {
        let a = as_session(
            &h,
            s,
            Method::POST,
            "/admin/v1/specs?name=a",
            Some(doc.clone()),
            true,
        )
        .await;
        assert_eq!(a.status, StatusCode::FORBIDDEN, "{}", a.text);
    }
    let no_csrf = as_session(
        &h,
        &admin,
        Method::POST,
        "/admin/v1/specs?name=a",
        Some(doc.clone()),
        false,
    )
    .await;
    assert_eq!(no_csrf.status, StatusCode::FORBIDDEN);
    let ok = as_session(
        &h,
        &admin,
        Method::POST,
        "/admin/v1/specs?name=a",
        Some(doc),
        true,
    )
    .await;
    assert_eq!(ok.status, StatusCode::CREATED, "{}", ok.text);
    let listed = as_session(&h, &viewer, Method::GET, "/admin/v1/specs", None, false).await;
    assert_eq!(listed.json["items"][0]["name"], "a");
    let del = as_session(
        &h,
        &analyst,
        Method::DELETE,
        "/admin/v1/specs/a",
        None,
        true,
    )
    .await;
    assert_eq!(del.status, StatusCode::FORBIDDEN);
    let audit = h.get("/admin/v1/audit?limit=1").await;
    assert_eq!(audit.json["items"][0]["actor"], "root");
    assert_eq!(audit.json["items"][0]["action"], "spec.import");

    // The console shows the upload form to admins only.
    let vp = as_session(&h, &viewer, Method::GET, "/inventory", None, false).await;
    assert_eq!(vp.status, StatusCode::OK);
    assert!(vp.text.contains("id=\"spec-table\""));
    assert!(
        !vp.text.contains("id=\"spec-upload\""),
        "viewer sees the upload form"
    );
    assert!(!vp.text.contains("data-testid=\"spec-delete\""));
    let ap = as_session(&h, &admin, Method::GET, "/inventory", None, false).await;
    assert!(ap
        .text
        .contains("id=\"spec-upload\" data-upload=\"POST /admin/v1/specs\""));
    assert!(ap.text.contains("data-api=\"DELETE /admin/v1/specs/a\""));
}

#[tokio::test]
async fn inventory_page_shows_the_filter_shadow_badges_and_zombies() {
    let h = harness().await;
    seed::analytics(&h).await;
    let before = h.get("/inventory").await;
    assert_eq!(before.status, StatusCode::OK, "{}", before.text);
    assert!(before.text.contains("id=\"filter-documented\" disabled"));
    assert!(before.text.contains("id=\"specs-empty\""));
    assert!(!before.text.contains("zombie-table"));

    let a = upload(&h, "/admin/v1/specs?name=shop", SHOP_YAML).await;
    assert_eq!(a.status, StatusCode::CREATED, "{}", a.text);
    let page = h.get("/inventory?documented=false").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.text);
    assert!(
        page.text.contains("id=\"filter-documented\">"),
        "filter still disabled"
    );
    assert!(page.text.contains("<option value=\"false\" selected>"));
    assert!(page.text.contains("<span id=\"inventory-count\">1</span>"));
    assert!(page.text.contains("data-testid=\"shadow\""));
    assert!(page.text.contains("<span id=\"zombie-count\">2</span>"));
    assert_eq!(page.text.matches("data-testid=\"zombie-row\"").count(), 2);
    assert!(page.text.contains("listOrders"));
    assert!(page
        .text
        .contains("data-testid=\"spec-row\" data-name=\"shop\""));

    let detail = h
        .get(&format!("/inventory/endpoint?key={}", enc(USERS_EP)))
        .await;
    assert!(detail.text.contains("id=\"endpoint-documentation\""));
    assert!(detail.text.contains("getUser"), "{}", detail.text);
    let shadow = h
        .get(&format!("/inventory/endpoint?key={}", enc(HEALTH_EP)))
        .await;
    assert!(shadow.text.contains("undocumented"));
}
