//! Phone numbers outside mainland China: international form (`+44 7956 342363`, `0044 …`) checked
//! against the ITU country calling codes and a per-country national-number length, and the two
//! national forms common enough to accept without a `+`: NANP (`(212) 682-4280`) and UK mobile
//! (`07956 342363`). `+86` numbers are left to the mainland validators.

use std::ops::Range;

/// What kind of phone number matched.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct PhoneInfo {
    /// Written with `+` or `00`; false for NANP / UK national forms.
    pub international: bool,
    /// ITU country calling code (1 for NANP, 44 for UK national forms).
    pub country_code: u16,
    /// Digits in the national significant number.
    pub national_len: u8,
}

/// Country calling codes with the national significant number length range (min, max).
/// Codes without a known range use (6, 12).
const CODES: &[(u16, u8, u8)] = &[
    (1, 10, 10),
    (7, 10, 10),
    (20, 8, 10),
    (27, 9, 9),
    (30, 10, 10),
    (31, 9, 9),
    (32, 8, 9),
    (33, 9, 9),
    (34, 9, 9),
    (36, 8, 9),
    (39, 6, 11),
    (40, 9, 9),
    (41, 9, 9),
    (43, 4, 13),
    (44, 9, 10),
    (45, 8, 8),
    (46, 7, 10),
    (47, 8, 8),
    (48, 9, 9),
    (49, 6, 13),
    (51, 8, 9),
    (52, 10, 10),
    (53, 6, 8),
    (54, 10, 11),
    (55, 10, 11),
    (56, 9, 9),
    (57, 8, 10),
    (58, 10, 10),
    (60, 8, 10),
    (61, 9, 9),
    (62, 8, 12),
    (63, 8, 10),
    (64, 8, 10),
    (65, 8, 8),
    (66, 8, 9),
    (81, 9, 10),
    (82, 8, 10),
    (84, 9, 10),
    (86, 0, 0), // mainland China: handled by cn_mobile / cn_landline
    (90, 10, 10),
    (91, 10, 10),
    (92, 9, 10),
    (93, 9, 9),
    (94, 9, 9),
    (95, 7, 10),
    (98, 10, 10),
    (852, 8, 8),
    (853, 8, 8),
    (855, 8, 9),
    (856, 8, 10),
    (880, 10, 10),
    (886, 8, 9),
    (966, 9, 9),
    (971, 8, 9),
    (972, 8, 9),
    (974, 8, 8),
    (353, 7, 9),
    (351, 9, 9),
    (358, 5, 12),
    (380, 9, 9),
    (420, 9, 9),
    (421, 9, 9),
];

/// Other assigned 3-digit codes (default length range).
const CODES3: &[u16] = &[
    211, 212, 213, 216, 218, 220, 221, 222, 223, 224, 225, 226, 227, 228, 229, 230, 231, 232, 233,
    234, 235, 236, 237, 238, 239, 240, 241, 242, 243, 244, 245, 246, 247, 248, 249, 250, 251, 252,
    253, 254, 255, 256, 257, 258, 260, 261, 262, 263, 264, 265, 266, 267, 268, 269, 290, 291, 297,
    298, 299, 350, 352, 354, 355, 356, 357, 359, 370, 371, 372, 373, 374, 375, 376, 377, 378, 381,
    382, 383, 385, 386, 387, 389, 423, 500, 501, 502, 503, 504, 505, 506, 507, 508, 509, 590, 591,
    592, 593, 594, 595, 596, 597, 598, 599, 670, 672, 673, 674, 675, 676, 677, 678, 679, 680, 681,
    682, 683, 685, 686, 687, 688, 689, 690, 691, 692, 800, 808, 850, 870, 878, 881, 882, 883, 888,
    960, 961, 962, 963, 964, 965, 967, 968, 970, 973, 975, 976, 977, 979, 992, 993, 994, 995, 996,
    998,
];

/// Length range for a country calling code, or `None` when the code is not assigned.
fn code_range(cc: u16) -> Option<(u8, u8)> {
    if let Some(&(_, lo, hi)) = CODES.iter().find(|e| e.0 == cc) {
        return Some((lo, hi));
    }
    CODES3.contains(&cc).then_some((6, 12))
}

