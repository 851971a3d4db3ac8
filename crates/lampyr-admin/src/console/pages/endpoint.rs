//! `/inventory/endpoint?key=`: one endpoint's parameter tree with sensitive labels, its
//! sampled traffic, the consumers calling it, its findings and the OpenAPI download.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use axum::extract::{Query, State};
use axum::Extension;
use serde::Deserialize;
use serde_json::Value;

use super::{minutes, series};
use crate::analytics::inventory::detail_data;
use crate::auth::Principal;
use crate::console::html::{actor_link, esc, link, s, table, time_us, Html, PageResult};
use crate::console::svg::line_chart;
use crate::error::ApiError;
use crate::state::AdminState;

/// Deepest schema level drawn.
const MAX_DEPTH: usize = 24;
/// Most schema nodes drawn per tree.
const MAX_NODES: usize = 2000;

/// `?key=` of the endpoint page.
#[derive(Deserialize)]
pub(crate) struct KeyQuery {
    key: String,
}

/// Sensitive labels per (location, field).
type Labels = BTreeMap<(String, String), Vec<String>>;

fn labels_of(report: &Value) -> Labels {
    let mut out = Labels::new();
    for it in report["sensitive"].as_array().into_iter().flatten() {
        let place = it["in"].as_str().unwrap_or("").to_string();
        let field = it["field"].as_str().unwrap_or("").to_string();
        let label = format!(
            "{} (level {}{})",
            it["type"].as_str().unwrap_or("?"),
            s(&it["level"]),
            it["level_label"]
                .as_str()
                .map(|l| format!(", {l}"))
                .unwrap_or_default()
        );
        out.entry((place, field)).or_default().push(label);
    }
    out
}

fn badges(labels: &Labels, place: &str, field: &str) -> String {
    labels
        .get(&(place.to_string(), field.to_string()))
        .map(|ls| {
            ls.iter()
                .map(|l| format!(" <span class=\"badge sensitive\" data-testid=\"sensitive-label\">{}</span>", esc(l)))
                .collect()
        })
        .unwrap_or_default()
}

fn ty(schema: &Value) -> String {
    let t = match &schema["type"] {
        Value::String(t) => t.clone(),
        Value::Array(a) => a
            .iter()
            .filter_map(Value::as_str)
            .collect::<Vec<_>>()
            .join("|"),
        _ => String::new(),
    };
    match schema["format"].as_str() {
        Some(f) => format!("{t} ({f})"),
        None => t,
    }
}

struct Tree<'a> {
    labels: &'a Labels,
    place: &'a str,
    nodes: usize,
    out: String,
}

impl Tree<'_> {
    /// Draws the children of `schema` whose field path is `path` ("" at the root).
    fn walk(&mut self, schema: &Value, path: &str, depth: usize) {
        if depth > MAX_DEPTH || self.nodes > MAX_NODES {
            return;
        }
        if let Some(props) = schema["properties"].as_object() {
            self.out.push_str("<ul>");
            for (name, sub) in props {
                self.nodes += 1;
                let child = if path.is_empty() {
                    name.clone()
                } else {
                    format!("{path}.{name}")
                };
                let _ = write!(
                    self.out,
                    "<li><code>{}</code> <span class=\"type\">{}</span>{}",
                    esc(name),
                    esc(&ty(sub)),
                    badges(self.labels, self.place, &child)
                );
                self.walk(sub, &child, depth + 1);
                self.out.push_str("</li>");
            }
            self.out.push_str("</ul>");
        }
        if schema.get("items").is_some() {
            let child = format!("{path}[]");
            let items = &schema["items"];
            let _ = write!(
                self.out,
                "<ul><li><code>[]</code> <span class=\"type\">{}</span>{}",
                esc(&ty(items)),
                badges(self.labels, self.place, &child)
            );
            self.nodes += 1;
            self.walk(items, &child, depth + 1);
            self.out.push_str("</li></ul>");
        }
    }
}

fn body_tree(labels: &Labels, place: &str, by_media: &Value) -> String {
    let mut out = String::new();
    for (media, schema) in by_media.as_object().into_iter().flatten() {
        let mut t = Tree {
            labels,
            place,
            nodes: 0,
            out: String::new(),
        };
        t.walk(schema, "", 0);
        let _ = write!(
            out,
            "<li><code>{}</code> <span class=\"type\">{}</span>{}{}</li>",
            esc(media),
            esc(&ty(schema)),
            badges(labels, place, ""),
            t.out
        );
    }
    out
}

fn param_list(labels: &Labels, place: &str, items: &Value, title: &str) -> String {
    let Some(a) = items.as_array().filter(|a| !a.is_empty()) else {
        return String::new();
    };
    let mut out = format!("<li>{}<ul>", esc(title));
    for p in a {
        let name = p["name"].as_str().unwrap_or("");
        let field = if place == "request.path" {
            format!("{{{name}}}")
        } else {
            name.to_string()
        };
        let schema = if p.get("schema").is_some() {
            &p["schema"]
        } else {
            p
        };
        let _ = write!(
            out,
            "<li><code>{}</code> <span class=\"type\">{}</span>{}{}</li>",
            esc(name),
            esc(&ty(schema)),
            if p["required"] == Value::Bool(true) {
                " <span class=\"badge\">required</span>"
            } else {
                ""
            },
            badges(labels, place, &field)
        );
    }
    out.push_str("</ul></li>");
    out
}

