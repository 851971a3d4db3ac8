//! `lampyr ingest FILE…`: sends recorded exchanges (HAR or Exchange JSON Lines) to a running
//! `lampyr serve`, whose streaming analytics treats them like mirrored traffic.
//!
//! Files are read locally with the same readers as `lampyr analyze`, re-encoded as Exchange
//! JSON Lines v1 and posted to `POST /admin/v1/ingest` in chunks under the endpoint's body
//! limit. The server waits while its pipeline is busy instead of dropping, so every exchange
//! the server answers as accepted is analysed.

use std::ops::ControlFlow;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{bail, Context};
use lampyr_ingest::{Format, Item, ReadOptions};

use crate::cli::IngestArgs;

/// Bytes per POST: under the server's 16 MiB ingest body limit with room to spare.
const CHUNK_BYTES: usize = 8 * 1024 * 1024;

pub fn run(args: IngestArgs) -> anyhow::Result<ExitCode> {
    let token = match (&args.token_env, &args.token_file) {
        (Some(var), _) => std::env::var(var)
            .with_context(|| format!("environment variable {var} (admin token) is not set"))?,
        (None, Some(path)) => std::fs::read_to_string(path)
            .with_context(|| format!("reading the admin token from {}", path.display()))?,
        (None, None) => {
            let path = args.data_dir.join("admin-token");
            std::fs::read_to_string(&path).with_context(|| {
                format!(
                    "reading the admin token from {} (give --token-file or --token-env)",
                    path.display()
                )
            })?
        }
    };
    let token = token.trim().to_string();
    let url = format!("{}/admin/v1/ingest", args.server.trim_end_matches('/'));
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_global(Some(Duration::from_secs(300)))
        .http_status_as_error(false)
        .max_redirects(0)
        .proxy(None)
        .user_agent(concat!("lampyr/", env!("CARGO_PKG_VERSION")))
        .build()
        .into();
    let mut totals = Totals::default();
    for path in &args.files {
        let mut chunk: Vec<u8> = Vec::with_capacity(CHUNK_BYTES + 64 * 1024);
        let mut failure: Option<anyhow::Error> = None;
        let opts = ReadOptions::default();
        let summary = lampyr_ingest::read_path(path, Format::Auto, &opts, |item| {
            match item {
                Item::Exchange(ex) => {
                    chunk.extend_from_slice(lampyr_ingest::to_line(&ex).as_bytes());
                    chunk.push(b'\n');
                }
                Item::Skipped(e) => {
                    totals.skipped += 1;
                    if !args.quiet {
                        eprintln!("{}: skipped: {e}", path.display());
                    }
                }
            }
            if chunk.len() >= CHUNK_BYTES {
                if let Err(e) = post(&agent, &url, &token, &chunk, &mut totals) {
                    failure = Some(e);
                    return ControlFlow::Break(());
                }
                chunk.clear();
            }
            ControlFlow::Continue(())
        })
        .with_context(|| format!("reading {}", path.display()))?;
        if let Some(e) = failure {
            return Err(e.context(format!("sending {}", path.display())));
        }
        if !chunk.is_empty() {
            post(&agent, &url, &token, &chunk, &mut totals)
                .with_context(|| format!("sending {}", path.display()))?;
        }
        if !args.quiet {
            eprintln!(
                "{}: {} entries read ({})",
                path.display(),
                summary.entries,
                format!("{:?}", summary.format).to_lowercase()
            );
        }
    }
    println!(
        "{} exchange(s) accepted, {} refused by the server, {} skipped while reading",
        totals.accepted, totals.rejected, totals.skipped
    );
    Ok(if totals.rejected > 0 || totals.skipped > 0 {
        ExitCode::from(crate::cli::EXIT_STRICT)
    } else {
        ExitCode::SUCCESS
    })
}

#[derive(Default)]
struct Totals {
    accepted: u64,
    rejected: u64,
    skipped: u64,
}

fn post(
    agent: &ureq::Agent,
    url: &str,
    token: &str,
    body: &[u8],
    totals: &mut Totals,
) -> anyhow::Result<()> {
    let mut resp = agent
        .post(url)
        .header("authorization", &format!("Bearer {token}"))
        .header("content-type", "application/x-ndjson")
        .send(body)
        .with_context(|| format!("POST {url}"))?;
    let status = resp.status().as_u16();
    let text = resp
        .body_mut()
        .read_to_string()
        .unwrap_or_else(|e| format!("(unreadable answer: {e})"));
    if status != 200 {
        bail!("POST {url}: HTTP {status}: {}", text.trim());
    }
    let v: serde_json::Value =
        serde_json::from_str(&text).with_context(|| format!("POST {url}: answer is not JSON"))?;
    totals.accepted += v["accepted"].as_u64().unwrap_or(0);
    totals.rejected += v["rejected"].as_u64().unwrap_or(0);
    Ok(())
}