/// Splits a digit string into (country code, national number) using the prefix-free code table.
fn split_cc(d: &[u8]) -> Option<(u16, &[u8])> {
    for len in 1..=3 {
        if d.len() <= len {
            return None;
        }
        let cc = d[..len]
            .iter()
            .fold(0u16, |a, &b| a * 10 + u16::from(b - b'0'));
        if code_range(cc).is_some() {
            return Some((cc, &d[len..]));
        }
    }
    None
}

/// NANP: area code and exchange start with 2–9; N11 area codes are service codes.
fn nanp_ok(nsn: &[u8]) -> bool {
    nsn.len() == 10
        && (b'2'..=b'9').contains(&nsn[0])
        && !(nsn[1] == b'1' && nsn[2] == b'1')
        && (b'2'..=b'9').contains(&nsn[3])
        && !(nsn[4] == b'1' && nsn[5] == b'1')
}

/// Digits (at most 20) and the formatting checks of one candidate written with separators.
struct Parsed {
    digits: [u8; 20],
    len: usize,
    plus: bool,
    separators: bool,
}

impl Parsed {
    fn digits(&self) -> &[u8] {
        &self.digits[..self.len]
    }
}

/// Accepts digits with single separators (space, `-`, `.`, `/`), one pair of parentheses and an
/// optional leading `+`; the trunk `(0)` of `+44 (0)20 …` is dropped.
fn parse(s: &str) -> Option<Parsed> {
    let b = s.as_bytes();
    let mut p = Parsed {
        digits: [0; 20],
        len: 0,
        plus: false,
        separators: false,
    };
    let mut i = 0usize;
    if b.first() == Some(&b'+') {
        p.plus = true;
        i = 1;
        while b.get(i) == Some(&b' ') {
            i += 1;
        }
    }
    let mut open = false;
    let mut parens = 0;
    let mut prev_sep = true; // no separator right after `+`
    while i < b.len() {
        let c = b[i];
        match c {
            b'0'..=b'9' => {
                if p.len == 20 {
                    return None;
                }
                p.digits[p.len] = c;
                p.len += 1;
                prev_sep = false;
            }
            b' ' | b'-' | b'.' | b'/' => {
                if prev_sep && c != b' ' {
                    return None;
                }
                if p.len == 0 && !open {
                    return None;
                }
                p.separators = true;
                prev_sep = true;
            }
            b'(' => {
                if open || parens > 0 {
                    return None;
                }
                // `(0)` trunk prefix after a country code
                if p.plus && b.get(i + 1) == Some(&b'0') && b.get(i + 2) == Some(&b')') {
                    i += 3;
                    p.separators = true;
                    prev_sep = true;
                    continue;
                }
                open = true;
                parens += 1;
                p.separators = true;
                prev_sep = true;
            }
            b')' => {
                if !open {
                    return None;
                }
                open = false;
                prev_sep = true;
            }
            _ => return None,
        }
        i += 1;
    }
    if open || p.len == 0 || (prev_sep && b.last() != Some(&b')')) {
        return None;
    }
    Some(p)
}

/// Strips a trailing extension (`ext. 123`, `x123`, `#123`, `;ext=123`).
fn strip_extension(s: &str) -> &str {
    let lower_find = |pat: &str| {
        s.as_bytes()
            .windows(pat.len())
            .position(|w| w.eq_ignore_ascii_case(pat.as_bytes()))
    };
    for pat in [";ext=", " ext.", " ext", " x", "#"] {
        if let Some(i) = lower_find(pat) {
            let tail = s[i + pat.len()..].trim();
            if !tail.is_empty() && tail.len() <= 6 && tail.bytes().all(|b| b.is_ascii_digit()) {
                return s[..i].trim_end();
            }
        }
    }
    s
}

