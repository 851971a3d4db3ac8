//! NoSQL (MongoDB) operator injection: query operators smuggled in through field names
//! (`password[$ne]=`, `{"password": {"$ne": null}}`) or JSON-in-a-value, server-side
//! JavaScript (`$where`, `$function`, `$accumulator`) and JavaScript that breaks out of a
//! `$where` string (`';return true;var a='`, `this.password.match(`).
//!
//! OData and JSON Schema keys (`$filter`, `$select`, `$top`, `$orderby`, `$expand`, `$ref`,
//! `$schema`, `$id`...) are not MongoDB operators and are never flagged.

use regex::Regex;

use super::generic::{hit, segments};
use super::{ByteSet, Family, RequestContext, RuleHit, Value, ValueKind};
use crate::{category, Severity};

/// Operators that run JavaScript or whole pipelines on the server.
const CODE_OPERATORS: &[&str] = &["$where", "$function", "$accumulator"];
/// Pipeline and expression operators: never in a client's field names.
const PIPELINE_OPERATORS: &[&str] = &[
    "$expr",
    "$lookup",
    "$graphlookup",
    "$unionwith",
    "$merge",
    "$out",
    "$jsonschema",
];
/// Comparison and logical operators: what turns a value check into "anything".
const QUERY_OPERATORS: &[&str] = &[
    "$ne",
    "$gt",
    "$gte",
    "$lt",
    "$lte",
    "$in",
    "$nin",
    "$eq",
    "$regex",
    "$exists",
    "$or",
    "$and",
    "$nor",
    "$not",
    "$elemmatch",
    "$type",
    "$mod",
    "$all",
    "$size",
    "$text",
    "$options",
];

/// Which kind of MongoDB operator a name is, if any.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    Code,
    Pipeline,
    Query,
}

fn operator(name: &str) -> Option<(Op, String)> {
    let n = name.trim().trim_matches(['"', '\'']).to_ascii_lowercase();
    if !n.starts_with('$') {
        return None;
    }
    if CODE_OPERATORS.contains(&n.as_str()) {
        Some((Op::Code, n))
    } else if PIPELINE_OPERATORS.contains(&n.as_str()) {
        Some((Op::Pipeline, n))
    } else if QUERY_OPERATORS.contains(&n.as_str()) {
        Some((Op::Query, n))
    } else {
        None
    }
}

/// The NoSQL family.
#[derive(Debug)]
pub struct NoSql {
    json_operator: Regex,
    js_breakout: Regex,
}

/// Every family this module provides.
pub fn families() -> Vec<Box<dyn Family>> {
    vec![Box::new(NoSql::new())]
}

impl Default for NoSql {
    fn default() -> Self {
        Self::new()
    }
}

