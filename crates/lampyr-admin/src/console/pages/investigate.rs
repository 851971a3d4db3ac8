//! `/investigate` (exchange search), `/actors/{actor}` and `/exchanges/{id}`.

use axum::extract::{Path, Query, State};
use axum::Extension;
use serde_json::Value;

use super::{exchange, incidents, minutes, series};
use crate::analytics::exchanges::{actor_data, full, search_data, SearchQuery};
use crate::auth::Principal;
use crate::console::html::{endpoint_link, esc, s, table, time_us, Html, PageResult};
use crate::console::svg::line_chart;
use crate::error::ApiError;
use crate::state::AdminState;

fn input(id: &str, name: &str, label: &str, v: &Option<String>, hint: &str) -> String {
    format!(
        "<label>{} <input id=\"{id}\" name=\"{name}\" value=\"{}\" placeholder=\"{}\"></label>",
        esc(label),
        esc(v.as_deref().unwrap_or("")),
        esc(hint)
    )
}

/// `GET /investigate?since=&until=&ip=&consumer=&user=&endpoint=&status=`
pub(crate) async fn search(
    State(state): State<AdminState>,
    Extension(who): Extension<Principal>,
    query: Result<Query<SearchQuery>, axum::extract::rejection::QueryRejection>,
) -> PageResult {
    let Query(q) = query.map_err(|r| ApiError::bad_request(r.body_text()))?;
    let mut body = String::from(
        "<form method=\"get\" action=\"/investigate\" id=\"search-form\" class=\"filters\">",
    );
    body.push_str(&input(
        "search-since",
        "since",
        "From",
        &q.since,
        "RFC 3339 or unix",
    ));
    body.push_str(&input(
        "search-until",
        "until",
        "Until",
        &q.until,
        "RFC 3339 or unix",
    ));
    body.push_str(&input("search-ip", "ip", "IP", &q.ip, ""));
    body.push_str(&input(
        "search-consumer",
        "consumer",
        "Consumer",
        &q.consumer,
        "",
    ));
    body.push_str(&input("search-user", "user", "User", &q.user, ""));
    body.push_str(&input(
        "search-endpoint",
        "endpoint",
        "Endpoint",
        &q.endpoint,
        "GET host/path",
    ));
    body.push_str(&input("search-status", "status", "Status", &q.status, ""));
    body.push_str(&input(
        "search-incident",
        "incident",
        "Incident",
        &q.incident,
        "",
    ));
    body.push_str("<button type=\"submit\" id=\"search-submit\">Search</button></form>");
    body.push_str(
        "<form method=\"get\" action=\"/actors/\" id=\"actor-form\" class=\"filters\" data-actor-form>\
         <label>Actor page <input id=\"actor-input\" name=\"actor\" placeholder=\"IP, consumer or user\"></label>\
         <button type=\"submit\" id=\"actor-submit\">Open</button></form>",
    );
    let d = search_data(&state, &q).await?;
    body.push_str(&exchange::list("exchanges-table", &d["items"]));
    Ok(Html::page(&who, "investigate", "Investigate", &body))
}

/// `GET /actors/{actor}`: everything the actor did.
pub(crate) async fn actor(
    State(state): State<AdminState>,
    Extension(who): Extension<Principal>,
    Path(actor): Path<String>,
) -> PageResult {
    let d = actor_data(&state, &actor).await?;
    let sum = &d["summary"];
    let mut body = format!(
        "<p><strong id=\"actor-name\">{}</strong> ({}) · <span id=\"actor-requests\">{}</span> sampled requests · first {} · last {}</p>",
        esc(&actor),
        s(&d["kind"]),
        s(&sum["requests"]),
        time_us(&sum["first_us"]),
        time_us(&sum["last_us"]),
    );
    body.push_str(&line_chart(
        "actor-traffic-chart",
        "Sampled requests per minute",
        &[series(
            "requests",
            "#2f6fb3",
            minutes(&d["traffic"], "requests"),
        )],
    ));
    let rows: Vec<(String, Vec<String>)> = sum["endpoints"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|e| {
            (
                String::new(),
                vec![
                    endpoint_link(e["endpoint"].as_str().unwrap_or("")),
                    s(&e["requests"]),
                ],
            )
        })
        .collect();
    body.push_str("<section class=\"grid\"><div><h2>Endpoints</h2>");
    body.push_str(&table("actor-endpoints", &["Endpoint", "Requests"], &rows));
    let rows: Vec<(String, Vec<String>)> = sum["statuses"]
        .as_object()
        .into_iter()
        .flatten()
        .map(|(k, v): (&String, &Value)| (String::new(), vec![esc(k), s(v)]))
        .collect();
    body.push_str("</div><div><h2>Statuses</h2>");
    body.push_str(&table("actor-statuses", &["Status", "Requests"], &rows));
    body.push_str("</div></section><h2>Incidents</h2>");
    body.push_str(&table(
        "actor-incidents",
        incidents::HEAD,
        &incidents::rows(&d["incidents"]),
    ));
    body.push_str("<h2>Exchanges</h2>");
    body.push_str(&exchange::list("actor-exchanges", &d["exchanges"]));
    Ok(Html::page(&who, "investigate", "Actor", &body))
}

/// `GET /exchanges/{id}`: one masked exchange.
pub(crate) async fn exchange(
    State(state): State<AdminState>,
    Extension(who): Extension<Principal>,
    Path(id): Path<i64>,
) -> PageResult {
    let row = full(&state.store().get_exchange(id).await?);
    let body = format!(
        "<div id=\"exchange-detail\">{}</div>",
        exchange::detail(&row)
    );
    Ok(Html::page(&who, "investigate", "Exchange", &body))
}
