//! JWT bearer tokens, with a real JWKS HTTP server on port 0.

use std::sync::{Arc, Mutex};

use bytes::Bytes;
use http_body_util::Full;
use jsonwebtoken::jwk::{Jwk, JwkSet};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use lampyr_spec::JwtIssuerSpec;
use serde_json::json;

use super::*;

const ISS: &str = "https://idp.example";

/// An EC P-256 signing key with its public JWK under `kid`.
struct EcKey {
    enc: EncodingKey,
    jwk: Jwk,
}

fn ec_key(kid: &str) -> EcKey {
    let kp = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256)
        .unwrap_or_else(|e| panic!("{e}"));
    let enc =
        EncodingKey::from_ec_pem(kp.serialize_pem().as_bytes()).unwrap_or_else(|e| panic!("{e}"));
    let mut jwk = Jwk::from_encoding_key(&enc, Algorithm::ES256).unwrap_or_else(|e| panic!("{e}"));
    jwk.common.key_id = Some(kid.into());
    EcKey { enc, jwk }
}

fn jwks_of(keys: &[&EcKey]) -> String {
    serde_json::to_string(&JwkSet {
        keys: keys.iter().map(|k| k.jwk.clone()).collect(),
    })
    .unwrap_or_default()
}

fn hs_key(secret: &[u8]) -> EncodingKey {
    EncodingKey::from_secret(secret).unwrap_or_else(|e| panic!("{e}"))
}

fn token(key: &EcKey, kid: &str, claims: serde_json::Value) -> String {
    let mut h = Header::new(Algorithm::ES256);
    h.kid = Some(kid.into());
    jsonwebtoken::encode(&h, &claims, &key.enc).unwrap_or_else(|e| panic!("{e}"))
}

fn claims(sub: &str) -> serde_json::Value {
    json!({"iss": ISS, "sub": sub, "aud": "orders", "exp": NOW + 3600, "scope": "orders:read orders:write"})
}

/// Serves a mutable JWKS document and counts requests.
struct JwksServer {
    url: String,
    doc: Arc<Mutex<String>>,
    hits: Arc<AtomicUsize>,
}

async fn jwks_server(doc: String) -> JwksServer {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let addr = listener.local_addr().unwrap_or_else(|e| panic!("{e}"));
    let doc = Arc::new(Mutex::new(doc));
    let hits = Arc::new(AtomicUsize::new(0));
    let (d, h) = (doc.clone(), hits.clone());
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let (d, h) = (d.clone(), h.clone());
            let svc = hyper::service::service_fn(move |_req| {
                h.fetch_add(1, Ordering::SeqCst);
                let body = d.lock().map(|s| s.clone()).unwrap_or_default();
                async move {
                    Ok::<_, std::convert::Infallible>(http::Response::new(Full::new(Bytes::from(
                        body,
                    ))))
                }
            });
            tokio::spawn(
                hyper::server::conn::http1::Builder::new()
                    .serve_connection(hyper_util::rt::TokioIo::new(stream), svc),
            );
        }
    });
    JwksServer {
        url: format!("http://{addr}/jwks.json"),
        doc,
        hits,
    }
}

fn issuer(jwks_url: Option<String>) -> JwtIssuerSpec {
    JwtIssuerSpec {
        issuer: ISS.into(),
        audiences: vec!["orders".into()],
        jwks_url,
        keys: vec![],
        algorithms: vec!["ES256".into()],
        consumer_claim: None,
        scopes_claim: "scope".into(),
        leeway_secs: 30,
        jwks_ttl_secs: 300,
    }
}

fn jwt_cred(sub: &str) -> CredentialSpec {
    cred(CredentialKind::Jwt {
        issuer: ISS.into(),
        subject: sub.into(),
    })
}

fn index_for(issuers: &[JwtIssuerSpec], consumers: &[ConsumerSpec]) -> AuthIndex {
    AuthIndex::build(consumers, issuers, &Secrets::generate(), None)
        .unwrap_or_else(|e| panic!("{e:?}"))
}

async fn bearer(index: &AuthIndex, token: &str, now: i64) -> Result<Identity, AuthError> {
    let req = request("GET", "/", &[("authorization", &format!("Bearer {token}"))]);
    index
        .authenticate(&[AuthMethod::Jwt], &req, b"", None, now)
        .await
}

