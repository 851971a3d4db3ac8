use super::*;
use proptest::prelude::*;

/// Injections a PL1 deployment must see, with the kind each should be recognised as.
const ATTACKS_PL1: &[(&str, &str)] = &[
    ("1 OR 1=1", "tautology"),
    ("-1839' or '1'='1", "tautology"),
    ("x\" or \"a\"=\"a", "tautology"),
    ("' or 1=1--", "tautology"),
    ("' OR 'x'='x", "tautology"),
    ("1' or true#", "tautology"),
    ("admin'--", "comment_truncation"),
    ("admin')#", "comment_truncation"),
    ("1 union select null,null--", "union_select"),
    (
        "-1' UNION ALL SELECT username, password FROM users--",
        "union_select",
    ),
    ("1/**/UNION/**/SELECT/**/1,2", "union_select"),
    ("1 /*!50000union*/ /*!50000select*/ 1", "union_select"),
    ("1; DROP TABLE users--", "stacked_query"),
    ("'; exec master..xp_cmdshell 'dir'--", "stacked_query"),
    ("1'; waitfor delay '0:0:5'--", "stacked_query"),
    ("1 and sleep(5)", "time_based"),
    ("' + sleep(10) + '", "time_based"),
    ("1) AND BENCHMARK(5000000,MD5(1))#", "time_based"),
    ("';SELECT pg_sleep(5)--", "stacked_query"),
    (
        "1 AND extractvalue(1,concat(0x7e,version()))",
        "boolean_blind",
    ),
    ("updatexml(null,concat(0x0a,@@version),null)", "error_based"),
    (
        "' and 1=(select count(*) from information_schema.tables)--",
        "boolean_blind",
    ),
    (
        "1 AND ASCII(SUBSTRING((SELECT password FROM users LIMIT 1),1,1))>64",
        "boolean_blind",
    ),
    ("1' order by 3--", "order_by"),
    ("1' having 1=1--", "having"),
    ("' into outfile '/var/www/shell.php", "file_access"),
    ("1 union select load_file('/etc/passwd')", "union_select"),
    ("exec xp_cmdshell 'net user'", "command_exec"),
    ("select @@version", "select_query"),
    ("SELECT * FROM users WHERE id=1", "select_query"),
    ("x' AND (SELECT 1 FROM dual)='1", "boolean_blind"),
    ("1 and 'a'='a", "tautology"),
    ("1'||(select 1)||'", "boolean_blind"),
];

/// Text with SQL words, quotes and operators that is not injection at any paranoia level
/// at or below 2.
const BENIGN: &[&str] = &[
    "select the union rep from the list",
    "drop me a note; update later",
    "O'Brien",
    "it's 1 or 2",
    "Rock 'n' roll",
    "1=1 is true",
    "Levi's 501 jeans \"original fit\"",
    "john.doe@example.com",
    "2024-03-01T12:30:00Z",
    "550e8400-e29b-41d4-a716-446655440000",
    "{\"name\":\"x\",\"tags\":[\"a\",\"b\"]}",
    "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.abc-def_ghi",
    "dGhpcyBpcyBiYXNlNjQgKyBzbGFzaC8=",
    "12345",
    "-3.25e10",
    "北京市朝阳区建国路88号",
    "how to select from a union of sets",
    "best pizza near me",
    "created_at",
    "name desc",
    "status eq 'open'",
    "name eq 'O''Brien' and age gt 30",
    "select",
    "He said \"stop\" or \"go\"",
    "Don't forget the meeting -- it's at 5",
    "say \"#hashtag\"",
    "a < b and c > d",
    "Tom & Jerry",
    "price >= 10 and price <= 20",
    "(see above)",
    "I'll be there at 5; call me",
    "update your profile; delete old posts",
    "C# and F# are languages",
    "issue #42 or #43",
    "Terms & Conditions (2024)",
    "\"quoted\" text, and 'single' too",
    "user@host:~$ ls -la",
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36",
    "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
    "max-age=0, no-cache",
    "session=abc123; theme=dark",
];

