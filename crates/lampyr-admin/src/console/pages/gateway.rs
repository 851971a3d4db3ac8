//! `/gateway`: routes, upstreams with health, consumers and credentials (create, rotate with
//! the new key shown once, revoke), policies, rate limits, the deny list and exceptions.

use axum::extract::State;
use axum::Extension;
use lampyr_spec::{PolicySpec, RouteSpec, UpstreamSpec};
use lampyr_store::{GatewayStoreExt, Role};
use serde_json::Value;

use super::credentials::consumers_section;
use crate::analytics::to_json;
use crate::auth::Principal;
use crate::console::html::{enc, esc, s, table, Html, PageResult};
use crate::consumers::{last_used_map, ConsumerView};
use crate::state::AdminState;

/// A JSON list (or scalar) as escaped, comma-separated text.
pub(super) fn list(v: &Value) -> String {
    match v {
        Value::Array(a) => a
            .iter()
            .map(|x| match x {
                Value::String(s) => esc(s),
                other => esc(&other.to_string()),
            })
            .collect::<Vec<_>>()
            .join(", "),
        Value::Null => String::new(),
        Value::String(s) => esc(s),
        other => esc(&other.to_string()),
    }
}

/// Unix seconds as RFC 3339, escaped.
pub(super) fn time_s(v: &Value) -> String {
    v.as_i64()
        .map(|t| esc(&crate::analytics::fmt_us(t.saturating_mul(1_000_000))))
        .unwrap_or_default()
}

/// A console.js action button calling `api` (`METHOD /admin/v1/...`).
pub(super) fn button(testid: &str, api: &str, label: &str, extra: &str) -> String {
    format!(
        "<button type=\"button\" data-testid=\"{testid}\" data-api=\"{}\" {extra}>{}</button>",
        esc(api),
        esc(label)
    )
}

fn routes_section(routes: &[Value], admin: bool) -> (String, String) {
    let mut limits: Vec<(String, Vec<String>)> = Vec::new();
    let rows: Vec<(String, Vec<String>)> = routes
        .iter()
        .map(|r| {
            let name = r["name"].as_str().unwrap_or("");
            for l in r["rate_limits"].as_array().into_iter().flatten() {
                limits.push((
                    String::new(),
                    vec![
                        esc(name),
                        s(&l["key"]),
                        s(&l["requests"]),
                        s(&l["per_secs"]),
                        s(&l["burst"]),
                    ],
                ));
            }
            let mut actions = String::new();
            if admin && r["_stored"] == Value::Bool(true) {
                actions = delete_button("route-delete", "routes", name);
            }
            (
                format!("data-testid=\"route-row\" data-name=\"{}\"", esc(name)),
                vec![
                    esc(name),
                    list(&r["hosts"]),
                    list(&r["paths"]),
                    list(&r["methods"]),
                    s(&r["upstream"]),
                    list(&r["auth"]),
                    list(&r["policies"]),
                    s(&r["inspect"]["mode"]),
                    actions,
                ],
            )
        })
        .collect();
    let routes = table(
        "routes-table",
        &[
            "Route", "Hosts", "Paths", "Methods", "Upstream", "Auth", "Policies", "Inspect", "",
        ],
        &rows,
    );
    let limits = table(
        "rate-limits-table",
        &["Route", "Key", "Requests", "Per (s)", "Burst"],
        &limits,
    );
    (routes, limits)
}

fn health_of(health: &Value, name: &str) -> String {
    let Some(item) = health["items"]
        .as_array()
        .and_then(|a| a.iter().find(|u| u["upstream"].as_str() == Some(name)))
    else {
        return match health.get(name) {
            Some(v) => list(&Value::String(v.to_string())),
            None => "<span class=\"muted\">unknown</span>".into(),
        };
    };
    item["targets"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|t| {
            let ok = t["healthy"] == Value::Bool(true) && t["ejected"] != Value::Bool(true);
            format!(
                "<span class=\"health {}\" data-testid=\"target-health\">{} {}</span>",
                if ok { "up" } else { "down" },
                s(&t["address"]),
                if ok { "healthy" } else { "unhealthy" }
            )
        })
        .collect::<Vec<_>>()
        .join("<br>")
}

