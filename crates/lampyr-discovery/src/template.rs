//! Path templates: `/repos/{owner}/{repo}/issues/{number}`.

use std::fmt;

use serde::Serialize;

use crate::segment::SegmentClass;

/// One segment of a template: fixed text or a named parameter.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum TemplateSegment {
    /// Fixed text, decoded (not percent-encoded).
    Literal {
        /// The text.
        text: String,
    },
    /// A parameter.
    Param {
        /// Name, unique within the template (`userId`).
        name: String,
        /// The class all (or most) observed values had; `Slug` when they were mixed words.
        class: SegmentClass,
        /// Fixed text after the value inside the segment (`.json` in `{list}.json`).
        #[serde(skip_serializing_if = "String::is_empty")]
        suffix: String,
    },
}

/// A path template: the endpoint part of an inventory key.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct PathTemplate {
    segments: Vec<TemplateSegment>,
}

impl PathTemplate {
    /// Builds a template from its segments.
    pub fn new(segments: Vec<TemplateSegment>) -> Self {
        Self { segments }
    }

    /// Parses `/users/{id}/repos` (as written in config rules); parameters get class `Slug`.
    pub fn parse(text: &str) -> Self {
        let segments = text
            .split('/')
            .filter(|s| !s.is_empty())
            .map(|s| {
                if let (true, Some(close)) = (s.starts_with('{'), s.find('}')) {
                    TemplateSegment::Param {
                        name: s[1..close].to_string(),
                        class: SegmentClass::Slug,
                        suffix: s[close + 1..].to_string(),
                    }
                } else {
                    TemplateSegment::Literal {
                        text: s.to_string(),
                    }
                }
            })
            .collect();
        Self { segments }
    }

    /// The segments in order.
    pub fn segments(&self) -> &[TemplateSegment] {
        &self.segments
    }

    /// Names of the path parameters in order.
    pub fn param_names(&self) -> impl Iterator<Item = &str> {
        self.segments.iter().filter_map(|s| match s {
            TemplateSegment::Param { name, .. } => Some(name.as_str()),
            TemplateSegment::Literal { .. } => None,
        })
    }

    /// True when the decoded, non-empty `segments` of a concrete path fit this template.
    pub fn matches_segments<S: AsRef<str>>(&self, segments: &[S]) -> bool {
        segments.len() == self.segments.len()
            && self.segments.iter().zip(segments).all(|(t, s)| match t {
                TemplateSegment::Literal { text } => text == s.as_ref(),
                TemplateSegment::Param { suffix, .. } => {
                    let s = s.as_ref();
                    s.len() > suffix.len() && s.ends_with(suffix.as_str())
                }
            })
    }

    /// True when the first segments of a concrete path fit this whole template (a rule
    /// prefix such as `/api/{version}` for `/api/v2/users`).
    pub fn matches_prefix_of<S: AsRef<str>>(&self, segments: &[S]) -> bool {
        segments.len() >= self.segments.len()
            && self.matches_segments(&segments[..self.segments.len()])
    }

    /// True when a raw (percent-encoded) request path fits this template.
    pub fn matches_path(&self, path: &str) -> bool {
        let segs = crate::path::split_path(path);
        self.matches_segments(&segs)
    }
}

impl fmt::Display for PathTemplate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.segments.is_empty() {
            return f.write_str("/");
        }
        for seg in &self.segments {
            f.write_str("/")?;
            match seg {
                TemplateSegment::Literal { text } => {
                    for c in text.chars() {
                        // Keep the template printable and unambiguous: escape what would
                        // break a path or look like a parameter.
                        match c {
                            '/' => f.write_str("%2F")?,
                            '{' => f.write_str("%7B")?,
                            '}' => f.write_str("%7D")?,
                            '?' => f.write_str("%3F")?,
                            '#' => f.write_str("%23")?,
                            '%' => f.write_str("%25")?,
                            c if c.is_control() || c == ' ' => {
                                let mut buf = [0u8; 4];
                                for b in c.encode_utf8(&mut buf).bytes() {
                                    write!(f, "%{b:02X}")?;
                                }
                            }
                            c => write!(f, "{c}")?,
                        }
                    }
                }
                TemplateSegment::Param { name, suffix, .. } => write!(f, "{{{name}}}{suffix}")?,
            }
        }
        Ok(())
    }
}

impl Serialize for PathTemplate {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// Name for a parameter that follows the literal `prev` (`users` → `userId`).
pub(crate) fn param_name(prev: Option<&str>, class: SegmentClass, taken: &[String]) -> String {
    let base = match prev {
        Some(p) => {
            let ident: String = camel_ident(&singular(p));
            if ident.is_empty() {
                "param".to_string()
            } else if class.is_strong_id() && class != SegmentClass::Email {
                format!("{ident}Id")
            } else {
                ident
            }
        }
        None => "param".to_string(),
    };
    let mut name = base.clone();
    let mut n = 2;
    while taken.iter().any(|t| t == &name) {
        name = format!("{base}{n}");
        n += 1;
    }
    name
}

fn singular(word: &str) -> String {
    let w = word;
    if let Some(stem) = w.strip_suffix("ies") {
        if stem.len() >= 2 {
            return format!("{stem}y");
        }
    }
    for suffix in ["sses", "shes", "ches", "xes"] {
        if let Some(stem) = w.strip_suffix(suffix) {
            return format!("{stem}{}", &suffix[..suffix.len() - 2]);
        }
    }
    if w.len() > 3 && w.ends_with('s') && !w.ends_with("ss") && !w.ends_with("us") {
        return w[..w.len() - 1].to_string();
    }
    w.to_string()
}

fn camel_ident(word: &str) -> String {
    let mut out = String::new();
    let mut upper = false;
    for c in word.chars() {
        if c.is_ascii_alphanumeric() {
            if out.is_empty() && c.is_ascii_digit() {
                out.push('p');
            }
            if upper && !out.is_empty() {
                out.push(c.to_ascii_uppercase());
            } else if out.is_empty() {
                out.push(c.to_ascii_lowercase());
            } else {
                out.push(c);
            }
            upper = false;
        } else {
            upper = true;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_come_from_the_previous_segment() {
        assert_eq!(
            param_name(Some("users"), SegmentClass::Integer, &[]),
            "userId"
        );
        assert_eq!(
            param_name(Some("repositories"), SegmentClass::Uuid, &[]),
            "repositoryId"
        );
        assert_eq!(param_name(Some("owners"), SegmentClass::Slug, &[]), "owner");
        assert_eq!(
            param_name(Some("dns_zones"), SegmentClass::Token, &[]),
            "dnsZoneId"
        );
        assert_eq!(
            param_name(Some("boxes"), SegmentClass::Integer, &[]),
            "boxId"
        );
        assert_eq!(
            param_name(Some("users"), SegmentClass::Integer, &["userId".into()]),
            "userId2"
        );
        assert_eq!(param_name(None, SegmentClass::Integer, &[]), "param");
    }

    #[test]
    fn parse_display_and_match() {
        let t = PathTemplate::parse("/repos/{owner}/{repo}/issues");
        assert_eq!(t.to_string(), "/repos/{owner}/{repo}/issues");
        assert!(t.matches_path("/repos/alice/x/issues"));
        assert!(t.matches_path("/repos/alice/x/issues/"));
        assert!(!t.matches_path("/repos/alice/issues"));
        assert_eq!(t.param_names().collect::<Vec<_>>(), ["owner", "repo"]);
        assert_eq!(PathTemplate::parse("/").to_string(), "/");
    }
}
