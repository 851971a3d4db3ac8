use super::*;

fn parse(yaml: &str) -> GatewaySpec {
    serde_yaml::from_str(yaml).expect("spec parses")
}

fn ats(spec: &GatewaySpec) -> Vec<String> {
    validate(spec, "gateway")
        .into_iter()
        .map(|e| e.at)
        .collect()
}

const GOOD: &str = r#"
listeners: [{name: main, address: "127.0.0.1:0"}]
upstreams:
  - name: users
    targets: [{address: "127.0.0.1:8080", weight: 3}, {address: "[::1]:8081"}]
    balance: {policy: consistent_hash, key: "header:x-user"}
    health: {path: /health, interval_ms: 1000}
routes:
  - name: users
    paths: ["/users/{id}"]
    path_match: template
    upstream: users
    auth: [api_key, hmac]
    allow_groups: [partners]
    rate_limits: [{key: consumer, requests: 10}]
    inspect: {mode: block, paranoia: 2}
consumers:
  - name: acme
    groups: [partners]
    credentials:
      - {type: api_key, key_env: ACME_KEY, expires_at: 1900000000}
      - {type: hmac, access_key: AK1, secret_env: ACME_SECRET}
      - {type: mtls, fingerprint: "AB:CD:ef:01:23:45:67:89:ab:cd:ef:01:23:45:67:89:ab:cd:ef:01:23:45:67:89:ab:cd:ef:01:23:45:67:89"}
policies:
  - {name: office, allow_cidrs: ["10.0.0.0/8"], time_window: "22:00-06:00", days: [mon, fri]}
"#;

#[test]
fn a_complete_valid_spec_has_no_errors() {
    let spec = parse(GOOD);
    assert_eq!(validate(&spec, "gateway"), vec![]);
    assert_eq!(
        spec.consumers[0].credentials[0].expires_at,
        Some(1_900_000_000)
    );
}

#[test]
fn every_problem_is_reported_with_its_path() {
    let spec = parse(
        r#"
listeners:
  - {name: a, address: "nowhere"}
  - {name: a, address: "127.0.0.1:80", tls: {certificates: [missing], client_auth: required}}
upstreams:
  - {name: u, targets: [], balance: {policy: consistent_hash, key: cookie}, connect_timeout_ms: 0}
routes:
  - {name: r, upstream: nope, policies: [p], allow_consumers: [ghost], strip_prefix: true, path_match: exact, auth: [jwt]}
  - {name: s, upstream: u, scopes: [x], rate_limits: [{key: ip, requests: 0}], inspect: {paranoia: 7}}
consumers:
  - name: c
    credentials:
      - {type: api_key}
      - {type: basic, username: "a:b", password_hash: plain}
      - {type: mtls, fingerprint: "zz"}
      - {type: jwt, issuer: other, subject: s}
policies:
  - {name: p2, time_window: "25:00-01:00", days: [funday]}
jwt_issuers:
  - {issuer: "https://idp", algorithms: [none]}
limits: {max_headers: 0}
"#,
    );
    let got = ats(&spec);
    for want in [
        "gateway.listeners[0].address",
        "gateway.listeners[1].name",
        "gateway.listeners[1].tls.certificates[0]",
        "gateway.listeners[1].tls",
        "gateway.listeners[1].tls.client_ca",
        "gateway.upstreams[0].targets",
        "gateway.upstreams[0].balance.key",
        "gateway.upstreams[0].connect_timeout_ms",
        "gateway.routes[0].upstream",
        "gateway.routes[0].policies[0]",
        "gateway.routes[0].allow_consumers[0]",
        "gateway.routes[0].strip_prefix",
        "gateway.routes[1].auth",
        "gateway.routes[1].rate_limits[0]",
        "gateway.routes[1].inspect.paranoia",
        "gateway.consumers[0].credentials[0]",
        "gateway.consumers[0].credentials[1].username",
        "gateway.consumers[0].credentials[1].password_hash",
        "gateway.consumers[0].credentials[2].fingerprint",
        "gateway.consumers[0].credentials[3].issuer",
        "gateway.policies[0].time_window",
        "gateway.policies[0].days[0]",
        "gateway.jwt_issuers[0]",
        "gateway.jwt_issuers[0].algorithms[0]",
        "gateway.limits.max_headers",
    ] {
        assert!(got.iter().any(|a| a == want), "missing {want} in {got:#?}");
    }
}

#[test]
fn unknown_keys_are_refused_by_serde_with_their_name() {
    let err = serde_yaml::from_str::<GatewaySpec>("routes: [{name: r, upstream: u, upstrem: x}]")
        .unwrap_err()
        .to_string();
    assert!(err.contains("upstrem"), "{err}");
    let err = serde_yaml::from_str::<GatewaySpec>(
        "consumers: [{name: c, credentials: [{type: api_key, key_env: K, colour: red}]}]",
    )
    .unwrap_err()
    .to_string();
    assert!(err.contains("colour"), "{err}");
}

#[test]
fn time_windows_and_days_parse() {
    assert_eq!(parse_window("09:00-17:30"), Some((540, 1050)));
    assert_eq!(parse_window("22:00-06:00"), Some((1320, 360)));
    assert_eq!(parse_window("9:00-17:00"), None);
    assert_eq!(parse_window("09:60-10:00"), None);
    assert_eq!(day_index("Sun"), Some(6));
    assert_eq!(day_index("sunday"), None);
}

#[test]
fn trusted_proxies_must_be_addresses_or_cidrs() {
    let spec = parse(
        r#"
listeners:
  - {name: main, address: "127.0.0.1:0", trusted_proxies: ["10.0.0.0/8", "127.0.0.1", "::1", "lb.internal", "10.0.0.0/99"]}
"#,
    );
    assert_eq!(
        ats(&spec),
        vec![
            "gateway.listeners[0].trusted_proxies[3]",
            "gateway.listeners[0].trusted_proxies[4]",
        ]
    );
}
