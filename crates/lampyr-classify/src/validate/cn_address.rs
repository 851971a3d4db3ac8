//! Chinese postal addresses (research note §2.14): a gazetteer of provincial- and prefecture-level
//! names (Aho-Corasick) plus a suffix grammar for the lower admin levels (区/县/旗/镇/乡/街道) and the
//! street-level detail (路/街/号/栋/单元/室/小区/大厦 …). Company, hospital and bank-branch names
//! that merely start with a city name are not addresses.

use std::ops::Range;
use std::sync::OnceLock;

use aho_corasick::{AhoCorasick, MatchKind};

use super::cn_name::is_han;

/// How sure an address match is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum AddressConfidence {
    /// Only street-level detail, or only admin names: an address fragment; needs context.
    Low,
    /// Admin unit(s) from the gazetteer plus street-level detail.
    High,
}

/// The 34 provincial-level divisions: full name and short form.
const PROVINCES: &[(&str, &str)] = &[
    ("北京市", "北京"),
    ("天津市", "天津"),
    ("上海市", "上海"),
    ("重庆市", "重庆"),
    ("河北省", "河北"),
    ("山西省", "山西"),
    ("辽宁省", "辽宁"),
    ("吉林省", "吉林"),
    ("黑龙江省", "黑龙江"),
    ("江苏省", "江苏"),
    ("浙江省", "浙江"),
    ("安徽省", "安徽"),
    ("福建省", "福建"),
    ("江西省", "江西"),
    ("山东省", "山东"),
    ("河南省", "河南"),
    ("湖北省", "湖北"),
    ("湖南省", "湖南"),
    ("广东省", "广东"),
    ("海南省", "海南"),
    ("四川省", "四川"),
    ("贵州省", "贵州"),
    ("云南省", "云南"),
    ("陕西省", "陕西"),
    ("甘肃省", "甘肃"),
    ("青海省", "青海"),
    ("台湾省", "台湾"),
    ("内蒙古自治区", "内蒙古"),
    ("广西壮族自治区", "广西"),
    ("西藏自治区", "西藏"),
    ("宁夏回族自治区", "宁夏"),
    ("新疆维吾尔自治区", "新疆"),
    ("香港特别行政区", "香港"),
    ("澳门特别行政区", "澳门"),
];

static CITIES_RAW: &str = include_str!("data/cn_cities.txt");

/// Short city forms that are ordinary words or brands; only the full name (with 市 …) is matched.
const AMBIGUOUS_SHORT: &[&str] = &[
    "东方", "白沙", "万宁", "安康", "大同", "三明", "来宾", "双河", "昆玉", "普洱", "玉树", "新星",
    "北屯", "阿里", "文山", "红河", "海南", "吉林",
];

const LEVEL_PROVINCE: u8 = 1;
const LEVEL_CITY: u8 = 2;

struct Gazetteer {
    ac: AhoCorasick,
    levels: Vec<u8>,
}

fn gazetteer() -> Option<&'static Gazetteer> {
    static G: OnceLock<Option<Gazetteer>> = OnceLock::new();
    G.get_or_init(|| {
        let mut pats: Vec<&'static str> = Vec::new();
        let mut levels = Vec::new();
        for (full, short) in PROVINCES {
            pats.extend([*full, *short]);
            levels.extend([LEVEL_PROVINCE, LEVEL_PROVINCE]);
        }
        for line in CITIES_RAW.lines().map(str::trim) {
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let mut toks = line.split_whitespace();
            let Some(full) = toks.next() else { continue };
            pats.push(full);
            levels.push(LEVEL_CITY);
            let stem = full
                .strip_suffix("地区")
                .or_else(|| full.strip_suffix('市'))
                .or_else(|| full.strip_suffix('盟'));
            if let Some(stem) = stem {
                if stem.chars().count() >= 2 && !AMBIGUOUS_SHORT.contains(&stem) {
                    pats.push(stem);
                    levels.push(LEVEL_CITY);
                }
            }
            for alias in toks {
                if !AMBIGUOUS_SHORT.contains(&alias) {
                    pats.push(alias);
                    levels.push(LEVEL_CITY);
                }
            }
        }
        let ac = AhoCorasick::builder()
            .match_kind(MatchKind::LeftmostLongest)
            .build(&pats)
            .ok()?;
        Some(Gazetteer { ac, levels })
    })
    .as_ref()
}

