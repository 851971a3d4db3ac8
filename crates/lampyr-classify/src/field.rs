//! Field-level classification: evidence from many exchanges at one location decides the
//! location's types, so a field is classified, not a single value.
//!
//! A type labels a location when
//! - enough of its values are hits (at least [`MIN_RATIO`] of them), or
//! - its hits are strong on their own (mean score ≥ [`STRONG`]: a checksum plus an agreeing key,
//!   or a format that cannot be anything else), even when most values are of other types (a
//!   `certNo` holding ID numbers, passports and permits), or
//! - almost every value is at least weak evidence ([`PROMOTE_RATIO`] of at least
//!   [`PROMOTE_MIN_VALUES`] values): a column of surname-first Han names under a key that says
//!   nothing (`value`) is still a name column.

use std::collections::BTreeMap;

use crate::scan::{ExchangeScan, Place};
use crate::SensitiveType;

/// Share of hit values that labels a location.
pub const MIN_RATIO: f32 = 0.2;
/// Mean hit score that labels a location whatever the share.
pub const STRONG: f32 = 0.85;
/// Share of hit-or-weak values that promotes a location.
pub const PROMOTE_RATIO: f32 = 0.8;
/// Values needed before promotion applies.
pub const PROMOTE_MIN_VALUES: u32 = 5;
/// Locations kept per endpoint; later ones are counted in `dropped`.
pub const MAX_FIELDS: usize = 1024;

/// Evidence for one type at one location, over many exchanges.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TypeTally {
    /// Hit values.
    pub hits: u64,
    /// Weak values.
    pub weak: u64,
    /// Sum of hit scores.
    pub score_sum: f64,
    /// A masked example.
    pub sample: Option<String>,
}

/// Everything seen at one location.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FieldTally {
    /// Non-empty values seen.
    pub values: u64,
    /// Evidence per type.
    pub types: BTreeMap<SensitiveType, TypeTally>,
}

/// A decided label: this location carries this type.
#[derive(Debug, Clone, PartialEq)]
pub struct Label {
    /// Where.
    pub place: Place,
    /// Field path or name (path segment position for [`Place::RequestPath`]).
    pub field: String,
    /// The type.
    pub ty: SensitiveType,
    /// Values at the location.
    pub values: u64,
    /// Values of this type.
    pub hits: u64,
    /// Mean confidence of the hits.
    pub confidence: f32,
    /// A masked example.
    pub sample: Option<String>,
}

impl Label {
    /// Share of the location's values that are of this type.
    pub fn ratio(&self) -> f32 {
        if self.values == 0 {
            0.0
        } else {
            self.hits as f32 / self.values as f32
        }
    }
}

/// Per-location evidence of one endpoint. Merges commutatively (the smallest masked sample is
/// kept), so the inventory does not depend on input order.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SensitiveFields {
    fields: BTreeMap<(Place, String), FieldTally>,
    /// Locations not kept because of [`MAX_FIELDS`].
    pub dropped: u64,
}

impl SensitiveFields {
    /// Adds one exchange's observations.
    pub fn observe(&mut self, scan: &ExchangeScan) {
        for obs in &scan.fields {
            let Some(tally) = self.slot(obs.place, &obs.field) else {
                continue;
            };
            tally.values += u64::from(obs.values);
            for t in &obs.types {
                let e = tally.types.entry(t.ty).or_default();
                e.hits += u64::from(t.hits);
                e.weak += u64::from(t.weak);
                e.score_sum += f64::from(t.score_sum);
                keep_min(&mut e.sample, &t.sample);
            }
        }
    }

    fn slot(&mut self, place: Place, field: &str) -> Option<&mut FieldTally> {
        let key = (place, field.to_string());
        if !self.fields.contains_key(&key) && self.fields.len() >= MAX_FIELDS {
            self.dropped += 1;
            return None;
        }
        Some(self.fields.entry(key).or_default())
    }

    /// Adds another endpoint's evidence.
    pub fn merge(&mut self, other: &SensitiveFields) {
        self.dropped += other.dropped;
        for ((place, field), tally) in &other.fields {
            let Some(mine) = self.slot(*place, field) else {
                continue;
            };
            mine.values += tally.values;
            for (ty, t) in &tally.types {
                let e = mine.types.entry(*ty).or_default();
                e.hits += t.hits;
                e.weak += t.weak;
                e.score_sum += t.score_sum;
                keep_min(&mut e.sample, &t.sample);
            }
        }
    }

    /// Raw evidence per location.
    pub fn iter(&self) -> impl Iterator<Item = (&(Place, String), &FieldTally)> {
        self.fields.iter()
    }

    /// The decided labels, ordered by place and field.
    pub fn labels(&self) -> Vec<Label> {
        let mut out = Vec::new();
        for ((place, field), tally) in &self.fields {
            for (ty, t) in &tally.types {
                if decide(tally.values, t) {
                    let confidence = if t.hits > 0 {
                        (t.score_sum / t.hits as f64) as f32
                    } else {
                        0.5
                    };
                    out.push(Label {
                        place: *place,
                        field: field.clone(),
                        ty: *ty,
                        values: tally.values,
                        hits: if t.hits > 0 { t.hits } else { t.weak },
                        confidence,
                        sample: t.sample.clone(),
                    });
                }
            }
        }
        out
    }
}

/// Keeps the smaller sample, so the kept one does not depend on input order.
fn keep_min(mine: &mut Option<String>, other: &Option<String>) {
    if let Some(o) = other {
        if mine.as_ref().is_none_or(|m| o < m) {
            *mine = Some(o.clone());
        }
    }
}

/// The field-level rule (module docs).
pub fn decide(values: u64, t: &TypeTally) -> bool {
    let n = values.max(1) as f64;
    let mean = if t.hits > 0 {
        t.score_sum / t.hits as f64
    } else {
        0.0
    };
    let by_share = t.hits > 0 && t.hits as f64 / n >= f64::from(MIN_RATIO);
    let by_strength = t.hits > 0 && mean >= f64::from(STRONG) - 1e-6;
    let promoted = values >= u64::from(PROMOTE_MIN_VALUES)
        && (t.hits + t.weak) as f64 / n >= f64::from(PROMOTE_RATIO);
    by_share || by_strength || promoted
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tally(hits: u64, weak: u64, mean: f64) -> TypeTally {
        TypeTally {
            hits,
            weak,
            score_sum: mean * hits as f64,
            sample: None,
        }
    }

    #[test]
    fn share_strength_and_promotion() {
        // 1 Luhn-passing order number in 10, no key support: not a card column.
        assert!(!decide(10, &tally(1, 0, 0.6)));
        // Half the values validate: labelled.
        assert!(decide(10, &tally(5, 0, 0.6)));
        // One strong hit among many other document types: labelled.
        assert!(decide(10, &tally(1, 0, 0.9)));
        // Weak everywhere in a big enough sample: promoted.
        assert!(decide(10, &tally(0, 9, 0.0)));
        assert!(!decide(3, &tally(0, 3, 0.0)));
    }
}
