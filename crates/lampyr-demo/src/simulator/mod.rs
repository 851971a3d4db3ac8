//! Traffic: ordinary users of the hospital's applications and five attackers, through the
//! gateway (or straight at the hospital in tests).
//!
//! Every simulated person or bot is an *actor* with its own connection, user agent and
//! address. The gateway attributes a request to the TCP peer address, so by default
//! ([`AddressMode::Loopback`]) each actor connects from its own loopback address
//! (`127.0.1.x` for users, `127.0.2.x` for attackers); with [`AddressMode::Forwarded`] every
//! actor connects from 127.0.0.1 and names a realistic address in `X-Forwarded-For`, which
//! only helps when the gateway trusts that header from loopback.
//!
//! Ordinary users (see `normal.rs`) sign in (one in ten mistypes the password once first) and
//! browse at human pace. The attackers (see `attacks.rs`) start after the ordinary users'
//! first sessions, so discovery has templated the endpoints by then, and each sends enough to
//! cross the default thresholds of `lampyr_detect::behavior::BehaviorConfig` with a margin,
//! even inside the behaviour engine's first ten minutes (its warm-up, when volume rules ask
//! ten times more).

mod attacks;
mod client;
mod normal;

use std::collections::BTreeMap;
use std::net::{IpAddr, SocketAddr};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http::{header, Method, Request};
use http_body_util::Full;
use serde::Serialize;
use serde_json::Value;
use tokio::sync::{mpsc, watch};

use crate::hospital::DEFAULT_SEED;
use crate::rng::Rng;
use crate::spec::{DemoClient, API_KEY_HEADER, HOST};

pub use attacks::AttackKind;

/// How fast the simulator sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Pacing {
    /// Human think times and bot-like rates: the attacks cross their thresholds in about
    /// 30 seconds after `attack_delay`.
    Realtime,
    /// No waiting at all (tests, benchmarks).
    Fast,
}

/// Where the gateway sees each actor coming from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AddressMode {
    /// Each actor connects from its own 127.x address (Linux; falls back to `Forwarded` where
    /// such addresses cannot be bound).
    Loopback,
    /// Every actor connects from 127.0.0.1 and sends `X-Forwarded-For: <its address>`.
    Forwarded,
}

/// What to simulate.
#[derive(Debug, Clone)]
pub struct SimConfig {
    /// The gateway's (or the hospital's) listener.
    pub target: SocketAddr,
    /// `Host` header sent.
    pub host: String,
    /// API keys of the demo consumers; a consumer without a client sends no key.
    pub clients: Vec<DemoClient>,
    /// Ordinary users (about half doctors on the web portal, the rest patients on the mobile
    /// app and lab staff).
    pub normal_users: usize,
    /// Sessions per ordinary user; `None` runs until `stop`.
    pub sessions_per_user: Option<u32>,
    /// Seed of the traffic (who does what, when).
    pub seed: u64,
    /// Seed the hospital was started with (to know its patients' sign-in numbers).
    pub hospital_seed: u64,
    /// Whether the five attackers run.
    pub attacks: bool,
    /// Realtime or fast.
    pub pacing: Pacing,
    /// Realtime only: time before the first attack (lets discovery template endpoints first).
    /// In fast mode the attacks start once every ordinary user finished a session.
    pub attack_delay: Duration,
    /// How actors' addresses reach the gateway.
    pub addresses: AddressMode,
    /// Patients per list page that doctors and the scraper ask for (20). Smaller pages make
    /// the analysis of a run cheaper (tests); the scraper's page count is what crosses the
    /// threshold, not the records.
    pub page_size: u64,
}

impl SimConfig {
    /// Defaults for the demo: 24 users until stopped, attacks after 8 s, realtime, loopback
    /// addresses, the hospital's default seed.
    pub fn new(target: SocketAddr, clients: Vec<DemoClient>) -> SimConfig {
        SimConfig {
            target,
            host: HOST.to_string(),
            clients,
            normal_users: 24,
            sessions_per_user: None,
            seed: 1,
            hospital_seed: DEFAULT_SEED,
            attacks: true,
            pacing: Pacing::Realtime,
            attack_delay: Duration::from_secs(8),
            addresses: AddressMode::Loopback,
            page_size: 20,
        }
    }

    fn key_of(&self, consumer: &str) -> Option<String> {
        self.clients
            .iter()
            .find(|c| c.consumer == consumer)
            .map(|c| c.api_key.clone())
    }
}

/// Requests sent and how they were answered.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Tally {
    /// Requests sent (answered or not).
    pub requests: u64,
    /// Requests without an answer (connection errors, timeouts).
    pub errors: u64,
    /// Answers by status code.
    pub statuses: BTreeMap<u16, u64>,
}

