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

/// Word rules: a run of tokens concatenating to the word gives the concept.
const WORDS: &[(&str, Concept)] = {
    use Concept::*;
    &[
        // identity card
        ("idcard", IdCard),
        ("idcardno", IdCard),
        ("idno", IdCard),
        ("idnumber", IdCard),
        ("identitycard", IdCard),
        ("identityno", IdCard),
        ("identitynumber", IdCard),
        ("nationalid", IdCard),
        ("residentid", IdCard),
        ("sfz", IdCard),
        ("sfzh", IdCard),
        ("sfzhm", IdCard),
        ("shenfenzheng", IdCard),
        ("citizenid", IdCard),
        ("personalid", IdCard),
        ("socialsecurityno", IdCard),
        ("sbh", IdCard),
        // any document
        ("cert", Certificate),
        ("certno", Certificate),
        ("certnum", Certificate),
        ("certnumber", Certificate),
        ("certificateno", Certificate),
        ("certificatenumber", Certificate),
        ("zjhm", Certificate),
        ("zjh", Certificate),
        ("documentno", Certificate),
        ("documentnumber", Certificate),
        ("docno", Certificate),
        ("docnumber", Certificate),
        ("identity", Certificate),
        ("identitydocuments", Certificate),
        ("identitydocument", Certificate),
        ("documents", Certificate),
        ("credentialno", Certificate),
        ("idcode", Certificate),
        // phones
        ("mobile", Mobile),
        ("mobileno", Mobile),
        ("mobilephone", Mobile),
        ("cellphone", Mobile),
        ("cell", Mobile),
        ("msisdn", Mobile),
        ("sjh", Mobile),
        ("sjhm", Mobile),
        ("shouji", Mobile),
        ("phone", Phone),
        ("phoneno", Phone),
        ("phonenumber", Phone),
        ("phonenum", Phone),
        ("ph", Phone),
        ("tel", Phone),
        ("telno", Phone),
        ("telephone", Phone),
        ("fax", Phone),
        ("lxdh", Phone),
        ("dh", Phone),
        ("dianhua", Phone),
        ("contactno", Phone),
        ("contactnumber", Phone),
        ("whatsapp", Phone),
        ("calledno", Phone),
        ("callednumber", Phone),
        ("callerno", Phone),
        ("callernumber", Phone),
        ("callno", Phone),
        ("dialno", Phone),
        ("callee", Phone),
        // names
        ("name", BareName),
        ("fullname", Name),
        ("realname", Name),
        ("firstname", Name),
        ("lastname", Name),
        ("givenname", Name),
        ("familyname", Name),
        ("surname", Name),
        ("middlename", Name),
        ("given", Name),
        ("family", Name),
        ("forename", Name),
        ("xm", Name),
        ("xingming", Name),
        ("nm", BareName),
        ("fullnm", Name),
        ("realnm", Name),
        ("custnm", Name),
        ("owner", Name),
        ("holder", Name),
        ("legalperson", Name),
        ("legalrepresentative", Name),
        ("contact", Name),
        ("contactperson", Name),
        ("doctor", Name),
        ("attendingdoctor", Name),
        ("physician", Name),
        ("nurse", Name),
        ("driver", Name),
        ("caller", Name),
        ("recipient", Name),
        ("receiver", Name),
        ("consignee", Name),
        ("beneficiary", Name),
        ("payee", Name),
        ("payer", Name),
        ("applicant", Name),
        ("insured", Name),
        ("policyholder", Name),
        ("guardian", Name),
        ("spouse", Name),
        ("patient", Name),
        ("author", Name),
        ("requester", Name),
        ("reporter", Name),
        ("sender", Name),
        ("shipto", Name),
        ("billto", Name),
        ("buyer", Name),
        ("seller", Name),
        ("passenger", Name),
        ("student", Name),
        ("teacher", Name),
        ("member", Name),
        ("person", Name),
        ("people", Name),
        ("user", ThingName),
        ("uploader", Name),
        ("operator", Name),
        ("approver", Name),
        ("handler", Name),
        ("agent", Name),
        ("surveyor", Name),
        ("assignee", Name),
        ("signatory", Name),
        ("employee", Name),
        ("customer", Name),
        ("cardholder", Name),
        ("nameoncard", Name),
        ("embossedname", Name),
        ("accountholder", Name),
        ("lxr", Name),
        ("khm", Name),
        ("hm", Name),
        // address
        ("address", Address),
        ("addr", Address),
        ("addr1", Address),
        ("addr2", Address),
        ("street", Address),
        ("streetaddress", Address),
        ("dz", Address),
        ("zz", Address),
        ("dizhi", Address),
        ("residence", Address),
        ("domicile", Address),
        ("hjdz", Address),
        ("jzdz", Address),
        ("location", Geo),
        // email
        ("email", Email),
        ("mail", Email),
        ("emailaddress", Email),
        ("yx", Email),
        ("youxiang", Email),
        // documents
        ("passport", Passport),
        ("passportno", Passport),
        ("passportnumber", Passport),
        ("hzhm", Passport),
        ("hz", Passport),
        ("hkmacaupermit", HkMacauPermit),
        ("hkmacau", HkMacauPermit),
        ("hkmopermit", HkMacauPermit),
        ("gatxz", HkMacauPermit),
        ("homereturnpermit", HkMacauPermit),
        ("hongkong", HkMacauPermit),
        ("macau", HkMacauPermit),
        ("taiwanpermit", TaiwanPermit),
        ("taiwan", TaiwanPermit),
        ("twpermit", TaiwanPermit),
        ("tbz", TaiwanPermit),
        ("twtxz", TaiwanPermit),
        ("tbzh", TaiwanPermit),
        ("txz", Certificate),
        ("txzh", Certificate),
        ("hxz", HkMacauPermit),
        ("hxzh", HkMacauPermit),
        ("twtxzh", TaiwanPermit),
        ("gatxzh", HkMacauPermit),
        ("officer", Military),
        ("officercert", Military),
        ("military", Military),
        ("militaryid", Military),
        ("veteran", Military),
        ("soldier", Military),
        ("jgz", Military),
        ("plate", Plate),
        ("plateno", Plate),
        ("platenumber", Plate),
        ("licenseplate", Plate),
        ("licenceplate", Plate),
        ("vehicleplate", Plate),
        ("carno", Plate),
        ("cph", Plate),
        ("chepai", Plate),
        ("vehicleno", Plate),
        ("mrn", MedicalRecord),
        ("medicalrecord", MedicalRecord),
        ("medicalrecordno", MedicalRecord),
        ("medicalrecordnumber", MedicalRecord),
        ("medicalrecords", MedicalRecord),
        ("recordno", MedicalRecord),
        ("visitcard", MedicalRecord),
        ("visitcardno", MedicalRecord),
        ("healthcard", MedicalRecord),
        ("healthcardno", MedicalRecord),
        ("inpatientno", MedicalRecord),
        ("inpatientnumber", MedicalRecord),
        ("outpatientno", MedicalRecord),
        ("outpatientnumber", MedicalRecord),
        ("admissionno", MedicalRecord),
        ("admissionnumber", MedicalRecord),
        ("hospitalno", MedicalRecord),
        ("patientid", MedicalRecord),
        ("patientno", MedicalRecord),
        ("patientnumber", MedicalRecord),
        ("caseno", MedicalRecord),
        ("chartno", MedicalRecord),
        ("blh", MedicalRecord),
        ("zyh", MedicalRecord),
        ("mzh", MedicalRecord),
        ("jzkh", MedicalRecord),
        ("jzh", MedicalRecord),
        ("ybkh", MedicalRecord),
        ("brid", MedicalRecord),
        ("brbh", MedicalRecord),
        ("hzid", MedicalRecord),
        ("hzbh", MedicalRecord),
        ("zyhm", MedicalRecord),
        ("mzhm", MedicalRecord),
        ("medicalinsuranceno", MedicalRecord),
        ("insuredno", MedicalRecord),
        // money
        ("card", BankCard),
        ("cardno", BankCard),
        ("cardnum", BankCard),
        ("cardnumber", BankCard),
        ("card", BankCard),
        ("pan", BankCard),
        ("acct", BankCard),
        ("acctno", BankCard),
        ("account", BankCard),
        ("accountno", BankCard),
        ("accountnumber", BankCard),
        ("bankaccount", BankCard),
        ("bankcard", BankCard),
        ("settlecard", BankCard),
        ("settlecards", BankCard),
        ("repaymentcard", BankCard),
        ("yhkh", BankCard),
        ("kh", BankCard),
        ("zh", BankCard),
        ("creditcard", BankCard),
        ("debitcard", BankCard),
        ("number", BankCard),
        ("iban", Iban),
        ("ibanno", Iban),
        ("ssn", Ssn),
        ("socialsecurity", Ssn),
        ("socialsecuritynumber", Ssn),
        ("taxid", Ssn),
        ("tin", Ssn),
        // network / device
        ("ip", Ip),
        ("ipaddr", Ip),
        ("ipaddress", Ip),
        ("ipv4", Ip),
        ("ipv6", Ip),
        ("clientip", Ip),
        ("remoteaddr", Ip),
        ("forwardedfor", Ip),
        ("realip", Ip),
        ("mac", Mac),
        ("macaddr", Mac),
        ("macaddress", Mac),
        ("imei", Imei),
        ("meid", Imei),
        ("imsi", Imei),
        ("deviceimei", Imei),
        // credentials
        ("token", Token),
        ("accesstoken", Token),
        ("refreshtoken", Token),
        ("idtoken", Token),
        ("jwt", Token),
        ("authorization", Token),
        ("auth", Token),
        ("authtoken", Token),
        ("session", Token),
        ("sessionid", Token),
        ("sid", Token),
        ("bearer", Token),
        ("secret", Secret),
        ("apisecret", Secret),
        ("clientsecret", Secret),
        ("secretkey", Secret),
        ("secretaccesskey", Secret),
        ("accesskey", Secret),
        ("accesskeyid", Secret),
        ("apikey", Secret),
        ("appkey", Secret),
        ("appsecret", Secret),
        ("privatekey", Secret),
        ("signingsecret", Secret),
        ("signingkey", Secret),
        ("webhooksecret", Secret),
        ("credential", Secret),
        ("credentials", Secret),
        ("key", Secret),
        ("password", Password),
        ("passwd", Password),
        ("pw", Password),
        ("pwd", Password),
        ("pass", Password),
        ("passcode", Password),
        ("pin", Password),
        ("pincode", Password),
        ("mima", Password),
        ("mm", Password),
        ("zfmm", Password),
        ("dlmm", Password),
        ("jymm", Password),
        ("cxmm", Password),
        ("paypwd", Password),
        ("tradepwd", Password),
        ("loginpwd", Password),
        // dates
        ("birth", Birth),
        ("birthday", Birth),
        ("birthdate", Birth),
        ("dateofbirth", Birth),
        ("dob", Birth),
        ("bday", Birth),
        ("born", Birth),
        ("csrq", Birth),
        // health
        ("icd", Diagnosis),
        ("icd10", Diagnosis),
        ("icdcode", Diagnosis),
        ("diagnosis", Diagnosis),
        ("diagnoses", Diagnosis),
        ("diagnosiscode", Diagnosis),
        ("diagnosiscodes", Diagnosis),
        ("diag", Diagnosis),
        ("dx", Diagnosis),
        ("zdbm", Diagnosis),
        ("zddm", Diagnosis),
        ("jbbm", Diagnosis),
        ("jbdm", Diagnosis),
        // geo
        ("lat", Geo),
        ("lng", Geo),
        ("lon", Geo),
        ("long", Geo),
        ("latitude", Geo),
        ("longitude", Geo),
        ("gps", Geo),
        ("geo", Geo),
        ("coord", Geo),
        ("coords", Geo),
        ("coordinates", Geo),
        ("position", Geo),
        ("pos", Geo),
        ("latlng", Geo),
        ("lnglat", Geo),
        ("jd", Geo),
        ("wd", Geo),
        // organisation
        ("uscc", Uscc),
        ("creditcode", Uscc),
        ("tyshxydm", Uscc),
        // look-alikes
        ("order", Negative),
        ("lsh", Negative),
        ("ddh", Negative),
        ("orderid", Negative),
        ("orderno", Negative),
        ("txn", Negative),
        ("txnid", Negative),
        ("trace", Negative),
        ("traceid", Negative),
        ("request", Negative),
        ("requestid", Negative),
        ("uuid", Negative),
        ("guid", Negative),
        ("sku", Negative),
        ("hash", Negative),
        ("md5", Negative),
        ("sha", Negative),
        ("sha1", Negative),
        ("sha256", Negative),
        ("sign", Negative),
        ("signature", Negative),
        ("digest", Negative),
        ("checksum", Negative),
        ("etag", Negative),
        ("nonce", Negative),
        ("timestamp", Negative),
        ("time", Negative),
        ("createdat", Negative),
        ("updatedat", Negative),
        ("version", Negative),
        ("ean", Negative),
        ("upc", Negative),
        ("isbn", Negative),
        ("barcode", Negative),
        ("tracking", Negative),
        ("trackingnumber", Negative),
        ("merchantno", Negative),
        ("merchantid", Negative),
        ("serial", Negative),
        ("serialno", Negative),
        ("voucher", Negative),
        ("voucherno", Negative),
        ("ref", Negative),
        ("reference", Negative),
        ("invoice", Negative),
        ("invoiceno", Negative),
        ("ticket", Negative),
        ("apptno", Negative),
        ("rxno", Negative),
        ("loanno", Negative),
        ("reportno", Negative),
        ("sampleno", Negative),
        ("visitno", Negative),
        ("custno", Negative),
        ("loyalty", Negative),
        ("loyaltynumber", Negative),
        ("giftcard", Negative),
        ("assetno", Negative),
        ("licenseno", Negative),
        ("masked", Masked),
        ("mask", Masked),
        ("tail", Masked),
        ("last4", Masked),
        ("cardtail", Masked),
        // things with names
        ("file", ThingName),
        ("filename", ThingName),
        ("product", ThingName),
        ("company", ThingName),
        ("companyname", ThingName),
        ("org", ThingName),
        ("organization", ThingName),
        ("organisation", ThingName),
        ("host", ThingName),
        ("hostname", ThingName),
        ("drug", ThingName),
        ("dept", ThingName),
        ("department", ThingName),
        ("hospital", ThingName),
        ("bank", ThingName),
        ("bankname", ThingName),
        ("branch", ThingName),
        ("merchant", ThingName),
        ("shop", ThingName),
        ("store", ThingName),
        ("brand", ThingName),
        ("item", ThingName),
        ("itemname", ThingName),
        ("goods", ThingName),
        ("app", ThingName),
        ("device", ThingName),
        ("devicename", ThingName),
        ("service", ThingName),
        ("server", ThingName),
        ("domain", ThingName),
        ("category", ThingName),
        ("type", ThingName),
        ("model", ThingName),
        ("plan", ThingName),
        ("course", ThingName),
        ("project", ThingName),
        ("city", ThingName),
        ("province", ThingName),
        ("region", ThingName),
        ("country", ThingName),
        ("district", ThingName),
        ("building", ThingName),
        ("event", ThingName),
        ("field", ThingName),
        ("label", ThingName),
        ("tag", ThingName),
        ("title", ThingName),
        ("nick", ThingName),
        ("nickname", ThingName),
        ("user", ThingName),
        ("username", ThingName),
        ("login", ThingName),
        ("loginname", ThingName),
        ("account", BankCard),
        ("ward", ThingName),
        ("bed", ThingName),
        ("room", ThingName),
        ("team", ThingName),
        ("group", ThingName),
        ("role", ThingName),
        ("channel", ThingName),
        ("status", ThingName),
        ("display", ThingName),
        ("attachment", ThingName),
        ("attachments", ThingName),
        ("diagnosisname", ThingName),
        ("insurance", ThingName),
        ("employer", ThingName),
        ("school", ThingName),
        ("vendor", ThingName),
        ("supplier", ThingName),
        ("method", ThingName),
        ("currency", ThingName),
        ("unit", ThingName),
    ]
};

