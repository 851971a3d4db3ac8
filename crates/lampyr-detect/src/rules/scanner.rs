//! Vulnerability scanners and attack tools recognised by their `User-Agent` (CRS 913100):
//! a request from sqlmap or nikto is an attack whatever its payload.

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};

use super::{RuleHit, Value};
use crate::category::SCANNER as CAT;
use crate::placement::scope;
use crate::Severity::Critical;

/// Tool names as they appear in their default `User-Agent` (lower case). Each must be a
/// product name no browser, library or crawler uses.
pub const TOOLS: &[&str] = &[
    "sqlmap",
    "nikto",
    "nmap",
    "masscan",
    "nuclei",
    "dirbuster",
    "gobuster",
    "wfuzz",
    "acunetix",
    "arachni",
    "havij",
    "nessus",
    "openvas",
    "zgrab",
    "w3af",
    "netsparker",
    "appscan",
    "webinspect",
    "qualys",
    "feroxbuster",
    "ffuf",
    "dirb/",
    "wpscan",
    "joomscan",
    "skipfish",
    "jaeles",
    "commix",
    "xsstrike",
    "fimap",
    "whatweb",
    "wapiti",
    "paros",
    "burpcollaborator",
    "burp suite",
    "zaproxy",
    "owasp zap",
    "jorgee",
    "morfeus",
    "zmeu",
    "bsqlbf",
    "pangolin",
    "nsauditor",
    "sqlninja",
    "webshag",
    "cgichk",
    "mysqloit",
    "nmap scripting engine",
    "brutus",
    "metasploit",
    "sqlsus",
    "vega/",
    "grendel-scan",
    "httprint",
    "dotdotpwn",
    "blind-sqli",
    "jbrofuzz",
    "webvulnscan",
    "mozilla/5.0 sf/",
    "struts-pwn",
    "log4shell",
    "interactsh",
    "afrog",
    "httpx - open-source",
    "detectify",
    "nexpose",
    "pwnscan",
    "zmap",
    "censysinspect",
    "sysscan",
    "webreaper",
    "black widow",
    "bbqsql",
    "sqlpowerinjector",
    "teh forest lobster",
    "toata dragostea",
    "autogetcontent",
    "crimscanner",
    "fuzz faster u fool",
    "gospider",
    "hakrawler",
    "dalfox",
    "kiterunner",
    "arjun",
    "paramspider",
    "wafw00f",
    "webscarab",
    "s.t.a.l.k.e.r.",
];

/// Finds scanner names in `User-Agent` values.
#[derive(Debug)]
pub struct Scanner {
    ac: AhoCorasick,
}

impl Default for Scanner {
    fn default() -> Self {
        Self::new()
    }
}

impl Scanner {
    /// Builds the automaton.
    pub fn new() -> Self {
        Self {
            ac: AhoCorasickBuilder::new()
                .ascii_case_insensitive(true)
                .match_kind(MatchKind::LeftmostLongest)
                .build(TOOLS)
                .expect("scanner names"),
        }
    }

    /// Reports a scanner name standing as a word in a `User-Agent`.
    pub fn check(&self, v: &Value<'_>, sc: u32, out: &mut Vec<RuleHit>) {
        if sc & scope::USER_AGENT == 0 {
            return;
        }
        let text = v.decoded;
        let b = text.as_bytes();
        for m in self.ac.find_iter(text) {
            let before_ok = m.start() == 0 || !b[m.start() - 1].is_ascii_alphanumeric();
            let last = b[m.end() - 1];
            let after_ok = m.end() == b.len()
                || !last.is_ascii_alphanumeric()
                || !b[m.end()].is_ascii_alphabetic();
            if before_ok && after_ok {
                out.push(RuleHit {
                    rule: "scanner.user_agent",
                    category: CAT,
                    severity: Critical,
                    paranoia: 1,
                    span: m.start()..m.end(),
                });
                return;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::builtin::testing::hits_with;
    use crate::placement::scope;

    fn flagged(ua: &str) -> bool {
        hits_with(ua, scope::HEADER | scope::USER_AGENT, None)
            .iter()
            .any(|h| h.0 == "scanner.user_agent")
    }

    #[test]
    fn attack_tools_are_recognised() {
        for ua in [
            "sqlmap/1.7.2#stable (https://sqlmap.org)",
            "Mozilla/5.00 (Nikto/2.1.6) (Evasions:None) (Test:Port Check)",
            "Mozilla/5.0 (compatible; Nmap Scripting Engine; https://nmap.org/book/nse.html)",
            "masscan/1.3",
            "Mozilla/5.0 (Windows NT 10.0) Nuclei - Open-source project",
            "gobuster/3.1.0",
            "Wfuzz/2.4",
            "Mozilla/4.0 (compatible; MSIE 7.0; Windows NT 5.1) Havij",
            "Arachni/0.2.1",
            "Mozilla/5.0 zgrab/0.x",
        ] {
            assert!(flagged(ua), "{ua}");
        }
    }

    #[test]
    fn ordinary_clients_are_not_scanners() {
        for ua in [
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/120 Safari/537.36",
            "curl/8.4.0",
            "python-requests/2.31.0",
            "urlgrabber/3.10 yum/3.4.3",
            "mozilla/5.0 ecairn-grabber/1.0 (+http://ecairn.com/grabber)",
            "okhttp/4.12.0",
            "Go-http-client/2.0",
            "PostmanRuntime/7.36",
        ] {
            assert!(!flagged(ua), "{ua}");
        }
        // Not in a User-Agent: the word is ordinary data.
        assert!(hits_with("sqlmap", scope::QUERY, None)
            .iter()
            .all(|h| h.0 != "scanner.user_agent"));
    }
}
