//! The admin REST API over the gateway's state.
//!
//! An axum [`router`] under `/admin/v1`, guarded by one bearer token, that edits consumers,
//! credentials, routes, upstreams, policies, JWT issuers and the deny list in a
//! [`GatewayStore`]. Every change is written to the store and then the whole spec (file part +
//! store part, see [`merge_specs`]) is handed to [`Control::apply`]; when the gateway refuses it
//! the store change is rolled back and the problems are answered as 422. This crate does not
//! know the gateway: the lead implements [`Control`].

mod auth;
mod consumers;
mod credentials;
mod error;
mod objects;
mod openapi;
mod state;

use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
use axum::Router;
use lampyr_spec::{DenyEntry, GatewaySpec, JwtIssuerSpec, PolicySpec, RouteSpec, UpstreamSpec};

pub use error::ApiError;
pub use lampyr_spec::IssuedKey;
pub use state::AdminState;

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

/// The admin API. Every route, including unknown ones and `openapi.json`, needs the bearer token.
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
        .route("/openapi.json", get(openapi::document));
    Router::new()
        .nest("/admin/v1", api)
        .route("/metrics", get(objects::metrics))
        .fallback(error::not_found)
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            auth::require_token,
        ))
        .with_state(state)
}

#[cfg(test)]
mod tests;
