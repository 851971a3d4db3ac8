//! Verbose errors in responses: stack traces of the common runtimes and database error
//! messages. Each pattern is a shape only a real trace or driver message has (a frame with a
//! file and line, a driver's fixed wording), so documentation that merely mentions an
//! exception name does not match.

use std::sync::OnceLock;

use regex::{Regex, RegexBuilder, RegexSet, RegexSetBuilder};

/// One kind of leak.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// A stack trace or debugger page.
    StackTrace,
    /// A database error message.
    Database,
}

/// What was found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ErrorLeak {
    /// Trace or database error.
    pub kind: ErrorKind,
    /// Runtime or database (`java`, `python`, `mysql`, ...): the rule id suffix.
    pub tech: &'static str,
    /// The matched text, one line, capped.
    pub fragment: String,
}

/// (kind, tech, pattern). Patterns are case-sensitive unless they say otherwise.
const PATTERNS: &[(ErrorKind, &str, &str)] = &[
    // Java: `at com.acme.Foo.bar(Foo.java:42)`
    (
        ErrorKind::StackTrace,
        "java",
        r"(?:\b|\\[nt])at [A-Za-z_$][A-Za-z0-9_$]*(?:\.[A-Za-z0-9_$<>]+)+\((?:[A-Za-z0-9_$]+\.(?:java|kt|scala|groovy):\d+|Native Method|Unknown Source)\)",
    ),
    // Python: traceback header or frame
    (
        ErrorKind::StackTrace,
        "python",
        r#"Traceback \(most recent call last\):|File \\?"[^"\n]{1,160}\.py\\?", line \d+, in [A-Za-z0-9_<>]+"#,
    ),
    // .NET: `at Ns.Type.Method(Args) in C:\src\File.cs:line 42`, ASP.NET yellow screen
    (
        ErrorKind::StackTrace,
        "dotnet",
        r"(?:\b|\\[nt])at [A-Za-z0-9_.`<>\[\]]+\([^()\n]{0,160}\) in [^\n]{1,160}\.(?:cs|vb|fs):line \d+|Server Error in '[^'\n]{0,100}' Application\.|--- End of stack trace from previous location",
    ),
    // Node.js: `at fn (/app/src/x.js:10:5)`, `at node:internal/...:1:2`
    (
        ErrorKind::StackTrace,
        "node",
        r"(?:\b|\\[nt])at (?:[A-Za-z0-9_$.<>\[\] ]{1,100} )?\(?(?:/|[A-Za-z]:\\|node:|file://)[^()\s]{0,160}\.(?:js|mjs|cjs|ts):\d+:\d+\)?",
    ),
    // PHP: fatal errors and `#0 /var/www/x.php(12): fn()`
    (
        ErrorKind::StackTrace,
        "php",
        r"(?:Fatal error|Parse error|Warning|Notice|Deprecated)(?:</b>)?:\s[^\n]{0,160}? in (?:<b>)?(?:/|[A-Za-z]:\\)[^<\n]{1,160}\.php(?:</b>)? on line (?:<b>)?\d+|#\d+ (?:/|[A-Za-z]:\\)[^\n(]{1,160}\.php\(\d+\): ",
    ),
    // Go: panics
    (
        ErrorKind::StackTrace,
        "go",
        r"goroutine \d+ \[[a-z ]+\]:|(?:\n|\\n)(?:\s|\\t)*/[^\s:\\]{1,160}\.go:\d+ \+0x[0-9a-f]+",
    ),
    // Ruby: `app/models/user.rb:12:in `save'`
    (
        ErrorKind::StackTrace,
        "ruby",
        r"[A-Za-z0-9_/.-]{1,160}\.rb:\d+:in [`'][^'\n]{1,100}'",
    ),
    // Werkzeug / Django / Rails debug pages
    (
        ErrorKind::StackTrace,
        "debugger",
        r"Werkzeug Debugger|\b__debugger__\b|You're seeing this error because you have <code>DEBUG = True</code>|<title>Action Controller: Exception caught</title>",
    ),
    // MySQL / MariaDB
    (
        ErrorKind::Database,
        "mysql",
        r"You have an error in your SQL syntax|check the manual that corresponds to your (?:MySQL|MariaDB) server version|\bmysqli?_(?:fetch_[A-Za-z0-9_]+|query|num_rows|connect)\(\)|com\.mysql\.(?:cj\.)?jdbc\.exceptions|MySqlClient\.MySqlException|\bER_PARSE_ERROR\b|SQLSTATE\[[A-Z0-9]{5}\]: [^\n]{0,100}(?:1064|1054|1146)",
    ),
    // PostgreSQL
    (
        ErrorKind::Database,
        "postgresql",
        r#"\bPG::[A-Z][A-Za-z0-9_]+Error\b|org\.postgresql\.util\.PSQLException|\bpsycopg2?\.(?:errors\.)?[A-Za-z0-9_]+Error\b|pg_query\(\): Query failed|ERROR:\s+syntax error at or near "|unterminated quoted string at or near "|invalid input syntax for (?:type )?(?:integer|uuid|numeric)"#,
    ),
    // Microsoft SQL Server
    (
        ErrorKind::Database,
        "mssql",
        r"Unclosed quotation mark after the character string|\[Microsoft\]\[(?:ODBC|SQL Server)[^\]\n]{0,60}\]|Microsoft OLE DB Provider for SQL Server|(?:System|Microsoft)\.Data\.SqlClient\.SqlException|\bIncorrect syntax near '",
    ),
    // Oracle
    (
        ErrorKind::Database,
        "oracle",
        r"\bORA-\d{5}: |oracle\.jdbc\.(?:driver|OracleDriver)|quoted string not properly terminated",
    ),
    // SQLite
    (
        ErrorKind::Database,
        "sqlite",
        r#"SQLite3::SQLException|sqlite3\.OperationalError|\bSQLITE_ERROR\b|System\.Data\.SQLite\.SQLiteException|near "[^"\n]{1,60}": syntax error|\bunrecognized token: ""#,
    ),
    // MongoDB
    (
        ErrorKind::Database,
        "mongodb",
        r"\bMongo(?:Server|Network|Parse)?Error\b|com\.mongodb\.Mongo[A-Za-z0-9_]*Exception|\bpymongo\.errors\.[A-Za-z0-9_]+|E11000 duplicate key error",
    ),
];

