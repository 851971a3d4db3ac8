//! The Luhn (ISO/IEC 7812-1 mod-10) check digit used by payment cards, IMEIs and ICCIDs.

/// Checks the Luhn mod-10 digit over ASCII digits (check digit last); false for an empty slice
/// or any non-digit byte, so card/IMEI validators can rely on it as a total predicate.
pub fn luhn_valid(digits: &[u8]) -> bool {
    if digits.len() < 2 {
        return false;
    }
    let mut sum = 0u32;
    for (i, &b) in digits.iter().rev().enumerate() {
        if !b.is_ascii_digit() {
            return false;
        }
        let mut d = u32::from(b - b'0');
        if i % 2 == 1 {
            d *= 2;
            if d > 9 {
                d -= 9;
            }
        }
        sum += d;
    }
    sum.is_multiple_of(10)
}

/// Computes the Luhn check digit (ASCII) to append to `payload`; None on a non-digit byte.
#[cfg(test)]
pub(crate) fn luhn_check_digit(payload: &[u8]) -> Option<u8> {
    let mut sum = 0u32;
    for (i, &b) in payload.iter().rev().enumerate() {
        if !b.is_ascii_digit() {
            return None;
        }
        let mut d = u32::from(b - b'0');
        if i.is_multiple_of(2) {
            d *= 2;
            if d > 9 {
                d -= 9;
            }
        }
        sum += d;
    }
    // (10 - sum % 10) % 10 is at most 9, so the cast is lossless.
    Some(b'0' + ((10 - sum % 10) % 10) as u8)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn valid_numbers() {
        assert!(luhn_valid(b"4111111111111111"));
        assert!(luhn_valid(b"79927398713"));
        assert!(luhn_valid(b"490154203237518"));
        assert!(luhn_valid(b"89860012345678901238"));
        assert!(luhn_valid(b"00"));
    }

    #[test]
    fn invalid_numbers() {
        assert!(!luhn_valid(b"4111111111111112"));
        assert!(!luhn_valid(b"79927398710"));
        assert!(!luhn_valid(b""));
        assert!(!luhn_valid(b"0"));
        assert!(!luhn_valid(b"4111 1111 1111 1111"));
        assert!(!luhn_valid("４１１１".as_bytes()));
        assert!(!luhn_valid(b"1234567812345678"));
    }

    #[test]
    fn check_digit_helper() {
        assert_eq!(luhn_check_digit(b"7992739871"), Some(b'3'));
        assert_eq!(luhn_check_digit(b"49015420323751"), Some(b'8'));
        assert_eq!(luhn_check_digit(b"12a"), None);
    }

    proptest! {
        #[test]
        fn never_panics(b in proptest::collection::vec(any::<u8>(), 0..40)) {
            let _ = luhn_valid(&b);
        }

        #[test]
        fn single_digit_change_fails(
            payload in "[0-9]{1,18}",
            pos_seed in any::<usize>(),
            delta in 1u8..10,
        ) {
            let mut n = payload.into_bytes();
            let cd = luhn_check_digit(&n).ok_or_else(|| TestCaseError::fail("digits"))?;
            n.push(cd);
            prop_assert!(luhn_valid(&n));
            let pos = pos_seed % n.len();
            n[pos] = b'0' + (n[pos] - b'0' + delta) % 10;
            prop_assert!(!luhn_valid(&n));
        }
    }
}
