//! Consumers and their credentials: two tables written in one transaction.

use std::collections::HashMap;

use lampyr_spec::{ConsumerSpec, CredentialKind, CredentialSpec};
use lampyr_store::StoreError;
use sqlx::{Row, SqlitePool};

use crate::{backend, corrupt};

/// The store-wide identity of a credential: two credentials with the same key would make
/// authentication ambiguous (whose quota, whose ACL), so SQLite refuses the second.
fn unique_key(kind: &CredentialKind) -> Option<String> {
    match kind {
        CredentialKind::ApiKey { hash: Some(h), .. } => Some(format!("api_key:{h}")),
        CredentialKind::ApiKey { .. } => None,
        CredentialKind::Hmac { access_key, .. } => Some(format!("hmac:{access_key}")),
        CredentialKind::Jwt { issuer, subject } => Some(format!("jwt:{issuer}\u{0}{subject}")),
        CredentialKind::Basic { username, .. } => Some(format!("basic:{username}")),
        CredentialKind::Mtls {
            fingerprint: Some(f),
            ..
        } => Some(format!("mtls:{}", f.to_ascii_lowercase())),
        CredentialKind::Mtls {
            subject: Some(s), ..
        } => Some(format!("mtls-subject:{s}")),
        CredentialKind::Mtls { .. } => None,
    }
}

/// What a unique-key clash is reported as (without the key material).
fn describe(kind: &CredentialKind) -> &'static str {
    match kind {
        CredentialKind::ApiKey { .. } => "API key",
        CredentialKind::Hmac { .. } => "HMAC access key",
        CredentialKind::Jwt { .. } => "JWT issuer/subject binding",
        CredentialKind::Basic { .. } => "basic user name",
        CredentialKind::Mtls { .. } => "mTLS certificate binding",
    }
}

fn decode_consumer(
    name: String,
    body: &str,
    credentials: Vec<CredentialSpec>,
) -> Result<ConsumerSpec, StoreError> {
    let mut c: ConsumerSpec = serde_json::from_str(body).map_err(|e| corrupt("consumer", e))?;
    c.name = name;
    c.credentials = credentials;
    Ok(c)
}

async fn credentials_of(
    pool: &SqlitePool,
    name: Option<&str>,
) -> Result<HashMap<String, Vec<CredentialSpec>>, StoreError> {
    let rows =
        match name {
            Some(n) => sqlx::query(
                "SELECT consumer, spec FROM credentials WHERE consumer = ? ORDER BY consumer, pos",
            )
            .bind(n)
            .fetch_all(pool)
            .await,
            None => {
                sqlx::query("SELECT consumer, spec FROM credentials ORDER BY consumer, pos")
                    .fetch_all(pool)
                    .await
            }
        }
        .map_err(backend)?;
    let mut by_consumer: HashMap<String, Vec<CredentialSpec>> = HashMap::new();
    for row in rows {
        let consumer: String = row.try_get("consumer").map_err(backend)?;
        let spec: String = row.try_get("spec").map_err(backend)?;
        let cred = serde_json::from_str(&spec).map_err(|e| corrupt("credential", e))?;
        by_consumer.entry(consumer).or_default().push(cred);
    }
    Ok(by_consumer)
}

pub(crate) async fn list(pool: &SqlitePool) -> Result<Vec<ConsumerSpec>, StoreError> {
    let rows = sqlx::query("SELECT name, body FROM consumers ORDER BY name")
        .fetch_all(pool)
        .await
        .map_err(backend)?;
    let mut creds = credentials_of(pool, None).await?;
    rows.into_iter()
        .map(|row| {
            let name: String = row.try_get("name").map_err(backend)?;
            let body: String = row.try_get("body").map_err(backend)?;
            let own = creds.remove(&name).unwrap_or_default();
            decode_consumer(name, &body, own)
        })
        .collect()
}

pub(crate) async fn get(pool: &SqlitePool, name: &str) -> Result<ConsumerSpec, StoreError> {
    let row = sqlx::query("SELECT body FROM consumers WHERE name = ?")
        .bind(name)
        .fetch_optional(pool)
        .await
        .map_err(backend)?;
    let Some(row) = row else {
        return Err(StoreError::NotFound {
            kind: "consumer",
            name: name.into(),
        });
    };
    let body: String = row.try_get("body").map_err(backend)?;
    let own = credentials_of(pool, Some(name))
        .await?
        .remove(name)
        .unwrap_or_default();
    decode_consumer(name.into(), &body, own)
}

pub(crate) async fn put(pool: &SqlitePool, consumer: ConsumerSpec) -> Result<(), StoreError> {
    if let Some(pos) = consumer.credentials.iter().position(|c| c.id.is_none()) {
        return Err(StoreError::Conflict(format!(
            "credential {pos} of consumer {:?} has no id",
            consumer.name
        )));
    }
    let profile = ConsumerSpec {
        credentials: Vec::new(),
        ..consumer.clone()
    };
    let body = serde_json::to_string(&profile).map_err(|e| StoreError::Backend(e.to_string()))?;
    let mut tx = pool.begin().await.map_err(backend)?;
    sqlx::query(
        "INSERT INTO consumers (name, body) VALUES (?, ?) \
         ON CONFLICT (name) DO UPDATE SET body = excluded.body",
    )
    .bind(&consumer.name)
    .bind(&body)
    .execute(&mut *tx)
    .await
    .map_err(backend)?;
    let kept = sqlx::query("SELECT id, last_used FROM credentials WHERE consumer = ?")
        .bind(&consumer.name)
        .fetch_all(&mut *tx)
        .await
        .map_err(backend)?;
    let mut last_used: HashMap<String, Option<i64>> = HashMap::new();
    for row in kept {
        last_used.insert(
            row.try_get("id").map_err(backend)?,
            row.try_get("last_used").map_err(backend)?,
        );
    }
    sqlx::query("DELETE FROM credentials WHERE consumer = ?")
        .bind(&consumer.name)
        .execute(&mut *tx)
        .await
        .map_err(backend)?;
    for (pos, cred) in consumer.credentials.iter().enumerate() {
        let id = cred.id.clone().unwrap_or_default();
        let spec = serde_json::to_string(cred).map_err(|e| StoreError::Backend(e.to_string()))?;
        let inserted = sqlx::query(
            "INSERT INTO credentials (id, consumer, pos, type, unique_key, spec, last_used) \
             VALUES (?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(&id)
        .bind(&consumer.name)
        .bind(pos as i64)
        .bind(cred.kind.type_name())
        .bind(unique_key(&cred.kind))
        .bind(spec)
        .bind(last_used.get(&id).copied().flatten())
        .execute(&mut *tx)
        .await;
        match inserted {
            Ok(_) => {}
            Err(sqlx::Error::Database(db)) if db.is_unique_violation() => {
                let what = if db.message().contains("credentials.id") {
                    format!("credential id {id:?} is already used")
                } else {
                    format!(
                        "this {} is already bound to a consumer",
                        describe(&cred.kind)
                    )
                };
                return Err(StoreError::Conflict(what));
            }
            Err(e) => return Err(backend(e)),
        }
    }
    tx.commit().await.map_err(backend)
}
