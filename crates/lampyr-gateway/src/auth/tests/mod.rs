//! Tests of the authenticate phase. Per method: `hmac`, `jwt`; the rest here.

use std::sync::atomic::{AtomicUsize, Ordering};

use base64::Engine as _;
use lampyr_spec::{AuthMethod, ConsumerSpec, CredentialKind, CredentialSpec};

use super::*;
use crate::server::{ClientCert, TlsInfo};

mod hmac;
mod jwt;

pub(super) const NOW: i64 = 1_800_000_000;

/// A unique environment variable name holding `value` (tests run in parallel).
pub(super) fn env_with(value: &str) -> String {
    static N: AtomicUsize = AtomicUsize::new(0);
    let name = format!(
        "LAMPYR_AUTH_TEST_{}_{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    );
    std::env::set_var(&name, value);
    name
}

pub(super) fn cred(kind: CredentialKind) -> CredentialSpec {
    CredentialSpec {
        id: None,
        expires_at: None,
        revoked: false,
        kind,
    }
}

pub(super) fn consumer(name: &str, credentials: Vec<CredentialSpec>) -> ConsumerSpec {
    ConsumerSpec {
        name: name.into(),
        groups: vec!["g".into()],
        tags: vec![],
        scopes: vec!["read".into()],
        disabled: false,
        credentials,
    }
}

pub(super) fn request(method: &str, uri: &str, headers: &[(&str, &str)]) -> http::request::Parts {
    let mut b = http::Request::builder().method(method).uri(uri);
    for (n, v) in headers {
        b = b.header(*n, *v);
    }
    b.body(())
        .map(|r| r.into_parts().0)
        .unwrap_or_else(|e| panic!("bad test request: {e}"))
}

pub(super) fn build(consumers: &[ConsumerSpec]) -> (AuthIndex, Secrets) {
    let secrets = Secrets::generate();
    let index =
        AuthIndex::build(consumers, &[], &secrets, None).unwrap_or_else(|e| panic!("{e:?}"));
    (index, secrets)
}

pub(super) async fn auth(
    index: &AuthIndex,
    methods: &[AuthMethod],
    req: &http::request::Parts,
    now: i64,
) -> Result<Identity, AuthError> {
    index.authenticate(methods, req, b"", None, now).await
}

fn api_key_env(value: &str) -> CredentialKind {
    CredentialKind::ApiKey {
        key_env: Some(env_with(value)),
        key_file: None,
        prefix: None,
        hash: None,
    }
}

// ---- secrets -------------------------------------------------------------------------

#[test]
fn seal_open_roundtrip_and_tamper_detection() {
    let s = Secrets::generate();
    let sealed = s.seal("top secret");
    assert_ne!(sealed, s.seal("top secret"), "random nonce");
    assert_eq!(s.open(&sealed).as_deref(), Ok("top secret"));

    let mut raw = base64::engine::general_purpose::STANDARD
        .decode(&sealed)
        .unwrap_or_default();
    let last = raw.len() - 1;
    raw[last] ^= 1;
    let tampered = base64::engine::general_purpose::STANDARD.encode(raw);
    assert!(s.open(&tampered).is_err());
    assert!(
        Secrets::generate().open(&sealed).is_err(),
        "other master key"
    );
    assert!(s.open("not base64!").is_err());
    assert!(s.open("AAAA").is_err());
}

#[test]
fn master_key_parses_hex_and_base64_only() {
    let hex = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";
    let k = Secrets::parse_master_key(hex).unwrap_or_default();
    assert_eq!(k[1], 0x11);
    let b64 = base64::engine::general_purpose::STANDARD.encode(k);
    assert_eq!(Secrets::parse_master_key(&b64), Ok(k));
    assert!(Secrets::parse_master_key("abc").is_err());
    assert!(Secrets::parse_master_key(
        &base64::engine::general_purpose::STANDARD.encode([0u8; 16])
    )
    .is_err());
    // Same key, same pepper: hashes are stable across restarts.
    assert_eq!(
        Secrets::new(k).hash_api_key("x"),
        Secrets::new(k).hash_api_key("x")
    );
    assert_ne!(
        Secrets::new(k).hash_api_key("x"),
        Secrets::generate().hash_api_key("x")
    );
}

#[test]
fn debug_output_redacts_secrets() {
    let s = Secrets::new([7u8; 32]);
    assert!(!format!("{s:?}").contains("7"));
    let issued = issue_api_key(&s);
    let dbg = format!("{issued:?}");
    assert!(!dbg.contains(&issued.key) && dbg.contains("redacted"));
}

#[test]
fn issued_keys_have_the_documented_shape() {
    let s = Secrets::generate();
    let k = issue_api_key(&s);
    assert!(k.key.starts_with(&format!("{}_", k.prefix)));
    assert!(k.prefix.starts_with("lpk_") && k.prefix.len() == 12);
    assert_eq!(k.key.len(), 12 + 1 + 32);
    assert!(k.key[13..].bytes().all(|b| b.is_ascii_alphanumeric()));
    assert_eq!(k.hash, s.hash_api_key(&k.key));
    assert_ne!(issue_api_key(&s).key, k.key);
}

// ---- API keys ------------------------------------------------------------------------

#[tokio::test]
async fn api_key_from_header_or_authorization() {
    let (index, secrets) = build(&[consumer("alice", vec![cred(api_key_env("k-alice"))])]);
    for req in [
        request("GET", "/", &[("x-api-key", "k-alice")]),
        request("GET", "/", &[("authorization", "ApiKey k-alice")]),
    ] {
        let id = auth(&index, &[AuthMethod::ApiKey], &req, NOW)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(id.consumer.name, "alice");
        assert_eq!(id.credential_id, "alice/0");
        assert_eq!(id.scopes, vec!["read".to_string()]);
        let hash = secrets.hash_api_key("k-alice");
        assert_eq!(id.token_id, Some(format!("sha256:{}", &hash[..16])));
    }
    let wrong = request("GET", "/", &[("x-api-key", "k-bob")]);
    assert!(matches!(
        auth(&index, &[AuthMethod::ApiKey], &wrong, NOW).await,
        Err(AuthError::Invalid(_))
    ));
    let none = request("GET", "/", &[]);
    let err = auth(&index, &[AuthMethod::ApiKey], &none, NOW).await.err();
    assert!(matches!(err, Some(AuthError::Missing)));
    assert_eq!(
        err.map(|e| e.status()),
        Some(http::StatusCode::UNAUTHORIZED)
    );
}

#[tokio::test]
async fn api_key_stored_form_and_last_used_survive_reload() {
    let secrets = Secrets::generate();
    let issued = issue_api_key(&secrets);
    let mut c = cred(CredentialKind::ApiKey {
        key_env: None,
        key_file: None,
        prefix: Some(issued.prefix.clone()),
        hash: Some(issued.hash.to_ascii_uppercase()),
    });
    c.id = Some("cred-1".into());
    let consumers = [consumer("alice", vec![c])];
    let index =
        AuthIndex::build(&consumers, &[], &secrets, None).unwrap_or_else(|e| panic!("{e:?}"));
    assert_eq!(index.last_used(), vec![("cred-1".to_string(), 0)]);
    let req = request("GET", "/", &[("x-api-key", &issued.key)]);
    let id = auth(&index, &[AuthMethod::ApiKey], &req, NOW)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(id.credential_id, "cred-1");
    assert_eq!(index.last_used(), vec![("cred-1".to_string(), NOW)]);

    let next = AuthIndex::build(&consumers, &[], &secrets, Some(&index))
        .unwrap_or_else(|e| panic!("{e:?}"));
    assert_eq!(next.last_used(), vec![("cred-1".to_string(), NOW)]);
    assert_eq!(
        next.consumer("alice").map(|c| c.groups.clone()),
        Some(vec!["g".to_string()])
    );
    assert!(next.consumer("bob").is_none());
}

#[tokio::test]
async fn expired_revoked_and_disabled_are_refused() {
    let mut expired = cred(api_key_env("k-exp"));
    expired.expires_at = Some(NOW);
    let mut later = cred(api_key_env("k-later"));
    later.expires_at = Some(NOW + 1);
    let mut revoked = cred(api_key_env("k-rev"));
    revoked.revoked = true;
    let mut off = consumer("off", vec![cred(api_key_env("k-off"))]);
    off.disabled = true;
    let (index, _) = build(&[consumer("a", vec![expired, later, revoked]), off]);
    let try_key = |k: &'static str| {
        let req = request("GET", "/", &[("x-api-key", k)]);
        let index = &index;
        async move { auth(index, &[AuthMethod::ApiKey], &req, NOW).await }
    };
    assert!(matches!(try_key("k-exp").await, Err(AuthError::Expired)));
    assert!(try_key("k-later").await.is_ok());
    assert!(matches!(try_key("k-rev").await, Err(AuthError::Revoked)));
    let disabled = try_key("k-off").await.err();
    assert!(matches!(disabled, Some(AuthError::Disabled)));
    assert_eq!(
        disabled.map(|e| e.status()),
        Some(http::StatusCode::FORBIDDEN)
    );
}

