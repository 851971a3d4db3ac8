//! Ordinary users: doctors on the web portal, patients on the mobile app, lab staff on the
//! partner integration. Per session each reads a handful of records (doctors: one to three
//! list pages and two to four patients; patients: their own record; labs: three to six
//! reports), far below every behaviour threshold. Each application's users come from at most
//! two /24 networks, so an application key shared by its users does not look like token
//! sharing (which needs four).

use std::net::{IpAddr, Ipv4Addr};

use http::Method;
use serde_json::json;
use tokio::sync::mpsc;

use super::{Actor, Ctx, SimConfig, Tally};
use crate::hospital::account::{doctor_account, lab_account, password_of};
use crate::hospital::data::{self, DOCTORS, FIRST_PATIENT, LABS, PATIENTS};
use crate::rng::Rng;
use crate::spec::{MOBILE_APP, PARTNER_LAB, WEB_PORTAL};

const DEPARTMENTS: &[&str] = &["心内科", "内分泌科", "呼吸内科", "儿科", "骨科"];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Doctor(u32),
    Patient(u32),
    Lab(u32),
}

/// One ordinary user.
pub(super) struct User {
    kind: Kind,
    page_size: u64,
    actor: Actor,
    rng: Rng,
}

/// What a user did.
pub(super) struct Done {
    pub sessions: u64,
    pub logins: u64,
    pub failed_logins: u64,
    pub address: IpAddr,
    pub tally: Tally,
}

impl User {
    pub(super) fn new(cfg: &SimConfig, ctx: &Ctx, i: usize) -> User {
        let mut rng = Rng::new(cfg.seed, 0x05E5 + i as u64);
        let host = 10 + (i % 240) as u8;
        let net = (i / 4 % 2) as u8;
        let (kind, consumer, public, ua) = match i % 4 {
            0 | 1 => (
                Kind::Doctor((i as u32 / 4 * 2 + i as u32 % 2) % DOCTORS + 1),
                WEB_PORTAL,
                Ipv4Addr::new(10, 12, 3 + net, host),
                *rng.pick(&[
                    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
                    "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0",
                ]),
            ),
            3 if i % 8 == 3 => (
                Kind::Lab((i as u32 / 8) % LABS + 1),
                PARTNER_LAB,
                Ipv4Addr::new(58, 33, 120, host),
                "LabLink/2.8 (+https://lab.example)",
            ),
            _ => (
                Kind::Patient(FIRST_PATIENT + (i as u32 * 379) % PATIENTS),
                MOBILE_APP,
                Ipv4Addr::new(100, 64, 17 + net, host),
                *rng.pick(&[
                    "HISPatient/4.2.0 (Android 14; Mi 13)",
                    "HISPatient/4.2.0 (iPhone; iOS 18.1)",
                ]),
            ),
        };
        let loopback = Ipv4Addr::new(127, 0, 1, 1 + (i % 250) as u8);
        let actor = Actor::new(
            ctx,
            IpAddr::V4(loopback),
            IpAddr::V4(public),
            ua,
            cfg.key_of(consumer),
        );
        User {
            kind,
            page_size: cfg.page_size,
            actor,
            rng,
        }
    }

    fn account(&self) -> String {
        match self.kind {
            Kind::Doctor(n) => doctor_account(n),
            Kind::Lab(n) => lab_account(n),
            Kind::Patient(id) => data::patient_mobile(self.actor.ctx.hospital_seed, id),
        }
    }

    /// Runs `sessions` sessions (forever when `None`) until stopped; reports on the channel
    /// after the first one.
    pub(super) async fn run(mut self, sessions: Option<u32>, first: mpsc::Sender<()>) -> Done {
        let mut first = Some(first);
        let (mut done, mut logins, mut failed) = (0u64, 0u64, 0u64);
        // Staggered arrivals.
        let ctx = self.actor.ctx.clone();
        let mut go = ctx.pause(&mut self.rng, 0, 3000).await;
        while go && sessions.is_none_or(|n| done < u64::from(n)) {
            let (l, f) = self.session().await;
            logins += l;
            failed += f;
            done += 1;
            if let Some(tx) = first.take() {
                let _ = tx.send(()).await;
            }
            // A break between sessions: a doctor sees a patient, a patient puts the phone away.
            go = ctx.pause(&mut self.rng, 15_000, 45_000).await;
        }
        Done {
            sessions: done,
            logins,
            failed_logins: failed,
            address: self.actor.address,
            tally: self.actor.tally,
        }
    }

