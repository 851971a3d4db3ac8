//! Free text: identifiers inside sentences (`家属电话18691162407`, `call me at +33 6444 67190`).
//!
//! One left-to-right pass finds digit runs bounded by non-alphanumerics and validates each by
//! its length; e-mails are found around `@` and international numbers around `+`, each by a
//! single pass of their own finder only when the text holds that byte.

use crate::context::Hints;
use crate::detect::Detection;
use crate::validate::{card, cn_id, cn_phone, email, phone_intl};
use crate::SensitiveType as T;

/// Score of an identifier found in text: its validator passed, but no key names it.
const IN_TEXT: f32 = 0.85;

/// Appends detections found inside `text` (byte ranges relative to `text`).
pub fn scan(text: &str, hints: &Hints, out: &mut Vec<Detection>) {
    let b = text.as_bytes();
    let mut i = 0;
    let mut found: Vec<(usize, usize)> = Vec::new();
    while i < b.len() {
        if !b[i].is_ascii_digit() {
            i += 1;
            continue;
        }
        let start = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        let mut end = i;
        // An 18-character id may end in X.
        if end - start == 17 && end < b.len() && (b[end] == b'X' || b[end] == b'x') {
            end += 1;
        }
        let bounded_left = start == 0 || !b[start - 1].is_ascii_alphanumeric();
        let bounded_right = end == b.len() || !b[end].is_ascii_alphanumeric();
        if !(bounded_left && bounded_right) {
            i = end;
            continue;
        }
        let run = &text[start..end];
        let ty = match end - start {
            11 => cn_phone::cn_mobile(run)
                .filter(|m| m.strict_segment)
                .map(|_| T::CnMobile),
            15 | 18 => cn_id::cn_resident_id(run, 2026)
                .filter(|id| !id.legacy15 && id.province_known)
                .map(|_| T::CnResidentId),
            16..=19 if hints.any(crate::context::Concept::BankCard) => {
                card::bank_card(run).map(|_| T::BankCard)
            }
            _ => None,
        };
        if let Some(ty) = ty {
            push(out, ty, start, end);
            found.push((start, end));
            i = end;
            continue;
        }
        // A landline written with its area code: `0531-84789862`.
        if (3..=4).contains(&(end - start)) && b[start] == b'0' && end < b.len() && b[end] == b'-' {
            let mut j = end + 1;
            while j < b.len() && b[j].is_ascii_digit() {
                j += 1;
            }
            let right_ok = j == b.len() || !b[j].is_ascii_alphanumeric();
            if (7..=8).contains(&(j - end - 1))
                && right_ok
                && cn_phone::cn_landline(&text[start..j]).is_some_and(|l| l.area_known)
            {
                push(out, T::CnLandline, start, j);
                found.push((start, j));
                i = j;
                continue;
            }
        }
        i = end;
    }
    if memchr_byte(b'@', b) {
        for r in email::find_emails(text) {
            push(out, T::Email, r.start, r.end);
        }
    }
    if memchr_byte(b'+', b) || memchr_byte(b'(', b) || memchr_byte(b'-', b) {
        for r in phone_intl::find_phones(text) {
            let overlaps = found.iter().any(|&(s, e)| r.start < e && s < r.end);
            if !overlaps {
                push(out, T::Phone, r.start, r.end);
            }
        }
    }
}

fn memchr_byte(needle: u8, hay: &[u8]) -> bool {
    hay.contains(&needle)
}

fn push(out: &mut Vec<Detection>, ty: T, start: usize, end: usize) {
    out.push(Detection {
        ty,
        score: IN_TEXT,
        start: start as u32,
        end: end as u32,
    });
}
