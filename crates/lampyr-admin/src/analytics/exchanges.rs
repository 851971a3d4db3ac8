//! Exchange samples (search and detail), actor pages, and the per-minute traffic counters.

use std::collections::BTreeMap;

use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::Json;
use lampyr_store::{ExchangeQuery, ExchangeRow, IncidentQuery};
use serde::Deserialize;
use serde_json::{json, Value};

use super::inventory::per_minute;
use super::{given, incidents, parse_num, parse_time_us, SAMPLE_SCAN};
use crate::error::{bad_query, ApiError};
use crate::state::{now, AdminState};

/// Filters of `GET /exchanges`; blank fields are ignored.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct SearchQuery {
    pub(crate) since: Option<String>,
    pub(crate) until: Option<String>,
    pub(crate) ip: Option<String>,
    pub(crate) consumer: Option<String>,
    pub(crate) user: Option<String>,
    pub(crate) endpoint: Option<String>,
    pub(crate) status: Option<String>,
    pub(crate) incident: Option<String>,
    pub(crate) before_id: Option<String>,
    pub(crate) limit: Option<String>,
}

impl SearchQuery {
    /// The store query these filters mean.
    pub(crate) fn to_store(&self) -> Result<ExchangeQuery, ApiError> {
        let own = |v: &Option<String>| given(v).map(str::to_string);
        Ok(ExchangeQuery {
            since_us: given(&self.since)
                .map(|s| parse_time_us("since", s))
                .transpose()?,
            until_us: given(&self.until)
                .map(|s| parse_time_us("until", s))
                .transpose()?,
            ip: own(&self.ip),
            consumer: own(&self.consumer),
            user: own(&self.user),
            endpoint: own(&self.endpoint),
            status: parse_num::<u16>("status", &self.status)?,
            incident: own(&self.incident),
            before_id: parse_num::<i64>("before_id", &self.before_id)?,
            limit: parse_num::<usize>("limit", &self.limit)?
                .unwrap_or(100)
                .min(1000),
        })
    }
}

/// A sample without the exchange itself (lists).
pub(crate) fn brief(r: &ExchangeRow) -> Value {
    json!({
        "id": r.id, "time_us": r.time_us, "ip": r.ip, "consumer": r.consumer, "user": r.user,
        "method": r.method, "host": r.host, "path": r.path, "endpoint": r.endpoint,
        "status": r.status, "incidents": r.incidents,
    })
}

/// A sample with the (masked) exchange.
pub(crate) fn full(r: &ExchangeRow) -> Value {
    let mut v = brief(r);
    if let Some(o) = v.as_object_mut() {
        o.insert("exchange".into(), r.exchange.clone());
    }
    v
}

/// `{items: [brief]}` newest first.
pub(crate) async fn search_data(state: &AdminState, q: &SearchQuery) -> Result<Value, ApiError> {
    let rows = state.store().query_exchanges(q.to_store()?).await?;
    let items: Vec<Value> = rows.iter().map(brief).collect();
    Ok(json!({ "items": items }))
}

/// `GET /exchanges?since=&until=&ip=&consumer=&user=&endpoint=&status=&incident=&before_id=&limit=`
pub(crate) async fn search(
    State(state): State<AdminState>,
    query: Result<Query<SearchQuery>, QueryRejection>,
) -> Result<Json<Value>, ApiError> {
    let Query(q) = query.map_err(bad_query)?;
    Ok(Json(search_data(&state, &q).await?))
}

/// `GET /exchanges/{id}`: one sample with its masked exchange.
pub(crate) async fn get_one(
    State(state): State<AdminState>,
    Path(id): Path<i64>,
) -> Result<Json<Value>, ApiError> {
    Ok(Json(full(&state.store().get_exchange(id).await?)))
}

/// Everything known about one actor (an address, consumer or user): sampled exchanges,
/// incidents, and a traffic summary.
pub(crate) async fn actor_data(state: &AdminState, actor: &str) -> Result<Value, ApiError> {
    let base = ExchangeQuery {
        limit: SAMPLE_SCAN,
        ..ExchangeQuery::default()
    };
    let mut rows: Vec<ExchangeRow> = Vec::new();
    let kind = if actor.parse::<std::net::IpAddr>().is_ok() {
        rows = state
            .store()
            .query_exchanges(ExchangeQuery {
                ip: Some(actor.to_string()),
                ..base
            })
            .await?;
        "ip"
    } else {
        for q in [
            ExchangeQuery {
                consumer: Some(actor.to_string()),
                ..base.clone()
            },
            ExchangeQuery {
                user: Some(actor.to_string()),
                ..base
            },
        ] {
            rows.extend(state.store().query_exchanges(q).await?);
        }
        rows.sort_by_key(|r| std::cmp::Reverse(r.id));
        rows.dedup_by_key(|r| r.id);
        "consumer_or_user"
    };
    let incidents: Vec<Value> = state
        .store()
        .list_incidents(IncidentQuery {
            actor: Some(actor.to_string()),
            limit: 200,
            ..IncidentQuery::default()
        })
        .await?
        .iter()
        .map(incidents::summary)
        .collect();
    let mut endpoints: BTreeMap<String, u64> = BTreeMap::new();
    let mut statuses: BTreeMap<String, u64> = BTreeMap::new();
    for r in &rows {
        let ep = r
            .endpoint
            .clone()
            .unwrap_or_else(|| format!("{} {}{}", r.method, r.host, r.path));
        *endpoints.entry(ep).or_default() += 1;
        *statuses.entry(r.status.to_string()).or_default() += 1;
    }
    let mut top: Vec<(String, u64)> = endpoints.into_iter().collect();
    top.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    top.truncate(20);
    let top: Vec<Value> = top
        .into_iter()
        .map(|(endpoint, requests)| json!({"endpoint": endpoint, "requests": requests}))
        .collect();
    Ok(json!({
        "actor": actor,
        "kind": kind,
        "summary": {
            "requests": rows.len(),
            "first_us": rows.iter().map(|r| r.time_us).min(),
            "last_us": rows.iter().map(|r| r.time_us).max(),
            "endpoints": top,
            "statuses": statuses,
        },
        "traffic": per_minute(rows.iter().map(|r| r.time_us)),
        "incidents": incidents,
        "exchanges": rows.iter().take(200).map(brief).collect::<Vec<_>>(),
    }))
}

/// `GET /actors/{actor}` (percent-encoded).
pub(crate) async fn actor(
    State(state): State<AdminState>,
    Path(actor): Path<String>,
) -> Result<Json<Value>, ApiError> {
    Ok(Json(actor_data(&state, &actor).await?))
}

/// `GET /traffic?since=` query.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct TrafficQuery {
    pub(crate) since: Option<String>,
}

/// Minutes since `since` (default: the last hour), oldest first.
pub(crate) async fn traffic_data(
    state: &AdminState,
    since: Option<&str>,
) -> Result<Value, ApiError> {
    let since = match since {
        Some(s) => parse_time_us("since", s)?.div_euclid(1_000_000),
        None => now() - 3600,
    };
    let minutes = state.store().traffic(since).await?;
    Ok(json!({ "since": since, "items": super::to_json(&minutes)? }))
}

/// `GET /traffic?since=`
pub(crate) async fn traffic(
    State(state): State<AdminState>,
    query: Result<Query<TrafficQuery>, QueryRejection>,
) -> Result<Json<Value>, ApiError> {
    let Query(q) = query.map_err(bad_query)?;
    Ok(Json(traffic_data(&state, given(&q.since)).await?))
}
