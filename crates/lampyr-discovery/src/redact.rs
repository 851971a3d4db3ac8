//! Removing observed values from exported schemas at sensitive locations.
//!
//! Inferred schemas may list values seen in traffic (`enum`); at a location the classifier
//! labelled sensitive those values are personal data, so every export (report, OpenAPI)
//! removes them there.

use serde_json::Value;

/// Removes observed values (`enum`, `examples`, `example`, `const`) from the schema node at a
/// report field path (`data.list[].idCard`, `settleCards[]`, `[].name`) and below it.
pub fn strip_values_at(schema: &mut Value, field: &str) {
    let mut node = schema;
    let mut rest = field;
    while !rest.is_empty() {
        if let Some(r) = rest.strip_prefix("[]") {
            node = match node.get_mut("items") {
                Some(n) => n,
                None => return,
            };
            rest = r.strip_prefix('.').unwrap_or(r);
            continue;
        }
        let end = rest.find(['.', '[']).unwrap_or(rest.len());
        let key = &rest[..end];
        let has_prop = node.get("properties").and_then(|p| p.get(key)).is_some();
        let next = if has_prop {
            node.get_mut("properties").and_then(|p| p.get_mut(key))
        } else {
            node.get_mut("additionalProperties")
                .filter(|n| n.is_object())
        };
        node = match next {
            Some(n) => n,
            None => return,
        };
        rest = &rest[end..];
        rest = rest.strip_prefix('.').unwrap_or(rest);
    }
    strip_values(node);
}

/// Removes observed values from a schema node and everything below it.
pub fn strip_values(schema: &mut Value) {
    match schema {
        Value::Object(obj) => {
            for k in ["enum", "examples", "example", "const"] {
                // `properties.enum` is a property named "enum", not a keyword.
                if obj.get(k).is_some_and(|v| !v.is_object()) {
                    obj.remove(k);
                }
            }
            for v in obj.values_mut() {
                strip_values(v);
            }
        }
        Value::Array(arr) => arr.iter_mut().for_each(strip_values),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn strips_only_the_labelled_subtree() {
        let mut s = json!({"type": "object", "properties": {
            "data": {"type": "object", "properties": {
                "list": {"type": "array", "items": {"type": "object", "properties": {
                    "idCard": {"type": "string", "enum": ["11010519491231002X"]},
                    "status": {"type": "string", "enum": ["OK"]}
                }}}
            }}
        }});
        strip_values_at(&mut s, "data.list[].idCard");
        let item = &s["properties"]["data"]["properties"]["list"]["items"]["properties"];
        assert!(item["idCard"].get("enum").is_none());
        assert_eq!(item["status"]["enum"], json!(["OK"]));
        let mut arr = json!({"type": "array", "items": {"type": "string", "enum": ["a"]}});
        strip_values_at(&mut arr, "[]");
        assert!(arr["items"].get("enum").is_none());
    }
}
