//! The grading tables: each type's level, category and label per profile (research note §3.8,
//! readings documented in docs/grading.md).

use super::ProfileId;
use crate::SensitiveType;

/// One table row: level, category and a type-specific label that holds at that level.
pub(super) struct Row {
    pub(super) level: u8,
    pub(super) category: &'static str,
    pub(super) label: Option<&'static str>,
}

const fn row(level: u8, category: &'static str) -> Row {
    Row {
        level,
        category,
        label: None,
    }
}

const fn labelled(level: u8, category: &'static str, label: &'static str) -> Row {
    Row {
        level,
        category,
        label: Some(label),
    }
}

/// The profile tables (anchors note §3.8). Exhaustive matches: a new type fails to compile
/// until every profile grades it.
pub(super) fn base(profile: ProfileId, ty: SensitiveType) -> Row {
    use SensitiveType as T;
    match profile {
        // 1 not PI, 2 PI, 3 sensitive PI, 4 authentication secrets.
        ProfileId::Gbt35273_2020 => match ty {
            T::CnResidentId
            | T::CnPassport
            | T::CnHkMacauPermit
            | T::CnTaiwanPermit
            | T::CnMilitaryId
            | T::UsSsn
            | T::Passport
            | T::CnMedicalRecord => row(3, "identity"),
            T::BankCard | T::Iban => row(3, "financial-account"),
            T::Icd10Code => row(3, "health"),
            T::GeoCoordinates => row(3, "location"),
            T::CnMobile | T::CnLandline | T::Email | T::Phone | T::CnAddress => row(2, "contact"),
            T::CnName | T::PersonName | T::DateOfBirth => row(2, "basic-profile"),
            T::CnLicensePlate => row(2, "vehicle"),
            T::Ipv4 | T::Ipv6 => row(2, "network-identity"),
            T::MacAddress | T::Imei => row(2, "device"),
            T::Jwt | T::SecretKey | T::Password => row(4, "authentication"),
            T::CnUscc => row(1, "organisation"),
        },
        // As 35273, but identity documents are ordinary PI; 特定身份 (military) stays sensitive.
        ProfileId::Gbt45574_2025 => match ty {
            T::CnResidentId
            | T::CnPassport
            | T::CnHkMacauPermit
            | T::CnTaiwanPermit
            | T::UsSsn
            | T::Passport
            | T::CnMedicalRecord => row(2, "identity"),
            T::CnMilitaryId => row(3, "specific-identity"),
            T::BankCard | T::Iban => row(3, "financial-account"),
            T::Icd10Code => row(3, "health"),
            T::GeoCoordinates => row(3, "location"),
            T::CnMobile | T::CnLandline | T::Email | T::Phone | T::CnAddress => row(2, "contact"),
            T::CnName | T::PersonName | T::DateOfBirth => row(2, "basic-profile"),
            T::CnLicensePlate => row(2, "vehicle"),
            T::Ipv4 | T::Ipv6 => row(2, "network-identity"),
            T::MacAddress | T::Imei => row(2, "device"),
            T::Jwt | T::SecretKey | T::Password => row(4, "authentication"),
            T::CnUscc => row(1, "organisation"),
        },
        // 1 not PFI, 2 C1, 3 C2, 4 C3.
        ProfileId::Jrt0171_2020 => finance(ty),
        // C3 → 4, C2 → 3, C1 → 2; health data at 4 (个人隐私: 严重).
        ProfileId::Jrt0197_2020 => match ty {
            T::Icd10Code => row(4, "health"),
            _ => finance(ty),
        },
        // Level of an identified health record holding the item.
        ProfileId::Gbt39725_2020 => match ty {
            T::Icd10Code => row(4, "health-status"),
            T::BankCard | T::Iban => row(3, "medical-payment"),
            T::CnUscc => row(1, "health-resources"),
            T::Jwt | T::SecretKey | T::Password => row(4, "authentication"),
            T::CnResidentId
            | T::CnMobile
            | T::CnLandline
            | T::CnPassport
            | T::CnHkMacauPermit
            | T::CnTaiwanPermit
            | T::CnMilitaryId
            | T::CnLicensePlate
            | T::CnMedicalRecord
            | T::CnAddress
            | T::CnName
            | T::Email
            | T::Phone
            | T::UsSsn
            | T::Passport
            | T::Ipv4
            | T::Ipv6
            | T::MacAddress
            | T::Imei
            | T::PersonName
            | T::DateOfBirth
            | T::GeoCoordinates => row(4, "personal-attributes"),
        },
        // 4 auth + content, 3 user identity / location, 2 network identifiers and devices.
        ProfileId::Ydt3813_2020 => match ty {
            T::Jwt | T::SecretKey | T::Password => row(4, "authentication"),
            T::CnResidentId
            | T::CnPassport
            | T::CnHkMacauPermit
            | T::CnTaiwanPermit
            | T::CnMilitaryId
            | T::UsSsn
            | T::Passport
            | T::CnName
            | T::PersonName
            | T::CnAddress
            | T::DateOfBirth => row(3, "identity"),
            T::GeoCoordinates => row(3, "location"),
            T::BankCard | T::Iban => row(3, "financial-account"),
            T::CnMedicalRecord | T::Icd10Code => row(3, "health"),
            T::CnMobile | T::CnLandline | T::Phone | T::Email | T::Ipv4 | T::Ipv6 => {
                row(2, "network-identity")
            }
            T::MacAddress | T::Imei => row(2, "device"),
            T::CnLicensePlate => row(2, "vehicle"),
            T::CnUscc => row(1, "organisation"),
        },
        // General-data sub-levels: 4 sensitive PI / C3, 3 C2 and identified PI, 2 other PI.
        ProfileId::Gbt43697_2024 => match ty {
            T::Jwt | T::SecretKey | T::Password => row(4, "authentication"),
            T::CnMilitaryId => row(4, "specific-identity"),
            T::Icd10Code => row(4, "health"),
            T::GeoCoordinates => row(4, "location"),
            T::CnResidentId
            | T::CnPassport
            | T::CnHkMacauPermit
            | T::CnTaiwanPermit
            | T::UsSsn
            | T::Passport => row(3, "identity"),
            T::CnMedicalRecord => row(3, "health"),
            T::BankCard | T::Iban => row(3, "financial-account"),
            T::CnMobile | T::Phone | T::CnAddress => row(3, "contact"),
            T::CnLandline | T::Email => row(2, "contact"),
            T::CnName | T::PersonName | T::DateOfBirth => row(2, "basic-profile"),
            T::CnLicensePlate => row(2, "vehicle"),
            T::Ipv4 | T::Ipv6 => row(2, "network-identity"),
            T::MacAddress | T::Imei => row(2, "device"),
            T::CnUscc => row(1, "organisation"),
        },
        // Tier 0 non-PII .. tier 3 authentication secrets, as levels 1..4.
        ProfileId::Intl2025 => match ty {
            T::Jwt | T::SecretKey | T::Password => row(4, "authentication"),
            T::BankCard => labelled(3, "payment-card", "pci-chd"),
            T::CnMedicalRecord => labelled(3, "health", "phi"),
            T::Icd10Code => labelled(3, "health", "special-category"),
            T::CnMilitaryId => row(3, "specific-identity"),
            T::GeoCoordinates => row(3, "location"),
            T::CnResidentId
            | T::CnPassport
            | T::CnHkMacauPermit
            | T::CnTaiwanPermit
            | T::UsSsn
            | T::Passport => row(2, "national-id"),
            T::Iban => row(2, "financial-account"),
            T::CnMobile | T::CnLandline | T::Email | T::Phone | T::CnAddress => row(2, "contact"),
            T::CnName | T::PersonName | T::DateOfBirth => row(2, "basic-profile"),
            T::CnLicensePlate => row(2, "vehicle"),
            T::Ipv4 | T::Ipv6 => row(2, "online-identifier"),
            T::MacAddress | T::Imei => row(2, "device"),
            T::CnUscc => row(1, "organisation"),
        },
    }
}

/// JR/T 0171 classes as levels (shared by the two finance profiles).
fn finance(ty: SensitiveType) -> Row {
    use SensitiveType as T;
    match ty {
        T::Jwt | T::SecretKey | T::Password => row(4, "authentication"),
        T::BankCard | T::Iban => row(3, "financial-account"),
        T::CnResidentId
        | T::CnPassport
        | T::CnHkMacauPermit
        | T::CnTaiwanPermit
        | T::CnMilitaryId
        | T::UsSsn
        | T::Passport
        | T::CnMobile
        | T::Phone
        | T::CnLandline
        | T::Email
        | T::CnAddress
        | T::CnName
        | T::PersonName => row(3, "identity"),
        T::GeoCoordinates => row(3, "location"),
        T::CnMedicalRecord | T::Icd10Code => row(3, "health"),
        T::DateOfBirth => row(2, "identity"),
        T::CnLicensePlate => row(2, "other"),
        T::Ipv4 | T::Ipv6 => row(2, "network-identity"),
        T::MacAddress | T::Imei => row(2, "device"),
        T::CnUscc => row(1, "organisation"),
    }
}
