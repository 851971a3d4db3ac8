//! Mergeable per-endpoint statistics.
//!
//! Every structure here merges commutatively and associatively, so the inventory does not
//! depend on the order traffic arrives in: capped sets keep the *smallest* members (not the
//! first seen), and latencies go into fixed log-scale buckets.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

/// Exchange references kept per endpoint for investigation.
pub const MAX_SAMPLES: usize = 16;
/// Distinct hosts kept per endpoint.
pub const MAX_HOSTS: usize = 16;

/// Reference to an input exchange: (input number, zero-based entry index).
pub type ExchangeRef = (u32, u64);

/// Latency histogram with 1/8-octave log buckets from 1 µs to ~1 hour.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Latency {
    buckets: BTreeMap<u16, u64>,
    count: u64,
}

impl Latency {
    fn bucket(ms: f64) -> u16 {
        let us = (ms * 1000.0).max(1.0);
        (us.log2() * 8.0).clamp(0.0, 400.0) as u16
    }

    fn value(bucket: u16) -> f64 {
        // Upper edge of the bucket, in ms.
        2f64.powf((bucket as f64 + 1.0) / 8.0) / 1000.0
    }

    /// Records one duration in milliseconds; negative or NaN values are ignored.
    pub fn record(&mut self, ms: f64) {
        if ms.is_finite() && ms >= 0.0 {
            *self.buckets.entry(Self::bucket(ms)).or_default() += 1;
            self.count += 1;
        }
    }

    /// Adds another histogram.
    pub fn merge(&mut self, other: &Latency) {
        for (b, n) in &other.buckets {
            *self.buckets.entry(*b).or_default() += n;
        }
        self.count += other.count;
    }

    /// The `q` quantile (0..=1) in ms, within one bucket (~9 %) of the truth.
    pub fn quantile(&self, q: f64) -> Option<f64> {
        if self.count == 0 {
            return None;
        }
        let rank = ((q.clamp(0.0, 1.0) * self.count as f64).ceil() as u64).max(1);
        let mut seen = 0;
        for (b, n) in &self.buckets {
            seen += n;
            if seen >= rank {
                return Some((Self::value(*b) * 1000.0).round() / 1000.0);
            }
        }
        None
    }

    /// Number of recorded durations.
    pub fn count(&self) -> u64 {
        self.count
    }
}

/// Adds `item` to a set that keeps only its `cap` smallest members.
pub(crate) fn insert_capped<T: Ord>(set: &mut BTreeSet<T>, item: T, cap: usize) {
    if set.len() < cap {
        set.insert(item);
    } else if let Some(last) = set.last() {
        if &item < last && !set.contains(&item) {
            set.pop_last();
            set.insert(item);
        }
    }
}

/// Merges `other` into `set`, keeping the `cap` smallest members.
pub(crate) fn merge_capped<T: Ord + Clone>(set: &mut BTreeSet<T>, other: &BTreeSet<T>, cap: usize) {
    for item in other {
        insert_capped(set, item.clone(), cap);
    }
}

/// Traffic statistics of one endpoint.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TrafficStats {
    /// Exchanges seen.
    pub hits: u64,
    /// Exchanges whose response was not 404/405/501 (or had none): evidence the path exists.
    pub routed_hits: u64,
    /// Earliest start time seen (µs since epoch).
    pub first_seen_us: Option<i64>,
    /// Latest start time seen (µs since epoch).
    pub last_seen_us: Option<i64>,
    /// Responses per status code; 0 counts exchanges without a response.
    pub status: BTreeMap<u16, u64>,
    /// Durations.
    pub latency: Latency,
    /// Hosts (smallest names kept when there are many).
    pub hosts: BTreeSet<String>,
    /// Earliest exchanges by input position.
    pub samples: BTreeSet<ExchangeRef>,
}

impl TrafficStats {
    /// Records one exchange.
    pub fn observe(&mut self, ex: &lampyr_core::Exchange) {
        self.hits += 1;
        let status = ex.response.as_ref().map_or(0, |r| r.status);
        if !matches!(status, 404 | 405 | 501) {
            self.routed_hits += 1;
        }
        *self.status.entry(status).or_default() += 1;
        if let Some(t) = ex.timing.started_us {
            self.first_seen_us = Some(self.first_seen_us.map_or(t, |f| f.min(t)));
            self.last_seen_us = Some(self.last_seen_us.map_or(t, |l| l.max(t)));
        }
        if let Some(ms) = ex.timing.duration_ms {
            self.latency.record(ms);
        }
        if !ex.request.host.is_empty() && !self.hosts.contains(&ex.request.host) {
            insert_capped(&mut self.hosts, ex.request.host.clone(), MAX_HOSTS);
        }
        insert_capped(
            &mut self.samples,
            (ex.source.input, ex.source.index),
            MAX_SAMPLES,
        );
    }

    /// Adds another endpoint's statistics (commutative, associative).
    pub fn merge(&mut self, other: &TrafficStats) {
        self.hits += other.hits;
        self.routed_hits += other.routed_hits;
        for (s, n) in &other.status {
            *self.status.entry(*s).or_default() += n;
        }
        self.first_seen_us = match (self.first_seen_us, other.first_seen_us) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        self.last_seen_us = match (self.last_seen_us, other.last_seen_us) {
            (Some(a), Some(b)) => Some(a.max(b)),
            (a, b) => a.or(b),
        };
        self.latency.merge(&other.latency);
        merge_capped(&mut self.hosts, &other.hosts, MAX_HOSTS);
        merge_capped(&mut self.samples, &other.samples, MAX_SAMPLES);
    }
}

/// Latency percentiles for reports.
#[derive(Debug, Clone, Copy, Serialize, PartialEq)]
pub struct Percentiles {
    /// Median, ms.
    pub p50: f64,
    /// 90th percentile, ms.
    pub p90: f64,
    /// 99th percentile, ms.
    pub p99: f64,
}

impl Latency {
    /// p50/p90/p99 when anything was recorded.
    pub fn percentiles(&self) -> Option<Percentiles> {
        Some(Percentiles {
            p50: self.quantile(0.5)?,
            p90: self.quantile(0.9)?,
            p99: self.quantile(0.99)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn capped_sets_keep_the_smallest_whatever_the_order() {
        let mut a = BTreeSet::new();
        let mut b = BTreeSet::new();
        for i in [5, 1, 9, 3, 7] {
            insert_capped(&mut a, i, 3);
        }
        for i in [7, 3, 9, 1, 5] {
            insert_capped(&mut b, i, 3);
        }
        assert_eq!(a, b);
        assert_eq!(a.into_iter().collect::<Vec<_>>(), [1, 3, 5]);
    }

    #[test]
    fn latency_quantiles_are_close() {
        let mut l = Latency::default();
        for ms in 1..=100 {
            l.record(ms as f64);
        }
        let p50 = l.quantile(0.5).unwrap();
        assert!((45.0..=56.0).contains(&p50), "{p50}");
        let p99 = l.quantile(0.99).unwrap();
        assert!((90.0..=110.0).contains(&p99), "{p99}");
    }
}
