//! `GET /sensitive`: sensitive types with their levels, the endpoints serving them, and the
//! consumers receiving them, aggregated from the endpoints' `sensitive[]` report items and
//! the exchange samples.

use std::collections::BTreeMap;

use axum::extract::State;
use axum::Json;
use lampyr_store::ExchangeQuery;
use serde_json::{json, Value};

use super::SAMPLE_SCAN;
use crate::error::ApiError;
use crate::state::AdminState;

#[derive(Default)]
struct TypeAgg {
    level: u64,
    level_label: String,
    category: String,
    hits: u64,
    locations: Vec<Value>,
    /// Endpoints serving the type in a response.
    served_by: Vec<String>,
    consumers: BTreeMap<String, u64>,
}

/// `{types: [{type, level, level_label, category, hits, endpoints, locations: [...],
/// consumers: [{consumer, exchanges}]}]}`, most sensitive first.
pub(crate) async fn data(state: &AdminState) -> Result<Value, ApiError> {
    let endpoints = state.store().list_endpoints().await?;
    let mut types: BTreeMap<String, TypeAgg> = BTreeMap::new();
    for ep in &endpoints {
        let Some(items) = ep.report.get("sensitive").and_then(Value::as_array) else {
            continue;
        };
        for it in items {
            let Some(ty) = it.get("type").and_then(Value::as_str) else {
                continue;
            };
            let a = types.entry(ty.to_string()).or_default();
            let level = it.get("level").and_then(Value::as_u64).unwrap_or(0);
            if level >= a.level {
                a.level = level;
                let text = |k: &str| it.get(k).and_then(Value::as_str).unwrap_or("").to_string();
                a.level_label = text("level_label");
                a.category = text("category");
            }
            a.hits += it.get("hits").and_then(Value::as_u64).unwrap_or(0);
            let place = it.get("in").and_then(Value::as_str).unwrap_or("");
            a.locations.push(json!({
                "endpoint": ep.key, "in": place, "field": it.get("field"),
                "hits": it.get("hits"), "sample": it.get("sample"),
            }));
            if place.starts_with("response") && !a.served_by.contains(&ep.key) {
                a.served_by.push(ep.key.clone());
            }
        }
    }
    if !types.is_empty() {
        let samples = state
            .store()
            .query_exchanges(ExchangeQuery {
                limit: SAMPLE_SCAN,
                ..ExchangeQuery::default()
            })
            .await?;
        for s in &samples {
            let Some(ep) = &s.endpoint else { continue };
            let who = s
                .consumer
                .clone()
                .or_else(|| s.ip.clone())
                .unwrap_or_else(|| "(unknown)".into());
            for a in types.values_mut().filter(|a| a.served_by.contains(ep)) {
                *a.consumers.entry(who.clone()).or_default() += 1;
            }
        }
    }
    let mut out: Vec<(u64, Value)> = types
        .into_iter()
        .map(|(ty, a)| {
            let mut consumers: Vec<(String, u64)> = a.consumers.into_iter().collect();
            consumers.sort_by(|x, y| y.1.cmp(&x.1).then_with(|| x.0.cmp(&y.0)));
            let consumers: Vec<Value> = consumers
                .into_iter()
                .map(|(c, n)| json!({"consumer": c, "exchanges": n}))
                .collect();
            let mut eps: Vec<&str> = a
                .locations
                .iter()
                .filter_map(|l| l["endpoint"].as_str())
                .collect();
            eps.dedup();
            (
                a.level,
                json!({"type": ty, "level": a.level, "level_label": a.level_label,
                    "category": a.category, "hits": a.hits, "endpoints": eps.len(),
                    "served_by": a.served_by, "locations": a.locations, "consumers": consumers}),
            )
        })
        .collect();
    out.sort_by_key(|b| std::cmp::Reverse(b.0));
    Ok(json!({"types": out.into_iter().map(|(_, v)| v).collect::<Vec<_>>()}))
}

/// `GET /sensitive`
pub(crate) async fn get(State(state): State<AdminState>) -> Result<Json<Value>, ApiError> {
    Ok(Json(data(&state).await?))
}
