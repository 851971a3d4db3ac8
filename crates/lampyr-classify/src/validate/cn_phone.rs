//! Mainland China phone numbers: 11-digit mobiles (MIIT 13x–19x segments) and fixed lines with
//! a real area code, in the written forms that appear in API payloads.

use super::normalize::{all_digits, ascii_fold, digits_value};

/// Extra facts about a valid mainland mobile number for scoring.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MobileInfo {
    /// True when the 3-digit prefix is a currently assigned MIIT public mobile segment (the
    /// research note's strict regex); false for the lenient `1[3-9]\d{9}` shape only.
    pub strict_segment: bool,
}

/// Extra facts about a valid mainland landline for scoring.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LandlineInfo {
    /// True when the area code is in the embedded table of real Chinese area codes.
    pub area_known: bool,
}

/// Strips a `+86` / `0086` / `86` country prefix (plus one optional `-`/space after it);
/// returns the rest and whether a prefix was found.
fn strip_country(s: &str) -> (&str, bool) {
    let rest = if let Some(r) = s.strip_prefix("+86") {
        r
    } else if let Some(r) = s.strip_prefix("0086") {
        r
    } else {
        return (s, false);
    };
    let rest = rest.strip_prefix([' ', '-']).unwrap_or(rest);
    (rest, true)
}

/// Splits `s` into digit groups separated by one consistent separator (`sep`), returning the
/// concatenated digits (up to `N`) and the group lengths (up to 4 groups).
fn digit_groups<const N: usize>(
    s: &str,
    seps: &[u8],
) -> Option<([u8; N], usize, [usize; 4], usize)> {
    let mut digits = [0u8; N];
    let mut nd = 0usize;
    let mut groups = [0usize; 4];
    let mut ng = 0usize;
    let mut cur = 0usize;
    let mut sep_seen: Option<u8> = None;
    for &b in s.as_bytes() {
        if b.is_ascii_digit() {
            if nd >= N {
                return None;
            }
            digits[nd] = b;
            nd += 1;
            cur += 1;
        } else if seps.contains(&b) {
            if cur == 0 || ng >= 3 {
                return None;
            }
            match sep_seen {
                Some(p) if p != b => return None,
                _ => sep_seen = Some(b),
            }
            groups[ng] = cur;
            ng += 1;
            cur = 0;
        } else {
            return None;
        }
    }
    if cur == 0 {
        return None;
    }
    groups[ng] = cur;
    ng += 1;
    Some((digits, nd, groups, ng))
}

/// MIIT public mobile segments: `1(3\d|4[014-9]|5[0-35-9]|6[25-7]|7[0-8]|8\d|9[0-35-9])`.
fn strict_mobile_segment(d2: u8, d3: u8) -> bool {
    match d2 {
        b'3' | b'8' => true,
        b'4' => matches!(d3, b'0' | b'1' | b'4'..=b'9'),
        b'5' => matches!(d3, b'0'..=b'3' | b'5'..=b'9'),
        b'6' => matches!(d3, b'2' | b'5'..=b'7'),
        b'7' => matches!(d3, b'0'..=b'8'),
        b'9' => matches!(d3, b'0'..=b'3' | b'5'..=b'9'),
        _ => false,
    }
}

/// Validates a mainland mobile number (11 digits `1[3-9]…`, optional `+86`/`0086`/`86`
/// prefix, optional 3-4-4 or 3-8 grouping with one consistent space/hyphen), rejecting masked
/// values and `11x`/`12x` prefixes so order numbers and masked data do not count as phones.
pub fn cn_mobile(s: &str) -> Option<MobileInfo> {
    let folded = ascii_fold(s);
    let t = folded.trim();
    let (rest, _) = strip_country(t);
    let (digits, nd, groups, ng) = digit_groups::<13>(rest, b" -")?;
    let num: &[u8] = match nd {
        11 => &digits[..11],
        // Bare `86` + 11 digits, only when written without separators.
        13 if ng == 1 && rest.len() == t.len() && digits.starts_with(b"861") => &digits[2..13],
        _ => return None,
    };
    match ng {
        1 => {}
        2 if groups[..2] == [3, 8] => {}
        3 if groups[..3] == [3, 4, 4] => {}
        _ => return None,
    }
    if num[0] != b'1' || !(b'3'..=b'9').contains(&num[1]) {
        return None;
    }
    Some(MobileInfo {
        strict_segment: strict_mobile_segment(num[1], num[2]),
    })
}

