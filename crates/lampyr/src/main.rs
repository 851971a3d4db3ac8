//! `lampyr`: API discovery and security analytics in one binary.

mod analyze;
mod classify;
mod cli;
mod config;
mod demo;
mod ingest;
mod scan_request;
mod serve;
mod summary;

use std::process::ExitCode;

use clap::Parser;

/// mimalloc instead of the system allocator: the gateway allocates per request (headers,
/// bodies, futures) and measured 7 % (plain proxy) to 11 % (auth, limits, inspection and
/// mirror) more requests per second with it (`bench/gateway.sh`, docs/benchmarks.md).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Diagnostics of long-running commands (upstream health, JWKS fetches, failed audit writes) go
/// to stderr at the level `LAMPYR_LOG` names (`error`, `warn` by default, `info`, `debug`).
fn init_logging() {
    let level = match std::env::var("LAMPYR_LOG").as_deref() {
        Ok("error") => tracing::Level::ERROR,
        Ok("info") => tracing::Level::INFO,
        Ok("debug") => tracing::Level::DEBUG,
        Ok("trace") => tracing::Level::TRACE,
        _ => tracing::Level::WARN,
    };
    let _ = tracing_subscriber::fmt()
        .with_max_level(level)
        .with_writer(std::io::stderr)
        .with_ansi(false)
        .try_init();
}

fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    if matches!(cli.command, cli::Command::Serve(_) | cli::Command::Demo(_)) {
        init_logging();
    }
    let result = match cli.command {
        cli::Command::Analyze(args) => analyze::run(args),
        cli::Command::Classify(args) => classify::run(args),
        cli::Command::ScanRequest(args) => scan_request::run(args),
        cli::Command::Serve(args) => serve::run(args),
        cli::Command::Demo(args) => demo::run(args),
        cli::Command::Ingest(args) => ingest::run(args),
        cli::Command::Config(cli::ConfigCommand::Check { file }) => config::check(&file),
    };
    match result {
        Ok(code) => code,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::from(cli::EXIT_ERROR)
        }
    }
}
