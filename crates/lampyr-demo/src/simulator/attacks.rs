//! The five attackers, each from its own address with its own user agent, each sized to cross
//! the default behaviour thresholds (`lampyr_detect::behavior::BehaviorConfig::default()`)
//! with a margin:
//!
//! | kind | requests | crosses |
//! |---|---|---|
//! | SQL injection | 16 GETs on `/api/v1/doctors?q=|sort=|dept=` + 4 sign-ins with an injected user name | inspection (`attack.sqli`) on the first; the 500s add `posture.verbose_error` |
//! | credential stuffing | 60 sign-ins, 60 distinct unknown accounts, all failing | `stuffing_min_accounts` 10 and `stuffing_min_failure_ratio` 0.5 per source address, at the 10th |
//! | BOLA | a patient signs in, reads their record, then walks 60 other patient ids: 44 × 403, 16 × 404 | `bola_min_ids` 15, `bola_min_denied_ratio` 0.5, `bola_min_distinct_ratio` 0.7, at the 15th id |
//! | scraping | the insurer's integration account pages through 360 pages (of `page_size` patients) | `scraping_min_pages` 30, ×10 (`first_window_ceiling`) while the engine is in its warm-up: 300 pages |
//! | scanner | 32 well-known probe paths (`/.env`, `/.git/config`, `/actuator/env`...) without a key | `scanner_min_probes` 3, at the 3rd |

use std::net::{IpAddr, Ipv4Addr};
use std::time::Duration;

use http::Method;
use percent_encoding::{utf8_percent_encode, NON_ALPHANUMERIC};
use serde::Serialize;
use serde_json::json;

use super::{Actor, AttackReport, Ctx, SimConfig};
use crate::hospital::account::{password_of, INTEGRATION_ACCOUNT};
use crate::hospital::data::{self, FIRST_PATIENT, PATIENTS};
use crate::rng::Rng;
use crate::spec::{MOBILE_APP, PARTNER_INSURER, WEB_PORTAL};

/// The kinds of attack the simulator runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AttackKind {
    /// Well-known probe paths.
    Scanner,
    /// SQL injection in query parameters and the sign-in body.
    Sqli,
    /// Many accounts failing to sign in from one address.
    CredentialStuffing,
    /// A signed-in patient walking other patients' ids.
    Bola,
    /// A partner paging through the whole patient list.
    Scraping,
}

impl AttackKind {
    /// Every kind, in the order they start.
    pub const ALL: [AttackKind; 5] = [
        AttackKind::Scanner,
        AttackKind::Sqli,
        AttackKind::CredentialStuffing,
        AttackKind::Bola,
        AttackKind::Scraping,
    ];

    /// The finding category the attack should raise.
    pub fn category(self) -> &'static str {
        match self {
            AttackKind::Scanner => "abuse.scanner",
            AttackKind::Sqli => "attack.sqli",
            AttackKind::CredentialStuffing => "abuse.credential_stuffing",
            AttackKind::Bola => "abuse.bola",
            AttackKind::Scraping => "abuse.scraping",
        }
    }

    /// (consumer whose key it uses, loopback address, public address, user agent).
    fn identity(self) -> (Option<&'static str>, u8, Ipv4Addr, &'static str) {
        match self {
            AttackKind::Scanner => (
                None,
                5,
                Ipv4Addr::new(192, 0, 2, 99),
                "Mozilla/5.0 (compatible; Nuclei - Open-source project (github.com/projectdiscovery/nuclei))",
            ),
            AttackKind::Sqli => (
                Some(WEB_PORTAL),
                1,
                Ipv4Addr::new(198, 51, 100, 7),
                "sqlmap/1.8.2#stable (https://sqlmap.org)",
            ),
            AttackKind::CredentialStuffing => (
                Some(MOBILE_APP),
                2,
                Ipv4Addr::new(203, 0, 113, 45),
                "python-requests/2.31.0",
            ),
            AttackKind::Bola => (
                Some(MOBILE_APP),
                3,
                Ipv4Addr::new(100, 64, 19, 23),
                "HISPatient/4.2.0 (Android 14; Mi 13)",
            ),
            AttackKind::Scraping => (
                Some(PARTNER_INSURER),
                4,
                Ipv4Addr::new(198, 51, 100, 23),
                "Apache-HttpClient/4.5.13 (Java/1.8.0_292)",
            ),
        }
    }
}

