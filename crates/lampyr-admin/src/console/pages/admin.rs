//! `/audit` (everyone) and `/users` (admins).

use axum::extract::State;
use axum::Extension;
use lampyr_store::Role;

use crate::auth::Principal;
use crate::console::html::{enc, esc, options, pre_json, table, Html, PageResult};
use crate::objects::MAX_AUDIT;
use crate::state::AdminState;
use crate::users;

/// `GET /audit`: the newest records.
pub(crate) async fn audit(
    State(state): State<AdminState>,
    Extension(who): Extension<Principal>,
) -> PageResult {
    let records = state.store().list_audit(MAX_AUDIT).await?;
    let rows: Vec<(String, Vec<String>)> = records
        .iter()
        .map(|r| {
            (
                format!(
                    "data-testid=\"audit-row\" data-action=\"{}\"",
                    esc(&r.action)
                ),
                vec![
                    esc(&crate::analytics::fmt_us(r.at.saturating_mul(1_000_000))),
                    esc(&r.actor),
                    esc(&r.action),
                    esc(&r.object),
                    pre_json(&r.detail),
                ],
            )
        })
        .collect();
    let body = table(
        "audit-table",
        &["Time", "Actor", "Action", "Object", "Detail"],
        &rows,
    );
    Ok(Html::page(&who, "audit", "Audit log", &body))
}

const ROLES: &[(&str, &str)] = &[
    ("viewer", "viewer"),
    ("analyst", "analyst"),
    ("admin", "admin"),
];

/// `GET /users` (the route needs admin).
pub(crate) async fn users(
    State(state): State<AdminState>,
    Extension(who): Extension<Principal>,
) -> PageResult {
    let list = users::all(&state).await?;
    let admin = who.may(Role::Admin);
    let rows: Vec<(String, Vec<String>)> = list
        .iter()
        .map(|u| {
            let api = format!("/admin/v1/users/{}", enc(&u.name));
            let actions = if admin {
                format!(
                    "<form data-api=\"PATCH {api}\" class=\"inline\" data-testid=\"user-role-form\">\
                     <select name=\"role\" data-testid=\"user-role-select\">{}</select>\
                     <button type=\"submit\" data-testid=\"user-role-save\">Set role</button></form>\
                     <form data-api=\"PATCH {api}\" class=\"inline\" data-testid=\"user-password-form\">\
                     <input type=\"password\" name=\"password\" data-testid=\"user-new-password\" placeholder=\"new password\" minlength=\"8\" autocomplete=\"new-password\" required>\
                     <button type=\"submit\" data-testid=\"user-reset-password\">Reset password</button></form>\
                     <button type=\"button\" data-testid=\"user-disable\" data-api=\"PATCH {api}\" data-body=\"{}\">{}</button>\
                     <button type=\"button\" data-testid=\"user-delete\" data-api=\"DELETE {api}\" data-confirm=\"Delete this user?\">Delete</button>",
                    options(ROLES, u.role.as_str()),
                    esc(&format!("{{\"disabled\":{}}}", !u.disabled)),
                    if u.disabled { "Enable" } else { "Disable" },
                )
            } else {
                String::new()
            };
            (
                format!("data-testid=\"user-row\" data-user=\"{}\"", esc(&u.name)),
                vec![
                    esc(&u.name),
                    esc(u.role.as_str()),
                    if u.disabled { "disabled".into() } else { "enabled".into() },
                    esc(&crate::analytics::fmt_us(u.created_at.saturating_mul(1_000_000))),
                    actions,
                ],
            )
        })
        .collect();
    let mut body = String::new();
    if admin {
        body.push_str(&format!(
            "<form id=\"user-create-form\" data-api=\"POST /admin/v1/users\" class=\"filters\">\
             <label>Name <input name=\"name\" id=\"user-name\" required></label>\
             <label>Role <select name=\"role\" id=\"user-role\">{}</select></label>\
             <label>Password <input name=\"password\" id=\"user-password\" type=\"password\" minlength=\"8\" autocomplete=\"new-password\" required></label>\
             <button type=\"submit\" id=\"user-create\">Create user</button></form>",
            options(ROLES, "viewer")
        ));
    }
    body.push_str(&table(
        "users-table",
        &["User", "Role", "State", "Created", ""],
        &rows,
    ));
    Ok(Html::page(&who, "users", "Users", &body))
}
