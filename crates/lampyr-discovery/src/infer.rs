//! Path templating: deciding which sibling segments are values of one parameter.
//!
//! The tree of concrete paths is walked from the root. At each template node the children
//! (distinct segment values, merged over every concrete node the template node stands for)
//! are split into literals and at most one parameter:
//!
//! 1. Values that are identifiers by form (numbers, UUIDs, hashes, prefixed ids, opaque
//!    tokens, e-mails) form the parameter at once, even when seen once.
//! 2. When such a parameter exists, word-like siblings stay literal (`/users/me` beside
//!    `/users/{id}`): literal siblings win, unless they are a cohort of values themselves.
//! 3. Otherwise word-like values (slugs, user names, words) become a parameter only as a
//!    cohort: values whose sub-trees and message shapes look alike, with evidence of being
//!    data (digits, upper-case codes, enum-like sub-trees, numbers of cohesive values, or
//!    values already seen as parameter values elsewhere). Siblings whose structure is their
//!    own stay literal.
//! 4. Versions near the root (`v2`, `1.0`, `/2010-04-01`, a lone small integer such as
//!    `/rest/api/3`) and dotted RPC names never become parameters.
//!
//! docs/discovery.md explains each rule and why. All decisions read sorted sets, so the
//! result does not depend on traffic order.

use std::collections::{BTreeMap, BTreeSet};

use crate::segment::{char_shape, classify, parse_id_key, SegmentClass};
use crate::trie::{is_overflow, OVERFLOW};

/// What templating needs to know of one concrete child value.
#[derive(Debug, Clone)]
pub(crate) struct ChildInfo<'a> {
    pub value: &'a str,
    pub class: SegmentClass,
    /// Message shape keys per method answered at this value (non-empty only).
    pub shapes: BTreeMap<String, BTreeSet<u64>>,
    /// Word-like segment names found directly below this value.
    pub below: BTreeSet<u64>,
    /// Leaf methods by relative depth in the sub-tree (ids and words below generalised).
    pub profile: BTreeSet<(u8, String)>,
    /// Response field names anywhere below (up to a few levels), by relative depth and method.
    pub deep: BTreeMap<String, BTreeSet<u64>>,
    /// Methods answered at this value.
    pub methods: BTreeSet<String>,
    /// True when paths continue below this value.
    pub has_children: bool,
    /// Exchanges in the sub-tree whose response says the path exists.
    pub routed_hits: u64,
    /// A word already known as a parameter value elsewhere in the host's tree.
    pub known: bool,
    /// Concrete nodes this value was seen under (how many distinct parent paths).
    pub parents: usize,
    /// Distinct segments found directly below this value.
    pub n_children: usize,
    /// Every segment directly below is a plain word (letters, `-`, `_`): names, not values.
    pub words_below: bool,
}

/// The decision for one template node.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct Split<'a> {
    /// Values kept as literal children.
    pub literals: Vec<&'a str>,
    /// Values folded into the parameter, with the class that names it.
    pub param: Vec<&'a str>,
    /// Class of the parameter's values (most common strong class, else `Slug`).
    pub param_class: Option<SegmentClass>,
    /// Values dropped as noise (only 404s, fit nothing).
    pub noise: Vec<&'a str>,
}

/// Tunables of the decision; defaults are what the benchmarks report.
#[derive(Debug, Clone, Copy)]
pub struct InferOptions {
    /// Word-like values needed, at least, for a cohort to be a parameter on count alone.
    pub min_cohort_by_count: usize,
    /// Shape similarity (Jaccard) from which two siblings count as the same resource.
    pub typicality: f64,
    /// Shape similarity under which two siblings count as different resources.
    pub distinct_below: f64,
}

impl Default for InferOptions {
    fn default() -> Self {
        Self {
            min_cohort_by_count: 20,
            typicality: 0.6,
            distinct_below: 0.4,
        }
    }
}

/// Share of the words below two values they must have in common to count as alike (REST
/// naming repeats a few words, `properties`, `search`, under unrelated collections).
const BELOW_SAME: f64 = 0.3;

/// Alike compound names that make a cohort by themselves.
const MIN_COMPOUND_COHORT: usize = 8;

