//! A minimal DER reader for the two things the gateway needs from an X.509 certificate: the
//! subject name (client certificates, for mTLS identities and logs) and the SAN DNS names
//! (server certificates, for SNI when `sni` is not configured).
//!
//! Written here instead of pulling a full X.509 parser: it walks only `tbsCertificate`,
//! never recurses, bounds-checks every length and caps every count, and returns `None` on
//! anything it does not understand. Certificates it reads were either loaded from our own
//! configuration or already verified by rustls, so it never decides trust.

use crate::hex::encode as hex;

/// What the gateway reads from a certificate.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CertNames {
    /// Subject DN, RFC 4514 (`CN=svc-a,O=Acme`: last RDN first).
    pub subject: String,
    /// First subject common name.
    pub common_name: Option<String>,
    /// SAN `dNSName` entries, lower-case.
    pub dns_names: Vec<String>,
}

/// Most RDNs, attributes or SAN entries read from one certificate.
const MAX_ITEMS: usize = 256;

const TAG_SEQUENCE: u8 = 0x30;
const TAG_SET: u8 = 0x31;
const TAG_OID: u8 = 0x06;
const TAG_OCTET_STRING: u8 = 0x04;
const TAG_BOOLEAN: u8 = 0x01;
const TAG_EXPLICIT_0: u8 = 0xa0;
const TAG_EXPLICIT_3: u8 = 0xa3;
const TAG_SAN_DNS: u8 = 0x82;
const OID_SAN: &[u8] = &[0x55, 0x1d, 0x11];

/// One TLV: its tag, its content and what follows it.
struct Tlv<'a> {
    tag: u8,
    content: &'a [u8],
    /// The whole encoding (tag, length, content), for `#hex` values.
    raw: &'a [u8],
}

/// Reads one TLV from the front of `input`; returns it and the rest.
fn read(input: &[u8]) -> Option<(Tlv<'_>, &[u8])> {
    let tag = *input.first()?;
    if tag & 0x1f == 0x1f {
        return None; // high tag numbers never occur in the parts we read
    }
    let first = *input.get(1)?;
    let (len, header) = if first < 0x80 {
        (first as usize, 2)
    } else {
        let n = (first & 0x7f) as usize;
        if n == 0 || n > 4 {
            return None; // indefinite or absurd lengths
        }
        let mut len = 0usize;
        for i in 0..n {
            len = (len << 8) | *input.get(2 + i)? as usize;
        }
        (len, 2 + n)
    };
    let end = header.checked_add(len)?;
    if end > input.len() {
        return None;
    }
    Some((
        Tlv {
            tag,
            content: &input[header..end],
            raw: &input[..end],
        },
        &input[end..],
    ))
}

/// Reads one TLV that must have `tag`.
fn expect(input: &[u8], tag: u8) -> Option<(Tlv<'_>, &[u8])> {
    let (tlv, rest) = read(input)?;
    (tlv.tag == tag).then_some((tlv, rest))
}

/// Iterates over the TLVs of a constructed value, at most [`MAX_ITEMS`].
fn items(mut content: &[u8]) -> impl Iterator<Item = Tlv<'_>> {
    let mut n = 0;
    std::iter::from_fn(move || {
        if content.is_empty() || n >= MAX_ITEMS {
            return None;
        }
        n += 1;
        let (tlv, rest) = read(content)?;
        content = rest;
        Some(tlv)
    })
}

/// Parses a DER certificate's subject and SAN DNS names; `None` when it is not a certificate.
pub fn parse_certificate(der: &[u8]) -> Option<CertNames> {
    let (cert, _) = expect(der, TAG_SEQUENCE)?;
    let (tbs, _) = expect(cert.content, TAG_SEQUENCE)?;
    let mut rest = tbs.content;
    if rest.first() == Some(&TAG_EXPLICIT_0) {
        rest = read(rest)?.1; // version
    }
    rest = read(rest)?.1; // serialNumber
    rest = expect(rest, TAG_SEQUENCE)?.1; // signature algorithm
    rest = expect(rest, TAG_SEQUENCE)?.1; // issuer
    rest = expect(rest, TAG_SEQUENCE)?.1; // validity
    let (subject, after_subject) = expect(rest, TAG_SEQUENCE)?;
    rest = expect(after_subject, TAG_SEQUENCE)?.1; // subjectPublicKeyInfo
    let (subject, common_name) = name_to_string(subject.content)?;
    let mut dns_names = Vec::new();
    // Optional issuerUniqueID [1], subjectUniqueID [2], then extensions [3].
    for tlv in items(rest) {
        if tlv.tag == TAG_EXPLICIT_3 {
            dns_names = san_dns_names(tlv.content).unwrap_or_default();
        }
    }
    Some(CertNames {
        subject,
        common_name,
        dns_names,
    })
}

