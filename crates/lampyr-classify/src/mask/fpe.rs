//! Salted hashing and format-preserving pseudonyms, with the Luhn and GB 11643 check helpers they
//! need (kept private here so masking does not depend on the validators).

use sha2::{Digest, Sha256};

use crate::SensitiveType;

/// `h:` + first 16 hex chars of `sha256(salt || value)`.
pub(super) fn hash_token(value: &str, salt: &[u8]) -> String {
    let mut h = Sha256::new();
    h.update(salt);
    h.update(value.as_bytes());
    let digest = h.finalize();
    let mut out = String::with_capacity(18);
    out.push_str("h:");
    for b in &digest[..8] {
        out.push(hex_digit(b >> 4));
        out.push(hex_digit(b & 0xf));
    }
    out
}

fn hex_digit(n: u8) -> char {
    char::from_digit(u32::from(n), 16).unwrap_or('0')
}

/// Deterministic keystream: block `i` is `sha256(sha256(len(salt) || salt || value) || i)`. The
/// salt length prefix keeps `("ab", "c")` and `("a", "bc")` apart.
struct KeyStream {
    seed: [u8; 32],
    counter: u64,
    block: [u8; 32],
    pos: usize,
}

impl KeyStream {
    fn new(salt: &[u8], value: &str) -> Self {
        let mut h = Sha256::new();
        h.update((salt.len() as u64).to_le_bytes());
        h.update(salt);
        h.update(value.as_bytes());
        KeyStream {
            seed: h.finalize().into(),
            counter: 0,
            block: [0; 32],
            pos: 32,
        }
    }

    fn next_u16(&mut self) -> u16 {
        if self.pos + 2 > self.block.len() {
            let mut h = Sha256::new();
            h.update(self.seed);
            h.update(self.counter.to_le_bytes());
            self.block = h.finalize().into();
            self.counter += 1;
            self.pos = 0;
        }
        let v = u16::from_le_bytes([self.block[self.pos], self.block[self.pos + 1]]);
        self.pos += 2;
        v
    }

    /// A number in `0..n` (`n` ≤ 65536; the modulo bias is below 1/3 for every range used here).
    fn below(&mut self, n: u32) -> u32 {
        u32::from(self.next_u16()) % n
    }
}

fn offset_char(base: char, k: u32) -> char {
    char::from_u32(base as u32 + k).unwrap_or(base)
}

/// One replacement per char: ASCII / full-width digits → digit of the same width, cased letters →
/// ASCII letter of the same case, Han and other uncased letters → CJK ideograph; everything else
/// (separators, punctuation, other numerics) unchanged.
fn scramble(value: &str, ks: &mut KeyStream) -> Vec<char> {
    value
        .chars()
        .map(|c| {
            if c.is_ascii_digit() {
                offset_char('0', ks.below(10))
            } else if ('０'..='９').contains(&c) {
                offset_char('０', ks.below(10))
            } else if c.is_uppercase() {
                offset_char('A', ks.below(26))
            } else if c.is_lowercase() {
                offset_char('a', ks.below(26))
            } else if c.is_alphabetic() {
                offset_char('\u{4E00}', ks.below(0x9FA5 - 0x4E00 + 1))
            } else {
                c
            }
        })
        .collect()
}

/// Format-preserving pseudonym of `value` for `ty` (see `MaskStrategy::FormatPreserving`).
pub(super) fn format_preserving(value: &str, ty: SensitiveType, salt: &[u8]) -> String {
    let mut ks = KeyStream::new(salt, value);
    let mut out = scramble(value, &mut ks);
    match ty {
        SensitiveType::BankCard | SensitiveType::Imei => fix_luhn(&mut out),
        SensitiveType::CnResidentId => fix_resident_id(value, &mut out),
        _ => {}
    }
    out.into_iter().collect()
}

/// Set the last ASCII digit so the ASCII digits, read in order, pass Luhn.
fn fix_luhn(chars: &mut [char]) {
    let positions: Vec<usize> = (0..chars.len())
        .filter(|&i| chars[i].is_ascii_digit())
        .collect();
    let Some((&last, body)) = positions.split_last() else {
        return;
    };
    if body.is_empty() {
        return;
    }
    let digits: Vec<u8> = body.iter().map(|&i| chars[i] as u8 - b'0').collect();
    chars[last] = char::from(b'0' + luhn_check_digit(&digits));
}

/// The Luhn check digit to append to `payload` (digits 0–9).
pub(super) fn luhn_check_digit(payload: &[u8]) -> u8 {
    let sum: u32 = payload
        .iter()
        .rev()
        .enumerate()
        .map(|(i, &d)| {
            let d = u32::from(d);
            if i % 2 == 0 {
                let dd = d * 2;
                if dd > 9 {
                    dd - 9
                } else {
                    dd
                }
            } else {
                d
            }
        })
        .sum();
    ((10 - sum % 10) % 10) as u8
}

/// GB 11643 check char for the first 17 digits of a resident ID.
pub(super) fn resident_id_check_char(first17: &[u8; 17]) -> char {
    const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    const CHECK: &[u8; 11] = b"10X98765432";
    let sum: u32 = first17
        .iter()
        .zip(WEIGHTS)
        .map(|(&d, w)| u32::from(d) * w)
        .sum();
    char::from(CHECK[(sum % 11) as usize])
}

/// Restore the birth date (alphanumerics 7–14 of an 18-char ID, 7–12 of a 15-digit legacy ID) and,
/// for 18 chars, recompute the check char (lowercase `x` if the original used it).
fn fix_resident_id(original: &str, out: &mut [char]) {
    let orig: Vec<char> = original.chars().collect();
    let positions: Vec<usize> = (0..orig.len())
        .filter(|&i| orig[i].is_ascii_alphanumeric())
        .collect();
    let birth = match positions.len() {
        18 => 6..14,
        15 => 6..12,
        _ => return,
    };
    for &p in &positions[birth] {
        out[p] = orig[p];
    }
    if positions.len() != 18 {
        return;
    }
    let mut first17 = [0u8; 17];
    for (slot, &p) in first17.iter_mut().zip(&positions[..17]) {
        match out[p].to_digit(10) {
            Some(d) => *slot = d as u8,
            None => return,
        }
    }
    let check = resident_id_check_char(&first17);
    let last = positions[17];
    out[last] = if check == 'X' && orig[last] == 'x' {
        'x'
    } else {
        check
    };
}
