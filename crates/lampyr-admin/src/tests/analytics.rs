//! The analytics API: inventory, sensitive data, incidents and their workflow, exchanges,
//! actors, overview, ingestion.

use axum::body::Body;
use axum::http::{Method, StatusCode};
use lampyr_spec::DenyKind;
use serde_json::{json, Value};

use super::seed::{self, ATTACKER_IP, HEALTH_EP, LOGIN_EP, USERS_EP};
use super::{harness, now_secs, TOKEN};
use crate::console::html::enc;

fn keys(a: &Value, field: &str) -> Vec<String> {
    a["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|i| {
            i[field]
                .as_str()
                .map_or_else(|| i[field].to_string(), str::to_string)
        })
        .collect()
}

#[tokio::test]
async fn inventory_filters_and_endpoint_detail() {
    let h = harness().await;
    seed::analytics(&h).await;
    let all = h.get("/admin/v1/inventory").await;
    assert_eq!(all.status, StatusCode::OK);
    assert_eq!(all.json["total"], 3);
    assert_eq!(all.json["hosts"], json!(["api.shop.test", "other.test"]));
    let hr = &h;
    let q = |s: &'static str| async move {
        keys(
            &hr.get(&format!("/admin/v1/inventory?{s}")).await.json,
            "key",
        )
    };
    assert_eq!(q("host=other.test").await, [HEALTH_EP]);
    assert_eq!(q("level=3").await, [USERS_EP]);
    assert_eq!(q("auth=none").await, [LOGIN_EP, HEALTH_EP]);
    assert_eq!(q("q=LOGIN").await, [LOGIN_EP]);
    assert_eq!(
        q("host=&level=&q=").await.len(),
        3,
        "blank form fields filter nothing"
    );
    let since = now_secs() - 3600;
    assert_eq!(
        keys(
            &h.get(&format!("/admin/v1/inventory?since={since}"))
                .await
                .json,
            "key"
        ),
        [LOGIN_EP]
    );
    let rfc = crate::analytics::fmt_us(since * 1_000_000);
    assert_eq!(
        keys(
            &h.get(&format!("/admin/v1/inventory?since={}", enc(&rfc)))
                .await
                .json,
            "key"
        ),
        [LOGIN_EP]
    );
    assert_eq!(
        h.get("/admin/v1/inventory?since=yesterday").await.status,
        StatusCode::BAD_REQUEST
    );
    assert_eq!(
        h.get("/admin/v1/inventory?level=high").await.status,
        StatusCode::BAD_REQUEST
    );
    assert_eq!(
        h.get("/admin/v1/inventory?nope=1").await.status,
        StatusCode::BAD_REQUEST
    );

    let d = h
        .get(&format!("/admin/v1/inventory/{}", enc(USERS_EP)))
        .await;
    assert_eq!(d.status, StatusCode::OK, "{}", d.text);
    assert_eq!(d.json["endpoint"]["key"], USERS_EP);
    assert_eq!(d.json["consumers"][0]["consumer"], "mobile");
    assert_eq!(d.json["consumers"][0]["requests"], 5);
    assert_eq!(d.json["consumers"][1]["consumer"], "mallory-app");
    assert_eq!(
        keys(&json!({"items": d.json["incidents"]}), "id"),
        ["inc-xss", "inc-old"]
    );
    assert_eq!(d.json["samples"], 7);
    assert_eq!(
        h.get(&format!("/admin/v1/inventory/{}", enc("GET nowhere/x")))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    let doc = h.get("/admin/v1/inventory/openapi.json").await;
    assert_eq!(doc.json["info"]["title"], "discovered");
    assert!(doc.headers.get("content-disposition").is_some());
}

#[tokio::test]
async fn sensitive_types_endpoints_and_receivers() {
    let h = harness().await;
    seed::analytics(&h).await;
    let s = h.get("/admin/v1/sensitive").await;
    assert_eq!(s.status, StatusCode::OK);
    let t = &s.json["types"][0];
    assert_eq!(t["type"], "cn_resident_id");
    assert_eq!(t["level"], 3);
    assert_eq!(t["served_by"], json!([USERS_EP]));
    assert_eq!(
        t["consumers"][0],
        json!({"consumer": "mobile", "exchanges": 5})
    );
    assert_eq!(s.json["types"][1]["type"], "email");
}

