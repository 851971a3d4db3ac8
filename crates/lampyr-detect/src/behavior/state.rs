//! Bounded building blocks of the detectors: a capped LRU-ish map, bucketed sliding sums,
//! distinct-value windows and peer histograms. Every structure here has a fixed upper size, so
//! an attacker who sends more or more varied traffic only costs a constant per tracked key.

use std::collections::{HashMap, VecDeque};
use std::hash::Hash;

/// A map with at most `cap` entries: when full, the least recently touched tenth is evicted
/// (amortised O(log n) per insert) and counted.
#[derive(Debug)]
pub(crate) struct Lru<K, V> {
    map: HashMap<K, (u64, V)>,
    cap: usize,
    tick: u64,
    /// Entries evicted to make room.
    pub evicted: u64,
}

impl<K: Hash + Eq + Clone, V> Lru<K, V> {
    pub fn new(cap: usize) -> Self {
        Self {
            map: HashMap::new(),
            cap: cap.max(1),
            tick: 0,
            evicted: 0,
        }
    }

    pub fn len(&self) -> usize {
        self.map.len()
    }

    /// The entry for `key`, created with `make` when absent (evicting if full).
    pub fn entry(&mut self, key: &K, make: impl FnOnce() -> V) -> &mut V {
        self.tick += 1;
        let tick = self.tick;
        if !self.map.contains_key(key) {
            if self.map.len() >= self.cap {
                self.evict();
            }
            self.map.insert(key.clone(), (tick, make()));
        }
        let slot = self.map.get_mut(key).expect("just inserted");
        slot.0 = tick;
        &mut slot.1
    }

    /// The entry for `key` when present (touching it).
    pub fn get_mut(&mut self, key: &K) -> Option<&mut V> {
        self.tick += 1;
        let tick = self.tick;
        self.map.get_mut(key).map(|slot| {
            slot.0 = tick;
            &mut slot.1
        })
    }

    /// The entry for `key` when present, without touching it.
    pub fn peek(&self, key: &K) -> Option<&V> {
        self.map.get(key).map(|slot| &slot.1)
    }

    fn evict(&mut self) {
        let mut ticks: Vec<u64> = self.map.values().map(|(t, _)| *t).collect();
        let n = (ticks.len() / 10).max(1);
        let (_, cut, _) = ticks.select_nth_unstable(n - 1);
        let cut = *cut;
        let before = self.map.len();
        self.map.retain(|_, (t, _)| *t > cut);
        self.evicted += (before - self.map.len()) as u64;
    }
}

/// A sliding sum over `width` microseconds kept in at most `buckets + 1` time buckets: exact to
/// one bucket's width, constant memory whatever the rate.
#[derive(Debug, Clone)]
pub(crate) struct SlidingSum {
    width: i64,
    bucket: i64,
    q: VecDeque<(i64, u64)>,
    total: u64,
}

impl SlidingSum {
    pub fn new(width_us: i64, buckets: i64) -> Self {
        let width = width_us.max(1);
        Self {
            width,
            bucket: (width / buckets.max(1)).max(1),
            q: VecDeque::new(),
            total: 0,
        }
    }

    fn expire(&mut self, now: i64) {
        while let Some(&(start, n)) = self.q.front() {
            if start + self.bucket <= now - self.width {
                self.total -= n;
                self.q.pop_front();
            } else {
                break;
            }
        }
    }

    /// Adds `n` at time `now` (times must not go backwards by more than a bucket).
    pub fn add(&mut self, now: i64, n: u64) {
        self.expire(now);
        let start = now - now.rem_euclid(self.bucket);
        match self.q.back_mut() {
            Some((s, c)) if *s >= start => *c += n,
            _ => self.q.push_back((start, n)),
        }
        self.total += n;
    }

    /// The sum over the window ending at `now`.
    pub fn sum(&mut self, now: i64) -> u64 {
        self.expire(now);
        self.total
    }

    /// Drops everything.
    pub fn clear(&mut self) {
        self.q.clear();
        self.total = 0;
    }
}

/// Distinct values (by 64-bit hash) seen in the last `width` microseconds, at most `cap`
/// remembered: beyond that the oldest are forgotten, so the count saturates near `cap`.
#[derive(Debug, Clone)]
pub(crate) struct DistinctWindow {
    width: i64,
    cap: usize,
    last: HashMap<u64, i64>,
}

impl DistinctWindow {
    pub fn new(width_us: i64, cap: usize) -> Self {
        Self {
            width: width_us.max(1),
            cap: cap.max(1),
            last: HashMap::new(),
        }
    }

    /// Records `value` at `now`; true when it was not in the window before.
    pub fn insert(&mut self, now: i64, value: u64) -> bool {
        let fresh = match self.last.get(&value) {
            Some(&t) => t < now - self.width,
            None => true,
        };
        if fresh && !self.last.contains_key(&value) && self.last.len() >= self.cap {
            self.prune(now);
            if self.last.len() >= self.cap {
                // Forget the oldest half.
                let mut times: Vec<i64> = self.last.values().copied().collect();
                let mid = times.len() / 2;
                let (_, cut, _) = times.select_nth_unstable(mid);
                let cut = *cut;
                self.last.retain(|_, t| *t > cut);
            }
        }
        self.last.insert(value, now);
        fresh
    }

    fn prune(&mut self, now: i64) {
        let edge = now - self.width;
        self.last.retain(|_, t| *t >= edge);
    }

