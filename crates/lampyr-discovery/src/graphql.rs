//! GraphQL operation detection, from the request itself.
//!
//! A request is GraphQL when it carries a GraphQL *document* with at least one operation and a
//! selection set: a JSON body (object or batched array) with a `query` string, an
//! `application/graphql` body, or a `query=` parameter. Nothing is inferred from the URL (a
//! path containing "graph" proves nothing) and a search such as `?query=shoes` is not a
//! document. The tokenizer is small, linear and tolerant: strings, block strings, comments and
//! fragments are skipped; no recursion, so nesting cannot exhaust the stack.
//!
//! Not handled: persisted queries sent as a hash only (Apollo APQ without `query`), whose
//! operation type is not in the request.

use std::borrow::Cow;

use lampyr_core::Request;
use serde::Serialize;
use serde_json::Value;

use crate::params::query_pairs;

/// Most operations read from one batched request.
pub const MAX_BATCH: usize = 64;
/// Longest operation or field name kept.
pub const MAX_NAME_LEN: usize = 128;

/// GraphQL operation type.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum OpKind {
    /// `query`, or the `{ ... }` shorthand.
    Query,
    /// `mutation`.
    Mutation,
    /// `subscription`.
    Subscription,
}

impl OpKind {
    /// The keyword.
    pub fn as_str(self) -> &'static str {
        match self {
            OpKind::Query => "query",
            OpKind::Mutation => "mutation",
            OpKind::Subscription => "subscription",
        }
    }
}

/// One GraphQL operation of a request: what discovery splits a GraphQL endpoint by.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct GraphqlOp {
    /// Query, mutation or subscription.
    pub kind: OpKind,
    /// `operationName`, else the name in the document, else the first top-level field.
    pub name: String,
}

/// The GraphQL operations of `req`; empty when it is not a GraphQL request. Parses a JSON body
/// only when it mentions `"query"`.
pub fn operations(req: &Request) -> Vec<GraphqlOp> {
    operations_with_json(req, None)
}

/// Like [`operations`], reusing a JSON body the caller already parsed.
pub fn operations_with_json(req: &Request, json: Option<&Value>) -> Vec<GraphqlOp> {
    let media = req.media_type();
    let media = media.as_deref();
    let body = req.body.bytes();
    let param = |name: &str| -> Option<Cow<'_, str>> {
        let q = req.query.as_deref()?;
        query_pairs(q).find(|(k, _)| k == name).map(|(_, v)| v)
    };
    if !body.is_empty() && !req.body.truncated() {
        if media == Some("application/graphql") {
            if let Ok(doc) = std::str::from_utf8(body) {
                let name = param("operationName");
                let ops = from_document(doc, name.as_deref());
                if !ops.is_empty() {
                    return ops;
                }
            }
        }
        let json_like = !matches!(media, Some(m) if !m.contains("json"));
        if json_like {
            let parsed;
            let v = match json {
                Some(v) => Some(v),
                None if memchr::memmem::find(body, b"\"query\"").is_some() => {
                    parsed = serde_json::from_slice::<Value>(body).ok();
                    parsed.as_ref()
                }
                None => None,
            };
            if let Some(v) = v {
                let ops = from_json(v);
                if !ops.is_empty() {
                    return ops;
                }
            }
        }
    }
    if let Some(doc) = param("query") {
        let name = param("operationName");
        return from_document(&doc, name.as_deref());
    }
    Vec::new()
}

fn from_json(v: &Value) -> Vec<GraphqlOp> {
    let one = |o: &Value| -> Vec<GraphqlOp> {
        let Some(doc) = o.get("query").and_then(Value::as_str) else {
            return Vec::new();
        };
        from_document(doc, o.get("operationName").and_then(Value::as_str))
    };
    match v {
        Value::Array(items) => items.iter().take(MAX_BATCH).flat_map(one).collect(),
        Value::Object(_) => one(v),
        _ => Vec::new(),
    }
}

