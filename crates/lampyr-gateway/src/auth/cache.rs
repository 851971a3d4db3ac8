//! A bounded map with per-entry expiry (unix seconds), for verified-token, password and
//! nonce caches whose keys attackers influence.

use std::collections::HashMap;
use std::hash::Hash;

/// Entries expire at a unix time; the map never holds more than `cap` entries.
#[derive(Debug)]
pub(crate) struct ExpiringMap<K, V> {
    map: HashMap<K, (V, i64)>,
    cap: usize,
    /// Last full sweep for expired entries; sweeps are at most once per second so a full map
    /// does not cost a scan per insert.
    last_sweep: i64,
}

/// What to do when the map is full of live entries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum WhenFull {
    /// Drop everything (a cache: losing entries only costs re-verification).
    Clear,
    /// Refuse the insert (a replay guard: forgetting live entries would allow replays).
    Refuse,
}

impl<K: Hash + Eq, V: Clone> ExpiringMap<K, V> {
    pub(crate) fn new(cap: usize) -> Self {
        ExpiringMap {
            map: HashMap::new(),
            cap: cap.max(1),
            last_sweep: i64::MIN,
        }
    }

    /// The live value for `key`.
    pub(crate) fn get(&self, key: &K, now: i64) -> Option<V> {
        match self.map.get(key) {
            Some((v, exp)) if *exp > now => Some(v.clone()),
            _ => None,
        }
    }

    /// Whether `key` holds a live entry.
    pub(crate) fn contains_live(&self, key: &K, now: i64) -> bool {
        matches!(self.map.get(key), Some((_, exp)) if *exp > now)
    }

    /// Inserts; returns false only when `when_full` is `Refuse` and no room could be made.
    pub(crate) fn insert(
        &mut self,
        key: K,
        value: V,
        expires: i64,
        now: i64,
        when_full: WhenFull,
    ) -> bool {
        if self.map.len() >= self.cap && !self.map.contains_key(&key) {
            if now != self.last_sweep {
                self.last_sweep = now;
                self.map.retain(|_, (_, exp)| *exp > now);
            }
            if self.map.len() >= self.cap {
                match when_full {
                    WhenFull::Clear => self.map.clear(),
                    WhenFull::Refuse => return false,
                }
            }
        }
        self.map.insert(key, (value, expires));
        true
    }

    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.map.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expired_entries_are_evicted_before_refusing() {
        let mut m = ExpiringMap::new(2);
        assert!(m.insert(1, (), 10, 0, WhenFull::Refuse));
        assert!(m.insert(2, (), 100, 0, WhenFull::Refuse));
        // Full of live entries: refused.
        assert!(!m.insert(3, (), 100, 5, WhenFull::Refuse));
        // Entry 1 expired at 10: swept, room made.
        assert!(m.insert(3, (), 100, 11, WhenFull::Refuse));
        assert_eq!(m.len(), 2);
        assert!(!m.contains_live(&1, 11));
        assert!(m.contains_live(&3, 11));
    }

    #[test]
    fn cache_mode_clears_when_full() {
        let mut m = ExpiringMap::new(2);
        m.insert(1, 'a', 100, 0, WhenFull::Clear);
        m.insert(2, 'b', 100, 0, WhenFull::Clear);
        assert!(m.insert(3, 'c', 100, 0, WhenFull::Clear));
        assert_eq!(m.len(), 1);
        assert_eq!(m.get(&3, 0), Some('c'));
        assert_eq!(m.get(&3, 100), None);
    }
}
