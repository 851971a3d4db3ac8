//! Grading profiles: the level each [`SensitiveType`] gets under one Chinese or international
//! standard, plus user overrides, the record combination rule and leak-volume thresholds.
//!
//! Grading is a versioned *profile*, not a constant, because the standards disagree and change
//! (GB/T 45574-2025 no longer lists the ID number as sensitive PI; JR/T 0171 still puts it in C2).
//! Every profile's scale is normalised so that a higher `level` is more sensitive and the lowest
//! level is 1. The tables, their sources and the readings we chose are in `docs/grading.md`,
//! which a test keeps identical to [`render_markdown_tables`].

use std::fmt;

use crate::SensitiveType;

const TYPES: usize = SensitiveType::ALL.len();

/// The level a type gets under one profile: what reports, alerts and masking policy key on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Grade {
    /// The profile's level, normalised: 1 = least sensitive, higher = more sensitive.
    pub level: u8,
    /// What the standard calls this level, as an ASCII id (`C2`, `level-4`, `sensitive-pi`).
    pub label: &'static str,
    /// Sensitive personal information (PIPL art. 28 reading of the profile, see docs/grading.md).
    pub sensitive_pi: bool,
    /// The standard's data category (`identity`, `financial-account`, `health`, ...).
    pub category: &'static str,
}

/// A grading standard, by stable id: what `classify.profile` in the config names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub enum ProfileId {
    /// GB/T 35273-2020: PI vs sensitive PI; ID numbers are sensitive.
    Gbt35273_2020,
    /// GB/T 45574-2025 / TC260-PG-20244A: the seven PIPL classes; ID numbers are ordinary PI.
    #[default]
    Gbt45574_2025,
    /// JR/T 0171-2020 personal financial information C1–C3 (levels 2–4).
    Jrt0171_2020,
    /// JR/T 0197-2020 financial data security levels 1–5.
    Jrt0197_2020,
    /// GB/T 39725-2020 health and medical data levels 1–5.
    Gbt39725_2020,
    /// YD/T 3813-2020 basic telecom enterprise data levels 1–4.
    Ydt3813_2020,
    /// GB/T 43697-2024 general-data sub-levels 1–4.
    Gbt43697_2024,
    /// ISO/IEC 29100 tiers with GDPR art. 9, PCI DSS and HIPAA noted (tiers 0–3 as levels 1–4).
    Intl2025,
}

impl ProfileId {
    /// Every profile, in id order: for listings, docs and table tests.
    pub const ALL: [ProfileId; 8] = [
        Self::Gbt35273_2020,
        Self::Gbt45574_2025,
        Self::Jrt0171_2020,
        Self::Jrt0197_2020,
        Self::Gbt39725_2020,
        Self::Ydt3813_2020,
        Self::Gbt43697_2024,
        Self::Intl2025,
    ];

