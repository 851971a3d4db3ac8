//! Shapes of Chinese travel/identity documents and vehicle plates. None of these carries a
//! checksum, so every function here is a shape check: the caller gates on field-name context.

use super::normalize::ascii_fold;

/// Letters used in serials that avoid I and O (GA 36 plates, new PRC passports).
fn letter_no_io(b: u8) -> bool {
    b.is_ascii_uppercase() && b != b'I' && b != b'O'
}

/// True when every byte is an ASCII digit (empty is true; callers check lengths).
fn digits(b: &[u8]) -> bool {
    b.iter().all(u8::is_ascii_digit)
}

/// Folds full-width forms and upper-cases ASCII letters into `buf` (documents are printed in
/// upper case; people type them in either); None when the input is longer than the buffer.
fn upper_into<'a>(s: &str, buf: &'a mut [u8; 16]) -> Option<&'a [u8]> {
    let folded = ascii_fold(s);
    let b = folded.trim().as_bytes();
    let out = buf.get_mut(..b.len())?;
    for (o, &c) in out.iter_mut().zip(b) {
        *o = c.to_ascii_uppercase();
    }
    Some(out)
}

/// PRC passport number shapes: `[EGDSPKH]` + 8 digits, `E` + letter (no I/O) + 7 digits, or
/// `DE/SE/PE/KJ/MA` + 7 digits; only a shape, so field-name context must gate it.
pub fn cn_passport(s: &str) -> bool {
    let mut buf = [0u8; 16];
    let Some(b) = upper_into(s, &mut buf) else {
        return false;
    };
    match b {
        [p, rest @ ..] if rest.len() == 8 && b"EGDSPKH".contains(p) && digits(rest) => true,
        [b'E', l, rest @ ..] if rest.len() == 7 && letter_no_io(*l) && digits(rest) => true,
        [a, c, rest @ ..] if rest.len() == 7 && digits(rest) => {
            matches!(
                [*a, *c],
                [b'D', b'E'] | [b'S', b'E'] | [b'P', b'E'] | [b'K', b'J'] | [b'M', b'A']
            )
        }
        _ => false,
    }
}

/// Hong Kong/Macau permits: mainland exit-entry permit `C` + 8 characters (the first of which
/// may be a letter, no I/O) and the home-return permit `H`/`M` + 8 or 10 digits; shape only.
pub fn cn_hk_macau_permit(s: &str) -> bool {
    let mut buf = [0u8; 16];
    let Some(b) = upper_into(s, &mut buf) else {
        return false;
    };
    match b {
        [b'C', second, rest @ ..] if rest.len() == 7 => {
            (second.is_ascii_digit() || letter_no_io(*second)) && digits(rest)
        }
        [b'H' | b'M', rest @ ..] if rest.len() == 8 || rest.len() == 10 => digits(rest),
        _ => false,
    }
}

/// Taiwan permits: mainland travel permit `L` + 8 digits, Taiwan compatriot permit of 8 digits,
/// or the legacy 10-digit number optionally followed by a bracketed issue code such as `(B)`;
/// shape only (8 digits alone is hopelessly ambiguous without context).
pub fn cn_taiwan_permit(s: &str) -> bool {
    let mut buf = [0u8; 16];
    let Some(b) = upper_into(s, &mut buf) else {
        return false;
    };
    let b = match b {
        [head @ .., b'(', x, b')'] if x.is_ascii_alphanumeric() => head,
        [head @ .., b'(', x, y, b')'] if x.is_ascii_alphanumeric() && y.is_ascii_alphanumeric() => {
            head
        }
        _ => b,
    };
    match b {
        [b'L', rest @ ..] => rest.len() == 8 && digits(rest),
        _ => (b.len() == 8 || b.len() == 10) && digits(b),
    }
}

/// CJK Unified Ideographs (basic block plus extension A).
fn is_han(c: char) -> bool {
    matches!(c, '\u{4E00}'..='\u{9FFF}' | '\u{3400}'..='\u{4DBF}')
}

/// Military officer/soldier certificate: one Han issuing-unit character (南, 北, 沈, 兰, 成, 济,
/// 广, 海, 空, 参, 政, 后, 装, 武, 警, 军…; any Han character is accepted) + `字第` + 4–8
/// letters/digits + optional `号`; shape only.
pub fn cn_military_id(s: &str) -> bool {
    let folded = ascii_fold(s);
    let t = folded.trim();
    let mut chars = t.chars();
    let Some(unit) = chars.next() else {
        return false;
    };
    if !is_han(unit) || unit == '字' {
        return false;
    }
    let rest = chars.as_str();
    let Some(rest) = rest.strip_prefix("字第") else {
        return false;
    };
    let body = rest.strip_suffix('号').unwrap_or(rest);
    (4..=8).contains(&body.len())
        && body.bytes().all(|b| b.is_ascii_alphanumeric())
        && body.bytes().any(|b| b.is_ascii_digit())
}

