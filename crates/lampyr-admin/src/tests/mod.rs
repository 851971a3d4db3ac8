//! Router tests: a fake [`Control`] that records what it is given, a real SQLite store in a
//! temporary directory, requests driven with `tower::ServiceExt::oneshot`.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use axum::body::Body;
use axum::http::{HeaderMap, Method, Request, StatusCode};
use axum::Router;
use http_body_util::BodyExt;
use lampyr_spec::{DenyEntry, GatewaySpec, SpecError};
use lampyr_store::{GatewayStore, Store};
use lampyr_store_sqlite::SqliteStore;
use serde_json::{json, Value};
use tower::ServiceExt;

use super::*;

mod analytics;
mod console;
mod consumers;
mod login;
mod objects;
mod seed;
mod socket;
mod specs;

pub(super) const TOKEN: &str = "test-admin-token-0123456789";

/// Records applied specs and deny pushes; refuses routes naming unknown upstreams (a real
/// cross-reference, so 422 paths are exercised the way the gateway would refuse them).
#[derive(Default)]
pub(super) struct FakeControl {
    pub(super) applied: Mutex<Vec<GatewaySpec>>,
    pub(super) deny: Mutex<Vec<Vec<DenyEntry>>>,
    pub(super) refuse_all: AtomicBool,
    pub(super) keys: AtomicU64,
    pub(super) used: Mutex<Vec<(String, i64)>>,
    pub(super) ingested: Mutex<Vec<axum::body::Bytes>>,
}

impl FakeControl {
    pub(super) fn applied(&self) -> Vec<GatewaySpec> {
        self.applied.lock().expect("lock").clone()
    }
    pub(super) fn last_applied(&self) -> GatewaySpec {
        self.applied().pop().expect("nothing applied")
    }
}

impl Control for FakeControl {
    fn apply(&self, spec: GatewaySpec) -> Result<u64, Vec<SpecError>> {
        if self.refuse_all.load(Ordering::SeqCst) {
            return Err(vec![SpecError {
                at: "gateway".into(),
                message: "refused".into(),
            }]);
        }
        let errors: Vec<_> = spec
            .routes
            .iter()
            .enumerate()
            .filter(|(_, r)| !spec.upstreams.iter().any(|u| u.name == r.upstream))
            .map(|(i, r)| SpecError {
                at: format!("gateway.routes[{i}].upstream"),
                message: format!("unknown upstream {:?}", r.upstream),
            })
            .collect();
        if !errors.is_empty() {
            return Err(errors);
        }
        let mut applied = self.applied.lock().expect("lock");
        applied.push(spec);
        Ok(applied.len() as u64)
    }
    fn issue_api_key(&self) -> IssuedKey {
        let n = self.keys.fetch_add(1, Ordering::SeqCst);
        IssuedKey {
            key: format!("lk_{n:04}_supersecretmaterial{n}"),
            prefix: format!("lk_{n:04}"),
            hash: format!("hashvalue{n:04}"),
        }
    }
    fn seal_secret(&self, secret: &str) -> String {
        format!("sealed-{}", secret.len())
    }
    fn hash_password(&self, password: &str) -> Result<String, String> {
        Ok(format!("$argon2id$fake${}", password.len()))
    }
    fn deny_changed(&self, entries: Vec<DenyEntry>) {
        self.deny.lock().expect("lock").push(entries);
    }
    fn upstream_health(&self) -> Value {
        json!({"up1": {"127.0.0.1:9000": "healthy"}})
    }
    fn last_used(&self) -> Vec<(String, i64)> {
        self.used.lock().expect("lock").clone()
    }
    fn metrics_text(&self) -> String {
        "lampyr_config_version 1\n".into()
    }
    fn analytics_status(&self) -> Value {
        json!({"seen": 7, "analysed": 7, "shed": 0, "queue": 0})
    }
    fn discovered_openapi(&self) -> Value {
        json!({"openapi": "3.1.0", "info": {"title": "discovered"}, "paths": {}})
    }
    fn ingest_jsonl(
        &self,
        body: axum::body::Bytes,
    ) -> std::pin::Pin<Box<dyn std::future::Future<Output = Result<Value, String>> + Send>> {
        let lines = body
            .split(|b| *b == b'\n')
            .filter(|l| !l.is_empty())
            .count();
        let bad = body.starts_with(b"not json");
        self.ingested.lock().expect("lock").push(body);
        Box::pin(async move {
            if bad {
                Err("line 1: not JSON".to_string())
            } else {
                Ok(json!({"accepted": lines, "rejected": 0, "errors": []}))
            }
        })
    }
}

pub(super) struct Harness {
    pub(super) _dir: tempfile::TempDir,
    pub(super) router: Router,
    pub(super) control: Arc<FakeControl>,
    pub(super) store: Arc<SqliteStore>,
}

pub(super) async fn harness_with(file_spec: GatewaySpec) -> Harness {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = Arc::new(
        SqliteStore::open(&dir.path().join("admin.db"))
            .await
            .expect("open"),
    );
    let control = Arc::new(FakeControl::default());
    let shared: Arc<dyn Store> = store.clone();
    let state = AdminState::new(shared, control.clone(), TOKEN, file_spec);
    Harness {
        _dir: dir,
        router: router(state),
        control,
        store,
    }
}

pub(super) async fn harness() -> Harness {
    harness_with(GatewaySpec::default()).await
}

pub(super) struct Answer {
    pub(super) status: StatusCode,
    pub(super) headers: HeaderMap,
    pub(super) text: String,
    pub(super) json: Value,
}

