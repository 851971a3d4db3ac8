//! Alert sinks: where incidents go as they open or escalate. JSON Lines (stdout or a file),
//! webhook (JSON POST with bounded retries, exponential backoff with jitter), syslog RFC 5424
//! over UDP or TCP with a CEF payload.
//!
//! Sinks are blocking: the analysis pipeline calls them off the hot path, and the gateway never
//! calls them at all (it mirrors to analytics).

mod cef;
mod jsonl;
mod syslog;
mod webhook;

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};
use thiserror::Error;

use lampyr_detect::Severity;

use crate::incident::Incident;

pub use cef::{cef_escape_extension, cef_escape_header, cef_message, cef_severity};
pub use jsonl::JsonlSink;
pub use syslog::{SyslogSink, SyslogTransport};
pub use webhook::WebhookSink;

/// Every alert failure, naming the sink (`webhook https://…`, `syslog udp 127.0.0.1:514`).
#[derive(Debug, Error)]
pub enum AlertError {
    /// Writing or connecting failed.
    #[error("alert sink {sink}: {source}")]
    Io {
        /// The sink.
        sink: String,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// The webhook did not accept the incident within the retries.
    #[error("alert sink {sink}: gave up after {attempts} attempt(s): {message}")]
    Delivery {
        /// The sink.
        sink: String,
        /// Requests made.
        attempts: u32,
        /// The last failure.
        message: String,
    },
    /// The sink's settings are wrong.
    #[error("alert sink {sink}: {message}")]
    Config {
        /// The sink.
        sink: String,
        /// What is wrong.
        message: String,
    },
    /// The incident could not be encoded.
    #[error("alert sink {sink}: cannot encode the incident: {message}")]
    Encode {
        /// The sink.
        sink: String,
        /// Why.
        message: String,
    },
}

/// A destination for incidents.
pub trait AlertSink {
    /// Delivers one incident (blocking; retries are the sink's business).
    fn send(&mut self, incident: &Incident) -> Result<(), AlertError>;
}

/// Alerting settings (`alerts:` in the config).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AlertConfig {
    /// Incidents below this severity are not sent.
    pub min_severity: Severity,
    /// Where to send them.
    pub sinks: Vec<SinkConfig>,
}

impl Default for AlertConfig {
    fn default() -> Self {
        Self {
            min_severity: Severity::Medium,
            sinks: Vec::new(),
        }
    }
}

/// One sink's settings, by `type`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum SinkConfig {
    /// JSON Lines.
    Jsonl(JsonlConfig),
    /// HTTP POST of the incident JSON.
    Webhook(WebhookConfig),
    /// Syslog RFC 5424 with a CEF message.
    Syslog(SyslogConfig),
}

/// `type: jsonl`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JsonlConfig {
    /// File appended to; `-` (the default) is standard output.
    #[serde(default = "stdout_path")]
    pub path: PathBuf,
}

fn stdout_path() -> PathBuf {
    PathBuf::from("-")
}

/// `type: webhook`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WebhookConfig {
    /// `http://` or `https://` URL.
    pub url: String,
    /// Extra request headers (an `Authorization` for the receiver).
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
    /// Whole-request timeout, milliseconds.
    #[serde(default = "default_timeout_ms")]
    pub timeout_ms: u64,
    /// Retries after the first attempt.
    #[serde(default = "default_retries")]
    pub retries: u32,
    /// First backoff, milliseconds; doubles per retry, with jitter.
    #[serde(default = "default_backoff_ms")]
    pub backoff_ms: u64,
    /// Longest backoff, milliseconds.
    #[serde(default = "default_max_backoff_ms")]
    pub max_backoff_ms: u64,
}

fn default_timeout_ms() -> u64 {
    5_000
}
fn default_retries() -> u32 {
    3
}
fn default_backoff_ms() -> u64 {
    500
}
fn default_max_backoff_ms() -> u64 {
    30_000
}

/// `type: syslog`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SyslogConfig {
    /// `host:port` of the collector.
    pub address: String,
    /// `udp` (default) or `tcp` (octet-counted framing, RFC 6587).
    #[serde(default)]
    pub protocol: SyslogTransport,
    /// Facility name (`local0`…`local7`, `auth`, `authpriv`, `security`, `user`, `daemon`).
    #[serde(default = "default_facility")]
    pub facility: String,
    /// HOSTNAME field; the machine's name when absent.
    #[serde(default)]
    pub hostname: Option<String>,
    /// APP-NAME field.
    #[serde(default = "default_app")]
    pub app_name: String,
    /// Longest message in bytes (longer CEF payloads are cut).
    #[serde(default = "default_max_message")]
    pub max_message: usize,
    /// Connect and write timeout, milliseconds (TCP).
    #[serde(default = "default_timeout_ms")]
    pub timeout_ms: u64,
}

fn default_facility() -> String {
    "local0".into()
}
fn default_app() -> String {
    "lampyr".into()
}
fn default_max_message() -> usize {
    8192
}

impl SinkConfig {
    /// Builds the sink (opens files, resolves addresses, checks settings).
    pub fn build(&self) -> Result<Box<dyn AlertSink + Send>, AlertError> {
        Ok(match self {
            SinkConfig::Jsonl(c) => Box::new(JsonlSink::open(&c.path)?),
            SinkConfig::Webhook(c) => Box::new(WebhookSink::new(c)?),
            SinkConfig::Syslog(c) => Box::new(SyslogSink::new(c)?),
        })
    }
}

/// Every configured sink behind one minimum severity.
pub struct Alerter {
    min_severity: Severity,
    sinks: Vec<Box<dyn AlertSink + Send>>,
    /// Incidents sent (to at least one sink).
    pub sent: u64,
    /// Deliveries that failed (per sink).
    pub failed: u64,
}

impl std::fmt::Debug for Alerter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Alerter")
            .field("min_severity", &self.min_severity)
            .field("sinks", &self.sinks.len())
            .field("sent", &self.sent)
            .field("failed", &self.failed)
            .finish()
    }
}

impl Alerter {
    /// Builds every sink of the config; the first sink that cannot be built is the error.
    pub fn from_config(cfg: &AlertConfig) -> Result<Alerter, AlertError> {
        let sinks = cfg
            .sinks
            .iter()
            .map(SinkConfig::build)
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Alerter::new(cfg.min_severity, sinks))
    }

    /// An alerter over ready sinks.
    pub fn new(min_severity: Severity, sinks: Vec<Box<dyn AlertSink + Send>>) -> Alerter {
        Alerter {
            min_severity,
            sinks,
            sent: 0,
            failed: 0,
        }
    }

    /// Sends an incident to every sink when it is severe enough; a failing sink does not stop
    /// the others. Returns the failures.
    pub fn send(&mut self, incident: &Incident) -> Vec<AlertError> {
        let mut errors = Vec::new();
        if incident.severity < self.min_severity || self.sinks.is_empty() {
            return errors;
        }
        for s in &mut self.sinks {
            if let Err(e) = s.send(incident) {
                self.failed += 1;
                errors.push(e);
            }
        }
        if errors.len() < self.sinks.len() {
            self.sent += 1;
        }
        errors
    }
}
