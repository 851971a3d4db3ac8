//! Storage traits for the gateway's state.
//!
//! The admin API writes consumers, credentials, routes, upstreams, policies, JWT issuers, the
//! deny list and an audit log through [`GatewayStore`]; the gateway reads everything back as one
//! [`GatewaySpec`] with [`GatewayStore::load_spec`]. The trait is object-safe (boxed futures, no
//! macro crate) so the admin API can hold an `Arc<dyn GatewayStore>` whatever the backend.
//! Every backend runs [`conformance::run`] in its tests, so the backends cannot drift apart.

pub mod analytics;
pub mod conformance;
pub mod conformance_analytics;
pub mod conformance_console;
pub mod console;

pub use analytics::{
    AnalyticsStore, EndpointRow, ExceptionRow, ExchangeQuery, ExchangeRow, IncidentNote,
    IncidentQuery, IncidentRow, IncidentUpdate, Pruned, Retention, SpecRow, SpecSummary,
    TrafficMinute,
};
pub use console::{ConsoleStore, Role, SessionRow, UserRow};

use std::future::Future;
use std::pin::Pin;

use lampyr_spec::{
    ConsumerSpec, DenyEntry, DenyKind, GatewaySpec, JwtIssuerSpec, PolicySpec, RouteSpec,
    UpstreamSpec,
};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

/// Why a store operation failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The named object does not exist.
    #[error("{kind} {name:?} not found")]
    NotFound {
        /// Object kind (`consumer`, `route`, `credential`, ...).
        kind: &'static str,
        /// Its name or id.
        name: String,
    },
    /// The write would break a uniqueness rule (a credential already bound elsewhere, ...).
    #[error("conflict: {0}")]
    Conflict(String),
    /// The backend failed (I/O, locking, SQL).
    #[error("store backend error: {0}")]
    Backend(String),
    /// Stored data no longer decodes into the model.
    #[error("corrupt stored data: {0}")]
    Corrupt(String),
}

/// A boxed, sendable future of a store result: what keeps [`GatewayStore`] object-safe.
pub type StoreFuture<'a, T> = Pin<Box<dyn Future<Output = Result<T, StoreError>> + Send + 'a>>;

/// The named object kinds stored as JSON documents (everything but consumers).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ObjectKind {
    /// [`RouteSpec`], named by `name`.
    Route,
    /// [`UpstreamSpec`], named by `name`.
    Upstream,
    /// [`PolicySpec`], named by `name`.
    Policy,
    /// [`JwtIssuerSpec`], named by `issuer`.
    JwtIssuer,
}

impl ObjectKind {
    /// Stable identifier used as the storage key and in error messages.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Route => "route",
            Self::Upstream => "upstream",
            Self::Policy => "policy",
            Self::JwtIssuer => "jwt_issuer",
        }
    }
}

/// A spec type stored by name: ties the Rust type to its [`ObjectKind`] for typed access.
pub trait NamedObject: Serialize + DeserializeOwned + Send + Sync + 'static {
    /// Which kind of object this is.
    const KIND: ObjectKind;
    /// The unique name it is stored under.
    fn object_name(&self) -> &str;
}

impl NamedObject for RouteSpec {
    const KIND: ObjectKind = ObjectKind::Route;
    fn object_name(&self) -> &str {
        &self.name
    }
}
impl NamedObject for UpstreamSpec {
    const KIND: ObjectKind = ObjectKind::Upstream;
    fn object_name(&self) -> &str {
        &self.name
    }
}
impl NamedObject for PolicySpec {
    const KIND: ObjectKind = ObjectKind::Policy;
    fn object_name(&self) -> &str {
        &self.name
    }
}
impl NamedObject for JwtIssuerSpec {
    const KIND: ObjectKind = ObjectKind::JwtIssuer;
    fn object_name(&self) -> &str {
        &self.issuer
    }
}

/// One audit-log record as stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditRecord {
    /// Increasing id (newer records have larger ids).
    pub id: i64,
    /// Unix seconds.
    pub at: i64,
    /// Who did it (`admin` for the bearer token).
    pub actor: String,
    /// Verb (`consumer.create`, `credential.rotate`, ...).
    pub action: String,
    /// What it was done to (`consumer/alice`).
    pub object: String,
    /// Extra details; never holds secrets.
    pub detail: serde_json::Value,
}

/// Persistent gateway state. Writes are atomic per call; callers that need several writes to
/// succeed together (write, validate, roll back) serialize them themselves.
pub trait GatewayStore: Send + Sync {
    /// Every consumer with its credentials, ordered by name.
    fn list_consumers(&self) -> StoreFuture<'_, Vec<ConsumerSpec>>;
    /// One consumer with its credentials.
    fn get_consumer<'a>(&'a self, name: &'a str) -> StoreFuture<'a, ConsumerSpec>;
    /// Creates or replaces a consumer and its whole credential set. Every credential must carry
    /// an id; ids, API key hashes, HMAC access keys, basic user names, mTLS fingerprints (or
    /// subjects) and JWT issuer/subject pairs must be unique store-wide, otherwise `Conflict`
    /// and nothing is written. Last-used times of credentials kept by id survive the replace.
    fn put_consumer(&self, consumer: ConsumerSpec) -> StoreFuture<'_, ()>;
    /// Deletes a consumer and its credentials.
    fn delete_consumer<'a>(&'a self, name: &'a str) -> StoreFuture<'a, ()>;
    /// Name of the consumer owning a credential id.
    fn credential_owner<'a>(&'a self, credential_id: &'a str) -> StoreFuture<'a, String>;
    /// Records last-use times (unix seconds); unknown ids are ignored, times never go backwards.
    fn set_last_used(&self, entries: Vec<(String, i64)>) -> StoreFuture<'_, ()>;
    /// Recorded last-use times of every credential that has one.
    fn last_used(&self) -> StoreFuture<'_, Vec<(String, i64)>>;

