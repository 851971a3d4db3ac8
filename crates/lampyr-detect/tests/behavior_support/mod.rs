//! Traffic generator shared by the behaviour detector tests: a seeded normal population, attack
//! helpers and the runner that checks a case cites only the attacker's exchanges.

use std::net::{IpAddr, Ipv4Addr};

use lampyr_core::Redacted;
use lampyr_detect::behavior::{BehaviorConfig, BehaviorHit, Engine, Event, LoginAttempt};
pub const S: i64 = 1_000_000;
pub const MIN: i64 = 60 * S;
pub const HOUR: i64 = 60 * MIN;
pub const T0: i64 = 1_718_064_000 * S;
pub const HOST: &str = "api.test";

/// xorshift64*: deterministic, no dependency.
pub struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
    pub fn chance(&mut self, p: f64) -> bool {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64 <= p
    }
}

pub fn ip(a: u8, b: u8, c: u8, d: u8) -> IpAddr {
    IpAddr::V4(Ipv4Addr::new(a, b, c, d))
}

pub fn ep(method: &str, path: &str) -> Option<String> {
    Some(format!("{method} {HOST} {path}"))
}

/// Traffic under construction: events with a flag saying whether the attacker sent them.
pub struct Traffic {
    pub rng: Rng,
    pub events: Vec<(Event, bool)>,
    pub attacker: bool,
}

#[derive(Clone)]
pub struct Who {
    pub ip: IpAddr,
    pub user: Option<String>,
    pub token: Option<String>,
    pub role: Option<&'static str>,
    pub ua: String,
}

impl Traffic {
    pub fn new(seed: u64) -> Self {
        Self {
            rng: Rng(seed | 1),
            events: Vec::new(),
            attacker: false,
        }
    }

    #[allow(clippy::too_many_arguments)]
    pub fn push(
        &mut self,
        t: i64,
        who: &Who,
        method: &str,
        endpoint: Option<String>,
        path: &str,
        query: Option<&str>,
        status: u16,
        records: u32,
    ) {
        self.events.push((
            Event {
                time_us: t,
                ip: Some(who.ip),
                user: who.user.clone(),
                role: who.role.map(str::to_string),
                token_id: who.token.clone(),
                method: method.into(),
                endpoint,
                path: path.into(),
                query: query.map(str::to_string),
                status: Some(status),
                records,
                user_agent: Some(who.ua.clone()),
                ..Event::default()
            },
            self.attacker,
        ));
    }

    pub fn login(&mut self, t: i64, ip: IpAddr, ua: &str, path: &str, account: &str, ok: bool) {
        self.events.push((
            Event {
                time_us: t,
                ip: Some(ip),
                user: Some(account.into()),
                method: "POST".into(),
                endpoint: ep("POST", path),
                path: path.into(),
                status: Some(if ok { 200 } else { 401 }),
                user_agent: Some(ua.into()),
                login: Some(LoginAttempt {
                    account: Some(Redacted::new(account.to_string())),
                    success: ok,
                }),
                ..Event::default()
            },
            self.attacker,
        ));
    }

    /// Sorts by time and numbers the exchanges; returns which indexes are the attacker's.
    pub fn finish(mut self) -> (Vec<Event>, Vec<bool>) {
        self.events.sort_by_key(|(e, _)| e.time_us);
        let mut evs = Vec::new();
        let mut bad = Vec::new();
        for (i, (mut e, a)) in self.events.into_iter().enumerate() {
            e.index = i as u64;
            evs.push(e);
            bad.push(a);
        }
        (evs, bad)
    }

