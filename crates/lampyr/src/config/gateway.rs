//! The `gateway:` and `serve:` sections: what `lampyr serve` runs.
//!
//! `gateway:` is read into [`lampyr_spec::GatewaySpec`] item by item, so one bad route does
//! not hide the problems of the next; then [`lampyr_spec::validate`] checks references and
//! values across sections. Every problem comes back with its key path.

use std::path::PathBuf;

use serde::de::DeserializeOwned;
use serde_yaml::Value;

use lampyr_spec::GatewaySpec;

use super::Checker;

/// Validated `serve:` settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServeConfig {
    /// Directory of the SQLite store and generated secrets.
    pub data_dir: PathBuf,
    /// Admin API and `/metrics` listener (`host:port`).
    pub admin_address: String,
    /// Where the admin bearer token comes from; generated into `data_dir` when both are absent.
    pub admin_token_env: Option<String>,
    /// File holding the admin token.
    pub admin_token_file: Option<PathBuf>,
    /// Where the 32-byte master key comes from; generated into `data_dir` when both are absent.
    pub master_key_env: Option<String>,
    /// File holding the master key (64 hex digits or base64).
    pub master_key_file: Option<PathBuf>,
    /// Where mirrored exchanges go until the streaming pipeline lands: a JSON Lines file
    /// (`lampyr analyze` reads it), or `off`.
    pub mirror_file: Option<PathBuf>,
    /// `serve.analytics`: streaming analytics over the mirror and the ingest endpoint.
    pub analytics: AnalyticsConfig,
    /// `serve.console`: the first console user and cookie settings.
    pub console: ConsoleConfig,
}

/// Validated `serve.analytics` settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AnalyticsConfig {
    /// Whether mirrored and ingested exchanges are analysed (default on).
    pub enabled: bool,
    /// Ordinary exchanges kept as samples per second.
    pub sample_per_sec: u32,
    /// Milliseconds between flushes to the store.
    pub flush_ms: u64,
    /// Samples older than this are deleted.
    pub max_age_secs: i64,
    /// Stored samples are kept under this many bytes.
    pub max_bytes: u64,
}

impl Default for AnalyticsConfig {
    fn default() -> Self {
        Self {
            enabled: true,
            sample_per_sec: 50,
            flush_ms: 2000,
            max_age_secs: 7 * 24 * 3600,
            max_bytes: 256 * 1024 * 1024,
        }
    }
}

/// Validated `serve.console` settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsoleConfig {
    /// Name of the admin user created when the store has no user.
    pub admin_user: String,
    /// Environment variable holding that user's first password; generated into the data
    /// directory (`console-password`) when unset.
    pub admin_password_env: Option<String>,
    /// Marks the session cookie `Secure` (set it when the admin listener sits behind TLS).
    pub secure_cookies: bool,
}

impl Default for ConsoleConfig {
    fn default() -> Self {
        Self {
            admin_user: "admin".into(),
            admin_password_env: None,
            secure_cookies: false,
        }
    }
}

impl Default for ServeConfig {
    fn default() -> Self {
        Self {
            data_dir: PathBuf::from("lampyr-data"),
            admin_address: "127.0.0.1:9180".into(),
            admin_token_env: None,
            admin_token_file: None,
            master_key_env: None,
            master_key_file: None,
            mirror_file: None,
            analytics: AnalyticsConfig::default(),
            console: ConsoleConfig::default(),
        }
    }
}

const GATEWAY_LISTS: [&str; 7] = [
    "listeners",
    "certificates",
    "upstreams",
    "routes",
    "consumers",
    "policies",
    "jwt_issuers",
];

/// Maps `gateway.<list>[i]…` (an index among the parsed items) to the item's index in the file.
fn file_position(at: &str, positions: &[(&str, Vec<usize>)]) -> String {
    for (key, kept) in positions {
        let prefix = format!("gateway.{key}[");
        let Some(rest) = at.strip_prefix(&prefix) else {
            continue;
        };
        let Some((index, tail)) = rest.split_once(']') else {
            continue;
        };
        if let Some(orig) = index.parse::<usize>().ok().and_then(|i| kept.get(i)) {
            return format!("{prefix}{orig}]{tail}");
        }
    }
    at.to_string()
}

