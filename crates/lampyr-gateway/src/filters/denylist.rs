//! Authorise phase: the dynamic deny list.
//!
//! Entries come from the admin API or from analytics at any time, so the list lives outside the
//! configuration snapshots and is shared by `Arc`. Lookups cost one atomic load while the list
//! is empty, and otherwise one hash lookup per distinct network prefix length in use, so a
//! long list of addresses stays cheap. Expired entries are ignored at once and purged lazily
//! (when the list is listed or written).

use std::collections::{BTreeMap, HashMap};
use std::net::IpAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::RwLock;

use ipnet::IpNet;
use lampyr_spec::{DenyEntry, DenyKind};

/// Longest consumer name or token id accepted as an entry value.
const MAX_VALUE_LEN: usize = 256;

/// The deny list: IP addresses and networks, consumers and tokens refused before rate limiting.
#[derive(Debug)]
pub struct DenyList {
    max_entries: usize,
    /// Live entry count, read without the lock so an empty list costs nothing.
    len: AtomicUsize,
    inner: RwLock<Inner>,
}

#[derive(Debug, Default)]
struct Inner {
    /// Networks, truncated to their prefix (a host is a /32 or /128).
    nets: HashMap<IpNet, DenyEntry>,
    /// Prefix length → number of networks of that length, per family (v4, v6).
    v4_prefixes: BTreeMap<u8, usize>,
    v6_prefixes: BTreeMap<u8, usize>,
    consumers: HashMap<String, DenyEntry>,
    tokens: HashMap<String, DenyEntry>,
}

impl Inner {
    fn len(&self) -> usize {
        self.nets.len() + self.consumers.len() + self.tokens.len()
    }

    fn prefixes_mut(&mut self, net: &IpNet) -> &mut BTreeMap<u8, usize> {
        match net {
            IpNet::V4(_) => &mut self.v4_prefixes,
            IpNet::V6(_) => &mut self.v6_prefixes,
        }
    }

    /// Inserts a normalised entry (replacing one with the same kind and value).
    fn insert(&mut self, key: Key, entry: DenyEntry) {
        match key {
            Key::Net(net) => {
                if self.nets.insert(net, entry).is_none() {
                    *self.prefixes_mut(&net).entry(net.prefix_len()).or_default() += 1;
                }
            }
            Key::Consumer(c) => {
                self.consumers.insert(c, entry);
            }
            Key::Token(t) => {
                self.tokens.insert(t, entry);
            }
        }
    }

    fn remove(&mut self, key: &Key) -> bool {
        match key {
            Key::Net(net) => {
                if self.nets.remove(net).is_none() {
                    return false;
                }
                let prefixes = self.prefixes_mut(net);
                if let Some(n) = prefixes.get_mut(&net.prefix_len()) {
                    *n -= 1;
                    if *n == 0 {
                        prefixes.remove(&net.prefix_len());
                    }
                }
                true
            }
            Key::Consumer(c) => self.consumers.remove(c).is_some(),
            Key::Token(t) => self.tokens.remove(t).is_some(),
        }
    }

    fn purge(&mut self, now_unix: i64) {
        let stale: Vec<IpNet> = self
            .nets
            .iter()
            .filter(|(_, e)| expired(e, now_unix))
            .map(|(n, _)| *n)
            .collect();
        for n in stale {
            self.remove(&Key::Net(n));
        }
        self.consumers.retain(|_, e| !expired(e, now_unix));
        self.tokens.retain(|_, e| !expired(e, now_unix));
    }

    fn find_ip(&self, ip: IpAddr) -> Option<&DenyEntry> {
        let prefixes = match ip {
            IpAddr::V4(_) => &self.v4_prefixes,
            IpAddr::V6(_) => &self.v6_prefixes,
        };
        // Longest prefix first, so the most specific entry is the one reported.
        prefixes.keys().rev().find_map(|&len| {
            let net = IpNet::new(ip, len).ok()?.trunc();
            self.nets.get(&net)
        })
    }
}