/// True when `c` is present and one of the characters of `set`.
fn in_set(c: Option<char>, set: &str) -> bool {
    c.is_some_and(|c| set.contains(c))
}

fn is_digit_like(c: char) -> bool {
    c.is_ascii_digit() || ('０'..='９').contains(&c)
}

fn is_cn_numeral(c: char) -> bool {
    "一二三四五六七八九十百千零〇两".contains(c)
}

/// What precedes a numbered marker (`3号`, `A座`, `十二层`).
fn is_number_like(c: char) -> bool {
    is_digit_like(c) || is_cn_numeral(c) || c.is_ascii_alphabetic()
}

/// Suffixes of names that are organisations, not places.
const ORG_SUFFIXES: &[&str] = &[
    "公司",
    "集团",
    "银行",
    "分行",
    "支行",
    "医院",
    "学校",
    "大学",
    "学院",
    "中学",
    "小学",
    "幼儿园",
    "研究所",
    "研究院",
    "委员会",
    "事务所",
    "协会",
    "酒店",
    "宾馆",
    "诊所",
    "卫生院",
    "药房",
    "药店",
    "超市",
    "商场",
    "门诊部",
    "分公司",
    "营业部",
    "工作室",
    "店",
    "厂",
    "局",
    "厅",
];

/// Results of one pass over a candidate.
#[derive(Default, Debug)]
struct Analysis {
    dict_levels: u8, // bit set of LEVEL_PROVINCE / LEVEL_CITY
    grammar_county: bool,
    grammar_town: bool,
    detail: u32,
    first_admin: Option<usize>, // byte offset
    last_end: usize,            // byte offset after the last admin/detail marker
    ends_with_admin: bool,
}

impl Analysis {
    fn admin_levels(&self) -> u32 {
        self.dict_levels.count_ones()
            + u32::from(self.grammar_county)
            + u32::from(self.grammar_town)
    }

    fn confidence(&self, text: &str) -> Option<AddressConfidence> {
        let dict = self.dict_levels.count_ones();
        let levels = self.admin_levels();
        if (self.detail >= 1 && (dict >= 1 || levels >= 2)) || (levels >= 1 && self.detail >= 2) {
            return Some(AddressConfidence::High);
        }
        if self.detail >= 2 {
            return Some(AddressConfidence::Low);
        }
        let t = text.trim_end();
        if levels >= 2 && self.ends_with_admin && !ORG_SUFFIXES.iter().any(|s| t.ends_with(s)) {
            return Some(AddressConfidence::Low);
        }
        None
    }
}

