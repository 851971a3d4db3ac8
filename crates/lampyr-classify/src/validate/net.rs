//! Network identifiers: strictly parsed IPv4/IPv6 addresses with their address class (public
//! client IPs are personal information, private/documentation ones are not) and MAC addresses.

use std::net::{Ipv4Addr, Ipv6Addr};
use std::str::FromStr;

use super::normalize::ascii_fold;

/// Address class; the scorer treats only `Public` (and maybe `Cgnat`) as a personal identifier.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum IpClass {
    /// Globally routable unicast.
    Public,
    /// RFC 1918 IPv4 or fc00::/7 unique-local IPv6.
    Private,
    /// 127.0.0.0/8 or ::1.
    Loopback,
    /// 169.254.0.0/16 or fe80::/10.
    LinkLocal,
    /// RFC 5737 / RFC 3849 / RFC 9637 documentation ranges.
    Documentation,
    /// RFC 6598 shared address space 100.64.0.0/10 (carrier-grade NAT).
    Cgnat,
    /// 224.0.0.0/4 or ff00::/8.
    Multicast,
    /// 0.0.0.0 or ::.
    Unspecified,
    /// Other special-purpose ranges (0/8, 240/4, 192.0.0/24, 198.18/15, IPv6 non-global space).
    Reserved,
    /// 255.255.255.255.
    Broadcast,
}

/// Classifies an IPv4 address by the IANA special-purpose registry.
fn class_v4(ip: Ipv4Addr) -> IpClass {
    let [a, b, c, _] = ip.octets();
    if ip.is_unspecified() {
        IpClass::Unspecified
    } else if ip.is_broadcast() {
        IpClass::Broadcast
    } else if a == 127 {
        IpClass::Loopback
    } else if a == 10 || (a == 172 && (16..=31).contains(&b)) || (a == 192 && b == 168) {
        IpClass::Private
    } else if a == 100 && (64..=127).contains(&b) {
        IpClass::Cgnat
    } else if a == 169 && b == 254 {
        IpClass::LinkLocal
    } else if (a == 192 && b == 0 && c == 2)
        || (a == 198 && b == 51 && c == 100)
        || (a == 203 && b == 0 && c == 113)
    {
        IpClass::Documentation
    } else if (224..=239).contains(&a) {
        IpClass::Multicast
    } else if a == 0 || a >= 240 || (a == 192 && b == 0 && c == 0) || (a == 198 && (b & 0xFE) == 18)
    {
        IpClass::Reserved
    } else {
        IpClass::Public
    }
}

/// Parses a strict dotted-quad IPv4 address (exactly four decimal octets ≤ 255, no leading
/// zeros except a lone `0`, no whitespace) and classifies it; version strings like `5.29.61`
/// and zero-padded forms are rejected.
pub fn ipv4(s: &str) -> Option<IpClass> {
    let folded = ascii_fold(s);
    let s = folded.trim();
    let b = s.as_bytes();
    if b.len() < 7 || b.len() > 15 {
        return None;
    }
    let mut octets = [0u8; 4];
    let mut idx = 0usize;
    for part in s.split('.') {
        let p = part.as_bytes();
        if idx >= 4 || p.is_empty() || p.len() > 3 || !p.iter().all(u8::is_ascii_digit) {
            return None;
        }
        if p.len() > 1 && p[0] == b'0' {
            return None;
        }
        let v = p
            .iter()
            .fold(0u16, |acc, &d| acc * 10 + u16::from(d - b'0'));
        octets[idx] = u8::try_from(v).ok()?;
        idx += 1;
    }
    if idx != 4 {
        return None;
    }
    Some(class_v4(Ipv4Addr::from(octets)))
}

/// Parses an IPv6 address with `std::net::Ipv6Addr` (no zone id, no brackets, at least two
/// colons, so times like `12:30` never match) and classifies it; IPv4-mapped addresses take the
/// class of the embedded IPv4 address.
pub fn ipv6(s: &str) -> Option<IpClass> {
    let folded = ascii_fold(s);
    let s = folded.trim();
    if s.len() > 45 || s.bytes().filter(|&b| b == b':').count() < 2 || s.contains('%') {
        return None;
    }
    let ip = Ipv6Addr::from_str(s).ok()?;
    let seg = ip.segments();
    let class = if ip.is_unspecified() {
        IpClass::Unspecified
    } else if ip.is_loopback() {
        IpClass::Loopback
    } else if let Some(v4) = ip.to_ipv4_mapped() {
        class_v4(v4)
    } else if seg[0] & 0xFFC0 == 0xFE80 {
        IpClass::LinkLocal
    } else if seg[0] & 0xFE00 == 0xFC00 {
        IpClass::Private
    } else if seg[0] & 0xFF00 == 0xFF00 {
        IpClass::Multicast
    } else if (seg[0] == 0x2001 && seg[1] == 0x0DB8) || seg[0] & 0xFFF0 == 0x3FF0 {
        IpClass::Documentation
    } else if seg[0] & 0xE000 == 0x2000 {
        IpClass::Public
    } else {
        IpClass::Reserved
    };
    Some(class)
}