/// An entry's normalised lookup key.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Key {
    Net(IpNet),
    Consumer(String),
    Token(String),
}

fn expired(e: &DenyEntry, now_unix: i64) -> bool {
    e.expires_at.is_some_and(|t| t <= now_unix)
}

/// Parses an entry value into its key and the normalised value shown in listings.
fn key_of(kind: DenyKind, value: &str) -> Result<(Key, String), String> {
    let value = value.trim();
    match kind {
        DenyKind::Ip => {
            let net = if value.contains('/') {
                value
                    .parse::<IpNet>()
                    .map_err(|_| format!("`{value}` is not an IP address or CIDR network"))?
                    .trunc()
            } else {
                let ip: IpAddr = value
                    .parse()
                    .map_err(|_| format!("`{value}` is not an IP address or CIDR network"))?;
                IpNet::from(ip.to_canonical())
            };
            let shown = if net.prefix_len() == net.max_prefix_len() {
                net.addr().to_string()
            } else {
                net.to_string()
            };
            Ok((Key::Net(net), shown))
        }
        DenyKind::Consumer | DenyKind::Token => {
            if value.is_empty() || value.len() > MAX_VALUE_LEN {
                return Err(format!(
                    "value must be 1 to {MAX_VALUE_LEN} bytes, got {}",
                    value.len()
                ));
            }
            let key = if kind == DenyKind::Consumer {
                Key::Consumer(value.to_owned())
            } else {
                Key::Token(value.to_owned())
            };
            Ok((key, value.to_owned()))
        }
    }
}

