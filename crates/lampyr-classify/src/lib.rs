//! Sensitive-data classification: detectors with real validation (checksums, segments,
//! dictionaries), field-name context, field-level aggregation, grading profiles by Chinese and
//! international standards, and masking. Pure: no I/O, no async.
//!
//! The flow: [`Classifier::scan`] reads every value of an exchange (path segments, query,
//! headers, cookies, JSON and form bodies) with its key context and returns an
//! [`ExchangeScan`]; [`SensitiveFields`] accumulates scans per endpoint and decides, per
//! location, which types it carries ([`field`]); [`grading::Grading`] turns types into levels;
//! [`mask`] hides values.

pub mod context;
pub mod detect;
pub mod field;
pub mod grading;
pub mod json;
pub mod mask;
pub mod scan;
mod text;
pub mod types;
pub mod validate;

pub use detect::Detection;
pub use field::{Label, SensitiveFields};
pub use scan::{Classifier, ClassifyOptions, ExchangeScan, FieldObs, Place, TypeObs};
pub use types::SensitiveType;
