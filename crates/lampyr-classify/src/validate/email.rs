//! E-mail addresses: an RFC 5322-lite syntax check plus a bundled list of real top-level domains
//! (research note §2.13), and a one-pass finder for addresses inside free text.
//!
//! Deliberate deviations from RFC 5322: `*` is not accepted in the local part (masked values such as
//! `h***@yahoo.com` are far more common in API traffic than real addresses containing `*`), quoted
//! local parts and IP-literal domains are not accepted, and the local part must be ASCII.

use std::ops::Range;
use std::sync::OnceLock;

/// Longest local part (RFC 5321 §4.5.3.1.1).
const MAX_LOCAL: usize = 64;
/// Longest whole address (RFC 5321 path limit minus the angle brackets).
const MAX_TOTAL: usize = 254;
/// Longest domain label (RFC 1035).
const MAX_LABEL: usize = 63;

static TLDS_RAW: &str = include_str!("data/tlds.txt");

/// Sorted TLD list, loaded once.
fn tlds() -> &'static [&'static str] {
    static TLDS: OnceLock<Vec<&'static str>> = OnceLock::new();
    TLDS.get_or_init(|| {
        let mut v: Vec<&'static str> = TLDS_RAW
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .collect();
        v.sort_unstable();
        v.dedup();
        v
    })
}

/// True when `tld` (any case) is a known top-level domain; exposed so URL/host checks can share it.
pub fn is_known_tld(tld: &str) -> bool {
    if tld.is_empty() || tld.len() > 63 {
        return false;
    }
    let list = tlds();
    if tld.bytes().any(|b| b.is_ascii_uppercase()) {
        let lower = tld.to_ascii_lowercase();
        list.binary_search(&lower.as_str()).is_ok()
    } else {
        list.binary_search(&tld).is_ok()
    }
}

/// Characters allowed in an unquoted local part (RFC 5322 `atext` minus `*`, plus `.`).
fn is_local_char(c: u8) -> bool {
    c.is_ascii_alphanumeric()
        || matches!(
            c,
            b'.' | b'!'
                | b'#'
                | b'$'
                | b'%'
                | b'&'
                | b'\''
                | b'+'
                | b'/'
                | b'='
                | b'?'
                | b'^'
                | b'_'
                | b'`'
                | b'{'
                | b'|'
                | b'}'
                | b'~'
                | b'-'
        )
}

fn valid_local(local: &str) -> bool {
    let b = local.as_bytes();
    if b.is_empty() || b.len() > MAX_LOCAL {
        return false;
    }
    if b[0] == b'.' || b[b.len() - 1] == b'.' {
        return false;
    }
    let mut prev_dot = false;
    for &c in b {
        if !is_local_char(c) {
            return false;
        }
        let dot = c == b'.';
        if dot && prev_dot {
            return false;
        }
        prev_dot = dot;
    }
    // At least one alphanumeric: `+-+@x.com` is not an address anyone uses.
    b.iter().any(u8::is_ascii_alphanumeric)
}

fn valid_label(label: &str) -> bool {
    if label.is_empty() || label.len() > MAX_LABEL {
        return false;
    }
    if label.starts_with('-') || label.ends_with('-') {
        return false;
    }
    label.chars().all(|c| c.is_alphanumeric() || c == '-')
}

fn valid_domain(domain: &str) -> bool {
    if domain.len() > 253 || !domain.contains('.') {
        return false;
    }
    let mut last = "";
    for label in domain.split('.') {
        if !valid_label(label) {
            return false;
        }
        last = label;
    }
    // TLDs are never numeric; `a@1.2.3.4` is not accepted.
    if last.chars().all(|c| c.is_ascii_digit()) {
        return false;
    }
    if last.is_ascii() {
        is_known_tld(last)
    } else {
        // Unicode TLDs (中国, рф) are listed in their native, already-lowercase form.
        let lower: String = last.chars().flat_map(char::to_lowercase).collect();
        tlds().binary_search(&lower.as_str()).is_ok()
    }
}

/// True when `s` is exactly one e-mail address with a real TLD; masked forms (`h***@x.com`) fail.
pub fn email(s: &str) -> bool {
    if s.is_empty() || s.len() > MAX_TOTAL {
        return false;
    }
    let Some(at) = s.rfind('@') else {
        return false;
    };
    let (local, domain) = (&s[..at], &s[at + 1..]);
    if local.contains('@') {
        return false;
    }
    valid_local(local) && valid_domain(domain)
}

/// Characters that mark a masked value right before a local part (`h***o@x.com`, `h••o@x.com`).
fn is_mask_char(c: char) -> bool {
    matches!(c, '*' | '＊' | '•' | '●' | '×' | '…' | '#')
}

