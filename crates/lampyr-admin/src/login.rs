//! `GET /login`, `POST /login` (form: username, password) and `POST /logout`.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, FromRequest, Request, State};
use axum::http::header::{HOST, LOCATION, ORIGIN, SET_COOKIE};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Form};
use lampyr_store::StoreError;
use serde::Deserialize;

use crate::auth::Principal;
use crate::console::html::{esc, Html};
use crate::password;
use crate::session;
use crate::state::{now, random_b64, AdminState, MAX_NAME};

/// The login form's fields.
#[derive(Deserialize)]
pub(crate) struct LoginForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    csrf: String,
}

/// Cookie holding the login form's token (double submit: a cross-site page can neither read
/// it nor, with `SameSite=Strict`, make the browser send it).
const LOGIN_COOKIE: &str = "lampyr_login";

/// The login form with a fresh form token (also set as a cookie).
fn page(state: &AdminState, status: StatusCode, error: Option<&str>) -> Response {
    let token = match random_b64(16) {
        Ok(t) => t,
        Err(e) => return e.into_response(),
    };
    let mut body = format!(
        "<main class=\"login\"><h1>Lampyr console</h1>\
         <form method=\"post\" action=\"/login\" id=\"login-form\" data-testid=\"login-form\">\
         <input type=\"hidden\" name=\"csrf\" value=\"{token}\">"
    );
    if let Some(e) = error {
        body.push_str(&format!(
            "<p class=\"error\" id=\"login-error\" role=\"alert\">{}</p>",
            esc(e)
        ));
    }
    body.push_str(
        "<label>User name <input id=\"login-username\" name=\"username\" autocomplete=\"username\" required autofocus></label>\
         <label>Password <input id=\"login-password\" name=\"password\" type=\"password\" autocomplete=\"current-password\" required></label>\
         <button type=\"submit\" id=\"login-submit\">Log in</button></form></main>",
    );
    let mut resp = Html::bare("Log in", &body).into_response();
    *resp.status_mut() = status;
    let cookie = format!(
        "{LOGIN_COOKIE}={token}; HttpOnly; SameSite=Strict; Path=/login; Max-Age=3600{}",
        if state.secure_cookies() {
            "; Secure"
        } else {
            ""
        }
    );
    if let Ok(v) = HeaderValue::from_str(&cookie) {
        resp.headers_mut().insert(SET_COOKIE, v);
    }
    resp
}

/// `GET /login`
pub(crate) async fn form(State(state): State<AdminState>) -> Response {
    page(&state, StatusCode::OK, None)
}

fn same_token(a: &str, b: &str) -> bool {
    use subtle::ConstantTimeEq;
    !a.is_empty() && a.len() == b.len() && bool::from(a.as_bytes().ct_eq(b.as_bytes()))
}

/// Client address from the listener's connect info, when the server provides it.
fn client_ip(req_ext: Option<&ConnectInfo<SocketAddr>>) -> String {
    req_ext.map(|c| c.0.ip().to_string()).unwrap_or_default()
}

/// Refuses cross-site form posts: an `Origin` header naming a site must name this host
/// (`null`, which browsers send under `Referrer-Policy: no-referrer`, is left to the form token).
fn same_origin(headers: &HeaderMap) -> bool {
    let Some(origin) = headers.get(ORIGIN).and_then(|v| v.to_str().ok()) else {
        return true;
    };
    if origin == "null" {
        return true;
    }
    let host = headers
        .get(HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let bare = origin
        .strip_prefix("https://")
        .or_else(|| origin.strip_prefix("http://"))
        .unwrap_or("");
    !host.is_empty() && bare.eq_ignore_ascii_case(host)
}

/// `POST /login`: 303 to `/` with the session cookie; 401 with the form again on bad
/// credentials; 429 after too many failures for this user name from this address.
pub(crate) async fn submit(State(state): State<AdminState>, req: Request) -> Response {
    let ip = client_ip(req.extensions().get::<ConnectInfo<SocketAddr>>());
    if !same_origin(req.headers()) {
        return page(
            &state,
            StatusCode::FORBIDDEN,
            Some("cross-site login refused"),
        );
    }
    let form_cookie = session::cookie_value(req.headers(), LOGIN_COOKIE).unwrap_or_default();
    let Ok(Form(f)) = Form::<LoginForm>::from_request(req, &state).await else {
        return page(
            &state,
            StatusCode::BAD_REQUEST,
            Some("malformed login form"),
        );
    };
    if !same_token(&f.csrf, &form_cookie) {
        return page(
            &state,
            StatusCode::FORBIDDEN,
            Some("the login form expired; please try again"),
        );
    }
    if f.username.is_empty()
        || f.username.len() > MAX_NAME
        || f.password.len() > password::MAX_PASSWORD
    {
        return page(
            &state,
            StatusCode::UNAUTHORIZED,
            Some("invalid user name or password"),
        );
    }
    let at = now();
    if state.throttle().blocked(&f.username, &ip, at) {
        return page(
            &state,
            StatusCode::TOO_MANY_REQUESTS,
            Some("too many failed logins; wait a few minutes"),
        );
    }
    let user = match state.store().get_user(&f.username).await {
        Ok(u) => Some(u),
        Err(StoreError::NotFound { .. }) => None,
        Err(e) => {
            tracing::error!(error = %e, "console: reading a user failed");
            return page(
                &state,
                StatusCode::INTERNAL_SERVER_ERROR,
                Some("internal error"),
            );
        }
    };
    let stored = user
        .as_ref()
        .filter(|u| !u.disabled)
        .map(|u| u.password_hash.clone());
    if !password::verify(stored, &f.password).await {
        state.throttle().failed(&f.username, &ip, at);
        let detail = serde_json::json!({"ip": ip});
        state
            .audit(
                &f.username,
                "login.failure",
                &format!("user/{}", f.username),
                detail,
            )
            .await;
        return page(
            &state,
            StatusCode::UNAUTHORIZED,
            Some("invalid user name or password"),
        );
    }
    state.throttle().succeeded(&f.username, &ip);
    let token = match session::start(&state, &f.username).await {
        Ok(t) => t,
        Err(e) => return e.into_response(),
    };
    state
        .audit(
            &f.username,
            "login",
            &format!("user/{}", f.username),
            serde_json::json!({"ip": ip}),
        )
        .await;
    (
        StatusCode::SEE_OTHER,
        [
            (LOCATION, "/".to_string()),
            (
                SET_COOKIE,
                session::set_cookie(&token, state.secure_cookies()),
            ),
        ],
    )
        .into_response()
}

/// `POST /logout` (form with the `csrf` field, or the CSRF header): ends the session.
pub(crate) async fn logout(
    State(state): State<AdminState>,
    Extension(who): Extension<Principal>,
) -> Response {
    if let Some(s) = &who.session {
        if let Err(e) = state.store().delete_session(&s.token_hash).await {
            return crate::error::ApiError::from(e).into_response();
        }
    }
    state
        .audit(
            &who.name,
            "logout",
            &format!("user/{}", who.name),
            serde_json::json!({}),
        )
        .await;
    (
        StatusCode::SEE_OTHER,
        [
            (LOCATION, "/login".to_string()),
            (SET_COOKIE, session::clear_cookie(state.secure_cookies())),
        ],
    )
        .into_response()
}
