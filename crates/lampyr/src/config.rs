//! `lampyr.yaml`: versioned configuration, validated into typed settings.
//!
//! Every problem is collected (not just the first) and reported with the key path where it
//! is, so a user fixes a file in one go. Unknown keys are errors: a typo must not silently
//! turn a rule off.

use std::path::Path;
use std::process::ExitCode;

use anyhow::Context;
use serde_yaml::Value;

use lampyr_discovery::{DiscoveryConfig, PathTemplate, TrieLimits};

use crate::cli::EXIT_CONFIG;

/// Validated settings.
#[derive(Debug, Clone, Default)]
pub struct Config {
    /// Discovery rules and limits.
    pub discovery: DiscoveryConfig,
    /// Bytes kept per body.
    pub max_body: Option<usize>,
    /// Decompression cap per body.
    pub max_decoded: Option<usize>,
    /// Trust X-Forwarded-For / X-Real-IP for client addresses.
    pub trust_forwarded: Option<bool>,
}

/// A configuration error at a key path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    /// Dotted key path (`discovery.limits.max_nodes`).
    pub at: String,
    /// What is wrong.
    pub message: String,
}

impl std::fmt::Display for ConfigError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.at, self.message)
    }
}

struct Checker {
    errors: Vec<ConfigError>,
}

impl Checker {
    fn err(&mut self, at: &str, message: impl Into<String>) {
        self.errors.push(ConfigError {
            at: if at.is_empty() {
                "(top)".into()
            } else {
                at.into()
            },
            message: message.into(),
        });
    }

    fn map<'v>(
        &mut self,
        v: &'v Value,
        at: &str,
        allowed: &[&str],
    ) -> Option<&'v serde_yaml::Mapping> {
        let Some(m) = v.as_mapping() else {
            self.err(at, "expected a mapping");
            return None;
        };
        for k in m.keys() {
            match k.as_str() {
                Some(name) if allowed.contains(&name) => {}
                Some(name) => self.err(
                    &join(at, name),
                    format!("unknown key (expected one of: {})", allowed.join(", ")),
                ),
                None => self.err(at, "keys must be strings"),
            }
        }
        Some(m)
    }

    fn size(&mut self, v: &Value, at: &str, max: u64) -> Option<usize> {
        match v.as_u64() {
            Some(n) if n > 0 && n <= max => Some(n as usize),
            Some(n) => {
                self.err(at, format!("{n} is out of range (1..={max})"));
                None
            }
            None => {
                self.err(at, "expected a positive integer");
                None
            }
        }
    }

    fn templates(&mut self, v: &Value, at: &str) -> Vec<PathTemplate> {
        let Some(seq) = v.as_sequence() else {
            self.err(at, "expected a list of path templates");
            return Vec::new();
        };
        let mut out = Vec::new();
        for (i, item) in seq.iter().enumerate() {
            let here = format!("{at}[{i}]");
            match item.as_str() {
                Some(s) if s.starts_with('/') => out.push(PathTemplate::parse(s)),
                Some(s) => self.err(&here, format!("{s:?} must start with '/'")),
                None => self.err(&here, "expected a string like /users/{id}"),
            }
        }
        out
    }
}

fn join(at: &str, key: &str) -> String {
    if at.is_empty() {
        key.to_string()
    } else {
        format!("{at}.{key}")
    }
}

