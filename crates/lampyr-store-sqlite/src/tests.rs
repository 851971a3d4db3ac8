use super::*;

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
    assert_eq!(
        versions,
        [schema::latest()],
        "migrations recorded more than once"
    );
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
