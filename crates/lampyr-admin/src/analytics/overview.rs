//! `GET /overview` (the console's front page in one answer) and `POST /ingest`.

use std::collections::BTreeMap;

use axum::body::Bytes;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::{Extension, Json};
use lampyr_store::{ExchangeQuery, IncidentQuery};
use serde_json::{json, Value};

use super::exchanges::{traffic_data, TrafficQuery};
use super::{given, INCIDENT_SCAN, SAMPLE_SCAN};
use crate::auth::Principal;
use crate::error::{bad_query, ApiError};
use crate::state::AdminState;

/// Largest `POST /ingest` body: 16 MiB.
pub const MAX_INGEST_BYTES: usize = 16 * 1024 * 1024;
/// Actors listed per ranking.
const TOP: usize = 10;

fn ranked(map: BTreeMap<String, u64>, field: &str) -> Vec<Value> {
    let mut v: Vec<(String, u64)> = map.into_iter().collect();
    v.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    v.truncate(TOP);
    v.into_iter()
        .map(|(actor, n)| json!({"actor": actor, field: n}))
        .collect()
}

/// Traffic series, endpoints by level, open incidents by severity, top actors, pipeline.
pub(crate) async fn data(state: &AdminState, since: Option<&str>) -> Result<Value, ApiError> {
    let traffic = traffic_data(state, since).await?;
    let endpoints = state.store().list_endpoints().await?;
    let mut by_level: BTreeMap<String, u64> = BTreeMap::new();
    let mut unauthenticated = 0u64;
    for e in &endpoints {
        *by_level.entry(e.level.to_string()).or_default() += 1;
        if super::inventory::auth_kinds(e).iter().any(|k| k == "none") {
            unauthenticated += 1;
        }
    }
    let incidents = state
        .store()
        .list_incidents(IncidentQuery {
            limit: INCIDENT_SCAN,
            ..IncidentQuery::default()
        })
        .await?;
    let mut open_by_severity: BTreeMap<String, u64> = BTreeMap::new();
    let mut by_incidents: BTreeMap<String, u64> = BTreeMap::new();
    let mut open = 0u64;
    for i in &incidents {
        let active = i.status == "open" || i.status == "investigating";
        if active {
            open += 1;
            *open_by_severity.entry(i.severity.clone()).or_default() += 1;
        }
        let actor = i
            .actor_consumer
            .clone()
            .or_else(|| i.actor_user.clone())
            .or_else(|| i.actor_ip.clone());
        if let Some(a) = actor {
            *by_incidents.entry(a).or_default() += 1;
        }
    }
    let samples = state
        .store()
        .query_exchanges(ExchangeQuery {
            limit: SAMPLE_SCAN,
            ..ExchangeQuery::default()
        })
        .await?;
    let mut by_requests: BTreeMap<String, u64> = BTreeMap::new();
    for s in &samples {
        if let Some(a) = s.consumer.clone().or_else(|| s.ip.clone()) {
            *by_requests.entry(a).or_default() += 1;
        }
    }
    Ok(json!({
        "traffic": traffic["items"],
        "endpoints": {"total": endpoints.len(), "by_level": by_level, "unauthenticated": unauthenticated},
        "incidents": {"open": open, "open_by_severity": open_by_severity, "total": incidents.len()},
        "top_actors": {
            "by_requests": ranked(by_requests, "requests"),
            "by_incidents": ranked(by_incidents, "incidents"),
            "sampled_exchanges": samples.len(),
        },
        "pipeline": state.control().analytics_status(),
    }))
}

/// `GET /overview?since=`
pub(crate) async fn get(
    State(state): State<AdminState>,
    query: Result<Query<TrafficQuery>, QueryRejection>,
) -> Result<Json<Value>, ApiError> {
    let Query(q) = query.map_err(bad_query)?;
    Ok(Json(data(&state, given(&q.since)).await?))
}

/// `POST /ingest`: Exchange JSON Lines v1 into the analytics pipeline (admin; up to 16 MiB).
pub(crate) async fn ingest(
    State(state): State<AdminState>,
    Extension(who): Extension<Principal>,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    let bytes = body.len();
    let answer = state
        .control()
        .ingest_jsonl(body)
        .await
        .map_err(ApiError::bad_request)?;
    let detail = json!({"bytes": bytes, "accepted": answer.get("accepted"), "rejected": answer.get("rejected")});
    state.audit(&who.name, "ingest", "analytics", detail).await;
    Ok(Json(answer))
}
