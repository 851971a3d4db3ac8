//! `/incidents` (list with filters) and `/incidents/{id}` (evidence, actor timeline, workflow
//! and the block / exception actions for analysts and admins).

use std::fmt::Write as _;

use axum::extract::{Path, Query, State};
use axum::Extension;
use lampyr_store::analytics::INCIDENT_STATUSES;
use lampyr_store::Role;
use serde_json::Value;

use super::exchange;
use crate::analytics::exchanges::actor_data;
use crate::analytics::incidents::{detail_data, list_data, ListQuery};
use crate::auth::Principal;
use crate::console::html::{
    actor_link, enc, endpoint_link, esc, link, options, s, table, time_us, Html, PageResult,
};
use crate::error::ApiError;
use crate::state::AdminState;

const SEVERITIES: &[(&str, &str)] = &[
    ("", "any"),
    ("critical", "critical"),
    ("high", "high"),
    ("medium", "medium"),
    ("low", "low"),
    ("info", "info"),
];

fn status_options(current: &str, any: bool) -> String {
    let mut v: Vec<(&str, &str)> = if any { vec![("", "any")] } else { Vec::new() };
    v.extend(INCIDENT_STATUSES.iter().map(|s| (*s, *s)));
    options(&v, current)
}

/// Link to an incident page.
pub(crate) fn incident_link(id: &str) -> String {
    format!(
        "<a data-testid=\"incident-link\" href=\"/incidents/{}\">{}</a>",
        enc(id),
        esc(id)
    )
}

/// Rows of incident summaries.
pub(crate) fn rows(items: &Value) -> Vec<(String, Vec<String>)> {
    items
        .as_array()
        .into_iter()
        .flatten()
        .map(|i| {
            let id = i["id"].as_str().unwrap_or("");
            let actor: Vec<String> = ["actor_ip", "actor_consumer", "actor_user"]
                .iter()
                .filter_map(|k| i[*k].as_str().map(actor_link))
                .collect();
            (
                format!(
                    "data-testid=\"incident-row\" data-id=\"{}\" data-status=\"{}\"",
                    esc(id),
                    s(&i["status"])
                ),
                vec![
                    incident_link(id),
                    format!(
                        "<span class=\"sev {}\">{}</span>",
                        s(&i["severity"]),
                        s(&i["severity"])
                    ),
                    s(&i["category"]),
                    s(&i["title"]),
                    i["endpoint"]
                        .as_str()
                        .map(endpoint_link)
                        .unwrap_or_default(),
                    actor.join(" "),
                    s(&i["hits"]),
                    time_us(&i["last_us"]),
                    format!("<span class=\"status\">{}</span>", s(&i["status"])),
                    s(&i["assignee"]),
                ],
            )
        })
        .collect()
}

/// The incident table's columns.
pub(crate) const HEAD: &[&str] = &[
    "Incident", "Severity", "Category", "Title", "Endpoint", "Actor", "Hits", "Last", "Status",
    "Assignee",
];

/// `GET /incidents?status=&severity=&actor=`
pub(crate) async fn list(
    State(state): State<AdminState>,
    Extension(who): Extension<Principal>,
    query: Result<Query<ListQuery>, axum::extract::rejection::QueryRejection>,
) -> PageResult {
    let Query(q) = query.map_err(|r| ApiError::bad_request(r.body_text()))?;
    let d = list_data(&state, &q).await?;
    let mut body = format!(
        "<form method=\"get\" action=\"/incidents\" id=\"incident-filter\" class=\"filters\">\
         <label>Status <select name=\"status\" id=\"filter-status\">{}</select></label>\
         <label>Severity <select name=\"severity\" id=\"filter-severity\">{}</select></label>\
         <label>Actor <input name=\"actor\" id=\"filter-actor\" value=\"{}\"></label>\
         <button type=\"submit\" id=\"filter-apply\">Filter</button></form>",
        status_options(q.status.as_deref().unwrap_or(""), true),
        options(SEVERITIES, q.severity.as_deref().unwrap_or("")),
        esc(q.actor.as_deref().unwrap_or("")),
    );
    body.push_str(&table("incidents-table", HEAD, &rows(&d["items"])));
    Ok(Html::page(&who, "incidents", "Incidents", &body))
}

