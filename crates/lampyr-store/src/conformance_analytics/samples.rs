//! Exchange samples: filters, paging, evidence links, and retention by age and by size.

use super::*;

pub(super) async fn exchanges<S: AnalyticsStore + ?Sized>(s: &S) {
    let mut rows = vec![
        exchange(1, "10.0.0.1", 200),
        exchange(2, "10.0.0.2", 404),
        exchange(3, "10.0.0.1", 500),
        exchange(4, "10.0.0.3", 200),
    ];
    rows[0].consumer = Some("acme".into());
    rows[1].user = Some("bob".into());
    rows[2].consumer = Some("acme".into());
    rows[2].user = Some("bob".into());
    rows[3].endpoint = Some("POST api.test/login".into());
    rows[1].incidents = vec!["i2".into(), "i1".into()];
    s.insert_exchanges(rows.clone()).await.expect("insert");

    let all = all_exchanges(s).await;
    assert_eq!(all.len(), 4);
    assert!(
        all.windows(2).all(|w| w[0].id > w[1].id),
        "not newest first: {:?}",
        ids(&all)
    );
    let by_time: Vec<_> = all.iter().map(|r| r.time_us - T0).collect();
    assert_eq!(by_time, [4, 3, 2, 1], "ids not assigned in insertion order");
    let id = |n: usize| all[4 - n].id; // id of rows[n - 1]
    let mut want = rows[0].clone();
    want.id = id(1);
    assert_eq!(
        s.get_exchange(id(1)).await.expect("get"),
        want,
        "round trip"
    );
    assert_eq!(
        s.get_exchange(id(2)).await.expect("get").incidents,
        ["i1", "i2"],
        "incidents given on insert not linked (sorted)"
    );

    let query = |q: ExchangeQuery| async move { ids(&s.query_exchanges(q).await.expect("query")) };
    let q = ExchangeQuery::default;
    let cases: Vec<(&str, ExchangeQuery, Vec<i64>)> = vec![
        (
            "ip",
            ExchangeQuery {
                ip: Some("10.0.0.1".into()),
                ..q()
            },
            vec![id(3), id(1)],
        ),
        (
            "consumer",
            ExchangeQuery {
                consumer: Some("acme".into()),
                ..q()
            },
            vec![id(3), id(1)],
        ),
        (
            "user",
            ExchangeQuery {
                user: Some("bob".into()),
                ..q()
            },
            vec![id(3), id(2)],
        ),
        (
            "endpoint",
            ExchangeQuery {
                endpoint: Some("POST api.test/login".into()),
                ..q()
            },
            vec![id(4)],
        ),
        (
            "status",
            ExchangeQuery {
                status: Some(200),
                ..q()
            },
            vec![id(4), id(1)],
        ),
        (
            "since (inclusive) and until (exclusive)",
            ExchangeQuery {
                since_us: Some(T0 + 2),
                until_us: Some(T0 + 4),
                ..q()
            },
            vec![id(3), id(2)],
        ),
        (
            "incident",
            ExchangeQuery {
                incident: Some("i2".into()),
                ..q()
            },
            vec![id(2)],
        ),
        (
            "user and consumer together",
            ExchangeQuery {
                user: Some("bob".into()),
                consumer: Some("acme".into()),
                ..q()
            },
            vec![id(3)],
        ),
        (
            "ip and status together",
            ExchangeQuery {
                ip: Some("10.0.0.1".into()),
                status: Some(404),
                ..q()
            },
            vec![],
        ),
        (
            "before_id",
            ExchangeQuery {
                before_id: Some(id(3)),
                ..q()
            },
            vec![id(2), id(1)],
        ),
        ("limit", ExchangeQuery { limit: 1, ..q() }, vec![id(4)]),
    ];
    for (what, filter, want) in cases {
        assert_eq!(query(filter).await, want, "filter: {what}");
    }
    assert_eq!(clear(s).await, 4, "prune did not count every old sample");
}

pub(super) async fn exchange_paging<S: AnalyticsStore + ?Sized>(s: &S) {
    let mut rows: Vec<_> = (0..1100).map(|i| exchange(i, "10.1.0.1", 200)).collect();
    rows[500].incidents = vec!["i9".into()];
    s.insert_exchanges(rows).await.expect("insert 1100");
    let cited = s
        .query_exchanges(ExchangeQuery {
            incident: Some("i9".into()),
            ..ExchangeQuery::default()
        })
        .await
        .expect("cited");
    assert_eq!(cited.len(), 1, "link given on insert");
    assert_eq!(cited[0].time_us, T0 + 500, "link on the wrong sample");
    let q = |limit, before_id| ExchangeQuery {
        limit,
        before_id,
        ..ExchangeQuery::default()
    };
    let page = s.query_exchanges(q(0, None)).await.expect("default");
    assert_eq!(page.len(), 100, "limit 0 is not 100");
    let page = s.query_exchanges(q(5000, None)).await.expect("capped");
    assert_eq!(page.len(), 1000, "limit not capped at 1000");

    // Walking pages of 300 sees every sample once, newest first.
    let mut seen = Vec::new();
    let mut before = None;
    loop {
        let page = s.query_exchanges(q(300, before)).await.expect("page");
        assert!(page.len() <= 300);
        let Some(last) = page.last() else { break };
        before = Some(last.id);
        seen.extend(page.iter().map(|r| r.time_us - T0));
    }
    let want: Vec<i64> = (0..1100).rev().collect();
    assert_eq!(seen, want, "paging skipped or repeated samples");
    assert_eq!(clear(s).await, 1100);
}

