//! Parameters, bodies, responses and security of an OpenAPI operation, from the endpoint's
//! observed shapes.

use std::collections::BTreeMap;

use serde_json::{json, Map, Value};

use crate::auth::AuthKind;
use crate::inventory::Endpoint;
use crate::params::ParamInfo;

/// Query, header and cookie parameters.
pub(crate) fn parameters(e: &Endpoint) -> Vec<Value> {
    let shapes = &e.data.shapes;
    let mut out = Vec::new();
    // Query names group by base name: `filter[status]` and `filter[kind]` are one deepObject
    // parameter `filter`.
    let mut groups: BTreeMap<&str, Vec<ParamInfo>> = BTreeMap::new();
    for p in shapes.query_params() {
        groups.entry(p.base_name).or_default().push(p);
    }
    for (base, members) in groups {
        if base.is_empty() {
            continue;
        }
        if members.len() == 1 && members[0].name == base {
            let p = &members[0];
            out.push(json!({
                "name": base,
                "in": "query",
                "required": p.required,
                "schema": p.schema.to_json_schema(),
            }));
        } else {
            let mut props = Map::new();
            for p in &members {
                let key = p.name[base.len()..].trim_start_matches('[');
                let key = key.trim_end_matches(']');
                let key = if key.is_empty() { "items" } else { key };
                props.insert(key.to_string(), p.schema.to_json_schema());
            }
            out.push(json!({
                "name": base,
                "in": "query",
                "required": false,
                "style": "deepObject",
                "explode": true,
                "schema": {"type": "object", "properties": props},
            }));
        }
    }
    for p in shapes.header_params() {
        out.push(json!({
            "name": p.name,
            "in": "header",
            "required": p.required,
            "schema": p.schema.to_json_schema(),
        }));
    }
    for p in shapes.cookie_params() {
        out.push(json!({
            "name": p.name,
            "in": "cookie",
            "required": p.required,
            "schema": p.schema.to_json_schema(),
        }));
    }
    out
}

/// The request body, when requests carried one.
pub(crate) fn request_body(e: &Endpoint) -> Option<Value> {
    let shapes = &e.data.shapes;
    let mut content = Map::new();
    for (media, body) in shapes.request_body_media_types() {
        content.insert(
            media.to_string(),
            json!({"schema": body.schema.to_json_schema()}),
        );
    }
    if content.is_empty() {
        return None;
    }
    Some(json!({
        "required": shapes.request_body_required(),
        "content": content,
    }))
}

/// Responses by status code.
pub(crate) fn responses(e: &Endpoint) -> Value {
    let mut out = Map::new();
    for (status, shape) in e.data.shapes.responses_by_status() {
        if status == 0 {
            continue;
        }
        let mut resp = Map::new();
        resp.insert(
            "description".into(),
            json!(format!("Observed {} time(s)", shape.count)),
        );
        let mut content = Map::new();
        for (media, body) in &shape.bodies {
            content.insert(
                media.clone(),
                json!({"schema": body.schema.to_json_schema()}),
            );
        }
        if !content.is_empty() {
            resp.insert("content".into(), Value::Object(content));
        }
        let mut headers = Map::new();
        for h in shape.header_params() {
            headers.insert(
                h.name.to_string(),
                json!({"required": h.required, "schema": h.schema.to_json_schema()}),
            );
        }
        if !headers.is_empty() {
            resp.insert("headers".into(), Value::Object(headers));
        }
        out.insert(status.to_string(), Value::Object(resp));
    }
    if out.is_empty() {
        out.insert(
            "default".into(),
            json!({"description": "No response observed"}),
        );
    }
    Value::Object(out)
}

/// Security scheme name and definition for a credential kind seen on an endpoint.
pub(crate) fn security_scheme(kind: AuthKind, name: &str) -> Option<(String, Value)> {
    let ident: String = name
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    match kind {
        AuthKind::Basic => Some((
            "basicAuth".into(),
            json!({"type": "http", "scheme": "basic"}),
        )),
        AuthKind::Bearer => Some((
            "bearerAuth".into(),
            json!({"type": "http", "scheme": "bearer"}),
        )),
        AuthKind::Jwt => Some((
            "jwtAuth".into(),
            json!({"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}),
        )),
        AuthKind::ApiKeyHeader if !name.is_empty() => Some((
            format!("apiKeyHeader_{ident}"),
            json!({"type": "apiKey", "in": "header", "name": name}),
        )),
        AuthKind::ApiKeyQuery if !name.is_empty() => Some((
            format!("apiKeyQuery_{ident}"),
            json!({"type": "apiKey", "in": "query", "name": name}),
        )),
        AuthKind::SessionCookie if !name.is_empty() => Some((
            format!("cookie_{ident}"),
            json!({"type": "apiKey", "in": "cookie", "name": name}),
        )),
        _ => None,
    }
}
