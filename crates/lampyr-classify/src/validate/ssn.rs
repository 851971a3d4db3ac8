//! US Social Security Numbers: the SSA's never-issued ranges and famous fake numbers.

use super::normalize::{all_digits, ascii_fold, digits_value};

/// How the SSN was written; the plain 9-digit form is weak without context.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SsnForm {
    /// `ddd-dd-dddd`.
    Dashed,
    /// `ddd dd dddd`.
    Spaced,
    /// Nine digits with no separator.
    Plain,
}

/// Well-known numbers that appear in advertising and documentation (Woolworth wallet card,
/// the 1960s Social Security card pamphlet, the stock example).
const FAKES: [u32; 3] = [78_051_120, 219_099_999, 123_456_789];

/// Validates a US SSN written as `ddd-dd-dddd`, `ddd dd dddd` or nine digits, rejecting the
/// never-issued area/group/serial values (000, 666, 9xx, 00, 0000) and famous fake numbers.
pub fn us_ssn(s: &str) -> Option<SsnForm> {
    let folded = ascii_fold(s);
    let b = folded.trim().as_bytes();
    let (form, area, group, serial) = match b.len() {
        11 if b[3] == b'-' && b[6] == b'-' => (SsnForm::Dashed, &b[0..3], &b[4..6], &b[7..11]),
        11 if b[3] == b' ' && b[6] == b' ' => (SsnForm::Spaced, &b[0..3], &b[4..6], &b[7..11]),
        9 => (SsnForm::Plain, &b[0..3], &b[3..5], &b[5..9]),
        _ => return None,
    };
    if !all_digits(area) || !all_digits(group) || !all_digits(serial) {
        return None;
    }
    let a = digits_value(area)?;
    let g = digits_value(group)?;
    let sr = digits_value(serial)?;
    if a == 0 || a == 666 || a >= 900 || g == 0 || sr == 0 {
        return None;
    }
    if FAKES.contains(&(a * 1_000_000 + g * 10_000 + sr)) {
        return None;
    }
    Some(form)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn valid_ssns() {
        assert_eq!(us_ssn("536-90-4399"), Some(SsnForm::Dashed));
        assert_eq!(us_ssn("536 90 4399"), Some(SsnForm::Spaced));
        assert_eq!(us_ssn("536904399"), Some(SsnForm::Plain));
        assert_eq!(us_ssn("001-01-0001"), Some(SsnForm::Dashed));
        assert_eq!(us_ssn("899-99-9999"), Some(SsnForm::Dashed));
        assert_eq!(us_ssn("665-12-3456"), Some(SsnForm::Dashed));
        assert_eq!(us_ssn("５３６-９０-４３９９"), Some(SsnForm::Dashed));
    }

    #[test]
    fn invalid_ssns() {
        for s in [
            "000-12-3456",
            "666-12-3456",
            "900-12-3456",
            "999-99-9999",
            "536-00-4399",
            "536-90-0000",
            "078-05-1120",
            "219-09-9999",
            "123-45-6789",
            "123456789",
            "536-90 4399",
            "536-904-399",
            "53690439",
            "5369043990",
            "***-**-4399",
            "12:30:45",
            "5.29.61",
            "",
            "五三六-九〇-四三九九",
        ] {
            assert_eq!(us_ssn(s), None, "{s}");
        }
    }

    proptest! {
        #[test]
        fn never_panics(s in any::<String>()) {
            let _ = us_ssn(&s);
        }

        #[test]
        fn never_panics_alphabet(s in "[0-9 -]{0,12}") {
            let _ = us_ssn(&s);
        }
    }
}
