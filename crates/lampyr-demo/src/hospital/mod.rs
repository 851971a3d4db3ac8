//! The demo upstream: a hospital information system's JSON API on hyper 1.
//!
//! | endpoint | who | notes |
//! |---|---|---|
//! | `GET /api/v1/health` | anyone | |
//! | `POST /api/v1/auth/login` | anyone | `{"username","password"}` → 200 `{code:0,data:{token}}` or 401 |
//! | `GET /api/v1/doctors?dept=&q=&sort=` | anyone | a quote in `q` or `sort` answers 500 with a Java stack trace and a MySQL error (a deliberate posture finding) |
//! | `GET /api/v1/patients?page=&size=&name=` | doctors | list of patient summaries |
//! | `GET /api/v1/patients/{id}` (`/appointments`, `/prescriptions`) | doctors; a patient for their own id | 403 for someone else's record, 404 outside the data |
//! | `GET /api/v1/lab-results/{id}` | doctors, labs; a patient for their own reports | report ids are `patient_id * 10 + 1..=3` |
//! | `POST /api/v1/appointments` | doctors; a patient for themself | 201 |
//!
//! Callers authenticate with `Authorization: Bearer <token>` from the login (see
//! [`account`]); the gateway in front adds the API-key layer. Responses carry
//! `Server: nginx/1.20.1`, a version with a known CVE, for the posture view.

pub mod account;
pub mod data;

