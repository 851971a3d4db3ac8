//! SQL injection as a family: the tokenising detector ([`crate::sqli::detect`]) on every
//! decoded parameter value and name, plus regex rules for what a tokeniser does not see
//! (MySQL comment-hidden keywords, known blind-injection functions).

use super::builtin::{RxRule, View};
use super::{Family, RequestContext, RuleHit, Value, ValueKind};
use crate::category::SQLI as CAT;
use crate::placement::scope;
use crate::Location;
use crate::Severity::Critical;

/// Rule id of a tokeniser match, by its kind.
fn rule_id(kind: &str) -> &'static str {
    match kind {
        "tautology" => "sqli.tautology",
        "union_select" | "union" => "sqli.union_select",
        "stacked_query" => "sqli.stacked_query",
        "time_based" => "sqli.time_based",
        "mysql_comment" => "sqli.mysql_comment",
        "having" => "sqli.having",
        "char_encoding" => "sqli.char_encoding",
        "file_access" => "sqli.file_access",
        "conditional" => "sqli.conditional",
        "error_based" => "sqli.error_based",
        "comment" => "sqli.comment",
        _ => "sqli.tokenizer",
    }
}

/// The tokenising detector as a family.
#[derive(Debug, Default, Clone, Copy)]
pub struct SqliFamily;

impl Family for SqliFamily {
    fn check(&self, v: &Value<'_>, _ctx: &RequestContext<'_>, out: &mut Vec<RuleHit>) {
        // Header values other than cookies are free text written by clients (user agents,
        // accept lists): the tokeniser reads them only through the regex rules.
        if matches!(
            v.placement.location,
            Location::Header | Location::ResponseBody | Location::ResponseHeader
        ) {
            return;
        }
        if v.kind == ValueKind::Name && v.placement.location == Location::Path {
            return;
        }
        if let Some(m) = crate::sqli::detect(v.decoded) {
            out.push(RuleHit {
                rule: rule_id(m.kind),
                category: CAT,
                severity: Critical,
                paranoia: m.paranoia.clamp(1, 4),
                span: m.span,
            });
        }
    }
}

/// Regex rules for SQL the tokeniser may not see.
pub fn rules() -> Vec<RxRule> {
    vec![
        RxRule::new(
            "sqli.blind_function",
            CAT,
            Critical,
            1,
            View::Folded,
            scope::PAYLOAD | scope::HEADER,
            &[
                "sleep",
                "benchmark",
                "pg_sleep",
                "waitfor",
                "dbms_pipe",
                "dbms_lock",
            ],
            r"\b(?:sleep\s*\(\s*\d+(?:\.\d+)?\s*\)|benchmark\s*\(\s*\d+\s*,|pg_sleep\s*\(\s*\d|waitfor\s+delay\s+'|dbms_pipe\.receive_message\s*\(|dbms_lock\.sleep\s*\()",
        ),
        RxRule::new(
            "sqli.information_schema",
            CAT,
            Critical,
            1,
            View::Folded,
            scope::PAYLOAD,
            &[
                "information_schema",
                "sysobjects",
                "syscolumns",
                "sqlite_master",
                "pg_catalog",
                "mysql.user",
                "all_tables",
                "sys.tables",
                "xp_cmdshell",
                "sp_executesql",
                "load_file",
                "into outfile",
                "into dumpfile",
            ],
            r"\b(?:from\s+(?:information_schema\.|sysobjects\b|syscolumns\b|sqlite_master\b|pg_catalog\.|mysql\.user\b|all_tables\b|sys\.tables\b)|xp_cmdshell\b|sp_executesql\b|load_file\s*\(|into\s+(?:out|dump)file\s+')",
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::super::builtin::testing::fires;

    #[test]
    fn blind_and_catalog_sql_are_caught() {
        assert!(fires("1 and sleep(5)", "sqli.", 1));
        assert!(fires("1;waitfor delay '0:0:5'--", "sqli.", 1));
        assert!(fires(
            "1 union select table_name from information_schema.tables",
            "sqli.",
            1
        ));
        assert!(!fires("please sleep well", "sqli.", 1));
        assert!(!fires("select a union rep", "sqli.", 1));
    }
}
