//! Classification of one path segment by what its text looks like.
//!
//! Templating needs to know whether `4821`, `cus_9sL2xY7q`, `brave-otter` or `issues` is an
//! identifier or a fixed word. The class alone decides for strong identifiers (numbers, UUIDs,
//! hashes...); for word-like text the decision is left to sibling statistics in the tree.

use serde::Serialize;

/// What a path segment looks like.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SegmentClass {
    /// Decimal integer (`42`, `-7`).
    Integer,
    /// UUID of any version, with or without braces... only the canonical 8-4-4-4-12 form.
    Uuid,
    /// MongoDB ObjectId: exactly 24 hex digits.
    ObjectId,
    /// Long hexadecimal string: hashes, SHAs, hex ids.
    Hex,
    /// ULID (26 Crockford base32 characters).
    Ulid,
    /// Prefixed identifier such as `cus_9sL2xY7q` or `obj-1B4qYR6j`.
    PrefixedId,
    /// Opaque token mixing letters and digits (`P0JYDLN`, base62 ids, base64url).
    Token,
    /// E-mail address.
    Email,
    /// ISO date `2024-03-18`.
    Date,
    /// ISO date-time.
    DateTime,
    /// IPv4 address.
    Ipv4,
    /// Phone number written with `+`, spaces, dashes or parentheses (`+86 133 2510 8988`).
    Phone,
    /// Version marker: `v2`, `V10`, `1.0`, `2.1.3`.
    Version,
    /// Letters only, possibly camelCase (`issues`, `boardStars`).
    Word,
    /// Words joined by `-` or `_`, possibly with digits (`brave-otter`, `check_runs`, `api-x-3`).
    Slug,
    /// A word followed by digits (`alice368`, `oauth2`).
    WordNumber,
    /// Anything else: dots, punctuation, mixed forms (`chat.postMessage`, `info.0.json`).
    Other,
}

impl SegmentClass {
    /// True for classes that are identifiers by their form alone: a segment of such a class is
    /// a parameter even when seen once.
    pub fn is_strong_id(self) -> bool {
        matches!(
            self,
            SegmentClass::Integer
                | SegmentClass::Uuid
                | SegmentClass::ObjectId
                | SegmentClass::Hex
                | SegmentClass::Ulid
                | SegmentClass::PrefixedId
                | SegmentClass::Token
                | SegmentClass::Email
                | SegmentClass::DateTime
                | SegmentClass::Ipv4
                | SegmentClass::Phone
        )
    }

    /// The OpenAPI `(type, format)` for a parameter whose values are all of this class.
    pub fn openapi_type(self) -> (&'static str, Option<&'static str>) {
        match self {
            SegmentClass::Integer => ("integer", None),
            SegmentClass::Uuid => ("string", Some("uuid")),
            SegmentClass::Email => ("string", Some("email")),
            SegmentClass::Date => ("string", Some("date")),
            SegmentClass::DateTime => ("string", Some("date-time")),
            SegmentClass::Ipv4 => ("string", Some("ipv4")),
            SegmentClass::Phone => ("string", None),
            _ => ("string", None),
        }
    }

    /// Stable lower-case name used in reports.
    pub fn as_str(self) -> &'static str {
        match self {
            SegmentClass::Integer => "integer",
            SegmentClass::Uuid => "uuid",
            SegmentClass::ObjectId => "object_id",
            SegmentClass::Hex => "hex",
            SegmentClass::Ulid => "ulid",
            SegmentClass::PrefixedId => "prefixed_id",
            SegmentClass::Token => "token",
            SegmentClass::Email => "email",
            SegmentClass::Date => "date",
            SegmentClass::DateTime => "date_time",
            SegmentClass::Ipv4 => "ipv4",
            SegmentClass::Phone => "phone",
            SegmentClass::Version => "version",
            SegmentClass::Word => "word",
            SegmentClass::Slug => "slug",
            SegmentClass::WordNumber => "word_number",
            SegmentClass::Other => "other",
        }
    }
}

