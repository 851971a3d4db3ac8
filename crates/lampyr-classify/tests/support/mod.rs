//! Generators and oracles shared by the classifier's property tests: random and hand-written
//! JSON documents, sensitive values, hostile exchanges, and what serde_json sees in a document.
#![allow(dead_code)] // each test file uses a part

use std::cell::RefCell;
use std::fmt;

use lampyr_classify::json::{self, WalkError};
use lampyr_classify::scan::MAX_FIELDS_PER_EXCHANGE;
use lampyr_classify::{ExchangeScan, SensitiveType};
use lampyr_core::{Body, Exchange, Headers, Request, Response};
use proptest::prelude::*;
use serde::de::{DeserializeSeed, MapAccess, SeqAccess, Visitor};

pub fn cases() -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(64)
}

// ---------------------------------------------------------------------------------------------
// Values that look sensitive, and the pieces free text is made of.

/// A GB 11643 resident ID from its first 17 digits.
pub fn resident_id(body: &str) -> String {
    const W: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    let sum: u32 = body
        .chars()
        .zip(W)
        .map(|(c, w)| c.to_digit(10).unwrap() * w)
        .sum();
    format!("{body}{}", b"10X98765432"[(sum % 11) as usize] as char)
}

/// A Luhn-valid number from all digits but the last.
pub fn luhn(body: &str) -> String {
    let sum: u32 = body
        .chars()
        .rev()
        .enumerate()
        .map(|(i, c)| {
            let d = c.to_digit(10).unwrap();
            match (i % 2 == 0, d * 2) {
                (true, d2) if d2 > 9 => d2 - 9,
                (true, d2) => d2,
                (false, _) => d,
            }
        })
        .sum();
    format!("{body}{}", (10 - sum % 10) % 10)
}

/// One value of a sensitive shape (valid checksums), from a small alphabet of forms.
pub fn sensitive_value() -> impl Strategy<Value = String> {
    prop_oneof![
        (1950u32..2020, 1u32..13, 1u32..29, 0u32..1000).prop_map(|(y, m, d, s)| resident_id(
            &format!("110105{y}{m:02}{d:02}{s:03}")
        )),
        (0u64..100_000_000).prop_map(|n| format!("138{n:08}")),
        (0u64..100_000_000).prop_map(|n| format!("+86 139 {:04} {:04}", n / 10_000, n % 10_000)),
        (0u64..1_000_000_000).prop_map(|n| luhn(&format!("622848{n:09}"))),
        "[a-z]{2,8}(\\.[a-z]{1,5})?@example\\.(com|cn|org)",
        Just("DE89370400440532013000".to_string()),
        Just("张伟".to_string()),
        Just("北京市朝阳区建国路88号院3号楼1201室".to_string()),
        Just("0531-84789862".to_string()),
        Just("203.0.113.7".to_string()),
        Just("2001:db8::1".to_string()),
        Just("00:1a:2b:3c:4d:5e".to_string()),
        Just("123-45-6789".to_string()),
        Just("23.845209,113.328277".to_string()),
        Just(
            "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c"
                .to_string()
        ),
        Just("AKIAIOSFODNN7EXAMPLE".to_string()),
        Just("Spring2024!".to_string()),
        Just("1990-03-07".to_string()),
        Just("E11.9".to_string()),
        Just("京A12345".to_string()),
        Just("G12345678".to_string()),
        Just("91350100M000100Y43".to_string()),
        Just("138****1234".to_string()),
        Just("7ab22073-850d-43d1-9e66-d01bba7dbdd3".to_string()),
        Just("1714985578123".to_string()),
    ]
}

/// Pieces that stress boundaries in free text: multibyte characters next to digits, separators
/// the phone and e-mail finders key on, an `X` after 17 digits.
pub fn fragment() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => sensitive_value(),
        1 => "[0-9]{1,20}",
        1 => "[0-9]{17}[Xx]",
        1 => prop::sample::select(vec![
            " ", "，", "。", "电话", "身份证", "@", "+", "-", "(", ")", ".", ",", "é", "😀",
            "\u{3000}", "\u{200b}", "\u{fffd}", "某", "*", "●", "字第", "号", "X", "\t", "\n",
            "call me at ", "my id is ", "家属电话",
        ])
        .prop_map(str::to_string),
        1 => any::<String>(),
    ]
}

