//! HTML building: escaping (attack payloads are displayed, so every stored string goes through
//! [`esc`]), the page layout, and small table helpers.

use std::fmt::Write as _;

use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use lampyr_store::Role;
use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use serde_json::Value;

use crate::auth::Principal;
use crate::error::ApiError;

/// Escapes text for HTML element content and quoted attribute values.
pub(crate) fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Characters left as they are in a URL component.
const KEEP: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// Percent-encodes one URL component (a path segment or a query value).
pub(crate) fn enc(s: &str) -> String {
    utf8_percent_encode(s, KEEP).to_string()
}

/// A link whose text and target are escaped.
pub(crate) fn link(href: &str, text: &str) -> String {
    format!("<a href=\"{}\">{}</a>", esc(href), esc(text))
}

/// Link to an actor page.
pub(crate) fn actor_link(actor: &str) -> String {
    link(&format!("/actors/{}", enc(actor)), actor)
}

/// Link to an endpoint page.
pub(crate) fn endpoint_link(key: &str) -> String {
    format!(
        "<a class=\"endpoint-link\" href=\"/inventory/endpoint?key={}\">{}</a>",
        enc(key),
        esc(key)
    )
}

/// A JSON string field, escaped; empty when absent.
pub(crate) fn s(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::String(s) => esc(s),
        other => esc(&other.to_string()),
    }
}

/// µs since the epoch, readable.
pub(crate) fn time_us(v: &Value) -> String {
    v.as_i64()
        .map(|us| esc(&crate::analytics::fmt_us(us)))
        .unwrap_or_default()
}

/// Pretty JSON inside `<pre>`, escaped.
pub(crate) fn pre_json(v: &Value) -> String {
    let text = serde_json::to_string_pretty(v).unwrap_or_default();
    format!("<pre class=\"json\">{}</pre>", esc(&text))
}

/// A table; `cells` are already HTML. `row_attrs` are per-row attribute strings (escaped by
/// the caller).
pub(crate) fn table(id: &str, head: &[&str], rows: &[(String, Vec<String>)]) -> String {
    let mut out = format!(
        "<table id=\"{}\" data-testid=\"{}\"><thead><tr>",
        esc(id),
        esc(id)
    );
    for h in head {
        let _ = write!(out, "<th>{}</th>", esc(h));
    }
    out.push_str("</tr></thead><tbody>");
    if rows.is_empty() {
        let _ = write!(
            out,
            "<tr class=\"empty\"><td colspan=\"{}\">Nothing yet.</td></tr>",
            head.len().max(1)
        );
    }
    for (attrs, cells) in rows {
        let _ = write!(out, "<tr {attrs}>");
        for c in cells {
            let _ = write!(out, "<td>{c}</td>");
        }
        out.push_str("</tr>");
    }
    out.push_str("</tbody></table>");
    out
}

/// `<option>`s with `selected` on the current value.
pub(crate) fn options(values: &[(&str, &str)], current: &str) -> String {
    values
        .iter()
        .map(|(v, label)| {
            format!(
                "<option value=\"{}\"{}>{}</option>",
                esc(v),
                if *v == current { " selected" } else { "" },
                esc(label)
            )
        })
        .collect()
}

const NAV: &[(&str, &str, &str)] = &[
    ("overview", "/", "Overview"),
    ("inventory", "/inventory", "API inventory"),
    ("sensitive", "/sensitive", "Sensitive data"),
    ("incidents", "/incidents", "Incidents"),
    ("investigate", "/investigate", "Investigate"),
    ("gateway", "/gateway", "Gateway"),
    ("audit", "/audit", "Audit log"),
    ("users", "/users", "Users"),
];

/// A rendered page.
pub(crate) struct Html {
    status: StatusCode,
    doc: String,
}

fn head(title: &str, csrf: &str) -> String {
    let v = super::asset_version();
    format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <meta name=\"csrf-token\" content=\"{}\"><title>{} · Lampyr</title>\
         <link rel=\"stylesheet\" href=\"{}?v={v}\"><script src=\"{}?v={v}\" defer></script></head>",
        esc(csrf),
        esc(title),
        super::CSS_PATH,
        super::JS_PATH
    )
}

impl Html {
    /// A page without navigation (login, errors before login).
    pub(crate) fn bare(title: &str, body: &str) -> Self {
        Self {
            status: StatusCode::OK,
            doc: format!("{}<body>{body}</body></html>", head(title, "")),
        }
    }

    /// A console page with navigation for `who`; `active` names the nav entry.
    pub(crate) fn page(who: &Principal, active: &str, title: &str, body: &str) -> Self {
        let mut nav = String::from("<nav><span class=\"brand\">Lampyr</span>");
        for (id, href, label) in NAV {
            if *id == "users" && !who.may(Role::Admin) {
                continue;
            }
            let _ = write!(
                nav,
                "<a id=\"nav-{id}\" href=\"{href}\"{}>{label}</a>",
                if *id == active {
                    " class=\"active\""
                } else {
                    ""
                }
            );
        }
        let _ = write!(
            nav,
            "<span class=\"who\" id=\"current-user\" data-role=\"{}\">{} ({})</span>",
            who.role.as_str(),
            esc(&who.name),
            who.role.as_str()
        );
        if who.session.is_some() {
            let _ = write!(
                nav,
                "<form method=\"post\" action=\"/logout\" id=\"logout-form\">\
                 <input type=\"hidden\" name=\"csrf\" value=\"{}\">\
                 <button type=\"submit\" id=\"logout\">Log out</button></form>",
                esc(who.csrf())
            );
        }
        nav.push_str("</nav>");
        Self {
            status: StatusCode::OK,
            doc: format!(
                "{}<body data-role=\"{}\">{nav}<main><h1 id=\"page-title\">{}</h1>\
                 <div id=\"flash\" role=\"status\" hidden></div>{body}</main></body></html>",
                head(title, who.csrf()),
                who.role.as_str(),
                esc(title)
            ),
        }
    }
}

impl IntoResponse for Html {
    fn into_response(self) -> Response {
        (
            self.status,
            [
                (CONTENT_TYPE, "text/html; charset=utf-8"),
                (CACHE_CONTROL, "no-store"),
            ],
            self.doc,
        )
            .into_response()
    }
}

/// A page handler's error: the API error rendered as a small HTML page.
pub(crate) struct PageError(pub(crate) ApiError);

impl From<ApiError> for PageError {
    fn from(e: ApiError) -> Self {
        Self(e)
    }
}

impl From<lampyr_store::StoreError> for PageError {
    fn from(e: lampyr_store::StoreError) -> Self {
        Self(e.into())
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let status = self.0.status();
        let body = format!(
            "<main><h1>{}</h1><p id=\"page-error\">{}</p><p><a href=\"/\">Back to the console</a></p></main>",
            status.as_u16(),
            esc(self.0.message())
        );
        let mut html = Html::bare("Error", &body);
        html.status = status;
        html.into_response()
    }
}

/// What page handlers return.
pub(crate) type PageResult = Result<Html, PageError>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_covers_markup_and_quotes() {
        assert_eq!(
            esc("<script>alert('x')</script>&\""),
            "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&amp;&quot;"
        );
        assert_eq!(enc("GET a.b/{id} x"), "GET%20a.b%2F%7Bid%7D%20x");
    }
}
