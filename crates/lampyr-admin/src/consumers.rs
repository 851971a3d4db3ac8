//! Consumer endpoints and the secret-free views of consumers and credentials.

use std::collections::HashMap;

use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::{Extension, Json};
use lampyr_spec::{ConsumerSpec, CredentialKind, CredentialSpec};
use lampyr_store::StoreError;
use serde::{Deserialize, Serialize};

use crate::auth::Principal;
use crate::error::{bad_query, ApiError, JsonBody};
use crate::state::{check_name, versioned, versioned_empty, AdminState, Undo};

/// Most groups, tags or scopes on one consumer.
const MAX_LABELS: usize = 64;
/// Longest group, tag or scope.
const MAX_LABEL_LEN: usize = 128;

/// A credential as listed: identifiers only, never a key, hash, sealed secret or password hash.
#[derive(Debug, Serialize)]
pub(crate) struct CredentialView {
    id: Option<String>,
    #[serde(rename = "type")]
    kind: &'static str,
    expires_at: Option<i64>,
    revoked: bool,
    last_used: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    prefix: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    access_key: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    username: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    issuer: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    subject: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    fingerprint: Option<String>,
}

impl CredentialView {
    pub(crate) fn new(c: &CredentialSpec, last_used: &HashMap<String, i64>) -> Self {
        let mut v = Self {
            id: c.id.clone(),
            kind: c.kind.type_name(),
            expires_at: c.expires_at,
            revoked: c.revoked,
            last_used: c.id.as_ref().and_then(|id| last_used.get(id).copied()),
            prefix: None,
            access_key: None,
            username: None,
            issuer: None,
            subject: None,
            fingerprint: None,
        };
        match &c.kind {
            CredentialKind::ApiKey { prefix, .. } => v.prefix = prefix.clone(),
            CredentialKind::Hmac { access_key, .. } => v.access_key = Some(access_key.clone()),
            CredentialKind::Jwt { issuer, subject } => {
                v.issuer = Some(issuer.clone());
                v.subject = Some(subject.clone());
            }
            CredentialKind::Basic { username, .. } => v.username = Some(username.clone()),
            CredentialKind::Mtls {
                subject,
                fingerprint,
            } => {
                v.subject = subject.clone();
                v.fingerprint = fingerprint.clone();
            }
        }
        v
    }
}

/// A consumer as listed, with secret-free credentials.
#[derive(Debug, Serialize)]
pub(crate) struct ConsumerView {
    name: String,
    groups: Vec<String>,
    tags: Vec<String>,
    scopes: Vec<String>,
    disabled: bool,
    credentials: Vec<CredentialView>,
}

impl ConsumerView {
    pub(crate) fn new(c: &ConsumerSpec, last_used: &HashMap<String, i64>) -> Self {
        Self {
            name: c.name.clone(),
            groups: c.groups.clone(),
            tags: c.tags.clone(),
            scopes: c.scopes.clone(),
            disabled: c.disabled,
            credentials: c
                .credentials
                .iter()
                .map(|k| CredentialView::new(k, last_used))
                .collect(),
        }
    }
}

/// Last-use times: persisted ones, overridden by newer ones the gateway holds in memory.
pub(crate) async fn last_used_map(state: &AdminState) -> Result<HashMap<String, i64>, ApiError> {
    let mut map: HashMap<String, i64> = state.store().last_used().await?.into_iter().collect();
    for (id, at) in state.control().last_used() {
        let e = map.entry(id).or_insert(at);
        *e = (*e).max(at);
    }
    Ok(map)
}

/// Filters of `GET /consumers`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ListQuery {
    group: Option<String>,
    tag: Option<String>,
    q: Option<String>,
}

impl ListQuery {
    fn keeps(&self, c: &ConsumerSpec) -> bool {
        self.group.as_ref().is_none_or(|g| c.groups.contains(g))
            && self.tag.as_ref().is_none_or(|t| c.tags.contains(t))
            && self
                .q
                .as_ref()
                .is_none_or(|q| c.name.to_lowercase().contains(&q.to_lowercase()))
    }
}

/// The writable profile of a consumer (credentials have their own endpoints).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ConsumerInput {
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    groups: Vec<String>,
    #[serde(default)]
    tags: Vec<String>,
    #[serde(default)]
    scopes: Vec<String>,
    #[serde(default)]
    disabled: bool,
}