/// Free text made of fragments.
pub fn text() -> impl Strategy<Value = String> {
    prop::collection::vec(fragment(), 0..12).prop_map(|v| v.concat())
}

/// A value: a sensitive one, free text, or anything.
pub fn value() -> impl Strategy<Value = String> {
    prop_oneof![
        2 => sensitive_value(),
        2 => text(),
        1 => any::<String>(),
    ]
}

/// Keys that carry context (and look-alikes), or anything.
pub fn key() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => prop::sample::select(vec![
            "idCard", "id_card", "mobile", "phone", "tel", "name", "userName", "realName",
            "address", "email", "password", "pwd", "token", "accessToken", "secret", "cardNo",
            "bankCard", "iban", "ip", "clientIp", "mac", "imei", "birthday", "lat", "lng",
            "diagnosis", "passport", "certNo", "orderNo", "traceId", "requestId", "maskedMobile",
            "productName", "value", "remark", "data", "list", "身份证号", "手机号", "",
        ])
        .prop_map(str::to_string),
        1 => any::<String>(),
    ]
}

// ---------------------------------------------------------------------------------------------
// JSON documents written by hand, so duplicate keys, escapes and whitespace vary.

#[derive(Debug, Clone)]
pub enum J {
    Null,
    Bool(bool),
    /// Number text, valid JSON grammar.
    Num(String),
    Str(String),
    Arr(Vec<J>),
    Obj(Vec<(String, J)>),
}

/// How a document is written: whitespace and escaping.
#[derive(Debug, Clone, Copy)]
pub struct Style {
    pub pretty: bool,
    /// Escape every non-ASCII character as `\uXXXX` (surrogate pairs above the BMP).
    pub ascii: bool,
}

pub fn write_str(out: &mut String, s: &str, style: Style) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '/' if style.ascii => out.push_str("\\/"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c if style.ascii && !c.is_ascii() => {
                let mut buf = [0u16; 2];
                for unit in c.encode_utf16(&mut buf) {
                    out.push_str(&format!("\\u{unit:04X}"));
                }
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

impl J {
    pub fn write(&self, out: &mut String, style: Style, depth: usize) {
        let nl = |out: &mut String, d: usize| {
            if style.pretty {
                out.push('\n');
                out.push_str(&"  ".repeat(d));
            }
        };
        match self {
            J::Null => out.push_str("null"),
            J::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            J::Num(n) => out.push_str(n),
            J::Str(s) => write_str(out, s, style),
            J::Arr(items) => {
                out.push('[');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    nl(out, depth + 1);
                    item.write(out, style, depth + 1);
                }
                if !items.is_empty() {
                    nl(out, depth);
                }
                out.push(']');
            }
            J::Obj(members) => {
                out.push('{');
                for (i, (k, v)) in members.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    nl(out, depth + 1);
                    write_str(out, k, style);
                    out.push(':');
                    if style.pretty {
                        out.push(' ');
                    }
                    v.write(out, style, depth + 1);
                }
                if !members.is_empty() {
                    nl(out, depth);
                }
                out.push('}');
            }
        }
    }

    pub fn text(&self, style: Style) -> String {
        let mut s = String::new();
        if style.pretty {
            s.push_str(" \r\n\t");
        }
        self.write(&mut s, style, 0);
        if style.pretty {
            s.push('\n');
        }
        s
    }
}

pub fn number() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<i64>().prop_map(|n| n.to_string()),
        any::<u64>().prop_map(|n| n.to_string()),
        // Exponents stay small: serde_json refuses numbers beyond f64 range.
        "-?(0|[1-9][0-9]{0,20})(\\.[0-9]{1,12})?([eE][+-]?[0-9]{1,2})?",
    ]
}

