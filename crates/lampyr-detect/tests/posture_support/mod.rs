//! Builders for realistic exchanges in the posture tests.
#![allow(dead_code)]

use lampyr_classify::{Classifier, ClassifyOptions, ExchangeScan};
use lampyr_core::{Body, Exchange, Headers, Request, Response};
use lampyr_detect::posture::{self, PostureHit};

/// An exchange from a URL, request headers and body, status, response headers and body.
pub fn exchange(
    method: &str,
    url: &str,
    req_headers: &[(&str, &str)],
    req_body: &str,
    status: u16,
    resp_headers: &[(&str, &str)],
    resp_body: &str,
) -> Exchange {
    let (scheme, rest) = url.split_once("://").expect("absolute URL");
    let (host, path_q) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, "/"),
    };
    let (path, query) = match path_q.split_once('?') {
        Some((p, q)) => (p.to_string(), Some(q.to_string())),
        None => (path_q.to_string(), None),
    };
    let mut rh = Headers::new();
    for (k, v) in req_headers {
        rh.append(*k, *v);
    }
    let mut sh = Headers::new();
    for (k, v) in resp_headers {
        sh.append(*k, *v);
    }
    Exchange {
        request: Request {
            method: method.into(),
            scheme: scheme.into(),
            host: host.split(':').next().unwrap().into(),
            path,
            query,
            headers: rh,
            body: Body::from_parts(req_body.as_bytes().to_vec(), false, req_body.len() as u64),
            ..Request::default()
        },
        response: Some(Response {
            status,
            version: "HTTP/1.1".into(),
            headers: sh,
            body: Body::from_parts(resp_body.as_bytes().to_vec(), false, resp_body.len() as u64),
        }),
        ..Exchange::default()
    }
}

/// A GET with a JSON response.
pub fn get_json(url: &str, req_headers: &[(&str, &str)], status: u16, body: &str) -> Exchange {
    exchange(
        "GET",
        url,
        req_headers,
        "",
        status,
        &[("Content-Type", "application/json")],
        body,
    )
}

/// The classifier's scan of an exchange.
pub fn scan(ex: &Exchange) -> ExchangeScan {
    Classifier::new(&ClassifyOptions::default()).scan(ex)
}

/// Posture hits with the scan, default settings.
pub fn hits(ex: &Exchange) -> Vec<PostureHit> {
    posture::check_exchange(ex, Some(&scan(ex)))
}

/// Rule ids of the hits, sorted.
pub fn rules(ex: &Exchange) -> Vec<String> {
    let mut r: Vec<String> = hits(ex).into_iter().map(|h| h.rule).collect();
    r.sort();
    r
}

/// Hits whose rule starts with `prefix`.
pub fn with_prefix(ex: &Exchange, prefix: &str) -> Vec<PostureHit> {
    hits(ex)
        .into_iter()
        .filter(|h| h.rule.starts_with(prefix))
        .collect()
}

/// A compact JWS from JSON texts (the signature as given).
pub fn jwt(header: &str, payload: &str, sig: &str) -> String {
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use base64::Engine;
    format!(
        "{}.{}.{}",
        URL_SAFE_NO_PAD.encode(header),
        URL_SAFE_NO_PAD.encode(payload),
        sig
    )
}
