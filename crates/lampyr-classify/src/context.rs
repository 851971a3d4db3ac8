//! Field-name context: what a key (JSON property, query parameter, header, cookie, or the path
//! segment before a path parameter) says about its value.
//!
//! Keys are split into lower-case tokens at case changes, digits and punctuation (`lastLoginIp`
//! → `last login ip`, `x-api-key` → `x api key`, `ID_Number` → `id number`); a rule matches when
//! a run of adjacent tokens concatenates to one of its words, so `idcard`, `id_card` and `IdCard`
//! all match `idcard`, while `ip` never matches inside `zip` or `description`. Chinese keys match
//! by substring (`身份证号码` contains `身份证`).

/// What a key name suggests about its value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[repr(u8)]
pub enum Concept {
    /// Resident id card number.
    IdCard,
    /// Some identity document number (type not named).
    Certificate,
    /// Mobile number.
    Mobile,
    /// Any phone number.
    Phone,
    /// Person name.
    Name,
    /// Just `name`: a person's or a thing's; only values that look like names decide.
    BareName,
    /// Postal address.
    Address,
    /// E-mail.
    Email,
    /// Passport.
    Passport,
    /// Hong Kong / Macau permit.
    HkMacauPermit,
    /// Taiwan permit.
    TaiwanPermit,
    /// Military / officer certificate.
    Military,
    /// Vehicle plate.
    Plate,
    /// Hospital record / visit card / inpatient number.
    MedicalRecord,
    /// Card or account number.
    BankCard,
    /// IBAN.
    Iban,
    /// Social security number.
    Ssn,
    /// IP address.
    Ip,
    /// MAC address.
    Mac,
    /// IMEI / device hardware id.
    Imei,
    /// Bearer or session token.
    Token,
    /// Secret, key, credential.
    Secret,
    /// Password or PIN.
    Password,
    /// Birth date.
    Birth,
    /// Diagnosis code.
    Diagnosis,
    /// Latitude / longitude / position.
    Geo,
    /// Organisation credit code.
    Uscc,
    /// The key names something that only looks sensitive: order, trace, hash, time, version...
    Negative,
    /// The key names a thing, not a person (`productName`, `fileName`, `deptName`).
    ThingName,
    /// The value is a masked copy (`maskedMobile`).
    Masked,
}

impl Concept {
    const COUNT: usize = Concept::Masked as usize + 1;
}

/// The set of concepts a key (and its parents) carries.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Hints {
    leaf: u32,
    parent: u32,
}

impl Hints {
    /// Hints from the leaf key alone.
    pub fn of_key(key: &str) -> Self {
        Self {
            leaf: concepts(key),
            parent: 0,
        }
    }

    /// Adds the concepts of an enclosing key (`patient` in `patient.name`).
    pub fn with_parent(mut self, parent_key: &str) -> Self {
        self.parent |= concepts(parent_key);
        self
    }

    /// The hints as one number: equal hints give equal detections for the same value.
    pub fn bits(&self) -> u64 {
        u64::from(self.leaf) | (u64::from(self.parent) << 32)
    }

    /// The leaf key carries `c`.
    pub fn leaf(&self, c: Concept) -> bool {
        self.leaf & bit(c) != 0
    }

    /// The leaf or an enclosing key carries `c`.
    pub fn any(&self, c: Concept) -> bool {
        (self.leaf | self.parent) & bit(c) != 0
    }

    /// The leaf key names nothing at all (`value`, `ext1`, `remark`).
    pub fn leaf_is_empty(&self) -> bool {
        self.leaf == 0
    }

    /// Whether the leaf names something that only looks sensitive.
    pub fn negative(&self) -> bool {
        self.leaf(Concept::Negative) || self.leaf(Concept::Masked)
    }
}

const fn bit(c: Concept) -> u32 {
    1 << (c as u32)
}

const _: () = assert!(Concept::COUNT <= 32);

mod words;

use words::{CJK_WORDS, WORDS};

/// Longest token run a rule word can span.
const MAX_RUN: usize = 5;

