//! Unit tests of the inspector's settings, fragments and Referer parsing.

use super::masking::mask_digit_runs;
use super::*;
use crate::placement::Limits;

#[test]
fn config_is_validated_with_setting_paths() {
    let bad = |cfg: InspectConfig| match Inspector::new(cfg) {
        Err(DetectError::Setting { setting, .. }) => setting,
        other => panic!("{other:?}"),
    };
    assert_eq!(
        bad(InspectConfig {
            paranoia: 5,
            ..InspectConfig::default()
        }),
        "detect.inspect.paranoia"
    );
    assert_eq!(
        bad(InspectConfig {
            paranoia: 3,
            detection_paranoia: 2,
            ..InspectConfig::default()
        }),
        "detect.inspect.detection_paranoia"
    );
    assert_eq!(
        bad(InspectConfig {
            threshold: 0,
            ..InspectConfig::default()
        }),
        "detect.inspect.threshold"
    );
    assert_eq!(
        bad(InspectConfig {
            disabled_rules: vec!["a b".into()],
            ..InspectConfig::default()
        }),
        "detect.inspect.disabled_rules[0]"
    );
}

#[test]
fn config_deserialises_with_defaults_and_rejects_unknown_keys() {
    let cfg: InspectConfig = serde_json::from_value(serde_json::json!({
        "paranoia": 2,
        "rules": [{"id": "x", "category": "attack.sqli", "pattern": "zz"}],
        "limits": {"max_values": 10}
    }))
    .unwrap();
    assert_eq!(cfg.paranoia, 2);
    assert_eq!(cfg.threshold, 5);
    assert_eq!(cfg.limits.max_values, 10);
    assert_eq!(cfg.limits.max_body_bytes, Limits::default().max_body_bytes);
    let err = serde_json::from_value::<InspectConfig>(serde_json::json!({"paranioa": 2}));
    assert!(err.unwrap_err().to_string().contains("paranioa"));
}

#[test]
fn fragments_are_short_and_masked() {
    let long = format!("{}<script>{}", "a".repeat(100), "b".repeat(200));
    let f = fragment(&long, 100..108, "q");
    assert!(f.chars().count() <= MAX_FRAGMENT_CHARS);
    assert!(f.contains("<script>"));
    let f = fragment("' or 1=1 -- 4111111111111111", 0..0, "card");
    assert!(!f.contains("4111111111111111"), "{f}");
    let f = fragment("phone 13812345678; cat /etc/passwd", 18..21, "q");
    assert!(!f.contains("13812345678"), "{f}");
    assert_eq!(
        mask_digit_runs("id 1234-5678-9012 x 12345"),
        "id ****-****-**12 x 12345"
    );
    // Invalid spans fall back to the start.
    assert_eq!(fragment("abc", 5..9, "q"), "abc");
}

#[test]
fn referer_hosts_are_parsed() {
    assert_eq!(referer_host_of("https://u@Evil.com:8443/x?y"), "Evil.com");
    assert_eq!(referer_host_of("not a url"), "");
    assert_eq!(strip_port("[::1]:80"), "::1");
}
