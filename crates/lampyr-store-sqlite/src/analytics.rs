//! [`AnalyticsStore`] on SQLite: the inventory, incidents, exchange samples, exceptions,
//! per-minute traffic and imported API specifications.
//!
//! Batch writes run in one transaction per call (the pipeline flushes hundreds of rows a
//! second; one commit per row would be one fsync per row). Exchange samples keep their
//! indexed fields in columns and the masked exchange as JSON, with the JSON's length in
//! `bytes` so size retention needs no JSON parsing. Evidence links live in
//! `exchange_incidents` and cascade away with their sample.

use lampyr_store::analytics::INCIDENT_STATUSES;
use lampyr_store::{
    AnalyticsStore, EndpointRow, ExceptionRow, ExchangeQuery, ExchangeRow, IncidentNote,
    IncidentQuery, IncidentRow, IncidentUpdate, Pruned, Retention, SpecRow, SpecSummary,
    StoreError, StoreFuture, TrafficMinute,
};
use sqlx::sqlite::{Sqlite, SqliteRow};
use sqlx::{QueryBuilder, Row};

use crate::{backend, corrupt, SqliteStore};

/// Samples returned by a query whose limit is 0.
pub const DEFAULT_EXCHANGE_LIMIT: usize = 100;
/// Most samples one query returns.
pub const MAX_EXCHANGE_LIMIT: usize = 1000;
/// Incidents returned by a list whose limit is 0.
pub const DEFAULT_INCIDENT_LIMIT: usize = 100;
/// Most incidents one list returns.
pub const MAX_INCIDENT_LIMIT: usize = 10_000;
/// Samples deleted per statement by [`AnalyticsStore::prune`], so the pipeline's inserts
/// are never held off by one huge delete.
const PRUNE_CHUNK: i64 = 5_000;

/// The newest sample whose running byte total, counted from the newest, exceeds `?`.
pub(crate) const SIZE_CUT: &str = "SELECT id FROM (SELECT id, SUM(bytes) OVER \
     (ORDER BY id DESC ROWS UNBOUNDED PRECEDING) AS kept FROM exchanges) \
     WHERE kept > ? ORDER BY id DESC LIMIT 1";

/// Counters are `u64` in the model and `INTEGER` (i64) in SQLite; they saturate.
fn to_i64(v: u64) -> i64 {
    i64::try_from(v).unwrap_or(i64::MAX)
}

fn get_u64(row: &SqliteRow, col: &str) -> Result<u64, StoreError> {
    let v: i64 = row.try_get(col).map_err(backend)?;
    u64::try_from(v).map_err(|e| corrupt(col, e))
}

fn json_col<T: serde::de::DeserializeOwned>(row: &SqliteRow, col: &str) -> Result<T, StoreError> {
    let text: String = row.try_get(col).map_err(backend)?;
    serde_json::from_str(&text).map_err(|e| corrupt(col, e))
}

fn clamp_limit(limit: usize, default: usize, max: usize) -> i64 {
    let limit = if limit == 0 { default } else { limit.min(max) };
    i64::try_from(limit).unwrap_or(i64::MAX)
}

fn check_status(status: &str) -> Result<(), StoreError> {
    if INCIDENT_STATUSES.contains(&status) {
        Ok(())
    } else {
        Err(StoreError::Conflict(format!(
            "incident status {status:?} is not one of {}",
            INCIDENT_STATUSES.join(", ")
        )))
    }
}

fn endpoint_row(r: &SqliteRow) -> Result<EndpointRow, StoreError> {
    let level: i64 = r.try_get("level").map_err(backend)?;
    Ok(EndpointRow {
        key: r.try_get("key").map_err(backend)?,
        method: r.try_get("method").map_err(backend)?,
        host: r.try_get("host").map_err(backend)?,
        template: r.try_get("template").map_err(backend)?,
        hits: get_u64(r, "hits")?,
        first_seen_us: r.try_get("first_seen_us").map_err(backend)?,
        last_seen_us: r.try_get("last_seen_us").map_err(backend)?,
        level: u8::try_from(level).map_err(|e| corrupt("level", e))?,
        auth: r.try_get("auth").map_err(backend)?,
        report: json_col(r, "report")?,
    })
}

