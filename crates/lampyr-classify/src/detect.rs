//! Value detection: which sensitive types one value is, with a score in 0..=1.
//!
//! One pass over the value builds a character profile ([`Shape`]); the profile decides which
//! validators can apply (an 18-character value never reaches the mobile validator, a value
//! without `@` never reaches the e-mail one), so each value is read once plus once per
//! plausible validator: the prefilter that keeps the cost per byte flat as detectors are added.
//!
//! Scores follow the recipe in the research note: a shape alone is weak, a passing validator
//! (checksum, segment, dictionary) makes it likely, a key name that agrees makes it near
//! certain, and a key that names a look-alike (`orderNo`, `traceId`, `x-sign`) pulls it down.

use crate::context::{Concept, Hints};
use crate::text;
use crate::validate::{
    card, cn_address, cn_docs, cn_id, cn_name, cn_phone, date, email, geo, iban, icd10, imei, jwt,
    net, password, person_name, phone_intl, secret, ssn, uscc,
};
use crate::SensitiveType as T;

/// A value's score for one type; a value counts as that type from [`HIT`] up.
pub const HIT: f32 = 0.5;

/// Values longer than this are only scanned as free text.
const MAX_WHOLE_VALUE: usize = 512;

/// Free text beyond this many bytes is not scanned (a limit an attacker controls otherwise).
pub const MAX_TEXT: usize = 64 * 1024;

/// One detection in a value.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Detection {
    /// The type.
    pub ty: T,
    /// Confidence, 0..=1.
    pub score: f32,
    /// Byte range of the match inside the value (the whole value unless found in free text).
    pub start: u32,
    /// End of the byte range.
    pub end: u32,
}

/// Character profile of a value, from one pass.
#[derive(Debug, Default, Clone, Copy)]
struct Shape {
    len: usize,
    chars: usize,
    digits: usize,
    upper: usize,
    lower: usize,
    cjk: usize,
    spaces: usize,
    at: usize,
    dots: usize,
    colons: usize,
    dashes: usize,
    commas: usize,
    stars: usize,
    other: usize,
}

impl Shape {
    fn of(v: &str) -> Self {
        let mut s = Shape {
            len: v.len(),
            ..Shape::default()
        };
        for ch in v.chars() {
            s.chars += 1;
            match ch {
                '0'..='9' => s.digits += 1,
                'A'..='Z' => s.upper += 1,
                'a'..='z' => s.lower += 1,
                ' ' | '\t' | '\n' | '\r' => s.spaces += 1,
                '@' => s.at += 1,
                '.' => s.dots += 1,
                ':' => s.colons += 1,
                '-' | '_' => s.dashes += 1,
                ',' => s.commas += 1,
                // `某` stands in for a hidden given name (`魏某`).
                '*' | '●' | '•' | '×' | '某' => s.stars += 1,
                '\u{4e00}'..='\u{9fff}' | '\u{3400}'..='\u{4dbf}' | '·' => s.cjk += 1,
                _ => s.other += 1,
            }
        }
        s
    }

    fn alnum(&self) -> usize {
        self.digits + self.upper + self.lower
    }

    /// Only digits and phone/number punctuation.
    fn numeric(&self) -> bool {
        self.digits > 0 && self.upper + self.lower + self.cjk + self.at + self.colons == 0
    }
}

/// Detects every type `value` may be, given its key context; appends to `out`.
pub fn detect(value: &str, hints: &Hints, out: &mut Vec<Detection>) {
    let v = trim(value);
    if v.is_empty() {
        return;
    }
    let offset = if v.len() == value.len() {
        0
    } else {
        (value.len() - value.trim_start().len()) as u32
    };
    let shape = Shape::of(v);
    let before = out.len();
    if shape.stars >= 2 && shape.stars * 4 >= shape.chars.min(12) {
        // A masked copy (`138****1234`, `张**`) discloses nothing.
        return;
    }
    if v.len() <= MAX_WHOLE_VALUE {
        whole(v, &shape, hints, out);
        for d in &mut out[before..] {
            d.start = offset;
            d.end = offset + v.len() as u32;
        }
    }
    let found_whole = out[before..].iter().any(|d| d.score >= HIT);
    if !found_whole && looks_like_text(&shape) {
        let t = &v[..floor_boundary(v, MAX_TEXT)];
        let text_from = out.len();
        text::scan(t, hints, out);
        for d in &mut out[text_from..] {
            d.start += offset;
            d.end += offset;
        }
    }
}

