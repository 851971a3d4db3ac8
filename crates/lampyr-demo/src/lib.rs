//! `lampyr demo`: something to protect and someone to protect it from.
//!
//! A first-time user has no API in front of Lampyr yet. This crate brings three parts that
//! `lampyr demo` wires around a running platform (`lampyr serve`):
//!
//! - [`hospital`]: a realistic hospital JSON API (patients with resident ids, mobiles,
//!   addresses, medical record numbers; appointments, prescriptions, lab results with ICD-10
//!   codes; doctors), generated deterministically from a seed, with role-based access (a
//!   patient sees only their own record) and one deliberately verbose error;
//! - [`spec`]: the gateway configuration in front of it: an upstream, the routes (inspection
//!   in `monitor` mode so attacks reach analytics, a per-consumer rate limit), and one API-key
//!   consumer per client application;
//! - [`simulator`]: ordinary users (staff, patients, a lab partner) and five attackers (SQL
//!   injection, credential stuffing, BOLA enumeration, scraping, a scanner) sending HTTP/1.1
//!   through the gateway, sized to cross the behaviour detectors' default thresholds while the
//!   ordinary users stay well below them. Its [`simulator::SimReport`] is the ground truth.

pub mod hospital;
mod rng;
pub mod simulator;
pub mod spec;

pub use hospital::serve_hospital;
pub use simulator::{run, AddressMode, AttackKind, Pacing, SimConfig, SimReport};
pub use spec::{demo_gateway, DemoClient};

/// Errors of the demo parts.
#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    /// A socket could not be opened, bound or connected.
    #[error("demo socket: {0}")]
    Io(#[from] std::io::Error),
    /// An HTTP exchange with the gateway or the hospital failed.
    #[error("demo HTTP: {0}")]
    Http(#[from] hyper::Error),
    /// A request could not be built (a bad header value or target).
    #[error("demo request: {0}")]
    Request(#[from] http::Error),
    /// A response took longer than the simulator waits.
    #[error("demo request timed out")]
    Timeout,
}
