//! The hospital's records, generated from the seed on demand: a patient is a pure function
//! of `(seed, id)`, so ten thousand patients cost no memory and every run serves the same data.

use serde_json::{json, Value};

use crate::rng::Rng;

/// First patient id.
pub const FIRST_PATIENT: u32 = 10_001;
/// Number of patients.
pub const PATIENTS: u32 = 10_000;
/// Number of doctors (`D001` …).
pub const DOCTORS: u32 = 24;
/// Lab partner accounts (`lab01` …).
pub const LABS: u32 = 4;
/// Lab reports per patient; report ids are `patient_id * 10 + k`, k in 1..=LAB_REPORTS.
pub const LAB_REPORTS: u32 = 3;

/// Whether `id` is a patient of the hospital.
pub fn patient_exists(id: u32) -> bool {
    (FIRST_PATIENT..FIRST_PATIENT + PATIENTS).contains(&id)
}

/// (surname, pinyin)
const SURNAMES: &[(&str, &str)] = &[
    ("王", "wang"),
    ("李", "li"),
    ("张", "zhang"),
    ("刘", "liu"),
    ("陈", "chen"),
    ("杨", "yang"),
    ("黄", "huang"),
    ("赵", "zhao"),
    ("吴", "wu"),
    ("周", "zhou"),
    ("徐", "xu"),
    ("孙", "sun"),
    ("马", "ma"),
    ("朱", "zhu"),
    ("胡", "hu"),
    ("郭", "guo"),
    ("何", "he"),
    ("高", "gao"),
    ("林", "lin"),
    ("罗", "luo"),
];

/// (given name, pinyin)
const GIVEN: &[(&str, &str)] = &[
    ("伟", "wei"),
    ("芳", "fang"),
    ("娜", "na"),
    ("敏", "min"),
    ("静", "jing"),
    ("丽", "li"),
    ("强", "qiang"),
    ("磊", "lei"),
    ("军", "jun"),
    ("洋", "yang"),
    ("勇", "yong"),
    ("艳", "yan"),
    ("杰", "jie"),
    ("娟", "juan"),
    ("涛", "tao"),
    ("明", "ming"),
    ("超", "chao"),
    ("秀英", "xiuying"),
    ("建华", "jianhua"),
    ("志强", "zhiqiang"),
];

/// (administrative division code, its name, streets)
const AREAS: &[(&str, &str, &[&str])] = &[
    (
        "110101",
        "北京市东城区",
        &["东四十条", "朝阳门北大街", "和平里西街"],
    ),
    ("110105", "北京市朝阳区", &["建国路", "望京街", "朝阳北路"]),
    (
        "310104",
        "上海市徐汇区",
        &["漕溪北路", "肇嘉浜路", "天钥桥路"],
    ),
    (
        "310115",
        "上海市浦东新区",
        &["世纪大道", "张杨路", "陆家嘴环路"],
    ),
    (
        "440106",
        "广东省广州市天河区",
        &["天河路", "体育西路", "中山大道"],
    ),
    (
        "440305",
        "广东省深圳市南山区",
        &["科技园南路", "南海大道", "深南大道"],
    ),
    (
        "330106",
        "浙江省杭州市西湖区",
        &["文三路", "天目山路", "学院路"],
    ),
    (
        "510107",
        "四川省成都市武侯区",
        &["人民南路", "武侯祠大街", "科华北路"],
    ),
    (
        "420106",
        "湖北省武汉市武昌区",
        &["中山路", "解放路", "武珞路"],
    ),
    (
        "320102",
        "江苏省南京市玄武区",
        &["中山东路", "珠江路", "北京东路"],
    ),
];

/// MIIT mobile segments in common use.
const MOBILE_PREFIXES: &[&str] = &[
    "138", "139", "135", "136", "150", "152", "158", "186", "187", "177", "181", "199", "133",
    "189",
];

const MAIL_DOMAINS: &[&str] = &["163.com", "qq.com", "126.com", "sina.com", "outlook.com"];

const DEPARTMENTS: &[&str] = &[
    "心内科",
    "内分泌科",
    "呼吸内科",
    "消化内科",
    "骨科",
    "儿科",
    "妇产科",
    "神经内科",
];

const TITLES: &[&str] = &["主任医师", "副主任医师", "主治医师", "住院医师"];

/// (ICD-10 code, diagnosis, drug, dosage, frequency)
const DIAGNOSES: &[(&str, &str, &str, &str, &str)] = &[
    ("I10", "原发性高血压", "苯磺酸氨氯地平片", "5mg", "每日一次"),
    ("E11.9", "2型糖尿病", "盐酸二甲双胍片", "0.5g", "每日两次"),
    (
        "J06.9",
        "急性上呼吸道感染",
        "阿莫西林胶囊",
        "0.5g",
        "每日三次",
    ),
    ("K29.7", "胃炎", "奥美拉唑肠溶胶囊", "20mg", "每日一次"),
    ("M54.5", "腰痛", "布洛芬缓释胶囊", "0.3g", "每日两次"),
    ("E78.5", "高脂血症", "阿托伐他汀钙片", "20mg", "每晚一次"),
    (
        "J45.9",
        "哮喘",
        "布地奈德福莫特罗吸入剂",
        "160/4.5μg",
        "每日两次",
    ),
    ("N39.0", "尿路感染", "左氧氟沙星片", "0.5g", "每日一次"),
    (
        "I25.1",
        "动脉硬化性心脏病",
        "阿司匹林肠溶片",
        "100mg",
        "每日一次",
    ),
    (
        "F41.1",
        "广泛性焦虑障碍",
        "盐酸舍曲林片",
        "50mg",
        "每日一次",
    ),
];