    /// The stable id used in config and reports (`gbt45574-2025`).
    pub fn id(self) -> &'static str {
        match self {
            Self::Gbt35273_2020 => "gbt35273-2020",
            Self::Gbt45574_2025 => "gbt45574-2025",
            Self::Jrt0171_2020 => "jrt0171-2020",
            Self::Jrt0197_2020 => "jrt0197-2020",
            Self::Gbt39725_2020 => "gbt39725-2020",
            Self::Ydt3813_2020 => "ydt3813-2020",
            Self::Gbt43697_2024 => "gbt43697-2024",
            Self::Intl2025 => "intl-2025",
        }
    }

    /// The profile with this id, for parsing config.
    pub fn from_id(id: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.id() == id)
    }

    /// The standard's title, for docs and reports.
    pub fn title(self) -> &'static str {
        match self {
            Self::Gbt35273_2020 => "GB/T 35273-2020 信息安全技术 个人信息安全规范",
            Self::Gbt45574_2025 => {
                "GB/T 45574-2025 数据安全技术 敏感个人信息处理安全要求 (with TC260-PG-20244A)"
            }
            Self::Jrt0171_2020 => "JR/T 0171-2020 个人金融信息保护技术规范",
            Self::Jrt0197_2020 => "JR/T 0197-2020 金融数据安全 数据安全分级指南",
            Self::Gbt39725_2020 => "GB/T 39725-2020 信息安全技术 健康医疗数据安全指南",
            Self::Ydt3813_2020 => "YD/T 3813-2020 基础电信企业数据分类分级方法",
            Self::Gbt43697_2024 => "GB/T 43697-2024 数据安全技术 数据分类分级规则 (general data)",
            Self::Intl2025 => "ISO/IEC 29100 tiers with GDPR art. 9, PCI DSS v4.0 and HIPAA",
        }
    }

    /// The lowest level of the scale (always 1): the bottom of the override range.
    pub fn min_level(self) -> u8 {
        1
    }

    /// The highest level of the scale: the top of the override range.
    pub fn max_level(self) -> u8 {
        match self {
            Self::Jrt0197_2020 | Self::Gbt39725_2020 => 5,
            _ => 4,
        }
    }

    /// Whether this profile's scale is itself the PI / sensitive-PI scale.
    fn is_pi_scale(self) -> bool {
        matches!(
            self,
            Self::Gbt35273_2020 | Self::Gbt45574_2025 | Self::Intl2025
        )
    }

    /// The label a level has when no type-specific label applies.
    /// The standard's name for a level of this profile (`C3`, `sensitive-pi`, `level-4`).
    pub fn level_label(self, level: u8) -> &'static str {
        const LEVEL: [&str; 6] = [
            "level-0", "level-1", "level-2", "level-3", "level-4", "level-5",
        ];
        const GENERAL: [&str; 6] = [
            "general-0",
            "general-1",
            "general-2",
            "general-3",
            "general-4",
            "general-5",
        ];
        let i = usize::from(level.min(5));
        match self {
            Self::Gbt35273_2020 | Self::Gbt45574_2025 => [
                "not-pi",
                "not-pi",
                "pi",
                "sensitive-pi",
                "auth-secret",
                "auth-secret",
            ][i],
            Self::Jrt0171_2020 => ["not-pfi", "not-pfi", "C1", "C2", "C3", "C3"][i],
            Self::Intl2025 => [
                "non-pii",
                "non-pii",
                "pii",
                "sensitive-pii",
                "auth-secret",
                "auth-secret",
            ][i],
            Self::Gbt43697_2024 => GENERAL[i],
            Self::Jrt0197_2020 | Self::Gbt39725_2020 | Self::Ydt3813_2020 => LEVEL[i],
        }
    }
}

impl fmt::Display for ProfileId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.id())
    }
}

/// Why a [`Grading`] could not be built: reported to the user with the offending type.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GradingError {
    /// An override level is outside the profile's scale.
    #[error("level {level} for {ty} is out of range for profile {profile} ({min}..={max})")]
    LevelOutOfRange {
        /// The overridden type.
        ty: SensitiveType,
        /// The level asked for.
        level: u8,
        /// The profile whose scale it missed.
        profile: ProfileId,
        /// Lowest allowed level.
        min: u8,
        /// Highest allowed level.
        max: u8,
    },
}

/// A profile with the user's overrides applied: the one object the pipeline asks for levels.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grading {
    profile: ProfileId,
    levels: [u8; TYPES],
}

impl Default for Grading {
    fn default() -> Self {
        Self::from_profile(ProfileId::default())
    }
}

impl Grading {
    /// Builds a grading from a profile and `(type, level)` overrides; later overrides win.
    pub fn new(
        profile: ProfileId,
        overrides: &[(SensitiveType, u8)],
    ) -> Result<Grading, GradingError> {
        let mut g = Self::from_profile(profile);
        let (min, max) = (profile.min_level(), profile.max_level());
        for &(ty, level) in overrides {
            if !(min..=max).contains(&level) {
                return Err(GradingError::LevelOutOfRange {
                    ty,
                    level,
                    profile,
                    min,
                    max,
                });
            }
            g.levels[ty.index()] = level;
        }
        Ok(g)
    }