#[test]
fn attacks_are_found_at_paranoia_one_with_their_kind() {
    let mut wrong = Vec::new();
    for (input, kind) in ATTACKS_PL1 {
        match detect(input) {
            Some(m) if m.paranoia == 1 && m.kind == *kind => {}
            other => wrong.push(format!("{input:?} -> {other:?} (want {kind})")),
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn benign_values_are_not_flagged_at_paranoia_two() {
    let flagged: Vec<_> = BENIGN
        .iter()
        .filter_map(|v| detect_at(v, 2).map(|m| format!("{v:?} -> {m:?}")))
        .collect();
    assert!(flagged.is_empty(), "{}", flagged.join("\n"));
}

/// Idioms a PL2 deployment must see (and a PL1 one need not), with their kind.
const ATTACKS_PL2: &[(&str, &str)] = &[
    // A condition appended after a nested `name=` (a form body encoded twice).
    ("pay=AND 2771=1709)", "tautology"),
    ("q=or 120=121=", "tautology"),
    ("AND (name = \"", "tautology"),
    ("|| langCode == '", "tautology"),
    ("oR pmw==", "tautology"),
    ("&& setPath !=", "tautology"),
    ("xor 2 <", "tautology"),
    ("OR 1# ", "tautology"),
    // Statements appended or cut by a comment.
    (";update users", "stacked_query"),
    ("; insert into", "stacked_query"),
    ("DROP sampletable;--", "stacked_query"),
    ("DROP/*comment*/sampletable", "stacked_query"),
    // Functions the query completes, and the end of a select list.
    ("concat(", "sql_function"),
    ("round (", "sql_function"),
    ("ifnull(a,", "sql_function"),
    (", FIND_IN_SET('22', Category )", "sql_function"),
    ("IN (", "sql_fragment"),
    (") AS orders FROM", "sql_fragment"),
    ("count(*) as n from users where", "sql_fragment"),
    ("from `db`.`sys_refindex` limit", "sql_fragment"),
    ("FROM termine GROUP BY tag1", "sql_fragment"),
    (
        "FROM ack_variable WHERE name=\"cron_last\";",
        "sql_fragment",
    ),
    ("id=(select", "subselect"),
    // Brackets closed and conditions in MySQL functions.
    (") like (", "bracket_comparison"),
    (") when 234 then", "bracket_clause"),
    ("if(2=", "sql_function"),
    ("if(1=1,sleep(0),0)", "time_based"),
    // Constants compared, negated and one-sided tests.
    ("1 is not 2", "tautology"),
    ("'1' not regexp '2'", "tautology"),
    ("where 1=1", "tautology"),
    ("HAVING 1=", "having"),
    // Breakouts: backslash-escaped quotes in standard-SQL strings, backtick identifiers.
    ("\\'and", "boolean_fragment"),
    ("` AS `edit_user_id` from", "sql_fragment"),
    ("except select 1,2", "union_select"),
    ("except values(1,2)", "union_select"),
    ("SELECT (CASE WHEN 1=1 THEN 1 ELSE 0 END)", "conditional"),
    ("SELECT (CASE", "select_query"),
    ("select 0x616263", "select_query"),
    ("password::int", "type_cast"),
    // Lone names only SQL has.
    ("information_schema", "catalog_access"),
    ("xp_dirtree", "command_exec"),
    ("mysql.db", "catalog_access"),
];

#[test]
fn structural_idioms_are_found_at_paranoia_two_with_their_kind() {
    let mut wrong = Vec::new();
    for (input, kind) in ATTACKS_PL2 {
        match detect_at(input, 2) {
            Some(m) if m.kind == *kind => {}
            other => wrong.push(format!("{input:?} -> {other:?} (want {kind})")),
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn new_idioms_are_found_at_paranoia_one() {
    for input in [
        "admin@juice-sh.op' and password glob password",
        "admin@x.op\\' or 1=1--",
        "1.e(ascii)",
        "unistr(password)::int",
        "benchmark(",
        "email' notnull --",
        "admin`;",
    ] {
        let m = detect_at(input, 1);
        assert!(m.is_some(), "{input:?}");
    }
}

/// Look-alikes of the PL2 idioms that benign API values have.
const BENIGN_LOOKALIKES: &[&str] = &[
    "sort=name desc",
    "filter=status eq 'open'",
    "q=or 5 stars",
    "name=John or Jane",
    "yes or no=",
    "from London where it rains",
    "as seen from the hill",
    "from 9 to 5",
    "drop me a note; update later",
    "Max (2 items)",
    "Date (UTC)",
    "Turn left (then right)",
    "round(2.5)",
    "values between 1 and 10",
    "user_tables",
    "schema_name",
    "Northwind",
    "varchar",
    "information",
    "std::string",
    "fe80::1",
    "it's 1 or 2",
    "a ≥ b",
    "if (x) { y }",
    "select one (optional)",
    "2024-01-01..2024-02-01",
    "`code` or `more code`",
    "C:\\Users\\me\\'file'",
    "where to go?",
    "except select members",
    "[x](http://example.com) ![img](a.png)",
];

#[test]
fn benign_look_alikes_of_the_new_idioms_are_not_flagged() {
    let flagged: Vec<_> = BENIGN_LOOKALIKES
        .iter()
        .filter_map(|v| detect_at(v, 2).map(|m| format!("{v:?} -> {m:?}")))
        .collect();
    assert!(flagged.is_empty(), "{}", flagged.join("\n"));
}

#[test]
fn embedded_values_keep_their_offsets() {
    let v = "pay=AND 2771=1709)";
    let m = detect(v).unwrap();
    assert!(m.span.start >= 4, "{m:?}");
    assert_eq!(&v[m.span.clone()], "AND 2771=1709");
    assert_eq!(embedded_value(b"a=b"), Some(2));
    assert_eq!(embedded_value(b"a==b"), None);
    assert_eq!(embedded_value(b"=b"), None);
    assert_eq!(embedded_value(b"a="), None);
}

#[test]
fn fingerprint_and_span_describe_the_injection() {
    let m = detect("abc' or 1=1--").unwrap();
    assert_eq!(m.context, "single");
    assert_eq!(m.fingerprint, "s&1o1");
    assert_eq!(&"abc' or 1=1--"[m.span.clone()], "abc' or 1=1");
    let m = detect("1 union select 2").unwrap();
    assert_eq!(m.fingerprint, "UE");
}

#[test]
fn lone_keyword_pairs_only_count_at_high_paranoia() {
    let m = detect("insert into notes").expect("keyword pair");
    assert!(m.paranoia >= 3, "{m:?}");
    assert!(detect_at("insert into notes", 2).is_none());
}

#[test]
fn prefilter_dismisses_single_words() {
    for v in ["abc", "2024-01-01", "a.b_c-d:e", "ÄÖÜ", "select"] {
        assert!(!could_be_sql(v.as_bytes()) || detect(v).is_none(), "{v}");
    }
    assert!(!could_be_sql(b"user_42.profile-v2"));
    assert!(could_be_sql(b"a'b"));
    assert!(could_be_sql(b"1--"));
}

proptest! {
    #[test]
    fn never_panics_on_arbitrary_text(s in "\\PC{0,2000}") {
        let _ = detect(&s);
    }

    #[test]
    fn never_panics_on_sql_alphabet(s in "[ '\"`;()=#/*@<>|&!^~+\\\\a-z0-9_.,-]{0,3000}") {
        if let Some(m) = detect(&s) {
            prop_assert!(m.span.end <= s.len());
            prop_assert!((1..=4).contains(&m.paranoia));
        }
    }

    #[test]
    fn work_is_bounded_on_long_values(
        unit in prop::sample::select(vec![
            "(", "' or ", "select ", "/*", "--\n", "1=1 ", "@@x ", "a.b.", "\\'", "`", "a=",
            "or (", "concat(", ") as x from ",
        ]),
        n in 1usize..4000,
    ) {
        let s = unit.repeat(n);
        let started = std::time::Instant::now();
        let _ = detect(&s);
        // Generous bound: linear work over at most MAX_INPUT bytes.
        prop_assert!(started.elapsed() < std::time::Duration::from_secs(2));
    }
}
