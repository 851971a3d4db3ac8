//! Mergeable schema sketches: a JSON-Schema-like summary of every value seen at one position.
//!
//! Discovery sees the same endpoint many times, on many threads and in any order. A
//! [`SchemaSketch`] therefore keeps only counters, min/max and bounded sets, chosen so that
//! [`SchemaSketch::merge`] is **commutative and associative**: the inventory is identical
//! whatever order traffic arrives in, and per-path sketches merge into per-template sketches.
//! Every rule that turns counts into a schema (required, enum, format, "this object is a map")
//! is applied when the schema is emitted, from the stored counts, never while observing.
//!
//! # Bounds (bodies are attacker-controlled)
//!
//! - Depth: positions deeper than [`MAX_DEPTH`] (root = 0, one level per property, array item
//!   or map value) keep no children.
//! - Nodes: when the tree holds more than [`MAX_NODES`] nodes, the depth limit of the sketch
//!   drops level by level until it fits. The node count of a union is never smaller than that of
//!   its parts (nothing is ever folded away in storage), so this rule gives the same result in
//!   any merge order.
//! - Objects whose keys look like data — any one observation with more than
//!   [`MAX_PROPERTIES`] keys, a key longer than [`MAX_KEY_LEN`] bytes, or keys that are all
//!   numbers, UUIDs, long hex ids, dates, IPs or e-mails — are stored as a *map*: one value
//!   sketch (`additionalProperties`) instead of properties. An object that accumulates more than
//!   [`MAX_PROPERTIES`] distinct keys over many observations is emitted as a map as well.
//! - Enum candidates: at most [`ENUM_MAX_VALUES`] short strings per position, see
//!   [`SchemaSketch::enum_values`].
//!
//! # Derived rules
//!
//! - **required**: a property is required iff it was present in *every* observation of its
//!   parent as an object, and that object was observed at least [`REQUIRED_MIN_OBSERVATIONS`]
//!   times (a single example says nothing about optionality).
//! - **format**: emitted iff every string at the position has the same detected format.
//! - **enum**: see [`SchemaSketch::enum_values`].
//! - **type**: `integer` and `number` together give `number`; several types give a type array
//!   (`["string", "null"]`).
//!
//! # Speed
//!
//! [`SchemaSketch::observe_json_slice`] records JSON bytes without building a
//! `serde_json::Value` (a small validating scanner, two passes, no allocation once the shape is
//! known) and equals parsing then [`SchemaSketch::observe_json`]. Steady-state observation
//! allocates nothing; strings are checked for formats with a few byte compares.

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::net::{Ipv4Addr, Ipv6Addr};

use serde::{Serialize, Serializer};
use serde_json::{Map, Value};

mod emit;
mod fast_json;
mod format;
mod lite;
mod text;

pub use format::Format;

pub(crate) use lite::Field;
use lite::*;

use text::*;
pub(crate) use text::{has, is_secret_key, with_lower};

/// Deepest position that keeps children (root is depth 0).
pub const MAX_DEPTH: u8 = 16;
/// Most nodes one sketch keeps before its depth limit is lowered.
pub const MAX_NODES: usize = 2048;
/// An object observation with more keys than this is a map; so is, when emitted, an object
/// that accumulated more distinct keys than this.
pub const MAX_PROPERTIES: usize = 256;
/// A key longer than this (bytes) is data, not a field name: its object is stored as a map.
pub const MAX_KEY_LEN: usize = 128;
/// Most distinct strings kept as enum candidates at one position.
pub const ENUM_MAX_VALUES: usize = 12;
/// Longest string (bytes) that can be an enum candidate.
pub const ENUM_MAX_LEN: usize = 32;
/// Fewest string observations before an enum is emitted.
pub const ENUM_MIN_OBSERVATIONS: u64 = 4;
/// Fewest object observations before a property can be required.
pub const REQUIRED_MIN_OBSERVATIONS: u64 = 2;

