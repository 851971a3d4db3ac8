//! Input normalisation shared by the validators: full-width (CJK keyboard) digits, letters and
//! number punctuation are folded to ASCII so `１３８１２３４５６７８` validates like `13812345678`.

use std::borrow::Cow;

/// Maps one full-width character to its ASCII twin, if it has one we care about.
fn fold_char(c: char) -> Option<char> {
    let cp = c as u32;
    match cp {
        // Full-width digits, upper- and lower-case letters.
        0xFF10..=0xFF19 | 0xFF21..=0xFF3A | 0xFF41..=0xFF5A => char::from_u32(cp - 0xFEE0),
        // Full-width punctuation that appears inside written numbers: ( ) + - . / : #
        0xFF08 | 0xFF09 | 0xFF0B | 0xFF0D | 0xFF0E | 0xFF0F | 0xFF1A | 0xFF03 => {
            char::from_u32(cp - 0xFEE0)
        }
        // Ideographic space.
        0x3000 => Some(' '),
        _ => None,
    }
}

/// Folds full-width digits/letters (U+FF10–FF19, U+FF21–FF3A, U+FF41–FF5A), the full-width
/// number punctuation `（）＋－．／：＃` and the ideographic space to ASCII, so validators see one
/// canonical form; borrows when nothing needs folding (the common case).
pub fn ascii_fold(s: &str) -> Cow<'_, str> {
    // Full-width forms are three UTF-8 bytes starting 0xEF (U+FF00..) or 0xE3 (U+3000): ASCII
    // and most other text has no such lead byte and is returned as it is without decoding.
    if !s.bytes().any(|b| b == 0xEF || b == 0xE3) || !s.chars().any(|c| fold_char(c).is_some()) {
        return Cow::Borrowed(s);
    }
    Cow::Owned(s.chars().map(|c| fold_char(c).unwrap_or(c)).collect())
}

/// True when every byte is an ASCII digit and the slice is non-empty; the building block of
/// every numeric shape check.
pub(crate) fn all_digits(b: &[u8]) -> bool {
    !b.is_empty() && b.iter().all(u8::is_ascii_digit)
}

/// Parses a short run of ASCII digits (at most 9, so it cannot overflow) into a number.
pub(crate) fn digits_value(b: &[u8]) -> Option<u32> {
    if !all_digits(b) || b.len() > 9 {
        return None;
    }
    Some(
        b.iter()
            .fold(0u32, |acc, &d| acc * 10 + u32::from(d - b'0')),
    )
}

/// True for a Gregorian leap year.
pub(crate) fn is_leap(y: u16) -> bool {
    (y.is_multiple_of(4) && !y.is_multiple_of(100)) || y.is_multiple_of(400)
}

/// Number of days in month `m` (1–12) of year `y`; 0 for an impossible month.
pub(crate) fn days_in_month(y: u16, m: u8) -> u8 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap(y) => 29,
        2 => 28,
        _ => 0,
    }
}

/// True when (y, m, d) is a real calendar date (proleptic Gregorian).
pub(crate) fn valid_ymd(y: u16, m: u8, d: u8) -> bool {
    d >= 1 && d <= days_in_month(y, m)
}

/// The entries of a bundled word list: one per line, blank lines and `#` comments skipped.
pub(crate) fn word_list(raw: &'static str) -> impl Iterator<Item = &'static str> {
    raw.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn folds_full_width() {
        assert_eq!(ascii_fold("１３８１２３４５６７８"), "13812345678");
        assert_eq!(ascii_fold("ＧＢ８２ｗｅｓｔ"), "GB82west");
        assert_eq!(ascii_fold("（０５３１）８４７８９８６２"), "(0531)84789862");
        assert_eq!(ascii_fold("＋８６　１３８"), "+86 138");
    }

    #[test]
    fn borrows_plain_ascii_and_other_text() {
        assert!(matches!(ascii_fold("13812345678"), Cow::Borrowed(_)));
        assert!(matches!(ascii_fold("南字第123号"), Cow::Borrowed(_)));
        assert!(matches!(ascii_fold(""), Cow::Borrowed(_)));
        assert_eq!(ascii_fold("京A·12345"), "京A·12345");
    }

    #[test]
    fn calendar_helpers() {
        assert!(valid_ymd(2000, 2, 29));
        assert!(valid_ymd(2024, 2, 29));
        assert!(!valid_ymd(1900, 2, 29));
        assert!(!valid_ymd(2023, 2, 29));
        assert!(!valid_ymd(2023, 4, 31));
        assert!(!valid_ymd(2023, 13, 1));
        assert!(!valid_ymd(2023, 0, 1));
        assert!(!valid_ymd(2023, 1, 0));
        assert_eq!(digits_value(b"0531"), Some(531));
        assert_eq!(digits_value(b"12a"), None);
        assert_eq!(digits_value(b"1234567890"), None);
    }

    proptest! {
        #[test]
        fn fold_never_panics_and_keeps_char_count(s in any::<String>()) {
            let f = ascii_fold(&s);
            prop_assert_eq!(f.chars().count(), s.chars().count());
        }
    }
}
