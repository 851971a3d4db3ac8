//! Credential endpoints: minting (secrets shown once), listing, rotation, revocation.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::{Extension, Json};
use lampyr_spec::{ConsumerSpec, CredentialKind, CredentialSpec};
use serde::Deserialize;

use crate::auth::Principal;
use crate::consumers::{commit, last_used_map, refuse_file_consumer, CredentialView};
use crate::error::{ApiError, JsonBody, MaybeJson};
use crate::state::{now, random_b64, random_hex, versioned, versioned_empty, AdminState};

/// Most credentials one consumer may hold.
pub(crate) const MAX_CREDENTIALS: usize = 32;
/// Longest rotation grace period: 30 days.
pub(crate) const MAX_GRACE_SECS: u64 = 30 * 24 * 3600;
/// Grace period when the request names none: one hour.
const DEFAULT_GRACE_SECS: u64 = 3600;
/// Longest user name, issuer, subject.
const MAX_FIELD: usize = 1024;
/// Longest basic-auth password accepted (argon2 cost grows with input).
const MAX_PASSWORD: usize = 1024;

/// `POST /consumers/{name}/credentials` body, tagged by `type`.
#[derive(Debug, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub(crate) enum NewCredential {
    /// The server mints the key.
    ApiKey {
        #[serde(default)]
        expires_at: Option<i64>,
    },
    /// The server mints the access key and secret.
    Hmac {
        #[serde(default)]
        expires_at: Option<i64>,
    },
    /// Binds a JWT issuer/subject.
    Jwt {
        issuer: String,
        subject: String,
        #[serde(default)]
        expires_at: Option<i64>,
    },
    /// A user name and a password (stored as an argon2 hash).
    Basic {
        username: String,
        password: String,
        #[serde(default)]
        expires_at: Option<i64>,
    },
    /// Binds a client certificate by subject and/or SHA-256 fingerprint.
    Mtls {
        #[serde(default)]
        subject: Option<String>,
        #[serde(default)]
        fingerprint: Option<String>,
        #[serde(default)]
        expires_at: Option<i64>,
    },
}

/// `POST /credentials/{id}/rotate` body.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RotateInput {
    #[serde(default)]
    grace_secs: Option<u64>,
    #[serde(default)]
    expires_at: Option<i64>,
}

fn check_text(what: &str, v: &str) -> Result<(), ApiError> {
    if v.is_empty() || v.len() > MAX_FIELD || v.chars().any(char::is_control) {
        return Err(ApiError::bad_request(format!(
            "{what} must be 1 to {MAX_FIELD} bytes without control characters"
        )));
    }
    Ok(())
}

fn check_expiry(expires_at: Option<i64>) -> Result<(), ApiError> {
    match expires_at {
        Some(t) if t <= now() => Err(ApiError::bad_request("expires_at must be in the future")),
        _ => Ok(()),
    }
}

/// Lower-case hex without separators; 64 digits.
fn normalize_fingerprint(f: &str) -> Result<String, ApiError> {
    let hex: String = f
        .chars()
        .filter(|c| *c != ':')
        .collect::<String>()
        .to_ascii_lowercase();
    if hex.len() != 64 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(ApiError::bad_request(
            "fingerprint must be a SHA-256 as 64 hex digits (colons allowed)",
        ));
    }
    Ok(hex)
}

/// Mints an API key or HMAC pair; returns the stored kind and the fields shown once.
fn mint(state: &AdminState, hmac: bool) -> Result<(CredentialKind, serde_json::Value), ApiError> {
    if hmac {
        let access_key = format!("lak_{}", random_hex(12)?);
        let secret = random_b64(32)?;
        let sealed = state.control().seal_secret(&secret);
        let kind = CredentialKind::Hmac {
            access_key: access_key.clone(),
            secret_env: None,
            secret_file: None,
            sealed_secret: Some(sealed),
        };
        Ok((
            kind,
            serde_json::json!({"access_key": access_key, "secret": secret}),
        ))
    } else {
        let issued = state.control().issue_api_key();
        let kind = CredentialKind::ApiKey {
            key_env: None,
            key_file: None,
            prefix: Some(issued.prefix),
            hash: Some(issued.hash),
        };
        Ok((kind, serde_json::json!({"key": issued.key})))
    }
}