impl Checker {
    /// `gateway:`.
    pub(super) fn gateway(&mut self, v: &Value) -> GatewaySpec {
        let mut spec = GatewaySpec::default();
        // Position in the file of each item that parsed, per list: validation runs on the
        // parsed items only, and its paths are mapped back so they name the file's items.
        let mut positions: Vec<(&str, Vec<usize>)> = Vec::new();
        let mut keys: Vec<&str> = GATEWAY_LISTS.to_vec();
        keys.extend(["limits", "mirror", "access_log"]);
        let Some(m) = self.map(v, "gateway", &keys) else {
            return spec;
        };
        for key in GATEWAY_LISTS {
            let Some(list) = m.get(key) else { continue };
            let at = format!("gateway.{key}");
            let Some(seq) = list.as_sequence() else {
                self.err(&at, "expected a list");
                continue;
            };
            let mut kept = Vec::new();
            for (i, item) in seq.iter().enumerate() {
                let here = format!("{at}[{i}]");
                let before = self.errors.len();
                match key {
                    "listeners" => self.item(item, &here, &mut spec.listeners),
                    "certificates" => self.item(item, &here, &mut spec.certificates),
                    "upstreams" => self.item(item, &here, &mut spec.upstreams),
                    "routes" => self.item(item, &here, &mut spec.routes),
                    "consumers" => self.item(item, &here, &mut spec.consumers),
                    "policies" => self.item(item, &here, &mut spec.policies),
                    _ => self.item(item, &here, &mut spec.jwt_issuers),
                }
                if self.errors.len() == before {
                    kept.push(i);
                }
            }
            positions.push((key, kept));
        }
        if let Some(v) = m.get("limits") {
            if let Some(x) = self.one(v, "gateway.limits") {
                spec.limits = x;
            }
        }
        if let Some(v) = m.get("mirror") {
            if let Some(x) = self.one(v, "gateway.mirror") {
                spec.mirror = x;
            }
        }
        if let Some(v) = m.get("access_log") {
            if let Some(x) = self.one(v, "gateway.access_log") {
                spec.access_log = x;
            }
        }
        for e in lampyr_spec::validate(&spec, "gateway") {
            let at = file_position(&e.at, &positions);
            self.err(&at, e.message);
        }
        spec
    }

    fn item<T: DeserializeOwned>(&mut self, v: &Value, at: &str, out: &mut Vec<T>) {
        if let Some(x) = self.one(v, at) {
            out.push(x);
        }
    }

    fn one<T: DeserializeOwned>(&mut self, v: &Value, at: &str) -> Option<T> {
        match serde_yaml::from_value::<T>(v.clone()) {
            Ok(x) => Some(x),
            Err(e) => {
                self.err(at, e.to_string());
                None
            }
        }
    }

