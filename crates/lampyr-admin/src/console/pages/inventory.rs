//! `/inventory`: the discovered endpoints with filters, the imported API specifications
//! (upload form for admins) and the zombie operations they document but traffic never hit.

use axum::extract::{Query, State};
use axum::Extension;
use serde_json::Value;

use lampyr_store::Role;

use super::gateway::button;
use crate::analytics::inventory::{list_data, InventoryQuery};
use crate::analytics::specs;
use crate::auth::Principal;
use crate::console::html::{enc, endpoint_link, esc, options, s, table, time_us, Html, PageResult};
use crate::error::ApiError;
use crate::state::AdminState;

fn field(v: &Option<String>) -> &str {
    v.as_deref().unwrap_or("")
}

/// The imported specifications, with a delete button and the upload form for admins.
fn specs_section(items: &[Value], admin: bool) -> String {
    let mut out = String::from("<h2>API specifications</h2>");
    if items.is_empty() {
        out.push_str(
            "<p id=\"specs-empty\">No specification imported: import an OpenAPI 3.x or \
             Swagger 2.0 document to find shadow (undocumented) and zombie endpoints.</p>",
        );
    } else {
        let rows: Vec<(String, Vec<String>)> = items
            .iter()
            .map(|sp| {
                let name = sp["name"].as_str().unwrap_or("");
                let mut cells = vec![
                    format!("<code>{}</code>", esc(name)),
                    esc(sp["title"].as_str().unwrap_or("")),
                    esc(sp["version"].as_str().unwrap_or("")),
                    s(&sp["operations"]),
                    esc(&crate::analytics::fmt_us(
                        sp["imported_at"]
                            .as_i64()
                            .unwrap_or(0)
                            .saturating_mul(1_000_000),
                    )),
                ];
                if admin {
                    cells.push(button(
                        "spec-delete",
                        &format!("DELETE /admin/v1/specs/{}", enc(name)),
                        "Delete",
                        &format!("data-confirm=\"Delete specification {}?\"", esc(name)),
                    ));
                }
                (
                    format!("data-testid=\"spec-row\" data-name=\"{}\"", esc(name)),
                    cells,
                )
            })
            .collect();
        let mut head = vec!["Name", "Title", "Version", "Operations", "Imported"];
        if admin {
            head.push("");
        }
        out.push_str(&table("spec-table", &head, &rows));
    }
    if admin {
        out.push_str(&format!(
            "<details id=\"spec-import\"><summary>Import a specification</summary>\
             <form id=\"spec-upload\" data-upload=\"POST /admin/v1/specs\">\
             <label>Name <input name=\"name\" id=\"spec-name\" placeholder=\"from info.title\"></label>\
             <label>File (JSON or YAML, up to {} MiB) <input type=\"file\" id=\"spec-file\" \
             accept=\".json,.yaml,.yml,application/json,application/yaml,text/yaml\"></label>\
             <label>or paste it <textarea id=\"spec-text\" rows=\"6\"></textarea></label>\
             <button type=\"submit\" id=\"spec-submit\">Import</button></form></details>",
            specs::MAX_SPEC_BYTES / (1024 * 1024)
        ));
    }
    out
}

/// Documented operations never seen in traffic.
fn zombies_section(d: &Value) -> String {
    let zombies = d["zombies"].as_array().cloned().unwrap_or_default();
    let total = d["coverage"]["zombies"].as_u64().unwrap_or(0);
    let shown = if zombies.len() as u64 == total {
        String::new()
    } else {
        format!(" (first {} shown)", zombies.len())
    };
    let mut out = format!(
        "<h2>Zombie operations</h2><p>Documented in a specification, never seen in traffic: \
         <span id=\"zombie-count\">{total}</span>{shown}</p>"
    );
    let rows: Vec<(String, Vec<String>)> = zombies
        .iter()
        .map(|z| {
            let served: Vec<String> = z["templates"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|t| {
                    format!(
                        "{}{}",
                        t["host"].as_str().unwrap_or("*"),
                        t["template"].as_str().unwrap_or("")
                    )
                })
                .collect();
            (
                "data-testid=\"zombie-row\"".to_string(),
                vec![
                    esc(z["spec"].as_str().unwrap_or("")),
                    esc(z["method"].as_str().unwrap_or("")),
                    format!("<code>{}</code>", esc(z["path"].as_str().unwrap_or(""))),
                    esc(z["operation_id"].as_str().unwrap_or("")),
                    esc(&served.join(", ")),
                ],
            )
        })
        .collect();
    out.push_str(&table(
        "zombie-table",
        &["Spec", "Method", "Path", "operationId", "Served at"],
        &rows,
    ));
    out
}

