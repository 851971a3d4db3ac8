//! Per-type default masking conventions (`MaskStrategy::Default`).

use super::REDACTED;
use crate::SensitiveType;

/// Keep the first `prefix` and last `suffix` chars among those matching `is_target`, replace the
/// other targets with `*` and copy non-targets. When that would mask nothing, mask every target.
pub(super) fn keep_edges(
    value: &str,
    is_target: impl Fn(char) -> bool,
    prefix: usize,
    suffix: usize,
) -> String {
    let n = value.chars().filter(|&c| is_target(c)).count();
    let (p, s) = if n > prefix.saturating_add(suffix) {
        (prefix, suffix)
    } else {
        (0, 0)
    };
    let mut out = String::with_capacity(value.len());
    let mut i = 0;
    for c in value.chars() {
        if is_target(c) {
            out.push(if i < p || i >= n - s { c } else { '*' });
            i += 1;
        } else {
            out.push(c);
        }
    }
    out
}

/// First 2 + last 2 alphanumerics when there are at least 8, else all alphanumerics masked.
pub(super) fn generic(value: &str) -> String {
    let n = value.chars().filter(|c| c.is_alphanumeric()).count();
    if n >= 8 {
        keep_edges(value, char::is_alphanumeric, 2, 2)
    } else {
        keep_edges(value, char::is_alphanumeric, 0, 0)
    }
}

/// The default convention for `ty`.
pub(super) fn default_mask(value: &str, ty: SensitiveType) -> String {
    use SensitiveType as T;
    // Unicode-aware targets, so full-width digits (`１３８…`) are masked too.
    let digit = |c: char| c.is_numeric();
    match ty {
        T::Password | T::SecretKey | T::Jwt => REDACTED.to_owned(),
        T::CnMobile => mobile(value),
        T::CnResidentId => keep_edges(value, char::is_alphanumeric, 6, 4),
        T::BankCard => {
            let n = value.chars().filter(|&c| digit(c)).count();
            match n {
                13.. => keep_edges(value, digit, 6, 4),
                8..=12 => keep_edges(value, digit, 0, 4),
                _ => keep_edges(value, digit, 0, 0),
            }
        }
        T::Email => email(value),
        T::CnLandline => landline(value),
        T::CnAddress => address(value),
        T::CnLicensePlate => keep_edges(value, char::is_alphanumeric, 2, 1),
        T::CnName | T::PersonName => name(value),
        T::Ipv4 => ipv4(value),
        T::Ipv6 => ipv6(value),
        T::Imei | T::MacAddress => keep_edges(value, char::is_alphanumeric, 6, 0),
        T::DateOfBirth => date_of_birth(value),
        T::GeoCoordinates => coordinates(value),
        T::CnUscc
        | T::CnPassport
        | T::CnHkMacauPermit
        | T::CnTaiwanPermit
        | T::CnMilitaryId
        | T::CnMedicalRecord
        | T::Phone
        | T::UsSsn
        | T::Iban
        | T::Passport
        | T::Icd10Code => generic(value),
    }
}

/// `138****5678`; a `+86` / `0086` / `86` country prefix stays visible with the first 3 digits.
fn mobile(value: &str) -> String {
    let digits = decimal_digits(value);
    let country = match digits.len() {
        13 if digits.starts_with("86") => 2,
        15 if digits.starts_with("0086") => 4,
        _ => 0,
    };
    keep_edges(value, char::is_numeric, country + 3, 4)
}

/// The numeric chars of `value` with ASCII and full-width decimal digits as ASCII, others `?`.
fn decimal_digits(value: &str) -> String {
    value
        .chars()
        .filter(|c| c.is_numeric())
        .map(|c| match c {
            '０'..='９' => char::from_u32(c as u32 - '０' as u32 + '0' as u32).unwrap_or('?'),
            '0'..='9' => c,
            _ => '?',
        })
        .collect()
}

