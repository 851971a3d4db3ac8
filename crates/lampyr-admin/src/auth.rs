//! Bearer-token check on every request, in constant time.

use axum::extract::{Request, State};
use axum::http::header::{AUTHORIZATION, WWW_AUTHENTICATE};
use axum::http::{HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::error::ApiError;
use crate::state::AdminState;

/// The configured token, kept as its SHA-256 so the comparison takes the same time whatever
/// the length or content of what a client sends.
#[derive(Clone)]
pub(crate) struct TokenDigest {
    digest: [u8; 32],
    empty: bool,
}

impl TokenDigest {
    pub(crate) fn new(token: &str) -> Self {
        Self {
            digest: Sha256::digest(token.as_bytes()).into(),
            empty: token.is_empty(),
        }
    }

    /// Whether `given` is the token. An empty configured token matches nothing.
    pub(crate) fn matches(&self, given: &str) -> bool {
        let d: [u8; 32] = Sha256::digest(given.as_bytes()).into();
        bool::from(d.ct_eq(&self.digest)) && !self.empty
    }
}

impl std::fmt::Debug for TokenDigest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("<redacted>")
    }
}

fn bearer(req: &Request) -> Option<&str> {
    let value = req.headers().get(AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
}

/// Middleware: 401 with a JSON error unless the request carries the bearer token.
pub(crate) async fn require_token(
    State(state): State<AdminState>,
    req: Request,
    next: Next,
) -> Response {
    let ok = bearer(&req).is_some_and(|t| state.token().matches(t));
    if ok {
        return next.run(req).await;
    }
    let mut resp =
        ApiError::new(StatusCode::UNAUTHORIZED, "missing or invalid bearer token").into_response();
    resp.headers_mut()
        .insert(WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
    resp
}