/// How many times each JSON type was seen at one position.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct TypeCounts {
    /// `null`.
    pub null: u64,
    /// `true` / `false`.
    pub boolean: u64,
    /// Numbers written without fraction or exponent.
    pub integer: u64,
    /// Numbers with a fraction or exponent.
    pub number: u64,
    /// Strings.
    pub string: u64,
    /// Arrays.
    pub array: u64,
    /// Objects.
    pub object: u64,
}

impl TypeCounts {
    fn merge(&mut self, o: &TypeCounts) {
        self.null = self.null.saturating_add(o.null);
        self.boolean = self.boolean.saturating_add(o.boolean);
        self.integer = self.integer.saturating_add(o.integer);
        self.number = self.number.saturating_add(o.number);
        self.string = self.string.saturating_add(o.string);
        self.array = self.array.saturating_add(o.array);
        self.object = self.object.saturating_add(o.object);
    }
}

/// Per-position string statistics. Exists only once a string was seen.
#[derive(Clone, PartialEq)]
struct StringStats {
    formats: [u64; 8],
    min_len: u64,
    max_len: u64,
    /// Distinct enum candidates; empty once `spoiled`.
    values: BTreeSet<String>,
    /// Set when a value was not an enum candidate, was secret, or when more than
    /// `ENUM_MAX_VALUES` distinct candidates were seen. Both are order independent.
    spoiled: bool,
}

impl Default for StringStats {
    fn default() -> Self {
        Self {
            formats: [0; 8],
            min_len: u64::MAX,
            max_len: 0,
            values: BTreeSet::new(),
            spoiled: false,
        }
    }
}

impl fmt::Debug for StringStats {
    // Values are captured data: show how many, never which.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StringStats")
            .field("formats", &self.formats)
            .field("min_len", &self.min_len)
            .field("max_len", &self.max_len)
            .field("values", &self.values.len())
            .field("spoiled", &self.spoiled)
            .finish()
    }
}

impl StringStats {
    fn spoil(&mut self) {
        self.spoiled = true;
        self.values = BTreeSet::new();
    }

    fn observe(&mut self, s: &str, format: Option<Format>, keep_value: bool) {
        if let Some(f) = format {
            self.formats[f.index()] += 1;
        }
        let len = s.chars().count() as u64;
        self.min_len = self.min_len.min(len);
        self.max_len = self.max_len.max(len);
        if self.spoiled {
            return;
        }
        if !(keep_value && format.is_none() && is_enum_candidate(s)) {
            self.spoil();
        } else if !self.values.contains(s) {
            if self.values.len() >= ENUM_MAX_VALUES {
                self.spoil();
            } else {
                self.values.insert(s.to_owned());
            }
        }
    }

    fn merge(&mut self, o: &StringStats) {
        for (a, b) in self.formats.iter_mut().zip(o.formats) {
            *a = a.saturating_add(b);
        }
        self.min_len = self.min_len.min(o.min_len);
        self.max_len = self.max_len.max(o.max_len);
        if self.spoiled {
            return;
        }
        if o.spoiled {
            self.spoil();
            return;
        }
        for v in &o.values {
            if !self.values.contains(v) {
                if self.values.len() >= ENUM_MAX_VALUES {
                    self.spoil();
                    return;
                }
                self.values.insert(v.clone());
            }
        }
    }
}

/// One position of the tree.
#[derive(Clone, Debug, Default, PartialEq)]
struct Node {
    count: u64,
    types: TypeCounts,
    strings: Option<Box<StringStats>>,
    /// (min, max) over integer and number values.
    numbers: Option<(f64, f64)>,
    /// Items of arrays, merged across items and arrays (exists once a non-empty array was seen).
    items: Option<Box<Node>>,
    /// Properties of objects observed as records.
    props: BTreeMap<String, Node>,
    /// Values of objects observed as maps (keys are data).
    map: Option<Box<Node>>,
    /// The property name of this node looks like a secret: never keep its string values.
    /// A function of the key only, so merge order cannot change it.
    secret_key: bool,
}

