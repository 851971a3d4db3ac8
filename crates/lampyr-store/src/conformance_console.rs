//! The behaviour every [`ConsoleStore`] backend must show, as one async test function.
//!
//! A backend's tests call [`run`] on a fresh, empty store; it panics at the first divergence,
//! naming the rule broken. Beyond the trait's own docs it pins down: a session for an unknown
//! user is `NotFound`, a session is refused at exactly `expires_at`, and errors about sessions
//! never echo the token hash.

use crate::{ConsoleStore, Role, SessionRow, StoreError, UserRow};

/// Runs every conformance check against `store`, which must start empty.
pub async fn run<S: ConsoleStore + ?Sized>(store: &S) {
    empty(store).await;
    users(store).await;
    sessions(store).await;
    cascade(store).await;
}

/// A user, for tests (the hash is a placeholder, not a real PHC string).
pub fn user(name: &str, role: Role) -> UserRow {
    UserRow {
        name: name.into(),
        role,
        password_hash: format!("$argon2id$v=19$m=19456,t=2,p=1$salt${name}"),
        created_at: 1_700_000_000,
        disabled: false,
    }
}

/// A session of `user` valid until `expires_at`, for tests.
pub fn session(token_hash: &str, user: &str, expires_at: i64) -> SessionRow {
    SessionRow {
        token_hash: token_hash.into(),
        user: user.into(),
        csrf: format!("csrf-{token_hash}"),
        created_at: 1_700_000_000,
        expires_at,
    }
}

fn is_not_found<T: std::fmt::Debug>(r: Result<T, StoreError>) -> bool {
    matches!(r, Err(StoreError::NotFound { .. }))
}

async fn empty<S: ConsoleStore + ?Sized>(s: &S) {
    assert!(
        s.list_users().await.expect("list").is_empty(),
        "fresh store has users"
    );
    assert!(is_not_found(s.get_user("nobody").await));
    assert!(is_not_found(s.delete_user("nobody").await));
    assert!(is_not_found(
        s.update_user(user("nobody", Role::Admin)).await
    ));
    assert!(is_not_found(s.get_session("00", 0).await));
    s.delete_session("00")
        .await
        .expect("unknown session ignored");
    assert_eq!(s.prune_sessions(i64::MAX).await.expect("prune"), 0);
}

async fn users<S: ConsoleStore + ?Sized>(s: &S) {
    let zoe = user("zoe", Role::Viewer);
    let ana = user("ana", Role::Analyst);
    s.create_user(zoe.clone()).await.expect("create zoe");
    s.create_user(ana.clone()).await.expect("create ana");
    assert_eq!(s.get_user("ana").await.expect("get"), ana, "round trip");
    let mut taken = user("ana", Role::Admin);
    taken.password_hash = "other".into();
    assert!(
        matches!(s.create_user(taken).await, Err(StoreError::Conflict(_))),
        "taken name not Conflict"
    );
    assert_eq!(
        s.get_user("ana").await.expect("get"),
        ana,
        "refused create changed the user"
    );
    assert_eq!(
        s.list_users().await.expect("list"),
        [ana.clone(), zoe],
        "users not listed by name"
    );

    let mut changed = ana.clone();
    changed.role = Role::Admin;
    changed.password_hash = "$argon2id$v=19$new".into();
    changed.disabled = true;
    s.update_user(changed.clone()).await.expect("update");
    assert_eq!(s.get_user("ana").await.expect("get"), changed, "update");
}

async fn sessions<S: ConsoleStore + ?Sized>(s: &S) {
    let a = session("aa11", "zoe", 1_700_000_100);
    let b = session("bb22", "zoe", 1_700_000_200);
    s.create_session(a.clone()).await.expect("create a");
    s.create_session(b.clone()).await.expect("create b");
    assert!(
        is_not_found(
            s.create_session(session("cc33", "ghost", 1_800_000_000))
                .await
        ),
        "session for an unknown user not NotFound"
    );
    assert!(is_not_found(s.get_session("cc33", 0).await));

    assert_eq!(s.get_session("aa11", 1_700_000_099).await.expect("get"), a);
    match s.get_session("aa11", 1_700_000_100).await {
        Err(StoreError::NotFound { name, .. }) => {
            assert!(!name.contains("aa11"), "error echoes the token hash")
        }
        other => panic!("session at expires_at not NotFound: {other:?}"),
    }
    assert!(is_not_found(s.get_session("aa11", 1_700_000_500).await));

    // Prune removes expired sessions only.
    assert_eq!(s.prune_sessions(1_700_000_150).await.expect("prune"), 1);
    assert!(
        is_not_found(s.get_session("aa11", 0).await),
        "pruned session still there"
    );
    assert_eq!(s.get_session("bb22", 1_700_000_150).await.expect("get"), b);

    // Logout.
    s.delete_session("bb22").await.expect("logout");
    assert!(
        is_not_found(s.get_session("bb22", 0).await),
        "logout kept it"
    );
    s.delete_session("bb22").await.expect("logout twice");
}

async fn cascade<S: ConsoleStore + ?Sized>(s: &S) {
    s.create_session(session("dd44", "zoe", 1_900_000_000))
        .await
        .expect("create");
    s.create_session(session("ee55", "ana", 1_900_000_000))
        .await
        .expect("create");
    s.delete_user("zoe").await.expect("delete");
    assert!(is_not_found(s.get_user("zoe").await), "user not deleted");
    assert!(
        is_not_found(s.get_session("dd44", 0).await),
        "session outlived its user"
    );
    assert_eq!(
        s.get_session("ee55", 0)
            .await
            .expect("other user's session")
            .user,
        "ana",
        "delete took another user's session"
    );
    assert_eq!(
        s.prune_sessions(1_800_000_000).await.expect("prune"),
        0,
        "cascaded sessions were still counted"
    );
    // A recreated user starts without sessions.
    s.create_user(user("zoe", Role::Viewer))
        .await
        .expect("recreate");
    assert!(is_not_found(s.get_session("dd44", 0).await));
}
