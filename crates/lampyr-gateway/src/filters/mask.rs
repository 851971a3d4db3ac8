//! Response phase: masking sensitive values in JSON response bodies with `lampyr-classify`.
//!
//! The body is walked once: every string and number leaf is classified with its key context,
//! and each field path that holds a sensitive value of a masked type becomes a masking rule
//! (per-type display convention, `138****5678`). `mask_json` then rewrites only those values,
//! leaving every other byte, key order and formatting as the upstream sent it.
//!
//! Choices worth knowing:
//! * A rule covers its path, so once one record of a list shows a mobile number at
//!   `data[].phone`, every record's `phone` is masked (values of another shape fall back to
//!   the generic mask: nothing at a sensitive path is left in clear).
//! * A value in which a sensitive value is only part of free text is masked whole.
//! * Work is bounded: at most [`MAX_CLASSIFIED`] leaves are classified and [`MAX_LEAVES`]
//!   looked at; leaves past that at paths with no rule yet, and leaves under paths longer
//!   than [`MAX_PATH`], pass in clear (paths with a rule are always masked in full). Bodies
//!   nested deeper than `MAX_JSON_DEPTH` pass as `too_deep`.

mod walk;

use std::cell::RefCell;
use std::collections::HashSet;

use lampyr_classify::detect::HIT;
use lampyr_classify::mask::{mask_json, FieldPath, JsonMaskRule, MaskStrategy, MAX_JSON_DEPTH};
use lampyr_classify::{Classifier, ClassifyOptions, SensitiveType};
use lampyr_spec::MaskSpec;

use crate::auth::Identity;

#[cfg(test)]
mod tests;

/// Leaves classified per body (values at paths already masked are not counted).
pub const MAX_CLASSIFIED: usize = 20_000;
/// Distinct masking rules per body (`mask_json` costs body length × rules).
pub const MAX_RULES: usize = 512;
/// Leaves looked at per body; the walk stops there.
pub const MAX_LEAVES: usize = 200_000;
/// Longest field path considered; leaves under longer paths pass in clear.
pub const MAX_PATH: usize = 1024;

thread_local! {
    /// The classifier keeps caches and needs `&mut`: one per gateway thread.
    static CLASSIFIER: RefCell<Classifier> = RefCell::new(Classifier::new(&ClassifyOptions::default()));
}

/// A set of sensitive types as bits of [`SensitiveType::index`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
struct TypeSet(u64);

impl TypeSet {
    const ALL: TypeSet = TypeSet((1u64 << SensitiveType::ALL.len()) - 1);

    fn with(self, t: SensitiveType) -> TypeSet {
        TypeSet(self.0 | 1 << t.index())
    }

    fn contains(self, t: SensitiveType) -> bool {
        self.0 & (1 << t.index()) != 0
    }

    fn minus(self, other: TypeSet) -> TypeSet {
        TypeSet(self.0 & !other.0)
    }

    fn is_empty(self) -> bool {
        self.0 == 0
    }
}

/// What one caller gets masked on a route.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MaskPlan {
    types: TypeSet,
}

impl MaskPlan {
    /// Whether values of type `t` are masked for this caller.
    pub fn masks(&self, t: SensitiveType) -> bool {
        self.types.contains(t)
    }
}

/// The result of masking one body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MaskOutcome {
    /// Sensitive values were replaced; `count` values.
    Masked {
        /// The masked body.
        body: Vec<u8>,
        /// Values replaced.
        count: usize,
    },
    /// No sensitive value of a masked type was found: send the body as it is.
    Unchanged,
    /// The body could not be masked (`too_large`, `not_json`, `too_deep`) and goes out as it
    /// is; the caller counts it.
    Passed(&'static str),
}

/// A clear-view grant: all types, or some.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Clear {
    All,
    Some(TypeSet),
}

/// A route's masking, compiled from its spec.
#[derive(Debug, Clone)]
pub struct RouteMask {
    types: TypeSet,
    clear_groups: Vec<(String, Clear)>,
    clear_consumers: Vec<(String, Clear)>,
    max_body: usize,
}

fn parse_types<'a>(
    ids: impl IntoIterator<Item = &'a String>,
    allow_star: bool,
    unknown: &mut Vec<String>,
) -> Clear {
    let mut set = TypeSet::default();
    for id in ids {
        if allow_star && id == "*" {
            return Clear::All;
        }
        match SensitiveType::from_id(id) {
            Some(t) => set = set.with(t),
            None => unknown.push(id.clone()),
        }
    }
    Clear::Some(set)
}

