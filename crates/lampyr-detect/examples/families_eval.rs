//! Scores the java, generic, xxe, nosql, ldap/xpath and mass-assignment rule families on
//! their own, before (or apart from) the inspector: values are extracted and decoded here,
//! approximately as the inspector's placement and normaliser do.
//!
//! ```text
//! cargo run --release -p lampyr-detect --example families_eval -- CRS_DIR [--paranoia N]
//!     [--family F ...] [--show-misses] [--show-fp] [--benign FILE.har|DIR ...]
//! ```
//!
//! For every CRS case of the chosen families (default `java` and `generic`): detected when the
//! hits at or below the paranoia level score at least 5 (one critical hit). Benign CRS cases
//! of *every* file are scored too (the families must not fire on other families' false-positive
//! tests), and each `--benign` HAR gives the share of exchanges flagged, with the rules that
//! fired.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::LazyLock;
use std::time::Instant;

use base64::Engine as _;
use lampyr_core::{Body, Headers, Request};
use lampyr_detect::rules::{self, Family, RequestContext, RuleHit, Value, ValueKind};
use lampyr_detect::{Location, Placement};

const THRESHOLD: u32 = 5;
/// Time spent inside the families (not in the value extraction of this example).
static FAMILY_NS: AtomicU64 = AtomicU64::new(0);
/// Body bytes looked at.
const MAX_BODY: usize = 128 * 1024;

fn families() -> Vec<Box<dyn Family>> {
    let mut f = rules::java::families();
    f.extend(rules::generic::families());
    f.extend(rules::xxe::families());
    f.extend(rules::nosql::families());
    f.extend(rules::ldap_xpath::families());
    f.extend(rules::mass_assignment::families());
    f
}

struct Owned {
    placement: Placement,
    kind: ValueKind,
    key: String,
    raw: String,
    decoded: String,
    folded: String,
    cmdline: String,
    from_base64: bool,
}

#[derive(Default)]
struct Row {
    attacks: u64,
    detected: u64,
    attacks_pl12: u64,
    detected_pl12: u64,
    benign: u64,
    flagged: u64,
}