const INCIDENT_COLUMNS: &str = "id, category, severity, title, endpoint, actor_ip, \
     actor_consumer, actor_user, first_us, last_us, hits, detail, status, assignee, notes";

fn incident_row(r: &SqliteRow) -> Result<IncidentRow, StoreError> {
    Ok(IncidentRow {
        id: r.try_get("id").map_err(backend)?,
        category: r.try_get("category").map_err(backend)?,
        severity: r.try_get("severity").map_err(backend)?,
        title: r.try_get("title").map_err(backend)?,
        endpoint: r.try_get("endpoint").map_err(backend)?,
        actor_ip: r.try_get("actor_ip").map_err(backend)?,
        actor_consumer: r.try_get("actor_consumer").map_err(backend)?,
        actor_user: r.try_get("actor_user").map_err(backend)?,
        first_us: r.try_get("first_us").map_err(backend)?,
        last_us: r.try_get("last_us").map_err(backend)?,
        hits: get_u64(r, "hits")?,
        detail: json_col(r, "detail")?,
        status: r.try_get("status").map_err(backend)?,
        assignee: r.try_get("assignee").map_err(backend)?,
        notes: json_col::<Vec<IncidentNote>>(r, "notes")?,
    })
}

/// Sample columns plus its incident ids as a JSON array (sorted), in one row.
const EXCHANGE_SELECT: &str = "SELECT e.id, e.time_us, e.ip, e.consumer, e.user, e.method, \
     e.host, e.path, e.endpoint, e.status, e.exchange, \
     (SELECT json_group_array(incident_id) FROM (SELECT incident_id FROM exchange_incidents \
      WHERE exchange_id = e.id ORDER BY incident_id)) AS incidents \
     FROM exchanges e";

fn exchange_row(r: &SqliteRow) -> Result<ExchangeRow, StoreError> {
    let status: i64 = r.try_get("status").map_err(backend)?;
    Ok(ExchangeRow {
        id: r.try_get("id").map_err(backend)?,
        time_us: r.try_get("time_us").map_err(backend)?,
        ip: r.try_get("ip").map_err(backend)?,
        consumer: r.try_get("consumer").map_err(backend)?,
        user: r.try_get("user").map_err(backend)?,
        method: r.try_get("method").map_err(backend)?,
        host: r.try_get("host").map_err(backend)?,
        path: r.try_get("path").map_err(backend)?,
        endpoint: r.try_get("endpoint").map_err(backend)?,
        status: u16::try_from(status).map_err(|e| corrupt("status", e))?,
        incidents: json_col(r, "incidents")?,
        exchange: json_col(r, "exchange")?,
    })
}

fn exception_row(r: &SqliteRow) -> Result<ExceptionRow, StoreError> {
    Ok(ExceptionRow {
        id: r.try_get("id").map_err(backend)?,
        rule: r.try_get("rule").map_err(backend)?,
        endpoint: r.try_get("endpoint").map_err(backend)?,
        actor: r.try_get("actor").map_err(backend)?,
        reason: r.try_get("reason").map_err(backend)?,
        author: r.try_get("author").map_err(backend)?,
        created_at: r.try_get("created_at").map_err(backend)?,
    })
}

fn traffic_row(r: &SqliteRow) -> Result<TrafficMinute, StoreError> {
    Ok(TrafficMinute {
        minute: r.try_get("minute").map_err(backend)?,
        requests: get_u64(r, "requests")?,
        errors: get_u64(r, "errors")?,
        blocked: get_u64(r, "blocked")?,
        attacks: get_u64(r, "attacks")?,
        shed: get_u64(r, "shed")?,
    })
}

fn spec_summary(r: &SqliteRow) -> Result<SpecSummary, StoreError> {
    Ok(SpecSummary {
        name: r.try_get("name").map_err(backend)?,
        title: r.try_get("title").map_err(backend)?,
        version: r.try_get("version").map_err(backend)?,
        operations: get_u64(r, "operations")?,
        imported_at: r.try_get("imported_at").map_err(backend)?,
        bytes: get_u64(r, "bytes")?,
    })
}

