//! The concrete-path tree that traffic is recorded into before templating.
//!
//! Every distinct decoded path becomes a branch; each node keeps, per method (and GraphQL
//! operation), the merged data of the exchanges that ended there. Templating later walks
//! this tree and folds sibling values into parameters. Caps bound the memory an attacker can
//! make us spend: see [`TrieLimits`].

use std::collections::{BTreeMap, HashMap};

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
    /// Distinct child segments kept per node; further values fold into one overflow child,
    /// which templating always treats as a parameter.
    pub max_children: usize,
    /// Nodes per host tree; past it, new paths fold into overflow children.
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

/// One node of a host tree.
#[derive(Debug, Default)]
pub struct Node<L> {
    /// Children by decoded segment.
    pub children: HashMap<Box<str>, u32>,
    /// Data of requests that ended at this node.
    pub leaves: BTreeMap<LeafKey, L>,
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
                leaves: BTreeMap::new(),
            }],
        }
    }
}

impl<L: Default> Trie<L> {
    /// Walks (creating as needed) the branch of `segments` and returns the node index.
    pub fn insert_path(&mut self, segments: &[String], limits: &TrieLimits) -> u32 {
        let mut at = 0u32;
        for seg in segments {
            let node = &self.nodes[at as usize];
            if let Some(&next) = node.children.get(seg.as_str()) {
                at = next;
                continue;
            }
            let full =
                node.children.len() >= limits.max_children || self.nodes.len() >= limits.max_nodes;
            let key: &str = if full { OVERFLOW } else { seg };
            if let Some(&next) = node.children.get(key) {
                at = next;
                continue;
            }
            let id = self.nodes.len() as u32;
            self.nodes.push(Node {
                children: HashMap::new(),
                leaves: BTreeMap::new(),
            });
            self.nodes[at as usize].children.insert(key.into(), id);
            at = id;
        }
        at
    }
}