impl Tally {
    fn add(&mut self, other: &Tally) {
        self.requests += other.requests;
        self.errors += other.errors;
        for (s, n) in &other.statuses {
            *self.statuses.entry(*s).or_default() += n;
        }
    }

    /// Answers with status `s`.
    pub fn status(&self, s: u16) -> u64 {
        self.statuses.get(&s).copied().unwrap_or(0)
    }
}

/// The ordinary users' part of the traffic.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct NormalReport {
    /// Users simulated.
    pub users: u64,
    /// Sessions completed.
    pub sessions: u64,
    /// Sign-in attempts, and how many failed (typos).
    pub logins: u64,
    /// Failed sign-ins.
    pub failed_logins: u64,
    /// Distinct addresses the users came from.
    pub addresses: u64,
    /// All their requests.
    pub traffic: Tally,
}

/// One attacker: the ground truth an end-to-end test matches findings against.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AttackReport {
    /// What it did.
    pub kind: AttackKind,
    /// The finding category it should raise (`attack.sqli`, `abuse.bola`, ...).
    pub category: &'static str,
    /// The address the gateway attributes it to (its loopback source, or its
    /// `X-Forwarded-For` address in forwarded mode).
    pub address: IpAddr,
    /// The consumer whose API key it used, if any.
    pub consumer: Option<String>,
    /// The account it signed in as (JWT `sub`), if any.
    pub user: Option<String>,
    /// Its user agent.
    pub user_agent: String,
    /// Milliseconds after the start of the run when it sent its first request.
    pub started_ms: u64,
    /// Its requests.
    pub traffic: Tally,
}

/// What a run sent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SimReport {
    /// Wall time of the run, milliseconds.
    pub elapsed_ms: u64,
    /// The address mode in effect (loopback falls back to forwarded when unavailable).
    pub addresses: AddressMode,
    /// Ordinary users.
    pub normal: NormalReport,
    /// Attackers, in the order they started.
    pub attacks: Vec<AttackReport>,
}

impl SimReport {
    /// Every request of the run.
    pub fn total(&self) -> Tally {
        let mut t = self.normal.traffic.clone();
        for a in &self.attacks {
            t.add(&a.traffic);
        }
        t
    }

    /// The attacker of `kind`, if it ran.
    pub fn attack(&self, kind: AttackKind) -> Option<&AttackReport> {
        self.attacks.iter().find(|a| a.kind == kind)
    }
}

/// Shared by every actor of a run.
#[derive(Clone)]
struct Ctx {
    target: SocketAddr,
    host: String,
    pacing: Pacing,
    mode: AddressMode,
    hospital_seed: u64,
    stop: watch::Receiver<bool>,
    start: Instant,
}

impl Ctx {
    fn stopped(&self) -> bool {
        *self.stop.borrow()
    }

    /// Waits `lo..=hi` milliseconds in realtime mode; false when stopped meanwhile.
    async fn pause(&self, rng: &mut Rng, lo_ms: u64, hi_ms: u64) -> bool {
        if self.pacing == Pacing::Fast {
            return !self.stopped();
        }
        self.sleep(Duration::from_millis(rng.range(lo_ms, hi_ms)))
            .await
    }

    /// Waits `d` or until stopped; false when stopped.
    async fn sleep(&self, d: Duration) -> bool {
        let mut stop = self.stop.clone();
        tokio::select! {
            _ = tokio::time::sleep(d) => !self.stopped(),
            () = crate::hospital::stopped(&mut stop) => false,
        }
    }
}

/// One simulated client: connection, identity headers, session token, tally.
struct Actor {
    ctx: Ctx,
    conn: client::Conn,
    address: IpAddr,
    user_agent: String,
    api_key: Option<String>,
    token: Option<String>,
    tally: Tally,
}

impl Actor {
    /// An actor seen at `loopback` (loopback mode) or `public` (forwarded mode).
    fn new(
        ctx: &Ctx,
        loopback: IpAddr,
        public: IpAddr,
        user_agent: &str,
        api_key: Option<String>,
    ) -> Actor {
        let (local, address) = match ctx.mode {
            AddressMode::Loopback => (Some(loopback), loopback),
            AddressMode::Forwarded => (None, public),
        };
        Actor {
            ctx: ctx.clone(),
            conn: client::Conn::new(ctx.target, local),
            address,
            user_agent: user_agent.to_string(),
            api_key,
            token: None,
            tally: Tally::default(),
        }
    }

