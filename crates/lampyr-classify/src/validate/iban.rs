//! International Bank Account Numbers (ISO 13616): country length table + ISO 7064 mod-97-10.

use super::normalize::ascii_fold;

/// IBAN length per country (ISO 13616 registry), sorted by country code for binary search.
static LENGTHS: &[([u8; 2], u8)] = &[
    (*b"AD", 24),
    (*b"AE", 23),
    (*b"AL", 28),
    (*b"AT", 20),
    (*b"AZ", 28),
    (*b"BA", 20),
    (*b"BE", 16),
    (*b"BG", 22),
    (*b"BH", 22),
    (*b"BI", 27),
    (*b"BR", 29),
    (*b"BY", 28),
    (*b"CH", 21),
    (*b"CR", 22),
    (*b"CY", 28),
    (*b"CZ", 24),
    (*b"DE", 22),
    (*b"DJ", 27),
    (*b"DK", 18),
    (*b"DO", 28),
    (*b"EE", 20),
    (*b"EG", 29),
    (*b"ES", 24),
    (*b"FI", 18),
    (*b"FK", 18),
    (*b"FO", 18),
    (*b"FR", 27),
    (*b"GB", 22),
    (*b"GE", 22),
    (*b"GI", 23),
    (*b"GL", 18),
    (*b"GR", 27),
    (*b"GT", 28),
    (*b"HR", 21),
    (*b"HU", 28),
    (*b"IE", 22),
    (*b"IL", 23),
    (*b"IQ", 23),
    (*b"IS", 26),
    (*b"IT", 27),
    (*b"JO", 30),
    (*b"KW", 30),
    (*b"KZ", 20),
    (*b"LB", 28),
    (*b"LC", 32),
    (*b"LI", 21),
    (*b"LT", 20),
    (*b"LU", 20),
    (*b"LV", 21),
    (*b"LY", 25),
    (*b"MC", 27),
    (*b"MD", 24),
    (*b"ME", 22),
    (*b"MK", 19),
    (*b"MN", 20),
    (*b"MR", 27),
    (*b"MT", 31),
    (*b"MU", 30),
    (*b"NI", 28),
    (*b"NL", 18),
    (*b"NO", 15),
    (*b"OM", 23),
    (*b"PK", 24),
    (*b"PL", 28),
    (*b"PS", 29),
    (*b"PT", 25),
    (*b"QA", 29),
    (*b"RO", 24),
    (*b"RS", 22),
    (*b"RU", 33),
    (*b"SA", 24),
    (*b"SC", 31),
    (*b"SD", 18),
    (*b"SE", 24),
    (*b"SI", 19),
    (*b"SK", 24),
    (*b"SM", 27),
    (*b"SO", 23),
    (*b"ST", 25),
    (*b"SV", 28),
    (*b"TL", 23),
    (*b"TN", 24),
    (*b"TR", 26),
    (*b"UA", 29),
    (*b"VA", 22),
    (*b"VG", 24),
    (*b"XK", 20),
];

/// Maximum IBAN length (ISO 13616).
const MAX_LEN: usize = 34;

/// Collects the IBAN characters from the electronic form or the print form (groups of four
/// separated by single spaces, the last group 1–4 characters).
fn collect(s: &str) -> Option<([u8; MAX_LEN], usize)> {
    let mut out = [0u8; MAX_LEN];
    let mut n = 0usize;
    let mut group = 0usize;
    let mut spaced = false;
    for &b in s.as_bytes() {
        if b == b' ' {
            if group != 4 {
                return None;
            }
            spaced = true;
            group = 0;
        } else if b.is_ascii_digit() || b.is_ascii_uppercase() {
            if n >= MAX_LEN {
                return None;
            }
            out[n] = b;
            n += 1;
            group += 1;
        } else {
            return None;
        }
    }
    if group == 0 || (spaced && group > 4) {
        return None;
    }
    Some((out, n))
}

/// ISO 7064 mod 97-10 over the rearranged IBAN (first four characters moved to the end,
/// letters expanded A=10…Z=35); true when the remainder is 1.
fn mod97(iban: &[u8]) -> bool {
    let (head, tail) = iban.split_at(4.min(iban.len()));
    let mut r = 0u32;
    for &b in tail.iter().chain(head.iter()) {
        r = match b {
            b'0'..=b'9' => (r * 10 + u32::from(b - b'0')) % 97,
            b'A'..=b'Z' => (r * 100 + u32::from(b - b'A') + 10) % 97,
            _ => return false,
        };
    }
    r == 1
}

