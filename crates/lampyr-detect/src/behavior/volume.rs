//! Volume rules: scraping (list pages per actor and endpoint), bulk sensitive leaks (records
//! per actor against the grading profile's thresholds) and request-rate anomalies.
//!
//! Pages and rates are compared with the actor's peers on the endpoint (90th percentile of
//! per-actor counts, learned online). An actor that was already active when the engine
//! started (first seen within `warmup_s`) is presumed to predate the capture — a reporting
//! job, a poller — and its volume is judged against its own history instead: it fires only
//! when its current window exceeds `own_history_factor` times its earlier rate (in its first
//! window, with no history yet, up to `first_window_ceiling` times the threshold).

use serde_json::json;

use super::config::{us, BehaviorConfig};
use super::state::{Lru, PeerHistogram, SlidingSum};
use super::{actor_of, Event, Signal};
use crate::category::{BULK_SENSITIVE, RATE_ANOMALY, SCRAPING};
use crate::Severity;

/// The peer quantile volume is compared with: robust to the few heavy actors (and attackers
/// not flagged yet) among a few dozen peers.
const PEER_QUANTILE: f64 = 0.9;

const RULE_SCRAPING: &str = "behavior.scraping.pages";
const RULE_LEAK: &str = "behavior.leak.volume";
const RULE_RATE: &str = "behavior.rate.endpoint";

/// Query parameters that carry a page number or an offset.
const PAGE_PARAMS: &[&str] = &[
    "page",
    "pageno",
    "pagenum",
    "pageindex",
    "page_no",
    "page_num",
    "pagenumber",
    "p",
    "offset",
    "start",
    "skip",
    "from",
    "cursor",
    "after",
];

#[derive(Debug)]
struct Flow {
    first_us: i64,
    pre_existing: bool,
    pages: SlidingSum,
    life_pages: u64,
    max_page: u64,
    requests: SlidingSum,
    life_requests: u64,
    peer_rate: u64,
    flagged_scraping: bool,
    flagged_rate: bool,
}

#[derive(Debug)]
struct LeakClass {
    threshold: u64,
    hour: SlidingSum,
    fast: SlidingSum,
}

#[derive(Debug)]
struct Holder {
    first_us: i64,
    pre_existing: bool,
    life_records: u64,
    classes: Vec<LeakClass>,
    flagged: bool,
}

/// State of the volume rules.
#[derive(Debug)]
pub(crate) struct VolumeDetector {
    flows: Lru<String, Flow>,
    holders: Lru<String, Holder>,
    page_peers: Lru<String, PeerHistogram>,
    rate_peers: Lru<String, PeerHistogram>,
}

/// The page number of a paginated request (1 when it names the first page), if it is one.
fn page_of(query: Option<&str>) -> Option<u64> {
    let q = query?;
    for pair in q.split('&').take(64) {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        let k = k.to_ascii_lowercase();
        if PAGE_PARAMS.contains(&k.as_str()) {
            return Some(v.parse::<u64>().unwrap_or(1));
        }
    }
    None
}

/// True when a volume in the current window is what this pre-existing actor always did.
/// `need` is the threshold the window crossed: in its first window an actor has no history
/// to compare with, so it is exempt only up to `ceiling` times that threshold.
#[allow(clippy::too_many_arguments)]
fn steady(
    pre_existing: bool,
    first_us: i64,
    life: u64,
    window: u64,
    width: i64,
    now: i64,
    factor: f64,
    need: f64,
    ceiling: f64,
) -> bool {
    if !pre_existing {
        return false;
    }
    let age = now - first_us;
    if age <= width {
        return (window as f64) < ceiling * need;
    }
    let before = life.saturating_sub(window) as f64;
    let expected = before * width as f64 / (age - width) as f64;
    (window as f64) <= factor * expected.max(1.0)
}

impl VolumeDetector {
    pub fn new(cfg: &BehaviorConfig) -> Self {
        Self {
            flows: Lru::new(cfg.max_tracked),
            holders: Lru::new(cfg.max_tracked),
            page_peers: Lru::new(cfg.max_tracked.min(10_000)),
            rate_peers: Lru::new(cfg.max_tracked.min(10_000)),
        }
    }

    pub fn memory(&self) -> (u64, u64) {
        (
            (self.flows.len() + self.holders.len() + self.page_peers.len() + self.rate_peers.len())
                as u64,
            self.flows.evicted
                + self.holders.evicted
                + self.page_peers.evicted
                + self.rate_peers.evicted,
        )
    }

