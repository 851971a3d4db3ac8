//! Routes, upstreams, policies and JWT issuers (one generic CRUD), the deny list, the audit
//! log, upstream health and reload.

use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use lampyr_spec::{
    DenyEntry, DenyKind, GatewaySpec, JwtIssuerSpec, PolicySpec, RouteSpec, UpstreamSpec,
};
use lampyr_store::{GatewayStoreExt, NamedObject, StoreError};
use serde::Deserialize;

use crate::auth::Principal;
use crate::error::{bad_query, ApiError, JsonBody};
use crate::merge_specs;
use crate::state::{check_name, versioned, versioned_empty, AdminState, Undo, MAX_NAME};

/// Most audit records one request returns.
pub(crate) const MAX_AUDIT: usize = 1000;
/// Audit records returned when `limit` is absent.
const DEFAULT_AUDIT: usize = 100;
/// Longest deny-list reason.
const MAX_REASON: usize = 1024;

/// A stored object type managed through the generic endpoints.
pub(crate) trait Managed: NamedObject + Clone {
    /// Singular noun for messages and audit (`route`).
    const NOUN: &'static str;
    /// Whether the name may contain `/` (JWT issuers are URLs).
    const SLASH_OK: bool = false;
    /// Names the API cannot address under `/{kind}/{name}` (shadowed by a fixed path).
    const RESERVED: &'static [&'static str] = &[];
    /// The read-only items of this type in the config-file part.
    fn file_items(spec: &GatewaySpec) -> &[Self];
}

impl Managed for RouteSpec {
    const NOUN: &'static str = "route";
    fn file_items(spec: &GatewaySpec) -> &[Self] {
        &spec.routes
    }
}
impl Managed for UpstreamSpec {
    const NOUN: &'static str = "upstream";
    const RESERVED: &'static [&'static str] = &["health"];
    fn file_items(spec: &GatewaySpec) -> &[Self] {
        &spec.upstreams
    }
}
impl Managed for PolicySpec {
    const NOUN: &'static str = "policy";
    fn file_items(spec: &GatewaySpec) -> &[Self] {
        &spec.policies
    }
}
impl Managed for JwtIssuerSpec {
    const NOUN: &'static str = "jwt_issuer";
    const SLASH_OK: bool = true;
    fn file_items(spec: &GatewaySpec) -> &[Self] {
        &spec.jwt_issuers
    }
}

fn in_file<T: Managed>(state: &AdminState, name: &str) -> Option<T> {
    T::file_items(state.file_spec())
        .iter()
        .find(|o| o.object_name() == name)
        .cloned()
}

fn refuse_file<T: Managed>(state: &AdminState, name: &str) -> Result<(), ApiError> {
    if T::RESERVED.contains(&name) {
        return Err(ApiError::bad_request(format!(
            "{name:?} is reserved and cannot name a {}",
            T::NOUN
        )));
    }
    if in_file::<T>(state, name).is_some() {
        return Err(ApiError::conflict(format!(
            "{} {name:?} is defined in the config file and is read-only here",
            T::NOUN
        )));
    }
    Ok(())
}

async fn find_raw<T: Managed>(
    state: &AdminState,
    name: &str,
) -> Result<Option<serde_json::Value>, ApiError> {
    match state.store().get_object(T::KIND, name).await {
        Ok(v) => Ok(Some(v)),
        Err(StoreError::NotFound { .. }) => Ok(None),
        Err(e) => Err(e.into()),
    }
}

fn to_json<T: serde::Serialize>(v: &T) -> Result<serde_json::Value, ApiError> {
    serde_json::to_value(v).map_err(|e| ApiError::internal("encoding answer", e))
}

/// Writes `object`, applies, rolls back on refusal, audits.
async fn commit<T: Managed>(
    state: &AdminState,
    who: &Principal,
    object: &T,
    prev: Option<serde_json::Value>,
    action: &str,
) -> Result<u64, ApiError> {
    let name = object.object_name().to_string();
    state.store().put(object).await?;
    let version = state
        .apply_or_rollback(Undo::Object {
            kind: T::KIND,
            name: name.clone(),
            prev,
        })
        .await?;
    state
        .audit(
            &who.name,
            &format!("{}.{action}", T::NOUN),
            &format!("{}/{name}", T::NOUN),
            serde_json::json!({"name": name}),
        )
        .await;
    Ok(version)
}

