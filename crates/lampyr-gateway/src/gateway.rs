//! The gateway handle: the current snapshot plus the state that outlives snapshots.

use std::sync::Arc;

use arc_swap::ArcSwap;
use lampyr_core::Exchange;
use lampyr_spec::GatewaySpec;
use tokio::sync::mpsc;

use crate::access_log::AccessLog;
use crate::auth::Secrets;
use crate::filters::denylist::DenyList;
use crate::metrics::Metrics;
use crate::mirror::Mirror;
use crate::snapshot::Snapshot;
use crate::GatewayError;

/// Most deny-list entries held at once.
pub const MAX_DENY_ENTRIES: usize = 100_000;

/// A cheap, cloneable handle to one running gateway.
#[derive(Clone, Debug)]
pub struct Gateway {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    snapshot: ArcSwap<Snapshot>,
    /// Serialises `apply` so two reloads cannot both build from the same previous snapshot.
    apply_lock: std::sync::Mutex<()>,
    secrets: Secrets,
    deny: DenyList,
    mirror: Mirror,
    metrics: Metrics,
    access_log: AccessLog,
}

impl Gateway {
    /// Builds the first snapshot. Returns the mirror's receiving end (when mirroring is on),
    /// which the caller hands to analytics. Must be called inside a tokio runtime (health
    /// probes start here).
    pub fn new(
        spec: GatewaySpec,
        secrets: Secrets,
    ) -> Result<(Gateway, Option<mpsc::Receiver<Exchange>>), GatewayError> {
        let (mirror, rx) = Mirror::new(&spec.mirror);
        let access_log = AccessLog::open(&spec.access_log.target)?;
        let snapshot = Snapshot::build(spec, &secrets, None)?;
        for u in snapshot.upstreams.values() {
            u.start_health();
        }
        let gateway = Gateway {
            inner: Arc::new(Inner {
                snapshot: ArcSwap::from_pointee(snapshot),
                apply_lock: std::sync::Mutex::new(()),
                secrets,
                deny: DenyList::new(MAX_DENY_ENTRIES),
                mirror,
                metrics: Metrics::default(),
                access_log,
            }),
        };
        Ok((gateway, rx))
    }

    /// The configuration in force. A request holds the `Arc` it got for its whole life.
    pub fn snapshot(&self) -> Arc<Snapshot> {
        self.inner.snapshot.load_full()
    }

    /// Validates and swaps in a new configuration without touching open connections.
    /// Listeners, mirror and access-log settings are fixed at start and ignored here.
    pub fn apply(&self, spec: GatewaySpec) -> Result<u64, GatewayError> {
        let _guard = match self.inner.apply_lock.lock() {
            Ok(g) => g,
            Err(poisoned) => poisoned.into_inner(),
        };
        let prev = self.snapshot();
        let next = Snapshot::build(spec, &self.inner.secrets, Some(&prev))?;
        for u in next.upstreams.values() {
            u.start_health();
        }
        for (name, old) in &prev.upstreams {
            let reused = next
                .upstreams
                .get(name)
                .is_some_and(|n| Arc::ptr_eq(n, old));
            if !reused {
                old.shutdown();
            }
        }
        let version = next.version;
        self.inner.snapshot.store(Arc::new(next));
        Ok(version)
    }

    /// Server secrets (API-key pepper, master key).
    pub fn secrets(&self) -> &Secrets {
        &self.inner.secrets
    }

    /// The dynamic deny list.
    pub fn deny(&self) -> &DenyList {
        &self.inner.deny
    }

    /// The mirror to analytics.
    pub fn mirror(&self) -> &Mirror {
        &self.inner.mirror
    }

    /// Per-route counters.
    pub fn metrics(&self) -> &Metrics {
        &self.inner.metrics
    }

    /// The access log.
    pub fn access_log(&self) -> &AccessLog {
        &self.inner.access_log
    }

    /// Prometheus text for `/metrics`: routes, upstream health, mirror and log drops.
    pub fn render_metrics(&self) -> String {
        use std::fmt::Write as _;
        let mut out = String::with_capacity(4096);
        self.inner.metrics.render_into(&mut out);
        let snap = self.snapshot();
        out.push_str("# HELP lampyr_upstream_target_healthy 1 when a target receives traffic.\n");
        out.push_str("# TYPE lampyr_upstream_target_healthy gauge\n");
        let mut names: Vec<&String> = snap.upstreams.keys().collect();
        names.sort();
        for name in names {
            for t in snap.upstreams[name].health() {
                let up = t.healthy && t.ejected_until.is_none();
                let _ = writeln!(
                    out,
                    "lampyr_upstream_target_healthy{{upstream=\"{}\",target=\"{}\"}} {}",
                    crate::metrics::escape(name),
                    crate::metrics::escape(&t.address),
                    u8::from(up)
                );
            }
        }
        let m = self.inner.mirror.stats();
        let _ = writeln!(
            out,
            "# HELP lampyr_mirror_sent_total Exchanges handed to analytics.\n# TYPE lampyr_mirror_sent_total counter\nlampyr_mirror_sent_total {}",
            m.sent
        );
        let _ = writeln!(
            out,
            "# HELP lampyr_mirror_dropped_total Exchanges dropped because analytics was behind.\n# TYPE lampyr_mirror_dropped_total counter\nlampyr_mirror_dropped_total {}",
            m.dropped
        );
        let _ = writeln!(
            out,
            "# HELP lampyr_access_log_dropped_total Access-log lines dropped because the writer was behind.\n# TYPE lampyr_access_log_dropped_total counter\nlampyr_access_log_dropped_total {}",
            self.inner.access_log.dropped()
        );
        let _ = writeln!(
            out,
            "# HELP lampyr_config_version Version of the configuration in force.\n# TYPE lampyr_config_version gauge\nlampyr_config_version {}",
            snap.version
        );
        out
    }
}