fn san_dns_names(explicit: &[u8]) -> Option<Vec<String>> {
    let (exts, _) = expect(explicit, TAG_SEQUENCE)?;
    for ext in items(exts.content) {
        if ext.tag != TAG_SEQUENCE {
            continue;
        }
        let (oid, mut rest) = expect(ext.content, TAG_OID)?;
        if oid.content != OID_SAN {
            continue;
        }
        if rest.first() == Some(&TAG_BOOLEAN) {
            rest = read(rest)?.1; // critical
        }
        let (value, _) = expect(rest, TAG_OCTET_STRING)?;
        let (names, _) = expect(value.content, TAG_SEQUENCE)?;
        return Some(
            items(names.content)
                .filter(|n| n.tag == TAG_SAN_DNS)
                .filter_map(|n| std::str::from_utf8(n.content).ok())
                .filter(|s| s.is_ascii() && !s.is_empty())
                .map(|s| s.to_ascii_lowercase())
                .collect(),
        );
    }
    Some(Vec::new())
}

/// Renders a `Name` (SEQUENCE OF RDN) RFC 4514 style, and finds the first CN.
fn name_to_string(rdns: &[u8]) -> Option<(String, Option<String>)> {
    let mut rendered = Vec::new();
    let mut common_name = None;
    for rdn in items(rdns) {
        if rdn.tag != TAG_SET {
            return None;
        }
        let mut parts = Vec::new();
        for atv in items(rdn.content) {
            if atv.tag != TAG_SEQUENCE {
                return None;
            }
            let (oid, rest) = expect(atv.content, TAG_OID)?;
            let (value, _) = read(rest)?;
            let text = string_value(&value);
            if oid.content == [0x55, 0x04, 0x03] && common_name.is_none() {
                common_name = text.clone();
            }
            let rendered_value = match text {
                Some(t) => escape(&t),
                None => format!("#{}", hex(value.raw)),
            };
            parts.push(format!(
                "{}={}",
                attribute_name(oid.content),
                rendered_value
            ));
        }
        rendered.push(parts.join("+"));
    }
    rendered.reverse();
    Some((rendered.join(","), common_name))
}

fn attribute_name(oid: &[u8]) -> String {
    match oid {
        [0x55, 0x04, 0x03] => "CN".into(),
        [0x55, 0x04, 0x05] => "serialNumber".into(),
        [0x55, 0x04, 0x06] => "C".into(),
        [0x55, 0x04, 0x07] => "L".into(),
        [0x55, 0x04, 0x08] => "ST".into(),
        [0x55, 0x04, 0x09] => "STREET".into(),
        [0x55, 0x04, 0x0a] => "O".into(),
        [0x55, 0x04, 0x0b] => "OU".into(),
        [0x09, 0x92, 0x26, 0x89, 0x93, 0xf2, 0x2c, 0x64, 0x01, 0x19] => "DC".into(),
        [0x09, 0x92, 0x26, 0x89, 0x93, 0xf2, 0x2c, 0x64, 0x01, 0x01] => "UID".into(),
        [0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x01] => "emailAddress".into(),
        other => dotted(other).unwrap_or_else(|| format!("#{}", hex(other))),
    }
}