fn main() {
    let mut args = std::env::args().skip(1);
    let mut dir = None;
    let mut paranoia = 1u8;
    let mut only: Vec<String> = Vec::new();
    let mut show_misses = false;
    let mut show_fp = false;
    let mut benign_paths = Vec::new();
    while let Some(a) = args.next() {
        match a.as_str() {
            "--paranoia" => paranoia = args.next().and_then(|v| v.parse().ok()).expect("N"),
            "--family" => only.push(args.next().expect("family")),
            "--show-misses" => show_misses = true,
            "--show-fp" => show_fp = true,
            "--benign" => benign_paths.push(PathBuf::from(args.next().expect("path"))),
            _ => dir = Some(PathBuf::from(a)),
        }
    }
    if only.is_empty() {
        only = vec!["java".into(), "generic".into()];
    }
    let fams = families();
    let mut rows: BTreeMap<String, Row> = BTreeMap::new();
    let mut fp_rules: BTreeMap<&'static str, u64> = BTreeMap::new();
    let mut values_seen = 0u64;
    let started = Instant::now();
    if let Some(dir) = &dir {
        let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
            .expect("CRS dir")
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|e| e == "jsonl"))
            .collect();
        files.sort();
        for file in files {
            let family = file.file_stem().unwrap().to_string_lossy().to_string();
            if family.starts_with("response-") {
                continue;
            }
            let chosen = only.contains(&family);
            let text = std::fs::read_to_string(&file).expect("readable");
            for line in text.lines().filter(|l| !l.trim().is_empty()) {
                let case: serde_json::Value = serde_json::from_str(line).expect("JSON line");
                let attack = case["expect"] == "attack";
                if attack && !chosen {
                    continue;
                }
                let req = request_of(&case);
                let (hits, n) = run(&fams, &req);
                values_seen += n;
                let score = score(&hits, paranoia);
                let flagged = score >= THRESHOLD;
                let row = rows.entry(family.clone()).or_default();
                let pl = case["paranoia_level"].as_u64().unwrap_or(1);
                if attack {
                    row.attacks += 1;
                    row.detected += u64::from(flagged);
                    if pl <= 2 {
                        row.attacks_pl12 += 1;
                        row.detected_pl12 += u64::from(flagged);
                    }
                    if !flagged && show_misses {
                        println!(
                            "MISS {} PL{pl} {} {} | {} | {:?}",
                            case["id"].as_str().unwrap_or(""),
                            case["desc"].as_str().unwrap_or(""),
                            case["uri"].as_str().unwrap_or(""),
                            case["body"]
                                .as_str()
                                .unwrap_or("")
                                .chars()
                                .take(160)
                                .collect::<String>(),
                            hits.iter().map(|h| h.rule).collect::<Vec<_>>()
                        );
                    }
                } else {
                    row.benign += 1;
                    row.flagged += u64::from(flagged);
                    if flagged {
                        for h in hits.iter().filter(|h| h.paranoia <= paranoia) {
                            *fp_rules.entry(h.rule).or_default() += 1;
                        }
                        if show_fp {
                            println!(
                                "FP {} {} | {} | {:?}",
                                case["id"].as_str().unwrap_or(""),
                                case["uri"].as_str().unwrap_or(""),
                                case["body"]
                                    .as_str()
                                    .unwrap_or("")
                                    .chars()
                                    .take(120)
                                    .collect::<String>(),
                                hits.iter().map(|h| h.rule).collect::<Vec<_>>()
                            );
                        }
                    }
                }
            }
        }
    }
    let secs = started.elapsed().as_secs_f64();
    println!("\nparanoia {paranoia}, families {only:?}");
    println!(
        "{:<22} {:>12} {:>8} {:>12} {:>8} {:>14}",
        "file", "attacks", "rate", "PL1-2", "rate", "benign flagged"
    );
    for (f, r) in &rows {
        let pct = |a: u64, b: u64| {
            if b == 0 {
                "-".into()
            } else {
                format!("{:.1}%", 100.0 * a as f64 / b as f64)
            }
        };
        println!(
            "{:<22} {:>12} {:>8} {:>12} {:>8} {:>14}",
            f,
            format!("{}/{}", r.detected, r.attacks),
            pct(r.detected, r.attacks),
            format!("{}/{}", r.detected_pl12, r.attacks_pl12),
            pct(r.detected_pl12, r.attacks_pl12),
            format!("{}/{}", r.flagged, r.benign),
        );
    }
    if !fp_rules.is_empty() {
        println!("CRS benign cases flagged, by rule: {fp_rules:?}");
    }
    println!("CRS: {values_seen} values in {secs:.2}s");

    let mut total = (0u64, 0u64);
    for path in &benign_paths {
        for har in har_files(path) {
            let exchanges = read_har(&har);
            let mut flagged = 0u64;
            let mut by_rule: BTreeMap<&'static str, u64> = BTreeMap::new();
            let mut hits_any: BTreeMap<&'static str, u64> = BTreeMap::new();
            let ns0 = FAMILY_NS.load(Ordering::Relaxed);
            let mut nvalues = 0;
            for (i, req) in exchanges.iter().enumerate() {
                let (hits, n) = run(&fams, req);
                nvalues += n;
                for h in hits.iter().filter(|h| h.paranoia <= paranoia) {
                    *hits_any.entry(h.rule).or_default() += 1;
                }
                if score(&hits, paranoia) >= THRESHOLD {
                    flagged += 1;
                    for h in hits.iter().filter(|h| h.paranoia <= paranoia) {
                        *by_rule.entry(h.rule).or_default() += 1;
                    }
                    if show_fp {
                        println!(
                            "FP {}#{i} {} {} {:?}",
                            har.display(),
                            req.method,
                            req.path,
                            hits.iter()
                                .filter(|h| h.paranoia <= paranoia)
                                .map(|h| h.rule)
                                .collect::<Vec<_>>()
                        );
                    }
                }
            }
            let el = (FAMILY_NS.load(Ordering::Relaxed) - ns0) as f64 / 1e9;
            println!(
                "benign {}: {flagged}/{} flagged; {nvalues} values, {:.0} values/s in the families; flagged by {by_rule:?}; any hit {hits_any:?}",
                har.display(),
                exchanges.len(),
                nvalues as f64 / el.max(1e-9)
            );
            total.0 += flagged;
            total.1 += exchanges.len() as u64;
        }
    }
    if total.1 > 0 {
        println!(
            "BENIGN TOTAL: {}/{} flagged ({:.3} %)",
            total.0,
            total.1,
            100.0 * total.0 as f64 / total.1 as f64
        );
    }
}

