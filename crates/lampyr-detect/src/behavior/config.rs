//! [`BehaviorConfig`]: every threshold, window and memory cap of the behaviour detectors.
//!
//! Defaults are tuned to be general: they are counts and ratios that normal people, shared
//! NAT addresses, pollers and service accounts stay well below on any API, not values fitted
//! to one deployment. Peer-relative thresholds ("k times what other actors do on this
//! endpoint") adapt to the traffic; the absolute floors only stop them firing on tiny peers.

use serde::{Deserialize, Serialize};

/// Behaviour-detection settings (`detect.behavior` in the config file).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct BehaviorConfig {
    /// Keys (actors, accounts, tokens, endpoints) each detector tracks; least recently seen
    /// ones are evicted beyond this.
    pub max_tracked: usize,
    /// Open cases (findings being built) kept; new ones are dropped (and counted) beyond this.
    pub max_cases: usize,
    /// Exchanges a finding cites: the one that fired it and the actor's relevant ones after.
    pub max_cited: usize,
    /// Distinct values (ids, accounts, paths, networks) remembered per key and window.
    pub max_distinct: usize,
    /// Failed logins waiting to learn whether their account signs in soon after.
    pub max_pending_logins: usize,
    /// Actors first seen this soon after the engine started are presumed to predate it
    /// (a nightly job, a poller): their volume is judged against their own history, not
    /// their peers'. Seconds.
    pub warmup_s: u64,
    /// Own-history tolerance: a pre-existing actor's rate may reach this multiple of its
    /// earlier rate before volume rules apply to it.
    pub own_history_factor: f64,
    /// In a pre-existing actor's first window there is no history to compare with: it is
    /// exempt from volume rules up to this multiple of their thresholds (10: the grading
    /// profiles' "very serious" multiple).
    pub first_window_ceiling: f64,
    /// Peers an endpoint (or endpoint and role) needs before peer-relative thresholds apply.
    pub min_peers: u64,

    /// Window of the per-source and per-fingerprint credential-stuffing rules, seconds.
    pub login_window_s: u64,
    /// Distinct failing accounts from one address in the window that make it stuffing or
    /// spraying.
    pub stuffing_min_accounts: u32,
    /// Share of that source's login attempts that failed.
    pub stuffing_min_failure_ratio: f64,
    /// Distinct failing accounts from one client fingerprint (endpoint + user agent).
    pub fingerprint_min_accounts: u32,
    /// Distinct addresses of that fingerprint among its failures.
    pub fingerprint_min_ips: u32,
    /// Share of the fingerprint's attempts that failed.
    pub fingerprint_min_failure_ratio: f64,
    /// A failed login whose account has not signed in this many seconds later is "orphan"
    /// (people who mistype sign in soon after; stuffing lists never do).
    pub orphan_delay_s: u64,
    /// Window over which orphan failures of one login endpoint are counted, seconds.
    pub orphan_window_s: u64,
    /// Distinct orphan accounts on one endpoint in the window that make distributed stuffing.
    pub orphan_min_accounts: u32,
    /// Orphan accounts as a share of orphans plus successful logins on that endpoint.
    pub orphan_min_share: f64,
    /// Window of brute force on one account (long: low-and-slow guessing), seconds.
    pub brute_window_s: u64,
    /// Failed logins on one account, without a success in between, that make brute force.
    pub brute_min_failures: u32,

    /// Window of object-id enumeration, seconds.
    pub bola_window_s: u64,
    /// Distinct object ids of one templated endpoint by one actor in the window.
    pub bola_min_ids: u32,
    /// Share of those requests answered 403/404/410.
    pub bola_min_denied_ratio: f64,
    /// Distinct ids per request (retry loops repeat one id).
    pub bola_min_distinct_ratio: f64,
    /// Window of the breadth rule (many objects, mostly allowed), seconds.
    pub bola_breadth_window_s: u64,
    /// Floor of distinct ids for the breadth rule.
    pub bola_breadth_min_ids: u32,
    /// Multiple of the peers' 90th percentile of distinct ids for the breadth rule.
    pub bola_breadth_peer_factor: f64,

    /// Window of the scraping rule, seconds.
    pub scraping_window_s: u64,
    /// Floor of list pages per actor and endpoint in the window.
    pub scraping_min_pages: u32,
    /// Multiple of the peers' 90th percentile of pages per actor.
    pub scraping_peer_factor: f64,

    /// Window of the bulk-leak rule, seconds.
    pub leak_window_s: u64,
    /// Short window: a pace that would cross the threshold within `leak_window_s`.
    pub leak_fast_window_s: u64,
    /// Serious-leak threshold (records) when the event carries none from the grading profile.
    pub leak_default_serious: u64,
    /// Scale applied to every grading threshold (0.5 alerts at half the legal threshold).
    pub leak_scale: f64,

    /// Window of the scanner rule, seconds.
    pub scanner_window_s: u64,
    /// Distinct unrouted paths (404/405 outside any endpoint) per actor in the window.
    pub scanner_min_paths: u32,
    /// Share of the actor's requests in the window that missed.
    pub scanner_min_miss_ratio: f64,
    /// Distinct well-known probe paths (`/.git`, `/.env`, `/wp-admin`...) that alone make a
    /// scanner.
    pub scanner_min_probes: u32,

    /// Window of token sharing, seconds (about a token's lifetime).
    pub token_window_s: u64,
    /// Distinct networks (IPv4 /24, IPv6 /48) using one token in the window: carrier NAT
    /// rotates within one /24 and a phone switching Wi-Fi to mobile gives two.
    pub token_min_networks: u32,

    /// Window of the rate rule, seconds.
    pub rate_window_s: u64,
    /// Floor of requests per actor and endpoint in the window.
    pub rate_min_requests: u32,
    /// Multiple of the peers' 90th percentile of per-actor requests in the window.
    pub rate_peer_factor: f64,
}

