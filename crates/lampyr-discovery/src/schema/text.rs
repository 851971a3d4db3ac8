//! What a scalar value or a property name looks like: number kinds, string formats, label-like
//! enum candidates, id-like and secret-looking keys. Pure byte scanners, no allocation on the
//! common path.

use super::{Format, ENUM_MAX_LEN, MAX_KEY_LEN, MAX_PROPERTIES};

pub(super) enum TextKind {
    Bool,
    Integer(f64),
    Number(f64),
    String(Option<Format>),
}

pub(super) fn classify_text(s: &str) -> TextKind {
    match s {
        "true" | "false" => return TextKind::Bool,
        _ => {}
    }
    match json_number_kind(s.as_bytes()) {
        Some(false) => {
            if let Ok(x) = s.parse::<f64>() {
                return TextKind::Integer(x);
            }
        }
        Some(true) => {
            if let Ok(x) = s.parse::<f64>() {
                if x.is_finite() {
                    return TextKind::Number(x);
                }
            }
        }
        None => {}
    }
    TextKind::String(Format::detect(s))
}

/// `Some(false)` for a JSON integer, `Some(true)` for a JSON number with fraction or exponent,
/// `None` otherwise. Integers longer than 19 digits are kept as strings (ids, card numbers).
pub(super) fn json_number_kind(b: &[u8]) -> Option<bool> {
    let mut i = 0;
    if b.first() == Some(&b'-') {
        i = 1;
    }
    let start = i;
    while i < b.len() && b[i].is_ascii_digit() {
        i += 1;
    }
    let int_len = i - start;
    if int_len == 0 || (int_len > 1 && b[start] == b'0') {
        return None;
    }
    if i == b.len() {
        return (int_len <= 19).then_some(false);
    }
    if b[i] == b'.' {
        i += 1;
        let f = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        if i == f {
            return None;
        }
    }
    if i < b.len() && (b[i] == b'e' || b[i] == b'E') {
        i += 1;
        if i < b.len() && (b[i] == b'+' || b[i] == b'-') {
            i += 1;
        }
        let e = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        if i == e {
            return None;
        }
    }
    (i == b.len()).then_some(true)
}

pub(super) fn is_uuid(b: &[u8]) -> bool {
    b.len() == 36
        && b.iter().enumerate().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => *c == b'-',
            _ => c.is_ascii_hexdigit(),
        })
}

pub(super) fn digits(b: &[u8]) -> Option<u32> {
    if b.is_empty() || !b.iter().all(u8::is_ascii_digit) {
        return None;
    }
    Some(b.iter().fold(0u32, |n, c| n * 10 + u32::from(c - b'0')))
}

pub(super) fn is_date(b: &[u8]) -> bool {
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' || digits(&b[..4]).is_none() {
        return false;
    }
    matches!((digits(&b[5..7]), digits(&b[8..10])), (Some(m), Some(d)) if (1..=12).contains(&m) && (1..=31).contains(&d))
}

/// `Thh:mm:ss[.frac](Z|±hh:mm)` after a full-date.
pub(super) fn is_date_time_tail(b: &[u8]) -> bool {
    if b.len() < 10 || !matches!(b[0], b'T' | b't') {
        return false;
    }
    let t = &b[1..];
    let hms = t.len() >= 8
        && t[2] == b':'
        && t[5] == b':'
        && matches!(digits(&t[0..2]), Some(h) if h < 24)
        && matches!(digits(&t[3..5]), Some(m) if m < 60)
        && matches!(digits(&t[6..8]), Some(s) if s <= 60);
    if !hms {
        return false;
    }
    let mut rest = &t[8..];
    if rest.first() == Some(&b'.') {
        let n = rest[1..].iter().take_while(|c| c.is_ascii_digit()).count();
        if n == 0 {
            return false;
        }
        rest = &rest[1 + n..];
    }
    match rest {
        [b'Z' | b'z'] => true,
        [b'+' | b'-', h1, h2, b':', m1, m2] => {
            matches!(digits(&[*h1, *h2]), Some(h) if h < 24)
                && matches!(digits(&[*m1, *m2]), Some(m) if m < 60)
        }
        _ => false,
    }
}

pub(super) fn is_email(b: &[u8]) -> bool {
    let Some(at) = b.iter().position(|&c| c == b'@') else {
        return false;
    };
    let (local, domain) = (&b[..at], &b[at + 1..]);
    if local.is_empty() || local.len() > 64 || domain.len() < 3 {
        return false;
    }
    let local_ok = local
        .iter()
        .all(|&c| c.is_ascii_alphanumeric() || b"!#$%&'*+-/=?^_`{|}~.".contains(&c) || c >= 0x80);
    let domain_ok = domain
        .iter()
        .all(|&c| c.is_ascii_alphanumeric() || c == b'-' || c == b'.' || c >= 0x80)
        && domain.contains(&b'.')
        && !domain.starts_with(b".")
        && !domain.ends_with(b".")
        && !domain.windows(2).any(|w| w == b"..");
    local_ok && domain_ok
}

