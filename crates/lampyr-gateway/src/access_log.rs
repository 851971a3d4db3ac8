//! Log phase: one JSON line per request.
//!
//! Lines are handed to a writer thread through a bounded channel; when it is full the line
//! is dropped and counted, so a slow disk never slows the proxy. Nothing secret is logged:
//! no header values, no bodies, and only the names of query parameters.

use std::io::Write;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{sync_channel, SyncSender};

use serde::Serialize;

use crate::GatewayError;

/// One access-log line.
#[derive(Debug, Clone, Serialize)]
pub struct AccessRecord<'a> {
    /// RFC 3339 time the request head arrived.
    pub time: String,
    /// Request id (also sent upstream and to the client).
    pub request_id: &'a str,
    /// Client IP.
    pub client: String,
    /// Listener name.
    pub listener: &'a str,
    /// Method.
    pub method: &'a str,
    /// Host the client asked for.
    pub host: &'a str,
    /// Path without the query.
    pub path: &'a str,
    /// Names of the query parameters (values may carry secrets).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub query_params: Vec<String>,
    /// Protocol (`HTTP/1.1`, `HTTP/2.0`).
    pub protocol: &'a str,
    /// Status sent to the client.
    pub status: u16,
    /// Time to the response head, milliseconds.
    pub duration_ms: f64,
    /// Request body bytes received.
    pub bytes_in: u64,
    /// Response body bytes sent (as far as known at the head).
    pub bytes_out: u64,
    /// Matched route.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub route: Option<&'a str>,
    /// Authenticated consumer.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub consumer: Option<&'a str>,
    /// Credential id used (never the secret).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub credential: Option<&'a str>,
    /// Why the gateway answered itself.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refused: Option<&'a str>,
    /// Upstream target.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub upstream: Option<&'a str>,
    /// Attack score when inspected and non-zero.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attack_score: Option<u32>,
    /// Rule ids that matched.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub rules: Vec<String>,
    /// Response values masked.
    #[serde(skip_serializing_if = "is_zero")]
    pub masked: usize,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

/// The access-log writer. Dropping it writes what is queued and stops the writer thread.
#[derive(Debug)]
pub struct AccessLog {
    tx: Option<SyncSender<String>>,
    dropped: AtomicU64,
    writer: Option<std::thread::JoinHandle<()>>,
}

impl Drop for AccessLog {
    fn drop(&mut self) {
        // Closing the channel ends the writer's loop once the queue (bounded) is written.
        self.tx = None;
        if let Some(w) = self.writer.take() {
            let _ = w.join();
        }
    }
}

impl AccessLog {
    /// Opens `target`: `stdout`, `off`, or a file path (appended to).
    pub fn open(target: &str) -> Result<AccessLog, GatewayError> {
        let mut out: Box<dyn Write + Send> = match target {
            "off" | "" => {
                return Ok(AccessLog {
                    tx: None,
                    dropped: AtomicU64::new(0),
                    writer: None,
                });
            }
            "stdout" => Box::new(std::io::stdout()),
            path => Box::new(
                std::fs::OpenOptions::new()
                    .create(true)
                    .append(true)
                    .open(path)
                    .map_err(|e| {
                        GatewayError::invalid("gateway.access_log.target", format!("{path}: {e}"))
                    })?,
            ),
        };
        let (tx, rx) = sync_channel::<String>(16 * 1024);
        let writer = std::thread::Builder::new()
            .name("lampyr-access-log".into())
            .spawn(move || {
                let mut buf = std::io::BufWriter::new(&mut out);
                while let Ok(line) = rx.recv() {
                    let _ = buf.write_all(line.as_bytes());
                    // Flush when the queue is drained so lines appear promptly without a
                    // syscall per line under load.
                    while let Ok(more) = rx.try_recv() {
                        let _ = buf.write_all(more.as_bytes());
                    }
                    let _ = buf.flush();
                }
            })
            .map_err(|e| {
                GatewayError::invalid("gateway.access_log", format!("writer thread: {e}"))
            })?;
        Ok(AccessLog {
            tx: Some(tx),
            dropped: AtomicU64::new(0),
            writer: Some(writer),
        })
    }

    /// Whether lines are written at all (so callers skip building them).
    pub fn enabled(&self) -> bool {
        self.tx.is_some()
    }

    /// Queues one record; drops and counts it when the writer is behind.
    pub fn log(&self, record: &AccessRecord<'_>) {
        let Some(tx) = &self.tx else { return };
        let Ok(mut line) = serde_json::to_string(record) else {
            return;
        };
        line.push('\n');
        if tx.try_send(line).is_err() {
            self.dropped.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// Lines dropped so far.
    pub fn dropped(&self) -> u64 {
        self.dropped.load(Ordering::Relaxed)
    }
}

/// Names of the parameters in a raw query string, percent-decoded, at most 32.
pub fn query_param_names(query: Option<&str>) -> Vec<String> {
    let Some(q) = query else { return Vec::new() };
    q.split('&')
        .filter(|p| !p.is_empty())
        .take(32)
        .map(|p| {
            let name = p.split('=').next().unwrap_or("");
            percent_encoding::percent_decode_str(name)
                .decode_utf8_lossy()
                .chars()
                .take(64)
                .collect()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_query_parameter_names_are_kept() {
        assert_eq!(
            query_param_names(Some("api_key=SECRET&page=2&x%20y=1&&flag")),
            vec!["api_key", "page", "x y", "flag"]
        );
        assert!(query_param_names(None).is_empty());
    }

    #[test]
    fn lines_go_to_the_file_as_json() {
        let dir = std::env::temp_dir().join(format!("lampyr-al-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("access.log");
        let log = AccessLog::open(path.to_str().unwrap()).unwrap();
        let rec = AccessRecord {
            time: "2026-01-01T00:00:00Z".into(),
            request_id: "r1",
            client: "10.0.0.1".into(),
            listener: "main",
            method: "GET",
            host: "api",
            path: "/x",
            query_params: vec!["token".into()],
            protocol: "HTTP/1.1",
            status: 200,
            duration_ms: 1.5,
            bytes_in: 0,
            bytes_out: 10,
            route: Some("r"),
            consumer: None,
            credential: None,
            refused: None,
            upstream: None,
            attack_score: None,
            rules: vec![],
            masked: 0,
        };
        log.log(&rec);
        drop(log); // writes the queue and joins the writer
        let text = std::fs::read_to_string(&path).unwrap();
        let v: serde_json::Value = serde_json::from_str(text.trim()).unwrap();
        assert_eq!(v["request_id"], "r1");
        assert_eq!(v["query_params"][0], "token");
        assert!(v.get("consumer").is_none());
        std::fs::remove_dir_all(&dir).ok();
    }
}
