//! `/inventory`: the discovered endpoints with filters.

use axum::extract::{Query, State};
use axum::Extension;
use serde_json::Value;

use crate::analytics::inventory::{list_data, InventoryQuery};
use crate::auth::Principal;
use crate::console::html::{endpoint_link, esc, options, s, table, time_us, Html, PageResult};
use crate::error::ApiError;
use crate::state::AdminState;

fn field(v: &Option<String>) -> &str {
    v.as_deref().unwrap_or("")
}

/// `GET /inventory?host=&since=&level=&auth=&q=`
pub(crate) async fn page(
    State(state): State<AdminState>,
    Extension(who): Extension<Principal>,
    query: Result<Query<InventoryQuery>, axum::extract::rejection::QueryRejection>,
) -> PageResult {
    let Query(q) = query.map_err(|r| ApiError::bad_request(r.body_text()))?;
    let d = list_data(&state, &q).await?;
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
         <button type=\"submit\" id=\"filter-apply\">Filter</button></form>",
        options(&host_opts, field(&q.host)),
        esc(field(&q.since)),
        options(&levels, field(&q.level)),
        options(&auths, field(&q.auth)),
        esc(field(&q.q)),
    );
    let items = d["items"].as_array().cloned().unwrap_or_default();
    body.push_str(&format!(
        "<p><span id=\"inventory-count\">{}</span> of {} endpoints · \
         <a id=\"download-openapi\" href=\"/admin/v1/inventory/openapi.json\" download=\"lampyr-discovered-openapi.json\">Download OpenAPI</a> · \
         shadow / undocumented filters need an imported spec (not yet available)</p>",
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
            (
                format!("data-testid=\"endpoint-row\" data-key=\"{}\"", esc(key)),
                vec![
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
                ],
            )
        })
        .collect();
    body.push_str(&table(
        "inventory-table",
        &[
            "Endpoint",
            "Hits",
            "Level",
            "Sensitive types",
            "Auth",
            "First seen",
            "Last seen",
        ],
        &rows,
    ));
    Ok(Html::page(&who, "inventory", "API inventory", &body))
}
