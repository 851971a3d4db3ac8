//! The discovery engine: records exchanges into per-host trees, then templates them into an
//! inventory of endpoints.

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::hash::{Hash, Hasher};
use std::sync::OnceLock;

use lampyr_classify::{ExchangeScan, SensitiveFields};
use lampyr_core::Exchange;

use crate::auth::AuthSummary;
use crate::graphql;
use crate::infer::{class_of, split, ChildInfo, InferOptions, Split, MAX_VERSION_DEPTH};
use crate::params::ParamShapes;
use crate::path::split_path;
use crate::segment::{classify, id_key, SegmentClass};
use crate::stats::TrafficStats;
use crate::template::{param_name, PathTemplate, TemplateSegment};
use crate::trie::{is_overflow, LeafKey, Trie, TrieLimits};

/// Word values remembered per host between the two templating passes.
const MAX_LEARNED: usize = 100_000;

/// Property levels of a body that shape comparison looks at: deep enough to see through
/// envelopes (`{"data": [...]}`, `{"object": "list", "data": [...]}`) to the resource inside.
const SHAPE_DEPTH: usize = 3;

/// Levels below a value that its sub-tree profile describes.
const PROFILE_DEPTH: u8 = 6;

/// Children per value whose shapes are compared when templating.
const MAX_CHILD_SHAPES: usize = 64;

/// Shape keys kept per leaf for templating decisions.
const MAX_SHAPE_KEYS: usize = 48;

/// User rules and limits for discovery.
#[derive(Debug, Clone, Default)]
pub struct DiscoveryConfig {
    /// Memory caps.
    pub limits: TrieLimits,
    /// Templating tunables.
    pub infer: InferOptions,
    /// Templates the user knows: their parameters are forced, their literals kept.
    pub templates: Vec<PathTemplate>,
    /// Path prefixes under which segments are never merged into parameters.
    pub never_merge: Vec<PathTemplate>,
    /// Print templating decisions to stderr (for tuning).
    pub debug: bool,
}

/// Everything known about one endpoint (or one concrete path before templating). Merges
/// commutatively so the inventory is order independent.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct EndpointData {
    /// Traffic statistics.
    pub traffic: TrafficStats,
    /// Parameter structure: query, headers, cookies, request and response bodies.
    pub shapes: ParamShapes,
    /// Credentials seen (kinds and names only, never values).
    pub auth: AuthSummary,
    /// Sensitive-data evidence per location (path segments by position).
    pub sensitive: SensitiveFields,
    /// Shape keys for templating, computed once from `shapes` when first needed.
    shape_keys: OnceLock<ShapeKeys>,
}

/// Hashed top-level field names of the request bodies and of the 2xx response bodies: what
/// templating compares between siblings.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct ShapeKeys {
    pub req: BTreeSet<u64>,
    pub res: BTreeSet<u64>,
}

impl EndpointData {
    /// Records one exchange.
    pub fn observe(&mut self, ex: &Exchange) {
        self.observe_with(ex, None);
    }

    /// Records one exchange with its sensitive-data classification.
    pub fn observe_with(&mut self, ex: &Exchange, scan: Option<&ExchangeScan>) {
        let miss = ex
            .response
            .as_ref()
            .is_some_and(|r| matches!(r.status, 404 | 405 | 501));
        let unproven = self.traffic.routed_hits == 0;
        self.traffic.observe(ex);
        self.auth.observe(&ex.request);
        // Until a path has answered once, misses (a scanner's guesses) are only counted:
        // their shapes would cost memory per guessed path and describe nothing real.
        if !(miss && unproven) {
            self.shapes.observe(ex);
            self.shape_keys = OnceLock::new();
            if let Some(scan) = scan {
                self.sensitive.observe(scan);
            }
        }
    }

