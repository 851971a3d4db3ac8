//! Who is calling: the bearer token (actor `admin`, role admin) or a console session cookie;
//! what their role allows on each route; and the CSRF check cookie-authenticated writes need.

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::header::{AUTHORIZATION, CONTENT_TYPE, LOCATION, WWW_AUTHENTICATE};
use axum::http::{HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use lampyr_store::{Role, StoreError};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::error::ApiError;
use crate::session::{self, SESSION_COOKIE};
use crate::state::{now, AdminState, ACTOR};
use crate::MAX_BODY_BYTES;

/// Header carrying the session's CSRF token on cookie-authenticated writes.
pub const CSRF_HEADER: &str = "x-csrf-token";

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

/// The authenticated caller, put in the request extensions for handlers and pages.
#[derive(Clone)]
pub(crate) struct Principal {
    /// Audit actor: the console user's name, or `admin` for the bearer token.
    pub(crate) name: String,
    /// What they may do.
    pub(crate) role: Role,
    /// Present when authenticated by a session cookie.
    pub(crate) session: Option<SessionAuth>,
}

/// The session behind a cookie-authenticated request.
#[derive(Clone)]
pub(crate) struct SessionAuth {
    /// SHA-256 hex of the cookie token (the store key; logout deletes it).
    pub(crate) token_hash: String,
    /// The token pages embed for console.js.
    pub(crate) csrf: String,
}

impl std::fmt::Debug for Principal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Principal")
            .field("name", &self.name)
            .field("role", &self.role)
            .field("session", &self.session.is_some())
            .finish()
    }
}

impl Principal {
    /// The bearer-token caller.
    fn token() -> Self {
        Self {
            name: ACTOR.into(),
            role: Role::Admin,
            session: None,
        }
    }

    /// The CSRF token to embed in pages (empty for the bearer token).
    pub(crate) fn csrf(&self) -> &str {
        self.session.as_ref().map_or("", |s| s.csrf.as_str())
    }

    /// Whether the role reaches `needed`.
    pub(crate) fn may(&self, needed: Role) -> bool {
        self.role >= needed
    }
}

