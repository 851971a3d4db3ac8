use super::*;
use lampyr_store::AnalyticsStore;
use sqlx::sqlite::SqliteJournalMode;
use sqlx::SqlitePool;

async fn fresh() -> (tempfile::TempDir, SqliteStore) {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = SqliteStore::open(&dir.path().join("lampyr.db"))
        .await
        .expect("open");
    (dir, store)
}

#[tokio::test]
async fn passes_the_conformance_suite() {
    let (_dir, store) = fresh().await;
    lampyr_store::conformance::run(&store).await;
}

#[tokio::test]
async fn conformance_through_a_trait_object() {
    let (_dir, store) = fresh().await;
    let dynamic: std::sync::Arc<dyn GatewayStore> = std::sync::Arc::new(store);
    lampyr_store::conformance::run(dynamic.as_ref()).await;
}

#[tokio::test]
async fn passes_the_analytics_conformance_suite() {
    let (_dir, store) = fresh().await;
    lampyr_store::conformance_analytics::run(&store).await;
}

#[tokio::test]
async fn passes_the_console_conformance_suite() {
    let (_dir, store) = fresh().await;
    lampyr_store::conformance_console::run(&store).await;
}

#[tokio::test]
async fn whole_store_through_one_trait_object() {
    let (_dir, store) = fresh().await;
    let dynamic: std::sync::Arc<dyn lampyr_store::Store> = std::sync::Arc::new(store);
    lampyr_store::conformance::run(dynamic.as_ref()).await;
    lampyr_store::conformance_analytics::run(dynamic.as_ref()).await;
    lampyr_store::conformance_console::run(dynamic.as_ref()).await;
}

#[tokio::test]
async fn data_survives_reopen_and_migrations_run_once() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("lampyr.db");
    let store = SqliteStore::open(&path).await.expect("open");
    store
        .put_consumer(lampyr_store::conformance::consumer("keep"))
        .await
        .expect("put");
    store.close().await;
    let store = SqliteStore::open(&path).await.expect("reopen");
    assert_eq!(store.get_consumer("keep").await.expect("get").name, "keep");
    let versions: Vec<i64> = sqlx::query("SELECT version FROM schema_version")
        .fetch_all(&store.pool)
        .await
        .expect("versions")
        .iter()
        .map(|r| r.get("version"))
        .collect();
    let want: Vec<i64> = (1..=schema::latest()).collect();
    assert_eq!(versions, want, "migrations recorded more than once");
}

#[tokio::test]
async fn wal_mode_and_foreign_keys_are_on() {
    let (_dir, store) = fresh().await;
    let mode: String = sqlx::query("PRAGMA journal_mode")
        .fetch_one(&store.pool)
        .await
        .expect("pragma")
        .get(0);
    assert_eq!(mode.to_ascii_lowercase(), "wal");
    let fk: i64 = sqlx::query("PRAGMA foreign_keys")
        .fetch_one(&store.pool)
        .await
        .expect("pragma")
        .get(0);
    assert_eq!(fk, 1);
}

#[tokio::test]
async fn refuses_a_newer_schema() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("lampyr.db");
    let store = SqliteStore::open(&path).await.expect("open");
    sqlx::query("INSERT INTO schema_version (version) VALUES (999)")
        .execute(&store.pool)
        .await
        .expect("bump");
    store.close().await;
    assert!(matches!(
        SqliteStore::open(&path).await,
        Err(StoreError::Corrupt(_))
    ));
}

#[tokio::test]
async fn corrupt_rows_are_reported_not_panicked() {
    let (_dir, store) = fresh().await;
    sqlx::query("INSERT INTO objects (kind, name, body) VALUES ('route', 'bad', '{not json')")
        .execute(&store.pool)
        .await
        .expect("insert");
    assert!(matches!(
        store.load_spec().await,
        Err(StoreError::Corrupt(_))
    ));
}