/// Area code (with any `+86` / `0086` prefix) + last 4 digits.
fn landline(value: &str) -> String {
    let digits = decimal_digits(value);
    let trimmed = value.trim_start();
    let country = if trimmed.starts_with("+86") || trimmed.starts_with("＋86") {
        2
    } else if digits.starts_with("0086") {
        4
    } else {
        0
    };
    let rest: Vec<u8> = digits.bytes().skip(country).take(2).collect();
    let area = match rest.as_slice() {
        // International form drops the trunk 0: `10`, `2x` are 2 digits, others 3.
        [a, _] if country > 0 => {
            if matches!(a, b'1' | b'2') {
                2
            } else {
                3
            }
        }
        [b'0', b] if country == 0 => {
            if matches!(b, b'1' | b'2') {
                3
            } else {
                4
            }
        }
        _ => 0,
    };
    keep_edges(value, char::is_numeric, country + area, 4)
}

/// First char of the local part + `***@domain`.
fn email(value: &str) -> String {
    match value.rfind('@') {
        Some(at) if at > 0 && at + 1 < value.len() => {
            let first = value[..at].chars().next().unwrap_or('*');
            format!("{first}***{}", &value[at..])
        }
        _ => generic(value),
    }
}

const COMPOUND_SURNAMES: &[&str] = &[
    "欧阳", "司马", "上官", "诸葛", "东方", "皇甫", "尉迟", "公孙", "慕容", "长孙", "宇文", "司徒",
    "令狐", "夏侯", "轩辕", "端木", "司空", "西门", "南宫", "万俟", "闻人", "呼延", "独孤", "澹台",
    "公冶", "太史", "申屠", "淳于", "单于", "钟离", "赫连", "拓跋", "百里", "东郭", "南门", "羊舌",
    "微生", "梁丘", "左丘", "第五", "谷梁", "宰父", "夹谷", "濮阳", "公羊", "鲜于", "闾丘", "亓官",
    "司寇", "子车", "颛孙", "巫马", "公西", "漆雕", "乐正", "壤驷", "公良", "段干",
];

fn is_han(c: char) -> bool {
    matches!(c as u32,
        0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF | 0x20000..=0x2FA1F)
}

/// Chinese: keep the surname (compound surnames keep two chars), one `*` per other char, keep `·`.
/// Other scripts: first char of each word + `***`.
fn name(value: &str) -> String {
    let trimmed = value.trim_start();
    let Some(first) = trimmed.chars().next() else {
        return value.to_owned();
    };
    if !is_han(first) {
        let mut out = String::with_capacity(value.len());
        let mut in_word = false;
        for c in value.chars() {
            if c.is_whitespace() {
                in_word = false;
                out.push(c);
            } else if !in_word {
                in_word = true;
                out.push(c);
                out.push_str("***");
            }
        }
        return out;
    }
    let is_sep = |c: char| c.is_whitespace() || matches!(c, '·' | '•' | '・' | '.');
    let letters = value.chars().filter(|&c| !is_sep(c)).count();
    let surname = if letters >= 3 && COMPOUND_SURNAMES.iter().any(|s| trimmed.starts_with(s)) {
        2
    } else {
        1
    };
    keep_edges(value, |c| !is_sep(c), surname, 0)
}

/// Keep up to the county / district: the prefix through province (`省`, `自治区`), city (`市`,
/// `自治州`, `盟`, `地区`) and county (`区`, `县`, `旗`, or a `市` after a city); mask every later char.
fn address(value: &str) -> String {
    let chars: Vec<char> = value.chars().collect();
    let mut cut = 0; // chars kept
    let mut seg_start = 0;
    let mut have_city = false;
    'segments: while seg_start < chars.len() {
        // An admin-level segment is 2..=10 chars ending in a level marker.
        let end = (seg_start + 10).min(chars.len());
        for i in seg_start + 1..end {
            let level = match chars[i] {
                // Street-level detail or a house number: the admin prefix is over.
                '路'
                | '街'
                | '道'
                | '号'
                | '巷'
                | '弄'
                | '村'
                | '镇'
                | '乡'
                | '楼'
                | '栋'
                | '幢'
                | '室'
                | '0'..='9' => break 'segments,
                '省' => 1,
                '区' if i >= 2 && chars[i - 2] == '自' && chars[i - 1] == '治' => 1,
                '区' if i >= 2 && chars[i - 2] == '行' && chars[i - 1] == '政' => 1,
                '市' if have_city => 3,
                '州' if i >= 2 && chars[i - 2] == '自' && chars[i - 1] == '治' => 2,
                '市' | '盟' => 2,
                '区' if chars[i - 1] == '地' => 2,
                '区' | '县' | '旗' => 3,
                _ => continue,
            };
            cut = i + 1;
            seg_start = i + 1;
            if level == 3 {
                break 'segments;
            }
            have_city |= level == 2;
            continue 'segments;
        }
        break;
    }
    if cut == 0 {
        // No administrative prefix recognised: keep two chars of a long value, else mask it all.
        cut = if chars.len() >= 8 { 2 } else { 0 };
    }
    chars
        .iter()
        .enumerate()
        .map(|(i, &c)| if i < cut { c } else { '*' })
        .collect()
}

