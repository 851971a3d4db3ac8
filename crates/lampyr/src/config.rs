//! `lampyr.yaml`: versioned configuration, validated into typed settings.
//!
//! Every problem is collected (not just the first) and reported with the key path where it
//! is, so a user fixes a file in one go. Unknown keys are errors: a typo must not silently
//! turn a rule off.

use std::path::Path;
use std::process::ExitCode;

use anyhow::Context;
use serde_yaml::Value;

use lampyr_classify::grading::{Grading, ProfileId};
use lampyr_classify::SensitiveType;
use lampyr_discovery::{DiscoveryConfig, PathTemplate, TrieLimits};

use crate::cli::EXIT_CONFIG;

mod detect;
mod gateway;
pub use detect::DetectConfig;
pub use gateway::ServeConfig;

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
    /// Sensitive-data grading and reporting (`classify:`).
    pub classify: ClassifyConfig,
    /// Threat detection (`detect:`).
    pub detect: DetectConfig,
    /// What `lampyr serve` runs (`gateway:`).
    pub gateway: lampyr_spec::GatewaySpec,
    /// Where `lampyr serve` keeps its state and listens for the admin API (`serve:`).
    pub serve: ServeConfig,
}

/// The `classify:` section: how sensitive types are graded and which are reported.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ClassifyConfig {
    /// Grading profile (`classify.profile`; default `gbt45574-2025`).
    pub profile: ProfileId,
    /// Per-type level overrides (`classify.levels`), checked against the profile's scale.
    pub levels: Vec<(SensitiveType, u8)>,
    /// Types the user does not want reported (`classify.disabled_types`).
    pub disabled: Vec<SensitiveType>,
}

// Read by the classification stage of `lampyr analyze`, which is wired in separately; until
// then only the tests call these.
#[allow(dead_code)]
impl ClassifyConfig {
    /// The grading the classifier applies: the profile with the user's overrides.
    ///
    /// `parse` has checked every level; a hand-built config with an out-of-range level panics.
    pub fn grading(&self) -> Grading {
        Grading::new(self.profile, &self.levels)
            .unwrap_or_else(|e| panic!("classify.levels not validated: {e}"))
    }

    /// Whether findings of this type are reported (not listed in `disabled_types`).
    pub fn reports(&self, ty: SensitiveType) -> bool {
        !self.disabled.contains(&ty)
    }
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

    /// `classify:`: profile, per-type level overrides, disabled types.
    fn classify(&mut self, v: &Value) -> ClassifyConfig {
        let mut out = ClassifyConfig::default();
        let Some(m) = self.map(v, "classify", &["profile", "levels", "disabled_types"]) else {
            return out;
        };
        // Level ranges depend on the profile; an unknown profile skips the range checks.
        let mut profile_ok = true;
        if let Some(p) = m.get("profile") {
            match p.as_str().map(|s| (s, ProfileId::from_id(s))) {
                Some((_, Some(id))) => out.profile = id,
                Some((s, None)) => {
                    profile_ok = false;
                    let ids: Vec<&str> = ProfileId::ALL.iter().map(|p| p.id()).collect();
                    self.err(
                        "classify.profile",
                        format!(
                            "unknown profile {s:?} (expected one of: {})",
                            ids.join(", ")
                        ),
                    );
                }
                None => {
                    profile_ok = false;
                    self.err(
                        "classify.profile",
                        "expected a profile id like gbt45574-2025",
                    );
                }
            }
        }
        if let Some(l) = m.get("levels") {
            if let Some(lm) = l.as_mapping() {
                for (k, level) in lm {
                    let Some(key) = k.as_str() else {
                        self.err("classify.levels", "keys must be sensitive type ids");
                        continue;
                    };
                    let at = format!("classify.levels.{key}");
                    let ty = self.sensitive_type(key, &at);
                    let level = self.level(level, &at, out.profile);
                    if let (Some(ty), Some(level)) = (ty, level) {
                        if !profile_ok {
                            continue;
                        }
                        match Grading::new(out.profile, &[(ty, level)]) {
                            Ok(_) => out.levels.push((ty, level)),
                            Err(e) => self.err(&at, e.to_string()),
                        }
                    }
                }
            } else {
                self.err("classify.levels", "expected a mapping of type id to level");
            }
        }
        if let Some(d) = m.get("disabled_types") {
            if let Some(seq) = d.as_sequence() {
                for (i, item) in seq.iter().enumerate() {
                    let at = format!("classify.disabled_types[{i}]");
                    let Some(id) = item.as_str() else {
                        self.err(&at, "expected a sensitive type id like ipv4");
                        continue;
                    };
                    if let Some(ty) = self.sensitive_type(id, &at) {
                        if !out.disabled.contains(&ty) {
                            out.disabled.push(ty);
                        }
                    }
                }
            } else {
                self.err("classify.disabled_types", "expected a list of type ids");
            }
        }
        out
    }

