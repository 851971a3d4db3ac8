//! PRC resident identity number (GB 11643-1999): 18-character form with the ISO 7064 MOD 11-2
//! check character, the legacy 15-digit form, HK/MO/TW residence permits (810000/820000/830000)
//! and the 2023 foreign permanent-resident ID (leading `9`), which share the same layout.

use super::normalize::{all_digits, ascii_fold, digits_value, valid_ymd};

/// Facts derived from a valid resident ID; the scorer uses them as secondary signals (age for
/// PIPL art. 28 minors, province whitelist, sex).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CnId {
    /// Birth date (year, month, day) encoded in the number.
    pub birth: (u16, u8, u8),
    /// True for the pre-1999 15-digit form, which has no check digit (weak on its own).
    pub legacy15: bool,
    /// True when the province code is on the GB/T 2260 whitelist (or 81/82/83 permits, 71).
    pub province_known: bool,
    /// Sex from the parity of the sequence number (odd = male).
    pub male: bool,
}

/// Weights 2^(18-i) mod 11 for positions 1..=17.
const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
/// Check character indexed by (weighted sum mod 11).
const CHECK: &[u8; 11] = b"10X98765432";

/// Computes the GB 11643 check character (`0-9` or `X`) for the first 17 digits.
pub(crate) fn gb11643_check(body: &[u8]) -> Option<u8> {
    if body.len() != 17 || !all_digits(body) {
        return None;
    }
    let sum: u32 = body
        .iter()
        .zip(WEIGHTS.iter())
        .map(|(&b, &w)| u32::from(b - b'0') * w)
        .sum();
    CHECK.get((sum % 11) as usize).copied()
}

/// Province (first two digits) whitelist: GB/T 2260 provinces plus 71 Taiwan and the 81/82/83
/// HK/MO/TW residence-permit prefixes.
fn province_known(p: u32) -> bool {
    matches!(p, 11..=15 | 21..=23 | 31..=37 | 41..=46 | 50..=54 | 61..=65 | 71 | 81..=83)
}

/// Birth year must be neither in the future nor more than 120 years ago.
fn year_plausible(y: u16, this_year: u16) -> bool {
    y <= this_year && this_year - y <= 120
}

/// Validates a PRC resident ID number (18 characters with check `X`/`x`, or 15 legacy digits)
/// and extracts birth date, sex and a province signal; None when any hard check fails (check
/// character, calendar date, future or >120-year-old birth, leading 0).
pub fn cn_resident_id(s: &str, this_year: u16) -> Option<CnId> {
    let folded = ascii_fold(s);
    let b = folded.trim().as_bytes();
    match b.len() {
        18 => id18(b, this_year),
        15 => id15(b, this_year),
        _ => None,
    }
}

fn id18(b: &[u8], this_year: u16) -> Option<CnId> {
    let body = b.get(..17)?;
    if !all_digits(body) || body[0] == b'0' {
        return None;
    }
    let last = b.get(17)?.to_ascii_uppercase();
    if gb11643_check(body)? != last {
        return None;
    }
    let y = u16::try_from(digits_value(&body[6..10])?).ok()?;
    let m = u8::try_from(digits_value(&body[10..12])?).ok()?;
    let d = u8::try_from(digits_value(&body[12..14])?).ok()?;
    if !valid_ymd(y, m, d) || !year_plausible(y, this_year) {
        return None;
    }
    // The foreign permanent-resident form (2023) starts with 9 and carries the issuing
    // province in positions 2–3; everything else carries it in positions 1–2.
    let prov = if body[0] == b'9' {
        digits_value(&body[1..3])?
    } else {
        digits_value(&body[0..2])?
    };
    let seq = digits_value(&body[14..17])?;
    Some(CnId {
        birth: (y, m, d),
        legacy15: false,
        province_known: province_known(prov),
        male: seq % 2 == 1,
    })
}