fn build(
    state: &AdminState,
    req: NewCredential,
) -> Result<(CredentialSpec, serde_json::Value), ApiError> {
    let (kind, shown, expires_at) = match req {
        NewCredential::ApiKey { expires_at } => {
            let (k, s) = mint(state, false)?;
            (k, s, expires_at)
        }
        NewCredential::Hmac { expires_at } => {
            let (k, s) = mint(state, true)?;
            (k, s, expires_at)
        }
        NewCredential::Jwt {
            issuer,
            subject,
            expires_at,
        } => {
            check_text("issuer", &issuer)?;
            check_text("subject", &subject)?;
            (
                CredentialKind::Jwt { issuer, subject },
                serde_json::json!({}),
                expires_at,
            )
        }
        NewCredential::Basic {
            username,
            password,
            expires_at,
        } => {
            check_text("username", &username)?;
            if username.contains(':') {
                return Err(ApiError::bad_request("username must not contain ':'"));
            }
            if password.is_empty() || password.len() > MAX_PASSWORD {
                return Err(ApiError::bad_request(format!(
                    "password must be 1 to {MAX_PASSWORD} bytes"
                )));
            }
            let password_hash = state
                .control()
                .hash_password(&password)
                .map_err(ApiError::bad_request)?;
            (
                CredentialKind::Basic {
                    username,
                    password_hash,
                },
                serde_json::json!({}),
                expires_at,
            )
        }
        NewCredential::Mtls {
            subject,
            fingerprint,
            expires_at,
        } => {
            if subject.is_none() && fingerprint.is_none() {
                return Err(ApiError::bad_request(
                    "mtls needs a subject or a fingerprint",
                ));
            }
            if let Some(s) = &subject {
                check_text("subject", s)?;
            }
            let fingerprint = fingerprint
                .as_deref()
                .map(normalize_fingerprint)
                .transpose()?;
            (
                CredentialKind::Mtls {
                    subject,
                    fingerprint,
                },
                serde_json::json!({}),
                expires_at,
            )
        }
    };
    check_expiry(expires_at)?;
    let id = format!("cred_{}", random_hex(12)?);
    Ok((
        CredentialSpec {
            id: Some(id),
            expires_at,
            revoked: false,
            kind,
        },
        shown,
    ))
}

/// The answer to a mint: `{"credential": view, ...fields shown once}`.
fn minted_body(view: serde_json::Value, shown: serde_json::Value) -> serde_json::Value {
    let mut body = serde_json::json!({ "credential": view });
    if let (Some(obj), serde_json::Value::Object(extra)) = (body.as_object_mut(), shown) {
        obj.extend(extra);
    }
    body
}

fn view_of(
    consumer: &ConsumerSpec,
    id: &str,
    used: &std::collections::HashMap<String, i64>,
) -> Result<serde_json::Value, ApiError> {
    let cred = consumer
        .credentials
        .iter()
        .find(|c| c.id.as_deref() == Some(id))
        .ok_or_else(|| ApiError::internal("credential vanished", id))?;
    serde_json::to_value(CredentialView::new(cred, used))
        .map_err(|e| ApiError::internal("encoding answer", e))
}

/// `GET /consumers/{name}/credentials`: no secrets, no hashes.
pub(crate) async fn list(
    State(state): State<AdminState>,
    Path(name): Path<String>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let consumer = match state.store().get_consumer(&name).await {
        Ok(c) => c,
        Err(lampyr_store::StoreError::NotFound { .. }) => state
            .file_spec()
            .consumers
            .iter()
            .find(|c| c.name == name)
            .cloned()
            .ok_or_else(|| ApiError::not_found(format!("consumer {name:?} not found")))?,
        Err(e) => return Err(e.into()),
    };
    let used = last_used_map(&state).await?;
    let items: Vec<_> = consumer
        .credentials
        .iter()
        .map(|c| CredentialView::new(c, &used))
        .collect();
    Ok(Json(
        serde_json::json!({ "items": serde_json::to_value(items)
        .map_err(|e| ApiError::internal("encoding answer", e))? }),
    ))
}

/// `POST /consumers/{name}/credentials`: 201; a minted key or secret appears only here.
pub(crate) async fn create(
    State(state): State<AdminState>,
    Extension(who): Extension<Principal>,
    Path(name): Path<String>,
    JsonBody(req): JsonBody<NewCredential>,
) -> Result<Response, ApiError> {
    let _guard = state.write_lock().await;
    refuse_file_consumer(&state, &name)?;
    let prev = state.store().get_consumer(&name).await?;
    if prev.credentials.len() >= MAX_CREDENTIALS {
        return Err(ApiError::conflict(format!(
            "consumer {name:?} already holds {MAX_CREDENTIALS} credentials"
        )));
    }
    let (cred, shown) = build(&state, req)?;
    let id = cred.id.clone().unwrap_or_default();
    let detail = serde_json::json!({"id": id, "type": cred.kind.type_name()});
    let mut next = prev.clone();
    next.credentials.push(cred);
    let (v, _) = commit(
        &state,
        &who,
        Some(prev),
        next.clone(),
        "credential.create",
        detail,
    )
    .await?;
    let view = view_of(&next, &id, &last_used_map(&state).await?)?;
    Ok(versioned(StatusCode::CREATED, v, minted_body(view, shown)))
}

