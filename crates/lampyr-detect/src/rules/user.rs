//! User rules from the configuration: a regex or a phrase list on one view of the values of
//! some locations and fields. They let an operator block what the built-in families do not
//! know (an internal product's debug parameter, a leaked token format) without a release.
//!
//! ```yaml
//! rules:
//!   - id: debug-param
//!     category: attack.command_injection
//!     severity: high
//!     locations: [request.query]
//!     fields: [debug]
//!     pattern: '^(?:1|true)$'
//!   - id: internal-hosts
//!     category: attack.ssrf
//!     phrases: [metadata.internal, vault.corp]
//! ```

use std::ops::Range;

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};
use regex::{Regex, RegexBuilder};
use serde::{Deserialize, Serialize};

use super::builtin::View;
use super::{Value, ValueKind};
use crate::{category, DetectError, Location, Severity};

/// Longest regex source accepted.
pub const MAX_PATTERN_LEN: usize = 4096;
/// Phrases per rule at most.
pub const MAX_PHRASES: usize = 10_000;
/// Compiled size limit of one regex.
const REGEX_SIZE_LIMIT: usize = 2 << 20;

/// One user rule as written in the configuration.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UserRule {
    /// Stable id (letters, digits, `-`, `_`, `.`); hits report `user.<id>`.
    pub id: String,
    /// Finding category: one of the `attack.*` categories of [`crate::category`].
    pub category: String,
    /// Severity (its score adds to the anomaly score).
    #[serde(default = "default_severity")]
    pub severity: Severity,
    /// Paranoia level 1–4 from which the rule counts.
    #[serde(default = "default_paranoia")]
    pub paranoia: u8,
    /// Where to look; empty = everywhere.
    #[serde(default)]
    pub locations: Vec<Location>,
    /// Which fields (placement field or key: `q`, `user.name`, `user-agent`); empty = all.
    #[serde(default)]
    pub fields: Vec<String>,
    /// A regex (Rust `regex` syntax) on the chosen view.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pattern: Option<String>,
    /// Phrases (ASCII case-insensitive); the alternative to `pattern`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub phrases: Vec<String>,
    /// The view matched: `raw`, `decoded`, `folded` (default) or `cmdline`.
    #[serde(default = "default_view")]
    pub view: View,
    /// Also match field names, not only contents.
    #[serde(default)]
    pub names: bool,
}

fn default_severity() -> Severity {
    Severity::Critical
}
fn default_paranoia() -> u8 {
    1
}
fn default_view() -> View {
    View::Folded
}

/// The categories a user rule may name.
const CATEGORIES: &[&str] = &[
    category::SQLI,
    category::XSS,
    category::PATH_TRAVERSAL,
    category::COMMAND_INJECTION,
    category::SSRF,
    category::XXE,
    category::SSTI,
    category::JNDI,
    category::NOSQLI,
    category::LDAPI,
    category::XPATHI,
    category::CRLF,
    category::PROTOTYPE_POLLUTION,
    category::DESERIALIZATION,
    category::MASS_ASSIGNMENT,
    category::SCANNER,
    super::session::SESSION_FIXATION,
];

#[derive(Debug)]
enum Matcher {
    Regex(Regex),
    Phrases(AhoCorasick),
}

/// A validated, compiled user rule.
#[derive(Debug)]
pub struct CompiledUserRule {
    /// `user.<id>`.
    pub rule_id: String,
    /// Category (one of the crate's constants).
    pub category: &'static str,
    /// Severity.
    pub severity: Severity,
    /// Paranoia level.
    pub paranoia: u8,
    locations: Vec<Location>,
    fields: Vec<String>,
    view: View,
    names: bool,
    matcher: Matcher,
}

impl UserRule {
    /// Validates and compiles the rule.
    pub fn compile(&self) -> Result<CompiledUserRule, DetectError> {
        let err = |message: String| DetectError::Rule {
            id: self.id.clone(),
            message,
        };
        if self.id.is_empty()
            || self.id.len() > 64
            || !self
                .id
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
        {
            return Err(err(
                "id must be 1 to 64 letters, digits, '-', '_' or '.'".into()
            ));
        }
        let category = CATEGORIES
            .iter()
            .copied()
            .find(|c| *c == self.category)
            .ok_or_else(|| {
                err(format!(
                    "unknown category `{}` (expected one of {})",
                    self.category,
                    CATEGORIES.join(", ")
                ))
            })?;
        if !(1..=4).contains(&self.paranoia) {
            return Err(err("paranoia must be 1 to 4".into()));
        }
        if self.fields.iter().any(String::is_empty) {
            return Err(err("fields must not be empty strings".into()));
        }
        if self
            .locations
            .iter()
            .any(|l| matches!(l, Location::ResponseBody | Location::ResponseHeader))
        {
            return Err(err("locations must be request locations".into()));
        }
        let matcher = match (&self.pattern, self.phrases.is_empty()) {
            (Some(_), false) | (None, true) => {
                return Err(err("give exactly one of `pattern` and `phrases`".into()))
            }
            (Some(p), true) => {
                if p.len() > MAX_PATTERN_LEN {
                    return Err(err(format!("pattern longer than {MAX_PATTERN_LEN} bytes")));
                }
                let rx = RegexBuilder::new(p)
                    .size_limit(REGEX_SIZE_LIMIT)
                    .build()
                    .map_err(|e| err(format!("pattern: {e}")))?;
                Matcher::Regex(rx)
            }
            (None, false) => {
                if self.phrases.len() > MAX_PHRASES {
                    return Err(err(format!("more than {MAX_PHRASES} phrases")));
                }
                if self.phrases.iter().any(String::is_empty) {
                    return Err(err("phrases must not be empty".into()));
                }
                let ac = AhoCorasickBuilder::new()
                    .ascii_case_insensitive(true)
                    .match_kind(MatchKind::LeftmostFirst)
                    .build(&self.phrases)
                    .map_err(|e| err(format!("phrases: {e}")))?;
                Matcher::Phrases(ac)
            }
        };
        Ok(CompiledUserRule {
            rule_id: format!("user.{}", self.id),
            category,
            severity: self.severity,
            paranoia: self.paranoia,
            locations: self.locations.clone(),
            fields: self.fields.clone(),
            view: self.view,
            names: self.names,
            matcher,
        })
    }
}

