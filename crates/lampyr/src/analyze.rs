//! `lampyr analyze`: read traffic files, discover the API, write the report and OpenAPI.

use std::ops::ControlFlow;
use std::path::Path;
use std::process::ExitCode;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use lampyr_analytics::{AnalyzeConfig, Analyzer, InputReport};
use lampyr_ingest::{Format, Item, ReadOptions};

use crate::cli::{AnalyzeArgs, FormatArg, EXIT_STRICT};
use crate::{config, summary};

/// Bad entries printed in full before the rest are only counted.
const MAX_PRINTED_SKIPS: u64 = 20;

pub fn run(args: AnalyzeArgs) -> anyhow::Result<ExitCode> {
    let cfg = match config::load_or_default(args.config.as_deref())? {
        Ok(cfg) => cfg,
        Err(code) => return Ok(code),
    };
    let format = match args.format {
        FormatArg::Auto => Format::Auto,
        FormatArg::Har => Format::Har,
        FormatArg::Jsonl => Format::Jsonl,
    };
    let mut discovery = cfg.discovery.clone();
    discovery.debug = args.debug_templating;
    let mut analyzer = Analyzer::new(AnalyzeConfig {
        discovery,
        classify: lampyr_classify::ClassifyOptions {
            disabled: cfg.classify.disabled.clone(),
        },
        grading: cfg.classify.grading(),
        detection: cfg.detect.analytics(),
    })
    .context("building the detectors")?;
    let started = Instant::now();
    let mut printed = 0u64;
    for (i, path) in args.files.iter().enumerate() {
        let progress = Arc::new(AtomicU64::new(0));
        let mut opts = ReadOptions {
            input: i as u32,
            progress: Some(progress.clone()),
            ..ReadOptions::default()
        };
        if let Some(n) = cfg.max_body {
            opts.limits.max_body = n;
        }
        if let Some(n) = cfg.max_decoded {
            opts.max_decoded = n;
        }
        if let Some(b) = cfg.trust_forwarded {
            opts.trust_forwarded = b;
        }
        let bar = progress_bar(path, args.quiet);
        let mut strict_failure = None;
        let mut last_tick = Instant::now();
        let mut index_span = 0u64;
        let result = lampyr_ingest::read_path(path, format, &opts, |item| {
            if last_tick.elapsed() > Duration::from_millis(100) {
                last_tick = Instant::now();
                if started.elapsed() > Duration::from_secs(1) && bar.is_hidden() && !args.quiet {
                    bar.set_draw_target(ProgressDrawTarget::stderr());
                }
                bar.set_position(progress.load(Ordering::Relaxed));
            }
            let index = match &item {
                Item::Exchange(ex) => ex.source.index,
                Item::Skipped(err) => err.location.index(),
            };
            index_span = index_span.max(index + 1);
            match item {
                Item::Exchange(ex) => {
                    analyzer.observe(&ex);
                    ControlFlow::Continue(())
                }
                Item::Skipped(err) => {
                    if args.strict {
                        strict_failure = Some(err.to_string());
                        return ControlFlow::Break(());
                    }
                    printed += 1;
                    if printed <= MAX_PRINTED_SKIPS && !args.quiet {
                        bar.suspend(|| eprintln!("warning: {}: skipped {err}", path.display()));
                    }
                    ControlFlow::Continue(())
                }
            }
        });
        bar.finish_and_clear();
        if let Some(msg) = strict_failure {
            eprintln!("error: {}: {msg} (--strict)", path.display());
            return Ok(ExitCode::from(EXIT_STRICT));
        }
        let read = result.with_context(|| format!("{}", path.display()))?;
        analyzer.add_input(InputReport {
            path: path.display().to_string(),
            format: read.format.to_string(),
            entries: read.entries,
            exchanges: read.exchanges,
            skipped: read.skipped,
            index_span,
        });
    }
    let analysis = analyzer.finish();
    if let Some(out) = &args.report {
        let json = serde_json::to_vec_pretty(&analysis.report)?;
        std::fs::write(out, json).with_context(|| format!("cannot write {}", out.display()))?;
    }
    if let Some(out) = &args.openapi {
        let doc = lampyr_discovery::openapi::export(&analysis.inventory);
        let yaml = matches!(
            out.extension().and_then(|e| e.to_str()),
            Some("yaml" | "yml")
        );
        let bytes = if yaml {
            serde_yaml::to_string(&doc)?.into_bytes()
        } else {
            serde_json::to_vec_pretty(&doc)?
        };
        std::fs::write(out, bytes).with_context(|| format!("cannot write {}", out.display()))?;
    }
    if !cfg.detect.alerts.sinks.is_empty() {
        let mut alerter = lampyr_analytics::alert::Alerter::from_config(&cfg.detect.alerts)
            .context("setting up the alert sinks")?;
        for incident in &analysis.report.incidents {
            for e in alerter.send(incident) {
                eprintln!(
                    "warning: alert for incident {} not delivered: {e}",
                    incident.id
                );
            }
        }
    }
    if !args.quiet {
        summary::print(&analysis.report, started.elapsed());
        if printed > MAX_PRINTED_SKIPS {
            eprintln!(
                "warning: {} more malformed entries skipped (see the report's inputs)",
                printed - MAX_PRINTED_SKIPS
            );
        }
    }
    // The process ends here: freeing a large inventory piece by piece only costs time.
    std::mem::forget(analysis);
    Ok(ExitCode::SUCCESS)
}

fn progress_bar(path: &Path, quiet: bool) -> ProgressBar {
    let len = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
    let bar = ProgressBar::with_draw_target(Some(len), ProgressDrawTarget::hidden());
    if !quiet {
        bar.set_style(
            ProgressStyle::with_template(
                "{msg} [{bar:30}] {bytes}/{total_bytes} ({bytes_per_sec}, eta {eta})",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
        );
        bar.set_message(
            path.file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default(),
        );
    }
    bar
}
