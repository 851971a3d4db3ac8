//! Embedded migrations, applied in order at open and recorded in `schema_version`.

use lampyr_store::StoreError;
use sqlx::{Row, SqlitePool};

use crate::backend;

/// Migration `i` brings the schema to version `i + 1`. Never edit a released entry; append.
const MIGRATIONS: &[&str] = &[
    // 1: gateway state.
    r#"
CREATE TABLE consumers (
    name TEXT PRIMARY KEY NOT NULL,
    body TEXT NOT NULL
);
CREATE TABLE credentials (
    id TEXT PRIMARY KEY NOT NULL,
    consumer TEXT NOT NULL REFERENCES consumers(name) ON DELETE CASCADE,
    pos INTEGER NOT NULL,
    type TEXT NOT NULL,
    unique_key TEXT UNIQUE,
    spec TEXT NOT NULL,
    last_used INTEGER
);
CREATE INDEX credentials_by_consumer ON credentials (consumer, pos);
CREATE TABLE objects (
    kind TEXT NOT NULL,
    name TEXT NOT NULL,
    body TEXT NOT NULL,
    PRIMARY KEY (kind, name)
);
CREATE TABLE deny_list (
    kind TEXT NOT NULL,
    value TEXT NOT NULL,
    expires_at INTEGER,
    reason TEXT NOT NULL,
    PRIMARY KEY (kind, value)
);
CREATE TABLE audit_log (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at INTEGER NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    object TEXT NOT NULL,
    detail TEXT NOT NULL
);
"#,
    // 2: analytics (inventory, incidents, exchange samples, exceptions, traffic) and the
    // console's users and sessions.
    r#"
CREATE TABLE endpoints (
    key TEXT PRIMARY KEY NOT NULL,
    method TEXT NOT NULL,
    host TEXT NOT NULL,
    template TEXT NOT NULL,
    hits INTEGER NOT NULL,
    first_seen_us INTEGER NOT NULL,
    last_seen_us INTEGER NOT NULL,
    level INTEGER NOT NULL,
    auth TEXT NOT NULL,
    report TEXT NOT NULL
);
CREATE INDEX endpoints_by_place ON endpoints (host, template, method);
CREATE TABLE incidents (
    id TEXT PRIMARY KEY NOT NULL,
    category TEXT NOT NULL,
    severity TEXT NOT NULL,
    title TEXT NOT NULL,
    endpoint TEXT,
    actor_ip TEXT,
    actor_consumer TEXT,
    actor_user TEXT,
    first_us INTEGER NOT NULL,
    last_us INTEGER NOT NULL,
    hits INTEGER NOT NULL,
    detail TEXT NOT NULL,
    status TEXT NOT NULL,
    assignee TEXT,
    notes TEXT NOT NULL
);
CREATE INDEX incidents_by_last ON incidents (last_us);
CREATE INDEX incidents_by_status ON incidents (status, last_us);
CREATE INDEX incidents_by_severity ON incidents (severity, last_us);
CREATE INDEX incidents_by_ip ON incidents (actor_ip);
CREATE INDEX incidents_by_consumer ON incidents (actor_consumer);
CREATE INDEX incidents_by_user ON incidents (actor_user);
CREATE TABLE exchanges (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    time_us INTEGER NOT NULL,
    ip TEXT,
    consumer TEXT,
    user TEXT,
    method TEXT NOT NULL,
    host TEXT NOT NULL,
    path TEXT NOT NULL,
    endpoint TEXT,
    status INTEGER NOT NULL,
    bytes INTEGER NOT NULL,
    exchange TEXT NOT NULL
);
CREATE INDEX exchanges_by_time ON exchanges (time_us);
CREATE INDEX exchanges_by_ip ON exchanges (ip);
CREATE INDEX exchanges_by_consumer ON exchanges (consumer);
CREATE INDEX exchanges_by_user ON exchanges (user);
CREATE INDEX exchanges_by_endpoint ON exchanges (endpoint);
-- Size retention sums `bytes` in id order from this small covering index, not the table.
CREATE INDEX exchanges_bytes ON exchanges (id, bytes);
CREATE TABLE exchange_incidents (
    exchange_id INTEGER NOT NULL REFERENCES exchanges(id) ON DELETE CASCADE,
    incident_id TEXT NOT NULL,
    PRIMARY KEY (exchange_id, incident_id)
) WITHOUT ROWID;
CREATE INDEX exchange_incidents_by_incident ON exchange_incidents (incident_id, exchange_id);
CREATE TABLE exceptions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    rule TEXT NOT NULL,
    endpoint TEXT,
    actor TEXT,
    reason TEXT NOT NULL,
    author TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE TABLE traffic (
    minute INTEGER PRIMARY KEY NOT NULL,
    requests INTEGER NOT NULL,
    errors INTEGER NOT NULL,
    blocked INTEGER NOT NULL,
    attacks INTEGER NOT NULL,
    shed INTEGER NOT NULL
);
CREATE TABLE users (
    name TEXT PRIMARY KEY NOT NULL,
    role TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    disabled INTEGER NOT NULL
);
CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY NOT NULL,
    user TEXT NOT NULL REFERENCES users(name) ON DELETE CASCADE,
    csrf TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
);
CREATE INDEX sessions_by_user ON sessions (user);
CREATE INDEX sessions_by_expiry ON sessions (expires_at);
"#,
    // 3: imported API specifications (shadow / zombie endpoints in the inventory).
    r#"
CREATE TABLE specs (
    name TEXT PRIMARY KEY NOT NULL,
    title TEXT NOT NULL,
    version TEXT NOT NULL,
    operations INTEGER NOT NULL,
    imported_at INTEGER NOT NULL,
    bytes INTEGER NOT NULL,
    document TEXT NOT NULL
);
"#,
];

/// The schema version this build writes.
pub(crate) fn latest() -> i64 {
    MIGRATIONS.len() as i64
}

/// Applies the migrations the database has not seen yet, each in its own transaction.
pub(crate) async fn migrate(pool: &SqlitePool) -> Result<(), StoreError> {
    migrate_to(pool, latest()).await
}

/// Applies the migrations up to version `target` (tests build older databases with it).
pub(crate) async fn migrate_to(pool: &SqlitePool, target: i64) -> Result<(), StoreError> {
    sqlx::query("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
        .execute(pool)
        .await
        .map_err(backend)?;
    let current: i64 = sqlx::query("SELECT COALESCE(MAX(version), 0) AS v FROM schema_version")
        .fetch_one(pool)
        .await
        .and_then(|r| r.try_get("v"))
        .map_err(backend)?;
    if current > latest() {
        return Err(StoreError::Corrupt(format!(
            "database schema version {current} is newer than this build's {}",
            latest()
        )));
    }
    let pending = MIGRATIONS
        .iter()
        .enumerate()
        .take(usize::try_from(target).unwrap_or(0))
        .skip(usize::try_from(current).unwrap_or(0));
    for (i, sql) in pending {
        let mut tx = pool.begin().await.map_err(backend)?;
        sqlx::raw_sql(sql)
            .execute(&mut *tx)
            .await
            .map_err(backend)?;
        sqlx::query("INSERT INTO schema_version (version) VALUES (?)")
            .bind(i as i64 + 1)
            .execute(&mut *tx)
            .await
            .map_err(backend)?;
        tx.commit().await.map_err(backend)?;
    }
    Ok(())
}