impl RouteMask {
    /// Compiles a mask spec; unknown type ids are all named in the error.
    pub fn new(spec: &MaskSpec) -> Result<RouteMask, String> {
        let mut unknown = Vec::new();
        let types = match parse_types(&spec.types, false, &mut unknown) {
            Clear::Some(s) if !spec.types.is_empty() => s,
            _ => TypeSet::ALL,
        };
        let mut grants = |m: &std::collections::BTreeMap<String, Vec<String>>| {
            m.iter()
                .map(|(who, ids)| (who.clone(), parse_types(ids, true, &mut unknown)))
                .collect::<Vec<_>>()
        };
        let clear_groups = grants(&spec.clear_for_groups);
        let clear_consumers = grants(&spec.clear_for_consumers);
        if !unknown.is_empty() {
            unknown.sort();
            unknown.dedup();
            return Err(format!(
                "unknown sensitive type id(s): {} (known: {})",
                unknown.join(", "),
                SensitiveType::ALL
                    .iter()
                    .map(|t| t.id())
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
        Ok(RouteMask {
            types,
            clear_groups,
            clear_consumers,
            max_body: spec.max_body,
        })
    }

    /// What this caller gets masked; `None` when the caller sees everything in clear (a
    /// `"*"` grant, or grants covering every masked type), so the body need not be buffered.
    pub fn plan(&self, identity: Option<&Identity>) -> Option<MaskPlan> {
        let mut types = self.types;
        if let Some(id) = identity {
            let consumer = &id.consumer;
            let grants = self
                .clear_consumers
                .iter()
                .filter(|(name, _)| *name == consumer.name)
                .chain(
                    self.clear_groups
                        .iter()
                        .filter(|(g, _)| consumer.groups.iter().any(|cg| cg == g)),
                );
            for (_, clear) in grants {
                match clear {
                    Clear::All => return None,
                    Clear::Some(s) => types = types.minus(*s),
                }
            }
        }
        (!types.is_empty()).then_some(MaskPlan { types })
    }

    /// Largest body masked; larger ones pass (the caller need not buffer more than this).
    pub fn max_body(&self) -> usize {
        self.max_body
    }

    /// Masks a complete JSON body. Not JSON, too deep or too big → `Passed(reason)` unchanged.
    pub fn mask(&self, plan: &MaskPlan, body: &[u8]) -> MaskOutcome {
        if body.len() > self.max_body {
            return MaskOutcome::Passed("too_large");
        }
        if body.iter().all(u8::is_ascii_whitespace) {
            return MaskOutcome::Unchanged;
        }
        if let Err(e) = serde_json::from_slice::<serde::de::IgnoredAny>(body) {
            let reason = if e.to_string().contains("recursion limit") {
                "too_deep"
            } else {
                "not_json"
            };
            return MaskOutcome::Passed(reason);
        }
        let found = CLASSIFIER.with(|c| match c.try_borrow_mut() {
            Ok(mut c) => find_rules(&mut c, plan, body),
            Err(_) => find_rules(
                &mut Classifier::new(&ClassifyOptions::default()),
                plan,
                body,
            ),
        });
        let Ok(rules) = found else {
            return MaskOutcome::Passed("too_deep");
        };
        if rules.is_empty() {
            return MaskOutcome::Unchanged;
        }
        match mask_json(body, &rules, b"") {
            Ok(m) if m.masked == 0 => MaskOutcome::Unchanged,
            Ok(m) => MaskOutcome::Masked {
                body: m.body,
                count: m.masked,
            },
            Err(lampyr_classify::mask::MaskError::TooDeep { .. }) => {
                MaskOutcome::Passed("too_deep")
            }
            Err(_) => MaskOutcome::Passed("not_json"),
        }
    }
}

/// The masking rules for a (valid JSON) body: one per field path holding a sensitive value.
/// Every budget bounds the work on a hostile body: leaves looked at, leaves classified,
/// rules, nesting depth and path length.
fn find_rules(
    c: &mut Classifier,
    plan: &MaskPlan,
    body: &[u8],
) -> Result<Vec<JsonMaskRule>, walk::TooDeep> {
    let mut rules: Vec<JsonMaskRule> = Vec::new();
    let mut ruled: HashSet<String> = HashSet::new();
    let mut classified = 0usize;
    let mut visited = 0usize;
    walk::leaves(body, MAX_JSON_DEPTH, |leaf| {
        visited += 1;
        if visited > MAX_LEAVES || rules.len() >= MAX_RULES || classified >= MAX_CLASSIFIED {
            return false;
        }
        if leaf.path.len() > MAX_PATH || ruled.contains(leaf.path) {
            return true;
        }
        classified += 1;
        let best = c
            .classify_value(leaf.key, leaf.parent, leaf.value)
            .into_iter()
            .filter(|d| d.score >= HIT && plan.types.contains(d.ty))
            .max_by(|a, b| a.score.total_cmp(&b.score));
        let Some(d) = best else { return true };
        let Ok(path) = FieldPath::parse(leaf.path) else {
            return true;
        };
        rules.push(JsonMaskRule {
            path,
            ty: d.ty,
            strategy: MaskStrategy::Default,
        });
        ruled.insert(leaf.path.to_owned());
        true
    })?;
    Ok(rules)
}

/// A `Content-Type` as the caller has it: the header value, or its text.
pub trait ContentType {
    /// The header's text, when it is text.
    fn text(&self) -> Option<&str>;
}

impl ContentType for &str {
    fn text(&self) -> Option<&str> {
        Some(self)
    }
}

impl ContentType for &http::HeaderValue {
    fn text(&self) -> Option<&str> {
        self.to_str().ok()
    }
}

impl ContentType for Option<&http::HeaderValue> {
    fn text(&self) -> Option<&str> {
        self.and_then(|v| v.to_str().ok())
    }
}

/// Whether a `Content-Type` is JSON (`application/json`, `text/json`, `*/*+json`): only those
/// bodies are buffered for masking.
pub fn is_json(content_type: impl ContentType) -> bool {
    let Some(v) = content_type.text() else {
        return false;
    };
    let media = v
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    let Some((top, sub)) = media.split_once('/') else {
        return false;
    };
    matches!(top, "application" | "text") && (sub == "json" || sub.ends_with("+json"))
}
