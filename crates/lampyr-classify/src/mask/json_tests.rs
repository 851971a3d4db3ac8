//! JSON body masking tests.

use std::fmt;

use proptest::prelude::*;
use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};

use super::*;
use crate::SensitiveType as T;

fn rule(path: &str, ty: T) -> JsonMaskRule {
    JsonMaskRule {
        path: FieldPath::parse(path).unwrap(),
        ty,
        strategy: MaskStrategy::Default,
    }
}

fn mask(body: &str, rules: &[JsonMaskRule]) -> (String, usize) {
    let m = mask_json(body.as_bytes(), rules, b"salt").unwrap();
    (String::from_utf8(m.body).unwrap(), m.masked)
}

fn malformed_at(body: &[u8]) -> usize {
    match mask_json(body, &[rule("a", T::Email)], b"") {
        Err(MaskError::Malformed { offset, .. }) => offset,
        other => panic!(
            "expected Malformed for {:?}, got {other:?}",
            String::from_utf8_lossy(body)
        ),
    }
}

#[test]
fn mask_field_path_parse_and_display() {
    use PathSegment::*;
    let k = |s: &str| Key(s.to_owned());
    let cases: &[(&str, Vec<PathSegment>)] = &[
        (
            "data.list[].idCard",
            vec![k("data"), k("list"), Item, k("idCard")],
        ),
        (
            "data.diagnoses[].icd10",
            vec![k("data"), k("diagnoses"), Item, k("icd10")],
        ),
        ("settleCards[]", vec![k("settleCards"), Item]),
        ("[].name", vec![Item, k("name")]),
        ("data", vec![k("data")]),
        ("*", vec![AnyKey]),
        ("a.*.b", vec![k("a"), AnyKey, k("b")]),
        ("a[][]", vec![k("a"), Item, Item]),
        ("[][].x", vec![Item, Item, k("x")]),
        ("a\\.b.\\*", vec![k("a.b"), k("*")]),
        ("姓名.手机", vec![k("姓名"), k("手机")]),
    ];
    for (s, want) in cases {
        let p = FieldPath::parse(s).unwrap();
        assert_eq!(p.segments(), &want[..], "{s}");
        assert_eq!(p.to_string(), *s);
        assert_eq!(FieldPath::parse(&p.to_string()).unwrap(), p);
    }
    for (bad, offset) in [
        ("", 0),
        ("a.", 2),
        (".a", 0),
        ("a..b", 2),
        ("a[", 2),
        ("a[0]", 2),
        ("a[]b", 3),
        ("a.[]", 2),
        ("a]", 1),
        ("a\\", 2),
    ] {
        match FieldPath::parse(bad) {
            Err(MaskError::InvalidPath {
                offset: o, path, ..
            }) => {
                assert_eq!((o, path.as_str()), (offset, bad), "{bad}")
            }
            other => panic!("{bad}: {other:?}"),
        }
    }
    let p: FieldPath = serde_json::from_str("\"data.list[].idCard\"").unwrap();
    assert_eq!(serde_json::to_string(&p).unwrap(), "\"data.list[].idCard\"");
    assert!(serde_json::from_str::<FieldPath>("\"a..b\"").is_err());
}

#[test]
fn mask_json_nested_objects_and_arrays() {
    let body = r#"{"code":0,"data":{"list":[{"idCard":"11010519491231002X","name":"张三"},{"idCard":"110105491231002","name":"欧阳娜娜"}],"total":2}}"#;
    let rules = [
        rule("data.list[].idCard", T::CnResidentId),
        rule("data.list[].name", T::CnName),
    ];
    let (out, n) = mask(body, &rules);
    assert_eq!(
        out,
        r#"{"code":0,"data":{"list":[{"idCard":"110105********002X","name":"张*"},{"idCard":"110105*****1002","name":"欧阳**"}],"total":2}}"#
    );
    assert_eq!(n, 4);
}