fn workflow(id: &str, i: &Value) -> String {
    let api = format!("/admin/v1/incidents/{}", enc(id));
    let mut out = format!(
        "<section class=\"actions\"><h2>Workflow</h2>\
         <form id=\"incident-form\" data-api=\"PATCH {api}\">\
         <label>Status <select name=\"status\" id=\"incident-status\">{}</select></label>\
         <label>Assignee <input name=\"assignee\" id=\"incident-assignee\" value=\"{}\" data-keep-empty></label>\
         <label>Note <textarea name=\"note\" id=\"incident-note\" rows=\"2\"></textarea></label>\
         <button type=\"submit\" id=\"incident-save\">Save</button></form>",
        status_options(i["status"].as_str().unwrap_or("open"), false),
        s(&i["assignee"]),
    );
    let mut targets: Vec<(&str, &str)> = Vec::new();
    if i["actor_ip"].is_string() {
        targets.push(("ip", "address"));
    }
    if i["actor_consumer"].is_string() {
        targets.push(("consumer", "consumer"));
    }
    if !targets.is_empty() {
        let _ = write!(
            out,
            "<h2>Block the actor</h2><form id=\"block-form\" data-api=\"POST {api}/block\">\
             <label>Target <select name=\"target\" id=\"block-target\">{}</select></label>\
             <label>For (seconds) <input name=\"ttl_secs\" id=\"block-ttl\" type=\"number\" min=\"1\" value=\"3600\" data-type=\"number\"></label>\
             <button type=\"submit\" id=\"block-actor\">Block</button></form>",
            options(&targets, "")
        );
    }
    let scopes: Vec<(&str, &str)> = if i["endpoint"].is_string() {
        vec![("endpoint", "this endpoint"), ("everywhere", "everywhere")]
    } else {
        vec![("everywhere", "everywhere")]
    };
    let _ = write!(
        out,
        "<h2>Exception</h2><form id=\"exception-form\" data-api=\"POST {api}/exception\">\
         <p>Stop raising <code>{}</code> incidents:</p>\
         <label>Scope <select name=\"scope\" id=\"exception-scope\">{}</select></label>\
         <label>Reason <input name=\"reason\" id=\"exception-reason\" required></label>\
         <button type=\"submit\" id=\"add-exception\">Add exception</button></form></section>",
        s(&i["category"]),
        options(&scopes, "")
    );
    out
}

fn notes(i: &Value) -> String {
    let mut out = String::from("<ul id=\"incident-notes\" data-testid=\"incident-notes\">");
    for n in i["notes"].as_array().into_iter().flatten() {
        let at = n["at"].as_i64().map(|t| t.saturating_mul(1_000_000));
        let _ = write!(
            out,
            "<li><span class=\"muted\">{} {}</span> {}</li>",
            at.map(|t| time_us(&Value::from(t))).unwrap_or_default(),
            s(&n["author"]),
            s(&n["text"])
        );
    }
    out.push_str("</ul>");
    out
}

/// `GET /incidents/{id}`
pub(crate) async fn detail(
    State(state): State<AdminState>,
    Extension(who): Extension<Principal>,
    Path(id): Path<String>,
) -> PageResult {
    let d = detail_data(&state, &id).await?;
    let i = &d["incident"];
    let actor = ["actor_consumer", "actor_user", "actor_ip"]
        .iter()
        .find_map(|k| i[*k].as_str())
        .map(str::to_string);
    let mut body = format!(
        "<dl class=\"facts\"><dt>Id</dt><dd id=\"incident-id\">{}</dd>\
         <dt>Status</dt><dd id=\"incident-status-current\" data-status=\"{}\">{}</dd>\
         <dt>Severity</dt><dd><span class=\"sev {}\">{}</span></dd><dt>Category</dt><dd>{}</dd>\
         <dt>Title</dt><dd id=\"incident-title\">{}</dd><dt>Endpoint</dt><dd>{}</dd>\
         <dt>Actor</dt><dd id=\"incident-actor\">{}</dd><dt>Hits</dt><dd>{}</dd>\
         <dt>First</dt><dd>{}</dd><dt>Last</dt><dd>{}</dd><dt>Assignee</dt><dd>{}</dd></dl>",
        s(&i["id"]),
        s(&i["status"]),
        s(&i["status"]),
        s(&i["severity"]),
        s(&i["severity"]),
        s(&i["category"]),
        s(&i["title"]),
        i["endpoint"]
            .as_str()
            .map(endpoint_link)
            .unwrap_or_default(),
        ["actor_ip", "actor_consumer", "actor_user"]
            .iter()
            .filter_map(|k| i[*k].as_str().map(actor_link))
            .collect::<Vec<_>>()
            .join(" "),
        s(&i["hits"]),
        time_us(&i["first_us"]),
        time_us(&i["last_us"]),
        s(&i["assignee"]),
    );
    if who.may(Role::Analyst) {
        body.push_str(&workflow(&id, i));
    }
    body.push_str("<h2>Notes</h2>");
    body.push_str(&notes(i));
    let ex = d["exceptions"].as_array().cloned().unwrap_or_default();
    if !ex.is_empty() {
        body.push_str("<h2>Exceptions covering it</h2><ul id=\"incident-exceptions\">");
        for e in &ex {
            let _ = write!(
                body,
                "<li>#{} {} on {} by {}: {}</li>",
                s(&e["id"]),
                s(&e["rule"]),
                e["endpoint"]
                    .as_str()
                    .map(esc)
                    .unwrap_or_else(|| "every endpoint".into()),
                s(&e["author"]),
                s(&e["reason"])
            );
        }
        body.push_str("</ul>");
    }
    body.push_str("<h2>Evidence (masked exchanges)</h2>");
    body.push_str(&exchange::evidence("evidence-list", &d["evidence"]));
    body.push_str("<h2>Analysis detail</h2><details><summary>JSON</summary>");
    body.push_str(&crate::console::html::pre_json(&i["detail"]));
    body.push_str("</details>");
    if let Some(a) = actor {
        let t = actor_data(&state, &a).await?;
        let _ = write!(
            body,
            "<h2>Actor timeline: {}</h2>",
            link(&format!("/actors/{}", enc(&a)), &a)
        );
        body.push_str(&exchange::list("actor-timeline", &t["exchanges"]));
    }
    Ok(Html::page(&who, "incidents", "Incident", &body))
}
