//! The analysis pipeline: exchanges in, inventory and Analysis report v1 out.
//!
//! `lampyr analyze` feeds every input through one [`Analyzer`]; later issues add
//! classification and detection stages here, behind the same `observe` / `finish` calls.

pub mod alert;
pub mod detection;
mod endpoint_match;
pub mod findings;
pub mod incident;
pub mod live;
mod report;
mod sensitive;

pub use detection::{Detection, DetectionConfig};
pub use findings::{Finding, FindingsSummary};
pub use report::{
    EndpointReport, InputReport, LatencyReport, PathParamReport, Report, Summary, REPORT_VERSION,
};
pub use sensitive::{ExchangeRecords, SensitiveReport, SensitiveSummary, Sensitivity};

use lampyr_classify::grading::Grading;
use lampyr_classify::{Classifier, ClassifyOptions};
use lampyr_core::Exchange;
use lampyr_discovery::{Discovery, DiscoveryConfig};

/// Exchanges with sensitive responses remembered for the report (their record counts).
const MAX_RECORDED_EXCHANGES: usize = 1_000_000;

/// Settings of one analysis run.
#[derive(Debug, Clone, Default)]
pub struct AnalyzeConfig {
    /// API discovery rules and limits.
    pub discovery: DiscoveryConfig,
    /// Sensitive-data detection options.
    pub classify: ClassifyOptions,
    /// Grading profile and overrides.
    pub grading: Grading,
    /// Threat detection.
    pub detection: DetectionConfig,
}

/// Runs every analysis stage over a stream of exchanges.
#[derive(Debug)]
pub struct Analyzer {
    discovery: Discovery,
    classifier: Classifier,
    grading: Grading,
    detection: Detection,
    records: Vec<ExchangeRecords>,
    records_dropped: u64,
    inputs: Vec<InputReport>,
    /// Run-wide index of the current input's entry 0 (sum of the spans of the inputs added).
    index_offset: u64,
}

impl Analyzer {
    /// A new analysis. Fails when the detection settings do not build (a user rule that
    /// does not compile, an invalid fingerprint file).
    pub fn new(cfg: AnalyzeConfig) -> Result<Self, lampyr_detect::DetectError> {
        let detection = Detection::new(cfg.detection, &cfg.grading)?;
        Ok(Self {
            discovery: Discovery::new(cfg.discovery),
            classifier: Classifier::new(&cfg.classify),
            grading: cfg.grading,
            detection,
            records: Vec::new(),
            records_dropped: 0,
            inputs: Vec::new(),
            index_offset: 0,
        })
    }

    /// Feeds one exchange: classifies its values, then records it into discovery.
    pub fn observe(&mut self, ex: &Exchange) {
        let scan = self.classifier.scan(ex);
        if scan.response_records > 0 {
            if self.records.len() < MAX_RECORDED_EXCHANGES {
                self.records.push(ExchangeRecords::from_scan(ex, &scan));
            } else {
                self.records_dropped += 1;
            }
        }
        self.discovery.observe_with(ex, Some(&scan));
        self.detection
            .observe(ex, &scan, self.index_offset + ex.source.index);
        self.classifier.recycle(scan);
    }

    /// Records what was read from one input (in input order), so the report can list it and
    /// turn per-input entry indexes into run-wide ones.
    pub fn add_input(&mut self, input: InputReport) {
        self.index_offset += input.index_span;
        self.inputs.push(input);
    }

    /// Finishes every stage: the inventory and the report built from it.
    pub fn finish(self) -> Analysis {
        let inventory = self.discovery.finish();
        let (findings, incidents, findings_summary) =
            self.detection.finish(&inventory, &self.grading);
        let mut report = Report::build(&inventory, self.inputs, &self.grading, self.records);
        report.findings = findings;
        report.incidents = incidents;
        report.summary.findings = findings_summary;
        Analysis { inventory, report }
    }
}

/// Result of an analysis.
#[derive(Debug)]
pub struct Analysis {
    /// Discovered endpoints with their full parameter structure (for OpenAPI export).
    pub inventory: lampyr_discovery::Inventory,
    /// The Analysis report v1.
    pub report: Report,
}
