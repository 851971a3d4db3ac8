//! Analysis report v1 (`docs/report-v1.schema.json`).

use std::collections::BTreeMap;

use serde::Serialize;

use lampyr_classify::grading::Grading;
use lampyr_discovery::{Endpoint, Inventory, TemplateSegment};

use crate::sensitive::{
    endpoint_sensitive, sensitivity, ExchangeRecords, SensitiveReport, SensitiveSummary,
    Sensitivity,
};

/// Version of the report format written in `version`.
pub const REPORT_VERSION: u32 = 1;

/// The whole report.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// Report format version (1).
    pub version: u32,
    /// Tool that wrote the report.
    pub tool: Tool,
    /// Inputs in the order read.
    pub inputs: Vec<InputReport>,
    /// Totals.
    pub summary: Summary,
    /// Discovered endpoints.
    pub endpoints: Vec<EndpointReport>,
    /// Security findings: attacks, abuse, leaks and posture, most severe first.
    pub findings: Vec<crate::Finding>,
    /// Findings grouped by family, endpoint and actor within a time window, with the fields
    /// of the console's workflow (`status`, `assignee`, `notes`).
    pub incidents: Vec<crate::incident::Incident>,
    /// Exchanges whose responses carried sensitive records, with the counts (input of leak
    /// detection).
    pub exchange_records: Vec<ExchangeRecords>,
}

/// Name and version of the writer.
#[derive(Debug, Clone, Serialize)]
pub struct Tool {
    /// `lampyr`.
    pub name: &'static str,
    /// Crate version.
    pub version: &'static str,
}

/// One input file.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct InputReport {
    /// Path as given.
    pub path: String,
    /// Format read (`har` or `jsonl`).
    pub format: String,
    /// Entries read (good and bad).
    pub entries: u64,
    /// Entries turned into exchanges.
    pub exchanges: u64,
    /// Bad entries skipped.
    pub skipped: u64,
    /// One past the largest entry index seen (JSON Lines indexes are line numbers, so blank
    /// lines make this larger than `entries`); run-wide exchange indexes are offset by it.
    #[serde(skip)]
    pub index_span: u64,
}

/// Totals of the run.
#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    /// Exchanges analysed.
    pub exchanges: u64,
    /// Entries skipped as malformed.
    pub skipped: u64,
    /// Endpoints found.
    pub endpoints: usize,
    /// Distinct hosts.
    pub hosts: usize,
    /// Exchanges on paths that never existed (only 404/405 answers, fitting no endpoint).
    pub noise: u64,
    /// Exchanges not recorded because a memory cap was reached.
    pub dropped_by_limits: u64,
    /// Sensitive data totals.
    pub sensitive: SensitiveSummary,
    /// Findings by severity and category, and the inspector's settings.
    pub findings: crate::FindingsSummary,
}

/// One endpoint.
#[derive(Debug, Clone, Serialize)]
pub struct EndpointReport {
    /// Stable id: `METHOD host path` (plus the GraphQL operation).
    pub id: String,
    /// HTTP method.
    pub method: String,
    /// Host.
    pub host: String,
    /// Path template with `{name}` parameters.
    pub path: String,
    /// GraphQL operation (`"query getUser"`), for GraphQL endpoints.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub operation: Option<String>,
    /// Path parameters in order.
    pub path_params: Vec<PathParamReport>,
    /// Query, header and cookie parameters with their inferred schemas.
    pub parameters: ParametersReport,
    /// Request body schema per media type.
    pub request_body: BTreeMap<String, serde_json::Value>,
    /// Response body schema per status code and media type.
    pub responses: BTreeMap<String, BTreeMap<String, serde_json::Value>>,
    /// Authentication kinds seen (`none`, `basic`, `bearer`, `jwt`, `api_key_header`,
    /// `api_key_query`, `session_cookie`, `other`).
    pub auth: Vec<String>,
    /// Authentication details: counts per scheme, JWT algorithms, issuers and claim names.
    pub auth_detail: lampyr_discovery::auth::AuthSummary,
    /// Exchanges seen.
    pub hits: u64,
    /// First exchange start (RFC 3339, UTC).
    pub first_seen: Option<String>,
    /// Last exchange start (RFC 3339, UTC).
    pub last_seen: Option<String>,
    /// Responses per status code (`"0"` counts exchanges without a response).
    pub status_codes: BTreeMap<String, u64>,
    /// Latency percentiles, ms.
    pub latency_ms: Option<LatencyReport>,
    /// Hosts the endpoint answered on.
    pub hosts: Vec<String>,
    /// Zero-based indexes (over all inputs in order) of a few exchanges of this endpoint.
    pub exchanges: Vec<u64>,
    /// The endpoint's sensitivity: the highest level of its fields; absent when none.
    pub sensitivity: Option<Sensitivity>,
    /// Sensitive data found, per location and type.
    pub sensitive: Vec<SensitiveReport>,
}