/// Real 3-digit area codes (without the trunk `0`) for 03xx–09xx, sorted for binary search.
/// Includes a few retired codes (巢湖 565, 湘潭 732, 株洲 733, 莱芜 634, 儋州 890, 三亚 899) that
/// still appear in older records.
static AREA3: &[u16] = &[
    // 河北
    310, 311, 312, 313, 314, 315, 316, 317, 318, 319, 335, // 山西
    349, 350, 351, 352, 353, 354, 355, 356, 357, 358, 359, // 河南
    370, 371, 372, 373, 374, 375, 376, 377, 378, 379, 391, 392, 393, 394, 395, 396, 398,
    // 辽宁
    410, 411, 412, 413, 414, 415, 416, 417, 418, 419, 421, 427, 429, // 吉林
    431, 432, 433, 434, 435, 436, 437, 438, 439, // 黑龙江
    451, 452, 453, 454, 455, 456, 457, 458, 459, 464, 467, 468, 469, // 内蒙古
    470, 471, 472, 473, 474, 475, 476, 477, 478, 479, 482, 483, // 江苏
    510, 511, 512, 513, 514, 515, 516, 517, 518, 519, 523, 527, // 山东 (part)
    530, 531, 532, 533, 534, 535, 536, 537, 538, 539, 543, 546, // 安徽
    550, 551, 552, 553, 554, 555, 556, 557, 558, 559, 561, 562, 563, 564, 565, 566,
    // 浙江
    570, 571, 572, 573, 574, 575, 576, 577, 578, 579, 580, // 福建
    591, 592, 593, 594, 595, 596, 597, 598, 599, // 山东 (63x)
    631, 632, 633, 634, 635, // 广东 (66x)
    660, 662, 663, 668, // 云南 (69x)
    691, 692, // 江西 鹰潭
    701, // 湖北
    710, 711, 712, 713, 714, 715, 716, 717, 718, 719, 722, 724, 728, // 湖南
    730, 731, 732, 733, 734, 735, 736, 737, 738, 739, 743, 744, 745, 746, // 广东
    750, 751, 752, 753, 754, 755, 756, 757, 758, 759, 760, 762, 763, 766, 768, 769,
    // 广西
    770, 771, 772, 773, 774, 775, 776, 777, 778, 779, // 江西
    790, 791, 792, 793, 794, 795, 796, 797, 798, 799, // 四川
    812, 813, 816, 817, 818, 825, 826, 827, 830, 831, 832, 833, 834, 835, 836, 837, 838, 839,
    // 贵州
    851, 852, 853, 854, 855, 856, 857, 858, 859, // 云南
    870, 871, 872, 873, 874, 875, 876, 877, 878, 879, 883, 886, 887, 888, // 海南
    890, // 西藏
    891, 892, 893, 894, 895, 896, 897, // 海南
    898, 899, // 新疆 (90x)
    901, 902, 903, 906, 908, 909, // 陕西
    910, 911, 912, 913, 914, 915, 916, 917, 919, // 甘肃
    930, 931, 932, 933, 934, 935, 936, 937, 938, 939, 941, 943, // 宁夏
    951, 952, 953, 954, 955, // 青海
    970, 971, 972, 973, 974, 975, 976, 977, 979, // 新疆
    990, 991, 992, 993, 994, 995, 996, 997, 998, 999,
];

/// Consumes the area code in one of `0AA`/`0AAA`, `(0AA)`, `+86 AA`, `0086-AAA`, returning the
/// rest (separator stripped), the area code digits (without trunk 0) and whether it is known.
fn take_area(t: &str) -> Option<(&str, u16, bool)> {
    let (rest, intl) = strip_country(t);
    let (rest, paren) = match rest.strip_prefix('(') {
        Some(r) => (r, true),
        None => (rest, false),
    };
    let rest = if intl {
        // `+86 (0)10 …` and `+86-010-…` both occur; the trunk 0 is optional after +86.
        let r = rest.strip_prefix("(0)").unwrap_or(rest);
        r.strip_prefix('0').unwrap_or(r)
    } else {
        rest.strip_prefix('0')?
    };
    let b = rest.as_bytes();
    let len = match b.first()? {
        b'1' => {
            if b.get(1) != Some(&b'0') {
                return None;
            }
            2
        }
        b'2' => 2,
        b'3'..=b'9' => 3,
        _ => return None,
    };
    let code_bytes = b.get(..len)?;
    let code = u16::try_from(digits_value(code_bytes)?).ok()?;
    let mut rest = &rest[len..];
    if paren {
        rest = rest.strip_prefix(')')?;
    }
    // One optional separator between the area code and the subscriber number.
    let rest = rest.strip_prefix([' ', '-']).unwrap_or(rest);
    let known = match len {
        2 => code == 10 || (20..=29).contains(&code) && code != 26,
        _ => AREA3.binary_search(&code).is_ok(),
    };
    Some((rest, code, known))
}

