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

fn q(name: &str, desc: &str) -> Value {
    json!({"name": name, "in": "query", "schema": {"type": "string"}, "description": desc})
}

/// Errors every analyst action can give besides success.
fn action_errors(mut responses: Value) -> Value {
    if let Some(m) = responses.as_object_mut() {
        m.insert("400".into(), err("Malformed JSON body or invalid field."));
        m.insert(
            "403".into(),
            err("Role too low, or missing CSRF token on a session request."),
        );
        m.insert("404".into(), err("No such incident."));
        m.insert(
            "409".into(),
            err("The incident lacks what the action needs."),
        );
    }
    responses
}

/// The analytics, workflow, ingestion and console-user endpoints.
fn analytics_paths(p: &mut serde_json::Map<String, Value>) {
    let time = "RFC 3339 date-time or unix seconds.";
    p.insert("/admin/v1/overview".into(), json!({
        "get": {"summary": "Console front page: traffic series, endpoints by level, open incidents by severity, top actors, pipeline status",
            "parameters": [q("since", "Traffic from (default: the last hour). RFC 3339 or unix seconds.")],
            "responses": {"200": ok("Overview.", r("Overview")), "400": err("Bad query.")}}
    }));
    p.insert("/admin/v1/traffic".into(), json!({
        "get": {"summary": "Per-minute traffic counters", "parameters": [q("since", time)],
            "responses": {"200": ok("Minutes, oldest first.", json!({"type": "object", "properties": {
                "since": {"type": "integer"}, "items": {"type": "array", "items": r("TrafficMinute")}}})), "400": err("Bad query.")}}
    }));
    p.insert("/admin/v1/inventory".into(), json!({
        "get": {"summary": "Discovered endpoints", "parameters": [
            q("host", "Host, exact."), q("since", "New since: first seen at or after. RFC 3339 or unix seconds."),
            q("level", "Minimum sensitivity level."), q("auth", "Authentication kind seen; `none` = called without credentials."),
            q("q", "Case-insensitive substring of the endpoint key."),
            q("documented", "`true`: endpoints an imported spec documents; `false`: shadow (undocumented) endpoints. 400 when no spec is imported.")],
            "responses": {"200": ok("Endpoints kept by the filters.", json!({"type": "object", "properties": {
                "total": {"type": "integer"}, "hosts": {"type": "array", "items": {"type": "string"}},
                "items": {"type": "array", "items": r("EndpointSummary")},
                "specs": {"type": "integer", "description": "Imported specifications."},
                "coverage": {"type": "object", "description": "With a spec: counts over all endpoints.", "properties": {
                    "documented": {"type": "integer"}, "undocumented": {"type": "integer"}, "zombies": {"type": "integer"}}},
                "zombies": {"type": "array", "description": "With a spec: documented operations no endpoint matches (at most 500).",
                    "items": r("SpecOperation")}}})), "400": err("Bad query.")}}
    }));
    p.insert("/admin/v1/specs".into(), json!({
        "get": {"summary": "Imported API specifications", "responses": {"200": ok("By name.", items_of(r("SpecSummary")))}},
        "post": {"summary": "Import (or replace) an OpenAPI 3.x or Swagger 2.0 document, JSON or YAML (admin; body up to 4 MiB)",
            "parameters": [q("name", "Name to store it under: letters, digits, '.', '_', '-' (default: from info.title).")],
            "requestBody": {"required": true, "content": {
                "application/json": {"schema": obj()}, "application/yaml": {"schema": {"type": "string"}}}},
            "responses": {
                "201": ok("Imported.", r("SpecImported")), "200": ok("Replaced the spec of that name.", r("SpecImported")),
                "400": err("Bad name."), "403": err("Role too low, or missing CSRF token on a session request."),
                "409": err("Too many specifications stored."), "413": err("Body larger than 4 MiB."),
                "422": err("Not valid JSON/YAML, not OpenAPI 3.x / Swagger 2.0, over an import limit, or no operations.")}}
    }));
    p.insert(
        "/admin/v1/specs/{name}".into(),
        json!({
            "parameters": [name_param("name")],
            "delete": {"summary": "Delete an imported specification (admin)",
                "responses": {"204": {"description": "Deleted."}, "404": err("Not found.")}}
        }),
    );
    p.insert(
        "/admin/v1/inventory/openapi.json".into(),
        json!({
            "get": {"summary": "The discovered inventory as an OpenAPI 3.1 document (download)",
                "responses": {"200": ok("OpenAPI 3.1.", obj())}}
        }),
    );
    p.insert("/admin/v1/inventory/{key}".into(), json!({
        "parameters": [{"name": "key", "in": "path", "required": true, "schema": {"type": "string"},
            "description": "Endpoint key `METHOD host/template`, percent-encoded."}],
        "get": {"summary": "One endpoint: stored row with its report object, consumers calling it, incidents, sampled traffic",
            "responses": {"200": ok("Endpoint.", r("EndpointDetail")), "404": err("Not found.")}}
    }));
    p.insert("/admin/v1/sensitive".into(), json!({
        "get": {"summary": "Sensitive types with levels, the endpoints serving them and the consumers receiving them",
            "responses": {"200": ok("Types, most sensitive first.", json!({"type": "object", "properties": {
                "types": {"type": "array", "items": r("SensitiveType")}}}))}}
    }));
    p.insert("/admin/v1/incidents".into(), json!({
        "get": {"summary": "Incidents, newest activity first", "parameters": [
            q("status", "open, investigating, resolved, false_positive."), q("severity", "low, medium, high, critical."),
            q("actor", "Address, consumer or user."), q("limit", "At most this many (default 100, at most 1000).")],
            "responses": {"200": ok("Incidents.", items_of(r("IncidentSummary"))), "400": err("Bad query.")}}
    }));
    p.insert("/admin/v1/incidents/{id}".into(), json!({
        "parameters": [name_param("id")],
        "get": {"summary": "An incident with its evidence (masked exchange samples) and the exceptions covering it",
            "responses": {"200": ok("Incident.", json!({"type": "object", "properties": {
                "incident": r("Incident"), "evidence": {"type": "array", "items": r("Exchange")},
                "exceptions": {"type": "array", "items": r("Exception")}}})), "404": err("Not found.")}},
        "patch": {"summary": "Workflow change: status, assignee (empty clears), a note authored by the caller (analyst)",
            "requestBody": body(r("IncidentPatch")),
            "responses": action_errors(json!({"200": ok("The incident as it now is.", r("Incident"))}))}
    }));
    p.insert("/admin/v1/incidents/{id}/block".into(), json!({
        "parameters": [name_param("id")],
        "post": {"summary": "Deny the incident's address or consumer for a time (deny list, applied by the gateway at once; analyst)",
            "requestBody": body(r("Block")),
            "responses": action_errors(json!({"201": ok("The deny entry added.", r("DenyEntry"))}))}
    }));
    p.insert("/admin/v1/incidents/{id}/exception".into(), json!({
        "parameters": [name_param("id")],
        "post": {"summary": "Stop raising incidents of this category on its endpoint or everywhere (analyst)",
            "requestBody": body(r("ExceptionInput")),
            "responses": action_errors(json!({"201": ok("The exception.", r("Exception"))}))}
    }));
    p.insert("/admin/v1/exceptions".into(), json!({
        "get": {"summary": "Detection exceptions, oldest first", "responses": {"200": ok("Exceptions.", items_of(r("Exception")))}}
    }));
    p.insert("/admin/v1/exceptions/{id}".into(), json!({
        "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "integer"}}],
        "delete": {"summary": "Delete an exception (analyst)", "responses": {"204": {"description": "Deleted."}, "404": err("Not found.")}}
    }));
    p.insert("/admin/v1/exchanges".into(), json!({
        "get": {"summary": "Search the (masked) exchange samples, newest first", "parameters": [
            q("since", time), q("until", time), q("ip", "Client address, exact."), q("consumer", "Consumer, exact."),
            q("user", "End user, exact."), q("endpoint", "Endpoint key, exact."), q("status", "Response status."),
            q("incident", "Only evidence of this incident."), q("before_id", "Paging: ids below this one."),
            q("limit", "Default 100, at most 1000.")],
            "responses": {"200": ok("Samples without the exchange body.", items_of(r("ExchangeBrief"))), "400": err("Bad query.")}}
    }));
    p.insert("/admin/v1/exchanges/{id}".into(), json!({
        "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "integer"}}],
        "get": {"summary": "One sample with its masked exchange", "responses": {"200": ok("Sample.", r("Exchange")), "404": err("Not found.")}}
    }));
    p.insert("/admin/v1/actors/{actor}".into(), json!({
        "parameters": [{"name": "actor", "in": "path", "required": true, "schema": {"type": "string"}, "description": "Address, consumer or user, percent-encoded."}],
        "get": {"summary": "Everything an actor did: sampled exchanges, incidents, traffic summary",
            "responses": {"200": ok("Actor.", r("Actor"))}}
    }));
    p.insert("/admin/v1/ingest".into(), json!({
        "post": {"summary": "Feed Exchange JSON Lines v1 to the analytics pipeline (admin; body up to 16 MiB)",
            "requestBody": {"required": true, "content": {"application/x-ndjson": {"schema": {"type": "string"}}}},
            "responses": {"200": ok("What was accepted.", json!({"type": "object", "properties": {
                "accepted": {"type": "integer"}, "rejected": {"type": "integer"}, "errors": {"type": "array", "items": {}}}})),
                "400": err("The pipeline refused the body."), "413": err("Body larger than 16 MiB.")}}
    }));
    p.insert("/admin/v1/users".into(), json!({
        "get": {"summary": "Console users (admin)", "responses": {"200": ok("Users.", items_of(r("User")))}},
        "post": {"summary": "Create a console user (admin)", "requestBody": body(r("NewUser")),
            "responses": {"201": ok("Created.", r("User")), "400": err("Invalid name, role or password."), "409": err("Name taken.")}}
    }));
    p.insert("/admin/v1/users/{name}".into(), json!({
        "parameters": [name_param("name")],
        "patch": {"summary": "Change role, disable/enable, or reset the password (admin)", "requestBody": body(r("UserPatch")),
            "responses": {"200": ok("Updated.", r("User")), "400": err("Invalid field."), "404": err("Not found."),
                "409": err("Would leave no enabled admin.")}},
        "delete": {"summary": "Delete a console user and their sessions (admin)",
            "responses": {"204": {"description": "Deleted."}, "404": err("Not found."), "409": err("Would leave no enabled admin.")}}
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
    analytics_paths(&mut p);
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
    let mut out = json!({
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
    });
    if let (Some(all), Value::Object(more)) = (out.as_object_mut(), analytics_schemas()) {
        all.extend(more);
    }
    out
}

fn analytics_schemas() -> Value {
    let strings = json!({"type": "array", "items": {"type": "string"}});
    let mut out = json!({
        "Overview": {"type": "object", "properties": {
            "traffic": {"type": "array", "items": r("TrafficMinute")},
            "endpoints": {"type": "object", "properties": {"total": {"type": "integer"}, "unauthenticated": {"type": "integer"},
                "by_level": {"type": "object", "additionalProperties": {"type": "integer"}}}},
            "incidents": {"type": "object", "properties": {"open": {"type": "integer"}, "total": {"type": "integer"},
                "open_by_severity": {"type": "object", "additionalProperties": {"type": "integer"}}}},
            "top_actors": {"type": "object", "properties": {
                "by_requests": {"type": "array", "items": {"type": "object", "properties": {"actor": {"type": "string"}, "requests": {"type": "integer"}}}},
                "by_incidents": {"type": "array", "items": {"type": "object", "properties": {"actor": {"type": "string"}, "incidents": {"type": "integer"}}}},
                "sampled_exchanges": {"type": "integer"}}},
            "pipeline": {"type": "object", "description": "Control::analytics_status()."}}},
        "TrafficMinute": {"type": "object", "properties": {"minute": {"type": "integer"}, "requests": {"type": "integer"},
            "errors": {"type": "integer"}, "blocked": {"type": "integer"}, "attacks": {"type": "integer"}, "shed": {"type": "integer"}}},
        "EndpointSummary": {"type": "object", "properties": {"key": {"type": "string"}, "method": {"type": "string"},
            "host": {"type": "string"}, "template": {"type": "string"}, "hits": {"type": "integer"},
            "first_seen_us": {"type": "integer"}, "last_seen_us": {"type": "integer"}, "level": {"type": "integer"},
            "level_label": {"type": ["string", "null"]}, "auth": strings, "sensitive_types": strings,
            "documented": {"type": "boolean", "description": "Present once a spec is imported; false = shadow."}}},
        "SpecOperation": {"type": "object", "properties": {"spec": {"type": "string"}, "method": {"type": "string"},
            "path": {"type": "string", "description": "As written in the spec."}, "operation_id": {"type": ["string", "null"]},
            "templates": {"type": "array", "items": {"type": "object", "properties": {
                "host": {"type": ["string", "null"], "description": "Null: any host."}, "template": {"type": "string"}}}}}},
        "SpecSummary": {"type": "object", "properties": {"name": {"type": "string"}, "title": {"type": "string"},
            "version": {"type": "string"}, "operations": {"type": "integer"}, "imported_at": {"type": "integer"},
            "bytes": {"type": "integer"}}},
        "SpecImported": {"type": "object", "properties": {"name": {"type": "string"}, "title": {"type": "string"},
            "version": {"type": "string"}, "format": {"enum": ["openapi3", "swagger2"]}, "operations": {"type": "integer"},
            "warnings": strings, "imported_at": {"type": "integer"}, "replaced": {"type": "boolean"}}},
        "EndpointDetail": {"type": "object", "properties": {
            "endpoint": {"type": "object", "description": "The stored row; `report` is the Analysis report v1 endpoint object."},
            "documentation": {"type": ["object", "null"], "description": "Null until a spec is imported.", "properties": {
                "documented": {"type": "boolean"}, "operations": {"type": "array", "items": r("SpecOperation")}}},
            "consumers": {"type": "array", "items": {"type": "object", "properties": {"consumer": {"type": ["string", "null"]},
                "requests": {"type": "integer"}, "ips": {"type": "integer"}, "last_us": {"type": "integer"}}}},
            "incidents": {"type": "array", "items": r("IncidentSummary")},
            "traffic": {"type": "array", "items": {"type": "object", "properties": {"minute": {"type": "integer"}, "requests": {"type": "integer"}}}},
            "samples": {"type": "integer"}}},
        "SensitiveType": {"type": "object", "properties": {"type": {"type": "string"}, "level": {"type": "integer"},
            "level_label": {"type": "string"}, "category": {"type": "string"}, "hits": {"type": "integer"}, "endpoints": {"type": "integer"},
            "served_by": strings, "locations": {"type": "array", "items": obj()},
            "consumers": {"type": "array", "items": {"type": "object", "properties": {"consumer": {"type": "string"}, "exchanges": {"type": "integer"}}}}}}
    });
    if let (Some(all), Value::Object(more)) = (out.as_object_mut(), analytics_schemas_2()) {
        all.extend(more);
    }
    out
}

fn analytics_schemas_2() -> Value {
    let strings = json!({"type": "array", "items": {"type": "string"}});
    json!({
        "IncidentSummary": {"type": "object", "properties": {"id": {"type": "string"}, "category": {"type": "string"},
            "severity": {"type": "string"}, "title": {"type": "string"}, "endpoint": {"type": ["string", "null"]},
            "actor_ip": {"type": ["string", "null"]}, "actor_consumer": {"type": ["string", "null"]}, "actor_user": {"type": ["string", "null"]},
            "first_us": {"type": "integer"}, "last_us": {"type": "integer"}, "hits": {"type": "integer"},
            "status": {"enum": ["open", "investigating", "resolved", "false_positive"]}, "assignee": {"type": ["string", "null"]}}},
        "Incident": {"allOf": [r("IncidentSummary"), {"type": "object", "properties": {"detail": obj(),
            "notes": {"type": "array", "items": {"type": "object", "properties": {"at": {"type": "integer"}, "author": {"type": "string"}, "text": {"type": "string"}}}}}}]},
        "IncidentPatch": {"type": "object", "additionalProperties": false, "properties": {
            "status": {"enum": ["open", "investigating", "resolved", "false_positive"]},
            "assignee": {"type": "string", "description": "Empty string clears."}, "note": {"type": "string", "maxLength": 4096}}},
        "Block": {"type": "object", "required": ["target"], "additionalProperties": false, "properties": {
            "target": {"enum": ["ip", "consumer"]}, "ttl_secs": {"type": "integer", "minimum": 1, "maximum": 31536000, "default": 3600}}},
        "ExceptionInput": {"type": "object", "required": ["reason", "scope"], "additionalProperties": false, "properties": {
            "reason": {"type": "string", "maxLength": 4096}, "scope": {"enum": ["endpoint", "everywhere"]}}},
        "Exception": {"type": "object", "properties": {"id": {"type": "integer"}, "rule": {"type": "string"},
            "endpoint": {"type": ["string", "null"]}, "actor": {"type": ["string", "null"]}, "reason": {"type": "string"},
            "author": {"type": "string"}, "created_at": {"type": "integer"}}},
        "ExchangeBrief": {"type": "object", "properties": {"id": {"type": "integer"}, "time_us": {"type": "integer"},
            "ip": {"type": ["string", "null"]}, "consumer": {"type": ["string", "null"]}, "user": {"type": ["string", "null"]},
            "method": {"type": "string"}, "host": {"type": "string"}, "path": {"type": "string"}, "endpoint": {"type": ["string", "null"]},
            "status": {"type": "integer"}, "incidents": strings}},
        "Exchange": {"allOf": [r("ExchangeBrief"), {"type": "object", "properties": {"exchange": {"type": "object",
            "description": "Exchange JSON Lines v1 object with sensitive values masked."}}}]},
        "Actor": {"type": "object", "properties": {"actor": {"type": "string"}, "kind": {"enum": ["ip", "consumer_or_user"]},
            "summary": obj(), "traffic": {"type": "array", "items": obj()},
            "incidents": {"type": "array", "items": r("IncidentSummary")}, "exchanges": {"type": "array", "items": r("ExchangeBrief")}}},
        "User": {"type": "object", "properties": {"name": {"type": "string"}, "role": {"enum": ["viewer", "analyst", "admin"]},
            "created_at": {"type": "integer"}, "disabled": {"type": "boolean"}}},
        "NewUser": {"type": "object", "required": ["name", "role", "password"], "additionalProperties": false, "properties": {
            "name": {"type": "string"}, "role": {"enum": ["viewer", "analyst", "admin"]}, "password": {"type": "string", "minLength": 8, "maxLength": 1024}}},
        "UserPatch": {"type": "object", "additionalProperties": false, "properties": {
            "role": {"enum": ["viewer", "analyst", "admin"]}, "disabled": {"type": "boolean"}, "password": {"type": "string", "minLength": 8, "maxLength": 1024}}}
    })
}

/// The document (built per request; it is small and requests are rare).
pub(crate) fn spec() -> Value {
    json!({
        "openapi": "3.1.0",
        "info": {"title": "Lampyr admin API", "version": env!("CARGO_PKG_VERSION"),
            "description": "Gateway configuration, analytics and incident workflow. The web console uses exactly this API."},
        "security": [{"bearer": []}, {"session": []}],
        "paths": paths(),
        "components": {
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer"},
                "session": {"type": "apiKey", "in": "cookie", "name": "lampyr_session",
                    "description": "Console session (POST /login). Writes also need the X-CSRF-Token header (the page's csrf-token meta). Roles: viewer reads; analyst works incidents (PATCH, block, exception, delete exceptions); admin does everything else."}
            },
            "schemas": schemas(),
            "responses": {"Unauthorized": err("Missing or wrong bearer token or session."),
                "Forbidden": err("Role too low, or a session write without the CSRF token.")}
        }
    })
}

/// `GET /admin/v1/openapi.json`
pub(crate) async fn document() -> Json<Value> {
    Json(spec())
}