#[test]
fn duplicate_keys_name_both_consumers() {
    let secrets = Secrets::generate();
    let consumers = [
        consumer("alice", vec![cred(api_key_env("same"))]),
        consumer(
            "bob",
            vec![cred(api_key_env("other")), cred(api_key_env("same"))],
        ),
    ];
    let errs = AuthIndex::build(&consumers, &[], &secrets, None)
        .err()
        .unwrap_or_default();
    assert_eq!(errs.len(), 1, "{errs:?}");
    assert_eq!(errs[0].at, "gateway.consumers[1].credentials[1]");
    assert!(
        errs[0].message.contains("\"alice\"")
            && errs[0]
                .message
                .contains("gateway.consumers[0].credentials[0]")
    );
}

#[test]
fn missing_env_and_file_are_spec_errors_at_their_path() {
    let secrets = Secrets::generate();
    let consumers = [consumer(
        "alice",
        vec![
            cred(CredentialKind::ApiKey {
                key_env: Some("LAMPYR_AUTH_TEST_SURELY_UNSET".into()),
                key_file: None,
                prefix: None,
                hash: None,
            }),
            cred(CredentialKind::ApiKey {
                key_env: None,
                key_file: Some("/nonexistent/lampyr-key".into()),
                prefix: None,
                hash: None,
            }),
            cred(CredentialKind::ApiKey {
                key_env: None,
                key_file: None,
                prefix: None,
                hash: None,
            }),
        ],
    )];
    let errs = AuthIndex::build(&consumers, &[], &secrets, None)
        .err()
        .unwrap_or_default();
    let at: Vec<&str> = errs.iter().map(|e| e.at.as_str()).collect();
    assert_eq!(
        at,
        [
            "gateway.consumers[0].credentials[0].key_env",
            "gateway.consumers[0].credentials[1].key_file",
            "gateway.consumers[0].credentials[2]",
        ]
    );
}