/// Kind of licence plate, for grading (special plates identify institutions rather than
/// private owners).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlateKind {
    /// Ordinary 7-character plate (including trailer 挂 and learner 学 suffixes).
    Ordinary,
    /// 8-character new-energy plate (D/F).
    NewEnergy,
    /// Police, HK/Macau, consular, embassy and armed-police plates.
    Special,
}

/// Province abbreviations allowed as the first plate character (GA 36-2018).
const PROVINCES: &str = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼";

/// Plate serial character: digit or uppercase letter other than I/O.
fn serial_char(c: char) -> bool {
    c.is_ascii_digit() || (c.is_ascii() && letter_no_io(c as u8))
}

/// Classifies a 5- or 6-character plate serial (after province + authority letter).
fn plate_serial(serial: &[char]) -> Option<PlateKind> {
    match serial {
        // New-energy small: [DF][A-HJ-NP-Z0-9]\d{4}
        ['D' | 'F', second, rest @ ..]
            if rest.len() == 4 && serial_char(*second) && rest.iter().all(char::is_ascii_digit) =>
        {
            Some(PlateKind::NewEnergy)
        }
        // New-energy large: \d{5}[DF]
        [d @ .., 'D' | 'F'] if d.len() == 5 && d.iter().all(char::is_ascii_digit) => {
            Some(PlateKind::NewEnergy)
        }
        [body @ .., last] if body.len() == 4 && body.iter().all(|&c| serial_char(c)) => {
            let kind = match last {
                '挂' | '学' => PlateKind::Ordinary,
                '警' | '港' | '澳' | '领' => PlateKind::Special,
                c if serial_char(*c) => PlateKind::Ordinary,
                _ => return None,
            };
            // GA 36 ordinary serials carry at most two letters.
            let letters = serial.iter().filter(|c| c.is_ascii_uppercase()).count();
            (letters <= 2).then_some(kind)
        }
        _ => None,
    }
}

/// Chinese vehicle licence plate (GA 36-2018): province character, authority letter (no I/O),
/// optional `·`/`-`/space, then a 5-character ordinary serial (optional 挂学警港澳领 suffix) or a
/// 6-character new-energy serial; also embassy `使` + 6 digits and armed-police `WJ` plates.
pub fn cn_license_plate(s: &str) -> Option<PlateKind> {
    let folded = ascii_fold(s);
    let t = folded.trim();
    let mut buf = ['\0'; 12];
    let mut n = 0usize;
    for c in t.chars() {
        let slot = buf.get_mut(n)?;
        *slot = c;
        n += 1;
    }
    let cs = buf.get(..n)?;
    match cs {
        // Embassy plates: 使 + 6 digits (3-digit mission code + 3-digit serial).
        ['使', rest @ ..] => {
            (rest.len() == 6 && rest.iter().all(char::is_ascii_digit)).then_some(PlateKind::Special)
        }
        // Armed police: WJ + optional province + optional separator + 5 serial characters.
        ['W', 'J', rest @ ..] => {
            let rest = match rest {
                [p, r @ ..] if PROVINCES.contains(*p) => r,
                _ => rest,
            };
            let rest = match rest {
                ['·' | '-' | ' ', r @ ..] => r,
                _ => rest,
            };
            (rest.len() == 5 && rest.iter().all(|&c| serial_char(c))).then_some(PlateKind::Special)
        }
        [p, auth, rest @ ..] if PROVINCES.contains(*p) && auth.is_ascii() => {
            if !letter_no_io(*auth as u8) {
                return None;
            }
            let serial = match rest {
                ['·' | '•' | '-' | ' ', r @ ..] => r,
                _ => rest,
            };
            plate_serial(serial)
        }
        _ => None,
    }
}

