//! Chinese person names (research note §2.15): 2–4 Han characters led by a known surname (single or
//! compound), or a minority / transliterated name joined by `·`. Common words that happen to start
//! with a surname character (余额, 高血压, 王府井, 成功) are rejected by a stop list and by a set of
//! characters that do not occur in given names (额, 码, 诊, 的, …).

use std::collections::HashSet;
use std::sync::OnceLock;

/// How sure a name match is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum NameConfidence {
    /// Shape fits but the surname/word is ambiguous; needs field-name context.
    Low,
    /// Known unambiguous surname (or dictionary given/family name) and a name shape.
    High,
}

static SURNAMES_RAW: &str = include_str!("data/cn_surnames.txt");

/// Surnames that also commonly start ordinary words: a hit on them is only `Low`.
const AMBIGUOUS_SURNAMES: &str =
    "时和于元平成文方高向明万全公家通双广国东红水云山车花包门原台过庆贵刚种战代信利海法商相经来初海福正新日月星上下天";

/// Characters that practically never occur in a given name: function words and domain nouns from
/// banking, commerce, health and UI text.
const NON_NAME_CHARS: &str = "的了么吗呢吧啊着这那哪什怎个们是否不没未已待请您我你他她它说额款账户卡码号单表库费价率息税票据证件务询查改删增录注册销购买卖货订退换付收支转存取借贷债股险诊疗药病症血压糖尿肿瘤痛疼检验术室院床护医患者期秒址省县村街路楼层厂司局处厅部站网系统器机械泵包族科片州市区乡色店铺馆场总奶粉蛋虾蟹酒螨孢胺端口页框按键次扣充缴罚欠逾审核批驳拒除失败误错异效截止及或与被把让给从到对而且但果所因由于并等项目类型态值量数性别男女岁周年时分钟点角些很最更太就都也还又再只";

/// Whole strings that look like names but are common words, places, medical terms or statuses
/// (one per line).
static STOP_WORDS_RAW: &str = include_str!("data/cn_name_stop_words.txt");

/// Dots that join the parts of a transliterated name.
fn is_name_dot(c: char) -> bool {
    matches!(c, '·' | '・' | '‧' | '•' | '．')
}

/// CJK unified ideographs (basic, extension A, extensions B–F and compatibility block).
pub(crate) fn is_han(c: char) -> bool {
    matches!(c as u32,
        0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF | 0x20000..=0x2FA1F)
}

struct Dict {
    single: HashSet<char>,
    compound: HashSet<(char, char)>,
    ambiguous: HashSet<char>,
    non_name: HashSet<char>,
    stop: HashSet<&'static str>,
}

fn dict() -> &'static Dict {
    static D: OnceLock<Dict> = OnceLock::new();
    D.get_or_init(|| {
        let mut single = HashSet::new();
        let mut compound = HashSet::new();
        for line in SURNAMES_RAW.lines().map(str::trim) {
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let mut it = line.chars();
            match (it.next(), it.next(), it.next()) {
                (Some(a), None, _) => {
                    single.insert(a);
                }
                (Some(a), Some(b), None) => {
                    compound.insert((a, b));
                }
                _ => {} // 4-character clan names only matter inside `·` names
            }
        }
        Dict {
            single,
            compound,
            ambiguous: AMBIGUOUS_SURNAMES.chars().collect(),
            non_name: NON_NAME_CHARS.chars().collect(),
            stop: crate::validate::normalize::word_list(STOP_WORDS_RAW).collect(),
        }
    })
}

/// True when `c` is a listed single-character Chinese surname (used by the address and
/// name-context code).
pub fn is_cn_surname_char(c: char) -> bool {
    dict().single.contains(&c)
}

fn dotted_name(s: &str, n: usize) -> Option<NameConfidence> {
    if !(3..=16).contains(&n) {
        return None;
    }
    let mut parts = 0usize;
    for part in s.split(is_name_dot) {
        let len = part.chars().count();
        if len == 0 || !part.chars().all(is_han) {
            return None;
        }
        if dict().stop.contains(part) {
            return None;
        }
        parts += 1;
    }
    if parts < 2 {
        return None;
    }
    // `新疆·乌鲁木齐`, `春·夏` style titles: place names are in the stop list; very short
    // two-part strings stay Low.
    if n >= 5 {
        Some(NameConfidence::High)
    } else {
        Some(NameConfidence::Low)
    }
}