// ---- basic ---------------------------------------------------------------------------

fn basic_header(user: &str, password: &str) -> String {
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"))
    )
}

#[tokio::test]
async fn basic_right_and_wrong_password() {
    let hash = hash_password("s3cret").unwrap_or_default();
    assert!(hash.starts_with("$argon2id$"));
    let (index, _) = build(&[consumer(
        "alice",
        vec![cred(CredentialKind::Basic {
            username: "al".into(),
            password_hash: hash,
        })],
    )]);
    let ok = request(
        "GET",
        "/",
        &[("authorization", &basic_header("al", "s3cret"))],
    );
    let id = auth(&index, &[AuthMethod::Basic], &ok, NOW)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        (id.consumer.name.as_str(), id.user.as_deref()),
        ("alice", Some("al"))
    );
    // Second time from the cache, same answer.
    assert!(auth(&index, &[AuthMethod::Basic], &ok, NOW + 1)
        .await
        .is_ok());
    for (u, p) in [("al", "wrong"), ("bob", "s3cret"), ("al", "")] {
        let bad = request("GET", "/", &[("authorization", &basic_header(u, p))]);
        assert!(matches!(
            auth(&index, &[AuthMethod::Basic], &bad, NOW).await,
            Err(AuthError::Invalid(_))
        ));
    }
    let garbage = request("GET", "/", &[("authorization", "Basic !!!")]);
    assert!(matches!(
        auth(&index, &[AuthMethod::Basic], &garbage, NOW).await,
        Err(AuthError::Invalid(_))
    ));
}