/// Shape of a non-Chinese passport number: 6–9 uppercase letters/digits with at least six
/// digits (covers `[A-Z]{1,2}\d{6,8}`, `\d{2}[A-Z]{2}\d{5}`); an all-digit value must have 8–9
/// digits (US/UK-style), so short amounts and PINs do not match. Only a shape check.
pub fn foreign_passport_shape(s: &str) -> bool {
    let folded = ascii_fold(s);
    let b = folded.trim().as_bytes();
    if !(6..=9).contains(&b.len())
        || !b
            .iter()
            .all(|c| c.is_ascii_digit() || c.is_ascii_uppercase())
    {
        return false;
    }
    let nd = b.iter().filter(|c| c.is_ascii_digit()).count();
    if nd == b.len() {
        return nd >= 8;
    }
    nd >= 6
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn passports() {
        for s in [
            "E12345678",
            "G12345678",
            "EA1234567",
            "EH7654321",
            "D12345678",
            "DE1234567",
            "MA1234567",
            "K12345678",
            "e12345678",
            "Ｅ１２３４５６７８",
        ] {
            assert!(cn_passport(s), "{s}");
        }
        for s in [
            "E1234567",
            "E123456789",
            "EI1234567",
            "EO1234567",
            "A12345678",
            "XE1234567",
            "E1234567X",
            "E****5678",
            "",
            "护照E12345678",
        ] {
            assert!(!cn_passport(s), "{s}");
        }
    }

    #[test]
    fn hk_macau_permits() {
        for s in [
            "C12345678",
            "CA1234567",
            "H12345678",
            "M1234567890",
            "h12345678",
        ] {
            assert!(cn_hk_macau_permit(s), "{s}");
        }
        for s in [
            "C1234567",
            "CAB123456",
            "CO1234567",
            "H123456789",
            "M1234567",
            "K12345678",
            "C1234567X",
            "",
        ] {
            assert!(!cn_hk_macau_permit(s), "{s}");
        }
    }

    #[test]
    fn taiwan_permits() {
        for s in [
            "L12345678",
            "12345678",
            "1234567890",
            "1022038402(B)",
            "l12345678",
        ] {
            assert!(cn_taiwan_permit(s), "{s}");
        }
        for s in [
            "L1234567",
            "L123456789",
            "1234567",
            "123456789",
            "A12345678",
            "1234-5678",
            "(B)",
            "",
        ] {
            assert!(!cn_taiwan_permit(s), "{s}");
        }
    }

    #[test]
    fn military_ids() {
        for s in [
            "南字第12345678号",
            "北字第1234号",
            "海字第A1234567号",
            "军字第20230001号",
            "政字第123456",
            "空字第１２３４５６号",
        ] {
            assert!(cn_military_id(s), "{s}");
        }
        for s in [
            "南字第123号",
            "南字第123456789号",
            "南第12345678号",
            "A字第12345678号",
            "字第12345678号",
            "南字第ABCDEF号",
            "南字第1234-5678号",
            "",
            "南",
        ] {
            assert!(!cn_military_id(s), "{s}");
        }
    }

    #[test]
    fn plates() {
        assert_eq!(cn_license_plate("京A12345"), Some(PlateKind::Ordinary));
        assert_eq!(cn_license_plate("沪A·B1234"), Some(PlateKind::Ordinary));
        assert_eq!(cn_license_plate("云Y-53800"), Some(PlateKind::Ordinary));
        assert_eq!(cn_license_plate("粤B 8N8N8"), Some(PlateKind::Ordinary));
        assert_eq!(cn_license_plate("鲁B1234挂"), Some(PlateKind::Ordinary));
        assert_eq!(cn_license_plate("粤B1234港"), Some(PlateKind::Special));
        assert_eq!(cn_license_plate("粤AD12345"), Some(PlateKind::NewEnergy));
        assert_eq!(cn_license_plate("京AF01234"), Some(PlateKind::NewEnergy));
        assert_eq!(cn_license_plate("沪A12345D"), Some(PlateKind::NewEnergy));
        assert_eq!(cn_license_plate("使014578"), Some(PlateKind::Special));
        assert_eq!(cn_license_plate("WJ京12345"), Some(PlateKind::Special));
        assert_eq!(
            cn_license_plate("京Ａ１２３４５"),
            Some(PlateKind::Ordinary)
        );
        for s in [
            "京I12345",
            "京A1234",
            "京A1234567",
            "京AO1234",
            "京aABCDE",
            "京AABCDE",
            "京A**345",
            "A12345",
            "中A12345",
            "京A·",
            "京A--12345",
            "使01457",
            "",
            "京",
        ] {
            assert_eq!(cn_license_plate(s), None, "{s}");
        }
    }

    #[test]
    fn foreign_passports() {
        for s in [
            "123456789",
            "X1234567",
            "AB123456",
            "12AB34567",
            "C01234567",
            "A1B234567",
        ] {
            assert!(foreign_passport_shape(s), "{s}");
        }
        for s in [
            "12345",
            "1234567890",
            "ab123456",
            "ABCDEFGH",
            "AB12345",
            "12-345678",
            "",
            "ＡＢＣ",
            "849993",
            "9997448",
        ] {
            assert!(!foreign_passport_shape(s), "{s}");
        }
    }

    proptest! {
        #[test]
        fn never_panics(s in any::<String>()) {
            let _ = cn_passport(&s);
            let _ = cn_hk_macau_permit(&s);
            let _ = cn_taiwan_permit(&s);
            let _ = cn_military_id(&s);
            let _ = cn_license_plate(&s);
            let _ = foreign_passport_shape(&s);
        }

        #[test]
        fn never_panics_alphabet(s in "[0-9A-Z京使WJ字第号挂港·() -]{0,14}") {
            let _ = cn_passport(&s);
            let _ = cn_hk_macau_permit(&s);
            let _ = cn_taiwan_permit(&s);
            let _ = cn_military_id(&s);
            let _ = cn_license_plate(&s);
            let _ = foreign_passport_shape(&s);
        }
    }
}
