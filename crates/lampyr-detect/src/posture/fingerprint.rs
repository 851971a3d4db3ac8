//! The vulnerability fingerprint file: which component versions, as servers disclose them in
//! headers and error pages, have known CVEs.
//!
//! The file is YAML, a list under `entries:` (a bare list is accepted too):
//!
//! ```yaml
//! entries:
//!   - component: Apache HTTP Server
//!     in: any                      # header (default) | header:NAME | body | any
//!     match: '\bApache/(\d+\.\d+\.\d+)'   # regex, group 1 (or `(?P<version>..)`) = version
//!     versions: ["=2.4.49"]        # any of these ranges (comparators joined by commas)
//!     cve: CVE-2021-41773
//!     severity: critical
//!     summary: Path traversal and file disclosure ...
//! ```
//!
//! The shipped file (`data/vulnerable-components.yaml`) is compiled in; a user file replaces
//! or extends it. Every error names the entry (number and component) and the field.

use std::collections::BTreeSet;
use std::sync::OnceLock;

use regex::{Regex, RegexBuilder};
use serde::Deserialize;

use super::version::{Version, VersionReq};
use crate::{DetectError, Severity};

/// The shipped fingerprint file.
pub const SHIPPED: &str = include_str!("../../data/vulnerable-components.yaml");

/// Entries accepted in one file.
pub const MAX_ENTRIES: usize = 10_000;
/// Compiled size limit of one `match` regex (bytes of program).
const REGEX_SIZE_LIMIT: usize = 256 * 1024;
/// Longest `match` pattern accepted.
const MAX_PATTERN_LEN: usize = 1024;

/// Headers where servers disclose their components: what `in: header` looks at.
pub const DISCLOSURE_HEADERS: &[&str] = &[
    "server",
    "x-powered-by",
    "x-aspnet-version",
    "x-aspnetmvc-version",
    "x-generator",
    "x-jenkins",
    "x-runtime-version",
    "via",
];

/// Where an entry's regex is applied.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Source {
    /// Every header of [`DISCLOSURE_HEADERS`].
    Headers,
    /// One response header (lower-case name).
    Header(String),
    /// The response body (HTML and text, first bytes only).
    Body,
    /// Disclosure headers and the body.
    Any,
}

impl Source {
    fn parse(s: &str) -> Result<Source, String> {
        let s = s.trim();
        Ok(match s {
            "header" | "headers" => Source::Headers,
            "body" => Source::Body,
            "any" => Source::Any,
            _ => match s.strip_prefix("header:") {
                Some(name) if !name.trim().is_empty() && !name.contains(char::is_whitespace) => {
                    Source::Header(name.trim().to_ascii_lowercase())
                }
                _ => return Err(format!("`{s}`: expected header, header:NAME, body or any")),
            },
        })
    }

    /// Whether the entry applies to this response header.
    pub fn covers_header(&self, name: &str) -> bool {
        match self {
            Source::Headers | Source::Any => DISCLOSURE_HEADERS.contains(&name),
            Source::Header(h) => h == name,
            Source::Body => false,
        }
    }

    /// Whether the entry applies to the response body.
    pub fn covers_body(&self) -> bool {
        matches!(self, Source::Body | Source::Any)
    }
}

/// One entry as written in the file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEntry {
    component: String,
    #[serde(rename = "in", default)]
    source: Option<String>,
    #[serde(rename = "match")]
    pattern: String,
    versions: Vec<String>,
    cve: String,
    severity: Severity,
    #[serde(default)]
    summary: String,
}

/// The file's top level.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    #[serde(default)]
    version: Option<u32>,
    entries: Vec<serde_yaml::Value>,
}

/// One validated fingerprint.
#[derive(Debug, Clone)]
pub struct Fingerprint {
    /// Product name (`Apache HTTP Server`).
    pub component: String,
    /// Where it is looked for.
    pub source: Source,
    /// The regex text (its group 1 or `version` group is the version).
    pub pattern: String,
    /// Affected ranges (any).
    pub versions: Vec<VersionReq>,
    /// The CVE id.
    pub cve: String,
    /// How bad a match is.
    pub severity: Severity,
    /// One line on the vulnerability.
    pub summary: String,
}

impl Fingerprint {
    /// Whether this version is in an affected range.
    pub fn affects(&self, v: &Version) -> bool {
        self.versions.iter().any(|r| r.matches(v))
    }
}