    /// The profile's own table with no overrides (infallible).
    pub fn from_profile(profile: ProfileId) -> Grading {
        let mut levels = [0; TYPES];
        for ty in SensitiveType::ALL {
            levels[ty.index()] = base(profile, ty).level;
        }
        Grading { profile, levels }
    }

    /// The grade of one type under this profile and overrides.
    pub fn grade(&self, ty: SensitiveType) -> Grade {
        let row = base(self.profile, ty);
        let level = self.levels[ty.index()];
        let label = match row.label {
            Some(label) if level == row.level => label,
            _ => self.profile.level_label(level),
        };
        let sensitive_pi = if self.profile.is_pi_scale() {
            level >= 3
        } else {
            base(ProfileId::Gbt45574_2025, ty).level >= 3
        };
        Grade {
            level,
            label,
            sensitive_pi,
            category: row.category,
        }
    }

    /// The profile this grading is based on.
    pub fn profile(&self) -> ProfileId {
        self.profile
    }

    /// The top of this profile's scale, for normalising levels across profiles.
    pub fn max_level(&self) -> u8 {
        self.profile.max_level()
    }

    /// The level of a record holding these types: the max of its items, and at least 4 in the
    /// finance profiles when name + ID document + phone or bank card ("三要素") appear together.
    pub fn record_level(&self, types: &[SensitiveType]) -> u8 {
        use SensitiveType as T;
        let mut level = types
            .iter()
            .map(|&t| self.levels[t.index()])
            .max()
            .unwrap_or_else(|| self.profile.min_level());
        if matches!(
            self.profile,
            ProfileId::Jrt0171_2020 | ProfileId::Jrt0197_2020
        ) {
            let has = |set: &[SensitiveType]| types.iter().any(|t| set.contains(t));
            let name = has(&[T::CnName, T::PersonName]);
            let id = has(&[
                T::CnResidentId,
                T::CnPassport,
                T::CnHkMacauPermit,
                T::CnTaiwanPermit,
                T::CnMilitaryId,
                T::UsSsn,
                T::Passport,
            ]);
            let third = has(&[T::CnMobile, T::Phone, T::BankCard, T::Iban]);
            if name && id && third {
                level = level.max(4);
            }
        }
        level
    }

    /// Raises a record level when the data subject is under 14 (PIPL art. 28): to sensitive PI
    /// on the PI scales, to general-4 in GB/T 43697, one level (capped) in the sector profiles.
    /// Non-personal data (level 1) is left alone. Finding the age is the caller's job.
    pub fn minor_uplift(&self, level: u8) -> u8 {
        if level <= 1 {
            return level;
        }
        match self.profile {
            ProfileId::Gbt35273_2020 | ProfileId::Gbt45574_2025 | ProfileId::Intl2025 => {
                level.max(3)
            }
            ProfileId::Gbt43697_2024 => level.max(4),
            _ => (level + 1).min(self.max_level()),
        }
    }

    /// The grade of an ICD-10 code value: level 5 in the health profile for special diseases
    /// (see [`is_special_disease_icd10`]), otherwise the `icd10_code` grade.
    pub fn grade_icd10(&self, code: &str) -> Grade {
        let g = self.grade(SensitiveType::Icd10Code);
        if self.profile == ProfileId::Gbt39725_2020 && is_special_disease_icd10(code) {
            Grade {
                level: 5,
                label: self.profile.level_label(5),
                ..g
            }
        } else {
            g
        }
    }
}

/// Whether an ICD-10 code is a "special disease" that GB/T 39725 grades at level 5: HIV
/// (B20–B24, Z21), sexually transmitted infections (A50–A64) and mental disorders (F chapter).
/// The list is ours; the standard only names HIV/AIDS and STDs as examples.
pub fn is_special_disease_icd10(code: &str) -> bool {
    let code = code.trim();
    let mut chars = code.chars();
    let Some(letter) = chars.next().map(|c| c.to_ascii_uppercase()) else {
        return false;
    };
    let digits: String = chars.take(2).collect();
    let Ok(n) = digits.parse::<u8>() else {
        return false;
    };
    if digits.len() != 2 {
        return false;
    }
    match letter {
        'B' => (20..=24).contains(&n),
        'Z' => n == 21,
        'A' => (50..=64).contains(&n),
        'F' => true,
        _ => false,
    }
}

