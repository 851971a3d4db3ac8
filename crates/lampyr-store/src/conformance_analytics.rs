//! The behaviour every [`AnalyticsStore`] backend must show, as one async test function.
//!
//! A backend's tests call [`run`] on a fresh, empty store; it panics at the first divergence,
//! naming the rule broken. Samples are counted for size retention by the length of their
//! stored exchange JSON (within a few bytes); the size checks leave room for that.

use serde_json::json;

use crate::analytics::INCIDENT_STATUSES;
use crate::{
    AnalyticsStore, EndpointRow, ExceptionRow, ExchangeQuery, ExchangeRow, IncidentNote,
    IncidentQuery, IncidentRow, IncidentUpdate, Pruned, Retention, SpecRow, SpecSummary,
    StoreError, TrafficMinute,
};

mod samples;

/// A start time (µs) all sample times of the suite are offsets from (2023-11-14).
const T0: i64 = 1_700_000_000_000_000;

/// Runs every conformance check against `store`, which must start empty.
pub async fn run<S: AnalyticsStore + ?Sized>(store: &S) {
    empty(store).await;
    endpoints(store).await;
    incidents(store).await;
    incident_workflow(store).await;
    samples::exchanges(store).await;
    samples::exchange_paging(store).await;
    samples::evidence_links(store).await;
    exceptions(store).await;
    traffic(store).await;
    samples::retention_by_age(store).await;
    samples::retention_by_size(store).await;
    specs(store).await;
}

/// An endpoint row, for tests.
pub fn endpoint(method: &str, host: &str, template: &str) -> EndpointRow {
    EndpointRow {
        key: format!("{method} {host}{template}"),
        method: method.into(),
        host: host.into(),
        template: template.into(),
        hits: 3,
        first_seen_us: T0,
        last_seen_us: T0 + 5,
        level: 2,
        auth: "bearer".into(),
        report: json!({"parameters": [{"name": "id", "in": "path"}], "auth": ["bearer"]}),
    }
}

/// A fresh `open` incident, for tests.
pub fn incident(id: &str, severity: &str, last_us: i64) -> IncidentRow {
    IncidentRow {
        id: id.into(),
        category: "attack.sqli".into(),
        severity: severity.into(),
        title: format!("SQL injection {id}"),
        endpoint: Some("GET api.test/users/{id}".into()),
        actor_ip: Some("10.0.0.1".into()),
        actor_consumer: None,
        actor_user: None,
        first_us: T0,
        last_us,
        hits: 1,
        detail: json!({"rules": ["sqli.union"], "exchanges": []}),
        status: "open".into(),
        assignee: None,
        notes: Vec::new(),
    }
}

/// A sample at `T0 + offset_us`, for tests.
pub fn exchange(offset_us: i64, ip: &str, status: u16) -> ExchangeRow {
    ExchangeRow {
        id: 0,
        time_us: T0 + offset_us,
        ip: Some(ip.into()),
        consumer: None,
        user: None,
        method: "GET".into(),
        host: "api.test".into(),
        path: "/users/1".into(),
        endpoint: Some("GET api.test/users/{id}".into()),
        status,
        incidents: Vec::new(),
        exchange: json!({"v": 1, "request": {"method": "GET", "path": "/users/1"},
            "response": {"status": status}}),
    }
}

fn is_not_found<T: std::fmt::Debug>(r: Result<T, StoreError>) -> bool {
    matches!(r, Err(StoreError::NotFound { .. }))
}

fn ids(rows: &[ExchangeRow]) -> Vec<i64> {
    rows.iter().map(|r| r.id).collect()
}

/// Every sample stored, newest first (pages through the whole table).
async fn all_exchanges<S: AnalyticsStore + ?Sized>(s: &S) -> Vec<ExchangeRow> {
    let mut out = Vec::new();
    let mut before_id = None;
    loop {
        let page = s
            .query_exchanges(ExchangeQuery {
                before_id,
                limit: 1000,
                ..ExchangeQuery::default()
            })
            .await
            .expect("query all");
        let Some(last) = page.last() else {
            return out;
        };
        before_id = Some(last.id);
        out.extend(page);
    }
}

/// Deletes every sample and traffic minute (everything is older than year 2096).
async fn clear<S: AnalyticsStore + ?Sized>(s: &S) -> u64 {
    let pruned = s
        .prune(
            Retention {
                max_age_secs: 0,
                max_bytes: u64::MAX,
            },
            4_000_000_000,
        )
        .await
        .expect("prune all");
    assert_eq!(pruned.by_size, 0, "nothing is over an unlimited size bound");
    pruned.by_age
}

