//! `GET /admin/v1/openapi.json`: a hand-written OpenAPI 3.1 description of this API.
//!
//! Kept next to the router on purpose: when an endpoint changes, this file changes with it
//! (a test checks the documented paths and methods against the routed ones).

use axum::Json;
use serde_json::{json, Value};

fn err(desc: &str) -> Value {
    json!({"description": desc, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}})
}

fn ok(desc: &str, schema: Value) -> Value {
    json!({"description": desc, "content": {"application/json": {"schema": schema}}})
}

fn body(schema: Value) -> Value {
    json!({"required": true, "content": {"application/json": {"schema": schema}}})
}

fn r(name: &str) -> Value {
    json!({"$ref": format!("#/components/schemas/{name}")})
}

fn list_of(item: Value) -> Value {
    json!({"type": "object", "properties": {
        "items": {"type": "array", "items": item.clone()},
        "file_items": {"type": "array", "items": item, "description": "Read-only items from the config file."}
    }})
}

fn items_of(item: Value) -> Value {
    json!({"type": "object", "properties": {"items": {"type": "array", "items": item}}})
}

fn obj() -> Value {
    json!({"type": "object"})
}

fn name_param(name: &str) -> Value {
    json!({"name": name, "in": "path", "required": true, "schema": {"type": "string"}})
}

/// Responses every mutation can give besides success.
fn mutation_errors(mut responses: Value) -> Value {
    if let Some(m) = responses.as_object_mut() {
        m.insert("400".into(), err("Malformed JSON body or invalid field."));
        m.insert(
            "409".into(),
            err("Name exists, belongs to the config file, or a credential clashes."),
        );
        m.insert("413".into(), err("Body larger than 1 MiB."));
        m.insert("422".into(), json!({"description": "The gateway refused the resulting spec; the change was rolled back.",
            "content": {"application/json": {"schema": r("ValidationErrors")}}}));
    }
    responses
}

/// CRUD paths for one stored object kind.
fn crud(paths: &mut serde_json::Map<String, Value>, plural: &str, schema: &str, noun: &str) {
    paths.insert(format!("/admin/v1/{plural}"), json!({
        "get": {"summary": format!("List {plural}"), "responses": {"200": ok("Stored and file items.", list_of(r(schema)))}},
        "post": {"summary": format!("Create a {noun}"), "requestBody": body(r(schema)),
            "responses": mutation_errors(json!({"201": ok("Created.", r(schema))}))}
    }));
    paths.insert(format!("/admin/v1/{plural}/{{name}}"), json!({
        "parameters": [name_param("name")],
        "get": {"summary": format!("Get a {noun}"), "responses": {"200": ok("Found.", r(schema)), "404": err("Not found.")}},
        "put": {"summary": format!("Create or replace a {noun}"), "requestBody": body(r(schema)),
            "responses": mutation_errors(json!({"200": ok("Replaced.", r(schema)), "201": ok("Created.", r(schema))}))},
        "delete": {"summary": format!("Delete a {noun}"),
            "responses": mutation_errors(json!({"204": {"description": "Deleted."}, "404": err("Not found.")}))}
    }));
}

