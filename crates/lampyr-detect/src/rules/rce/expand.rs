//! Shell expansion: the command line a value runs once variables, quotes and globs are
//! resolved, and the command rules run again on such derived text.

use super::table::rules;

/// Longest value the code checks expand or re-read (longer ones are documents, not commands).
pub(super) const MAX_EXPAND: usize = 4096;

/// Variables one value may assign at most before expansion stops.
pub(super) const MAX_ASSIGNMENTS: usize = 32;

/// The table rules the code checks run again on text they derive (an expanded command line, a
/// parameter of the referring page), compiled once.
struct Rerun {
    /// (rule id, paranoia, regex) of the command rules.
    rules: Vec<(&'static str, u8, regex::Regex)>,
}

fn rerun() -> &'static Rerun {
    static RERUN: std::sync::OnceLock<Rerun> = std::sync::OnceLock::new();
    RERUN.get_or_init(|| {
        const IDS: &[&str] = &[
            "rce.unix_command",
            "rce.unix_command_start",
            "rce.unix_command_start_plain",
            "rce.command_runner",
            "rce.bin_path",
            "rce.path_wildcard",
            "rce.path_glob",
            "rce.brace_expansion",
        ];
        let rules = rules()
            .into_iter()
            .filter(|r| IDS.contains(&r.id))
            .map(|r| {
                let rx = regex::RegexBuilder::new(&crate::rules::ascii_boundaries(&r.pattern))
                    .size_limit(4 << 20)
                    .build()
                    .expect("command rule compiles");
                (r.id, r.paranoia, rx)
            })
            .collect();
        Rerun { rules }
    })
}

/// The lowest paranoia level at which a command rule matches `text` (a command-line view),
/// skipping rules that already matched `except` (the engine reported those).
pub(super) fn command_level(text: &str, except: Option<&str>) -> Option<u8> {
    rerun()
        .rules
        .iter()
        .filter(|(_, _, rx)| rx.is_match(text) && !except.is_some_and(|e| rx.is_match(e)))
        .map(|(_, pl, _)| *pl)
        .min()
}

/// The command line a shell would run for `folded`, as far as one value tells: variables
/// assigned in it substituted (`a=/etc&&c=cat&&$c $a/passwd`), unset and special variables
/// removed (`c$u\at`, `c$!at`, `una$$me`), quotes and backslashes dropped, one-letter bracket
/// globs resolved (`/bi[n]/sh`, `adduse[r]`). `None` when there is nothing to expand.
pub fn expand(folded: &str) -> Option<String> {
    expand_at(folded, 0)
}

fn expand_at(folded: &str, depth: u8) -> Option<String> {
    if folded.len() > MAX_EXPAND || !folded.bytes().any(|b| b == b'$' || b == b'[') {
        return None;
    }
    let b = folded.as_bytes();
    // Assignments `name=value` at a command's start.
    let mut vars: Vec<(&str, String)> = Vec::new();
    let mut i = 0;
    while i < b.len() && vars.len() < MAX_ASSIGNMENTS {
        let at_start = i == 0
            || matches!(
                b[i - 1],
                b';' | b'&' | b'|' | b' ' | b'\n' | b'`' | b'(' | b'='
            );
        if at_start && (b[i].is_ascii_lowercase() || b[i] == b'_') {
            let mut j = i;
            while j < b.len() && (b[j].is_ascii_alphanumeric() || b[j] == b'_') {
                j += 1;
            }
            if b.get(j) == Some(&b'=') {
                let name = &folded[i..j];
                let mut val = String::new();
                let mut k = j + 1;
                let mut quote = None;
                while k < b.len() {
                    let c = b[k];
                    match (quote, c) {
                        (Some(q), c) if c == q => quote = None,
                        (Some(_), _) => val.push(c as char),
                        (None, b'\'') | (None, b'"') => quote = Some(c),
                        (None, b'\\') => {
                            if let Some(&n) = b.get(k + 1) {
                                val.push(n as char);
                                k += 1;
                            }
                        }
                        (None, b';' | b'&' | b'|' | b' ' | b'\n') => break,
                        (None, _) => val.push(c as char),
                    }
                    k += 1;
                }
                if val.is_ascii() && val.len() <= 64 {
                    vars.push((name, val));
                }
                // The value may itself start an assignment (`cmd=g=adduse[r]`).
                i = j + 1;
                continue;
            }
        }
        i += 1;
    }
    let mut out = String::with_capacity(folded.len());
    let mut i = 0;
    while i < b.len() && out.len() <= 2 * MAX_EXPAND {
        let c = b[i];
        match c {
            b'\\' | b'\'' | b'"' | b'^' => {
                i += 1;
                continue;
            }
            b'$' => {
                let rest = &b[i + 1..];
                match rest.first() {
                    Some(b'!' | b'?' | b'-' | b'_' | b'$' | b'#' | b'*' | b'@' | b'0'..=b'9') => {
                        i += 2;
                        continue;
                    }
                    Some(b'{') => {
                        if let Some(end) = rest.iter().take(40).position(|&c| c == b'}') {
                            let name = &folded[i + 2..i + 1 + end];
                            if name.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'_') {
                                if let Some((_, val)) = vars.iter().find(|(n, _)| *n == name) {
                                    out.push_str(val);
                                }
                                i += end + 2;
                                continue;
                            }
                        }
                    }
                    Some(c) if c.is_ascii_lowercase() || *c == b'_' => {
                        let len = rest
                            .iter()
                            .take_while(|c| c.is_ascii_alphanumeric() || **c == b'_')
                            .count();
                        let name = &folded[i + 1..i + 1 + len];
                        if name == "ifs" {
                            out.push(' ');
                        } else if let Some((_, val)) = vars.iter().find(|(n, _)| *n == name) {
                            out.push_str(val);
                        }
                        i += 1 + len;
                        continue;
                    }
                    _ => {}
                }
            }
            b'+' if matches!(b.get(i + 1), Some(b'/' | b'-')) => {
                // `cat+/etc/passwd`: a form-encoded blank decoded once too few.
                out.push(' ');
                i += 1;
                continue;
            }
            b'[' => {
                // A one-character class inside a word: `bi[n]`, `adduse[r]`.
                let glued = i > 0 && (b[i - 1].is_ascii_alphanumeric() || b[i - 1] == b'/');
                if let Some(end) = b[i + 1..].iter().take(10).position(|&c| c == b']') {
                    let class = &b[i + 1..i + 1 + end];
                    let glued = glued
                        || b.get(i + 2 + end)
                            .is_some_and(|c| c.is_ascii_alphanumeric() || *c == b'/');
                    if glued
                        && !class.is_empty()
                        && class[0].is_ascii_lowercase()
                        && class.iter().all(|c| c.is_ascii_lowercase() || *c == b'/')
                    {
                        out.push(class[0] as char);
                        i += end + 2;
                        continue;
                    }
                }
            }
            _ => {}
        }
        let len = match c {
            0x00..=0x7f => 1,
            0xc0..=0xdf => 2,
            0xe0..=0xef => 3,
            _ => 4,
        };
        let end = (i + len).min(b.len());
        if let Some(s) = folded.get(i..end) {
            out.push_str(s);
        }
        i = end;
    }
    // Substituted values may hold globs of their own (`g=adduse[r];$g x`).
    if depth == 0 && !vars.is_empty() && out.contains('[') && out.len() <= MAX_EXPAND {
        if let Some(again) = expand_at(&out.replace('$', ""), 1) {
            return Some(again);
        }
    }
    Some(out)
}
