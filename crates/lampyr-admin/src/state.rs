//! Shared state of the admin API and the write → apply → roll back cycle every mutation uses.

use std::fmt;
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use lampyr_spec::{ConsumerSpec, GatewaySpec};
use lampyr_store::{ObjectKind, Store, StoreError};
use tokio::sync::{Mutex, MutexGuard};

use crate::auth::TokenDigest;
use crate::error::ApiError;
use crate::session::LoginThrottle;
use crate::{merge_specs, Control, VERSION_HEADER};

/// Audit actor for requests made with the admin bearer token.
pub(crate) const ACTOR: &str = "admin";

/// Everything the handlers share. Cheap to clone.
#[derive(Clone)]
pub struct AdminState {
    inner: Arc<Inner>,
}

struct Inner {
    store: Arc<dyn Store>,
    control: Arc<dyn Control>,
    token: TokenDigest,
    file_spec: GatewaySpec,
    /// Serializes mutations so a rollback never undoes someone else's change.
    writes: Mutex<()>,
    /// Whether session cookies carry `Secure` (the admin listener is behind TLS).
    secure_cookies: bool,
    /// Recent failed logins per user name and address.
    throttle: LoginThrottle,
}

impl fmt::Debug for AdminState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AdminState")
            .field("token", &self.inner.token)
            .field("file_routes", &self.inner.file_spec.routes.len())
            .field("file_consumers", &self.inner.file_spec.consumers.len())
            .field("secure_cookies", &self.inner.secure_cookies)
            .finish_non_exhaustive()
    }
}

/// What to restore when the gateway refuses a change.
pub(crate) enum Undo {
    /// Put back (or delete, when `None`) a consumer.
    Consumer {
        name: String,
        prev: Option<ConsumerSpec>,
    },
    /// Put back (or delete, when `None`) a stored object.
    Object {
        kind: ObjectKind,
        name: String,
        prev: Option<serde_json::Value>,
    },
}

impl AdminState {
    /// `token` is the bearer token every request must carry (an empty token refuses every
    /// request); `file_spec` is the config-file part, read-only through the API. Session
    /// cookies are issued without `Secure` until [`AdminState::with_secure_cookies`] says so.
    pub fn new(
        store: Arc<dyn Store>,
        control: Arc<dyn Control>,
        token: &str,
        file_spec: GatewaySpec,
    ) -> Self {
        Self {
            inner: Arc::new(Inner {
                store,
                control,
                token: TokenDigest::new(token),
                file_spec,
                writes: Mutex::new(()),
                secure_cookies: false,
                throttle: LoginThrottle::default(),
            }),
        }
    }

    /// Marks session cookies `Secure`: set it when the admin listener is reached over HTTPS
    /// (directly or through a TLS-terminating proxy). Call before cloning the state.
    pub fn with_secure_cookies(self, secure: bool) -> Self {
        match Arc::try_unwrap(self.inner) {
            Ok(mut inner) => {
                inner.secure_cookies = secure;
                Self {
                    inner: Arc::new(inner),
                }
            }
            Err(shared) => {
                tracing::warn!("admin state already shared; secure_cookies left unchanged");
                Self { inner: shared }
            }
        }
    }

    pub(crate) fn secure_cookies(&self) -> bool {
        self.inner.secure_cookies
    }

    pub(crate) fn throttle(&self) -> &LoginThrottle {
        &self.inner.throttle
    }

    pub(crate) fn token(&self) -> &TokenDigest {
        &self.inner.token
    }

    pub(crate) fn store(&self) -> &dyn Store {
        self.inner.store.as_ref()
    }

    pub(crate) fn control(&self) -> &dyn Control {
        self.inner.control.as_ref()
    }

    pub(crate) fn file_spec(&self) -> &GatewaySpec {
        &self.inner.file_spec
    }

