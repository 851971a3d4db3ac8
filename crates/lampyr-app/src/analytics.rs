//! The streaming analytics of `lampyr serve`: the gateway mirror and ingested exchanges go
//! through one [`LivePipeline`] on its own thread; what it finds is written to the store by a
//! task on the main runtime.
//!
//! ```text
//! gateway mirror (bounded; full → dropped and counted) ─┐
//! POST /admin/v1/ingest (bounded; full → the caller waits) ┴→ pipeline thread ─ batch/flush ─→ store writer
//! ```
//!
//! Load is shed only at the mirror, where the gateway counts it (`shed` in the status and in
//! the per-minute traffic); the pipeline never drops an exchange it has taken, and waits for
//! the store writer rather than queueing batches without bound. Shutdown drains both queues,
//! flushes once more and waits for the writer.

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use lampyr_analytics::incident::Incident;
use lampyr_analytics::live::{masked_exchange, Exception, LivePipeline};
use lampyr_analytics::{AnalyzeConfig, EndpointReport};
use lampyr_core::Exchange;
use lampyr_discovery::Inventory;
use lampyr_gateway::Gateway;
use lampyr_store::{EndpointRow, ExchangeRow, IncidentRow, Retention, Store, TrafficMinute};
use tokio::sync::{mpsc, oneshot, watch};

/// Settings of the streaming analytics (`serve.analytics` in the config).
#[derive(Debug, Clone)]
pub struct AnalyticsSettings {
    /// Off: mirrored exchanges are not analysed (the mirror file, if any, still gets them).
    pub enabled: bool,
    /// Detection, classification and discovery settings (the same as `lampyr analyze`).
    pub analyze: AnalyzeConfig,
    /// Ordinary exchanges kept as samples per second; attack and incident evidence is kept
    /// at up to ten times this.
    pub sample_per_sec: u32,
    /// Bounds on stored samples.
    pub retention: Retention,
    /// How often discovery is templated and results are written.
    pub flush: Duration,
    /// Exchanges waiting for the pipeline from the ingest endpoint.
    pub ingest_queue: usize,
}

impl Default for AnalyticsSettings {
    fn default() -> Self {
        Self {
            enabled: true,
            analyze: AnalyzeConfig::default(),
            sample_per_sec: 50,
            retention: Retention {
                max_age_secs: 7 * 24 * 3600,
                max_bytes: 256 * 1024 * 1024,
            },
            flush: Duration::from_secs(2),
            ingest_queue: 4096,
        }
    }
}

/// Live counters, shown by `GET /admin/v1/overview` and the console.
#[derive(Debug, Default)]
pub(crate) struct Status {
    exchanges: AtomicU64,
    attacks: AtomicU64,
    incidents: AtomicU64,
    excepted: AtomicU64,
    endpoints: AtomicU64,
    queue: AtomicU64,
    ingest_accepted: AtomicU64,
    ingest_rejected: AtomicU64,
    samples_stored: AtomicU64,
    samples_skipped: AtomicU64,
    store_errors: AtomicU64,
    flushes: AtomicU64,
    last_flush: AtomicU64,
    pruned: AtomicU64,
}

/// What the admin side holds of the running analytics.
#[derive(Clone)]
pub struct AnalyticsHandle {
    ingest: Option<mpsc::Sender<Exchange>>,
    inventory: Arc<Mutex<Arc<Inventory>>>,
    status: Arc<Status>,
    gateway: Gateway,
}

impl AnalyticsHandle {
    /// Pipeline state as JSON.
    pub fn status(&self) -> serde_json::Value {
        let s = &self.status;
        let g = |a: &AtomicU64| a.load(Ordering::Relaxed);
        let mirror = self.gateway.mirror().stats();
        serde_json::json!({
            "enabled": self.ingest.is_some(),
            "exchanges": g(&s.exchanges),
            "attacks": g(&s.attacks),
            "incidents": g(&s.incidents),
            "excepted": g(&s.excepted),
            "endpoints": g(&s.endpoints),
            "queue": g(&s.queue),
            "mirror_sent": mirror.sent,
            "shed": mirror.dropped,
            "ingest_accepted": g(&s.ingest_accepted),
            "ingest_rejected": g(&s.ingest_rejected),
            "samples_stored": g(&s.samples_stored),
            "samples_skipped": g(&s.samples_skipped),
            "samples_pruned": g(&s.pruned),
            "store_errors": g(&s.store_errors),
            "flushes": g(&s.flushes),
            "last_flush": g(&s.last_flush),
        })
    }