pub fn json_doc() -> impl Strategy<Value = J> {
    let leaf = prop_oneof![
        Just(J::Null),
        any::<bool>().prop_map(J::Bool),
        number().prop_map(J::Num),
        value().prop_map(J::Str),
    ];
    leaf.prop_recursive(8, 96, 8, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..8).prop_map(J::Arr),
            prop::collection::vec((key(), inner), 0..8).prop_map(J::Obj),
        ]
    })
}

pub fn style() -> impl Strategy<Value = Style> {
    (any::<bool>(), any::<bool>()).prop_map(|(pretty, ascii)| Style { pretty, ascii })
}

/// `depth` nested containers (arrays, objects or a mix) around a leaf, closed or not.
pub fn deep_doc() -> impl Strategy<Value = (String, usize, bool)> {
    (0usize..=300, any::<u64>(), any::<bool>(), value()).prop_map(|(depth, bits, closed, leaf)| {
        let mut open = String::new();
        let mut close = String::new();
        for i in 0..depth {
            if bits.rotate_left(i as u32) & 1 == 0 {
                open.push('[');
                close.insert(0, ']');
            } else {
                open.push_str("{\"idCard\":");
                close.insert(0, '}');
            }
        }
        let mut doc = open;
        write_str(
            &mut doc,
            &leaf,
            Style {
                pretty: false,
                ascii: false,
            },
        );
        if closed {
            doc.push_str(&close);
        }
        (doc, depth, closed)
    })
}

/// A document and a few random edits of it (the walker must agree on broken documents too).
pub fn edited_doc() -> impl Strategy<Value = String> {
    (
        json_doc(),
        style(),
        prop::collection::vec((any::<prop::sample::Index>(), 0u8..4, any::<char>()), 1..4),
    )
        .prop_map(|(doc, style, edits)| {
            let mut chars: Vec<char> = doc.text(style).chars().collect();
            for (at, op, c) in edits {
                if chars.is_empty() {
                    chars.push(c);
                    continue;
                }
                let i = at.index(chars.len());
                match op {
                    0 => {
                        chars.remove(i);
                    }
                    1 => chars.insert(i, c),
                    2 => chars[i] = c,
                    _ => {
                        // A structural character, where it hurts most.
                        let s = ['{', '}', '[', ']', ',', ':', '"', '\\', '-', '.', 'e', '0'];
                        chars.insert(i, s[c as usize % s.len()]);
                    }
                }
            }
            chars.into_iter().collect()
        })
}

// ---------------------------------------------------------------------------------------------
// What serde_json sees: the leaves in document order, with path, key, parent and record.

#[derive(Debug, Clone, PartialEq)]
pub enum LeafValue {
    Str(String),
    Num(f64),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Seen {
    pub path: String,
    pub key: String,
    pub parent: String,
    pub value: LeafValue,
    pub record: Option<u32>,
}

pub enum Frame {
    Obj(String),
    Arr(u32),
}

#[derive(Default)]
pub struct State {
    path: String,
    frames: Vec<Frame>,
    leaves: Vec<Seen>,
}

impl State {
    fn leaf(&mut self, value: LeafValue) {
        let mut keys = self.frames.iter().rev().filter_map(|f| match f {
            Frame::Obj(k) => Some(k.clone()),
            Frame::Arr(_) => None,
        });
        let key = keys.next().unwrap_or_default();
        let parent = keys.next().unwrap_or_default();
        let record = self.frames.iter().find_map(|f| match f {
            Frame::Arr(i) => Some(*i),
            Frame::Obj(_) => None,
        });
        let path = self.path.clone();
        self.leaves.push(Seen {
            path,
            key,
            parent,
            value,
            record,
        });
    }
}

#[derive(Clone, Copy)]
pub struct Node<'s>(&'s RefCell<State>);

