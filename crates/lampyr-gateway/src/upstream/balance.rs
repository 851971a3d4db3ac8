//! Target selection: smooth weighted round robin, least connections, consistent hashing.
//!
//! Every strategy takes an `eligible` predicate (healthy, not ejected, not already tried by
//! this request) so health and retries never need strategy-specific code.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use lampyr_spec::Balance;
use sha2::{Digest, Sha256};

use super::health::TargetState;

/// Ring points per weight unit (ketama uses 160 per server).
const POINTS_PER_WEIGHT: u64 = 160;
/// Weight units that count on the ring; bounds the ring to 160 × 64 points per target.
const MAX_RING_WEIGHT: u64 = 64;

/// A selection strategy and its running state.
#[derive(Debug)]
pub(crate) enum Balancer {
    /// nginx's smooth weighted round robin: per-target running weights.
    RoundRobin(Mutex<Vec<i64>>),
    /// Fewest in flight; ties to the heavier target, then rotation.
    LeastConnections(AtomicUsize),
    /// Ketama ring; requests without a key rotate.
    ConsistentHash(Ring, AtomicUsize),
}

impl Balancer {
    /// State for `balance` over `targets`.
    pub fn new(balance: &Balance, targets: &[Arc<TargetState>]) -> Self {
        match balance {
            Balance::RoundRobin => Self::RoundRobin(Mutex::new(vec![0; targets.len()])),
            Balance::LeastConnections => Self::LeastConnections(AtomicUsize::new(0)),
            Balance::ConsistentHash { .. } => {
                Self::ConsistentHash(Ring::new(targets), AtomicUsize::new(0))
            }
        }
    }

    /// Index of the chosen target, or `None` when no target is eligible.
    pub fn pick(
        &self,
        targets: &[Arc<TargetState>],
        key: Option<&[u8]>,
        eligible: &dyn Fn(usize) -> bool,
    ) -> Option<usize> {
        match self {
            Self::RoundRobin(current) => {
                let mut current = current.lock().unwrap_or_else(|e| e.into_inner());
                smooth_wrr(&mut current, targets, eligible)
            }
            Self::LeastConnections(rotation) => {
                least_connections(targets, rotation.fetch_add(1, Ordering::Relaxed), eligible)
            }
            Self::ConsistentHash(ring, rotation) => match key {
                Some(k) => ring.lookup(hash32(k), targets.len(), eligible),
                None => {
                    let start = rotation.fetch_add(1, Ordering::Relaxed);
                    (0..targets.len())
                        .map(|i| start.wrapping_add(i) % targets.len())
                        .find(|&i| eligible(i))
                }
            },
        }
    }
}

/// One smooth WRR step: every eligible target gains its weight, the largest wins and pays
/// back the total, so 3:1 gives a,a,b,a rather than a,a,a,b.
fn smooth_wrr(
    current: &mut [i64],
    targets: &[Arc<TargetState>],
    eligible: &dyn Fn(usize) -> bool,
) -> Option<usize> {
    let mut total: i64 = 0;
    let mut best: Option<usize> = None;
    for (i, t) in targets.iter().enumerate() {
        if !eligible(i) {
            continue;
        }
        let w = i64::from(t.weight);
        current[i] = current[i].saturating_add(w);
        total = total.saturating_add(w);
        if best.is_none_or(|b| current[i] > current[b]) {
            best = Some(i);
        }
    }
    let b = best?;
    current[b] = current[b].saturating_sub(total);
    Some(b)
}

/// Fewest in flight, then heavier weight; the scan starts at a rotating offset so equal
/// targets share the load.
fn least_connections(
    targets: &[Arc<TargetState>],
    start: usize,
    eligible: &dyn Fn(usize) -> bool,
) -> Option<usize> {
    let n = targets.len();
    let mut best: Option<(usize, u64, u32)> = None;
    for k in 0..n {
        let i = start.wrapping_add(k) % n;
        if !eligible(i) {
            continue;
        }
        let t = &targets[i];
        let load = t.in_flight.load(Ordering::Relaxed);
        let better = match best {
            None => true,
            Some((_, bl, bw)) => load < bl || (load == bl && t.weight > bw),
        };
        if better {
            best = Some((i, load, t.weight));
        }
    }
    best.map(|(i, _, _)| i)
}

/// A ketama-style ring: points depend only on each target's address, so removing one target
/// moves only the keys that were on it.
#[derive(Debug)]
pub(crate) struct Ring {
    /// `(point, target index)`, sorted by point (ties by address for stability).
    points: Vec<(u32, usize)>,
}

