//! The web console: server-rendered pages over the same `*_data` functions the JSON API
//! answers with, plus `console.css` and `console.js` (embedded). Actions are `fetch()` calls
//! from console.js to the JSON API with the page's CSRF token, so the console holds no
//! business logic of its own.

pub(crate) mod html;
mod pages;
pub(crate) mod svg;

use std::sync::OnceLock;

use axum::extract::Request;
use axum::http::header::{
    CACHE_CONTROL, CONTENT_SECURITY_POLICY, CONTENT_TYPE, REFERRER_POLICY, X_CONTENT_TYPE_OPTIONS,
    X_FRAME_OPTIONS,
};
use axum::http::HeaderValue;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use sha2::{Digest, Sha256};

use crate::state::AdminState;

/// URL of the stylesheet.
pub(crate) const CSS_PATH: &str = "/static/console.css";
/// URL of the script.
pub(crate) const JS_PATH: &str = "/static/console.js";
/// Browsers ask for it on every page; answered empty so it costs nothing.
pub(crate) const FAVICON_PATH: &str = "/favicon.ico";

const CSS: &str = include_str!("assets/console.css");
const JS: &str = include_str!("assets/console.js");

/// The policy every answer carries: only this origin's script, style and images; no
/// framing; forms post only here.
const CSP: &str = "default-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'; object-src 'none'";

/// Short hash of the assets, appended to their URLs so they can be cached for a year.
pub(crate) fn asset_version() -> &'static str {
    static V: OnceLock<String> = OnceLock::new();
    V.get_or_init(|| {
        let d = Sha256::new().chain_update(CSS).chain_update(JS).finalize();
        d.iter().take(6).map(|b| format!("{b:02x}")).collect()
    })
}

/// Whether a GET path is a console page (unauthenticated visits go to the login page).
pub(crate) fn is_page(path: &str) -> bool {
    path == "/"
        || [
            "/inventory",
            "/sensitive",
            "/incidents",
            "/investigate",
            "/actors/",
            "/exchanges/",
            "/gateway",
            "/audit",
            "/users",
        ]
        .iter()
        .any(|p| path.starts_with(p))
}

fn asset(content_type: &'static str, body: &'static str) -> Response {
    (
        [
            (CONTENT_TYPE, content_type),
            (CACHE_CONTROL, "public, max-age=31536000, immutable"),
        ],
        body,
    )
        .into_response()
}

/// Middleware on every answer: CSP, no framing, no sniffing, no referrer.
pub(crate) async fn security_headers(req: Request, next: Next) -> Response {
    let mut resp = next.run(req).await;
    let h = resp.headers_mut();
    h.insert(CONTENT_SECURITY_POLICY, HeaderValue::from_static(CSP));
    h.insert(X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    resp
}

/// The console's routes (pages and assets); the caller adds authentication.
pub(crate) fn routes() -> Router<AdminState> {
    Router::new()
        .route(
            CSS_PATH,
            get(|| async { asset("text/css; charset=utf-8", CSS) }),
        )
        .route(
            JS_PATH,
            get(|| async { asset("text/javascript; charset=utf-8", JS) }),
        )
        .route(
            FAVICON_PATH,
            get(|| async {
                (
                    axum::http::StatusCode::NO_CONTENT,
                    [(CACHE_CONTROL, "public, max-age=86400")],
                )
            }),
        )
        .route("/", get(pages::overview::page))
        .route("/inventory", get(pages::inventory::page))
        .route("/inventory/endpoint", get(pages::endpoint::page))
        .route("/sensitive", get(pages::sensitive::page))
        .route("/incidents", get(pages::incidents::list))
        .route("/incidents/{id}", get(pages::incidents::detail))
        .route("/investigate", get(pages::investigate::search))
        .route("/actors/{actor}", get(pages::investigate::actor))
        .route("/exchanges/{id}", get(pages::investigate::exchange))
        .route("/gateway", get(pages::gateway::page))
        .route("/audit", get(pages::admin::audit))
        .route("/users", get(pages::admin::users))
}
