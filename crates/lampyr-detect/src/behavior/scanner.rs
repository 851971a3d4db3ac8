//! Scanners and content discovery: many distinct paths that no endpoint serves (404/405),
//! words where an endpoint expects object ids, several methods, or well-known probe paths.
//!
//! Repeats do not count: a client retrying one dead link or a smoke test calling the same
//! four missing paths every half hour stays at a handful of distinct paths.

use serde_json::json;

use super::config::{us, BehaviorConfig};
use super::login::round3;
use super::objects::{id_shaped, object_ids};
use super::state::{fnv, DistinctWindow, Lru, SlidingSum};
use super::{actor_of, Event, Signal};
use crate::category::ABUSE_SCANNER;
use crate::Severity;

const RULE: &str = "behavior.scanner.paths";

/// Path fragments only vulnerability scanners and content-discovery wordlists ask for
/// (lower-case; matched as substrings of the lower-cased path).
const PROBES: &[&str] = &[
    "/.git",
    "/.env",
    "/.svn",
    "/.hg/",
    "/.bzr",
    "/.ds_store",
    "/.htaccess",
    "/.htpasswd",
    "/.aws",
    "/.ssh",
    "/.docker",
    "/.vscode",
    "/.idea",
    "/id_rsa",
    "/wp-admin",
    "/wp-login",
    "/wp-content",
    "/wp-includes",
    "/xmlrpc.php",
    "/phpmyadmin",
    "/phpinfo",
    "/pma/",
    "/server-status",
    "/server-info",
    "/actuator/env",
    "/actuator/heapdump",
    "/actuator/mappings",
    "/web.config",
    "/web-inf",
    "/etc/passwd",
    "/cgi-bin/",
    "/jmx-console",
    "/manager/html",
    "/vendor/phpunit",
    "/elmah.axd",
    "/trace.axd",
    "/.bash_history",
    "/config.php",
    "/wp-config",
    "/backup.sql",
    "/dump.sql",
    "/database.sql",
    "/.npmrc",
    "/composer.json",
    "/docker-compose",
    "/.travis.yml",
    "/.gitlab-ci",
    "/console/",
    "/solr/",
    "/hudson",
    "/jenkins/",
    "/administrator/",
    "/adminer",
    "/shell.php",
    "/cmd.php",
    "/.well-known/../",
];

#[derive(Debug)]
struct Scan {
    misses: DistinctWindow,
    probes: DistinctWindow,
    methods: DistinctWindow,
    requests: SlidingSum,
    missed: SlidingSum,
    flagged: bool,
}

/// State of the scanner rule.
#[derive(Debug)]
pub(crate) struct ScannerDetector {
    actors: Lru<String, Scan>,
}

fn is_probe(path: &str) -> bool {
    let p = path.to_ascii_lowercase();
    PROBES.iter().any(|probe| p.contains(probe))
        || [
            ".bak", ".old", ".swp", ".sql", ".tar.gz", ".zip", ".7z", "~",
        ]
        .iter()
        .any(|ext| p.ends_with(ext))
}

impl ScannerDetector {
    pub fn new(cfg: &BehaviorConfig) -> Self {
        Self {
            actors: Lru::new(cfg.max_tracked),
        }
    }

    pub fn memory(&self) -> (u64, u64) {
        (self.actors.len() as u64, self.actors.evicted)
    }

    pub fn observe(&mut self, ev: &Event, cfg: &BehaviorConfig, out: &mut Vec<Signal>) {
        let Some(status) = ev.status else {
            return;
        };
        let now = ev.time_us;
        let miss = match (&ev.endpoint, status) {
            (_, 405 | 501) => true,
            (None, 404) => true,
            (Some(ep), 400 | 404) => object_ids(ep, &ev.path).iter().any(|v| !id_shaped(v)),
            _ => false,
        };
        let probe = is_probe(&ev.path);
        let (key, actor) = actor_of(ev);
        let w = us(cfg.scanner_window_s);
        let s = self.actors.entry(&key, || Scan {
            misses: DistinctWindow::new(w, cfg.max_distinct),
            probes: DistinctWindow::new(w, 64),
            methods: DistinctWindow::new(w, 16),
            requests: SlidingSum::new(w, 60),
            missed: SlidingSum::new(w, 60),
            flagged: false,
        });
        s.requests.add(now, 1);
        if miss {
            s.missed.add(now, 1);
            s.misses
                .insert(now, fnv(&[ev.method.as_bytes(), ev.path.as_bytes()]));
            s.methods.insert(now, fnv(&[ev.method.as_bytes()]));
        }
        if probe {
            s.probes.insert(now, fnv(&[ev.path.as_bytes()]));
        }
        if !(miss || probe || s.flagged) {
            return;
        }
        let paths = s.misses.count(now) as u64;
        let probes = s.probes.count(now) as u64;
        let requests = s.requests.sum(now);
        let missed = s.missed.sum(now);
        let ratio = missed as f64 / requests.max(1) as f64;
        let fire = (paths >= u64::from(cfg.scanner_min_paths)
            && ratio >= cfg.scanner_min_miss_ratio)
            || probes >= u64::from(cfg.scanner_min_probes);
        if !(fire || s.flagged) {
            return;
        }
        if s.flagged && !(miss || probe) {
            return;
        }
        let evidence = (fire && (!s.flagged || paths.is_multiple_of(50))).then(|| {
            json!({
                "distinct_missed_paths": paths,
                "probe_paths": probes,
                "methods": s.methods.count(now),
                "requests": requests,
                "miss_ratio": round3(ratio),
                "window_s": cfg.scanner_window_s,
                "thresholds": {"paths": cfg.scanner_min_paths, "miss_ratio": cfg.scanner_min_miss_ratio,
                               "probes": cfg.scanner_min_probes},
            })
        });
        s.flagged |= fire;
        out.push(Signal {
            rule: RULE,
            category: ABUSE_SCANNER,
            severity: Severity::Medium,
            key,
            actor,
            endpoint: None,
            index: ev.index,
            time_us: now,
            evidence,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn probe_paths() {
        assert!(is_probe("/.git/config"));
        assert!(is_probe("/backup/site.zip"));
        assert!(is_probe("/WP-ADMIN/"));
        assert!(!is_probe("/api/v1/patients"));
        assert!(!is_probe("/robots.txt"));
    }
}
