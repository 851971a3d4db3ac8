use super::*;
use proptest::prelude::*;
use serde_json::json;

fn sketch(values: &[Value]) -> SchemaSketch {
    let mut s = SchemaSketch::new();
    for v in values {
        s.observe_json(v);
    }
    s
}

#[test]
fn types_required_and_paths() {
    let s = sketch(&[
        json!({"data": {"items": [{"idCard": "x", "n": 1}], "total": 3}, "ok": true}),
        json!({"data": {"items": [{"idCard": "y", "n": 2.5}]}, "ok": null}),
    ]);
    assert_eq!(s.count(), 2);
    let schema = s.to_json_schema();
    assert_eq!(schema["type"], "object");
    assert_eq!(schema["required"], json!(["data", "ok"]));
    assert_eq!(
        schema["properties"]["ok"]["type"],
        json!(["boolean", "null"])
    );
    let data = &schema["properties"]["data"];
    assert_eq!(data["required"], json!(["items"]));
    assert_eq!(data["properties"]["total"]["type"], "integer");
    let item = &data["properties"]["items"]["items"];
    assert_eq!(item["properties"]["n"]["type"], "number");
    assert_eq!(item["required"], json!(["idCard", "n"]));
    assert_eq!(
        s.field_paths(),
        [
            "data",
            "data.items",
            "data.items[].idCard",
            "data.items[].n",
            "data.total",
            "ok"
        ]
    );
    assert_eq!(
        s.field_paths_limited(2),
        ["data", "data.items", "data.total", "ok"]
    );
}

#[test]
fn single_observation_marks_nothing_required() {
    let s = sketch(&[json!({"a": 1})]);
    assert!(s.to_json_schema().get("required").is_none());
}

#[test]
fn top_level_array_paths() {
    let s = sketch(&[json!([{"id": 1, "tags": ["a"]}, {"id": 2}])]);
    assert_eq!(s.field_paths(), ["[].id", "[].tags"]);
    let schema = s.to_json_schema();
    assert_eq!(schema["type"], "array");
    assert_eq!(schema["items"]["required"], json!(["id"]));
    assert_eq!(
        schema["items"]["properties"]["tags"]["items"]["type"],
        "string"
    );
}

#[test]
fn formats_are_detected() {
    let cases = [
        ("123e4567-e89b-12d3-a456-426614174000", Some(Format::Uuid)),
        ("a@b.co", Some(Format::Email)),
        ("2024-02-29", Some(Format::Date)),
        ("2024-02-29T10:00:00Z", Some(Format::DateTime)),
        ("2024-02-29T10:00:00.123+08:00", Some(Format::DateTime)),
        ("10.0.0.1", Some(Format::Ipv4)),
        ("::1", Some(Format::Ipv6)),
        ("2001:db8::1", Some(Format::Ipv6)),
        ("https://example.com/x", Some(Format::Uri)),
        ("hello", None),
        ("12:30:00", None),
        ("2024-13-01", None),
        ("a@b", None),
        ("not a uri://x", None),
    ];
    for (s, f) in cases {
        assert_eq!(Format::detect(s), f, "{s}");
    }
    let s = sketch(&[json!("a@b.co"), json!("c@d.org")]);
    assert_eq!(
        s.to_json_schema(),
        json!({"type": "string", "format": "email"})
    );
    let mixed = sketch(&[json!("a@b.co"), json!("plain")]);
    assert!(mixed.to_json_schema().get("format").is_none());
}

#[test]
fn text_inference() {
    let mut s = SchemaSketch::new();
    for v in ["1", "-20", "3"] {
        s.observe_str(v);
    }
    assert_eq!(s.to_json_schema()["type"], "integer");
    assert_eq!(s.number_range(), Some((-20.0, 3.0)));
    s.observe_str("2.5");
    assert_eq!(s.to_json_schema()["type"], "number");
    let mut b = SchemaSketch::new();
    b.observe_str("true");
    b.observe_str("false");
    assert_eq!(b.to_json_schema()["type"], "boolean");
    let mut z = SchemaSketch::new();
    z.observe_str("007");
    z.observe_str("1e400");
    z.observe_str("12345678901234567890123");
    assert_eq!(z.to_json_schema()["type"], "string");
}