/// Per-operation context: the depth limit in force and whether the tree's shape changed.
struct Cx {
    cap: u8,
    changed: bool,
}

/// Something that can be observed into a node: JSON values and flat text fields.
trait Observe {
    fn observe_into(&self, node: &mut Node, depth: u8, cx: &mut Cx, secret: bool);
}

impl Observe for Value {
    fn observe_into(&self, node: &mut Node, depth: u8, cx: &mut Cx, secret: bool) {
        node.observe_json(self, depth, cx, secret);
    }
}

impl Observe for Lite<'_> {
    fn observe_into(&self, node: &mut Node, depth: u8, cx: &mut Cx, secret: bool) {
        node.observe_lite(self, depth, cx, secret);
    }
}

/// All values of one field name in one body: one value is a scalar, several an array.
impl Observe for [Field<'_>] {
    fn observe_into(&self, node: &mut Node, depth: u8, cx: &mut Cx, secret: bool) {
        match self {
            [one] => node.observe_field(one, secret),
            many => {
                node.count = node.count.saturating_add(1);
                node.types.array = node.types.array.saturating_add(1);
                if depth >= cx.cap || many.is_empty() {
                    return;
                }
                let items = node.items.get_or_insert_with(|| {
                    cx.changed = true;
                    Box::default()
                });
                for f in many {
                    items.observe_field(f, secret);
                }
            }
        }
    }
}

impl Node {
    fn keyed(key: &str) -> Node {
        Node {
            secret_key: is_secret_key(key),
            ..Node::default()
        }
    }

    fn observe_json(&mut self, v: &Value, depth: u8, cx: &mut Cx, secret: bool) {
        self.count = self.count.saturating_add(1);
        match v {
            Value::Null => self.types.null = self.types.null.saturating_add(1),
            Value::Bool(_) => self.types.boolean = self.types.boolean.saturating_add(1),
            Value::Number(n) => {
                if n.is_f64() {
                    self.types.number = self.types.number.saturating_add(1);
                } else {
                    self.types.integer = self.types.integer.saturating_add(1);
                }
                if let Some(x) = n.as_f64() {
                    self.observe_number(x);
                }
            }
            Value::String(s) => self.observe_string(s, Format::detect(s), !secret),
            Value::Array(items) => {
                self.types.array = self.types.array.saturating_add(1);
                if depth >= cx.cap || items.is_empty() {
                    return;
                }
                let node = self.items.get_or_insert_with(|| {
                    cx.changed = true;
                    Box::default()
                });
                for item in items {
                    node.observe_json(item, depth + 1, cx, secret);
                }
            }
            Value::Object(m) => {
                self.types.object = self.types.object.saturating_add(1);
                self.observe_entries(m.iter().map(|(k, v)| (k.as_str(), v)), depth, cx, secret);
            }
        }
    }

    fn observe_lite(&mut self, v: &Lite<'_>, depth: u8, cx: &mut Cx, secret: bool) {
        self.count = self.count.saturating_add(1);
        match v {
            Lite::Null => self.types.null = self.types.null.saturating_add(1),
            Lite::Bool => self.types.boolean = self.types.boolean.saturating_add(1),
            Lite::Int(x) => {
                self.types.integer = self.types.integer.saturating_add(1);
                self.observe_number(*x);
            }
            Lite::Float(x) => {
                self.types.number = self.types.number.saturating_add(1);
                self.observe_number(*x);
            }
            Lite::Str(s) => self.observe_string(s, Format::detect(s), !secret),
            Lite::Arr(items) => {
                self.types.array = self.types.array.saturating_add(1);
                if depth >= cx.cap || items.is_empty() {
                    return;
                }
                let node = self.items.get_or_insert_with(|| {
                    cx.changed = true;
                    Box::default()
                });
                for item in items {
                    node.observe_lite(item, depth + 1, cx, secret);
                }
            }
            Lite::Obj(entries) => {
                self.types.object = self.types.object.saturating_add(1);
                self.observe_entries(
                    entries.iter().map(|(k, v)| (k.as_ref(), v)),
                    depth,
                    cx,
                    secret,
                );
            }
        }
    }

