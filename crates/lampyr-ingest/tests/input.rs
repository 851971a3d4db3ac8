//! Inputs as a whole: format detection, gzip, file names, progress, fatal errors.

mod common;

use std::ops::ControlFlow;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use common::*;
use lampyr_ingest::{read, read_path, Format, IngestError, ReadOptions};
use serde_json::json;

const JSONL_LINE: &str = r#"{"v":1,"request":{"method":"GET","url":"http://h.example/x"}}"#;

fn opts() -> ReadOptions {
    ReadOptions::default()
}

fn count_path(
    path: &std::path::Path,
    format: Format,
) -> Result<lampyr_ingest::Summary, IngestError> {
    read_path(path, format, &opts(), |_| ControlFlow::Continue(()))
}

#[test]
fn auto_detects_har_and_jsonl_from_content() {
    let har_doc = har(&[entry("http://h.example/", json!(null))]);
    assert_eq!(
        collect(&har_doc, Format::Auto, &opts()).summary().format,
        Format::Har
    );
    let pretty =
        serde_json::to_vec_pretty(&serde_json::from_slice::<serde_json::Value>(&har_doc).unwrap())
            .unwrap();
    assert_eq!(
        collect(&pretty, Format::Auto, &opts()).summary().format,
        Format::Har
    );
    let jsonl = format!("{JSONL_LINE}\n{JSONL_LINE}\n");
    let s = collect(jsonl.as_bytes(), Format::Auto, &opts()).summary();
    assert_eq!((s.format, s.exchanges), (Format::Jsonl, 2));
}

#[test]
fn explicit_format_overrides_detection() {
    // A HAR read as JSON Lines: one line, which is no exchange.
    let har_doc = har(&[entry("http://h.example/", json!(null))]);
    let out = collect(&har_doc, Format::Jsonl, &opts());
    assert_eq!(out.summary().skipped, 1);
    assert_eq!(out.skipped()[0].to_string(), "line 1: request: missing");
    // JSON Lines read as HAR: the first line has no "log".
    let out = collect(JSONL_LINE.as_bytes(), Format::Har, &opts());
    assert!(matches!(out.result, Err(IngestError::NotHar(_))));
}

#[test]
fn extension_settles_ambiguous_content() {
    let dir = scratch("ext");
    // One-line objects without "log" or "request" first: only the name tells.
    let content = "{\"note\":\"no request here\"}\n";
    let jsonl = dir.join("odd.ndjson");
    std::fs::write(&jsonl, content).unwrap();
    assert_eq!(
        count_path(&jsonl, Format::Auto).unwrap().format,
        Format::Jsonl
    );
    let harp = dir.join("odd.har");
    std::fs::write(&harp, content).unwrap();
    assert!(matches!(
        count_path(&harp, Format::Auto),
        Err(IngestError::NotHar(_))
    ));
    let unknown = dir.join("odd.json");
    std::fs::write(&unknown, content).unwrap();
    let err = count_path(&unknown, Format::Auto).unwrap_err();
    assert!(matches!(err, IngestError::UnknownFormat(_)), "{err}");
    // Clear content wins over a misleading name.
    let misnamed = dir.join("really-jsonl.har");
    std::fs::write(&misnamed, format!("{JSONL_LINE}\n")).unwrap();
    assert_eq!(
        count_path(&misnamed, Format::Auto).unwrap().format,
        Format::Jsonl
    );
    std::fs::remove_dir_all(dir).ok();
}

#[test]
fn gzip_input_is_decompressed_transparently() {
    let raw = std::fs::read(fixture("small.har")).unwrap();
    let gz = gzip(&raw);
    let s = collect(&gz, Format::Auto, &opts()).summary();
    assert_eq!(
        (s.format, s.entries, s.exchanges, s.gzip),
        (Format::Har, 6, 5, true)
    );

    let dir = scratch("gz");
    let path = dir.join("traffic.jsonl.gz");
    std::fs::write(
        &path,
        gzip(std::fs::read(fixture("small.jsonl")).unwrap().as_slice()),
    )
    .unwrap();
    let s = count_path(&path, Format::Auto).unwrap();
    assert_eq!((s.format, s.entries, s.gzip), (Format::Jsonl, 6, true));

    // A corrupt gzip stream is an I/O error, after whatever came before it.
    let mut broken = gz.clone();
    let n = broken.len();
    broken.truncate(n - 20);
    let out = collect(&broken, Format::Auto, &opts());
    assert!(out.result.is_err());
    std::fs::remove_dir_all(dir).ok();
}

