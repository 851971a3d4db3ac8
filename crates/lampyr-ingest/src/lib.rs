//! Ingestion: turns HAR 1.2 files and Exchange JSON Lines v1 logs into
//! [`lampyr_core::Exchange`]s.
//!
//! Both readers stream: a HAR's `log.entries` array is walked entry by entry, JSON Lines line
//! by line, so memory is bounded by the largest entry (and, for JSON Lines, by
//! [`ReadOptions::max_line`]) whatever the size of the file. Gzip-compressed inputs are
//! decompressed on the fly. Bodies are stored decoded (base64 and `Content-Encoding` gzip,
//! deflate, br undone, with a decompression-bomb cap) and cut at the body limit.
//!
//! A bad entry never stops the reading: it reaches the sink as [`Item::Skipped`] with an
//! [`EntryError`] naming the entry and the field. Only problems with the input as a whole
//! (I/O, not a HAR, broken JSON structure) end it, as an [`IngestError`], and the entries
//! delivered before stay delivered.
//!
//! # HAR mapping
//!
//! - `request.url` gives scheme, host (lower-case, IPv6 in brackets), port, path (as sent)
//!   and raw query; a relative URL takes its host from `Host` (or `:authority`).
//!   `request.headers` are authoritative; `cookies[]` only becomes a `Cookie` header when
//!   there is none. The body is `postData.text` (base64 when `encoding` says so), else
//!   `postData.params` re-encoded (multipart when the media type has a boundary, else
//!   urlencoded).
//! - A missing, `null` or `{}` response, or status 0, is no response. `content.text` is
//!   base64-decoded when `content.encoding` is `base64`.
//! - `startedDateTime` and `time` give the timing; `serverIPAddress` the server (port from
//!   the URL); the extensions `_clientIPAddress` and `_identity` the client and identity,
//!   else the client comes from `X-Forwarded-For` / `X-Real-IP` when trusted.
//! - Memory per entry is bounded by the entry's size: a HAR entry is parsed whole, and the
//!   JSON parser keeps a scratch buffer as large as the longest string seen.
//!
//! The JSON Lines format is specified in `docs/exchange-jsonl-v1.md`.
//!
//! ```
//! use std::ops::ControlFlow;
//! use lampyr_ingest::{read, Format, Item, ReadOptions};
//!
//! let line = r#"{"v":1,"request":{"method":"GET","url":"https://api.example.com/users?id=7"},"response":{"status":200}}"#;
//! let mut paths = Vec::new();
//! let summary = read(line.as_bytes(), Format::Auto, &ReadOptions::default(), |item| {
//!     if let Item::Exchange(ex) = item {
//!         paths.push(ex.request.path.clone());
//!     }
//!     ControlFlow::Continue(())
//! })
//! .unwrap();
//! assert_eq!(summary.format, Format::Jsonl);
//! assert_eq!(paths, ["/users"]);
//! ```

mod common;
mod decode;
mod detect;
mod error;
mod har;
mod json;
mod jsonl;
pub mod raw;

use std::fmt;
use std::fs::File;
use std::io::{self, BufReader, Cursor, Read};
use std::ops::ControlFlow;
use std::path::Path;
use std::str::FromStr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use lampyr_core::{BodyLimits, Exchange};

pub use error::{EntryError, IngestError, Location};
pub use jsonl::to_line;

/// Default cap on the decoded size of one body (16 MiB): a few KiB of gzip can expand to
/// gigabytes, so decoding stops there and the body is marked truncated.
pub const DEFAULT_MAX_DECODED: usize = 16 << 20;

/// Default cap on one JSON line (64 MiB): a longer line is skipped without being buffered.
pub const DEFAULT_MAX_LINE: usize = 64 << 20;

/// Input format. `Auto` looks at the first bytes (and the file extension as a tie-breaker).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum Format {
    /// Detect from the content; the extension (`.har`, `.jsonl`, `.ndjson`) settles ties.
    #[default]
    Auto,
    /// HAR 1.2.
    Har,
    /// Exchange JSON Lines v1.
    Jsonl,
}

