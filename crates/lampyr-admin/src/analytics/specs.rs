//! Imported API specifications: `POST /specs` (OpenAPI 3.x or Swagger 2.0, JSON or YAML),
//! `GET /specs`, `DELETE /specs/{name}`, and the [`SpecIndex`] the inventory matches its
//! endpoints against (shadow = seen but documented nowhere, zombie = documented, never seen).
//!
//! Documents are stored as imported and parsed again when the inventory is read, so an
//! improved parser applies to old imports; the caps below bound that work.

use axum::body::Bytes;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::{Extension, Json};
use lampyr_discovery::spec_import::{self, SpecIndex};
use lampyr_store::{SpecRow, StoreError};
use serde::Deserialize;
use serde_json::{json, Value};

use super::{given, to_json};
use crate::auth::Principal;
use crate::error::{bad_query, ApiError};
use crate::state::{now, AdminState};

/// Largest `POST /specs` body: 4 MiB (large public specs are 1–3 MiB of JSON).
pub const MAX_SPEC_BYTES: usize = 4 * 1024 * 1024;
/// Most specifications stored; with [`MAX_SPEC_BYTES`] this bounds what every inventory
/// read parses.
pub(crate) const MAX_SPECS: usize = 16;
/// Longest specification name.
const MAX_NAME: usize = 64;

/// `?name=` of `POST /specs`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ImportQuery {
    /// Name to store it under (default: derived from `info.title`).
    pub(crate) name: Option<String>,
}

fn unprocessable(message: impl Into<String>) -> ApiError {
    ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, message)
}

fn check_name(name: &str) -> Result<(), ApiError> {
    let ok = !name.is_empty()
        && name.len() <= MAX_NAME
        && name
            .bytes()
            .next()
            .is_some_and(|b| b.is_ascii_alphanumeric())
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'));
    if ok {
        Ok(())
    } else {
        Err(ApiError::bad_request(format!(
            "name must be 1-{MAX_NAME} letters, digits, '.', '_' or '-', starting with a \
             letter or digit"
        )))
    }
}

/// `My Shop API` → `my-shop-api`; `spec` when nothing is left.
fn slug(title: &str) -> String {
    let mut out = String::new();
    for c in title.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.is_empty() && !out.ends_with('-') {
            out.push('-');
        }
        if out.len() >= MAX_NAME {
            break;
        }
    }
    let out = out.trim_end_matches('-').to_string();
    if out.is_empty() {
        "spec".into()
    } else {
        out
    }
}

/// The body as a JSON value: JSON when it starts with `{`, else YAML (whose parser refuses
/// alias bombs and deep nesting).
fn decode(body: &[u8]) -> Result<Value, ApiError> {
    let text = std::str::from_utf8(body)
        .map_err(|e| unprocessable(format!("the document is not UTF-8 text: {e}")))?;
    let trimmed = text.trim_start_matches('\u{feff}').trim_start();
    if trimmed.is_empty() {
        return Err(unprocessable(
            "empty body: send an OpenAPI 3.x or Swagger 2.0 document (JSON or YAML)",
        ));
    }
    if trimmed.starts_with('{') {
        serde_json::from_str(trimmed).map_err(|e| unprocessable(format!("invalid JSON: {e}")))
    } else {
        serde_yaml::from_str(trimmed).map_err(|e| unprocessable(format!("invalid YAML: {e}")))
    }
}

/// `POST /specs?name=`: imports (or replaces) a specification. 201 when new, 200 when it
/// replaced one; 422 when the body is not a usable OpenAPI 3.x / Swagger 2.0 document.
pub(crate) async fn import(
    State(state): State<AdminState>,
    Extension(who): Extension<Principal>,
    query: Result<Query<ImportQuery>, QueryRejection>,
    body: Bytes,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let Query(q) = query.map_err(bad_query)?;
    if let Some(name) = given(&q.name) {
        check_name(name)?;
    }
    let document = decode(&body)?;
    let spec = spec_import::parse(&document)
        .map_err(|e| unprocessable(format!("invalid API specification: {e}")))?;
    let name = given(&q.name).map_or_else(|| slug(&spec.title), str::to_string);
    let existing = state.store().list_specs().await?;
    let replaced = existing.iter().any(|s| s.name == name);
    if !replaced && existing.len() >= MAX_SPECS {
        return Err(ApiError::conflict(format!(
            "at most {MAX_SPECS} specifications are kept; delete one first"
        )));
    }
    let operations = spec.operations.len() as u64;
    let imported_at = now();
    state
        .store()
        .put_spec(SpecRow {
            name: name.clone(),
            title: spec.title.clone(),
            version: spec.version.clone(),
            operations,
            imported_at,
            document,
        })
        .await?;
    let detail = json!({"title": spec.title, "version": spec.version,
        "operations": operations, "bytes": body.len(), "replaced": replaced});
    state
        .audit(&who.name, "spec.import", &format!("spec/{name}"), detail)
        .await;
    let status = if replaced {
        StatusCode::OK
    } else {
        StatusCode::CREATED
    };
    Ok((
        status,
        Json(json!({
            "name": name, "title": spec.title, "version": spec.version,
            "format": spec.format, "operations": operations, "warnings": spec.warnings,
            "imported_at": imported_at, "replaced": replaced,
        })),
    ))
}

