//! ArcSight Common Event Format: `CEF:0|Vendor|Product|Version|SignatureID|Name|Severity|Ext`.
//!
//! Escaping (CEF spec): in header fields `\` and `|` are backslash-escaped; in extension values
//! `\` and `=` are, and line breaks become `\n` / `\r`. Header fields cannot hold line breaks,
//! so they become spaces there.

use lampyr_detect::Severity;

use crate::incident::Incident;

/// Escapes a CEF header field.
pub fn cef_escape_header(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '|' => out.push_str("\\|"),
            '\r' | '\n' => out.push(' '),
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// Escapes a CEF extension value.
pub fn cef_escape_extension(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '=' => out.push_str("\\="),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// CEF severity 0–10.
pub fn cef_severity(s: Severity) -> u8 {
    match s {
        Severity::Info => 1,
        Severity::Low => 3,
        Severity::Medium => 5,
        Severity::High => 8,
        Severity::Critical => 10,
    }
}

/// Milliseconds since the epoch (CEF `start`/`end`).
fn ms(us: i64) -> i64 {
    us.div_euclid(1000)
}

/// The CEF message of an incident. Signature id is the incident's category.
pub fn cef_message(incident: &Incident) -> String {
    let mut ext: Vec<(&str, String)> = vec![
        ("externalId", incident.id.clone()),
        ("cat", incident.family.clone()),
        ("cnt", incident.count.to_string()),
        ("start", ms(incident.first_us).to_string()),
        ("end", ms(incident.last_us).to_string()),
    ];
    if let Some(ip) = &incident.actor.ip {
        ext.push(("src", ip.clone()));
    }
    if let Some(u) = &incident.actor.user {
        ext.push(("suser", u.clone()));
    }
    if let Some(c) = &incident.actor.consumer {
        ext.push(("cs1Label", "consumer".into()));
        ext.push(("cs1", c.clone()));
    }
    if let Some(e) = &incident.endpoint {
        ext.push(("cs2Label", "endpoint".into()));
        ext.push(("cs2", e.clone()));
    }
    ext.push(("cs3Label", "rules".into()));
    ext.push(("cs3", incident.rules.join(",")));
    if let Some(t) = &incident.actor.token_id {
        ext.push(("cs4Label", "token_id".into()));
        ext.push(("cs4", t.clone()));
    }
    ext.push(("cs5Label", "status".into()));
    ext.push((
        "cs5",
        serde_json::to_value(incident.status)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default(),
    ));
    ext.push(("msg", incident.title.clone()));
    let ext: Vec<String> = ext
        .into_iter()
        .map(|(k, v)| format!("{k}={}", cef_escape_extension(&v)))
        .collect();
    format!(
        "CEF:0|Lampyr|Lampyr|{}|{}|{}|{}|{}",
        cef_escape_header(env!("CARGO_PKG_VERSION")),
        cef_escape_header(&incident.category),
        cef_escape_header(&incident.title),
        cef_severity(incident.severity),
        ext.join(" ")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_follows_the_spec() {
        assert_eq!(cef_escape_header(r"a|b\c"), r"a\|b\\c");
        assert_eq!(cef_escape_header("a\nb=c"), "a b=c");
        assert_eq!(cef_escape_extension("a=b\\c\nd|e"), r"a\=b\\c\nd|e");
    }
}
