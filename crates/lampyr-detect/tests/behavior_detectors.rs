//! Behaviour detectors on generated traffic: a busy normal population (shared NAT addresses,
//! carrier NAT rotation, pollers, a service account paging all day, QA jobs with expected
//! 404s, retry loops, typo logins, a doctor on a ward round) raises nothing; each attack added
//! to it raises exactly one case of its category, citing only the attacker's exchanges.

mod behavior_support;

use std::net::{IpAddr, Ipv4Addr};

use behavior_support::*;
use lampyr_detect::behavior::{BehaviorConfig, Engine, Event};
use lampyr_detect::category;

#[test]
fn normal_population_raises_nothing() {
    for seed in [1, 2, 3] {
        let mut tr = Traffic::new(seed);
        tr.normal();
        let (events, _) = tr.finish();
        assert!(events.len() > 5_000);
        let hits = run(&events);
        assert!(hits.is_empty(), "seed {seed}: {hits:#?}");
    }
}

#[test]
fn stuffing_from_one_address() {
    let hit = attack_raises(11, category::CREDENTIAL_STUFFING, |tr| {
        for k in 0..200 {
            let t = T0 + HOUR + k * 6 * S;
            tr.login(
                t,
                ip(45, 76, 1, 2),
                "python-requests/2.31",
                "/api/auth/login",
                &format!("139{k:08}"),
                k % 90 == 7,
            );
        }
    });
    assert_eq!(hit.actor.ip.as_deref(), Some("45.76.1.2"));
}

#[test]
fn distributed_low_and_slow_stuffing() {
    attack_raises(12, category::CREDENTIAL_STUFFING, |tr| {
        let uas = [
            "App/3.8 (iPhone; iOS 17)",
            "App/3.8 (Android 14) okhttp/4.12",
            "App/3.7 (iPhone; iOS 16)",
        ];
        for k in 0..300i64 {
            let t = T0 + 10 * MIN + k * 40 * S;
            let a = ip(
                27 + (k % 50) as u8,
                (k * 7 % 250) as u8,
                (k * 13 % 250) as u8,
                9,
            );
            let ua = uas[(k % 3) as usize];
            tr.login(
                t,
                a,
                ua,
                "/api/auth/login",
                &format!("150{k:08}"),
                k % 60 == 5,
            );
        }
    });
}

#[test]
fn slow_brute_force_on_one_account() {
    let hit = attack_raises(13, category::BRUTE_FORCE, |tr| {
        for k in 0..60i64 {
            let a = if k % 2 == 0 {
                ip(5, 6, 7, 8)
            } else {
                ip(9, 10, 11, 12)
            };
            tr.login(
                T0 + 5 * MIN + k * 3 * MIN,
                a,
                "Mozilla/5.0 360SE",
                "/api/staff/login",
                "X0042",
                false,
            );
        }
    });
    assert_eq!(hit.actor.user.as_deref(), Some("X0042"));
    assert_eq!(hit.evidence["account"], "X0042");
}

#[test]
fn sequential_object_enumeration() {
    let hit = attack_raises(14, category::BOLA, |tr| {
        let who = Who {
            ip: ip(116, 228, 60, 237),
            user: Some("X00123".into()),
            token: Some("bola".into()),
            role: Some("patient"),
            ua: "python-requests/2.31".into(),
        };
        for k in 0..200i64 {
            let id = 1_000_123 + k;
            let status = if k % 10 == 0 { 200 } else { 403 };
            let path = format!("/api/patients/{id}");
            tr.push(
                T0 + HOUR + k * S,
                &who,
                "GET",
                ep("GET", "/api/patients/{id}"),
                &path,
                None,
                status,
                u32::from(status == 200),
            );
        }
    });
    assert_eq!(hit.rule, "behavior.bola.enumeration");
    assert_eq!(hit.actor.user.as_deref(), Some("X00123"));
}

#[test]
fn random_object_reads_far_beyond_peers() {
    let hit = attack_raises(15, category::BOLA, |tr| {
        let who = Who {
            ip: ip(221, 216, 167, 183),
            user: Some("X00200".into()),
            token: Some("bola2".into()),
            role: Some("patient"),
            ua: "App/3.8 (iPhone; iOS 17)".into(),
        };
        for k in 0..80i64 {
            let id = 7_000_000 + tr.rng.below(90_000);
            let path = format!("/api/prescriptions/{id}");
            tr.push(
                T0 + 20 * MIN + k * 90 * S,
                &who,
                "GET",
                ep("GET", "/api/prescriptions/{id}"),
                &path,
                None,
                200,
                1,
            );
        }
    });
    assert_eq!(hit.rule, "behavior.bola.breadth");
}