impl Format {
    /// The format a file name suggests (`.har`, `.jsonl`, `.ndjson`, each optionally `.gz`).
    pub fn from_path(path: &Path) -> Option<Format> {
        let name = path.file_name()?.to_str()?.to_ascii_lowercase();
        let name = name.strip_suffix(".gz").unwrap_or(&name);
        if name.ends_with(".har") {
            Some(Format::Har)
        } else if name.ends_with(".jsonl") || name.ends_with(".ndjson") {
            Some(Format::Jsonl)
        } else {
            None
        }
    }
}

impl FromStr for Format {
    type Err = IngestError;

    /// Parses `auto`, `har` or `jsonl` (also `ndjson`), case-insensitive: the CLI's `--format`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "auto" => Ok(Format::Auto),
            "har" => Ok(Format::Har),
            "jsonl" | "ndjson" => Ok(Format::Jsonl),
            _ => Err(IngestError::InvalidFormatName(s.to_string())),
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Format::Auto => "auto",
            Format::Har => "har",
            Format::Jsonl => "jsonl",
        })
    }
}

/// How to read an input.
#[derive(Debug, Clone)]
pub struct ReadOptions {
    /// Bytes kept of each body, after decoding.
    pub limits: BodyLimits,
    /// Decompression-bomb cap: content decoding stops after this many bytes and the body is
    /// marked truncated.
    pub max_decoded: usize,
    /// Longest JSON line accepted; longer lines are skipped (as an [`EntryError`]) without
    /// being buffered.
    pub max_line: usize,
    /// Take the client address from `X-Forwarded-For` / `X-Real-IP` when the source does not
    /// give one. On by default: offline files come from behind the proxies that set them.
    pub trust_forwarded: bool,
    /// Position of this input among the inputs of a run, copied into
    /// [`lampyr_core::Source::input`].
    pub input: u32,
    /// Incremented with every byte read from the input as given (compressed bytes for a
    /// gzip file), so a caller can show progress against the file size.
    pub progress: Option<Arc<AtomicU64>>,
}

impl Default for ReadOptions {
    fn default() -> Self {
        Self {
            limits: BodyLimits::default(),
            max_decoded: DEFAULT_MAX_DECODED,
            max_line: DEFAULT_MAX_LINE,
            trust_forwarded: true,
            input: 0,
            progress: None,
        }
    }
}

/// One entry of an input, good or bad, in input order.
#[derive(Debug, Clone, PartialEq)]
pub enum Item {
    /// An entry converted to an exchange (boxed: exchanges are large and moved often).
    Exchange(Box<Exchange>),
    /// An entry that could not be converted, and why. Reading goes on after it.
    Skipped(EntryError),
}

/// What one read did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Summary {
    /// The format read (never `Auto`).
    pub format: Format,
    /// Entries handed to the sink, good and bad (blank JSON lines are not entries).
    pub entries: u64,
    /// Entries delivered as [`Item::Exchange`].
    pub exchanges: u64,
    /// Entries delivered as [`Item::Skipped`].
    pub skipped: u64,
    /// True when the sink returned `ControlFlow::Break` and reading stopped early.
    pub stopped: bool,
    /// True when the input was gzip-compressed.
    pub gzip: bool,
}

/// A reader that adds the number of bytes read to a shared counter, for progress bars.
#[derive(Debug)]
pub struct CountingReader<R> {
    inner: R,
    count: Arc<AtomicU64>,
}

impl<R> CountingReader<R> {
    /// Wraps `inner`; every byte read is added to `count`.
    pub fn new(inner: R, count: Arc<AtomicU64>) -> Self {
        Self { inner, count }
    }

    /// The wrapped reader.
    pub fn into_inner(self) -> R {
        self.inner
    }
}

impl<R: Read> Read for CountingReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.count.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

/// Reads every entry of `reader`, calling `sink` for each (good or bad) in input order.
///
/// `sink` returns `ControlFlow::Break(())` to stop early (a strict caller does so on the first
/// [`Item::Skipped`]). Returns what was read, or a fatal error: I/O, input that is neither
/// format, or JSON syntax that breaks the HAR structure. Gzip input is decompressed
/// transparently; `reader` should not be buffered twice but needs no buffering of its own.
pub fn read<R: Read>(
    reader: R,
    format: Format,
    opts: &ReadOptions,
    mut sink: impl FnMut(Item) -> ControlFlow<()>,
) -> Result<Summary, IngestError> {
    let mut reader = reader;
    read_dyn(&mut reader, format, None, opts, &mut sink)
}

