//! The analytics side of the admin API: inventory, sensitive data, incidents and their
//! workflow, exchange samples, actors, traffic, the overview, and ingestion.
//!
//! Every read is a `*_data` function returning the JSON the API answers; the console pages
//! render that same JSON, so the console and the API cannot disagree.

pub(crate) mod exchanges;
pub(crate) mod incidents;
pub(crate) mod inventory;
pub(crate) mod overview;
pub(crate) mod sensitive;
pub(crate) mod specs;

use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use crate::error::ApiError;

/// Most exchange samples read to derive consumers, actors and counts.
pub(crate) const SAMPLE_SCAN: usize = 1000;
/// Most incidents read for counts and per-endpoint findings.
pub(crate) const INCIDENT_SCAN: usize = 1000;

/// The value of an optional query field, with empty strings (blank form fields) as absent.
pub(crate) fn given(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

/// A time given as RFC 3339 or unix seconds, in µs since the epoch.
pub(crate) fn parse_time_us(what: &str, s: &str) -> Result<i64, ApiError> {
    if let Ok(secs) = s.parse::<i64>() {
        return Ok(secs.saturating_mul(1_000_000));
    }
    OffsetDateTime::parse(s, &Rfc3339)
        .map(|t| i64::try_from(t.unix_timestamp_nanos() / 1000).unwrap_or(i64::MAX))
        .map_err(|_| {
            ApiError::bad_request(format!(
                "{what} must be RFC 3339 or unix seconds, not {s:?}"
            ))
        })
}

/// An optional numeric query field.
pub(crate) fn parse_num<T: std::str::FromStr>(
    what: &str,
    v: &Option<String>,
) -> Result<Option<T>, ApiError> {
    given(v)
        .map(|s| {
            s.parse::<T>()
                .map_err(|_| ApiError::bad_request(format!("{what} must be a number, not {s:?}")))
        })
        .transpose()
}

/// µs since the epoch as RFC 3339 (UTC, seconds precision); empty when out of range.
pub(crate) fn fmt_us(us: i64) -> String {
    OffsetDateTime::from_unix_timestamp(us.div_euclid(1_000_000))
        .ok()
        .and_then(|t| t.format(&Rfc3339).ok())
        .unwrap_or_default()
}

/// Encodes a serializable value as JSON (500 on failure, which would be a bug).
pub(crate) fn to_json<T: serde::Serialize>(v: &T) -> Result<serde_json::Value, ApiError> {
    serde_json::to_value(v).map_err(|e| ApiError::internal("encoding answer", e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_parse_as_unix_seconds_or_rfc3339() {
        assert_eq!(parse_time_us("since", "60").expect("unix"), 60_000_000);
        assert_eq!(
            parse_time_us("since", "1970-01-01T00:01:00Z").expect("rfc3339"),
            60_000_000
        );
        assert_eq!(
            parse_time_us("since", "yesterday").map_err(|e| e.status()),
            Err(axum::http::StatusCode::BAD_REQUEST)
        );
        assert_eq!(fmt_us(60_000_000), "1970-01-01T00:01:00Z");
    }
}
