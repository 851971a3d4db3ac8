//! `/sensitive`: sensitive types and levels, the endpoints serving them, and who receives them.

use axum::extract::State;
use axum::Extension;
use serde_json::Value;

use crate::analytics::sensitive;
use crate::auth::Principal;
use crate::console::html::{actor_link, endpoint_link, esc, s, table, Html, PageResult};
use crate::state::AdminState;

/// `GET /sensitive`
pub(crate) async fn page(
    State(state): State<AdminState>,
    Extension(who): Extension<Principal>,
) -> PageResult {
    let d = sensitive::data(&state).await?;
    let rows: Vec<(String, Vec<String>)> = d["types"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|t| {
            let served: Vec<String> = t["served_by"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
                .map(endpoint_link)
                .collect();
            let consumers: Vec<String> = t["consumers"]
                .as_array()
                .into_iter()
                .flatten()
                .take(10)
                .map(|c| {
                    format!(
                        "{} ({})",
                        actor_link(c["consumer"].as_str().unwrap_or("")),
                        s(&c["exchanges"])
                    )
                })
                .collect();
            (
                format!(
                    "data-testid=\"sensitive-type\" data-type=\"{}\"",
                    esc(t["type"].as_str().unwrap_or(""))
                ),
                vec![
                    s(&t["type"]),
                    format!("{} {}", s(&t["level"]), s(&t["level_label"])),
                    s(&t["category"]),
                    s(&t["endpoints"]),
                    s(&t["hits"]),
                    served.join("<br>"),
                    consumers.join("<br>"),
                ],
            )
        })
        .collect();
    let body = table(
        "sensitive-table",
        &[
            "Type",
            "Level",
            "Category",
            "Endpoints",
            "Values seen",
            "Served by",
            "Received by (sampled exchanges)",
        ],
        &rows,
    );
    Ok(Html::page(&who, "sensitive", "Sensitive data", &body))
}
