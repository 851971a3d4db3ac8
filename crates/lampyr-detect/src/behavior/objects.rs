//! BOLA: one actor walking many object ids of one templated endpoint.
//!
//! Two rules per (actor, endpoint): *enumeration* (many distinct ids in a window, most of them
//! denied with 403/404, few repeats — a retry loop repeats one id) and *breadth* (far more
//! distinct ids than the actor's peers read on that endpoint, even when allowed: endpoints
//! without an ownership check answer 200). Peers are the actors with the same role claim on
//! the endpoint when the token carries one (a doctor is compared with doctors), else everyone.

use serde_json::json;

use super::config::{us, BehaviorConfig};
use super::login::round3;
use super::state::{fnv, DistinctWindow, Lru, PeerHistogram, SlidingSum};
use super::{actor_of, Event, Signal};
use crate::category::BOLA;
use crate::Severity;

const RULE_ENUM: &str = "behavior.bola.enumeration";
const RULE_BREADTH: &str = "behavior.bola.breadth";

#[derive(Debug)]
struct Walk {
    ids: DistinctWindow,
    long_ids: DistinctWindow,
    requests: SlidingSum,
    denied: SlidingSum,
    last_num: Option<u64>,
    small_steps: u32,
    steps: u32,
    recorded: u64,
    peer_group: String,
    flagged_enum: bool,
    flagged_breadth: bool,
}

/// State of the BOLA detector.
#[derive(Debug)]
pub(crate) struct ObjectDetector {
    walks: Lru<String, Walk>,
    peers: Lru<String, PeerHistogram>,
}

/// The path's values at the template's parameter positions (`/users/{id}` on `/users/42`:
/// `42`); the last segment when the template does not line up.
pub(crate) fn object_ids<'a>(endpoint: &str, path: &'a str) -> Vec<&'a str> {
    let template = endpoint.splitn(3, ' ').nth(2).unwrap_or(endpoint);
    let t: Vec<&str> = template.split('/').filter(|s| !s.is_empty()).collect();
    let p: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    if t.len() == p.len() {
        t.iter()
            .zip(&p)
            .filter(|(t, _)| t.contains('{'))
            .map(|(_, p)| *p)
            .collect()
    } else {
        p.last().copied().into_iter().collect()
    }
}

/// Whether a path value looks like an object id (number, UUID, hex or a code with digits)
/// rather than a word: words in an id position are route guessing, not object access.
pub(crate) fn id_shaped(v: &str) -> bool {
    if v.is_empty() || v.len() > 128 {
        return false;
    }
    let digits = v.bytes().filter(u8::is_ascii_digit).count();
    if digits == v.len() {
        return true;
    }
    let idchars = v
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'.');
    idchars && digits > 0 && v.len() >= 4
}

impl ObjectDetector {
    pub fn new(cfg: &BehaviorConfig) -> Self {
        Self {
            walks: Lru::new(cfg.max_tracked),
            peers: Lru::new(cfg.max_tracked.min(10_000)),
        }
    }

    pub fn memory(&self) -> (u64, u64) {
        (
            (self.walks.len() + self.peers.len()) as u64,
            self.walks.evicted + self.peers.evicted,
        )
    }