#[tokio::test]
async fn jwks_token_maps_subject_with_token_scopes_and_is_cached() {
    let k1 = ec_key("k1");
    let server = jwks_server(jwks_of(&[&k1])).await;
    let index = index_for(
        &[issuer(Some(server.url.clone()))],
        &[consumer("app", vec![jwt_cred("user-1")])],
    );
    let t = token(&k1, "k1", claims("user-1"));
    let id = bearer(&index, &t, NOW)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(id.consumer.name, "app");
    assert_eq!(id.credential_id, "app/0");
    assert_eq!(id.user.as_deref(), Some("user-1"));
    assert_eq!(
        id.scopes,
        vec!["orders:read".to_string(), "orders:write".to_string()]
    );
    assert!(id
        .token_id
        .is_some_and(|t| t.starts_with("sha256:") && t.len() == 23));
    assert!(bearer(&index, &t, NOW + 1).await.is_ok());
    let t2 = token(
        &k1,
        "k1",
        json!({"iss": ISS, "sub": "user-1", "aud": ["x", "orders"], "exp": NOW + 60}),
    );
    let id2 = bearer(&index, &t2, NOW + 2)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        id2.scopes,
        vec!["read".to_string()],
        "no scope claim: the consumer's scopes"
    );
    assert_eq!(
        server.hits.load(Ordering::SeqCst),
        1,
        "one fetch serves every token"
    );
}

#[tokio::test]
async fn unknown_kid_refetches_with_a_cooldown_and_accepts_the_rotated_key() {
    let (k1, k2) = (ec_key("k1"), ec_key("k2"));
    let server = jwks_server(jwks_of(&[&k1])).await;
    let index = index_for(
        &[issuer(Some(server.url.clone()))],
        &[consumer("app", vec![jwt_cred("u")])],
    );
    assert!(bearer(&index, &token(&k1, "k1", claims("u")), NOW)
        .await
        .is_ok());
    assert_eq!(server.hits.load(Ordering::SeqCst), 1);

    // The provider rotates to k2. Within the cooldown, unknown kids do not refetch.
    *server.doc.lock().unwrap_or_else(|p| p.into_inner()) = jwks_of(&[&k2]);
    let t2 = token(&k2, "k2", claims("u"));
    for i in 1..5 {
        assert!(matches!(
            bearer(&index, &t2, NOW + i).await,
            Err(AuthError::UnknownKey)
        ));
        let spam = token(&k2, &format!("spam-{i}"), claims("u"));
        assert!(matches!(
            bearer(&index, &spam, NOW + i).await,
            Err(AuthError::UnknownKey)
        ));
    }
    assert_eq!(
        server.hits.load(Ordering::SeqCst),
        1,
        "cooldown holds against kid spam"
    );

    // After the cooldown one refetch picks up the rotated key.
    let id = bearer(&index, &t2, NOW + 10)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(id.consumer.name, "app");
    assert_eq!(server.hits.load(Ordering::SeqCst), 2);
    assert!(matches!(
        bearer(&index, &token(&k2, "k9", claims("u")), NOW + 11).await,
        Err(AuthError::UnknownKey)
    ));
    assert_eq!(server.hits.load(Ordering::SeqCst), 2);

    // The JWKS cache survives a reload: no refetch for a known kid.
    let next = AuthIndex::build(
        &[consumer("app", vec![jwt_cred("u")])],
        &[issuer(Some(server.url.clone()))],
        &Secrets::generate(),
        Some(&index),
    )
    .unwrap_or_else(|e| panic!("{e:?}"));
    assert!(bearer(&next, &t2, NOW + 12).await.is_ok());
    assert_eq!(server.hits.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn bad_signature_expiry_audience_and_algorithms_are_refused() {
    let (k1, other) = (ec_key("k1"), ec_key("k1"));
    let server = jwks_server(jwks_of(&[&k1])).await;
    let index = index_for(
        &[issuer(Some(server.url.clone()))],
        &[consumer("app", vec![jwt_cred("u")])],
    );

    let forged = token(&other, "k1", claims("u"));
    assert!(matches!(
        bearer(&index, &forged, NOW).await,
        Err(AuthError::Invalid("bad signature"))
    ));

    let mut c = claims("u");
    c["exp"] = json!(NOW - 31);
    assert!(matches!(
        bearer(&index, &token(&k1, "k1", c.clone()), NOW).await,
        Err(AuthError::Expired)
    ));
    c["exp"] = json!(NOW - 29);
    assert!(
        bearer(&index, &token(&k1, "k1", c.clone()), NOW)
            .await
            .is_ok(),
        "within leeway"
    );
    c.as_object_mut().map(|o| o.remove("exp"));
    assert!(matches!(
        bearer(&index, &token(&k1, "k1", c), NOW).await,
        Err(AuthError::Invalid("exp required"))
    ));

    let mut c = claims("u");
    c["aud"] = json!("billing");
    assert!(matches!(
        bearer(&index, &token(&k1, "k1", c.clone()), NOW).await,
        Err(AuthError::Invalid("wrong audience"))
    ));
    c.as_object_mut().map(|o| o.remove("aud"));
    assert!(matches!(
        bearer(&index, &token(&k1, "k1", c), NOW).await,
        Err(AuthError::Invalid("wrong audience"))
    ));

    let mut c = claims("u");
    c["nbf"] = json!(NOW + 100);
    assert!(matches!(
        bearer(&index, &token(&k1, "k1", c), NOW).await,
        Err(AuthError::Invalid(_))
    ));

    let mut c = claims("u");
    c["iss"] = json!("https://evil.example");
    assert!(matches!(
        bearer(&index, &token(&k1, "k1", c), NOW).await,
        Err(AuthError::Invalid("untrusted issuer"))
    ));

    // alg none, with and without a signature part.
    let b64 = |v: serde_json::Value| {
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v.to_string())
    };
    let none = format!(
        "{}.{}.",
        b64(json!({"alg": "none", "kid": "k1"})),
        b64(claims("u"))
    );
    assert!(matches!(
        bearer(&index, &none, NOW).await,
        Err(AuthError::Invalid(_))
    ));
    assert!(matches!(
        bearer(&index, none.trim_end_matches('.'), NOW).await,
        Err(AuthError::Invalid(_))
    ));

    // HS256 is not among the issuer's algorithms (key confusion with the public key).
    let hs = jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims("u"), &hs_key(b"k"))
        .unwrap_or_default();
    assert!(matches!(
        bearer(&index, &hs, NOW).await,
        Err(AuthError::Invalid("algorithm not allowed"))
    ));
    assert!(matches!(
        bearer(&index, "not-a-jwt", NOW).await,
        Err(AuthError::Invalid(_))
    ));
}