#[test]
fn mask_json_pretty_printed_is_byte_identical_outside_values() {
    let body = "{\n  \"user\" : {\r\n\t\"mobile\"  :   \"13812345678\" ,\n    \"age\": 3.50e+1,\n    \"note\": \"\\u4e2d\\u6587\"\n  },\n  \"cards\": [ \"6222020200000000006\" , 6222020200000000006 , null , true , {\"x\":1} , [\"1\"] ]\n}\n";
    let rules = [
        rule("user.mobile", T::CnMobile),
        rule("cards[]", T::BankCard),
    ];
    let (out, n) = mask(body, &rules);
    let want = body
        .replacen("\"13812345678\"", "\"138****5678\"", 1)
        .replacen("\"6222020200000000006\"", "\"622202*********0006\"", 1)
        .replacen(" 6222020200000000006 ", " \"622202*********0006\" ", 1);
    assert_eq!(out, want);
    assert_eq!(n, 3);
}

#[test]
fn mask_json_top_level_array_and_wildcard() {
    let body = r#"[{"name":"John Smith","email":"guo.chen@renhe-health.cn"},{"name":null,"email":false},{"name":{"first":"x"}}]"#;
    let rules = [rule("[].name", T::PersonName), rule("[].*", T::Email)];
    let (out, n) = mask(body, &rules);
    // `[].name` wins over the wildcard for names (first rule); null / bool / objects stay.
    assert_eq!(
        out,
        r#"[{"name":"J*** S***","email":"g***@renhe-health.cn"},{"name":null,"email":false},{"name":{"first":"x"}}]"#
    );
    assert_eq!(n, 2);
    // Top-level scalars are never at a rule path.
    assert_eq!(
        mask("\"13812345678\"", &[rule("*", T::CnMobile)]),
        ("\"13812345678\"".to_owned(), 0)
    );
    assert_eq!(
        mask(" 12 ", &[rule("*", T::CnMobile)]),
        (" 12 ".to_owned(), 0)
    );
}

