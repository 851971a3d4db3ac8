//! A sample incident for the alert sink tests.
#![allow(dead_code)]

use lampyr_analytics::incident::{HitRecord, Incident, IncidentConfig, Incidents};
use lampyr_detect::{Actor, Severity};

/// An incident whose title and endpoint hold every character CEF must escape.
pub fn incident() -> Incident {
    let mut g = Incidents::new(IncidentConfig::default());
    for (i, sev) in [Severity::Medium, Severity::Critical]
        .into_iter()
        .enumerate()
    {
        g.observe(HitRecord {
            rule: format!("attack.sqli.r{i}"),
            category: "attack.sqli".into(),
            severity: sev,
            endpoint: Some("GET /search|a=b\\c\nx".into()),
            actor: Actor {
                ip: Some("203.0.113.7".into()),
                user: Some("alice".into()),
                ..Actor::default()
            },
            exchanges: vec![10 + i as u64],
            first_us: 1_714_557_600_000_000 + i as i64 * 1_000_000,
            last_us: 1_714_557_600_000_000 + i as i64 * 1_000_000,
            count: 1,
        });
    }
    g.incidents().remove(0)
}
