//! Component versions as servers print them (`2.4.49`, `1.0.1f`, `9.0.0.M1`,
//! `9.4.37.v20210219`, `5.3.18.RELEASE`, `8.1p1`) and the range expressions of the
//! fingerprint file (`<2.4.52`, `>=2.0.0,<2.15.0`, `=2.4.49`).
//!
//! Ordering: numeric parts first (missing parts are zero, so `2.4` = `2.4.0`), then the
//! suffix: a pre-release (`-rc1`, `.M1`, `-beta2`, `-SNAPSHOT`) sorts before the release, a
//! post-release (OpenSSL's letters `1.0.1f`, OpenSSH's `p1`) after it. Build and distribution
//! metadata (`.v20210219`, `-1ubuntu1`, `+deb11u3`, `.RELEASE`, `.Final`) is ignored: a
//! distribution that backports a fix without changing the upstream version still looks
//! vulnerable, which is the nature of version fingerprinting and why findings say "reports".

use std::cmp::Ordering;
use std::fmt;

/// Numeric parts kept; longer versions are compared on these.
const MAX_PARTS: usize = 6;
/// Longest version text parsed (anything longer is not a version).
pub const MAX_VERSION_LEN: usize = 64;

/// What follows the numeric parts.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Suffix {
    /// A pre-release: tag rank and number.
    Pre(u8, u64),
    /// A plain release.
    Release,
    /// A post-release letter run (`f`, `za`) or patch level (`p1` as `p` + 1).
    Post(String, u64),
}

impl Suffix {
    fn cmp_key(&self) -> (u8, u8, u64, usize, &str) {
        match self {
            Suffix::Pre(rank, n) => (0, *rank, *n, 0, ""),
            Suffix::Release => (1, 0, 0, 0, ""),
            // Letters compare by length first: OpenSSL's `za` follows `z`.
            Suffix::Post(s, n) => (2, 0, *n, s.len(), s.as_str()),
        }
    }
}

/// A parsed component version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Version {
    parts: [u64; MAX_PARTS],
    suffix: Suffix,
    text: String,
}

/// Rank of a pre-release tag, or `None` when the word is not one.
fn pre_rank(tag: &str) -> Option<u8> {
    Some(match tag {
        "dev" | "snapshot" => 0,
        "a" | "alpha" | "ea" => 1,
        "b" | "beta" => 2,
        "m" | "milestone" => 3,
        "pre" | "preview" => 4,
        "rc" | "cr" => 5,
        _ => return None,
    })
}

impl Version {
    /// Parses a version; `None` when it does not start with a number.
    pub fn parse(text: &str) -> Option<Version> {
        let text = text.trim();
        if text.is_empty() || text.len() > MAX_VERSION_LEN {
            return None;
        }
        let text = text.strip_prefix(['v', 'V']).unwrap_or(text);
        let bytes = text.as_bytes();
        if !bytes[0].is_ascii_digit() {
            return None;
        }
        let mut parts = [0u64; MAX_PARTS];
        let mut n = 0usize;
        let mut i = 0usize;
        loop {
            let start = i;
            while i < bytes.len() && bytes[i].is_ascii_digit() {
                i += 1;
            }
            if start == i {
                break;
            }
            let value: u64 = text[start..i].parse().unwrap_or(u64::MAX);
            if n < MAX_PARTS {
                parts[n] = value;
            }
            n += 1;
            // Another numeric part only after a dot followed by a digit.
            if i + 1 < bytes.len() && bytes[i] == b'.' && bytes[i + 1].is_ascii_digit() {
                i += 1;
            } else {
                break;
            }
        }
        let rest = &text[i..];
        Some(Version {
            parts,
            suffix: parse_suffix(rest),
            text: text.to_string(),
        })
    }

    /// The version as written.
    pub fn as_str(&self) -> &str {
        &self.text
    }
}

/// Reads what follows the numbers (see the module docs).
fn parse_suffix(rest: &str) -> Suffix {
    if rest.is_empty() {
        return Suffix::Release;
    }
    let attached = rest.as_bytes()[0].is_ascii_alphabetic();
    let body = rest.trim_start_matches(['.', '-', '_', '~', '+']);
    if rest.starts_with('+') {
        // SemVer build metadata.
        return Suffix::Release;
    }
    let word_len = body.bytes().take_while(|b| b.is_ascii_alphabetic()).count();
    let word = body[..word_len].to_ascii_lowercase();
    let digits: String = body[word_len..]
        .trim_start_matches(['.', '-'])
        .chars()
        .take_while(char::is_ascii_digit)
        .take(18)
        .collect();
    let num: u64 = digits.parse().unwrap_or(0);
    if word.is_empty() {
        // `-1ubuntu1`, `_2`: distribution revisions.
        return Suffix::Release;
    }
    // OpenSSL letter releases: `1.0.1f`, `0.9.8za`, directly attached, letters only.
    if attached && word_len <= 2 && body.len() == word_len {
        return Suffix::Post(word, 0);
    }
    // OpenSSH portable: `8.1p1`.
    if attached && word == "p" && !digits.is_empty() {
        return Suffix::Post(word, num);
    }
    match pre_rank(&word) {
        Some(rank) => Suffix::Pre(rank, num),
        None => Suffix::Release,
    }
}

