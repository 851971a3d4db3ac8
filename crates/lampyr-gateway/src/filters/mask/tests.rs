use std::collections::BTreeMap;

use lampyr_classify::SensitiveType;
use lampyr_spec::MaskSpec;

use super::{is_json, MaskOutcome, RouteMask};
use crate::filters::authz::tests::identity;

const ID: &str = "11010519491231002X";
const MOBILE: &str = "13812345678";

fn spec(types: &[&str]) -> MaskSpec {
    MaskSpec {
        types: types.iter().map(|t| t.to_string()).collect(),
        clear_for_groups: BTreeMap::new(),
        clear_for_consumers: BTreeMap::new(),
        max_body: 1 << 20,
    }
}

fn masked(outcome: MaskOutcome) -> (String, usize) {
    match outcome {
        MaskOutcome::Masked { body, count } => (String::from_utf8(body).unwrap(), count),
        other => panic!("expected Masked, got {other:?}"),
    }
}

#[test]
fn mobile_and_resident_id_are_masked_in_place() {
    let m = RouteMask::new(&spec(&[])).unwrap();
    let plan = m.plan(None).expect("anonymous callers get masking");
    let body = format!(
        r#"{{"code":0,"data":{{"list":[{{"name":"x","mobile":"{MOBILE}","idCard":"{ID}"}},{{"name":"y","mobile":"13987654321","idCard":"110105194912310029"}}],"total":2}},"msg":"ok"}}"#
    );
    let (out, count) = masked(m.mask(&plan, body.as_bytes()));
    assert!(count >= 3, "{count}: {out}");
    // Valid JSON, same keys in the same order.
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let order = |s: &str| -> Vec<usize> {
        ["\"code\"", "\"data\"", "\"list\"", "\"total\"", "\"msg\""]
            .iter()
            .map(|k| s.find(k).unwrap())
            .collect()
    };
    assert_eq!(order(&out), order(&body));
    let first = &v["data"]["list"][0];
    assert_eq!(first["mobile"], "138****5678");
    assert_eq!(first["idCard"], "110105********002X");
    assert_eq!(first["name"], "x");
    assert_eq!(v["code"], 0);
    assert_eq!(v["msg"], "ok");
    // No run of clear digits longer than what the conventions keep (6 for the id prefix).
    for s in [
        MOBILE,
        ID,
        "13987654321",
        "110105194912310029",
        "12345678",
        "19491231",
    ] {
        assert!(!out.contains(s), "{s} left in clear: {out}");
    }
    // Everything outside the masked values is byte-identical.
    let restored = out
        .replacen("138****5678", MOBILE, 1)
        .replacen("110105********002X", ID, 1);
    assert!(restored.starts_with(&body[..body.find("13987654321").unwrap()]));
}