/// Marks a recorded segment that stands for every id of one form (see [`id_key`]).
const ID_KEY_MARK: char = '\u{1}';

/// Length and character kinds of a segment (bit 0 upper, 1 lower, 2 digit, 3 `-`/`_`, 4 other).
pub fn char_shape(s: &str) -> (usize, u8) {
    if let Some((_, len, mask)) = parse_id_key(s) {
        return (len, mask);
    }
    let mut mask = 0u8;
    for b in s.bytes() {
        mask |= match b {
            b'A'..=b'Z' => 1,
            b'a'..=b'z' => 2,
            b'0'..=b'9' => 4,
            b'-' | b'_' => 8,
            _ => 16,
        };
    }
    (s.len(), mask)
}

/// The key a strong identifier is recorded under: one per (class, length, character kinds),
/// so `/users/1` ... `/users/99999` share five nodes instead of making 99 999. Ids become
/// parameters whatever their count, so templating loses nothing, and memory and time stop
/// growing with the number of distinct ids.
pub fn id_key(class: SegmentClass, seg: &str) -> String {
    let (len, mask) = char_shape(seg);
    format!("{ID_KEY_MARK}{}:{len}:{mask}", class.as_str())
}

/// The parts of an [`id_key`], or `None` for an ordinary segment.
pub fn parse_id_key(s: &str) -> Option<(SegmentClass, usize, u8)> {
    let rest = s.strip_prefix(ID_KEY_MARK)?;
    let mut parts = rest.split(':');
    let class = match parts.next()? {
        "integer" => SegmentClass::Integer,
        "uuid" => SegmentClass::Uuid,
        "object_id" => SegmentClass::ObjectId,
        "hex" => SegmentClass::Hex,
        "ulid" => SegmentClass::Ulid,
        "prefixed_id" => SegmentClass::PrefixedId,
        "token" => SegmentClass::Token,
        "email" => SegmentClass::Email,
        "date_time" => SegmentClass::DateTime,
        "ipv4" => SegmentClass::Ipv4,
        "phone" => SegmentClass::Phone,
        _ => return None,
    };
    let len = parts.next()?.parse().ok()?;
    let mask = parts.next()?.parse().ok()?;
    Some((class, len, mask))
}

/// Classifies a decoded path segment.
pub fn classify(seg: &str) -> SegmentClass {
    if let Some((class, _, _)) = parse_id_key(seg) {
        return class;
    }
    let b = seg.as_bytes();
    if b.is_empty() {
        return SegmentClass::Other;
    }
    if is_integer(b) {
        return SegmentClass::Integer;
    }
    if is_uuid(b) {
        return SegmentClass::Uuid;
    }
    if is_version(b) {
        return SegmentClass::Version;
    }
    let all_hex = b.iter().all(u8::is_ascii_hexdigit);
    if all_hex && b.len() == 24 {
        return SegmentClass::ObjectId;
    }
    let digits = b.iter().filter(|c| c.is_ascii_digit()).count();
    let letters = b.iter().filter(|c| c.is_ascii_alphabetic()).count();
    if all_hex && digits > 0 && (b.len() >= 16 || (b.len() >= 8 && letters > 0)) {
        return SegmentClass::Hex;
    }
    if is_date(b) {
        return SegmentClass::Date;
    }
    if b.len() > 10 && is_date(&b[..10]) && (b[10] == b'T' || b[10] == b't' || b[10] == b' ') {
        return SegmentClass::DateTime;
    }
    if is_ulid(b) {
        return SegmentClass::Ulid;
    }
    if is_email(seg) {
        return SegmentClass::Email;
    }
    if is_ipv4(seg) {
        return SegmentClass::Ipv4;
    }
    if is_phone(b) {
        return SegmentClass::Phone;
    }
    if let Some(class) = prefixed_id(b) {
        return class;
    }
    let alnum = b.iter().all(u8::is_ascii_alphanumeric);
    if alnum {
        if digits == 0 {
            return SegmentClass::Word;
        }
        // Digits only as a trailing run (`alice368`, `oauth2`): a word with a number.
        let trailing = b.iter().rev().take_while(|c| c.is_ascii_digit()).count();
        if trailing == digits && letters > 0 && b.len() < 16 {
            return SegmentClass::WordNumber;
        }
        if b.len() >= 6 || (b.len() >= 4 && digits >= 2 && letters >= 1) {
            return SegmentClass::Token;
        }
        return SegmentClass::WordNumber;
    }
    let token_chars = b
        .iter()
        .all(|c| c.is_ascii_alphanumeric() || *c == b'-' || *c == b'_');
    if token_chars {
        if b.len() >= 20 && digits >= 2 && has_mixed_case(b) {
            // base64url-ish opaque token.
            return SegmentClass::Token;
        }
        if b[0].is_ascii_alphanumeric() && b[b.len() - 1].is_ascii_alphanumeric() {
            return SegmentClass::Slug;
        }
    }
    SegmentClass::Other
}