    /// Records the entries of one object observation (the caller counted the object).
    fn observe_entries<'a, V, I>(&mut self, entries: I, depth: u8, cx: &mut Cx, secret: bool)
    where
        V: Observe + ?Sized + 'a,
        I: Iterator<Item = (&'a str, &'a V)> + Clone,
    {
        if depth >= cx.cap {
            return;
        }
        if looks_like_map(entries.clone().map(|(k, _)| k)) {
            let m = self.map.get_or_insert_with(|| {
                cx.changed = true;
                Box::default()
            });
            for (k, v) in entries {
                v.observe_into(m, depth + 1, cx, secret || is_secret_key(k));
            }
            return;
        }
        for (k, v) in entries {
            if let Some(child) = self.props.get_mut(k) {
                let s = secret || child.secret_key;
                v.observe_into(child, depth + 1, cx, s);
                continue;
            }
            cx.changed = true;
            let child = self
                .props
                .entry(k.to_owned())
                .or_insert_with(|| Node::keyed(k));
            let s = secret || child.secret_key;
            v.observe_into(child, depth + 1, cx, s);
        }
    }

    fn observe_number(&mut self, x: f64) {
        self.numbers = Some(match self.numbers {
            Some((lo, hi)) => (lo.min(x), hi.max(x)),
            None => (x, x),
        });
    }

    fn observe_string(&mut self, s: &str, format: Option<Format>, keep_value: bool) {
        self.types.string = self.types.string.saturating_add(1);
        self.strings
            .get_or_insert_with(Default::default)
            .observe(s, format, keep_value);
    }

    /// A scalar seen as text (query, header, form value): infers its JSON type.
    fn observe_text(&mut self, s: &str, secret: bool) {
        self.count = self.count.saturating_add(1);
        match classify_text(s) {
            TextKind::Bool => self.types.boolean = self.types.boolean.saturating_add(1),
            TextKind::Integer(x) => {
                self.types.integer = self.types.integer.saturating_add(1);
                self.observe_number(x);
            }
            TextKind::Number(x) => {
                self.types.number = self.types.number.saturating_add(1);
                self.observe_number(x);
            }
            TextKind::String(f) => self.observe_string(s, f, !secret),
        }
    }

    fn observe_field(&mut self, f: &Field<'_>, secret: bool) {
        match f {
            Field::Text(s) => self.observe_text(s, secret),
            Field::Binary => {
                self.count = self.count.saturating_add(1);
                self.types.string = self.types.string.saturating_add(1);
                let st = self.strings.get_or_insert_with(Default::default);
                st.formats[Format::Binary.index()] += 1;
                st.min_len = 0;
                st.spoil();
            }
            Field::Object => {
                self.count = self.count.saturating_add(1);
                self.types.object = self.types.object.saturating_add(1);
            }
        }
    }

    fn merge_from(&mut self, o: &Node, depth: u8, cx: &mut Cx) {
        self.count = self.count.saturating_add(o.count);
        self.types.merge(&o.types);
        match (&mut self.strings, &o.strings) {
            (Some(a), Some(b)) => a.merge(b),
            (None, Some(b)) => self.strings = Some(b.clone()),
            _ => {}
        }
        if let Some((lo, hi)) = o.numbers {
            self.observe_number(lo);
            self.observe_number(hi);
        }
        if depth >= cx.cap {
            return;
        }
        if let Some(oi) = &o.items {
            let it = self.items.get_or_insert_with(|| {
                cx.changed = true;
                Box::default()
            });
            it.merge_from(oi, depth + 1, cx);
        }
        if let Some(om) = &o.map {
            let m = self.map.get_or_insert_with(|| {
                cx.changed = true;
                Box::default()
            });
            m.merge_from(om, depth + 1, cx);
        }
        for (k, oc) in &o.props {
            if let Some(c) = self.props.get_mut(k) {
                c.merge_from(oc, depth + 1, cx);
                continue;
            }
            cx.changed = true;
            let c = self.props.entry(k.clone()).or_insert_with(|| Node {
                secret_key: oc.secret_key,
                ..Node::default()
            });
            c.merge_from(oc, depth + 1, cx);
        }
    }