/// `{items: [SpecSummary]}`.
pub(crate) async fn list_data(state: &AdminState) -> Result<Value, ApiError> {
    let items = state.store().list_specs().await?;
    Ok(json!({"items": to_json(&items)?}))
}

/// `GET /specs`
pub(crate) async fn list(State(state): State<AdminState>) -> Result<Json<Value>, ApiError> {
    Ok(Json(list_data(&state).await?))
}

/// `DELETE /specs/{name}`
pub(crate) async fn delete(
    State(state): State<AdminState>,
    Extension(who): Extension<Principal>,
    Path(name): Path<String>,
) -> Result<StatusCode, ApiError> {
    state.store().delete_spec(&name).await?;
    state
        .audit(&who.name, "spec.delete", &format!("spec/{name}"), json!({}))
        .await;
    Ok(StatusCode::NO_CONTENT)
}

/// Every stored specification, parsed into one index (empty when none is stored). A stored
/// document the parser no longer accepts is skipped and logged, not fatal to the inventory.
pub(crate) async fn load_index(state: &AdminState) -> Result<SpecIndex, ApiError> {
    let mut index = SpecIndex::new();
    for summary in state.store().list_specs().await? {
        let row = match state.store().get_spec(&summary.name).await {
            Ok(r) => r,
            // Deleted between the list and the read.
            Err(StoreError::NotFound { .. }) => continue,
            Err(e) => return Err(e.into()),
        };
        match spec_import::parse(&row.document) {
            Ok(spec) => index.add(&row.name, &spec),
            Err(e) => {
                tracing::warn!(spec = %row.name, error = %e, "stored API specification skipped");
            }
        }
    }
    Ok(index)
}

/// One documented operation as the API shows it.
pub(crate) fn operation_json(spec: &str, op: &spec_import::SpecOperation) -> Value {
    json!({
        "spec": spec, "method": op.method, "path": op.path,
        "operation_id": op.operation_id,
        "templates": op.templates().into_iter()
            .map(|(host, t)| json!({"host": host, "template": t}))
            .collect::<Vec<_>>(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_checked_and_derived_from_titles() {
        assert!(check_name("shop-v2.1_x").is_ok());
        for bad in ["", "-x", "a b", "a/b", &"x".repeat(65)] {
            assert_eq!(
                check_name(bad).map_err(|e| e.status()),
                Err(StatusCode::BAD_REQUEST),
                "{bad:?}"
            );
        }
        assert_eq!(slug("My Shop API (v2)"), "my-shop-api-v2");
        assert_eq!(slug("  ✓ "), "spec");
        assert!(check_name(&slug(&"Ab ".repeat(100))).is_ok());
    }

    #[test]
    fn bodies_decode_as_json_or_yaml() {
        assert_eq!(
            decode(b"\xef\xbb\xbf {\"openapi\": \"3.0.0\"}").expect("json"),
            json!({"openapi": "3.0.0"})
        );
        assert_eq!(
            decode(b"openapi: 3.0.0\npaths:\n  /a:\n    get:\n      responses:\n        200: {}\n")
                .expect("yaml"),
            json!({"openapi": "3.0.0", "paths": {"/a": {"get": {"responses": {"200": {}}}}}})
        );
        for (body, want) in [
            (&b"  "[..], "empty body"),
            (b"{\"openapi\": ", "invalid JSON"),
            (b"a: [1, 2", "invalid YAML"),
            (b"\xff\xfe", "not UTF-8"),
        ] {
            let e = decode(body).expect_err("refused");
            assert_eq!(e.status(), StatusCode::UNPROCESSABLE_ENTITY);
            assert!(e.message().contains(want), "{}", e.message());
        }
        // A billion-laughs alias bomb is refused, not expanded.
        let mut bomb = String::from("a: &a [x, x, x, x, x, x, x, x, x]\n");
        for i in 1..12 {
            let prev = (b'a' + i - 1) as char;
            let this = (b'a' + i) as char;
            bomb.push_str(&format!(
                "{this}: &{this} [*{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}]\n"
            ));
        }
        let e = decode(bomb.as_bytes()).expect_err("bomb");
        assert!(e.message().contains("invalid YAML"), "{}", e.message());
    }
}
