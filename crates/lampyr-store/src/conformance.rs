//! The behaviour every [`GatewayStore`] backend must show, as one async test function.
//!
//! A backend's tests call [`run`] on a fresh, empty store; the function panics (like a failed
//! `assert!`) at the first divergence, naming the rule broken.

use lampyr_spec::{
    ConsumerSpec, CredentialKind, CredentialSpec, DenyEntry, DenyKind, JwtIssuerSpec, PolicySpec,
    RouteSpec, UpstreamSpec,
};

use crate::{GatewayStore, GatewayStoreExt, StoreError};

/// Runs every conformance check against `store`, which must start empty.
pub async fn run<S: GatewayStore + ?Sized>(store: &S) {
    empty(store).await;
    consumers(store).await;
    credential_uniqueness(store).await;
    last_used(store).await;
    objects(store).await;
    deny_list(store).await;
    audit(store).await;
    load_spec(store).await;
}

/// A consumer with no credentials, for tests.
pub fn consumer(name: &str) -> ConsumerSpec {
    ConsumerSpec {
        name: name.into(),
        groups: vec!["g1".into()],
        tags: vec!["t1".into()],
        scopes: vec!["read".into()],
        disabled: false,
        credentials: Vec::new(),
    }
}

/// A stored-form API key credential, for tests.
pub fn api_key(id: &str, hash: &str) -> CredentialSpec {
    CredentialSpec {
        id: Some(id.into()),
        expires_at: None,
        revoked: false,
        kind: CredentialKind::ApiKey {
            key_env: None,
            key_file: None,
            prefix: Some(format!("lk_{id}")),
            hash: Some(hash.into()),
        },
    }
}

fn cred(id: &str, kind: CredentialKind) -> CredentialSpec {
    CredentialSpec {
        id: Some(id.into()),
        expires_at: Some(1_900_000_000),
        revoked: false,
        kind,
    }
}

fn upstream(name: &str) -> UpstreamSpec {
    serde_json::from_value(serde_json::json!({
        "name": name, "targets": [{"address": "127.0.0.1:9000"}]
    }))
    .expect("static upstream")
}

fn route(name: &str, upstream: &str) -> RouteSpec {
    serde_json::from_value(serde_json::json!({
        "name": name, "paths": ["/x"], "upstream": upstream
    }))
    .expect("static route")
}

fn is_not_found<T: std::fmt::Debug>(r: Result<T, StoreError>) -> bool {
    matches!(r, Err(StoreError::NotFound { .. }))
}

fn is_conflict<T: std::fmt::Debug>(r: Result<T, StoreError>) -> bool {
    matches!(r, Err(StoreError::Conflict(_)))
}

async fn empty<S: GatewayStore + ?Sized>(s: &S) {
    assert!(
        s.list_consumers().await.expect("list").is_empty(),
        "fresh store has consumers"
    );
    assert!(
        s.list_deny().await.expect("deny").is_empty(),
        "fresh store has deny entries"
    );
    assert!(
        s.list_audit(10).await.expect("audit").is_empty(),
        "fresh store has audit"
    );
    let spec = s.load_spec().await.expect("load_spec");
    assert!(
        spec.routes.is_empty() && spec.upstreams.is_empty(),
        "fresh spec not empty"
    );
    assert!(
        is_not_found(s.get_consumer("nobody").await),
        "missing consumer not NotFound"
    );
    assert!(
        is_not_found(s.delete_consumer("nobody").await),
        "delete missing not NotFound"
    );
    assert!(
        is_not_found(s.credential_owner("nope").await),
        "missing credential not NotFound"
    );
}

async fn consumers<S: GatewayStore + ?Sized>(s: &S) {
    let mut alice = consumer("alice");
    alice.credentials = vec![
        api_key("c1", "h1"),
        cred(
            "c2",
            CredentialKind::Jwt {
                issuer: "https://idp".into(),
                subject: "a".into(),
            },
        ),
    ];
    s.put_consumer(alice.clone()).await.expect("put alice");
    s.put_consumer(consumer("bob")).await.expect("put bob");
    assert_eq!(
        s.get_consumer("alice").await.expect("get"),
        alice,
        "round trip lost data"
    );
    let names: Vec<_> = s
        .list_consumers()
        .await
        .expect("list")
        .into_iter()
        .map(|c| c.name)
        .collect();
    assert_eq!(names, ["alice", "bob"], "consumers not listed by name");
    assert_eq!(s.credential_owner("c2").await.expect("owner"), "alice");

    // Replace: profile and credential set change together; order of credentials is kept.
    alice.disabled = true;
    alice.credentials = vec![
        cred(
            "c3",
            CredentialKind::Mtls {
                subject: None,
                fingerprint: Some("ab".repeat(32)),
            },
        ),
        api_key("c1", "h1"),
    ];
    s.put_consumer(alice.clone()).await.expect("replace alice");
    assert_eq!(
        s.get_consumer("alice").await.expect("get"),
        alice,
        "replace not stored"
    );
    assert!(
        is_not_found(s.credential_owner("c2").await),
        "dropped credential still owned"
    );

    // Credentials need ids.
    let mut bad = consumer("carol");
    bad.credentials = vec![CredentialSpec {
        id: None,
        ..api_key("x", "hx")
    }];
    assert!(
        is_conflict(s.put_consumer(bad).await),
        "credential without id accepted"
    );
    assert!(
        is_not_found(s.get_consumer("carol").await),
        "rejected consumer was written"
    );

    // Delete cascades.
    s.delete_consumer("alice").await.expect("delete");
    assert!(
        is_not_found(s.get_consumer("alice").await),
        "deleted consumer still there"
    );
    assert!(
        is_not_found(s.credential_owner("c1").await),
        "credential survived its consumer"
    );
    s.delete_consumer("bob").await.expect("delete bob");
}