    /// Adds another endpoint's data.
    pub fn merge(&mut self, other: &EndpointData) {
        self.traffic.merge(&other.traffic);
        self.shapes.merge(&other.shapes);
        self.auth.merge(&other.auth);
        self.sensitive.merge(&other.sensitive);
        self.shape_keys = OnceLock::new();
    }

    pub(crate) fn shape_keys(&self) -> &ShapeKeys {
        self.shape_keys.get_or_init(|| {
            let mut keys = ShapeKeys::default();
            for (_, body) in self.shapes.request_body_media_types() {
                for path in body
                    .schema
                    .field_paths_limited(SHAPE_DEPTH)
                    .iter()
                    .take(MAX_SHAPE_KEYS)
                {
                    keys.req.insert(hash_of(&["req", path]));
                }
            }
            for (status, resp) in self.shapes.responses_by_status() {
                if !(200..300).contains(&status) {
                    continue;
                }
                for body in resp.bodies.values() {
                    for path in body
                        .schema
                        .field_paths_limited(SHAPE_DEPTH)
                        .iter()
                        .take(MAX_SHAPE_KEYS)
                    {
                        keys.res.insert(hash_of(&["res", path]));
                    }
                }
            }
            keys
        })
    }
}

fn hash_of(parts: &[&str]) -> u64 {
    // Stable across runs: decisions must not depend on a random hasher seed.
    let mut h = Fnv(0xcbf2_9ce4_8422_2325);
    for p in parts {
        p.hash(&mut h);
    }
    h.finish()
}

struct Fnv(u64);

impl Hasher for Fnv {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 ^= u64::from(*b);
            self.0 = self.0.wrapping_mul(0x0100_0000_01b3);
        }
    }
}

/// One discovered endpoint.
#[derive(Debug, Clone, PartialEq)]
pub struct Endpoint {
    /// HTTP method.
    pub method: String,
    /// Host the endpoint was seen on.
    pub host: String,
    /// Path template.
    pub template: PathTemplate,
    /// GraphQL operation (`"query getUser"`) when the endpoint is one.
    pub operation: Option<String>,
    /// Merged data of every exchange on the endpoint.
    pub data: EndpointData,
}

/// The result of discovery.
#[derive(Debug, Clone, Default)]
pub struct Inventory {
    /// Endpoints sorted by host, template, method.
    pub endpoints: Vec<Endpoint>,
    /// Exchanges observed.
    pub observed: u64,
    /// Exchanges not recorded because a memory cap was reached.
    pub dropped_by_limits: u64,
    /// Exchanges on paths that never got a routed response and fit no endpoint (scanners).
    pub noise: u64,
}

/// The discovery engine.
#[derive(Debug, Default)]
pub struct Discovery {
    cfg: DiscoveryConfig,
    hosts: BTreeMap<String, Trie<EndpointData>>,
    leaves: usize,
    observed: u64,
    dropped: u64,
}

impl Discovery {
    /// A new engine.
    pub fn new(cfg: DiscoveryConfig) -> Self {
        Self {
            cfg,
            ..Self::default()
        }
    }

    /// Records one exchange.
    pub fn observe(&mut self, ex: &Exchange) {
        self.observe_with(ex, None);
    }

