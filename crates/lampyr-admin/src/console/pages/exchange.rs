//! Rendering of one stored (masked) exchange and of exchange lists. Everything in an exchange
//! is attacker-controlled, so every piece is escaped.

use std::fmt::Write as _;

use serde_json::Value;

use crate::console::html::{actor_link, enc, endpoint_link, esc, link, s, table, time_us};

/// Longest body shown, in characters.
const MAX_BODY: usize = 8192;

/// `(name, value)` pairs from any of the three header shapes of Exchange JSON Lines v1.
fn headers(v: &Value) -> Vec<(String, String)> {
    let text = |v: &Value| match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    };
    match v {
        Value::Array(items) => items
            .iter()
            .filter_map(|h| match h {
                Value::Array(pair) if pair.len() == 2 => Some((text(&pair[0]), text(&pair[1]))),
                Value::Object(o) => Some((text(o.get("name")?), text(o.get("value")?))),
                _ => None,
            })
            .collect(),
        Value::Object(map) => map
            .iter()
            .flat_map(|(k, v)| match v {
                Value::Array(vs) => vs.iter().map(|x| (k.clone(), text(x))).collect(),
                other => vec![(k.clone(), text(other))],
            })
            .collect(),
        _ => Vec::new(),
    }
}

fn body(v: &Value) -> String {
    let text = match &v["body"] {
        Value::Null => return String::new(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    let mut shown: String = text.chars().take(MAX_BODY).collect();
    if shown.len() < text.len() {
        shown.push_str("\n… (cut)");
    }
    format!("<pre class=\"body\">{}</pre>", esc(&shown))
}

fn message(out: &mut String, title: &str, m: &Value) {
    let _ = write!(out, "<h4>{}</h4><table class=\"headers\">", esc(title));
    for (k, v) in headers(&m["headers"]) {
        let _ = write!(out, "<tr><th>{}</th><td>{}</td></tr>", esc(&k), esc(&v));
    }
    out.push_str("</table>");
    out.push_str(&body(m));
}

/// One exchange: request line, headers and bodies (as the pipeline masked them).
pub(crate) fn detail(row: &Value) -> String {
    let x = &row["exchange"];
    let mut out = format!(
        "<div class=\"exchange\" data-testid=\"exchange\" data-id=\"{}\"><p><code>{} {}</code> → <strong>{}</strong> · {} · {}</p>",
        s(&row["id"]),
        s(&x["request"]["method"]),
        s(&x["request"]["url"]),
        s(&row["status"]),
        time_us(&row["time_us"]),
        s(&row["ip"]),
    );
    message(&mut out, "Request", &x["request"]);
    if x["response"].is_object() {
        message(&mut out, "Response", &x["response"]);
    }
    out.push_str("</div>");
    out
}

/// A collapsible list of exchanges with their detail.
pub(crate) fn evidence(id: &str, rows: &Value) -> String {
    let mut out = format!("<div id=\"{}\" data-testid=\"{}\">", esc(id), esc(id));
    let items = rows.as_array().cloned().unwrap_or_default();
    if items.is_empty() {
        out.push_str("<p class=\"muted\">No sampled exchanges.</p>");
    }
    for r in &items {
        let _ = write!(
            out,
            "<details><summary>{} <code>{} {}{}</code> → {}</summary>{}</details>",
            time_us(&r["time_us"]),
            s(&r["method"]),
            s(&r["host"]),
            s(&r["path"]),
            s(&r["status"]),
            detail(r)
        );
    }
    out.push_str("</div>");
    out
}

fn opt_actor(v: &Value) -> String {
    v.as_str().map(actor_link).unwrap_or_default()
}

/// A table of exchange summaries linking to their detail pages.
pub(crate) fn list(id: &str, rows: &Value) -> String {
    let rows: Vec<(String, Vec<String>)> = rows
        .as_array()
        .into_iter()
        .flatten()
        .map(|r| {
            let xid = r["id"].to_string();
            let incidents: Vec<String> = r["incidents"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
                .map(|i| link(&format!("/incidents/{}", enc(i)), i))
                .collect();
            (
                format!("data-testid=\"exchange-row\" data-id=\"{}\"", esc(&xid)),
                vec![
                    link(&format!("/exchanges/{}", enc(&xid)), &xid),
                    time_us(&r["time_us"]),
                    opt_actor(&r["ip"]),
                    opt_actor(&r["consumer"]),
                    opt_actor(&r["user"]),
                    format!(
                        "<code>{} {}{}</code>",
                        s(&r["method"]),
                        s(&r["host"]),
                        s(&r["path"])
                    ),
                    r["endpoint"]
                        .as_str()
                        .map(endpoint_link)
                        .unwrap_or_default(),
                    s(&r["status"]),
                    incidents.join(" "),
                ],
            )
        })
        .collect();
    table(
        id,
        &[
            "#",
            "Time",
            "IP",
            "Consumer",
            "User",
            "Request",
            "Endpoint",
            "Status",
            "Incidents",
        ],
        &rows,
    )
}