/// `str::trim` with a fast path: most values start and end with a visible ASCII character and
/// need no Unicode decoding at either end.
pub fn trim(s: &str) -> &str {
    match (s.as_bytes().first(), s.as_bytes().last()) {
        (Some(&a), Some(&z)) if a.is_ascii_graphic() && z.is_ascii_graphic() => s,
        _ => s.trim(),
    }
}

fn floor_boundary(s: &str, max: usize) -> usize {
    if s.len() <= max {
        return s.len();
    }
    let mut i = max;
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

fn looks_like_text(s: &Shape) -> bool {
    s.chars >= 8 && (s.spaces > 0 || s.cjk > 0 || s.commas > 0) || s.chars > 40
}

fn push(out: &mut Vec<Detection>, ty: T, score: f32) {
    if score > 0.05 {
        out.push(Detection {
            ty,
            score: score.clamp(0.0, 1.0),
            start: 0,
            end: 0,
        });
    }
}

/// Context adjustment: `+boost` when the key agrees, `-0.4` when it names a look-alike.
fn ctx(h: &Hints, agree: bool, boost: f32) -> f32 {
    if h.negative() {
        -0.4
    } else if agree {
        boost
    } else {
        0.0
    }
}

fn this_year() -> u16 {
    // Classification is pure: "now" is the build's notion of a current year, and only bounds
    // plausibility (a birth year in the future); it need not be exact.
    2026
}

fn whole(v: &str, s: &Shape, h: &Hints, out: &mut Vec<Detection>) {
    use Concept as C;
    // Credentials first: their formats are unambiguous.
    let bearer = v
        .get(..7)
        .is_some_and(|p| p.eq_ignore_ascii_case("bearer "));
    if (v.starts_with("eyJ") || bearer) && jwt::jwt(v) {
        push(out, T::Jwt, 0.95);
        return;
    }
    // Vendor key formats have no spaces and no Han characters; PEM blocks start with dashes.
    let secret_shaped = (s.spaces == 0 && s.cjk == 0 && s.len >= 16) || v.starts_with("-----");
    if secret_shaped && secret::secret_kind(v).is_some() {
        push(out, T::SecretKey, 0.9);
        return;
    }
    if s.at == 1 && s.spaces == 0 && email::email(v) {
        push(out, T::Email, 0.95);
        return;
    }
    if h.any(C::Password) && !h.leaf(C::Negative) && password::password_shape(v) {
        push(out, T::Password, 0.9);
        return;
    }
    if (h.leaf(C::Secret) || h.leaf(C::Token))
        && !h.negative()
        && (secret::generic_secret_shape(v) || secret::aws_secret_shape(v))
    {
        push(out, T::SecretKey, 0.85);
        return;
    }

    // Network and device identifiers.
    if s.dots == 3 && s.digits >= 4 && s.alnum() == s.digits && s.spaces + s.commas == 0 {
        if let Some(class) = net::ipv4(v) {
            let base = if matches!(class, net::IpClass::Public) {
                0.7
            } else {
                0.35
            };
            push(out, T::Ipv4, base + ctx(h, h.any(C::Ip), 0.3));
        }
        return;
    }

    if s.commas >= 1 && s.digits >= 7 && s.alnum() == s.digits {
        // `23.845209,113.328277` or an `X-Forwarded-For` chain.
        if geo::lat_lng_pair(v) {
            push(out, T::GeoCoordinates, 0.55 + ctx(h, h.any(C::Geo), 0.4));
            return;
        }
        let mut parts = v.split(',').map(str::trim);
        if s.dots >= 3 && parts.all(|p| net::ipv4(p).is_some()) {
            push(out, T::Ipv4, 0.7 + ctx(h, h.any(C::Ip), 0.3));
            return;
        }
    }

    if s.numeric() {
        numeric(v, s, h, out);
        return;
    }

    if s.colons >= 2 && s.spaces == 0 {
        if let Some(_class) = net::ipv6(v) {
            push(out, T::Ipv6, 0.75 + ctx(h, h.any(C::Ip), 0.2));
            return;
        }
    }
    if (s.colons == 5 || s.dashes == 5 || s.dots == 2) && s.len <= 17 && s.spaces == 0 {
        if let Some(info) = net::mac(v) {
            let base = if info.multicast { 0.4 } else { 0.75 };
            push(out, T::MacAddress, base + ctx(h, h.any(C::Mac), 0.2));
            return;
        }
    }
    if s.cjk > 0 {
        cjk(v, s, h, out);
        return;
    }

    // Alphanumeric identifiers.
    if s.spaces <= 8 && s.alnum() + s.spaces + s.dashes + s.dots + s.other <= s.chars {
        alnum(v, s, h, out);
    }

    // Latin person names.
    // Names are capitalised words; all-capital ones (`SARAH OCONNOR` on a card) only under a
    // key that names a person.
    let cased = s.lower >= 1 || (h.any(C::Name) || h.leaf(C::BareName)) && s.upper >= 2;
    if s.digits == 0 && s.upper >= 1 && cased && s.spaces <= 4 && s.at == 0 && s.chars <= 60 {
        if let Some(conf) = person_name::person_name(v) {
            let person_key = h.any(C::Name) && !h.leaf(C::ThingName);
            let any_name_key = person_key || h.leaf(C::BareName);
            // Capitalised words outside the name dictionaries are names only where the key
            // says a person (`fullName`, `holder`); under a bare `name` they are as likely a
            // product (`Classic Novel`).
            let score = match conf {
                cn_name::NameConfidence::High => 0.4 + ctx(h, any_name_key, 0.5),
                cn_name::NameConfidence::Low if person_key => 0.15 + ctx(h, true, 0.5),
                cn_name::NameConfidence::Low => 0.15,
            };
            push(out, T::PersonName, score);
        }
    }
    // Dates written with month names.
    if h.any(C::Birth) && s.upper + s.lower > 0 && s.digits >= 5 {
        if let Some(d) = date::parse_date(v) {
            if date::plausible_birth(&d, this_year()) {
                push(out, T::DateOfBirth, 0.9);
            }
        }
    }
}

fn numeric(v: &str, s: &Shape, h: &Hints, out: &mut Vec<Detection>) {
    use Concept as C;
    let nd = s.digits;
    let plain = s.chars == nd;
    let plus = v.starts_with('+');

    // Decimal numbers: coordinates need a key that says so (a BMI looks like a latitude).
    if s.dots == 1 && s.spaces + s.commas == 0 && s.dashes <= 1 && !plus {
        let frac = v.rsplit('.').next().map_or(0, str::len);
        if h.any(C::Geo) && frac >= 4 && (geo::latitude(v) || geo::longitude(v)) {
            push(out, T::GeoCoordinates, 0.9 + ctx(h, false, 0.0));
        }
        if s.dashes == 0 {
            return;
        }
    }
    // Dates.
    if (nd == 8 && (plain || s.dashes == 2 || s.dots == 2 || v.contains('/'))) && h.any(C::Birth) {
        if let Some(d) = date::parse_date(v) {
            if date::plausible_birth(&d, this_year()) {
                push(out, T::DateOfBirth, 0.9);
                return;
            }
        }
    }
    if !plain && (v.contains('/') || s.dots == 2) && h.any(C::Birth) {
        if let Some(d) = date::parse_date(v) {
            if date::plausible_birth(&d, this_year()) {
                push(out, T::DateOfBirth, 0.9);
                return;
            }
        }
    }

    // Plain digit runs are the commonest values (amounts, timestamps, ids): a leading-digit
    // test says which validators can pass before any of them runs.
    let lead = v.as_bytes()[0];
    let mobile_possible = !plain
        || (nd == 11 && lead == b'1')
        || (nd == 13 && v.starts_with("86"))
        || (nd == 15 && v.starts_with("0086"));
    let landline_possible = !plain || lead == b'0';
    let card_possible = !plain || matches!(lead, b'2'..=b'6' | b'9');

    // Mainland numbers.
    if (11..=17).contains(&nd) && mobile_possible {
        if let Some(m) = cn_phone::cn_mobile(v) {
            let base = if m.strict_segment { 0.7 } else { 0.4 };
            let agree = h.any(C::Mobile) || h.any(C::Phone);
            push(out, T::CnMobile, base + ctx(h, agree, 0.3));
            return;
        }
    }
    if ((9..=16).contains(&nd) && !plus && landline_possible) || v.starts_with("+86") {
        if let Some(l) = cn_phone::cn_landline(v) {
            let base = if l.area_known && !plain { 0.7 } else { 0.35 };
            let agree = h.any(C::Phone) || h.any(C::Mobile);
            push(out, T::CnLandline, base + ctx(h, agree, 0.3));
            return;
        }
    }
    if plus || !plain {
        // `400-820-8820` / `800-…` without a country code are Chinese service lines (an
        // organisation's number, not a person's), written like NANP numbers.
        let service_line = !plus && (v.starts_with("400") || v.starts_with("800"));
        if let Some(p) = phone_intl::intl_phone(v).filter(|_| !service_line) {
            let base = if p.international { 0.7 } else { 0.3 };
            let agree = h.any(C::Phone) || h.any(C::Mobile);
            push(out, T::Phone, base + ctx(h, agree, 0.3));
            return;
        }
    }
    // Resident ids (18 digits; the X form is handled with letters).
    if nd == 18 || nd == 15 {
        if let Some(id) = cn_id::cn_resident_id(v, this_year()) {
            let agree = h.any(C::IdCard) || h.any(C::Certificate);
            let base = if id.legacy15 {
                0.25
            } else if id.province_known {
                0.75
            } else {
                0.55
            };
            push(out, T::CnResidentId, base + ctx(h, agree, 0.3));
            if !id.legacy15 {
                return;
            }
        }
        if nd == 18 && plain && uscc::cn_uscc(v) {
            // All-digit codes are where order numbers live: one in ~340 passes both checks
            // by chance, so without a key that agrees this is a share-of-values decision.
            push(out, T::CnUscc, 0.6 + ctx(h, h.any(C::Uscc), 0.35));
            return;
        }
    }
    if (12..=19).contains(&nd) && card_possible {
        if let Some(_brand) = card::bank_card(v) {
            let agree = h.any(C::BankCard);
            push(out, T::BankCard, 0.6 + ctx(h, agree, 0.35));
            return;
        }
    }
    if nd == 15 && imei::imei(v) {
        let agree = h.any(C::Imei);
        push(out, T::Imei, 0.3 + ctx(h, agree, 0.6));
        return;
    }
    if nd == 9 {
        if let Some(form) = ssn::us_ssn(v) {
            let base = match form {
                ssn::SsnForm::Dashed => 0.6,
                ssn::SsnForm::Spaced => 0.4,
                ssn::SsnForm::Plain => 0.1,
            };
            push(out, T::UsSsn, base + ctx(h, h.any(C::Ssn), 0.35));
            if !plain {
                return;
            }
        }
        if plain && h.any(C::Passport) {
            push(out, T::Passport, 0.85);
            return;
        }
        // Nine digits among identity documents: the common passport form (US, ...).
        if plain && h.any(C::Certificate) && cn_docs::foreign_passport_shape(v) {
            push(out, T::Passport, 0.75);
            return;
        }
    }
    if nd == 8 && plain && (h.any(C::TaiwanPermit) || h.any(C::Certificate)) {
        push(out, T::CnTaiwanPermit, 0.85);
        return;
    }
    if (5..=20).contains(&nd) && h.leaf(C::MedicalRecord) && !h.negative() {
        push(out, T::CnMedicalRecord, 0.85);
    }
}

fn alnum(v: &str, s: &Shape, h: &Hints, out: &mut Vec<Detection>) {
    use Concept as C;
    let compact_len = s.alnum();
    // 18-character ids with an X check character, and credit codes.
    if s.chars == 18 && s.alnum() == 18 {
        if let Some(id) = cn_id::cn_resident_id(v, this_year()) {
            let agree = h.any(C::IdCard) || h.any(C::Certificate);
            let base = if id.province_known { 0.75 } else { 0.55 };
            push(out, T::CnResidentId, base + ctx(h, agree, 0.3));
            return;
        }
        if uscc::cn_uscc(v) {
            push(out, T::CnUscc, 0.85 + ctx(h, h.any(C::Uscc), 0.1));
            return;
        }
    }
    if s.upper >= 2 && (15..=42).contains(&s.chars) && iban::iban(v) {
        // mod-97 passes one random code in 97: a key that agrees makes it certain.
        push(
            out,
            T::Iban,
            0.75 + ctx(h, h.any(C::Iban) || h.any(C::BankCard), 0.2),
        );
        return;
    }
    // Documents: the shapes are common (tickets, SKUs), so they need a key that names them.
    if s.spaces == 0 && (7..=12).contains(&compact_len) {
        // A generic document key (`certNo`, `zjhm`) holds several document types; each
        // shape under it is that document.
        let certish = h.any(C::Certificate) || h.any(C::IdCard);
        if cn_docs::cn_hk_macau_permit(v) && (h.any(C::HkMacauPermit) || certish) {
            push(out, T::CnHkMacauPermit, 0.9);
            return;
        }
        if cn_docs::cn_taiwan_permit(v) && (h.any(C::TaiwanPermit) || certish) {
            push(out, T::CnTaiwanPermit, 0.9);
            return;
        }
        if cn_docs::cn_passport(v) && (h.any(C::Passport) || certish) {
            push(out, T::CnPassport, 0.9);
            return;
        }
        if h.any(C::Passport) && cn_docs::foreign_passport_shape(v) {
            push(out, T::Passport, 0.85);
            return;
        }
    }
    if s.chars <= 12 && s.upper >= 1 && icd10::icd10(v) {
        let agree = h.any(C::Diagnosis);
        push(out, T::Icd10Code, 0.3 + ctx(h, agree, 0.6));
        return;
    }
    if h.leaf(C::MedicalRecord)
        && !h.negative()
        && s.digits >= 4
        && s.spaces == 0
        && (5..=24).contains(&s.chars)
    {
        push(out, T::CnMedicalRecord, 0.85);
        return;
    }
    // Hospital numbering (`MR2017987877`, `ZY19960532`: 病历 / 住院 / 门诊 prefixes) is weak
    // evidence on its own; a column of it is promoted at the field level.
    if !h.negative() && s.spaces == 0 && medical_prefix(v) {
        push(out, T::CnMedicalRecord, 0.35);
    }
    if h.any(C::Birth) && s.digits >= 6 {
        if let Some(d) = date::parse_date(v) {
            if date::plausible_birth(&d, this_year()) {
                push(out, T::DateOfBirth, 0.9);
            }
        }
    }
}

/// `MR`, `ZY` or `MZ` followed by 6–12 digits.
fn medical_prefix(v: &str) -> bool {
    let b = v.as_bytes();
    b.len() >= 8
        && b.len() <= 14
        && matches!(&b[..2], b"MR" | b"ZY" | b"MZ")
        && b[2..].iter().all(u8::is_ascii_digit)
}

fn cjk(v: &str, s: &Shape, h: &Hints, out: &mut Vec<Detection>) {
    use Concept as C;
    if v.contains("字第") && cn_docs::cn_military_id(v) {
        push(out, T::CnMilitaryId, 0.85 + ctx(h, false, 0.0));
        return;
    }
    if s.chars <= 10 && s.spaces <= 1 {
        if let Some(_kind) = cn_docs::cn_license_plate(v) {
            push(out, T::CnLicensePlate, 0.85 + ctx(h, false, 0.0));
            return;
        }
    }
    let pure_han = s.cjk == s.chars;
    if pure_han && (s.chars <= 4 || v.contains('·')) && s.chars <= 16 {
        if let Some(conf) = cn_name::cn_name(v) {
            let base = match conf {
                cn_name::NameConfidence::High => 0.45,
                cn_name::NameConfidence::Low => 0.2,
            };
            let agree = (h.any(C::Name) || h.leaf(C::BareName)) && !h.leaf(C::ThingName);
            push(out, T::CnName, base + ctx(h, agree, 0.45));
            if agree {
                return;
            }
        }
    }
    // Addresses name a unit or a street; text without any such character is not one.
    let marked = v.chars().any(|c| {
        matches!(
            c,
            '省' | '市'
                | '区'
                | '县'
                | '旗'
                | '镇'
                | '乡'
                | '村'
                | '路'
                | '街'
                | '道'
                | '巷'
                | '弄'
                | '号'
                | '栋'
                | '幢'
                | '楼'
                | '室'
                | '苑'
                | '里'
        )
    });
    if s.chars >= 5 && marked {
        if let Some(conf) = cn_address::cn_address(v) {
            let base = match conf {
                cn_address::AddressConfidence::High => 0.75,
                cn_address::AddressConfidence::Low => 0.3,
            };
            push(out, T::CnAddress, base + ctx(h, h.any(C::Address), 0.4));
        }
    }
    if h.any(C::Birth) && s.digits >= 5 {
        if let Some(d) = date::parse_date(v) {
            if date::plausible_birth(&d, this_year()) {
                push(out, T::DateOfBirth, 0.9);
            }
        }
    }
}

#[cfg(test)]
mod tests;