impl DenyList {
    /// An empty list holding at most `max_entries` live entries.
    pub fn new(max_entries: usize) -> DenyList {
        DenyList {
            max_entries,
            len: AtomicUsize::new(0),
            inner: RwLock::new(Inner::default()),
        }
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, Inner> {
        // A panic while holding the lock cannot leave the maps half-updated in a way that
        // matters for lookups, so a poisoned lock is used as is.
        self.inner.write().unwrap_or_else(|p| p.into_inner())
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, Inner> {
        self.inner.read().unwrap_or_else(|p| p.into_inner())
    }

    /// Entries held (expired ones count until purged).
    pub fn len(&self) -> usize {
        self.len.load(Ordering::Acquire)
    }

    /// Whether the list holds no entry.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Adds or replaces an entry. Errors name a value that does not parse or a full list.
    pub fn add(&self, e: DenyEntry) -> Result<(), String> {
        let (key, shown) = key_of(e.kind, &e.value)?;
        let entry = DenyEntry { value: shown, ..e };
        let now = crate::ctx::now_unix();
        let mut inner = self.write();
        let replaces = match &key {
            Key::Net(n) => inner.nets.contains_key(n),
            Key::Consumer(c) => inner.consumers.contains_key(c),
            Key::Token(t) => inner.tokens.contains_key(t),
        };
        if !replaces && inner.len() >= self.max_entries {
            inner.purge(now);
            if inner.len() >= self.max_entries {
                return Err(format!(
                    "deny list is full ({} entries); remove some first",
                    self.max_entries
                ));
            }
        }
        inner.insert(key, entry);
        self.len.store(inner.len(), Ordering::Release);
        Ok(())
    }

    /// Removes the entry for `value` (an IP value is normalised as in [`DenyList::add`]);
    /// whether there was one.
    pub fn remove(&self, kind: DenyKind, value: &str) -> bool {
        let Ok((key, _)) = key_of(kind, value) else {
            return false;
        };
        let mut inner = self.write();
        let removed = inner.remove(&key);
        self.len.store(inner.len(), Ordering::Release);
        removed
    }

    /// Live entries, sorted by kind then value; purges expired ones.
    pub fn list(&self, now_unix: i64) -> Vec<DenyEntry> {
        let mut inner = self.write();
        inner.purge(now_unix);
        self.len.store(inner.len(), Ordering::Release);
        let mut out: Vec<DenyEntry> = inner
            .nets
            .values()
            .chain(inner.consumers.values())
            .chain(inner.tokens.values())
            .cloned()
            .collect();
        drop(inner);
        out.sort_by(|a, b| {
            kind_rank(a.kind)
                .cmp(&kind_rank(b.kind))
                .then_with(|| a.value.cmp(&b.value))
        });
        out
    }

    /// The live entry that refuses this caller, if any: IP first, then consumer, then token.
    pub fn check(
        &self,
        ip: IpAddr,
        consumer: Option<&str>,
        token_id: Option<&str>,
        now_unix: i64,
    ) -> Option<DenyEntry> {
        if self.len.load(Ordering::Acquire) == 0 {
            return None;
        }
        let inner = self.read();
        let live = |e: &&DenyEntry| !expired(e, now_unix);
        if let Some(e) = inner.find_ip(ip.to_canonical()).filter(live) {
            return Some(e.clone());
        }
        if let Some(e) = consumer.and_then(|c| inner.consumers.get(c)).filter(live) {
            return Some(e.clone());
        }
        token_id
            .and_then(|t| inner.tokens.get(t))
            .filter(live)
            .cloned()
    }

    /// Replaces every entry (a reload from the store). Invalid entries are skipped with a
    /// warning; entries past `max_entries` are dropped with a warning.
    pub fn replace_all(&self, entries: Vec<DenyEntry>) {
        let mut fresh = Inner::default();
        let mut dropped = 0usize;
        for e in entries {
            match key_of(e.kind, &e.value) {
                Ok((key, shown)) => {
                    if fresh.len() >= self.max_entries {
                        dropped += 1;
                        continue;
                    }
                    fresh.insert(key, DenyEntry { value: shown, ..e });
                }
                Err(msg) => tracing::warn!(kind = ?e.kind, "deny list entry skipped: {msg}"),
            }
        }
        if dropped > 0 {
            tracing::warn!(
                dropped,
                max = self.max_entries,
                "deny list entries over the limit were dropped"
            );
        }
        let mut inner = self.write();
        *inner = fresh;
        self.len.store(inner.len(), Ordering::Release);
    }
}

fn kind_rank(k: DenyKind) -> u8 {
    match k {
        DenyKind::Ip => 0,
        DenyKind::Consumer => 1,
        DenyKind::Token => 2,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(kind: DenyKind, value: &str, expires_at: Option<i64>) -> DenyEntry {
        DenyEntry {
            kind,
            value: value.into(),
            expires_at,
            reason: "test".into(),
        }
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    const NOW: i64 = 1_800_000_000;

    #[test]
    fn empty_list_admits_everyone() {
        let d = DenyList::new(10);
        assert!(d.check(ip("1.2.3.4"), Some("a"), Some("t"), NOW).is_none());
    }

    #[test]
    fn address_and_cidr_entries() {
        let d = DenyList::new(10);
        d.add(entry(DenyKind::Ip, "203.0.113.7", None)).unwrap();
        d.add(entry(DenyKind::Ip, "10.1.2.3/16", None)).unwrap();
        d.add(entry(DenyKind::Ip, "2001:db8::/48", None)).unwrap();
        assert_eq!(
            d.check(ip("203.0.113.7"), None, None, NOW).unwrap().value,
            "203.0.113.7"
        );
        assert!(d.check(ip("203.0.113.8"), None, None, NOW).is_none());
        let hit = d.check(ip("10.1.200.9"), None, None, NOW).unwrap();
        assert_eq!(hit.value, "10.1.0.0/16", "network normalised");
        assert!(d.check(ip("10.2.0.1"), None, None, NOW).is_none());
        assert!(d.check(ip("::ffff:10.1.0.1"), None, None, NOW).is_some());
        assert!(d.check(ip("2001:db8:0:5::1"), None, None, NOW).is_some());
        assert!(d.check(ip("2001:db8:1::1"), None, None, NOW).is_none());
    }

    #[test]
    fn bad_values_are_refused_with_text() {
        let d = DenyList::new(10);
        let e = d.add(entry(DenyKind::Ip, "10.0.0.0/33", None)).unwrap_err();
        assert!(e.contains("10.0.0.0/33"), "{e}");
        assert!(d.add(entry(DenyKind::Ip, "not-an-ip", None)).is_err());
        assert!(d.add(entry(DenyKind::Consumer, "", None)).is_err());
        assert!(d
            .add(entry(DenyKind::Token, &"x".repeat(300), None))
            .is_err());
        assert!(d.list(NOW).is_empty());
    }

    #[test]
    fn consumer_and_token_entries() {
        let d = DenyList::new(10);
        d.add(entry(DenyKind::Consumer, "mallory", None)).unwrap();
        d.add(entry(DenyKind::Token, "sha256:abcd", None)).unwrap();
        let c = ip("1.1.1.1");
        assert_eq!(
            d.check(c, Some("mallory"), None, NOW).unwrap().kind,
            DenyKind::Consumer
        );
        assert!(d.check(c, Some("alice"), None, NOW).is_none());
        assert_eq!(
            d.check(c, Some("alice"), Some("sha256:abcd"), NOW)
                .unwrap()
                .kind,
            DenyKind::Token
        );
    }

    #[test]
    fn expired_entries_are_ignored_then_purged() {
        let d = DenyList::new(10);
        d.add(entry(DenyKind::Ip, "192.0.2.1", Some(NOW + 60)))
            .unwrap();
        d.add(entry(DenyKind::Consumer, "eve", Some(NOW + 10)))
            .unwrap();
        assert!(d.check(ip("192.0.2.1"), None, None, NOW).is_some());
        assert!(d.check(ip("192.0.2.1"), None, None, NOW + 60).is_none());
        assert!(d.check(ip("9.9.9.9"), Some("eve"), None, NOW + 9).is_some());
        assert!(d
            .check(ip("9.9.9.9"), Some("eve"), None, NOW + 10)
            .is_none());
        assert_eq!(d.list(NOW).len(), 2);
        assert!(d.list(NOW + 60).is_empty(), "purged");
        assert_eq!(d.len.load(Ordering::Acquire), 0);
    }

    #[test]
    fn remove_by_normalised_value() {
        let d = DenyList::new(10);
        d.add(entry(DenyKind::Ip, "10.9.0.0/16", None)).unwrap();
        d.add(entry(DenyKind::Ip, "10.9.8.7", None)).unwrap();
        assert!(d.remove(DenyKind::Ip, "10.9.8.7/32"));
        assert!(!d.remove(DenyKind::Ip, "10.9.8.7"));
        assert!(
            d.check(ip("10.9.8.7"), None, None, NOW).is_some(),
            "network remains"
        );
        assert!(d.remove(DenyKind::Ip, "10.9.1.1/16"));
        assert!(d.check(ip("10.9.8.7"), None, None, NOW).is_none());
        assert!(!d.remove(DenyKind::Consumer, "nobody"));
    }

    #[test]
    fn bounded_and_replace_all() {
        let d = DenyList::new(2);
        d.add(entry(DenyKind::Consumer, "a", None)).unwrap();
        d.add(entry(DenyKind::Consumer, "b", Some(1))).unwrap();
        // `b` is long expired, so it is purged to make room.
        d.add(entry(DenyKind::Consumer, "c", None)).unwrap();
        let e = d.add(entry(DenyKind::Consumer, "d", None)).unwrap_err();
        assert!(e.contains("full"), "{e}");
        d.add(entry(DenyKind::Consumer, "a", Some(NOW + 5)))
            .unwrap();
        d.replace_all(vec![
            entry(DenyKind::Ip, "bad", None),
            entry(DenyKind::Token, "t1", None),
            entry(DenyKind::Token, "t2", None),
            entry(DenyKind::Token, "t3", None),
        ]);
        let listed: Vec<String> = d.list(NOW).into_iter().map(|e| e.value).collect();
        assert_eq!(listed, ["t1", "t2"]);
        assert!(d.check(ip("1.1.1.1"), Some("a"), None, NOW).is_none());
    }
}