impl<'de> DeserializeSeed<'de> for Node<'_> {
    type Value = ();
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Node<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_bool<E>(self, _: bool) -> Result<(), E> {
        Ok(())
    }
    fn visit_unit<E>(self) -> Result<(), E> {
        Ok(())
    }
    fn visit_i64<E>(self, v: i64) -> Result<(), E> {
        self.0.borrow_mut().leaf(LeafValue::Num(v as f64));
        Ok(())
    }
    fn visit_u64<E>(self, v: u64) -> Result<(), E> {
        self.0.borrow_mut().leaf(LeafValue::Num(v as f64));
        Ok(())
    }
    fn visit_f64<E>(self, v: f64) -> Result<(), E> {
        self.0.borrow_mut().leaf(LeafValue::Num(v));
        Ok(())
    }
    fn visit_str<E>(self, v: &str) -> Result<(), E> {
        self.0.borrow_mut().leaf(LeafValue::Str(v.to_string()));
        Ok(())
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let path_len = {
            let mut st = self.0.borrow_mut();
            let len = st.path.len();
            st.path.push_str("[]");
            st.frames.push(Frame::Arr(0));
            len
        };
        while seq.next_element_seed(self)?.is_some() {
            if let Some(Frame::Arr(i)) = self.0.borrow_mut().frames.last_mut() {
                *i += 1;
            }
        }
        let mut st = self.0.borrow_mut();
        st.frames.pop();
        st.path.truncate(path_len);
        Ok(())
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let path_len = {
            let mut st = self.0.borrow_mut();
            st.frames.push(Frame::Obj(String::new()));
            st.path.len()
        };
        while let Some(k) = map.next_key::<String>()? {
            {
                let mut st = self.0.borrow_mut();
                st.path.truncate(path_len);
                if !st.path.is_empty() {
                    st.path.push('.');
                }
                st.path.push_str(&k);
                if let Some(Frame::Obj(key)) = st.frames.last_mut() {
                    *key = k;
                }
            }
            map.next_value_seed(self)?;
        }
        let mut st = self.0.borrow_mut();
        st.frames.pop();
        st.path.truncate(path_len);
        Ok(())
    }
}

/// The leaves serde_json reports, or None when it rejects the document.
pub fn serde_leaves(doc: &str) -> Option<Vec<Seen>> {
    let st = RefCell::new(State::default());
    let mut de = serde_json::Deserializer::from_str(doc);
    Node(&st).deserialize(&mut de).ok()?;
    de.end().ok()?;
    Some(st.into_inner().leaves)
}

/// What the walker reports: (leaf, leaf text) in order, and its result.
pub fn walk_leaves(doc: &str) -> (Vec<(Seen, String)>, Result<(), WalkError>) {
    let mut out = Vec::new();
    let result = json::walk(doc, |l| {
        let text = l.value.to_string();
        out.push((
            Seen {
                path: l.path.to_string(),
                key: l.key.to_string(),
                parent: l.parent.to_string(),
                value: LeafValue::Str(text.clone()),
                record: l.record,
            },
            text,
        ));
    });
    (out, result)
}

pub fn same_leaf(walked: &(Seen, String), seen: &Seen) -> bool {
    let (w, text) = walked;
    let value_ok = match &seen.value {
        LeafValue::Str(s) => s == text,
        // serde_json's default float parser may be off by an ulp (no `float_roundtrip`).
        LeafValue::Num(x) => text
            .parse::<f64>()
            .is_ok_and(|y| y == *x || (y - x).abs() <= 1e-15 * y.abs().max(x.abs())),
    };
    value_ok
        && w.path == seen.path
        && w.key == seen.key
        && w.parent == seen.parent
        && w.record == seen.record
}

pub fn max_depth(doc: &str) -> usize {
    // Brackets inside strings count too: an over-estimate, which only skips documents.
    let (mut d, mut max) = (0usize, 0usize);
    for b in doc.bytes() {
        match b {
            b'[' | b'{' => {
                d += 1;
                max = max.max(d);
            }
            b']' | b'}' => d = d.saturating_sub(1),
            _ => {}
        }
    }
    max
}

// ---------------------------------------------------------------------------------------------
// Exchanges.

pub const MEDIA: &[&str] = &[
    "application/json",
    "application/json; charset=utf-8",
    "application/x-www-form-urlencoded",
    "text/plain",
    "application/problem+json",
    "",
];