async fn empty<S: AnalyticsStore + ?Sized>(s: &S) {
    assert!(s.list_endpoints().await.expect("endpoints").is_empty());
    assert!(s
        .list_incidents(IncidentQuery::default())
        .await
        .expect("incidents")
        .is_empty());
    assert!(all_exchanges(s).await.is_empty(), "fresh store has samples");
    assert!(s.list_exceptions().await.expect("exceptions").is_empty());
    assert!(s.traffic(0).await.expect("traffic").is_empty());
    assert!(is_not_found(s.get_endpoint("GET x/").await));
    assert!(is_not_found(s.get_incident("nope").await));
    assert!(is_not_found(s.get_exchange(1).await));
    assert!(is_not_found(s.delete_exception(1).await));
    assert_eq!(
        s.prune(
            Retention {
                max_age_secs: 60,
                max_bytes: 0
            },
            1_700_000_000
        )
        .await
        .expect("prune empty"),
        Pruned::default(),
        "pruning an empty store deleted something"
    );
}

async fn endpoints<S: AnalyticsStore + ?Sized>(s: &S) {
    let a = endpoint("POST", "b.test", "/users");
    let b = endpoint("GET", "a.test", "/z");
    let c = endpoint("DELETE", "b.test", "/users");
    let d = endpoint("GET", "b.test", "/users");
    s.upsert_endpoints(vec![a.clone(), b.clone(), c.clone(), d.clone()])
        .await
        .expect("upsert");
    let keys: Vec<_> = s
        .list_endpoints()
        .await
        .expect("list")
        .into_iter()
        .map(|e| e.key)
        .collect();
    assert_eq!(
        keys,
        [b.key.as_str(), &c.key, &d.key, &a.key],
        "endpoints not ordered by host, template, method"
    );
    assert_eq!(s.get_endpoint(&a.key).await.expect("get"), a, "round trip");

    // Upsert replaces by key.
    let mut a2 = a.clone();
    a2.hits = 40;
    a2.last_seen_us = T0 + 99;
    a2.level = 4;
    a2.report = json!({"parameters": [], "sensitive": ["email"]});
    s.upsert_endpoints(vec![a2.clone()]).await.expect("replace");
    assert_eq!(
        s.get_endpoint(&a.key).await.expect("get"),
        a2,
        "not replaced"
    );
    assert_eq!(
        s.list_endpoints().await.expect("list").len(),
        4,
        "duplicated"
    );
}

async fn incidents<S: AnalyticsStore + ?Sized>(s: &S) {
    let mut i1 = incident("i1", "high", T0 + 10);
    let mut i2 = incident("i2", "low", T0 + 30);
    i2.actor_ip = None;
    i2.actor_consumer = Some("acme".into());
    let mut i3 = incident("i3", "high", T0 + 20);
    i3.actor_ip = None;
    i3.actor_user = Some("bob".into());
    i3.endpoint = None;
    s.upsert_incidents(vec![i1.clone(), i2.clone(), i3.clone()])
        .await
        .expect("upsert");
    assert_eq!(s.get_incident("i1").await.expect("get"), i1, "round trip");

    let list = |q: IncidentQuery| async move {
        s.list_incidents(q)
            .await
            .expect("list")
            .into_iter()
            .map(|i| i.id)
            .collect::<Vec<_>>()
    };
    assert_eq!(
        list(IncidentQuery::default()).await,
        ["i2", "i3", "i1"],
        "not newest activity first"
    );
    let high = IncidentQuery {
        severity: Some("high".into()),
        ..IncidentQuery::default()
    };
    assert_eq!(list(high).await, ["i3", "i1"], "severity filter");
    for (actor, want) in [("10.0.0.1", "i1"), ("acme", "i2"), ("bob", "i3")] {
        let q = IncidentQuery {
            actor: Some(actor.into()),
            ..IncidentQuery::default()
        };
        assert_eq!(list(q).await, [want], "actor filter {actor}");
    }
    let limited = IncidentQuery {
        limit: 2,
        ..IncidentQuery::default()
    };
    assert_eq!(list(limited).await, ["i2", "i3"], "limit");
    let both = IncidentQuery {
        severity: Some("high".into()),
        actor: Some("acme".into()),
        ..IncidentQuery::default()
    };
    assert!(list(both).await.is_empty(), "filters are not ANDed");

    // A new incident's workflow fields are stored as given.
    i1.status = "investigating".into();
    i1.assignee = Some("ana".into());
    i1.notes = vec![IncidentNote {
        at: 1,
        author: "ana".into(),
        text: "seen before".into(),
    }];
    i1.id = "i4".into();
    s.upsert_incidents(vec![i1.clone()])
        .await
        .expect("upsert i4");
    assert_eq!(s.get_incident("i4").await.expect("get"), i1, "new workflow");

    // An unknown status is refused and nothing of the batch is written.
    let mut bad = incident("i5", "low", T0);
    bad.status = "done".into();
    assert!(matches!(
        s.upsert_incidents(vec![incident("i6", "low", T0), bad])
            .await,
        Err(StoreError::Conflict(_))
    ));
    assert!(
        is_not_found(s.get_incident("i6").await),
        "half a batch written"
    );
}