    /// Records one exchange with its sensitive-data classification.
    pub fn observe_with(&mut self, ex: &Exchange, scan: Option<&ExchangeScan>) {
        self.observed += 1;
        let host = ex.request.host.to_ascii_lowercase();
        if !self.hosts.contains_key(&host) && self.hosts.len() >= self.cfg.limits.max_hosts {
            self.dropped += 1;
            return;
        }
        let mut segments = split_path(&ex.request.path);
        // Strong ids below the first level are recorded by form, not by value, except under
        // a `never_merge` prefix, where values must stay apart.
        let keep_from = self
            .cfg
            .never_merge
            .iter()
            .filter(|rule| rule.matches_prefix_of(&segments))
            .map(|rule| rule.segments().len())
            .min()
            .unwrap_or(usize::MAX);
        for (depth, seg) in segments.iter_mut().enumerate().take(keep_from).skip(1) {
            let class = classify(seg);
            // Small integers near the root keep their value: they may be API versions.
            let maybe_version =
                class == SegmentClass::Integer && depth <= MAX_VERSION_DEPTH && seg.len() <= 2;
            if class.is_strong_id() && !maybe_version {
                *seg = id_key(class, seg);
            }
        }
        let trie = self.hosts.entry(host).or_default();
        let routed = !ex
            .response
            .as_ref()
            .is_some_and(|r| matches!(r.status, 404 | 405 | 501));
        let node = trie.insert_path(&segments, routed, &self.cfg.limits);
        // GraphQL: one endpoint per operation (the first of a batch names it).
        let operation = graphql::operations(&ex.request)
            .into_iter()
            .next()
            .map(|op| format!("{} {}", op.kind.as_str(), op.name));
        let key = LeafKey {
            method: ex.request.method.to_ascii_uppercase(),
            operation,
        };
        let leaves = &mut trie.nodes[node as usize].leaves;
        let data = if let Some(data) = leaves.get_mut(&key) {
            Some(data)
        } else if self.leaves < self.cfg.limits.max_leaves {
            self.leaves += 1;
            Some(leaves.insert_default(key))
        } else {
            None
        };
        if let Some(data) = data {
            data.observe_with(ex, scan);
        } else {
            self.dropped += 1;
        }
    }

    /// Templates everything recorded into an inventory.
    pub fn finish(self) -> Inventory {
        self.snapshot()
    }

    /// The inventory as it stands, while recording goes on (the live pipeline calls this
    /// every few seconds; the cost is one templating pass over the tries).
    pub fn snapshot(&self) -> Inventory {
        let mut inv = Inventory {
            observed: self.observed,
            dropped_by_limits: self.dropped,
            ..Inventory::default()
        };
        for (host, trie) in &self.hosts {
            let routed = subtree_routed(trie);
            // Pass 1 learns which words are parameter values somewhere in this host's tree;
            // pass 2 templates with that knowledge, so a value seen once under one node is
            // recognised from its use under another (`kube-system` as a namespace).
            let first = Walker {
                cfg: &self.cfg,
                host,
                trie,
                routed: &routed,
                known: &HashSet::new(),
                learned: RefCell::new(HashSet::new()),
                emit: false,
            };
            let mut scratch = Inventory::default();
            first.walk(&[0], &mut Vec::new(), &mut scratch);
            let known = first.learned.into_inner();
            let walker = Walker {
                cfg: &self.cfg,
                host,
                trie,
                routed: &routed,
                known: &known,
                learned: RefCell::new(HashSet::new()),
                emit: true,
            };
            walker.walk(&[0], &mut Vec::new(), &mut inv);
        }
        inv.endpoints.sort_by(|a, b| {
            (&a.host, &a.template, &a.method, &a.operation).cmp(&(
                &b.host,
                &b.template,
                &b.method,
                &b.operation,
            ))
        });
        inv
    }
}

fn subtree_routed(trie: &Trie<EndpointData>) -> Vec<u64> {
    // Children always have larger indexes than their parent: one reverse pass suffices.
    let mut total = vec![0u64; trie.nodes.len()];
    for i in (0..trie.nodes.len()).rev() {
        let node = &trie.nodes[i];
        let own: u64 = node.leaves.values().map(|d| d.traffic.routed_hits).sum();
        let kids: u64 = node.children.values().map(|c| total[*c as usize]).sum();
        total[i] = own + kids;
    }
    total
}

fn add_shapes(shapes: &mut BTreeMap<String, BTreeSet<u64>>, key: &str, d: &EndpointData) {
    let keys = d.shape_keys();
    if !keys.res.is_empty() {
        shapes
            .entry(format!("{key}:res"))
            .or_default()
            .extend(keys.res.iter().copied());
    }
    if !keys.req.is_empty() {
        shapes
            .entry(format!("{key}:req"))
            .or_default()
            .extend(keys.req.iter().copied());
    }
}

