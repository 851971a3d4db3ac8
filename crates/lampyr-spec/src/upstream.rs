//! Upstreams: backend pools with balancing, health checks, timeouts and retries.

use serde::{Deserialize, Serialize};

/// A pool of backend targets.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UpstreamSpec {
    /// Unique name routes refer to.
    pub name: String,
    /// Backends.
    pub targets: Vec<TargetSpec>,
    /// How a target is chosen.
    #[serde(default)]
    pub balance: Balance,
    /// Speak TLS to the targets.
    #[serde(default)]
    pub tls: bool,
    /// PEM bundle of CAs trusted for the targets' certificates (public web roots when absent).
    #[serde(default)]
    pub tls_ca: Option<String>,
    /// Speak HTTP/2 to the targets (ALPN with TLS, prior knowledge without).
    #[serde(default)]
    pub http2: bool,
    /// Host header sent upstream; the client's when absent.
    #[serde(default)]
    pub host: Option<String>,
    /// Active health probe; none when absent.
    #[serde(default)]
    pub health: Option<ActiveHealthSpec>,
    /// Passive ejection on consecutive failures.
    #[serde(default)]
    pub passive: PassiveHealthSpec,
    /// Connect timeout, milliseconds.
    #[serde(default = "d_connect")]
    pub connect_timeout_ms: u64,
    /// Time to the response head, milliseconds.
    #[serde(default = "d_read")]
    pub read_timeout_ms: u64,
    /// Whole exchange including the response body, milliseconds.
    #[serde(default = "d_total")]
    pub total_timeout_ms: u64,
    /// Extra attempts on another target; only for idempotent methods, or when the connection
    /// failed before the request was sent.
    #[serde(default = "d_retries")]
    pub retries: u32,
}

fn d_connect() -> u64 {
    2_000
}
fn d_read() -> u64 {
    30_000
}
fn d_total() -> u64 {
    60_000
}
fn d_retries() -> u32 {
    1
}

/// One backend.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TargetSpec {
    /// `host:port`.
    pub address: String,
    /// Relative share of traffic for weighted round robin.
    #[serde(default = "one")]
    pub weight: u32,
}

fn one() -> u32 {
    1
}

/// Target selection, written `balance: {policy: round_robin}`,
/// `{policy: least_connections}` or `{policy: consistent_hash, key: client_ip}`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "policy", rename_all = "snake_case", deny_unknown_fields)]
pub enum Balance {
    /// Smooth weighted round robin.
    #[default]
    RoundRobin,
    /// Fewest requests in flight (weight breaks ties).
    LeastConnections,
    /// Consistent hashing (ketama ring) on a request key, so one key sticks to one target.
    ConsistentHash {
        /// `client_ip`, `consumer`, `path`, or `header:<name>`.
        key: String,
    },
}

/// Active HTTP health probe.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ActiveHealthSpec {
    /// Path probed with GET.
    #[serde(default = "d_probe_path")]
    pub path: String,
    /// Probe period, milliseconds.
    #[serde(default = "d_interval")]
    pub interval_ms: u64,
    /// Probe timeout, milliseconds.
    #[serde(default = "d_probe_timeout")]
    pub timeout_ms: u64,
    /// Consecutive successes that bring a target back.
    #[serde(default = "d_two")]
    pub healthy_threshold: u32,
    /// Consecutive failures that take a target out.
    #[serde(default = "d_two")]
    pub unhealthy_threshold: u32,
    /// Statuses that count as healthy; empty means 200–399.
    #[serde(default)]
    pub expect_status: Vec<u16>,
}

fn d_probe_path() -> String {
    "/".into()
}
fn d_interval() -> u64 {
    5_000
}
fn d_probe_timeout() -> u64 {
    1_000
}
fn d_two() -> u32 {
    2
}

/// Passive health: consecutive proxy failures eject a target for a while.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PassiveHealthSpec {
    /// Consecutive failures (connect errors, timeouts, 502/503/504) before ejection; 0 = off.
    pub max_failures: u32,
    /// How long an ejected target stays out, milliseconds.
    pub eject_ms: u64,
}

impl Default for PassiveHealthSpec {
    fn default() -> Self {
        Self {
            max_failures: 3,
            eject_ms: 30_000,
        }
    }
}