/// Finds e-mail addresses inside free text (one left/right expansion per `@`, no regex).
pub fn find_emails(text: &str) -> impl Iterator<Item = Range<usize>> + '_ {
    let bytes = text.as_bytes();
    let mut pos = 0usize;
    std::iter::from_fn(move || {
        while pos < bytes.len() {
            let at = match memchr_at(bytes, pos) {
                Some(i) => i,
                None => {
                    pos = bytes.len();
                    return None;
                }
            };
            pos = at + 1;
            if let Some(r) = candidate_at(text, at) {
                pos = r.end.max(at + 1);
                return Some(r);
            }
        }
        None
    })
}

fn memchr_at(bytes: &[u8], from: usize) -> Option<usize> {
    bytes
        .get(from..)?
        .iter()
        .position(|&b| b == b'@')
        .map(|i| i + from)
}

/// Tries to build an address around the `@` at byte `at`.
fn candidate_at(text: &str, at: usize) -> Option<Range<usize>> {
    let bytes = text.as_bytes();
    // Left: ASCII local-part characters only, so the boundary is always a char boundary.
    let mut start = at;
    while start > 0 && is_local_char(bytes[start - 1]) && at - start < MAX_LOCAL + 8 {
        start -= 1;
    }
    // A local part in prose does not begin with punctuation (quotes, slashes, dots).
    while start < at && !bytes[start].is_ascii_alphanumeric() {
        start += 1;
    }
    if start == at {
        return None;
    }
    if start > 0 {
        let prev = text[..start].chars().next_back()?;
        if is_mask_char(prev) {
            return None;
        }
        // Too long a run of local characters before: not a clean left boundary.
        if is_local_char(bytes[start - 1]) && bytes[start - 1].is_ascii_alphanumeric() {
            return None;
        }
    }
    // Right: ASCII domain characters (Unicode domains are accepted by `email` only as whole values).
    let mut end = at + 1;
    while end < bytes.len()
        && (bytes[end].is_ascii_alphanumeric() || bytes[end] == b'.' || bytes[end] == b'-')
        && end - at <= 255
    {
        end += 1;
    }
    // Trim sentence punctuation after the domain.
    while end > at + 1 && matches!(bytes[end - 1], b'.' | b'-') {
        end -= 1;
    }
    // Back off over trailing labels glued to the next sentence (`a@b.com.Thanks`), a few times.
    for _ in 0..4 {
        if end <= at + 1 {
            return None;
        }
        let cand = &text[start..end];
        if email(cand) {
            // The address must not run on into more domain-ish characters (`a@b.com-x`).
            return Some(start..end);
        }
        let dom = &text[at + 1..end];
        match dom.rfind('.') {
            Some(d) => end = at + 1 + d,
            None => return None,
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn valid_addresses() {
        for s in [
            "john.doe@example.com",
            "zhangsan@qq.com",
            "li.lei+news@163.com",
            "o'brien@mail.ie",
            "a_b-c@sub.domain.co.uk",
            "x@y.io",
            "user@例子.中国",
            "user@xn--fsqu00a.xn--fiqs8s",
            "first.last@company.online",
            "ABC@EXAMPLE.COM",
        ] {
            assert!(email(s), "{s}");
        }
    }

    #[test]
    fn invalid_addresses() {
        for s in [
            "",
            "h***@yahoo.com",
            "h***o@yahoo.com",
            "john@localhost",
            "john..doe@example.com",
            ".john@example.com",
            "john.@example.com",
            "john@example.invalidtld",
            "john@-example.com",
            "john@example.com.",
            "john@1.2.3.4",
            "@example.com",
            "john@",
            "a@b@c.com",
            "550e8400-e29b-41d4-a716-446655440000",
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64)",
            "user name@example.com",
        ] {
            assert!(!email(s), "{s}");
        }
        let long_local = format!("{}@example.com", "a".repeat(65));
        assert!(!email(&long_local));
    }

    #[test]
    fn finds_in_text() {
        let t = "Contact john.doe@example.com or (mary@corp.io). Thanks!";
        let found: Vec<&str> = find_emails(t).map(|r| &t[r]).collect();
        assert_eq!(found, vec!["john.doe@example.com", "mary@corp.io"]);

        let t = "联系邮箱zhangsan@qq.com，谢谢";
        let found: Vec<&str> = find_emails(t).map(|r| &t[r]).collect();
        assert_eq!(found, vec!["zhangsan@qq.com"]);

        let t = "mail me at a@b.com.Thanks";
        let found: Vec<&str> = find_emails(t).map(|r| &t[r]).collect();
        assert_eq!(found, vec!["a@b.com"]);
    }

    #[test]
    fn no_masked_in_text() {
        let t = "masked h***o@yahoo.com and h•••@gmail.com and @@@ a@ @b.com";
        assert_eq!(find_emails(t).count(), 0);
    }

    proptest! {
        #[test]
        fn never_panics(s in ".{0,300}") {
            let _ = email(&s);
            for r in find_emails(&s) {
                prop_assert!(s.is_char_boundary(r.start) && s.is_char_boundary(r.end));
                prop_assert!(email(&s[r]));
            }
        }
    }
}