impl NoSql {
    /// Compiles the rules.
    pub fn new() -> Self {
        let re = |s: &str| Regex::new(s).expect("nosql regex compiles");
        let ops: Vec<String> = CODE_OPERATORS
            .iter()
            .chain(PIPELINE_OPERATORS)
            .chain(QUERY_OPERATORS)
            .map(|o| regex::escape(o))
            .collect();
        Self {
            json_operator: re(&format!(r#"(?i)["']?({})["']?\s*:"#, ops.join("|"))),
            js_breakout: re(concat!(
                r#"(?i)['"]\s*;\s*return\s+(?:true|1|!0)\b|['"]\s*(?:\|\||&&)\s*['"]?\w*['"]?\s*==|\bthis\s*\.\s*\w+\s*\.\s*match\s*\("#,
                r#"|\bthis\s*\.\s*\w+\s*(?:==|!=)|['"]\s*;\s*(?:sleep|while)\s*\(|\bdb\s*\.\s*\w+\s*\.\s*(?:find|drop|insert|remove|update)\w*\s*\("#,
            )),
        }
    }

    /// Whether the operand of a comparison operator matches (nearly) everything.
    fn catch_all(op: &str, operand: &str) -> bool {
        let v = operand.trim();
        match op {
            "$ne" | "$nin" | "$exists" | "$or" | "$nor" | "$not" => true,
            "$gt" | "$gte" => v.is_empty() || v == "null" || v == "0" || v == "\"\"" || v == "-1",
            "$regex" => {
                let p = v.trim_matches(['"', '/']);
                p.is_empty()
                    || matches!(
                        p,
                        "." | ".*"
                            | ".+"
                            | "^"
                            | "^.*"
                            | "^.*$"
                            | ".*$"
                            | "[\\s\\S]*"
                            | "[^]*"
                            | "$"
                    )
                    || p.starts_with("^") && p.len() <= 3
            }
            _ => false,
        }
    }
}

impl Family for NoSql {
    /// Operators need a `$` (in the name or the text); every JavaScript break-out holds a
    /// quote, or a `.` with a `(` (`this.x.match(`, `db.c.find(`) or a `=` (`this.x==`).
    fn may_match(&self, v: &Value<'_>, _ctx: &RequestContext<'_>, bytes: &ByteSet) -> bool {
        let name_has_dollar = match v.kind {
            ValueKind::Name => bytes.has(b'$'),
            ValueKind::Content => memchr::memchr(b'$', v.key.as_bytes()).is_some(),
        };
        if name_has_dollar {
            return true;
        }
        v.decoded.len() >= 4 && (bytes.any(b"$'\"") || (bytes.has(b'.') && bytes.any(b"(=")))
    }

    fn check(&self, v: &Value<'_>, _ctx: &RequestContext<'_>, out: &mut Vec<RuleHit>) {
        // Operators in the field name (bracket query keys, JSON paths, names as values).
        let name = match v.kind {
            ValueKind::Name => v.decoded,
            ValueKind::Content => v.key,
        };
        if name.contains('$') {
            let mut best: Option<(Op, String)> = None;
            for seg in segments(name) {
                if let Some((op, n)) = operator(seg) {
                    if best.as_ref().is_none_or(|(b, _)| op_rank(op) > op_rank(*b)) {
                        best = Some((op, n));
                    }
                }
            }
            if let Some((op, n)) = best {
                let catch = v.kind == ValueKind::Content
                    && op == Op::Query
                    && Self::catch_all(&n, v.decoded);
                let (rule, sev, pl) = match op {
                    Op::Code => ("nosql.code_operator", Severity::Critical, 1),
                    Op::Pipeline => ("nosql.pipeline_operator", Severity::Critical, 1),
                    Op::Query if catch => ("nosql.operator_bypass", Severity::Critical, 1),
                    Op::Query => ("nosql.query_operator", Severity::Medium, 1),
                };
                out.push(hit(rule, category::NOSQLI, sev, pl, 0..0));
                if op == Op::Code {
                    self.check_js(v.decoded, out);
                }
                return;
            }
        }
        let d = v.decoded;
        if d.len() < 4 {
            return;
        }
        // JSON with operators inside a value (`filter={"password":{"$ne":null}}`) or a raw
        // JSON body.
        if memchr::memchr(b'$', d.as_bytes()).is_some() {
            if let Some(c) = self.json_operator.captures(d) {
                let m = c.get(1).expect("group");
                let (op, n) = operator(m.as_str()).expect("listed operator");
                let after = d[c.get(0).expect("match").end()..].trim_start();
                let operand = after.split([',', '}']).next().unwrap_or("").trim();
                let (rule, sev, pl) = match op {
                    Op::Code => ("nosql.code_operator", Severity::Critical, 1),
                    Op::Pipeline => ("nosql.pipeline_operator", Severity::Critical, 1),
                    Op::Query if Self::catch_all(&n, operand) && !operand.starts_with('{') => {
                        ("nosql.operator_bypass", Severity::Critical, 1)
                    }
                    Op::Query => ("nosql.query_operator", Severity::Medium, 1),
                };
                out.push(hit(rule, category::NOSQLI, sev, pl, m.range()));
            }
        }
        self.check_js(d, out);
    }
}

impl NoSql {
    fn check_js(&self, d: &str, out: &mut Vec<RuleHit>) {
        if let Some(m) = self.js_breakout.find(d) {
            out.push(hit(
                "nosql.js_injection",
                category::NOSQLI,
                Severity::Critical,
                1,
                m.range(),
            ));
        }
    }
}

fn op_rank(op: Op) -> u8 {
    match op {
        Op::Code => 3,
        Op::Pipeline => 2,
        Op::Query => 1,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    static FAMS: std::sync::LazyLock<Vec<Box<dyn Family>>> = std::sync::LazyLock::new(families);
    use crate::rules::generic::test_support::{check_all, check_value, rules_of};
    use crate::Location;

    fn rules(key: &str, v: &str) -> Vec<&'static str> {
        rules_of(&FAMS, key, v)
    }

    #[test]
    fn bracket_operators_with_catch_all_operands() {
        assert!(rules("password[$ne]", "x").contains(&"nosql.operator_bypass"));
        assert!(rules("user[$regex]", ".*").contains(&"nosql.operator_bypass"));
        assert!(rules("user[$gt]", "").contains(&"nosql.operator_bypass"));
        let h = check_all(&FAMS, "price[$gt]", "100");
        assert_eq!(
            (h[0].rule, h[0].severity),
            ("nosql.query_operator", Severity::Medium)
        );
    }

    #[test]
    fn json_paths_and_names() {
        let h = check_value(
            &FAMS,
            Location::Body,
            ValueKind::Name,
            "password.$ne",
            "$ne",
            "POST",
            Some("application/json"),
        );
        assert_eq!(h[0].rule, "nosql.query_operator");
        assert!(
            rules("filter.$where", "this.password.match(/^a/)").contains(&"nosql.code_operator")
        );
        assert!(rules("filter.$where", "this.password.match(/^a/)").contains(&"nosql.js_injection"));
    }

    #[test]
    fn json_inside_a_value() {
        assert!(rules("filter", r#"{"password":{"$ne":null}}"#).contains(&"nosql.operator_bypass"));
        assert!(rules("q", r#"{"$where":"sleep(5000)"}"#).contains(&"nosql.code_operator"));
        assert!(rules("q", r#"{"$expr":{"$eq":["$a","$b"]}}"#).contains(&"nosql.pipeline_operator"));
    }

    #[test]
    fn where_breakout() {
        assert!(rules("user", "admin';return true;var a='a").contains(&"nosql.js_injection"));
        assert!(rules("user", "'; sleep(5000); var x='").contains(&"nosql.js_injection"));
    }

    #[test]
    fn odata_and_schema_keys_are_benign() {
        for k in [
            "$filter", "$select", "$top", "$orderby", "$expand", "$ref", "$schema", "$id", "$skip",
            "$count",
        ] {
            assert!(rules(k, "Price gt 5").is_empty(), "{k}");
        }
        assert!(rules(
            "q",
            r##"{"$ref":"#/definitions/a","$schema":"http://json-schema.org/draft-07/schema#"}"##
        )
        .is_empty());
        assert!(rules("price", "$5.00").is_empty());
        assert!(rules("note", "it's great; returning true customers").is_empty());
    }
}