/// Distinct accounts the stuffer tries.
pub const STUFFING_ACCOUNTS: u64 = 60;
/// Other patients' ids the BOLA walker requests.
pub const BOLA_IDS: u32 = 60;
/// List pages the scraper reads.
pub const SCRAPING_PAGES: u64 = 360;

const SCANNER_PATHS: &[&str] = &[
    "/.env",
    "/.git/config",
    "/.git/HEAD",
    "/.svn/entries",
    "/.DS_Store",
    "/.aws/credentials",
    "/wp-admin/",
    "/wp-login.php",
    "/xmlrpc.php",
    "/phpmyadmin/",
    "/phpinfo.php",
    "/server-status",
    "/actuator/env",
    "/actuator/heapdump",
    "/actuator/mappings",
    "/jmx-console/",
    "/manager/html",
    "/console/",
    "/solr/admin/",
    "/cgi-bin/test.cgi",
    "/vendor/phpunit/phpunit/src/Util/PHP/eval-stdin.php",
    "/config.php",
    "/backup.sql",
    "/db.sql",
    "/web.config",
    "/WEB-INF/web.xml",
    "/api/.env",
    "/api/v1/.git/config",
    "/api/v1/backup.zip",
    "/api/swagger-ui.html",
    "/api/v2/api-docs",
    "/api/actuator/env",
];

const SQLI_QUERIES: &[&str] = &[
    "q=' OR '1'='1",
    "q=' OR 1=1-- -",
    "q=1' AND SLEEP(5)-- -",
    "q=' UNION SELECT username,password,3,4 FROM sys_user-- -",
    "q=%' AND 1=CONVERT(int,(SELECT @@version))-- -",
    "q=1'; DROP TABLE patient;--",
    "sort=name,(SELECT CASE WHEN (1=1) THEN 1 ELSE 1/0 END)",
    "sort=name'",
    "sort=(SELECT 1 FROM (SELECT SLEEP(5))a)",
    "sort=id DESC; WAITFOR DELAY '0:0:5'--",
    "dept=1 UNION ALL SELECT NULL,NULL,table_name FROM information_schema.tables-- -",
    "dept=' AND extractvalue(1,concat(0x7e,(SELECT user()),0x7e))-- -",
    "q=\" OR \"\"=\"",
    "q=admin'/**/or/**/1=1#",
    "dept=1' AND (SELECT 2*(IF((SELECT * FROM (SELECT CONCAT(0x71,(SELECT database()),0x71))s), 8446744073709551610, 8446744073709551610)))-- -",
    "q=') OR ('a'='a",
];

const SQLI_LOGINS: &[&str] = &[
    "admin' --",
    "admin' OR '1'='1",
    "' OR 1=1 LIMIT 1-- -",
    "admin') OR ('1'='1'--",
];

const STUFFING_PASSWORDS: &[&str] = &[
    "123456",
    "a123456",
    "123456789",
    "Aa123456",
    "qwerty123",
    "woaini1314",
    "111111",
    "admin123",
    "zxcvbnm",
    "P@ssw0rd",
];

const PINYIN: &[&str] = &[
    "zhangwei", "wangfang", "liuyang", "chenjing", "lihua", "zhaolei", "huangmin", "zhoujie",
    "wuqiang", "xuli", "sunhao", "mayan",
];

/// Encodes the value part of each `k=v` query pair.
fn encode_query(pair: &str) -> String {
    let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
    format!("{k}={}", utf8_percent_encode(v, NON_ALPHANUMERIC))
}