/// Bits of the first MAC octet worth reporting.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MacInfo {
    /// I/G bit set: a group (multicast) address, not a device.
    pub multicast: bool,
    /// U/L bit set: locally administered, typically a randomised phone MAC.
    pub local: bool,
}

/// Parses a MAC address as six 2-hex-digit groups joined by one consistent `:` or `-`, or the
/// Cisco `xxxx.xxxx.xxxx` form; rejects all-zero and broadcast, and times like `12:30:45`.
pub fn mac(s: &str) -> Option<MacInfo> {
    let folded = ascii_fold(s);
    let b = folded.trim().as_bytes();
    let mut bytes = [0u8; 6];
    let hex = |c: u8| -> Option<u8> {
        match c {
            b'0'..=b'9' => Some(c - b'0'),
            b'a'..=b'f' => Some(c - b'a' + 10),
            b'A'..=b'F' => Some(c - b'A' + 10),
            _ => None,
        }
    };
    match b.len() {
        17 => {
            let sep = b[2];
            if sep != b':' && sep != b'-' {
                return None;
            }
            for (i, out) in bytes.iter_mut().enumerate() {
                let o = i * 3;
                if i < 5 && b[o + 2] != sep {
                    return None;
                }
                *out = hex(b[o])? << 4 | hex(b[o + 1])?;
            }
        }
        14 => {
            if b[4] != b'.' || b[9] != b'.' {
                return None;
            }
            let digits = b.iter().filter(|&&c| c != b'.');
            let mut k = 0usize;
            for &c in digits {
                let v = hex(c)?;
                let slot = bytes.get_mut(k / 2)?;
                *slot = if k.is_multiple_of(2) {
                    v << 4
                } else {
                    *slot | v
                };
                k += 1;
            }
            if k != 12 {
                return None;
            }
        }
        _ => return None,
    }
    if bytes == [0; 6] || bytes == [0xFF; 6] {
        return None;
    }
    Some(MacInfo {
        multicast: bytes[0] & 0x01 != 0,
        local: bytes[0] & 0x02 != 0,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn ipv4_valid() {
        assert_eq!(ipv4("8.8.8.8"), Some(IpClass::Public));
        assert_eq!(ipv4("114.114.114.114"), Some(IpClass::Public));
        assert_eq!(ipv4("10.0.0.1"), Some(IpClass::Private));
        assert_eq!(ipv4("172.16.5.4"), Some(IpClass::Private));
        assert_eq!(ipv4("172.32.5.4"), Some(IpClass::Public));
        assert_eq!(ipv4("192.168.1.1"), Some(IpClass::Private));
        assert_eq!(ipv4("100.64.0.1"), Some(IpClass::Cgnat));
        assert_eq!(ipv4("100.128.0.1"), Some(IpClass::Public));
        assert_eq!(ipv4("127.0.0.1"), Some(IpClass::Loopback));
        assert_eq!(ipv4("169.254.10.20"), Some(IpClass::LinkLocal));
        assert_eq!(ipv4("192.0.2.7"), Some(IpClass::Documentation));
        assert_eq!(ipv4("198.51.100.7"), Some(IpClass::Documentation));
        assert_eq!(ipv4("203.0.113.255"), Some(IpClass::Documentation));
        assert_eq!(ipv4("224.0.0.251"), Some(IpClass::Multicast));
        assert_eq!(ipv4("0.0.0.0"), Some(IpClass::Unspecified));
        assert_eq!(ipv4("255.255.255.255"), Some(IpClass::Broadcast));
        assert_eq!(ipv4("240.0.0.1"), Some(IpClass::Reserved));
        assert_eq!(ipv4("198.19.0.1"), Some(IpClass::Reserved));
        assert_eq!(ipv4("0.1.2.3"), Some(IpClass::Reserved));
        assert_eq!(ipv4(" 1.2.3.4 "), Some(IpClass::Public));
        assert_eq!(ipv4("１.２.３.４"), Some(IpClass::Public));
    }

    #[test]
    fn ipv4_invalid() {
        for s in [
            "5.29.61",
            "1.2.3",
            "1.2.3.4.5",
            "256.1.1.1",
            "01.2.3.4",
            "1.2.3.04",
            "1..2.3",
            "1.2.3.",
            ".1.2.3",
            "1.2.3.a",
            "1.2.3.-4",
            "12:30:45",
            "",
            "1.2.3.4/24",
        ] {
            assert_eq!(ipv4(s), None, "{s}");
        }
    }

    #[test]
    fn ipv6_valid() {
        assert_eq!(ipv6("2408:8207:1851:9f0::1"), Some(IpClass::Public));
        assert_eq!(
            ipv6("240e:3b0:1234:5678:9abc:def0:1234:5678"),
            Some(IpClass::Public)
        );
        assert_eq!(ipv6("::"), Some(IpClass::Unspecified));
        assert_eq!(ipv6("::1"), Some(IpClass::Loopback));
        assert_eq!(ipv6("fe80::1ff:fe23:4567:890a"), Some(IpClass::LinkLocal));
        assert_eq!(ipv6("fd12:3456:789a::1"), Some(IpClass::Private));
        assert_eq!(
            ipv6("2001:db8::8a2e:370:7334"),
            Some(IpClass::Documentation)
        );
        assert_eq!(ipv6("3fff::1"), Some(IpClass::Documentation));
        assert_eq!(ipv6("ff02::fb"), Some(IpClass::Multicast));
        assert_eq!(ipv6("::ffff:8.8.8.8"), Some(IpClass::Public));
        assert_eq!(ipv6("::ffff:192.168.0.1"), Some(IpClass::Private));
        assert_eq!(ipv6("100::1"), Some(IpClass::Reserved));
    }

    #[test]
    fn ipv6_invalid() {
        for s in [
            "12:30:45",
            "1:2",
            "fe80::1%eth0",
            "[2001:db8::1]",
            "2001:db8::1::2",
            "2001:db8:::1",
            "2001:db8::g",
            "1.2.3.4",
            "",
            ":",
            "2001:0db8:85a3:0000:0000:8a2e:0370:7334:1",
            "00:1A:11:CD:45:16",
        ] {
            assert_eq!(ipv6(s), None, "{s}");
        }
    }

    #[test]
    fn mac_valid() {
        assert_eq!(
            mac("00:1A:11:CD:45:16"),
            Some(MacInfo {
                multicast: false,
                local: false
            })
        );
        assert!(mac("00-1a-11-cd-45-16").is_some());
        assert!(mac("001a.11cd.4516").is_some());
        assert_eq!(
            mac("da:a1:19:00:11:22"),
            Some(MacInfo {
                multicast: false,
                local: true
            })
        );
        assert_eq!(
            mac("01:00:5e:00:00:fb"),
            Some(MacInfo {
                multicast: true,
                local: false
            })
        );
    }

    #[test]
    fn mac_invalid() {
        for s in [
            "12:30:45",
            "12:30:45:00",
            "00:1A:11:CD:45",
            "00:1A:11:CD:45:16:77",
            "00:1A-11:CD:45:16",
            "00:1A:11:CD:45:1G",
            "00:00:00:00:00:00",
            "ff:ff:ff:ff:ff:ff",
            "FF-FF-FF-FF-FF-FF",
            "001a11cd4516",
            "001a.11cd-4516",
            "001a:11cd:4516",
            "0:1A:11:CD:45:16",
            "00 1A 11 CD 45 16",
            "",
            "ab:cd:ef:gh:ij:kl",
            "0000.0000.0000",
            "２０２４年０１月０２日１２",
        ] {
            assert_eq!(mac(s), None, "{s}");
        }
    }

    proptest! {
        #[test]
        fn never_panics(s in any::<String>()) {
            let _ = ipv4(&s);
            let _ = ipv6(&s);
            let _ = mac(&s);
        }

        #[test]
        fn never_panics_alphabet(s in "[0-9a-fA-F.:%-]{0,46}") {
            let _ = ipv4(&s);
            let _ = ipv6(&s);
            let _ = mac(&s);
        }
    }
}