fn score(hits: &[RuleHit], paranoia: u8) -> u32 {
    hits.iter()
        .filter(|h| h.paranoia <= paranoia)
        .map(|h| h.severity.score())
        .sum()
}

/// Runs every family on every value of a request. Returns the hits and the value count.
fn run(fams: &[Box<dyn Family>], req: &Request) -> (Vec<RuleHit>, u64) {
    let media = req.headers.get("content-type").map(|m| {
        m.split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase()
    });
    let body_bytes = &req.body.bytes()[..req.body.len().min(MAX_BODY)];
    let body = String::from_utf8_lossy(body_bytes).to_string();
    let ctx = RequestContext {
        method: &req.method,
        media_type: media.as_deref(),
        user_agent: req.headers.get("user-agent"),
        body: &body,
    };
    let values = values_of(req, media.as_deref(), &body);
    let mut out = Vec::new();
    let t = Instant::now();
    for o in &values {
        let v = Value {
            placement: &o.placement,
            kind: o.kind,
            key: &o.key,
            raw: &o.raw,
            decoded: &o.decoded,
            folded: &o.folded,
            cmdline: &o.cmdline,
            from_base64: o.from_base64,
        };
        for f in fams {
            f.check(&v, &ctx, &mut out);
        }
    }
    for f in fams {
        f.check_request(&ctx, &mut out);
    }
    FAMILY_NS.fetch_add(t.elapsed().as_nanos() as u64, Ordering::Relaxed);
    (out, values.len() as u64)
}

fn push(out: &mut Vec<Owned>, loc: Location, kind: ValueKind, key: &str, raw: &str, plus: bool) {
    let decoded = decode(raw, plus);
    let b64 = base64_text(&decoded);
    out.push(owned(loc, kind, key, raw, decoded, false));
    if let Some(t) = b64 {
        out.push(owned(loc, kind, key, raw, t, true));
    }
}

fn owned(
    loc: Location,
    kind: ValueKind,
    key: &str,
    raw: &str,
    decoded: String,
    b64: bool,
) -> Owned {
    let folded = fold(&decoded);
    let cmdline = folded.replace(['\\', '\'', '"', '^'], "");
    Owned {
        placement: Placement {
            location: loc,
            field: key.to_string(),
        },
        kind,
        key: key.to_string(),
        raw: raw.to_string(),
        decoded,
        folded,
        cmdline,
        from_base64: b64,
    }
}

fn values_of(req: &Request, media: Option<&str>, body: &str) -> Vec<Owned> {
    let mut out = Vec::new();
    push(
        &mut out,
        Location::Path,
        ValueKind::Content,
        "",
        &req.path,
        false,
    );
    if let Some(q) = &req.query {
        pairs(&mut out, Location::Query, q);
    }
    for (name, value) in req.headers.iter() {
        let lname = name.to_ascii_lowercase();
        if lname == "cookie" {
            for c in value.split(';') {
                let (k, v) = c.split_once('=').unwrap_or((c, ""));
                let k = k.trim();
                push(&mut out, Location::Cookie, ValueKind::Name, k, k, false);
                push(&mut out, Location::Cookie, ValueKind::Content, k, v, false);
            }
        } else {
            push(
                &mut out,
                Location::Header,
                ValueKind::Content,
                &lname,
                value,
                false,
            );
        }
    }
    if body.is_empty() {
        return out;
    }
    push(
        &mut out,
        Location::Body,
        ValueKind::Content,
        "",
        body,
        false,
    );
    let m = media.unwrap_or("");
    let t = body.trim_start();
    if m.contains("json") || t.starts_with('{') || t.starts_with('[') {
        if let Ok(j) = serde_json::from_str::<serde_json::Value>(body) {
            json_walk(&mut out, &j, "", 0);
        }
    } else if m.contains("xml") || t.starts_with('<') {
        xml_values(&mut out, body);
    } else if m.starts_with("multipart/") {
        multipart(&mut out, body);
    } else if m.contains("urlencoded") || (m.is_empty() && body.contains('=')) {
        pairs(&mut out, Location::Body, body);
    }
    out
}