#[test]
fn enum_rule_and_cap() {
    let vals: Vec<Value> = [
        "active", "inactive", "active", "active", "inactive", "active", "inactive", "active",
    ]
    .iter()
    .map(|s| json!(s))
    .collect();
    let s = sketch(&vals);
    assert_eq!(s.to_json_schema()["enum"], json!(["active", "inactive"]));
    // Too few observations.
    assert!(sketch(&vals[..3]).to_json_schema().get("enum").is_none());
    // Values that do not repeat (four observations per value on average) are data, not
    // labels: names stay out of enums.
    let names: Vec<Value> = ["Ann", "Bob", "Ann", "Cid", "Bob", "Dan", "Ann", "Eve"]
        .iter()
        .map(|s| json!(s))
        .collect();
    assert!(sketch(&names).enum_values().is_none());
    let spaced: Vec<Value> = (0..8)
        .map(|i| json!(["Jane Doe", "Max Roe"][i % 2]))
        .collect();
    assert!(sketch(&spaced).enum_values().is_none());
    // Too many distinct values: more than ENUM_MAX_VALUES, in any order.
    let many: Vec<Value> = (0..(ENUM_MAX_VALUES + 1) * 5)
        .map(|i| json!(format!("v{}", i % (ENUM_MAX_VALUES + 1))))
        .collect();
    assert!(sketch(&many).enum_values().is_none());
    let exactly: Vec<Value> = (0..ENUM_MAX_VALUES * 4)
        .map(|i| json!(format!("v{:02}", i % ENUM_MAX_VALUES)))
        .collect();
    assert_eq!(
        sketch(&exactly).enum_values().map(|v| v.len()),
        Some(ENUM_MAX_VALUES)
    );
    // Null alongside strings stays allowed.
    let mut with_null = vals.clone();
    with_null.push(Value::Null);
    assert_eq!(
        sketch(&with_null).to_json_schema()["enum"],
        json!(["active", "inactive", null])
    );
    // Numbers, names without ASCII letters and e-mails never form enums.
    let phones: Vec<Value> = (0..8)
        .map(|i| json!(format!("1380013800{}", i % 2)))
        .collect();
    assert!(sketch(&phones).enum_values().is_none());
}

#[test]
fn secret_fields_never_keep_values() {
    let vals: Vec<Value> = (0..10)
        .map(|i| json!({"password": "hunter2", "role": (["admin", "user"][i % 2])}))
        .collect();
    let s = sketch(&vals);
    let schema = s.to_json_schema();
    assert!(schema["properties"]["password"].get("enum").is_none());
    assert_eq!(
        schema["properties"]["role"]["enum"],
        json!(["admin", "user"])
    );
    assert!(!format!("{s:?}").contains("hunter2"));
    let mut h = SchemaSketch::new();
    for _ in 0..10 {
        h.observe_secret_str("abc");
    }
    assert!(h.enum_values().is_none());
}

#[test]
fn id_keyed_objects_become_maps() {
    let s = sketch(&[
        json!({"users": {"123": {"name": "a"}, "456": {"name": "b"}}}),
        json!({"users": {"789": {"name": "c", "age": 3}}}),
    ]);
    let users = &s.to_json_schema()["properties"]["users"];
    assert!(users.get("properties").is_none());
    assert_eq!(
        users["additionalProperties"]["properties"]["name"]["type"],
        "string"
    );
    assert_eq!(users["additionalProperties"]["required"], json!(["name"]));
    assert_eq!(
        s.field_paths(),
        ["users", "users.*", "users.*.age", "users.*.name"]
    );
    let uuids = sketch(&[json!({"123e4567-e89b-12d3-a456-426614174000": 1})]);
    assert_eq!(
        uuids.to_json_schema()["additionalProperties"]["type"],
        "integer"
    );
}

#[test]
fn wide_objects_become_maps() {
    let mut one = Map::new();
    for i in 0..=MAX_PROPERTIES {
        one.insert(format!("k{i}"), json!(i));
    }
    let s = sketch(&[Value::Object(one)]);
    assert_eq!(s.field_paths(), ["*"]);
    // Accumulated over many small observations: emitted as a map too.
    let many: Vec<Value> = (0..=MAX_PROPERTIES)
        .map(|i| json!({ format!("k{i}"): "v" }))
        .collect();
    let s = sketch(&many);
    assert_eq!(s.to_json_schema()["additionalProperties"]["type"], "string");
    let long_key = "x".repeat(MAX_KEY_LEN + 1);
    let s = sketch(&[json!({ long_key: 1, "a": 2 })]);
    assert_eq!(s.field_paths(), ["*"]);
}

