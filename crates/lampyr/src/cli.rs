//! Command-line interface definition.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// Exit code for a run that failed: unreadable input, input that is not HAR or JSON Lines.
pub const EXIT_ERROR: u8 = 1;
/// Exit code for an invalid configuration file (`config check`, `--config`).
pub const EXIT_CONFIG: u8 = 3;
/// Exit code when `--strict` met a malformed entry.
pub const EXIT_STRICT: u8 = 4;
/// Exit code of `scan-request` when the request is an attack.
pub const EXIT_ATTACK: u8 = 5;

/// Lampyr: find your APIs, what they carry and who attacks them.
#[derive(Debug, Parser)]
#[command(name = "lampyr", version, about, long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Discover the APIs in recorded traffic (HAR, Exchange JSON Lines) and report them.
    Analyze(AnalyzeArgs),
    /// Find sensitive data in text or JSON read from stdin (values are printed masked).
    Classify(ClassifyArgs),
    /// Inspect one raw HTTP request read from stdin and print the attack verdict (exit code 5
    /// when it is an attack).
    ScanRequest(ScanRequestArgs),
    /// Run the gateway, its admin API and store (`gateway:` and `serve:` of the config).
    Serve(ServeArgs),
    /// Run the demo: `serve` in front of a bundled hospital API with simulated users and
    /// attackers; prints the console address and login.
    Demo(DemoArgs),
    /// Send recorded exchanges (HAR, Exchange JSON Lines) to a running `serve` for analysis.
    Ingest(IngestArgs),
    /// Configuration file tools.
    #[command(subcommand)]
    Config(ConfigCommand),
}

#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Data directory (store, secrets); kept between runs.
    #[arg(long, value_name = "DIR", default_value = "lampyr-demo-data")]
    pub data_dir: PathBuf,
    /// Gateway listener.
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub listen: String,
    /// Admin API and console listener.
    #[arg(long, default_value = "127.0.0.1:9180")]
    pub admin: String,
    /// Simulated normal users.
    #[arg(long, default_value_t = 20)]
    pub users: usize,
    /// Only normal traffic, no attackers.
    #[arg(long)]
    pub no_attacks: bool,
    /// Stop the simulator after this many seconds (it runs until Ctrl-C by default).
    #[arg(long, value_name = "SECS")]
    pub duration: Option<u64>,
    /// Worker threads (default: one per core).
    #[arg(long)]
    pub workers: Option<usize>,
}

#[derive(Debug, Args)]
pub struct IngestArgs {
    /// HAR or Exchange JSON Lines files.
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<PathBuf>,
    /// Admin address of the running `serve`.
    #[arg(long, default_value = "http://127.0.0.1:9180")]
    pub server: String,
    /// Data directory holding the generated `admin-token` (when neither token option is given).
    #[arg(long, value_name = "DIR", default_value = "lampyr-data")]
    pub data_dir: PathBuf,
    /// File holding the admin token.
    #[arg(long, value_name = "FILE", conflicts_with = "token_env")]
    pub token_file: Option<PathBuf>,
    /// Environment variable holding the admin token.
    #[arg(long, value_name = "VAR")]
    pub token_env: Option<String>,
    /// Print only the totals.
    #[arg(long, short)]
    pub quiet: bool,
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Configuration file; documented defaults without one.
    #[arg(long, short, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Worker threads (default: one per core).
    #[arg(long)]
    pub workers: Option<usize>,
}

#[derive(Debug, Args)]
pub struct ClassifyArgs {
    /// Field name to use as context for plain-text input (`--key idCard`).
    #[arg(long)]
    pub key: Option<String>,
    /// Print JSON instead of a table.
    #[arg(long)]
    pub json: bool,
    /// Configuration file (grading profile, level overrides, disabled types).
    #[arg(long, short, value_name = "FILE")]
    pub config: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct ScanRequestArgs {
    /// Paranoia level 1-4 (overrides `detect.inspect.paranoia` of the config).
    #[arg(long)]
    pub paranoia: Option<u8>,
    /// Print JSON instead of a table.
    #[arg(long)]
    pub json: bool,
    /// Read many requests as JSON Lines `{"id": ..., "raw_b64": ...}` and print one verdict
    /// line `{"id", "attack", "score", "rules"}` per request (for test suites and benchmarks).
    #[arg(long, conflicts_with = "json")]
    pub batch: bool,
    /// Configuration file (`detect.inspect`: paranoia, threshold, user rules).
    #[arg(long, short, value_name = "FILE")]
    pub config: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum ConfigCommand {
    /// Validate a lampyr.yaml and print every error with its location.
    Check {
        /// The file to check.
        file: PathBuf,
    },
}

/// Input format.
#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum FormatArg {
    /// Detect from the content (and extension).
    Auto,
    /// HAR 1.2.
    Har,
    /// Exchange JSON Lines v1.
    Jsonl,
}

#[derive(Debug, Args)]
pub struct AnalyzeArgs {
    /// Traffic files (HAR 1.2 or Exchange JSON Lines; `.gz` accepted).
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    /// Input format.
    #[arg(long, value_enum, default_value = "auto")]
    pub format: FormatArg,
    /// Write the discovered API as OpenAPI 3.1 (`.yaml`/`.yml` for YAML, JSON otherwise).
    #[arg(long, value_name = "OUT")]
    pub openapi: Option<PathBuf>,
    /// Write the Analysis report v1 (JSON).
    #[arg(long, value_name = "OUT")]
    pub report: Option<PathBuf>,
    /// Stop at the first malformed entry (exit code 4) instead of skipping it.
    #[arg(long)]
    pub strict: bool,
    /// Configuration file (discovery rules, limits).
    #[arg(long, short, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Print nothing but errors.
    #[arg(long, short)]
    pub quiet: bool,
    /// Print templating decisions to stderr (for tuning discovery rules).
    #[arg(long, hide = true)]
    pub debug_templating: bool,
}