/// Moves values like `list-a.json`, `list-b.json` (two or more sharing an extension) out of
/// `kids` into per-extension maps keyed by stem.
fn split_suffixes<'k>(
    kids: &mut BTreeMap<&'k str, Vec<u32>>,
) -> BTreeMap<&'k str, BTreeMap<&'k str, Vec<u32>>> {
    let mut groups: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for value in kids.keys() {
        if let Some(dot) = value.rfind('.') {
            let (stem, ext) = (&value[..dot], &value[dot..]);
            let ext_ok = (2..=6).contains(&ext.len())
                && ext[1..].bytes().all(|b| b.is_ascii_alphanumeric())
                && ext[1..].bytes().any(|b| b.is_ascii_alphabetic());
            if ext_ok && !stem.is_empty() && class_of(stem) != SegmentClass::Other {
                groups.entry(ext).or_default().push(value);
            }
        }
    }
    let mut out = BTreeMap::new();
    for (ext, values) in groups {
        if values.len() < 2 {
            continue;
        }
        let mut stems = BTreeMap::new();
        for value in values {
            if let Some(ids) = kids.remove(value) {
                stems.insert(&value[..value.len() - ext.len()], ids);
            }
        }
        out.insert(ext, stems);
    }
    out
}

struct Walker<'a> {
    cfg: &'a DiscoveryConfig,
    host: &'a str,
    trie: &'a Trie<EndpointData>,
    routed: &'a [u64],
    /// Word values found to be parameter values by the first pass.
    known: &'a HashSet<String>,
    /// Word values this pass folded into parameters.
    learned: RefCell<HashSet<String>>,
    /// Build endpoints (the learning pass only needs the decisions).
    emit: bool,
}

