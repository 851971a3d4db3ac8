//! String formats recognised in values (`date-time`, `email`, `uuid`...), named as JSON Schema
//! and OpenAPI name them.

use serde::Serialize;

use super::*;

/// String formats recognised in values, named as in JSON Schema / OpenAPI.
///
/// `Binary` is never detected from text: it marks file parts of multipart bodies.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Format {
    /// RFC 4122 textual UUID, any version.
    Uuid,
    /// `local@domain.tld`.
    Email,
    /// RFC 3339 full-date `2024-05-01`.
    Date,
    /// RFC 3339 date-time `2024-05-01T10:00:00Z`.
    DateTime,
    /// Dotted-quad IPv4 address.
    Ipv4,
    /// IPv6 address.
    Ipv6,
    /// Absolute URI with an authority (`scheme://...`).
    Uri,
    /// Raw bytes (file uploads).
    Binary,
}

impl Format {
    /// Every format, in index order.
    pub const ALL: [Format; 8] = [
        Format::Uuid,
        Format::Email,
        Format::Date,
        Format::DateTime,
        Format::Ipv4,
        Format::Ipv6,
        Format::Uri,
        Format::Binary,
    ];

    /// The JSON Schema `format` keyword value.
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Uuid => "uuid",
            Format::Email => "email",
            Format::Date => "date",
            Format::DateTime => "date-time",
            Format::Ipv4 => "ipv4",
            Format::Ipv6 => "ipv6",
            Format::Uri => "uri",
            Format::Binary => "binary",
        }
    }

    /// Detects the format of a string value; `None` for plain text.
    ///
    /// Cheap checks on length and first byte come first, so plain words cost a few compares.
    pub fn detect(s: &str) -> Option<Format> {
        let b = s.as_bytes();
        if b.len() < 3 || b.len() > 2048 {
            return None;
        }
        if b.len() == 36 && is_uuid(b) {
            return Some(Format::Uuid);
        }
        if b[0].is_ascii_digit() {
            if b.len() == 10 && is_date(b) {
                return Some(Format::Date);
            }
            if b.len() > 10 && is_date(&b[..10]) && is_date_time_tail(&b[10..]) {
                return Some(Format::DateTime);
            }
            if b.len() <= 15 && b.contains(&b'.') && s.parse::<Ipv4Addr>().is_ok() {
                return Some(Format::Ipv4);
            }
        }
        // Everything below needs a ':' (IPv6, URI) or an '@' (e-mail): one SIMD scan.
        memchr::memchr2(b':', b'@', b)?;
        let ipv6_chars = |c: &u8| c.is_ascii_hexdigit() || b":.".contains(c);
        if b.len() <= 45
            && b.contains(&b':')
            && b.iter().all(ipv6_chars)
            && s.parse::<Ipv6Addr>().is_ok()
        {
            return Some(Format::Ipv6);
        }
        if b.len() <= 254 && b.contains(&b'@') && is_email(b) {
            return Some(Format::Email);
        }
        if is_uri(b) {
            return Some(Format::Uri);
        }
        None
    }

    pub(super) fn index(self) -> usize {
        self as usize
    }
}