impl Ord for Version {
    fn cmp(&self, other: &Self) -> Ordering {
        self.parts
            .cmp(&other.parts)
            .then_with(|| self.suffix.cmp_key().cmp(&other.suffix.cmp_key()))
    }
}

impl PartialOrd for Version {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

/// A comparison operator of a range expression.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    Lt,
    Le,
    Gt,
    Ge,
    Eq,
}

/// One range expression: comparators that must all hold (`>=2.0.0,<2.15.0`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VersionReq {
    terms: Vec<(Op, Version)>,
    text: String,
}

impl VersionReq {
    /// Parses `OP VERSION[,OP VERSION...]` with `OP` one of `< <= > >= =` (`==` too).
    pub fn parse(text: &str) -> Result<VersionReq, String> {
        let mut terms = Vec::new();
        for term in text.split(',') {
            let term = term.trim();
            let (op, rest) = if let Some(r) = term.strip_prefix("<=") {
                (Op::Le, r)
            } else if let Some(r) = term.strip_prefix(">=") {
                (Op::Ge, r)
            } else if let Some(r) = term.strip_prefix("==") {
                (Op::Eq, r)
            } else if let Some(r) = term.strip_prefix('<') {
                (Op::Lt, r)
            } else if let Some(r) = term.strip_prefix('>') {
                (Op::Gt, r)
            } else if let Some(r) = term.strip_prefix('=') {
                (Op::Eq, r)
            } else {
                return Err(format!(
                    "`{term}`: expected a comparison (<, <=, >, >=, =) before the version"
                ));
            };
            let v = Version::parse(rest)
                .ok_or_else(|| format!("`{term}`: `{}` is not a version", rest.trim()))?;
            terms.push((op, v));
        }
        if terms.is_empty() {
            return Err("empty range".into());
        }
        Ok(VersionReq {
            terms,
            text: text.trim().to_string(),
        })
    }

    /// Whether `v` satisfies every comparator.
    pub fn matches(&self, v: &Version) -> bool {
        self.terms.iter().all(|(op, bound)| {
            let o = v.cmp(bound);
            match op {
                Op::Lt => o == Ordering::Less,
                Op::Le => o != Ordering::Greater,
                Op::Gt => o == Ordering::Greater,
                Op::Ge => o != Ordering::Less,
                Op::Eq => o == Ordering::Equal,
            }
        })
    }

    /// The expression as written.
    pub fn as_str(&self) -> &str {
        &self.text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &str) -> Version {
        Version::parse(s).unwrap()
    }

    #[test]
    fn numeric_parts_compare_numerically_with_zero_padding() {
        assert!(v("2.4.9") < v("2.4.10"));
        assert_eq!(v("2.4").cmp(&v("2.4.0")), Ordering::Equal);
        assert!(v("10.0") > v("9.99.99"));
    }

    #[test]
    fn openssl_letters_are_post_releases() {
        assert!(v("1.0.1") < v("1.0.1a"));
        assert!(v("1.0.1f") < v("1.0.1g"));
        assert!(v("0.9.8z") < v("0.9.8za"));
        assert!(v("1.0.1u") < v("1.0.2"));
    }

    #[test]
    fn prereleases_sort_before_the_release() {
        assert!(v("9.0.0.M1") < v("9.0.0"));
        assert!(v("9.0.0.M1") < v("9.0.0.M2"));
        assert!(v("2.0.0-beta9") < v("2.0.0-rc1"));
        assert!(v("2.0.0-rc1") < v("2.0.0"));
        assert!(v("8.0.0.RC1") < v("8.0.0"));
        assert!(v("11.0.0-M1") < v("11.0.0"));
    }

    #[test]
    fn build_and_distribution_metadata_is_ignored() {
        assert_eq!(v("9.4.37.v20210219").cmp(&v("9.4.37")), Ordering::Equal);
        assert_eq!(v("2.4.41-4ubuntu3").cmp(&v("2.4.41")), Ordering::Equal);
        assert_eq!(v("5.3.18.RELEASE").cmp(&v("5.3.18")), Ordering::Equal);
        assert_eq!(v("1.2.3+build.7").cmp(&v("1.2.3")), Ordering::Equal);
        assert!(v("8.1p1") > v("8.1"));
    }

    #[test]
    fn ranges() {
        let r = VersionReq::parse(">=2.0.0,<2.15.0").unwrap();
        assert!(r.matches(&v("2.0.0")));
        assert!(r.matches(&v("2.14.1")));
        assert!(!r.matches(&v("2.15.0")));
        assert!(!r.matches(&v("1.2.17")));
        let r = VersionReq::parse("=2.4.49").unwrap();
        assert!(r.matches(&v("2.4.49")));
        assert!(!r.matches(&v("2.4.50")));
        let r = VersionReq::parse(">=1.0.1,<1.0.1g").unwrap();
        assert!(r.matches(&v("1.0.1f")));
        assert!(r.matches(&v("1.0.1")));
        assert!(!r.matches(&v("1.0.1g")));
        assert!(!r.matches(&v("1.0.2")));
    }

    #[test]
    fn bad_ranges_say_what_is_wrong() {
        assert!(VersionReq::parse("2.4.49")
            .unwrap_err()
            .contains("comparison"));
        assert!(VersionReq::parse("<abc")
            .unwrap_err()
            .contains("not a version"));
        assert!(VersionReq::parse(">=1.0,").is_err());
        assert!(Version::parse("").is_none());
        assert!(Version::parse("x1").is_none());
    }
}