// ---- mTLS ----------------------------------------------------------------------------

fn tls(subject: &str, cn: &str, fingerprint: &str) -> TlsInfo {
    TlsInfo {
        sni: None,
        alpn: None,
        client_cert: Some(ClientCert {
            subject: subject.into(),
            common_name: Some(cn.into()),
            fingerprint: fingerprint.into(),
        }),
    }
}

#[tokio::test]
async fn mtls_by_fingerprint_and_subject() {
    let fp = "ab".repeat(32);
    let fp_colons = fp
        .to_ascii_uppercase()
        .as_bytes()
        .chunks(2)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect::<Vec<_>>()
        .join(":");
    let (index, _) = build(&[
        consumer(
            "by-fp",
            vec![cred(CredentialKind::Mtls {
                subject: None,
                fingerprint: Some(fp_colons),
            })],
        ),
        consumer(
            "by-dn",
            vec![cred(CredentialKind::Mtls {
                subject: Some("CN=svc-b,O=Acme".into()),
                fingerprint: None,
            })],
        ),
        consumer(
            "by-cn",
            vec![cred(CredentialKind::Mtls {
                subject: Some("svc-c".into()),
                fingerprint: None,
            })],
        ),
    ]);
    let req = request("GET", "/", &[]);
    let m = [AuthMethod::Mtls];
    let who = |t: TlsInfo| {
        let (index, req) = (&index, &req);
        async move {
            index
                .authenticate(&m, req, b"", Some(&t), NOW)
                .await
                .map(|i| i.consumer.name.clone())
        }
    };
    assert_eq!(
        who(tls("CN=x", "x", &fp)).await.ok().as_deref(),
        Some("by-fp")
    );
    assert_eq!(
        who(tls("CN=svc-b,O=Acme", "svc-b", &"cd".repeat(32)))
            .await
            .ok()
            .as_deref(),
        Some("by-dn")
    );
    assert_eq!(
        who(tls("CN=svc-c,O=Other", "svc-c", &"cd".repeat(32)))
            .await
            .ok()
            .as_deref(),
        Some("by-cn")
    );
    assert!(matches!(
        who(tls("CN=svc-z", "svc-z", &"cd".repeat(32))).await,
        Err(AuthError::Invalid(_))
    ));
    // No client certificate: nothing carried.
    assert!(matches!(
        index.authenticate(&m, &req, b"", None, NOW).await,
        Err(AuthError::Missing)
    ));
}

// ---- dispatch ------------------------------------------------------------------------

#[tokio::test]
async fn only_route_methods_are_tried_and_challenges_list_them() {
    let (index, _) = build(&[consumer("alice", vec![cred(api_key_env("k-dispatch"))])]);
    let req = request("GET", "/", &[("x-api-key", "k-dispatch")]);
    // The route does not accept API keys: the key is ignored.
    let err = auth(&index, &[AuthMethod::Jwt, AuthMethod::Basic], &req, NOW)
        .await
        .err();
    let err = err.unwrap_or(AuthError::Invalid("accepted"));
    assert!(matches!(err, AuthError::Missing));
    assert_eq!(
        err.www_authenticate(&[AuthMethod::Jwt, AuthMethod::Basic, AuthMethod::Mtls]),
        "Bearer realm=\"lampyr\", Basic realm=\"lampyr\", charset=\"UTF-8\""
    );
    assert!(AuthError::Expired
        .www_authenticate(&[AuthMethod::Jwt])
        .contains("invalid_token"));
    // A failing method does not hide a later one that verifies.
    let both = request(
        "GET",
        "/",
        &[
            ("x-api-key", "k-dispatch"),
            ("authorization", "Basic Zm9vOmJhcg=="),
        ],
    );
    assert!(
        auth(&index, &[AuthMethod::Basic, AuthMethod::ApiKey], &both, NOW)
            .await
            .is_ok()
    );
}

#[test]
fn authenticate_future_is_send() {
    fn assert_send<T: Send>(_: &T) {}
    let index = AuthIndex::default();
    let req = request("GET", "/", &[]);
    let fut = index.authenticate(&[AuthMethod::Jwt], &req, b"", None, NOW);
    assert_send(&fut);
}