/// Validates a phone number outside mainland China (`+86` returns `None`).
pub fn intl_phone(s: &str) -> Option<PhoneInfo> {
    let s = s.trim();
    if s.len() < 7 || s.len() > 40 {
        return None;
    }
    let s = strip_extension(s);
    // `00` international prefix → `+`
    let (body, intl_00) = match s.strip_prefix("00").map(|r| r.trim_start_matches(' ')) {
        Some(rest)
            if rest
                .bytes()
                .next()
                .is_some_and(|b| b.is_ascii_digit() && b != b'0') =>
        {
            (rest, true)
        }
        _ => (s, false),
    };
    let p = parse(body)?;
    let d = p.digits();
    if p.plus || intl_00 {
        if p.plus && intl_00 {
            return None;
        }
        let (cc, nsn) = split_cc(d)?;
        if cc == 86 {
            return None;
        }
        let (lo, hi) = code_range(cc)?;
        let n = nsn.len();
        if n < usize::from(lo) || n > usize::from(hi) || d.len() > 15 {
            return None;
        }
        if nsn.first() == Some(&b'0') && cc != 39 {
            return None;
        }
        if cc == 1 && !nanp_ok(nsn) {
            return None;
        }
        if nsn.iter().all(|&x| x == nsn[0]) {
            return None;
        }
        return Some(PhoneInfo {
            international: true,
            country_code: cc,
            national_len: n as u8,
        });
    }
    // National forms.
    let n = d.len();
    // UK mobile: 07[1-57-9] + 8 digits, written `07xxx xxxxxx` or `07xxx xxx xxx`. A bare or
    // 4-7 grouped `07…` number is more likely a Chinese landline (area codes 0710-0799).
    if n == 11
        && d[0] == b'0'
        && d[1] == b'7'
        && matches!(d[2], b'1'..=b'5' | b'7'..=b'9')
        && matches!(digit_groups(body).as_slice(), [5, 6] | [5, 3, 3])
    {
        return Some(PhoneInfo {
            international: false,
            country_code: 44,
            national_len: 10,
        });
    }
    // NANP needs separators (a bare 10-digit number is more often an id than a phone).
    if !p.separators {
        return None;
    }
    let nsn = match n {
        10 => d,
        11 if d[0] == b'1' => &d[1..],
        _ => return None,
    };
    if !nanp_ok(nsn) || !nanp_grouping(body) {
        return None;
    }
    Some(PhoneInfo {
        international: false,
        country_code: 1,
        national_len: 10,
    })
}

/// Lengths of the runs of digits in `s` (at most 6 runs; more yields an empty list).
fn digit_groups(s: &str) -> Vec<usize> {
    let mut groups = Vec::with_capacity(6);
    let mut in_digits = false;
    for b in s.bytes() {
        if b.is_ascii_digit() {
            if !in_digits {
                if groups.len() == 6 {
                    return Vec::new();
                }
                groups.push(0);
                in_digits = true;
            }
            if let Some(last) = groups.last_mut() {
                *last += 1;
            }
        } else {
            in_digits = false;
        }
    }
    groups
}

/// NANP national numbers are grouped 3-3-4 (optionally after a `1`): `(212) 682-4280`,
/// `212.682.4280`, `1-212-682-4280`.
fn nanp_grouping(s: &str) -> bool {
    matches!(
        digit_groups(s).as_slice(),
        [3, 3, 4] | [1, 3, 3, 4] | [3, 7] | [1, 3, 7]
    )
}