#[test]
fn only_configured_types_are_masked() {
    let m = RouteMask::new(&spec(&["cn_mobile"])).unwrap();
    let plan = m.plan(None).unwrap();
    assert!(plan.masks(SensitiveType::CnMobile));
    assert!(!plan.masks(SensitiveType::CnResidentId));
    let body = format!(r#"{{"mobile":"{MOBILE}","idCard":"{ID}"}}"#);
    let (out, count) = masked(m.mask(&plan, body.as_bytes()));
    assert_eq!(count, 1);
    assert!(out.contains(ID));
    assert!(!out.contains(MOBILE));
}

#[test]
fn clear_grants_by_group_and_consumer() {
    let mut s = spec(&[]);
    s.clear_for_groups
        .insert("support".into(), vec!["*".into()]);
    s.clear_for_consumers
        .insert("billing".into(), vec!["cn_mobile".into()]);
    let m = RouteMask::new(&s).unwrap();
    let agent = identity("agent7", &["staff", "support"], &[]);
    assert!(m.plan(Some(&agent)).is_none(), "support sees everything");
    let billing = identity("billing", &[], &[]);
    let plan = m.plan(Some(&billing)).expect("still masks other types");
    assert!(!plan.masks(SensitiveType::CnMobile));
    assert!(plan.masks(SensitiveType::CnResidentId));
    let body = format!(r#"{{"mobile":"{MOBILE}","idCard":"{ID}"}}"#);
    let (out, _) = masked(m.mask(&plan, body.as_bytes()));
    assert!(out.contains(MOBILE));
    assert!(!out.contains(ID));
    let other = identity("other", &["staff"], &[]);
    assert!(m.plan(Some(&other)).unwrap().masks(SensitiveType::CnMobile));
}

#[test]
fn grants_covering_every_masked_type_need_no_plan() {
    let mut s = spec(&["cn_mobile"]);
    s.clear_for_consumers
        .insert("crm".into(), vec!["cn_mobile".into(), "email".into()]);
    let m = RouteMask::new(&s).unwrap();
    assert!(m.plan(Some(&identity("crm", &[], &[]))).is_none());
}

#[test]
fn unknown_type_ids_are_named() {
    let mut s = spec(&["cn_mobile", "shoe_size"]);
    s.clear_for_groups
        .insert("g".into(), vec!["hat_size".into()]);
    let e = RouteMask::new(&s).unwrap_err();
    assert!(e.contains("shoe_size") && e.contains("hat_size"), "{e}");
    assert!(RouteMask::new(&spec(&["*"])).is_err(), "`*` only in grants");
}

#[test]
fn non_json_large_and_clean_bodies_pass() {
    let mut s = spec(&[]);
    s.max_body = 64;
    let m = RouteMask::new(&s).unwrap();
    let plan = m.plan(None).unwrap();
    assert_eq!(m.max_body(), 64);
    assert_eq!(
        m.mask(&plan, format!("mobile={MOBILE}").as_bytes()),
        MaskOutcome::Passed("not_json")
    );
    assert_eq!(m.mask(&plan, b"{\"a\":1"), MaskOutcome::Passed("not_json"));
    let big = format!(r#"{{"mobile":"{MOBILE}","pad":"{}"}}"#, "x".repeat(100));
    assert_eq!(
        m.mask(&plan, big.as_bytes()),
        MaskOutcome::Passed("too_large")
    );
    assert_eq!(
        m.mask(&plan, br#"{"ok":true,"n":3}"#),
        MaskOutcome::Unchanged
    );
    assert_eq!(m.mask(&plan, b""), MaskOutcome::Unchanged);
    let mut deep = RouteMask::new(&spec(&[])).unwrap();
    deep.max_body = 1 << 20;
    let nested = format!(
        "{}{{\"mobile\":\"{MOBILE}\"}}{}",
        "[".repeat(5000),
        "]".repeat(5000)
    );
    assert_eq!(
        deep.mask(&plan, nested.as_bytes()),
        MaskOutcome::Passed("too_deep")
    );
}

#[test]
fn dotted_keys_and_numbers_are_masked() {
    let m = RouteMask::new(&spec(&[])).unwrap();
    let plan = m.plan(None).unwrap();
    let body =
        format!(r#"{{"user.mobile":"{MOBILE}","user":{{"mobile":"keep"}},"phone":13812345678}}"#);
    let (out, count) = masked(m.mask(&plan, body.as_bytes()));
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["user.mobile"], "138****5678", "{out}");
    assert_eq!(v["phone"], "138****5678", "{out}");
    assert_eq!(v["user"]["mobile"], "keep");
    assert_eq!(count, 2);
}

#[test]
fn json_content_types() {
    let h = |s: &'static str| http::HeaderValue::from_static(s);
    assert!(is_json(Some(&h("application/json"))));
    assert!(is_json(Some(&h("Application/JSON; charset=utf-8"))));
    assert!(is_json(Some(&h("application/problem+json"))));
    assert!(is_json(Some(&h("text/json"))));
    assert!(!is_json(Some(&h("text/html"))));
    assert!(!is_json(Some(&h("application/jsonp"))));
    assert!(!is_json(None));
}
