//! Token sharing: one credential used from many networks.
//!
//! Addresses are counted by network (IPv4 /24, IPv6 /48), because carrier-grade NAT hands one
//! phone a different address of the same pool from one request to the next, and a phone that
//! moves from Wi-Fi to the mobile network legitimately shows two networks.

use std::net::IpAddr;

use serde_json::json;

use super::config::{us, BehaviorConfig};
use super::state::{fnv, DistinctWindow, Lru};
use super::{Event, Signal};
use crate::category::TOKEN_SHARING;
use crate::{Actor, Severity};

const RULE: &str = "behavior.token_sharing.networks";

#[derive(Debug)]
struct Use {
    networks: DistinctWindow,
    addresses: DistinctWindow,
    agents: DistinctWindow,
    flagged: bool,
}

/// State of the token-sharing rule.
#[derive(Debug)]
pub(crate) struct TokenDetector {
    tokens: Lru<String, Use>,
}

/// The network of an address: its /24 (IPv4) or /48 (IPv6).
pub(crate) fn network(ip: IpAddr) -> u64 {
    match ip {
        IpAddr::V4(v4) => {
            let o = v4.octets();
            fnv(&[b"4", &o[..3]])
        }
        IpAddr::V6(v6) => {
            let o = v6.octets();
            fnv(&[b"6", &o[..6]])
        }
    }
}

impl TokenDetector {
    pub fn new(cfg: &BehaviorConfig) -> Self {
        Self {
            tokens: Lru::new(cfg.max_tracked),
        }
    }

    pub fn memory(&self) -> (u64, u64) {
        (self.tokens.len() as u64, self.tokens.evicted)
    }

    pub fn observe(&mut self, ev: &Event, cfg: &BehaviorConfig, out: &mut Vec<Signal>) {
        let (Some(token), Some(ip)) = (&ev.token_id, ev.ip) else {
            return;
        };
        // A rejected token is not a use of it.
        if ev.login.is_some() || matches!(ev.status, Some(401) | None) {
            return;
        }
        let now = ev.time_us;
        let w = us(cfg.token_window_s);
        let u = self.tokens.entry(token, || Use {
            networks: DistinctWindow::new(w, 256),
            addresses: DistinctWindow::new(w, 256),
            agents: DistinctWindow::new(w, 64),
            flagged: false,
        });
        let new_net = u.networks.insert(now, network(ip));
        u.addresses.insert(now, fnv(&[ip.to_string().as_bytes()]));
        if let Some(ua) = &ev.user_agent {
            u.agents.insert(now, fnv(&[ua.as_bytes()]));
        }
        let nets = u.networks.count(now) as u64;
        let fire = nets >= u64::from(cfg.token_min_networks);
        if !(fire || u.flagged) {
            return;
        }
        let evidence = (fire && (!u.flagged || new_net)).then(|| {
            json!({
                "networks": nets,
                "addresses": u.addresses.count(now),
                "user_agents": u.agents.count(now),
                "window_s": cfg.token_window_s,
                "threshold": cfg.token_min_networks,
            })
        });
        u.flagged |= fire;
        out.push(Signal {
            rule: RULE,
            category: TOKEN_SHARING,
            severity: Severity::High,
            key: format!("token:{token}"),
            actor: Actor {
                ip: Some(ip.to_string()),
                consumer: ev.consumer.clone(),
                user: ev.user.clone(),
                token_id: Some(token.clone()),
            },
            endpoint: None,
            index: ev.index,
            time_us: now,
            evidence,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_slash_24_is_one_network() {
        let a: IpAddr = "112.97.138.1".parse().unwrap();
        let b: IpAddr = "112.97.138.250".parse().unwrap();
        let c: IpAddr = "112.97.139.1".parse().unwrap();
        assert_eq!(network(a), network(b));
        assert_ne!(network(a), network(c));
    }
}
