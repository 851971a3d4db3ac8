//! What the streaming analytics pipeline persists and the console reads: the discovered
//! inventory, incidents with their workflow, a bounded sample of (masked) exchanges and
//! per-minute traffic counters.
//!
//! The pipeline owns the analysis fields of endpoints and incidents; the console owns the
//! workflow fields (status, assignee, notes). [`AnalyticsStore::upsert_incidents`] therefore
//! never overwrites workflow fields of an incident that already exists.

use serde::{Deserialize, Serialize};

use crate::StoreFuture;

/// One discovered endpoint as stored. `report` is the Analysis report v1 endpoint object
/// (parameters, sensitive fields, auth, latency); the other fields are its indexed summary.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EndpointRow {
    /// `METHOD host/template`, unique (`GET api.example.com/users/{id}`).
    pub key: String,
    /// Upper-case method.
    pub method: String,
    /// Lower-case host.
    pub host: String,
    /// Path template with `{name}` parameters.
    pub template: String,
    /// Exchanges seen, all runs together.
    pub hits: u64,
    /// First time seen, µs since the epoch.
    pub first_seen_us: i64,
    /// Last time seen, µs since the epoch.
    pub last_seen_us: i64,
    /// Highest sensitivity level of what it carries (0 = none).
    pub level: u8,
    /// Authentication seen (`none`, `api_key`, `bearer`, ...).
    pub auth: String,
    /// The endpoint object of the Analysis report v1.
    pub report: serde_json::Value,
}

/// Where an incident is in the analyst's workflow (same words as the analytics crate).
pub const INCIDENT_STATUSES: &[&str] = &["open", "investigating", "resolved", "false_positive"];

/// One analyst note on an incident.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IncidentNote {
    /// Unix seconds.
    pub at: i64,
    /// Console user who wrote it.
    pub author: String,
    /// The text.
    pub text: String,
}

/// One incident as stored: the pipeline's analysis plus the console's workflow.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IncidentRow {
    /// Stable incident id.
    pub id: String,
    /// Finding category of its strongest hit (`attack.sqli`, `abuse.bola`).
    pub category: String,
    /// `low`, `medium`, `high`, `critical`.
    pub severity: String,
    /// Short title.
    pub title: String,
    /// Endpoint key when the incident is about one endpoint.
    pub endpoint: Option<String>,
    /// Actor client address, when known.
    pub actor_ip: Option<String>,
    /// Actor consumer, when known.
    pub actor_consumer: Option<String>,
    /// Actor end user, when known.
    pub actor_user: Option<String>,
    /// First hit, µs since the epoch.
    pub first_us: i64,
    /// Last hit, µs since the epoch.
    pub last_us: i64,
    /// Hits grouped into it.
    pub hits: u64,
    /// The incident object as the analysis produced it (rules, evidence, exchange ids).
    pub detail: serde_json::Value,
    /// Workflow: one of [`INCIDENT_STATUSES`].
    pub status: String,
    /// Workflow: the analyst on it.
    pub assignee: Option<String>,
    /// Workflow: notes, oldest first.
    pub notes: Vec<IncidentNote>,
}

/// A workflow change made in the console or the admin API. `None` leaves a field unchanged.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct IncidentUpdate {
    /// New status, one of [`INCIDENT_STATUSES`].
    pub status: Option<String>,
    /// New assignee; `Some("")` clears it.
    pub assignee: Option<String>,
    /// A note to append.
    pub note: Option<IncidentNote>,
}

/// Filter for [`AnalyticsStore::list_incidents`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct IncidentQuery {
    /// Only this status.
    pub status: Option<String>,
    /// Only this severity.
    pub severity: Option<String>,
    /// Only incidents whose actor has this address, consumer or user.
    pub actor: Option<String>,
    /// At most this many (newest `last_us` first); 0 means the store's default of 100.
    pub limit: usize,
}