/// A database written by the first release (gateway tables only) opens, keeps its data and
/// gains the analytics and console tables.
#[tokio::test]
async fn upgrades_a_version_1_database() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("lampyr.db");
    {
        let options = sqlx::sqlite::SqliteConnectOptions::new()
            .filename(&path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .foreign_keys(true);
        let pool = SqlitePool::connect_with(options).await.expect("pool");
        schema::migrate_to(&pool, 1).await.expect("version 1");
        let old = SqliteStore { pool: pool.clone() };
        let mut keep = lampyr_store::conformance::consumer("keep");
        keep.credentials = vec![lampyr_store::conformance::api_key("k1", "h1")];
        old.put_consumer(keep).await.expect("put");
        let tables: Vec<String> =
            sqlx::query("SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'users'")
                .fetch_all(&pool)
                .await
                .expect("tables")
                .iter()
                .map(|r| r.get("name"))
                .collect();
        assert!(tables.is_empty(), "version 1 already has console tables");
        pool.close().await;
    }
    let store = SqliteStore::open(&path).await.expect("upgrade");
    let versions: Vec<i64> = sqlx::query("SELECT version FROM schema_version ORDER BY version")
        .fetch_all(&store.pool)
        .await
        .expect("versions")
        .iter()
        .map(|r| r.get("version"))
        .collect();
    let want: Vec<i64> = (1..=schema::latest()).collect();
    assert_eq!(versions, want);
    assert_eq!(store.credential_owner("k1").await.expect("owner"), "keep");
    lampyr_store::conformance_analytics::run(&store).await;
    lampyr_store::conformance_console::run(&store).await;
}

/// Size retention over many samples deletes in chunks and still cuts at the right sample.
#[tokio::test]
async fn size_retention_across_chunks() {
    let (_dir, store) = fresh().await;
    let n = 12_000;
    let rows: Vec<_> = (0..n)
        .map(|i| {
            let mut r = lampyr_store::conformance_analytics::exchange(i, "10.0.0.1", 200);
            r.exchange = serde_json::json!({"i": format!("{i:08}")});
            r
        })
        .collect();
    let each = rows[0].exchange.to_string().len() as u64;
    store.insert_exchanges(rows).await.expect("insert");
    let keep = 100;
    let pruned = store
        .prune(
            lampyr_store::Retention {
                max_age_secs: i64::MAX,
                max_bytes: each * keep,
            },
            1_700_000_000,
        )
        .await
        .expect("prune");
    assert_eq!(pruned.by_size, n as u64 - keep);
    let stored: i64 = sqlx::query("SELECT COUNT(*) FROM exchanges")
        .fetch_one(&store.pool)
        .await
        .expect("count")
        .get(0);
    assert_eq!(stored as u64, keep);
}

/// The filters the console uses most, and the retention sums, are answered from indexes,
/// not table scans.
#[tokio::test]
async fn exchange_queries_use_indexes() {
    let (_dir, store) = fresh().await;
    // Age retention selects by time alone; the console's filters are newest first.
    for (query, index) in [
        ("WHERE time_us < 1 LIMIT 10", "exchanges_by_time"),
        ("WHERE ip = 'x' ORDER BY id DESC", "exchanges_by_ip"),
        (
            "WHERE consumer = 'x' ORDER BY id DESC",
            "exchanges_by_consumer",
        ),
        ("WHERE user = 'x' ORDER BY id DESC", "exchanges_by_user"),
        (
            "WHERE endpoint = 'x' ORDER BY id DESC",
            "exchanges_by_endpoint",
        ),
    ] {
        plan_uses(&store, &format!("SELECT id FROM exchanges {query}"), index).await;
    }
    plan_uses(&store, analytics::SIZE_CUT, "exchanges_bytes").await;
}

async fn plan_uses(store: &SqliteStore, query: &str, index: &str) {
    let plan: Vec<String> = sqlx::query(&format!("EXPLAIN QUERY PLAN {query}"))
        .fetch_all(&store.pool)
        .await
        .expect("plan")
        .iter()
        .map(|r| r.get("detail"))
        .collect();
    assert!(
        plan.iter().any(|d| d.contains(index)),
        "{query}: plan {plan:?} does not use {index}"
    );
}