/// Samples per multi-row INSERT (11 parameters each, well below SQLite's 32766).
const INSERT_CHUNK: usize = 200;

/// Inserts samples in one statement; returns the id of the last one (0 when none).
async fn insert_samples(
    tx: &mut sqlx::Transaction<'_, Sqlite>,
    rows: Vec<ExchangeRow>,
) -> Result<i64, StoreError> {
    if rows.is_empty() {
        return Ok(0);
    }
    let mut qb: QueryBuilder<Sqlite> = QueryBuilder::new(
        "INSERT INTO exchanges (time_us, ip, consumer, user, method, host, path, endpoint, \
         status, bytes, exchange) ",
    );
    qb.push_values(rows, |mut b, x| {
        let exchange = x.exchange.to_string();
        b.push_bind(x.time_us)
            .push_bind(x.ip)
            .push_bind(x.consumer)
            .push_bind(x.user)
            .push_bind(x.method)
            .push_bind(x.host)
            .push_bind(x.path)
            .push_bind(x.endpoint)
            .push_bind(i64::from(x.status))
            .push_bind(i64::try_from(exchange.len()).unwrap_or(i64::MAX))
            .push_bind(exchange);
    });
    let done = qb.build().execute(&mut **tx).await.map_err(backend)?;
    Ok(done.last_insert_rowid())
}

impl SqliteStore {
    async fn fetch_incident(&self, id: &str) -> Result<IncidentRow, StoreError> {
        let row = sqlx::query(&format!(
            "SELECT {INCIDENT_COLUMNS} FROM incidents WHERE id = ?"
        ))
        .bind(id)
        .fetch_optional(&self.pool)
        .await
        .map_err(backend)?;
        match row {
            Some(r) => incident_row(&r),
            None => Err(StoreError::NotFound {
                kind: "incident",
                name: id.into(),
            }),
        }
    }

    /// Deletes samples matching `filter` (a condition on `exchanges`, binding `?1`) in chunks;
    /// returns how many went. Link rows cascade.
    async fn delete_chunked(&self, filter: &str, bound: i64) -> Result<u64, StoreError> {
        let sql = format!(
            "DELETE FROM exchanges WHERE id IN \
             (SELECT id FROM exchanges WHERE {filter} LIMIT ?2)"
        );
        let mut total = 0;
        loop {
            let done = sqlx::query(&sql)
                .bind(bound)
                .bind(PRUNE_CHUNK)
                .execute(&self.pool)
                .await
                .map_err(backend)?;
            total += done.rows_affected();
            if done.rows_affected() < PRUNE_CHUNK as u64 {
                return Ok(total);
            }
        }
    }
}

