//! Embedded migrations, applied in order at open and recorded in `schema_version`.

use lampyr_store::StoreError;
use sqlx::{Row, SqlitePool};

use crate::backend;

/// Migration `i` brings the schema to version `i + 1`. Never edit a released entry; append.
const MIGRATIONS: &[&str] = &[r#"
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
"#];

/// The schema version this build writes.
pub(crate) fn latest() -> i64 {
    MIGRATIONS.len() as i64
}

/// Applies the migrations the database has not seen yet, each in its own transaction.
pub(crate) async fn migrate(pool: &SqlitePool) -> Result<(), StoreError> {
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
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(current as usize) {
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
