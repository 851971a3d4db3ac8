//! The per-round decoders: URL percent-encoding, HTML entities and JS/JSON escapes.

pub(super) fn hex(b: u8) -> Option<u32> {
    (b as char).to_digit(16)
}

/// One round of URL decoding. `%XX` bytes that do not form UTF-8 are kept as U+FFFD, except
/// overlong two-byte forms of ASCII (`%c0%ae` = `.`), which old decoders accepted.
pub fn url_decode_into(input: &str, out: &mut String) -> bool {
    out.clear();
    let b = input.as_bytes();
    let mut bytes: Vec<u8> = Vec::with_capacity(b.len());
    let mut changed = false;
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            if i + 2 < b.len() {
                if let (Some(h), Some(l)) = (hex(b[i + 1]), hex(b[i + 2])) {
                    bytes.push((h * 16 + l) as u8);
                    i += 3;
                    changed = true;
                    continue;
                }
            }
            if i + 5 < b.len() && (b[i + 1] == b'u' || b[i + 1] == b'U') {
                let v = b[i + 2..i + 6]
                    .iter()
                    .try_fold(0u32, |acc, &c| hex(c).map(|d| acc * 16 + d));
                if let Some(v) = v {
                    push_char_bytes(&mut bytes, v);
                    i += 6;
                    changed = true;
                    continue;
                }
            }
        }
        bytes.push(b[i]);
        i += 1;
    }
    if !changed {
        out.push_str(input);
        return false;
    }
    bytes_to_text(&bytes, out);
    true
}

pub(super) fn push_char_bytes(bytes: &mut Vec<u8>, v: u32) {
    // `%uff0e` is a full-width dot; the compatibility pass folds it later.
    let c = char::from_u32(v).unwrap_or('\u{fffd}');
    let mut buf = [0u8; 4];
    bytes.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
}

/// Bytes to text: valid UTF-8 as is, overlong two-byte ASCII decoded, other invalid bytes as
/// U+FFFD (never longer than the bytes' percent-encoded form).
pub(super) fn bytes_to_text(bytes: &[u8], out: &mut String) {
    let mut rest = bytes;
    while !rest.is_empty() {
        match std::str::from_utf8(rest) {
            Ok(s) => {
                out.push_str(s);
                break;
            }
            Err(e) => {
                let good = e.valid_up_to();
                // Safe: the prefix is valid UTF-8 by the error's contract.
                out.push_str(std::str::from_utf8(&rest[..good]).unwrap_or_default());
                let bad = &rest[good..];
                if bad.len() >= 2 && (bad[0] == 0xc0 || bad[0] == 0xc1) && bad[1] & 0xc0 == 0x80 {
                    let c = ((u32::from(bad[0]) & 0x1f) << 6) | (u32::from(bad[1]) & 0x3f);
                    out.push(char::from_u32(c).unwrap_or('\u{fffd}'));
                    rest = &bad[2..];
                } else {
                    out.push('\u{fffd}');
                    let n = e.error_len().unwrap_or(bad.len()).max(1);
                    rest = &bad[n..];
                }
            }
        }
    }
}

/// Named entities worth decoding: the ones attackers use to rebuild markup, quotes, separators
/// and paths.
pub(super) const ENTITIES: &[(&str, char)] = &[
    ("lt", '<'),
    ("gt", '>'),
    ("amp", '&'),
    ("quot", '"'),
    ("apos", '\''),
    ("nbsp", ' '),
    ("tab", '\t'),
    ("newline", '\n'),
    ("colon", ':'),
    ("semi", ';'),
    ("lpar", '('),
    ("rpar", ')'),
    ("sol", '/'),
    ("bsol", '\\'),
    ("period", '.'),
    ("comma", ','),
    ("equals", '='),
    ("excl", '!'),
    ("quest", '?'),
    ("num", '#'),
    ("dollar", '$'),
    ("percnt", '%'),
    ("lsqb", '['),
    ("rsqb", ']'),
    ("lbrack", '['),
    ("rbrack", ']'),
    ("lcub", '{'),
    ("rcub", '}'),
    ("lbrace", '{'),
    ("rbrace", '}'),
    ("grave", '`'),
    ("vert", '|'),
    ("verbar", '|'),
    ("ast", '*'),
    ("plus", '+'),
    ("hat", '^'),
    ("lowbar", '_'),
    ("hyphen", '-'),
    ("dash", '-'),
];