#[tokio::test]
async fn incident_workflow_through_the_api() {
    let h = harness().await;
    seed::analytics(&h).await;
    assert_eq!(
        keys(&h.get("/admin/v1/incidents?status=open").await.json, "id"),
        ["inc-xss"]
    );
    assert_eq!(
        keys(
            &h.get("/admin/v1/incidents?severity=medium").await.json,
            "id"
        ),
        ["inc-old"]
    );
    let d = h.get("/admin/v1/incidents/inc-xss").await;
    assert_eq!(d.status, StatusCode::OK);
    assert_eq!(d.json["evidence"].as_array().map(Vec::len), Some(2));
    assert!(d.json["evidence"][0]["exchange"]["request"]["url"].is_string());

    let bad = h
        .call(
            Method::PATCH,
            "/admin/v1/incidents/inc-xss",
            Some(json!({"status": "done"})),
        )
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    let step = h
        .call(
            Method::PATCH,
            "/admin/v1/incidents/inc-xss",
            Some(json!({"status": "investigating", "assignee": "ana", "note": "looking"})),
        )
        .await;
    assert_eq!(step.status, StatusCode::OK, "{}", step.text);
    assert_eq!(step.json["status"], "investigating");
    assert_eq!(step.json["assignee"], "ana");
    assert_eq!(step.json["notes"][0]["author"], "admin");
    assert_eq!(step.json["notes"][0]["text"], "looking");
    let fp = h
        .call(
            Method::PATCH,
            "/admin/v1/incidents/inc-xss",
            Some(json!({"status": "false_positive", "assignee": ""})),
        )
        .await;
    assert_eq!(fp.json["status"], "false_positive");
    assert_eq!(
        fp.json["notes"].as_array().map(Vec::len),
        Some(1),
        "notes kept"
    );
    assert_eq!(
        h.call(
            Method::PATCH,
            "/admin/v1/incidents/missing",
            Some(json!({"status": "open"}))
        )
        .await
        .status,
        StatusCode::NOT_FOUND
    );
    let audit = h.get("/admin/v1/audit?limit=1").await;
    assert_eq!(audit.json["items"][0]["action"], "incident.update");
}

#[tokio::test]
async fn blocking_an_actor_reaches_the_data_plane() {
    let h = harness().await;
    seed::analytics(&h).await;
    let zero = h
        .post(
            "/admin/v1/incidents/inc-xss/block",
            json!({"target": "ip", "ttl_secs": 0}),
        )
        .await;
    assert_eq!(zero.status, StatusCode::BAD_REQUEST);
    let b = h
        .post(
            "/admin/v1/incidents/inc-xss/block",
            json!({"target": "ip", "ttl_secs": 600}),
        )
        .await;
    assert_eq!(b.status, StatusCode::CREATED, "{}", b.text);
    let pushed = h
        .control
        .deny
        .lock()
        .expect("lock")
        .last()
        .cloned()
        .expect("deny pushed");
    assert_eq!(pushed.len(), 1);
    assert_eq!(pushed[0].kind, DenyKind::Ip);
    assert_eq!(pushed[0].value, ATTACKER_IP);
    let exp = pushed[0].expires_at.expect("expiry");
    assert!(
        (now_secs() + 590..=now_secs() + 610).contains(&exp),
        "{exp}"
    );
    assert!(pushed[0].reason.contains("inc-xss"));
    let c = h
        .post(
            "/admin/v1/incidents/inc-xss/block",
            json!({"target": "consumer"}),
        )
        .await;
    assert_eq!(c.status, StatusCode::CREATED);
    let pushed = h
        .control
        .deny
        .lock()
        .expect("lock")
        .last()
        .cloned()
        .expect("deny pushed");
    assert!(pushed
        .iter()
        .any(|e| e.kind == DenyKind::Consumer && e.value == "mallory-app"));
    let inc = h.get("/admin/v1/incidents/inc-xss").await;
    assert!(inc.json["incident"]["notes"][0]["text"]
        .as_str()
        .unwrap_or("")
        .starts_with("blocked 203.0.113.9"));
    let actions = keys(&h.get("/admin/v1/audit?limit=3").await.json, "action");
    assert_eq!(actions, ["incident.block", "deny.add", "incident.block"]);
}