fn analyse(s: &str) -> Option<Analysis> {
    let g = gazetteer()?;
    let chars: Vec<(usize, char)> = s.char_indices().collect();
    let n = chars.len();
    let at = |i: usize| chars.get(i).map(|x| x.1);
    let byte_end = |i: usize| chars.get(i).map_or(s.len(), |x| x.0);
    let mut a = Analysis::default();
    // covered[i] = char i is part of a gazetteer hit
    let mut covered = vec![false; n];

    // Gazetteer pass.
    let mut ci = 0usize; // char cursor for byte→char mapping
    for m in g.ac.find_iter(s) {
        while ci < n && chars[ci].0 < m.start() {
            ci += 1;
        }
        let start_ci = ci;
        let mut end_ci = ci;
        while end_ci < n && chars[end_ci].0 < m.end() {
            end_ci += 1;
        }
        // A name followed by a road/district suffix is part of a lower-level name
        // (北京路, 朝阳区, 中山大道): not an admin unit of its own.
        let next = at(end_ci);
        let next2 = at(end_ci + 1);
        let part_of_lower = match next {
            Some('路' | '街' | '巷' | '弄' | '区' | '县' | '旗' | '镇' | '乡' | '村' | '道') => {
                true
            }
            Some('大') => matches!(next2, Some('道' | '街' | '厦')),
            _ => false,
        };
        if part_of_lower {
            continue;
        }
        let level = g
            .levels
            .get(m.pattern().as_usize())
            .copied()
            .unwrap_or(LEVEL_CITY);
        a.dict_levels |= level;
        a.first_admin.get_or_insert(m.start());
        if m.end() == s.trim_end().len() {
            a.ends_with_admin = true;
        }
        a.last_end = a.last_end.max(m.end());
        for c in covered.iter_mut().take(end_ci).skip(start_ci) {
            *c = true;
        }
    }

    // Grammar pass.
    let prev_han = |i: usize| i > 0 && at(i - 1).is_some_and(is_han);
    let mut i = 0usize;
    while i < n {
        let c = chars[i].1;
        if covered[i] {
            i += 1;
            continue;
        }
        let next = at(i + 1);
        let prev = if i > 0 { at(i - 1) } else { None };
        let mut consumed = 1usize;
        let mut admin = false;
        match c {
            '区' | '县' | '旗' if prev_han(i) => {
                let word_prev = in_set(prev, "小园社景校厂营务车专辖地城郊山市灾疫雷盲误");
                let word_next = in_set(next, "域别块间分号链划内外长委政府级");
                if !word_prev && !word_next {
                    a.grammar_county = true;
                    admin = true;
                } else if matches!(prev, Some('小' | '园' | '社')) && i >= 2 {
                    // 小区 / 园区 / 社区: named-place detail
                    a.detail += 1;
                    a.last_end = a.last_end.max(byte_end(i + 1));
                }
            }
            '市' if prev_han(i) => {
                let word_prev = in_set(prev, "城超门股夜上花菜集互黑早开闹都");
                let word_next = in_set(next, "场民值政面级内外长委局");
                if !word_prev && !word_next && i >= 2 {
                    a.grammar_county = true;
                    admin = true;
                }
            }
            '镇' | '乡' if prev_han(i) => {
                let word_prev = in_set(prev, "城家老下回同故他");
                let word_next = in_set(next, "下亲音愁土定静痛压长村");
                if !word_prev && !word_next {
                    a.grammar_town = true;
                    admin = true;
                }
            }
            '街' if next == Some('道') && prev_han(i) => {
                a.grammar_town = true;
                admin = true;
                consumed = 2;
            }
            '路' | '街' | '巷' | '弄'
                if prev_han(i)
                    || ((c == '弄' || c == '巷')
                        && i > 0
                        && at(i - 1).is_some_and(is_number_like)) =>
            {
                let word_prev =
                    in_set(prev, "线思电网套出活门后退生来去心走一马铁水陆航逛老道通歧");
                let word_next = in_set(next, "由径线况费程演人过灯面段子数上头坊舞机");
                if !word_prev && !word_next {
                    a.detail += 1;
                    a.last_end = a.last_end.max(byte_end(i + 1));
                }
            }
            '大' if matches!(next, Some('道' | '街')) && prev_han(i) => {
                a.detail += 1;
                consumed = 2;
                a.last_end = a.last_end.max(byte_end(i + 2));
            }
            '胡' if next == Some('同') && prev_han(i) => {
                a.detail += 1;
                consumed = 2;
                a.last_end = a.last_end.max(byte_end(i + 2));
            }
            '号' | '栋' | '幢' | '座' | '层' | '楼' | '室' | '户' | '组'
                if i > 0 && at(i - 1).is_some_and(is_number_like) =>
            {
                // `3月1号` is a date and `1号线` a metro line.
                let mut j = i;
                while j > 0 && at(j - 1).is_some_and(is_number_like) {
                    j -= 1;
                }
                let date = c == '号' && j > 0 && at(j - 1) == Some('月');
                let line = c == '号' && next == Some('线');
                let layout = c == '室' && next == Some('一') && at(i + 2) == Some('厅');
                if !date && !line && !layout {
                    a.detail += 1;
                    a.last_end = a.last_end.max(byte_end(i + 1));
                }
            }
            '单' if next == Some('元') && i > 0 && at(i - 1).is_some_and(is_number_like) => {
                a.detail += 1;
                consumed = 2;
                a.last_end = a.last_end.max(byte_end(i + 2));
            }
            _ => {
                // Named places: at least two Han characters before the marker.
                const PLACES: &[&str] = &[
                    "小区",
                    "公寓",
                    "大厦",
                    "花园",
                    "广场",
                    "家园",
                    "新村",
                    "大楼",
                    "科技园",
                    "工业园",
                    "产业园",
                    "园区",
                    "写字楼",
                    "商务楼",
                    "别墅",
                    "苑",
                ];
                if i >= 2 && prev_han(i) && at(i - 2).is_some_and(is_han) {
                    let rest = &s[chars[i].0..];
                    if let Some(p) = PLACES.iter().find(|p| rest.starts_with(*p)) {
                        let len = p.chars().count();
                        a.detail += 1;
                        consumed = len;
                        a.last_end = a.last_end.max(byte_end(i + len));
                    }
                }
            }
        }
        if admin {
            a.first_admin.get_or_insert(chars[i].0);
            a.last_end = a.last_end.max(byte_end(i + consumed));
        }
        i += consumed;
    }
    let last = s.trim_end();
    a.ends_with_admin |= ["省", "市", "区", "县", "旗", "镇", "乡", "街道", "盟", "州"]
        .iter()
        .any(|x| last.ends_with(x))
        || PROVINCES
            .iter()
            .any(|(f, sh)| last.ends_with(f) || last.ends_with(sh));
    Some(a)
}