fn pairs(out: &mut Vec<Owned>, loc: Location, s: &str) {
    for p in s.split('&').filter(|p| !p.is_empty()).take(512) {
        let (k, v) = p.split_once('=').unwrap_or((p, ""));
        let key = decode(k, true);
        push(out, loc, ValueKind::Name, &key, k, true);
        push(out, loc, ValueKind::Content, &key, v, true);
    }
}

fn json_walk(out: &mut Vec<Owned>, j: &serde_json::Value, path: &str, depth: usize) {
    if depth > 32 {
        return;
    }
    match j {
        serde_json::Value::Object(m) => {
            for (k, v) in m {
                let p = if path.is_empty() {
                    k.clone()
                } else {
                    format!("{path}.{k}")
                };
                push(out, Location::Body, ValueKind::Name, &p, k, false);
                json_walk(out, v, &p, depth + 1);
            }
        }
        serde_json::Value::Array(a) => {
            for v in a {
                json_walk(out, v, &format!("{path}[]"), depth + 1);
            }
        }
        serde_json::Value::String(s) => {
            push(out, Location::Body, ValueKind::Content, path, s, false)
        }
        other => push(
            out,
            Location::Body,
            ValueKind::Content,
            path,
            &other.to_string(),
            false,
        ),
    }
}