    /// The discovered inventory (as of the pipeline's last refresh) as OpenAPI 3.1.
    pub fn openapi(&self) -> serde_json::Value {
        let inv = self.inventory.lock().map(|g| g.clone()).unwrap_or_default();
        lampyr_discovery::openapi::export(&inv)
    }

    /// Feeds Exchange JSON Lines v1 to the pipeline. Waits while the pipeline's queue is full,
    /// so nothing accepted is dropped.
    pub async fn ingest_jsonl(&self, body: bytes::Bytes) -> Result<serde_json::Value, String> {
        let Some(tx) = self.ingest.clone() else {
            return Err("analytics is disabled (serve.analytics.enabled: false)".into());
        };
        // Parse on the blocking pool: a 16 MiB body is real work.
        let parsed = tokio::task::spawn_blocking(move || parse_jsonl(&body))
            .await
            .map_err(|e| format!("parsing failed: {e}"))?;
        let (exchanges, errors, rejected) = parsed?;
        let mut accepted = 0u64;
        for ex in exchanges {
            if tx.send(ex).await.is_err() {
                return Err(format!(
                    "analytics is shutting down; {accepted} exchange(s) were accepted before it stopped"
                ));
            }
            accepted += 1;
        }
        self.status
            .ingest_accepted
            .fetch_add(accepted, Ordering::Relaxed);
        self.status
            .ingest_rejected
            .fetch_add(rejected, Ordering::Relaxed);
        Ok(serde_json::json!({
            "accepted": accepted,
            "rejected": rejected,
            "errors": errors,
        }))
    }
}

/// Most parse errors listed in an ingest answer (all are counted).
const MAX_LISTED_ERRORS: usize = 20;

type Parsed = (Vec<Exchange>, Vec<String>, u64);

fn parse_jsonl(body: &[u8]) -> Result<Parsed, String> {
    let mut exchanges = Vec::new();
    let mut errors = Vec::new();
    let mut rejected = 0u64;
    let opts = lampyr_ingest::ReadOptions::default();
    lampyr_ingest::read(body, lampyr_ingest::Format::Jsonl, &opts, |item| {
        match item {
            lampyr_ingest::Item::Exchange(ex) => exchanges.push(*ex),
            lampyr_ingest::Item::Skipped(e) => {
                rejected += 1;
                if errors.len() < MAX_LISTED_ERRORS {
                    errors.push(e.to_string());
                }
            }
        }
        std::ops::ControlFlow::Continue(())
    })
    .map_err(|e| format!("body is not Exchange JSON Lines v1: {e}"))?;
    Ok((exchanges, errors, rejected))
}

/// The running analytics: handle for the admin side, and what shutdown waits for.
pub(crate) struct Running {
    pub handle: AnalyticsHandle,
    pub done: Option<oneshot::Receiver<()>>,
    pub writer: Option<tokio::task::JoinHandle<()>>,
}

/// Starts the pipeline thread and the store writer. `mirror` is the gateway's receiver
/// (`None` when the gateway does not mirror); `drain` tells both to finish.
pub(crate) async fn start(
    settings: AnalyticsSettings,
    gateway: Gateway,
    mirror: Option<mpsc::Receiver<Exchange>>,
    store: Arc<dyn Store>,
    drain: watch::Receiver<bool>,
) -> Result<Running, String> {
    let status = Arc::new(Status::default());
    if !settings.enabled {
        return Ok(Running {
            handle: AnalyticsHandle {
                ingest: None,
                inventory: Arc::default(),
                status,
                gateway,
            },
            done: None,
            writer: None,
        });
    }
    let pipeline = LivePipeline::new(settings.analyze.clone()).map_err(|e| e.to_string())?;
    let base: HashMap<String, EndpointRow> = store
        .list_endpoints()
        .await
        .map_err(|e| format!("reading the stored inventory: {e}"))?
        .into_iter()
        .map(|r| (r.key.clone(), r))
        .collect();
    status.endpoints.store(base.len() as u64, Ordering::Relaxed);
    let exceptions = load_exceptions(store.as_ref()).await;
    let (exc_tx, exc_rx) = watch::channel(exceptions);
    let (ingest_tx, ingest_rx) = mpsc::channel(settings.ingest_queue.max(1));
    let inventory: Arc<Mutex<Arc<Inventory>>> = Arc::default();
    let (batch_tx, batch_rx) = mpsc::channel::<Batch>(2);
    let (done_tx, done_rx) = oneshot::channel();

    let writer = tokio::spawn(write_batches(
        batch_rx,
        store,
        base,
        settings.retention,
        exc_tx,
        status.clone(),
        gateway.clone(),
    ));
    let thread_status = status.clone();
    let thread_inventory = inventory.clone();
    let thread_settings = settings.clone();
    std::thread::Builder::new()
        .name("lampyr-analytics".into())
        .spawn(move || {
            let rt = match tokio::runtime::Builder::new_current_thread()
                .enable_time()
                .build()
            {
                Ok(rt) => rt,
                Err(e) => {
                    tracing::error!(error = %e, "analytics runtime failed to start");
                    return;
                }
            };
            rt.block_on(run_pipeline(
                pipeline,
                Inputs {
                    mirror,
                    ingest: ingest_rx,
                    inventory: thread_inventory,
                    exceptions: exc_rx,
                    drain,
                },
                batch_tx,
                thread_settings,
                thread_status,
            ));
            let _ = done_tx.send(());
        })
        .map_err(|e| format!("starting the analytics thread: {e}"))?;
    Ok(Running {
        handle: AnalyticsHandle {
            ingest: Some(ingest_tx),
            inventory,
            status,
            gateway,
        },
        done: Some(done_rx),
        writer: Some(writer),
    })
}

