//! Helpers shared by the integration tests.
#![allow(dead_code)]

use std::ops::ControlFlow;
use std::path::PathBuf;

use lampyr_core::Exchange;
use lampyr_ingest::{read, EntryError, Format, IngestError, Item, ReadOptions, Summary};

/// Everything one read produced: the items in order and the final result.
pub struct Outcome {
    pub items: Vec<Item>,
    pub result: Result<Summary, IngestError>,
}

impl Outcome {
    pub fn summary(&self) -> Summary {
        match &self.result {
            Ok(s) => *s,
            Err(e) => panic!("read failed: {e}"),
        }
    }

    pub fn exchanges(&self) -> Vec<&Exchange> {
        self.items
            .iter()
            .filter_map(|i| match i {
                Item::Exchange(ex) => Some(&**ex),
                Item::Skipped(_) => None,
            })
            .collect()
    }

    pub fn skipped(&self) -> Vec<&EntryError> {
        self.items
            .iter()
            .filter_map(|i| match i {
                Item::Skipped(e) => Some(e),
                Item::Exchange(_) => None,
            })
            .collect()
    }

    /// The only exchange, or a panic naming what was read instead.
    pub fn single(&self) -> &Exchange {
        let ex = self.exchanges();
        assert_eq!(ex.len(), 1, "skipped: {:?}", self.skipped());
        ex[0]
    }
}

pub fn collect(input: &[u8], format: Format, opts: &ReadOptions) -> Outcome {
    let mut items = Vec::new();
    let result = read(input, format, opts, |item| {
        items.push(item);
        ControlFlow::Continue(())
    });
    Outcome { items, result }
}

pub fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures/ingest")
        .join(name)
}

/// A HAR document around `entries`.
pub fn har(entries: &[serde_json::Value]) -> Vec<u8> {
    serde_json::to_vec(&serde_json::json!({
        "log": {"version": "1.2", "creator": {"name": "test", "version": "1"}, "entries": entries}
    }))
    .unwrap()
}

/// A minimal HAR entry with the given response (`null` for none).
pub fn entry(url: &str, response: serde_json::Value) -> serde_json::Value {
    serde_json::json!({
        "startedDateTime": "2024-01-02T03:04:05.678Z",
        "time": 12.5,
        "request": {"method": "GET", "url": url, "httpVersion": "HTTP/1.1", "headers": []},
        "response": response,
    })
}

/// A scratch directory unique to one test.
pub fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("lampyr-ingest-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

pub fn gzip(data: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    enc.write_all(data).unwrap();
    enc.finish().unwrap()
}

pub fn brotli(data: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut out = Vec::new();
    {
        let mut enc = brotli::CompressorWriter::new(&mut out, 4096, 5, 22);
        enc.write_all(data).unwrap();
    }
    out
}

pub fn zlib(data: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut enc = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
    enc.write_all(data).unwrap();
    enc.finish().unwrap()
}

pub fn b64(data: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(data)
}
