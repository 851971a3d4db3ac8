//! Prometheus metrics of the data plane.
//!
//! Written here rather than through the `metrics` facade: the facade's recorder is global to
//! the process, and tests run several gateways in one process, each of which must count only
//! its own traffic. Counters are atomics in fixed arrays per route, so recording is a few
//! relaxed increments and never allocates after a route's first request.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::Duration;

/// Upper bounds of the latency histogram, seconds.
pub const LATENCY_BUCKETS: [f64; 14] = [
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

/// Why a request was answered by the gateway itself; indexes [`RouteMetrics::refused`].
pub const REFUSALS: [&str; 9] = [
    "route",
    "auth",
    "forbidden",
    "deny",
    "rate_limit",
    "inspect",
    "upstream",
    "too_large",
    "timeout",
];

/// Counters of one route.
#[derive(Debug, Default)]
pub struct RouteMetrics {
    /// Responses by status class: 1xx..5xx at 1..=5, anything else at 0.
    pub status: [AtomicU64; 6],
    /// Latency histogram counts per bucket of [`LATENCY_BUCKETS`], plus +Inf last.
    pub latency: [AtomicU64; 15],
    /// Sum of latencies, microseconds.
    pub latency_sum_us: AtomicU64,
    /// Refusals by reason, indexed like [`REFUSALS`].
    pub refused: [AtomicU64; 9],
    /// Requests whose inspection found an attack (blocked or not).
    pub attacks: AtomicU64,
    /// Response values masked.
    pub masked_values: AtomicU64,
    /// Responses that passed unmasked because they were over the size cap.
    pub mask_skipped: AtomicU64,
}

impl RouteMetrics {
    /// Records one finished request.
    pub fn observe(&self, status: u16, elapsed: Duration) {
        let class = match status / 100 {
            c @ 1..=5 => c as usize,
            _ => 0,
        };
        self.status[class].fetch_add(1, Ordering::Relaxed);
        let secs = elapsed.as_secs_f64();
        let bucket = LATENCY_BUCKETS
            .iter()
            .position(|b| secs <= *b)
            .unwrap_or(LATENCY_BUCKETS.len());
        self.latency[bucket].fetch_add(1, Ordering::Relaxed);
        self.latency_sum_us
            .fetch_add(elapsed.as_micros() as u64, Ordering::Relaxed);
    }

    /// Records a refusal by reason name (unknown names are ignored).
    pub fn refuse(&self, reason: &str) {
        if let Some(i) = REFUSALS.iter().position(|r| *r == reason) {
            self.refused[i].fetch_add(1, Ordering::Relaxed);
        }
    }
}

/// Per-gateway registry.
#[derive(Debug, Default)]
pub struct Metrics {
    routes: RwLock<HashMap<Arc<str>, Arc<RouteMetrics>>>,
}

/// Route name used for requests no route matched.
pub const NO_ROUTE: &str = "-";

impl Metrics {
    /// The counters of `route`, created on first use.
    pub fn route(&self, route: &str) -> Arc<RouteMetrics> {
        if let Ok(map) = self.routes.read() {
            if let Some(m) = map.get(route) {
                return m.clone();
            }
        }
        let mut map = match self.routes.write() {
            Ok(m) => m,
            Err(poisoned) => poisoned.into_inner(),
        };
        map.entry(Arc::from(route)).or_default().clone()
    }

    /// Prometheus text exposition of the per-route counters.
    pub fn render_into(&self, out: &mut String) {
        let map = match self.routes.read() {
            Ok(m) => m,
            Err(poisoned) => poisoned.into_inner(),
        };
        let mut names: Vec<&Arc<str>> = map.keys().collect();
        names.sort();
        out.push_str(
            "# HELP lampyr_requests_total Requests answered, by route and status class.\n",
        );
        out.push_str("# TYPE lampyr_requests_total counter\n");
        for name in &names {
            let m = &map[*name];
            for (i, class) in ["other", "1xx", "2xx", "3xx", "4xx", "5xx"]
                .iter()
                .enumerate()
            {
                let v = m.status[i].load(Ordering::Relaxed);
                if v > 0 {
                    let _ = writeln!(
                        out,
                        "lampyr_requests_total{{route=\"{}\",status=\"{class}\"}} {v}",
                        escape(name)
                    );
                }
            }
        }
        out.push_str(
            "# HELP lampyr_request_duration_seconds Time from request head to response head.\n",
        );
        out.push_str("# TYPE lampyr_request_duration_seconds histogram\n");
        for name in &names {
            let m = &map[*name];
            let mut cumulative = 0;
            for (i, le) in LATENCY_BUCKETS.iter().enumerate() {
                cumulative += m.latency[i].load(Ordering::Relaxed);
                let _ = writeln!(
                    out,
                    "lampyr_request_duration_seconds_bucket{{route=\"{}\",le=\"{le}\"}} {cumulative}",
                    escape(name)
                );
            }
            cumulative += m.latency[LATENCY_BUCKETS.len()].load(Ordering::Relaxed);
            let _ = writeln!(
                out,
                "lampyr_request_duration_seconds_bucket{{route=\"{}\",le=\"+Inf\"}} {cumulative}",
                escape(name)
            );
            let sum = m.latency_sum_us.load(Ordering::Relaxed) as f64 / 1e6;
            let _ = writeln!(
                out,
                "lampyr_request_duration_seconds_sum{{route=\"{}\"}} {sum}",
                escape(name)
            );
            let _ = writeln!(
                out,
                "lampyr_request_duration_seconds_count{{route=\"{}\"}} {cumulative}",
                escape(name)
            );
        }
        out.push_str(
            "# HELP lampyr_refused_total Requests the gateway answered itself, by reason.\n",
        );
        out.push_str("# TYPE lampyr_refused_total counter\n");
        for name in &names {
            let m = &map[*name];
            for (i, reason) in REFUSALS.iter().enumerate() {
                let v = m.refused[i].load(Ordering::Relaxed);
                if v > 0 {
                    let _ = writeln!(
                        out,
                        "lampyr_refused_total{{route=\"{}\",reason=\"{reason}\"}} {v}",
                        escape(name)
                    );
                }
            }
        }
        for (metric, help, get) in [
            (
                "lampyr_attacks_total",
                "Requests whose inspection found an attack.",
                (|m: &RouteMetrics| m.attacks.load(Ordering::Relaxed)) as fn(&RouteMetrics) -> u64,
            ),
            (
                "lampyr_masked_values_total",
                "Response values masked.",
                |m: &RouteMetrics| m.masked_values.load(Ordering::Relaxed),
            ),
            (
                "lampyr_mask_skipped_total",
                "Responses passed unmasked because they exceeded the masking size cap.",
                |m: &RouteMetrics| m.mask_skipped.load(Ordering::Relaxed),
            ),
        ] {
            let _ = writeln!(out, "# HELP {metric} {help}\n# TYPE {metric} counter");
            for name in &names {
                let _ = writeln!(
                    out,
                    "{metric}{{route=\"{}\"}} {}",
                    escape(name),
                    get(&map[*name])
                );
            }
        }
    }
}

/// Escapes a Prometheus label value.
pub fn escape(v: &str) -> String {
    v.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn observations_land_in_cumulative_buckets_and_classes() {
        let m = Metrics::default();
        let r = m.route("users");
        r.observe(200, Duration::from_micros(300));
        r.observe(503, Duration::from_millis(30));
        r.refuse("rate_limit");
        r.refuse("no-such-reason");
        let mut out = String::new();
        m.render_into(&mut out);
        assert!(out.contains("lampyr_requests_total{route=\"users\",status=\"2xx\"} 1"));
        assert!(out.contains("lampyr_requests_total{route=\"users\",status=\"5xx\"} 1"));
        assert!(
            out.contains("lampyr_request_duration_seconds_bucket{route=\"users\",le=\"0.0005\"} 1")
        );
        assert!(
            out.contains("lampyr_request_duration_seconds_bucket{route=\"users\",le=\"0.05\"} 2")
        );
        assert!(out.contains("lampyr_request_duration_seconds_count{route=\"users\"} 2"));
        assert!(out.contains("lampyr_refused_total{route=\"users\",reason=\"rate_limit\"} 1"));
        assert!(!out.contains("no-such-reason"));
    }

    #[test]
    fn label_values_are_escaped() {
        assert_eq!(escape("a\"b\\c\nd"), "a\\\"b\\\\c\\nd");
    }
}
