//! Routes, upstreams, policies, JWT issuers, deny list, audit, body errors, OpenAPI.

use std::sync::atomic::Ordering;

use axum::body::Body;
use axum::http::{Method, StatusCode};
use lampyr_spec::GatewaySpec;
use lampyr_store::GatewayStore;
use serde_json::json;

use super::{harness, harness_with, TOKEN};
use crate::MAX_BODY_BYTES;

#[tokio::test]
async fn a_refused_apply_rolls_the_store_back_with_422() {
    let h = harness().await;
    let route = json!({"name": "r1", "paths": ["/a"], "upstream": "missing"});
    let refused = h.post("/admin/v1/routes", route.clone()).await;
    assert_eq!(
        refused.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        refused.text
    );
    assert_eq!(
        refused.json["errors"][0]["at"],
        "gateway.routes[0].upstream"
    );
    assert!(refused.json["errors"][0]["message"]
        .as_str()
        .expect("message")
        .contains("missing"));
    assert_eq!(
        h.get("/admin/v1/routes/r1").await.status,
        StatusCode::NOT_FOUND,
        "not rolled back"
    );
    assert!(h.control.applied().is_empty());

    h.upstream("up1").await;
    let ok = h
        .post(
            "/admin/v1/routes",
            json!({"name": "r1", "paths": ["/a"], "upstream": "up1"}),
        )
        .await;
    assert_eq!(ok.status, StatusCode::CREATED, "{}", ok.text);
    // Replacing with a bad reference keeps the previous version.
    let bad_put = h
        .call(Method::PUT, "/admin/v1/routes/r1", Some(route))
        .await;
    assert_eq!(bad_put.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        h.get("/admin/v1/routes/r1").await.json["upstream"],
        "up1",
        "replace not rolled back"
    );
    // Deleting a referenced upstream is refused and undone.
    let del = h
        .call(Method::DELETE, "/admin/v1/upstreams/up1", None)
        .await;
    assert_eq!(del.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        h.get("/admin/v1/upstreams/up1").await.status,
        StatusCode::OK,
        "delete not undone"
    );

    // Consumer changes roll back too.
    h.consumer("alice").await;
    h.control.refuse_all.store(true, Ordering::SeqCst);
    let patch = h
        .call(
            Method::PATCH,
            "/admin/v1/consumers/alice",
            Some(json!({"disabled": true})),
        )
        .await;
    assert_eq!(patch.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        !h.store.get_consumer("alice").await.expect("get").disabled,
        "patch not rolled back"
    );
    let key = h
        .post(
            "/admin/v1/consumers/alice/credentials",
            json!({"type": "api_key"}),
        )
        .await;
    assert_eq!(key.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        key.json.get("key").is_none(),
        "key shown for a refused credential"
    );
    assert!(h
        .store
        .get_consumer("alice")
        .await
        .expect("get")
        .credentials
        .is_empty());
    let create = h.post("/admin/v1/consumers", json!({"name": "zed"})).await;
    assert_eq!(create.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        h.get("/admin/v1/consumers/zed").await.status,
        StatusCode::NOT_FOUND
    );
    let reload = h.call(Method::POST, "/admin/v1/reload", None).await;
    assert_eq!(reload.status, StatusCode::UNPROCESSABLE_ENTITY);
    h.control.refuse_all.store(false, Ordering::SeqCst);
    let count = h.control.applied().len();
    let reload = h.call(Method::POST, "/admin/v1/reload", None).await;
    assert_eq!(reload.status, StatusCode::OK);
    assert_eq!(reload.json["version"], (count + 1) as u64);
    assert_eq!(
        h.control.last_applied().routes.len(),
        1,
        "reload did not apply the stored spec"
    );
}

