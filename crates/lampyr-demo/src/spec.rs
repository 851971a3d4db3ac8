//! The gateway configuration of the demo: the hospital as an upstream, its routes, and one
//! API-key consumer per client application.
//!
//! Inspection runs in `monitor` mode so the simulated attacks reach the upstream and the
//! analytics (a blocked attack would still be recorded, but the demo should show what an
//! attack *does*, e.g. the verbose SQL error). The per-consumer rate limit (300 requests/s,
//! burst 1000) is far above what the simulated applications send, even in fast mode.

use std::net::SocketAddr;

use lampyr_spec::{
    ActiveHealthSpec, AuthMethod, Balance, ConsumerSpec, CredentialKind, CredentialSpec,
    GatewaySpec, InspectMode, InspectSpec, IssuedKey, PassiveHealthSpec, PathMatch, RateLimitKey,
    RateLimitSpec, RouteSpec, TargetSpec, UpstreamSpec,
};

/// The hospital's web portal, used by staff (doctors) from the hospital network.
pub const WEB_PORTAL: &str = "web-portal";
/// The patients' mobile app.
pub const MOBILE_APP: &str = "mobile-app";
/// The partner laboratory's integration.
pub const PARTNER_LAB: &str = "partner-lab";
/// An insurance partner's integration (the scraper of the demo).
pub const PARTNER_INSURER: &str = "partner-insurer";
/// Every demo consumer, in the order [`demo_gateway`] returns their clients.
pub const CONSUMERS: [&str; 4] = [WEB_PORTAL, MOBILE_APP, PARTNER_LAB, PARTNER_INSURER];
/// Group every demo consumer belongs to; the API route admits it.
pub const GROUP: &str = "hospital-apps";
/// Name of the upstream.
pub const UPSTREAM: &str = "hospital";
/// The `Host` the simulator sends (discovery groups endpoints by host).
pub const HOST: &str = "his.hospital.example";
/// The header the gateway reads API keys from.
pub const API_KEY_HEADER: &str = "x-api-key";

/// A client application of the demo: its consumer name and its clear API key, for the
/// simulator. `Debug` never shows the key.
#[derive(Clone, PartialEq, Eq)]
pub struct DemoClient {
    /// Consumer name (one of [`CONSUMERS`]).
    pub consumer: String,
    /// The key, sent as `X-API-Key`.
    pub api_key: String,
}

impl std::fmt::Debug for DemoClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DemoClient")
            .field("consumer", &self.consumer)
            .field("api_key", &"<redacted>")
            .finish()
    }
}

/// The demo's upstream, routes and consumers for a hospital listening on `upstream`, each
/// consumer with one API key from `mint` (the caller's key issuer, so only the stored form
/// enters the spec). Listeners, limits, mirror and access log keep their defaults: the caller
/// sets the listener. Returns the spec part and the clients (clear keys) for the simulator.
pub fn demo_gateway(
    upstream: SocketAddr,
    mint: &mut dyn FnMut() -> IssuedKey,
) -> (GatewaySpec, Vec<DemoClient>) {
    let mut clients = Vec::new();
    let consumers = CONSUMERS
        .iter()
        .map(|name| {
            let key = mint();
            clients.push(DemoClient {
                consumer: (*name).to_string(),
                api_key: key.key,
            });
            ConsumerSpec {
                name: (*name).to_string(),
                groups: vec![GROUP.to_string()],
                tags: vec!["demo".to_string()],
                scopes: Vec::new(),
                disabled: false,
                credentials: vec![CredentialSpec {
                    id: Some(format!("{name}-key")),
                    expires_at: None,
                    revoked: false,
                    kind: CredentialKind::ApiKey {
                        key_env: None,
                        key_file: None,
                        prefix: Some(key.prefix),
                        hash: Some(key.hash),
                    },
                }],
            }
        })
        .collect();
    let route = |name: &str, paths: &[&str], path_match, auth: Vec<AuthMethod>| RouteSpec {
        name: name.to_string(),
        hosts: Vec::new(),
        paths: paths.iter().map(|p| p.to_string()).collect(),
        path_match,
        methods: Vec::new(),
        headers: Default::default(),
        upstream: UPSTREAM.to_string(),
        strip_prefix: false,
        allow_groups: if auth.is_empty() {
            Vec::new()
        } else {
            vec![GROUP.to_string()]
        },
        auth,
        allow_consumers: Vec::new(),
        scopes: Vec::new(),
        policies: Vec::new(),
        rate_limits: Vec::new(),
        inspect: InspectSpec {
            mode: InspectMode::Monitor,
            paranoia: None,
        },
        mask: None,
        mirror: true,
    };
    let mut api = route(
        "hospital-api",
        &["/api/"],
        PathMatch::Prefix,
        vec![AuthMethod::ApiKey],
    );
    api.rate_limits = vec![RateLimitSpec {
        key: RateLimitKey::Consumer,
        requests: 300,
        per_secs: 1,
        burst: Some(1000),
    }];
    let health = route(
        "hospital-health",
        &["/api/v1/health"],
        PathMatch::Exact,
        Vec::new(),
    );
    let spec = GatewaySpec {
        upstreams: vec![UpstreamSpec {
            name: UPSTREAM.to_string(),
            targets: vec![TargetSpec {
                address: upstream.to_string(),
                weight: 1,
            }],
            balance: Balance::RoundRobin,
            tls: false,
            tls_ca: None,
            http2: false,
            host: None,
            health: Some(ActiveHealthSpec {
                path: "/api/v1/health".to_string(),
                interval_ms: 5_000,
                timeout_ms: 1_000,
                healthy_threshold: 2,
                unhealthy_threshold: 2,
                expect_status: Vec::new(),
            }),
            passive: PassiveHealthSpec::default(),
            connect_timeout_ms: 2_000,
            read_timeout_ms: 10_000,
            total_timeout_ms: 30_000,
            retries: 1,
        }],
        routes: vec![api, health],
        consumers,
        ..GatewaySpec::default()
    };
    (spec, clients)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fake_mint() -> impl FnMut() -> IssuedKey {
        let mut n = 0u8;
        move || {
            n += 1;
            IssuedKey {
                key: format!("lpk_demo000{n}_secretsecretsecretsecretsecret00"),
                prefix: format!("lpk_demo000{n}"),
                hash: format!("{n:02x}").repeat(32),
            }
        }
    }

    #[test]
    fn the_demo_spec_validates_and_every_consumer_gets_its_own_key() {
        let mut mint = fake_mint();
        let (spec, clients) = demo_gateway("127.0.0.1:9".parse().unwrap(), &mut mint);
        assert_eq!(lampyr_spec::validate(&spec, "gateway"), Vec::new());
        let names: Vec<&str> = clients.iter().map(|c| c.consumer.as_str()).collect();
        assert_eq!(names, CONSUMERS);
        assert_eq!(spec.consumers.len(), 4);
        let api = &spec.routes[0];
        assert_eq!(api.inspect.mode, InspectMode::Monitor);
        assert_eq!(api.auth, vec![AuthMethod::ApiKey]);
        assert!(spec.consumers.iter().all(|c| c.groups == [GROUP]));
        // Only the stored form of the keys is in the spec.
        let text = serde_json::to_string(&spec).unwrap();
        assert!(clients.iter().all(|c| !text.contains(&c.api_key)));
        assert!(!format!("{:?}", clients[0]).contains(&clients[0].api_key));
    }
}
