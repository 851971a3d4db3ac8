//! The admin REST API over the gateway's and the analytics' state, and the web console.
//!
//! An axum [`router`] under `/admin/v1` that edits consumers, credentials, routes, upstreams,
//! policies, JWT issuers and the deny list in a [`lampyr_store::GatewayStore`], and reads the
//! analytics (inventory, sensitive data, incidents, exchange samples, traffic) from a
//! [`lampyr_store::AnalyticsStore`]. Every gateway change is written to the store and then the
//! whole spec (file part + store part, see [`merge_specs`]) is handed to [`Control::apply`];
//! when the gateway refuses it the store change is rolled back and the problems are answered
//! as 422. This crate does not know the gateway: the lead implements [`Control`].
//!
//! Callers authenticate with the bearer token (actor `admin`) or a console session cookie
//! (see [`ensure_admin_user`] for the first user); cookie-authenticated writes need the
//! session's CSRF token. The console pages (server-rendered HTML) are served from the same
//! router and act through the same JSON API.

mod analytics;
mod auth;
mod console;
mod consumers;
mod credentials;
mod error;
mod login;
mod objects;
mod openapi;
mod password;
mod session;
mod state;
mod users;

use std::future::Future;
use std::pin::Pin;

use axum::extract::DefaultBodyLimit;
use axum::routing::{delete, get, patch, post};
use axum::Router;
use lampyr_spec::{DenyEntry, GatewaySpec, JwtIssuerSpec, PolicySpec, RouteSpec, UpstreamSpec};

pub use analytics::overview::MAX_INGEST_BYTES;
pub use analytics::specs::MAX_SPEC_BYTES;
pub use auth::CSRF_HEADER;
pub use error::ApiError;
pub use lampyr_spec::IssuedKey;
pub use session::SESSION_COOKIE;
pub use state::AdminState;
pub use users::ensure_admin_user;

/// Largest request body accepted (413 above).
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

/// Response header carrying the snapshot version a mutation produced.
pub const VERSION_HEADER: &str = "lampyr-snapshot-version";

/// What the admin API needs from the running gateway (implemented over the data plane by
/// `lampyr-app`; by a fake in the tests).
pub trait Control: Send + Sync + 'static {
    /// Validates and applies a full spec (file part + store part); `Err` lists every problem.
    fn apply(&self, spec: GatewaySpec) -> Result<u64, Vec<lampyr_spec::SpecError>>;
    /// Mints an API key with the server's pepper.
    fn issue_api_key(&self) -> IssuedKey;
    /// Encrypts an HMAC secret under the master key (the stored `sealed_secret`).
    fn seal_secret(&self, secret: &str) -> String;
    /// Hashes a basic-auth password (argon2 PHC string); `Err` when the password is refused.
    fn hash_password(&self, password: &str) -> Result<String, String>;
    /// Pushes the whole deny list to the data plane.
    fn deny_changed(&self, entries: Vec<DenyEntry>);
    /// Health of every upstream target, for `GET /admin/v1/upstreams/health`.
    fn upstream_health(&self) -> serde_json::Value;
    /// Recent credential uses (credential id, unix seconds) not yet persisted.
    fn last_used(&self) -> Vec<(String, i64)>;
    /// Prometheus text exposition for `GET /metrics` (same bearer token as the API).
    fn metrics_text(&self) -> String;
    /// Analytics pipeline state (exchanges seen, analysed, shed, queue depth, last flush).
    fn analytics_status(&self) -> serde_json::Value;
    /// OpenAPI 3.1 document of the discovered inventory.
    fn discovered_openapi(&self) -> serde_json::Value;
    /// Feeds Exchange JSON Lines v1 to the analytics pipeline; Ok = {accepted, rejected, errors:[...]}.
    fn ingest_jsonl(
        &self,
        body: axum::body::Bytes,
    ) -> Pin<Box<dyn Future<Output = Result<serde_json::Value, String>> + Send>>;
}

/// The spec the gateway runs: sections only the file sets (listeners, certificates, limits,
/// mirror, access log) come from `file`; named lists are the file's items followed by the
/// store's. Names never clash because the admin API refuses store names used in the file.
pub fn merge_specs(file: &GatewaySpec, stored: GatewaySpec) -> GatewaySpec {
    let mut out = file.clone();
    out.upstreams.extend(stored.upstreams);
    out.routes.extend(stored.routes);
    out.consumers.extend(stored.consumers);
    out.policies.extend(stored.policies);
    out.jwt_issuers.extend(stored.jwt_issuers);
    out
}