/// `GET /inventory?host=&since=&level=&auth=&q=&documented=`
pub(crate) async fn page(
    State(state): State<AdminState>,
    Extension(who): Extension<Principal>,
    query: Result<Query<InventoryQuery>, axum::extract::rejection::QueryRejection>,
) -> PageResult {
    let Query(mut q) = query.map_err(|r| ApiError::bad_request(r.body_text()))?;
    let spec_items = specs::list_data(&state).await?["items"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let with_specs = !spec_items.is_empty();
    if !with_specs {
        // The last spec was deleted while the page was filtered: show everything rather
        // than the API's "needs a spec" refusal.
        q.documented = None;
    }
    let d = list_data(&state, &q).await?;
    let documented_opts = [
        ("", "any"),
        ("true", "documented"),
        ("false", "shadow / undocumented"),
    ];
    let hosts: Vec<&str> = d["hosts"]
        .as_array()
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let mut host_opts: Vec<(&str, &str)> = vec![("", "any host")];
    host_opts.extend(hosts.iter().map(|h| (*h, *h)));
    let levels = [
        ("", "any"),
        ("1", "≥ 1"),
        ("2", "≥ 2"),
        ("3", "≥ 3"),
        ("4", "≥ 4"),
        ("5", "≥ 5"),
    ];
    let auths = [
        ("", "any"),
        ("none", "none (unauthenticated)"),
        ("jwt", "jwt"),
        ("bearer", "bearer"),
        ("basic", "basic"),
        ("api_key_header", "api key (header)"),
        ("api_key_query", "api key (query)"),
        ("session_cookie", "session cookie"),
    ];
    let mut body = format!(
        "<form method=\"get\" action=\"/inventory\" id=\"inventory-filter\" class=\"filters\">\
         <label>Host <select name=\"host\" id=\"filter-host\">{}</select></label>\
         <label>New since <input name=\"since\" id=\"filter-since\" placeholder=\"2026-12-01T00:00:00Z\" value=\"{}\"></label>\
         <label>Sensitivity <select name=\"level\" id=\"filter-level\">{}</select></label>\
         <label>Auth <select name=\"auth\" id=\"filter-auth\">{}</select></label>\
         <label>Search <input name=\"q\" id=\"filter-q\" value=\"{}\"></label>\
         <label>Documented <select name=\"documented\" id=\"filter-documented\"{}>{}</select></label>\
         <button type=\"submit\" id=\"filter-apply\">Filter</button></form>",
        options(&host_opts, field(&q.host)),
        esc(field(&q.since)),
        options(&levels, field(&q.level)),
        options(&auths, field(&q.auth)),
        esc(field(&q.q)),
        if with_specs {
            ""
        } else {
            " disabled title=\"Import an API specification first\""
        },
        options(&documented_opts, field(&q.documented)),
    );
    let items = d["items"].as_array().cloned().unwrap_or_default();
    let coverage = if with_specs {
        format!(
            "<span id=\"coverage-documented\">{}</span> documented · \
             <span id=\"coverage-shadow\">{}</span> shadow (undocumented) · \
             <span id=\"coverage-zombies\">{}</span> zombie operations",
            s(&d["coverage"]["documented"]),
            s(&d["coverage"]["undocumented"]),
            s(&d["coverage"]["zombies"])
        )
    } else {
        "shadow / undocumented filters need an imported spec (below)".to_string()
    };
    body.push_str(&format!(
        "<p><span id=\"inventory-count\">{}</span> of {} endpoints · \
         <a id=\"download-openapi\" href=\"/admin/v1/inventory/openapi.json\" download=\"lampyr-discovered-openapi.json\">Download OpenAPI</a> · \
         {coverage}</p>",
        items.len(),
        s(&d["total"])
    ));
    let rows: Vec<(String, Vec<String>)> = items
        .iter()
        .map(|e| {
            let key = e["key"].as_str().unwrap_or("");
            let auth: Vec<&str> = e["auth"]
                .as_array()
                .map(|a| a.iter().filter_map(Value::as_str).collect())
                .unwrap_or_default();
            let types: Vec<&str> = e["sensitive_types"]
                .as_array()
                .map(|a| a.iter().filter_map(Value::as_str).collect())
                .unwrap_or_default();
            let mut cells = vec![
                endpoint_link(key),
                s(&e["hits"]),
                format!(
                    "<span class=\"level l{}\">{}</span>",
                    s(&e["level"]),
                    s(&e["level"])
                ),
                esc(&types.join(", ")),
                esc(&auth.join(", ")),
                time_us(&e["first_seen_us"]),
                time_us(&e["last_seen_us"]),
            ];
            if with_specs {
                cells.push(if e["documented"].as_bool() == Some(true) {
                    "<span class=\"badge\" data-testid=\"documented\">documented</span>".into()
                } else {
                    "<span class=\"badge sensitive\" data-testid=\"shadow\">shadow</span>".into()
                });
            }
            (
                format!("data-testid=\"endpoint-row\" data-key=\"{}\"", esc(key)),
                cells,
            )
        })
        .collect();
    let mut head = vec![
        "Endpoint",
        "Hits",
        "Level",
        "Sensitive types",
        "Auth",
        "First seen",
        "Last seen",
    ];
    if with_specs {
        head.push("Documented");
    }
    body.push_str(&table("inventory-table", &head, &rows));
    if with_specs {
        body.push_str(&zombies_section(&d));
    }
    body.push_str(&specs_section(&spec_items, who.may(Role::Admin)));
    Ok(Html::page(&who, "inventory", "API inventory", &body))
}
