//! OS command injection, Unix and Windows (CRS 932xxx territory).
//!
//! The core signal is a command word where a shell would start a command: after `;`, `|`,
//! `&`, `&&`, `||`, a newline, a backtick or `$(`, or at the very start of a value when it is
//! followed by shell-looking arguments. Commands are split in two lists: words that are never
//! English (`whoami`, `wget`, `chmod`) fire after any separator; words that are (`cat`, `find`,
//! `kill`) need an option, a path or a variable as argument. Rules read the `cmdline` view, so
//! quote and backslash evasion (`w'h'o'am'i`, `c\at`), `$IFS` and `${x}` tricks are undone.
//! Shell syntax that is an attack on its own (Shellshock, `$(...)`, brace expansion, fork
//! bombs, history and tilde expansion, PowerShell cmdlets, Windows `FOR`/`IF`) has its own rules.

mod expand;
mod headers;
mod table;
mod upload;
mod words;

use super::{RuleHit, Value};
use crate::category::COMMAND_INJECTION as CAT;
use crate::placement::scope;
use crate::Severity::Critical;
pub use expand::expand;
#[cfg(test)]
use expand::MAX_ASSIGNMENTS;
use expand::{command_level, MAX_EXPAND};
use headers::header_check;
#[cfg(test)]
use headers::referer_parts;
pub use table::rules;
pub use upload::restricted_upload;
use upload::FILENAME_HEADERS;
pub use words::{unambiguous, AMBIGUOUS, BARE, STRONG, WEAK};

/// Where command rules look: parameters and their names, cookies, XML/multipart fields.
const WHERE: u32 = scope::PAYLOAD;

/// Code checks: a command hidden by shell expansion, a command in the `Referer`'s parameters or
/// at the start of the `User-Agent`, uploads of configuration files, and command words that
/// only appear once quotes are removed.
pub fn check(v: &Value<'_>, sc: u32, out: &mut Vec<RuleHit>) {
    let upload_header =
        sc & scope::HEADER != 0 && FILENAME_HEADERS.contains(&v.placement.field.as_str());
    if sc & scope::FILENAME != 0 || upload_header {
        if let Some(pl) = restricted_upload(v.decoded) {
            out.push(hit("rce.restricted_upload", pl, Critical));
        }
    }
    if sc & (scope::REFERER | scope::USER_AGENT) != 0 && v.decoded.len() <= MAX_EXPAND {
        header_check(v, sc, out);
    }
    if sc & WHERE == 0 {
        return;
    }
    if let Some(x) = expand(v.folded) {
        if x != v.cmdline {
            if let Some(pl) = command_level(&x, Some(v.cmdline)) {
                out.push(hit("rce.shell_expansion", pl, Critical));
            }
        }
    }
    quote_evasion(v, out);
}

fn hit(rule: &'static str, paranoia: u8, severity: crate::Severity) -> RuleHit {
    RuleHit {
        rule,
        category: CAT,
        severity,
        paranoia,
        span: 0..0,
    }
}

/// A command word that only appears once quotes, backslashes or carets are removed
/// (`w'h'o'am'i`, `c\at`): nobody writes a command that way but to evade.
fn quote_evasion(v: &Value<'_>, out: &mut Vec<RuleHit>) {
    if v.cmdline.len() == v.folded.len() {
        return;
    }
    let evaded = v
        .folded
        .bytes()
        .any(|b| matches!(b, b'\'' | b'"' | b'\\' | b'^'));
    if !evaded {
        return;
    }
    for word in v.cmdline.split(|c: char| !c.is_ascii_alphanumeric()) {
        if word.len() >= 3 && STRONG.contains(&word) && !contains_word(v.folded, word) {
            out.push(RuleHit {
                rule: "rce.quote_evasion",
                category: CAT,
                severity: Critical,
                paranoia: 2,
                span: 0..0,
            });
            return;
        }
    }
}

fn contains_word(text: &str, word: &str) -> bool {
    text.split(|c: char| !c.is_ascii_alphanumeric())
        .any(|w| w == word)
}

#[cfg(test)]
mod tests;
