//! Console users (admin only): list, create, change role, disable, reset password, delete;
//! and [`ensure_admin_user`], which creates the first admin at startup.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use lampyr_store::{Role, Store, StoreError, UserRow};
use serde::{Deserialize, Serialize};

use crate::auth::Principal;
use crate::error::{ApiError, JsonBody};
use crate::password;
use crate::state::{check_name, now, AdminState};

/// A user as listed: never the password hash.
#[derive(Debug, Serialize)]
pub(crate) struct UserView {
    pub(crate) name: String,
    pub(crate) role: Role,
    pub(crate) created_at: i64,
    pub(crate) disabled: bool,
}

impl From<UserRow> for UserView {
    fn from(u: UserRow) -> Self {
        Self {
            name: u.name,
            role: u.role,
            created_at: u.created_at,
            disabled: u.disabled,
        }
    }
}

/// `POST /users` body.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct NewUser {
    name: String,
    role: Role,
    password: String,
}

/// `PATCH /users/{name}` body; each field optional.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct UserPatch {
    #[serde(default)]
    role: Option<Role>,
    #[serde(default)]
    disabled: Option<bool>,
    #[serde(default)]
    password: Option<String>,
}

/// Creates user `name` as an admin when no console user exists yet; returns whether it did.
/// `lampyr serve` calls it at startup with a configured or generated password (which it
/// prints once), so a fresh install can log in to the console.
pub async fn ensure_admin_user(
    store: &dyn Store,
    name: &str,
    password: &str,
) -> Result<bool, ApiError> {
    check_name("user", name, false)?;
    password::check(password)?;
    if !store.list_users().await?.is_empty() {
        return Ok(false);
    }
    let row = UserRow {
        name: name.to_string(),
        role: Role::Admin,
        password_hash: password::hash(password).await?,
        created_at: now(),
        disabled: false,
    };
    match store.create_user(row).await {
        Ok(()) => Ok(true),
        Err(StoreError::Conflict(_)) => Ok(false),
        Err(e) => Err(e.into()),
    }
}

/// Every user, by name.
pub(crate) async fn all(state: &AdminState) -> Result<Vec<UserView>, ApiError> {
    Ok(state
        .store()
        .list_users()
        .await?
        .into_iter()
        .map(UserView::from)
        .collect())
}

/// `GET /users`
pub(crate) async fn list(
    State(state): State<AdminState>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let items = all(&state).await?;
    Ok(Json(serde_json::json!({ "items": items })))
}

/// `POST /users`: 201, 409 when the name is taken.
pub(crate) async fn create(
    State(state): State<AdminState>,
    Extension(who): Extension<Principal>,
    JsonBody(input): JsonBody<NewUser>,
) -> Result<Response, ApiError> {
    check_name("user", &input.name, false)?;
    password::check(&input.password)?;
    let row = UserRow {
        name: input.name.clone(),
        role: input.role,
        password_hash: password::hash(&input.password).await?,
        created_at: now(),
        disabled: false,
    };
    state.store().create_user(row.clone()).await?;
    let detail = serde_json::json!({"name": input.name, "role": input.role});
    state
        .audit(
            &who.name,
            "user.create",
            &format!("user/{}", input.name),
            detail,
        )
        .await;
    Ok((StatusCode::CREATED, Json(UserView::from(row))).into_response())
}

/// Refuses a change that would leave no enabled admin.
async fn keep_an_admin(
    state: &AdminState,
    next: Option<&UserRow>,
    name: &str,
) -> Result<(), ApiError> {
    let users = state.store().list_users().await?;
    let admins = users
        .iter()
        .map(|u| if u.name == name { next } else { Some(u) })
        .filter(|u| u.is_some_and(|u| u.role == Role::Admin && !u.disabled))
        .count();
    if admins == 0 {
        return Err(ApiError::conflict(
            "the last enabled admin cannot be removed or demoted",
        ));
    }
    Ok(())
}

/// `PATCH /users/{name}`: role, disabled, password.
pub(crate) async fn patch(
    State(state): State<AdminState>,
    Extension(who): Extension<Principal>,
    Path(name): Path<String>,
    JsonBody(input): JsonBody<UserPatch>,
) -> Result<Json<UserView>, ApiError> {
    let _guard = state.write_lock().await;
    let mut user = state.store().get_user(&name).await?;
    let mut changed = serde_json::Map::new();
    if let Some(role) = input.role {
        user.role = role;
        changed.insert("role".into(), serde_json::json!(role));
    }
    if let Some(d) = input.disabled {
        user.disabled = d;
        changed.insert("disabled".into(), serde_json::json!(d));
    }
    if let Some(p) = &input.password {
        password::check(p)?;
        user.password_hash = password::hash(p).await?;
        changed.insert("password".into(), serde_json::json!("reset"));
    }
    keep_an_admin(&state, Some(&user), &name).await?;
    state.store().update_user(user.clone()).await?;
    state
        .audit(
            &who.name,
            "user.update",
            &format!("user/{name}"),
            serde_json::Value::Object(changed),
        )
        .await;
    Ok(Json(UserView::from(user)))
}

/// `DELETE /users/{name}` (with their sessions).
pub(crate) async fn delete(
    State(state): State<AdminState>,
    Extension(who): Extension<Principal>,
    Path(name): Path<String>,
) -> Result<StatusCode, ApiError> {
    let _guard = state.write_lock().await;
    state.store().get_user(&name).await?;
    keep_an_admin(&state, None, &name).await?;
    state.store().delete_user(&name).await?;
    state
        .audit(
            &who.name,
            "user.delete",
            &format!("user/{name}"),
            serde_json::json!({"name": name}),
        )
        .await;
    Ok(StatusCode::NO_CONTENT)
}