/// The parameter tree: path, query, header and cookie parameters, request bodies, and
/// response bodies per status, each node with its sensitive labels.
pub(crate) fn parameter_tree(report: &Value) -> String {
    let labels = labels_of(report);
    let mut out = String::from(
        "<ul class=\"tree\" id=\"param-tree\" data-testid=\"param-tree\"><li>Request<ul>",
    );
    out.push_str(&param_list(
        &labels,
        "request.path",
        &report["path_params"],
        "path",
    ));
    for (k, place) in [
        ("query", "request.query"),
        ("header", "request.header"),
        ("cookie", "request.cookie"),
    ] {
        out.push_str(&param_list(&labels, place, &report["parameters"][k], k));
    }
    let req = body_tree(&labels, "request.body", &report["request_body"]);
    if !req.is_empty() {
        let _ = write!(out, "<li>body<ul>{req}</ul></li>");
    }
    out.push_str("</ul></li><li>Responses<ul>");
    for (status, media) in report["responses"].as_object().into_iter().flatten() {
        let _ = write!(
            out,
            "<li><code>{}</code><ul>{}</ul></li>",
            esc(status),
            body_tree(&labels, "response.body", media)
        );
    }
    out.push_str("</ul></li></ul>");
    out
}

fn sensitive_table(report: &Value) -> String {
    let rows: Vec<(String, Vec<String>)> = report["sensitive"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|it| {
            (
                String::new(),
                vec![
                    s(&it["type"]),
                    s(&it["level"]),
                    s(&it["level_label"]),
                    s(&it["in"]),
                    format!("<code>{}</code>", s(&it["field"])),
                    s(&it["hits"]),
                    s(&it["sample"]),
                ],
            )
        })
        .collect();
    table(
        "endpoint-sensitive",
        &[
            "Type",
            "Level",
            "Label",
            "In",
            "Field",
            "Hits",
            "Masked sample",
        ],
        &rows,
    )
}

/// Whether an imported spec documents the endpoint (nothing before any spec is imported).
fn documentation(doc: &Value) -> String {
    if doc.is_null() {
        return String::new();
    }
    let ops: Vec<String> = doc["operations"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|o| {
            format!(
                "{} <code>{} {}</code>{}",
                esc(o["spec"].as_str().unwrap_or("")),
                esc(o["method"].as_str().unwrap_or("")),
                esc(o["path"].as_str().unwrap_or("")),
                o["operation_id"]
                    .as_str()
                    .map(|id| format!(" ({})", esc(id)))
                    .unwrap_or_default()
            )
        })
        .collect();
    if ops.is_empty() {
        "<p id=\"endpoint-documentation\"><span class=\"badge sensitive\">shadow</span> \
         undocumented: no imported specification describes it</p>"
            .to_string()
    } else {
        format!(
            "<p id=\"endpoint-documentation\"><span class=\"badge\">documented</span> in {}</p>",
            ops.join("; ")
        )
    }
}

/// `GET /inventory/endpoint?key=`
pub(crate) async fn page(
    State(state): State<AdminState>,
    Extension(who): Extension<Principal>,
    query: Result<Query<KeyQuery>, axum::extract::rejection::QueryRejection>,
) -> PageResult {
    let Query(q) = query.map_err(|r| ApiError::bad_request(r.body_text()))?;
    let d = detail_data(&state, &q.key).await?;
    let ep = &d["endpoint"];
    let report = &ep["report"];
    let mut body = format!(
        "<p><code id=\"endpoint-key\">{}</code> · {} hits · level {} · auth {} · first seen {} · last seen {}</p>\
         <p><a id=\"endpoint-openapi\" href=\"/admin/v1/inventory/openapi.json\" download=\"lampyr-discovered-openapi.json\">Download OpenAPI</a></p>",
        s(&ep["key"]),
        s(&ep["hits"]),
        s(&ep["level"]),
        s(&ep["auth"]),
        time_us(&ep["first_seen_us"]),
        time_us(&ep["last_seen_us"]),
    );
    body.push_str(&documentation(&d["documentation"]));
    body.push_str(&line_chart(
        "endpoint-traffic-chart",
        "Sampled requests per minute",
        &[series(
            "requests",
            "#2f6fb3",
            minutes(&d["traffic"], "requests"),
        )],
    ));
    body.push_str("<h2>Parameters</h2>");
    body.push_str(&parameter_tree(report));
    body.push_str("<h2>Sensitive data</h2>");
    body.push_str(&sensitive_table(report));
    body.push_str("<h2>Consumers calling it</h2>");
    let rows: Vec<(String, Vec<String>)> = d["consumers"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|c| {
            let name = c["consumer"]
                .as_str()
                .map(actor_link)
                .unwrap_or_else(|| "<em>anonymous</em>".into());
            (
                String::new(),
                vec![
                    name,
                    s(&c["requests"]),
                    s(&c["ips"]),
                    time_us(&c["last_us"]),
                ],
            )
        })
        .collect();
    body.push_str(&table(
        "endpoint-consumers",
        &["Consumer", "Sampled requests", "Addresses", "Last"],
        &rows,
    ));
    body.push_str("<h2>Findings</h2>");
    let rows: Vec<(String, Vec<String>)> = d["incidents"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|i| {
            let id = i["id"].as_str().unwrap_or("");
            (
                String::new(),
                vec![
                    link(&format!("/incidents/{}", crate::console::html::enc(id)), id),
                    s(&i["severity"]),
                    s(&i["category"]),
                    s(&i["title"]),
                    s(&i["status"]),
                ],
            )
        })
        .collect();
    body.push_str(&table(
        "endpoint-findings",
        &["Incident", "Severity", "Category", "Title", "Status"],
        &rows,
    ));
    Ok(Html::page(&who, "inventory", "Endpoint", &body))
}
