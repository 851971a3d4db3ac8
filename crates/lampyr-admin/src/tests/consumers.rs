//! Consumers and credentials.

use axum::http::{Method, StatusCode};
use lampyr_store::GatewayStore;
use serde_json::{json, Value};

use super::{harness, now_secs, Answer, Harness};
use crate::VERSION_HEADER;

#[tokio::test]
async fn consumer_crud_and_filters() {
    let h = harness().await;
    h.consumer("alice").await;
    let bob = h
        .post(
            "/admin/v1/consumers",
            json!({"name": "bob", "groups": ["dev"], "tags": ["x"]}),
        )
        .await;
    assert_eq!(bob.status, StatusCode::CREATED);
    assert_eq!(
        bob.headers.get(VERSION_HEADER).map(|v| v.as_bytes()),
        Some(&b"2"[..])
    );
    let dup = h
        .post("/admin/v1/consumers", json!({"name": "alice"}))
        .await;
    assert_eq!(dup.status, StatusCode::CONFLICT);

    let names = |a: &Answer| -> Vec<String> {
        a.json["items"]
            .as_array()
            .expect("items")
            .iter()
            .map(|c| c["name"].as_str().unwrap_or("").to_string())
            .collect()
    };
    assert_eq!(names(&h.get("/admin/v1/consumers").await), ["alice", "bob"]);
    assert_eq!(
        names(&h.get("/admin/v1/consumers?group=dev").await),
        ["bob"]
    );
    assert_eq!(names(&h.get("/admin/v1/consumers?tag=t").await), ["alice"]);
    assert_eq!(names(&h.get("/admin/v1/consumers?q=LIC").await), ["alice"]);
    assert_eq!(
        h.get("/admin/v1/consumers?bogus=1").await.status,
        StatusCode::BAD_REQUEST
    );

    let put = h
        .call(
            Method::PUT,
            "/admin/v1/consumers/alice",
            Some(json!({"groups": ["admins"], "scopes": ["read"]})),
        )
        .await;
    assert_eq!(put.status, StatusCode::OK, "{}", put.text);
    assert_eq!(put.json["groups"], json!(["admins"]));
    let created = h
        .call(Method::PUT, "/admin/v1/consumers/carol", Some(json!({})))
        .await;
    assert_eq!(created.status, StatusCode::CREATED);
    let mismatch = h
        .call(
            Method::PUT,
            "/admin/v1/consumers/carol",
            Some(json!({"name": "dave"})),
        )
        .await;
    assert_eq!(mismatch.status, StatusCode::BAD_REQUEST);

    let patched = h
        .call(
            Method::PATCH,
            "/admin/v1/consumers/alice",
            Some(json!({"disabled": true})),
        )
        .await;
    assert_eq!(patched.status, StatusCode::OK);
    assert_eq!(patched.json["disabled"], true);
    assert_eq!(
        patched.json["groups"],
        json!(["admins"]),
        "patch dropped other fields"
    );
    let applied = h.control.last_applied();
    assert!(
        applied
            .consumers
            .iter()
            .any(|c| c.name == "alice" && c.disabled),
        "disable not applied"
    );

    let bad_name = h.post("/admin/v1/consumers", json!({"name": "a/b"})).await;
    assert_eq!(bad_name.status, StatusCode::BAD_REQUEST);
    let with_creds = h
        .post(
            "/admin/v1/consumers",
            json!({"name": "e", "credentials": []}),
        )
        .await;
    assert_eq!(
        with_creds.status,
        StatusCode::BAD_REQUEST,
        "credentials must use their endpoint"
    );

    assert_eq!(
        h.call(Method::DELETE, "/admin/v1/consumers/alice", None)
            .await
            .status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        h.get("/admin/v1/consumers/alice").await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        h.call(Method::DELETE, "/admin/v1/consumers/alice", None)
            .await
            .status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn api_key_is_returned_once_and_never_listed() {
    let h = harness().await;
    h.consumer("alice").await;
    let minted = h.api_key("alice").await;
    let key = minted.json["key"].as_str().expect("key in 201").to_string();
    let id = minted.json["credential"]["id"]
        .as_str()
        .expect("id")
        .to_string();
    assert_eq!(minted.json["credential"]["prefix"], "lk_0000");
    assert!(!minted.text.contains("hashvalue"), "hash in the 201 body");

    // Stored: prefix and hash only, and the gateway got it.
    let stored = h.store.get_consumer("alice").await.expect("stored");
    let stored_json = serde_json::to_string(&stored).expect("json");
    assert!(!stored_json.contains(&key), "clear key stored");
    assert!(stored_json.contains("hashvalue0000"), "hash not stored");
    let applied = h.control.last_applied();
    assert_eq!(
        applied.consumers[0].credentials[0].id.as_deref(),
        Some(id.as_str())
    );

    for uri in [
        "/admin/v1/consumers",
        "/admin/v1/consumers/alice",
        "/admin/v1/consumers/alice/credentials",
        "/admin/v1/audit",
    ] {
        let a = h.get(uri).await;
        assert_eq!(a.status, StatusCode::OK, "{uri}");
        assert!(!a.text.contains(&key), "{uri} shows the key");
        assert!(!a.text.contains("supersecret"), "{uri} shows key material");
        assert!(!a.text.contains("hashvalue"), "{uri} shows the hash");
    }
    let list = h.get("/admin/v1/consumers/alice/credentials").await;
    let item = &list.json["items"][0];
    assert_eq!(
        (
            item["id"].as_str(),
            item["type"].as_str(),
            item["prefix"].as_str()
        ),
        (Some(id.as_str()), Some("api_key"), Some("lk_0000"))
    );
    assert_eq!(item["revoked"], false);
    assert_eq!(item["last_used"], Value::Null);

    // Last use: persisted times and the gateway's in-memory ones, newest wins.
    h.store
        .set_last_used(vec![(id.clone(), 100)])
        .await
        .expect("set");
    h.control.used.lock().expect("lock").push((id.clone(), 200));
    let list = h.get("/admin/v1/consumers/alice/credentials").await;
    assert_eq!(list.json["items"][0]["last_used"], 200);
}

#[tokio::test]
async fn rotation_keeps_the_old_key_until_the_grace_ends() {
    let h = harness().await;
    h.consumer("alice").await;
    let first = h.api_key("alice").await;
    let old_id = first.json["credential"]["id"]
        .as_str()
        .expect("id")
        .to_string();
    let before = now_secs();
    let rotated = h
        .post(
            &format!("/admin/v1/credentials/{old_id}/rotate"),
            json!({"grace_secs": 600}),
        )
        .await;
    let after = now_secs();
    assert_eq!(rotated.status, StatusCode::CREATED, "{}", rotated.text);
    let new_key = rotated.json["key"].as_str().expect("new key shown");
    assert_ne!(new_key, first.json["key"].as_str().expect("old key"));
    let new_id = rotated.json["credential"]["id"].as_str().expect("new id");
    assert_ne!(new_id, old_id);
    let exp = rotated.json["previous"]["expires_at"]
        .as_i64()
        .expect("old expires_at set");
    assert!(
        (before + 600..=after + 600).contains(&exp),
        "grace end {exp} not now+600"
    );

    let list = h.get("/admin/v1/consumers/alice/credentials").await;
    let items = list.json["items"].as_array().expect("items");
    assert_eq!(items.len(), 2, "old credential dropped");
    assert_eq!(items[0]["id"], old_id.as_str());
    assert_eq!(items[0]["expires_at"], exp);
    assert_eq!(items[0]["revoked"], false);
    assert_eq!(items[1]["expires_at"], Value::Null);
    assert!(!list.text.contains(new_key), "rotated key listed");

    // A shorter existing expiry is kept; over-long grace and non-rotatable types are refused.
    let too_long = h
        .post(
            &format!("/admin/v1/credentials/{new_id}/rotate"),
            json!({"grace_secs": 99_999_999}),
        )
        .await;
    assert_eq!(too_long.status, StatusCode::BAD_REQUEST);
    let jwt = h
        .post(
            "/admin/v1/consumers/alice/credentials",
            json!({"type": "jwt", "issuer": "https://idp", "subject": "a"}),
        )
        .await;
    assert_eq!(jwt.status, StatusCode::CREATED, "{}", jwt.text);
    let jwt_id = jwt.json["credential"]["id"].as_str().expect("id");
    let refused = h
        .post(&format!("/admin/v1/credentials/{jwt_id}/rotate"), json!({}))
        .await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    // An empty body means the default grace.
    let default = h
        .call(
            Method::POST,
            &format!("/admin/v1/credentials/{new_id}/rotate"),
            None,
        )
        .await;
    assert_eq!(default.status, StatusCode::CREATED, "{}", default.text);
    let exp = default.json["previous"]["expires_at"]
        .as_i64()
        .expect("expiry");
    assert!(exp >= before + 3600, "default grace not one hour");
    assert_eq!(
        h.post("/admin/v1/credentials/cred_missing/rotate", json!({}))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn revoke_and_delete_credentials() {
    let h = harness().await;
    h.consumer("alice").await;
    let id = h.api_key("alice").await.json["credential"]["id"]
        .as_str()
        .expect("id")
        .to_string();
    let revoked = h
        .post(&format!("/admin/v1/credentials/{id}/revoke"), json!({}))
        .await;
    assert_eq!(revoked.status, StatusCode::OK, "{}", revoked.text);
    assert_eq!(revoked.json["revoked"], true);
    assert!(
        h.control.last_applied().consumers[0].credentials[0].revoked,
        "revoke not applied"
    );
    let again = h
        .post(&format!("/admin/v1/credentials/{id}/rotate"), json!({}))
        .await;
    assert_eq!(
        again.status,
        StatusCode::CONFLICT,
        "revoked credential rotated"
    );
    let del = h
        .call(Method::DELETE, &format!("/admin/v1/credentials/{id}"), None)
        .await;
    assert_eq!(del.status, StatusCode::NO_CONTENT);
    assert!(h
        .store
        .get_consumer("alice")
        .await
        .expect("get")
        .credentials
        .is_empty());
    assert_eq!(
        h.call(Method::DELETE, &format!("/admin/v1/credentials/{id}"), None)
            .await
            .status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn hmac_basic_and_mtls_credentials() {
    let h = harness().await;
    h.consumer("alice").await;
    h.consumer("bob").await;
    let hmac = h
        .post(
            "/admin/v1/consumers/alice/credentials",
            json!({"type": "hmac"}),
        )
        .await;
    assert_eq!(hmac.status, StatusCode::CREATED, "{}", hmac.text);
    let secret = hmac.json["secret"]
        .as_str()
        .expect("secret shown once")
        .to_string();
    let access_key = hmac.json["access_key"].as_str().expect("access key");
    assert_eq!(hmac.json["credential"]["access_key"], access_key);
    let stored =
        serde_json::to_string(&h.store.get_consumer("alice").await.expect("get")).expect("json");
    assert!(!stored.contains(&secret), "clear HMAC secret stored");
    assert!(stored.contains("sealed-43"), "sealed secret not stored");
    let listed = h.get("/admin/v1/consumers/alice/credentials").await;
    assert!(
        !listed.text.contains(&secret) && !listed.text.contains("sealed-"),
        "secret listed"
    );

    let basic = h
        .post(
            "/admin/v1/consumers/alice/credentials",
            json!({"type": "basic", "username": "al", "password": "pw-123456"}),
        )
        .await;
    assert_eq!(basic.status, StatusCode::CREATED);
    assert!(!basic.text.contains("pw-123456") && !basic.text.contains("argon2"));
    assert!(
        stored_contains(&h, "alice", "$argon2id$fake$9").await,
        "password hash not stored"
    );
    let clash = h
        .post(
            "/admin/v1/consumers/bob/credentials",
            json!({"type": "basic", "username": "al", "password": "x"}),
        )
        .await;
    assert_eq!(
        clash.status,
        StatusCode::CONFLICT,
        "duplicate user name accepted: {}",
        clash.text
    );
    assert!(h
        .store
        .get_consumer("bob")
        .await
        .expect("bob")
        .credentials
        .is_empty());

    let fp = "AB:".repeat(31) + "AB";
    let mtls = h
        .post(
            "/admin/v1/consumers/bob/credentials",
            json!({"type": "mtls", "fingerprint": fp}),
        )
        .await;
    assert_eq!(mtls.status, StatusCode::CREATED, "{}", mtls.text);
    assert_eq!(mtls.json["credential"]["fingerprint"], "ab".repeat(32));
    let bad_fp = h
        .post(
            "/admin/v1/consumers/bob/credentials",
            json!({"type": "mtls", "fingerprint": "xyz"}),
        )
        .await;
    assert_eq!(bad_fp.status, StatusCode::BAD_REQUEST);
    let empty = h
        .post(
            "/admin/v1/consumers/bob/credentials",
            json!({"type": "mtls"}),
        )
        .await;
    assert_eq!(empty.status, StatusCode::BAD_REQUEST);
    let past = h
        .post(
            "/admin/v1/consumers/bob/credentials",
            json!({"type": "api_key", "expires_at": 5}),
        )
        .await;
    assert_eq!(past.status, StatusCode::BAD_REQUEST);
    let unknown = h
        .post(
            "/admin/v1/consumers/bob/credentials",
            json!({"type": "magic"}),
        )
        .await;
    assert_eq!(unknown.status, StatusCode::BAD_REQUEST);
    let nobody = h
        .post(
            "/admin/v1/consumers/nobody/credentials",
            json!({"type": "api_key"}),
        )
        .await;
    assert_eq!(nobody.status, StatusCode::NOT_FOUND);
}

async fn stored_contains(h: &Harness, consumer: &str, needle: &str) -> bool {
    let c = h.store.get_consumer(consumer).await.expect("get");
    serde_json::to_string(&c).expect("json").contains(needle)
}