pub(super) fn is_uri(b: &[u8]) -> bool {
    let Some(pos) = b.windows(3).take(33).position(|w| w == b"://") else {
        return false;
    };
    let scheme = &b[..pos];
    !scheme.is_empty()
        && scheme[0].is_ascii_alphabetic()
        && scheme
            .iter()
            .all(|&c| c.is_ascii_alphanumeric() || matches!(c, b'+' | b'.' | b'-'))
        && b.len() > pos + 3
        && !b
            .iter()
            .any(|c| c.is_ascii_whitespace() || c.is_ascii_control())
}

/// A short label-like string: the kind of value worth listing as an enum. Numbers, e-mails and
/// text without ASCII letters (names, phone numbers) are not candidates, which keeps most
/// personal data out of emitted enums.
pub(super) fn is_enum_candidate(s: &str) -> bool {
    let b = s.as_bytes();
    !b.is_empty()
        && b.len() <= ENUM_MAX_LEN
        && b.iter().any(u8::is_ascii_alphabetic)
        && !b
            .iter()
            .any(|&c| c == b'@' || c.is_ascii_control() || c.is_ascii_whitespace())
}

/// A key that is data rather than a field name.
pub(super) fn is_id_like_key(k: &str) -> bool {
    let b = k.as_bytes();
    if b.is_empty() {
        return false;
    }
    if b.iter().all(u8::is_ascii_digit) {
        return true;
    }
    if b.len() >= 12 && b.iter().all(u8::is_ascii_hexdigit) && b.iter().any(u8::is_ascii_digit) {
        return true;
    }
    matches!(
        Format::detect(k),
        Some(
            Format::Uuid
                | Format::Date
                | Format::DateTime
                | Format::Ipv4
                | Format::Ipv6
                | Format::Email
        )
    )
}

/// Whether one object observation is a map (keys are data): too many keys, an over-long key,
/// or every key id-like.
pub(super) fn looks_like_map<'a>(keys: impl Iterator<Item = &'a str>) -> bool {
    let mut n = 0usize;
    let mut all_ids = true;
    for k in keys {
        n += 1;
        if n > MAX_PROPERTIES || k.len() > MAX_KEY_LEN {
            return true;
        }
        if all_ids && !is_id_like_key(k) {
            all_ids = false;
        }
    }
    n > 0 && all_ids
}

/// Runs `f` on the ASCII-lower-cased `name`, on the stack for names up to 64 bytes.
pub(crate) fn with_lower<T>(name: &str, f: impl FnOnce(&str) -> T) -> T {
    let mut buf = [0u8; 64];
    if let Some(b) = buf.get_mut(..name.len()) {
        b.copy_from_slice(name.as_bytes());
        b.make_ascii_lowercase();
        if let Ok(lower) = std::str::from_utf8(b) {
            return f(lower);
        }
    }
    f(&name.to_ascii_lowercase())
}

/// Substring test for short strings: a first-byte filter before comparing.
pub(crate) fn has(hay: &str, needle: &str) -> bool {
    let (h, n) = (hay.as_bytes(), needle.as_bytes());
    match n.first() {
        None => true,
        Some(&first) => {
            h.len() >= n.len()
                && (0..=h.len() - n.len()).any(|i| h[i] == first && &h[i..i + n.len()] == n)
        }
    }
}

/// A field name whose values are credentials or secrets: their values are never kept.
pub(crate) fn is_secret_key(k: &str) -> bool {
    const PARTS: [&str; 18] = [
        "password",
        "passwd",
        "passphrase",
        "passcode",
        "pswd",
        "pwd",
        "secret",
        "token",
        "apikey",
        "api_key",
        "api-key",
        "credential",
        "authorization",
        "cookie",
        "session",
        "private_key",
        "privatekey",
        "signature",
    ];
    const EXACT: [&str; 11] = [
        "pass", "pw", "pin", "cvv", "cvc", "otp", "ssn", "key", "auth", "sig", "mfa",
    ];
    // Short names count as whole words inside longer ones too: `pin_code`, `otp-value`,
    // `user.pass`, `newPw` (case-folded to `newpw` only at a word boundary).
    const WORDS: [&str; 7] = ["pass", "pw", "pin", "otp", "cvv", "cvc", "mfa"];
    with_lower(k, |l| {
        PARTS.iter().any(|p| has(l, p))
            || EXACT.contains(&l)
            || l.split(|c: char| !c.is_ascii_alphanumeric())
                .any(|w| WORDS.contains(&w))
    }) || camel_words(k).any(|w| WORDS.iter().any(|x| w.eq_ignore_ascii_case(x)))
}

/// The words of a camelCase name (`newPw` → `new`, `Pw`).
pub(super) fn camel_words(k: &str) -> impl Iterator<Item = &str> {
    let mut starts: Vec<usize> = vec![0];
    let b = k.as_bytes();
    for i in 1..b.len() {
        if b[i].is_ascii_uppercase() && b[i - 1].is_ascii_lowercase() {
            starts.push(i);
        }
    }
    starts.push(k.len());
    (0..starts.len() - 1).map(move |i| &k[starts[i]..starts[i + 1]])
}