/// Non-path parameters of an endpoint.
#[derive(Debug, Clone, Serialize, Default)]
pub struct ParametersReport {
    /// Query parameters.
    pub query: Vec<ParamReport>,
    /// Non-standard request headers.
    pub header: Vec<ParamReport>,
    /// Cookies.
    pub cookie: Vec<ParamReport>,
}

/// One parameter.
#[derive(Debug, Clone, Serialize)]
pub struct ParamReport {
    /// Name as seen (headers lower-case).
    pub name: String,
    /// Present in every request (seen at least twice).
    pub required: bool,
    /// Requests that carried it.
    pub present: u64,
    /// Inferred JSON Schema.
    pub schema: serde_json::Value,
}

fn param_reports(list: Vec<lampyr_discovery::params::ParamInfo<'_>>) -> Vec<ParamReport> {
    list.into_iter()
        .map(|p| ParamReport {
            name: p.name.to_string(),
            required: p.required,
            present: p.present,
            schema: p.schema.to_json_schema(),
        })
        .collect()
}

/// A path parameter.
#[derive(Debug, Clone, Serialize)]
pub struct PathParamReport {
    /// Name in the template.
    pub name: String,
    /// Value class seen (`integer`, `uuid`, `slug`...).
    pub class: String,
    /// OpenAPI type.
    #[serde(rename = "type")]
    pub ty: String,
    /// OpenAPI format, when one fits.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub format: Option<String>,
}

/// Latency percentiles.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct LatencyReport {
    /// Median.
    pub p50: f64,
    /// 90th percentile.
    pub p90: f64,
    /// 99th percentile.
    pub p99: f64,
}

pub(crate) fn rfc3339(us: i64) -> Option<String> {
    let t = time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(us) * 1000).ok()?;
    t.format(&time::format_description::well_known::Rfc3339)
        .ok()
}

impl Report {
    /// Builds the report from the inventory and the inputs read.
    pub fn build(
        inventory: &Inventory,
        inputs: Vec<InputReport>,
        grading: &Grading,
        mut records: Vec<ExchangeRecords>,
    ) -> Report {
        let mut offsets = Vec::with_capacity(inputs.len());
        let mut acc = 0u64;
        for i in &inputs {
            offsets.push(acc);
            acc += i.index_span.max(i.entries);
        }
        let hosts: std::collections::BTreeSet<&str> = inventory
            .endpoints
            .iter()
            .map(|e| e.host.as_str())
            .collect();
        let endpoints: Vec<EndpointReport> = inventory
            .endpoints
            .iter()
            .map(|e| endpoint_report(e, &offsets, grading))
            .collect();
        for r in &mut records {
            r.offset(&offsets);
        }
        records.sort_by_key(|r| r.index);
        let mut sens = SensitiveSummary {
            profile: grading.profile().id(),
            exchanges_with_sensitive_responses: records.len(),
            response_records: records.iter().map(|r| u64::from(r.records)).sum(),
            ..SensitiveSummary::default()
        };
        for e in &endpoints {
            if let Some(s) = &e.sensitivity {
                sens.endpoints += 1;
                *sens.endpoints_by_level.entry(s.level).or_default() += 1;
            }
            let mut types: Vec<&'static str> = e.sensitive.iter().map(|i| i.ty).collect();
            types.sort_unstable();
            types.dedup();
            for t in types {
                *sens.types.entry(t).or_default() += 1;
            }
            for item in &e.sensitive {
                *sens.locations.entry(item.ty).or_default() += 1;
            }
        }
        let summary = Summary {
            sensitive: sens,
            findings: crate::FindingsSummary::default(),
            exchanges: inventory.observed,
            skipped: inputs.iter().map(|i| i.skipped).sum(),
            endpoints: inventory.endpoints.len(),
            hosts: hosts.len(),
            noise: inventory.noise,
            dropped_by_limits: inventory.dropped_by_limits,
        };
        Report {
            version: REPORT_VERSION,
            tool: Tool {
                name: "lampyr",
                version: env!("CARGO_PKG_VERSION"),
            },
            inputs,
            summary,
            endpoints,
            findings: Vec::new(),
            incidents: Vec::new(),
            exchange_records: records,
        }
    }
}