#[tokio::test]
async fn exceptions_are_added_listed_and_deleted() {
    let h = harness().await;
    seed::analytics(&h).await;
    let x = h
        .post(
            "/admin/v1/incidents/inc-xss/exception",
            json!({"reason": "scanner we run", "scope": "endpoint"}),
        )
        .await;
    assert_eq!(x.status, StatusCode::CREATED, "{}", x.text);
    assert_eq!(x.json["rule"], "attack.xss");
    assert_eq!(x.json["endpoint"], USERS_EP);
    assert_eq!(x.json["author"], "admin");
    let all = h
        .post(
            "/admin/v1/incidents/inc-old/exception",
            json!({"reason": "ok", "scope": "everywhere"}),
        )
        .await;
    assert_eq!(all.json["endpoint"], Value::Null);
    assert_eq!(
        h.post(
            "/admin/v1/incidents/inc-old/exception",
            json!({"reason": "ok", "scope": "galaxy"})
        )
        .await
        .status,
        StatusCode::BAD_REQUEST
    );
    let list = h.get("/admin/v1/exceptions").await;
    assert_eq!(list.json["items"].as_array().map(Vec::len), Some(2));
    let d = h.get("/admin/v1/incidents/inc-xss").await;
    assert_eq!(d.json["exceptions"].as_array().map(Vec::len), Some(1));
    let id = x.json["id"].as_i64().expect("id");
    assert_eq!(
        h.call(Method::DELETE, &format!("/admin/v1/exceptions/{id}"), None)
            .await
            .status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        h.get("/admin/v1/exceptions").await.json["items"]
            .as_array()
            .map(Vec::len),
        Some(1)
    );
}

#[tokio::test]
async fn exchanges_search_by_every_parameter() {
    let h = harness().await;
    seed::analytics(&h).await;
    let n = |a: &super::Answer| a.json["items"].as_array().map_or(0, Vec::len);
    assert_eq!(n(&h.get("/admin/v1/exchanges").await), 7);
    assert_eq!(
        n(&h.get(&format!("/admin/v1/exchanges?ip={ATTACKER_IP}"))
            .await),
        2
    );
    assert_eq!(n(&h.get("/admin/v1/exchanges?status=200").await), 5);
    assert_eq!(
        n(&h.get("/admin/v1/exchanges?consumer=mobile&limit=2").await),
        2
    );
    assert_eq!(n(&h.get("/admin/v1/exchanges?incident=inc-xss").await), 2);
    assert_eq!(
        n(
            &h.get(&format!("/admin/v1/exchanges?endpoint={}", enc(USERS_EP)))
                .await
        ),
        7
    );
    let since = crate::analytics::fmt_us((now_secs() - 200) * 1_000_000);
    assert_eq!(
        n(
            &h.get(&format!("/admin/v1/exchanges?since={}", enc(&since)))
                .await
        ),
        2
    );
    let until = now_secs() - 200;
    assert_eq!(
        n(&h.get(&format!("/admin/v1/exchanges?until={until}")).await),
        5
    );
    assert_eq!(
        h.get("/admin/v1/exchanges?status=ok").await.status,
        StatusCode::BAD_REQUEST
    );
    let first = h.get("/admin/v1/exchanges?limit=1").await;
    assert!(
        first.json["items"][0].get("exchange").is_none(),
        "lists stay small"
    );
    let id = first.json["items"][0]["id"].as_i64().expect("id");
    let one = h.get(&format!("/admin/v1/exchanges/{id}")).await;
    assert_eq!(one.json["id"], id);
    assert!(one.json["exchange"]["request"].is_object());
    let older = h.get(&format!("/admin/v1/exchanges?before_id={id}")).await;
    assert_eq!(n(&older), 6);
}

