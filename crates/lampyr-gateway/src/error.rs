//! The gateway's error type, mapped to user-facing messages in one place.

use thiserror::Error;

/// Errors building or running the gateway (not per-request refusals, which are HTTP answers).
#[derive(Debug, Error)]
pub enum GatewayError {
    /// The spec failed validation; every problem is listed.
    #[error("invalid gateway configuration:\n{}", list(.0))]
    Invalid(Vec<lampyr_spec::SpecError>),
    /// A certificate, key or CA file could not be read or parsed.
    #[error("TLS material {path}: {message}")]
    Tls {
        /// The file.
        path: String,
        /// What went wrong.
        message: String,
    },
    /// A listener could not bind.
    #[error("listener {name} ({address}): {source}")]
    Bind {
        /// Listener name.
        name: String,
        /// Address it tried.
        address: String,
        /// The OS error.
        source: std::io::Error,
    },
    /// A secret (environment variable, file, master key) is missing or unusable.
    #[error("secret {what}: {message}")]
    Secret {
        /// Which secret.
        what: String,
        /// What went wrong.
        message: String,
    },
}

fn list(errors: &[lampyr_spec::SpecError]) -> String {
    errors
        .iter()
        .map(|e| format!("  {e}"))
        .collect::<Vec<_>>()
        .join("\n")
}

impl GatewayError {
    /// One spec problem at `at`.
    pub fn invalid(at: impl Into<String>, message: impl Into<String>) -> Self {
        Self::Invalid(vec![lampyr_spec::SpecError {
            at: at.into(),
            message: message.into(),
        }])
    }
}