/// One distinct regex with the entries sharing it, so a pattern runs once per value.
#[derive(Debug, Clone)]
pub(crate) struct Pattern {
    pub(crate) regex: Regex,
    /// Capture group holding the version.
    pub(crate) group: usize,
    pub(crate) entries: Vec<usize>,
}

/// A validated fingerprint set, patterns compiled.
#[derive(Debug, Clone, Default)]
pub struct Fingerprints {
    entries: Vec<Fingerprint>,
    pub(crate) patterns: Vec<Pattern>,
}

/// A disclosed component version that an entry covers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ComponentMatch<'a> {
    /// The entry.
    pub entry: &'a Fingerprint,
    /// The version as disclosed.
    pub version: String,
    /// The text that disclosed it (capped).
    pub disclosed: String,
}

impl PartialEq for Fingerprint {
    fn eq(&self, other: &Self) -> bool {
        self.cve == other.cve && self.component == other.component && self.pattern == other.pattern
    }
}
impl Eq for Fingerprint {}

fn entry_err(n: usize, component: Option<&str>, message: String) -> DetectError {
    DetectError::Fingerprint {
        entry: match component {
            Some(c) if !c.is_empty() => format!("{n} ({c})"),
            _ => n.to_string(),
        },
        message,
    }
}

/// `CVE-YYYY-NNNN...` (GHSA ids are accepted too, for advisories without a CVE).
fn valid_id(id: &str) -> bool {
    if let Some(rest) = id.strip_prefix("CVE-") {
        let mut it = rest.splitn(2, '-');
        let year = it.next().unwrap_or("");
        let num = it.next().unwrap_or("");
        return year.len() == 4
            && year.bytes().all(|b| b.is_ascii_digit())
            && (4..=7).contains(&num.len())
            && num.bytes().all(|b| b.is_ascii_digit());
    }
    id.starts_with("GHSA-") && id.len() == 24
}