/// Chinese key fragments, matched as substrings.
const CJK_WORDS: &[(&str, Concept)] = {
    use Concept::*;
    &[
        ("身份证", IdCard),
        ("身分證", IdCard),
        ("证件", Certificate),
        ("手机", Mobile),
        ("电话", Phone),
        ("联系方式", Phone),
        ("姓名", Name),
        ("联系人", Name),
        ("收件人", Name),
        ("收货人", Name),
        ("持卡人", Name),
        ("户名", Name),
        ("患者", Name),
        ("就诊人", Name),
        ("地址", Address),
        ("住址", Address),
        ("邮箱", Email),
        ("邮件", Email),
        ("护照", Passport),
        ("港澳", HkMacauPermit),
        ("台湾", TaiwanPermit),
        ("台胞", TaiwanPermit),
        ("军官", Military),
        ("士兵", Military),
        ("车牌", Plate),
        ("病历", MedicalRecord),
        ("病案", MedicalRecord),
        ("住院号", MedicalRecord),
        ("门诊号", MedicalRecord),
        ("就诊卡", MedicalRecord),
        ("健康卡", MedicalRecord),
        ("银行卡", BankCard),
        ("卡号", BankCard),
        ("账号", BankCard),
        ("账户", BankCard),
        ("密码", Password),
        ("出生", Birth),
        ("生日", Birth),
        ("诊断", Diagnosis),
        ("经度", Geo),
        ("纬度", Geo),
        ("定位", Geo),
        ("信用代码", Uscc),
        ("令牌", Token),
        ("密钥", Secret),
        ("订单", Negative),
        ("流水号", Negative),
        ("时间", Negative),
        ("版本", Negative),
    ]
};

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
                // First rule wins, so a word listed twice keeps its first meaning.
                m.entry(*w).or_insert(*c);
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
    fn parents_add_context() {
        let h = Hints::of_key("code").with_parent("lastDiagnosis");
        assert!(h.any(Concept::Diagnosis));
        assert!(!h.leaf(Concept::Diagnosis));
    }
}
