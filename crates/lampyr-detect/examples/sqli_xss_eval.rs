//! Scores the SQLi and XSS tokenisers alone, value by value, on the CRS corpus and on benign
//! API traffic, and measures their speed.
//!
//! ```text
//! cargo run --release -p lampyr-detect --example sqli_xss_eval -- CRS_DIR \
//!     [--benign FILE.har|DIR ...] [--show-misses N] [--show-fp N] [--family sqli|xss]
//! cargo run --release -p lampyr-detect --example sqli_xss_eval -- --probe VALUE
//! ```
//!
//! Values are taken from each request the way a WAF reads them (query and form values and
//! names, JSON string leaves and keys, cookies, `User-Agent`, `Referer` and non-standard
//! headers, the path, any other body whole), percent-decoded (repeatedly, `+` as space) and
//! HTML-entity-decoded. A case counts as detected when any value matches at or below the
//! detector paranoia level of the column.

use std::path::{Path, PathBuf};
use std::time::Instant;

use lampyr_detect::{sqli, xss};
use serde_json::Value;

/// Headers every client sends whose values are protocol, not user input.
const STANDARD_HEADERS: &[&str] = &[
    "host",
    "accept",
    "accept-encoding",
    "accept-language",
    "accept-charset",
    "connection",
    "content-type",
    "content-length",
    "cache-control",
    "pragma",
    "authorization",
    "keep-alive",
    "te",
    "upgrade-insecure-requests",
    "origin",
    "if-none-match",
    "if-modified-since",
];

/// The detector a run scores: the lowest paranoia of its match, if any.
type Detector = fn(&str) -> Option<u8>;

fn sqli_pl(v: &str) -> Option<u8> {
    sqli::detect(v).map(|m| m.paranoia)
}

fn xss_pl(v: &str) -> Option<u8> {
    xss::detect(v).map(|m| m.paranoia)
}

#[derive(Default, Clone, Copy)]
struct Tally {
    n: u64,
    hit: [u64; 4],
}

impl Tally {
    fn add(&mut self, pl: Option<u8>) {
        self.n += 1;
        if let Some(pl) = pl {
            for l in pl..=4 {
                self.hit[usize::from(l) - 1] += 1;
            }
        }
    }
    fn cell(&self, level: usize) -> String {
        if self.n == 0 {
            return "-".into();
        }
        format!(
            "{}/{} {:.1}%",
            self.hit[level - 1],
            self.n,
            100.0 * self.hit[level - 1] as f64 / self.n as f64
        )
    }
}

