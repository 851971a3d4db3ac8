//! The human-readable summary `lampyr analyze` prints.

use std::time::Duration;

use lampyr_analytics::Report;

/// Endpoint rows printed; the report has them all.
const MAX_ROWS: usize = 200;

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
    println!("{:<7} {:<width$} {:>7}  AUTH", "METHOD", "PATH", "HITS");
    for (path, e) in &rows {
        println!(
            "{:<7} {:<width$} {:>7}  {}",
            e.method,
            path,
            e.hits,
            e.auth.join(",")
        );
    }
    if report.endpoints.len() > MAX_ROWS {
        println!(
            "... {} more endpoints in the report",
            report.endpoints.len() - MAX_ROWS
        );
    }
}
