use thiserror::Error;

/// Everything that can go wrong building detectors (rules, fingerprint files, settings).
/// Inspection itself never fails: bad input is a finding or nothing, never an error.
#[derive(Debug, Error)]
pub enum DetectError {
    /// A user rule does not compile or names an unknown field.
    #[error("rule {id}: {message}")]
    Rule {
        /// The rule's id.
        id: String,
        /// What is wrong with it.
        message: String,
    },
    /// A setting is out of range.
    #[error("{setting}: {message}")]
    Setting {
        /// Config path of the setting.
        setting: String,
        /// What is wrong with it.
        message: String,
    },
    /// The vulnerability fingerprint file is malformed.
    #[error("fingerprint file, entry {entry}: {message}")]
    Fingerprint {
        /// Entry number (1-based) or component name.
        entry: String,
        /// What is wrong with it.
        message: String,
    },
}
