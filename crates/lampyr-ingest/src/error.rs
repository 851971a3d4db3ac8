use std::fmt;
use std::io;
use std::path::PathBuf;

use crate::json::Bad;

/// Everything that stops a whole input from being read.
///
/// Problems confined to one entry are not fatal: they reach the sink as
/// [`Item::Skipped`](crate::Item::Skipped) with an [`EntryError`], and reading goes on.
#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    /// Reading the input failed (including a corrupt gzip stream).
    #[error("read error: {0}")]
    Io(#[from] io::Error),
    /// The input file could not be opened.
    #[error("cannot open {}: {cause}", path.display())]
    Open {
        /// The file.
        path: PathBuf,
        /// Why.
        cause: io::Error,
    },
    /// Automatic detection recognised neither HAR nor Exchange JSON Lines.
    #[error("unrecognised input: {0}")]
    UnknownFormat(String),
    /// A format name that is not `auto`, `har` or `jsonl`.
    #[error("unknown format {0:?} (expected auto, har or jsonl)")]
    InvalidFormatName(String),
    /// The HAR is not well-formed JSON (for example a truncated file). Entries before the
    /// error were already delivered.
    #[error("HAR syntax error at line {line} column {column}: {message}")]
    Syntax {
        /// 1-based line of the error.
        line: usize,
        /// 1-based column of the error.
        column: usize,
        /// What the JSON parser found.
        message: String,
    },
    /// The input is JSON but not a HAR (no `log` object, no `log.entries` array, ...).
    #[error("not a HAR file: {0}")]
    NotHar(String),
    /// An entry problem promoted to a fatal error (for example by a strict caller).
    #[error(transparent)]
    Entry(#[from] EntryError),
}

/// Where a bad entry is: its zero-based index in the HAR `entries` array, or its 1-based line
/// number in a JSON Lines input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Location {
    /// Zero-based index in `log.entries`.
    Entry(u64),
    /// 1-based line number.
    Line(u64),
}

impl Location {
    /// The zero-based index the exchange would have had as [`lampyr_core::Source::index`].
    pub fn index(self) -> u64 {
        match self {
            Location::Entry(i) => i,
            Location::Line(n) => n.saturating_sub(1),
        }
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Location::Entry(i) => write!(f, "entry {i}"),
            Location::Line(n) => write!(f, "line {n}"),
        }
    }
}

/// Why one entry was skipped: where it is, which field (dotted path, empty for the whole
/// entry) and what is wrong. Displays as `entry 12: request.url: relative URL without Host
/// header`. Messages never quote more than the start of a captured value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct EntryError {
    /// Entry index or line number.
    pub location: Location,
    /// The field at fault, as a dotted path (`request.headers[2].value`); empty when the
    /// problem is the entry as a whole.
    pub field: String,
    /// What is wrong.
    pub message: String,
}

impl EntryError {
    pub(crate) fn new(location: Location, bad: Bad) -> Self {
        Self {
            location,
            field: bad.field,
            message: bad.message,
        }
    }
}

impl fmt::Display for EntryError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.field.is_empty() {
            write!(f, "{}: {}", self.location, self.message)
        } else {
            write!(f, "{}: {}: {}", self.location, self.field, self.message)
        }
    }
}

/// Maps a `serde_json` error of the HAR stream to the crate error.
pub(crate) fn from_json(e: serde_json::Error) -> IngestError {
    use serde_json::error::Category;
    let (line, column) = (e.line(), e.column());
    match e.classify() {
        Category::Io => IngestError::Io(io::Error::from(e)),
        Category::Syntax | Category::Eof => IngestError::Syntax {
            line,
            column,
            message: strip_position(&e),
        },
        Category::Data => IngestError::NotHar(format!(
            "{} at line {line} column {column}",
            strip_position(&e)
        )),
    }
}

/// The message of a `serde_json` error without its " at line L column C" suffix.
pub(crate) fn strip_position(e: &serde_json::Error) -> String {
    let text = e.to_string();
    let suffix = format!(" at line {} column {}", e.line(), e.column());
    match text.strip_suffix(&suffix) {
        Some(head) => head.to_string(),
        None => text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entry_error_names_location_and_field() {
        let e = EntryError {
            location: Location::Entry(12),
            field: "request.url".into(),
            message: "relative URL without Host header".into(),
        };
        assert_eq!(
            e.to_string(),
            "entry 12: request.url: relative URL without Host header"
        );
        let e = EntryError {
            location: Location::Line(3),
            field: String::new(),
            message: "invalid JSON".into(),
        };
        assert_eq!(e.to_string(), "line 3: invalid JSON");
        assert_eq!(e.location.index(), 2);
    }
}
