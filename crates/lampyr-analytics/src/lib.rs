//! The analysis pipeline: exchanges in, inventory and Analysis report v1 out.
//!
//! `lampyr analyze` feeds every input through one [`Analyzer`]; later issues add
//! classification and detection stages here, behind the same `observe` / `finish` calls.

mod report;

pub use report::{
    EndpointReport, InputReport, LatencyReport, PathParamReport, Report, Summary, REPORT_VERSION,
};

use lampyr_core::Exchange;
use lampyr_discovery::{Discovery, DiscoveryConfig};

/// Settings of one analysis run.
#[derive(Debug, Clone, Default)]
pub struct AnalyzeConfig {
    /// API discovery rules and limits.
    pub discovery: DiscoveryConfig,
}

/// Runs every analysis stage over a stream of exchanges.
#[derive(Debug)]
pub struct Analyzer {
    discovery: Discovery,
    inputs: Vec<InputReport>,
}

impl Analyzer {
    /// A new analysis.
    pub fn new(cfg: AnalyzeConfig) -> Self {
        Self {
            discovery: Discovery::new(cfg.discovery),
            inputs: Vec::new(),
        }
    }

    /// Feeds one exchange.
    pub fn observe(&mut self, ex: &Exchange) {
        self.discovery.observe(ex);
    }

    /// Records what was read from one input (in input order), so the report can list it and
    /// turn per-input entry indexes into run-wide ones.
    pub fn add_input(&mut self, input: InputReport) {
        self.inputs.push(input);
    }

    /// Finishes every stage: the inventory and the report built from it.
    pub fn finish(self) -> Analysis {
        let inventory = self.discovery.finish();
        let report = Report::build(&inventory, self.inputs);
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