/// One round of HTML entity decoding: named entities of [`ENTITIES`] (case-insensitive, `;`
/// required), decimal and hex references (`;` optional, as browsers accept).
pub fn html_decode_into(input: &str, out: &mut String) -> bool {
    out.clear();
    let b = input.as_bytes();
    let mut changed = false;
    let mut i = 0;
    let mut copied = 0;
    while let Some(off) = memchr::memchr(b'&', &b[i..]) {
        let at = i + off;
        i = at + 1;
        let Some((c, len)) = entity_at(&b[at + 1..]) else {
            continue;
        };
        out.push_str(&input[copied..at]);
        out.push(c);
        copied = at + 1 + len;
        i = copied;
        changed = true;
    }
    out.push_str(&input[copied..]);
    changed
}

/// The entity after a `&`: its char and how many bytes it takes (without the `&`).
pub(super) fn entity_at(b: &[u8]) -> Option<(char, usize)> {
    if b.first() == Some(&b'#') {
        let (radix, start) = match b.get(1) {
            Some(b'x' | b'X') => (16, 2),
            _ => (10, 1),
        };
        let mut v: u32 = 0;
        let mut j = start;
        // Leading zeros add nothing (browsers accept any number of them): only significant
        // digits count against the limit, so `&#0000000123;` is `{`, not U+FFFD.
        while b.get(j) == Some(&b'0') {
            j += 1;
        }
        let digits = j;
        while j < b.len() && j - digits < 8 {
            match (b[j] as char).to_digit(radix) {
                Some(d) => v = v.saturating_mul(radix).saturating_add(d),
                None => break,
            }
            j += 1;
        }
        if j == start {
            return None;
        }
        // More than 8 significant digits: one reference, out of range.
        while j < b.len() && (b[j] as char).is_digit(radix) {
            j += 1;
            v = u32::MAX;
        }
        if b.get(j) == Some(&b';') {
            j += 1;
        }
        let c = char::from_u32(v).unwrap_or('\u{fffd}');
        // Never longer than its source: `&#1;` is 4 bytes, any char at most 4.
        return (c.len_utf8() <= j + 1).then_some((c, j));
    }
    let end = b.iter().take(10).position(|&c| c == b';')?;
    let name = std::str::from_utf8(&b[..end]).ok()?;
    ENTITIES
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|&(_, c)| (c, end + 1))
}

/// One round of JS/JSON escape decoding: `\uXXXX`, `\u{X..}`, `\xXX`, octal `\NNN` (first digit
/// 0–3). Other backslashes stay: `\n` or `\t` in a query value is far more often a Windows
/// path (`c:\temp\new`) than an escaped control character.
pub fn js_decode_into(input: &str, out: &mut String) -> bool {
    out.clear();
    let b = input.as_bytes();
    let mut changed = false;
    let mut i = 0;
    let mut copied = 0;
    while let Some(off) = memchr::memchr(b'\\', &b[i..]) {
        let at = i + off;
        i = at + 1;
        let Some((c, len)) = escape_at(&b[at + 1..]) else {
            continue;
        };
        out.push_str(&input[copied..at]);
        out.push(c);
        copied = at + 1 + len;
        i = copied;
        changed = true;
    }
    out.push_str(&input[copied..]);
    changed
}

pub(super) fn escape_at(b: &[u8]) -> Option<(char, usize)> {
    let hexn = |s: &[u8]| {
        s.iter()
            .try_fold(0u32, |acc, &c| hex(c).map(|d| acc * 16 + d))
    };
    match b.first()? {
        b'u' if b.get(1) == Some(&b'{') => {
            let end = b.iter().take(10).position(|&c| c == b'}')?;
            if end < 3 {
                return None;
            }
            let v = hexn(&b[2..end])?;
            let c = char::from_u32(v)?;
            (c.len_utf8() <= end + 2).then_some((c, end + 1))
        }
        b'u' if b.len() >= 5 => {
            let v = hexn(&b[1..5])?;
            // A lone surrogate decodes to nothing useful; keep it as U+FFFD.
            Some((char::from_u32(v).unwrap_or('\u{fffd}'), 5))
        }
        b'x' if b.len() >= 3 => {
            let v = hexn(&b[1..3])?;
            Some((char::from_u32(v)?, 3))
        }
        b'0'..=b'3'
            if b.len() >= 3 && (b'0'..=b'7').contains(&b[1]) && (b'0'..=b'7').contains(&b[2]) =>
        {
            let v =
                u32::from(b[0] - b'0') * 64 + u32::from(b[1] - b'0') * 8 + u32::from(b[2] - b'0');
            Some((char::from_u32(v)?, 3))
        }
        _ => None,
    }
}