pub fn exchange(
    path: String,
    query: Option<String>,
    headers: Vec<(String, String)>,
    media: &str,
    req_body: Vec<u8>,
    resp_body: Vec<u8>,
) -> Exchange {
    let mut req_headers = Headers::new();
    for (k, v) in headers {
        req_headers.append(k, v);
    }
    let mut resp_headers = Headers::new();
    if !media.is_empty() {
        req_headers.append("Content-Type", media);
        resp_headers.append("Content-Type", media);
    }
    let (rl, sl) = (req_body.len() as u64, resp_body.len() as u64);
    Exchange {
        request: Request {
            method: "POST".into(),
            path,
            query,
            headers: req_headers,
            body: Body::from_parts(req_body, false, rl),
            ..Request::default()
        },
        response: Some(Response {
            status: 200,
            headers: resp_headers,
            body: Body::from_parts(resp_body, false, sl),
            ..Response::default()
        }),
        ..Exchange::default()
    }
}

pub fn body() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        prop::collection::vec(any::<u8>(), 0..2048),
        (json_doc(), style()).prop_map(|(j, s)| j.text(s).into_bytes()),
        edited_doc().prop_map(String::into_bytes),
        deep_doc().prop_map(|(d, _, _)| d.into_bytes()),
        prop::collection::vec((key(), value()), 0..12).prop_map(|kv| {
            kv.iter()
                .map(|(k, v)| format!("{}={}", form(k), form(v)))
                .collect::<Vec<_>>()
                .join("&")
                .into_bytes()
        }),
        text().prop_map(String::into_bytes),
    ]
}

pub fn form(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

pub fn any_exchange() -> impl Strategy<Value = Exchange> {
    (
        prop_oneof![
            any::<String>(),
            prop::collection::vec(value(), 0..40).prop_map(|segs| format!("/{}", segs.join("/"))),
        ],
        prop::option::of(prop_oneof![
            any::<String>(),
            prop::collection::vec((key(), value()), 0..8).prop_map(|kv| kv
                .iter()
                .map(|(k, v)| format!("{}={}", form(k), form(v)))
                .collect::<Vec<_>>()
                .join("&")),
        ]),
        prop::collection::vec(
            (
                prop_oneof![
                    any::<String>(),
                    prop::sample::select(vec![
                        "Authorization",
                        "Cookie",
                        "X-Forwarded-For",
                        "X-Api-Key",
                        "X-Request-Id",
                        "Content-Type",
                    ])
                    .prop_map(str::to_string)
                ],
                value(),
            ),
            0..8,
        ),
        prop::sample::select(MEDIA),
        body(),
        body(),
    )
        .prop_map(|(path, query, headers, media, req, resp)| {
            exchange(path, query, headers, media, req, resp)
        })
}

/// What a scan must satisfy whatever the input.
pub fn check_scan(scan: &ExchangeScan) -> Result<(), TestCaseError> {
    prop_assert!(scan.fields.len() <= MAX_FIELDS_PER_EXCHANGE);
    if scan.dropped_fields > 0 {
        prop_assert_eq!(scan.fields.len(), MAX_FIELDS_PER_EXCHANGE);
    }
    for f in &scan.fields {
        prop_assert!(f.values >= 1, "{:?}", f);
        for t in &f.types {
            prop_assert!(t.hits + t.weak <= f.values, "{:?}", f);
            prop_assert_eq!(t.hits > 0, t.sample.is_some(), "{:?}", f);
            prop_assert!(t.score_sum >= 0.0 && t.score_sum <= t.hits as f32 + 1e-3);
        }
        let mut tys: Vec<SensitiveType> = f.types.iter().map(|t| t.ty).collect();
        tys.sort();
        tys.dedup();
        prop_assert_eq!(tys.len(), f.types.len(), "a type twice at {:?}", f);
    }
    let values = scan.response_value_count();
    prop_assert!(scan.response_records <= values, "{:?}", scan);
    prop_assert_eq!(scan.response_records > 0, values > 0);
    Ok(())
}