/// One stored exchange sample: indexed fields plus the exchange itself as an Exchange JSON
/// Lines v1 object with sensitive values already masked.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExchangeRow {
    /// Store-assigned id (ignored on insert).
    pub id: i64,
    /// Start time, µs since the epoch.
    pub time_us: i64,
    /// Client address.
    pub ip: Option<String>,
    /// Consumer the gateway authenticated.
    pub consumer: Option<String>,
    /// End user (JWT subject, login name), when known.
    pub user: Option<String>,
    /// Upper-case method.
    pub method: String,
    /// Host.
    pub host: String,
    /// Path as requested (no query).
    pub path: String,
    /// Endpoint key it was matched to, when known.
    pub endpoint: Option<String>,
    /// Response status (0 when there was no response).
    pub status: u16,
    /// Ids of incidents it is evidence for.
    pub incidents: Vec<String>,
    /// The masked exchange (Exchange JSON Lines v1 object).
    pub exchange: serde_json::Value,
}

/// Filter for [`AnalyticsStore::query_exchanges`]; every set field must match.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExchangeQuery {
    /// At or after, µs since the epoch.
    pub since_us: Option<i64>,
    /// Before, µs since the epoch.
    pub until_us: Option<i64>,
    /// Client address, exact.
    pub ip: Option<String>,
    /// Consumer, exact.
    pub consumer: Option<String>,
    /// End user, exact.
    pub user: Option<String>,
    /// Endpoint key, exact.
    pub endpoint: Option<String>,
    /// Response status, exact.
    pub status: Option<u16>,
    /// Only exchanges cited by this incident.
    pub incident: Option<String>,
    /// Only ids below this one (paging, newest first).
    pub before_id: Option<i64>,
    /// At most this many, newest first; 0 means 100, more than 1000 means 1000.
    pub limit: usize,
}

/// Traffic counters of one minute (added to what is stored for that minute).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrafficMinute {
    /// Start of the minute, unix seconds (a multiple of 60).
    pub minute: i64,
    /// Exchanges analysed.
    pub requests: u64,
    /// Responses with status ≥ 400 (or none).
    pub errors: u64,
    /// Requests the gateway refused itself (401, 403, 429 it produced).
    pub blocked: u64,
    /// Requests the inspector judged attacks.
    pub attacks: u64,
    /// Exchanges the pipeline shed because it could not keep up.
    pub shed: u64,
}

/// Bounds on the stored sample.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Retention {
    /// Samples older than this many seconds are deleted.
    pub max_age_secs: i64,
    /// When the samples' stored bytes exceed this, the oldest are deleted until they fit.
    pub max_bytes: u64,
}

/// What [`AnalyticsStore::prune`] deleted.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Pruned {
    /// Samples deleted for age.
    pub by_age: u64,
    /// Samples deleted for size.
    pub by_size: u64,
}

/// An analyst's exception: hits of `rule` (an exact rule id, a category such as
/// `attack.sqli`, or a prefix ending in `.*`) on `endpoint` (or anywhere when `None`) by
/// `actor` (an address, consumer or user; anyone when `None`) no longer raise incidents.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExceptionRow {
    /// Store-assigned id (ignored on insert).
    pub id: i64,
    /// Rule id, category, or `prefix.*`.
    pub rule: String,
    /// Endpoint key, or every endpoint.
    pub endpoint: Option<String>,
    /// Actor address, consumer or user, or every actor.
    pub actor: Option<String>,
    /// Why (shown in the console).
    pub reason: String,
    /// Console user who added it.
    pub author: String,
    /// Unix seconds.
    pub created_at: i64,
}

/// An imported API specification (OpenAPI 3.x or Swagger 2.0). The inventory compares the
/// discovered endpoints with its operations: endpoints in no spec are shadow (undocumented),
/// operations never seen are zombie candidates. The summary fields are computed by the
/// importer; the store keeps them so listing needs no parsing.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SpecRow {
    /// Unique name (`shop-v2`).
    pub name: String,
    /// `info.title` of the document.
    pub title: String,
    /// `info.version` of the document.
    pub version: String,
    /// Operations the document describes.
    pub operations: u64,
    /// When it was imported, unix seconds.
    pub imported_at: i64,
    /// The document as imported (YAML converted to JSON).
    pub document: serde_json::Value,
}