impl Walker<'_> {
    fn walk(&self, nodes: &[u32], prefix: &mut Vec<TemplateSegment>, inv: &mut Inventory) {
        // Leaves: merge per method over every concrete node this template node covers.
        let mut leaves: BTreeMap<&LeafKey, EndpointData> = BTreeMap::new();
        for &n in nodes.iter().filter(|_| self.emit) {
            for (k, d) in &self.trie.nodes[n as usize].leaves {
                leaves.entry(k).or_default().merge(d);
            }
        }
        for (key, data) in leaves {
            // A path and method that never got a routed answer is no evidence of an endpoint.
            let only_misses = data.traffic.routed_hits == 0;
            if only_misses {
                inv.noise += data.traffic.hits;
                continue;
            }
            inv.endpoints.push(Endpoint {
                method: key.method.clone(),
                host: self.host.to_string(),
                template: PathTemplate::new(prefix.clone()),
                operation: key.operation.clone(),
                data,
            });
        }

        // Children: union over the covered nodes.
        let mut kids: BTreeMap<&str, Vec<u32>> = BTreeMap::new();
        for &n in nodes {
            for (seg, child) in &self.trie.nodes[n as usize].children {
                kids.entry(seg).or_default().push(*child);
            }
        }
        if kids.is_empty() {
            return;
        }
        let suffixed = split_suffixes(&mut kids);
        let decision = self.decide(&kids, prefix);
        for value in &decision.noise {
            inv.noise += self.subtree_hits(&kids[value]);
        }
        for value in &decision.literals {
            prefix.push(TemplateSegment::Literal {
                text: value.to_string(),
            });
            self.walk(&kids[value], prefix, inv);
            prefix.pop();
        }
        if !decision.param.is_empty() {
            let ids: Vec<u32> = decision
                .param
                .iter()
                .flat_map(|v| kids[v].iter().copied())
                .collect();
            let class = decision.param_class.unwrap_or(SegmentClass::Slug);
            self.walk_param(ids, class, String::new(), prefix, inv);
        }
        // Values with a common extension (`{list}.json`): decided on their stems.
        for (suffix, stems) in &suffixed {
            let decision = self.decide(stems, prefix);
            for value in decision.literals.iter().chain(&decision.noise) {
                prefix.push(TemplateSegment::Literal {
                    text: format!("{value}{suffix}"),
                });
                self.walk(&stems[value], prefix, inv);
                prefix.pop();
            }
            if !decision.param.is_empty() {
                let ids: Vec<u32> = decision
                    .param
                    .iter()
                    .flat_map(|v| stems[v].iter().copied())
                    .collect();
                let class = decision.param_class.unwrap_or(SegmentClass::Slug);
                self.walk_param(ids, class, suffix.to_string(), prefix, inv);
            }
        }
    }

    fn walk_param(
        &self,
        mut ids: Vec<u32>,
        class: SegmentClass,
        suffix: String,
        prefix: &mut Vec<TemplateSegment>,
        inv: &mut Inventory,
    ) {
        ids.sort_unstable();
        let prev = prefix.iter().rev().find_map(|s| match s {
            TemplateSegment::Literal { text } => Some(text.as_str()),
            TemplateSegment::Param { .. } => None,
        });
        let taken: Vec<String> = prefix
            .iter()
            .filter_map(|s| match s {
                TemplateSegment::Param { name, .. } => Some(name.clone()),
                _ => None,
            })
            .collect();
        let name = param_name(prev, class, &taken);
        prefix.push(TemplateSegment::Param {
            name,
            class,
            suffix,
        });
        self.walk(&ids, prefix, inv);
        prefix.pop();
    }

    fn decide<'k>(
        &self,
        kids: &'k BTreeMap<&'k str, Vec<u32>>,
        prefix: &[TemplateSegment],
    ) -> Split<'k> {
        let mut infos: Vec<ChildInfo> = kids
            .iter()
            .map(|(value, ids)| self.child_info(value, ids))
            .collect();
        for info in &mut infos {
            info.known = !prefix.is_empty() && self.known.contains(info.value);
        }
        let depth = prefix.len();
        let (forced, forced_literals) = self.forced_at(prefix);
        let never = self.never_merge_at(prefix);
        let label = self
            .cfg
            .debug
            .then(|| format!("{}{}", self.host, PathTemplate::new(prefix.to_vec())));
        let mut decision = split(
            &infos,
            depth,
            forced,
            never,
            &self.cfg.infer,
            label.as_deref(),
        );
        if forced {
            let (lits, params): (Vec<&str>, Vec<&str>) = decision
                .param
                .iter()
                .partition(|v| forced_literals.contains(**v));
            decision.literals.extend(lits);
            decision.param = params;
        }
        if decision.param.len() >= 2 {
            let mut learned = self.learned.borrow_mut();
            // Only compound words (`kube-system`, `alice368`) are remembered: a plain word may
            // be a value in one place and a static name in another.
            for value in &decision.param {
                if learned.len() >= MAX_LEARNED {
                    break;
                }
                if !is_overflow(value)
                    && matches!(
                        class_of(value),
                        SegmentClass::Slug | SegmentClass::WordNumber
                    )
                {
                    learned.insert(value.to_string());
                }
            }
        }
        decision
    }

    fn subtree_hits(&self, ids: &[u32]) -> u64 {
        let mut total = 0;
        let mut stack: Vec<u32> = ids.to_vec();
        while let Some(n) = stack.pop() {
            let node = &self.trie.nodes[n as usize];
            total += node.leaves.values().map(|d| d.traffic.hits).sum::<u64>();
            stack.extend(node.children.values().copied());
        }
        total
    }

    fn child_info<'v>(&self, value: &'v str, ids: &[u32]) -> ChildInfo<'v> {
        let mut shapes: BTreeMap<String, BTreeSet<u64>> = BTreeMap::new();
        let mut below = BTreeSet::new();
        let mut distinct_children: BTreeSet<&str> = BTreeSet::new();
        let mut methods = BTreeSet::new();
        let mut has_children = false;
        let mut routed = 0;
        for &id in ids {
            routed += self.routed[id as usize];
            let node = &self.trie.nodes[id as usize];
            has_children |= !node.children.is_empty();
            for (k, d) in &node.leaves {
                methods.insert(k.method.clone());
                add_shapes(&mut shapes, &k.method, d);
            }
            for seg in node.children.keys().take(MAX_CHILD_SHAPES) {
                distinct_children.insert(seg);
            }
            for (seg, child) in node.children.iter().take(MAX_CHILD_SHAPES) {
                let seg: &str = seg;
                let strong = is_overflow(seg) || class_of(seg).is_strong_id();
                if !strong {
                    below.insert(hash_of(&[seg]));
                }
                // Shapes one level down, keyed by the segment (ids as `#`), so two values are
                // compared on the same sub-resource.
                let label = if strong { "#" } else { seg };
                for (k, d) in &self.trie.nodes[*child as usize].leaves {
                    add_shapes(&mut shapes, &format!("{label}/{}", k.method), d);
                }
            }
        }
        let mut profile = BTreeSet::new();
        let mut deep: BTreeMap<String, BTreeSet<u64>> = BTreeMap::new();
        let mut frontier: Vec<u32> = ids.to_vec();
        for depth in 0..PROFILE_DEPTH {
            let mut next = Vec::new();
            for &id in frontier.iter().take(256) {
                let node = &self.trie.nodes[id as usize];
                for (k, d) in &node.leaves {
                    profile.insert((depth, k.method.clone()));
                    let keys = d.shape_keys();
                    if depth > 0 && !keys.res.is_empty() {
                        deep.entry(format!("{depth}:{}", k.method))
                            .or_default()
                            .extend(keys.res.iter().copied());
                    }
                }
                next.extend(node.children.values().copied());
            }
            frontier = next;
        }
        ChildInfo {
            known: false,
            parents: ids.len(),
            n_children: distinct_children.len(),
            words_below: !distinct_children.is_empty()
                && distinct_children.len() <= 4
                && distinct_children.iter().all(|c| {
                    c.bytes()
                        .all(|b| b.is_ascii_alphabetic() || b == b'-' || b == b'_')
                }),
            value,
            class: class_of(value),
            shapes,
            below,
            methods,
            profile,
            deep,
            has_children,
            routed_hits: routed,
        }
    }

    fn forced_at(&self, prefix: &[TemplateSegment]) -> (bool, BTreeSet<String>) {
        let mut forced = false;
        let mut literals = BTreeSet::new();
        for t in &self.cfg.templates {
            let segs = t.segments();
            if segs.len() <= prefix.len() || !compatible(&segs[..prefix.len()], prefix) {
                continue;
            }
            match &segs[prefix.len()] {
                TemplateSegment::Param { .. } => forced = true,
                TemplateSegment::Literal { text } => {
                    literals.insert(text.clone());
                }
            }
        }
        (forced, literals)
    }

    fn never_merge_at(&self, prefix: &[TemplateSegment]) -> bool {
        self.cfg.never_merge.iter().any(|t| {
            let segs = t.segments();
            segs.len() <= prefix.len() && compatible(segs, &prefix[..segs.len()])
        })
    }
}

fn compatible(rule: &[TemplateSegment], prefix: &[TemplateSegment]) -> bool {
    rule.iter().zip(prefix).all(|(r, p)| match (r, p) {
        (TemplateSegment::Param { .. }, _) => true,
        (TemplateSegment::Literal { text: a }, TemplateSegment::Literal { text: b }) => a == b,
        (TemplateSegment::Literal { .. }, TemplateSegment::Param { .. }) => false,
    })
}

#[cfg(test)]
#[path = "inventory_tests.rs"]
mod tests;
