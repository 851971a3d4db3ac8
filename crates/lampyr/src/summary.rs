//! The human-readable summary `lampyr analyze` prints.

use std::time::Duration;

use lampyr_analytics::Report;

/// Endpoint rows printed; the report has them all.
const MAX_ROWS: usize = 200;
/// Finding rows printed per severity.
const MAX_FINDING_ROWS: usize = 20;

pub fn print(report: &Report, took: Duration) {
    let s = &report.summary;
    println!(
        "{} exchanges, {} endpoints on {} host(s), {} skipped, {} noise, in {:.2}s",
        s.exchanges,
        s.endpoints,
        s.hosts,
        s.skipped,
        s.noise,
        took.as_secs_f64()
    );
    if report.endpoints.is_empty() {
        return;
    }
    let rows: Vec<(String, &lampyr_analytics::EndpointReport)> = report
        .endpoints
        .iter()
        .take(MAX_ROWS)
        .map(|e| {
            let mut path: String = e.path.chars().take(80).collect();
            if let Some(op) = &e.operation {
                path.push_str(&format!(" [{op}]"));
            }
            (path, e)
        })
        .collect();
    let width = rows
        .iter()
        .map(|(p, _)| p.chars().count())
        .max()
        .unwrap_or(4)
        .max(4);
    println!(
        "{:<7} {:<width$} {:>7}  {:<5} AUTH",
        "METHOD", "PATH", "HITS", "LEVEL"
    );
    for (path, e) in &rows {
        let level = e
            .sensitivity
            .as_ref()
            .map_or_else(|| "-".to_string(), |s| s.level.to_string());
        println!(
            "{:<7} {:<width$} {:>7}  {:<5} {}",
            e.method,
            path,
            e.hits,
            level,
            e.auth.join(",")
        );
    }
    if report.endpoints.len() > MAX_ROWS {
        println!(
            "... {} more endpoints in the report",
            report.endpoints.len() - MAX_ROWS
        );
    }
    print_sensitive(report);
    print_findings(report);
}

/// The sensitive-data section: endpoints by level, types by count.
fn print_sensitive(report: &Report) {
    let s = &report.summary.sensitive;
    println!();
    if s.endpoints == 0 {
        println!("Sensitive data: none found (profile {})", s.profile);
        return;
    }
    println!(
        "Sensitive data (profile {}): {} of {} endpoints, {} responses with {} sensitive records",
        s.profile,
        s.endpoints,
        report.summary.endpoints,
        s.exchanges_with_sensitive_responses,
        s.response_records
    );
    for (level, n) in s.endpoints_by_level.iter().rev() {
        let mut names: Vec<String> = report
            .endpoints
            .iter()
            .filter(|e| e.sensitivity.as_ref().is_some_and(|x| x.level == *level))
            .take(5)
            .map(|e| format!("{} {}", e.method, e.path))
            .collect();
        if *n > names.len() {
            names.push(format!("... {} more", n - names.len()));
        }
        println!("  level {level}: {n:>4} endpoint(s)  {}", names.join(", "));
    }
    let mut types: Vec<(&&str, &usize)> = s.types.iter().collect();
    types.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
    println!("  {:<20} {:>9} {:>9}", "TYPE", "ENDPOINTS", "FIELDS");
    for (ty, n) in types {
        println!(
            "  {:<20} {:>9} {:>9}",
            ty,
            n,
            s.locations.get(*ty).copied().unwrap_or(0)
        );
    }
}

/// The findings section: counts by severity, then the findings of each severity, most severe
/// first (the report is already sorted that way).
fn print_findings(report: &Report) {
    let s = &report.summary.findings;
    println!();
    if report.findings.is_empty() {
        println!(
            "Findings: none (paranoia {}, threshold {})",
            s.paranoia, s.threshold
        );
        return;
    }
    let counts: Vec<String> = ["critical", "high", "medium", "low", "info"]
        .iter()
        .filter_map(|sev| s.by_severity.get(sev).map(|n| format!("{n} {sev}")))
        .collect();
    println!(
        "Findings: {} ({}) in {} incident(s); {} attack request(s) at paranoia {}",
        s.total,
        counts.join(", "),
        s.incidents,
        s.attack_requests,
        s.paranoia
    );
    let mut current = None;
    let mut shown = 0;
    for f in &report.findings {
        if current != Some(f.severity) {
            current = Some(f.severity);
            shown = 0;
            println!("  {}:", f.severity.as_str().to_uppercase());
        }
        shown += 1;
        if shown > MAX_FINDING_ROWS {
            if shown == MAX_FINDING_ROWS + 1 {
                let more = report
                    .findings
                    .iter()
                    .filter(|g| g.severity == f.severity)
                    .count()
                    - MAX_FINDING_ROWS;
                println!("    ... {more} more in the report");
            }
            continue;
        }
        println!("    {:<32} {}", f.category, f.title);
    }
}