async fn incident_workflow<S: AnalyticsStore + ?Sized>(s: &S) {
    let status = |st: &str| IncidentUpdate {
        status: Some(st.into()),
        ..IncidentUpdate::default()
    };
    match s.update_incident("i1", status("closed")).await {
        Err(StoreError::Conflict(msg)) => {
            for allowed in INCIDENT_STATUSES {
                assert!(msg.contains(allowed), "{msg:?} does not name {allowed}");
            }
        }
        other => panic!("unknown status not Conflict: {other:?}"),
    }
    assert!(is_not_found(
        s.update_incident("nope", status("resolved")).await
    ));

    let note = |text: &str| IncidentNote {
        at: 1_700_000_100,
        author: "ana".into(),
        text: text.into(),
    };
    let updated = s
        .update_incident(
            "i1",
            IncidentUpdate {
                status: Some("investigating".into()),
                assignee: Some("ana".into()),
                note: Some(note("looking")),
            },
        )
        .await
        .expect("update");
    assert_eq!(updated.status, "investigating");
    assert_eq!(updated.assignee.as_deref(), Some("ana"));
    assert_eq!(updated.notes, [note("looking")]);
    assert_eq!(
        s.get_incident("i1").await.expect("get"),
        updated,
        "not stored"
    );

    // The pipeline's upsert changes analysis fields only.
    let mut again = incident("i1", "critical", T0 + 50);
    again.hits = 9;
    again.title = "SQL injection, again".into();
    again.detail = json!({"rules": ["sqli.union", "sqli.stacked"]});
    s.upsert_incidents(vec![again.clone()])
        .await
        .expect("upsert");
    let got = s.get_incident("i1").await.expect("get");
    assert_eq!(
        (
            got.hits,
            got.severity.as_str(),
            got.title.as_str(),
            got.last_us
        ),
        (9, "critical", again.title.as_str(), T0 + 50),
        "analysis fields not updated"
    );
    assert_eq!(got.detail, again.detail);
    assert_eq!(
        (
            got.status.as_str(),
            got.assignee.as_deref(),
            got.notes.len()
        ),
        ("investigating", Some("ana"), 1),
        "upsert overwrote the workflow"
    );

    // Notes append; `None` leaves fields alone; an empty assignee clears.
    let got = s
        .update_incident(
            "i1",
            IncidentUpdate {
                note: Some(note("fixed upstream")),
                ..IncidentUpdate::default()
            },
        )
        .await
        .expect("note");
    assert_eq!(got.notes, [note("looking"), note("fixed upstream")]);
    assert_eq!(got.status, "investigating", "None changed the status");
    assert_eq!(
        got.assignee.as_deref(),
        Some("ana"),
        "None changed assignee"
    );
    let got = s
        .update_incident(
            "i1",
            IncidentUpdate {
                status: Some("resolved".into()),
                assignee: Some(String::new()),
                note: None,
            },
        )
        .await
        .expect("clear");
    assert_eq!((got.status.as_str(), got.assignee), ("resolved", None));
    assert_eq!(got.notes.len(), 2, "notes lost");

    let resolved = IncidentQuery {
        status: Some("resolved".into()),
        ..IncidentQuery::default()
    };
    let ids: Vec<_> = s
        .list_incidents(resolved)
        .await
        .expect("list")
        .into_iter()
        .map(|i| i.id)
        .collect();
    assert_eq!(ids, ["i1"], "status filter");
}

async fn exceptions<S: AnalyticsStore + ?Sized>(s: &S) {
    let row = |rule: &str, endpoint: Option<&str>, actor: Option<&str>| ExceptionRow {
        id: 0,
        rule: rule.into(),
        endpoint: endpoint.map(Into::into),
        actor: actor.map(Into::into),
        reason: "scanner we run".into(),
        author: "ana".into(),
        created_at: 1_700_000_000,
    };
    let a = row("attack.*", None, Some("10.9.9.9"));
    let b = row("sqli.union", Some("GET api.test/search"), None);
    let c = row("abuse.bola", None, None);
    let ia = s.add_exception(a.clone()).await.expect("add a");
    let ib = s.add_exception(b.clone()).await.expect("add b");
    let ic = s.add_exception(c.clone()).await.expect("add c");
    assert!(ia < ib && ib < ic, "ids not increasing");
    let with_id = |mut r: ExceptionRow, id| {
        r.id = id;
        r
    };
    assert_eq!(
        s.list_exceptions().await.expect("list"),
        [
            with_id(a.clone(), ia),
            with_id(b, ib),
            with_id(c.clone(), ic)
        ],
        "exceptions not listed oldest first"
    );
    s.delete_exception(ib).await.expect("delete");
    assert!(is_not_found(s.delete_exception(ib).await), "deleted twice");
    assert_eq!(
        s.list_exceptions().await.expect("list"),
        [with_id(a, ia), with_id(c, ic)]
    );
}