fn endpoint_report(e: &Endpoint, offsets: &[u64], grading: &Grading) -> EndpointReport {
    let sensitive = endpoint_sensitive(e, grading);
    let t = &e.data.traffic;
    let path = e.template.to_string();
    let mut id = format!("{} {}{}", e.method, e.host, path);
    if let Some(op) = &e.operation {
        id.push_str(&format!(" [{op}]"));
    }
    let path_params = e
        .template
        .segments()
        .iter()
        .filter_map(|s| match s {
            TemplateSegment::Param { name, class, .. } => {
                let (ty, format) = class.openapi_type();
                Some(PathParamReport {
                    name: name.clone(),
                    class: class.as_str().to_string(),
                    ty: ty.to_string(),
                    format: format.map(str::to_string),
                })
            }
            TemplateSegment::Literal { .. } => None,
        })
        .collect();
    let shapes = &e.data.shapes;
    let mut parameters = ParametersReport {
        query: param_reports(shapes.query_params()),
        header: param_reports(shapes.header_params()),
        cookie: param_reports(shapes.cookie_params()),
    };
    let mut request_body: BTreeMap<String, serde_json::Value> = shapes
        .request_body_media_types()
        .map(|(m, b)| (m.to_string(), b.schema.to_json_schema()))
        .collect();
    let mut responses: BTreeMap<String, BTreeMap<String, serde_json::Value>> = shapes
        .responses_by_status()
        .map(|(status, r)| {
            let bodies = r
                .bodies
                .iter()
                .map(|(m, b)| (m.clone(), b.schema.to_json_schema()))
                .collect();
            (status.to_string(), bodies)
        })
        .collect();
    // Schemas may list observed values (`enum`, `examples`); none may come from a sensitive
    // location.
    for item in &sensitive {
        match item.place {
            "request.body" => {
                for schema in request_body.values_mut() {
                    lampyr_discovery::redact::strip_values_at(schema, &item.field);
                }
            }
            "response.body" => {
                for bodies in responses.values_mut() {
                    for schema in bodies.values_mut() {
                        lampyr_discovery::redact::strip_values_at(schema, &item.field);
                    }
                }
            }
            "request.query" => strip_param(&mut parameters.query, &item.field),
            "request.header" => strip_param(&mut parameters.header, &item.field),
            "request.cookie" => strip_param(&mut parameters.cookie, &item.field),
            _ => {}
        }
    }
    let mut auth: Vec<String> = e
        .data
        .auth
        .kinds()
        .into_iter()
        .map(|k| auth_kind_name(k).to_string())
        .collect();
    if e.data.auth.unauthenticated > 0 {
        auth.insert(0, "none".to_string());
    }
    EndpointReport {
        parameters,
        request_body,
        responses,
        auth,
        auth_detail: e.data.auth.clone(),
        id,
        method: e.method.clone(),
        host: e.host.clone(),
        path,
        operation: e.operation.clone(),
        path_params,
        hits: t.hits,
        first_seen: t.first_seen_us.and_then(rfc3339),
        last_seen: t.last_seen_us.and_then(rfc3339),
        status_codes: t.status.iter().map(|(s, n)| (s.to_string(), *n)).collect(),
        latency_ms: t.latency.percentiles().map(|p| LatencyReport {
            p50: p.p50,
            p90: p.p90,
            p99: p.p99,
        }),
        hosts: t.hosts.iter().cloned().collect(),
        exchanges: t
            .samples
            .iter()
            .map(|(input, index)| offsets.get(*input as usize).copied().unwrap_or(0) + index)
            .collect(),
        sensitivity: sensitivity(&sensitive, grading),
        sensitive,
    }
}

fn strip_param(params: &mut [ParamReport], name: &str) {
    for p in params.iter_mut().filter(|p| p.name == name) {
        lampyr_discovery::redact::strip_values(&mut p.schema);
    }
}

fn auth_kind_name(k: lampyr_discovery::auth::AuthKind) -> &'static str {
    use lampyr_discovery::auth::AuthKind;
    match k {
        AuthKind::None => "none",
        AuthKind::Basic => "basic",
        AuthKind::Bearer => "bearer",
        AuthKind::Jwt => "jwt",
        AuthKind::ApiKeyHeader => "api_key_header",
        AuthKind::ApiKeyQuery => "api_key_query",
        AuthKind::SessionCookie => "session_cookie",
        AuthKind::Other => "other",
    }
}