    fn level(&mut self, v: &Value, at: &str, profile: ProfileId) -> Option<u8> {
        let Some(n) = v.as_u64() else {
            self.err(at, "expected a level (a positive integer)");
            return None;
        };
        let level = u8::try_from(n).ok();
        if level.is_none() {
            let (lo, hi) = (profile.min_level(), profile.max_level());
            self.err(at, format!("level {n} is out of range ({lo}..={hi})"));
        }
        level
    }

    fn sensitive_type(&mut self, id: &str, at: &str) -> Option<SensitiveType> {
        let ty = SensitiveType::from_id(id);
        if ty.is_none() {
            self.err(
                at,
                format!("unknown sensitive type {id:?} (the ids are listed in docs/grading.md)"),
            );
        }
        ty
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
    } else if let Some(m) = c.map(
        &root,
        "",
        &[
            "version",
            "ingest",
            "discovery",
            "classify",
            "detect",
            "alerts",
            "gateway",
            "serve",
        ],
    ) {
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
        if let Some(cl) = m.get("classify") {
            cfg.classify = c.classify(cl);
        }
        if let Some(d) = m.get("detect") {
            cfg.detect = c.detect(d);
        }
        if let Some(a) = m.get("alerts") {
            cfg.detect.alerts = c.alerts(a);
        }
        if let Some(g) = m.get("gateway") {
            cfg.gateway = c.gateway(g);
        }
        if let Some(s) = m.get("serve") {
            cfg.serve = c.serve(s);
        }
    }
    if c.errors.is_empty() {
        Ok(cfg)
    } else {
        Err(c.errors)
    }
}

/// Loads and validates a file, formatting all errors into one message.
/// The config of a command: the file given with `--config`, or the defaults. `Ok(Err(code))`
/// when the file is invalid (its errors already printed on stderr).
pub fn load_or_default(
    path: Option<&Path>,
) -> anyhow::Result<Result<Config, std::process::ExitCode>> {
    let Some(path) = path else {
        return Ok(Ok(Config::default()));
    };
    Ok(load(path)?.map_err(|msg| {
        eprintln!("{msg}");
        std::process::ExitCode::from(crate::cli::EXIT_CONFIG)
    }))
}

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
        Ok(cfg) => {
            let problems = gateway_problems(&cfg.gateway);
            if !problems.is_empty() {
                eprintln!("{}: {} error(s)", path.display(), problems.len());
                for p in problems {
                    eprintln!("  {p}");
                }
                return Ok(ExitCode::from(EXIT_CONFIG));
            }
            println!("{}: ok", path.display());
            Ok(ExitCode::SUCCESS)
        }
        Err(msg) => {
            eprintln!("{msg}");
            Ok(ExitCode::from(EXIT_CONFIG))
        }
    }
}