async fn traffic<S: AnalyticsStore + ?Sized>(s: &S) {
    let m = |minute, requests, errors| TrafficMinute {
        minute,
        requests,
        errors,
        blocked: 1,
        attacks: 2,
        shed: 3,
    };
    s.add_traffic(vec![m(1_700_000_040, 10, 1), m(1_700_000_100, 5, 0)])
        .await
        .expect("add");
    // Adding again sums, also twice within one batch.
    s.add_traffic(vec![m(1_700_000_040, 7, 2), m(1_700_000_040, 1, 0)])
        .await
        .expect("add again");
    let want = vec![
        TrafficMinute {
            minute: 1_700_000_040,
            requests: 18,
            errors: 3,
            blocked: 3,
            attacks: 6,
            shed: 9,
        },
        m(1_700_000_100, 5, 0),
    ];
    assert_eq!(s.traffic(0).await.expect("traffic"), want, "counters");
    assert_eq!(
        s.traffic(1_700_000_041).await.expect("since"),
        want[1..],
        "since filter"
    );
    // Cleared by the retention checks that follow.
}

/// A specification row, for tests.
pub fn spec(name: &str, operations: u64, imported_at: i64) -> SpecRow {
    SpecRow {
        name: name.into(),
        title: format!("{name} API"),
        version: "1.0".into(),
        operations,
        imported_at,
        document: json!({"openapi": "3.0.3", "info": {"title": format!("{name} API")},
            "paths": {"/users/{id}": {"get": {"operationId": "getUser"}}}}),
    }
}

async fn specs<S: AnalyticsStore + ?Sized>(s: &S) {
    assert!(
        s.list_specs().await.expect("list").is_empty(),
        "fresh store has specs"
    );
    assert!(is_not_found(s.get_spec("shop").await));
    assert!(is_not_found(s.delete_spec("shop").await));
    let shop = spec("shop", 1, 1_700_000_000);
    let admin = spec("admin", 7, 1_700_000_100);
    s.put_spec(shop.clone()).await.expect("put shop");
    s.put_spec(admin.clone()).await.expect("put admin");
    assert_eq!(s.get_spec("shop").await.expect("get"), shop, "round trip");
    let summary = |r: &SpecRow| SpecSummary {
        name: r.name.clone(),
        title: r.title.clone(),
        version: r.version.clone(),
        operations: r.operations,
        imported_at: r.imported_at,
        bytes: r.document.to_string().len() as u64,
    };
    let listed = s.list_specs().await.expect("list");
    let names: Vec<&str> = listed.iter().map(|r| r.name.as_str()).collect();
    assert_eq!(names, ["admin", "shop"], "specs not listed by name");
    for (got, want) in listed.iter().zip([&admin, &shop]) {
        let want = summary(want);
        assert_eq!(
            (
                &got.name,
                &got.title,
                &got.version,
                got.operations,
                got.imported_at
            ),
            (
                &want.name,
                &want.title,
                &want.version,
                want.operations,
                want.imported_at
            ),
        );
        // Stored JSON may differ from serde_json's text by a little whitespace.
        assert!(
            got.bytes.abs_diff(want.bytes) <= 16,
            "bytes {} far from the document's {}",
            got.bytes,
            want.bytes
        );
    }

    // Put replaces by name.
    let mut shop2 = spec("shop", 3, 1_700_000_200);
    shop2.version = "2.0".into();
    shop2.document = json!({"swagger": "2.0", "paths": {}});
    s.put_spec(shop2.clone()).await.expect("replace");
    assert_eq!(
        s.get_spec("shop").await.expect("get"),
        shop2,
        "not replaced"
    );
    assert_eq!(s.list_specs().await.expect("list").len(), 2, "duplicated");

    s.delete_spec("shop").await.expect("delete");
    assert!(is_not_found(s.delete_spec("shop").await), "deleted twice");
    assert!(is_not_found(s.get_spec("shop").await));
    let names: Vec<String> = s
        .list_specs()
        .await
        .expect("list")
        .into_iter()
        .map(|r| r.name)
        .collect();
    assert_eq!(names, ["admin"]);
    s.delete_spec("admin").await.expect("delete admin");
}