struct Inputs {
    mirror: Option<mpsc::Receiver<Exchange>>,
    ingest: mpsc::Receiver<Exchange>,
    inventory: Arc<Mutex<Arc<Inventory>>>,
    exceptions: watch::Receiver<Vec<Exception>>,
    drain: watch::Receiver<bool>,
}

/// What one flush writes.
#[derive(Default)]
struct Batch {
    endpoints: Vec<EndpointReport>,
    incidents: Vec<Incident>,
    samples: Vec<ExchangeRow>,
    traffic: BTreeMap<i64, TrafficMinute>,
}

/// Exchanges taken from a queue at a time.
const RECV_BATCH: usize = 256;

async fn run_pipeline(
    mut pipe: LivePipeline,
    mut inputs: Inputs,
    out: mpsc::Sender<Batch>,
    settings: AnalyticsSettings,
    status: Arc<Status>,
) {
    let mut tick = tokio::time::interval(settings.flush);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let flush_secs = settings.flush.as_secs_f64().max(0.1);
    let normal_budget = (f64::from(settings.sample_per_sec) * flush_secs).ceil() as u32;
    let evidence_budget = normal_budget.saturating_mul(10).max(100);
    let mut budgets = (normal_budget, evidence_budget);
    let mut batch = Batch::default();
    let mut from_mirror: Vec<Exchange> = Vec::with_capacity(RECV_BATCH);
    let mut from_ingest: Vec<Exchange> = Vec::with_capacity(RECV_BATCH);
    let mut mirror_open = inputs.mirror.is_some();
    let mut ingest_open = true;
    let mut draining = false;
    pipe.set_exceptions(inputs.exceptions.borrow_and_update().clone());
    loop {
        if draining && !mirror_open && !ingest_open {
            break;
        }
        tokio::select! {
            n = recv_opt(&mut inputs.mirror, &mut from_mirror), if mirror_open => {
                if n == 0 {
                    mirror_open = false;
                }
            }
            n = inputs.ingest.recv_many(&mut from_ingest, RECV_BATCH), if ingest_open => {
                if n == 0 {
                    ingest_open = false;
                }
            }
            _ = tick.tick() => {
                flush(&mut pipe, &mut batch, &out, &status).await;
                if let Ok(mut inv) = inputs.inventory.lock() {
                    *inv = pipe.inventory();
                }
                budgets = (normal_budget, evidence_budget);
                if inputs.exceptions.has_changed().unwrap_or(false) {
                    pipe.set_exceptions(inputs.exceptions.borrow_and_update().clone());
                }
                let q = inputs.mirror.as_ref().map_or(0, |m| m.len()) + inputs.ingest.len();
                status.queue.store(q as u64, Ordering::Relaxed);
                continue;
            }
            _ = inputs.drain.changed(), if !draining => {
                draining = true;
                if let Some(m) = inputs.mirror.as_mut() {
                    m.close();
                }
                inputs.ingest.close();
                continue;
            }
        }
        for ex in from_mirror.drain(..).chain(from_ingest.drain(..)) {
            observe(&mut pipe, &ex, &mut batch, &mut budgets, &status);
        }
    }
    flush(&mut pipe, &mut batch, &out, &status).await;
}