    /// Held for the whole of a mutation.
    pub(crate) async fn write_lock(&self) -> MutexGuard<'_, ()> {
        self.inner.writes.lock().await
    }

    /// Applies the merged spec; on refusal restores `undo` and answers 422.
    pub(crate) async fn apply_or_rollback(&self, undo: Undo) -> Result<u64, ApiError> {
        let stored = self.store().load_spec().await?;
        let spec = merge_specs(self.file_spec(), stored);
        match self.control().apply(spec) {
            Ok(version) => Ok(version),
            Err(problems) => {
                self.rollback(undo).await?;
                Err(ApiError::invalid(problems))
            }
        }
    }

    async fn rollback(&self, undo: Undo) -> Result<(), ApiError> {
        let result = match undo {
            Undo::Consumer {
                prev: Some(prev), ..
            } => self.store().put_consumer(prev).await,
            Undo::Consumer { name, prev: None } => self.store().delete_consumer(&name).await,
            Undo::Object {
                kind,
                name,
                prev: Some(prev),
            } => self.store().put_object(kind, &name, prev).await,
            Undo::Object {
                kind,
                name,
                prev: None,
            } => self.store().delete_object(kind, &name).await,
        };
        match result {
            Ok(()) | Err(StoreError::NotFound { .. }) => Ok(()),
            Err(e) => Err(ApiError::internal("rolling back a refused change", e)),
        }
    }

    /// Records a change made by `actor` (a console user, or `admin` for the bearer token); a
    /// failed audit write is logged, the change itself already happened.
    pub(crate) async fn audit(
        &self,
        actor: &str,
        action: &str,
        object: &str,
        detail: serde_json::Value,
    ) {
        if let Err(e) = self
            .store()
            .append_audit(actor, action, object, detail, now())
            .await
        {
            tracing::error!(error = %e, action, object, "admin api: audit write failed");
        }
    }
}

/// Current unix time in seconds.
pub(crate) fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

/// `n` random bytes as lower-case hex.
pub(crate) fn random_hex(n: usize) -> Result<String, ApiError> {
    let mut buf = vec![0u8; n];
    getrandom::getrandom(&mut buf).map_err(|e| ApiError::internal("random source", e))?;
    Ok(buf.iter().map(|b| format!("{b:02x}")).collect())
}

/// `n` random bytes, base64url without padding.
pub(crate) fn random_b64(n: usize) -> Result<String, ApiError> {
    use base64::Engine;
    let mut buf = vec![0u8; n];
    getrandom::getrandom(&mut buf).map_err(|e| ApiError::internal("random source", e))?;
    Ok(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(buf))
}

/// Longest name accepted for any object.
pub(crate) const MAX_NAME: usize = 256;

/// Refuses empty, over-long or control-character names, and `/` unless `allow_slash` (JWT
/// issuers are URLs and travel percent-encoded in the path).
pub(crate) fn check_name(what: &str, name: &str, allow_slash: bool) -> Result<(), ApiError> {
    if name.is_empty() || name.len() > MAX_NAME {
        return Err(ApiError::bad_request(format!(
            "{what} name must be 1 to {MAX_NAME} bytes long"
        )));
    }
    if name
        .chars()
        .any(|c| c.is_control() || (c == '/' && !allow_slash))
    {
        return Err(ApiError::bad_request(format!(
            "{what} name must not contain control characters{}",
            if allow_slash { "" } else { " or '/'" }
        )));
    }
    Ok(())
}

/// A JSON answer with the snapshot version header.
pub(crate) fn versioned(status: StatusCode, version: u64, body: serde_json::Value) -> Response {
    let mut resp = (status, axum::Json(body)).into_response();
    if let Ok(v) = HeaderValue::from_str(&version.to_string()) {
        resp.headers_mut().insert(VERSION_HEADER, v);
    }
    resp
}

/// 204 with the snapshot version header.
pub(crate) fn versioned_empty(version: u64) -> Response {
    let mut resp = StatusCode::NO_CONTENT.into_response();
    if let Ok(v) = HeaderValue::from_str(&version.to_string()) {
        resp.headers_mut().insert(VERSION_HEADER, v);
    }
    resp
}
