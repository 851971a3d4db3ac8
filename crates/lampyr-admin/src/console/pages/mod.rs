//! One module per console page (or group of pages). Each reads through the same `*_data`
//! functions as the JSON API and renders their JSON.

pub(crate) mod admin;
mod credentials;
pub(crate) mod endpoint;
mod exchange;
pub(crate) mod gateway;
pub(crate) mod incidents;
pub(crate) mod inventory;
pub(crate) mod investigate;
pub(crate) mod overview;
pub(crate) mod sensitive;

use serde_json::Value;

use super::svg::Series;

/// Requests-per-minute series from `[{minute, requests}]` items.
pub(crate) fn minutes(items: &Value, field: &str) -> Vec<(i64, f64)> {
    items
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|m| Some((m["minute"].as_i64()?, m[field].as_f64().unwrap_or(0.0))))
                .collect()
        })
        .unwrap_or_default()
}

/// One series named `label`.
pub(crate) fn series<'a>(label: &'a str, color: &'a str, points: Vec<(i64, f64)>) -> Series<'a> {
    Series {
        label,
        color,
        points,
    }
}

/// `(label, count)` bars from a JSON object of counts.
pub(crate) fn bars_of(obj: &Value) -> Vec<(String, f64)> {
    obj.as_object()
        .map(|m| {
            m.iter()
                .map(|(k, v)| (k.clone(), v.as_f64().unwrap_or(0.0)))
                .collect()
        })
        .unwrap_or_default()
}