fn has_mixed_case(b: &[u8]) -> bool {
    b.iter().any(u8::is_ascii_uppercase) && b.iter().any(u8::is_ascii_lowercase)
}

fn is_integer(b: &[u8]) -> bool {
    let digits = if b[0] == b'-' { &b[1..] } else { b };
    !digits.is_empty() && digits.len() <= 40 && digits.iter().all(u8::is_ascii_digit)
}

fn is_uuid(b: &[u8]) -> bool {
    b.len() == 36
        && b.iter().enumerate().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => *c == b'-',
            _ => c.is_ascii_hexdigit(),
        })
}

fn is_version(b: &[u8]) -> bool {
    // v1, V2, v10, v1.2, v2beta, 1.0, 2.1.3
    if (b[0] == b'v' || b[0] == b'V') && b.len() >= 2 && b.len() <= 12 && b[1].is_ascii_digit() {
        let rest = &b[1..];
        // API majors are small: `v2`, `v10`; `V247` is an id.
        let major = rest.iter().take_while(|c| c.is_ascii_digit()).count();
        if major > 2 {
            return false;
        }
        let num = rest
            .iter()
            .take_while(|c| c.is_ascii_digit() || **c == b'.')
            .count();
        let tail = &rest[num..];
        return tail.is_empty()
            || matches!(
                tail,
                b"alpha" | b"beta" | b"rc" | b"alpha1" | b"beta1" | b"beta2"
            );
    }
    let mut parts = 0;
    for part in b.split(|c| *c == b'.') {
        if part.is_empty() || part.len() > 4 || !part.iter().all(u8::is_ascii_digit) {
            return false;
        }
        parts += 1;
    }
    (2..=3).contains(&parts)
}

fn is_date(b: &[u8]) -> bool {
    b.len() == 10
        && b.iter().enumerate().all(|(i, c)| match i {
            4 | 7 => *c == b'-',
            _ => c.is_ascii_digit(),
        })
}

fn is_ulid(b: &[u8]) -> bool {
    b.len() == 26
        && (b'0'..=b'7').contains(&b[0])
        && b.iter()
            .all(|c| c.is_ascii_digit() || (c.is_ascii_uppercase() && !b"ILOU".contains(c)))
        && b.iter().filter(|c| c.is_ascii_digit()).count() >= 4
}

fn is_email(s: &str) -> bool {
    let Some((local, domain)) = s.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !domain.contains('@')
}

fn is_ipv4(s: &str) -> bool {
    s.parse::<std::net::Ipv4Addr>().is_ok()
}

