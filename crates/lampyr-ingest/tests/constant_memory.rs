//! Streaming stays in constant memory: inputs far larger than the heap bound are generated
//! lazily by `Read` impls (never materialized) and read while a counting allocator tracks the
//! peak of live heap bytes.

use std::alloc::{GlobalAlloc, Layout, System};
use std::io::Read;
use std::ops::ControlFlow;
use std::sync::atomic::{AtomicUsize, Ordering};

use lampyr_ingest::{read, Format, Item, ReadOptions};

struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            let live = LIVE.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
            PEAK.fetch_max(live, Ordering::Relaxed);
        }
        p
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) };
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// Produces `prefix`, then `count` generated items separated by `separator`, then `suffix`,
/// one item at a time.
struct Generated {
    suffix: &'static [u8],
    separator: &'static [u8],
    count: u64,
    next: u64,
    make: fn(u64) -> String,
    pending: Vec<u8>,
    pos: usize,
    done: bool,
    produced: u64,
}

impl Generated {
    fn new(
        prefix: &'static [u8],
        separator: &'static [u8],
        suffix: &'static [u8],
        count: u64,
        make: fn(u64) -> String,
    ) -> Self {
        Self {
            suffix,
            separator,
            count,
            next: 0,
            make,
            pending: prefix.to_vec(),
            pos: 0,
            done: false,
            produced: 0,
        }
    }

    fn refill(&mut self) {
        self.pending.clear();
        self.pos = 0;
        if self.next < self.count {
            if self.next > 0 {
                self.pending.extend_from_slice(self.separator);
            }
            self.pending
                .extend_from_slice((self.make)(self.next).as_bytes());
            self.next += 1;
        } else if !self.done {
            self.pending.extend_from_slice(self.suffix);
            self.done = true;
        }
    }
}

impl Read for Generated {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.pos == self.pending.len() {
            self.refill();
        }
        let n = buf.len().min(self.pending.len() - self.pos);
        buf[..n].copy_from_slice(&self.pending[self.pos..self.pos + n]);
        self.pos += n;
        self.produced += n as u64;
        Ok(n)
    }
}

fn har_entry(i: u64) -> String {
    format!(
        r#"{{"startedDateTime":"2024-03-18T19:12:23.685Z","time":5.5,"request":{{"method":"GET","url":"https://api.example.com/v1/items/{i}?page={i}","httpVersion":"HTTP/1.1","headers":[{{"name":"Host","value":"api.example.com"}},{{"name":"Accept","value":"application/json"}}]}},"response":{{"status":200,"headers":[{{"name":"Content-Type","value":"application/json"}}],"content":{{"mimeType":"application/json","text":"{{\"id\":{i},\"name\":\"item {i}\"}}"}}}}}}"#
    )
}

fn jsonl_line(i: u64) -> String {
    format!(
        r#"{{"v":1,"started":1710789143685,"request":{{"method":"POST","url":"https://api.example.com/v1/items/{i}","headers":[["Content-Type","application/json"]],"body":"{{\"n\":{i}}}"}},"response":{{"status":201,"headers":{{"content-type":"application/json"}},"body":"ok"}}}}"#
    )
}

fn stream(input: impl Read, format: Format) -> (u64, u64, u64) {
    let mut exchanges = 0u64;
    let mut skipped = 0u64;
    let mut last_index = 0;
    let summary = read(input, format, &ReadOptions::default(), |item| {
        match item {
            Item::Exchange(ex) => {
                exchanges += 1;
                last_index = ex.source.index;
            }
            Item::Skipped(e) => {
                skipped += 1;
                eprintln!("{e}");
            }
        }
        ControlFlow::Continue(())
    })
    .unwrap();
    assert_eq!(summary.entries, exchanges + skipped);
    (exchanges, skipped, last_index)
}

#[test]
fn large_inputs_stream_in_bounded_memory() {
    const ENTRIES: u64 = 200_000;
    const BOUND: usize = 8 << 20;

    let baseline = LIVE.load(Ordering::Relaxed);
    PEAK.store(baseline, Ordering::Relaxed);
    let har = Generated::new(
        br#"{"log":{"version":"1.2","creator":{"name":"gen","version":"1"},"entries":["#,
        b",",
        br#"],"pages":[]}}"#,
        ENTRIES,
        har_entry,
    );
    let (exchanges, skipped, last) = stream(har, Format::Auto);
    assert_eq!((exchanges, skipped, last), (ENTRIES, 0, ENTRIES - 1));
    let har_peak = PEAK.load(Ordering::Relaxed) - baseline;
    let har_bytes = ENTRIES * har_entry(ENTRIES / 2).len() as u64;

    let baseline = LIVE.load(Ordering::Relaxed);
    PEAK.store(baseline, Ordering::Relaxed);
    const LINES: u64 = 100_000;
    let jsonl = Generated::new(b"", b"\n", b"\n", LINES, jsonl_line);
    let (exchanges, skipped, last) = stream(jsonl, Format::Auto);
    assert_eq!((exchanges, skipped, last), (LINES, 0, LINES - 1));
    let jsonl_peak = PEAK.load(Ordering::Relaxed) - baseline;

    eprintln!(
        "HAR: {} MB streamed, peak heap {} KiB; JSONL peak heap {} KiB",
        har_bytes >> 20,
        har_peak >> 10,
        jsonl_peak >> 10
    );
    assert!(har_bytes > 10 * BOUND as u64);
    assert!(har_peak < BOUND, "HAR peak heap {har_peak} bytes");
    assert!(jsonl_peak < BOUND, "JSONL peak heap {jsonl_peak} bytes");
}