#[tokio::test]
async fn names_from_the_config_file_are_read_only() {
    let file: GatewaySpec = serde_json::from_value(json!({
        "upstreams": [{"name": "fileup", "targets": [{"address": "10.0.0.1:80"}]}],
        "consumers": [{"name": "filec"}]
    }))
    .expect("file spec");
    let h = harness_with(file).await;
    assert_eq!(
        h.post("/admin/v1/consumers", json!({"name": "filec"}))
            .await
            .status,
        StatusCode::CONFLICT
    );
    assert_eq!(
        h.call(
            Method::PATCH,
            "/admin/v1/consumers/filec",
            Some(json!({"disabled": true}))
        )
        .await
        .status,
        StatusCode::CONFLICT
    );
    assert_eq!(
        h.post(
            "/admin/v1/consumers/filec/credentials",
            json!({"type": "api_key"})
        )
        .await
        .status,
        StatusCode::CONFLICT
    );
    let up = json!({"name": "fileup", "targets": [{"address": "10.0.0.2:80"}]});
    assert_eq!(
        h.call(Method::PUT, "/admin/v1/upstreams/fileup", Some(up))
            .await
            .status,
        StatusCode::CONFLICT
    );
    assert_eq!(
        h.call(Method::DELETE, "/admin/v1/upstreams/fileup", None)
            .await
            .status,
        StatusCode::CONFLICT
    );
    let list = h.get("/admin/v1/upstreams").await;
    assert_eq!(list.json["items"], json!([]));
    assert_eq!(list.json["file_items"][0]["name"], "fileup");
    assert_eq!(
        h.get("/admin/v1/upstreams/fileup").await.status,
        StatusCode::OK
    );
    assert_eq!(
        h.get("/admin/v1/consumers/filec").await.json["name"],
        "filec"
    );
    // Stored routes may refer to file upstreams: the merged spec is what is applied.
    let route = h
        .post(
            "/admin/v1/routes",
            json!({"name": "r", "upstream": "fileup"}),
        )
        .await;
    assert_eq!(route.status, StatusCode::CREATED, "{}", route.text);
    let applied = h.control.last_applied();
    assert_eq!(
        (
            applied.upstreams.len(),
            applied.consumers.len(),
            applied.routes.len()
        ),
        (1, 1, 1)
    );
}