/// `GET /{kind}`: `{"items": [stored], "file_items": [from the config file, read-only]}`.
pub(crate) async fn list<T: Managed>(
    State(state): State<AdminState>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let items: Vec<T> = state.store().list().await?;
    Ok(Json(serde_json::json!({
        "items": to_json(&items)?,
        "file_items": to_json(&T::file_items(state.file_spec()))?,
    })))
}

/// `GET /{kind}/{name}` (store first, then the read-only file part).
pub(crate) async fn get_one<T: Managed>(
    State(state): State<AdminState>,
    Path(name): Path<String>,
) -> Result<Json<serde_json::Value>, ApiError> {
    match state.store().get::<T>(&name).await {
        Ok(o) => Ok(Json(to_json(&o)?)),
        Err(StoreError::NotFound { .. }) => match in_file::<T>(&state, &name) {
            Some(o) => Ok(Json(to_json(&o)?)),
            None => Err(ApiError::not_found(format!(
                "{} {name:?} not found",
                T::NOUN
            ))),
        },
        Err(e) => Err(e.into()),
    }
}

/// `POST /{kind}`: 201, or 409 when the name exists.
pub(crate) async fn create<T: Managed>(
    State(state): State<AdminState>,
    Extension(who): Extension<Principal>,
    JsonBody(object): JsonBody<T>,
) -> Result<Response, ApiError> {
    let name = object.object_name().to_string();
    check_name(T::NOUN, &name, T::SLASH_OK)?;
    let _guard = state.write_lock().await;
    refuse_file::<T>(&state, &name)?;
    if find_raw::<T>(&state, &name).await?.is_some() {
        return Err(ApiError::conflict(format!(
            "{} {name:?} already exists",
            T::NOUN
        )));
    }
    let v = commit(&state, &who, &object, None, "create").await?;
    Ok(versioned(StatusCode::CREATED, v, to_json(&object)?))
}

/// `PUT /{kind}/{name}`: replaces (200) or creates (201).
pub(crate) async fn replace<T: Managed>(
    State(state): State<AdminState>,
    Extension(who): Extension<Principal>,
    Path(name): Path<String>,
    JsonBody(object): JsonBody<T>,
) -> Result<Response, ApiError> {
    if object.object_name() != name {
        return Err(ApiError::bad_request(
            "the body's name differs from the path's",
        ));
    }
    check_name(T::NOUN, &name, T::SLASH_OK)?;
    let _guard = state.write_lock().await;
    refuse_file::<T>(&state, &name)?;
    let prev = find_raw::<T>(&state, &name).await?;
    let (status, action) = if prev.is_some() {
        (StatusCode::OK, "replace")
    } else {
        (StatusCode::CREATED, "create")
    };
    let v = commit(&state, &who, &object, prev, action).await?;
    Ok(versioned(status, v, to_json(&object)?))
}

/// `DELETE /{kind}/{name}`: 422 (and nothing deleted) while something still refers to it.
pub(crate) async fn delete<T: Managed>(
    State(state): State<AdminState>,
    Extension(who): Extension<Principal>,
    Path(name): Path<String>,
) -> Result<Response, ApiError> {
    let _guard = state.write_lock().await;
    refuse_file::<T>(&state, &name)?;
    let prev = state.store().get_object(T::KIND, &name).await?;
    state.store().delete_object(T::KIND, &name).await?;
    let undo = Undo::Object {
        kind: T::KIND,
        name: name.clone(),
        prev: Some(prev),
    };
    let version = state.apply_or_rollback(undo).await?;
    state
        .audit(
            &who.name,
            &format!("{}.delete", T::NOUN),
            &format!("{}/{name}", T::NOUN),
            serde_json::json!({"name": name}),
        )
        .await;
    Ok(versioned_empty(version))
}

/// `GET /upstreams/health`: whatever the gateway reports.
pub(crate) async fn health(State(state): State<AdminState>) -> Json<serde_json::Value> {
    Json(state.control().upstream_health())
}