/// Finds `+`-prefixed international numbers and NANP numbers inside free English text.
pub fn find_phones(text: &str) -> Vec<Range<usize>> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0usize;
    while i < b.len() {
        let c = b[i];
        let boundary = i == 0 || !(b[i - 1].is_ascii_alphanumeric() || b[i - 1] == b'+');
        let start_ok = boundary && (c == b'+' || c == b'(' || c.is_ascii_digit());
        if !start_ok {
            i += 1;
            continue;
        }
        // Extend over phone characters, at most 15 digits + formatting.
        let mut j = i;
        let mut digits = 0;
        while j < b.len() && j - i < 32 {
            let x = b[j];
            let ok = x.is_ascii_digit()
                || (j == i && x == b'+')
                || matches!(x, b' ' | b'-' | b'.' | b'(' | b')' | b'/');
            if !ok {
                break;
            }
            if x.is_ascii_digit() {
                digits += 1;
                if digits > 15 {
                    break;
                }
            }
            j += 1;
        }
        // Only digits may follow as a hard stop problem: `12345678901234567` is not a phone.
        if j < b.len() && b[j].is_ascii_digit() {
            i = j;
            while i < b.len() && b[i].is_ascii_digit() {
                i += 1;
            }
            continue;
        }
        let mut end = j;
        let mut found = None;
        // Back off trailing groups (`+44 7956 342363 2 times`) a few times.
        for _ in 0..4 {
            while end > i && matches!(b[end - 1], b' ' | b'-' | b'.' | b'(' | b'/') {
                end -= 1;
            }
            if end <= i {
                break;
            }
            let cand = &text[i..end];
            if let Some(info) = intl_phone(cand) {
                let after_ok = end == b.len() || !b[end].is_ascii_alphanumeric();
                if after_ok && (info.international || info.country_code == 1) {
                    found = Some(end);
                }
                break;
            }
            match cand.rfind([' ', '-', '.', '/']) {
                Some(k) if k > 0 => end = i + k,
                _ => break,
            }
        }
        match found {
            Some(e) => {
                out.push(i..e);
                i = e;
            }
            None => {
                i += 1;
                while i < b.len() && b[i].is_ascii_digit() {
                    i += 1;
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn international() {
        for (s, cc) in [
            ("+14046448761", 1),
            ("+33 6444 67190", 33),
            ("+44 7956 342363", 44),
            ("+1 (212) 682-4280", 1),
            ("+49 30 1234567", 49),
            ("0044 7956 342363", 44),
            ("00 44 7956 342363", 44),
            ("+44 (0)20 7946 0958", 44),
            ("+81 90-1234-5678", 81),
            ("+852 9123 4567", 852),
            ("+886 912 345 678", 886),
            ("+91 98765 43210", 91),
            ("+61 412 345 678", 61),
            ("+39 06 6982 1234", 39),
            ("+1 212 682 4280 ext. 12", 1),
        ] {
            let info = intl_phone(s).unwrap_or_else(|| panic!("{s}"));
            assert!(info.international, "{s}");
            assert_eq!(info.country_code, cc, "{s}");
        }
    }

    #[test]
    fn national() {
        for s in [
            "(212) 682-4280",
            "212-682-4280",
            "212.682.4280",
            "1-212-682-4280",
            "07956 342363",
            "07956 342 363",
        ] {
            let info = intl_phone(s).unwrap_or_else(|| panic!("{s}"));
            assert!(!info.international, "{s}");
        }
    }

    #[test]
    fn rejected() {
        for s in [
            "",
            "+86 138 0013 8000",
            "+8613800138000",
            "13800138000",
            "2126824280",
            "112-682-4280",
            "212-182-4280",
            "+1 112 682 4280",
            "+44 07956 342363",
            "+999 1234567",
            "+33 6444",
            "+49 30 12345678901234",
            "192.168.10.25",
            "2024-01-15",
            "1.2.3.4",
            "550e8400-e29b-41d4-a716-446655440000",
            "138****1234",
            "+1 212--682-4280",
            "1712345678901",
            "12:30",
            "0755-7665577",
            "07557665577",
            "0731 88888888",
            "+0000000000",
            "+44 1111 111111",
        ] {
            assert_eq!(intl_phone(s), None, "{s}");
        }
    }

    #[test]
    fn in_text() {
        let t = "Please call me back at +33 6444 67190 after 6pm.";
        let f: Vec<&str> = find_phones(t).into_iter().map(|r| &t[r]).collect();
        assert_eq!(f, vec!["+33 6444 67190"]);

        let t = "Office: (212) 682-4280, cell +44 7956 342363 2 times a day";
        let f: Vec<&str> = find_phones(t).into_iter().map(|r| &t[r]).collect();
        assert_eq!(f, vec!["(212) 682-4280", "+44 7956 342363"]);

        let t = "Order 20240115123456 shipped, version 1.2.3, +86 138 0013 8000";
        assert!(find_phones(t).is_empty());
    }

    proptest! {
        #[test]
        fn never_panics(s in ".{0,120}") {
            let _ = intl_phone(&s);
            for r in find_phones(&s) {
                prop_assert!(s.is_char_boundary(r.start) && s.is_char_boundary(r.end));
            }
        }

        #[test]
        fn never_panics_digits(s in "[+0-9 ().x#-]{0,40}") {
            let _ = intl_phone(&s);
            let _ = find_phones(&s);
        }
    }
}
