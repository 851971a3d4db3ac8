//! Unicode compatibility folding of the forms attackers use to dodge ASCII rules.

/// Compatibility folding for the ranges attackers use (an NFKC subset that never lengthens):
/// full-width ASCII, ideographic and other Unicode spaces, small form variants, mathematical
/// alphanumerics, super/subscript digits, common Latin ligatures.
pub fn compat_into(input: &str, out: &mut String) {
    out.clear();
    for c in input.chars() {
        match compat_char(c) {
            Some(Compat::One(a)) => out.push(a),
            Some(Compat::Two(a, b)) => {
                out.push(a);
                out.push(b);
            }
            None => out.push(c),
        }
    }
}

pub(super) enum Compat {
    One(char),
    Two(char, char),
}

pub(super) fn compat_char(c: char) -> Option<Compat> {
    let u = c as u32;
    let one = |v: u32| char::from_u32(v).map(Compat::One);
    match u {
        0xff01..=0xff5e => one(u - 0xfee0),
        0x3000 | 0x00a0 | 0x1680 | 0x2000..=0x200a | 0x202f | 0x205f => Some(Compat::One(' ')),
        0x200b..=0x200d | 0x2060 | 0xfeff => Some(Compat::One('\u{0}')),
        0x2024 => Some(Compat::One('.')),
        0x2044 | 0x2215 => Some(Compat::One('/')),
        0x2216 | 0xfe68 => Some(Compat::One('\\')),
        0x2039 => Some(Compat::One('<')),
        0x203a => Some(Compat::One('>')),
        0x2018 | 0x2019 | 0x02bc => Some(Compat::One('\'')),
        0x201c | 0x201d => Some(Compat::One('"')),
        0xfe50 => Some(Compat::One(',')),
        0xfe52 => Some(Compat::One('.')),
        0xfe54 => Some(Compat::One(';')),
        0xfe55 => Some(Compat::One(':')),
        0xfe56 => Some(Compat::One('?')),
        0xfe57 => Some(Compat::One('!')),
        0xfe59 => Some(Compat::One('(')),
        0xfe5a => Some(Compat::One(')')),
        0xfe5b => Some(Compat::One('{')),
        0xfe5c => Some(Compat::One('}')),
        0xfe5f => Some(Compat::One('#')),
        0xfe60 => Some(Compat::One('&')),
        0xfe61 => Some(Compat::One('*')),
        0xfe62 => Some(Compat::One('+')),
        0xfe63 => Some(Compat::One('-')),
        0xfe64 => Some(Compat::One('<')),
        0xfe65 => Some(Compat::One('>')),
        0xfe66 => Some(Compat::One('=')),
        0xfe69 => Some(Compat::One('$')),
        0xfe6a => Some(Compat::One('%')),
        0xfe6b => Some(Compat::One('@')),
        0x2070 => Some(Compat::One('0')),
        0x00b9 => Some(Compat::One('1')),
        0x00b2 => Some(Compat::One('2')),
        0x00b3 => Some(Compat::One('3')),
        0x2074..=0x2079 => one(u - 0x2074 + u32::from(b'4')),
        0x2080..=0x2089 => one(u - 0x2080 + u32::from(b'0')),
        0xfb00 => Some(Compat::Two('f', 'f')),
        0xfb01 => Some(Compat::Two('f', 'i')),
        0xfb02 => Some(Compat::Two('f', 'l')),
        0xfb05 | 0xfb06 => Some(Compat::Two('s', 't')),
        0x1d400..=0x1d6a3 => {
            // Mathematical alphanumerics: 13 styles of 52 letters each (bold, italic, ...).
            let k = (u - 0x1d400) % 52;
            one(if k < 26 {
                u32::from(b'A') + k
            } else {
                u32::from(b'a') + k - 26
            })
        }
        0x1d7ce..=0x1d7ff => one(u32::from(b'0') + (u - 0x1d7ce) % 10),
        _ => None,
    }
}