impl Fingerprints {
    /// The shipped set, parsed once per process.
    pub fn shipped() -> &'static Fingerprints {
        static SET: OnceLock<Fingerprints> = OnceLock::new();
        SET.get_or_init(|| {
            Fingerprints::from_yaml(SHIPPED).expect("the shipped fingerprint file is valid")
        })
    }

    /// Parses and validates a fingerprint file.
    pub fn from_yaml(text: &str) -> Result<Fingerprints, DetectError> {
        let top: serde_yaml::Value =
            serde_yaml::from_str(text).map_err(|e| DetectError::Fingerprint {
                entry: "(file)".into(),
                message: e.to_string(),
            })?;
        let raw_entries = if top.is_sequence() {
            serde_yaml::from_value::<Vec<serde_yaml::Value>>(top)
        } else {
            serde_yaml::from_value::<RawFile>(top).map(|f| {
                let _ = f.version;
                f.entries
            })
        }
        .map_err(|e| DetectError::Fingerprint {
            entry: "(file)".into(),
            message: e.to_string(),
        })?;
        if raw_entries.len() > MAX_ENTRIES {
            return Err(DetectError::Fingerprint {
                entry: "(file)".into(),
                message: format!(
                    "{} entries, at most {MAX_ENTRIES} are accepted",
                    raw_entries.len()
                ),
            });
        }
        let mut set = Fingerprints::default();
        for (i, value) in raw_entries.into_iter().enumerate() {
            let n = i + 1;
            let component = value
                .get("component")
                .and_then(|c| c.as_str())
                .map(str::to_string);
            let raw: RawEntry = serde_yaml::from_value(value)
                .map_err(|e| entry_err(n, component.as_deref(), e.to_string()))?;
            let fp = validate(n, raw)?;
            set.push(fp)?;
        }
        Ok(set)
    }

    /// The shipped set extended with a user file (`replace = false`), or the user file alone.
    pub fn load(user: Option<&str>, replace: bool) -> Result<Fingerprints, DetectError> {
        let Some(text) = user else {
            return Ok(Fingerprints::shipped().clone());
        };
        let theirs = Fingerprints::from_yaml(text)?;
        if replace {
            return Ok(theirs);
        }
        let mut set = Fingerprints::shipped().clone();
        set.extend(theirs)?;
        Ok(set)
    }

    /// Adds another set's entries; an entry with the same CVE, component and pattern as one
    /// already here replaces it (a user file updating a shipped range).
    pub fn extend(&mut self, other: Fingerprints) -> Result<(), DetectError> {
        for fp in other.entries {
            if let Some(i) = self.entries.iter().position(|e| *e == fp) {
                self.entries[i] = fp;
            } else {
                self.push(fp)?;
            }
        }
        Ok(())
    }

    fn push(&mut self, fp: Fingerprint) -> Result<(), DetectError> {
        let idx = self.entries.len();
        match self
            .patterns
            .iter_mut()
            .find(|p| p.regex.as_str() == fp.pattern)
        {
            Some(p) => p.entries.push(idx),
            None => {
                // Validated already; compile cannot fail here.
                let (regex, group) =
                    compile(&fp.pattern).map_err(|m| DetectError::Fingerprint {
                        entry: format!("{} ({})", idx + 1, fp.component),
                        message: m,
                    })?;
                self.patterns.push(Pattern {
                    regex,
                    group,
                    entries: vec![idx],
                });
            }
        }
        self.entries.push(fp);
        Ok(())
    }

    /// Every entry, in file order.
    pub fn entries(&self) -> &[Fingerprint] {
        &self.entries
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Every affected entry disclosed by `text` found in a response header (`Some(name)`,
    /// lower-case) or the body (`None`). One match per CVE.
    pub fn matches<'a>(&'a self, header: Option<&str>, text: &str) -> Vec<ComponentMatch<'a>> {
        let mut out = Vec::new();
        let mut seen = BTreeSet::new();
        for p in &self.patterns {
            let applies = p.entries.iter().any(|&i| {
                let s = &self.entries[i].source;
                match header {
                    Some(h) => s.covers_header(h),
                    None => s.covers_body(),
                }
            });
            if !applies {
                continue;
            }
            // A header may list several components (`Apache/2.4.7 (Ubuntu) OpenSSL/1.0.1f`),
            // a body several footers: every occurrence counts, a few of them.
            for caps in p.regex.captures_iter(text).take(4) {
                let Some(m) = caps.get(p.group) else {
                    continue;
                };
                let Some(version) = Version::parse(m.as_str()) else {
                    continue;
                };
                let whole = caps.get(0).map_or("", |m| m.as_str());
                for &i in &p.entries {
                    let e = &self.entries[i];
                    let applies = match header {
                        Some(h) => e.source.covers_header(h),
                        None => e.source.covers_body(),
                    };
                    if applies && e.affects(&version) && seen.insert(e.cve.as_str()) {
                        out.push(ComponentMatch {
                            entry: e,
                            version: version.as_str().to_string(),
                            disclosed: whole.chars().take(120).collect(),
                        });
                    }
                }
            }
        }
        out
    }
}

/// Compiles a `match` pattern: bounded size, one version group.
fn compile(pattern: &str) -> Result<(Regex, usize), String> {
    if pattern.len() > MAX_PATTERN_LEN {
        return Err(format!(
            "match: pattern of {} bytes, at most {MAX_PATTERN_LEN}",
            pattern.len()
        ));
    }
    let regex = RegexBuilder::new(pattern)
        .size_limit(REGEX_SIZE_LIMIT)
        .build()
        .map_err(|e| format!("match: {e}"))?;
    let group = match regex.capture_names().position(|n| n == Some("version")) {
        Some(i) => i,
        None if regex.captures_len() > 1 => 1,
        None => {
            return Err(
                "match: no capture group for the version (add `(...)` or `(?P<version>...)`)"
                    .into(),
            )
        }
    };
    Ok((regex, group))
}