#[test]
fn slow_scraping_by_an_insider() {
    attack_raises(16, category::SCRAPING, |tr| {
        let who = Who {
            ip: ip(106, 39, 91, 230),
            user: Some("X0777".into()),
            token: Some("scr".into()),
            role: Some("doctor"),
            ua: "Mozilla/5.0 Chrome/86".into(),
        };
        for k in 0..150i64 {
            let q = format!("page={}&size=20", k + 1);
            tr.push(
                T0 + 40 * MIN + k * 50 * S,
                &who,
                "GET",
                ep("GET", "/api/patients"),
                "/api/patients",
                Some(&q),
                200,
                20,
            );
        }
    });
}

#[test]
fn bulk_sensitive_pull() {
    attack_raises(17, category::BULK_SENSITIVE, |tr| {
        let who = Who {
            ip: ip(111, 18, 243, 32),
            user: Some("X0555".into()),
            token: Some("bulk".into()),
            role: Some("doctor"),
            ua: "Mozilla/5.0 Chrome/108".into(),
        };
        // 25 searches of 50 records each, 40 s apart: 1 250 records with health data
        // (threshold 500), few pages so scraping stays quiet.
        for k in 0..25i64 {
            let q = format!("name={k}&size=50");
            let mut e = Event {
                time_us: T0 + 2 * HOUR + k * 40 * S,
                ip: Some(who.ip),
                user: who.user.clone(),
                role: who.role.map(str::to_string),
                token_id: who.token.clone(),
                method: "GET".into(),
                endpoint: ep("GET", "/api/patients/search"),
                path: "/api/patients/search".into(),
                query: Some(q),
                status: Some(200),
                records: 50,
                user_agent: Some(who.ua.clone()),
                ..Event::default()
            };
            e.leak_threshold = Some(500);
            tr.events.push((e, true));
        }
    });
}

#[test]
fn slow_directory_brute_force() {
    attack_raises(18, category::ABUSE_SCANNER, |tr| {
        let who = Who {
            ip: ip(115, 192, 131, 159),
            user: None,
            token: None,
            role: None,
            ua: "Mozilla/5.0 Chrome/125.0".into(),
        };
        for k in 0..200i64 {
            let path = format!(
                "/{}/{}",
                ["admin", "old", "files", "static"][(k % 4) as usize],
                k
            );
            tr.push(
                T0 + 15 * MIN + k * 30 * S,
                &who,
                "GET",
                None,
                &path,
                None,
                404,
                0,
            );
        }
    });
}

#[test]
fn token_used_from_many_networks() {
    let hit = attack_raises(19, category::TOKEN_SHARING, |tr| {
        for k in 0..24i64 {
            let who = Who {
                ip: ip(58 + (k % 8) as u8 * 3, 246, 3 + (k % 8) as u8, 38),
                user: Some("X00999".into()),
                token: Some("resold".into()),
                role: Some("patient"),
                ua: "App/3.8 (Android 12)".into(),
            };
            tr.push(
                T0 + 90 * MIN + k * 4 * MIN,
                &who,
                "GET",
                ep("GET", "/api/me"),
                "/api/me",
                None,
                200,
                1,
            );
        }
    });
    assert_eq!(hit.actor.token_id.as_deref(), Some("resold"));
    assert!(hit.evidence["networks"].as_u64().unwrap() >= 4);
}

#[test]
fn memory_stays_bounded_under_a_flood_of_actors() {
    let cfg = BehaviorConfig {
        max_tracked: 1_000,
        ..BehaviorConfig::default()
    };
    let mut engine = Engine::new(cfg);
    for k in 0..50_000u64 {
        let e = Event {
            index: k,
            time_us: T0 + k as i64 * 1_000,
            ip: Some(IpAddr::V4(Ipv4Addr::from(0x0a00_0000 + k as u32))),
            token_id: Some(format!("t{k}")),
            user: Some(format!("u{k}")),
            method: "GET".into(),
            endpoint: ep("GET", "/api/items/{id}"),
            path: format!("/api/items/{k}"),
            status: Some(200),
            records: 1,
            ..Event::default()
        };
        engine.observe(&e);
    }
    let stats = engine.stats();
    assert!(stats.tracked <= 5 * 1_000 + 100, "{stats:?}");
    assert!(stats.evicted > 40_000, "{stats:?}");
}