    /// Four hours of a hospital-like API: patients on home and carrier-NAT addresses, staff
    /// behind two NAT addresses, and the hard negatives.
    pub fn normal(&mut self) {
        let app_ua = [
            "App/3.8 (iPhone; iOS 17)",
            "App/3.8 (Android 14) okhttp/4.12",
        ];
        let carrier = [ip(111, 55, 163, 0), ip(112, 97, 138, 0)];
        // Patients.
        for u in 0..300u32 {
            let user = format!("P{u:05}");
            let own_ids = [
                5_000_000 + u64::from(u) * 7,
                5_000_000 + u64::from(u) * 7 + 1,
            ];
            let home = ip(58, (u / 200) as u8 + 20, (u % 200) as u8 / 2, 10);
            let on_carrier = u % 3 == 0;
            let sessions = 1 + self.rng.below(3);
            for s in 0..sessions {
                let mut t = T0 + self.rng.below(4 * HOUR as u64 - 30 * MIN as u64) as i64;
                let pick = |rng: &mut Rng| {
                    if on_carrier {
                        let base = carrier[(u % 2) as usize];
                        let IpAddr::V4(v4) = base else { unreachable!() };
                        let o = v4.octets();
                        ip(o[0], o[1], o[2], 1 + rng.below(250) as u8)
                    } else {
                        home
                    }
                };
                let ua = app_ua[(u % 2) as usize];
                // Typos: 7 % of logins start with one or two failures.
                if self.rng.chance(0.07) {
                    for _ in 0..1 + self.rng.below(2) {
                        let a = pick(&mut self.rng);
                        self.login(t, a, ua, "/api/auth/login", &format!("13{u:09}"), false);
                        t += 5 * S + self.rng.below(20) as i64 * S;
                    }
                }
                let a = pick(&mut self.rng);
                self.login(t, a, ua, "/api/auth/login", &format!("13{u:09}"), true);
                let who = Who {
                    ip: a,
                    user: Some(user.clone()),
                    token: Some(format!("tok-{u}-{s}")),
                    role: Some("patient"),
                    ua: ua.into(),
                };
                for _ in 0..3 + self.rng.below(8) {
                    t += 10 * S + self.rng.below(120) as i64 * S;
                    let who = Who {
                        ip: pick(&mut self.rng),
                        ..who.clone()
                    };
                    match self.rng.below(6) {
                        0 => self.push(
                            t,
                            &who,
                            "GET",
                            ep("GET", "/api/me"),
                            "/api/me",
                            None,
                            200,
                            1,
                        ),
                        1 => self.push(
                            t,
                            &who,
                            "GET",
                            ep("GET", "/api/appointments"),
                            "/api/appointments",
                            None,
                            200,
                            2,
                        ),
                        2 => {
                            let id = own_ids[self.rng.below(2) as usize];
                            let path = format!("/api/appointments/{id}");
                            self.push(
                                t,
                                &who,
                                "GET",
                                ep("GET", "/api/appointments/{id}"),
                                &path,
                                None,
                                200,
                                1,
                            );
                        }
                        3 => {
                            // Stale link or a typed id.
                            let id = 4_000_000 + self.rng.below(1_000_000);
                            let path = format!("/api/prescriptions/{id}");
                            self.push(
                                t,
                                &who,
                                "GET",
                                ep("GET", "/api/prescriptions/{id}"),
                                &path,
                                None,
                                404,
                                0,
                            );
                        }
                        4 if u % 10 == 0 => {
                            // Old app version: a removed endpoint.
                            self.push(t, &who, "GET", None, "/api/v0/banner", None, 404, 0);
                        }
                        _ => self.push(
                            t,
                            &who,
                            "GET",
                            ep("GET", "/api/queue/status"),
                            "/api/queue/status",
                            None,
                            200,
                            0,
                        ),
                    }
                }
            }
        }
        // Staff behind two hospital NAT addresses, in bursts; doctors read 5-20 patients.
        let nat = [ip(171, 8, 212, 191), ip(219, 133, 85, 24)];
        for s in 0..60u32 {
            let role = if s % 2 == 0 { "doctor" } else { "nurse" };
            let user = format!("S{s:04}");
            let a = nat[(s % 2) as usize];
            let ua = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/125.0";
            for burst in 0..3 {
                let mut t = T0 + burst * 80 * MIN + self.rng.below(40 * MIN as u64) as i64;
                if self.rng.chance(0.14) {
                    self.login(t, a, ua, "/api/staff/login", &user, false);
                    t += 10 * S;
                }
                self.login(t, a, ua, "/api/staff/login", &user, true);
                let who = Who {
                    ip: a,
                    user: Some(user.clone()),
                    token: Some(format!("stok-{s}-{burst}")),
                    role: Some(role),
                    ua: ua.into(),
                };
                for p in 1..=1 + self.rng.below(3) {
                    t += 20 * S;
                    let q = format!("page={p}&size=20");
                    self.push(
                        t,
                        &who,
                        "GET",
                        ep("GET", "/api/patients"),
                        "/api/patients",
                        Some(&q),
                        200,
                        20,
                    );
                }
                for _ in 0..2 + self.rng.below(6) {
                    t += 30 * S + self.rng.below(60) as i64 * S;
                    let path = format!("/api/patients/{}", 1_000_000 + self.rng.below(50_000));
                    self.push(
                        t,
                        &who,
                        "GET",
                        ep("GET", "/api/patients/{id}"),
                        &path,
                        None,
                        200,
                        1,
                    );
                }
            }
        }
        // Ward round: 45 different patients in 40 minutes, all allowed.
        let doc = Who {
            ip: nat[0],
            user: Some("S9001".into()),
            token: Some("ward".into()),
            role: Some("doctor"),
            ua: "Mozilla/5.0 Chrome/125.0".into(),
        };
        for k in 0..45 {
            let t = T0 + 2 * HOUR + k * 53 * S;
            let path = format!("/api/patients/{}", 1_000_000 + self.rng.below(50_000));
            self.push(
                t,
                &doc,
                "GET",
                ep("GET", "/api/patients/{id}"),
                &path,
                None,
                200,
                1,
            );
        }
        // Service account paging 50 at a time every minute, from the start.
        let svc = Who {
            ip: ip(10, 64, 130, 167),
            user: Some("svc_report".into()),
            token: Some("svc".into()),
            role: Some("service"),
            ua: "report-etl/1.8 python-requests/2.31".into(),
        };
        for k in 0..240 {
            let t = T0 + 20 * S + k * MIN;
            let q = format!("page={}&size=50", k / 2 + 1);
            let (e, p) = if k % 2 == 0 {
                ("/api/patients", 50)
            } else {
                ("/api/appointments", 45)
            };
            self.push(t, &svc, "GET", ep("GET", e), e, Some(&q), 200, p);
        }
        // QA smoke job every 30 minutes: 12 calls, 4 expected 404s on the same paths.
        let qa = Who {
            ip: ip(10, 31, 195, 200),
            user: Some("qa_smoke".into()),
            token: Some("qa".into()),
            role: Some("qa"),
            ua: "qa-smoke/1.4".into(),
        };
        for run in 0..8 {
            let t = T0 + run * 30 * MIN;
            for k in 0..8 {
                self.push(
                    t + k * S,
                    &qa,
                    "GET",
                    ep("GET", "/api/health"),
                    "/api/health",
                    None,
                    200,
                    0,
                );
            }
            self.push(
                t + 9 * S,
                &qa,
                "GET",
                None,
                "/api/does-not-exist",
                None,
                404,
                0,
            );
            self.push(
                t + 10 * S,
                &qa,
                "GET",
                None,
                "/nonexistent.html",
                None,
                404,
                0,
            );
            self.push(
                t + 11 * S,
                &qa,
                "GET",
                ep("GET", "/api/patients/{id}"),
                "/api/patients/99999999",
                None,
                404,
                0,
            );
            self.push(t + 12 * S, &qa, "DELETE", None, "/api/health", None, 405, 0);
        }
        // Retry loop: one deleted appointment every minute for 40 minutes.
        let retry = Who {
            ip: ip(112, 97, 138, 77),
            user: Some("P99999".into()),
            token: Some("retry".into()),
            role: Some("patient"),
            ua: app_ua[1].into(),
        };
        for k in 0..40 {
            self.push(
                T0 + HOUR + k * MIN,
                &retry,
                "GET",
                ep("GET", "/api/appointments/{id}"),
                "/api/appointments/5099999",
                None,
                404,
                0,
            );
        }
        // Poller on a rotating carrier address: queue every 30 s, messages every 60 s, 2.5 h.
        for k in 0..300 {
            let who = Who {
                ip: ip(111, 55, 163, 1 + self.rng.below(250) as u8),
                user: Some("P88888".into()),
                token: Some("poll".into()),
                role: Some("patient"),
                ua: app_ua[0].into(),
            };
            let t = T0 + 30 * MIN + k * 30 * S;
            self.push(
                t,
                &who,
                "GET",
                ep("GET", "/api/queue/status"),
                "/api/queue/status",
                None,
                200,
                0,
            );
            if k % 2 == 0 {
                self.push(
                    t + S,
                    &who,
                    "GET",
                    ep("GET", "/api/messages/unread"),
                    "/api/messages/unread",
                    None,
                    200,
                    0,
                );
            }
        }
        // Roaming: Wi-Fi then mobile, one token.
        for k in 0..12 {
            let who = Who {
                ip: if k < 6 {
                    ip(180, 102, 85, 93)
                } else {
                    ip(112, 97, 141, 137)
                },
                user: Some("P77777".into()),
                token: Some("roam".into()),
                role: Some("patient"),
                ua: app_ua[0].into(),
            };
            self.push(
                T0 + HOUR + k * MIN,
                &who,
                "GET",
                ep("GET", "/api/me"),
                "/api/me",
                None,
                200,
                1,
            );
        }
        // Forgot password: five old passwords, then the right one.
        for k in 0..5 {
            self.login(
                T0 + 3 * HOUR + k * 40 * S,
                ip(116, 228, 243, 211),
                app_ua[0],
                "/api/auth/login",
                "13600000001",
                false,
            );
        }
        self.login(
            T0 + 3 * HOUR + 5 * 40 * S,
            ip(116, 228, 243, 211),
            app_ua[0],
            "/api/auth/login",
            "13600000001",
            true,
        );
    }
}

