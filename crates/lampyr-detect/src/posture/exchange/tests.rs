//! Unit tests of the per-exchange helpers.

use super::cors::{origin_host, site};
use super::credentials::is_password_key;
use super::secrets::json_key_before;

#[test]
fn sites() {
    assert_eq!(site("api.example.com"), "example.com");
    assert_eq!(site("www.shop.example.co.uk"), "example.co.uk");
    assert_eq!(site("10.0.0.1"), "10.0.0.1");
    assert_eq!(
        origin_host("https://app.example.com:8443"),
        Some("app.example.com")
    );
}

#[test]
fn json_keys_before_values() {
    let t = r#"{"user":{"passwordHash": "$2b$10$x"}}"#;
    assert_eq!(
        json_key_before(t, t.find('$').unwrap()).as_deref(),
        Some("passwordHash")
    );
    assert_eq!(json_key_before("no key here $2b", 12), None);
}

#[test]
fn password_keys() {
    for k in [
        "password",
        "Password",
        "new_password",
        "passwd",
        "pwd",
        "user-password",
    ] {
        assert!(is_password_key(k), "{k}");
    }
    for k in ["passport", "password_policy", "pass_count", "username"] {
        assert!(!is_password_key(k), "{k}");
    }
}