pub(super) async fn evidence_links<S: AnalyticsStore + ?Sized>(s: &S) {
    let rows: Vec<_> = (0..3).map(|i| exchange(i, "10.2.0.1", 403)).collect();
    s.insert_exchanges(rows).await.expect("insert");
    let all = all_exchanges(s).await;
    let (newest, middle, oldest) = (all[0].id, all[1].id, all[2].id);
    s.link_exchanges("i3", vec![oldest, newest, newest + 1000])
        .await
        .expect("link (unknown id ignored)");
    s.link_exchanges("i3", vec![oldest]).await.expect("relink");
    s.link_exchanges("i1", vec![oldest]).await.expect("link i1");
    let by_incident = |id: &str| ExchangeQuery {
        incident: Some(id.into()),
        ..ExchangeQuery::default()
    };
    let got = s.query_exchanges(by_incident("i3")).await.expect("query");
    assert_eq!(ids(&got), [newest, oldest], "query by incident");
    assert_eq!(got[1].incidents, ["i1", "i3"], "links listed once, sorted");
    assert!(s
        .get_exchange(middle)
        .await
        .expect("get")
        .incidents
        .is_empty());
    assert!(
        is_not_found(s.get_exchange(newest + 1000).await),
        "unknown id linked into existence"
    );
    assert_eq!(clear(s).await, 3);
    assert!(
        s.query_exchanges(by_incident("i3"))
            .await
            .expect("query")
            .is_empty(),
        "links outlived their samples"
    );
}

pub(super) async fn retention_by_age<S: AnalyticsStore + ?Sized>(s: &S) {
    let now = 1_700_001_000; // T0 is 1_700_000_000 s
    let rows: Vec<_> = (0..10)
        .map(|i| exchange(i * 100_000_000, "10.3.0.1", 200)) // one every 100 s
        .collect();
    s.insert_exchanges(rows).await.expect("insert");
    let all = all_exchanges(s).await;
    s.link_exchanges("i1", ids(&all)).await.expect("link");
    s.add_traffic(vec![TrafficMinute {
        minute: 1_700_000_880,
        requests: 1,
        ..TrafficMinute::default()
    }])
    .await
    .expect("traffic");

    // Keep 400 s: samples at 600..=900 s stay (600 is exactly at the bound), 0..=500 s go,
    // and so do the traffic minutes of the earlier checks.
    let pruned = s
        .prune(
            Retention {
                max_age_secs: 400,
                max_bytes: u64::MAX,
            },
            now,
        )
        .await
        .expect("prune");
    assert_eq!(
        pruned,
        Pruned {
            by_age: 6,
            by_size: 0
        },
        "age retention"
    );
    let left: Vec<_> = all_exchanges(s)
        .await
        .iter()
        .map(|r| (r.time_us - T0) / 1_000_000)
        .collect();
    assert_eq!(left, [900, 800, 700, 600]);
    let linked = s
        .query_exchanges(ExchangeQuery {
            incident: Some("i1".into()),
            ..ExchangeQuery::default()
        })
        .await
        .expect("linked");
    assert_eq!(linked.len(), 4, "links of pruned samples remain");
    let minutes: Vec<_> = s
        .traffic(0)
        .await
        .expect("traffic")
        .iter()
        .map(|m| m.minute)
        .collect();
    assert_eq!(minutes, [1_700_000_880], "old traffic minutes kept");
    assert_eq!(clear(s).await, 4);
    assert!(s.traffic(0).await.expect("traffic").is_empty());
}

pub(super) async fn retention_by_size<S: AnalyticsStore + ?Sized>(s: &S) {
    // Each sample stores 1000–1100 bytes of JSON, so 5 fit in 5500 bytes and 6 do not.
    let rows: Vec<_> = (0..12)
        .map(|i| {
            let mut r = exchange(i, "10.4.0.1", 200);
            r.exchange = json!({"v": 1, "pad": "x".repeat(1000)});
            r
        })
        .collect();
    s.insert_exchanges(rows).await.expect("insert");
    let now = 1_700_000_100;
    let retention = Retention {
        max_age_secs: 3600,
        max_bytes: 5500,
    };
    let pruned = s.prune(retention, now).await.expect("prune");
    assert_eq!(
        pruned,
        Pruned {
            by_age: 0,
            by_size: 7
        },
        "size retention"
    );
    let left: Vec<_> = all_exchanges(s)
        .await
        .iter()
        .map(|r| r.time_us - T0)
        .collect();
    assert_eq!(left, [11, 10, 9, 8, 7], "not the oldest were deleted");
    assert_eq!(
        s.prune(retention, now).await.expect("again"),
        Pruned::default(),
        "a store within bounds was pruned"
    );
    let zero = Retention {
        max_age_secs: 3600,
        max_bytes: 0,
    };
    assert_eq!(
        s.prune(zero, now).await.expect("zero").by_size,
        5,
        "a zero byte bound keeps samples"
    );
    assert!(all_exchanges(s).await.is_empty());
}
