//! JSON Lines: one incident per line, to standard output or appended to a file.

use std::fs::OpenOptions;
use std::io::Write;
use std::path::Path;

use super::{AlertError, AlertSink};
use crate::incident::Incident;

/// Writes incidents as JSON Lines.
pub struct JsonlSink {
    name: String,
    out: Box<dyn Write + Send>,
}

impl JsonlSink {
    /// Standard output.
    pub fn stdout() -> JsonlSink {
        JsonlSink {
            name: "jsonl stdout".into(),
            out: Box::new(std::io::stdout()),
        }
    }

    /// `-` for standard output, else a file opened for appending (created when missing).
    pub fn open(path: &Path) -> Result<JsonlSink, AlertError> {
        if path.as_os_str() == "-" {
            return Ok(JsonlSink::stdout());
        }
        let name = format!("jsonl {}", path.display());
        let file = OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .map_err(|source| AlertError::Io {
                sink: name.clone(),
                source,
            })?;
        Ok(JsonlSink {
            name,
            out: Box::new(file),
        })
    }

    /// Any writer (tests, in-process consumers).
    pub fn to_writer(name: &str, out: Box<dyn Write + Send>) -> JsonlSink {
        JsonlSink {
            name: name.into(),
            out,
        }
    }
}

impl AlertSink for JsonlSink {
    fn send(&mut self, incident: &Incident) -> Result<(), AlertError> {
        let mut line = serde_json::to_vec(incident).map_err(|e| AlertError::Encode {
            sink: self.name.clone(),
            message: e.to_string(),
        })?;
        line.push(b'\n');
        // One write per line: appends from several processes do not interleave within a line.
        self.out
            .write_all(&line)
            .and_then(|_| self.out.flush())
            .map_err(|source| AlertError::Io {
                sink: self.name.clone(),
                source,
            })
    }
}
