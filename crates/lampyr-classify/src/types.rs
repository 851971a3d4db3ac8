//! The stable sensitive type ids (DESIGN.md "Sensitive type ids"): used in reports, config and
//! masking policies, so an id never changes meaning once published.

use std::fmt;

/// One kind of sensitive value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[repr(u8)]
pub enum SensitiveType {
    /// PRC resident identity card number (GB 11643).
    CnResidentId,
    /// Mainland China mobile number.
    CnMobile,
    /// Mainland China fixed-line number with area code.
    CnLandline,
    /// Payment card number (Luhn-valid, known IIN).
    BankCard,
    /// Unified Social Credit Code (GB 32100).
    CnUscc,
    /// PRC passport number.
    CnPassport,
    /// Hong Kong / Macau exit-entry or home-return permit.
    CnHkMacauPermit,
    /// Taiwan travel permit or Taiwan compatriot permit.
    CnTaiwanPermit,
    /// Military officer / soldier certificate number.
    CnMilitaryId,
    /// Chinese vehicle licence plate.
    CnLicensePlate,
    /// Hospital medical-record / visit-card / inpatient number.
    CnMedicalRecord,
    /// Chinese postal address.
    CnAddress,
    /// Chinese person name.
    CnName,
    /// E-mail address.
    Email,
    /// Phone number outside mainland China.
    Phone,
    /// US Social Security Number.
    UsSsn,
    /// International Bank Account Number.
    Iban,
    /// Non-Chinese passport number.
    Passport,
    /// IPv4 address.
    Ipv4,
    /// IPv6 address.
    Ipv6,
    /// MAC address.
    MacAddress,
    /// IMEI device identifier.
    Imei,
    /// JSON Web Token.
    Jwt,
    /// Credentials: cloud keys, tokens, private keys, API secrets.
    SecretKey,
    /// Password or payment PIN.
    Password,
    /// Non-Chinese person name.
    PersonName,
    /// Date of birth.
    DateOfBirth,
    /// ICD-10 diagnosis code.
    Icd10Code,
    /// Latitude / longitude.
    GeoCoordinates,
}

impl SensitiveType {
    /// Every type, in id order.
    pub const ALL: [SensitiveType; 29] = [
        Self::CnResidentId,
        Self::CnMobile,
        Self::CnLandline,
        Self::BankCard,
        Self::CnUscc,
        Self::CnPassport,
        Self::CnHkMacauPermit,
        Self::CnTaiwanPermit,
        Self::CnMilitaryId,
        Self::CnLicensePlate,
        Self::CnMedicalRecord,
        Self::CnAddress,
        Self::CnName,
        Self::Email,
        Self::Phone,
        Self::UsSsn,
        Self::Iban,
        Self::Passport,
        Self::Ipv4,
        Self::Ipv6,
        Self::MacAddress,
        Self::Imei,
        Self::Jwt,
        Self::SecretKey,
        Self::Password,
        Self::PersonName,
        Self::DateOfBirth,
        Self::Icd10Code,
        Self::GeoCoordinates,
    ];

    /// The stable id (`cn_resident_id`, `email`, ...).
    pub fn id(self) -> &'static str {
        match self {
            Self::CnResidentId => "cn_resident_id",
            Self::CnMobile => "cn_mobile",
            Self::CnLandline => "cn_landline",
            Self::BankCard => "bank_card",
            Self::CnUscc => "cn_uscc",
            Self::CnPassport => "cn_passport",
            Self::CnHkMacauPermit => "cn_hk_macau_permit",
            Self::CnTaiwanPermit => "cn_taiwan_permit",
            Self::CnMilitaryId => "cn_military_id",
            Self::CnLicensePlate => "cn_license_plate",
            Self::CnMedicalRecord => "cn_medical_record",
            Self::CnAddress => "cn_address",
            Self::CnName => "cn_name",
            Self::Email => "email",
            Self::Phone => "phone",
            Self::UsSsn => "us_ssn",
            Self::Iban => "iban",
            Self::Passport => "passport",
            Self::Ipv4 => "ipv4",
            Self::Ipv6 => "ipv6",
            Self::MacAddress => "mac_address",
            Self::Imei => "imei",
            Self::Jwt => "jwt",
            Self::SecretKey => "secret_key",
            Self::Password => "password",
            Self::PersonName => "person_name",
            Self::DateOfBirth => "date_of_birth",
            Self::Icd10Code => "icd10_code",
            Self::GeoCoordinates => "geo_coordinates",
        }
    }

    /// The type with this id.
    pub fn from_id(id: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.id() == id)
    }

    /// Index in [`SensitiveType::ALL`], for per-type arrays.
    pub fn index(self) -> usize {
        self as usize
    }

    /// Values of this type identify a person (a data subject): what record counting keys on.
    pub fn identifies_person(self) -> bool {
        matches!(
            self,
            Self::CnResidentId
                | Self::CnMobile
                | Self::BankCard
                | Self::CnPassport
                | Self::CnHkMacauPermit
                | Self::CnTaiwanPermit
                | Self::CnMilitaryId
                | Self::CnMedicalRecord
                | Self::Email
                | Self::Phone
                | Self::UsSsn
                | Self::Iban
                | Self::Passport
        )
    }
}

impl fmt::Display for SensitiveType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.id())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip_and_index_matches_position() {
        for (i, t) in SensitiveType::ALL.into_iter().enumerate() {
            assert_eq!(SensitiveType::from_id(t.id()), Some(t));
            assert_eq!(t.index(), i);
        }
        assert_eq!(SensitiveType::from_id("nope"), None);
    }
}
