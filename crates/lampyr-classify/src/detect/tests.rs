use super::*;

fn best(key: &str, parent: &str, value: &str) -> Option<(T, f32)> {
    let mut h = Hints::of_key(key);
    if !parent.is_empty() {
        h = h.with_parent(parent);
    }
    let mut out = Vec::new();
    detect(value, &h, &mut out);
    out.into_iter()
        .filter(|d| d.score >= HIT)
        .max_by(|a, b| a.score.total_cmp(&b.score))
        .map(|d| (d.ty, d.score))
}

fn is(key: &str, value: &str, ty: T) {
    let got = best(key, "", value);
    assert_eq!(got.map(|g| g.0), Some(ty), "{key}={value:?} gave {got:?}");
}

fn none(key: &str, value: &str) {
    let got = best(key, "", value);
    assert_eq!(got, None, "{key}={value:?} should be clean");
}

#[test]
fn chinese_identifiers_with_and_without_context() {
    is("idCard", "320106199809048201", T::CnResidentId);
    is("value", "11010519491231002X", T::CnResidentId);
    is("mobile", "13162057905", T::CnMobile);
    is("v", "+86 138 1234 5678", T::CnMobile);
    is("homePhone", "022-20810673", T::CnLandline);
    is("acctNo", "6217008763636741018", T::BankCard);
    is("employerCode", "914401067219740590", T::CnUscc);
    is("passportNo", "E37615444", T::CnPassport);
    is("hkMacauPermit", "C94945217", T::CnHkMacauPermit);
    is("taiwanPermit", "L43358611", T::CnTaiwanPermit);
    is("certNo", "成字第15142206号", T::CnMilitaryId);
    is("vehiclePlate", "鄂T54NR0", T::CnLicensePlate);
    is("plateNo", "川QFU7068", T::CnLicensePlate);
    is("medicalRecordNo", "MR2020823055", T::CnMedicalRecord);
    is("visitCardNo", "881300668648", T::CnMedicalRecord);
    is("patientName", "姚子昊", T::CnName);
    is("address", "北京市海淀区知春路595号", T::CnAddress);
}

#[test]
fn international_identifiers() {
    is("email", "guo.chen@renhe-health.cn", T::Email);
    is("phone", "+14046448761", T::Phone);
    is("ssn", "058-60-8205", T::UsSsn);
    is("iban", "GB03VAYM09949170112610", T::Iban);
    is("passport_number", "32RM63069", T::Passport);
    is("ip", "218.165.21.93", T::Ipv4);
    is("ip", "2409:2581:1a8f:5582::bd17:2797", T::Ipv6);
    is(
        "x-forwarded-for",
        "27.129.195.216, 202.128.101.250",
        T::Ipv4,
    );
    is("mac", "3C:22:FB:A1:88:6C", T::MacAddress);
    is("imei", "863564225436105", T::Imei);
    is(
        "authorization",
        "Bearer eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl",
        T::Jwt,
    );
    is("access_key_id", "AKIA5JPDFEH4BEBELD5Z", T::SecretKey);
    is(
        "apiSecret",
        "8dc547cd3029ae558eceb181f0ddd6c5",
        T::SecretKey,
    );
    is("password", "P@ssw0rd123", T::Password);
    is("tradePwd", "849993", T::Password);
    is("full_name", "Mia Schmidt", T::PersonName);
    is("birthDate", "1988-04-28", T::DateOfBirth);
    is("icd10", "G43.9", T::Icd10Code);
    is("gps", "23.845209,113.328277", T::GeoCoordinates);
    is("latitude", "40.953651", T::GeoCoordinates);
}

#[test]
fn pinyin_keys_name_their_types() {
    is("brid", "ZY2021423401", T::CnMedicalRecord);
    is("jbbm", "K35.800x001", T::Icd10Code);
    is("hxzh", "H12345678", T::CnHkMacauPermit);
    is("sfzhm", "11010519491231002X", T::CnResidentId);
    is("jd", "116.397128", T::GeoCoordinates);
    is("zfmm", "849993", T::Password);
}

#[test]
fn hospital_numbers_alone_are_only_weak_evidence() {
    let mut out = Vec::new();
    detect("MR2017987877", &Hints::of_key("value"), &mut out);
    let d = out
        .iter()
        .find(|d| d.ty == T::CnMedicalRecord)
        .expect("weak evidence");
    assert!(d.score < HIT && d.score >= 0.3, "{d:?}");
}

#[test]
fn parents_give_context() {
    assert_eq!(
        best("code", "lastDiagnosis", "G43.9").map(|b| b.0),
        Some(T::Icd10Code)
    );
    assert_eq!(
        best("given", "name", "Léa").map(|b| b.0),
        Some(T::PersonName)
    );
}

#[test]
fn hard_negatives_stay_clean() {
    none("x-request-id", "bf201362-9bb7-477e-90f2-a4d39f4e60ec");
    none("createdAt", "1717059865718");
    none("apptNo", "SQ20240527155274");
    none("archiveNo", "420111196702185269"); // bad check character
    none("bmi", "113.73687");
    none("balance", "25.545646");
    none("txnId", "1794058436868060446");
    none("voucherNo", "5187797511886418"); // fails Luhn
    none("x-sign", "df57f905536993ec737e441646498fb5c9ed6036");
    none("fileMd5", "4132364f7bbb710b2aa42eb9d3621538");
    none("minVersion", "v4.13.2-rc1");
    none("firmware", "5.29.61");
    none("maskedMobile", "155****2649");
    none("maskedIdCard", "110108********7222");
    none("cardNoMasked", "622202*********1011");
    none("payeeName", "崔*");
    none("recovery_email", "h***@yahoo.com");
    none("custNo", "11430742778"); // no such mobile segment
    none("merchantNo", "898382191174284");
    none("ean", "6945602155380");
    none("sku", "S14188377");
    none("drugCode", "SKU-ZPX-08529");
    none("orderNo", "20240524172605099158");
    none("date", "2024-07-02");
    none("visitDate", "20240520");
    none(
        "user_agent",
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15",
    );
    none(
        "publicKey",
        "-----BEGIN CERTIFICATE-----\nRZudtay5Nz2fuQ7rX/ENboMoypcI8Dw\n",
    );
    none("tracking_number", "753292984703");
    none("specimenBarcode", "9997448");
    none("tel", "400-820-8820");
    none("hotline", "95588");
}

#[test]
fn identifiers_inside_free_text() {
    let mut out = Vec::new();
    let text = "老人摔倒无法起身，家属电话18691162407";
    detect(text, &Hints::of_key("note"), &mut out);
    let d = out
        .iter()
        .find(|d| d.ty == T::CnMobile)
        .expect("mobile in text");
    assert_eq!(&text[d.start as usize..d.end as usize], "18691162407");
    out.clear();
    let text = "Hi, my parcel never arrived. Please call me back at +33 6444 67190 after 6pm.";
    detect(text, &Hints::of_key("body"), &mut out);
    assert!(
        out.iter().any(|d| d.ty == T::Phone && d.score >= HIT),
        "{out:?}"
    );
}

#[test]
fn never_panics_on_odd_input() {
    let h = Hints::of_key("x");
    let mut out = Vec::new();
    for v in [
        "",
        " ",
        "\u{0}",
        "字第",
        "·",
        "@",
        "eyJ",
        "+",
        "1.2.3.4.5",
        "::",
        "é".repeat(600).as_str(),
    ] {
        detect(v, &h, &mut out);
    }
}
