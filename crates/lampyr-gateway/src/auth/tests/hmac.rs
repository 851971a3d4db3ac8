//! HMAC request signing.

use super::*;
use crate::auth::sign_request;

const AK: &str = "AK1";
const SECRET: &str = "hmac-shared-secret";

fn index_with(kind_secret: CredentialKind) -> AuthIndex {
    build(&[consumer("svc", vec![cred(kind_secret)])]).0
}

fn env_index() -> AuthIndex {
    index_with(CredentialKind::Hmac {
        access_key: AK.into(),
        secret_env: Some(env_with(SECRET)),
        secret_file: None,
        sealed_secret: None,
    })
}

/// A signed POST at `date` with `nonce`.
fn signed(date: i64, nonce: &str, body: &[u8], secret: &str) -> http::request::Parts {
    let date = date.to_string();
    let headers = [
        ("Host", "api.example"),
        ("X-Date", date.as_str()),
        ("X-Nonce", nonce),
    ];
    let authz = sign_request(
        AK,
        secret.as_bytes(),
        "POST",
        "/v1/orders?b=2&a=1",
        &headers,
        body,
    );
    let mut all = headers.to_vec();
    all.push(("authorization", &authz));
    request("POST", "/v1/orders?b=2&a=1", &all)
}

async fn verify(
    index: &AuthIndex,
    req: &http::request::Parts,
    body: &[u8],
    now: i64,
) -> Result<Identity, AuthError> {
    index
        .authenticate(&[AuthMethod::Hmac], req, body, None, now)
        .await
}

#[tokio::test]
async fn signed_request_is_accepted_once() {
    let index = env_index();
    let req = signed(NOW, "n-1", b"{\"qty\":1}", SECRET);
    let id = verify(&index, &req, b"{\"qty\":1}", NOW + 10)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        (id.consumer.name.as_str(), id.method),
        ("svc", AuthMethod::Hmac)
    );
    assert!(id.token_id.is_some_and(|t| t.starts_with("sha256:")));
    // The same nonce again is a replay, even with a fresh valid signature.
    assert!(matches!(
        verify(&index, &req, b"{\"qty\":1}", NOW + 11).await,
        Err(AuthError::Replay)
    ));
    let again = signed(NOW + 1, "n-1", b"", SECRET);
    assert!(matches!(
        verify(&index, &again, b"", NOW + 12).await,
        Err(AuthError::Replay)
    ));
    // A new nonce is fine.
    assert!(verify(&index, &signed(NOW, "n-2", b"", SECRET), b"", NOW)
        .await
        .is_ok());
}

#[tokio::test]
async fn nonces_survive_reload() {
    let secrets = Secrets::generate();
    let consumers = [consumer(
        "svc",
        vec![cred(CredentialKind::Hmac {
            access_key: AK.into(),
            secret_env: Some(env_with(SECRET)),
            secret_file: None,
            sealed_secret: None,
        })],
    )];
    let first =
        AuthIndex::build(&consumers, &[], &secrets, None).unwrap_or_else(|e| panic!("{e:?}"));
    let req = signed(NOW, "n-reload", b"", SECRET);
    assert!(verify(&first, &req, b"", NOW).await.is_ok());
    let second = AuthIndex::build(&consumers, &[], &secrets, Some(&first))
        .unwrap_or_else(|e| panic!("{e:?}"));
    assert!(matches!(
        verify(&second, &req, b"", NOW).await,
        Err(AuthError::Replay)
    ));
}