fn main() {
    let mut args = std::env::args().skip(1);
    let mut dir = None;
    let mut benign = Vec::new();
    let mut show_misses = 0usize;
    let mut show_fp = 0usize;
    let mut only: Option<String> = None;
    while let Some(a) = args.next() {
        match a.as_str() {
            "--benign" => benign.push(PathBuf::from(args.next().expect("path"))),
            "--show-misses" => show_misses = args.next().and_then(|v| v.parse().ok()).unwrap_or(50),
            "--show-fp" => show_fp = args.next().and_then(|v| v.parse().ok()).unwrap_or(50),
            "--family" => only = args.next(),
            "--probe" => {
                // Prints what each detector says of one value, then exits.
                let v = args.next().expect("value");
                println!("sqli: {:?}", sqli::detect(&v));
                println!("xss:  {:?}", xss::detect(&v));
                return;
            }
            _ => dir = Some(PathBuf::from(a)),
        }
    }
    let dir = dir.expect("usage: sqli_xss_eval CRS_DIR [--benign PATH ...]");

    let mut api_values = Vec::new();
    for p in &benign {
        for har in har_files(p) {
            read_har(&har, &mut api_values);
        }
    }

    for (family, detector) in [("sqli", sqli_pl as Detector), ("xss", xss_pl as Detector)] {
        if only.as_ref().is_some_and(|o| o != family) {
            continue;
        }
        let text = std::fs::read_to_string(dir.join(format!("{family}.jsonl"))).expect("corpus");
        let (mut low, mut high, mut crs_benign) =
            (Tally::default(), Tally::default(), Tally::default());
        let (mut misses, mut fps) = (0, 0);
        for line in text.lines().filter(|l| !l.trim().is_empty()) {
            let case: Value = serde_json::from_str(line).expect("JSON line");
            let values = case_values(&case);
            let pl = values.iter().filter_map(|v| detector(v)).min();
            let case_pl = case["paranoia_level"].as_u64().unwrap_or(1);
            if case["expect"] == "attack" {
                if case_pl <= 2 {
                    low.add(pl)
                } else {
                    high.add(pl)
                }
                if pl.is_none_or(|p| p > 2) && case_pl <= 2 && misses < show_misses {
                    misses += 1;
                    println!(
                        "MISS {} PL{case_pl} [{}] {:?}",
                        case["id"].as_str().unwrap_or(""),
                        case["rule_msg"]
                            .as_str()
                            .unwrap_or("")
                            .chars()
                            .take(50)
                            .collect::<String>(),
                        values
                            .iter()
                            .map(|v| v.chars().take(160).collect::<String>())
                            .collect::<Vec<_>>()
                    );
                }
            } else {
                crs_benign.add(pl);
                if pl.is_some_and(|p| p <= 2) && fps < show_fp {
                    fps += 1;
                    let v = values.iter().find(|v| detector(v) == pl).unwrap();
                    println!(
                        "FP {} PL{:?} {:?}",
                        case["id"].as_str().unwrap_or(""),
                        pl,
                        v.chars().take(200).collect::<String>()
                    );
                }
            }
        }
        let mut api = Tally::default();
        let mut api_fp_shown = 0;
        for v in &api_values {
            let pl = detector(v);
            api.add(pl);
            if pl.is_some_and(|p| p <= 2) && api_fp_shown < show_fp {
                api_fp_shown += 1;
                println!(
                    "API-FP PL{:?} {:?}",
                    pl,
                    v.chars().take(200).collect::<String>()
                );
            }
        }
        println!("\n{family}: detection by detector paranoia level (a case is hit when any of its values matches)");
        println!(
            "{:<4} {:>22} {:>22} {:>22} {:>24}",
            "PL",
            "attacks CRS-PL<=2",
            "attacks CRS-PL>2",
            "CRS benign flagged",
            "API values flagged"
        );
        for level in 1..=4 {
            println!(
                "{:<4} {:>22} {:>22} {:>22} {:>24}",
                level,
                low.cell(level),
                high.cell(level),
                crs_benign.cell(level),
                api.cell(level)
            );
        }
        // Speed on benign API values: the inline cost per value.
        let rounds = 5;
        let started = Instant::now();
        let mut sink = 0usize;
        for _ in 0..rounds {
            for v in &api_values {
                sink += usize::from(detector(v).is_some());
            }
        }
        let secs = started.elapsed().as_secs_f64();
        let n = (api_values.len() * rounds) as f64;
        println!(
            "speed: {:.0} values/s, {:.0} ns/value over {} benign API values (avg {:.0} bytes) [{sink}]",
            n / secs,
            1e9 * secs / n,
            api_values.len(),
            api_values.iter().map(|v| v.len()).sum::<usize>() as f64 / api_values.len().max(1) as f64
        );
        let short: Vec<&String> = api_values.iter().filter(|v| v.len() <= 32).collect();
        let started = Instant::now();
        for _ in 0..rounds {
            for v in &short {
                sink += usize::from(detector(v).is_some());
            }
        }
        let secs = started.elapsed().as_secs_f64();
        println!(
            "speed (values <= 32 bytes): {:.0} ns/value over {} values [{sink}]",
            1e9 * secs / (short.len() * rounds).max(1) as f64,
            short.len()
        );
    }
}

/// Every value a WAF would inspect in one CRS case.
fn case_values(case: &Value) -> Vec<String> {
    let uri = case["uri"].as_str().unwrap_or("/");
    let mut headers: Vec<(String, String)> = Vec::new();
    if let Some(obj) = case["headers"].as_object() {
        for (k, v) in obj {
            headers.push((k.to_ascii_lowercase(), v.as_str().unwrap_or("").to_string()));
        }
    }
    let body = case["body"].as_str().unwrap_or("");
    let (path, query) = uri.split_once('?').unwrap_or((uri, ""));
    request_values(path, query, &headers, body.as_bytes())
}

fn request_values(
    path: &str,
    query: &str,
    headers: &[(String, String)],
    body: &[u8],
) -> Vec<String> {
    let mut out = Vec::new();
    out.push(decode(path, false));
    form_values(query, &mut out);
    let mut ctype = String::new();
    for (k, v) in headers {
        let k = k.to_ascii_lowercase();
        if k == "content-type" {
            ctype = v.to_ascii_lowercase();
        }
        if k == "cookie" {
            for pair in v.split(';') {
                let (name, value) = pair.trim().split_once('=').unwrap_or((pair.trim(), ""));
                out.push(decode(name, false));
                out.push(decode(value, false));
            }
        } else if !STANDARD_HEADERS.contains(&k.as_str()) {
            out.push(decode(v, false));
        }
    }
    if !body.is_empty() {
        let text = String::from_utf8_lossy(body);
        if ctype.contains("json") {
            match serde_json::from_str::<Value>(&text) {
                Ok(v) => json_values(&v, &mut out, 0),
                Err(_) => out.push(text.to_string()),
            }
        } else if ctype.contains("x-www-form-urlencoded") {
            form_values(&text, &mut out);
        } else if ctype.contains("multipart") {
            multipart_values(&text, &mut out);
        } else {
            out.push(decode(&text, false));
        }
    }
    out.retain(|v| !v.is_empty());
    out
}

