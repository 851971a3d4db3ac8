//! Policies (conditions a route requires) and deny-list entries.

use ipnet::IpNet;
use serde::{Deserialize, Serialize};

/// A named condition. Every field given must hold for the request to be admitted.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PolicySpec {
    /// Unique name routes refer to.
    pub name: String,
    /// Client address must be in one of these networks.
    #[serde(default)]
    pub allow_cidrs: Vec<IpNet>,
    /// Client address must be in none of these networks.
    #[serde(default)]
    pub deny_cidrs: Vec<IpNet>,
    /// UTC time window `HH:MM-HH:MM` (may wrap midnight).
    #[serde(default)]
    pub time_window: Option<String>,
    /// Days of the week the window applies (`mon` … `sun`); empty means every day.
    #[serde(default)]
    pub days: Vec<String>,
    /// Methods admitted; empty means any.
    #[serde(default)]
    pub methods: Vec<String>,
    /// Path prefixes admitted; empty means any.
    #[serde(default)]
    pub path_prefixes: Vec<String>,
}

/// A dynamic deny-list entry, added by the admin API or by analytics.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DenyEntry {
    /// What is denied.
    pub kind: DenyKind,
    /// The IP address or CIDR, consumer name, or token id (`sha256:` prefix of the token hash).
    pub value: String,
    /// Unix seconds after which the entry no longer applies; `None` = until removed.
    #[serde(default)]
    pub expires_at: Option<i64>,
    /// Why (shown in the console and logs).
    #[serde(default)]
    pub reason: String,
}

/// The kind of actor a deny entry names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DenyKind {
    /// Client IP or network.
    Ip,
    /// Consumer name.
    Consumer,
    /// Token or credential id.
    Token,
}