/// Dotted-decimal form of an OID's content.
fn dotted(oid: &[u8]) -> Option<String> {
    let mut arcs: Vec<u64> = Vec::new();
    let mut acc: u64 = 0;
    for &b in oid {
        acc = acc.checked_mul(128)? | u64::from(b & 0x7f);
        if b & 0x80 == 0 {
            if arcs.is_empty() {
                let first = (acc / 40).min(2);
                arcs.push(first);
                arcs.push(acc - first * 40);
            } else {
                arcs.push(acc);
            }
            acc = 0;
        }
    }
    if arcs.is_empty() || oid.last().is_some_and(|b| b & 0x80 != 0) {
        return None;
    }
    Some(
        arcs.iter()
            .map(u64::to_string)
            .collect::<Vec<_>>()
            .join("."),
    )
}

/// Text of a directory string; `None` for non-string types.
fn string_value(v: &Tlv<'_>) -> Option<String> {
    match v.tag {
        // UTF8String, PrintableString, IA5String, NumericString, VisibleString
        0x0c | 0x13 | 0x16 | 0x12 | 0x1a => std::str::from_utf8(v.content).ok().map(String::from),
        // TeletexString: treated as Latin-1, as most software does.
        0x14 => Some(v.content.iter().map(|&b| char::from(b)).collect()),
        // BMPString: UTF-16BE.
        0x1e => {
            if !v.content.len().is_multiple_of(2) {
                return None;
            }
            let units: Vec<u16> = v
                .content
                .chunks_exact(2)
                .map(|c| u16::from_be_bytes([c[0], c[1]]))
                .collect();
            String::from_utf16(&units).ok()
        }
        _ => None,
    }
}

/// RFC 4514 escaping of an attribute value.
fn escape(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    let last = value.chars().count().saturating_sub(1);
    for (i, c) in value.chars().enumerate() {
        let special = matches!(c, ',' | '+' | '"' | '\\' | '<' | '>' | ';')
            || (i == 0 && (c == '#' || c == ' '))
            || (i == last && c == ' ');
        if c == '\0' {
            out.push_str("\\00");
        } else if special {
            out.push('\\');
            out.push(c);
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cert(names: &[&str], dn: &[(rcgen::DnType, &str)]) -> Vec<u8> {
        let mut params =
            rcgen::CertificateParams::new(names.iter().map(|s| s.to_string()).collect::<Vec<_>>())
                .unwrap();
        params.distinguished_name = rcgen::DistinguishedName::new();
        for (t, v) in dn {
            params.distinguished_name.push(t.clone(), *v);
        }
        let key = rcgen::KeyPair::generate().unwrap();
        params.self_signed(&key).unwrap().der().to_vec()
    }

    #[test]
    fn reads_subject_in_rfc4514_order_and_san_dns_names() {
        let der = cert(
            &["API.example.com", "*.example.org"],
            &[
                (rcgen::DnType::CountryName, "DE"),
                (rcgen::DnType::OrganizationName, "Acme, Inc"),
                (rcgen::DnType::CommonName, "svc-a"),
            ],
        );
        let names = parse_certificate(&der).unwrap();
        assert_eq!(names.subject, "CN=svc-a,O=Acme\\, Inc,C=DE");
        assert_eq!(names.common_name.as_deref(), Some("svc-a"));
        assert_eq!(names.dns_names, vec!["api.example.com", "*.example.org"]);
    }

    #[test]
    fn a_certificate_without_san_has_no_names() {
        let der = cert(&[], &[(rcgen::DnType::CommonName, "only-cn")]);
        let names = parse_certificate(&der).unwrap();
        assert!(names.dns_names.is_empty());
        assert_eq!(names.subject, "CN=only-cn");
    }

    #[test]
    fn truncated_or_garbage_input_is_refused_without_panicking() {
        let der = cert(&["a.example"], &[(rcgen::DnType::CommonName, "x")]);
        for cut in 0..der.len() {
            let _ = parse_certificate(&der[..cut]);
        }
        assert!(parse_certificate(&[0x30, 0x84, 0xff, 0xff, 0xff, 0xff]).is_none());
        assert!(parse_certificate(&[0x30, 0x80]).is_none());
        assert!(parse_certificate(b"not der").is_none());
    }

    #[test]
    fn unknown_oids_are_dotted_and_values_escaped() {
        assert_eq!(
            dotted(&[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d]).as_deref(),
            Some("1.2.840.113549")
        );
        assert_eq!(escape("#a b "), "\\#a b\\ ");
    }
}