fn concepts(key: &str) -> u32 {
    let mut out = 0u32;
    if !key.is_ascii() {
        for (word, c) in CJK_WORDS {
            if key.contains(word) {
                out |= bit(*c);
            }
        }
    }
    let tokens = tokens(key);
    let mut buf = String::new();
    for i in 0..tokens.len() {
        buf.clear();
        for t in tokens.iter().skip(i).take(MAX_RUN) {
            buf.push_str(t);
            if let Some(c) = lookup(&buf) {
                out |= bit(c);
            }
        }
    }
    // "name" after a thing (`productName`, `bank_name`) names the thing, not a person.
    if out & bit(Concept::ThingName) != 0 && !tokens.is_empty() {
        let last = tokens[tokens.len() - 1].as_str();
        if matches!(last, "name" | "nm" | "title" | "label") {
            out &= !(bit(Concept::Name) | bit(Concept::BareName));
        }
    }
    out
}

fn lookup(word: &str) -> Option<Concept> {
    static TABLE: std::sync::OnceLock<std::collections::HashMap<&'static str, Concept>> =
        std::sync::OnceLock::new();
    TABLE
        .get_or_init(|| {
            let mut m = std::collections::HashMap::new();
            for (w, c) in WORDS {
                m.insert(*w, *c);
            }
            m
        })
        .get(word)
        .copied()
}

/// Splits a key into lower-case ASCII tokens.
pub fn tokens(key: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let chars: Vec<char> = key.chars().take(128).collect();
    for (i, &ch) in chars.iter().enumerate() {
        if !ch.is_ascii_alphanumeric() {
            if !cur.is_empty() {
                out.push(std::mem::take(&mut cur));
            }
            continue;
        }
        if !cur.is_empty() {
            let prev = chars[i - 1];
            let next = chars.get(i + 1).copied();
            let boundary = (prev.is_ascii_lowercase() && ch.is_ascii_uppercase())
                || (prev.is_ascii_digit() != ch.is_ascii_digit())
                || (prev.is_ascii_uppercase()
                    && ch.is_ascii_uppercase()
                    && next.is_some_and(|n| n.is_ascii_lowercase()));
            // Keep digits glued to a short word (`ipv4`, `icd10`, `addr1`, `sha256`).
            let glue = ch.is_ascii_digit() && cur.len() <= 4;
            if boundary && !glue {
                out.push(std::mem::take(&mut cur));
            }
        }
        cur.push(ch.to_ascii_lowercase());
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_split_at_case_and_punctuation() {
        assert_eq!(tokens("lastLoginIp"), ["last", "login", "ip"]);
        assert_eq!(tokens("x-api-key"), ["x", "api", "key"]);
        assert_eq!(tokens("ID_Number"), ["id", "number"]);
        assert_eq!(tokens("IDNumber"), ["id", "number"]);
        assert_eq!(tokens("ipv4"), ["ipv4"]);
        assert_eq!(tokens("icd10"), ["icd10"]);
        assert_eq!(tokens("emergencyContact"), ["emergency", "contact"]);
    }

    #[test]
    fn concepts_match_across_conventions() {
        for key in [
            "idCard",
            "id_card",
            "IdCard",
            "idcard",
            "sfzh",
            "身份证号码",
        ] {
            assert!(Hints::of_key(key).leaf(Concept::IdCard), "{key}");
        }
        assert!(Hints::of_key("lastLoginIp").leaf(Concept::Ip));
        assert!(!Hints::of_key("zip").leaf(Concept::Ip));
        assert!(!Hints::of_key("description").leaf(Concept::Ip));
        assert!(Hints::of_key("x-forwarded-for").leaf(Concept::Ip));
        assert!(Hints::of_key("tradePwd").leaf(Concept::Password));
        assert!(Hints::of_key("new_password").leaf(Concept::Password));
        assert!(Hints::of_key("orderNo").negative());
        assert!(Hints::of_key("maskedMobile").negative());
        assert!(Hints::of_key("patientName").leaf(Concept::Name));
        assert!(Hints::of_key("name").leaf(Concept::BareName));
        assert!(!Hints::of_key("name").leaf(Concept::Name));
        assert!(!Hints::of_key("productName").leaf(Concept::Name));
        assert!(!Hints::of_key("bank_name").leaf(Concept::Name));
        assert!(Hints::of_key("value").leaf_is_empty());
    }

    #[test]
    fn every_word_has_one_meaning() {
        let mut seen = std::collections::HashSet::new();
        for (w, _) in WORDS.iter().chain(CJK_WORDS) {
            assert!(seen.insert(*w), "{w} is listed twice");
        }
    }

    #[test]
    fn parents_add_context() {
        let h = Hints::of_key("code").with_parent("lastDiagnosis");
        assert!(h.any(Concept::Diagnosis));
        assert!(!h.leaf(Concept::Diagnosis));
    }
}
