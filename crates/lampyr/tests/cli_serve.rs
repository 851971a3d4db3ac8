//! The gateway from the binary: `lampyr config check` lists every gateway error at once, and
//! `lampyr serve` proxies, authenticates, logs without secrets, serves `/metrics` to the admin
//! token only, and exits cleanly on SIGTERM.

#[macro_use]
mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use common::*;

const KEY: &str = "lpk_clitest1_0123456789abcdefghijklmnopqrstuv";
const TOKEN: &str = "cli-admin-token-0123456789";

#[test]
fn config_check_lists_every_gateway_error_with_its_path() {
    let dir = TempDir::new("gwcheck");
    let file = dir.write(
        "lampyr.yaml",
        r#"version: 1
serve:
  admin: {address: "not-an-address"}
  mirror_file: ./mirror.jsonl
  analytics: {flush_ms: 5, max_size: 0, extra: 1}
  console: {admin_user: ""}
gateway:
  listeners: [{name: main, address: "127.0.0.1:0"}]
  upstreams: [{name: app, targets: []}]
  routes:
    - {name: a, upstream: missing}
    - {name: b, upstream: app, upstrem: typo}
    - {name: c, upstream: app, auth: [api_key], rate_limits: [{key: ip, requests: 0}]}
  consumers:
    - {name: acme, credentials: [{type: api_key}]}
"#,
    );
    let run = lampyr!("config", "check", file);
    assert_eq!(run.code, 3, "{}", run.stderr);
    for at in [
        "serve.admin.address",
        "serve.mirror_file",
        "serve.analytics.flush_ms",
        "serve.analytics.max_size",
        "serve.analytics.extra",
        "serve.console.admin_user",
        "gateway.upstreams[0].targets",
        "gateway.routes[0].upstream",
        "gateway.routes[1]",
        "gateway.routes[2].rate_limits[0]",
        "gateway.consumers[0].credentials[0]",
    ] {
        assert!(run.stderr.contains(at), "missing {at} in:\n{}", run.stderr);
    }
    assert!(run.stderr.contains("upstrem"), "{}", run.stderr);
}

#[test]
fn config_check_builds_the_gateway_to_find_missing_files_and_secrets() {
    let dir = TempDir::new("gwbuild");
    let file = dir.write(
        "lampyr.yaml",
        r#"version: 1
gateway:
  listeners:
    - {name: tls, address: "127.0.0.1:0", tls: {certificates: [main]}}
  certificates: [{name: main, cert: /nonexistent/cert.pem, key: /nonexistent/key.pem}]
  upstreams: [{name: app, targets: [{address: "127.0.0.1:9"}]}]
  routes: [{name: a, upstream: app, auth: [api_key], allow_consumers: [acme]}]
  consumers:
    - {name: acme, credentials: [{type: api_key, key_env: LAMPYR_SURELY_UNSET_KEY_VAR}]}
"#,
    );
    let run = lampyr!("config", "check", file);
    assert_eq!(run.code, 3, "{}", run.stderr);
    assert!(
        run.stderr.contains("/nonexistent/cert.pem"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("LAMPYR_SURELY_UNSET_KEY_VAR"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("gateway.consumers[0].credentials[0]"),
        "{}",
        run.stderr
    );
}

/// A one-answer-per-request HTTP/1.1 upstream on a thread.
fn upstream() -> SocketAddr {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = l.local_addr().unwrap();
    std::thread::spawn(move || {
        for stream in l.incoming() {
            let Ok(mut s) = stream else { return };
            std::thread::spawn(move || {
                let mut buf = Vec::new();
                let mut chunk = [0u8; 4096];
                loop {
                    let Ok(n) = s.read(&mut chunk) else { return };
                    if n == 0 {
                        return;
                    }
                    buf.extend_from_slice(&chunk[..n]);
                    while let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                        buf.drain(..end + 4);
                        let body = br#"{"ok":true}"#;
                        let head = format!(
                            "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n",
                            body.len()
                        );
                        if s.write_all(head.as_bytes())
                            .and_then(|_| s.write_all(body))
                            .is_err()
                        {
                            return;
                        }
                    }
                }
            });
        }
    });
    addr
}

/// One request over a fresh connection; returns the raw answer.
fn http(addr: SocketAddr, head: &str) -> String {
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    s.write_all(head.as_bytes()).unwrap();
    let mut out = String::new();
    let _ = s.read_to_string(&mut out);
    out
}

struct Serve {
    child: Child,
    proxy: SocketAddr,
    admin: SocketAddr,
    stderr: mpsc::Receiver<String>,
}

fn start(config: &std::path::Path) -> Serve {
    let mut child = Command::new(env!("CARGO_BIN_EXE_lampyr"))
        .args(["serve", "--workers", "1", "-c"])
        .arg(config)
        .env("CLI_TEST_KEY", KEY)
        .env("CLI_TEST_TOKEN", TOKEN)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn lampyr serve");
    let (tx, rx) = mpsc::channel();
    let err = child.stderr.take().unwrap();
    std::thread::spawn(move || {
        for line in BufReader::new(err).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                return;
            }
        }
    });
    let (mut proxy, mut admin) = (None, None);
    while proxy.is_none() || admin.is_none() {
        let line = rx
            .recv_timeout(Duration::from_secs(60))
            .expect("serve printed its addresses");
        if let Some(a) = line.strip_prefix("proxy listener main on ") {
            proxy = Some(a.parse().unwrap());
        }
        if let Some(a) = line.strip_prefix("admin API, console and /metrics on http://") {
            admin = Some(a.parse().unwrap());
        }
    }
    Serve {
        child,
        proxy: proxy.unwrap(),
        admin: admin.unwrap(),
        stderr: rx,
    }
}

