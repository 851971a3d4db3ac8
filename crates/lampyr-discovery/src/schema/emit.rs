//! Emitting a sketch node as JSON Schema: the derived rules (required, enum, format, map vs
//! properties) applied to the stored counts, and the field paths templating compares.

use super::*;

impl Node {
    /// The object's children as emitted: named properties, or one folded map value when the
    /// object accumulated too many keys.
    pub(super) fn object_view(&self, depth: u8, cap: u8) -> ObjectView<'_> {
        if self.props.len() > MAX_PROPERTIES {
            let mut folded = self.map.as_deref().cloned().unwrap_or_default();
            let mut cx = Cx {
                cap,
                changed: false,
            };
            for c in self.props.values() {
                folded.merge_from(c, depth + 1, &mut cx);
            }
            folded.secret_key = false;
            return ObjectView {
                props: None,
                map: Some(Cow::Owned(folded)),
            };
        }
        ObjectView {
            props: Some(&self.props),
            map: self.map.as_deref().map(Cow::Borrowed),
        }
    }

    pub(super) fn enum_values(&self) -> Option<Vec<&str>> {
        let t = &self.types;
        let st = self.strings.as_deref()?;
        let only_strings =
            t.boolean == 0 && t.integer == 0 && t.number == 0 && t.array == 0 && t.object == 0;
        let ok = only_strings
            && !st.spoiled
            // One value repeated is a constant or one person's data, not a set of labels.
            && st.values.len() >= 2
            && t.string >= ENUM_MIN_OBSERVATIONS
            // Labels repeat: each value seen four times on average. Names and other personal
            // data mostly do not, which keeps them out of exported enums.
            && (st.values.len() as u64).saturating_mul(4) <= t.string
            && st.formats.iter().all(|&n| n == 0);
        ok.then(|| st.values.iter().map(String::as_str).collect())
    }

    pub(super) fn format(&self) -> Option<Format> {
        let st = self.strings.as_deref()?;
        Format::ALL
            .into_iter()
            .find(|f| st.formats[f.index()] == self.types.string && self.types.string > 0)
    }

    pub(super) fn to_schema(&self, depth: u8, cap: u8) -> Value {
        let t = &self.types;
        let mut out = Map::new();
        let mut types: Vec<Value> = Vec::new();
        if t.object > 0 {
            types.push("object".into());
        }
        if t.array > 0 {
            types.push("array".into());
        }
        if t.string > 0 {
            types.push("string".into());
        }
        if t.number > 0 {
            types.push("number".into());
        } else if t.integer > 0 {
            types.push("integer".into());
        }
        if t.boolean > 0 {
            types.push("boolean".into());
        }
        if t.null > 0 {
            types.push("null".into());
        }
        match types.len() {
            0 => return Value::Object(out),
            1 => {
                out.insert("type".into(), types.pop().unwrap_or_default());
            }
            _ => {
                out.insert("type".into(), Value::Array(types));
            }
        }
        if let Some(f) = self.format() {
            out.insert("format".into(), f.as_str().into());
        }
        if let Some(values) = self.enum_values() {
            let mut e: Vec<Value> = values.into_iter().map(Value::from).collect();
            if t.null > 0 {
                e.push(Value::Null);
            }
            out.insert("enum".into(), Value::Array(e));
        }
        if t.array > 0 {
            if let Some(items) = &self.items {
                out.insert("items".into(), items.to_schema(depth + 1, cap));
            }
        }
        if t.object > 0 && depth < cap {
            let view = self.object_view(depth, cap);
            if let Some(props) = view.props.filter(|p| !p.is_empty()) {
                let mut properties = Map::new();
                let mut required = Vec::new();
                for (k, c) in props {
                    properties.insert(k.clone(), c.to_schema(depth + 1, cap));
                    if c.count >= t.object && t.object >= REQUIRED_MIN_OBSERVATIONS {
                        required.push(Value::from(k.as_str()));
                    }
                }
                out.insert("properties".into(), Value::Object(properties));
                if !required.is_empty() {
                    out.insert("required".into(), Value::Array(required));
                }
            }
            if let Some(m) = view.map {
                out.insert("additionalProperties".into(), m.to_schema(depth + 1, cap));
            }
        }
        Value::Object(out)
    }

    pub(super) fn collect_paths(
        &self,
        prefix: &mut String,
        depth: u8,
        cap: u8,
        segments_left: usize,
        out: &mut Vec<String>,
    ) {
        if segments_left == 0 || depth >= cap {
            return;
        }
        if let Some(items) = &self.items {
            let len = prefix.len();
            prefix.push_str("[]");
            items.collect_paths(prefix, depth + 1, cap, segments_left, out);
            prefix.truncate(len);
        }
        if self.types.object == 0 {
            return;
        }
        let view = self.object_view(depth, cap);
        let mut child = |name: &str, node: &Node, prefix: &mut String| {
            let len = prefix.len();
            if !prefix.is_empty() {
                prefix.push('.');
            }
            prefix.push_str(name);
            out.push(prefix.clone());
            node.collect_paths(prefix, depth + 1, cap, segments_left - 1, out);
            prefix.truncate(len);
        };
        if let Some(props) = view.props {
            for (k, c) in props {
                child(k, c, prefix);
            }
        }
        if let Some(m) = &view.map {
            child("*", m, prefix);
        }
    }
}

pub(super) struct ObjectView<'a> {
    props: Option<&'a BTreeMap<String, Node>>,
    map: Option<Cow<'a, Node>>,
}