#[tokio::test]
async fn consumer_claim_with_static_hmac_key() {
    let mut spec = issuer(None);
    spec.algorithms = vec!["HS256".into()];
    spec.audiences = vec![];
    spec.consumer_claim = Some("client_id".into());
    spec.scopes_claim = "scp".into();
    spec.keys = vec![lampyr_spec::JwtKeySpec {
        kid: None,
        alg: "HS256".into(),
        pem_file: None,
        secret_env: Some(env_with("jwt-hs-secret")),
    }];
    let mut off = consumer("off", vec![]);
    off.disabled = true;
    let index = index_for(&[spec], &[consumer("mobile", vec![]), off]);
    let enc = hs_key(b"jwt-hs-secret");
    let sign = |c: serde_json::Value| {
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), &c, &enc).unwrap_or_default()
    };

    let t = sign(
        json!({"iss": ISS, "sub": "u9", "exp": NOW + 60, "client_id": "mobile", "scp": ["a", "b"]}),
    );
    let id = bearer(&index, &t, NOW)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        (id.consumer.name.as_str(), id.user.as_deref()),
        ("mobile", Some("u9"))
    );
    assert_eq!(id.scopes, vec!["a".to_string(), "b".to_string()]);

    let t = sign(json!({"iss": ISS, "sub": "u9", "exp": NOW + 60}));
    assert!(matches!(
        bearer(&index, &t, NOW).await,
        Err(AuthError::Invalid("no consumer"))
    ));
    let t = sign(json!({"iss": ISS, "sub": "u9", "exp": NOW + 60, "client_id": "off"}));
    assert!(matches!(
        bearer(&index, &t, NOW).await,
        Err(AuthError::Disabled)
    ));
    let bad = jsonwebtoken::encode(
        &Header::new(Algorithm::HS256),
        &json!({"iss": ISS, "exp": NOW + 60, "client_id": "mobile"}),
        &hs_key(b"wrong"),
    )
    .unwrap_or_default();
    assert!(matches!(
        bearer(&index, &bad, NOW).await,
        Err(AuthError::Invalid("bad signature"))
    ));
}

#[tokio::test]
async fn unreachable_jwks_is_an_upstream_error() {
    // A port that was just free: connection refused.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .unwrap_or(9);
    let index = index_for(
        &[issuer(Some(format!("http://127.0.0.1:{port}/jwks")))],
        &[consumer("app", vec![jwt_cred("u")])],
    );
    let k1 = ec_key("k1");
    let err = bearer(&index, &token(&k1, "k1", claims("u")), NOW)
        .await
        .err();
    assert!(matches!(err, Some(AuthError::Upstream(_))), "{err:?}");
    assert_eq!(
        err.map(|e| e.status()),
        Some(http::StatusCode::SERVICE_UNAVAILABLE)
    );
}

#[test]
fn issuer_config_errors_and_unknown_issuer_binding() {
    let mut spec = issuer(None);
    spec.algorithms = vec!["none".into()];
    let errs = AuthIndex::build(
        &[consumer(
            "a",
            vec![cred(CredentialKind::Jwt {
                issuer: "nope".into(),
                subject: "s".into(),
            })],
        )],
        &[spec],
        &Secrets::generate(),
        None,
    )
    .err()
    .unwrap_or_default();
    let at: Vec<&str> = errs.iter().map(|e| e.at.as_str()).collect();
    assert_eq!(
        at,
        [
            "gateway.jwt_issuers[0].algorithms[0]",
            "gateway.jwt_issuers[0]",
            "gateway.consumers[0].credentials[0].issuer"
        ]
    );
}