async fn recv_opt(rx: &mut Option<mpsc::Receiver<Exchange>>, buf: &mut Vec<Exchange>) -> usize {
    match rx {
        Some(rx) => rx.recv_many(buf, RECV_BATCH).await,
        None => std::future::pending().await,
    }
}

fn observe(
    pipe: &mut LivePipeline,
    ex: &Exchange,
    batch: &mut Batch,
    budgets: &mut (u32, u32),
    status: &Status,
) {
    let obs = pipe.observe(ex);
    status.exchanges.fetch_add(1, Ordering::Relaxed);
    let now_s = unix_now();
    let time_s = ex
        .timing
        .started_us
        .map_or(now_s, |us| us.div_euclid(1_000_000));
    let minute = time_s - time_s.rem_euclid(60);
    let t = batch.traffic.entry(minute).or_insert(TrafficMinute {
        minute,
        ..TrafficMinute::default()
    });
    t.requests += 1;
    let status_code = ex.response.as_ref().map_or(0, |r| r.status);
    if status_code == 0 || status_code >= 400 {
        t.errors += 1;
    }
    if matches!(status_code, 401 | 403 | 429) {
        t.blocked += 1;
    }
    if obs.attack {
        t.attacks += 1;
    }
    let evidence = obs.attack || !obs.incidents.is_empty();
    let budget = if evidence {
        &mut budgets.1
    } else {
        &mut budgets.0
    };
    if *budget == 0 {
        status.samples_skipped.fetch_add(1, Ordering::Relaxed);
        return;
    }
    *budget -= 1;
    let masked = masked_exchange(pipe.classifier(), ex);
    let exchange =
        serde_json::from_str(&lampyr_ingest::to_line(&masked)).unwrap_or(serde_json::Value::Null);
    let id = ex.identity.as_ref();
    batch.samples.push(ExchangeRow {
        id: 0,
        time_us: ex.timing.started_us.unwrap_or(now_s * 1_000_000),
        ip: ex.client.map(|a| a.ip().to_string()),
        consumer: id.and_then(|i| i.consumer.clone()),
        user: id.and_then(|i| i.user.clone()),
        method: ex.request.method.to_ascii_uppercase(),
        host: ex.request.host.to_ascii_lowercase(),
        path: ex.request.path.clone(),
        endpoint: obs.endpoint,
        status: status_code,
        incidents: obs.incidents,
        exchange,
    });
}

async fn flush(
    pipe: &mut LivePipeline,
    batch: &mut Batch,
    out: &mpsc::Sender<Batch>,
    status: &Status,
) {
    let refresh = pipe.refresh(unix_now() * 1_000_000);
    let stats = pipe.stats();
    status.attacks.store(stats.attacks, Ordering::Relaxed);
    status.incidents.store(stats.incidents, Ordering::Relaxed);
    status.excepted.store(stats.excepted, Ordering::Relaxed);
    let mut full = std::mem::take(batch);
    full.endpoints = refresh.endpoints;
    full.incidents = refresh.incidents;
    // Waits while the writer is busy: the pipeline slows, the mirror queue fills, and the
    // gateway sheds (and counts) rather than anything queueing without bound.
    let _ = out.send(full).await;
}