    /// Sends one request; `None` when it got no answer (counted as an error).
    async fn call(
        &mut self,
        method: Method,
        path: &str,
        body: Option<&Value>,
    ) -> Option<(u16, Value)> {
        self.tally.requests += 1;
        let req = self.request(method, path, body);
        let answer = match req {
            Ok(req) => self.conn.send(req).await,
            Err(e) => Err(e.into()),
        };
        match answer {
            Ok((status, bytes)) => {
                *self.tally.statuses.entry(status).or_default() += 1;
                Some((
                    status,
                    serde_json::from_slice(&bytes).unwrap_or(Value::Null),
                ))
            }
            Err(e) => {
                tracing::debug!(error = %e, path, "demo request failed");
                self.tally.errors += 1;
                None
            }
        }
    }

    fn request(
        &self,
        method: Method,
        path: &str,
        body: Option<&Value>,
    ) -> Result<Request<Full<Bytes>>, http::Error> {
        let mut b = Request::builder()
            .method(method)
            .uri(path)
            .header(header::HOST, &self.ctx.host)
            .header(header::USER_AGENT, &self.user_agent)
            .header(header::ACCEPT, "application/json");
        if self.ctx.mode == AddressMode::Forwarded {
            b = b.header("x-forwarded-for", self.address.to_string());
        }
        if let Some(k) = &self.api_key {
            b = b.header(API_KEY_HEADER, k);
        }
        if let Some(t) = &self.token {
            b = b.header(header::AUTHORIZATION, format!("Bearer {t}"));
        }
        let body = match body {
            Some(v) => {
                b = b.header(header::CONTENT_TYPE, "application/json");
                Bytes::from(v.to_string())
            }
            None => Bytes::new(),
        };
        b.body(Full::new(body))
    }

    /// Signs in; keeps the token on success. Returns the answer's status and body.
    async fn login(&mut self, username: &str, password: &str) -> Option<(u16, Value)> {
        let body = serde_json::json!({"username": username, "password": password});
        let answer = self
            .call(Method::POST, "/api/v1/auth/login", Some(&body))
            .await;
        if let Some((200, v)) = &answer {
            self.token = v["data"]["token"].as_str().map(str::to_string);
        }
        answer
    }
}

/// Runs the simulation until its finite work is done (`sessions_per_user` set) or `stop`
/// turns true, and reports what was sent.
pub async fn run(cfg: SimConfig, stop: watch::Receiver<bool>) -> SimReport {
    let mode = match cfg.addresses {
        AddressMode::Loopback if !client::loopback_sources_work() => AddressMode::Forwarded,
        m => m,
    };
    let ctx = Ctx {
        target: cfg.target,
        host: cfg.host.clone(),
        pacing: cfg.pacing,
        mode,
        hospital_seed: cfg.hospital_seed,
        stop,
        start: Instant::now(),
    };
    let (first_done, mut first_rx) = mpsc::channel::<()>(cfg.normal_users.max(1));
    let mut users = tokio::task::JoinSet::new();
    for i in 0..cfg.normal_users {
        let user = normal::User::new(&cfg, &ctx, i);
        users.spawn(user.run(cfg.sessions_per_user, first_done.clone()));
    }
    drop(first_done);

    let mut attackers = tokio::task::JoinSet::new();
    if cfg.attacks {
        let ready = match cfg.pacing {
            Pacing::Realtime => ctx.sleep(cfg.attack_delay).await,
            Pacing::Fast => {
                // Every user's first session (or every user ended): endpoints exist by now.
                while first_rx.recv().await.is_some() {}
                !ctx.stopped()
            }
        };
        if ready {
            for (n, kind) in AttackKind::ALL.into_iter().enumerate() {
                let offset = match cfg.pacing {
                    Pacing::Realtime => Duration::from_secs(2 * n as u64),
                    Pacing::Fast => Duration::ZERO,
                };
                attackers.spawn(attacks::run(kind, ctx.clone(), cfg.clone(), offset));
            }
        }
    }
    drop(first_rx);

    let mut normal = NormalReport {
        users: cfg.normal_users as u64,
        ..NormalReport::default()
    };
    let mut addresses = std::collections::HashSet::new();
    while let Some(done) = users.join_next().await {
        if let Ok(u) = done {
            normal.sessions += u.sessions;
            normal.logins += u.logins;
            normal.failed_logins += u.failed_logins;
            normal.traffic.add(&u.tally);
            addresses.insert(u.address);
        }
    }
    normal.addresses = addresses.len() as u64;
    let mut reports = Vec::new();
    while let Some(done) = attackers.join_next().await {
        if let Ok(r) = done {
            reports.push(r);
        }
    }
    reports.sort_by_key(|r| (r.started_ms, r.kind));
    SimReport {
        elapsed_ms: ctx.start.elapsed().as_millis() as u64,
        addresses: mode,
        normal,
        attacks: reports,
    }
}