/// `GET /metrics`: Prometheus text from the data plane.
pub(crate) async fn metrics(State(state): State<AdminState>) -> impl axum::response::IntoResponse {
    (
        [(
            axum::http::header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        state.control().metrics_text(),
    )
}

/// `GET /deny`
pub(crate) async fn deny_list(
    State(state): State<AdminState>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let items = state.store().list_deny().await?;
    Ok(Json(serde_json::json!({ "items": to_json(&items)? })))
}

fn check_deny(e: &DenyEntry) -> Result<(), ApiError> {
    if e.value.is_empty() || e.value.len() > MAX_NAME || e.value.chars().any(char::is_control) {
        return Err(ApiError::bad_request(format!(
            "value must be 1 to {MAX_NAME} bytes without control characters"
        )));
    }
    if e.reason.len() > MAX_REASON {
        return Err(ApiError::bad_request(format!(
            "reason must be at most {MAX_REASON} bytes"
        )));
    }
    if e.kind == DenyKind::Ip
        && e.value.parse::<ipnet::IpNet>().is_err()
        && e.value.parse::<std::net::IpAddr>().is_err()
    {
        return Err(ApiError::bad_request(
            "an ip entry's value must be an IP address or CIDR",
        ));
    }
    Ok(())
}

async fn push_deny(state: &AdminState) -> Result<(), ApiError> {
    let entries = state.store().list_deny().await?;
    state.control().deny_changed(entries);
    Ok(())
}

/// Adds or replaces a deny entry, pushes the whole list to the data plane at once, audits.
/// Shared by `POST /deny` and the incident "block the actor" action.
pub(crate) async fn add_deny(
    state: &AdminState,
    who: &Principal,
    entry: &DenyEntry,
) -> Result<(), ApiError> {
    check_deny(entry)?;
    let _guard = state.write_lock().await;
    state.store().add_deny(entry.clone()).await?;
    push_deny(state).await?;
    let object = format!("deny/{}", entry.value);
    state
        .audit(&who.name, "deny.add", &object, to_json(entry)?)
        .await;
    Ok(())
}

/// `POST /deny`: adds or replaces (same kind and value) an entry; 201.
pub(crate) async fn deny_add(
    State(state): State<AdminState>,
    Extension(who): Extension<Principal>,
    JsonBody(entry): JsonBody<DenyEntry>,
) -> Result<Response, ApiError> {
    add_deny(&state, &who, &entry).await?;
    Ok((StatusCode::CREATED, Json(to_json(&entry)?)).into_response())
}

/// `DELETE /deny?kind=&value=` query.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct DenyKey {
    kind: DenyKind,
    value: String,
}

/// `DELETE /deny?kind=&value=`: 204, 404 when absent.
pub(crate) async fn deny_remove(
    State(state): State<AdminState>,
    Extension(who): Extension<Principal>,
    query: Result<Query<DenyKey>, QueryRejection>,
) -> Result<StatusCode, ApiError> {
    let Query(key) = query.map_err(bad_query)?;
    let _guard = state.write_lock().await;
    state.store().remove_deny(key.kind, &key.value).await?;
    push_deny(&state).await?;
    let detail = serde_json::json!({"kind": key.kind, "value": key.value});
    state
        .audit(
            &who.name,
            "deny.remove",
            &format!("deny/{}", key.value),
            detail,
        )
        .await;
    Ok(StatusCode::NO_CONTENT)
}

/// `GET /audit?limit=` query.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct AuditQuery {
    limit: Option<usize>,
}

/// `GET /audit?limit=`: newest first, default 100, at most 1000.
pub(crate) async fn audit(
    State(state): State<AdminState>,
    query: Result<Query<AuditQuery>, QueryRejection>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let Query(q) = query.map_err(bad_query)?;
    let limit = q.limit.unwrap_or(DEFAULT_AUDIT).min(MAX_AUDIT);
    let items = state.store().list_audit(limit).await?;
    Ok(Json(serde_json::json!({ "items": to_json(&items)? })))
}

/// `POST /reload`: re-applies the file part plus everything stored.
pub(crate) async fn reload(
    State(state): State<AdminState>,
    Extension(who): Extension<Principal>,
) -> Result<Response, ApiError> {
    let _guard = state.write_lock().await;
    let spec = merge_specs(state.file_spec(), state.store().load_spec().await?);
    let version = state.control().apply(spec).map_err(ApiError::invalid)?;
    state
        .audit(
            &who.name,
            "reload",
            "gateway",
            serde_json::json!({"version": version}),
        )
        .await;
    Ok(versioned(
        StatusCode::OK,
        version,
        serde_json::json!({ "version": version }),
    ))
}