fn with_flag(items: Vec<Value>, flag: &str) -> Vec<Value> {
    items
        .into_iter()
        .map(|mut v| {
            if let Some(o) = v.as_object_mut() {
                o.insert(flag.into(), Value::Bool(true));
            }
            v
        })
        .collect()
}

/// A form that creates an object from JSON (admins), e.g. `POST /admin/v1/routes`.
fn json_form(noun: &str, plural: &str, example: &str) -> String {
    format!(
        "<details><summary>Add {} {noun}</summary><form class=\"json\" id=\"{noun}-form\" data-api=\"POST /admin/v1/{plural}\">\
         <textarea id=\"{noun}-json\" rows=\"6\" data-json-body>{}</textarea>\
         <button type=\"submit\" id=\"{noun}-create\">Create {noun}</button></form></details>",
        if noun.starts_with(['a', 'e', 'i', 'o', 'u']) { "an" } else { "a" },
        esc(example)
    )
}

fn delete_button(testid: &str, plural: &str, name: &str) -> String {
    button(
        testid,
        &format!("DELETE /admin/v1/{plural}/{}", enc(name)),
        "Delete",
        "data-confirm=\"Delete it?\"",
    )
}

/// `GET /gateway`
pub(crate) async fn page(
    State(state): State<AdminState>,
    Extension(who): Extension<Principal>,
) -> PageResult {
    let admin = who.may(Role::Admin);
    let analyst = who.may(Role::Analyst);
    let store = state.store();
    let file = state.file_spec();
    let mut routes = with_flag(
        to_json(&store.list::<RouteSpec>().await?)?
            .as_array()
            .cloned()
            .unwrap_or_default(),
        "_stored",
    );
    routes.extend(
        to_json(&file.routes)?
            .as_array()
            .cloned()
            .unwrap_or_default(),
    );
    let (routes_html, limits_html) = routes_section(&routes, admin);
    let health = state.control().upstream_health();
    let mut upstreams = with_flag(
        to_json(&store.list::<UpstreamSpec>().await?)?
            .as_array()
            .cloned()
            .unwrap_or_default(),
        "_stored",
    );
    upstreams.extend(
        to_json(&file.upstreams)?
            .as_array()
            .cloned()
            .unwrap_or_default(),
    );
    let up_rows: Vec<(String, Vec<String>)> = upstreams
        .iter()
        .map(|u| {
            let name = u["name"].as_str().unwrap_or("");
            let targets: Vec<String> = u["targets"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|t| s(&t["address"]))
                .collect();
            (
                format!("data-testid=\"upstream-row\" data-name=\"{}\"", esc(name)),
                vec![
                    esc(name),
                    targets.join("<br>"),
                    if u["balance"].is_object() {
                        s(&u["balance"]["policy"])
                    } else {
                        s(&u["balance"])
                    },
                    health_of(&health, name),
                    if admin && u["_stored"] == Value::Bool(true) {
                        delete_button("upstream-delete", "upstreams", name)
                    } else {
                        String::new()
                    },
                ],
            )
        })
        .collect();
    let used = last_used_map(&state).await?;
    let mut consumers: Vec<Value> = store
        .list_consumers()
        .await?
        .iter()
        .map(|c| to_json(&ConsumerView::new(c, &used)))
        .collect::<Result<_, _>>()?;
    let file_consumers: Vec<Value> = file
        .consumers
        .iter()
        .map(|c| to_json(&ConsumerView::new(c, &used)))
        .collect::<Result<_, _>>()?;
    consumers.extend(with_flag(file_consumers, "_file"));
    let mut policies = with_flag(
        to_json(&store.list::<PolicySpec>().await?)?
            .as_array()
            .cloned()
            .unwrap_or_default(),
        "_stored",
    );
    policies.extend(
        to_json(&file.policies)?
            .as_array()
            .cloned()
            .unwrap_or_default(),
    );
    let pol_rows: Vec<(String, Vec<String>)> = policies
        .iter()
        .map(|p| {
            let name = p["name"].as_str().unwrap_or("");
            (
                format!("data-testid=\"policy-row\" data-name=\"{}\"", esc(name)),
                vec![
                    s(&p["name"]),
                    list(&p["allow_cidrs"]),
                    list(&p["deny_cidrs"]),
                    list(&p["methods"]),
                    list(&p["path_prefixes"]),
                    format!("{} {}", s(&p["time_window"]), list(&p["days"])),
                    if admin && p["_stored"] == Value::Bool(true) {
                        delete_button("policy-delete", "policies", name)
                    } else {
                        String::new()
                    },
                ],
            )
        })
        .collect();
    let deny = store.list_deny().await?;
    let deny_rows: Vec<(String, Vec<String>)> = to_json(&deny)?
        .as_array()
        .into_iter()
        .flatten()
        .map(|d| {
            let kind = d["kind"].as_str().unwrap_or("");
            let value = d["value"].as_str().unwrap_or("");
            let remove = if admin {
                button(
                    "deny-remove",
                    &format!(
                        "DELETE /admin/v1/deny?kind={}&value={}",
                        enc(kind),
                        enc(value)
                    ),
                    "Remove",
                    "",
                )
            } else {
                String::new()
            };
            (
                format!(
                    "data-testid=\"deny-row\" data-kind=\"{}\" data-value=\"{}\"",
                    esc(kind),
                    esc(value)
                ),
                vec![
                    esc(kind),
                    esc(value),
                    time_s(&d["expires_at"]),
                    s(&d["reason"]),
                    remove,
                ],
            )
        })
        .collect();
    let exceptions = store.list_exceptions().await?;
    let ex_rows: Vec<(String, Vec<String>)> = to_json(&exceptions)?
        .as_array()
        .into_iter()
        .flatten()
        .map(|e| {
            let id = e["id"].to_string();
            let del = if analyst {
                button(
                    "exception-delete",
                    &format!("DELETE /admin/v1/exceptions/{}", enc(&id)),
                    "Delete",
                    "",
                )
            } else {
                String::new()
            };
            (
                format!("data-testid=\"exception-row\" data-id=\"{}\"", esc(&id)),
                vec![
                    esc(&id),
                    s(&e["rule"]),
                    s(&e["endpoint"]),
                    s(&e["actor"]),
                    s(&e["reason"]),
                    s(&e["author"]),
                    del,
                ],
            )
        })
        .collect();
    let mut body = String::from("<h2>Routes</h2>");
    if admin {
        body.push_str(&json_form(
            "route",
            "routes",
            r#"{"name": "shop", "hosts": ["api.shop.test"], "paths": ["/"], "upstream": "shop"}"#,
        ));
    }
    body.push_str(&routes_html);
    body.push_str("<h2>Upstreams</h2>");
    if admin {
        body.push_str(&json_form(
            "upstream",
            "upstreams",
            r#"{"name": "shop", "targets": [{"address": "127.0.0.1:9000"}]}"#,
        ));
    }
    body.push_str(&table(
        "upstreams-table",
        &["Upstream", "Targets", "Balance", "Health", ""],
        &up_rows,
    ));
    body.push_str("<h2>Consumers and credentials</h2>");
    body.push_str(&consumers_section(&consumers, admin));
    body.push_str("<h2>Policies</h2>");
    if admin {
        body.push_str(&json_form(
            "policy",
            "policies",
            r#"{"name": "office-only", "allow_cidrs": ["10.0.0.0/8"]}"#,
        ));
    }
    body.push_str(&table(
        "policies-table",
        &["Policy", "Allow", "Deny", "Methods", "Paths", "Time", ""],
        &pol_rows,
    ));
    body.push_str("<h2>Rate limits</h2>");
    body.push_str(&limits_html);
    body.push_str("<h2>Deny list</h2>");
    body.push_str(&table(
        "deny-table",
        &["Kind", "Value", "Expires", "Reason", ""],
        &deny_rows,
    ));
    body.push_str("<h2>Detection exceptions</h2>");
    body.push_str(&table(
        "exceptions-table",
        &["#", "Rule", "Endpoint", "Actor", "Reason", "Author", ""],
        &ex_rows,
    ));
    Ok(Html::page(&who, "gateway", "Gateway", &body))
}