#[test]
fn progress_counts_input_bytes() {
    let raw = std::fs::read(fixture("small.har")).unwrap();
    let gz = gzip(&raw);
    for input in [&raw, &gz] {
        let counter = Arc::new(AtomicU64::new(0));
        let opts = ReadOptions {
            progress: Some(Arc::clone(&counter)),
            ..ReadOptions::default()
        };
        read(&input[..], Format::Auto, &opts, |_| {
            ControlFlow::Continue(())
        })
        .unwrap();
        assert_eq!(counter.load(Ordering::Relaxed), input.len() as u64);
    }
}

#[test]
fn byte_order_mark_and_empty_inputs() {
    let mut doc = b"\xEF\xBB\xBF".to_vec();
    doc.extend_from_slice(&har(&[entry("http://h.example/", json!(null))]));
    assert_eq!(collect(&doc, Format::Auto, &opts()).summary().exchanges, 1);
    let mut doc = b"\xEF\xBB\xBF".to_vec();
    doc.extend_from_slice(JSONL_LINE.as_bytes());
    assert_eq!(collect(&doc, Format::Auto, &opts()).summary().exchanges, 1);

    for empty in [&b""[..], b"  \n\n"] {
        let s = collect(empty, Format::Auto, &opts()).summary();
        assert_eq!((s.format, s.entries), (Format::Jsonl, 0));
    }
    // An empty .har is a truncated HAR.
    let out = collect(b"", Format::Har, &opts());
    assert!(
        matches!(out.result, Err(IngestError::Syntax { .. })),
        "{:?}",
        out.result
    );
}

#[test]
fn unrecognised_input_is_a_clear_error() {
    for (input, shown) in [
        (&b"<html><body>"[..], "starts with \"<html><body>\""),
        (
            b"[{\"request\":{}}]",
            "starts with \"[{\\\"request\\\":{}}]\"",
        ),
        (b"\x00\x01\x02", "starts with \"...\""),
    ] {
        let err = collect(input, Format::Auto, &opts()).result.unwrap_err();
        assert!(matches!(err, IngestError::UnknownFormat(_)));
        assert!(err.to_string().contains(shown), "{err}");
    }
}

#[test]
fn missing_file_names_the_path() {
    let err = count_path(
        std::path::Path::new("/nonexistent/traffic.har"),
        Format::Auto,
    )
    .unwrap_err();
    assert!(matches!(err, IngestError::Open { .. }));
    assert!(
        err.to_string()
            .starts_with("cannot open /nonexistent/traffic.har:"),
        "{err}"
    );
}

#[test]
fn io_errors_midway_are_fatal_but_keep_delivered_entries() {
    struct FailAfter {
        data: Vec<u8>,
        pos: usize,
        fail_at: usize,
    }
    impl std::io::Read for FailAfter {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            if self.pos >= self.fail_at {
                return Err(std::io::Error::other("disk on fire"));
            }
            let n = buf
                .len()
                .min(self.fail_at - self.pos)
                .min(self.data.len() - self.pos);
            buf[..n].copy_from_slice(&self.data[self.pos..self.pos + n]);
            self.pos += n;
            Ok(n)
        }
    }
    let mut data = Vec::new();
    for _ in 0..5000 {
        data.extend_from_slice(JSONL_LINE.as_bytes());
        data.push(b'\n');
    }
    let fail_at = data.len() / 2;
    let mut n = 0;
    let reader = FailAfter {
        data,
        pos: 0,
        fail_at,
    };
    let err = read(reader, Format::Auto, &opts(), |_| {
        n += 1;
        ControlFlow::Continue(())
    })
    .unwrap_err();
    assert!(err.to_string().contains("disk on fire"), "{err}");
    assert!(n > 1000, "{n}");
}
