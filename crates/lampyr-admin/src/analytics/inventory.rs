//! `GET /inventory` (filtered endpoint list), `GET /inventory/{key}` (one endpoint with the
//! consumers calling it, its incidents and its sampled traffic) and the discovered OpenAPI.
//!
//! Once an API specification is imported (see [`super::specs`]), every endpoint is marked
//! documented or not (shadow), the `documented` filter applies, and the list names the
//! zombie operations: documented, never seen in traffic.

use std::collections::BTreeMap;

use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::Json;
use lampyr_store::{EndpointRow, ExchangeQuery, IncidentQuery};
use serde::Deserialize;
use serde_json::{json, Value};

use super::specs::{load_index, operation_json};
use super::{given, parse_num, parse_time_us, INCIDENT_SCAN, SAMPLE_SCAN};
use crate::error::{bad_query, ApiError};
use crate::state::AdminState;

/// Filters of `GET /inventory`; blank fields are ignored.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct InventoryQuery {
    /// Host, exact (case-insensitive).
    pub(crate) host: Option<String>,
    /// New since: first seen at or after (RFC 3339 or unix seconds).
    pub(crate) since: Option<String>,
    /// Minimum sensitivity level.
    pub(crate) level: Option<String>,
    /// Authentication kind seen (`none` = endpoints called without credentials).
    pub(crate) auth: Option<String>,
    /// Case-insensitive substring of the key.
    pub(crate) q: Option<String>,
    /// `true`: only endpoints some imported spec documents; `false`: only shadow
    /// (undocumented) ones. Needs an imported spec.
    pub(crate) documented: Option<String>,
}

/// Most zombie operations listed (the total is always given).
pub(crate) const MAX_ZOMBIES: usize = 500;

fn parse_documented(v: &Option<String>) -> Result<Option<bool>, ApiError> {
    match given(v) {
        None => Ok(None),
        Some("true" | "yes" | "1") => Ok(Some(true)),
        Some("false" | "no" | "0") => Ok(Some(false)),
        Some(other) => Err(ApiError::bad_request(format!(
            "documented must be true or false, not {other:?}"
        ))),
    }
}

/// Authentication kinds of an endpoint: the report's `auth` array, else the row's summary.
pub(crate) fn auth_kinds(row: &EndpointRow) -> Vec<String> {
    match row.report.get("auth").and_then(Value::as_array) {
        Some(a) if !a.is_empty() => a
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_string)
            .collect(),
        _ => row.auth.split(',').map(|s| s.trim().to_string()).collect(),
    }
}

fn keeps(q: &InventoryQuery, since_us: Option<i64>, level: Option<u8>, row: &EndpointRow) -> bool {
    given(&q.host).is_none_or(|h| row.host.eq_ignore_ascii_case(h))
        && since_us.is_none_or(|s| row.first_seen_us >= s)
        && level.is_none_or(|l| row.level >= l)
        && given(&q.auth).is_none_or(|a| auth_kinds(row).iter().any(|k| k == a))
        && given(&q.q).is_none_or(|s| row.key.to_lowercase().contains(&s.to_lowercase()))
}

/// The list view of an endpoint (the report object is left for the detail).
pub(crate) fn summary(row: &EndpointRow) -> Value {
    let sensitivity = row
        .report
        .get("sensitivity")
        .cloned()
        .unwrap_or(Value::Null);
    json!({
        "key": row.key, "method": row.method, "host": row.host, "template": row.template,
        "hits": row.hits, "first_seen_us": row.first_seen_us, "last_seen_us": row.last_seen_us,
        "level": row.level, "auth": auth_kinds(row),
        "level_label": sensitivity.get("label").cloned().unwrap_or(Value::Null),
        "sensitive_types": sensitivity.get("types").cloned().unwrap_or_else(|| json!([])),
    })
}

/// `{items: [summary], hosts: [..], total}`: the endpoints the filters keep. Once a spec is
/// imported, items carry `documented`, and `specs`, `coverage` and `zombies` are added.
pub(crate) async fn list_data(state: &AdminState, q: &InventoryQuery) -> Result<Value, ApiError> {
    let since_us = given(&q.since)
        .map(|s| parse_time_us("since", s))
        .transpose()?;
    let level = parse_num::<u8>("level", &q.level)?;
    let documented = parse_documented(&q.documented)?;
    let index = load_index(state).await?;
    if documented.is_some() && index.is_empty() {
        return Err(ApiError::bad_request(
            "the documented filter needs an imported API specification (POST /admin/v1/specs)",
        ));
    }
    let rows = state.store().list_endpoints().await?;
    let mut hosts: Vec<&str> = rows.iter().map(|r| r.host.as_str()).collect();
    hosts.dedup();
    if index.is_empty() {
        let items: Vec<Value> = rows
            .iter()
            .filter(|r| keeps(q, since_us, level, r))
            .map(summary)
            .collect();
        return Ok(json!({"total": rows.len(), "hosts": hosts, "items": items, "specs": 0}));
    }
    // Every endpoint is matched (not only the kept ones): zombies are operations that no
    // endpoint at all matches.
    let mut seen = vec![false; index.operation_count()];
    let mut items = Vec::new();
    let mut documented_count = 0usize;
    for row in &rows {
        let matches = index.matching(&row.method, &row.host, &row.template);
        for m in &matches {
            seen[m.index] = true;
        }
        let is_doc = !matches.is_empty();
        documented_count += usize::from(is_doc);
        if keeps(q, since_us, level, row) && documented.is_none_or(|d| d == is_doc) {
            let mut item = summary(row);
            item["documented"] = json!(is_doc);
            items.push(item);
        }
    }
    let zombies: Vec<Value> = index
        .operations()
        .zip(&seen)
        .filter(|(_, seen)| !**seen)
        .map(|((spec, op), _)| operation_json(spec, op))
        .collect();
    let zombie_total = zombies.len();
    Ok(json!({
        "total": rows.len(), "hosts": hosts, "items": items,
        "specs": index.spec_count(),
        "coverage": {"documented": documented_count,
            "undocumented": rows.len() - documented_count, "zombies": zombie_total},
        "zombies": zombies.into_iter().take(MAX_ZOMBIES).collect::<Vec<_>>(),
    }))
}

