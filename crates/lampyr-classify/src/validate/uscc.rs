//! Unified Social Credit Code (GB 32100-2015) and the organisation code it embeds
//! (GB 11714-1997): two independent checks make a USCC hit high-precision without context.

use super::normalize::ascii_fold;

/// The 31-character USCC alphabet (no I, O, Z, S, V); the index is the character value.
const ALPHABET: &[u8; 31] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";
/// USCC weights 3^(i-1) mod 31 for positions 1..=17.
const USCC_W: [u32; 17] = [
    1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
];
/// GB 11714 weights for the 8 body characters.
const ORG_W: [u32; 8] = [3, 7, 9, 10, 5, 8, 4, 2];

/// Value (0–30) of a USCC character, accepting lowercase.
fn uscc_value(b: u8) -> Option<u32> {
    let u = b.to_ascii_uppercase();
    ALPHABET.iter().position(|&c| c == u).map(|p| p as u32)
}

/// GB 32100 check character for the first 17 characters.
pub(crate) fn uscc_check(body: &[u8]) -> Option<u8> {
    if body.len() != 17 {
        return None;
    }
    let mut sum = 0u32;
    for (&b, &w) in body.iter().zip(USCC_W.iter()) {
        sum += uscc_value(b)? * w;
    }
    ALPHABET.get(((31 - sum % 31) % 31) as usize).copied()
}

/// GB 11714 check character (`0-9` or `X`) for an 8-character body (digits or letters A=10…Z=35).
pub(crate) fn org_check(body: &[u8]) -> Option<u8> {
    if body.len() != 8 {
        return None;
    }
    let mut sum = 0u32;
    for (&b, &w) in body.iter().zip(ORG_W.iter()) {
        let v = match b.to_ascii_uppercase() {
            d @ b'0'..=b'9' => u32::from(d - b'0'),
            l @ b'A'..=b'Z' => u32::from(l - b'A') + 10,
            _ => return None,
        };
        sum += v * w;
    }
    Some(match 11 - sum % 11 {
        10 => b'X',
        11 => b'0',
        // 1..=9
        c => b'0' + c as u8,
    })
}

/// Validates an 18-character Unified Social Credit Code: alphabet, 6-digit admin-division code
/// in positions 3–8, the GB 32100 mod-31 check and the embedded GB 11714 organisation-code check
/// (positions 1–2 may be letters, unlike python-stdnum).
pub fn cn_uscc(s: &str) -> bool {
    let folded = ascii_fold(s);
    let b = folded.trim().as_bytes();
    if b.len() != 18 {
        return false;
    }
    if !b[2..8].iter().all(u8::is_ascii_digit) {
        return false;
    }
    let Some(check) = uscc_check(&b[..17]) else {
        return false;
    };
    if check != b[17].to_ascii_uppercase() {
        return false;
    }
    org_code_parts(&b[8..16], b[16])
}

fn org_code_parts(body: &[u8], check: u8) -> bool {
    org_check(body).is_some_and(|c| c == check.to_ascii_uppercase())
}

/// Validates a 9-character organisation code (GB 11714: 8 digits/letters + check `0-9`/`X`),
/// also in its printed `XXXXXXXX-X` form, for legacy registrations and tax numbers.
pub fn cn_org_code(s: &str) -> bool {
    let folded = ascii_fold(s);
    let b = folded.trim().as_bytes();
    match b.len() {
        9 => org_code_parts(&b[..8], b[8]),
        10 if b[8] == b'-' => org_code_parts(&b[..8], b[9]),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Builds a valid USCC from a 2-char prefix, 6-digit area and 8-char org body.
    fn make(prefix: &str, area: &str, org_body: &str) -> String {
        let oc = org_check(org_body.as_bytes()).expect("org body") as char;
        let first17 = format!("{prefix}{area}{org_body}{oc}");
        let c = uscc_check(first17.as_bytes()).expect("alphabet") as char;
        format!("{first17}{c}")
    }

    #[test]
    fn valid_uscc() {
        assert!(cn_uscc("91350100M000100Y43"));
        assert!(cn_uscc("91110000600037341L"));
        assert!(cn_uscc("91110000600037341l"));
        assert!(cn_uscc("９１１１００００６０００３７３４１Ｌ"));
        // Letters in positions 1–2 (e.g. Y1 其他 registrations).
        let y = make("Y1", "440300", "MA5D1234");
        assert!(cn_uscc(&y), "{y}");
        let n = make("N2", "110105", "12345678");
        assert!(cn_uscc(&n), "{n}");
    }

    #[test]
    fn invalid_uscc() {
        // Check character off by one alphabet step.
        assert!(!cn_uscc("91350100M000100Y44"));
        assert!(!cn_uscc("91110000600037341M"));
        // Embedded org code broken but USCC check recomputed.
        let mut bad: Vec<u8> = b"91350100M000100Y5".to_vec();
        let c = uscc_check(&bad).expect("alphabet");
        bad.push(c);
        assert!(!cn_uscc(std::str::from_utf8(&bad).expect("ascii")));
        // Letters outside the alphabet, letters in the area code, wrong lengths.
        assert!(!cn_uscc("91350100M00010OY43"));
        assert!(!cn_uscc("9135A100M000100Y43"));
        assert!(!cn_uscc("91350100M000100Y4"));
        assert!(!cn_uscc("91350100M000100Y433"));
        assert!(!cn_uscc("110105194912310021"));
        assert!(!cn_uscc("1794058436868060446"));
        assert!(!cn_uscc(""));
        assert!(!cn_uscc("统一社会信用代码九一三五"));
    }

    #[test]
    fn org_codes() {
        assert!(cn_org_code("M000100Y4"));
        assert!(cn_org_code("600037341"));
        assert!(cn_org_code("60003734-1"));
        assert!(cn_org_code("m000100y4"));
        assert!(!cn_org_code("M000100Y5"));
        assert!(!cn_org_code("600037342"));
        assert!(!cn_org_code("60003734_1"));
        assert!(!cn_org_code("6000373"));
        assert!(!cn_org_code("60003734*1"));
        assert!(!cn_org_code(""));
    }

    proptest! {
        #[test]
        fn never_panics(s in any::<String>()) {
            let _ = cn_uscc(&s);
            let _ = cn_org_code(&s);
        }

        #[test]
        fn never_panics_alphabet(s in "[0-9A-Za-z-]{0,20}") {
            let _ = cn_uscc(&s);
            let _ = cn_org_code(&s);
        }

        #[test]
        fn single_char_change_fails(
            prefix in "[0-9A-HJ-NPQRTUWXY]{2}",
            area in "[0-9]{6}",
            org in "[0-9A-HJ-NPQRTUWXY]{8}",
            pos in 0usize..18,
            delta in 1usize..31,
        ) {
            let code = make(&prefix, &area, &org);
            prop_assert!(cn_uscc(&code), "{}", code);
            let mut b = code.into_bytes();
            let cur = ALPHABET.iter().position(|&c| c == b[pos]).unwrap_or(0);
            b[pos] = ALPHABET[(cur + delta) % 31];
            let changed = String::from_utf8(b).map_err(|_| TestCaseError::fail("utf8"))?;
            prop_assert!(!cn_uscc(&changed), "{}", changed);
        }
    }
}