/// The analytics and console-user routes under `/admin/v1`.
fn analytics_routes() -> Router<AdminState> {
    use analytics::{exchanges, incidents, inventory, overview, sensitive, specs};
    Router::new()
        .route("/overview", get(overview::get))
        .route("/traffic", get(exchanges::traffic))
        .route("/inventory", get(inventory::list))
        .route("/inventory/openapi.json", get(inventory::openapi))
        .route("/inventory/{key}", get(inventory::detail))
        .route(
            "/specs",
            get(specs::list)
                .post(specs::import)
                .layer(DefaultBodyLimit::max(MAX_SPEC_BYTES)),
        )
        .route("/specs/{name}", delete(specs::delete))
        .route("/sensitive", get(sensitive::get))
        .route("/incidents", get(incidents::list))
        .route(
            "/incidents/{id}",
            get(incidents::detail).patch(incidents::patch),
        )
        .route("/incidents/{id}/block", post(incidents::block))
        .route("/incidents/{id}/exception", post(incidents::exception))
        .route("/exceptions", get(incidents::exceptions))
        .route("/exceptions/{id}", delete(incidents::delete_exception))
        .route("/exchanges", get(exchanges::search))
        .route("/exchanges/{id}", get(exchanges::get_one))
        .route("/actors/{actor}", get(exchanges::actor))
        .route(
            "/ingest",
            post(overview::ingest).layer(DefaultBodyLimit::max(MAX_INGEST_BYTES)),
        )
        .route("/users", get(users::list).post(users::create))
        .route("/users/{name}", patch(users::patch).delete(users::delete))
}

/// The admin API and the console. Every route but `/login` and the console's static assets
/// needs the bearer token or a console session (pages redirect to `/login` without one).
pub fn router(state: AdminState) -> Router {
    let api = Router::new()
        .route("/consumers", get(consumers::list).post(consumers::create))
        .route(
            "/consumers/{name}",
            get(consumers::get_one)
                .put(consumers::replace)
                .patch(consumers::patch)
                .delete(consumers::delete),
        )
        .route(
            "/consumers/{name}/credentials",
            get(credentials::list).post(credentials::create),
        )
        .route(
            "/credentials/{id}",
            axum::routing::delete(credentials::delete),
        )
        .route("/credentials/{id}/rotate", post(credentials::rotate))
        .route("/credentials/{id}/revoke", post(credentials::revoke))
        .route(
            "/routes",
            get(objects::list::<RouteSpec>).post(objects::create::<RouteSpec>),
        )
        .route(
            "/routes/{name}",
            get(objects::get_one::<RouteSpec>)
                .put(objects::replace::<RouteSpec>)
                .delete(objects::delete::<RouteSpec>),
        )
        .route("/upstreams/health", get(objects::health))
        .route(
            "/upstreams",
            get(objects::list::<UpstreamSpec>).post(objects::create::<UpstreamSpec>),
        )
        .route(
            "/upstreams/{name}",
            get(objects::get_one::<UpstreamSpec>)
                .put(objects::replace::<UpstreamSpec>)
                .delete(objects::delete::<UpstreamSpec>),
        )
        .route(
            "/policies",
            get(objects::list::<PolicySpec>).post(objects::create::<PolicySpec>),
        )
        .route(
            "/policies/{name}",
            get(objects::get_one::<PolicySpec>)
                .put(objects::replace::<PolicySpec>)
                .delete(objects::delete::<PolicySpec>),
        )
        .route(
            "/jwt_issuers",
            get(objects::list::<JwtIssuerSpec>).post(objects::create::<JwtIssuerSpec>),
        )
        .route(
            "/jwt_issuers/{name}",
            get(objects::get_one::<JwtIssuerSpec>)
                .put(objects::replace::<JwtIssuerSpec>)
                .delete(objects::delete::<JwtIssuerSpec>),
        )
        .route(
            "/deny",
            get(objects::deny_list)
                .post(objects::deny_add)
                .delete(objects::deny_remove),
        )
        .route("/audit", get(objects::audit))
        .route("/reload", post(objects::reload))
        .route("/openapi.json", get(openapi::document))
        .merge(analytics_routes());
    Router::new()
        .nest("/admin/v1", api)
        .route("/metrics", get(objects::metrics))
        .route("/login", get(login::form).post(login::submit))
        .route("/logout", post(login::logout))
        .merge(console::routes())
        .fallback(error::not_found)
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            auth::authenticate,
        ))
        .layer(axum::middleware::from_fn(console::security_headers))
        .with_state(state)
}

#[cfg(test)]
mod tests;