/// `cus_9sL2xY7qAb`, `obj-1B4qYR6jQhs9K2`, `u_0z5ttyFAGO5Ssk`: a short lower-case prefix, one
/// separator, then an opaque part that is clearly not a word (digits or mixed case).
fn prefixed_id(b: &[u8]) -> Option<SegmentClass> {
    let sep = b.iter().position(|c| *c == b'_' || *c == b'-')?;
    if sep == 0 || sep > 12 || !b[..sep].iter().all(u8::is_ascii_alphabetic) {
        return None;
    }
    let rest = &b[sep + 1..];
    if rest.len() < 8 || !rest.iter().all(u8::is_ascii_alphanumeric) {
        return None;
    }
    let digits = rest.iter().filter(|c| c.is_ascii_digit()).count();
    let inner_digit = {
        let trailing = rest.iter().rev().take_while(|c| c.is_ascii_digit()).count();
        digits > trailing
    };
    (inner_digit || (has_mixed_case(rest) && (digits > 0 || rest.len() >= 10)) || rest.len() >= 14)
        .then_some(SegmentClass::PrefixedId)
}

/// A phone number with its punctuation: 7–15 digits, only `+ -().` and spaces besides, and at
/// least one of `+`, space, `(` (a bare digit run is an integer, `1-2-3` is not a phone).
fn is_phone(b: &[u8]) -> bool {
    let digits = b.iter().filter(|c| c.is_ascii_digit()).count();
    (7..=15).contains(&digits)
        && b.iter()
            .all(|c| c.is_ascii_digit() || matches!(c, b'+' | b'-' | b' ' | b'(' | b')' | b'.'))
        && b.iter().any(|c| matches!(c, b'+' | b' ' | b'('))
        && b.first()
            .is_some_and(|c| c.is_ascii_digit() || matches!(c, b'+' | b'('))
}

#[cfg(test)]
mod tests {
    use super::SegmentClass::*;
    use super::*;

    #[test]
    fn identifiers_are_strong() {
        for (seg, class) in [
            ("42", Integer),
            ("9120331", Integer),
            ("1ff655d9-7bf2-4cf6-9ab3-be7045015ad8", Uuid),
            ("018f6b8e-7c1a-7d3e-9f00-1234567890ab", Uuid),
            ("507f1f77bcf86cd799439011", ObjectId),
            ("0a41eef399d915fce85a3a5259c25d14b2beda2d", Hex),
            ("01ARZ3NDEKTSV4RRFFQ69G5FAV", Ulid),
            ("cus_9sL2xY7qAbCd", PrefixedId),
            ("obj_1B4qYR6jQhs9K2", PrefixedId),
            ("u_0z5ttyFAGO5Ssk", PrefixedId),
            ("sku_ABLpQejmDo", PrefixedId),
            ("P0JYDLN", Token),
            ("4YPS5J", Token),
            ("015lmvRmf2xoCgxNkTyAcZ", Token),
            ("ivan.meadow@tyrell.example.com", Email),
            ("2024-03-18T19:12:23Z", DateTime),
            ("10.1.2.3", Ipv4),
        ] {
            assert_eq!(classify(seg), class, "{seg}");
            assert!(class.is_strong_id(), "{seg}");
        }
    }

    #[test]
    fn words_and_versions_are_weak() {
        for (seg, class) in [
            ("issues", Word),
            ("boardStars", Word),
            ("brave-otter", Slug),
            ("analytics-quartz-52", Slug),
            ("check_runs", Slug),
            ("alice368", WordNumber),
            ("oauth2", WordNumber),
            ("v2", Version),
            ("v1.2", Version),
            ("2.0", Version),
            ("2010-04-01", Date),
            ("chat.postMessage", Other),
            ("info.0.json", Other),
        ] {
            assert_eq!(classify(seg), class, "{seg}");
            assert!(!class.is_strong_id(), "{seg}");
        }
    }

    #[test]
    fn id_keys_round_trip() {
        let key = id_key(Token, "P0JYDLN");
        assert_eq!(parse_id_key(&key), Some((Token, 7, 1 | 4)));
        assert_eq!(classify(&key), Token);
        assert_eq!(char_shape(&key), (7, 5));
        assert_eq!(parse_id_key("users"), None);
    }

    #[test]
    fn never_panics_on_odd_text() {
        for seg in ["", "-", "_", "@", "é", "-5", "v", "...", "a@b", "ff"] {
            let _ = classify(seg);
        }
    }
}
