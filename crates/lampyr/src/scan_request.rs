//! `lampyr scan-request`: the attack inspector's verdict on one raw HTTP request read from
//! stdin, for rule writers testing a rule or a payload. Fragments are printed masked.

use std::io::Read;
use std::process::ExitCode;

use anyhow::Context;
use serde::Serialize;

use lampyr_core::BodyLimits;
use lampyr_detect::{Inspector, Verdict};

use crate::cli::{ScanRequestArgs, EXIT_ATTACK};
use crate::config;

/// Bytes read from stdin at most (a request bigger than this is cut, and its body with it).
const MAX_INPUT: u64 = 4 * 1024 * 1024;

#[derive(Serialize)]
struct Output<'a> {
    attack: bool,
    paranoia: u8,
    #[serde(flatten)]
    verdict: &'a Verdict,
}

pub fn run(args: ScanRequestArgs) -> anyhow::Result<ExitCode> {
    let cfg = match config::load_or_default(args.config.as_deref())? {
        Ok(cfg) => cfg,
        Err(code) => return Ok(code),
    };
    let mut inspect = cfg.detect.inspect.clone();
    if let Some(pl) = args.paranoia {
        anyhow::ensure!((1..=4).contains(&pl), "--paranoia must be 1 to 4, not {pl}");
        inspect.paranoia = pl;
        inspect.detection_paranoia = inspect.detection_paranoia.max(pl);
    }
    let paranoia = inspect.paranoia;
    let inspector = Inspector::new(inspect).context("building the inspector")?;

    if args.batch {
        return batch(&inspector);
    }
    let mut input = Vec::new();
    std::io::stdin()
        .take(MAX_INPUT)
        .read_to_end(&mut input)
        .context("reading stdin")?;
    let request = lampyr_ingest::raw::parse_request(&input, BodyLimits::default())
        .context("stdin is not an HTTP request")?;
    let verdict = inspector.inspect(&request);
    let attack = verdict.is_attack();

    if args.json {
        let out = Output {
            attack,
            paranoia,
            verdict: &verdict,
        };
        println!("{}", serde_json::to_string_pretty(&out)?);
    } else {
        println!(
            "{}  score {} / threshold {} (paranoia {paranoia})",
            if attack { "ATTACK" } else { "clean" },
            verdict.score,
            verdict.threshold
        );
        let rows: Vec<(&str, &lampyr_detect::AttackHit)> = verdict
            .hits
            .iter()
            .map(|h| ("", h))
            .chain(verdict.detection_only.iter().map(|h| ("(shadow) ", h)))
            .collect();
        if !rows.is_empty() {
            println!(
                "{:<9} {:<28} {:<28} {:<16} {:<24} FRAGMENT",
                "SEVERITY", "RULE", "CATEGORY", "IN", "FIELD"
            );
            for (shadow, h) in rows {
                println!(
                    "{:<9} {:<28} {:<28} {:<16} {:<24} {shadow}{}",
                    h.severity.as_str(),
                    h.rule,
                    h.category,
                    h.placement.location.as_str(),
                    h.placement.field,
                    h.fragment
                );
            }
        }
    }
    Ok(if attack {
        ExitCode::from(EXIT_ATTACK)
    } else {
        ExitCode::SUCCESS
    })
}

/// `--batch`: one verdict line per request line. A bad line gets an `error` verdict and the
/// run goes on, so one broken case never hides the others.
fn batch(inspector: &Inspector) -> anyhow::Result<ExitCode> {
    use std::io::{BufRead, Write};

    #[derive(serde::Deserialize)]
    struct Case {
        id: serde_json::Value,
        raw_b64: String,
    }
    #[derive(Serialize)]
    struct Line<'a> {
        id: &'a serde_json::Value,
        attack: bool,
        score: u32,
        rules: Vec<&'a str>,
        #[serde(skip_serializing_if = "Option::is_none")]
        error: Option<String>,
    }
    let stdin = std::io::stdin().lock();
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    let null = serde_json::Value::Null;
    for (n, line) in stdin.split(b'\n').enumerate() {
        let line = line.context("reading stdin")?;
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        let parsed = serde_json::from_slice::<Case>(&line)
            .map_err(|e| format!("line {}: {e}", n + 1))
            .and_then(|c| {
                use base64::Engine as _;
                let raw = base64::engine::general_purpose::STANDARD
                    .decode(c.raw_b64.trim())
                    .map_err(|e| format!("line {}: raw_b64: {e}", n + 1))?;
                let req = lampyr_ingest::raw::parse_request(&raw, BodyLimits::default())
                    .map_err(|e| format!("line {}: {e}", n + 1))?;
                Ok((c.id, req))
            });
        match parsed {
            Ok((id, req)) => {
                let v = inspector.inspect(&req);
                let mut rules: Vec<&str> = v.hits.iter().map(|h| h.rule.as_str()).collect();
                rules.dedup();
                let line = Line {
                    id: &id,
                    attack: v.is_attack(),
                    score: v.score,
                    rules,
                    error: None,
                };
                serde_json::to_writer(&mut out, &line)?;
            }
            Err(e) => {
                let line = Line {
                    id: &null,
                    attack: false,
                    score: 0,
                    rules: Vec::new(),
                    error: Some(e),
                };
                serde_json::to_writer(&mut out, &line)?;
            }
        }
        out.write_all(b"\n")?;
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}