impl AnalyticsStore for SqliteStore {
    fn upsert_endpoints(&self, rows: Vec<EndpointRow>) -> StoreFuture<'_, ()> {
        Box::pin(async move {
            let mut tx = self.pool.begin().await.map_err(backend)?;
            for e in rows {
                sqlx::query(
                    "INSERT INTO endpoints (key, method, host, template, hits, first_seen_us, \
                     last_seen_us, level, auth, report) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) \
                     ON CONFLICT (key) DO UPDATE SET method = excluded.method, \
                     host = excluded.host, template = excluded.template, hits = excluded.hits, \
                     first_seen_us = excluded.first_seen_us, \
                     last_seen_us = excluded.last_seen_us, level = excluded.level, \
                     auth = excluded.auth, report = excluded.report",
                )
                .bind(e.key)
                .bind(e.method)
                .bind(e.host)
                .bind(e.template)
                .bind(to_i64(e.hits))
                .bind(e.first_seen_us)
                .bind(e.last_seen_us)
                .bind(i64::from(e.level))
                .bind(e.auth)
                .bind(e.report.to_string())
                .execute(&mut *tx)
                .await
                .map_err(backend)?;
            }
            tx.commit().await.map_err(backend)
        })
    }

    fn list_endpoints(&self) -> StoreFuture<'_, Vec<EndpointRow>> {
        Box::pin(async move {
            let rows = sqlx::query("SELECT * FROM endpoints ORDER BY host, template, method")
                .fetch_all(&self.pool)
                .await
                .map_err(backend)?;
            rows.iter().map(endpoint_row).collect()
        })
    }

    fn get_endpoint<'a>(&'a self, key: &'a str) -> StoreFuture<'a, EndpointRow> {
        Box::pin(async move {
            let row = sqlx::query("SELECT * FROM endpoints WHERE key = ?")
                .bind(key)
                .fetch_optional(&self.pool)
                .await
                .map_err(backend)?;
            match row {
                Some(r) => endpoint_row(&r),
                None => Err(StoreError::NotFound {
                    kind: "endpoint",
                    name: key.into(),
                }),
            }
        })
    }

    fn upsert_incidents(&self, rows: Vec<IncidentRow>) -> StoreFuture<'_, ()> {
        Box::pin(async move {
            // Workflow fields only matter for new incidents; an empty status means `open`.
            for row in &rows {
                if !row.status.is_empty() {
                    check_status(&row.status)?;
                }
            }
            let mut tx = self.pool.begin().await.map_err(backend)?;
            for i in rows {
                let status = if i.status.is_empty() {
                    INCIDENT_STATUSES[0].to_owned()
                } else {
                    i.status
                };
                let notes = serde_json::to_string(&i.notes).map_err(|e| corrupt("notes", e))?;
                sqlx::query(
                    "INSERT INTO incidents (id, category, severity, title, endpoint, actor_ip, \
                     actor_consumer, actor_user, first_us, last_us, hits, detail, status, \
                     assignee, notes) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) \
                     ON CONFLICT (id) DO UPDATE SET category = excluded.category, \
                     severity = excluded.severity, title = excluded.title, \
                     endpoint = excluded.endpoint, actor_ip = excluded.actor_ip, \
                     actor_consumer = excluded.actor_consumer, \
                     actor_user = excluded.actor_user, first_us = excluded.first_us, \
                     last_us = excluded.last_us, hits = excluded.hits, \
                     detail = excluded.detail",
                )
                .bind(i.id)
                .bind(i.category)
                .bind(i.severity)
                .bind(i.title)
                .bind(i.endpoint)
                .bind(i.actor_ip)
                .bind(i.actor_consumer)
                .bind(i.actor_user)
                .bind(i.first_us)
                .bind(i.last_us)
                .bind(to_i64(i.hits))
                .bind(i.detail.to_string())
                .bind(status)
                .bind(i.assignee.filter(|a| !a.is_empty()))
                .bind(notes)
                .execute(&mut *tx)
                .await
                .map_err(backend)?;
            }
            tx.commit().await.map_err(backend)
        })
    }

    fn list_incidents(&self, q: IncidentQuery) -> StoreFuture<'_, Vec<IncidentRow>> {
        Box::pin(async move {
            let mut qb: QueryBuilder<Sqlite> =
                QueryBuilder::new(format!("SELECT {INCIDENT_COLUMNS} FROM incidents WHERE 1"));
            if let Some(status) = q.status {
                qb.push(" AND status = ").push_bind(status);
            }
            if let Some(severity) = q.severity {
                qb.push(" AND severity = ").push_bind(severity);
            }
            if let Some(actor) = q.actor {
                qb.push(" AND (actor_ip = ")
                    .push_bind(actor.clone())
                    .push(" OR actor_consumer = ")
                    .push_bind(actor.clone())
                    .push(" OR actor_user = ")
                    .push_bind(actor)
                    .push(")");
            }
            qb.push(" ORDER BY last_us DESC, id LIMIT ")
                .push_bind(clamp_limit(
                    q.limit,
                    DEFAULT_INCIDENT_LIMIT,
                    MAX_INCIDENT_LIMIT,
                ));
            let rows = qb.build().fetch_all(&self.pool).await.map_err(backend)?;
            rows.iter().map(incident_row).collect()
        })
    }

    fn get_incident<'a>(&'a self, id: &'a str) -> StoreFuture<'a, IncidentRow> {
        Box::pin(self.fetch_incident(id))
    }

    fn update_incident<'a>(
        &'a self,
        id: &'a str,
        update: IncidentUpdate,
    ) -> StoreFuture<'a, IncidentRow> {
        Box::pin(async move {
            if let Some(status) = &update.status {
                check_status(status)?;
            }
            let note = update
                .note
                .map(|n| serde_json::to_string(&n))
                .transpose()
                .map_err(|e| corrupt("note", e))?;
            // One statement: the note is appended by SQLite itself, so two analysts writing
            // notes at once both keep theirs.
            let done = sqlx::query(
                "UPDATE incidents SET status = COALESCE(?1, status), \
                 assignee = CASE WHEN ?2 IS NULL THEN assignee WHEN ?2 = '' THEN NULL \
                 ELSE ?2 END, \
                 notes = CASE WHEN ?3 IS NULL THEN notes \
                 ELSE json_insert(notes, '$[#]', json(?3)) END \
                 WHERE id = ?4",
            )
            .bind(update.status)
            .bind(update.assignee)
            .bind(note)
            .bind(id)
            .execute(&self.pool)
            .await
            .map_err(backend)?;
            crate::found(&done, "incident", id)?;
            self.fetch_incident(id).await
        })
    }

    fn insert_exchanges(&self, rows: Vec<ExchangeRow>) -> StoreFuture<'_, ()> {
        Box::pin(async move {
            let mut tx = self.pool.begin().await.map_err(backend)?;
            // Samples go in multi-row statements (far fewer round trips at hundreds of rows a
            // second); one that cites incidents goes alone, so its id is known for the links.
            // Input order is kept, so ids follow it.
            let mut plain: Vec<ExchangeRow> = Vec::with_capacity(INSERT_CHUNK.min(rows.len()));
            for mut x in rows {
                if x.incidents.is_empty() {
                    plain.push(x);
                    if plain.len() == INSERT_CHUNK {
                        insert_samples(&mut tx, std::mem::take(&mut plain)).await?;
                    }
                    continue;
                }
                insert_samples(&mut tx, std::mem::take(&mut plain)).await?;
                let incidents = std::mem::take(&mut x.incidents);
                let id = insert_samples(&mut tx, vec![x]).await?;
                for incident in incidents {
                    sqlx::query(
                        "INSERT OR IGNORE INTO exchange_incidents (exchange_id, incident_id) \
                         VALUES (?, ?)",
                    )
                    .bind(id)
                    .bind(incident)
                    .execute(&mut *tx)
                    .await
                    .map_err(backend)?;
                }
            }
            insert_samples(&mut tx, plain).await?;
            tx.commit().await.map_err(backend)
        })
    }

    fn query_exchanges(&self, q: ExchangeQuery) -> StoreFuture<'_, Vec<ExchangeRow>> {
        Box::pin(async move {
            let mut qb: QueryBuilder<Sqlite> = QueryBuilder::new(EXCHANGE_SELECT);
            qb.push(" WHERE 1");
            if let Some(since) = q.since_us {
                qb.push(" AND e.time_us >= ").push_bind(since);
            }
            if let Some(until) = q.until_us {
                qb.push(" AND e.time_us < ").push_bind(until);
            }
            for (col, value) in [
                ("ip", q.ip),
                ("consumer", q.consumer),
                ("user", q.user),
                ("endpoint", q.endpoint),
            ] {
                if let Some(v) = value {
                    qb.push(format_args!(" AND e.{col} = ")).push_bind(v);
                }
            }
            if let Some(status) = q.status {
                qb.push(" AND e.status = ").push_bind(i64::from(status));
            }
            if let Some(incident) = q.incident {
                qb.push(
                    " AND e.id IN (SELECT exchange_id FROM exchange_incidents \
                     WHERE incident_id = ",
                )
                .push_bind(incident)
                .push(")");
            }
            if let Some(before) = q.before_id {
                qb.push(" AND e.id < ").push_bind(before);
            }
            qb.push(" ORDER BY e.id DESC LIMIT ").push_bind(clamp_limit(
                q.limit,
                DEFAULT_EXCHANGE_LIMIT,
                MAX_EXCHANGE_LIMIT,
            ));
            let rows = qb.build().fetch_all(&self.pool).await.map_err(backend)?;
            rows.iter().map(exchange_row).collect()
        })
    }

    fn get_exchange(&self, id: i64) -> StoreFuture<'_, ExchangeRow> {
        Box::pin(async move {
            let row = sqlx::query(&format!("{EXCHANGE_SELECT} WHERE e.id = ?"))
                .bind(id)
                .fetch_optional(&self.pool)
                .await
                .map_err(backend)?;
            match row {
                Some(r) => exchange_row(&r),
                None => Err(StoreError::NotFound {
                    kind: "exchange",
                    name: id.to_string(),
                }),
            }
        })
    }

    fn link_exchanges<'a>(&'a self, incident: &'a str, ids: Vec<i64>) -> StoreFuture<'a, ()> {
        Box::pin(async move {
            let mut tx = self.pool.begin().await.map_err(backend)?;
            for id in ids {
                // Selecting from `exchanges` skips unknown (or pruned) ids instead of
                // failing the foreign key.
                sqlx::query(
                    "INSERT OR IGNORE INTO exchange_incidents (exchange_id, incident_id) \
                     SELECT id, ?1 FROM exchanges WHERE id = ?2",
                )
                .bind(incident)
                .bind(id)
                .execute(&mut *tx)
                .await
                .map_err(backend)?;
            }
            tx.commit().await.map_err(backend)
        })
    }

    fn add_exception(&self, row: ExceptionRow) -> StoreFuture<'_, i64> {
        Box::pin(async move {
            let done = sqlx::query(
                "INSERT INTO exceptions (rule, endpoint, actor, reason, author, created_at) \
                 VALUES (?, ?, ?, ?, ?, ?)",
            )
            .bind(row.rule)
            .bind(row.endpoint)
            .bind(row.actor)
            .bind(row.reason)
            .bind(row.author)
            .bind(row.created_at)
            .execute(&self.pool)
            .await
            .map_err(backend)?;
            Ok(done.last_insert_rowid())
        })
    }

    fn list_exceptions(&self) -> StoreFuture<'_, Vec<ExceptionRow>> {
        Box::pin(async move {
            let rows = sqlx::query("SELECT * FROM exceptions ORDER BY id")
                .fetch_all(&self.pool)
                .await
                .map_err(backend)?;
            rows.iter().map(exception_row).collect()
        })
    }

    fn delete_exception(&self, id: i64) -> StoreFuture<'_, ()> {
        Box::pin(async move {
            let done = sqlx::query("DELETE FROM exceptions WHERE id = ?")
                .bind(id)
                .execute(&self.pool)
                .await
                .map_err(backend)?;
            crate::found(&done, "exception", id)?;
            Ok(())
        })
    }

    fn add_traffic(&self, minutes: Vec<TrafficMinute>) -> StoreFuture<'_, ()> {
        Box::pin(async move {
            let mut tx = self.pool.begin().await.map_err(backend)?;
            for m in minutes {
                sqlx::query(
                    "INSERT INTO traffic (minute, requests, errors, blocked, attacks, shed) \
                     VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (minute) DO UPDATE SET \
                     requests = requests + excluded.requests, \
                     errors = errors + excluded.errors, \
                     blocked = blocked + excluded.blocked, \
                     attacks = attacks + excluded.attacks, shed = shed + excluded.shed",
                )
                .bind(m.minute - m.minute.rem_euclid(60))
                .bind(to_i64(m.requests))
                .bind(to_i64(m.errors))
                .bind(to_i64(m.blocked))
                .bind(to_i64(m.attacks))
                .bind(to_i64(m.shed))
                .execute(&mut *tx)
                .await
                .map_err(backend)?;
            }
            tx.commit().await.map_err(backend)
        })
    }

    fn traffic(&self, since: i64) -> StoreFuture<'_, Vec<TrafficMinute>> {
        Box::pin(async move {
            let rows = sqlx::query("SELECT * FROM traffic WHERE minute >= ? ORDER BY minute")
                .bind(since)
                .fetch_all(&self.pool)
                .await
                .map_err(backend)?;
            rows.iter().map(traffic_row).collect()
        })
    }

    fn prune(&self, retention: Retention, now: i64) -> StoreFuture<'_, Pruned> {
        Box::pin(async move {
            let cutoff = now.saturating_sub(retention.max_age_secs.max(0));
            let by_age = self
                .delete_chunked("time_us < ?1", cutoff.saturating_mul(1_000_000))
                .await?;

            // Size: the newest samples that fit are kept. One running sum from the newest
            // (over the small `(id, bytes)` index) finds the newest sample that no longer
            // fits; it and everything older go. Samples inserted meanwhile are newer and
            // cannot move the cut.
            let cut: Option<i64> = sqlx::query(SIZE_CUT)
                .bind(to_i64(retention.max_bytes))
                .fetch_optional(&self.pool)
                .await
                .and_then(|r| r.map(|r| r.try_get(0)).transpose())
                .map_err(backend)?;
            let by_size = match cut {
                Some(cut) => self.delete_chunked("id <= ?1", cut).await?,
                None => 0,
            };

            sqlx::query("DELETE FROM traffic WHERE minute < ?")
                .bind(cutoff)
                .execute(&self.pool)
                .await
                .map_err(backend)?;
            Ok(Pruned { by_age, by_size })
        })
    }

    fn put_spec(&self, row: SpecRow) -> StoreFuture<'_, ()> {
        Box::pin(async move {
            let document = row.document.to_string();
            sqlx::query(
                "INSERT INTO specs (name, title, version, operations, imported_at, bytes, \
                 document) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (name) DO UPDATE SET \
                 title = excluded.title, version = excluded.version, \
                 operations = excluded.operations, imported_at = excluded.imported_at, \
                 bytes = excluded.bytes, document = excluded.document",
            )
            .bind(row.name)
            .bind(row.title)
            .bind(row.version)
            .bind(to_i64(row.operations))
            .bind(row.imported_at)
            .bind(i64::try_from(document.len()).unwrap_or(i64::MAX))
            .bind(document)
            .execute(&self.pool)
            .await
            .map_err(backend)?;
            Ok(())
        })
    }

    fn list_specs(&self) -> StoreFuture<'_, Vec<SpecSummary>> {
        Box::pin(async move {
            let rows = sqlx::query(
                "SELECT name, title, version, operations, imported_at, bytes FROM specs \
                 ORDER BY name",
            )
            .fetch_all(&self.pool)
            .await
            .map_err(backend)?;
            rows.iter().map(spec_summary).collect()
        })
    }

    fn get_spec<'a>(&'a self, name: &'a str) -> StoreFuture<'a, SpecRow> {
        Box::pin(async move {
            let row = sqlx::query("SELECT * FROM specs WHERE name = ?")
                .bind(name)
                .fetch_optional(&self.pool)
                .await
                .map_err(backend)?;
            let Some(r) = row else {
                return Err(StoreError::NotFound {
                    kind: "spec",
                    name: name.into(),
                });
            };
            let s = spec_summary(&r)?;
            Ok(SpecRow {
                name: s.name,
                title: s.title,
                version: s.version,
                operations: s.operations,
                imported_at: s.imported_at,
                document: json_col(&r, "document")?,
            })
        })
    }

    fn delete_spec<'a>(&'a self, name: &'a str) -> StoreFuture<'a, ()> {
        Box::pin(async move {
            let done = sqlx::query("DELETE FROM specs WHERE name = ?")
                .bind(name)
                .execute(&self.pool)
                .await
                .map_err(backend)?;
            crate::found(&done, "spec", name)?;
            Ok(())
        })
    }
}