/// Deepest position (0-based) where a lone small integer is read as an API version.
pub(crate) const MAX_VERSION_DEPTH: usize = 3;

/// Word values needed beside an id parameter to join it as a cohort of their own.
const MIN_SECOND_COHORT: usize = 3;

/// Siblings compared pairwise at most; past that the first ones (sorted) stand for all.
const MAX_PAIRWISE: usize = 256;

fn jaccard(a: &BTreeSet<u64>, b: &BTreeSet<u64>) -> f64 {
    let inter = a.intersection(b).count();
    let union = a.len() + b.len() - inter;
    if union == 0 {
        return 0.0;
    }
    inter as f64 / union as f64
}

fn mean_pairwise(items: &[&ChildInfo], f: impl Fn(&ChildInfo, &ChildInfo) -> f64) -> f64 {
    let items = &items[..items.len().min(64)];
    let mut sum = 0.0;
    let mut n = 0usize;
    for (i, a) in items.iter().enumerate() {
        for b in &items[i + 1..] {
            sum += f(a, b);
            n += 1;
        }
    }
    if n == 0 {
        0.0
    } else {
        sum / n as f64
    }
}

/// Overlap coefficient: optional fields make one sample a subset of another, which still
/// counts as the same shape.
fn overlap(a: &BTreeSet<u64>, b: &BTreeSet<u64>) -> f64 {
    let small = a.len().min(b.len());
    if small == 0 {
        return 1.0;
    }
    a.intersection(b).count() as f64 / small as f64
}

enum Relation {
    Same,
    Distinct,
    Unknown,
}

fn relation(a: &ChildInfo, b: &ChildInfo, opts: &InferOptions) -> Relation {
    let mut best: Option<f64> = None;
    let mut worst: Option<f64> = None;
    for (method, sa) in &a.shapes {
        if let Some(sb) = b.shapes.get(method) {
            let j = overlap(sa, sb);
            best = Some(best.map_or(j, |x: f64| x.max(j)));
            worst = Some(worst.map_or(j, |x: f64| x.min(j)));
        }
    }
    if best.is_some_and(|b| b >= opts.typicality) {
        return Relation::Same;
    }
    if worst.is_some_and(|w| w < opts.distinct_below) {
        return Relation::Distinct;
    }
    if jaccard(&a.below, &b.below) >= BELOW_SAME {
        return Relation::Same;
    }
    if best.is_none() && !a.profile.is_empty() && a.profile == b.profile && a.has_children {
        // Nothing to compare at the top, but the same shape of sub-tree below.
        return Relation::Same;
    }
    if best.is_none()
        && !a.has_children
        && !b.has_children
        && !a.methods.is_empty()
        && a.methods == b.methods
    {
        // Leaves answering the same methods with no body to compare.
        return Relation::Same;
    }
    Relation::Unknown
}

/// How alike two sub-trees' messages are: the mean overlap over (depth, method) keys both
/// have; `None` when there is nothing to compare.
fn deep_similarity(a: &ChildInfo, b: &ChildInfo) -> Option<f64> {
    let mut sum = 0.0;
    let mut n = 0;
    for (k, sa) in &a.deep {
        if let Some(sb) = b.deep.get(k) {
            sum += overlap(sa, sb);
            n += 1;
        }
    }
    (n > 0).then(|| sum / n as f64)
}

fn is_camel(s: &str) -> bool {
    s.as_bytes()
        .windows(2)
        .any(|w| w[0].is_ascii_lowercase() && w[1].is_ascii_uppercase())
}

fn has_digit(s: &str) -> bool {
    s.bytes().any(|b| b.is_ascii_digit())
}