fn paths() -> Value {
    let mut p = serde_json::Map::new();
    p.insert("/admin/v1/consumers".into(), json!({
        "get": {"summary": "List consumers", "parameters": [
            {"name": "group", "in": "query", "schema": {"type": "string"}, "description": "Only consumers in this group."},
            {"name": "tag", "in": "query", "schema": {"type": "string"}, "description": "Only consumers with this tag."},
            {"name": "q", "in": "query", "schema": {"type": "string"}, "description": "Case-insensitive substring of the name."}],
            "responses": {"200": ok("Stored and file consumers.", list_of(r("Consumer"))), "400": err("Bad query.")}},
        "post": {"summary": "Create a consumer (credentials are added separately)", "requestBody": body(r("ConsumerInput")),
            "responses": mutation_errors(json!({"201": ok("Created.", r("Consumer"))}))}
    }));
    p.insert("/admin/v1/consumers/{name}".into(), json!({
        "parameters": [name_param("name")],
        "get": {"summary": "Get a consumer", "responses": {"200": ok("Found.", r("Consumer")), "404": err("Not found.")}},
        "put": {"summary": "Create or replace a consumer's profile (credentials kept)", "requestBody": body(r("ConsumerInput")),
            "responses": mutation_errors(json!({"200": ok("Replaced.", r("Consumer")), "201": ok("Created.", r("Consumer"))}))},
        "patch": {"summary": "Update some profile fields (e.g. disable)", "requestBody": body(r("ConsumerPatch")),
            "responses": mutation_errors(json!({"200": ok("Updated.", r("Consumer")), "404": err("Not found.")}))},
        "delete": {"summary": "Delete a consumer and its credentials",
            "responses": mutation_errors(json!({"204": {"description": "Deleted."}, "404": err("Not found.")}))}
    }));
    p.insert("/admin/v1/consumers/{name}/credentials".into(), json!({
        "parameters": [name_param("name")],
        "get": {"summary": "List a consumer's credentials (no secrets, no hashes)",
            "responses": {"200": ok("Credentials.", items_of(r("Credential"))), "404": err("Not found.")}},
        "post": {"summary": "Add a credential; a minted API key or HMAC secret is returned only here", "requestBody": body(r("NewCredential")),
            "responses": mutation_errors(json!({"201": ok("Created.", r("MintedCredential")), "404": err("No such consumer.")}))}
    }));
    p.insert("/admin/v1/credentials/{id}".into(), json!({
        "parameters": [name_param("id")],
        "delete": {"summary": "Delete a credential", "responses": mutation_errors(json!({"204": {"description": "Deleted."}, "404": err("Not found.")}))}
    }));
    p.insert("/admin/v1/credentials/{id}/rotate".into(), json!({
        "parameters": [name_param("id")],
        "post": {"summary": "Mint a successor (api_key, hmac); the old credential expires after the grace period",
            "requestBody": {"required": false, "content": {"application/json": {"schema": r("Rotate")}}},
            "responses": mutation_errors(json!({"201": ok("Successor minted.", r("RotatedCredential")), "404": err("Not found.")}))}
    }));
    p.insert("/admin/v1/credentials/{id}/revoke".into(), json!({
        "parameters": [name_param("id")],
        "post": {"summary": "Revoke a credential at once", "responses": mutation_errors(json!({"200": ok("Revoked.", r("Credential")), "404": err("Not found.")}))}
    }));
    crud(&mut p, "routes", "RouteSpec", "route");
    crud(&mut p, "upstreams", "UpstreamSpec", "upstream");
    crud(&mut p, "policies", "PolicySpec", "policy");
    crud(
        &mut p,
        "jwt_issuers",
        "JwtIssuerSpec",
        "JWT issuer (name = percent-encoded issuer)",
    );
    p.insert(
        "/admin/v1/upstreams/health".into(),
        json!({
            "get": {"summary": "Health of every upstream target, as reported by the gateway",
                "responses": {"200": ok("Health report.", obj())}}
        }),
    );
    p.insert("/admin/v1/deny".into(), json!({
        "get": {"summary": "The deny list", "responses": {"200": ok("Entries.", items_of(r("DenyEntry")))}},
        "post": {"summary": "Add or replace a deny entry (pushed to the data plane at once)", "requestBody": body(r("DenyEntry")),
            "responses": {"201": ok("Added.", r("DenyEntry")), "400": err("Invalid entry."), "413": err("Body too large.")}},
        "delete": {"summary": "Remove a deny entry", "parameters": [
            {"name": "kind", "in": "query", "required": true, "schema": {"enum": ["ip", "consumer", "token"]}},
            {"name": "value", "in": "query", "required": true, "schema": {"type": "string"}}],
            "responses": {"204": {"description": "Removed."}, "400": err("Bad query."), "404": err("No such entry.")}}
    }));
    p.insert("/admin/v1/audit".into(), json!({
        "get": {"summary": "Audit log, newest first", "parameters": [
            {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 0, "maximum": 1000, "default": 100}}],
            "responses": {"200": ok("Records.", items_of(r("AuditRecord"))), "400": err("Bad query.")}}
    }));
    p.insert("/admin/v1/reload".into(), json!({
        "post": {"summary": "Re-apply the config-file part plus everything stored",
            "responses": {"200": ok("Applied.", json!({"type": "object", "properties": {"version": {"type": "integer"}}})),
                "422": {"description": "Refused.", "content": {"application/json": {"schema": r("ValidationErrors")}}}}}
    }));
    p.insert(
        "/admin/v1/openapi.json".into(),
        json!({
            "get": {"summary": "This document", "responses": {"200": ok("OpenAPI 3.1.", obj())}}
        }),
    );
    Value::Object(p)
}

