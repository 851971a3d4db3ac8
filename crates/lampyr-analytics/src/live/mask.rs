//! Masking of stored exchange samples: the console shows evidence, never clear personal data
//! or credentials.
//!
//! Every value the classifier recognises (query values, JSON string leaves, free text) is
//! masked with its type's display convention; credential headers are redacted whatever they
//! hold; bodies that are neither JSON nor text are dropped (their length is kept).

use std::ops::Range;

use lampyr_classify::mask::{mask_spans, MaskStrategy, REDACTED};
use lampyr_classify::{Classifier, SensitiveType};
use lampyr_core::{Body, Exchange, Headers};

/// Largest body masked and kept; larger ones are cut to this before masking.
const MAX_KEPT_BODY: usize = 64 * 1024;
/// Deepest JSON nesting walked; deeper bodies are dropped.
const MAX_DEPTH: usize = 64;
/// Most JSON leaves classified per body; later leaves are redacted unseen.
const MAX_LEAVES: usize = 5_000;

/// Headers whose values are credentials or sessions: always redacted.
const SECRET_HEADERS: &[&str] = &[
    "authorization",
    "proxy-authorization",
    "cookie",
    "set-cookie",
    "x-api-key",
    "api-key",
    "x-auth-token",
    "x-lampyr-signature",
];

/// A copy of `ex` fit for storage: sensitive values masked, credentials redacted.
pub fn masked_exchange(c: &mut Classifier, ex: &Exchange) -> Exchange {
    let mut out = ex.clone();
    out.request.headers = mask_headers(c, &ex.request.headers);
    out.request.query = ex.request.query.as_deref().map(|q| mask_query(c, q));
    out.request.body = mask_body(c, &ex.request.body);
    if let (Some(resp), Some(src)) = (out.response.as_mut(), ex.response.as_ref()) {
        resp.headers = mask_headers(c, &src.headers);
        resp.body = mask_body(c, &src.body);
    }
    out
}

fn mask_headers(c: &mut Classifier, headers: &Headers) -> Headers {
    let mut out = Headers::new();
    for (name, value) in headers.iter() {
        let lower = name.to_ascii_lowercase();
        let v = if SECRET_HEADERS.contains(&lower.as_str()) {
            match value.split_once(' ') {
                Some((scheme, _)) if lower.ends_with("authorization") => {
                    format!("{scheme} {REDACTED}")
                }
                _ => REDACTED.to_string(),
            }
        } else {
            mask_text(c, &lower, "", value)
        };
        out.append(name, v);
    }
    out
}

fn mask_query(c: &mut Classifier, query: &str) -> String {
    query
        .split('&')
        .map(|pair| match pair.split_once('=') {
            Some((k, v)) => {
                let decoded = percent_decode(v);
                let masked = mask_text(c, k, "", &decoded);
                if masked == decoded {
                    pair.to_string()
                } else {
                    format!("{k}={}", percent_encode(&masked))
                }
            }
            None => pair.to_string(),
        })
        .collect::<Vec<_>>()
        .join("&")
}

fn mask_body(c: &mut Classifier, body: &Body) -> Body {
    if body.is_empty() {
        return body.clone();
    }
    let bytes = &body.bytes()[..body.len().min(MAX_KEPT_BODY)];
    let cut = bytes.len() < body.len() || body.truncated();
    let kept = match std::str::from_utf8(bytes) {
        Ok(text) => match serde_json::from_str::<serde_json::Value>(text) {
            Ok(mut v) => {
                let mut budget = MAX_LEAVES;
                if mask_json(c, &mut v, "", "", 0, &mut budget) {
                    serde_json::to_vec(&v).unwrap_or_default()
                } else {
                    Vec::new()
                }
            }
            Err(_) => mask_text(c, "", "", text).into_bytes(),
        },
        Err(_) => Vec::new(),
    };
    Body::from_parts(kept, cut, body.original_len())
}

/// Masks string leaves in place; false when the value is too deep to walk.
fn mask_json(
    c: &mut Classifier,
    v: &mut serde_json::Value,
    key: &str,
    parent: &str,
    depth: usize,
    budget: &mut usize,
) -> bool {
    if depth > MAX_DEPTH {
        return false;
    }
    match v {
        serde_json::Value::String(s) => {
            if *budget == 0 {
                *s = REDACTED.to_string();
            } else {
                *budget -= 1;
                *s = mask_text(c, key, parent, s);
            }
            true
        }
        serde_json::Value::Number(n) => {
            let text = n.to_string();
            if text.len() >= 6 && *budget > 0 {
                *budget -= 1;
                let masked = mask_text(c, key, parent, &text);
                if masked != text {
                    *v = serde_json::Value::String(masked);
                }
            }
            true
        }
        serde_json::Value::Array(items) => items
            .iter_mut()
            .all(|item| mask_json(c, item, key, parent, depth + 1, budget)),
        serde_json::Value::Object(map) => {
            let parent = key.to_string();
            map.iter_mut()
                .all(|(k, item)| mask_json(c, item, k, &parent, depth + 1, budget))
        }
        _ => true,
    }
}

fn mask_text(c: &mut Classifier, key: &str, parent: &str, value: &str) -> String {
    if value.is_empty() {
        return String::new();
    }
    let found = c.classify_value(key, parent, value);
    if found.is_empty() {
        return value.to_string();
    }
    let spans: Vec<(Range<usize>, SensitiveType)> = found
        .iter()
        .map(|d| (d.start as usize..d.end as usize, d.ty))
        .collect();
    mask_spans(value, &spans, &MaskStrategy::Default, b"")
}

fn percent_decode(s: &str) -> String {
    let plus = s.replace('+', " ");
    percent_encoding::percent_decode_str(&plus)
        .decode_utf8_lossy()
        .into_owned()
}

fn percent_encode(s: &str) -> String {
    percent_encoding::utf8_percent_encode(s, percent_encoding::NON_ALPHANUMERIC).to_string()
}