/// Distinct-subject counts at which a leak of one type becomes "serious" / "very serious".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct LeakThresholds {
    /// 情节严重: records (distinct persons) at which a leak is serious.
    pub serious: u64,
    /// 情节特别严重: ten times `serious`.
    pub very_serious: u64,
}

/// Leak-volume thresholds by type, after the SPC/SPP 2017 interpretation (法释〔2017〕10号
/// art. 5): 50 for location, credit and property data; 500 for health and transaction data;
/// 5 000 for other PI; "very serious" at 10×. The leak detector counts distinct subjects.
pub fn leak_thresholds(ty: SensitiveType) -> LeakThresholds {
    use SensitiveType as T;
    let serious = match ty {
        // 行踪轨迹, 财产信息 (bank account, card, and the payment password 35273 files there).
        T::GeoCoordinates | T::BankCard | T::Iban | T::Password => 50,
        // 健康生理信息.
        T::CnMedicalRecord | T::Icd10Code => 500,
        _ => 5_000,
    };
    LeakThresholds {
        serious,
        very_serious: serious * 10,
    }
}

/// Marker before the generated tables in docs/grading.md.
pub const DOC_BEGIN: &str = "<!-- grading-tables:begin (generated by render_markdown_tables) -->";
/// Marker after the generated tables in docs/grading.md.
pub const DOC_END: &str = "<!-- grading-tables:end -->";

/// Renders every profile's table as markdown: the text docs/grading.md holds between markers.
pub fn render_markdown_tables() -> String {
    let mut out = String::new();
    for profile in ProfileId::ALL {
        let g = Grading::from_profile(profile);
        out.push_str(&format!(
            "### `{}`: {}\n\nLevels {}..={}.\n\n| type | level | label | category | sensitive PI |\n|---|---|---|---|---|\n",
            profile.id(),
            profile.title(),
            profile.min_level(),
            profile.max_level(),
        ));
        for ty in SensitiveType::ALL {
            let gr = g.grade(ty);
            out.push_str(&format!(
                "| `{}` | {} | {} | {} | {} |\n",
                ty.id(),
                gr.level,
                gr.label,
                gr.category,
                if gr.sensitive_pi { "yes" } else { "no" }
            ));
        }
        out.push('\n');
    }
    out
}

mod tables;

use tables::base;

#[cfg(test)]
mod tests {
    use super::*;
    use SensitiveType as T;

    #[test]
    fn grading_profile_ids_round_trip() {
        for p in ProfileId::ALL {
            assert_eq!(ProfileId::from_id(p.id()), Some(p));
        }
        assert_eq!(ProfileId::from_id("gbt35273"), None);
        assert_eq!(ProfileId::default().id(), "gbt45574-2025");
    }

    #[test]
    fn grading_every_type_has_a_grade_in_range_in_every_profile() {
        for p in ProfileId::ALL {
            let g = Grading::from_profile(p);
            for ty in SensitiveType::ALL {
                let gr = g.grade(ty);
                assert!(
                    (p.min_level()..=p.max_level()).contains(&gr.level),
                    "{p} {ty}: {gr:?}"
                );
                assert!(!gr.label.is_empty() && gr.label.is_ascii(), "{p} {ty}");
                assert!(
                    !gr.category.is_empty() && gr.category.is_ascii(),
                    "{p} {ty}"
                );
                // Non-personal data is the bottom of every scale, and only it.
                assert_eq!(gr.level == 1, ty == T::CnUscc, "{p} {ty}");
            }
        }
    }