    pub fn observe(&mut self, ev: &Event, warm: bool, cfg: &BehaviorConfig, out: &mut Vec<Signal>) {
        if ev.login.is_some() || ev.status == Some(401) {
            return;
        }
        let now = ev.time_us;
        let (actor_key, actor) = actor_of(ev);
        self.leak(ev, warm, &actor_key, &actor, cfg, out);
        let Some(endpoint) = ev.endpoint.as_deref() else {
            return;
        };
        let key = format!("{actor_key}|{endpoint}");
        let role = ev.role.as_deref().unwrap_or("");
        let f = self.flows.entry(&key, || Flow {
            first_us: now,
            pre_existing: warm,
            pages: SlidingSum::new(us(cfg.scraping_window_s), 60),
            life_pages: 0,
            max_page: 0,
            requests: SlidingSum::new(us(cfg.rate_window_s), 60),
            life_requests: 0,
            peer_rate: 0,
            flagged_scraping: false,
            flagged_rate: false,
        });

        // Rate.
        f.requests.add(now, 1);
        f.life_requests += 1;
        let rate = f.requests.sum(now);
        let rate_group = format!("{endpoint}|{role}");
        let rp = self.rate_peers.entry(&rate_group, PeerHistogram::default);
        if rate > f.peer_rate && !f.flagged_rate {
            rp.moved(f.peer_rate, rate);
            f.peer_rate = rate;
        }
        let (rate_peers, rate_p90) = (rp.peers(), rp.quantile(PEER_QUANTILE));
        let need_rate = (cfg.rate_peer_factor * rate_p90 as f64)
            .max(f64::from(cfg.rate_min_requests))
            .ceil() as u64;
        let rate_fire = rate_peers >= cfg.min_peers
            && rate >= need_rate
            && !steady(
                f.pre_existing,
                f.first_us,
                f.life_requests,
                rate,
                us(cfg.rate_window_s),
                now,
                cfg.own_history_factor,
                need_rate as f64,
                cfg.first_window_ceiling,
            );
        if rate_fire || f.flagged_rate {
            let evidence = (rate_fire && !f.flagged_rate).then(|| {
                json!({
                    "requests": rate,
                    "window_s": cfg.rate_window_s,
                    "peer_p90_requests": rate_p90,
                    "peers": rate_peers,
                    "threshold": need_rate,
                })
            });
            if rate_fire && !f.flagged_rate {
                if let Some(h) = self.rate_peers.get_mut(&rate_group) {
                    h.remove(f.peer_rate);
                }
            }
            f.flagged_rate |= rate_fire;
            out.push(Signal {
                rule: RULE_RATE,
                category: RATE_ANOMALY,
                severity: Severity::Medium,
                key: key.clone(),
                actor: actor.clone(),
                endpoint: Some(endpoint.to_string()),
                index: ev.index,
                time_us: now,
                evidence,
            });
        }

        // Scraping: list pages.
        let page = page_of(ev.query.as_deref());
        let is_page = ev.records >= 2 || page.is_some_and(|p| p >= 2);
        if !is_page || !ev.status.is_some_and(|s| (200..300).contains(&s)) {
            return;
        }
        f.pages.add(now, 1);
        f.life_pages += 1;
        f.max_page = f.max_page.max(page.unwrap_or(0));
        let pages = f.pages.sum(now);
        // Peers: the role's group when it has enough members, else the endpoint's.
        let role_group = format!("{endpoint}|{role}");
        let all_group = format!("{endpoint}|*");
        for g in [&role_group, &all_group] {
            let h = self.page_peers.entry(g, PeerHistogram::default);
            if !f.flagged_scraping {
                h.moved(f.life_pages - 1, f.life_pages);
            }
        }
        let group = match self.page_peers.peek(&role_group) {
            Some(h) if h.peers() >= cfg.min_peers => h,
            _ => self.page_peers.peek(&all_group).expect("just inserted"),
        };
        let (page_peers, page_p90) = (group.peers(), group.quantile(PEER_QUANTILE));
        let need = if page_peers >= cfg.min_peers {
            (cfg.scraping_peer_factor * page_p90 as f64).max(f64::from(cfg.scraping_min_pages))
        } else {
            f64::from(cfg.scraping_min_pages)
        }
        .ceil() as u64;
        let fire = pages >= need
            && !steady(
                f.pre_existing,
                f.first_us,
                f.life_pages,
                pages,
                us(cfg.scraping_window_s),
                now,
                cfg.own_history_factor,
                need as f64,
                cfg.first_window_ceiling,
            );
        if fire || f.flagged_scraping {
            let evidence = (fire && (!f.flagged_scraping || pages.is_multiple_of(50))).then(|| {
                json!({
                    "pages": pages,
                    "window_s": cfg.scraping_window_s,
                    "pages_total": f.life_pages,
                    "deepest_page": f.max_page,
                    "records": ev.records,
                    "peer_p90_pages": page_p90,
                    "peers": page_peers,
                    "threshold": need,
                })
            });
            if fire && !f.flagged_scraping {
                // Abusers do not define normal: take them out of their peer groups.
                for g in [&role_group, &all_group] {
                    if let Some(h) = self.page_peers.get_mut(g) {
                        h.remove(f.life_pages);
                    }
                }
            }
            f.flagged_scraping |= fire;
            out.push(Signal {
                rule: RULE_SCRAPING,
                category: SCRAPING,
                severity: Severity::High,
                key,
                actor,
                endpoint: Some(endpoint.to_string()),
                index: ev.index,
                time_us: now,
                evidence,
            });
        }
    }