/// What only building the gateway finds: unreadable certificates and keys, credentials whose
/// environment variable or file is missing, JWT keys that do not parse, upstream CA bundles.
fn gateway_problems(spec: &lampyr_spec::GatewaySpec) -> Vec<String> {
    use lampyr_gateway::GatewayError;
    let mut out = Vec::new();
    for (i, l) in spec.listeners.iter().enumerate() {
        if let Some(tls) = &l.tls {
            if let Err(e) = lampyr_gateway::server::tls::server_config(l, tls, &spec.certificates) {
                out.push(format!("gateway.listeners[{i}].tls: {e}"));
            }
        }
    }
    let secrets = lampyr_gateway::auth::Secrets::generate();
    match lampyr_gateway::snapshot::Snapshot::build(spec.clone(), &secrets, None) {
        Ok(_) => {}
        Err(GatewayError::Invalid(errors)) => out.extend(errors.iter().map(|e| e.to_string())),
        Err(e) => out.push(e.to_string()),
    }
    out
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
    fn config_classify_section_parses() {
        let cfg = parse(
            "version: 1\nclassify:\n  profile: jrt0171-2020\n  levels:\n    cn_mobile: 4\n    ipv4: 1\n  disabled_types: [ipv4, mac_address, ipv4]\n",
        )
        .unwrap();
        let cl = &cfg.classify;
        assert_eq!(cl.profile, ProfileId::Jrt0171_2020);
        assert_eq!(
            cl.levels,
            [(SensitiveType::CnMobile, 4), (SensitiveType::Ipv4, 1)]
        );
        assert_eq!(
            cl.disabled,
            [SensitiveType::Ipv4, SensitiveType::MacAddress]
        );
        assert!(!cl.reports(SensitiveType::Ipv4));
        assert!(cl.reports(SensitiveType::Email));
        let g = cl.grading();
        assert_eq!(g.grade(SensitiveType::CnMobile).label, "C3");
        assert_eq!(g.grade(SensitiveType::CnResidentId).label, "C2");
    }

    #[test]
    fn config_classify_defaults_to_gbt45574() {
        let cfg = parse("version: 1\n").unwrap();
        assert_eq!(cfg.classify.profile.id(), "gbt45574-2025");
        assert!(cfg.classify.levels.is_empty() && cfg.classify.disabled.is_empty());
        let cfg = parse("version: 1\nclassify: {}\n").unwrap();
        assert_eq!(cfg.classify, ClassifyConfig::default());
    }

    fn classify_errors(section: &str) -> Vec<String> {
        parse(&format!("version: 1\nclassify:\n{section}"))
            .unwrap_err()
            .iter()
            .map(|e| e.to_string())
            .collect()
    }

    #[test]
    fn config_classify_unknown_profile_names_its_key() {
        let errs = classify_errors("  profile: gbt35273\n  levels: {cn_mobile: 9}\n");
        assert_eq!(errs.len(), 1, "{errs:?}");
        assert!(
            errs[0].starts_with("classify.profile: unknown profile \"gbt35273\""),
            "{errs:?}"
        );
        assert!(errs[0].contains("gbt45574-2025"), "{errs:?}");
    }

    #[test]
    fn config_classify_unknown_type_id_names_its_key() {
        let errs =
            classify_errors("  levels:\n    cn_mobil: 3\n  disabled_types: [ipv4, ipv5, 7]\n");
        assert_eq!(
            errs,
            [
                "classify.levels.cn_mobil: unknown sensitive type \"cn_mobil\" (the ids are listed in docs/grading.md)",
                "classify.disabled_types[1]: unknown sensitive type \"ipv5\" (the ids are listed in docs/grading.md)",
                "classify.disabled_types[2]: expected a sensitive type id like ipv4",
            ]
        );
    }

    #[test]
    fn config_classify_out_of_range_level_names_its_key() {
        let errs = classify_errors(
            "  profile: ydt3813-2020\n  levels:\n    cn_mobile: 5\n    email: 0\n    imei: 300\n    ipv4: high\n    ipv6: 4\n",
        );
        assert_eq!(
            errs,
            [
                "classify.levels.cn_mobile: level 5 for cn_mobile is out of range for profile ydt3813-2020 (1..=4)",
                "classify.levels.email: level 0 for email is out of range for profile ydt3813-2020 (1..=4)",
                "classify.levels.imei: level 300 is out of range (1..=4)",
                "classify.levels.ipv4: expected a level (a positive integer)",
            ]
        );
    }

    #[test]
    fn config_classify_unknown_key_names_its_path() {
        let errs = classify_errors("  profil: intl-2025\n  disabled: [ipv4]\n");
        assert_eq!(
            errs,
            [
                "classify.profil: unknown key (expected one of: profile, levels, disabled_types)",
                "classify.disabled: unknown key (expected one of: profile, levels, disabled_types)",
            ]
        );
        let errs = parse("version: 1\nclassify: [x]\n").unwrap_err();
        assert_eq!(errs[0].to_string(), "classify: expected a mapping");
    }

    #[test]
    fn config_doc_example_parses() {
        let doc = include_str!("../../../docs/config.md");
        let start = doc.find("```yaml\n").expect("a yaml block") + "```yaml\n".len();
        let end = start + doc[start..].find("```").expect("closed");
        // The example names a user fingerprint file relative to the working directory; give
        // it one (an entry of the shipped format) so the whole example is checked.
        let dir = std::env::temp_dir().join(format!("lampyr-config-doc-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let fp = dir.join("my-components.yaml");
        std::fs::write(
            &fp,
            "version: 1\nentries:\n  - component: Acme\n    match: 'Acme/(\\d+\\.\\d+)'\n    versions: [\"<2.0\"]\n    cve: CVE-2020-0001\n    severity: high\n",
        )
        .unwrap();
        let text = doc[start..end].replace("my-components.yaml", fp.to_str().unwrap());
        let cfg = parse(&text).unwrap();
        let _ = std::fs::remove_dir_all(&dir);
        assert_eq!(cfg.classify.profile, ProfileId::Gbt45574_2025);
        assert_eq!(cfg.classify.disabled.len(), 2);
        assert_eq!(cfg.detect.inspect.paranoia, 2);
        assert_eq!(cfg.detect.inspect.rules.len(), 1);
        assert_eq!(cfg.detect.behavior.bola_min_ids, 15);
        assert_eq!(cfg.detect.incidents.window_secs, 3600);
        assert_eq!(cfg.detect.alerts.sinks.len(), 3);
        let fps = cfg.detect.fingerprints.expect("user fingerprints loaded");
        assert!(fps.entries().iter().any(|e| e.cve == "CVE-2020-0001"));
        assert!(fps.entries().len() > 1, "extends the shipped set");
    }

    #[test]
    fn empty_file_is_an_error() {
        assert!(parse("").is_err());
    }
}