    #[test]
    fn grading_consolidated_table_rows() {
        // (type, 35273, 45574, 0171, 0197, 39725, 3813, 43697, intl) from anchors §3.8.
        let rows: [(T, [u8; 8]); 10] = [
            (T::Password, [4, 4, 4, 4, 4, 4, 4, 4]),
            (T::BankCard, [3, 3, 3, 3, 3, 3, 3, 3]),
            (T::CnResidentId, [3, 2, 3, 3, 4, 3, 3, 2]),
            (T::CnPassport, [3, 2, 3, 3, 4, 3, 3, 2]),
            (T::CnMilitaryId, [3, 3, 3, 3, 4, 3, 4, 3]),
            (T::CnMobile, [2, 2, 3, 3, 4, 2, 3, 2]),
            (T::CnName, [2, 2, 3, 3, 4, 3, 2, 2]),
            (T::GeoCoordinates, [3, 3, 3, 3, 4, 3, 4, 3]),
            (T::Imei, [2, 2, 2, 2, 4, 2, 2, 2]),
            (T::CnUscc, [1, 1, 1, 1, 1, 1, 1, 1]),
        ];
        for (ty, levels) in rows {
            for (p, want) in ProfileId::ALL.into_iter().zip(levels) {
                assert_eq!(Grading::from_profile(p).grade(ty).level, want, "{p} {ty}");
            }
        }
    }

    #[test]
    fn grading_id_number_sensitivity_changed_in_45574() {
        let old = Grading::from_profile(ProfileId::Gbt35273_2020).grade(T::CnResidentId);
        let new = Grading::default().grade(T::CnResidentId);
        assert_eq!((old.label, old.sensitive_pi), ("sensitive-pi", true));
        assert_eq!((new.label, new.sensitive_pi), ("pi", false));
        // Still C2 in finance, where sensitive_pi follows 45574.
        let fin = Grading::from_profile(ProfileId::Jrt0171_2020).grade(T::CnResidentId);
        assert_eq!((fin.level, fin.label, fin.sensitive_pi), (3, "C2", false));
        let pw = Grading::from_profile(ProfileId::Jrt0171_2020).grade(T::Password);
        assert_eq!((pw.label, pw.sensitive_pi), ("C3", true));
    }

    #[test]
    fn grading_labels_follow_the_standard() {
        let intl = Grading::from_profile(ProfileId::Intl2025);
        assert_eq!(intl.grade(T::BankCard).label, "pci-chd");
        assert_eq!(intl.grade(T::CnMedicalRecord).label, "phi");
        assert_eq!(intl.grade(T::Icd10Code).label, "special-category");
        assert_eq!(intl.grade(T::Email).label, "pii");
        assert_eq!(intl.grade(T::CnUscc).label, "non-pii");
        let g = Grading::from_profile(ProfileId::Gbt43697_2024);
        assert_eq!(g.grade(T::GeoCoordinates).label, "general-4");
        let g = Grading::from_profile(ProfileId::Gbt39725_2020);
        assert_eq!(g.grade(T::Email).label, "level-4");
        assert_eq!(g.max_level(), 5);
    }

    #[test]
    fn grading_overrides_apply_and_are_range_checked() {
        let g = Grading::new(ProfileId::Intl2025, &[(T::BankCard, 4), (T::Ipv4, 1)]).unwrap();
        assert_eq!(g.grade(T::BankCard).level, 4);
        assert_eq!(g.grade(T::BankCard).label, "auth-secret");
        assert_eq!(g.grade(T::Ipv4).label, "non-pii");
        assert!(!g.grade(T::Ipv4).sensitive_pi);
        let g = Grading::new(ProfileId::Gbt45574_2025, &[(T::CnResidentId, 3)]).unwrap();
        assert!(g.grade(T::CnResidentId).sensitive_pi);
        let err = Grading::new(ProfileId::Jrt0171_2020, &[(T::CnMobile, 5)]).unwrap_err();
        assert_eq!(
            err.to_string(),
            "level 5 for cn_mobile is out of range for profile jrt0171-2020 (1..=4)"
        );
        assert!(Grading::new(ProfileId::Jrt0197_2020, &[(T::CnMobile, 5)]).is_ok());
        assert!(Grading::new(ProfileId::Jrt0197_2020, &[(T::CnMobile, 0)]).is_err());
    }