impl Harness {
    pub(super) async fn raw(
        &self,
        method: Method,
        uri: &str,
        body: Body,
        token: Option<&str>,
    ) -> Answer {
        let mut req = Request::builder().method(method).uri(uri);
        if let Some(t) = token {
            req = req.header("authorization", format!("Bearer {t}"));
        }
        let req = req
            .header("content-type", "application/json")
            .body(body)
            .expect("request");
        self.send(req).await
    }

    /// Sends any request through the router.
    pub(super) async fn send(&self, req: Request<Body>) -> Answer {
        let resp = self.router.clone().oneshot(req).await.expect("infallible");
        let status = resp.status();
        let headers = resp.headers().clone();
        let bytes = resp.into_body().collect().await.expect("body").to_bytes();
        let text = String::from_utf8_lossy(&bytes).into_owned();
        let json = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        Answer {
            status,
            headers,
            text,
            json,
        }
    }

    pub(super) async fn call(&self, method: Method, uri: &str, body: Option<Value>) -> Answer {
        let body = body.map_or_else(Body::empty, |b| Body::from(b.to_string()));
        self.raw(method, uri, body, Some(TOKEN)).await
    }

    pub(super) async fn get(&self, uri: &str) -> Answer {
        self.call(Method::GET, uri, None).await
    }

    pub(super) async fn post(&self, uri: &str, body: Value) -> Answer {
        self.call(Method::POST, uri, Some(body)).await
    }

    pub(super) async fn consumer(&self, name: &str) {
        let a = self
            .post(
                "/admin/v1/consumers",
                json!({"name": name, "groups": ["ops"], "tags": ["t"]}),
            )
            .await;
        assert_eq!(a.status, StatusCode::CREATED, "{}", a.text);
    }

    pub(super) async fn api_key(&self, consumer: &str) -> Answer {
        let a = self
            .post(
                &format!("/admin/v1/consumers/{consumer}/credentials"),
                json!({"type": "api_key"}),
            )
            .await;
        assert_eq!(a.status, StatusCode::CREATED, "{}", a.text);
        a
    }

    pub(super) async fn upstream(&self, name: &str) {
        let body = json!({"name": name, "targets": [{"address": "127.0.0.1:9000"}]});
        let a = self.post("/admin/v1/upstreams", body).await;
        assert_eq!(a.status, StatusCode::CREATED, "{}", a.text);
    }
}

pub(super) fn now_secs() -> i64 {
    state::now()
}

#[tokio::test]
async fn every_route_requires_the_bearer_token() {
    let h = harness().await;
    for uri in [
        "/admin/v1/consumers",
        "/admin/v1/openapi.json",
        "/admin/v1/nope",
        "/metrics",
        "/other",
    ] {
        let none = h.raw(Method::GET, uri, Body::empty(), None).await;
        assert_eq!(none.status, StatusCode::UNAUTHORIZED, "{uri} without token");
        assert_eq!(none.json["error"], "missing or invalid bearer token");
        assert_eq!(
            none.headers.get("www-authenticate").map(|v| v.as_bytes()),
            Some(&b"Bearer"[..])
        );
        let wrong = h
            .raw(
                Method::GET,
                uri,
                Body::empty(),
                Some("test-admin-token-0123456788"),
            )
            .await;
        assert_eq!(
            wrong.status,
            StatusCode::UNAUTHORIZED,
            "{uri} with wrong token"
        );
        let prefix = h
            .raw(Method::GET, uri, Body::empty(), Some("test-admin"))
            .await;
        assert_eq!(
            prefix.status,
            StatusCode::UNAUTHORIZED,
            "{uri} with a prefix of the token"
        );
    }
    let post = h
        .raw(
            Method::POST,
            "/admin/v1/consumers",
            Body::from("{\"name\":\"x\"}"),
            None,
        )
        .await;
    assert_eq!(post.status, StatusCode::UNAUTHORIZED);
    assert!(
        h.store.list_consumers().await.expect("list").is_empty(),
        "unauthenticated write"
    );
    assert_eq!(h.get("/admin/v1/consumers").await.status, StatusCode::OK);
    assert_eq!(h.get("/admin/v1/nope").await.status, StatusCode::NOT_FOUND);
    let metrics = h.get("/metrics").await;
    assert_eq!(metrics.status, StatusCode::OK);
    assert_eq!(metrics.text, "lampyr_config_version 1\n");
}

#[tokio::test]
async fn an_empty_configured_token_refuses_everything() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = Arc::new(
        SqliteStore::open(&dir.path().join("a.db"))
            .await
            .expect("open"),
    );
    let state = AdminState::new(
        store as Arc<dyn Store>,
        Arc::new(FakeControl::default()),
        "",
        GatewaySpec::default(),
    );
    let req = Request::get("/admin/v1/consumers")
        .header("authorization", "Bearer ")
        .body(Body::empty())
        .expect("request");
    let resp = router(state).oneshot(req).await.expect("infallible");
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn debug_output_never_shows_secrets() {
    let h = harness().await;
    let state = AdminState::new(
        h.store.clone() as Arc<dyn Store>,
        h.control.clone(),
        TOKEN,
        GatewaySpec::default(),
    );
    assert!(!format!("{state:?}").contains(TOKEN), "token in Debug");
    let key = h.control.issue_api_key();
    let shown = format!("{key:?}");
    assert!(
        !shown.contains(&key.key) && shown.contains("redacted"),
        "key in Debug: {shown}"
    );
}
