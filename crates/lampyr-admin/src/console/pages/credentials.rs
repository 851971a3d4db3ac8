//! The consumers and credentials part of `/gateway`: create consumers and API keys, rotate
//! (the new key shown once in `#new-key`), revoke, disable.

use std::fmt::Write as _;

use serde_json::Value;

use super::gateway::{button, list, time_s};
use crate::console::html::{enc, esc, s, table};

/// Consumers with their credentials and, for admins, the actions on them. Items flagged
/// `_file` come from the config file and are read-only.
pub(super) fn consumers_section(consumers: &[Value], admin: bool) -> String {
    let now = crate::state::now();
    let mut out = String::new();
    if admin {
        out.push_str(
            "<div id=\"new-key-box\" class=\"new-key\" hidden><p>New key — copy it now, it is shown only once:</p>\
             <code id=\"new-key\" data-testid=\"new-key\"></code> <button type=\"button\" id=\"new-key-done\">Done</button></div>\
             <form id=\"consumer-create-form\" data-api=\"POST /admin/v1/consumers\" class=\"filters\">\
             <label>New consumer <input name=\"name\" id=\"consumer-name\" required></label>\
             <label>Groups <input name=\"groups\" id=\"consumer-groups\" data-type=\"list\" placeholder=\"partners, mobile\"></label>\
             <button type=\"submit\" id=\"consumer-create\">Create consumer</button></form>\
             <p><label>Grace for rotations (seconds) <input id=\"rotate-grace\" name=\"grace_secs\" type=\"number\" min=\"0\" value=\"3600\" data-type=\"number\"></label></p>",
        );
    }
    let rows: Vec<(String, Vec<String>)> = consumers
        .iter()
        .map(|c| {
            let name = c["name"].as_str().unwrap_or("");
            let file = c["_file"] == Value::Bool(true);
            let mut creds = String::from("<ul class=\"creds\">");
            for k in c["credentials"].as_array().into_iter().flatten() {
                let id = k["id"].as_str().unwrap_or("");
                let label = k["prefix"]
                    .as_str()
                    .or(k["access_key"].as_str())
                    .or(k["username"].as_str())
                    .or(k["subject"].as_str())
                    .unwrap_or("");
                let expired = k["expires_at"].as_i64().is_some_and(|exp| exp <= now);
                let state = if k["revoked"] == Value::Bool(true) {
                    "revoked".to_string()
                } else if expired {
                    "expired".to_string()
                } else if let Some(exp) = k["expires_at"].as_i64() {
                    format!("expires {}", time_s(&Value::from(exp)))
                } else {
                    "active".to_string()
                };
                let _ = write!(
                    creds,
                    "<li data-testid=\"credential-row\" data-credential=\"{}\" data-consumer=\"{}\"><code>{}</code> {} <code>{}</code> <span class=\"cred-state\">{}</span> {}",
                    esc(id),
                    esc(name),
                    esc(id),
                    s(&k["type"]),
                    esc(label),
                    esc(&state),
                    k["last_used"].as_i64().map(|t| format!("last used {}", time_s(&Value::from(t)))).unwrap_or_default()
                );
                let rotatable = matches!(k["type"].as_str(), Some("api_key" | "hmac"));
                if admin && !file && k["revoked"] != Value::Bool(true) && !id.is_empty() {
                    if rotatable && !expired {
                        creds.push_str(&button(
                            "rotate-key",
                            &format!("POST /admin/v1/credentials/{}/rotate", enc(id)),
                            "Rotate",
                            "data-inputs=\"rotate-grace\" data-show=\"key,secret\"",
                        ));
                    }
                    creds.push_str(&button(
                        "revoke-key",
                        &format!("POST /admin/v1/credentials/{}/revoke", enc(id)),
                        "Revoke",
                        "data-confirm=\"Revoke this credential now?\"",
                    ));
                }
                creds.push_str("</li>");
            }
            creds.push_str("</ul>");
            let mut actions = String::new();
            if admin && !file {
                actions.push_str(&format!(
                    "<button type=\"button\" data-testid=\"create-key\" data-consumer=\"{}\" data-api=\"POST /admin/v1/consumers/{}/credentials\" data-body=\"{}\" data-show=\"key\">New API key</button>",
                    esc(name),
                    enc(name),
                    esc("{\"type\":\"api_key\"}")
                ));
                let disabled = c["disabled"] == Value::Bool(true);
                actions.push_str(&button(
                    "consumer-toggle",
                    &format!("PATCH /admin/v1/consumers/{}", enc(name)),
                    if disabled { "Enable" } else { "Disable" },
                    &format!(
                        "data-body=\"{}\"",
                        esc(&format!("{{\"disabled\":{}}}", !disabled))
                    ),
                ));
            }
            (
                format!("data-testid=\"consumer-row\" data-consumer=\"{}\"", esc(name)),
                vec![
                    format!("{}{}", esc(name), if file { " <span class=\"badge\">file</span>" } else { "" }),
                    list(&c["groups"]),
                    if c["disabled"] == Value::Bool(true) { "disabled".into() } else { "enabled".into() },
                    creds,
                    actions,
                ],
            )
        })
        .collect();
    out.push_str(&table(
        "consumers-table",
        &["Consumer", "Groups", "State", "Credentials", ""],
        &rows,
    ));
    out
}