async fn write_batches(
    mut rx: mpsc::Receiver<Batch>,
    store: Arc<dyn Store>,
    base: HashMap<String, EndpointRow>,
    retention: Retention,
    exceptions: watch::Sender<Vec<Exception>>,
    status: Arc<Status>,
    gateway: Gateway,
) {
    let mut last_prune = 0i64;
    let mut last_exceptions = unix_now();
    let mut shed_seen = gateway.mirror().stats().dropped;
    // Hits of each endpoint as last written: unchanged endpoints are not rewritten.
    let mut written: HashMap<String, u64> = HashMap::new();
    while let Some(mut batch) = rx.recv().await {
        let now = unix_now();
        let shed = gateway.mirror().stats().dropped;
        if shed > shed_seen {
            let minute = now - now.rem_euclid(60);
            batch
                .traffic
                .entry(minute)
                .or_insert(TrafficMinute {
                    minute,
                    ..TrafficMinute::default()
                })
                .shed += shed - shed_seen;
            shed_seen = shed;
        }
        let endpoints: Vec<EndpointRow> = batch
            .endpoints
            .iter()
            .filter(|e| written.get(&e.id) != Some(&e.hits))
            .map(|e| merged_row(e, base.get(&e.id)))
            .collect();
        let changed: Vec<(String, u64)> = batch
            .endpoints
            .iter()
            .filter(|e| written.get(&e.id) != Some(&e.hits))
            .map(|e| (e.id.clone(), e.hits))
            .collect();
        let live: std::collections::HashSet<&str> =
            batch.endpoints.iter().map(|e| e.id.as_str()).collect();
        let endpoint_count =
            base.keys().filter(|k| !live.contains(k.as_str())).count() + live.len();
        status
            .endpoints
            .store(endpoint_count as u64, Ordering::Relaxed);
        let incidents: Vec<IncidentRow> = batch.incidents.iter().map(incident_row).collect();
        let samples = batch.samples.len() as u64;
        let traffic: Vec<TrafficMinute> = batch.traffic.into_values().collect();
        let endpoints_written = store.upsert_endpoints(endpoints).await;
        if endpoints_written.is_ok() {
            written.extend(changed);
        }
        let results = [
            endpoints_written,
            store.upsert_incidents(incidents).await,
            store.insert_exchanges(batch.samples).await,
            store.add_traffic(traffic).await,
        ];
        for r in results {
            if let Err(e) = r {
                status.store_errors.fetch_add(1, Ordering::Relaxed);
                tracing::warn!(error = %e, "analytics: writing to the store failed");
            }
        }
        status.samples_stored.fetch_add(samples, Ordering::Relaxed);
        status.flushes.fetch_add(1, Ordering::Relaxed);
        status.last_flush.store(now as u64, Ordering::Relaxed);
        if now - last_prune >= 60 {
            last_prune = now;
            match store.prune(retention, now).await {
                Ok(p) => {
                    status
                        .pruned
                        .fetch_add(p.by_age + p.by_size, Ordering::Relaxed);
                }
                Err(e) => tracing::warn!(error = %e, "analytics: pruning samples failed"),
            }
        }
        if now - last_exceptions >= 5 {
            last_exceptions = now;
            let list = load_exceptions(store.as_ref()).await;
            exceptions.send_if_modified(|cur| {
                if *cur == list {
                    false
                } else {
                    *cur = list;
                    true
                }
            });
        }
    }
}

async fn load_exceptions(store: &dyn Store) -> Vec<Exception> {
    match store.list_exceptions().await {
        Ok(rows) => rows
            .into_iter()
            .map(|r| Exception {
                rule: r.rule,
                endpoint: r.endpoint,
                actor: r.actor,
            })
            .collect(),
        Err(e) => {
            tracing::warn!(error = %e, "analytics: reading exceptions failed");
            Vec::new()
        }
    }
}

/// The stored row of an endpoint: this run's view added to what earlier runs stored.
fn merged_row(e: &EndpointReport, base: Option<&EndpointRow>) -> EndpointRow {
    let first = e.first_seen.as_deref().and_then(parse_us).unwrap_or(0);
    let last = e.last_seen.as_deref().and_then(parse_us).unwrap_or(0);
    let level = e.sensitivity.as_ref().map_or(0, |s| s.level);
    let mut row = EndpointRow {
        key: e.id.clone(),
        method: e.method.clone(),
        host: e.host.clone(),
        template: e.path.clone(),
        hits: e.hits,
        first_seen_us: first,
        last_seen_us: last,
        level,
        auth: e.auth.join(","),
        report: serde_json::to_value(e).unwrap_or(serde_json::Value::Null),
    };
    if let Some(b) = base {
        row.hits += b.hits;
        if b.first_seen_us != 0 && (row.first_seen_us == 0 || b.first_seen_us < row.first_seen_us) {
            row.first_seen_us = b.first_seen_us;
        }
        row.last_seen_us = row.last_seen_us.max(b.last_seen_us);
        row.level = row.level.max(b.level);
    }
    row
}

fn incident_row(i: &Incident) -> IncidentRow {
    IncidentRow {
        id: i.id.clone(),
        category: i.category.clone(),
        severity: i.severity.as_str().to_string(),
        title: i.title.clone(),
        endpoint: i.endpoint.clone(),
        actor_ip: i.actor.ip.clone(),
        actor_consumer: i.actor.consumer.clone(),
        actor_user: i.actor.user.clone(),
        first_us: i.first_us,
        last_us: i.last_us,
        hits: i.count,
        detail: serde_json::to_value(i).unwrap_or(serde_json::Value::Null),
        status: "open".into(),
        assignee: None,
        notes: Vec::new(),
    }
}

fn parse_us(s: &str) -> Option<i64> {
    let t = time::OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339).ok()?;
    i64::try_from(t.unix_timestamp_nanos() / 1000).ok()
}

fn unix_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}