    /// Drops every child below `cap`.
    fn prune(&mut self, depth: u8, cap: u8) {
        if depth >= cap {
            self.items = None;
            self.map = None;
            self.props = BTreeMap::new();
            return;
        }
        if let Some(i) = &mut self.items {
            i.prune(depth + 1, cap);
        }
        if let Some(m) = &mut self.map {
            m.prune(depth + 1, cap);
        }
        for c in self.props.values_mut() {
            c.prune(depth + 1, cap);
        }
    }

    fn count_levels(&self, depth: u8, levels: &mut [usize]) {
        let Some(slot) = levels.get_mut(depth as usize) else {
            return;
        };
        *slot = slot.saturating_add(1);
        if let Some(i) = &self.items {
            i.count_levels(depth + 1, levels);
        }
        if let Some(m) = &self.map {
            m.count_levels(depth + 1, levels);
        }
        for c in self.props.values() {
            c.count_levels(depth + 1, levels);
        }
    }

    /// Whether a node at the depth limit lost array or object children.
    fn truncated_below(&self, depth: u8, cap: u8) -> bool {
        if depth >= cap {
            return self.types.array > 0 || self.types.object > 0;
        }
        self.items
            .as_ref()
            .is_some_and(|i| i.truncated_below(depth + 1, cap))
            || self
                .map
                .as_ref()
                .is_some_and(|m| m.truncated_below(depth + 1, cap))
            || self
                .props
                .values()
                .any(|c| c.truncated_below(depth + 1, cap))
    }
}

/// A mergeable, bounded summary of every value observed at one position (a body, a parameter),
/// emitted as a JSON Schema 2020-12 / OpenAPI 3.1 fragment.
///
/// See the [module documentation](self) for the bounds and the rules. `Debug` never prints
/// captured string values; `Serialize` writes [`SchemaSketch::to_json_schema`].
#[derive(Clone, Debug, PartialEq)]
pub struct SchemaSketch {
    root: Node,
    /// Current depth limit: nodes at this depth keep no children.
    cap: u8,
}

impl Default for SchemaSketch {
    fn default() -> Self {
        Self {
            root: Node::default(),
            cap: MAX_DEPTH,
        }
    }
}

impl Serialize for SchemaSketch {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.to_json_schema().serialize(serializer)
    }
}

#[cfg(test)]
thread_local! {
    static TEST_MAX_NODES: std::cell::Cell<usize> = const { std::cell::Cell::new(MAX_NODES) };
}

fn max_nodes() -> usize {
    #[cfg(test)]
    {
        TEST_MAX_NODES.with(|c| c.get())
    }
    #[cfg(not(test))]
    {
        MAX_NODES
    }
}

impl SchemaSketch {
    /// An empty sketch (nothing observed).
    pub fn new() -> Self {
        Self::default()
    }

    /// A sketch for a named parameter; `secret` (a function of the name) makes
    /// [`SchemaSketch::observe_named_str`] never keep values.
    pub(crate) fn for_name(secret: bool) -> Self {
        let mut s = Self::default();
        s.root.secret_key = secret;
        s
    }

    /// Whether this sketch was created for a secret-looking name.
    pub(crate) fn is_secret(&self) -> bool {
        self.root.secret_key
    }

    /// [`SchemaSketch::observe_str`] or [`SchemaSketch::observe_secret_str`], as decided for
    /// the name when the sketch was created.
    pub(crate) fn observe_named_str(&mut self, s: &str) {
        let secret = self.root.secret_key;
        self.with_cx(|root, _| root.observe_text(s, secret));
    }