impl CompiledUserRule {
    /// The matched range of the rule's view when the rule matches `v`.
    pub fn find(&self, v: &Value<'_>) -> Option<Range<usize>> {
        if v.kind == ValueKind::Name && !self.names {
            return None;
        }
        if !self.locations.is_empty() && !self.locations.contains(&v.placement.location) {
            return None;
        }
        if !self.fields.is_empty()
            && !self
                .fields
                .iter()
                .any(|f| *f == v.placement.field || *f == v.key)
        {
            return None;
        }
        let text = self.view.of(v);
        match &self.matcher {
            Matcher::Regex(rx) => rx.find(text).map(|m| m.range()),
            Matcher::Phrases(ac) => ac.find(text).map(|m| m.range()),
        }
    }

    /// The view the rule reads.
    pub fn view(&self) -> View {
        self.view
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Placement;

    fn rule(yaml_like: serde_json::Value) -> Result<CompiledUserRule, DetectError> {
        let r: UserRule = serde_json::from_value(yaml_like).map_err(|e| DetectError::Rule {
            id: "?".into(),
            message: e.to_string(),
        })?;
        r.compile()
    }

    fn value<'a>(p: &'a Placement, key: &'a str, text: &'a str) -> Value<'a> {
        Value {
            placement: p,
            kind: ValueKind::Content,
            key,
            raw: text,
            decoded: text,
            folded: text,
            cmdline: text,
            from_base64: false,
        }
    }

    #[test]
    fn pattern_rules_match_their_fields_only() {
        let r = rule(serde_json::json!({
            "id": "debug", "category": "attack.command_injection", "severity": "high",
            "locations": ["request.query"], "fields": ["debug"], "pattern": "^(?:1|true)$"
        }))
        .unwrap();
        assert_eq!(r.rule_id, "user.debug");
        let q = Placement {
            location: Location::Query,
            field: "debug".into(),
        };
        assert_eq!(r.find(&value(&q, "debug", "true")), Some(0..4));
        let other = Placement {
            location: Location::Query,
            field: "x".into(),
        };
        assert_eq!(r.find(&value(&other, "x", "true")), None);
        let body = Placement {
            location: Location::Body,
            field: "debug".into(),
        };
        assert_eq!(r.find(&value(&body, "debug", "true")), None);
    }

    #[test]
    fn phrase_rules_match_case_insensitively() {
        let r = rule(serde_json::json!({
            "id": "hosts", "category": "attack.ssrf", "phrases": ["metadata.internal"]
        }))
        .unwrap();
        let p = Placement {
            location: Location::Body,
            field: "url".into(),
        };
        assert!(r
            .find(&value(&p, "url", "http://METADATA.internal/x"))
            .is_some());
    }

    #[test]
    fn invalid_rules_are_rejected_with_their_id() {
        let cases = [
            serde_json::json!({"id": "a", "category": "attack.sqli"}),
            serde_json::json!({"id": "b", "category": "attack.sqli", "pattern": "(", }),
            serde_json::json!({"id": "c", "category": "attack.nope", "pattern": "x"}),
            serde_json::json!({"id": "d", "category": "attack.sqli", "pattern": "x", "paranoia": 9}),
            serde_json::json!({"id": "e", "category": "attack.sqli", "pattern": "x", "phrases": ["y"]}),
            serde_json::json!({"id": "bad id", "category": "attack.sqli", "pattern": "x"}),
        ];
        for c in cases {
            let id = c["id"].as_str().unwrap().to_string();
            match rule(c) {
                Err(DetectError::Rule { id: got, .. }) => assert_eq!(got, id),
                other => panic!("{id}: {other:?}"),
            }
        }
        let unknown: Result<UserRule, _> = serde_json::from_value(serde_json::json!({
            "id": "x", "category": "attack.sqli", "pattern": "x", "colour": "red"
        }));
        assert!(unknown.unwrap_err().to_string().contains("colour"));
    }
}