    #[test]
    fn grading_record_level_takes_the_max_and_the_three_elements_rule() {
        let fin = Grading::from_profile(ProfileId::Jrt0171_2020);
        assert_eq!(fin.record_level(&[]), 1);
        assert_eq!(fin.record_level(&[T::Imei, T::CnUscc]), 2);
        assert_eq!(fin.record_level(&[T::CnName, T::CnResidentId]), 3);
        assert_eq!(
            fin.record_level(&[T::CnName, T::CnResidentId, T::CnMobile]),
            4
        );
        let bank = Grading::from_profile(ProfileId::Jrt0197_2020);
        assert_eq!(
            bank.record_level(&[T::PersonName, T::Passport, T::BankCard]),
            4
        );
        let pi = Grading::default();
        assert_eq!(
            pi.record_level(&[T::CnName, T::CnResidentId, T::CnMobile]),
            2
        );
        assert_eq!(pi.record_level(&[T::CnName, T::Password]), 4);
    }

    #[test]
    fn grading_minor_uplift() {
        assert_eq!(Grading::default().minor_uplift(2), 3);
        assert_eq!(Grading::default().minor_uplift(1), 1);
        assert_eq!(
            Grading::from_profile(ProfileId::Gbt43697_2024).minor_uplift(2),
            4
        );
        assert_eq!(
            Grading::from_profile(ProfileId::Jrt0197_2020).minor_uplift(3),
            4
        );
        assert_eq!(
            Grading::from_profile(ProfileId::Ydt3813_2020).minor_uplift(4),
            4
        );
    }

    #[test]
    fn grading_special_diseases_reach_level_5_in_health() {
        for code in ["B20", "b24.1", "Z21", "A50.9", "F32.0"] {
            assert!(is_special_disease_icd10(code), "{code}");
        }
        for code in ["B25", "A49", "J45", "Z22", "F", "", "X1"] {
            assert!(!is_special_disease_icd10(code), "{code}");
        }
        let h = Grading::from_profile(ProfileId::Gbt39725_2020);
        assert_eq!(h.grade_icd10("B20").level, 5);
        assert_eq!(h.grade_icd10("B20").label, "level-5");
        assert_eq!(h.grade_icd10("J45").level, 4);
        assert_eq!(Grading::default().grade_icd10("B20").level, 3);
    }

    #[test]
    fn grading_leak_thresholds() {
        assert_eq!(
            leak_thresholds(T::GeoCoordinates),
            LeakThresholds {
                serious: 50,
                very_serious: 500
            }
        );
        assert_eq!(leak_thresholds(T::BankCard).serious, 50);
        assert_eq!(leak_thresholds(T::Icd10Code).serious, 500);
        assert_eq!(leak_thresholds(T::CnMedicalRecord).very_serious, 5_000);
        assert_eq!(leak_thresholds(T::CnMobile).serious, 5_000);
        for ty in SensitiveType::ALL {
            let t = leak_thresholds(ty);
            assert_eq!(t.very_serious, 10 * t.serious);
        }
    }

    #[test]
    fn grading_doc_matches_tables() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/grading.md");
        let doc = std::fs::read_to_string(path).expect("docs/grading.md");
        let rendered = render_markdown_tables();
        let (Some(b), Some(e)) = (doc.find(DOC_BEGIN), doc.find(DOC_END)) else {
            panic!("docs/grading.md lacks the markers {DOC_BEGIN} / {DOC_END}");
        };
        let current = doc[b + DOC_BEGIN.len()..e].trim();
        if current != rendered.trim() && std::env::var_os("LAMPYR_BLESS").is_some() {
            let new = format!(
                "{}{DOC_BEGIN}\n\n{}\n\n{}",
                &doc[..b],
                rendered.trim(),
                &doc[e..]
            );
            std::fs::write(path, new).expect("write docs/grading.md");
            return;
        }
        assert!(
            current == rendered.trim(),
            "docs/grading.md tables differ from the code; rerun with LAMPYR_BLESS=1"
        );
    }
}