/// Runs one attacker after `offset` and reports what it sent.
pub(super) async fn run(
    kind: AttackKind,
    ctx: Ctx,
    cfg: SimConfig,
    offset: Duration,
) -> AttackReport {
    let (consumer, lo, public, ua) = kind.identity();
    let mut actor = Actor::new(
        &ctx,
        IpAddr::V4(Ipv4Addr::new(127, 0, 2, lo)),
        IpAddr::V4(public),
        ua,
        consumer.and_then(|c| cfg.key_of(c)),
    );
    let mut rng = Rng::new(cfg.seed, 0xA77A_C000 + kind as u64);
    let go = offset.is_zero() || ctx.sleep(offset).await;
    let started_ms = ctx.start.elapsed().as_millis() as u64;
    let mut user = None;
    if go {
        match kind {
            AttackKind::Scanner => scanner(&mut actor, &mut rng).await,
            AttackKind::Sqli => sqli(&mut actor, &mut rng).await,
            AttackKind::CredentialStuffing => stuffing(&mut actor, &mut rng).await,
            AttackKind::Bola => user = bola(&mut actor, &mut rng).await,
            AttackKind::Scraping => user = scraping(&mut actor, &mut rng, cfg.page_size).await,
        }
    }
    AttackReport {
        kind,
        category: kind.category(),
        address: actor.address,
        consumer: consumer
            .filter(|_| actor.api_key.is_some())
            .map(str::to_string),
        user,
        user_agent: ua.to_string(),
        started_ms,
        traffic: actor.tally,
    }
}

async fn scanner(a: &mut Actor, rng: &mut Rng) {
    for path in SCANNER_PATHS {
        if !a.ctx.clone().pause(rng, 150, 350).await {
            return;
        }
        a.call(Method::GET, path, None).await;
    }
}

async fn sqli(a: &mut Actor, rng: &mut Rng) {
    for (i, q) in SQLI_QUERIES.iter().enumerate() {
        if !a.ctx.clone().pause(rng, 300, 800).await {
            return;
        }
        a.call(
            Method::GET,
            &format!("/api/v1/doctors?{}", encode_query(q)),
            None,
        )
        .await;
        if i % 4 == 3 {
            let name = SQLI_LOGINS[i / 4];
            let body = json!({"username": name, "password": "x"});
            a.call(Method::POST, "/api/v1/auth/login", Some(&body))
                .await;
        }
    }
}

async fn stuffing(a: &mut Actor, rng: &mut Rng) {
    for i in 0..STUFFING_ACCOUNTS {
        if !a.ctx.clone().pause(rng, 100, 300).await {
            return;
        }
        // Accounts from a leaked list: unknown mobiles, e-mails and user names.
        let account = match i % 3 {
            0 => format!("1{}{}", rng.pick(&["39", "86", "58", "77"]), rng.digits(8)),
            1 => format!("{}{}@qq.com", rng.pick(PINYIN), rng.range(1970, 2005)),
            _ => format!("{}{}", rng.pick(PINYIN), rng.range(10, 999)),
        };
        let password = STUFFING_PASSWORDS[i as usize % STUFFING_PASSWORDS.len()];
        a.login(&account, password).await;
    }
}

/// Returns the account the walker signed in as.
async fn bola(a: &mut Actor, rng: &mut Rng) -> Option<String> {
    // A patient near the end of the data: the walk runs past the last patient (404s).
    let own = FIRST_PATIENT + PATIENTS - 45;
    let account = data::patient_mobile(a.ctx.hospital_seed, own);
    a.login(&account, &password_of(&account)).await;
    a.call(Method::GET, &format!("/api/v1/patients/{own}"), None)
        .await;
    for id in own + 1..=own + BOLA_IDS {
        if !a.ctx.clone().pause(rng, 150, 350).await {
            break;
        }
        a.call(Method::GET, &format!("/api/v1/patients/{id}"), None)
            .await;
    }
    Some(account)
}

/// Returns the account the scraper signed in as.
async fn scraping(a: &mut Actor, rng: &mut Rng, size: u64) -> Option<String> {
    a.login(INTEGRATION_ACCOUNT, &password_of(INTEGRATION_ACCOUNT))
        .await;
    for page in 1..=SCRAPING_PAGES {
        if !a.ctx.clone().pause(rng, 30, 90).await {
            break;
        }
        a.call(
            Method::GET,
            &format!("/api/v1/patients?page={page}&size={size}"),
            None,
        )
        .await;
    }
    Some(INTEGRATION_ACCOUNT.to_string())
}