pub fn run(events: &[Event]) -> Vec<BehaviorHit> {
    let mut engine = Engine::new(BehaviorConfig::default());
    let mut online = 0;
    for e in events {
        online += engine.observe(e).len();
    }
    let stats = engine.stats();
    assert_eq!(stats.evicted, 0);
    let hits = engine.finish();
    assert!(
        online >= hits.len().saturating_sub(1),
        "cases are raised online"
    );
    hits
}

/// Runs normal traffic plus `attack` and checks: exactly one case of `category`, citing
/// attacker exchanges only; no case at all cites a benign exchange.
pub fn attack_raises(seed: u64, category: &str, attack: impl FnOnce(&mut Traffic)) -> BehaviorHit {
    let mut tr = Traffic::new(seed);
    tr.normal();
    tr.attacker = true;
    attack(&mut tr);
    let (events, bad) = tr.finish();
    let hits = run(&events);
    for h in &hits {
        let benign: Vec<u64> = h
            .exchanges
            .iter()
            .copied()
            .filter(|&i| !bad[i as usize])
            .collect();
        assert!(
            benign.is_empty(),
            "{} cites benign exchanges {benign:?}: {h:#?}",
            h.rule
        );
    }
    let of_kind: Vec<&BehaviorHit> = hits.iter().filter(|h| h.category == category).collect();
    assert_eq!(of_kind.len(), 1, "cases of {category}: {hits:#?}");
    of_kind[0].clone()
}