/// A stored specification without its document, for lists.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SpecSummary {
    /// Unique name.
    pub name: String,
    /// `info.title`.
    pub title: String,
    /// `info.version`.
    pub version: String,
    /// Operations the document describes.
    pub operations: u64,
    /// When it was imported, unix seconds.
    pub imported_at: i64,
    /// Length of the stored document JSON.
    pub bytes: u64,
}

/// Persistent analytics state.
pub trait AnalyticsStore: Send + Sync {
    /// Creates or replaces endpoints by key.
    fn upsert_endpoints(&self, rows: Vec<EndpointRow>) -> StoreFuture<'_, ()>;
    /// Every endpoint, ordered by host, template, method.
    fn list_endpoints(&self) -> StoreFuture<'_, Vec<EndpointRow>>;
    /// One endpoint by key.
    fn get_endpoint<'a>(&'a self, key: &'a str) -> StoreFuture<'a, EndpointRow>;

    /// Creates incidents or updates the analysis fields of existing ones; workflow fields of
    /// an existing incident (status, assignee, notes) are kept.
    fn upsert_incidents(&self, rows: Vec<IncidentRow>) -> StoreFuture<'_, ()>;
    /// Incidents matching the query, newest activity first.
    fn list_incidents(&self, q: IncidentQuery) -> StoreFuture<'_, Vec<IncidentRow>>;
    /// One incident.
    fn get_incident<'a>(&'a self, id: &'a str) -> StoreFuture<'a, IncidentRow>;
    /// Applies a workflow change and returns the incident as it now is. An unknown status is
    /// `Conflict`.
    fn update_incident<'a>(
        &'a self,
        id: &'a str,
        update: IncidentUpdate,
    ) -> StoreFuture<'a, IncidentRow>;

    /// Stores samples (ids are assigned by the store).
    fn insert_exchanges(&self, rows: Vec<ExchangeRow>) -> StoreFuture<'_, ()>;
    /// Samples matching the query, newest first.
    fn query_exchanges(&self, q: ExchangeQuery) -> StoreFuture<'_, Vec<ExchangeRow>>;
    /// One sample.
    fn get_exchange(&self, id: i64) -> StoreFuture<'_, ExchangeRow>;
    /// Marks samples as evidence of an incident (unknown ids are ignored).
    fn link_exchanges<'a>(&'a self, incident: &'a str, ids: Vec<i64>) -> StoreFuture<'a, ()>;

    /// Stores an exception; returns its id.
    fn add_exception(&self, row: ExceptionRow) -> StoreFuture<'_, i64>;
    /// Every exception, oldest first.
    fn list_exceptions(&self) -> StoreFuture<'_, Vec<ExceptionRow>>;
    /// Deletes an exception.
    fn delete_exception(&self, id: i64) -> StoreFuture<'_, ()>;

    /// Adds counters to their minutes.
    fn add_traffic(&self, minutes: Vec<TrafficMinute>) -> StoreFuture<'_, ()>;
    /// Minutes at or after `since` (unix seconds), oldest first.
    fn traffic(&self, since: i64) -> StoreFuture<'_, Vec<TrafficMinute>>;

    /// Deletes samples beyond the retention bounds (`now` in unix seconds); traffic minutes
    /// older than the age bound go too.
    fn prune(&self, retention: Retention, now: i64) -> StoreFuture<'_, Pruned>;

    /// Creates or replaces a specification by name.
    fn put_spec(&self, row: SpecRow) -> StoreFuture<'_, ()>;
    /// Every specification (without documents), by name.
    fn list_specs(&self) -> StoreFuture<'_, Vec<SpecSummary>>;
    /// One specification with its document.
    fn get_spec<'a>(&'a self, name: &'a str) -> StoreFuture<'a, SpecRow>;
    /// Deletes a specification.
    fn delete_spec<'a>(&'a self, name: &'a str) -> StoreFuture<'a, ()>;
}
