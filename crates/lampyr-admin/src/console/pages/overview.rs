//! `/`: traffic over time, endpoints by sensitivity level, open incidents by severity, top
//! actors, pipeline status.

use axum::extract::State;
use axum::Extension;
use serde_json::Value;

use super::{bars_of, minutes, series};
use crate::analytics::overview;
use crate::auth::Principal;
use crate::console::html::{actor_link, esc, pre_json, s, table, Html, PageResult};
use crate::console::svg::{bar_chart, line_chart};
use crate::state::AdminState;

fn stat(id: &str, label: &str, v: &Value) -> String {
    format!(
        "<div class=\"stat\"><span class=\"value\" id=\"{id}\">{}</span><span class=\"label\">{}</span></div>",
        s(v),
        esc(label)
    )
}

fn actors(id: &str, items: &Value, field: &str) -> String {
    let rows: Vec<(String, Vec<String>)> = items
        .as_array()
        .map(|a| {
            a.iter()
                .map(|r| {
                    let actor = r["actor"].as_str().unwrap_or("");
                    (String::new(), vec![actor_link(actor), s(&r[field])])
                })
                .collect()
        })
        .unwrap_or_default();
    table(id, &["Actor", field], &rows)
}

/// `GET /`
pub(crate) async fn page(
    State(state): State<AdminState>,
    Extension(who): Extension<Principal>,
) -> PageResult {
    let d = overview::data(&state, None).await?;
    let mut body = String::from("<section class=\"stats\">");
    body.push_str(&stat(
        "stat-endpoints",
        "endpoints",
        &d["endpoints"]["total"],
    ));
    body.push_str(&stat(
        "stat-unauthenticated",
        "called without credentials",
        &d["endpoints"]["unauthenticated"],
    ));
    body.push_str(&stat(
        "stat-open-incidents",
        "open incidents",
        &d["incidents"]["open"],
    ));
    body.push_str("</section>");
    body.push_str(&line_chart(
        "traffic-chart",
        "Traffic per minute (last hour)",
        &[
            series("requests", "#2f6fb3", minutes(&d["traffic"], "requests")),
            series("errors", "#d08a1e", minutes(&d["traffic"], "errors")),
            series("attacks", "#c0392b", minutes(&d["traffic"], "attacks")),
        ],
    ));
    let levels: Vec<(String, f64)> = bars_of(&d["endpoints"]["by_level"])
        .into_iter()
        .map(|(k, v)| (format!("level {k}"), v))
        .collect();
    body.push_str("<section class=\"grid\">");
    body.push_str(&bar_chart(
        "level-chart",
        "APIs by sensitivity level",
        &levels,
        "#6c5ce7",
    ));
    body.push_str(&bar_chart(
        "severity-chart",
        "Open incidents by severity",
        &bars_of(&d["incidents"]["open_by_severity"]),
        "#c0392b",
    ));
    body.push_str("</section><section class=\"grid\"><div><h2>Top actors by requests</h2>");
    body.push_str(&actors(
        "top-actors-requests",
        &d["top_actors"]["by_requests"],
        "requests",
    ));
    body.push_str("</div><div><h2>Top actors by incidents</h2>");
    body.push_str(&actors(
        "top-actors-incidents",
        &d["top_actors"]["by_incidents"],
        "incidents",
    ));
    body.push_str(
        "</div></section><section><h2>Analytics pipeline</h2><div id=\"pipeline-status\">",
    );
    body.push_str(&pre_json(&d["pipeline"]));
    body.push_str("</div></section>");
    Ok(Html::page(&who, "overview", "Overview", &body))
}