/// Parses and validates a configuration text; `Err` lists every problem found.
pub fn parse(text: &str) -> Result<Config, Vec<ConfigError>> {
    let root: Value = serde_yaml::from_str(text).map_err(|e| {
        let at = e
            .location()
            .map(|l| format!("line {} column {}", l.line(), l.column()))
            .unwrap_or_else(|| "(file)".into());
        vec![ConfigError {
            at,
            message: format!("invalid YAML: {e}"),
        }]
    })?;
    let mut c = Checker { errors: Vec::new() };
    let mut cfg = Config::default();
    if root.is_null() {
        c.err("", "the file is empty: it needs at least `version: 1`");
    } else if let Some(m) = c.map(&root, "", &["version", "ingest", "discovery"]) {
        match m.get("version").map(|v| v.as_u64()) {
            Some(Some(1)) => {}
            Some(_) => c.err(
                "version",
                "unsupported version (this lampyr reads version 1)",
            ),
            None => c.err("version", "missing (write `version: 1`)"),
        }
        if let Some(ing) = m.get("ingest") {
            if let Some(im) = c.map(
                ing,
                "ingest",
                &["max_body", "max_decoded", "trust_forwarded"],
            ) {
                if let Some(v) = im.get("max_body") {
                    cfg.max_body = c.size(v, "ingest.max_body", 1 << 30);
                }
                if let Some(v) = im.get("max_decoded") {
                    cfg.max_decoded = c.size(v, "ingest.max_decoded", 1 << 32);
                }
                if let Some(v) = im.get("trust_forwarded") {
                    match v.as_bool() {
                        Some(b) => cfg.trust_forwarded = Some(b),
                        None => c.err("ingest.trust_forwarded", "expected true or false"),
                    }
                }
            }
        }
        if let Some(d) = m.get("discovery") {
            if let Some(dm) = c.map(d, "discovery", &["templates", "never_merge", "limits"]) {
                if let Some(v) = dm.get("templates") {
                    cfg.discovery.templates = c.templates(v, "discovery.templates");
                }
                if let Some(v) = dm.get("never_merge") {
                    cfg.discovery.never_merge = c.templates(v, "discovery.never_merge");
                }
                if let Some(l) = dm.get("limits") {
                    let keys = ["max_children", "max_nodes", "max_leaves", "max_hosts"];
                    if let Some(lm) = c.map(l, "discovery.limits", &keys) {
                        let mut limits = TrieLimits::default();
                        for key in keys {
                            if let Some(v) = lm.get(key) {
                                let at = format!("discovery.limits.{key}");
                                if let Some(n) = c.size(v, &at, 100_000_000) {
                                    match key {
                                        "max_children" => limits.max_children = n,
                                        "max_nodes" => limits.max_nodes = n,
                                        "max_leaves" => limits.max_leaves = n,
                                        _ => limits.max_hosts = n,
                                    }
                                }
                            }
                        }
                        cfg.discovery.limits = limits;
                    }
                }
            }
        }
    }
    if c.errors.is_empty() {
        Ok(cfg)
    } else {
        Err(c.errors)
    }
}

/// Loads and validates a file, formatting all errors into one message.
pub fn load(path: &Path) -> anyhow::Result<Result<Config, String>> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    Ok(parse(&text).map_err(|errs| {
        let mut msg = format!("{}: {} error(s)", path.display(), errs.len());
        for e in errs {
            msg.push_str(&format!("\n  {e}"));
        }
        msg
    }))
}

/// `lampyr config check FILE`.
pub fn check(path: &Path) -> anyhow::Result<ExitCode> {
    match load(path)? {
        Ok(_) => {
            println!("{}: ok", path.display());
            Ok(ExitCode::SUCCESS)
        }
        Err(msg) => {
            eprintln!("{msg}");
            Ok(ExitCode::from(EXIT_CONFIG))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_full_file_parses() {
        let cfg = parse(
            "version: 1\ningest:\n  max_body: 4096\n  trust_forwarded: false\ndiscovery:\n  templates: [\"/users/{id}\"]\n  never_merge: [\"/api\"]\n  limits:\n    max_children: 100\n",
        )
        .unwrap();
        assert_eq!(cfg.max_body, Some(4096));
        assert_eq!(cfg.trust_forwarded, Some(false));
        assert_eq!(cfg.discovery.templates[0].to_string(), "/users/{id}");
        assert_eq!(cfg.discovery.limits.max_children, 100);
    }

    #[test]
    fn every_error_is_reported_with_its_place() {
        let errs = parse(
            "version: 2\ningest:\n  max_bdy: 1\ndiscovery:\n  templates: [\"users\"]\n  limits:\n    max_nodes: -1\n",
        )
        .unwrap_err();
        let at: Vec<&str> = errs.iter().map(|e| e.at.as_str()).collect();
        assert_eq!(
            at,
            [
                "version",
                "ingest.max_bdy",
                "discovery.templates[0]",
                "discovery.limits.max_nodes"
            ]
        );
    }

    #[test]
    fn yaml_syntax_errors_name_the_line() {
        let errs = parse("version: 1\ndiscovery: [\n").unwrap_err();
        assert!(errs[0].at.starts_with("line "), "{:?}", errs);
    }

    #[test]
    fn empty_file_is_an_error() {
        assert!(parse("").is_err());
    }
}