use std::convert::Infallible;
use std::time::{SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use http::{header, Method, Request, Response, StatusCode};
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use serde_json::{json, Value};
use std::sync::Arc;
use tokio::net::TcpListener;
use tokio::sync::watch;

use account::{Accounts, Role};

/// Largest request body the hospital reads.
const MAX_BODY: usize = 64 * 1024;
/// Largest page size.
const MAX_PAGE_SIZE: u64 = 100;
/// The seed [`serve_hospital`] uses: the simulator must use the same to know the patients.
pub const DEFAULT_SEED: u64 = 20_261_202;

/// The hospital: its seed and accounts.
pub struct Hospital {
    seed: u64,
    accounts: Accounts,
}

impl Hospital {
    /// A hospital whose records are generated from `seed`.
    pub fn new(seed: u64) -> Hospital {
        Hospital {
            seed,
            accounts: Accounts::new(seed),
        }
    }

    /// Answers one request (the whole body already read).
    pub fn handle(
        &self,
        method: &Method,
        path: &str,
        query: Option<&str>,
        auth: Option<&str>,
        body: &[u8],
    ) -> (StatusCode, Value) {
        let now = unix_now();
        let role = auth
            .and_then(|a| {
                a.strip_prefix("Bearer ")
                    .or_else(|| a.strip_prefix("bearer "))
            })
            .and_then(|t| self.accounts.verify(t.trim(), now));
        let segs: Vec<&str> = path
            .strip_prefix("/api/v1/")
            .map(|p| p.trim_end_matches('/').split('/').collect())
            .unwrap_or_default();
        let get = method == Method::GET;
        let post = method == Method::POST;
        match segs.as_slice() {
            ["health"] if get => (StatusCode::OK, json!({"status": "UP", "version": "2.3.1"})),
            ["auth", "login"] if post => self.login(body, now),
            ["doctors"] if get => self.doctors(query),
            ["patients"] if get => self.with_role(role, |r| self.patients(r, query)),
            ["patients", id] if get => {
                self.with_role(role, |r| self.patient_part(r, id, data::patient))
            }
            ["patients", id, "appointments"] if get => self.with_role(role, |r| {
                self.patient_part(r, id, |s, id| json!({"items": data::appointments(s, id)}))
            }),
            ["patients", id, "prescriptions"] if get => self.with_role(role, |r| {
                self.patient_part(r, id, |s, id| json!({"items": data::prescriptions(s, id)}))
            }),
            ["lab-results", id] if get => self.with_role(role, |r| self.lab_result(r, id)),
            ["appointments"] if post => self.with_role(role, |r| self.book(r, body)),
            ["health"]
            | ["auth", "login"]
            | ["doctors"]
            | ["patients"]
            | ["patients", _]
            | ["patients", _, "appointments" | "prescriptions"]
            | ["lab-results", _]
            | ["appointments"] => error(StatusCode::METHOD_NOT_ALLOWED, "method not allowed"),
            _ => error(StatusCode::NOT_FOUND, "not found"),
        }
    }

    fn with_role(
        &self,
        role: Option<Role>,
        f: impl FnOnce(&Role) -> (StatusCode, Value),
    ) -> (StatusCode, Value) {
        match role {
            Some(r) => f(&r),
            None => error(StatusCode::UNAUTHORIZED, "missing or invalid token"),
        }
    }

    fn login(&self, body: &[u8], now: u64) -> (StatusCode, Value) {
        let Ok(v) = serde_json::from_slice::<Value>(body) else {
            return error(StatusCode::BAD_REQUEST, "expected a JSON body");
        };
        let (Some(user), Some(pass)) = (v["username"].as_str(), v["password"].as_str()) else {
            return error(
                StatusCode::BAD_REQUEST,
                "username and password are required",
            );
        };
        match self.accounts.login(user, pass, now) {
            Some((token, role)) => {
                let mut user = json!({"username": user, "role": role.name()});
                if let Role::Patient(id) = role {
                    user["patientId"] = json!(id);
                }
                (
                    StatusCode::OK,
                    json!({"code": 0, "data": {"token": token, "expiresIn": account::TOKEN_TTL_S, "user": user}}),
                )
            }
            None => error(StatusCode::UNAUTHORIZED, "invalid username or password"),
        }
    }

    fn doctors(&self, query: Option<&str>) -> (StatusCode, Value) {
        let dept = param(query, "dept");
        let q = param(query, "q");
        let sort = param(query, "sort");
        // The vulnerable search: the values are pasted into SQL, and the driver's error and
        // the stack trace go back to the caller.
        for v in [&q, &sort].into_iter().flatten() {
            if v.contains(['\'', '"', ';']) {
                return (StatusCode::INTERNAL_SERVER_ERROR, verbose_sql_error(v));
            }
        }
        let mut items = data::doctors(self.seed, dept.as_deref());
        if let Some(q) = q.filter(|q| !q.is_empty()) {
            items.retain(|d| d["name"].as_str().is_some_and(|n| n.contains(q.as_str())));
        }
        if sort.as_deref() == Some("name") {
            items.sort_by(|a, b| a["name"].as_str().cmp(&b["name"].as_str()));
        }
        (
            StatusCode::OK,
            json!({"code": 0, "data": {"total": items.len(), "items": items}}),
        )
    }

    fn patients(&self, role: &Role, query: Option<&str>) -> (StatusCode, Value) {
        if *role != Role::Doctor {
            return error(StatusCode::FORBIDDEN, "staff only");
        }
        let page = param(query, "page")
            .and_then(|p| p.parse::<u64>().ok())
            .unwrap_or(1)
            .max(1);
        let size = param(query, "size")
            .and_then(|p| p.parse::<u64>().ok())
            .unwrap_or(20)
            .clamp(1, MAX_PAGE_SIZE);
        let name = param(query, "name").filter(|n| !n.is_empty());
        let total = u64::from(data::PATIENTS);
        let first = (page - 1).saturating_mul(size);
        let items: Vec<Value> = (first..first.saturating_add(size).min(total))
            .map(|i| data::patient_summary(self.seed, data::FIRST_PATIENT + i as u32))
            .filter(|p| {
                name.as_deref()
                    .is_none_or(|n| p["name"].as_str().is_some_and(|s| s.contains(n)))
            })
            .collect();
        (
            StatusCode::OK,
            json!({"code": 0, "data": {"page": page, "size": size, "total": total, "items": items}}),
        )
    }

    fn patient_part(
        &self,
        role: &Role,
        id: &str,
        part: impl FnOnce(u64, u32) -> Value,
    ) -> (StatusCode, Value) {
        let Some(id) = id
            .parse::<u32>()
            .ok()
            .filter(|id| data::patient_exists(*id))
        else {
            return error(StatusCode::NOT_FOUND, "no such patient");
        };
        match role {
            Role::Doctor => {}
            Role::Patient(own) if *own == id => {}
            _ => return error(StatusCode::FORBIDDEN, "not your record"),
        }
        (
            StatusCode::OK,
            json!({"code": 0, "data": part(self.seed, id)}),
        )
    }

    fn lab_result(&self, role: &Role, id: &str) -> (StatusCode, Value) {
        let report = id
            .parse::<u64>()
            .ok()
            .and_then(|id| Some((id, data::lab_report_patient(id)?)));
        let Some((id, owner)) = report else {
            return error(StatusCode::NOT_FOUND, "no such report");
        };
        if matches!(role, Role::Patient(own) if *own != owner) {
            return error(StatusCode::FORBIDDEN, "not your report");
        }
        match data::lab_result(self.seed, id) {
            Some(r) => (StatusCode::OK, json!({"code": 0, "data": r})),
            None => error(StatusCode::NOT_FOUND, "no such report"),
        }
    }

    fn book(&self, role: &Role, body: &[u8]) -> (StatusCode, Value) {
        let Ok(v) = serde_json::from_slice::<Value>(body) else {
            return error(StatusCode::BAD_REQUEST, "expected a JSON body");
        };
        let (Some(pid), Some(doctor)) = (v["patientId"].as_u64(), v["doctorId"].as_str()) else {
            return error(
                StatusCode::BAD_REQUEST,
                "patientId and doctorId are required",
            );
        };
        let Some(pid) = u32::try_from(pid).ok().filter(|p| data::patient_exists(*p)) else {
            return error(StatusCode::NOT_FOUND, "no such patient");
        };
        if matches!(role, Role::Lab) || matches!(role, Role::Patient(own) if *own != pid) {
            return error(StatusCode::FORBIDDEN, "cannot book for this patient");
        }
        let number = |s: &str| s.strip_prefix('D').and_then(|n| n.parse::<u32>().ok());
        let Some(n) = number(doctor).filter(|n| (1..=data::DOCTORS).contains(n)) else {
            return error(StatusCode::BAD_REQUEST, "unknown doctorId");
        };
        let d = data::doctor(self.seed, n);
        (
            StatusCode::CREATED,
            json!({"code": 0, "data": {
                "id": u64::from(pid) * 10 + 9,
                "patientId": pid,
                "doctorId": d["id"],
                "department": d["department"],
                "time": v["time"].as_str().unwrap_or("2026-12-15T09:00:00+08:00"),
                "status": "booked",
            }}),
        )
    }
}

/// A JSON error answer.
fn error(status: StatusCode, message: &str) -> (StatusCode, Value) {
    (status, json!({"code": status.as_u16(), "error": message}))
}

/// The 500 a careless Spring application returns on a broken query: driver message and trace.
fn verbose_sql_error(input: &str) -> Value {
    let near: String = input.chars().take(40).collect();
    json!({
        "code": 500,
        "error": "Internal Server Error",
        "message": format!("You have an error in your SQL syntax; check the manual that corresponds to your MySQL server version for the right syntax to use near '{near}' at line 1"),
        "exception": "java.sql.SQLSyntaxErrorException",
        "trace": "java.sql.SQLSyntaxErrorException: You have an error in your SQL syntax\n\tat com.mysql.cj.jdbc.exceptions.SQLError.createSQLException(SQLError.java:120)\n\tat com.mysql.cj.jdbc.StatementImpl.executeQuery(StatementImpl.java:1200)\n\tat cn.hospital.his.doctor.DoctorDao.search(DoctorDao.java:87)\n\tat cn.hospital.his.doctor.DoctorController.list(DoctorController.java:42)",
    })
}

/// The decoded value of query parameter `name`.
fn param(query: Option<&str>, name: &str) -> Option<String> {
    query?.split('&').find_map(|pair| {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        (k == name).then(|| {
            percent_encoding::percent_decode_str(&v.replace('+', " "))
                .decode_utf8_lossy()
                .into_owned()
        })
    })
}

/// Resolves when `rx` says stop (or its sender is gone); holds no borrow across awaits.
pub(crate) async fn stopped(rx: &mut watch::Receiver<bool>) {
    let _ = rx.wait_for(|s| *s).await.map(|_| ());
}

fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

async fn respond(
    h: Arc<Hospital>,
    req: Request<Incoming>,
) -> Result<Response<Full<Bytes>>, Infallible> {
    let (parts, body) = req.into_parts();
    let (status, value) = match Limited::new(body, MAX_BODY).collect().await {
        Ok(b) => {
            let body = b.to_bytes();
            let auth = parts
                .headers
                .get(header::AUTHORIZATION)
                .and_then(|v| v.to_str().ok());
            h.handle(
                &parts.method,
                parts.uri.path(),
                parts.uri.query(),
                auth,
                &body,
            )
        }
        Err(_) => error(StatusCode::PAYLOAD_TOO_LARGE, "request body too large"),
    };
    let mut resp = Response::new(Full::new(Bytes::from(value.to_string())));
    *resp.status_mut() = status;
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        header::HeaderValue::from_static("application/json;charset=UTF-8"),
    );
    h.insert(
        header::SERVER,
        header::HeaderValue::from_static("nginx/1.20.1"),
    );
    Ok(resp)
}