fn schemas() -> Value {
    let strings = json!({"type": "array", "items": {"type": "string"}});
    let expires =
        json!({"type": ["integer", "null"], "description": "Unix seconds; must be in the future."});
    json!({
        "Error": {"type": "object", "required": ["error"], "properties": {"error": {"type": "string"}}},
        "ValidationErrors": {"type": "object", "required": ["errors"], "properties": {
            "error": {"type": "string"},
            "errors": {"type": "array", "items": {"type": "object", "required": ["at", "message"],
                "properties": {"at": {"type": "string"}, "message": {"type": "string"}}}}}},
        "ConsumerInput": {"type": "object", "additionalProperties": false, "properties": {
            "name": {"type": "string", "description": "Required for POST; must equal the path for PUT."},
            "groups": strings, "tags": strings, "scopes": strings, "disabled": {"type": "boolean"}}},
        "ConsumerPatch": {"type": "object", "additionalProperties": false, "properties": {
            "groups": strings, "tags": strings, "scopes": strings, "disabled": {"type": "boolean"}}},
        "Consumer": {"type": "object", "properties": {
            "name": {"type": "string"}, "groups": strings, "tags": strings, "scopes": strings,
            "disabled": {"type": "boolean"}, "credentials": {"type": "array", "items": r("Credential")}}},
        "Credential": {"type": "object", "description": "Identifiers only: never a key, secret or hash.", "properties": {
            "id": {"type": "string"}, "type": {"enum": ["api_key", "hmac", "jwt", "basic", "mtls"]},
            "expires_at": expires, "revoked": {"type": "boolean"},
            "last_used": {"type": ["integer", "null"]}, "prefix": {"type": "string"},
            "access_key": {"type": "string"}, "username": {"type": "string"}, "issuer": {"type": "string"},
            "subject": {"type": "string"}, "fingerprint": {"type": "string"}}},
        "NewCredential": {"oneOf": [
            {"type": "object", "required": ["type"], "additionalProperties": false, "properties": {"type": {"const": "api_key"}, "expires_at": expires}},
            {"type": "object", "required": ["type"], "additionalProperties": false, "properties": {"type": {"const": "hmac"}, "expires_at": expires}},
            {"type": "object", "required": ["type", "issuer", "subject"], "additionalProperties": false, "properties": {"type": {"const": "jwt"}, "issuer": {"type": "string"}, "subject": {"type": "string"}, "expires_at": expires}},
            {"type": "object", "required": ["type", "username", "password"], "additionalProperties": false, "properties": {"type": {"const": "basic"}, "username": {"type": "string"}, "password": {"type": "string", "maxLength": 1024}, "expires_at": expires}},
            {"type": "object", "required": ["type"], "additionalProperties": false, "properties": {"type": {"const": "mtls"}, "subject": {"type": "string"}, "fingerprint": {"type": "string", "description": "SHA-256 hex, colons allowed."}, "expires_at": expires}}]},
        "MintedCredential": {"type": "object", "required": ["credential"], "properties": {
            "credential": r("Credential"),
            "key": {"type": "string", "description": "api_key only; shown once."},
            "access_key": {"type": "string", "description": "hmac only."},
            "secret": {"type": "string", "description": "hmac only; shown once."}}},
        "RotatedCredential": {"allOf": [r("MintedCredential"), {"type": "object", "properties": {"previous": r("Credential")}}]},
        "Rotate": {"type": "object", "additionalProperties": false, "properties": {
            "grace_secs": {"type": "integer", "minimum": 0, "maximum": 2592000, "default": 3600},
            "expires_at": expires}},
        "DenyEntry": {"type": "object", "required": ["kind", "value"], "additionalProperties": false, "properties": {
            "kind": {"enum": ["ip", "consumer", "token"]}, "value": {"type": "string"},
            "expires_at": {"type": ["integer", "null"]}, "reason": {"type": "string"}}},
        "AuditRecord": {"type": "object", "properties": {
            "id": {"type": "integer"}, "at": {"type": "integer"}, "actor": {"type": "string"},
            "action": {"type": "string"}, "object": {"type": "string"}, "detail": {}}},
        "RouteSpec": {"type": "object", "required": ["name", "upstream"], "description": "lampyr_spec::RouteSpec (same fields as lampyr.yaml)."},
        "UpstreamSpec": {"type": "object", "required": ["name", "targets"], "description": "lampyr_spec::UpstreamSpec."},
        "PolicySpec": {"type": "object", "required": ["name"], "description": "lampyr_spec::PolicySpec."},
        "JwtIssuerSpec": {"type": "object", "required": ["issuer"], "description": "lampyr_spec::JwtIssuerSpec; named by issuer."}
    })
}

/// The document (built per request; it is small and requests are rare).
pub(crate) fn spec() -> Value {
    json!({
        "openapi": "3.1.0",
        "info": {"title": "Lampyr gateway admin API", "version": env!("CARGO_PKG_VERSION")},
        "security": [{"bearer": []}],
        "paths": paths(),
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": schemas(),
            "responses": {"Unauthorized": err("Missing or wrong bearer token.")}
        }
    })
}

/// `GET /admin/v1/openapi.json`
pub(crate) async fn document() -> Json<Value> {
    Json(spec())
}