#[tokio::test]
async fn bad_signature_tampered_body_and_skew_are_refused() {
    let index = env_index();
    let wrong_secret = signed(NOW, "n-a", b"", "other-secret");
    assert!(matches!(
        verify(&index, &wrong_secret, b"", NOW).await,
        Err(AuthError::Invalid("bad signature"))
    ));

    let body_signed = signed(NOW, "n-b", b"{\"qty\":1}", SECRET);
    assert!(matches!(
        verify(&index, &body_signed, b"{\"qty\":9}", NOW).await,
        Err(AuthError::Invalid("bad signature"))
    ));

    // Query and path are signed too.
    let mut moved = signed(NOW, "n-c", b"", SECRET);
    moved.uri = "/v1/orders?b=2&a=2".parse().unwrap_or_default();
    assert!(matches!(
        verify(&index, &moved, b"", NOW).await,
        Err(AuthError::Invalid("bad signature"))
    ));

    // Query order does not matter.
    let mut reordered = signed(NOW, "n-d", b"", SECRET);
    reordered.uri = "/v1/orders?a=1&b=2".parse().unwrap_or_default();
    assert!(verify(&index, &reordered, b"", NOW).await.is_ok());

    let old = signed(NOW - 301, "n-e", b"", SECRET);
    assert!(matches!(
        verify(&index, &old, b"", NOW).await,
        Err(AuthError::Skew)
    ));
    let future = signed(NOW + 301, "n-f", b"", SECRET);
    assert!(matches!(
        verify(&index, &future, b"", NOW).await,
        Err(AuthError::Skew)
    ));
    assert!(
        verify(&index, &signed(NOW - 300, "n-g", b"", SECRET), b"", NOW)
            .await
            .is_ok()
    );

    // A refused request does not burn its nonce.
    assert!(verify(&index, &signed(NOW, "n-a", b"", SECRET), b"", NOW)
        .await
        .is_ok());
}

#[tokio::test]
async fn date_and_nonce_must_be_signed() {
    let index = env_index();
    let date = NOW.to_string();
    let authz = sign_request(
        AK,
        SECRET.as_bytes(),
        "GET",
        "/",
        &[("host", "h"), ("x-date", &date)],
        b"",
    );
    let req = request(
        "GET",
        "/",
        &[
            ("host", "h"),
            ("x-date", &date),
            ("x-nonce", "n"),
            ("authorization", &authz),
        ],
    );
    assert!(matches!(
        verify(&index, &req, b"", NOW).await,
        Err(AuthError::Invalid(_))
    ));
    let unknown = request(
        "GET",
        "/",
        &[(
            "authorization",
            "HMAC-SHA256 Credential=nope, SignedHeaders=x-date;x-nonce, Signature=00",
        )],
    );
    assert!(matches!(
        verify(&index, &unknown, b"", NOW).await,
        Err(AuthError::Invalid("unknown access key"))
    ));
    let garbage = request("GET", "/", &[("authorization", "HMAC-SHA256 garbage")]);
    assert!(matches!(
        verify(&index, &garbage, b"", NOW).await,
        Err(AuthError::Invalid(_))
    ));
}

#[tokio::test]
async fn sealed_secret_opens_at_build_and_revocation_applies() {
    let secrets = Secrets::generate();
    let mut c = cred(CredentialKind::Hmac {
        access_key: AK.into(),
        secret_env: None,
        secret_file: None,
        sealed_secret: Some(secrets.seal(SECRET)),
    });
    let index = AuthIndex::build(&[consumer("svc", vec![c.clone()])], &[], &secrets, None)
        .unwrap_or_else(|e| panic!("{e:?}"));
    assert!(verify(&index, &signed(NOW, "n-s", b"", SECRET), b"", NOW)
        .await
        .is_ok());

    c.revoked = true;
    let revoked = AuthIndex::build(&[consumer("svc", vec![c.clone()])], &[], &secrets, None)
        .unwrap_or_else(|e| panic!("{e:?}"));
    assert!(matches!(
        verify(&revoked, &signed(NOW, "n-r", b"", SECRET), b"", NOW).await,
        Err(AuthError::Revoked)
    ));

    // Sealed under another master key: a build error at the field.
    let errs = AuthIndex::build(&[consumer("svc", vec![c])], &[], &Secrets::generate(), None)
        .err()
        .unwrap_or_default();
    assert_eq!(
        errs.first().map(|e| e.at.as_str()),
        Some("gateway.consumers[0].credentials[0].sealed_secret")
    );
}
