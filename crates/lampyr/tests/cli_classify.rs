//! `lampyr classify` end to end: JSON, plain text with `--key`, sentences, empty and binary
//! input; values always masked.

#[macro_use]
mod common;

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{json, Value};

use common::sensitive::*;

// ---------------------------------------------------------------------------------------------
// (d) lampyr classify

#[test]
fn classify_json_input_prints_types_with_masked_values() {
    let id = resident_id("11010519491231002");
    let card = luhn("622848012345678901");
    let doc = json!({
        "user": {
            "name": "张伟",
            "idCard": id,
            "mobile": "13812345678",
            "email": "zhang.wei@example.com",
            "bankCard": card,
        },
        "orderNo": "202406110000012345",
        "requestId": "7ab22073-850d-43d1-9e66-d01bba7dbdd3",
        "maskedMobile": "138****5678",
        "createdAt": 1714985578123u64,
    });
    let text = serde_json::to_string_pretty(&doc).unwrap();
    let findings = classify_json(&[], text.as_bytes());
    let by_field: BTreeMap<String, &Value> = findings
        .iter()
        .map(|f| (f["field"].as_str().unwrap().to_string(), f))
        .collect();
    let expect = [
        ("user.idCard", "cn_resident_id", 2),
        ("user.mobile", "cn_mobile", 2),
        ("user.email", "email", 2),
        ("user.name", "cn_name", 2),
        ("user.bankCard", "bank_card", 3),
    ];
    for (field, ty, level) in expect {
        let f = by_field
            .get(field)
            .unwrap_or_else(|| panic!("no finding at {field}: {findings:#?}"));
        assert_eq!(f["type"], ty, "{f}");
        assert_eq!(f["level"], level, "{f}");
        assert!(f["score"].as_f64().unwrap() >= 0.5, "{f}");
        assert!(f["masked"].as_str().unwrap().contains('*'), "{f}");
    }
    assert_eq!(by_field["user.mobile"]["masked"], "138****5678");
    assert_eq!(
        by_field["user.idCard"]["masked"],
        format!("{}********{}", &id[..6], &id[14..])
    );
    for field in ["orderNo", "requestId", "maskedMobile", "createdAt"] {
        assert!(
            !by_field.contains_key(field),
            "{field} is not sensitive: {findings:#?}"
        );
    }
    // The table form names the same findings, still masked.
    let run = lampyr_stdin(&["classify"], text.as_bytes());
    assert_eq!(run.code, 0, "{}", run.stderr);
    for (field, ty, _) in expect {
        assert!(
            run.stdout
                .lines()
                .any(|l| l.starts_with(field) && l.contains(ty)),
            "{field} {ty} not in:\n{}",
            run.stdout
        );
    }
    let clear = [
        id.as_str(),
        "13812345678",
        "zhang.wei@example.com",
        "张伟",
        &card,
    ];
    for v in clear {
        assert!(!run.stdout.contains(v), "{v} in clear:\n{}", run.stdout);
        assert!(
            !findings.iter().any(|f| f.to_string().contains(v)),
            "{v} in clear in the JSON findings"
        );
    }
}

#[test]
fn classify_plain_text_uses_the_key_and_finds_phones_in_sentences() {
    let id = resident_id("44030519900307123");
    // With the key as context.
    let findings = classify_json(&["--key", "idCard"], format!("{id}\n").as_bytes());
    assert_eq!(findings.len(), 1, "{findings:#?}");
    assert_eq!(findings[0]["type"], "cn_resident_id");
    assert_eq!(findings[0]["field"], "idCard");
    assert!(!findings[0]["masked"].as_str().unwrap().contains(&id));
    let run = lampyr_stdin(&["classify", "--key", "idCard"], id.as_bytes());
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.contains("cn_resident_id"), "{}", run.stdout);
    assert!(!run.stdout.contains(&id), "{}", run.stdout);

    // A phone inside a sentence, Chinese and English.
    for sentence in [
        "周五下午请回电13812345678，谢谢",
        "please call me back at 13812345678 before noon, thanks",
    ] {
        let findings = classify_json(&[], sentence.as_bytes());
        let phone = findings
            .iter()
            .find(|f| f["type"] == "cn_mobile")
            .unwrap_or_else(|| panic!("no cn_mobile in {sentence:?}: {findings:#?}"));
        assert_eq!(phone["masked"], "138****5678", "{phone}");
    }

    // Several lines are classified one by one.
    let text = format!("{id}\nnothing here\nzhang.wei@example.com\n");
    let findings = classify_json(&["--key", "idCard"], text.as_bytes());
    let types: BTreeSet<&str> = findings
        .iter()
        .map(|f| f["type"].as_str().unwrap())
        .collect();
    assert_eq!(
        types,
        BTreeSet::from(["cn_resident_id", "email"]),
        "{findings:#?}"
    );
}

#[test]
fn classify_empty_and_binary_input_do_not_fail() {
    for empty in [&b""[..], b"\n", b"   \n\t\n"] {
        let run = lampyr_stdin(&["classify"], empty);
        assert_eq!(run.code, 0, "{}", run.stderr);
        assert_eq!(run.stdout, "no sensitive data found\n");
        assert!(classify_json(&[], empty).is_empty());
    }
    let run = lampyr_stdin(&["classify"], b"hello world\n{not json\n");
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.stdout, "no sensitive data found\n");

    // Binary garbage: NULs, invalid UTF-8, brackets that look like JSON.
    let mut seed = 0x9e37_79b9_7f4a_7c15u64;
    let mut garbage = Vec::with_capacity(1 << 16);
    while garbage.len() < 1 << 16 {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        garbage.extend_from_slice(&seed.to_le_bytes());
    }
    let mut starts_json = b"{\"a\":[".to_vec();
    starts_json.extend_from_slice(&garbage);
    let deep = "[".repeat(100_000);
    for input in [
        &garbage[..],
        &starts_json[..],
        deep.as_bytes(),
        &[0u8; 4096][..],
    ] {
        for args in [&["classify"][..], &["classify", "--json"][..]] {
            let run = lampyr_stdin(args, input);
            assert_eq!(run.code, 0, "{args:?}: {}", run.stderr);
            assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
        }
        classify_json(&[], input);
    }
}
