//! Unit and property tests of the decoders and views.

use super::cmdline::{cmdline_pass, separators_into};
use super::*;
use proptest::prelude::*;

#[test]
fn url_decoding_repeats_and_handles_unicode_and_overlong_forms() {
    assert_eq!(decode("%252e%252e%252fetc"), "../etc");
    assert_eq!(decode("%u003cscript%u003e"), "<script>");
    assert_eq!(decode("%c0%ae%c0%ae/"), "../");
    assert_eq!(decode("100%"), "100%");
    assert_eq!(decode("%zz%4"), "%zz%4");
}

#[test]
fn html_entities_decimal_hex_and_named_decode() {
    assert_eq!(decode("&lt;script&gt;"), "<script>");
    assert_eq!(decode("&#60;&#x3C;&#X3c;&#0000060"), "<<<<");
    assert_eq!(decode("a&b;c &amp"), "a&b;c &amp");
    assert_eq!(decode("&#x6a&#x61&#x76&#x61"), "java");
    // Leading zeros never count against the digit limit.
    assert_eq!(decode("&#0000000123;&#x00000000003c;"), "{<");
    assert_eq!(decode("&#00000000000000000000060"), "<");
    assert_eq!(decode("&#0;"), "");
    // Too many significant digits is still one (invalid) reference.
    assert_eq!(decode("&#123456789123;x"), "\u{fffd}x");
}

#[test]
fn js_escapes_decode_but_windows_paths_keep_backslashes() {
    assert_eq!(decode(r"\u003cimg\x20src\u{3d}x\076"), "<img src=x>");
    assert_eq!(decode(r"C:\Windows\system32"), r"C:\Windows\system32");
}

#[test]
fn full_width_and_math_letters_fold_to_ascii() {
    assert_eq!(decode("＜ｓｃｒｉｐｔ＞"), "<script>");
    assert_eq!(decode("𝐬𝐞𝐥𝐞𝐜𝐭"), "select");
    assert_eq!(decode("a\u{3000}b"), "a b");
    assert_eq!(decode("%uff0e%uff0e%uff0f"), "../");
}

#[test]
fn nul_bytes_are_removed_and_reported() {
    let mut v = Views::default();
    v.fill("file.php%00.jpg");
    assert_eq!(v.decoded, "file.php.jpg");
    assert!(v.had_nul);
}

#[test]
fn fold_lowercases_strips_comments_and_compresses_spaces() {
    assert_eq!(fold("UNION/**/SELECT\t\n 1"), "union select 1");
    assert_eq!(fold("/*!50000UNION*/ SELECT"), " union select");
    assert_eq!(fold("text/html,*/*;q=0.8"), "text/html,*/*;q=0.8");
    assert_eq!(fold("a /* open"), "a /* open");
}

#[test]
fn cmdline_removes_shell_evasion() {
    assert_eq!(cmdline(&fold("c'a't /e\"t\"c/pa\\sswd")), "cat /etc/passwd");
    assert_eq!(cmdline("cat$ifs/etc/passwd"), "cat /etc/passwd");
    assert_eq!(cmdline("cat${ifs}/etc$ifs$9/passwd"), "cat /etc /passwd");
    assert_eq!(cmdline("w^h^o^a^m^i"), "whoami");
    assert_eq!(cmdline("c${kk}url x ; id , y"), "curl x;id,y");
    assert_eq!(cmdline("wh$@oami"), "whoami");
}

#[test]
fn base64_is_decoded_only_when_strict_and_printable() {
    assert_eq!(
        base64_text("PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==").as_deref(),
        Some("<script>alert(1)</script>")
    );
    assert_eq!(
        base64_text("Y2F0IC9ldGMvcGFzc3dk").as_deref(),
        Some("cat /etc/passwd")
    );
    // Hex digests, words, ids and random binary are not text.
    assert_eq!(base64_text("d41d8cd98f00b204e9800998ecf8427e"), None);
    assert_eq!(base64_text("administrator"), None);
    assert_eq!(base64_text("q83vEjRWeJCrze8SNFZ4kA=="), None);
    assert_eq!(base64_text("abc"), None);
}

proptest! {
    #[test]
    fn decode_never_panics_and_never_grows(s in ".{0,200}") {
        let d = decode(&s);
        prop_assert!(d.len() <= s.len());
    }

    #[test]
    fn decode_of_percent_soup_is_bounded(s in "[%0-9a-fA-FuU&#;x\\\\.]{0,300}") {
        let d = decode(&s);
        prop_assert!(d.len() <= s.len());
    }

    #[test]
    fn ascii_fold_fast_path_equals_general_fold(s in "[ -~\t\n\r\x00\x0b\x0c\x7f]{0,80}") {
        prop_assume!(!(s.contains('/') && s.contains('*')));
        let mut fast = String::new();
        fold_ascii_into(&s, crate::rules::ByteSet::of(&s).ascii_bits(), &mut fast);
        prop_assert_eq!(fast, fold(&s));
    }

    #[test]
    fn separator_fast_path_equals_the_shell_pass(s in "[a-z0-9 ;,./-]{0,60}") {
        let mut fast = String::new();
        separators_into(&s, &mut fast);
        let mut slow = String::new();
        prop_assert!(!cmdline_pass(&s, &mut slow));
        prop_assert_eq!(fast, slow);
    }

    #[test]
    fn fold_and_cmdline_are_idempotent(s in "[ -~\t\n]{0,120}") {
        let f = fold(&s);
        prop_assert_eq!(fold(&f), f.clone());
        let c = cmdline(&f);
        prop_assert_eq!(cmdline(&c), c.clone());
    }

    #[test]
    fn views_equal_the_view_functions(s in "[ -~\t\n\u{a0}\u{ff1c}\u{0}]{0,60}") {
        let mut v = Views::default();
        v.fill(&s);
        let d = decode(&s);
        prop_assert_eq!(&v.decoded, &d);
        prop_assert_eq!(&v.folded, &fold(&d));
        prop_assert_eq!(&v.cmdline, &cmdline(&fold(&d)));
        prop_assert_eq!(v.bytes, crate::rules::ByteSet::of(&d));
    }

    #[test]
    fn views_never_panic_on_any_text(s in "\\PC{0,100}") {
        let mut v = Views::default();
        v.fill(&s);
        prop_assert!(v.decoded.len() <= s.len());
        let _ = base64_text(&s);
    }
}