/// Validates a mainland fixed-line number with a mandatory area code (`010-62345678`,
/// `(0531)84789862`, `021 5725 8057`, `+86-10-62345678`, optional `-123`/`转123`/`#123`
/// extension); subscriber 7–8 digits starting 2–8; service numbers and bare numbers are None.
pub fn cn_landline(s: &str) -> Option<LandlineInfo> {
    let folded = ascii_fold(s);
    let t = folded.trim();
    let (rest, _code, known) = take_area(t)?;
    // Split off an extension introduced by 转 / # / ext / x (a `-` extension is handled below).
    let (main, ext) = match rest.find(['#', 'x', 'X']).or_else(|| rest.find('转')) {
        Some(i) => {
            let (m, e) = rest.split_at(i);
            let e = e
                .strip_prefix('转')
                .or_else(|| e.strip_prefix('#'))
                .or_else(|| e.strip_prefix(['x', 'X']))?;
            (m.trim_end(), Some(e.trim_start()))
        }
        None => (rest, None),
    };
    if let Some(e) = ext {
        if !all_digits(e.as_bytes()) || e.len() > 6 {
            return None;
        }
    }
    let (digits, nd, groups, ng) = digit_groups::<16>(main, b" -")?;
    let sub_len = match ng {
        1 => groups[0],
        // Either a split subscriber (`5725 8057`, `572-8057`) or subscriber + `-ext`.
        2 => {
            if (7..=8).contains(&groups[0]) {
                if ext.is_some() || !main.contains('-') || groups[1] > 6 {
                    return None;
                }
                groups[0]
            } else if (3..=4).contains(&groups[0]) && (3..=4).contains(&groups[1]) {
                groups[0] + groups[1]
            } else {
                return None;
            }
        }
        // Split subscriber + `-ext`.
        3 => {
            if ext.is_some()
                || !main.contains('-')
                || !(3..=4).contains(&groups[0])
                || !(3..=4).contains(&groups[1])
                || groups[2] > 6
            {
                return None;
            }
            groups[0] + groups[1]
        }
        _ => return None,
    };
    if !(7..=8).contains(&sub_len) || nd < sub_len {
        return None;
    }
    if !(b'2'..=b'8').contains(&digits[0]) {
        return None;
    }
    Some(LandlineInfo { area_known: known })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn area_table_sorted_and_unique() {
        assert!(AREA3.windows(2).all(|w| w[0] < w[1]));
        assert!(AREA3.iter().all(|&c| (300..1000).contains(&c)));
        assert!(AREA3.len() > 250);
    }

    #[test]
    fn mobiles_valid() {
        for s in [
            "13812345678",
            "+86 138 1234 5678",
            "+8613812345678",
            "0086-138-1234-5678",
            "138-1234-5678",
            "138 1234 5678",
            "8613812345678",
            "+86-13812345678",
            "138 12345678",
            "１３８１２３４５６７８",
            " 19912345678 ",
        ] {
            assert_eq!(
                cn_mobile(s),
                Some(MobileInfo {
                    strict_segment: true
                }),
                "{s}"
            );
        }
        // Lenient-only segments.
        assert_eq!(
            cn_mobile("14212345678"),
            Some(MobileInfo {
                strict_segment: false
            })
        );
        assert_eq!(
            cn_mobile("19412345678").map(|m| m.strict_segment),
            Some(false)
        );
        assert_eq!(
            cn_mobile("16112345678").map(|m| m.strict_segment),
            Some(false)
        );
    }

    #[test]
    fn mobiles_invalid() {
        for s in [
            "11430742778",
            "12345678901",
            "10086",
            "138****1234",
            "1381234567",
            "138123456789",
            "1712345678901",
            "1794058436868060446",
            "138-1234 5678",
            "138--1234-5678",
            "1381-234-5678",
            "+86 0138 1234 5678",
            "23812345678",
            "86 13812345678 ",
            "",
            "手机13812345678",
            "6945602155380",
            "5.29.61",
        ] {
            assert_eq!(cn_mobile(s), None, "{s}");
        }
    }

    #[test]
    fn landlines_valid() {
        for s in [
            "010-62345678",
            "(0531)84789862",
            "0531-84789862",
            "021 5725 8057",
            "+86-10-62345678",
            "+86 10 62345678",
            "0086-531-84789862",
            "010-62345678-123",
            "010-62345678转123",
            "010-62345678#123",
            "(010) 6552 9988",
            "0755-2345678",
            "02157258057",
            "（０５３１）８４７８９８６２",
            "021-5725-8057",
        ] {
            assert_eq!(
                cn_landline(s),
                Some(LandlineInfo { area_known: true }),
                "{s}"
            );
        }
        // Structurally fine, unknown area code.
        assert_eq!(
            cn_landline("0400-2345678"),
            Some(LandlineInfo { area_known: false })
        );
        assert_eq!(
            cn_landline("026-23456789"),
            Some(LandlineInfo { area_known: false })
        );
    }

    #[test]
    fn landlines_invalid() {
        for s in [
            "400-123-4567",
            "800-820-8820",
            "4008208820",
            "12345678",
            "84789862",
            "010-12345678",
            "010-6234567890",
            "010-02345678",
            "010-92345678",
            "0110-2345678",
            "013812345678",
            "(0531-84789862",
            "0531)84789862",
            "010-62345678-1234567",
            "010-62345678转",
            "010-****5678",
            "00-12345678",
            "12:30:45",
            "",
            "0",
            "(",
            "+86",
        ] {
            assert_eq!(cn_landline(s), None, "{s}");
        }
    }

    proptest! {
        #[test]
        fn never_panics(s in any::<String>()) {
            let _ = cn_mobile(&s);
            let _ = cn_landline(&s);
        }

        #[test]
        fn never_panics_phone_alphabet(s in "[0-9 ()+#xX转-]{0,24}") {
            let _ = cn_mobile(&s);
            let _ = cn_landline(&s);
        }
    }
}