    /// Whether `value` was seen in the window ending at `now`.
    pub fn contains(&self, now: i64, value: u64) -> bool {
        self.last
            .get(&value)
            .is_some_and(|&t| t >= now - self.width)
    }

    /// Distinct values in the window ending at `now`.
    pub fn count(&mut self, now: i64) -> usize {
        self.prune(now);
        self.last.len()
    }
}

/// How many peers reached each count: a quantile of "per-actor count on this endpoint" in
/// constant memory (exact up to 16, then 8 buckets per power of two).
#[derive(Debug, Clone, Default)]
pub(crate) struct PeerHistogram {
    buckets: Vec<u32>,
    peers: u64,
}

fn bucket_of(c: u64) -> usize {
    if c < 16 {
        return c as usize;
    }
    let log = 63 - c.leading_zeros() as usize; // >= 4
    let frac = ((c >> (log - 3)) & 7) as usize;
    16 + (log - 4) * 8 + frac
}

fn bucket_floor(b: usize) -> u64 {
    if b < 16 {
        return b as u64;
    }
    let log = (b - 16) / 8 + 4;
    let frac = ((b - 16) % 8) as u64;
    (8 + frac) << (log - 3)
}

impl PeerHistogram {
    /// One peer moved from count `from` (0 = new peer) to `to`.
    pub fn moved(&mut self, from: u64, to: u64) {
        if from == to {
            return;
        }
        let (bf, bt) = (bucket_of(from), bucket_of(to));
        if bf == bt && from != 0 {
            return;
        }
        if self.buckets.len() <= bt.max(bf) {
            self.buckets.resize(bt.max(bf) + 1, 0);
        }
        if from == 0 {
            self.peers += 1;
        } else {
            self.buckets[bf] = self.buckets[bf].saturating_sub(1);
        }
        self.buckets[bt] += 1;
    }

    /// Forgets a peer that had reached `count` (an abuser must not define normal).
    pub fn remove(&mut self, count: u64) {
        if count == 0 {
            return;
        }
        let b = bucket_of(count);
        if let Some(n) = self.buckets.get_mut(b) {
            if *n > 0 {
                *n -= 1;
                self.peers = self.peers.saturating_sub(1);
            }
        }
    }

    /// Number of peers recorded.
    pub fn peers(&self) -> u64 {
        self.peers
    }

    /// The lower bound of the bucket holding quantile `q` (0..=1), or 0 with no peers.
    pub fn quantile(&self, q: f64) -> u64 {
        let total: u64 = self.buckets.iter().map(|&n| u64::from(n)).sum();
        if total == 0 {
            return 0;
        }
        let rank = ((total as f64) * q).ceil().max(1.0) as u64;
        let mut seen = 0u64;
        for (b, &n) in self.buckets.iter().enumerate() {
            seen += u64::from(n);
            if seen >= rank {
                return bucket_floor(b);
            }
        }
        bucket_floor(self.buckets.len() - 1)
    }
}

/// FNV-1a 64: a fast, stable hash for keys and distinct-value sets (not for secrets).
pub(crate) fn fnv(parts: &[&[u8]]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for p in parts {
        for &b in *p {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
        h ^= 0xff;
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lru_evicts_the_least_recently_touched() {
        let mut m: Lru<u32, u32> = Lru::new(10);
        for k in 0..10 {
            m.entry(&k, || k);
        }
        m.get_mut(&0);
        m.entry(&10, || 10);
        assert_eq!(m.len(), 10);
        assert!(m.peek(&0).is_some(), "touched key kept");
        assert!(m.peek(&1).is_none(), "oldest key evicted");
        assert_eq!(m.evicted, 1);
    }

    #[test]
    fn sliding_sum_forgets_old_buckets() {
        let mut s = SlidingSum::new(60_000_000, 60);
        s.add(0, 5);
        s.add(30_000_000, 2);
        assert_eq!(s.sum(30_000_000), 7);
        assert_eq!(s.sum(61_000_000), 2);
        assert_eq!(s.sum(200_000_000), 0);
    }

    #[test]
    fn distinct_window_counts_and_expires() {
        let mut d = DistinctWindow::new(100, 1000);
        assert!(d.insert(0, 1));
        assert!(!d.insert(10, 1));
        assert!(d.insert(20, 2));
        assert_eq!(d.count(50), 2);
        assert_eq!(d.count(115), 1);
        assert!(d.insert(300, 1), "expired value is fresh again");
    }

    #[test]
    fn distinct_window_is_capped() {
        let mut d = DistinctWindow::new(i64::MAX / 2, 64);
        for v in 0..10_000u64 {
            d.insert(v as i64, v);
        }
        assert!(d.count(10_000) <= 64);
    }

    #[test]
    fn peer_histogram_quantiles() {
        let mut h = PeerHistogram::default();
        for _ in 0..95 {
            h.moved(0, 1);
            h.moved(1, 2);
        }
        for _ in 0..5 {
            h.moved(0, 100);
        }
        assert_eq!(h.peers(), 100);
        assert_eq!(h.quantile(0.5), 2);
        assert_eq!(h.quantile(0.95), 2);
        assert!(h.quantile(1.0) >= 96 && h.quantile(1.0) <= 100);
        for c in [16u64, 17, 31, 32, 1000, 123_456] {
            let b = bucket_of(c);
            assert!(bucket_floor(b) <= c && c < bucket_floor(b + 1), "{c}");
        }
    }
}