/// Classifies `s` as a Chinese person name; `None` for words, places, masked names (`张**`).
pub fn cn_name(s: &str) -> Option<NameConfidence> {
    if s.is_empty() || s.len() > 64 {
        return None;
    }
    let n = s.chars().count();
    if s.chars().any(is_name_dot) {
        return dotted_name(s, n);
    }
    if !(2..=4).contains(&n) || !s.chars().all(is_han) {
        return None;
    }
    let d = dict();
    if d.stop.contains(s) {
        return None;
    }
    let mut chars = [' '; 4];
    for (i, c) in s.chars().enumerate().take(4) {
        chars[i] = c;
    }
    let chars = &chars[..n];
    // Compound surname first (欧阳, 司马), then single.
    let (surname_len, ambiguous) = if n >= 3 && d.compound.contains(&(chars[0], chars[1])) {
        (2, false)
    } else if n == 4 && d.single.contains(&chars[0]) && d.single.contains(&chars[1]) {
        // Double surname (范徐丽泰): two single surnames and a two-character given name.
        (2, true)
    } else if d.single.contains(&chars[0]) {
        (1, d.ambiguous.contains(&chars[0]))
    } else {
        return None;
    };
    let given = &chars[surname_len..];
    if given.is_empty() || given.len() > 2 {
        return None;
    }
    if given.iter().any(|c| d.non_name.contains(c)) {
        return None;
    }
    // The given name alone being a stop word (`王医生` → 医生 is caught by non-name chars; `李先生`).
    let given_str: String = given.iter().collect();
    if d.stop.contains(given_str.as_str()) {
        return None;
    }
    let conf = if ambiguous {
        NameConfidence::Low
    } else {
        NameConfidence::High
    };
    Some(conf)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn names() {
        for (s, c) in [
            ("张伟", NameConfidence::High),
            ("王芳", NameConfidence::High),
            ("李秀英", NameConfidence::High),
            ("欧阳娜娜", NameConfidence::High),
            ("司马光", NameConfidence::High),
            ("诸葛亮", NameConfidence::High),
            ("黄晓明", NameConfidence::High),
            ("白敬亭", NameConfidence::High),
            ("陳大文", NameConfidence::High),
            ("高伟", NameConfidence::Low),
            ("文静", NameConfidence::Low),
            ("范徐丽泰", NameConfidence::Low),
            ("阿卜杜拉·买买提", NameConfidence::High),
            ("迪丽热巴·迪力木拉提", NameConfidence::High),
            ("爱新觉罗·溥仪", NameConfidence::High),
        ] {
            assert_eq!(cn_name(s), Some(c), "{s}");
        }
    }

    #[test]
    fn not_names() {
        for s in [
            "",
            "张",
            "崔*",
            "上***",
            "张**",
            "张*伟",
            "正常",
            "成功",
            "失败",
            "已完成",
            "待支付",
            "北京",
            "上海",
            "医生",
            "护士",
            "门诊",
            "住院",
            "处方",
            "男性",
            "未知",
            "管理员",
            "余额",
            "金额",
            "付款",
            "申请",
            "高血压",
            "王府井",
            "张家口",
            "上海某某科技有限公司",
            "查询",
            "项目",
            "时间",
            "周一",
            "王医生",
            "李先生",
            "Zhang Wei",
            "张伟1",
            "·张伟",
            "张伟·",
            "张··伟",
            "新疆·乌鲁木齐",
            "龙头",
            "银联",
            "东方红",
            "赵总",
            "海鲜",
            "呼吸机",
            "易烊千玺",
        ] {
            assert_eq!(cn_name(s), None, "{s}");
        }
    }

    proptest! {
        #[test]
        fn never_panics(s in ".{0,40}") {
            let _ = cn_name(&s);
        }

        #[test]
        fn never_panics_han(s in "[\u{4e00}-\u{9fa5}·*]{0,20}") {
            let _ = cn_name(&s);
        }
    }
}
