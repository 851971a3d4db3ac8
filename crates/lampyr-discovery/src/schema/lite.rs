//! A borrowed JSON value for one observation: strings stay borrowed from the body where
//! possible, so observing a parsed body allocates only for escaped strings.

use std::borrow::Cow;
use std::fmt;

/// A JSON value parsed without building a `serde_json::Value`: strings are borrowed from the
/// body when unescaped and objects are vectors, so parsing allocates far less. Observing it
/// gives exactly what observing the equivalent `Value` gives (duplicate keys: the last wins).
pub(super) enum Lite<'a> {
    Null,
    Bool,
    Int(f64),
    Float(f64),
    Str(Cow<'a, str>),
    Arr(Vec<Lite<'a>>),
    Obj(Vec<(Cow<'a, str>, Lite<'a>)>),
}

impl<'de> serde::Deserialize<'de> for Lite<'de> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(LiteVisitor)
    }
}

struct LiteVisitor;

impl<'de> serde::de::Visitor<'de> for LiteVisitor {
    type Value = Lite<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_bool<E>(self, _: bool) -> Result<Self::Value, E> {
        Ok(Lite::Bool)
    }
    fn visit_i64<E>(self, v: i64) -> Result<Self::Value, E> {
        Ok(Lite::Int(v as f64))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Self::Value, E> {
        Ok(Lite::Int(v as f64))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Self::Value, E> {
        Ok(Lite::Float(v))
    }
    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Ok(Lite::Null)
    }
    fn visit_none<E>(self) -> Result<Self::Value, E> {
        Ok(Lite::Null)
    }
    fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Self::Value, E> {
        Ok(Lite::Str(Cow::Borrowed(v)))
    }
    fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
        Ok(Lite::Str(Cow::Owned(v.to_owned())))
    }
    fn visit_string<E>(self, v: String) -> Result<Self::Value, E> {
        Ok(Lite::Str(Cow::Owned(v)))
    }
    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut a: A) -> Result<Self::Value, A::Error> {
        let mut v = Vec::new();
        while let Some(x) = a.next_element::<Lite<'de>>()? {
            v.push(x);
        }
        Ok(Lite::Arr(v))
    }
    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut a: A) -> Result<Self::Value, A::Error> {
        let mut v: Vec<(Cow<'de, str>, Lite<'de>)> = Vec::new();
        while let Some(LiteKey(k)) = a.next_key::<LiteKey<'de>>()? {
            let value = a.next_value::<Lite<'de>>()?;
            v.push((k, value));
        }
        let has_dup = v.len() > 16
            || v.iter()
                .enumerate()
                .any(|(i, (k, _))| v[..i].iter().any(|(k2, _)| k2 == k));
        if has_dup {
            // Keep the last of equal keys, as `serde_json::Value` does.
            v.reverse();
            v.sort_by(|a, b| a.0.cmp(&b.0));
            v.dedup_by(|a, b| a.0 == b.0);
        }
        Ok(Lite::Obj(v))
    }
}

pub(super) struct LiteKey<'a>(Cow<'a, str>);

impl<'de> serde::Deserialize<'de> for LiteKey<'de> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct KeyVisitor;
        impl<'de> serde::de::Visitor<'de> for KeyVisitor {
            type Value = LiteKey<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an object key")
            }
            fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(LiteKey(Cow::Borrowed(v)))
            }
            fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
                Ok(LiteKey(Cow::Owned(v.to_owned())))
            }
            fn visit_string<E>(self, v: String) -> Result<Self::Value, E> {
                Ok(LiteKey(Cow::Owned(v)))
            }
        }
        d.deserialize_str(KeyVisitor)
    }
}

/// A field of a flat body (form, multipart part, XML child element).
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Field<'a> {
    /// A text value: typed like a query parameter.
    Text(Cow<'a, str>),
    /// A file or non-UTF-8 part.
    Binary,
    /// An element with children (XML): an object whose properties are not described.
    Object,
}