/// Compiled program size allowed for the built-in patterns.
const SIZE_LIMIT: usize = 32 * 1024 * 1024;

struct Compiled {
    set: RegexSet,
    each: Vec<Regex>,
}

fn compiled() -> &'static Compiled {
    static C: OnceLock<Compiled> = OnceLock::new();
    C.get_or_init(|| {
        let pats: Vec<String> = PATTERNS
            .iter()
            .map(|p| crate::rules::ascii_boundaries(p.2))
            .collect();
        Compiled {
            set: RegexSetBuilder::new(&pats)
                .size_limit(SIZE_LIMIT)
                .build()
                .expect("built-in patterns compile"),
            each: pats
                .iter()
                .map(|p| {
                    RegexBuilder::new(p)
                        .size_limit(SIZE_LIMIT)
                        .build()
                        .expect("built-in pattern compiles")
                })
                .collect(),
        }
    })
}

/// Longest evidence fragment, in chars.
const MAX_FRAGMENT: usize = 160;

/// Every kind of leak in `text` (one per runtime or database).
pub fn find(text: &str) -> Vec<ErrorLeak> {
    let c = compiled();
    let mut out = Vec::new();
    for i in c.set.matches(text).iter() {
        let Some(m) = c.each[i].find(text) else {
            continue;
        };
        let fragment: String = m
            .as_str()
            .trim()
            .chars()
            .map(|c| if c.is_control() { ' ' } else { c })
            .take(MAX_FRAGMENT)
            .collect();
        out.push(ErrorLeak {
            kind: PATTERNS[i].0,
            tech: PATTERNS[i].1,
            fragment,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn techs(text: &str) -> Vec<&'static str> {
        find(text).into_iter().map(|l| l.tech).collect()
    }

    #[test]
    fn every_runtime_trace_shape() {
        assert_eq!(
            techs("java.lang.NullPointerException\n\tat com.acme.api.UserController.get(UserController.java:42)\n"),
            ["java"]
        );
        assert_eq!(
            techs("Traceback (most recent call last):\n  File \"/srv/app/views.py\", line 12, in get\n"),
            ["python"]
        );
        assert_eq!(
            techs("System.NullReferenceException: x\n   at Acme.Api.Users.Get(Int32 id) in C:\\src\\Api\\Users.cs:line 42"),
            ["dotnet"]
        );
        assert_eq!(
            techs("TypeError: x is undefined\n    at getUser (/app/src/users.js:10:5)\n    at Layer.handle (/app/node_modules/express/lib/router/layer.js:95:5)"),
            ["node"]
        );
        assert_eq!(
            techs("<b>Fatal error</b>:  Uncaught Error: Call to undefined function foo() in <b>/var/www/html/index.php</b> on line <b>7</b>"),
            ["php"]
        );
        assert_eq!(
            techs("panic: runtime error: index out of range\n\ngoroutine 1 [running]:\nmain.main()\n\t/app/main.go:12 +0x1d"),
            ["go"]
        );
        assert_eq!(
            techs("NoMethodError (undefined method `name' for nil):\n  app/controllers/users_controller.rb:12:in `show'"),
            ["ruby"]
        );
    }

    #[test]
    fn every_database_error_shape() {
        assert_eq!(techs("You have an error in your SQL syntax; check the manual that corresponds to your MySQL server version for the right syntax to use near ''1'' at line 1"), ["mysql"]);
        assert_eq!(
            techs("ERROR:  syntax error at or near \"'\"\nLINE 1: SELECT"),
            ["postgresql"]
        );
        assert_eq!(
            techs("Unclosed quotation mark after the character string ''."),
            ["mssql"]
        );
        assert_eq!(
            techs("ORA-01756: quoted string not properly terminated"),
            ["oracle"]
        );
        assert_eq!(techs("SQLITE_ERROR: near \"'\": syntax error"), ["sqlite"]);
        assert_eq!(
            techs(
                "MongoServerError: E11000 duplicate key error collection: app.users index: email_1"
            ),
            ["mongodb"]
        );
    }

    #[test]
    fn ordinary_text_about_errors_does_not_match() {
        for t in [
            r#"{"error":"not_found","message":"User 42 does not exist"}"#,
            "Our Java SDK throws NullPointerException when the key is missing; see the FAQ.",
            "The SQL syntax guide: SELECT * FROM t WHERE a = 1",
            r#"{"status":500,"error":"Internal Server Error","path":"/api/users"}"#,
            "at the office (see map) at 10:30",
            "Python 3 tutorial: File handling, line by line",
        ] {
            assert!(find(t).is_empty(), "{t}: {:?}", find(t));
        }
    }
}
