//! The sensitive-data part of the Analysis report: per-endpoint labels with their grade, the
//! endpoint's sensitivity, run totals, and per-exchange record counts for leak detection.

use std::collections::BTreeMap;

use serde::Serialize;

use lampyr_classify::field::Label;
use lampyr_classify::grading::Grading;
use lampyr_classify::{ExchangeScan, Place, SensitiveType};
use lampyr_core::Exchange;
use lampyr_discovery::{Endpoint, TemplateSegment};

/// One sensitive location of an endpoint (`endpoints[].sensitive[]`).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct SensitiveReport {
    /// `request.path`, `request.query`, `request.header`, `request.cookie`, `request.body`,
    /// `response.body` or `response.header`.
    #[serde(rename = "in")]
    pub place: &'static str,
    /// Dotted path with `[]` for array items, header name, query or cookie name, or `{param}`.
    pub field: String,
    /// Sensitive type id.
    #[serde(rename = "type")]
    pub ty: &'static str,
    /// Level under the grading profile (higher is more sensitive).
    pub level: u8,
    /// The standard's name for the level (`C2`, `sensitive-pi`, ...).
    pub level_label: &'static str,
    /// The standard's data category.
    pub category: &'static str,
    /// Sensitive personal information under the profile.
    pub sensitive_pi: bool,
    /// Values of this type seen at the location.
    pub hits: u64,
    /// Values seen at the location.
    pub values: u64,
    /// `hits / values`.
    pub ratio: f32,
    /// Mean detection confidence, 0..=1.
    pub confidence: f32,
    /// A masked example (never the clear value).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sample: Option<String>,
}

/// An endpoint's sensitivity: the highest level of its fields.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Sensitivity {
    /// Highest level.
    pub level: u8,
    /// Its label.
    pub label: &'static str,
    /// Distinct types served or accepted.
    pub types: Vec<&'static str>,
}

/// Run totals of sensitive data (`summary.sensitive`).
#[derive(Debug, Clone, Serialize, Default, PartialEq)]
pub struct SensitiveSummary {
    /// Grading profile id.
    pub profile: &'static str,
    /// Endpoints with at least one sensitive field.
    pub endpoints: usize,
    /// Endpoints per sensitivity level.
    pub endpoints_by_level: BTreeMap<u8, usize>,
    /// Per type: endpoints carrying it.
    pub types: BTreeMap<&'static str, usize>,
    /// Per type: labelled locations.
    pub locations: BTreeMap<&'static str, usize>,
    /// Exchanges whose responses carried sensitive values.
    pub exchanges_with_sensitive_responses: usize,
    /// Sensitive records in all responses.
    pub response_records: u64,
}

/// Records and values one response carried (`exchange_records[]`).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ExchangeRecords {
    /// Zero-based index of the exchange over all inputs in order.
    pub index: u64,
    /// Distinct records carrying sensitive values.
    pub records: u32,
    /// Sensitive values per type.
    pub values: BTreeMap<&'static str, u32>,
    #[serde(skip)]
    pub(crate) input: u32,
}

impl ExchangeRecords {
    /// From one exchange's classification (index local to its input until the report).
    pub fn from_scan(ex: &Exchange, scan: &ExchangeScan) -> Self {
        Self {
            index: ex.source.index,
            records: scan.response_records,
            values: scan
                .response_values
                .iter()
                .map(|(t, n)| (t.id(), *n))
                .collect(),
            input: ex.source.input,
        }
    }

    /// Makes the index run-wide.
    pub(crate) fn offset(&mut self, offsets: &[u64]) {
        self.index += offsets.get(self.input as usize).copied().unwrap_or(0);
    }
}

/// The endpoint's labels as report items, path segments named by the template.
pub fn endpoint_sensitive(e: &Endpoint, grading: &Grading) -> Vec<SensitiveReport> {
    let segments = e.template.segments();
    let mut out: Vec<SensitiveReport> = e
        .data
        .sensitive
        .labels()
        .into_iter()
        .filter_map(|l| item(l, segments, grading))
        .collect();
    out.sort_by(|a, b| (a.place, &a.field, a.ty).cmp(&(b.place, &b.field, b.ty)));
    out
}

fn item(l: Label, segments: &[TemplateSegment], grading: &Grading) -> Option<SensitiveReport> {
    let field = if l.place == Place::RequestPath {
        // Path evidence is kept by segment position; only parameters are fields.
        let pos: usize = l.field.parse().ok()?;
        match segments.get(pos)? {
            TemplateSegment::Param { name, .. } => format!("{{{name}}}"),
            TemplateSegment::Literal { .. } => return None,
        }
    } else {
        l.field.clone()
    };
    let g = grading.grade(l.ty);
    Some(SensitiveReport {
        place: l.place.as_str(),
        field,
        ty: l.ty.id(),
        level: g.level,
        level_label: g.label,
        category: g.category,
        sensitive_pi: g.sensitive_pi,
        hits: l.hits,
        values: l.values,
        ratio: round3(l.ratio()),
        confidence: round3(l.confidence),
        sample: l.sample,
    })
}

fn round3(x: f32) -> f32 {
    (x * 1000.0).round() / 1000.0
}

/// Whether an item is the caller's own credential (a token or API key in a request header or
/// cookie): how the API authenticates, reported under `auth`, not data the endpoint handles.
fn is_request_credential(i: &SensitiveReport) -> bool {
    matches!(i.place, "request.header" | "request.cookie") && matches!(i.ty, "jwt" | "secret_key")
}

/// The endpoint's sensitivity from its items: the highest level of the data it accepts or
/// serves. The caller's own credentials do not count (every authenticated endpoint has one);
/// they stay listed in `sensitive[]`.
pub fn sensitivity(items: &[SensitiveReport], grading: &Grading) -> Option<Sensitivity> {
    let data: Vec<&SensitiveReport> = items.iter().filter(|i| !is_request_credential(i)).collect();
    let top = *data.iter().max_by_key(|i| i.level)?;
    let mut types: Vec<&'static str> = data.iter().map(|i| i.ty).collect();
    types.sort_unstable();
    types.dedup();
    let tys: Vec<SensitiveType> = types
        .iter()
        .filter_map(|t| SensitiveType::from_id(t))
        .collect();
    // Combination rules (e.g. name + ID + phone in one endpoint) may raise the level.
    let level = grading.record_level(&tys).max(top.level);
    let label = if level == top.level {
        top.level_label
    } else {
        grading.profile().level_label(level)
    };
    Some(Sensitivity {
        level,
        label,
        types,
    })
}