/// The operations of a document. With a valid `operation_name` naming one of them, only that
/// one (as the server would run); otherwise every operation.
pub fn from_document(doc: &str, operation_name: Option<&str>) -> Vec<GraphqlOp> {
    let Some(ops) = parse(doc) else {
        return Vec::new();
    };
    let wanted = operation_name.filter(|n| is_name(n));
    if let Some(w) = wanted {
        if let Some(op) = ops.iter().find(|o| o.declared.as_deref() == Some(w)) {
            return vec![GraphqlOp {
                kind: op.kind,
                name: w.to_owned(),
            }];
        }
        if ops.len() == 1 {
            return vec![GraphqlOp {
                kind: ops[0].kind,
                name: w.to_owned(),
            }];
        }
    }
    ops.into_iter()
        .take(MAX_BATCH)
        .map(|o| GraphqlOp {
            kind: o.kind,
            name: o.declared.or(o.first_field).unwrap_or_default(),
        })
        .collect()
}

fn is_name(s: &str) -> bool {
    let b = s.as_bytes();
    !b.is_empty()
        && b.len() <= MAX_NAME_LEN
        && (b[0].is_ascii_alphabetic() || b[0] == b'_')
        && b.iter().all(|c| c.is_ascii_alphanumeric() || *c == b'_')
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tok<'a> {
    Name(&'a str),
    Punct(u8),
    Spread,
    /// Strings and numbers: values that never name anything.
    Value,
}

struct Lexer<'a> {
    s: &'a str,
    pos: usize,
}

impl<'a> Lexer<'a> {
    fn next_tok(&mut self) -> Option<Tok<'a>> {
        let b = self.s.as_bytes();
        loop {
            let c = *b.get(self.pos)?;
            match c {
                b' ' | b'\t' | b'\n' | b'\r' | b',' => self.pos += 1,
                0xEF if b[self.pos..].starts_with("\u{FEFF}".as_bytes()) => self.pos += 3,
                b'#' => {
                    let rest = &b[self.pos..];
                    self.pos += memchr::memchr2(b'\n', b'\r', rest).unwrap_or(rest.len());
                }
                _ => break,
            }
        }
        let start = self.pos;
        let c = b[start];
        if c == b'"' {
            if b[start..].starts_with(b"\"\"\"") {
                // Block string: ends at an unescaped `"""`.
                let mut i = start + 3;
                loop {
                    match memchr::memmem::find(&b[i..], b"\"\"\"") {
                        Some(off) if b[..i + off].ends_with(b"\\") => i += off + 3,
                        Some(off) => {
                            i += off + 3;
                            break;
                        }
                        None => {
                            i = b.len();
                            break;
                        }
                    }
                }
                self.pos = i;
            } else {
                let mut i = start + 1;
                while i < b.len() && b[i] != b'"' && b[i] != b'\n' {
                    if b[i] == b'\\' {
                        i += 1;
                    }
                    i += 1;
                }
                self.pos = (i + 1).min(b.len());
            }
            return Some(Tok::Value);
        }
        if c.is_ascii_alphabetic() || c == b'_' {
            let len = b[start..]
                .iter()
                .position(|c| !(c.is_ascii_alphanumeric() || *c == b'_'))
                .unwrap_or(b.len() - start);
            self.pos = start + len;
            return Some(Tok::Name(&self.s[start..start + len]));
        }
        if c.is_ascii_digit() || c == b'-' {
            let len = b[start + 1..]
                .iter()
                .position(|c| !(c.is_ascii_alphanumeric() || matches!(c, b'.' | b'+' | b'-')))
                .unwrap_or(b.len() - start - 1);
            self.pos = start + 1 + len;
            return Some(Tok::Value);
        }
        if b[start..].starts_with(b"...") {
            self.pos = start + 3;
            return Some(Tok::Spread);
        }
        // Any other byte (including the rest of a multi-byte character) is punctuation.
        self.pos = start + 1;
        Some(Tok::Punct(c))
    }
}

struct ParsedOp {
    kind: OpKind,
    declared: Option<String>,
    first_field: Option<String>,
}