/// Reads the file at `path` like [`read`], using its extension as a format hint.
pub fn read_path(
    path: &Path,
    format: Format,
    opts: &ReadOptions,
    mut sink: impl FnMut(Item) -> ControlFlow<()>,
) -> Result<Summary, IngestError> {
    let mut file = File::open(path).map_err(|cause| IngestError::Open {
        path: path.to_path_buf(),
        cause,
    })?;
    read_dyn(&mut file, format, Format::from_path(path), opts, &mut sink)
}

/// The non-generic core of [`read`] and [`read_path`] (compiled once for every reader type).
fn read_dyn(
    reader: &mut dyn Read,
    format: Format,
    hint: Option<Format>,
    opts: &ReadOptions,
    sink: &mut dyn FnMut(Item) -> ControlFlow<()>,
) -> Result<Summary, IngestError> {
    let mut counted;
    let reader: &mut dyn Read = match &opts.progress {
        Some(count) => {
            counted = CountingReader::new(reader, Arc::clone(count));
            &mut counted
        }
        None => reader,
    };
    let head = peek(reader, 2)?;
    let gzip = head == [0x1f, 0x8b];
    let mut plain = Cursor::new(head).chain(reader);
    let mut unzipped;
    let reader: &mut dyn Read = if gzip {
        unzipped = flate2::read::MultiGzDecoder::new(plain);
        &mut unzipped
    } else {
        &mut plain
    };

    let mut head = peek(reader, detect::PEEK)?;
    if head.starts_with(b"\xEF\xBB\xBF") {
        head.drain(..3);
    }
    let format = match format {
        Format::Auto => detect::detect(&head, hint)?,
        explicit => explicit,
    };
    let input = BufReader::with_capacity(64 * 1024, Cursor::new(head).chain(reader));
    let mut em = Emitter {
        opts,
        sink,
        entries: 0,
        exchanges: 0,
        skipped: 0,
        stopped: false,
    };
    match format {
        Format::Har => har::read(input, &mut em)?,
        Format::Jsonl | Format::Auto => jsonl::read(input, &mut em)?,
    }
    Ok(Summary {
        format,
        entries: em.entries,
        exchanges: em.exchanges,
        skipped: em.skipped,
        stopped: em.stopped,
        gzip,
    })
}

/// Reads up to `n` bytes (fewer only at the end of the input).
fn peek(reader: &mut dyn Read, n: usize) -> io::Result<Vec<u8>> {
    let mut head = Vec::with_capacity(n);
    reader.take(n as u64).read_to_end(&mut head)?;
    Ok(head)
}

/// Hands items to the sink and counts them.
pub(crate) struct Emitter<'a> {
    pub opts: &'a ReadOptions,
    sink: &'a mut dyn FnMut(Item) -> ControlFlow<()>,
    entries: u64,
    exchanges: u64,
    skipped: u64,
    pub stopped: bool,
}

impl Emitter<'_> {
    /// Delivers one item; `Break` means the caller wants no more.
    pub fn emit(&mut self, item: Item) -> ControlFlow<()> {
        self.entries += 1;
        match item {
            Item::Exchange(_) => self.exchanges += 1,
            Item::Skipped(_) => self.skipped += 1,
        }
        let flow = (self.sink)(item);
        if flow.is_break() {
            self.stopped = true;
        }
        flow
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn format_names_and_extensions() {
        assert_eq!("HAR".parse::<Format>().unwrap(), Format::Har);
        assert_eq!("jsonl".parse::<Format>().unwrap(), Format::Jsonl);
        assert_eq!("auto".parse::<Format>().unwrap(), Format::Auto);
        assert!("xml".parse::<Format>().is_err());
        assert_eq!(
            Format::from_path(Path::new("a/b.HAR.gz")),
            Some(Format::Har)
        );
        assert_eq!(
            Format::from_path(Path::new("x.ndjson")),
            Some(Format::Jsonl)
        );
        assert_eq!(Format::from_path(Path::new("x.json")), None);
        assert_eq!(Format::Jsonl.to_string(), "jsonl");
    }
}