/// Partial update of a consumer's profile.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ConsumerPatch {
    #[serde(default)]
    disabled: Option<bool>,
    #[serde(default)]
    groups: Option<Vec<String>>,
    #[serde(default)]
    tags: Option<Vec<String>>,
    #[serde(default)]
    scopes: Option<Vec<String>>,
}

fn check_labels(what: &str, labels: &[String]) -> Result<(), ApiError> {
    if labels.len() > MAX_LABELS {
        return Err(ApiError::bad_request(format!(
            "at most {MAX_LABELS} {what}"
        )));
    }
    if labels
        .iter()
        .any(|l| l.is_empty() || l.len() > MAX_LABEL_LEN || l.chars().any(char::is_control))
    {
        return Err(ApiError::bad_request(format!(
            "{what} must be 1 to {MAX_LABEL_LEN} bytes without control characters"
        )));
    }
    Ok(())
}

fn check_profile(c: &ConsumerSpec) -> Result<(), ApiError> {
    check_name("consumer", &c.name, false)?;
    check_labels("groups", &c.groups)?;
    check_labels("tags", &c.tags)?;
    check_labels("scopes", &c.scopes)
}

/// 409 when the name belongs to the read-only config-file part.
pub(crate) fn refuse_file_consumer(state: &AdminState, name: &str) -> Result<(), ApiError> {
    if state.file_spec().consumers.iter().any(|c| c.name == name) {
        return Err(ApiError::conflict(format!(
            "consumer {name:?} is defined in the config file and is read-only here"
        )));
    }
    Ok(())
}

async fn find(state: &AdminState, name: &str) -> Result<Option<ConsumerSpec>, ApiError> {
    match state.store().get_consumer(name).await {
        Ok(c) => Ok(Some(c)),
        Err(StoreError::NotFound { .. }) => Ok(None),
        Err(e) => Err(e.into()),
    }
}

/// Writes `next`, applies, and answers with its view (`status`) or rolls back.
pub(crate) async fn commit(
    state: &AdminState,
    who: &Principal,
    prev: Option<ConsumerSpec>,
    next: ConsumerSpec,
    action: &str,
    detail: serde_json::Value,
) -> Result<(u64, ConsumerView), ApiError> {
    let name = next.name.clone();
    state.store().put_consumer(next.clone()).await?;
    let version = state
        .apply_or_rollback(Undo::Consumer {
            name: name.clone(),
            prev,
        })
        .await?;
    state
        .audit(&who.name, action, &format!("consumer/{name}"), detail)
        .await;
    let view = ConsumerView::new(&next, &last_used_map(state).await?);
    Ok((version, view))
}

fn to_json<T: Serialize>(v: &T) -> Result<serde_json::Value, ApiError> {
    serde_json::to_value(v).map_err(|e| ApiError::internal("encoding answer", e))
}

/// `GET /consumers?group=&tag=&q=`
pub(crate) async fn list(
    State(state): State<AdminState>,
    query: Result<Query<ListQuery>, QueryRejection>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let Query(query) = query.map_err(bad_query)?;
    let used = last_used_map(&state).await?;
    let view = |list: &[ConsumerSpec]| -> Vec<ConsumerView> {
        list.iter()
            .filter(|c| query.keeps(c))
            .map(|c| ConsumerView::new(c, &used))
            .collect()
    };
    let stored = state.store().list_consumers().await?;
    Ok(Json(serde_json::json!({
        "items": to_json(&view(&stored))?,
        "file_items": to_json(&view(&state.file_spec().consumers))?,
    })))
}

/// `GET /consumers/{name}` (store first, then the read-only file part).
pub(crate) async fn get_one(
    State(state): State<AdminState>,
    Path(name): Path<String>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let used = last_used_map(&state).await?;
    let found = match find(&state, &name).await? {
        Some(c) => c,
        None => state
            .file_spec()
            .consumers
            .iter()
            .find(|c| c.name == name)
            .cloned()
            .ok_or_else(|| ApiError::not_found(format!("consumer {name:?} not found")))?,
    };
    Ok(Json(to_json(&ConsumerView::new(&found, &used))?))
}