/// Operations of an executable document, or `None` when it is not one (no operation with a
/// selection set, or a type-system definition).
fn parse(doc: &str) -> Option<Vec<ParsedOp>> {
    let mut lx = Lexer { s: doc, pos: 0 };
    let mut ops = Vec::new();
    while let Some(tok) = lx.next_tok() {
        match tok {
            Tok::Punct(b'{') => {
                let first_field = selection_set(&mut lx);
                ops.push(ParsedOp {
                    kind: OpKind::Query,
                    declared: None,
                    first_field,
                });
            }
            Tok::Name(kw @ ("query" | "mutation" | "subscription")) => {
                let kind = match kw {
                    "query" => OpKind::Query,
                    "mutation" => OpKind::Mutation,
                    _ => OpKind::Subscription,
                };
                let mut declared = None;
                // Optional name, then variables and directives up to the selection set.
                let mut t = lx.next_tok()?;
                if let Tok::Name(n) = t {
                    declared = is_name(n).then(|| n.to_owned());
                    t = lx.next_tok()?;
                }
                let mut parens = 0usize;
                loop {
                    match t {
                        Tok::Punct(b'(') => parens += 1,
                        Tok::Punct(b')') => parens = parens.saturating_sub(1),
                        Tok::Punct(b'{') if parens == 0 => break,
                        _ => {}
                    }
                    t = lx.next_tok()?;
                }
                let first_field = selection_set(&mut lx);
                ops.push(ParsedOp {
                    kind,
                    declared,
                    first_field,
                });
            }
            Tok::Name("fragment") => {
                // Skip to its selection set, then over it.
                loop {
                    if lx.next_tok()? == Tok::Punct(b'{') {
                        break;
                    }
                }
                skip_block(&mut lx);
            }
            _ => return None,
        }
        if ops.len() > MAX_BATCH {
            break;
        }
    }
    (!ops.is_empty()).then_some(ops)
}

/// After an opening `{`: the first field selected at this level, consuming the whole set.
/// Fragment spreads (`...F`), inline fragments (`... on T`), directives (`@include(...)`) and
/// arguments are not fields; `alias: field` gives `field`.
fn selection_set(lx: &mut Lexer<'_>) -> Option<String> {
    #[derive(PartialEq)]
    enum Skip {
        No,
        /// After `...`: a fragment name or `on`.
        Spread,
        /// After `... on`: the type condition.
        TypeCondition,
        /// After `@`: the directive name.
        Directive,
    }
    let mut depth = 1usize;
    let mut parens = 0usize;
    let mut skip = Skip::No;
    let mut after_colon = false;
    let mut first: Option<String> = None;
    while let Some(t) = lx.next_tok() {
        match t {
            Tok::Punct(b'{') => depth += 1,
            Tok::Punct(b'}') => {
                depth -= 1;
                if depth == 0 {
                    break;
                }
            }
            _ => {}
        }
        if depth != 1 || first.is_some() || matches!(t, Tok::Punct(b'{' | b'}')) {
            continue;
        }
        match t {
            Tok::Punct(b'(') => parens += 1,
            Tok::Punct(b')') => parens = parens.saturating_sub(1),
            _ if parens > 0 => {}
            Tok::Spread => skip = Skip::Spread,
            Tok::Punct(b'@') => skip = Skip::Directive,
            Tok::Punct(b':') => after_colon = true,
            Tok::Name(n) => match skip {
                Skip::Spread if n == "on" => skip = Skip::TypeCondition,
                Skip::Spread | Skip::TypeCondition | Skip::Directive => skip = Skip::No,
                Skip::No => {
                    let alias = !after_colon && {
                        let save = lx.pos;
                        let next = lx.next_tok();
                        lx.pos = save;
                        next == Some(Tok::Punct(b':'))
                    };
                    if !alias && is_name(n) {
                        first = Some(n.to_owned());
                    }
                }
            },
            _ => {}
        }
    }
    first
}