    fn leak(
        &mut self,
        ev: &Event,
        warm: bool,
        actor_key: &str,
        actor: &crate::Actor,
        cfg: &BehaviorConfig,
        out: &mut Vec<Signal>,
    ) {
        if ev.records == 0 {
            return;
        }
        let now = ev.time_us;
        let threshold = ev.leak_threshold.unwrap_or(cfg.leak_default_serious).max(1);
        let h = self.holders.entry(&actor_key.to_string(), || Holder {
            first_us: now,
            pre_existing: warm,
            life_records: 0,
            classes: Vec::new(),
            flagged: false,
        });
        h.life_records += u64::from(ev.records);
        let class = match h.classes.iter().position(|c| c.threshold == threshold) {
            Some(i) => i,
            None => {
                if h.classes.len() >= 8 {
                    // Bounded: drop the least sensitive class kept.
                    h.classes.pop();
                }
                h.classes.push(LeakClass {
                    threshold,
                    hour: SlidingSum::new(us(cfg.leak_window_s), 60),
                    fast: SlidingSum::new(us(cfg.leak_fast_window_s), 20),
                });
                h.classes.sort_by_key(|c| c.threshold);
                h.classes
                    .iter()
                    .position(|c| c.threshold == threshold)
                    .expect("just pushed")
            }
        };
        // Records count toward their own class and every less sensitive one.
        for c in &mut h.classes[class..] {
            c.hour.add(now, u64::from(ev.records));
            c.fast.add(now, u64::from(ev.records));
        }
        let mut best: Option<(u64, u64, u64, bool)> = None;
        for c in &mut h.classes {
            let limit = (c.threshold as f64 * cfg.leak_scale).max(1.0);
            let hour = c.hour.sum(now);
            let fast = c.fast.sum(now);
            // Half the threshold within the short window: on pace to cross it several
            // times over within the hour.
            if hour as f64 >= limit || fast as f64 >= limit / 2.0 {
                best.get_or_insert((c.threshold, hour, fast, hour as f64 >= 10.0 * limit));
            }
        }
        let hour_total = h.classes.last_mut().map_or(0, |c| c.hour.sum(now));
        let fire = best.is_some()
            && !steady(
                h.pre_existing,
                h.first_us,
                h.life_records,
                hour_total,
                us(cfg.leak_window_s),
                now,
                cfg.own_history_factor,
                best.map_or(f64::MAX, |b| b.0 as f64 * cfg.leak_scale),
                cfg.first_window_ceiling,
            );
        if !(fire || h.flagged) {
            return;
        }
        let evidence = best.filter(|_| fire).map(|(threshold, hour, fast, very)| {
            json!({
                "records_in_window": hour,
                "window_s": cfg.leak_window_s,
                "records_in_fast_window": fast,
                "fast_window_s": cfg.leak_fast_window_s,
                "records_total": h.life_records,
                "serious_threshold": threshold,
                "scale": cfg.leak_scale,
                "very_serious": very,
            })
        });
        let severity = match best {
            Some((_, _, _, true)) => Severity::Critical,
            _ => Severity::High,
        };
        h.flagged |= fire;
        out.push(Signal {
            rule: RULE_LEAK,
            category: BULK_SENSITIVE,
            severity,
            key: actor_key.to_string(),
            actor: actor.clone(),
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
    fn page_numbers_are_read_from_common_parameters() {
        assert_eq!(page_of(Some("page=3&size=50")), Some(3));
        assert_eq!(page_of(Some("size=50&pageNo=7")), Some(7));
        assert_eq!(page_of(Some("q=x")), None);
        assert_eq!(page_of(None), None);
    }

    #[test]
    fn steady_actors_keep_their_own_rate() {
        let h = 3_600_000_000i64;
        // Pre-existing, 60 per hour for 3 hours, 60 in the last hour: steady.
        assert!(steady(true, 0, 180, 60, h, 3 * h, 3.0, 30.0, 10.0));
        // Same actor jumping to 400 in the last hour: not steady.
        assert!(!steady(true, 0, 520, 400, h, 3 * h, 3.0, 30.0, 10.0));
        // A newcomer is never exempt.
        assert!(!steady(false, 0, 180, 60, h, 3 * h, 3.0, 30.0, 10.0));
        // A pre-existing actor in its first window has nothing to compare with: exempt up
        // to ten times the threshold.
        assert!(steady(true, 0, 60, 60, h, h / 2, 3.0, 30.0, 10.0));
        assert!(!steady(true, 0, 500, 500, h, h / 2, 3.0, 30.0, 10.0));
    }
}