#[test]
fn mask_json_escapes_decoded_and_reencoded() {
    // `\u0031\u0033` are the digits 1 and 3; key `id\u0043ard` is `idCard`; key with a quote.
    let body =
        r#"{"id\u0043ard":"\u00311010519491231002X","m\"k":"138\/1234\/5678","raw":"\u0031\n"}"#;
    let rules = [
        rule("idCard", T::CnResidentId),
        rule("m\"k", T::CnMobile),
        rule("raw", T::Password),
    ];
    let (out, n) = mask(body, &rules);
    assert_eq!(
        out,
        r#"{"id\u0043ard":"110105********002X","m\"k":"138/****/5678","raw":"******"}"#
    );
    assert_eq!(n, 3);
    // Replacement needing escapes: keep-edges keeps a quote, a backslash and a control char.
    let body = r#"{"a":"\"\\\u0001xxxxxxxx\u0002\\\""}"#;
    let r = JsonMaskRule {
        path: FieldPath::parse("a").unwrap(),
        ty: T::Email,
        strategy: MaskStrategy::KeepEdges {
            prefix: 1,
            suffix: 1,
        },
    };
    let (out, _) = mask(body, &[r]);
    assert_eq!(out, r#"{"a":"\"\\\u0001x******x\u0002\\\""}"#);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["a"], "\"\\\u{1}x******x\u{2}\\\"");
    // Surrogate pairs decode to one char; lone surrogates decode to U+FFFD.
    let body = r#"{"a":"\ud83d\ude00\ud800abcdefgh"}"#;
    let r = JsonMaskRule {
        path: FieldPath::parse("a").unwrap(),
        ty: T::Email,
        strategy: MaskStrategy::KeepEdges {
            prefix: 2,
            suffix: 0,
        },
    };
    assert_eq!(mask(body, &[r]).0, "{\"a\":\"😀\u{FFFD}ab******\"}");
}

#[test]
fn mask_json_numbers_become_strings() {
    let body = r#"{"phone":13812345678,"neg":-13812345678.5e3,"zero":0}"#;
    let rules = [
        rule("phone", T::CnMobile),
        rule("neg", T::Phone),
        rule("zero", T::Phone),
    ];
    let (out, n) = mask(body, &rules);
    assert_eq!(
        out,
        r#"{"phone":"138****5678","neg":"-13*********.*e3","zero":"*"}"#
    );
    assert_eq!(n, 3);
}

#[test]
fn mask_json_no_match_is_identical_and_strategies_apply() {
    let body = "{ \"a\" : [1, 2.0, -0, 1E5, \"\\u00e9\"] , \"b\":{} , \"c\":[] }";
    let (out, n) = mask(body, &[rule("a[].x", T::Email), rule("zzz", T::Email)]);
    assert_eq!((out.as_str(), n), (body, 0));
    let (out, n) = mask(body, &[]);
    assert_eq!((out.as_str(), n), (body, 0));

    let body = r#"{"t":"eyJhbGciOiJIUzI1NiJ9","h":"13812345678"}"#;
    let rules = [
        JsonMaskRule {
            path: FieldPath::parse("t").unwrap(),
            ty: T::Jwt,
            strategy: MaskStrategy::Redact,
        },
        JsonMaskRule {
            path: FieldPath::parse("h").unwrap(),
            ty: T::CnMobile,
            strategy: MaskStrategy::Hash,
        },
    ];
    let (out, _) = mask(body, &rules);
    let hash = mask_value("13812345678", T::CnMobile, &MaskStrategy::Hash, b"salt");
    assert_eq!(out, format!(r#"{{"t":"******","h":"{hash}"}}"#));
}

#[test]
fn mask_json_malformed_offsets() {
    let cases: &[(&[u8], usize)] = &[
        (b"", 0),
        (b"   ", 3),
        (b"{", 1),
        (b"{\"a\"", 4),
        (b"{\"a\":", 5),
        (b"{\"a\":1", 6),
        (b"{\"a\":1,}", 7),
        (b"[1,]", 3),
        (b"[1 2]", 3),
        (b"{\"a\" 1}", 5),
        (b"{1:2}", 1),
        (b"{\"a\":1} x", 8),
        (b"[1]]", 3),
        (b"\"abc", 4),
        (b"\"a\\x\"", 3),
        (b"\"\\u12g4\"", 5),
        (b"\"\\u12", 5),
        (b"\"a\tb\"", 2),
        (b"\"a\xffb\"", 2),
        (b"\"\xe4\xb8\"", 1),
        (b"tru", 3),
        (b"trUe", 2),
        (b"nul", 3),
        (b"-", 1),
        (b"01", 1),
        (b"1.", 2),
        (b"1.e3", 2),
        (b"1e", 2),
        (b"1e+", 3),
        (b"+1", 0),
        (b".5", 0),
        (b"NaN", 0),
        (b"\xef\xbb\xbf{}", 0),
        (b"{\"a\":1}}", 7),
        (b"[\"a\":1]", 4),
        (b"{\"a\":1]", 6),
    ];
    for &(body, offset) in cases {
        assert_eq!(
            malformed_at(body),
            offset,
            "{:?}",
            String::from_utf8_lossy(body)
        );
    }
    let e = mask_json(b"[1,]", &[], b"").unwrap_err();
    assert_eq!(e.to_string(), "malformed JSON at byte 3: expected a value");
}

#[test]
fn mask_json_depth_limit() {
    let ok = format!(
        "{}{}",
        "[".repeat(MAX_JSON_DEPTH),
        "]".repeat(MAX_JSON_DEPTH)
    );
    assert!(mask_json(ok.as_bytes(), &[], b"").is_ok());
    let deep = format!(
        "{}{}",
        "[".repeat(MAX_JSON_DEPTH + 1),
        "]".repeat(MAX_JSON_DEPTH + 1)
    );
    assert_eq!(
        mask_json(deep.as_bytes(), &[], b""),
        Err(MaskError::TooDeep {
            offset: MAX_JSON_DEPTH,
            limit: MAX_JSON_DEPTH
        })
    );
    let objs = "{\"a\":".repeat(100_000);
    assert!(matches!(
        mask_json(objs.as_bytes(), &[rule("a.a", T::Email)], b""),
        Err(MaskError::TooDeep { offset, .. }) if offset == 5 * MAX_JSON_DEPTH
    ));
}

// ---- property tests -------------------------------------------------------------------------

/// A parsed JSON value that keeps object member order (serde_json's `Value` sorts keys).
#[derive(Debug, Clone, PartialEq)]
enum Ordered {
    Null,
    Bool(bool),
    Num(String),
    Str(String),
    Arr(Vec<Ordered>),
    Obj(Vec<(String, Ordered)>),
}

impl<'de> Deserialize<'de> for Ordered {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Ordered;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("JSON")
            }
            fn visit_unit<E: de::Error>(self) -> Result<Ordered, E> {
                Ok(Ordered::Null)
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<Ordered, E> {
                Ok(Ordered::Bool(v))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Ordered, E> {
                Ok(Ordered::Num(v.to_string()))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Ordered, E> {
                Ok(Ordered::Num(v.to_string()))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Ordered, E> {
                Ok(Ordered::Num(format!("{v:?}")))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Ordered, E> {
                Ok(Ordered::Str(v.to_owned()))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut a: A) -> Result<Ordered, A::Error> {
                let mut v = Vec::new();
                while let Some(x) = a.next_element()? {
                    v.push(x);
                }
                Ok(Ordered::Arr(v))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut a: A) -> Result<Ordered, A::Error> {
                let mut v = Vec::new();
                while let Some((k, x)) = a.next_entry()? {
                    v.push((k, x));
                }
                Ok(Ordered::Obj(v))
            }
        }
        d.deserialize_any(V)
    }
}

/// Reference matcher: does `path` (Some(key) for members, None for items) match `rule`?
fn path_matches(rule: &FieldPath, path: &[Option<String>]) -> bool {
    rule.segments().len() == path.len()
        && rule
            .segments()
            .iter()
            .zip(path)
            .all(|(seg, step)| match (seg, step) {
                (PathSegment::Item, None) | (PathSegment::AnyKey, Some(_)) => true,
                (PathSegment::Key(k), Some(s)) => k == s,
                _ => false,
            })
}

/// Walk input and output together; returns how many leaves a rule selected.
fn check(
    input: &Ordered,
    output: &Ordered,
    path: &mut Vec<Option<String>>,
    rules: &[JsonMaskRule],
) -> Result<usize, TestCaseError> {
    let rule = rules.iter().find(|r| path_matches(&r.path, path));
    match (input, output) {
        (Ordered::Str(a), Ordered::Str(b)) if !path.is_empty() && rule.is_some() => {
            let r = rule.unwrap();
            prop_assert_eq!(b, &mask_value(a, r.ty, &r.strategy, b"salt"));
            Ok(1)
        }
        (Ordered::Num(_), Ordered::Str(_)) if !path.is_empty() && rule.is_some() => Ok(1),
        (Ordered::Arr(a), Ordered::Arr(b)) => {
            prop_assert_eq!(a.len(), b.len());
            let mut n = 0;
            for (x, y) in a.iter().zip(b) {
                path.push(None);
                n += check(x, y, path, rules)?;
                path.pop();
            }
            Ok(n)
        }
        (Ordered::Obj(a), Ordered::Obj(b)) => {
            prop_assert_eq!(a.len(), b.len());
            let mut n = 0;
            for ((ka, x), (kb, y)) in a.iter().zip(b) {
                prop_assert_eq!(ka, kb);
                path.push(Some(ka.clone()));
                n += check(x, y, path, rules)?;
                path.pop();
            }
            Ok(n)
        }
        (a, b) => {
            prop_assert_eq!(a, b);
            Ok(0)
        }
    }
}

fn json_value() -> impl Strategy<Value = serde_json::Value> {
    use serde_json::Value;
    let key = prop::sample::select(vec![
        "data", "list", "name", "phone", "id", "a", "b", "k\"q", "é\\", "\u{1}", "",
    ]);
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(Value::from),
        "\\PC{0,12}".prop_map(Value::String),
        "[0-9]{11,19}".prop_map(Value::String),
        "[\u{0}-\u{1f}\"\\\\a-z]{0,6}".prop_map(Value::String),
    ];
    leaf.prop_recursive(5, 64, 6, move |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::vec((key.clone(), inner), 0..6).prop_map(|kv| Value::Object(
                kv.into_iter().map(|(k, v)| (k.to_owned(), v)).collect()
            )),
        ]
    })
}

fn prop_rules() -> Vec<JsonMaskRule> {
    let strategies = [
        MaskStrategy::Default,
        MaskStrategy::FormatPreserving,
        MaskStrategy::KeepEdges {
            prefix: 1,
            suffix: 2,
        },
        MaskStrategy::Hash,
    ];
    [
        ("data.list[].phone", T::CnMobile),
        ("[].name", T::CnName),
        ("*.id", T::CnResidentId),
        ("list[]", T::BankCard),
        ("a.*", T::Email),
        ("k\"q", T::Password),
        ("é\\\\[][]", T::Phone),
        ("data.*.*", T::CnAddress),
    ]
    .iter()
    .enumerate()
    .map(|(i, (p, ty))| JsonMaskRule {
        path: FieldPath::parse(p).unwrap(),
        ty: *ty,
        strategy: strategies[i % strategies.len()].clone(),
    })
    .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn mask_json_random_values_keep_structure(v in json_value(), pretty in any::<bool>()) {
        let input = if pretty { serde_json::to_vec_pretty(&v) } else { serde_json::to_vec(&v) }.unwrap();
        let rules = prop_rules();
        let masked = mask_json(&input, &rules, b"salt").unwrap();
        let a: Ordered = serde_json::from_slice(&input).unwrap();
        let b: Ordered = serde_json::from_slice(&masked.body).unwrap();
        let n = check(&a, &b, &mut Vec::new(), &rules)?;
        prop_assert_eq!(n, masked.masked);
        if n == 0 {
            prop_assert_eq!(&masked.body, &input);
        }
        // No rules: byte-identical.
        prop_assert_eq!(mask_json(&input, &[], b"").unwrap().body, input);
    }

    #[test]
    fn mask_json_arbitrary_bytes_never_panic(body in prop::collection::vec(any::<u8>(), 0..200)) {
        let _ = mask_json(&body, &prop_rules(), b"salt");
    }

    #[test]
    fn mask_json_mutated_validity_agrees_with_serde(
        v in json_value(),
        edits in prop::collection::vec((any::<prop::sample::Index>(), prop::sample::select(b"{}[],:\"\\ 0-1.eEtfnu\xff\x01\t".to_vec())), 0..3),
        cut in any::<prop::sample::Index>(),
        truncate in any::<bool>(),
    ) {
        let mut body = serde_json::to_vec(&v).unwrap();
        for (at, byte) in edits {
            let i = at.index(body.len());
            body[i] = byte;
        }
        if truncate && !body.is_empty() {
            body.truncate(cut.index(body.len()));
        }
        let ours = mask_json(&body, &prop_rules(), b"salt");
        let serde_ok = std::str::from_utf8(&body).is_ok()
            && serde_json::from_slice::<serde::de::IgnoredAny>(&body).is_ok();
        prop_assert_eq!(ours.is_ok(), serde_ok, "{:?} -> {:?}", String::from_utf8_lossy(&body), ours);
        if let Err(MaskError::Malformed { offset, .. }) = ours {
            prop_assert!(offset <= body.len());
        }
    }
}