/// Rejects values that are not an address on their own (masked, sentences, too short/long).
fn plausible_value(s: &str) -> bool {
    if s.len() > 400 || s.contains("**") || s.contains("＊＊") {
        return false;
    }
    if s.chars()
        .any(|c| matches!(c, '。' | '？' | '！' | '?' | '!' | '\n'))
    {
        return false;
    }
    s.chars().filter(|&c| is_han(c)).count() >= 3
}

/// Classifies `s` as a Chinese postal address; `None` for bare city names and company names.
pub fn cn_address(s: &str) -> Option<AddressConfidence> {
    let s = s.trim();
    if !plausible_value(s) {
        return None;
    }
    analyse(s)?.confidence(s)
}

/// Separators between address candidates in free text (spaces are kept: `北京市 朝阳区`).
fn is_text_break(c: char) -> bool {
    matches!(
        c,
        '，' | '。'
            | '；'
            | '！'
            | '？'
            | '、'
            | '：'
            | ','
            | ';'
            | '!'
            | '?'
            | ':'
            | '"'
            | '“'
            | '”'
            | '‘'
            | '’'
            | '（'
            | '）'
            | '('
            | ')'
            | '【'
            | '】'
            | '['
            | ']'
            | '{'
            | '}'
            | '<'
            | '>'
            | '《'
            | '》'
            | '\n'
            | '\r'
            | '\t'
    )
}

/// Words that introduce an address in a sentence; the candidate starts after the last one.
const LEAD_INS: &[&str] = &[
    "收货地址",
    "家庭住址",
    "家庭地址",
    "户籍地址",
    "详细地址",
    "地址",
    "住址",
    "家住",
    "住在",
    "位于",
    "寄到",
    "送到",
    "送至",
    "寄至",
    "搬到",
    "在",
];