/// A lab test item: (name, unit, low, high).
type LabItem = (&'static str, &'static str, f64, f64);

/// (test, items)
const LAB_TESTS: &[(&str, &[LabItem])] = &[
    (
        "血常规",
        &[
            ("白细胞计数", "10^9/L", 3.5, 9.5),
            ("红细胞计数", "10^12/L", 4.3, 5.8),
            ("血红蛋白", "g/L", 130.0, 175.0),
            ("血小板计数", "10^9/L", 125.0, 350.0),
        ],
    ),
    (
        "肝功能",
        &[
            ("丙氨酸氨基转移酶", "U/L", 9.0, 50.0),
            ("天门冬氨酸氨基转移酶", "U/L", 15.0, 40.0),
            ("总胆红素", "μmol/L", 0.0, 26.0),
        ],
    ),
    (
        "血糖血脂",
        &[
            ("空腹血糖", "mmol/L", 3.9, 6.1),
            ("糖化血红蛋白", "%", 4.0, 6.0),
            ("总胆固醇", "mmol/L", 0.0, 5.2),
        ],
    ),
];

const ALLERGIES: &[&str] = &["青霉素", "头孢类", "磺胺类", "花粉", "海鲜"];
const BLOOD_TYPES: &[&str] = &["A", "B", "AB", "O"];
const INSURANCE: &[&str] = &["城镇职工医保", "城乡居民医保", "商业保险", "自费"];

/// The GB 11643 check character of the first 17 digits of a resident id.
pub fn resident_id_check(body: &[u8; 17]) -> char {
    const W: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    const C: &[u8; 11] = b"10X98765432";
    let sum: u32 = body
        .iter()
        .zip(W)
        .map(|(d, w)| u32::from(d.saturating_sub(b'0')) * w)
        .sum();
    char::from(C[(sum % 11) as usize])
}

/// A Chinese name and its pinyin.
fn name(r: &mut Rng) -> (String, String) {
    let (s, sp) = *r.pick(SURNAMES);
    let (g, gp) = *r.pick(GIVEN);
    (format!("{s}{g}"), format!("{sp}{gp}"))
}

/// A mobile number on a public MIIT segment.
fn mobile(r: &mut Rng) -> String {
    format!("{}{}", r.pick(MOBILE_PREFIXES), r.digits(8))
}

/// A patient: identity, contact, insurance and clinical summary.
pub fn patient(seed: u64, id: u32) -> Value {
    let mut r = Rng::new(seed, u64::from(id));
    let (name, pinyin) = name(&mut r);
    let male = r.chance(0.5);
    let (year, month, day) = (r.range(1940, 2005), r.range(1, 12), r.range(1, 28));
    let (area, area_name, streets) = *r.pick(AREAS);
    // The sequence number's parity is the sex (odd: male).
    let seq = r.range(0, 499) * 2 + u64::from(male);
    let body = format!("{area}{year:04}{month:02}{day:02}{seq:03}");
    let mut digits = [0u8; 17];
    digits.copy_from_slice(body.as_bytes());
    let id_card = format!("{body}{}", resident_id_check(&digits));
    let street = r.pick(streets);
    let address = format!(
        "{area_name}{street}{}号{}栋{}单元{}室",
        r.range(1, 320),
        r.range(1, 12),
        r.range(1, 4),
        r.range(101, 2804)
    );
    let email = format!("{pinyin}{:02}@{}", year % 100, r.pick(MAIL_DOMAINS));
    let (icd, diagnosis, ..) = *r.pick(DIAGNOSES);
    let allergies: Vec<&str> = if r.chance(0.3) {
        vec![*r.pick(ALLERGIES)]
    } else {
        Vec::new()
    };
    json!({
        "id": id,
        "mrn": format!("MR{}{:07}", 2015 + r.below(11), id),
        "name": name,
        "gender": if male { "男" } else { "女" },
        "birthDate": format!("{year:04}-{month:02}-{day:02}"),
        "idCard": id_card,
        "mobile": mobile(&mut r),
        "email": email,
        "address": address,
        "bloodType": r.pick(BLOOD_TYPES),
        "allergies": allergies,
        "primaryDoctorId": doctor_id(r.range(1, u64::from(DOCTORS)) as u32),
        "insurance": {"type": r.pick(INSURANCE), "cardNo": format!("YB{}", r.digits(10))},
        "diagnosis": {"icd10": icd, "name": diagnosis},
    })
}

