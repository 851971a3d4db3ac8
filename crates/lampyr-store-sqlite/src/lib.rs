//! The embedded default store: SQLite in WAL mode through sqlx.
//!
//! One file holds everything the admin API writes. Consumers live in one table and their
//! credentials in another (keyed by credential id, cascading on consumer delete), with a
//! `unique_key` column that makes SQLite itself refuse a second consumer holding the same API
//! key hash, HMAC access key, basic user name, mTLS fingerprint or JWT subject. Routes,
//! upstreams, policies and JWT issuers are stored as JSON of their spec types. The same file
//! holds the analytics state ([`AnalyticsStore`](lampyr_store::AnalyticsStore): inventory,
//! incidents, exchange samples, exceptions, traffic) and the console's users and sessions
//! ([`ConsoleStore`](lampyr_store::ConsoleStore)), so one [`SqliteStore`] is a whole
//! [`Store`](lampyr_store::Store). Embedded SQL migrations run at open and are tracked in
//! `schema_version`.

mod analytics;
mod console;
mod consumers;
mod schema;

pub use analytics::{
    DEFAULT_EXCHANGE_LIMIT, DEFAULT_INCIDENT_LIMIT, MAX_EXCHANGE_LIMIT, MAX_INCIDENT_LIMIT,
};

use std::path::Path;
use std::time::Duration;

use lampyr_spec::{DenyEntry, DenyKind};
use lampyr_store::{AuditRecord, GatewayStore, ObjectKind, StoreError, StoreFuture};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions};
use sqlx::Row;

/// Most audit records returned by one [`GatewayStore::list_audit`] call.
pub const MAX_AUDIT_LIST: usize = 10_000;

/// Every store trait backed by one SQLite database file.
#[derive(Debug, Clone)]
pub struct SqliteStore {
    pool: SqlitePool,
}

impl SqliteStore {
    /// Opens (creating if missing) the database at `path`, in WAL mode with foreign keys on,
    /// and brings its schema up to date. Needs a running tokio runtime.
    pub async fn open(path: &Path) -> Result<Self, StoreError> {
        let options = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(5));
        let pool = SqlitePoolOptions::new()
            .max_connections(4)
            .connect_with(options)
            .await
            .map_err(backend)?;
        schema::migrate(&pool).await?;
        Ok(Self { pool })
    }

    /// Closes every connection (the WAL is checkpointed by SQLite on the last close).
    pub async fn close(&self) {
        self.pool.close().await;
    }
}

fn backend(e: sqlx::Error) -> StoreError {
    StoreError::Backend(e.to_string())
}

fn corrupt(what: &str, e: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(format!("{what}: {e}"))
}

fn kind_str(kind: DenyKind) -> &'static str {
    match kind {
        DenyKind::Ip => "ip",
        DenyKind::Consumer => "consumer",
        DenyKind::Token => "token",
    }
}

fn parse_kind(s: &str) -> Result<DenyKind, StoreError> {
    match s {
        "ip" => Ok(DenyKind::Ip),
        "consumer" => Ok(DenyKind::Consumer),
        "token" => Ok(DenyKind::Token),
        other => Err(corrupt("deny kind", other)),
    }
}

fn object_name(kind: ObjectKind) -> &'static str {
    kind.as_str()
}

