//! Parameters, bodies and responses of an OpenAPI operation, from the endpoint's shapes.

use serde_json::{json, Map, Value};

use crate::inventory::Endpoint;

/// Query, header and cookie parameters.
pub(crate) fn parameters(_e: &Endpoint) -> Vec<Value> {
    Vec::new()
}

/// The request body, when requests carried one.
pub(crate) fn request_body(_e: &Endpoint) -> Option<Value> {
    None
}

/// Responses by status code.
pub(crate) fn responses(e: &Endpoint) -> Value {
    let mut out = Map::new();
    for status in e.data.traffic.status.keys() {
        if *status == 0 {
            continue;
        }
        out.insert(
            status.to_string(),
            json!({"description": format!("Observed {status} response")}),
        );
    }
    if out.is_empty() {
        out.insert(
            "default".into(),
            json!({"description": "No response observed"}),
        );
    }
    Value::Object(out)
}