#[test]
fn serve_proxies_authenticates_and_stops_cleanly_on_sigterm() {
    let dir = TempDir::new("serve");
    let up = upstream();
    let config = dir.write(
        "lampyr.yaml",
        format!(
            r#"version: 1
serve:
  data_dir: {data}
  admin: {{address: "127.0.0.1:0", token_env: CLI_TEST_TOKEN}}
  mirror_file: {mirror}
  analytics: {{enabled: false}}
gateway:
  listeners: [{{name: main, address: "127.0.0.1:0"}}]
  upstreams: [{{name: app, targets: [{{address: "{up}"}}]}}]
  routes:
    - {{name: api, paths: [/api], upstream: app, auth: [api_key], allow_consumers: [acme],
        inspect: {{mode: block}}}}
  consumers:
    - {{name: acme, credentials: [{{type: api_key, key_env: CLI_TEST_KEY}}]}}
"#,
            data = dir.path("data").display(),
            mirror = dir.path("mirror.jsonl").display()
        ),
    );
    let serve = start(&config);

    let ok = http(
        serve.proxy,
        &format!("GET /api/x HTTP/1.1\r\nhost: t\r\nx-api-key: {KEY}\r\nconnection: close\r\n\r\n"),
    );
    assert!(ok.starts_with("HTTP/1.1 200"), "{ok}");
    assert!(ok.to_ascii_lowercase().contains("x-request-id: "), "{ok}");
    assert!(ok.ends_with(r#"{"ok":true}"#), "{ok}");
    let anon = http(
        serve.proxy,
        "GET /api/x HTTP/1.1\r\nhost: t\r\nconnection: close\r\n\r\n",
    );
    assert!(anon.starts_with("HTTP/1.1 401"), "{anon}");
    let attack = http(
        serve.proxy,
        &format!("GET /api/x?id=1%27%20union%20select%20password%20from%20users--%20 HTTP/1.1\r\nhost: t\r\nx-api-key: {KEY}\r\nconnection: close\r\n\r\n"),
    );
    assert!(attack.starts_with("HTTP/1.1 403"), "{attack}");
    assert!(attack.contains(r#""error":"blocked""#), "{attack}");

    let no_token = http(
        serve.admin,
        "GET /metrics HTTP/1.1\r\nhost: a\r\nconnection: close\r\n\r\n",
    );
    assert!(no_token.starts_with("HTTP/1.1 401"), "{no_token}");
    let metrics = http(
        serve.admin,
        &format!("GET /metrics HTTP/1.1\r\nhost: a\r\nauthorization: Bearer {TOKEN}\r\nconnection: close\r\n\r\n"),
    );
    assert!(
        metrics.contains(r#"lampyr_requests_total{route="api",status="2xx"} 1"#),
        "{metrics}"
    );
    assert!(
        metrics.contains(r#"lampyr_attacks_total{route="api"} 1"#),
        "{metrics}"
    );

    // SIGTERM: a clean exit 0 after draining.
    let pid = serve.child.id().to_string();
    assert!(Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .unwrap()
        .success());
    let (tx, rx) = mpsc::channel();
    let mut child = serve.child;
    std::thread::spawn(move || {
        let status = child.wait();
        let mut out = String::new();
        if let Some(mut o) = child.stdout.take() {
            let _ = o.read_to_string(&mut out);
        }
        let _ = tx.send((status, out));
    });
    let (status, stdout) = rx
        .recv_timeout(Duration::from_secs(60))
        .expect("serve exits after SIGTERM");
    assert_eq!(status.unwrap().code(), Some(0));
    let lines: Vec<String> = serve.stderr.try_iter().collect();
    assert!(
        lines.iter().any(|l| l.contains("shutting down")),
        "{lines:?}"
    );

    // The access log (stdout by default) has one JSON line per request and no secret.
    let log: Vec<serde_json::Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(log.len(), 3, "{stdout}");
    assert_eq!(log[0]["status"], 200);
    assert_eq!(log[0]["consumer"], "acme");
    assert_eq!(log[2]["refused"], "inspect");
    assert_eq!(log[2]["query_params"][0], "id");
    assert!(
        !stdout.contains(KEY) && !stdout.contains("password"),
        "{stdout}"
    );

    // The mirror is Exchange JSON Lines that `lampyr analyze` reads: the endpoint is
    // discovered, the blocked request is a finding, and the API key never reached the file.
    let mirror = std::fs::read_to_string(dir.path("mirror.jsonl")).unwrap();
    assert_eq!(mirror.lines().count(), 3, "{mirror}");
    assert!(!mirror.contains(KEY), "{mirror}");
    let report = analyze(&[&dir.path("mirror.jsonl")], &[]);
    let ep = find(&report, "GET", "/api/x");
    assert_eq!(ep["hits"], 3, "{ep}");
    let findings = report["findings"].as_array().unwrap();
    assert!(
        findings.iter().any(|f| f["category"] == "attack.sqli"),
        "{findings:?}"
    );
}

/// A config with the streaming analytics flushing every 100 ms, the console password and admin
/// token from `CLI_TEST_TOKEN`, one listener, one upstream and `routes` (a YAML flow list).
fn analytics_config(dir: &TempDir, up: SocketAddr, routes: &str) -> std::path::PathBuf {
    dir.write(
        "lampyr.yaml",
        format!(
            r#"version: 1
serve:
  data_dir: {data}
  admin: {{address: "127.0.0.1:0", token_env: CLI_TEST_TOKEN}}
  analytics: {{flush_ms: 100}}
  console: {{admin_password_env: CLI_TEST_TOKEN}}
gateway:
  listeners: [{{name: main, address: "127.0.0.1:0"}}]
  upstreams: [{{name: app, targets: [{{address: "{up}"}}]}}]
  routes: {routes}
  access_log: {{target: "off"}}
"#,
            data = dir.path("data").display(),
        ),
    )
}

/// The JSON body of an HTTP answer (after the blank line).
fn json_of(answer: &str) -> serde_json::Value {
    let body = answer.split_once("\r\n\r\n").map_or("", |(_, b)| b);
    serde_json::from_str(body).unwrap_or(serde_json::Value::Null)
}

fn admin_get(admin: SocketAddr, path: &str) -> serde_json::Value {
    json_of(&http(
        admin,
        &format!(
            "GET {path} HTTP/1.1\r\nhost: a\r\nauthorization: Bearer {TOKEN}\r\nconnection: close\r\n\r\n"
        ),
    ))
}

fn admin_post(admin: SocketAddr, path: &str, body: &str) -> serde_json::Value {
    json_of(&http(
        admin,
        &format!(
            "POST {path} HTTP/1.1\r\nhost: a\r\nauthorization: Bearer {TOKEN}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
            body.len()
        ),
    ))
}

/// Polls `check` until it holds or 60 s pass (the pipeline flushes every 100 ms here).
fn eventually(what: &str, mut check: impl FnMut() -> bool) {
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    while !check() {
        assert!(
            std::time::Instant::now() < deadline,
            "timed out waiting for {what}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn a_killed_serve_restarts_with_inventory_incidents_and_keys_intact() {
    let dir = TempDir::new("killed");
    let config = analytics_config(
        &dir,
        upstream(),
        r#"[{name: api, paths: [/api], upstream: app, auth: [api_key], allow_groups: [partners]}]"#,
    );
    let serve = start(&config);
    // A consumer and a key made through the admin API live only in the store.
    admin_post(
        serve.admin,
        "/admin/v1/consumers",
        r#"{"name":"acme","groups":["partners"]}"#,
    );
    let issued = admin_post(
        serve.admin,
        "/admin/v1/consumers/acme/credentials",
        r#"{"type":"api_key"}"#,
    );
    let key = issued["key"].as_str().expect("a key").to_string();
    for i in 0..20 {
        let a = http(
            serve.proxy,
            &format!("GET /api/orders/{} HTTP/1.1\r\nhost: t\r\nx-api-key: {key}\r\nconnection: close\r\n\r\n", 7000 + i),
        );
        assert!(a.starts_with("HTTP/1.1 200"), "{a}");
    }
    let attack = http(
        serve.proxy,
        &format!("GET /api/orders/1?id=1%27%20union%20select%20password%20from%20users--%20 HTTP/1.1\r\nhost: t\r\nx-api-key: {key}\r\nconnection: close\r\n\r\n"),
    );
    assert!(attack.starts_with("HTTP/1.1 200"), "monitor mode: {attack}");
    let mut incident_id = String::new();
    eventually("the SQL injection incident in the store", || {
        let list = admin_get(serve.admin, "/admin/v1/incidents");
        let found = list["items"].as_array().and_then(|items| {
            items
                .iter()
                .find(|i| {
                    i["category"]
                        .as_str()
                        .is_some_and(|c| c.starts_with("attack.sqli"))
                })
                .cloned()
        });
        if let Some(i) = found {
            incident_id = i["id"].as_str().unwrap_or_default().to_string();
        }
        !incident_id.is_empty()
    });
    let mut hits_before = 0;
    eventually("the templated endpoint with all its hits", || {
        let inv = admin_get(serve.admin, "/admin/v1/inventory");
        hits_before = inv["items"]
            .as_array()
            .and_then(|items| {
                items.iter().find(|e| {
                    e["template"]
                        .as_str()
                        .is_some_and(|t| t.starts_with("/api/orders/{"))
                })
            })
            .and_then(|e| e["hits"].as_u64())
            .unwrap_or(0);
        hits_before == 21
    });

    // SIGKILL: no shutdown at all.
    let mut child = serve.child;
    child.kill().unwrap();
    child.wait().unwrap();

    let serve = start(&config);
    let inv = admin_get(serve.admin, "/admin/v1/inventory");
    let orders = inv["items"]
        .as_array()
        .and_then(|items| {
            items.iter().find(|e| {
                e["template"]
                    .as_str()
                    .is_some_and(|t| t.starts_with("/api/orders/{"))
            })
        })
        .cloned()
        .unwrap_or_else(|| panic!("inventory after restart: {inv}"));
    assert_eq!(orders["hits"], 21);
    let inc = admin_get(serve.admin, &format!("/admin/v1/incidents/{incident_id}"));
    assert_eq!(inc["incident"]["id"], incident_id.as_str(), "{inc}");
    let again = http(
        serve.proxy,
        &format!("GET /api/orders/1 HTTP/1.1\r\nhost: t\r\nx-api-key: {key}\r\nconnection: close\r\n\r\n"),
    );
    assert!(
        again.starts_with("HTTP/1.1 200"),
        "the key survived: {again}"
    );
    let mut child = serve.child;
    child.kill().unwrap();
    child.wait().unwrap();
}

#[test]
fn lampyr_ingest_sends_a_file_to_a_running_serve() {
    let dir = TempDir::new("ingest");
    let config = analytics_config(
        &dir,
        upstream(),
        r#"[{name: api, paths: [/api], upstream: app}]"#,
    );
    let mut lines = String::new();
    for i in 0..5 {
        lines.push_str(&format!(
            r#"{{"v":1,"request":{{"method":"GET","url":"http://shop.example/v2/carts/{}"}},"response":{{"status":200}},"started":"2026-12-01T10:00:0{i}Z"}}"#,
            900 + i
        ));
        lines.push('\n');
    }
    lines.push_str("not json at all\n");
    let file = dir.write("carts.jsonl", lines);
    let serve = start(&config);
    let server = format!("http://{}", serve.admin);
    let run = std::process::Command::new(env!("CARGO_BIN_EXE_lampyr"))
        .args([
            "ingest",
            "--token-env",
            "CLI_TEST_TOKEN",
            "--server",
            &server,
        ])
        .arg(&file)
        .env("CLI_TEST_TOKEN", TOKEN)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&run.stdout);
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert_eq!(
        run.status.code(),
        Some(4),
        "one line was bad: {stdout}{stderr}"
    );
    assert!(stdout.contains("5 exchange(s) accepted"), "{stdout}");
    assert!(stderr.contains("line 6"), "the bad line is named: {stderr}");
    eventually("the ingested endpoint in the inventory", || {
        let inv = admin_get(serve.admin, "/admin/v1/inventory");
        inv["items"].as_array().is_some_and(|items| {
            items.iter().any(|e| {
                e["host"] == "shop.example"
                    && e["template"]
                        .as_str()
                        .is_some_and(|t| t.starts_with("/v2/carts/{"))
                    && e["hits"] == 5
            })
        })
    });
    let bad_token = std::process::Command::new(env!("CARGO_BIN_EXE_lampyr"))
        .args(["ingest", "--token-env", "WRONG_TOKEN", "--server", &server])
        .arg(&file)
        .env("WRONG_TOKEN", "nope")
        .output()
        .unwrap();
    assert_eq!(bad_token.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&bad_token.stderr).contains("401"),
        "{}",
        String::from_utf8_lossy(&bad_token.stderr)
    );
    let mut child = serve.child;
    child.kill().unwrap();
    child.wait().unwrap();
}