impl Ring {
    fn new(targets: &[Arc<TargetState>]) -> Self {
        let mut points: Vec<(u32, usize)> = Vec::new();
        for (i, t) in targets.iter().enumerate() {
            let wanted = POINTS_PER_WEIGHT * u64::from(t.weight).clamp(1, MAX_RING_WEIGHT);
            let mut made = 0u64;
            let mut block = 0u64;
            while made < wanted {
                let digest = Sha256::digest(format!("{}-{block}", t.address).as_bytes());
                for chunk in digest.chunks_exact(4) {
                    if made == wanted {
                        break;
                    }
                    let p = u32::from_be_bytes([chunk[0], chunk[1], chunk[2], chunk[3]]);
                    points.push((p, i));
                    made += 1;
                }
                block += 1;
            }
        }
        points.sort_by(|a, b| {
            a.0.cmp(&b.0)
                .then_with(|| targets[a.1].address.cmp(&targets[b.1].address))
        });
        Self { points }
    }

    /// First eligible target clockwise from `h`.
    fn lookup(&self, h: u32, n: usize, eligible: &dyn Fn(usize) -> bool) -> Option<usize> {
        if self.points.is_empty() {
            return None;
        }
        let start = self.points.partition_point(|p| p.0 < h);
        let mut seen = vec![false; n];
        let mut seen_count = 0;
        for k in 0..self.points.len() {
            let (_, i) = self.points[(start + k) % self.points.len()];
            if seen[i] {
                continue;
            }
            if eligible(i) {
                return Some(i);
            }
            seen[i] = true;
            seen_count += 1;
            if seen_count == n {
                return None;
            }
        }
        None
    }
}

/// Stable 32-bit hash of a request key.
fn hash32(key: &[u8]) -> u32 {
    let d = Sha256::digest(key);
    u32::from_be_bytes([d[0], d[1], d[2], d[3]])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn targets(specs: &[(&str, u32)]) -> Vec<Arc<TargetState>> {
        specs
            .iter()
            .map(|(a, w)| {
                let auth = a.parse().unwrap();
                Arc::new(TargetState::new((*a).to_string(), auth, *w))
            })
            .collect()
    }

    #[test]
    fn smooth_wrr_interleaves() {
        let ts = targets(&[("a:1", 3), ("b:1", 1)]);
        let b = Balancer::new(&Balance::RoundRobin, &ts);
        let seq: Vec<usize> = (0..8)
            .map(|_| b.pick(&ts, None, &|_| true).unwrap())
            .collect();
        assert_eq!(seq, vec![0, 0, 1, 0, 0, 0, 1, 0]);
    }

    #[test]
    fn nothing_eligible_is_none() {
        let ts = targets(&[("a:1", 1), ("b:1", 1)]);
        for bal in [
            Balance::RoundRobin,
            Balance::LeastConnections,
            Balance::ConsistentHash { key: "path".into() },
        ] {
            let b = Balancer::new(&bal, &ts);
            assert_eq!(b.pick(&ts, Some(b"k"), &|_| false), None, "{bal:?}");
            assert_eq!(b.pick(&ts, None, &|_| false), None, "{bal:?}");
        }
    }

    #[test]
    fn least_connections_ties_go_to_weight() {
        let ts = targets(&[("a:1", 1), ("b:1", 5)]);
        let b = Balancer::new(&Balance::LeastConnections, &ts);
        for _ in 0..4 {
            assert_eq!(b.pick(&ts, None, &|_| true), Some(1));
        }
        ts[1].in_flight.store(2, Ordering::Relaxed);
        assert_eq!(b.pick(&ts, None, &|_| true), Some(0));
    }

    #[test]
    fn ring_walks_past_ineligible() {
        let ts = targets(&[("a:1", 1), ("b:1", 1), ("c:1", 1)]);
        let b = Balancer::new(&Balance::ConsistentHash { key: "path".into() }, &ts);
        for k in 0..200u32 {
            let key = k.to_be_bytes();
            let first = b.pick(&ts, Some(&key), &|_| true).unwrap();
            let other = b.pick(&ts, Some(&key), &|i| i != first).unwrap();
            assert_ne!(first, other);
        }
    }

    #[test]
    fn ring_size_is_bounded() {
        let ts = targets(&[("a:1", u32::MAX)]);
        let Balancer::ConsistentHash(ring, _) =
            Balancer::new(&Balance::ConsistentHash { key: "path".into() }, &ts)
        else {
            unreachable!()
        };
        assert_eq!(
            ring.points.len() as u64,
            POINTS_PER_WEIGHT * MAX_RING_WEIGHT
        );
    }
}