fn form_values(s: &str, out: &mut Vec<String>) {
    for pair in s.split('&').filter(|p| !p.is_empty()) {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        out.push(decode(k, true));
        out.push(decode(v, true));
    }
}

fn json_values(v: &Value, out: &mut Vec<String>, depth: usize) {
    if depth > 32 {
        return;
    }
    match v {
        Value::String(s) => out.push(decode(s, false)),
        Value::Array(a) => a.iter().for_each(|x| json_values(x, out, depth + 1)),
        Value::Object(o) => {
            for (k, x) in o {
                out.push(k.clone());
                json_values(x, out, depth + 1);
            }
        }
        _ => {}
    }
}

fn multipart_values(text: &str, out: &mut Vec<String>) {
    let Some(first) = text.lines().next() else {
        return;
    };
    let boundary = first.trim();
    if !boundary.starts_with("--") {
        out.push(text.to_string());
        return;
    }
    for part in text.split(boundary).skip(1) {
        let Some((head, body)) = part
            .split_once("\r\n\r\n")
            .or_else(|| part.split_once("\n\n"))
        else {
            continue;
        };
        for l in head.lines() {
            if let Some(p) = l.find("filename=") {
                out.push(l[p + 9..].trim_matches('"').to_string());
            }
            out.push(l.to_string());
        }
        out.push(body.trim_end_matches(['\r', '\n', '-']).to_string());
    }
}

/// Percent-decoding (repeated while it changes, at most 3 times) then HTML entities.
fn decode(s: &str, plus_is_space: bool) -> String {
    let mut cur = if plus_is_space {
        s.replace('+', " ")
    } else {
        s.to_string()
    };
    for _ in 0..3 {
        if !cur.contains('%') {
            break;
        }
        let next = percent_decode(&cur);
        if next == cur {
            break;
        }
        cur = next;
    }
    html_entities(&cur)
}

fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' && i + 2 < b.len() {
            let h = std::str::from_utf8(&b[i + 1..i + 3])
                .ok()
                .and_then(|h| u8::from_str_radix(h, 16).ok());
            if let Some(h) = h {
                out.push(h);
                i += 3;
                continue;
            }
        }
        if b[i] == b'%'
            && (b.get(i + 1) == Some(&b'u') || b.get(i + 1) == Some(&b'U'))
            && i + 6 <= b.len()
        {
            if let Some(c) = std::str::from_utf8(&b[i + 2..i + 6])
                .ok()
                .and_then(|h| u32::from_str_radix(h, 16).ok())
                .and_then(char::from_u32)
            {
                let mut buf = [0u8; 4];
                out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
                i += 6;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn html_entities(s: &str) -> String {
    if !s.contains('&') {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(p) = rest.find('&') {
        out.push_str(&rest[..p]);
        rest = &rest[p..];
        let end = rest[1..]
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '#'))
            .map(|e| e + 1);
        let name = &rest[1..end.unwrap_or(rest.len())];
        let semi = end.is_some_and(|e| rest.as_bytes().get(e) == Some(&b';'));
        let c = if let Some(num) = name.strip_prefix('#') {
            if let Some(hex) = num.strip_prefix(['x', 'X']) {
                u32::from_str_radix(hex, 16).ok().and_then(char::from_u32)
            } else {
                num.parse::<u32>().ok().and_then(char::from_u32)
            }
        } else {
            match name.to_ascii_lowercase().as_str() {
                "lt" => Some('<'),
                "gt" => Some('>'),
                "quot" => Some('"'),
                "apos" => Some('\''),
                "amp" => Some('&'),
                "tab" => Some('\t'),
                "newline" => Some('\n'),
                "colon" => Some(':'),
                "lpar" => Some('('),
                "rpar" => Some(')'),
                "sol" => Some('/'),
                _ => None,
            }
        };
        match c {
            Some(c) if !name.is_empty() => {
                out.push(c);
                rest = &rest[1 + name.len() + usize::from(semi)..];
            }
            _ => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

fn har_files(path: &Path) -> Vec<PathBuf> {
    if path.is_file() {
        return vec![path.to_path_buf()];
    }
    let mut out = Vec::new();
    let mut stack = vec![path.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|e| e == "har") {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

fn read_har(path: &Path, out: &mut Vec<String>) {
    lampyr_ingest::read_path(
        path,
        lampyr_ingest::Format::Har,
        &lampyr_ingest::ReadOptions::default(),
        |item| {
            if let lampyr_ingest::Item::Exchange(ex) = item {
                let r = &ex.request;
                let headers: Vec<(String, String)> = r
                    .headers
                    .iter()
                    .map(|(k, v)| (k.to_string(), v.to_string()))
                    .collect();
                out.extend(request_values(
                    &r.path,
                    r.query.as_deref().unwrap_or(""),
                    &headers,
                    r.body.bytes(),
                ));
            }
            std::ops::ControlFlow::Continue(())
        },
    )
    .expect("readable HAR");
}
