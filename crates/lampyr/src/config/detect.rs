//! The `detect:` section: attack inspection (paranoia, threshold, user rules, disabled
//! rules), behaviour thresholds, posture, incidents and alert sinks.

use serde_yaml::Value;

use lampyr_detect::InspectConfig;

use super::Checker;

/// Validated `detect:` settings.
#[derive(Debug, Clone, Default)]
pub struct DetectConfig {
    /// Attack inspection.
    pub inspect: InspectConfig,
}

impl DetectConfig {
    /// The settings of the analysis pipeline's detection stage.
    pub fn analytics(&self) -> lampyr_analytics::DetectionConfig {
        lampyr_analytics::DetectionConfig {
            inspect: self.inspect.clone(),
        }
    }
}

impl Checker {
    /// `detect:`.
    pub(super) fn detect(&mut self, v: &Value) -> DetectConfig {
        let mut out = DetectConfig::default();
        let Some(m) = self.map(v, "detect", &["paranoia", "threshold"]) else {
            return out;
        };
        if let Some(p) = m.get("paranoia") {
            match p.as_u64() {
                Some(n @ 1..=4) => out.inspect.paranoia = n as u8,
                _ => self.err("detect.paranoia", "expected a paranoia level 1 to 4"),
            }
        }
        if let Some(t) = m.get("threshold") {
            match t.as_u64() {
                Some(n @ 1..=1000) => out.inspect.threshold = n as u32,
                _ => self.err(
                    "detect.threshold",
                    "expected an anomaly score threshold 1 to 1000 (5 = one critical hit)",
                ),
            }
        }
        out
    }
}