/// Finds the consumer holding a stored credential.
async fn owner(state: &AdminState, id: &str) -> Result<ConsumerSpec, ApiError> {
    let name = state.store().credential_owner(id).await?;
    Ok(state.store().get_consumer(&name).await?)
}

/// `POST /credentials/{id}/rotate`: mints a successor (shown once) and lets the old
/// credential live `grace_secs` more (default one hour, at most 30 days).
pub(crate) async fn rotate(
    State(state): State<AdminState>,
    Extension(who): Extension<Principal>,
    Path(id): Path<String>,
    MaybeJson(body): MaybeJson<RotateInput>,
) -> Result<Response, ApiError> {
    let input = body.unwrap_or_default();
    let grace = input.grace_secs.unwrap_or(DEFAULT_GRACE_SECS);
    if grace > MAX_GRACE_SECS {
        return Err(ApiError::bad_request(format!(
            "grace_secs must be at most {MAX_GRACE_SECS}"
        )));
    }
    check_expiry(input.expires_at)?;
    let _guard = state.write_lock().await;
    let prev = owner(&state, &id).await?;
    if prev.credentials.len() >= MAX_CREDENTIALS {
        return Err(ApiError::conflict(
            "the consumer holds too many credentials to rotate",
        ));
    }
    let mut next = prev.clone();
    let old = next
        .credentials
        .iter_mut()
        .find(|c| c.id.as_deref() == Some(id.as_str()))
        .ok_or_else(|| ApiError::not_found(format!("credential {id:?} not found")))?;
    if old.revoked {
        return Err(ApiError::conflict("a revoked credential cannot be rotated"));
    }
    let hmac = match old.kind {
        CredentialKind::ApiKey { .. } => false,
        CredentialKind::Hmac { .. } => true,
        _ => {
            return Err(ApiError::bad_request(format!(
                "{} credentials are not rotated; add a new one and delete the old",
                old.kind.type_name()
            )))
        }
    };
    let grace_end = now().saturating_add(i64::try_from(grace).unwrap_or(i64::MAX));
    old.expires_at = Some(old.expires_at.map_or(grace_end, |e| e.min(grace_end)));
    let (kind, shown) = mint(&state, hmac)?;
    let new_id = format!("cred_{}", random_hex(12)?);
    next.credentials.push(CredentialSpec {
        id: Some(new_id.clone()),
        expires_at: input.expires_at,
        revoked: false,
        kind,
    });
    let detail = serde_json::json!({"id": id, "successor": new_id, "grace_secs": grace});
    let (v, _) = commit(
        &state,
        &who,
        Some(prev),
        next.clone(),
        "credential.rotate",
        detail,
    )
    .await?;
    let used = last_used_map(&state).await?;
    let mut body = minted_body(view_of(&next, &new_id, &used)?, shown);
    if let Some(obj) = body.as_object_mut() {
        obj.insert("previous".into(), view_of(&next, &id, &used)?);
    }
    Ok(versioned(StatusCode::CREATED, v, body))
}

/// `POST /credentials/{id}/revoke`: refused at once, kept for the record.
pub(crate) async fn revoke(
    State(state): State<AdminState>,
    Extension(who): Extension<Principal>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let _guard = state.write_lock().await;
    let prev = owner(&state, &id).await?;
    let mut next = prev.clone();
    for c in next
        .credentials
        .iter_mut()
        .filter(|c| c.id.as_deref() == Some(id.as_str()))
    {
        c.revoked = true;
    }
    let detail = serde_json::json!({"id": id});
    let (v, _) = commit(
        &state,
        &who,
        Some(prev),
        next.clone(),
        "credential.revoke",
        detail,
    )
    .await?;
    let view = view_of(&next, &id, &last_used_map(&state).await?)?;
    Ok(versioned(StatusCode::OK, v, view))
}

/// `DELETE /credentials/{id}`.
pub(crate) async fn delete(
    State(state): State<AdminState>,
    Extension(who): Extension<Principal>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let _guard = state.write_lock().await;
    let prev = owner(&state, &id).await?;
    let mut next = prev.clone();
    next.credentials
        .retain(|c| c.id.as_deref() != Some(id.as_str()));
    let detail = serde_json::json!({"id": id});
    let (v, _) = commit(&state, &who, Some(prev), next, "credential.delete", detail).await?;
    Ok(versioned_empty(v))
}
