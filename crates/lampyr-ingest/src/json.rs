//! A small JSON tree that keeps object members in document order.
//!
//! Both readers parse one entry (a HAR entry or a JSON line) into this tree and then convert it
//! by hand. Going through a tree rather than typed `serde` structs means a wrong type in one
//! entry never breaks the stream, every error can name its field, and header objects keep their
//! order (`serde_json::Value` sorts keys unless a workspace-wide feature is turned on).

use std::borrow::Cow;
use std::fmt;

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};

/// One JSON value. Strings borrow from the input when they can (JSON Lines), else own.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) enum Json<'a> {
    #[default]
    Null,
    Bool(bool),
    Int(i64),
    UInt(u64),
    Float(f64),
    Str(Cow<'a, str>),
    Array(Vec<Json<'a>>),
    /// Members in document order; duplicates are kept and the last one wins on look-up.
    Object(Vec<(Cow<'a, str>, Json<'a>)>),
}

/// A conversion problem in one entry: the field (dotted path) and what is wrong with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Bad {
    pub field: String,
    pub message: String,
}

impl Bad {
    /// The same problem, attributed to `field` (for errors raised without their path).
    pub fn at(mut self, field: String) -> Bad {
        self.field = field;
        self
    }
}

/// Shorthand for a [`Bad`].
pub(crate) fn bad(field: impl Into<String>, message: impl Into<String>) -> Bad {
    Bad {
        field: field.into(),
        message: message.into(),
    }
}

impl<'a> Json<'a> {
    /// A short name of the JSON type, for error messages.
    pub fn kind(&self) -> &'static str {
        match self {
            Json::Null => "null",
            Json::Bool(_) => "a boolean",
            Json::Int(_) | Json::UInt(_) | Json::Float(_) => "a number",
            Json::Str(_) => "a string",
            Json::Array(_) => "an array",
            Json::Object(_) => "an object",
        }
    }

    /// The members when this is an object.
    pub fn into_object(self, field: &str) -> Result<Vec<(Cow<'a, str>, Json<'a>)>, Bad> {
        match self {
            Json::Object(members) => Ok(members),
            other => Err(expected(field, "an object", &other)),
        }
    }

    /// The elements when this is an array.
    pub fn into_array(self, field: &str) -> Result<Vec<Json<'a>>, Bad> {
        match self {
            Json::Array(items) => Ok(items),
            other => Err(expected(field, "an array", &other)),
        }
    }

    /// The string when this is one.
    pub fn into_string(self, field: &str) -> Result<Cow<'a, str>, Bad> {
        match self {
            Json::Str(s) => Ok(s),
            other => Err(expected(field, "a string", &other)),
        }
    }

    /// A scalar as text: strings as they are, numbers and booleans written out. Header values
    /// from log plugins are sometimes numbers (`"content-length": 12`).
    pub fn into_scalar_string(self, field: &str) -> Result<Cow<'a, str>, Bad> {
        match self {
            Json::Str(s) => Ok(s),
            Json::Bool(b) => Ok(Cow::Owned(b.to_string())),
            Json::Int(n) => Ok(Cow::Owned(n.to_string())),
            Json::UInt(n) => Ok(Cow::Owned(n.to_string())),
            Json::Float(n) => Ok(Cow::Owned(n.to_string())),
            other => Err(expected(field, "a string", &other)),
        }
    }

    /// A number, also accepted as a numeric string (log templates often quote every value).
    pub fn as_number(&self, field: &str) -> Result<f64, Bad> {
        match self {
            Json::Int(n) => Ok(*n as f64),
            Json::UInt(n) => Ok(*n as f64),
            Json::Float(n) => Ok(*n),
            Json::Str(s) => s
                .trim()
                .parse::<f64>()
                .ok()
                .filter(|n| n.is_finite())
                .ok_or_else(|| bad(field, format!("expected a number, found {:?}", clip(s)))),
            other => Err(expected(field, "a number", other)),
        }
    }

    /// True for `null`.
    pub fn is_null(&self) -> bool {
        matches!(self, Json::Null)
    }
}

/// Removes member `key` from an object's members and returns its value (the last one when the
/// key is repeated). `null` counts as absent.
pub(crate) fn take<'a>(members: &mut [(Cow<'a, str>, Json<'a>)], key: &str) -> Option<Json<'a>> {
    let (_, value) = members.iter_mut().rev().find(|(k, _)| k == key)?;
    let value = std::mem::take(value);
    (!value.is_null()).then_some(value)
}

/// Joins a parent field path and a member name.
pub(crate) fn join(parent: &str, child: &str) -> String {
    if parent.is_empty() {
        child.to_string()
    } else {
        format!("{parent}.{child}")
    }
}

/// An error for a value of the wrong type.
pub(crate) fn expected(field: &str, what: &str, found: &Json<'_>) -> Bad {
    bad(field, format!("expected {what}, found {}", found.kind()))
}

/// The start of a value, for error messages: captured data must not flood a log line.
pub(crate) fn clip(s: &str) -> String {
    const MAX: usize = 40;
    if s.len() <= MAX {
        return s.to_string();
    }
    let mut end = MAX;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}...", &s[..end])
}