/// The short form listed by `GET /patients`.
pub fn patient_summary(seed: u64, id: u32) -> Value {
    let p = patient(seed, id);
    json!({
        "id": p["id"],
        "mrn": p["mrn"],
        "name": p["name"],
        "gender": p["gender"],
        "birthDate": p["birthDate"],
        "idCard": p["idCard"],
        "mobile": p["mobile"],
    })
}

/// The mobile number a patient signs in with.
pub fn patient_mobile(seed: u64, id: u32) -> String {
    patient(seed, id)["mobile"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

/// `D007` for 7.
pub fn doctor_id(n: u32) -> String {
    format!("D{n:03}")
}

/// A doctor (1-based `n`).
pub fn doctor(seed: u64, n: u32) -> Value {
    let mut r = Rng::new(seed ^ 0xD0C7_0125, u64::from(n));
    let (name, _) = name(&mut r);
    json!({
        "id": doctor_id(n),
        "name": name,
        "department": DEPARTMENTS[(n as usize - 1) % DEPARTMENTS.len()],
        "title": r.pick(TITLES),
        "office": format!("门诊楼{}层{}诊室", r.range(1, 6), r.range(1, 30)),
        "phone": format!("010-6515{}", r.digits(4)),
        "licenseNo": format!("1101{}", r.digits(11)),
    })
}

/// Every doctor, optionally only one department's.
pub fn doctors(seed: u64, department: Option<&str>) -> Vec<Value> {
    (1..=DOCTORS)
        .map(|n| doctor(seed, n))
        .filter(|d| department.is_none_or(|dep| d["department"] == dep))
        .collect()
}

/// A patient's appointments.
pub fn appointments(seed: u64, patient_id: u32) -> Vec<Value> {
    let mut r = Rng::new(seed ^ 0xA770, u64::from(patient_id));
    (1..=r.range(1, 4))
        .map(|k| {
            let n = r.range(1, u64::from(DOCTORS)) as u32;
            json!({
                "id": u64::from(patient_id) * 10 + k,
                "patientId": patient_id,
                "doctorId": doctor_id(n),
                "department": DEPARTMENTS[(n as usize - 1) % DEPARTMENTS.len()],
                "time": format!("2026-12-{:02}T{:02}:{}:00+08:00", r.range(1, 28), r.range(8, 16),
                                if r.chance(0.5) { "00" } else { "30" }),
                "status": *r.pick(&["booked", "completed", "cancelled", "completed"]),
            })
        })
        .collect()
}

/// A patient's prescriptions.
pub fn prescriptions(seed: u64, patient_id: u32) -> Vec<Value> {
    let mut r = Rng::new(seed ^ 0x5C21, u64::from(patient_id));
    (1..=r.range(1, 3))
        .map(|k| {
            let (icd, diagnosis, drug, dosage, frequency) = *r.pick(DIAGNOSES);
            json!({
                "id": u64::from(patient_id) * 10 + k,
                "patientId": patient_id,
                "doctorId": doctor_id(r.range(1, u64::from(DOCTORS)) as u32),
                "drug": drug,
                "dosage": dosage,
                "frequency": frequency,
                "days": *r.pick(&[7, 14, 30, 90]),
                "diagnosis": {"icd10": icd, "name": diagnosis},
                "issuedAt": format!("2026-11-{:02}", r.range(1, 30)),
            })
        })
        .collect()
}

/// The patient a lab report belongs to, when the id names one.
pub fn lab_report_patient(report_id: u64) -> Option<u32> {
    let k = report_id % 10;
    let pid = u32::try_from(report_id / 10).ok()?;
    ((1..=u64::from(LAB_REPORTS)).contains(&k) && patient_exists(pid)).then_some(pid)
}

/// A lab report (`None` when no such report).
pub fn lab_result(seed: u64, report_id: u64) -> Option<Value> {
    let pid = lab_report_patient(report_id)?;
    let p = patient(seed, pid);
    let mut r = Rng::new(seed ^ 0x1AB, report_id);
    let (test, items) = *r.pick(LAB_TESTS);
    let items: Vec<Value> = items
        .iter()
        .map(|(name, unit, lo, hi)| {
            let span = hi - lo;
            let v = lo - span * 0.15 + span * 1.3 * (r.below(1000) as f64 / 1000.0);
            let v = (v * 10.0).round() / 10.0;
            json!({"name": name, "value": v, "unit": unit, "range": format!("{lo}-{hi}"),
                   "flag": if v < *lo { "L" } else if v > *hi { "H" } else { "" }})
        })
        .collect();
    Some(json!({
        "id": report_id,
        "patientId": pid,
        "patientName": p["name"],
        "mrn": p["mrn"],
        "test": test,
        "items": items,
        "diagnosis": p["diagnosis"],
        "reportedAt": format!("2026-11-{:02}T{:02}:15:00+08:00", r.range(1, 30), r.range(8, 18)),
    }))
}
