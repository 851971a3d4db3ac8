//! The concrete-path tree that traffic is recorded into before templating.
//!
//! Every distinct decoded path becomes a branch; each node keeps, per method (and GraphQL
//! operation), the merged data of the exchanges that ended there. Templating later walks
//! this tree and folds sibling values into parameters. Caps bound the memory an attacker can
//! make us spend: see [`TrieLimits`].

use std::collections::HashMap;

/// Key of a leaf under a node: method plus, for GraphQL, the operation.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct LeafKey {
    /// HTTP method, upper-case.
    pub method: String,
    /// GraphQL `"<type> <name>"` when the request was a GraphQL operation.
    pub operation: Option<String>,
}

/// Memory caps of the tree.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TrieLimits {
    /// Distinct child segments that misses (404/405/501) may create per node; routed
    /// exchanges may create twice as many. Further values fold into one overflow child: a
    /// parameter for routed exchanges, noise for misses.
    pub max_children: usize,
    /// Nodes per host tree that misses may create (routed exchanges get a quarter more);
    /// past it, new paths fold into overflow children.
    pub max_nodes: usize,
    /// Leaves (path + method) over all hosts; past it, exchanges on new leaves are counted
    /// as dropped.
    pub max_leaves: usize,
    /// Hosts tracked; past it, exchanges for new hosts are counted as dropped.
    pub max_hosts: usize,
}

impl Default for TrieLimits {
    fn default() -> Self {
        Self {
            max_children: 4096,
            max_nodes: 500_000,
            max_leaves: 250_000,
            max_hosts: 1024,
        }
    }
}

/// The child key used for folded values once a node is full.
pub const OVERFLOW: &str = "\u{0}overflow";

/// True for either overflow key.
pub fn is_overflow(key: &str) -> bool {
    key == OVERFLOW || key == OVERFLOW_MISS
}

/// The child key for misses (404/405/501) folded once a node is full: noise unless a real
/// parameter sits beside it.
pub const OVERFLOW_MISS: &str = "\u{0}overflow-miss";

/// The leaves of one node: usually one to three methods, kept sorted by key.
///
/// A `BTreeMap` would allocate a node for eleven entries of the (large) endpoint data even
/// for one method, which made every recorded path cost kilobytes; the data is boxed so the
/// vector stays small.
#[derive(Debug)]
pub struct Leaves<L> {
    entries: Vec<(LeafKey, Box<L>)>,
}

impl<L> Default for Leaves<L> {
    fn default() -> Self {
        Self {
            entries: Vec::new(),
        }
    }
}

impl<L> Leaves<L> {
    /// The data of `key`, if recorded.
    pub fn get_mut(&mut self, key: &LeafKey) -> Option<&mut L> {
        let i = self.entries.binary_search_by(|(k, _)| k.cmp(key)).ok()?;
        Some(&mut self.entries[i].1)
    }

    /// Inserts `key` with default data and returns it (the key must be absent).
    pub fn insert_default(&mut self, key: LeafKey) -> &mut L
    where
        L: Default,
    {
        let i = match self.entries.binary_search_by(|(k, _)| k.cmp(&key)) {
            Ok(i) => i,
            Err(i) => {
                self.entries.insert(i, (key, Box::default()));
                i
            }
        };
        &mut self.entries[i].1
    }

    /// Entries in key order.
    pub fn iter(&self) -> impl Iterator<Item = (&LeafKey, &L)> {
        self.entries.iter().map(|(k, v)| (k, &**v))
    }

    /// Data in key order.
    pub fn values(&self) -> impl Iterator<Item = &L> {
        self.entries.iter().map(|(_, v)| &**v)
    }
}

impl<'a, L> IntoIterator for &'a Leaves<L> {
    type Item = (&'a LeafKey, &'a L);
    type IntoIter = std::iter::Map<
        std::slice::Iter<'a, (LeafKey, Box<L>)>,
        fn(&'a (LeafKey, Box<L>)) -> (&'a LeafKey, &'a L),
    >;

    fn into_iter(self) -> Self::IntoIter {
        self.entries.iter().map(|(k, v)| (k, &**v))
    }
}

/// One node of a host tree.
#[derive(Debug, Default)]
pub struct Node<L> {
    /// Children by decoded segment.
    pub children: HashMap<Box<str>, u32>,
    /// Data of requests that ended at this node.
    pub leaves: Leaves<L>,
}

/// The tree of one host.
#[derive(Debug)]
pub struct Trie<L> {
    /// Nodes; index 0 is the root (`/`).
    pub nodes: Vec<Node<L>>,
}

impl<L> Default for Trie<L> {
    fn default() -> Self {
        Self {
            nodes: vec![Node {
                children: HashMap::new(),
                leaves: Leaves::default(),
            }],
        }
    }
}

impl<L: Default> Trie<L> {
    /// Walks (creating as needed) the branch of `segments` and returns the node index.
    ///
    /// `routed` tells whether the exchange got an answer showing the path exists. A full node
    /// folds new values into [`OVERFLOW`] (a parameter) for routed exchanges and into
    /// [`OVERFLOW_MISS`] (noise) for misses, and keeps room for routed values: a scanner's 404s
    /// can fill `max_children` but not the headroom above it, so real paths that arrive after
    /// a scan still get their own nodes.
    pub fn insert_path(&mut self, segments: &[String], routed: bool, limits: &TrieLimits) -> u32 {
        let mut at = 0u32;
        for seg in segments {
            let node = &self.nodes[at as usize];
            if let Some(&next) = node.children.get(seg.as_str()) {
                at = next;
                continue;
            }
            let cap = if routed {
                limits.max_children.saturating_mul(2)
            } else {
                limits.max_children
            };
            let nodes_cap = if routed {
                limits.max_nodes.saturating_add(limits.max_nodes / 4)
            } else {
                limits.max_nodes
            };
            let full = node.children.len() >= cap || self.nodes.len() >= nodes_cap;
            let key: &str = match (full, routed) {
                (false, _) => seg,
                (true, true) => OVERFLOW,
                (true, false) => OVERFLOW_MISS,
            };
            if let Some(&next) = node.children.get(key) {
                at = next;
                continue;
            }
            let id = self.nodes.len() as u32;
            self.nodes.push(Node {
                children: HashMap::new(),
                leaves: Leaves::default(),
            });
            self.nodes[at as usize].children.insert(key.into(), id);
            at = id;
        }
        at
    }
}
