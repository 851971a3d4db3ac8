//! Incidents: list, detail with evidence, the workflow (status, assignee, notes), and the two
//! actions that feed the gateway: block the actor (a deny entry) and add an exception.

use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use lampyr_spec::{DenyEntry, DenyKind};
use lampyr_store::analytics::INCIDENT_STATUSES;
use lampyr_store::{
    ExceptionRow, ExchangeQuery, IncidentNote, IncidentQuery, IncidentRow, IncidentUpdate,
};
use serde::Deserialize;
use serde_json::{json, Value};

use super::{exchanges, given, parse_num, to_json};
use crate::auth::Principal;
use crate::error::{bad_query, ApiError, JsonBody};
use crate::objects::add_deny;
use crate::state::{now, AdminState};

/// Longest note, assignee or exception reason.
const MAX_TEXT: usize = 4096;
/// Longest block: one year.
pub(crate) const MAX_BLOCK_SECS: u64 = 365 * 24 * 3600;
/// Block length when none is given: one hour.
const DEFAULT_BLOCK_SECS: u64 = 3600;
/// Evidence samples shown with an incident.
const EVIDENCE: usize = 200;

/// Filters of `GET /incidents`; blank fields are ignored.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ListQuery {
    pub(crate) status: Option<String>,
    pub(crate) severity: Option<String>,
    pub(crate) actor: Option<String>,
    pub(crate) limit: Option<String>,
}

/// `PATCH /incidents/{id}` body.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Patch {
    #[serde(default)]
    status: Option<String>,
    #[serde(default)]
    assignee: Option<String>,
    #[serde(default)]
    note: Option<String>,
}

/// What `POST /incidents/{id}/block` denies.
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum Target {
    Ip,
    Consumer,
}

/// `POST /incidents/{id}/block` body.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Block {
    target: Target,
    #[serde(default)]
    ttl_secs: Option<u64>,
}

/// Where an exception applies.
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum Scope {
    Endpoint,
    Everywhere,
}

/// `POST /incidents/{id}/exception` body.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Exception {
    reason: String,
    scope: Scope,
}

/// The list view of an incident (no analysis detail, no notes).
pub(crate) fn summary(i: &IncidentRow) -> Value {
    json!({
        "id": i.id, "category": i.category, "severity": i.severity, "title": i.title,
        "endpoint": i.endpoint, "actor_ip": i.actor_ip, "actor_consumer": i.actor_consumer,
        "actor_user": i.actor_user, "first_us": i.first_us, "last_us": i.last_us,
        "hits": i.hits, "status": i.status, "assignee": i.assignee,
    })
}

fn check_text(what: &str, v: &str) -> Result<(), ApiError> {
    if v.len() > MAX_TEXT {
        return Err(ApiError::bad_request(format!(
            "{what} must be at most {MAX_TEXT} bytes"
        )));
    }
    Ok(())
}

/// `{items: [summary]}` for the filters.
pub(crate) async fn list_data(state: &AdminState, q: &ListQuery) -> Result<Value, ApiError> {
    let query = IncidentQuery {
        status: given(&q.status).map(str::to_string),
        severity: given(&q.severity).map(str::to_string),
        actor: given(&q.actor).map(str::to_string),
        limit: parse_num::<usize>("limit", &q.limit)?
            .unwrap_or(0)
            .min(1000),
    };
    let items: Vec<Value> = state
        .store()
        .list_incidents(query)
        .await?
        .iter()
        .map(summary)
        .collect();
    Ok(json!({ "items": items }))
}

/// `GET /incidents?status=&severity=&actor=&limit=`
pub(crate) async fn list(
    State(state): State<AdminState>,
    query: Result<Query<ListQuery>, QueryRejection>,
) -> Result<Json<Value>, ApiError> {
    let Query(q) = query.map_err(bad_query)?;
    Ok(Json(list_data(&state, &q).await?))
}

/// `{incident, evidence: [masked exchanges], exceptions: [matching ones]}`.
pub(crate) async fn detail_data(state: &AdminState, id: &str) -> Result<Value, ApiError> {
    let incident = state.store().get_incident(id).await?;
    let evidence = state
        .store()
        .query_exchanges(ExchangeQuery {
            incident: Some(id.to_string()),
            limit: EVIDENCE,
            ..ExchangeQuery::default()
        })
        .await?;
    let exceptions: Vec<ExceptionRow> = state
        .store()
        .list_exceptions()
        .await?
        .into_iter()
        .filter(|e| {
            e.rule == incident.category
                && e.endpoint
                    .as_ref()
                    .is_none_or(|ep| incident.endpoint.as_ref() == Some(ep))
        })
        .collect();
    let evidence: Vec<Value> = evidence.iter().map(exchanges::full).collect();
    Ok(json!({
        "incident": to_json(&incident)?,
        "evidence": evidence,
        "exceptions": to_json(&exceptions)?,
    }))
}

/// `GET /incidents/{id}`
pub(crate) async fn detail(
    State(state): State<AdminState>,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    Ok(Json(detail_data(&state, &id).await?))
}

