//! `lampyr`: API discovery and security analytics in one binary.

mod analyze;
mod classify;
mod cli;
mod config;
mod scan_request;
mod serve;
mod summary;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    let result = match cli.command {
        cli::Command::Analyze(args) => analyze::run(args),
        cli::Command::Classify(args) => classify::run(args),
        cli::Command::ScanRequest(args) => scan_request::run(args),
        cli::Command::Serve(args) => serve::run(args),
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