fn id15(b: &[u8], this_year: u16) -> Option<CnId> {
    if !all_digits(b) || b[0] == b'0' {
        return None;
    }
    let y = 1900 + u16::try_from(digits_value(&b[6..8])?).ok()?;
    let m = u8::try_from(digits_value(&b[8..10])?).ok()?;
    let d = u8::try_from(digits_value(&b[10..12])?).ok()?;
    if !valid_ymd(y, m, d) || !year_plausible(y, this_year) {
        return None;
    }
    let seq = digits_value(&b[12..15])?;
    Some(CnId {
        birth: (y, m, d),
        legacy15: true,
        province_known: province_known(digits_value(&b[0..2])?),
        male: seq % 2 == 1,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const YEAR: u16 = 2026;

    /// Builds a valid 18-character ID from a 17-digit body.
    fn with_check(body: &str) -> String {
        let c = gb11643_check(body.as_bytes()).expect("17 digits");
        format!("{body}{}", c as char)
    }

    #[test]
    fn valid_ids() {
        let id = cn_resident_id("11010519491231002X", YEAR).expect("reference vector");
        assert_eq!(id.birth, (1949, 12, 31));
        assert!(!id.legacy15 && id.province_known && !id.male);
        assert!(cn_resident_id("11010519491231002x", YEAR).is_some());
        let v = with_check("44030420000229123");
        let id = cn_resident_id(&v, YEAR).expect("leap day 2000");
        assert_eq!(id.birth, (2000, 2, 29));
        assert!(id.male);
        // HK residence permit.
        let hk = with_check("81000019900101001");
        assert!(cn_resident_id(&hk, YEAR).is_some_and(|i| i.province_known));
        // Foreign permanent resident (9 + province 11 + nationality 156).
        let fr = with_check("91115619850615003");
        assert!(cn_resident_id(&fr, YEAR).is_some_and(|i| i.province_known));
        // Unknown province code is only a signal.
        let odd = with_check("99999919850615003");
        assert!(cn_resident_id(&odd, YEAR).is_some_and(|i| !i.province_known));
        // Full-width digits.
        assert!(cn_resident_id("１１０１０５１９４９１２３１００２Ｘ", YEAR).is_some());
        // Legacy 15-digit form.
        let l = cn_resident_id("110105491231002", YEAR).expect("legacy");
        assert_eq!(l.birth, (1949, 12, 31));
        assert!(l.legacy15 && !l.male);
        // Born this year is allowed.
        assert!(cn_resident_id(&with_check("11010520260101001"), YEAR).is_some());
    }

    #[test]
    fn invalid_ids() {
        // Bad check character.
        assert!(cn_resident_id("110105194912310021", YEAR).is_none());
        assert!(cn_resident_id("110105194912310029", YEAR).is_none());
        // Random 18-digit number (snowflake-like): bad date/check.
        assert!(cn_resident_id("179405843686806044", YEAR).is_none());
        // Feb 29 in a non-leap year, even with a correct check character.
        assert!(cn_resident_id(&with_check("44030419000229123"), YEAR).is_none());
        assert!(cn_resident_id(&with_check("44030420230229123"), YEAR).is_none());
        // Month 13, day 32.
        assert!(cn_resident_id(&with_check("44030419901301123"), YEAR).is_none());
        assert!(cn_resident_id(&with_check("44030419900132123"), YEAR).is_none());
        // Future and > 120 years ago.
        assert!(cn_resident_id(&with_check("44030420270101123"), YEAR).is_none());
        assert!(cn_resident_id(&with_check("44030418990101123"), YEAR).is_none());
        // Leading zero.
        assert!(cn_resident_id(&with_check("04030419900101123"), YEAR).is_none());
        // Masked, separators, wrong length, junk.
        assert!(cn_resident_id("110108********7222", YEAR).is_none());
        assert!(cn_resident_id("110105 19491231 002X", YEAR).is_none());
        assert!(cn_resident_id("11010519491231002", YEAR).is_none());
        assert!(cn_resident_id("1794058436868060446", YEAR).is_none());
        assert!(cn_resident_id("", YEAR).is_none());
        assert!(cn_resident_id("一二三四五六", YEAR).is_none());
        assert!(cn_resident_id("11010519491231002Y", YEAR).is_none());
        // Legacy with an impossible date.
        assert!(cn_resident_id("110105491331002", YEAR).is_none());
        // Degenerate this_year does not panic.
        assert!(cn_resident_id("11010519491231002X", 0).is_none());
    }

    proptest! {
        #[test]
        fn never_panics(s in any::<String>(), y in any::<u16>()) {
            let _ = cn_resident_id(&s, y);
        }

        #[test]
        fn never_panics_near_miss(s in "[0-9Xx１]{14,19}", y in any::<u16>()) {
            let _ = cn_resident_id(&s, y);
        }

        #[test]
        fn single_digit_change_fails(
            area in 110000u32..660000,
            y in 1910u16..2026,
            m in 1u8..=12,
            d in 1u8..=28,
            seq in 0u16..1000,
            pos in 0usize..18,
            delta in 1u8..10,
        ) {
            let body = format!("{area:06}{y:04}{m:02}{d:02}{seq:03}");
            let id = with_check(&body);
            prop_assert!(cn_resident_id(&id, YEAR).is_some());
            let mut b = id.into_bytes();
            if pos == 17 {
                // Replace the check character with any other valid check character.
                let cur = CHECK.iter().position(|&c| c == b[17]).unwrap_or(0);
                b[17] = CHECK[(cur + usize::from(delta)) % 11];
            } else {
                b[pos] = b'0' + (b[pos] - b'0' + delta) % 10;
            }
            let changed = String::from_utf8(b).map_err(|_| TestCaseError::fail("utf8"))?;
            prop_assert!(cn_resident_id(&changed, YEAR).is_none());
        }
    }
}