    /// JSON documents of one kind, in insertion order (route order matters for ties).
    fn list_objects(&self, kind: ObjectKind) -> StoreFuture<'_, Vec<serde_json::Value>>;
    /// One JSON document.
    fn get_object<'a>(
        &'a self,
        kind: ObjectKind,
        name: &'a str,
    ) -> StoreFuture<'a, serde_json::Value>;
    /// Creates or replaces a document (a replaced one keeps its position).
    fn put_object<'a>(
        &'a self,
        kind: ObjectKind,
        name: &'a str,
        value: serde_json::Value,
    ) -> StoreFuture<'a, ()>;
    /// Deletes a document.
    fn delete_object<'a>(&'a self, kind: ObjectKind, name: &'a str) -> StoreFuture<'a, ()>;

    /// The deny list, ordered by kind then value.
    fn list_deny(&self) -> StoreFuture<'_, Vec<DenyEntry>>;
    /// Adds an entry, replacing one with the same kind and value.
    fn add_deny(&self, entry: DenyEntry) -> StoreFuture<'_, ()>;
    /// Removes an entry.
    fn remove_deny<'a>(&'a self, kind: DenyKind, value: &'a str) -> StoreFuture<'a, ()>;

    /// Appends an audit record; returns its id.
    fn append_audit<'a>(
        &'a self,
        actor: &'a str,
        action: &'a str,
        object: &'a str,
        detail: serde_json::Value,
        at: i64,
    ) -> StoreFuture<'a, i64>;
    /// The newest `limit` audit records, newest first.
    fn list_audit(&self, limit: usize) -> StoreFuture<'_, Vec<AuditRecord>>;

    /// Everything stored, assembled as a spec (consumers, routes, upstreams, policies, JWT
    /// issuers; the other sections are left at their defaults for the caller to merge).
    fn load_spec(&self) -> StoreFuture<'_, GatewaySpec> {
        Box::pin(async move {
            Ok(GatewaySpec {
                consumers: self.list_consumers().await?,
                routes: decode_all(self.list_objects(ObjectKind::Route).await?)?,
                upstreams: decode_all(self.list_objects(ObjectKind::Upstream).await?)?,
                policies: decode_all(self.list_objects(ObjectKind::Policy).await?)?,
                jwt_issuers: decode_all(self.list_objects(ObjectKind::JwtIssuer).await?)?,
                ..GatewaySpec::default()
            })
        })
    }
}

/// Typed access to the JSON documents of [`GatewayStore`], for any store including trait objects.
pub trait GatewayStoreExt: GatewayStore {
    /// Every object of type `T`.
    fn list<T: NamedObject>(&self) -> impl Future<Output = Result<Vec<T>, StoreError>> + Send {
        async move { decode_all(self.list_objects(T::KIND).await?) }
    }
    /// One object of type `T`.
    fn get<'a, T: NamedObject>(
        &'a self,
        name: &'a str,
    ) -> impl Future<Output = Result<T, StoreError>> + Send + 'a {
        async move { decode(self.get_object(T::KIND, name).await?) }
    }
    /// Creates or replaces an object under its own name.
    fn put<'a, T: NamedObject>(
        &'a self,
        object: &'a T,
    ) -> impl Future<Output = Result<(), StoreError>> + Send + 'a {
        async move {
            let value = serde_json::to_value(object)
                .map_err(|e| StoreError::Backend(format!("encoding {}: {e}", T::KIND.as_str())))?;
            self.put_object(T::KIND, object.object_name(), value).await
        }
    }
    /// Deletes an object of type `T`.
    fn delete<'a, T: NamedObject>(
        &'a self,
        name: &'a str,
    ) -> impl Future<Output = Result<(), StoreError>> + Send + 'a {
        self.delete_object(T::KIND, name)
    }
}

impl<S: GatewayStore + ?Sized> GatewayStoreExt for S {}

fn decode<T: DeserializeOwned>(value: serde_json::Value) -> Result<T, StoreError> {
    serde_json::from_value(value).map_err(|e| StoreError::Corrupt(e.to_string()))
}

fn decode_all<T: DeserializeOwned>(values: Vec<serde_json::Value>) -> Result<Vec<T>, StoreError> {
    values.into_iter().map(decode).collect()
}

/// Every store trait together: what `lampyr serve` hands the admin API and the console.
pub trait Store: GatewayStore + AnalyticsStore + ConsoleStore {}

impl<S: GatewayStore + AnalyticsStore + ConsoleStore + ?Sized> Store for S {}