    /// `serve:`.
    pub(super) fn serve(&mut self, v: &Value) -> ServeConfig {
        let mut out = ServeConfig::default();
        let Some(m) = self.map(
            v,
            "serve",
            &[
                "data_dir",
                "admin",
                "master_key_env",
                "master_key_file",
                "mirror_file",
                "analytics",
                "console",
            ],
        ) else {
            return out;
        };
        let string = |c: &mut Checker, key: &str, v: &Value| -> Option<String> {
            match v.as_str() {
                Some(s) if !s.trim().is_empty() => Some(s.to_string()),
                _ => {
                    c.err(key, "expected a non-empty string");
                    None
                }
            }
        };
        if let Some(v) = m.get("data_dir") {
            if let Some(s) = string(self, "serve.data_dir", v) {
                out.data_dir = s.into();
            }
        }
        if let Some(v) = m.get("master_key_env") {
            out.master_key_env = string(self, "serve.master_key_env", v);
        }
        if let Some(v) = m.get("master_key_file") {
            out.master_key_file = string(self, "serve.master_key_file", v).map(Into::into);
        }
        if out.master_key_env.is_some() && out.master_key_file.is_some() {
            self.err(
                "serve.master_key_file",
                "give master_key_env or master_key_file, not both",
            );
        }
        if let Some(v) = m.get("mirror_file") {
            out.mirror_file = string(self, "serve.mirror_file", v).map(Into::into);
        }
        if let Some(a) = m.get("analytics") {
            out.analytics = self.serve_analytics(a);
        }
        if out.analytics.enabled && out.mirror_file.is_some() {
            self.err(
                "serve.mirror_file",
                "the mirror feeds the analytics; set serve.analytics.enabled: false to write it to a file instead",
            );
        }
        if let Some(c) = m.get("console") {
            out.console = self.serve_console(c);
        }
        if let Some(a) = m.get("admin") {
            if let Some(am) = self.map(a, "serve.admin", &["address", "token_env", "token_file"]) {
                if let Some(v) = am.get("address") {
                    if let Some(s) = string(self, "serve.admin.address", v) {
                        if s.parse::<std::net::SocketAddr>().is_err() {
                            self.err("serve.admin.address", format!("`{s}` is not ip:port"));
                        }
                        out.admin_address = s;
                    }
                }
                if let Some(v) = am.get("token_env") {
                    out.admin_token_env = string(self, "serve.admin.token_env", v);
                }
                if let Some(v) = am.get("token_file") {
                    out.admin_token_file =
                        string(self, "serve.admin.token_file", v).map(Into::into);
                }
                if out.admin_token_env.is_some() && out.admin_token_file.is_some() {
                    self.err(
                        "serve.admin.token_file",
                        "give token_env or token_file, not both",
                    );
                }
            }
        }
        out
    }

    fn serve_analytics(&mut self, v: &Value) -> AnalyticsConfig {
        let mut out = AnalyticsConfig::default();
        let Some(m) = self.map(
            v,
            "serve.analytics",
            &[
                "enabled",
                "sample_per_sec",
                "flush_ms",
                "max_age_days",
                "max_size",
            ],
        ) else {
            return out;
        };
        if let Some(v) = m.get("enabled") {
            match v.as_bool() {
                Some(b) => out.enabled = b,
                None => self.err("serve.analytics.enabled", "expected true or false"),
            }
        }
        let int = |c: &mut Checker, key: &str, min: u64, max: u64| -> Option<u64> {
            let v = m.get(key)?;
            match v.as_u64().filter(|n| (min..=max).contains(n)) {
                Some(n) => Some(n),
                None => {
                    c.err(
                        &format!("serve.analytics.{key}"),
                        format!("expected a whole number from {min} to {max}"),
                    );
                    None
                }
            }
        };
        if let Some(n) = int(self, "sample_per_sec", 0, 100_000) {
            out.sample_per_sec = n as u32;
        }
        if let Some(n) = int(self, "flush_ms", 100, 60_000) {
            out.flush_ms = n;
        }
        if let Some(n) = int(self, "max_age_days", 1, 3650) {
            out.max_age_secs = n as i64 * 24 * 3600;
        }
        if let Some(v) = m.get("max_size") {
            if let Some(n) = self.size(v, "serve.analytics.max_size", 1 << 40) {
                out.max_bytes = n as u64;
            }
        }
        out
    }

    fn serve_console(&mut self, v: &Value) -> ConsoleConfig {
        let mut out = ConsoleConfig::default();
        let Some(m) = self.map(
            v,
            "serve.console",
            &["admin_user", "admin_password_env", "secure_cookies"],
        ) else {
            return out;
        };
        if let Some(v) = m.get("admin_user") {
            match v.as_str().filter(|s| !s.trim().is_empty() && s.len() <= 64) {
                Some(s) => out.admin_user = s.to_string(),
                None => self.err(
                    "serve.console.admin_user",
                    "expected a name of 1 to 64 characters",
                ),
            }
        }
        if let Some(v) = m.get("admin_password_env") {
            match v.as_str().filter(|s| !s.trim().is_empty()) {
                Some(s) => out.admin_password_env = Some(s.to_string()),
                None => self.err(
                    "serve.console.admin_password_env",
                    "expected an environment variable name",
                ),
            }
        }
        if let Some(v) = m.get("secure_cookies") {
            match v.as_bool() {
                Some(b) => out.secure_cookies = b,
                None => self.err("serve.console.secure_cookies", "expected true or false"),
            }
        }
        out
    }
}