    /// Records one JSON value (a whole body, or a JSON-typed parameter). Walks the value once.
    pub fn observe_json(&mut self, v: &Value) {
        self.with_cx(|root, cx| root.observe_json(v, 0, cx, false));
    }

    /// Parses `bytes` as one JSON document and records it; nothing is recorded when it does not
    /// parse. Faster than parsing to a `serde_json::Value` first (strings are borrowed, objects
    /// are not sorted maps) and gives the same sketch.
    pub fn observe_json_slice(&mut self, bytes: &[u8]) -> Result<(), serde_json::Error> {
        // On failure, serde_json describes the error (line and column); the fast scanner only
        // knows that there is one.
        let error = || {
            serde_json::from_slice::<serde::de::IgnoredAny>(bytes)
                .err()
                .unwrap_or_else(|| <serde_json::Error as serde::de::Error>::custom("invalid JSON"))
        };
        let text = std::str::from_utf8(bytes).map_err(|_| error())?;
        let scan = fast_json::scan(text).map_err(|_| error())?;
        if scan.duplicate_keys {
            let v: Lite<'_> = serde_json::from_str(text)?;
            self.with_cx(|root, cx| root.observe_lite(&v, 0, cx, false));
            return Ok(());
        }
        let mut result = Ok(());
        self.with_cx(|root, cx| {
            let mut w = fast_json::Walk {
                cx,
                map_like: &scan.map_like,
                next: 0,
            };
            result = fast_json::observe(text, root, &mut w);
        });
        // Unreachable in practice: pass 1 accepted the same text.
        debug_assert!(result.is_ok());
        result.map_err(|_| error())
    }

    /// Records a scalar seen as text (query, header, cookie or form value): `true`/`false`
    /// count as boolean, decimal numbers as integer or number (no leading zeros: `007` stays a
    /// string, as zip codes and ids do), anything else as a string with its detected format.
    pub fn observe_str(&mut self, s: &str) {
        self.with_cx(|root, _| root.observe_text(s, false));
    }

    /// Like [`SchemaSketch::observe_str`] for credentials and session values: types, formats
    /// and lengths are kept, the value itself never is (so it can never become an enum).
    pub fn observe_secret_str(&mut self, s: &str) {
        self.with_cx(|root, _| root.observe_text(s, true));
    }