async fn credential_uniqueness<S: GatewayStore + ?Sized>(s: &S) {
    let mut a = consumer("ua");
    a.credentials = vec![
        api_key("k1", "samehash"),
        cred(
            "k2",
            CredentialKind::Hmac {
                access_key: "AK1".into(),
                secret_env: None,
                secret_file: None,
                sealed_secret: Some("sealed".into()),
            },
        ),
        cred(
            "k3",
            CredentialKind::Basic {
                username: "u1".into(),
                password_hash: "$a".into(),
            },
        ),
        cred(
            "k4",
            CredentialKind::Mtls {
                subject: None,
                fingerprint: Some("cd".repeat(32)),
            },
        ),
    ];
    s.put_consumer(a.clone()).await.expect("put ua");
    let clashes = [
        api_key("x1", "samehash"),
        cred(
            "x2",
            CredentialKind::Hmac {
                access_key: "AK1".into(),
                secret_env: None,
                secret_file: None,
                sealed_secret: Some("other".into()),
            },
        ),
        cred(
            "x3",
            CredentialKind::Basic {
                username: "u1".into(),
                password_hash: "$b".into(),
            },
        ),
        cred(
            "x4",
            CredentialKind::Mtls {
                subject: None,
                fingerprint: Some("cd".repeat(32)),
            },
        ),
        // Same id as a credential of another consumer.
        api_key("k1", "otherhash"),
    ];
    for clash in clashes {
        let mut b = consumer("ub");
        b.credentials = vec![clash.clone()];
        assert!(
            is_conflict(s.put_consumer(b).await),
            "duplicate accepted: {clash:?}"
        );
        assert!(
            is_not_found(s.get_consumer("ub").await),
            "conflicting consumer was written"
        );
    }
    // A conflicting replace leaves the previous version intact.
    let mut b = consumer("ub");
    b.credentials = vec![api_key("y1", "fresh")];
    s.put_consumer(b.clone()).await.expect("put ub");
    let mut b2 = b.clone();
    b2.tags = vec!["changed".into()];
    b2.credentials.push(api_key("y2", "samehash"));
    assert!(
        is_conflict(s.put_consumer(b2).await),
        "duplicate hash accepted on replace"
    );
    assert_eq!(
        s.get_consumer("ub").await.expect("get ub"),
        b,
        "failed replace changed data"
    );
    // Duplicates within one consumer are refused too.
    let mut c = consumer("uc");
    c.credentials = vec![api_key("z1", "dup"), api_key("z2", "dup")];
    assert!(
        is_conflict(s.put_consumer(c).await),
        "duplicate within a consumer accepted"
    );
    // The owner may re-put its own credentials unchanged.
    s.put_consumer(a).await.expect("re-put same credentials");
    s.delete_consumer("ua").await.expect("delete ua");
    s.delete_consumer("ub").await.expect("delete ub");
}

async fn last_used<S: GatewayStore + ?Sized>(s: &S) {
    let mut c = consumer("lu");
    c.credentials = vec![api_key("l1", "lh1"), api_key("l2", "lh2")];
    s.put_consumer(c.clone()).await.expect("put");
    s.set_last_used(vec![
        ("l1".into(), 100),
        ("l2".into(), 50),
        ("ghost".into(), 7),
    ])
    .await
    .expect("set_last_used");
    s.set_last_used(vec![("l1".into(), 90)])
        .await
        .expect("older time");
    let mut got = s.last_used().await.expect("last_used");
    got.sort();
    assert_eq!(
        got,
        [("l1".to_string(), 100), ("l2".to_string(), 50)],
        "last_used wrong"
    );
    // Replacing the consumer keeps times of kept credentials and drops removed ones.
    c.credentials.truncate(1);
    s.put_consumer(c).await.expect("replace");
    assert_eq!(
        s.last_used().await.expect("last_used"),
        [("l1".to_string(), 100)]
    );
    s.delete_consumer("lu").await.expect("delete");
    assert!(
        s.last_used().await.expect("last_used").is_empty(),
        "times survived delete"
    );
}