/// `101.86.*.*`.
fn ipv4(value: &str) -> String {
    let parts: Vec<&str> = value.split('.').collect();
    let octet = |p: &str| (1..=3).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_digit());
    if parts.len() == 4 && parts.iter().all(|p| octet(p)) {
        format!("{}.{}.*.*", parts[0], parts[1])
    } else {
        generic(value)
    }
}

/// Keep the first 2 hextets written before any `::`; every later group becomes `*`.
fn ipv6(value: &str) -> String {
    let (addr, zone) = match value.find('%') {
        Some(i) => (&value[..i], true),
        None => (value, false),
    };
    let shape = |c: char| c.is_ascii_hexdigit() || c == ':' || c == '.';
    if !addr.contains(':') || !addr.chars().all(shape) {
        return generic(value);
    }
    let mut out = String::with_capacity(value.len());
    let mut kept = 0;
    let mut compressed = false;
    for (i, group) in addr.split(':').enumerate() {
        if i > 0 {
            out.push(':');
        }
        if group.is_empty() {
            compressed |= i > 0;
            continue;
        }
        if kept < 2 && !compressed && i == kept {
            out.push_str(group);
            kept += 1;
        } else {
            out.push('*');
        }
    }
    if zone {
        out.push_str("%*");
    }
    out
}

/// Keep the year (the first run of exactly 4 digits, or the first 4 of a leading 8-digit
/// `YYYYMMDD`), mask every other alphanumeric.
fn date_of_birth(value: &str) -> String {
    let chars: Vec<char> = value.chars().collect();
    let mut runs = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        if chars[i].is_ascii_digit() {
            let start = i;
            while i < chars.len() && chars[i].is_ascii_digit() {
                i += 1;
            }
            runs.push((start, i - start));
        } else {
            i += 1;
        }
    }
    let keep = match runs.iter().find(|&&(_, len)| len == 4) {
        Some(&(start, _)) => start..start + 4,
        None => match runs.first() {
            Some(&(start, 8)) => start..start + 4,
            _ => 0..0,
        },
    };
    chars
        .iter()
        .enumerate()
        .map(|(i, &c)| {
            // Month names are masked; 年/月/日 and other scripts' letters are kept.
            if keep.contains(&i) || !(c.is_ascii_alphanumeric() || c.is_numeric()) {
                c
            } else {
                '*'
            }
        })
        .collect()
}

/// Keep integer parts and 2 decimals of each number (`23.84****`); no decimal point → generic.
fn coordinates(value: &str) -> String {
    if !value.contains('.') {
        return generic(value);
    }
    let mut out = String::with_capacity(value.len());
    let mut prev: Option<char> = None;
    let mut frac: Option<usize> = None; // decimals seen in the current fraction
    for c in value.chars() {
        if c.is_numeric() {
            match frac.as_mut() {
                Some(n) => {
                    *n += 1;
                    out.push(if *n <= 2 { c } else { '*' });
                }
                None => out.push(c),
            }
        } else {
            frac = (c == '.' && prev.is_some_and(|p| p.is_numeric())).then_some(0);
            out.push(c);
        }
        prev = Some(c);
    }
    out
}