#[tokio::test]
async fn deny_list_changes_are_pushed_to_the_data_plane() {
    let h = harness().await;
    let entry = json!({"kind": "ip", "value": "203.0.113.0/24", "reason": "scanner"});
    let added = h.post("/admin/v1/deny", entry).await;
    assert_eq!(added.status, StatusCode::CREATED, "{}", added.text);
    let pushed = h.control.deny.lock().expect("lock").clone();
    assert_eq!(pushed.len(), 1);
    assert_eq!(pushed[0][0].value, "203.0.113.0/24");
    assert_eq!(
        h.get("/admin/v1/deny").await.json["items"][0]["reason"],
        "scanner"
    );
    let bad = h
        .post(
            "/admin/v1/deny",
            json!({"kind": "ip", "value": "not-an-ip"}),
        )
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        h.control.deny.lock().expect("lock").len(),
        1,
        "refused entry pushed"
    );

    let del = h
        .call(
            Method::DELETE,
            "/admin/v1/deny?kind=ip&value=203.0.113.0%2F24",
            None,
        )
        .await;
    assert_eq!(del.status, StatusCode::NO_CONTENT, "{}", del.text);
    let pushed = h.control.deny.lock().expect("lock").clone();
    assert_eq!(pushed.len(), 2);
    assert!(pushed[1].is_empty(), "removal not pushed");
    let again = h
        .call(
            Method::DELETE,
            "/admin/v1/deny?kind=ip&value=203.0.113.0%2F24",
            None,
        )
        .await;
    assert_eq!(again.status, StatusCode::NOT_FOUND);
    let no_kind = h.call(Method::DELETE, "/admin/v1/deny?value=x", None).await;
    assert_eq!(no_kind.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn mutations_are_audited_newest_first() {
    let h = harness().await;
    h.consumer("alice").await;
    let id = h.api_key("alice").await.json["credential"]["id"]
        .as_str()
        .expect("id")
        .to_string();
    h.post(&format!("/admin/v1/credentials/{id}/revoke"), json!({}))
        .await;
    h.post(
        "/admin/v1/deny",
        json!({"kind": "consumer", "value": "mallory"}),
    )
    .await;
    h.call(Method::DELETE, "/admin/v1/consumers/alice", None)
        .await;
    // Refused changes are not audited.
    h.post("/admin/v1/routes", json!({"name": "r", "upstream": "none"}))
        .await;
    let audit = h.get("/admin/v1/audit").await;
    let actions: Vec<_> = audit.json["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|r| r["action"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(
        actions,
        [
            "consumer.delete",
            "deny.add",
            "credential.revoke",
            "credential.create",
            "consumer.create"
        ]
    );
    assert_eq!(audit.json["items"][3]["object"], "consumer/alice");
    assert_eq!(audit.json["items"][3]["detail"]["type"], "api_key");
    assert_eq!(audit.json["items"][0]["actor"], "admin");
    assert_eq!(
        h.get("/admin/v1/audit?limit=2").await.json["items"]
            .as_array()
            .map(Vec::len),
        Some(2)
    );
    assert_eq!(
        h.get("/admin/v1/audit?limit=-1").await.status,
        StatusCode::BAD_REQUEST
    );
}

#[tokio::test]
async fn bad_bodies_get_clear_errors() {
    let h = harness().await;
    let big = format!("{{\"name\":\"{}\"}}", "a".repeat(MAX_BODY_BYTES + 1));
    let too_big = h
        .raw(
            Method::POST,
            "/admin/v1/consumers",
            Body::from(big),
            Some(TOKEN),
        )
        .await;
    assert_eq!(too_big.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(
        too_big.json["error"].is_string(),
        "413 not JSON: {}",
        too_big.text
    );
    let broken = h
        .raw(
            Method::POST,
            "/admin/v1/consumers",
            Body::from("{\"name\":"),
            Some(TOKEN),
        )
        .await;
    assert_eq!(broken.status, StatusCode::BAD_REQUEST);
    assert!(broken.json["error"]
        .as_str()
        .expect("error")
        .starts_with("invalid JSON body"));
    let wrong_type = h.post("/admin/v1/consumers", json!({"name": 5})).await;
    assert_eq!(wrong_type.status, StatusCode::BAD_REQUEST);
    let unknown = h
        .post(
            "/admin/v1/routes",
            json!({"name": "r", "upstream": "u", "colour": "red"}),
        )
        .await;
    assert_eq!(unknown.status, StatusCode::BAD_REQUEST);
    assert!(unknown.json["error"]
        .as_str()
        .expect("error")
        .contains("colour"));
    let long_name = h
        .post("/admin/v1/consumers", json!({"name": "n".repeat(300)}))
        .await;
    assert_eq!(long_name.status, StatusCode::BAD_REQUEST);
    assert!(h.store.list_consumers().await.expect("list").is_empty());
}

#[tokio::test]
async fn jwt_issuers_are_addressed_by_percent_encoded_issuer() {
    let h = harness().await;
    let iss = json!({"issuer": "https://idp.example/", "jwks_url": "https://idp.example/jwks"});
    assert_eq!(
        h.post("/admin/v1/jwt_issuers", iss).await.status,
        StatusCode::CREATED
    );
    let got = h
        .get("/admin/v1/jwt_issuers/https%3A%2F%2Fidp.example%2F")
        .await;
    assert_eq!(got.status, StatusCode::OK, "{}", got.text);
    assert_eq!(got.json["jwks_url"], "https://idp.example/jwks");
    assert_eq!(h.control.last_applied().jwt_issuers.len(), 1);
    let del = h
        .call(
            Method::DELETE,
            "/admin/v1/jwt_issuers/https%3A%2F%2Fidp.example%2F",
            None,
        )
        .await;
    assert_eq!(del.status, StatusCode::NO_CONTENT);
}

#[tokio::test]
async fn policies_and_upstream_health() {
    let h = harness().await;
    let pol = json!({"name": "office", "allow_cidrs": ["10.0.0.0/8"]});
    assert_eq!(
        h.post("/admin/v1/policies", pol).await.status,
        StatusCode::CREATED
    );
    assert_eq!(
        h.get("/admin/v1/policies").await.json["items"][0]["name"],
        "office"
    );
    let reserved = json!({"name": "health", "targets": [{"address": "127.0.0.1:1"}]});
    let refused = h.post("/admin/v1/upstreams", reserved).await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{}", refused.text);
    let health = h.get("/admin/v1/upstreams/health").await;
    assert_eq!(health.json["up1"]["127.0.0.1:9000"], "healthy");
}

#[tokio::test]
async fn openapi_document_describes_the_endpoints() {
    let h = harness().await;
    let doc = h.get("/admin/v1/openapi.json").await;
    assert_eq!(doc.status, StatusCode::OK);
    assert_eq!(doc.json["openapi"], "3.1.0");
    let expected: &[(&str, &[&str])] = &[
        ("/admin/v1/consumers", &["get", "post"]),
        (
            "/admin/v1/consumers/{name}",
            &["get", "put", "patch", "delete"],
        ),
        ("/admin/v1/consumers/{name}/credentials", &["get", "post"]),
        ("/admin/v1/credentials/{id}", &["delete"]),
        ("/admin/v1/credentials/{id}/rotate", &["post"]),
        ("/admin/v1/credentials/{id}/revoke", &["post"]),
        ("/admin/v1/routes", &["get", "post"]),
        ("/admin/v1/routes/{name}", &["get", "put", "delete"]),
        ("/admin/v1/upstreams", &["get", "post"]),
        ("/admin/v1/upstreams/{name}", &["get", "put", "delete"]),
        ("/admin/v1/upstreams/health", &["get"]),
        ("/admin/v1/policies", &["get", "post"]),
        ("/admin/v1/policies/{name}", &["get", "put", "delete"]),
        ("/admin/v1/jwt_issuers", &["get", "post"]),
        ("/admin/v1/jwt_issuers/{name}", &["get", "put", "delete"]),
        ("/admin/v1/deny", &["get", "post", "delete"]),
        ("/admin/v1/audit", &["get"]),
        ("/admin/v1/reload", &["post"]),
        ("/admin/v1/openapi.json", &["get"]),
        ("/admin/v1/overview", &["get"]),
        ("/admin/v1/traffic", &["get"]),
        ("/admin/v1/inventory", &["get"]),
        ("/admin/v1/inventory/openapi.json", &["get"]),
        ("/admin/v1/inventory/{key}", &["get"]),
        ("/admin/v1/specs", &["get", "post"]),
        ("/admin/v1/specs/{name}", &["delete"]),
        ("/admin/v1/sensitive", &["get"]),
        ("/admin/v1/incidents", &["get"]),
        ("/admin/v1/incidents/{id}", &["get", "patch"]),
        ("/admin/v1/incidents/{id}/block", &["post"]),
        ("/admin/v1/incidents/{id}/exception", &["post"]),
        ("/admin/v1/exceptions", &["get"]),
        ("/admin/v1/exceptions/{id}", &["delete"]),
        ("/admin/v1/exchanges", &["get"]),
        ("/admin/v1/exchanges/{id}", &["get"]),
        ("/admin/v1/actors/{actor}", &["get"]),
        ("/admin/v1/ingest", &["post"]),
        ("/admin/v1/users", &["get", "post"]),
        ("/admin/v1/users/{name}", &["patch", "delete"]),
    ];
    let paths = doc.json["paths"].as_object().expect("paths");
    assert_eq!(paths.len(), expected.len(), "undocumented or stale paths");
    for (path, methods) in expected {
        for m in *methods {
            assert!(paths[*path].get(*m).is_some(), "{m} {path} not documented");
        }
    }
    // Every $ref points at a defined schema.
    let schemas = doc.json["components"]["schemas"]
        .as_object()
        .expect("schemas");
    for r in doc.text.match_indices("#/components/schemas/") {
        let rest = &doc.text[r.0 + r.1.len()..];
        let name: String = rest
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric())
            .collect();
        assert!(schemas.contains_key(&name), "dangling $ref {name}");
    }
}