/// `GET /inventory?host=&since=&level=&auth=&q=`
pub(crate) async fn list(
    State(state): State<AdminState>,
    query: Result<Query<InventoryQuery>, QueryRejection>,
) -> Result<Json<Value>, ApiError> {
    let Query(q) = query.map_err(bad_query)?;
    Ok(Json(list_data(&state, &q).await?))
}

/// Requests per minute of a set of sample times (µs), oldest first.
pub(crate) fn per_minute(times_us: impl Iterator<Item = i64>) -> Vec<Value> {
    let mut minutes: BTreeMap<i64, u64> = BTreeMap::new();
    for t in times_us {
        *minutes.entry(t.div_euclid(60_000_000) * 60).or_default() += 1;
    }
    minutes
        .into_iter()
        .map(|(minute, requests)| json!({"minute": minute, "requests": requests}))
        .collect()
}

/// One endpoint: `{endpoint: row, consumers: [...], incidents: [...], traffic: [...]}`.
/// Consumers and traffic are derived from the stored exchange samples.
pub(crate) async fn detail_data(state: &AdminState, key: &str) -> Result<Value, ApiError> {
    let row = state.store().get_endpoint(key).await?;
    let samples = state
        .store()
        .query_exchanges(ExchangeQuery {
            endpoint: Some(key.to_string()),
            limit: SAMPLE_SCAN,
            ..ExchangeQuery::default()
        })
        .await?;
    let mut consumers: BTreeMap<String, (u64, i64, std::collections::BTreeSet<String>)> =
        BTreeMap::new();
    for s in &samples {
        let name = s.consumer.clone().unwrap_or_default();
        let e = consumers.entry(name).or_default();
        e.0 += 1;
        e.1 = e.1.max(s.time_us);
        if let Some(ip) = &s.ip {
            e.2.insert(ip.clone());
        }
    }
    let mut consumers: Vec<Value> = consumers
        .into_iter()
        .map(|(c, (n, last, ips))| {
            json!({"consumer": if c.is_empty() { Value::Null } else { json!(c) },
                "requests": n, "last_us": last, "ips": ips.len()})
        })
        .collect();
    consumers.sort_by_key(|c| std::cmp::Reverse(c["requests"].as_u64().unwrap_or(0)));
    let incidents: Vec<Value> = state
        .store()
        .list_incidents(IncidentQuery {
            limit: INCIDENT_SCAN,
            ..IncidentQuery::default()
        })
        .await?
        .into_iter()
        .filter(|i| i.endpoint.as_deref() == Some(key))
        .map(|i| super::incidents::summary(&i))
        .collect();
    let index = load_index(state).await?;
    let documentation = if index.is_empty() {
        Value::Null
    } else {
        let ops: Vec<Value> = index
            .matching(&row.method, &row.host, &row.template)
            .iter()
            .map(|m| operation_json(m.spec, m.operation))
            .collect();
        json!({"documented": !ops.is_empty(), "operations": ops})
    };
    Ok(json!({
        "endpoint": row,
        "documentation": documentation,
        "consumers": consumers,
        "incidents": incidents,
        "traffic": per_minute(samples.iter().map(|s| s.time_us)),
        "samples": samples.len(),
    }))
}

/// `GET /inventory/{key}` (key percent-encoded: `GET%20api.example.com%2Fusers%2F%7Bid%7D`).
pub(crate) async fn detail(
    State(state): State<AdminState>,
    Path(key): Path<String>,
) -> Result<Json<Value>, ApiError> {
    Ok(Json(detail_data(&state, &key).await?))
}

/// `GET /inventory/openapi.json`: the discovered inventory as OpenAPI 3.1, for download.
pub(crate) async fn openapi(State(state): State<AdminState>) -> impl axum::response::IntoResponse {
    (
        [(
            axum::http::header::CONTENT_DISPOSITION,
            "attachment; filename=\"lampyr-discovered-openapi.json\"",
        )],
        Json(state.control().discovered_openapi()),
    )
}
