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
        unit in prop::sample::select(vec!["(", "' or ", "select ", "/*", "--\n", "1=1 ", "@@x ", "a.b."]),
        n in 1usize..4000,
    ) {
        let s = unit.repeat(n);
        let started = std::time::Instant::now();
        let _ = detect(&s);
        // Generous bound: linear work over at most MAX_INPUT bytes.
        prop_assert!(started.elapsed() < std::time::Duration::from_secs(2));
    }
}