    pub fn observe(&mut self, ev: &Event, cfg: &BehaviorConfig, out: &mut Vec<Signal>) {
        let Some(endpoint) = ev.endpoint.as_deref() else {
            return;
        };
        if !endpoint.contains('{') || ev.login.is_some() {
            return;
        }
        // Rejected credentials say nothing about objects.
        let status = ev.status.unwrap_or(0);
        if status == 401 || status == 0 {
            return;
        }
        let ids = object_ids(endpoint, &ev.path);
        if ids.is_empty() || !ids.iter().all(|v| id_shaped(v)) {
            return;
        }
        let id_hash = fnv(&ids.iter().map(|s| s.as_bytes()).collect::<Vec<_>>());
        let num = ids.last().and_then(|v| v.parse::<u64>().ok());
        let now = ev.time_us;
        let (actor_key, actor) = actor_of(ev);
        let key = format!("{actor_key}|{endpoint}");
        let group = format!("{endpoint}|{}", ev.role.as_deref().unwrap_or(""));
        let w = self.walks.entry(&key, || Walk {
            ids: DistinctWindow::new(us(cfg.bola_window_s), cfg.max_distinct),
            long_ids: DistinctWindow::new(us(cfg.bola_breadth_window_s), cfg.max_distinct),
            requests: SlidingSum::new(us(cfg.bola_window_s), 60),
            denied: SlidingSum::new(us(cfg.bola_window_s), 60),
            last_num: None,
            small_steps: 0,
            steps: 0,
            recorded: 0,
            peer_group: group.clone(),
            flagged_enum: false,
            flagged_breadth: false,
        });
        w.requests.add(now, 1);
        if matches!(status, 403 | 404 | 410) {
            w.denied.add(now, 1);
        }
        w.ids.insert(now, id_hash);
        w.long_ids.insert(now, id_hash);
        if let (Some(n), Some(prev)) = (num, w.last_num) {
            if n != prev {
                w.steps += 1;
                if n.abs_diff(prev) <= 3 {
                    w.small_steps += 1;
                }
            }
        }
        if num.is_some() {
            w.last_num = num;
        }
        let distinct = w.ids.count(now) as u64;
        let long = w.long_ids.count(now) as u64;
        let requests = w.requests.sum(now);
        let denied = w.denied.sum(now);
        let sequential = round3(f64::from(w.small_steps) / f64::from(w.steps.max(1)));
        // Peers: this actor's largest distinct count so far.
        let peers = self.peers.entry(&w.peer_group, PeerHistogram::default);
        if long > w.recorded && !w.flagged_breadth {
            peers.moved(w.recorded, long);
            w.recorded = long;
        }

        let denied_ratio = denied as f64 / requests.max(1) as f64;
        let distinct_ratio = distinct as f64 / requests.max(1) as f64;
        let enum_fire = distinct >= u64::from(cfg.bola_min_ids)
            && denied_ratio >= cfg.bola_min_denied_ratio
            && distinct_ratio >= cfg.bola_min_distinct_ratio;
        if enum_fire || w.flagged_enum {
            let evidence = (enum_fire && (!w.flagged_enum || distinct.is_multiple_of(25))).then(|| {
                json!({
                    "distinct_ids": distinct,
                    "requests": requests,
                    "denied": denied,
                    "denied_ratio": round3(denied_ratio),
                    "distinct_ratio": round3(distinct_ratio),
                    "sequential_share": sequential,
                    "window_s": cfg.bola_window_s,
                    "thresholds": {"ids": cfg.bola_min_ids, "denied_ratio": cfg.bola_min_denied_ratio,
                                   "distinct_ratio": cfg.bola_min_distinct_ratio},
                })
            });
            w.flagged_enum |= enum_fire;
            out.push(Signal {
                rule: RULE_ENUM,
                category: BOLA,
                severity: Severity::High,
                key: key.clone(),
                actor: actor.clone(),
                endpoint: Some(endpoint.to_string()),
                index: ev.index,
                time_us: now,
                evidence,
            });
        }

        let (n_peers, p90) = (peers.peers(), peers.quantile(0.9));
        let need = (cfg.bola_breadth_peer_factor * p90 as f64)
            .max(f64::from(cfg.bola_breadth_min_ids))
            .ceil() as u64;
        let breadth_fire = !w.flagged_enum && n_peers >= cfg.min_peers && long >= need;
        if breadth_fire || w.flagged_breadth {
            let evidence =
                (breadth_fire && (!w.flagged_breadth || long.is_multiple_of(25))).then(|| {
                    json!({
                        "distinct_ids": long,
                        "peer_p90_distinct_ids": p90,
                        "peers": n_peers,
                        "threshold": need,
                        "denied": denied,
                        "sequential_share": sequential,
                        "window_s": cfg.bola_breadth_window_s,
                    })
                });
            if breadth_fire && !w.flagged_breadth {
                peers.remove(w.recorded);
            }
            w.flagged_breadth |= breadth_fire;
            out.push(Signal {
                rule: RULE_BREADTH,
                category: BOLA,
                severity: Severity::Medium,
                key,
                actor,
                endpoint: Some(endpoint.to_string()),
                index: ev.index,
                time_us: now,
                evidence,
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_come_from_parameter_positions() {
        assert_eq!(
            object_ids("GET h /users/{id}/orders/{oid}", "/users/7/orders/9"),
            vec!["7", "9"]
        );
        assert_eq!(object_ids("GET h /users/{id}", "/x/y/z"), vec!["z"]);
    }

    #[test]
    fn id_shapes() {
        for v in [
            "42",
            "a1b2c3d4",
            "550e8400-e29b-41d4-a716-446655440000",
            "MR0001",
        ] {
            assert!(id_shaped(v), "{v}");
        }
        for v in ["admin", "export", "", "a1", "../etc"] {
            assert!(!id_shaped(v), "{v}");
        }
    }
}