/// Serves the hospital (seed [`DEFAULT_SEED`]) on `listener` until `shutdown` turns true (or
/// its sender is dropped); open connections finish their current request and close.
pub async fn serve_hospital(listener: TcpListener, shutdown: watch::Receiver<bool>) {
    serve_hospital_seeded(listener, shutdown, DEFAULT_SEED).await;
}

/// [`serve_hospital`] with another seed (other patients, other token key).
pub async fn serve_hospital_seeded(
    listener: TcpListener,
    mut shutdown: watch::Receiver<bool>,
    seed: u64,
) {
    let hospital = Arc::new(Hospital::new(seed));
    let mut conns = tokio::task::JoinSet::new();
    loop {
        tokio::select! {
            () = stopped(&mut shutdown) => break,
            accepted = listener.accept() => {
                let Ok((stream, _)) = accepted else {
                    // Out of descriptors and the like: back off briefly rather than spin.
                    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
                    continue;
                };
                let h = hospital.clone();
                let mut stop = shutdown.clone();
                conns.spawn(async move {
                    let svc = service_fn(move |req| respond(h.clone(), req));
                    let conn = hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), svc);
                    tokio::pin!(conn);
                    tokio::select! {
                        _ = &mut conn => {}
                        () = stopped(&mut stop) => {
                            conn.as_mut().graceful_shutdown();
                            let _ = conn.await;
                        }
                    }
                });
                while conns.try_join_next().is_some() {}
            }
        }
    }
    while conns.join_next().await.is_some() {}
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doctor_token(h: &Hospital) -> String {
        let (s, v) = h.handle(
            &Method::POST,
            "/api/v1/auth/login",
            None,
            None,
            br#"{"username":"doc001","password":"doc001@Demo2026"}"#,
        );
        assert_eq!(s, StatusCode::OK);
        format!("Bearer {}", v["data"]["token"].as_str().unwrap())
    }

    #[test]
    fn roles_decide_access() {
        let h = Hospital::new(5);
        let doc = doctor_token(&h);
        let mobile = data::patient_mobile(5, 10_010);
        let body =
            json!({"username": mobile, "password": account::password_of(&mobile)}).to_string();
        let (s, v) = h.handle(
            &Method::POST,
            "/api/v1/auth/login",
            None,
            None,
            body.as_bytes(),
        );
        assert_eq!(s, StatusCode::OK);
        let own = v["data"]["user"]["patientId"].as_u64().unwrap() as u32;
        let pat = format!("Bearer {}", v["data"]["token"].as_str().unwrap());
        let get = |path: &str, auth: &str| h.handle(&Method::GET, path, None, Some(auth), b"").0;
        assert_eq!(
            get(&format!("/api/v1/patients/{own}"), &pat),
            StatusCode::OK
        );
        assert_eq!(
            get(&format!("/api/v1/patients/{}", own + 1), &pat),
            StatusCode::FORBIDDEN
        );
        assert_eq!(
            get(&format!("/api/v1/patients/{}", own + 1), &doc),
            StatusCode::OK
        );
        assert_eq!(
            get("/api/v1/patients/99999999", &pat),
            StatusCode::NOT_FOUND
        );
        assert_eq!(get("/api/v1/patients", &pat), StatusCode::FORBIDDEN);
        assert_eq!(
            get(
                &format!("/api/v1/lab-results/{}", u64::from(own) * 10 + 1),
                &pat
            ),
            StatusCode::OK
        );
        assert_eq!(
            get("/api/v1/lab-results/100011", "Bearer nope"),
            StatusCode::UNAUTHORIZED
        );
        assert_eq!(get("/api/v1/nothing", &doc), StatusCode::NOT_FOUND);
        let (s, _) = h.handle(
            &Method::DELETE,
            "/api/v1/patients/10001",
            None,
            Some(&doc),
            b"",
        );
        assert_eq!(s, StatusCode::METHOD_NOT_ALLOWED);
    }

    #[test]
    fn the_doctor_search_leaks_a_trace_on_a_quote() {
        let h = Hospital::new(5);
        let (s, v) = h.handle(
            &Method::GET,
            "/api/v1/doctors",
            Some("sort=name%27"),
            None,
            b"",
        );
        assert_eq!(s, StatusCode::INTERNAL_SERVER_ERROR);
        assert!(v["trace"].as_str().unwrap().contains("(DoctorDao.java:87)"));
        let (s, v) = h.handle(
            &Method::GET,
            "/api/v1/doctors",
            Some("dept=%E5%84%BF%E7%A7%91"),
            None,
            b"",
        );
        assert_eq!(s, StatusCode::OK);
        assert_eq!(v["data"]["total"], 3, "24 doctors over 8 departments");
    }
}