/// `PATCH /incidents/{id}`: status, assignee (`""` clears), a note (authored by the caller).
pub(crate) async fn patch(
    State(state): State<AdminState>,
    Extension(who): Extension<Principal>,
    Path(id): Path<String>,
    JsonBody(p): JsonBody<Patch>,
) -> Result<Json<Value>, ApiError> {
    if let Some(s) = &p.status {
        if !INCIDENT_STATUSES.contains(&s.as_str()) {
            return Err(ApiError::bad_request(format!(
                "status must be one of {}",
                INCIDENT_STATUSES.join(", ")
            )));
        }
    }
    check_text("assignee", p.assignee.as_deref().unwrap_or(""))?;
    check_text("note", p.note.as_deref().unwrap_or(""))?;
    let note = p.note.as_deref().map(str::trim).filter(|n| !n.is_empty());
    let update = IncidentUpdate {
        status: p.status.clone(),
        assignee: p.assignee.clone(),
        note: note.map(|text| IncidentNote {
            at: now(),
            author: who.name.clone(),
            text: text.to_string(),
        }),
    };
    let row = state.store().update_incident(&id, update).await?;
    let detail = json!({"status": p.status, "assignee": p.assignee, "note": note.is_some()});
    state
        .audit(
            &who.name,
            "incident.update",
            &format!("incident/{id}"),
            detail,
        )
        .await;
    Ok(Json(to_json(&row)?))
}

/// `POST /incidents/{id}/block`: denies the incident's address or consumer for `ttl_secs`
/// (default one hour) through the deny list, which reaches the gateway at once.
pub(crate) async fn block(
    State(state): State<AdminState>,
    Extension(who): Extension<Principal>,
    Path(id): Path<String>,
    JsonBody(b): JsonBody<Block>,
) -> Result<Response, ApiError> {
    let ttl = b.ttl_secs.unwrap_or(DEFAULT_BLOCK_SECS);
    if ttl == 0 || ttl > MAX_BLOCK_SECS {
        return Err(ApiError::bad_request(format!(
            "ttl_secs must be 1 to {MAX_BLOCK_SECS}"
        )));
    }
    let incident = state.store().get_incident(&id).await?;
    let (kind, value) = match b.target {
        Target::Ip => (DenyKind::Ip, incident.actor_ip.clone()),
        Target::Consumer => (DenyKind::Consumer, incident.actor_consumer.clone()),
    };
    let value = value
        .ok_or_else(|| ApiError::conflict(format!("incident {id:?} has no actor of that kind")))?;
    let mut reason = format!("incident {id}: {}", incident.title);
    if reason.len() > 1000 {
        let mut cut = 1000;
        while !reason.is_char_boundary(cut) {
            cut -= 1;
        }
        reason.truncate(cut);
    }
    let entry = DenyEntry {
        kind,
        value: value.clone(),
        expires_at: Some(now().saturating_add(i64::try_from(ttl).unwrap_or(i64::MAX))),
        reason,
    };
    add_deny(&state, &who, &entry).await?;
    let note = IncidentNote {
        at: now(),
        author: who.name.clone(),
        text: format!("blocked {value} for {ttl} s"),
    };
    let update = IncidentUpdate {
        note: Some(note),
        ..IncidentUpdate::default()
    };
    state.store().update_incident(&id, update).await?;
    state
        .audit(
            &who.name,
            "incident.block",
            &format!("incident/{id}"),
            json!({"kind": kind, "value": value, "ttl_secs": ttl}),
        )
        .await;
    Ok((StatusCode::CREATED, Json(to_json(&entry)?)).into_response())
}

/// `POST /incidents/{id}/exception`: hits of the incident's category (on its endpoint, or
/// everywhere) stop raising incidents.
pub(crate) async fn exception(
    State(state): State<AdminState>,
    Extension(who): Extension<Principal>,
    Path(id): Path<String>,
    JsonBody(x): JsonBody<Exception>,
) -> Result<Response, ApiError> {
    check_text("reason", &x.reason)?;
    let incident = state.store().get_incident(&id).await?;
    let endpoint = match x.scope {
        Scope::Everywhere => None,
        Scope::Endpoint => Some(incident.endpoint.clone().ok_or_else(|| {
            ApiError::conflict("the incident is about no endpoint; use scope everywhere")
        })?),
    };
    let mut row = ExceptionRow {
        id: 0,
        rule: incident.category.clone(),
        endpoint,
        actor: None,
        reason: x.reason,
        author: who.name.clone(),
        created_at: now(),
    };
    row.id = state.store().add_exception(row.clone()).await?;
    state
        .audit(
            &who.name,
            "exception.add",
            &format!("exception/{}", row.id),
            json!({"incident": id, "rule": row.rule, "endpoint": row.endpoint}),
        )
        .await;
    Ok((StatusCode::CREATED, Json(to_json(&row)?)).into_response())
}

/// `GET /exceptions`
pub(crate) async fn exceptions(State(state): State<AdminState>) -> Result<Json<Value>, ApiError> {
    let items = state.store().list_exceptions().await?;
    Ok(Json(json!({ "items": to_json(&items)? })))
}

/// `DELETE /exceptions/{id}`
pub(crate) async fn delete_exception(
    State(state): State<AdminState>,
    Extension(who): Extension<Principal>,
    Path(id): Path<i64>,
) -> Result<StatusCode, ApiError> {
    state.store().delete_exception(id).await?;
    state
        .audit(
            &who.name,
            "exception.delete",
            &format!("exception/{id}"),
            json!({"id": id}),
        )
        .await;
    Ok(StatusCode::NO_CONTENT)
}
