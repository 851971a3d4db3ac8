//! IMEI (3GPP TS 23.003): 8-digit TAC + 6-digit serial + Luhn check digit.

use super::luhn::luhn_valid;
use super::normalize::ascii_fold;

/// Validates a 15-digit IMEI (plain, or grouped 2-6-6-1 / 8-6-1 with one consistent `-` or
/// space): Luhn check, no all-same-digit placeholder, and no `00` TAC prefix (unallocated).
pub fn imei(s: &str) -> bool {
    let folded = ascii_fold(s);
    let mut d = [0u8; 15];
    let mut n = 0usize;
    let mut groups = [0usize; 4];
    let mut ng = 0usize;
    let mut cur = 0usize;
    let mut sep: Option<u8> = None;
    for &b in folded.trim().as_bytes() {
        if b.is_ascii_digit() {
            if n >= 15 {
                return false;
            }
            d[n] = b;
            n += 1;
            cur += 1;
        } else if b == b'-' || b == b' ' {
            if cur == 0 || ng >= 3 || sep.is_some_and(|p| p != b) {
                return false;
            }
            sep = Some(b);
            groups[ng] = cur;
            ng += 1;
            cur = 0;
        } else {
            return false;
        }
    }
    if n != 15 || cur == 0 {
        return false;
    }
    groups[ng] = cur;
    ng += 1;
    let grouping_ok = match ng {
        1 => true,
        3 => groups[..3] == [8, 6, 1],
        4 => groups == [2, 6, 6, 1],
        _ => false,
    };
    if !grouping_ok || d.starts_with(b"00") || d.iter().all(|&b| b == d[0]) {
        return false;
    }
    luhn_valid(&d)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn valid_imeis() {
        for s in [
            "490154203237518",
            "49-015420-323751-8",
            "49 015420 323751 8",
            "49015420-323751-8",
            "356938035643809",
            "861234567890127",
            "４９０１５４２０３２３７５１８",
        ] {
            assert!(imei(s), "{s}");
        }
    }

    #[test]
    fn invalid_imeis() {
        for s in [
            "490154203237517",
            "49-015420 323751-8",
            "4901-5420-3237-518",
            "49015420323751",
            "4901542032375180",
            "000000000000000",
            "111111111111111",
            "001234567890128",
            "1715846400000",
            "1794058436868060446",
            "6945602155380",
            "49015420323751X",
            "4901542***37518",
            "",
            "-490154203237518",
        ] {
            assert!(!imei(s), "{s}");
        }
    }

    proptest! {
        #[test]
        fn never_panics(s in any::<String>()) {
            let _ = imei(&s);
        }

        #[test]
        fn never_panics_alphabet(s in "[0-9 -]{0,20}") {
            let _ = imei(&s);
        }

        #[test]
        fn single_digit_change_fails(body in "[1-9][0-9]{13}", pos in 0usize..15, delta in 1u8..10) {
            let mut n = body.into_bytes();
            let cd = super::super::luhn::luhn_check_digit(&n)
                .ok_or_else(|| TestCaseError::fail("digits"))?;
            n.push(cd);
            prop_assume!(!n.iter().all(|&b| b == n[0]));
            let s = String::from_utf8(n.clone()).map_err(|_| TestCaseError::fail("utf8"))?;
            prop_assert!(imei(&s));
            n[pos] = b'0' + (n[pos] - b'0' + delta) % 10;
            let s = String::from_utf8(n).map_err(|_| TestCaseError::fail("utf8"))?;
            prop_assert!(!imei(&s));
        }
    }
}