impl<'de> Deserialize<'de> for Json<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(JsonVisitor)
    }
}

struct JsonVisitor;

impl<'de> Visitor<'de> for JsonVisitor {
    type Value = Json<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_bool<E>(self, v: bool) -> Result<Self::Value, E> {
        Ok(Json::Bool(v))
    }

    fn visit_i64<E>(self, v: i64) -> Result<Self::Value, E> {
        Ok(Json::Int(v))
    }

    fn visit_u64<E>(self, v: u64) -> Result<Self::Value, E> {
        Ok(Json::UInt(v))
    }

    fn visit_f64<E>(self, v: f64) -> Result<Self::Value, E> {
        Ok(Json::Float(v))
    }

    fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Self::Value, E> {
        Ok(Json::Str(Cow::Borrowed(v)))
    }

    fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
        Ok(Json::Str(Cow::Owned(v.to_string())))
    }

    fn visit_string<E>(self, v: String) -> Result<Self::Value, E> {
        Ok(Json::Str(Cow::Owned(v)))
    }

    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Ok(Json::Null)
    }

    fn visit_none<E>(self) -> Result<Self::Value, E> {
        Ok(Json::Null)
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        Json::deserialize(d)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element()? {
            items.push(item);
        }
        Ok(Json::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut members = Vec::new();
        while let Some(Key(key)) = map.next_key()? {
            members.push((key, map.next_value()?));
        }
        Ok(Json::Object(members))
    }
}

/// An object key that borrows from the input when it can.
struct Key<'a>(Cow<'a, str>);

impl<'de> Deserialize<'de> for Key<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct KeyVisitor;
        impl<'de> Visitor<'de> for KeyVisitor {
            type Value = Key<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an object key")
            }
            fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(Key(Cow::Borrowed(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(Key(intern(v)))
            }
            fn visit_string<E>(self, v: String) -> Result<Self::Value, E> {
                Ok(Key(Cow::Owned(v)))
            }
        }
        deserializer.deserialize_str(KeyVisitor)
    }
}

/// Member names that occur in every HAR entry and JSON line. A streaming reader cannot
/// borrow from its input, so without this every key of every entry would be allocated.
fn known_key(key: &str) -> Option<&'static str> {
    Some(match key {
        "name" => "name",
        "value" => "value",
        "request" => "request",
        "response" => "response",
        "method" => "method",
        "url" => "url",
        "httpVersion" => "httpVersion",
        "headers" => "headers",
        "cookies" => "cookies",
        "queryString" => "queryString",
        "headersSize" => "headersSize",
        "bodySize" => "bodySize",
        "postData" => "postData",
        "mimeType" => "mimeType",
        "text" => "text",
        "params" => "params",
        "encoding" => "encoding",
        "status" => "status",
        "statusText" => "statusText",
        "content" => "content",
        "size" => "size",
        "compression" => "compression",
        "redirectURL" => "redirectURL",
        "startedDateTime" => "startedDateTime",
        "time" => "time",
        "cache" => "cache",
        "timings" => "timings",
        "blocked" => "blocked",
        "dns" => "dns",
        "connect" => "connect",
        "ssl" => "ssl",
        "send" => "send",
        "wait" => "wait",
        "receive" => "receive",
        "serverIPAddress" => "serverIPAddress",
        "connection" => "connection",
        "pageref" => "pageref",
        "comment" => "comment",
        "path" => "path",
        "domain" => "domain",
        "expires" => "expires",
        "httpOnly" => "httpOnly",
        "secure" => "secure",
        _ => return None,
    })
}

fn intern<'a>(key: &str) -> Cow<'a, str> {
    match known_key(key) {
        Some(known) => Cow::Borrowed(known),
        None => Cow::Owned(key.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn objects_keep_order_and_borrow() {
        let text = r#"{"b":1,"a":"x","b":[true,null,2.5]}"#;
        let j: Json<'_> = serde_json::from_str(text).unwrap();
        let Json::Object(mut members) = j else {
            panic!("not an object")
        };
        assert_eq!(members[0].0, "b");
        assert_eq!(members[1].0, "a");
        assert!(matches!(&members[1].1, Json::Str(Cow::Borrowed("x"))));
        // Last duplicate wins.
        assert_eq!(
            take(&mut members, "b"),
            Some(Json::Array(vec![
                Json::Bool(true),
                Json::Null,
                Json::Float(2.5)
            ]))
        );
        assert_eq!(take(&mut members, "missing"), None);
    }

    #[test]
    fn numbers_may_be_strings() {
        assert_eq!(Json::Str("200".into()).as_number("status"), Ok(200.0));
        let err = Json::Str("two hundred".into())
            .as_number("status")
            .unwrap_err();
        assert_eq!(err.field, "status");
        assert!(err.message.contains("expected a number"), "{}", err.message);
    }

    #[test]
    fn clip_respects_char_boundaries() {
        let s = "é".repeat(30);
        assert!(clip(&s).ends_with("..."));
    }
}