/// `POST /consumers`: 201, or 409 when the name exists.
pub(crate) async fn create(
    State(state): State<AdminState>,
    Extension(who): Extension<Principal>,
    JsonBody(input): JsonBody<ConsumerInput>,
) -> Result<Response, ApiError> {
    let name = input
        .name
        .clone()
        .ok_or_else(|| ApiError::bad_request("missing field `name`"))?;
    let next = ConsumerSpec {
        name: name.clone(),
        groups: input.groups,
        tags: input.tags,
        scopes: input.scopes,
        disabled: input.disabled,
        credentials: Vec::new(),
    };
    check_profile(&next)?;
    let _guard = state.write_lock().await;
    refuse_file_consumer(&state, &name)?;
    if find(&state, &name).await?.is_some() {
        return Err(ApiError::conflict(format!(
            "consumer {name:?} already exists"
        )));
    }
    let detail = serde_json::json!({"name": name});
    let (v, view) = commit(&state, &who, None, next, "consumer.create", detail).await?;
    Ok(versioned(StatusCode::CREATED, v, to_json(&view)?))
}

/// `PUT /consumers/{name}`: replaces the profile (credentials kept); creates when missing.
pub(crate) async fn replace(
    State(state): State<AdminState>,
    Extension(who): Extension<Principal>,
    Path(name): Path<String>,
    JsonBody(input): JsonBody<ConsumerInput>,
) -> Result<Response, ApiError> {
    if input.name.as_ref().is_some_and(|n| *n != name) {
        return Err(ApiError::bad_request(
            "the body's name differs from the path's",
        ));
    }
    let _guard = state.write_lock().await;
    refuse_file_consumer(&state, &name)?;
    let prev = find(&state, &name).await?;
    let next = ConsumerSpec {
        name: name.clone(),
        groups: input.groups,
        tags: input.tags,
        scopes: input.scopes,
        disabled: input.disabled,
        credentials: prev
            .as_ref()
            .map(|p| p.credentials.clone())
            .unwrap_or_default(),
    };
    check_profile(&next)?;
    let status = if prev.is_some() {
        StatusCode::OK
    } else {
        StatusCode::CREATED
    };
    let action = if prev.is_some() {
        "consumer.replace"
    } else {
        "consumer.create"
    };
    let detail = serde_json::json!({"name": name});
    let (v, view) = commit(&state, &who, prev, next, action, detail).await?;
    Ok(versioned(status, v, to_json(&view)?))
}

/// `PATCH /consumers/{name}`: `disabled`, `groups`, `tags`, `scopes`, each optional.
pub(crate) async fn patch(
    State(state): State<AdminState>,
    Extension(who): Extension<Principal>,
    Path(name): Path<String>,
    JsonBody(input): JsonBody<ConsumerPatch>,
) -> Result<Response, ApiError> {
    let _guard = state.write_lock().await;
    refuse_file_consumer(&state, &name)?;
    let prev = state.store().get_consumer(&name).await?;
    let mut next = prev.clone();
    if let Some(d) = input.disabled {
        next.disabled = d;
    }
    if let Some(g) = input.groups {
        next.groups = g;
    }
    if let Some(t) = input.tags {
        next.tags = t;
    }
    if let Some(s) = input.scopes {
        next.scopes = s;
    }
    check_profile(&next)?;
    let detail = serde_json::json!({"name": name, "disabled": next.disabled});
    let (v, view) = commit(&state, &who, Some(prev), next, "consumer.update", detail).await?;
    Ok(versioned(StatusCode::OK, v, to_json(&view)?))
}

/// `DELETE /consumers/{name}` (with its credentials).
pub(crate) async fn delete(
    State(state): State<AdminState>,
    Extension(who): Extension<Principal>,
    Path(name): Path<String>,
) -> Result<Response, ApiError> {
    let _guard = state.write_lock().await;
    refuse_file_consumer(&state, &name)?;
    let prev = state.store().get_consumer(&name).await?;
    state.store().delete_consumer(&name).await?;
    let version = state
        .apply_or_rollback(Undo::Consumer {
            name: name.clone(),
            prev: Some(prev),
        })
        .await?;
    state
        .audit(
            &who.name,
            "consumer.delete",
            &format!("consumer/{name}"),
            serde_json::json!({"name": name}),
        )
        .await;
    Ok(versioned_empty(version))
}
