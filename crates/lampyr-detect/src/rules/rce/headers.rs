//! Header checks: a command in the `Referer`'s parameters or at the start of the `User-Agent`.

use super::expand::{command_level, expand};
use super::table::{alt, BIN, PREFIX, VER};
use super::words::BARE;
use super::{hit, unambiguous};
use crate::placement::scope;
use crate::rules::RuleHit;
use crate::rules::Value;
use crate::Severity::Critical;

/// The values of a `Referer`'s query and fragment, or the whole of one that is no URL: the
/// referring page's parameters, where an injection also shows.
pub(super) fn referer_parts(referer: &str) -> Vec<String> {
    let r = referer.trim();
    let is_url = r.contains("://") || r.starts_with("//");
    let mut parts = Vec::new();
    let tail = match r.find(['?', '#']) {
        Some(p) => &r[p + 1..],
        None if is_url => return parts,
        None => {
            parts.push(r.replace('+', " "));
            return parts;
        }
    };
    if !is_url && !r.starts_with(['?', '#']) {
        parts.push(r[..r.len() - tail.len() - 1].replace('+', " "));
    }
    for kv in tail.split(['&', '#', '?']).take(32) {
        let val = kv.split_once('=').map_or(kv, |(_, v)| v);
        if !val.is_empty() {
            parts.push(val.replace('+', " "));
        }
    }
    parts
}

/// `Referer` parameters read as parameters; a `User-Agent` that is a command line.
pub(super) fn header_check(v: &Value<'_>, sc: u32, out: &mut Vec<RuleHit>) {
    static HEADER: std::sync::OnceLock<regex::Regex> = std::sync::OnceLock::new();
    let rx = HEADER.get_or_init(|| {
        let unamb = alt(&unambiguous());
        let bare = alt(BARE);
        regex::Regex::new(&format!(
            r"^\s*{PREFIX}{BIN}(?:{unamb}){VER}(?:\.exe)?(?:\s|$)|[;|&`]\s*(?:{bare}|set|export|history)\s*$"
        ))
        .expect("header command rule compiles")
    });
    let mut views = crate::normalize::Views::default();
    if sc & scope::REFERER != 0 {
        for part in referer_parts(v.decoded) {
            views.fill(&part);
            let expanded = expand(&views.folded);
            let found = command_level(&views.cmdline, None).is_some()
                || rx.is_match(&views.cmdline)
                || expanded
                    .as_deref()
                    .is_some_and(|x| command_level(x, None).is_some());
            if found {
                out.push(hit("rce.referer_command", 2, Critical));
                return;
            }
        }
    }
    if sc & scope::USER_AGENT != 0 {
        let expanded = expand(v.folded);
        let evaded = expanded
            .as_deref()
            .filter(|x| *x != v.cmdline)
            .and_then(|x| command_level(x, Some(v.cmdline)));
        let text = expanded.as_deref().unwrap_or(v.cmdline);
        if rx.is_match(text) || evaded.is_some() {
            out.push(hit("rce.user_agent_command", 2, Critical));
        }
    }
}