    /// Records the values of a key repeated in one message (`?id=1&id=2`) as one array
    /// observation whose items are typed like [`SchemaSketch::observe_str`].
    pub fn observe_str_array<'a>(
        &mut self,
        values: impl IntoIterator<Item = &'a str>,
        secret: bool,
    ) {
        let fields: Vec<Field<'a>> = values
            .into_iter()
            .map(|v| Field::Text(Cow::Borrowed(v)))
            .collect();
        self.with_cx(|root, cx| fields.as_slice().observe_into(root, 0, cx, secret));
    }

    /// Records one flat object (form fields, multipart parts, XML children): each name with all
    /// its values in this message.
    pub(crate) fn observe_fields(&mut self, fields: &BTreeMap<Cow<'_, str>, Vec<Field<'_>>>) {
        self.with_cx(|root, cx| {
            root.count = root.count.saturating_add(1);
            root.types.object = root.types.object.saturating_add(1);
            root.observe_entries(
                fields.iter().map(|(k, v)| (k.as_ref(), v.as_slice())),
                0,
                cx,
                false,
            );
        });
    }

    /// Merges another sketch into this one. Commutative and associative: any grouping and order
    /// of merges and observations of the same values gives an equal sketch.
    pub fn merge(&mut self, other: &SchemaSketch) {
        let cap = self.cap.min(other.cap);
        if cap < self.cap {
            self.root.prune(0, cap);
            self.cap = cap;
        }
        self.with_cx(|root, cx| root.merge_from(&other.root, 0, cx));
    }

    /// Number of values observed (at the root).
    pub fn count(&self) -> u64 {
        self.root.count
    }

    /// How many times each type was seen (at the root).
    pub fn type_counts(&self) -> TypeCounts {
        self.root.types
    }

    /// The format shared by every string seen (at the root), if any.
    pub fn format(&self) -> Option<Format> {
        self.root.format()
    }

    /// (min, max) over the numbers seen (at the root).
    pub fn number_range(&self) -> Option<(f64, f64)> {
        self.root.numbers
    }

    /// (min, max) length in characters of the strings seen (at the root).
    pub fn string_length_range(&self) -> Option<(u64, u64)> {
        self.root.strings.as_deref().map(|s| (s.min_len, s.max_len))
    }

    /// The enum emitted for the root, if the rule holds: only strings (and possibly null) were
    /// seen, at least [`ENUM_MIN_OBSERVATIONS`] of them, all short label-like candidates with
    /// no detected format, never from a secret-looking field, at most [`ENUM_MAX_VALUES`]
    /// distinct values, and at most half as many distinct values as observations. Sorted.
    pub fn enum_values(&self) -> Option<Vec<&str>> {
        self.root.enum_values()
    }

    /// The current depth limit: [`MAX_DEPTH`] unless the node budget lowered it.
    pub fn depth_limit(&self) -> u8 {
        self.cap
    }

    /// True when structure was dropped by the depth or node limits.
    pub fn is_truncated(&self) -> bool {
        self.cap < MAX_DEPTH || self.root.truncated_below(0, self.cap)
    }

    /// The schema as a JSON Schema 2020-12 / OpenAPI 3.1 fragment: `type` (an array for mixed
    /// types), `format`, `enum`, `properties`, `required`, `items`, `additionalProperties`.
    /// Observed ranges are not emitted as `minimum`/`maximum`: samples are not limits (see
    /// [`SchemaSketch::number_range`]). An empty sketch gives `{}`.
    pub fn to_json_schema(&self) -> Value {
        self.root.to_schema(0, self.cap)
    }

    /// Every property path, depth first in key order: dotted, with `[]` for array items and
    /// `*` for map values, e.g. `data`, `data.items`, `data.items[].idCard`; a top-level array
    /// gives `[].id`. Keys are not escaped. Not for the hot path: it allocates every path.
    pub fn field_paths(&self) -> Vec<String> {
        self.field_paths_limited(usize::MAX)
    }

    /// Like [`SchemaSketch::field_paths`], but only paths of at most `max_segments` property
    /// names (array `[]` does not count), e.g. 2 gives `data` and `data.items`.
    pub fn field_paths_limited(&self, max_segments: usize) -> Vec<String> {
        let mut out = Vec::new();
        let mut prefix = String::new();
        self.root
            .collect_paths(&mut prefix, 0, self.cap, max_segments, &mut out);
        out
    }

    fn with_cx(&mut self, f: impl FnOnce(&mut Node, &mut Cx)) {
        let mut cx = Cx {
            cap: self.cap,
            changed: false,
        };
        f(&mut self.root, &mut cx);
        if cx.changed {
            self.enforce_node_budget();
        }
    }

    /// Lowers the depth limit until the nodes at or above it fit in the budget. The node count
    /// per level only grows under merge, so the limit of a union is the same whatever the order.
    fn enforce_node_budget(&mut self) {
        let mut levels = [0usize; MAX_DEPTH as usize + 1];
        self.root.count_levels(0, &mut levels);
        let budget = max_nodes();
        let mut total = 0usize;
        for (d, n) in levels.iter().enumerate().take(self.cap as usize + 1) {
            total = total.saturating_add(*n);
            if total > budget && d > 0 {
                let cap = (d - 1) as u8;
                self.root.prune(0, cap);
                self.cap = cap;
                return;
            }
        }
    }
}

#[cfg(test)]
mod tests;