impl Default for BehaviorConfig {
    fn default() -> Self {
        Self {
            max_tracked: 200_000,
            max_cases: 50_000,
            max_cited: 200,
            max_distinct: 512,
            max_pending_logins: 200_000,
            warmup_s: 600,
            own_history_factor: 3.0,
            first_window_ceiling: 10.0,
            min_peers: 20,

            login_window_s: 1800,
            stuffing_min_accounts: 10,
            stuffing_min_failure_ratio: 0.5,
            fingerprint_min_accounts: 20,
            fingerprint_min_ips: 5,
            fingerprint_min_failure_ratio: 0.8,
            orphan_delay_s: 600,
            orphan_window_s: 3600,
            orphan_min_accounts: 20,
            orphan_min_share: 0.2,
            brute_window_s: 3 * 3600,
            brute_min_failures: 10,

            bola_window_s: 1800,
            bola_min_ids: 15,
            bola_min_denied_ratio: 0.5,
            bola_min_distinct_ratio: 0.7,
            bola_breadth_window_s: 2 * 3600,
            bola_breadth_min_ids: 25,
            bola_breadth_peer_factor: 5.0,

            scraping_window_s: 3600,
            scraping_min_pages: 30,
            scraping_peer_factor: 5.0,

            leak_window_s: 3600,
            leak_fast_window_s: 600,
            leak_default_serious: 5000,
            leak_scale: 1.0,

            scanner_window_s: 3600,
            scanner_min_paths: 20,
            scanner_min_miss_ratio: 0.5,
            scanner_min_probes: 3,

            token_window_s: 2 * 3600,
            token_min_networks: 4,

            rate_window_s: 600,
            rate_min_requests: 120,
            rate_peer_factor: 10.0,
        }
    }
}

/// Seconds to microseconds, saturating.
pub(crate) fn us(s: u64) -> i64 {
    i64::try_from(s.saturating_mul(1_000_000)).unwrap_or(i64::MAX / 4)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn config_parses_partial_and_rejects_unknown_fields() {
        let c: BehaviorConfig = serde_json::from_str(r#"{"brute_min_failures": 5}"#).unwrap();
        assert_eq!(c.brute_min_failures, 5);
        assert_eq!(
            c.token_min_networks,
            BehaviorConfig::default().token_min_networks
        );
        let err = serde_json::from_str::<BehaviorConfig>(r#"{"brute_min_failure": 5}"#);
        assert!(err.unwrap_err().to_string().contains("unknown field"));
    }
}