fn xml_values(out: &mut Vec<Owned>, body: &str) {
    let attr = regex::Regex::new(r#"([\w.:-]+)\s*=\s*"([^"]*)""#).unwrap();
    let text = regex::Regex::new(r"<([\w.:-]+)[^>]*>([^<]+)<").unwrap();
    for c in attr.captures_iter(body).take(512) {
        push(out, Location::Body, ValueKind::Content, &c[1], &c[2], false);
    }
    for c in text.captures_iter(body).take(512) {
        push(out, Location::Body, ValueKind::Content, &c[1], &c[2], false);
    }
}

fn multipart(out: &mut Vec<Owned>, body: &str) {
    let re = regex::Regex::new(r#"(?i)name="([^"]*)"(?:;\s*filename="([^"]*)")?[^\n]*\n(?:[^\n]*\S[^\n]*\n)*?\r?\n([^\r\n]*)"#).unwrap();
    for c in re.captures_iter(body).take(64) {
        if let Some(f) = c.get(2) {
            push(
                out,
                Location::Body,
                ValueKind::Content,
                "filename",
                f.as_str(),
                false,
            );
        }
        push(out, Location::Body, ValueKind::Content, &c[1], &c[3], false);
    }
}

/// Repeated URL decoding, HTML entities, `\uXXXX`/`\xHH` escapes, full-width forms, NULs.
fn decode(s: &str, plus: bool) -> String {
    let mut cur = if plus {
        s.replace('+', " ")
    } else {
        s.to_string()
    };
    for _ in 0..4 {
        let mut next = percent_encoding::percent_decode_str(&cur)
            .decode_utf8_lossy()
            .to_string();
        next = html_entities(&next);
        next = js_escapes(&next);
        if next == cur {
            break;
        }
        cur = next;
    }
    cur.chars()
        .filter(|&c| c != '\0')
        .map(|c| match c as u32 {
            0xFF01..=0xFF5E => char::from_u32(c as u32 - 0xFF01 + 0x21).unwrap_or(c),
            _ => c,
        })
        .collect()
}

fn html_entities(s: &str) -> String {
    if !s.contains('&') {
        return s.to_string();
    }
    static RE: LazyLock<regex::Regex> = LazyLock::new(|| {
        regex::Regex::new(r"(?i)&(?:#x([0-9a-f]{1,8})|#([0-9]{1,60})|(lt|gt|amp|quot|apos|lbrace|lcub|rbrace|rcub|dollar|colon|sol|lpar|rpar|period|comma|semi|equals|num|percnt|excl|lsqb|rsqb|bsol|nbsp|tab|newline));?").unwrap()
    });
    RE.replace_all(s, |c: &regex::Captures| {
        if let Some(h) = c.get(1) {
            u32::from_str_radix(h.as_str(), 16)
                .ok()
                .and_then(char::from_u32)
                .map(String::from)
                .unwrap_or_default()
        } else if let Some(d) = c.get(2) {
            d.as_str()
                .trim_start_matches('0')
                .parse::<u32>()
                .ok()
                .or(Some(0))
                .and_then(char::from_u32)
                .map(String::from)
                .unwrap_or_default()
        } else {
            match c[3].to_ascii_lowercase().as_str() {
                "lt" => "<",
                "gt" => ">",
                "amp" => "&",
                "quot" => "\"",
                "apos" => "'",
                "lbrace" | "lcub" => "{",
                "rbrace" | "rcub" => "}",
                "dollar" => "$",
                "colon" => ":",
                "sol" => "/",
                "lpar" => "(",
                "rpar" => ")",
                "period" => ".",
                "comma" => ",",
                "semi" => ";",
                "equals" => "=",
                "num" => "#",
                "percnt" => "%",
                "excl" => "!",
                "lsqb" => "[",
                "rsqb" => "]",
                "bsol" => "\\",
                "nbsp" => " ",
                "tab" => "\t",
                _ => "\n",
            }
            .to_string()
        }
    })
    .to_string()
}

fn js_escapes(s: &str) -> String {
    if !s.contains('\\') {
        return s.to_string();
    }
    static RE: LazyLock<regex::Regex> = LazyLock::new(|| {
        regex::Regex::new(r"\\(?:u\{?([0-9a-fA-F]{4})\}?|x([0-9a-fA-F]{2}))").unwrap()
    });
    RE.replace_all(s, |c: &regex::Captures| {
        let h = c.get(1).or(c.get(2)).unwrap().as_str();
        u32::from_str_radix(h, 16)
            .ok()
            .and_then(char::from_u32)
            .map(String::from)
            .unwrap_or_default()
    })
    .to_string()
}

fn fold(s: &str) -> String {
    let lower = s.to_lowercase();
    static RE: LazyLock<regex::Regex> =
        LazyLock::new(|| regex::Regex::new(r"(?s)/\*.*?\*/|--[^\n]*|#[^\n]*").unwrap());
    let no_comments = RE.replace_all(&lower, " ").to_string();
    no_comments.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// What a base64-looking value decodes to, when it is mostly printable text.
fn base64_text(s: &str) -> Option<String> {
    let t = s.trim();
    if t.len() < 8
        || t.len() > 64 * 1024
        || !t
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'=' | b'-' | b'_'))
    {
        return None;
    }
    let unpadded = t.trim_end_matches('=');
    let bytes = base64::engine::general_purpose::STANDARD_NO_PAD
        .decode(unpadded)
        .or_else(|_| base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(unpadded))
        .ok()?;
    let text = String::from_utf8(bytes).ok()?;
    let printable = text
        .chars()
        .filter(|c| !c.is_control() || c.is_whitespace())
        .count();
    (printable * 10 >= text.chars().count() * 9).then(|| decode(&text, false))
}

/// The request a CRS case puts on the wire (as go-ftw sends it).
fn request_of(case: &serde_json::Value) -> Request {
    let uri = case["uri"].as_str().unwrap_or("/");
    let (path, query) = match uri.split_once('?') {
        Some((p, q)) => (p.to_string(), Some(q.to_string())),
        None => (uri.to_string(), None),
    };
    let mut headers = Headers::new();
    let mut host = String::new();
    if let Some(obj) = case["headers"].as_object() {
        for (k, v) in obj {
            let v = v.as_str().unwrap_or("");
            if k.eq_ignore_ascii_case("host") {
                host = v.to_ascii_lowercase();
            }
            headers.append(k.clone(), v);
        }
    }
    let body = case["body"]
        .as_str()
        .map(|b| Body::from_parts(b.as_bytes().to_vec(), false, b.len() as u64))
        .unwrap_or_else(Body::empty);
    Request {
        method: case["method"].as_str().unwrap_or("GET").to_string(),
        scheme: "http".into(),
        host,
        port: None,
        path: if path.is_empty() { "/".into() } else { path },
        query,
        version: case["version"].as_str().unwrap_or("HTTP/1.1").to_string(),
        headers,
        body,
    }
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

fn read_har(har: &Path) -> Vec<Request> {
    let mut reqs = Vec::new();
    lampyr_ingest::read_path(
        har,
        lampyr_ingest::Format::Har,
        &lampyr_ingest::ReadOptions::default(),
        |item| {
            if let lampyr_ingest::Item::Exchange(ex) = item {
                reqs.push(ex.request);
            }
            std::ops::ControlFlow::Continue(())
        },
    )
    .expect("readable HAR");
    reqs
}