#[test]
fn depth_is_bounded() {
    let mut v = json!(1);
    for _ in 0..100 {
        v = json!({ "a": v });
    }
    let s = sketch(&[v]);
    assert_eq!(s.field_paths().len(), MAX_DEPTH as usize);
    assert!(s.is_truncated());
    assert!(!sketch(&[json!({"a": 1})]).is_truncated());
}

#[test]
fn node_budget_lowers_depth_limit() {
    let mut wide = Map::new();
    for i in 0..200 {
        wide.insert(format!("k{i:03}"), json!({"x": {"y": 1}, "z": 2}));
    }
    let v = Value::Object(wide);
    let s = sketch(&[v]);
    // 1 + 200 + 400 + 200 nodes fit the default budget.
    assert_eq!(s.depth_limit(), MAX_DEPTH);
    TEST_MAX_NODES.with(|c| c.set(300));
    let s2 = sketch(&[s.to_json_schema(), json!(null)]);
    let mut w = Map::new();
    for i in 0..200 {
        w.insert(format!("k{i:03}"), json!({"x": {"y": 1}}));
    }
    let s3 = sketch(&[Value::Object(w)]);
    TEST_MAX_NODES.with(|c| c.set(MAX_NODES));
    assert!(s2.depth_limit() < MAX_DEPTH);
    assert_eq!(s3.depth_limit(), 1);
    assert_eq!(s3.field_paths().len(), 200);
    assert!(s3.is_truncated());
}

#[test]
fn slice_parse_handles_duplicates_and_escapes() {
    let text = br#"{"a":1,"b":"x","a":"s","c\u0041":[1,2.5]}"#;
    let mut fast = SchemaSketch::new();
    fast.observe_json_slice(text).unwrap();
    let v: Value = serde_json::from_slice(text).unwrap();
    assert_eq!(fast, sketch(&[v]));
    assert_eq!(fast.to_json_schema()["properties"]["a"]["type"], "string");
    assert!(fast.observe_json_slice(b"{\"a\":").is_err());
    assert_eq!(fast.count(), 1);
}

#[test]
fn slice_parse_keeps_map_decisions_in_sync_below_the_depth_limit() {
    // Objects below the depth limit are skipped but still counted, so the map decision of
    // the later `{"1": ..}` object is the right one.
    let mut deep = json!({"x": 1});
    for _ in 0..MAX_DEPTH + 2 {
        deep = json!({ "a": deep, "m": {"7": {"k": 1}} });
    }
    let doc = json!({"deep": deep, "later": {"123": {"v": true}}, "rec": {"name": "n"}});
    let text = serde_json::to_vec(&doc).unwrap();
    let mut fast = SchemaSketch::new();
    fast.observe_json_slice(&text).unwrap();
    assert_eq!(fast, sketch(&[doc]));
    assert!(fast.field_paths().contains(&"later.*.v".to_string()));
}

#[test]
fn serialize_writes_the_schema() {
    let s = sketch(&[json!({"a": "b"})]);
    assert_eq!(serde_json::to_value(&s).unwrap(), s.to_json_schema());
    assert_eq!(SchemaSketch::new().to_json_schema(), json!({}));
}

