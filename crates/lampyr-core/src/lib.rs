//! Domain types shared by every Lampyr crate.
//!
//! An [`Exchange`] is one HTTP request with its (optional) response, whatever source it came
//! from: a HAR file, a JSON Lines log, the gateway mirror or a packet capture. Everything
//! downstream (discovery, classification, detection) reads only this type, so sources stay
//! interchangeable. This crate does no I/O.

mod body;
mod exchange;
mod headers;
pub mod json_text;
mod redact;

pub use body::{Body, BodyLimits, DEFAULT_MAX_BODY};
pub use exchange::{Exchange, Identity, Request, Response, Source, SourceKind, Timing};
pub use headers::Headers;
pub use redact::Redacted;