async fn objects<S: GatewayStore + ?Sized>(s: &S) {
    for name in ["r1", "r2", "r3"] {
        s.put(&route(name, "u")).await.expect("put route");
    }
    let mut r1 = route("r1", "other");
    r1.strip_prefix = true;
    s.put(&r1).await.expect("replace route");
    let routes: Vec<RouteSpec> = s.list().await.expect("list");
    let names: Vec<_> = routes.iter().map(|r| r.name.as_str()).collect();
    assert_eq!(names, ["r1", "r2", "r3"], "route order not kept on replace");
    assert_eq!(
        s.get::<RouteSpec>("r1").await.expect("get"),
        r1,
        "replace not stored"
    );
    s.delete::<RouteSpec>("r2").await.expect("delete");
    assert!(
        is_not_found(s.get::<RouteSpec>("r2").await),
        "deleted route still there"
    );
    assert!(
        is_not_found(s.delete::<RouteSpec>("r2").await),
        "delete missing not NotFound"
    );
    // Kinds are separate name spaces.
    assert!(
        is_not_found(s.get::<UpstreamSpec>("r1").await),
        "kinds share names"
    );
    s.put(&upstream("r1"))
        .await
        .expect("put upstream named like a route");
    assert_eq!(
        s.get::<UpstreamSpec>("r1").await.expect("get"),
        upstream("r1")
    );
    let pol = PolicySpec {
        name: "p".into(),
        allow_cidrs: vec!["10.0.0.0/8".parse().expect("cidr")],
        deny_cidrs: Vec::new(),
        time_window: Some("08:00-18:00".into()),
        days: Vec::new(),
        methods: Vec::new(),
        path_prefixes: Vec::new(),
    };
    s.put(&pol).await.expect("put policy");
    assert_eq!(s.get::<PolicySpec>("p").await.expect("get policy"), pol);
    let iss: JwtIssuerSpec = serde_json::from_value(serde_json::json!({
        "issuer": "https://idp.example/", "jwks_url": "https://idp.example/jwks"
    }))
    .expect("issuer");
    s.put(&iss).await.expect("put issuer");
    assert_eq!(
        s.get::<JwtIssuerSpec>("https://idp.example/")
            .await
            .expect("get issuer"),
        iss
    );
}

async fn deny_list<S: GatewayStore + ?Sized>(s: &S) {
    let e = |kind, value: &str, reason: &str| DenyEntry {
        kind,
        value: value.into(),
        expires_at: None,
        reason: reason.into(),
    };
    s.add_deny(e(DenyKind::Ip, "10.0.0.1", "a"))
        .await
        .expect("add");
    s.add_deny(e(DenyKind::Consumer, "mallory", "b"))
        .await
        .expect("add");
    s.add_deny(e(DenyKind::Ip, "10.0.0.1", "replaced"))
        .await
        .expect("replace");
    let all = s.list_deny().await.expect("list");
    assert_eq!(all.len(), 2, "same kind+value not replaced");
    assert!(
        all.contains(&e(DenyKind::Ip, "10.0.0.1", "replaced")),
        "replace lost"
    );
    s.remove_deny(DenyKind::Ip, "10.0.0.1")
        .await
        .expect("remove");
    assert!(
        is_not_found(s.remove_deny(DenyKind::Ip, "10.0.0.1").await),
        "remove missing ok"
    );
    assert!(
        is_not_found(s.remove_deny(DenyKind::Token, "mallory").await),
        "kinds mixed"
    );
    assert_eq!(
        s.list_deny().await.expect("list"),
        [e(DenyKind::Consumer, "mallory", "b")]
    );
}

async fn audit<S: GatewayStore + ?Sized>(s: &S) {
    let detail = serde_json::json!({"n": 1});
    let first = s
        .append_audit("admin", "a.one", "x/1", detail.clone(), 10)
        .await
        .expect("append");
    let second = s
        .append_audit("admin", "a.two", "x/2", detail.clone(), 11)
        .await
        .expect("app");
    assert!(second > first, "audit ids not increasing");
    let all = s.list_audit(10).await.expect("list");
    assert_eq!(all.len(), 2);
    assert_eq!(all[0].action, "a.two", "audit not newest first");
    assert_eq!(
        (all[1].at, all[1].detail.clone()),
        (10, detail),
        "audit record altered"
    );
    assert_eq!(
        s.list_audit(1).await.expect("limit").len(),
        1,
        "limit ignored"
    );
}

async fn load_spec<S: GatewayStore + ?Sized>(s: &S) {
    let mut c = consumer("spec-c");
    c.credentials = vec![api_key("sc1", "sh1")];
    s.put_consumer(c.clone()).await.expect("put");
    let spec = s.load_spec().await.expect("load");
    assert_eq!(spec.consumers, [c], "load_spec consumers");
    let routes: Vec<_> = spec.routes.iter().map(|r| r.name.as_str()).collect();
    assert_eq!(routes, ["r1", "r3"], "load_spec routes");
    assert_eq!(spec.upstreams, [upstream("r1")], "load_spec upstreams");
    assert_eq!(spec.policies.len(), 1, "load_spec policies");
    assert_eq!(spec.jwt_issuers.len(), 1, "load_spec issuers");
}