fn arb_json() -> impl Strategy<Value = Value> {
    let key = prop_oneof![
        Just("a".to_string()),
        Just("b".to_string()),
        Just("id".to_string()),
        Just("12".to_string()),
        Just("token".to_string()),
        "[a-d]{1,3}",
    ];
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        (-1e6f64..1e6).prop_map(Value::from),
        prop_oneof![
            Just("x@y.io".to_string()),
            Just("2024-01-02".to_string()),
            Just("on".to_string()),
            Just("off".to_string()),
            "[a-c]{0,3}",
            ".{0,8}",
        ]
        .prop_map(Value::from),
    ];
    leaf.prop_recursive(5, 48, 6, move |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
            prop::collection::btree_map(key.clone(), inner, 0..6)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

fn arb_sketch() -> impl Strategy<Value = SchemaSketch> {
    (
        prop::collection::vec(arb_json(), 0..5),
        prop::collection::vec(".{0,6}", 0..3),
    )
        .prop_map(|(vals, texts)| {
            let mut s = sketch(&vals);
            for t in &texts {
                s.observe_str(t);
            }
            s
        })
}

fn merged(a: &SchemaSketch, b: &SchemaSketch) -> SchemaSketch {
    let mut m = a.clone();
    m.merge(b);
    m
}

proptest! {
    #[test]
    fn merge_is_commutative(a in arb_sketch(), b in arb_sketch()) {
        prop_assert_eq!(merged(&a, &b), merged(&b, &a));
    }

    #[test]
    fn merge_is_associative(a in arb_sketch(), b in arb_sketch(), c in arb_sketch()) {
        prop_assert_eq!(merged(&merged(&a, &b), &c), merged(&a, &merged(&b, &c)));
    }

    #[test]
    fn merge_equals_sequential_observation(vals in prop::collection::vec(arb_json(), 0..8), split in 0usize..8) {
        let split = split.min(vals.len());
        let whole = sketch(&vals);
        let m = merged(&sketch(&vals[..split]), &sketch(&vals[split..]));
        prop_assert_eq!(&m, &whole);
        // Any observation order gives the same sketch.
        let mut rev = vals.clone();
        rev.reverse();
        prop_assert_eq!(sketch(&rev), whole);
    }

    #[test]
    fn node_budget_is_order_independent(vals in prop::collection::vec(arb_json(), 1..10), split in 0usize..10) {
        TEST_MAX_NODES.with(|c| c.set(12));
        let split = split.min(vals.len());
        let whole = sketch(&vals);
        let m = merged(&sketch(&vals[..split]), &sketch(&vals[split..]));
        let mut rev = vals.clone();
        rev.reverse();
        let r = sketch(&rev);
        TEST_MAX_NODES.with(|c| c.set(MAX_NODES));
        prop_assert_eq!(&m, &whole);
        prop_assert_eq!(r, whole);
    }

    #[test]
    fn slice_parse_equals_value_parse(vals in prop::collection::vec(arb_json(), 0..6)) {
        // Compare with a Value parsed from the same text (float text round trips may differ
        // in the last bit, and that is not what is tested here).
        let mut fast = SchemaSketch::new();
        let mut parsed = Vec::new();
        for v in &vals {
            let text = serde_json::to_vec(v).unwrap();
            fast.observe_json_slice(&text).unwrap();
            parsed.push(serde_json::from_slice::<Value>(&text).unwrap());
        }
        prop_assert_eq!(fast, sketch(&parsed));
    }

    #[test]
    fn slice_parse_equals_value_parse_with_small_budget(vals in prop::collection::vec(arb_json(), 0..6)) {
        TEST_MAX_NODES.with(|c| c.set(10));
        let mut fast = SchemaSketch::new();
        let mut parsed = Vec::new();
        for v in &vals {
            let text = serde_json::to_vec(v).unwrap();
            fast.observe_json_slice(&text).unwrap();
            parsed.push(serde_json::from_slice::<Value>(&text).unwrap());
        }
        let slow = sketch(&parsed);
        TEST_MAX_NODES.with(|c| c.set(MAX_NODES));
        prop_assert_eq!(fast, slow);
    }

    #[test]
    fn slice_parse_rejects_without_recording(bytes in prop::collection::vec(any::<u8>(), 0..64)) {
        let mut s = SchemaSketch::new();
        if s.observe_json_slice(&bytes).is_err() {
            prop_assert_eq!(s, SchemaSketch::new());
        }
    }

    #[test]
    fn never_panics_and_emits(vals in prop::collection::vec(arb_json(), 0..4)) {
        let s = sketch(&vals);
        let _ = s.to_json_schema();
        let _ = s.field_paths();
        let _ = s.is_truncated();
    }

    #[test]
    fn text_never_panics(t in ".{0,64}") {
        let mut s = SchemaSketch::new();
        s.observe_str(&t);
        s.observe_secret_str(&t);
        let _ = Format::detect(&t);
        prop_assert_eq!(s.count(), 2);
    }
}

#[test]
fn password_like_fields_and_single_values_never_become_enums() {
    for key in [
        "pass",
        "pw",
        "newPw",
        "pin_code",
        "otp-value",
        "passphrase",
        "user_pswd",
    ] {
        assert!(is_secret_key(key), "{key}");
    }
    let mut s = SchemaSketch::new();
    for _ in 0..8 {
        s.observe_json(&json!({"user": "alice", "pass": "hunter2", "status": "active"}));
    }
    let schema = s.to_json_schema();
    assert!(
        schema["properties"]["pass"].get("enum").is_none(),
        "{schema}"
    );
    // A single repeated value is one person's data or a constant, not a set of labels.
    assert!(
        schema["properties"]["user"].get("enum").is_none(),
        "{schema}"
    );
    assert!(
        schema["properties"]["status"].get("enum").is_none(),
        "{schema}"
    );
}