/// Splits the children of one template node.
pub(crate) fn split<'a>(
    children: &[ChildInfo<'a>],
    depth: usize,
    forced_param: bool,
    never_merge: bool,
    opts: &InferOptions,
    debug: Option<&str>,
) -> Split<'a> {
    let mut out = Split::default();
    if never_merge {
        out.literals = children.iter().map(|c| c.value).collect();
        return out;
    }
    if forced_param {
        out.param = children.iter().map(|c| c.value).collect();
        out.param_class = Some(dominant_class(children.iter()));
        return out;
    }
    let mut strong: Vec<&ChildInfo> = Vec::new();
    let mut strong_misses: Vec<&ChildInfo> = Vec::new();
    let mut weak: Vec<&ChildInfo> = Vec::new();
    for c in children {
        if c.value == OVERFLOW {
            strong.push(c);
            continue;
        }
        // A lone integer near the root is an API version (`/3/movie`, `/rest/api/3/...`):
        // the only number at its position, small, and with a sub-tree of its own.
        let lone_integer = matches!(c.class, SegmentClass::Integer)
            && children
                .iter()
                .filter(|o| o.class == SegmentClass::Integer)
                .count()
                == 1;
        let first_level_single = lone_integer
            && (depth == 0
                || (depth <= MAX_VERSION_DEPTH && c.value.len() <= 2 && c.n_children >= 3));
        // A date deep in a path is data (`/lists/2019-02-28`); near the root it is an API
        // version (`/2010-04-01/...`).
        let deep_date = depth >= 2 && c.class == SegmentClass::Date;
        if (c.class.is_strong_id() || deep_date) && !first_level_single {
            if c.routed_hits > 0 || c.value == OVERFLOW {
                strong.push(c);
            } else {
                // An id-like value that only ever got 404: a scanner's guess or a miss on a
                // real parameter. It joins a parameter formed by routed values, never forms one.
                strong_misses.push(c);
            }
        } else {
            weak.push(c);
        }
    }
    if strong.is_empty() && !strong_misses.is_empty() {
        out.noise.extend(strong_misses.iter().map(|c| c.value));
        strong_misses.clear();
    }
    if !strong.is_empty() {
        strong.append(&mut strong_misses);
        out.param_class = Some(dominant_class(strong.iter().copied()));
        out.param = strong.iter().map(|c| c.value).collect();
        let shapes: BTreeSet<(usize, u8)> = strong.iter().map(|c| char_shape(c.value)).collect();
        let joint = shapes.iter().fold(0u8, |acc, (_, m)| acc | m);
        let mut rest: Vec<ChildInfo<'a>> = Vec::new();
        for c in weak {
            let (len, mask) = char_shape(c.value);
            // Same length and character kinds as the ids (`PJPJDHY` beside `P0JYDLN`); a
            // lower-case word (`trending`) is how static names look, so it never qualifies.
            let same_form = shapes.iter().any(|(l, _)| *l == len)
                && mask & !joint == 0
                && mask != 2
                && c.class != SegmentClass::Date;
            let many_ids =
                strong.len() >= 2 || strong.iter().any(|s| parse_id_key(s.value).is_some());
            if c.routed_hits == 0 || c.known || (same_form && many_ids) {
                // A word that only ever got 404 beside an id parameter: a miss on the param.
                out.param.push(c.value);
            } else {
                rest.push(c.clone());
            }
        }
        // Words stay literal beside an id parameter (`/users/me`), unless they are a cohort of
        // values themselves (a second parameter answering other methods, e.g. names beside ids).
        if rest.len() >= MIN_SECOND_COHORT {
            let words = split(&rest, depth, false, false, opts, debug);
            if words.param.len() >= MIN_SECOND_COHORT {
                out.param.extend(words.param);
                out.literals.extend(words.literals);
                out.noise.extend(words.noise);
                return out;
            }
        }
        out.literals.extend(rest.iter().map(|c| c.value));
        return out;
    }

    // Only word-like values. Candidates exclude versions and noise.
    let versions = weak
        .iter()
        .filter(|c| c.class == SegmentClass::Version)
        .count();
    let (candidates, fixed): (Vec<&ChildInfo>, Vec<&ChildInfo>) = weak.iter().partition(|c| {
        // Version-like values deep in a path are data (tags, branches: `v4.9`, `v6.1`); near
        // the root, or one or two of them, they are API versions.
        let data_version = c.class == SegmentClass::Version && depth >= 2 && versions >= 3;
        c.routed_hits > 0
            && (data_version || !matches!(c.class, SegmentClass::Version | SegmentClass::Other))
    });
    let mut noise_seen = Vec::new();
    for c in &fixed {
        if c.routed_hits == 0 {
            noise_seen.push(c.value);
        } else {
            out.literals.push(c.value);
        }
    }
    if candidates.len() == 1 && candidates[0].known {
        out.param.push(candidates[0].value);
        out.param_class = Some(candidates[0].class);
        out.noise.extend(noise_seen);
        return out;
    }
    if candidates.len() < 2 {
        out.literals.extend(candidates.iter().map(|c| c.value));
        out.noise.extend(noise_seen);
        return out;
    }
    // Pairwise evidence between siblings. Two values of one parameter answer the same method
    // with the same message shape, or lead to the same words below them; two static siblings
    // are different resources, so where both answer one method their shapes differ.
    let probe: Vec<&ChildInfo> = candidates.iter().copied().take(MAX_PAIRWISE).collect();
    let mut same = vec![0usize; candidates.len()];
    let mut distinct = vec![0usize; candidates.len()];
    for (i, c) in candidates.iter().enumerate() {
        for o in &probe {
            if o.value == c.value {
                continue;
            }
            match relation(c, o, opts) {
                Relation::Same => same[i] += 1,
                Relation::Distinct => distinct[i] += 1,
                Relation::Unknown => {}
            }
        }
    }
    let typical: Vec<&ChildInfo> = candidates
        .iter()
        .enumerate()
        .filter(|(i, _)| same[*i] > 0 && distinct[*i] <= same[*i])
        .map(|(_, c)| *c)
        .collect();
    // Cohesive values: clearly more alike than different. Decisions that rest on numbers of
    // values alone (no lexical evidence) count only these, since a large API's static
    // collections are often half alike (shared envelopes, shared sub-resource names).
    let cohesive: BTreeSet<&str> = candidates
        .iter()
        .enumerate()
        .filter(|(i, _)| same[*i] > 0 && distinct[*i] * 2 <= same[*i])
        .map(|(_, c)| c.value)
        .collect();
    let is_upper = |c: &ChildInfo| {
        c.value
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
    };
    let upper = typical.iter().filter(|c| is_upper(c)).count();
    // Upper-case codes (`A`, `AAAA`, `CNAME`; currencies, countries) among alike siblings are
    // values of one parameter even beside a lower-case static (`recordsets`).
    let mut typical = typical;
    if upper >= 3 && upper < typical.len() {
        typical.retain(|c| is_upper(c));
    }
    let n = typical.len();
    let digits = typical
        .iter()
        .filter(|c| has_digit(c.value) && c.class != SegmentClass::Date)
        .count();
    let dates = typical
        .iter()
        .filter(|c| c.class == SegmentClass::Date)
        .count();
    // Alike values that lead to the same words below (`/{access}/{agent}/...` enums).
    let same_profile = typical
        .windows(2)
        .all(|w| w[0].profile == w[1].profile && !w[0].profile.is_empty());
    // Namespaces, not values: every one leads somewhere, and no two lead to the same words
    // (`/auth/sms-login`, `/payouts/form`, `/vehicle/inspect`). Values of one parameter lead
    // to the same sub-resources.
    let disjoint_below = n >= 2
        && typical
            .iter()
            .all(|c| c.has_children && c.words_below && !c.below.is_empty())
        && mean_pairwise(&typical, |a, b| jaccard(&a.below, &b.below)) == 0.0;
    let shared_below = n >= 2
        && !disjoint_below
        && depth >= 1
        && typical.iter().all(|c| c.has_children)
        && ((same_profile
            // Pure path components (`daily`, `monthly`), not collections that are endpoints
            // themselves (`/git/blobs` answers POST beside `/git/blobs/{sha}`).
            && typical.iter().all(|c| c.methods.is_empty())
            && !typical.iter().any(|c| is_camel(c.value)))
            || (n >= 3 && mean_pairwise(&typical, |a, b| jaccard(&a.below, &b.below)) >= 0.5))
        && mean_pairwise(&typical, |a, b| deep_similarity(a, b).unwrap_or(0.0)) >= opts.typicality;
    // camelCase words (`boardStars`) are how static names look, seldom how data looks: they
    // do not count towards a cohort by size alone.
    let plain = typical
        .iter()
        .filter(|c| !is_camel(c.value) && cohesive.contains(c.value))
        .count();
    let known = candidates.iter().filter(|c| c.known).count();
    let by_evidence = (known >= 1 && known * 2 >= candidates.len().min(n.max(1)))
        || n >= 2
            && ((upper == n && n >= 3)
                || shared_below
                || (digits >= 1 && digits * 10 >= n)
                || (dates == n && depth >= 2));
    // Compound values only (`brave-heron`, `alice368`, `team_lynx`): a family of eight or more
    // alike names, none a plain word, is data; static names mix in plain words.
    let compound_only = n >= MIN_COMPOUND_COHORT
        && typical.iter().all(|c| {
            matches!(c.class, SegmentClass::Slug | SegmentClass::WordNumber)
                && cohesive.contains(c.value)
        });
    let by_count =
        n >= 2 && !disjoint_below && (plain >= opts.min_cohort_by_count || compound_only);
    let is_param = by_evidence || by_count;
    if let Some(label) = debug {
        eprintln!(
            "[templating] {label}: {} candidates, {} typical, {} with digits -> {}; typical={:?} atypical={:?}",
            candidates.len(),
            n,
            digits,
            if is_param { "PARAM" } else { "literal" },
            candidates
                .iter()
                .enumerate()
                .take(40)
                .map(|(i, c)| format!("{}:{}/{}", c.value, same[i], distinct[i]))
                .collect::<Vec<_>>(),
            candidates
                .iter()
                .filter(|c| !typical.iter().any(|t| t.value == c.value))
                .take(12)
                .map(|c| c.value)
                .collect::<Vec<_>>()
        );
    }
    if is_param {
        let mut typical_set: BTreeSet<&str> = typical.iter().map(|c| c.value).collect();
        // A plain word found under many more concrete parents than the cohort's values is a
        // static sub-resource of the parameter above (`/actions/{id}/board` is reached from
        // every action; a `{field}` value from one or two).
        let mut parents: Vec<usize> = typical.iter().map(|c| c.parents).collect();
        parents.sort_unstable();
        let median = parents.get(parents.len() / 2).copied().unwrap_or(0);
        let hub = |c: &ChildInfo| {
            c.class == SegmentClass::Word && c.parents >= 4 && c.parents >= median.max(1) * 4
        };
        for c in &typical {
            if hub(c) {
                typical_set.remove(c.value);
            }
        }
        let cohort_methods: BTreeSet<&String> =
            typical.iter().flat_map(|c| c.methods.iter()).collect();
        for (i, c) in candidates.iter().enumerate() {
            // A value with no evidence either way joins when it answers nothing the cohort
            // does not: a static sibling usually has a method or fields of its own.
            let compound = matches!(c.class, SegmentClass::Slug | SegmentClass::WordNumber);
            let joins = same[i] == 0
                && distinct[i] == 0
                && (compound || c.methods.iter().all(|m| cohort_methods.contains(m)));
            if typical_set.contains(c.value) || ((joins || c.known) && !hub(c)) {
                out.param.push(c.value);
            } else {
                out.literals.push(c.value);
            }
        }
        out.param.extend(noise_seen);
        out.param_class = Some(dominant_class(typical.iter().copied()));
    } else {
        out.literals.extend(candidates.iter().map(|c| c.value));
        out.noise.extend(noise_seen);
    }
    out
}

fn dominant_class<'b, 'a: 'b>(it: impl Iterator<Item = &'b ChildInfo<'a>>) -> SegmentClass {
    let mut counts: BTreeMap<SegmentClass, usize> = BTreeMap::new();
    for c in it {
        if !is_overflow(c.value) {
            *counts.entry(c.class).or_default() += 1;
        }
    }
    let total: usize = counts.values().sum();
    match counts
        .iter()
        .max_by_key(|(class, n)| (**n, std::cmp::Reverse(**class)))
    {
        Some((class, n)) if *n == total => *class,
        Some((class, n)) if class.is_strong_id() && *n * 10 >= total * 9 => *class,
        _ => SegmentClass::Slug,
    }
}

/// Classifies a value, with the overflow key treated as an opaque token.
pub(crate) fn class_of(value: &str) -> SegmentClass {
    if is_overflow(value) {
        SegmentClass::Token
    } else {
        classify(value)
    }
}