/// Validates an IBAN in electronic (`GB82WEST12345698765432`) or print form (groups of four,
/// single spaces): country code, check digits 02–98, the registry length for known countries
/// (15–34 otherwise) and mod-97; uppercase only, as both forms are defined.
pub fn iban(s: &str) -> bool {
    let folded = ascii_fold(s);
    let Some((buf, n)) = collect(folded.trim()) else {
        return false;
    };
    let Some(b) = buf.get(..n) else {
        return false;
    };
    if n < 15 {
        return false;
    }
    if !b[0].is_ascii_uppercase() || !b[1].is_ascii_uppercase() {
        return false;
    }
    if !b[2].is_ascii_digit() || !b[3].is_ascii_digit() {
        return false;
    }
    let check = (b[2] - b'0') * 10 + (b[3] - b'0');
    if !(2..=98).contains(&check) {
        return false;
    }
    let cc = [b[0], b[1]];
    match LENGTHS.binary_search_by(|(c, _)| c.cmp(&cc)) {
        Ok(i) => {
            if LENGTHS.get(i).map(|&(_, l)| usize::from(l)) != Some(n) {
                return false;
            }
        }
        Err(_) => {
            if !(15..=MAX_LEN).contains(&n) {
                return false;
            }
        }
    }
    mod97(b)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Computes check digits for `cc` + `bban` and returns the electronic IBAN.
    fn make(cc: &str, bban: &str) -> String {
        let probe = format!("{cc}00{bban}");
        let b = probe.as_bytes();
        let (head, tail) = b.split_at(4);
        let mut r = 0u32;
        for &c in tail.iter().chain(head.iter()) {
            r = match c {
                b'0'..=b'9' => (r * 10 + u32::from(c - b'0')) % 97,
                _ => (r * 100 + u32::from(c - b'A') + 10) % 97,
            };
        }
        format!("{cc}{:02}{bban}", 98 - r)
    }

    #[test]
    fn table_sorted() {
        assert!(LENGTHS.windows(2).all(|w| w[0].0 < w[1].0));
    }

    #[test]
    fn valid_ibans() {
        for s in [
            "GB82WEST12345698765432",
            "GB82 WEST 1234 5698 7654 32",
            "DE89370400440532013000",
            "DE89 3704 0044 0532 0130 00",
            "FR1420041010050500013M02606",
            "NL91ABNA0417164300",
            "CH9300762011623852957",
            "NO9386011117947",
            "SA0380000000608010167519",
            "AE070331234567890123456",
            "TR330006100519786457841326",
            "BR1800360305000010009795493C1",
            "ＧＢ８２ＷＥＳＴ１２３４５６９８７６５４３２",
            " DE89370400440532013000 ",
        ] {
            assert!(iban(s), "{s}");
        }
        // Unknown country: accepted only on mod-97 and a plausible length.
        let zz = make("ZZ", "12345678901234");
        assert!(iban(&zz), "{zz}");
    }

    #[test]
    fn invalid_ibans() {
        for s in [
            "GB82WEST12345698765431",
            "GB83WEST12345698765432",
            "gb82west12345698765432",
            "GB82 WEST 1234 5698 7654 3 2",
            "GB82  WEST 1234 5698 7654 32",
            "GB82WEST 1234 5698 7654 32",
            "GB82-WEST-1234-5698-7654-32",
            "DE8937040044053201300",
            "NO93860111179",
            "GB00WEST12345698765432",
            "1234567890123456789012",
            "",
            "IBAN",
            "ÄÖ82WEST12345698765432",
        ] {
            assert!(!iban(s), "{s}");
        }
        // Unknown country with a too-short body.
        assert!(!iban(&make("ZZ", "1234567890")));
    }

    proptest! {
        #[test]
        fn never_panics(s in any::<String>()) {
            let _ = iban(&s);
        }

        #[test]
        fn never_panics_alphabet(s in "[A-Z0-9 ]{0,40}") {
            let _ = iban(&s);
        }

        #[test]
        fn single_digit_change_fails(bban in "[0-9]{18}", pos in 4usize..22, delta in 1u8..10) {
            let good = make("DE", &bban);
            prop_assert!(iban(&good), "{}", good);
            let mut b = good.into_bytes();
            b[pos] = b'0' + (b[pos] - b'0' + delta) % 10;
            let changed = String::from_utf8(b).map_err(|_| TestCaseError::fail("utf8"))?;
            prop_assert!(!iban(&changed));
        }
    }
}