#[tokio::test]
async fn actor_overview_and_traffic() {
    let h = harness().await;
    seed::analytics(&h).await;
    let a = h.get(&format!("/admin/v1/actors/{ATTACKER_IP}")).await;
    assert_eq!(a.json["kind"], "ip");
    assert_eq!(a.json["summary"]["requests"], 2);
    assert_eq!(a.json["summary"]["statuses"], json!({"403": 2}));
    assert_eq!(a.json["incidents"].as_array().map(Vec::len), Some(2));
    let m = h.get("/admin/v1/actors/mobile").await;
    assert_eq!(m.json["summary"]["requests"], 5);

    let o = h.get("/admin/v1/overview").await;
    assert_eq!(o.status, StatusCode::OK);
    assert_eq!(o.json["traffic"].as_array().map(Vec::len), Some(2));
    assert_eq!(o.json["endpoints"]["total"], 3);
    assert_eq!(o.json["endpoints"]["by_level"], json!({"0": 2, "3": 1}));
    assert_eq!(o.json["endpoints"]["unauthenticated"], 2);
    assert_eq!(o.json["incidents"]["open"], 1);
    assert_eq!(o.json["incidents"]["open_by_severity"], json!({"high": 1}));
    assert_eq!(
        o.json["top_actors"]["by_requests"][0],
        json!({"actor": "mobile", "requests": 5})
    );
    assert_eq!(
        o.json["top_actors"]["by_incidents"][0],
        json!({"actor": "mallory-app", "incidents": 2})
    );
    assert_eq!(o.json["pipeline"]["seen"], 7);
    let minute = now_secs() / 60 * 60;
    let t = h
        .get(&format!("/admin/v1/traffic?since={}", minute - 90))
        .await;
    assert_eq!(t.json["items"].as_array().map(Vec::len), Some(1));
}

#[tokio::test]
async fn ingest_passes_json_lines_to_the_pipeline() {
    let h = harness().await;
    let lines = "{\"request\":{\"method\":\"GET\",\"url\":\"http://a/x\"}}\n{\"request\":{\"method\":\"GET\",\"url\":\"http://a/y\"}}\n";
    let a = h
        .raw(
            Method::POST,
            "/admin/v1/ingest",
            Body::from(lines),
            Some(TOKEN),
        )
        .await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.text);
    assert_eq!(a.json["accepted"], 2);
    assert_eq!(
        h.control.ingested.lock().expect("lock")[0],
        lines.as_bytes()
    );
    let bad = h
        .raw(
            Method::POST,
            "/admin/v1/ingest",
            Body::from("not json"),
            Some(TOKEN),
        )
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    // Bigger than the 1 MiB admin limit, within the 16 MiB ingest limit.
    let line = format!(
        "{{\"request\":{{\"method\":\"GET\",\"url\":\"http://a/{}\"}}}}\n",
        "x".repeat(1000)
    );
    let big = line.repeat(2 * 1024);
    let ok = h
        .raw(
            Method::POST,
            "/admin/v1/ingest",
            Body::from(big),
            Some(TOKEN),
        )
        .await;
    assert_eq!(ok.status, StatusCode::OK);
    assert_eq!(ok.json["accepted"], 2048);
    let too_big = h
        .raw(
            Method::POST,
            "/admin/v1/consumers",
            Body::from(vec![b' '; 2 * 1024 * 1024]),
            Some(TOKEN),
        )
        .await;
    assert_eq!(
        too_big.status,
        StatusCode::PAYLOAD_TOO_LARGE,
        "other routes keep 1 MiB"
    );
    assert_eq!(
        h.get("/admin/v1/audit?limit=1").await.json["items"][0]["action"],
        "ingest"
    );
}