fn bearer(req: &Request) -> Option<&str> {
    let value = req.headers().get(AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
}

/// Paths served to anyone: the login page and the static assets.
fn is_public(path: &str) -> bool {
    matches!(
        path,
        "/login"
            | crate::console::CSS_PATH
            | crate::console::JS_PATH
            | crate::console::FAVICON_PATH
    )
}

/// The least role a request needs. Reads need viewer (users: admin); incident work needs
/// analyst; every other write (gateway objects, credentials, users, ingest) needs admin.
pub(crate) fn required_role(method: &Method, path: &str) -> Role {
    let users = path == "/users" || path.starts_with("/admin/v1/users");
    if method == Method::GET || method == Method::HEAD {
        return if users { Role::Admin } else { Role::Viewer };
    }
    if path == "/logout" {
        return Role::Viewer;
    }
    let segs: Vec<&str> = path.split('/').collect();
    let analyst = matches!(
        (method, segs.as_slice()),
        (&Method::PATCH, ["", "admin", "v1", "incidents", _])
            | (
                &Method::POST,
                ["", "admin", "v1", "incidents", _, "block" | "exception"]
            )
            | (&Method::DELETE, ["", "admin", "v1", "exceptions", _])
    );
    if analyst {
        Role::Analyst
    } else {
        Role::Admin
    }
}

/// The session named by the request's cookie, if it is live and its user is enabled.
async fn from_cookie(
    state: &AdminState,
    token: Option<String>,
) -> Result<Option<Principal>, ApiError> {
    let Some(token) = token else {
        return Ok(None);
    };
    let hash = session::token_hash(&token);
    let row = match state.store().get_session(&hash, now()).await {
        Ok(row) => row,
        Err(StoreError::NotFound { .. }) => return Ok(None),
        Err(e) => return Err(e.into()),
    };
    let user = match state.store().get_user(&row.user).await {
        Ok(u) if !u.disabled => u,
        Ok(_) | Err(StoreError::NotFound { .. }) => return Ok(None),
        Err(e) => return Err(e.into()),
    };
    Ok(Some(Principal {
        name: user.name,
        role: user.role,
        session: Some(SessionAuth {
            token_hash: hash,
            csrf: row.csrf,
        }),
    }))
}

fn unauthorized() -> Response {
    let mut resp =
        ApiError::new(StatusCode::UNAUTHORIZED, "missing or invalid bearer token").into_response();
    resp.headers_mut()
        .insert(WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
    resp
}

fn to_login() -> Response {
    (StatusCode::SEE_OTHER, [(LOCATION, "/login")]).into_response()
}

fn csrf_matches(given: &str, expected: &str) -> bool {
    let a: [u8; 32] = Sha256::digest(given.as_bytes()).into();
    let b: [u8; 32] = Sha256::digest(expected.as_bytes()).into();
    bool::from(a.ct_eq(&b)) && !expected.is_empty()
}

/// `csrf` field of an HTML form post.
#[derive(serde::Deserialize)]
struct CsrfField {
    #[serde(default)]
    csrf: String,
}

/// Passes the request on when it carries the session's CSRF token in the header or, for an
/// HTML form post, in a `csrf` field (the body is read, checked and put back).
async fn check_csrf(req: Request, expected: &str) -> Result<Request, Response> {
    let refused = || ApiError::new(StatusCode::FORBIDDEN, "missing or invalid CSRF token");
    if let Some(v) = req.headers().get(CSRF_HEADER) {
        let ok = v.to_str().is_ok_and(|v| csrf_matches(v, expected));
        return if ok {
            Ok(req)
        } else {
            Err(refused().into_response())
        };
    }
    let is_form = req
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    if !is_form {
        return Err(refused().into_response());
    }
    let (parts, body) = req.into_parts();
    let bytes = axum::body::to_bytes(body, MAX_BODY_BYTES)
        .await
        .map_err(|_| {
            ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, "body too large").into_response()
        })?;
    let field: CsrfField = serde_urlencoded::from_bytes(&bytes).unwrap_or(CsrfField {
        csrf: String::new(),
    });
    if !csrf_matches(&field.csrf, expected) {
        return Err(refused().into_response());
    }
    Ok(Request::from_parts(parts, Body::from(bytes)))
}

/// Middleware on every route: identifies the caller (401, or a redirect to the login page for
/// console pages), enforces the route's role (403) and, for cookie-authenticated writes, the
/// CSRF token (403). Handlers read the [`Principal`] from the extensions.
pub(crate) async fn authenticate(
    State(state): State<AdminState>,
    req: Request,
    next: Next,
) -> Response {
    let path = req.uri().path().to_string();
    if is_public(&path) {
        return next.run(req).await;
    }
    let who = match bearer(&req) {
        Some(t) if state.token().matches(t) => Some(Principal::token()),
        Some(_) => None,
        None => {
            match from_cookie(&state, session::cookie_value(req.headers(), SESSION_COOKIE)).await {
                Ok(who) => who,
                Err(e) => return e.into_response(),
            }
        }
    };
    let Some(who) = who else {
        let page = req.method() == Method::GET && crate::console::is_page(&path);
        return if page { to_login() } else { unauthorized() };
    };
    let method = req.method().clone();
    if !who.may(required_role(&method, &path)) {
        return ApiError::new(
            StatusCode::FORBIDDEN,
            format!("the {} role may not do this", who.role.as_str()),
        )
        .into_response();
    }
    let mut req = req;
    let safe = method == Method::GET || method == Method::HEAD || method == Method::OPTIONS;
    if let (false, Some(s)) = (safe, &who.session) {
        req = match check_csrf(req, &s.csrf).await {
            Ok(r) => r,
            Err(resp) => return resp,
        };
    }
    req.extensions_mut().insert(who);
    next.run(req).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_per_route() {
        let cases: &[(Method, &str, Role)] = &[
            (Method::GET, "/admin/v1/incidents", Role::Viewer),
            (Method::GET, "/gateway", Role::Viewer),
            (Method::GET, "/admin/v1/users", Role::Admin),
            (Method::GET, "/users", Role::Admin),
            (Method::POST, "/logout", Role::Viewer),
            (Method::PATCH, "/admin/v1/incidents/inc-1", Role::Analyst),
            (
                Method::POST,
                "/admin/v1/incidents/inc-1/block",
                Role::Analyst,
            ),
            (
                Method::POST,
                "/admin/v1/incidents/inc-1/exception",
                Role::Analyst,
            ),
            (Method::DELETE, "/admin/v1/exceptions/3", Role::Analyst),
            (Method::DELETE, "/admin/v1/incidents/inc-1", Role::Admin),
            (Method::POST, "/admin/v1/consumers", Role::Admin),
            (Method::POST, "/admin/v1/deny", Role::Admin),
            (Method::POST, "/admin/v1/ingest", Role::Admin),
            (Method::PUT, "/anything/else", Role::Admin),
        ];
        for (m, p, want) in cases {
            assert_eq!(required_role(m, p), *want, "{m} {p}");
        }
    }
}