    /// One session: (sign-in attempts, failed ones).
    async fn session(&mut self) -> (u64, u64) {
        let account = self.account();
        let password = password_of(&account);
        let (mut logins, mut failed) = (0, 0);
        self.actor.token = None;
        if self.rng.chance(0.1) {
            logins += 1;
            failed += 1;
            let typo = format!("{}{}", &password[..password.len() - 1], "7");
            self.actor.login(&account, &typo).await;
            if !self.think(1500, 4000).await {
                return (logins, failed);
            }
        }
        logins += 1;
        match self.actor.login(&account, &password).await {
            Some((200, _)) => {}
            _ => return (logins, failed + 1),
        }
        match self.kind {
            Kind::Doctor(_) => self.doctor().await,
            Kind::Patient(id) => self.patient(id).await,
            Kind::Lab(_) => self.lab().await,
        }
        (logins, failed)
    }

    async fn think(&mut self, lo: u64, hi: u64) -> bool {
        let ctx = self.actor.ctx.clone();
        ctx.pause(&mut self.rng, lo, hi).await
    }

    async fn get(&mut self, path: &str) -> Option<(u16, serde_json::Value)> {
        if !self.think(400, 2500).await {
            return None;
        }
        self.actor.call(Method::GET, path, None).await
    }

    async fn doctor(&mut self) {
        if self.rng.chance(0.3) {
            let dept = *self.rng.pick(DEPARTMENTS);
            let q = percent_encoding::utf8_percent_encode(dept, percent_encoding::NON_ALPHANUMERIC);
            self.get(&format!("/api/v1/doctors?dept={q}")).await;
        }
        let mut ids = Vec::new();
        let start = self.rng.range(1, 40);
        for page in start..start + self.rng.range(1, 3) {
            let Some((200, v)) = self
                .get(&format!(
                    "/api/v1/patients?page={page}&size={}",
                    self.page_size
                ))
                .await
            else {
                return;
            };
            if let Some(items) = v["data"]["items"].as_array() {
                ids.extend(items.iter().filter_map(|p| p["id"].as_u64()));
            }
        }
        if ids.is_empty() {
            return;
        }
        for _ in 0..self.rng.range(2, 4) {
            let id = *self.rng.pick(&ids);
            if self.get(&format!("/api/v1/patients/{id}")).await.is_none() {
                return;
            }
            if self.rng.chance(0.5) {
                self.get(&format!("/api/v1/patients/{id}/appointments"))
                    .await;
            }
            if self.rng.chance(0.4) {
                self.get(&format!("/api/v1/patients/{id}/prescriptions"))
                    .await;
            }
            if self.rng.chance(0.3) {
                let k = self.rng.range(1, u64::from(data::LAB_REPORTS));
                self.get(&format!("/api/v1/lab-results/{}", id * 10 + k))
                    .await;
            }
        }
        if self.rng.chance(0.15) {
            let id = *self.rng.pick(&ids);
            self.book(id).await;
        }
    }

    async fn patient(&mut self, id: u32) {
        if self.get(&format!("/api/v1/patients/{id}")).await.is_none() {
            return;
        }
        self.get(&format!("/api/v1/patients/{id}/appointments"))
            .await;
        if self.rng.chance(0.5) {
            self.get(&format!("/api/v1/patients/{id}/prescriptions"))
                .await;
        }
        if self.rng.chance(0.4) {
            let k = self.rng.range(1, u64::from(data::LAB_REPORTS));
            self.get(&format!("/api/v1/lab-results/{}", u64::from(id) * 10 + k))
                .await;
        }
        if self.rng.chance(0.3) {
            self.get("/api/v1/doctors").await;
        }
        if self.rng.chance(0.2) {
            self.book(u64::from(id)).await;
        }
    }

    async fn lab(&mut self) {
        for _ in 0..self.rng.range(3, 6) {
            let pid = u64::from(FIRST_PATIENT) + self.rng.below(u64::from(PATIENTS));
            let k = self.rng.range(1, u64::from(data::LAB_REPORTS));
            if self
                .get(&format!("/api/v1/lab-results/{}", pid * 10 + k))
                .await
                .is_none()
            {
                return;
            }
        }
    }

    async fn book(&mut self, patient: u64) {
        if !self.think(800, 3000).await {
            return;
        }
        let doctor = data::doctor_id(self.rng.range(1, u64::from(DOCTORS)) as u32);
        let day = self.rng.range(3, 28);
        let body = json!({"patientId": patient, "doctorId": doctor,
                          "time": format!("2026-12-{day:02}T10:00:00+08:00")});
        self.actor
            .call(Method::POST, "/api/v1/appointments", Some(&body))
            .await;
    }
}
