//! The `detect:` section: attack inspection (paranoia, threshold, user rules, disabled
//! rules), behaviour thresholds, posture, incidents and alert sinks.

use serde_yaml::Value;

use lampyr_analytics::alert::AlertConfig;
use lampyr_analytics::incident::IncidentConfig;
use lampyr_detect::posture::{Fingerprints, PostureConfig};
use lampyr_detect::InspectConfig;

use super::Checker;

/// Validated `detect:` settings.
#[derive(Debug, Clone, Default)]
pub struct DetectConfig {
    /// Attack inspection.
    pub inspect: InspectConfig,
    /// Behaviour thresholds (`detect.behavior`, docs/detection.md).
    pub behavior: lampyr_detect::behavior::BehaviorConfig,
    /// Posture checks (`detect.posture`).
    pub posture: PostureConfig,
    /// Fingerprints: the shipped set, extended or replaced by `detect.fingerprints.file`.
    pub fingerprints: Option<Fingerprints>,
    /// Incident grouping (`detect.incidents`).
    pub incidents: IncidentConfig,
    /// Alert sinks (`alerts`).
    pub alerts: AlertConfig,
}

impl DetectConfig {
    /// The settings of the analysis pipeline's detection stage.
    pub fn analytics(&self) -> lampyr_analytics::DetectionConfig {
        lampyr_analytics::DetectionConfig {
            inspect: self.inspect.clone(),
            behavior: self.behavior.clone(),
            posture: self.posture.clone(),
            fingerprints: self.fingerprints.clone(),
            incidents: self.incidents.clone(),
        }
    }
}

impl Checker {
    /// `detect:`.
    pub(super) fn detect(&mut self, v: &Value) -> DetectConfig {
        let mut out = DetectConfig::default();
        let Some(m) = self.map(
            v,
            "detect",
            &[
                "inspect",
                "behavior",
                "posture",
                "fingerprints",
                "incidents",
            ],
        ) else {
            return out;
        };
        if let Some(i) = m.get("inspect") {
            if let Some(cfg) = self.serde::<InspectConfig>(i, "detect.inspect") {
                // Building the inspector compiles the user rules: a bad regex is a config
                // error, reported with the rule's id, not a failure at the first request.
                match lampyr_detect::Inspector::new(cfg.clone()) {
                    Ok(_) => out.inspect = cfg,
                    Err(lampyr_detect::DetectError::Setting { setting, message }) => {
                        self.err(&setting, message)
                    }
                    Err(e) => self.err("detect.inspect.rules", e.to_string()),
                }
            }
        }
        if let Some(b) = m.get("behavior") {
            if let Some(cfg) = self.serde(b, "detect.behavior") {
                out.behavior = cfg;
            }
        }
        if let Some(p) = m.get("posture") {
            if let Some(cfg) = self.serde(p, "detect.posture") {
                out.posture = cfg;
            }
        }
        if let Some(i) = m.get("incidents") {
            if let Some(cfg) = self.serde::<IncidentConfig>(i, "detect.incidents") {
                match cfg.validate() {
                    Ok(()) => out.incidents = cfg,
                    Err(e) => self.err("detect.incidents", e),
                }
            }
        }
        if let Some(f) = m.get("fingerprints") {
            out.fingerprints = self.fingerprints(f);
        }
        out
    }

    /// `detect.fingerprints: {file, replace}`: a vulnerability fingerprint file (path relative
    /// to the working directory) extending the shipped one, or replacing it.
    fn fingerprints(&mut self, v: &Value) -> Option<Fingerprints> {
        let m = self.map(v, "detect.fingerprints", &["file", "replace"])?;
        let replace = match m.get("replace") {
            None => false,
            Some(r) => match r.as_bool() {
                Some(b) => b,
                None => {
                    self.err("detect.fingerprints.replace", "expected true or false");
                    false
                }
            },
        };
        let Some(file) = m.get("file").and_then(Value::as_str) else {
            self.err(
                "detect.fingerprints.file",
                "expected the path of a YAML file",
            );
            return None;
        };
        let text = match std::fs::read_to_string(file) {
            Ok(t) => t,
            Err(e) => {
                self.err(
                    "detect.fingerprints.file",
                    format!("cannot read {file}: {e}"),
                );
                return None;
            }
        };
        match Fingerprints::load(Some(&text), replace) {
            Ok(f) => Some(f),
            Err(e) => {
                self.err("detect.fingerprints.file", format!("{file}: {e}"));
                None
            }
        }
    }

    /// `alerts:`: minimum severity and sinks.
    pub(super) fn alerts(&mut self, v: &Value) -> AlertConfig {
        self.serde(v, "alerts").unwrap_or_default()
    }

    /// A sub-section parsed by serde (unknown keys rejected), its error reported at `at`.
    fn serde<T: serde::de::DeserializeOwned>(&mut self, v: &Value, at: &str) -> Option<T> {
        match serde_yaml::from_value(v.clone()) {
            Ok(t) => Some(t),
            Err(e) => {
                self.err(at, e.to_string());
                None
            }
        }
    }
}