impl GatewayStore for SqliteStore {
    fn list_consumers(&self) -> StoreFuture<'_, Vec<lampyr_spec::ConsumerSpec>> {
        Box::pin(consumers::list(&self.pool))
    }

    fn get_consumer<'a>(&'a self, name: &'a str) -> StoreFuture<'a, lampyr_spec::ConsumerSpec> {
        Box::pin(consumers::get(&self.pool, name))
    }

    fn put_consumer(&self, consumer: lampyr_spec::ConsumerSpec) -> StoreFuture<'_, ()> {
        Box::pin(consumers::put(&self.pool, consumer))
    }

    fn delete_consumer<'a>(&'a self, name: &'a str) -> StoreFuture<'a, ()> {
        Box::pin(async move {
            let done = sqlx::query("DELETE FROM consumers WHERE name = ?")
                .bind(name)
                .execute(&self.pool)
                .await
                .map_err(backend)?;
            crate::found(&done, "consumer", name)?;
            Ok(())
        })
    }

    fn credential_owner<'a>(&'a self, credential_id: &'a str) -> StoreFuture<'a, String> {
        Box::pin(async move {
            let row = sqlx::query("SELECT consumer FROM credentials WHERE id = ?")
                .bind(credential_id)
                .fetch_optional(&self.pool)
                .await
                .map_err(backend)?;
            match row {
                Some(row) => row.try_get("consumer").map_err(backend),
                None => Err(StoreError::NotFound {
                    kind: "credential",
                    name: credential_id.into(),
                }),
            }
        })
    }

    fn set_last_used(&self, entries: Vec<(String, i64)>) -> StoreFuture<'_, ()> {
        Box::pin(async move {
            let mut tx = self.pool.begin().await.map_err(backend)?;
            for (id, at) in entries {
                sqlx::query(
                    "UPDATE credentials SET last_used = MAX(COALESCE(last_used, ?1), ?1) \
                     WHERE id = ?2",
                )
                .bind(at)
                .bind(id)
                .execute(&mut *tx)
                .await
                .map_err(backend)?;
            }
            tx.commit().await.map_err(backend)
        })
    }

    fn last_used(&self) -> StoreFuture<'_, Vec<(String, i64)>> {
        Box::pin(async move {
            let rows = sqlx::query(
                "SELECT id, last_used FROM credentials WHERE last_used IS NOT NULL ORDER BY id",
            )
            .fetch_all(&self.pool)
            .await
            .map_err(backend)?;
            rows.iter()
                .map(|r| {
                    Ok((
                        r.try_get("id").map_err(backend)?,
                        r.try_get("last_used").map_err(backend)?,
                    ))
                })
                .collect()
        })
    }

    fn list_objects(&self, kind: ObjectKind) -> StoreFuture<'_, Vec<serde_json::Value>> {
        Box::pin(async move {
            let rows = sqlx::query("SELECT body FROM objects WHERE kind = ? ORDER BY rowid")
                .bind(object_name(kind))
                .fetch_all(&self.pool)
                .await
                .map_err(backend)?;
            rows.iter()
                .map(|r| {
                    let body: String = r.try_get("body").map_err(backend)?;
                    serde_json::from_str(&body).map_err(|e| corrupt(kind.as_str(), e))
                })
                .collect()
        })
    }

    fn get_object<'a>(
        &'a self,
        kind: ObjectKind,
        name: &'a str,
    ) -> StoreFuture<'a, serde_json::Value> {
        Box::pin(async move {
            let row = sqlx::query("SELECT body FROM objects WHERE kind = ? AND name = ?")
                .bind(object_name(kind))
                .bind(name)
                .fetch_optional(&self.pool)
                .await
                .map_err(backend)?;
            let Some(row) = row else {
                return Err(StoreError::NotFound {
                    kind: kind.as_str(),
                    name: name.into(),
                });
            };
            let body: String = row.try_get("body").map_err(backend)?;
            serde_json::from_str(&body).map_err(|e| corrupt(kind.as_str(), e))
        })
    }

    fn put_object<'a>(
        &'a self,
        kind: ObjectKind,
        name: &'a str,
        value: serde_json::Value,
    ) -> StoreFuture<'a, ()> {
        Box::pin(async move {
            sqlx::query(
                "INSERT INTO objects (kind, name, body) VALUES (?, ?, ?) \
                 ON CONFLICT (kind, name) DO UPDATE SET body = excluded.body",
            )
            .bind(object_name(kind))
            .bind(name)
            .bind(value.to_string())
            .execute(&self.pool)
            .await
            .map_err(backend)?;
            Ok(())
        })
    }

    fn delete_object<'a>(&'a self, kind: ObjectKind, name: &'a str) -> StoreFuture<'a, ()> {
        Box::pin(async move {
            let done = sqlx::query("DELETE FROM objects WHERE kind = ? AND name = ?")
                .bind(object_name(kind))
                .bind(name)
                .execute(&self.pool)
                .await
                .map_err(backend)?;
            crate::found(&done, kind.as_str(), name)?;
            Ok(())
        })
    }

    fn list_deny(&self) -> StoreFuture<'_, Vec<DenyEntry>> {
        Box::pin(async move {
            let rows = sqlx::query(
                "SELECT kind, value, expires_at, reason FROM deny_list ORDER BY kind, value",
            )
            .fetch_all(&self.pool)
            .await
            .map_err(backend)?;
            rows.iter()
                .map(|r| {
                    let kind: String = r.try_get("kind").map_err(backend)?;
                    Ok(DenyEntry {
                        kind: parse_kind(&kind)?,
                        value: r.try_get("value").map_err(backend)?,
                        expires_at: r.try_get("expires_at").map_err(backend)?,
                        reason: r.try_get("reason").map_err(backend)?,
                    })
                })
                .collect()
        })
    }

    fn add_deny(&self, entry: DenyEntry) -> StoreFuture<'_, ()> {
        Box::pin(async move {
            sqlx::query(
                "INSERT INTO deny_list (kind, value, expires_at, reason) VALUES (?, ?, ?, ?) \
                 ON CONFLICT (kind, value) DO UPDATE SET \
                 expires_at = excluded.expires_at, reason = excluded.reason",
            )
            .bind(kind_str(entry.kind))
            .bind(entry.value)
            .bind(entry.expires_at)
            .bind(entry.reason)
            .execute(&self.pool)
            .await
            .map_err(backend)?;
            Ok(())
        })
    }

    fn remove_deny<'a>(&'a self, kind: DenyKind, value: &'a str) -> StoreFuture<'a, ()> {
        Box::pin(async move {
            let done = sqlx::query("DELETE FROM deny_list WHERE kind = ? AND value = ?")
                .bind(kind_str(kind))
                .bind(value)
                .execute(&self.pool)
                .await
                .map_err(backend)?;
            crate::found(&done, "deny entry", value)?;
            Ok(())
        })
    }

    fn append_audit<'a>(
        &'a self,
        actor: &'a str,
        action: &'a str,
        object: &'a str,
        detail: serde_json::Value,
        at: i64,
    ) -> StoreFuture<'a, i64> {
        Box::pin(async move {
            let done = sqlx::query(
                "INSERT INTO audit_log (at, actor, action, object, detail) VALUES (?, ?, ?, ?, ?)",
            )
            .bind(at)
            .bind(actor)
            .bind(action)
            .bind(object)
            .bind(detail.to_string())
            .execute(&self.pool)
            .await
            .map_err(backend)?;
            Ok(done.last_insert_rowid())
        })
    }

    fn list_audit(&self, limit: usize) -> StoreFuture<'_, Vec<AuditRecord>> {
        Box::pin(async move {
            let limit = i64::try_from(limit.min(MAX_AUDIT_LIST)).unwrap_or(0);
            let rows = sqlx::query(
                "SELECT id, at, actor, action, object, detail FROM audit_log \
                 ORDER BY id DESC LIMIT ?",
            )
            .bind(limit)
            .fetch_all(&self.pool)
            .await
            .map_err(backend)?;
            rows.iter()
                .map(|r| {
                    let detail: String = r.try_get("detail").map_err(backend)?;
                    Ok(AuditRecord {
                        id: r.try_get("id").map_err(backend)?,
                        at: r.try_get("at").map_err(backend)?,
                        actor: r.try_get("actor").map_err(backend)?,
                        action: r.try_get("action").map_err(backend)?,
                        object: r.try_get("object").map_err(backend)?,
                        detail: serde_json::from_str(&detail).map_err(|e| corrupt("audit", e))?,
                    })
                })
                .collect()
        })
    }
}

#[cfg(test)]
mod tests;

/// `NotFound` naming `kind` and `name` when a write touched no row (delete or update of
/// something that does not exist).
pub(crate) fn found(
    done: &sqlx::sqlite::SqliteQueryResult,
    kind: &'static str,
    name: impl std::fmt::Display,
) -> Result<(), StoreError> {
    if done.rows_affected() == 0 {
        return Err(StoreError::NotFound {
            kind,
            name: name.to_string(),
        });
    }
    Ok(())
}
