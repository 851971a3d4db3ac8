//! API discovery from traffic.
//!
//! Exchanges go in through [`Discovery::observe`]; [`Discovery::finish`] returns the
//! [`Inventory`]: endpoints as `(method, host, path template)` with parameter structure trees,
//! auth, and statistics. The crate is pure (no I/O, no async): callers feed it from any source.

pub mod auth;
pub mod graphql;
mod infer;
mod inventory;
pub mod openapi;
mod openapi_params;
pub mod params;
pub mod path;
pub mod redact;
pub mod schema;
pub mod segment;
pub mod spec_import;
pub mod stats;
pub mod template;
mod trie;

pub use infer::InferOptions;
pub use inventory::{Discovery, DiscoveryConfig, Endpoint, EndpointData, Inventory};
pub use template::{PathTemplate, TemplateSegment};
pub use trie::TrieLimits;