fn validate(n: usize, raw: RawEntry) -> Result<Fingerprint, DetectError> {
    let c = Some(raw.component.as_str());
    if raw.component.trim().is_empty() {
        return Err(entry_err(n, None, "component: must not be empty".into()));
    }
    let source = match &raw.source {
        Some(s) => Source::parse(s).map_err(|m| entry_err(n, c, format!("in: {m}")))?,
        None => Source::Headers,
    };
    compile(&raw.pattern).map_err(|m| entry_err(n, c, m))?;
    if raw.versions.is_empty() {
        return Err(entry_err(
            n,
            c,
            "versions: at least one range is needed (e.g. \"<2.4.52\")".into(),
        ));
    }
    let mut versions = Vec::with_capacity(raw.versions.len());
    for (j, r) in raw.versions.iter().enumerate() {
        versions.push(
            VersionReq::parse(r).map_err(|m| entry_err(n, c, format!("versions[{j}]: {m}")))?,
        );
    }
    if !valid_id(&raw.cve) {
        return Err(entry_err(
            n,
            c,
            format!("cve: `{}` is not a CVE id (CVE-YYYY-NNNN)", raw.cve),
        ));
    }
    Ok(Fingerprint {
        component: raw.component,
        source,
        pattern: raw.pattern,
        versions,
        cve: raw.cve,
        severity: raw.severity,
        summary: raw.summary,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shipped_file_is_valid_and_sizeable() {
        let set = Fingerprints::shipped();
        assert!(set.len() >= 30, "{} entries", set.len());
        let cves: BTreeSet<_> = set.entries().iter().map(|e| e.cve.as_str()).collect();
        assert_eq!(cves.len(), set.len(), "one entry per CVE");
    }

    #[test]
    fn header_with_two_components_matches_both() {
        let set = Fingerprints::shipped();
        let m = set.matches(Some("server"), "Apache/2.4.49 (Unix) OpenSSL/1.0.1f");
        let cves: Vec<_> = m.iter().map(|m| m.entry.cve.as_str()).collect();
        assert!(cves.contains(&"CVE-2021-41773"), "{cves:?}");
        assert!(cves.contains(&"CVE-2014-0160"), "{cves:?}");
        assert!(set
            .matches(Some("server"), "Apache/2.4.62 (Unix) OpenSSL/3.0.13")
            .is_empty());
    }

    #[test]
    fn errors_name_entry_and_field() {
        let e = Fingerprints::from_yaml(
            "entries:\n- component: X\n  match: 'X/(\\d+)'\n  versions: ['2.0']\n  cve: CVE-2020-1234\n  severity: high\n",
        )
        .unwrap_err()
        .to_string();
        assert!(
            e.contains("entry 1 (X)") && e.contains("versions[0]"),
            "{e}"
        );
        let e = Fingerprints::from_yaml(
            "- component: Y\n  match: 'Y/\\d+'\n  versions: ['<2']\n  cve: CVE-2020-1234\n  severity: high\n",
        )
        .unwrap_err()
        .to_string();
        assert!(
            e.contains("entry 1 (Y)") && e.contains("match: no capture"),
            "{e}"
        );
        let e = Fingerprints::from_yaml(
            "- component: Z\n  match: 'Z/(\\d+)'\n  versions: ['<2']\n  cve: CVE-2020-1234\n  severity: high\n- component: W\n  match: 'W/(\\d+)'\n  versions: ['<2']\n  cve: nope\n  severity: high\n",
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("entry 2 (W)") && e.contains("cve:"), "{e}");
        let e = Fingerprints::from_yaml(
            "- component: V\n  match: 'V/(\\d+)'\n  versions: ['<2']\n  cve: CVE-2020-1234\n  severity: high\n  colour: red\n",
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("entry 1 (V)") && e.contains("colour"), "{e}");
        let e = Fingerprints::from_yaml(
            "- component: U\n  in: footer\n  match: 'U/(\\d+)'\n  versions: ['<2']\n  cve: CVE-2020-1234\n  severity: high\n",
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("entry 1 (U)") && e.contains("in:"), "{e}");
    }

    #[test]
    fn user_file_extends_or_replaces() {
        let user = "- component: Acme\n  in: header:x-acme\n  match: 'Acme/(?P<version>[\\d.]+)'\n  versions: ['<3.1']\n  cve: CVE-2099-0001\n  severity: medium\n";
        let ext = Fingerprints::load(Some(user), false).unwrap();
        assert_eq!(ext.len(), Fingerprints::shipped().len() + 1);
        let only = Fingerprints::load(Some(user), true).unwrap();
        assert_eq!(only.len(), 1);
        let m = only.matches(Some("x-acme"), "Acme/3.0.9");
        assert_eq!(m.len(), 1);
        assert_eq!(m[0].version, "3.0.9");
        assert!(only.matches(Some("server"), "Acme/3.0.9").is_empty());
        assert!(only.matches(Some("x-acme"), "Acme/3.1").is_empty());
    }
}
