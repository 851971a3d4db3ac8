//! `lampyr classify`: what sensitive data a piece of text or JSON on stdin holds, for quick
//! checks. Values are printed masked, never in clear.

use std::io::Read;
use std::process::ExitCode;

use anyhow::Context;
use serde::Serialize;

use lampyr_classify::detect::HIT;
use lampyr_classify::json;
use lampyr_classify::mask::{mask_value, MaskStrategy};
use lampyr_classify::{Classifier, ClassifyOptions};

use crate::cli::ClassifyArgs;
use crate::config;

/// Bytes read from stdin at most.
const MAX_INPUT: u64 = 16 * 1024 * 1024;

/// One finding.
#[derive(Debug, Serialize)]
struct Finding {
    field: String,
    #[serde(rename = "type")]
    ty: &'static str,
    level: u8,
    level_label: &'static str,
    score: f32,
    masked: String,
}

pub fn run(args: ClassifyArgs) -> anyhow::Result<ExitCode> {
    let cfg = match config::load_or_default(args.config.as_deref())? {
        Ok(cfg) => cfg,
        Err(code) => return Ok(code),
    };
    let grading = cfg.classify.grading();
    let mut input = Vec::new();
    std::io::stdin()
        .take(MAX_INPUT)
        .read_to_end(&mut input)
        .context("reading stdin")?;
    let text = String::from_utf8_lossy(&input);
    let mut classifier = Classifier::new(&ClassifyOptions {
        disabled: cfg.classify.disabled.clone(),
    });
    let mut findings = Vec::new();
    let mut add = |field: &str, value: &str, dets: Vec<lampyr_classify::Detection>| {
        for d in dets.into_iter().filter(|d| d.score >= HIT) {
            let span = value.get(d.start as usize..d.end as usize).unwrap_or(value);
            let g = grading.grade(d.ty);
            findings.push(Finding {
                field: field.to_string(),
                ty: d.ty.id(),
                level: g.level,
                level_label: g.label,
                score: (d.score * 100.0).round() / 100.0,
                masked: mask_value(span, d.ty, &MaskStrategy::Default, b""),
            });
        }
    };
    let trimmed = text.trim();
    let is_json = matches!(trimmed.bytes().next(), Some(b'{' | b'['))
        && serde_json::from_str::<serde::de::IgnoredAny>(trimmed).is_ok();
    if is_json {
        let _ = json::walk(trimmed, |leaf| {
            let dets = classifier.classify_value(leaf.key, leaf.parent, &leaf.value);
            add(leaf.path, &leaf.value, dets);
        });
    } else {
        let key = args.key.as_deref().unwrap_or("");
        for line in trimmed.lines().filter(|l| !l.trim().is_empty()) {
            let dets = classifier.classify_value(key, "", line);
            add(key, line, dets);
        }
    }
    if args.json {
        println!("{}", serde_json::to_string_pretty(&findings)?);
    } else if findings.is_empty() {
        println!("no sensitive data found");
    } else {
        println!(
            "{:<32} {:<20} {:>5} {:>6}  MASKED",
            "FIELD", "TYPE", "LEVEL", "SCORE"
        );
        for f in &findings {
            let field = if f.field.is_empty() { "-" } else { &f.field };
            println!(
                "{:<32} {:<20} {:>5} {:>6.2}  {}",
                field, f.ty, f.level, f.score, f.masked
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}