/// After an opening `{`: skips to the matching `}`.
fn skip_block(lx: &mut Lexer<'_>) {
    let mut depth = 1usize;
    while let Some(t) = lx.next_tok() {
        match t {
            Tok::Punct(b'{') => depth += 1,
            Tok::Punct(b'}') => {
                depth -= 1;
                if depth == 0 {
                    return;
                }
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use lampyr_core::{Body, BodyLimits, Headers};
    use proptest::prelude::*;

    fn op(kind: OpKind, name: &str) -> GraphqlOp {
        GraphqlOp {
            kind,
            name: name.into(),
        }
    }

    fn post(ct: Option<&str>, body: &str) -> Request {
        let mut headers = Headers::new();
        if let Some(ct) = ct {
            headers.append("Content-Type", ct);
        }
        Request {
            method: "POST".into(),
            path: "/api".into(),
            headers,
            body: Body::capture(body.as_bytes().to_vec(), BodyLimits::default()),
            ..Request::default()
        }
    }

    fn get(query: &str) -> Request {
        Request {
            query: Some(query.into()),
            ..Request::default()
        }
    }

    #[test]
    fn names_from_operation_name_document_or_first_field() {
        let r = post(
            Some("application/json"),
            r#"{"query":"query GetUser($id: ID!) { user(id: $id) { name } }","operationName":"GetUser"}"#,
        );
        assert_eq!(operations(&r), [op(OpKind::Query, "GetUser")]);
        let r = post(
            Some("application/json"),
            r#"{"query":"mutation { createUser(input: {name: \"x\"}) { id } }"}"#,
        );
        assert_eq!(operations(&r), [op(OpKind::Mutation, "createUser")]);
        let r = post(None, r#"{"query":"{ me: viewer { login } }"}"#);
        assert_eq!(operations(&r), [op(OpKind::Query, "viewer")]);
        let r = post(
            Some("application/json"),
            r#"{"query":"subscription OnMsg { messageAdded { id } }"}"#,
        );
        assert_eq!(operations(&r), [op(OpKind::Subscription, "OnMsg")]);
    }

    #[test]
    fn operation_name_selects_one_of_many() {
        let doc = "query A { a } mutation B { b } fragment F on T { x }";
        assert_eq!(from_document(doc, Some("B")), [op(OpKind::Mutation, "B")]);
        assert_eq!(
            from_document(doc, None),
            [op(OpKind::Query, "A"), op(OpKind::Mutation, "B")]
        );
        // An invalid operationName is ignored.
        assert_eq!(
            from_document("{ a }", Some("bad name")),
            [op(OpKind::Query, "a")]
        );
    }

    #[test]
    fn batched_requests() {
        let r = post(
            Some("application/json"),
            r#"[{"query":"query One { a }"},{"query":"mutation Two { b }"},{"nope":1}]"#,
        );
        assert_eq!(
            operations(&r),
            [op(OpKind::Query, "One"), op(OpKind::Mutation, "Two")]
        );
    }

    #[test]
    fn get_and_application_graphql() {
        let r = get("query=%7B%20hero%20%7B%20name%20%7D%20%7D");
        assert_eq!(operations(&r), [op(OpKind::Query, "hero")]);
        let r = get("query=query+Q+%7B+x+%7D&operationName=Q");
        assert_eq!(operations(&r), [op(OpKind::Query, "Q")]);
        let r = post(Some("application/graphql"), "mutation Save { save }");
        assert_eq!(operations(&r), [op(OpKind::Mutation, "Save")]);
    }

    #[test]
    fn not_graphql() {
        assert!(operations(&get("query=shoes")).is_empty());
        assert!(operations(&get("query=mutation")).is_empty());
        assert!(operations(&post(Some("application/json"), r#"{"query":"red shoes"}"#)).is_empty());
        assert!(
            operations(&post(Some("application/json"), r#"{"query":{"match":{}}}"#)).is_empty()
        );
        assert!(operations(&post(Some("text/plain"), "{ a }")).is_empty());
        let mut r = get("id=1");
        r.path = "/graphql".into();
        assert!(operations(&r).is_empty());
        assert!(from_document("type Query { a: Int }", None).is_empty());
    }

    #[test]
    fn tokenizer_skips_strings_comments_and_fragments() {
        let doc = r#"
            # query Fake { fake }
            fragment F on User { name }
            query Real($s: String = "{ not: a field }") @cached {
              ...F
              ... on User { inner }
              """block { string }""" # no
              realField(arg: "x}") { id }
            }"#;
        assert_eq!(from_document(doc, None), [op(OpKind::Query, "Real")]);
        let anon = "{ ...F ... on T { x } secondLevel { y } }";
        assert_eq!(
            from_document(anon, None),
            [op(OpKind::Query, "secondLevel")]
        );
    }

    proptest! {
        #[test]
        fn never_panics(doc in ".{0,200}", name in prop::option::of(".{0,10}")) {
            let _ = from_document(&doc, name.as_deref());
            let body = serde_json::json!({"query": doc, "operationName": name}).to_string();
            let _ = operations(&post(Some("application/json"), &body));
            let _ = operations(&post(Some("application/graphql"), &doc));
        }

        #[test]
        fn deep_nesting_is_fine(n in 0usize..5000) {
            let doc = format!("query Q {}{}", "{a".repeat(n + 1), "}".repeat(n + 1));
            prop_assert_eq!(from_document(&doc, None), vec![op(OpKind::Query, "Q")]);
        }
    }
}
