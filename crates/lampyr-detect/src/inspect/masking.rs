//! Hit fragments: a short window of the matched value with identifiers and digit runs masked.

use std::ops::Range;

use lampyr_classify::context::Hints;
use lampyr_classify::mask::{mask_spans, MaskStrategy};

/// Longest fragment shown in a hit, in characters.
pub const MAX_FRAGMENT_CHARS: usize = 80;

/// At most [`MAX_FRAGMENT_CHARS`] characters of `decoded` around `span` (its start when the
/// span is empty or invalid), with identifiers the classifier recognises masked and control
/// characters shown as spaces.
pub fn fragment(decoded: &str, span: Range<usize>, key: &str) -> String {
    let valid = span.start <= span.end
        && span.end <= decoded.len()
        && decoded.is_char_boundary(span.start)
        && decoded.is_char_boundary(span.end);
    let start_byte = if valid { span.start } else { 0 };
    // Up to 16 characters of context before the match.
    let before: Vec<usize> = decoded[..start_byte]
        .char_indices()
        .rev()
        .take(16)
        .map(|(i, _)| i)
        .collect();
    let from = before.last().copied().unwrap_or(start_byte);
    let window: String = decoded[from..].chars().take(MAX_FRAGMENT_CHARS).collect();
    let mut dets = Vec::new();
    lampyr_classify::detect::detect(&window, &Hints::of_key(key), &mut dets);
    let spans: Vec<_> = dets
        .iter()
        .filter(|d| d.score >= lampyr_classify::detect::HIT)
        .map(|d| (d.start as usize..d.end as usize, d.ty))
        .collect();
    let masked = if spans.is_empty() {
        window
    } else {
        mask_spans(&window, &spans, &MaskStrategy::Default, b"")
    };
    mask_digit_runs(&masked)
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

/// Masks every run of 8 or more digits (spaces and dashes allowed between them) but its last
/// two: whatever the classifier did not recognise, no full card, phone or id number is shown.
pub(super) fn mask_digit_runs(s: &str) -> String {
    let chars: Vec<char> = s.chars().collect();
    let mut out: Vec<char> = chars.clone();
    let mut i = 0;
    while i < chars.len() {
        if !chars[i].is_ascii_digit() {
            i += 1;
            continue;
        }
        let start = i;
        let mut digits = Vec::new();
        let mut j = i;
        while j < chars.len()
            && (chars[j].is_ascii_digit()
                || ((chars[j] == ' ' || chars[j] == '-')
                    && chars.get(j + 1).is_some_and(char::is_ascii_digit)))
        {
            if chars[j].is_ascii_digit() {
                digits.push(j);
            }
            j += 1;
        }
        if digits.len() >= 8 {
            for &k in &digits[..digits.len() - 2] {
                out[k] = '*';
            }
        }
        i = j.max(start + 1);
    }
    out.into_iter().collect()
}
