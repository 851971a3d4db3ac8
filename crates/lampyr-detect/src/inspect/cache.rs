//! Content hashing for the per-request seen map and the per-thread value cache.

use crate::rules::RuleHit;

/// Most values the per-thread [`ValueCache`] holds; it is emptied when full.
const CACHE_MAX_ENTRIES: usize = 1024;
/// Longest value (in key bytes) the cache holds: long values rarely repeat, and this bounds
/// the cache's memory (about `CACHE_MAX_ENTRIES` × this).
const CACHE_MAX_KEY_BYTES: usize = 1024;

/// The family hits of path, query, header and cookie values across requests of one thread: a
/// client sends the same User-Agent, Accept, Authorization, cookies and path segments on every
/// request, and their inspection result is a function of the value and of the request facts
/// the families read (method, media type, User-Agent, host, Referer host), all of which are in
/// the key with the inspector's id. Family `check`s read the body only through
/// `check_request`, which is never cached. A hash only finds the candidate; the full key bytes
/// are compared, so a collision never changes a verdict.
#[derive(Default)]
pub(super) struct ValueCache {
    map: std::collections::HashMap<u64, CacheEntry, SeededState>,
    /// The key being built (reused).
    key: Vec<u8>,
}

pub(super) struct CacheEntry {
    key: Box<[u8]>,
    /// Hits of the value's own views.
    pub(super) hits: Box<[RuleHit]>,
    /// Hits of what the value decodes to as base64 (empty when it is not base64).
    pub(super) b64_hits: Box<[RuleHit]>,
}

impl ValueCache {
    /// Builds the key of one value into `self.key`; `false` when the value is not cached.
    pub(super) fn build_key(&mut self, parts: &[&[u8]]) -> bool {
        self.key.clear();
        let total: usize = parts.iter().map(|p| p.len() + 4).sum();
        if total > CACHE_MAX_KEY_BYTES {
            return false;
        }
        for p in parts {
            self.key.extend_from_slice(&(p.len() as u32).to_le_bytes());
            self.key.extend_from_slice(p);
        }
        true
    }

    pub(super) fn get(&self) -> Option<&CacheEntry> {
        let h = fast_hash(0x2545_f491_4f6c_dd1d, &self.key);
        self.map.get(&h).filter(|e| *e.key == *self.key)
    }

    pub(super) fn insert(&mut self, hits: &[RuleHit], b64_hits: &[RuleHit]) {
        if self.map.len() >= CACHE_MAX_ENTRIES {
            self.map.clear();
        }
        let h = fast_hash(0x2545_f491_4f6c_dd1d, &self.key);
        self.map.insert(
            h,
            CacheEntry {
                key: self.key.as_slice().into(),
                hits: hits.into(),
                b64_hits: b64_hits.into(),
            },
        );
    }
}

/// Item content hash → first item index with it.
pub(super) type SeenMap = std::collections::HashMap<u64, u32, SeededState>;

/// Hashes the (already computed) content hash once more with a per-map random seed: cheaper
/// than SipHash, and a crafted set of equal-bucket content hashes cannot be aimed at a
/// table whose seed the sender does not know.
#[derive(Clone)]
pub(super) struct SeededState(u64);

impl Default for SeededState {
    fn default() -> Self {
        use std::hash::BuildHasher;
        Self(std::collections::hash_map::RandomState::new().hash_one(0x5eed_u64) | 1)
    }
}

impl std::hash::BuildHasher for SeededState {
    type Hasher = SeededHasher;
    fn build_hasher(&self) -> SeededHasher {
        SeededHasher(self.0)
    }
}

/// See [`SeededState`].
pub(super) struct SeededHasher(u64);

impl std::hash::Hasher for SeededHasher {
    fn write(&mut self, bytes: &[u8]) {
        self.0 = fast_hash(self.0, bytes);
    }

    fn write_u64(&mut self, x: u64) {
        let h = (x ^ self.0).wrapping_mul(0x9e37_79b9_7f4a_7c15);
        self.0 = h ^ (h >> 29);
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

/// A fast, unkeyed hash of `bytes` continuing from `h` (eight bytes per step). Only a
/// candidate finder: equal hashes are always confirmed by comparing the texts.
pub(super) fn fast_hash(mut h: u64, bytes: &[u8]) -> u64 {
    const K: u64 = 0x517c_c1b7_2722_0a95;
    let mut chunks = bytes.chunks_exact(8);
    for c in &mut chunks {
        let w = u64::from_le_bytes(c.try_into().unwrap_or_default());
        h = (h.rotate_left(5) ^ w).wrapping_mul(K);
    }
    let mut last = [0u8; 8];
    let rest = chunks.remainder();
    last[..rest.len()].copy_from_slice(rest);
    h = (h.rotate_left(5) ^ u64::from_le_bytes(last)).wrapping_mul(K);
    (h.rotate_left(5) ^ bytes.len() as u64).wrapping_mul(K)
}