/// Finds High-confidence addresses embedded in a sentence (best effort; byte ranges).
pub fn find_cn_addresses(text: &str) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    if text.len() > 1 << 20 {
        return out;
    }
    let mut seg_start = 0usize;
    let flush = |start: usize, end: usize, out: &mut Vec<Range<usize>>| {
        let seg = &text[start..end];
        if seg.chars().filter(|&c| is_han(c)).count() < 5 || seg.len() > 400 {
            return;
        }
        let Some(a) = analyse(seg) else { return };
        if a.confidence(seg) != Some(AddressConfidence::High) {
            return;
        }
        let mut from = a.first_admin.unwrap_or(0);
        // Without a gazetteer hit, start after the last lead-in word (or at the segment start).
        if a.first_admin.is_none() {
            for w in LEAD_INS {
                if let Some(p) = seg.rfind(w) {
                    from = from.max(p + w.len());
                }
            }
        }
        let to = a.last_end.max(from);
        let cand = seg[from..to].trim();
        if cand.is_empty() {
            return;
        }
        let off = start + from + (seg[from..to].len() - seg[from..to].trim_start().len());
        if cn_address(cand) == Some(AddressConfidence::High) {
            out.push(off..off + cand.len());
        }
    };
    for (i, c) in text.char_indices() {
        if is_text_break(c) {
            flush(seg_start, i, &mut out);
            seg_start = i + c.len_utf8();
        }
    }
    flush(seg_start, text.len(), &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn high() {
        for s in [
            "北京市海淀区知春路595号",
            "广东省深圳市南山区科技园南区深南大道9988号",
            "上海市浦东新区张江镇祖冲之路887弄3号楼1201室",
            "浙江省杭州市西湖区文三路478号华星时代广场A座",
            "杭州市余杭区五常街道文一西路969号",
            "四川省成都市武侯区人民南路四段11号",
            "江苏南京鼓楼区中山路18号",
            "北京市朝阳区建国路88号SOHO现代城A座1201室",
            "内蒙古自治区呼和浩特市新城区新华大街1号",
            "湖北省武汉市洪山区珞喻路1037号",
            "新疆维吾尔自治区乌鲁木齐市天山区解放北路100号",
            "广州市天河区天河路385号太古汇一座",
            "海淀区中关村大街1号",
            "朝阳区建国路88号",
        ] {
            assert_eq!(cn_address(s), Some(AddressConfidence::High), "{s}");
        }
    }

    #[test]
    fn low() {
        for s in [
            "知春路595号",
            "3号楼2单元501室",
            "广东省深圳市",
            "北京市朝阳区",
            "文一西路969号",
            "幸福小区5栋",
            "四川成都",
        ] {
            assert_eq!(cn_address(s), Some(AddressConfidence::Low), "{s}");
        }
    }

    #[test]
    fn none() {
        for s in [
            "",
            "北京",
            "北京市",
            "广东省",
            "朝阳区",
            "上海某某科技有限公司",
            "北京协和医院",
            "中国工商银行深圳市南山支行",
            "中山大学附属第一医院",
            "请输入订单号",
            "路由器",
            "3月1号",
            "内科门诊3楼",
            "北京市海淀区****",
            "张伟",
            "正常",
            "高血压",
            "Mozilla/5.0 (Windows NT 10.0)",
            "550e8400-e29b-41d4-a716-446655440000",
            "三室一厅",
            "地铁1号线",
        ] {
            assert_eq!(cn_address(s), None, "{s}");
        }
    }

    #[test]
    fn in_text() {
        let t = "您好，我的收货地址是北京市海淀区知春路595号，请尽快发货。";
        let found: Vec<&str> = find_cn_addresses(t).into_iter().map(|r| &t[r]).collect();
        assert_eq!(found, vec!["北京市海淀区知春路595号"]);
        let t = "今天天气不错，我们去公园散步吧。";
        assert!(find_cn_addresses(t).is_empty());
    }

    proptest! {
        #[test]
        fn never_panics(s in ".{0,200}") {
            let _ = cn_address(&s);
            for r in find_cn_addresses(&s) {
                prop_assert!(s.is_char_boundary(r.start) && s.is_char_boundary(r.end));
            }
        }

        #[test]
        fn never_panics_han(s in "[\u{4e00}-\u{9fa5}0-9A-Z号路区市省楼室 ，]{0,80}") {
            let _ = cn_address(&s);
            let _ = find_cn_addresses(&s);
        }
    }
}
