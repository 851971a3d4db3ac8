//! Normalisation: the views of one value that the rules read ([`crate::rules::Value`]).
//!
//! Attackers hide payloads behind encodings a backend undoes (`%252e%252e%252f`, `&#x3c;`,
//! `\u003c`, full-width `＜`), so every rule would otherwise need every encoding. Decoding once
//! here, with bounded work, lets each rule be written against plain text:
//!
//! - [`decode`]: repeated URL decoding (`%XX`, `%uXXXX`, overlong UTF-8 `%c0%ae`), HTML entities
//!   (common named ones, decimal, hex), JS/JSON escapes (`\uXXXX`, `\u{X}`, `\xXX`, octal
//!   `\NNN`), at most [`MAX_ROUNDS`] rounds; then compatibility forms folded to ASCII (full-width,
//!   mathematical alphanumerics, small forms, ligatures, Unicode spaces) and NUL bytes removed.
//!   The output is never longer than the input.
//! - [`fold`]: lower case, `/* */` comments replaced by a space (the content of MySQL's `/*!...*/`
//!   kept), whitespace runs compressed to one space (CRS `t:lowercase,t:removeComments,
//!   t:compressWhitespace`).
//! - [`cmdline`]: the shell view (CRS `t:cmdLine`): `\ ' " ^` dropped, `$IFS`/`${IFS}` to a space,
//!   empty-variable tricks (`$@`, `${x}` inside a word) removed, spacing around `;` and `,`
//!   removed.
//! - [`base64_text`]: a value that is strict base64 of mostly printable text, decoded.

use base64::Engine as _;

/// Decoding rounds at most (URL, entities, escapes per round): triple encoding is common in
/// attacks, deeper nesting is not decoded by real backends either.
pub const MAX_ROUNDS: usize = 4;

/// Shortest value tried as base64 (shorter ones are words and ids, not payloads).
pub const MIN_BASE64_LEN: usize = 12;

/// Longest value tried as base64.
pub const MAX_BASE64_LEN: usize = 16 * 1024;

/// The normalised views of one value, with their buffers kept for reuse.
#[derive(Debug, Default, Clone)]
pub struct Views {
    /// See [`crate::rules::Value::decoded`].
    pub decoded: String,
    /// See [`crate::rules::Value::folded`].
    pub folded: String,
    /// See [`crate::rules::Value::cmdline`].
    pub cmdline: String,
    /// Whether a NUL byte was seen (and removed) while decoding.
    pub had_nul: bool,
    /// The bytes `decoded` holds (for the families' O(1) prefilters).
    pub bytes: crate::rules::ByteSet,
    scratch: String,
}

impl Views {
    /// Fills every view from `input` (a value already decoded once by its placement).
    pub fn fill(&mut self, input: &str) {
        use crate::rules::ByteSet;
        let in_bytes = ByteSet::of(input);
        if in_bytes.has_non_ascii() || in_bytes.any(b"%&\\\0") {
            self.had_nul = decode_into(input, &mut self.decoded, &mut self.scratch);
            self.bytes = ByteSet::of(&self.decoded);
        } else {
            // Plain ASCII with nothing to decode: the decoded view is the input.
            self.had_nul = false;
            self.decoded.clear();
            self.decoded.push_str(input);
            self.bytes = in_bytes;
        }
        let comment_possible = self.bytes.has(b'/') && self.bytes.has(b'*');
        if !(self.bytes.has_non_ascii() || comment_possible) {
            fold_ascii_into(&self.decoded, self.bytes.ascii_bits(), &mut self.folded);
        } else {
            fold_into(&self.decoded, &mut self.folded);
        }
        // Folding only lowers letters, blanks out spacing and drops comments: without any
        // shell byte in the decoded text there is none in the folded one either, and the
        // shell view is the folded text.
        if self.bytes.any(b"\\'\"^$;,") {
            cmdline_into(&self.folded, &mut self.cmdline);
        } else {
            self.cmdline.clear();
            self.cmdline.push_str(&self.folded);
        }
    }
}

/// `bytes` as text, invalid UTF-8 replaced by U+FFFD: the same as
/// [`String::from_utf8_lossy`], but valid input (nearly every request) is checked by the
/// standard validator, which skips ASCII a word at a time, instead of byte by byte.
pub(crate) fn utf8_lossy(bytes: &[u8]) -> std::borrow::Cow<'_, str> {
    match std::str::from_utf8(bytes) {
        Ok(text) => std::borrow::Cow::Borrowed(text),
        Err(_) => String::from_utf8_lossy(bytes),
    }
}

/// Fully decodes `input` (see the module doc).
pub fn decode(input: &str) -> String {
    let mut out = String::new();
    let mut scratch = String::new();
    decode_into(input, &mut out, &mut scratch);
    out
}

/// [`decode`] into `out`; returns whether a NUL byte was removed.
fn decode_into(input: &str, out: &mut String, scratch: &mut String) -> bool {
    out.clear();
    out.push_str(input);
    if needs_decoding(input) {
        for _ in 0..MAX_ROUNDS {
            let mut changed = false;
            if out.contains('%') {
                changed |= url_decode_into(out, scratch);
                std::mem::swap(out, scratch);
            }
            if out.contains('&') {
                changed |= html_decode_into(out, scratch);
                std::mem::swap(out, scratch);
            }
            if out.contains('\\') {
                changed |= js_decode_into(out, scratch);
                std::mem::swap(out, scratch);
            }
            if !changed {
                break;
            }
        }
    }
    let had_nul = out.contains('\0');
    if !out.is_ascii() {
        // Zero-width characters fold to NUL and go with the NULs below.
        compat_into(out, scratch);
        std::mem::swap(out, scratch);
    }
    if out.contains('\0') {
        out.retain(|c| c != '\0');
    }
    had_nul
}

fn needs_decoding(s: &str) -> bool {
    s.bytes().any(|b| matches!(b, b'%' | b'&' | b'\\'))
}

fn hex(b: u8) -> Option<u32> {
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

fn push_char_bytes(bytes: &mut Vec<u8>, v: u32) {
    // `%uff0e` is a full-width dot; the compatibility pass folds it later.
    let c = char::from_u32(v).unwrap_or('\u{fffd}');
    let mut buf = [0u8; 4];
    bytes.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
}

/// Bytes to text: valid UTF-8 as is, overlong two-byte ASCII decoded, other invalid bytes as
/// U+FFFD (never longer than the bytes' percent-encoded form).
fn bytes_to_text(bytes: &[u8], out: &mut String) {
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
const ENTITIES: &[(&str, char)] = &[
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
fn entity_at(b: &[u8]) -> Option<(char, usize)> {
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

fn escape_at(b: &[u8]) -> Option<(char, usize)> {
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

enum Compat {
    One(char),
    Two(char, char),
}

fn compat_char(c: char) -> Option<Compat> {
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

/// The folded view of a decoded value (see the module doc).
pub fn fold(decoded: &str) -> String {
    let mut out = String::new();
    fold_into(decoded, &mut out);
    out
}

/// [`fold_into`] for ASCII text without `/` and `*` together (so without comments), whose
/// bytes are `bits`: lower case and blank runs compressed, byte by byte.
fn fold_ascii_into(decoded: &str, bits: u128, out: &mut String) {
    // Whitespace and control characters (ASCII): 0x00–0x20 and 0x7f.
    const BLANK: u128 = ((1u128 << 0x21) - 1) | (1u128 << 0x7f);
    out.clear();
    if bits & BLANK == 0 {
        out.push_str(decoded);
        out.make_ascii_lowercase();
        return;
    }
    let mut last_space = false;
    for &b in decoded.as_bytes() {
        if b <= 0x20 || b == 0x7f {
            if !last_space {
                out.push(' ');
            }
            last_space = true;
        } else {
            last_space = false;
            out.push(b.to_ascii_lowercase() as char);
        }
    }
}

fn fold_into(decoded: &str, out: &mut String) {
    out.clear();
    let mut chars = decoded.char_indices().peekable();
    let b = decoded.as_bytes();
    let mut last_space = false;
    let push = |out: &mut String, c: char, last_space: &mut bool| {
        if c.is_whitespace() || c.is_control() {
            if !*last_space {
                out.push(' ');
            }
            *last_space = true;
        } else {
            *last_space = false;
            if c.is_ascii() {
                out.push(c.to_ascii_lowercase());
            } else {
                out.extend(c.to_lowercase());
            }
        }
    };
    while let Some((i, c)) = chars.next() {
        if c == '/' && b.get(i + 1) == Some(&b'*') {
            if let Some(end) = find_sub(&b[i + 2..], b"*/") {
                let body_start = i + 2;
                let body_end = body_start + end;
                let body = &decoded[body_start..body_end];
                push(out, ' ', &mut last_space);
                if let Some(rest) = body.strip_prefix('!') {
                    // MySQL executable comment: the content runs.
                    let rest = rest.trim_start_matches(|c: char| c.is_ascii_digit());
                    for c in rest.chars() {
                        push(out, c, &mut last_space);
                    }
                    push(out, ' ', &mut last_space);
                }
                while chars.peek().is_some_and(|&(j, _)| j < body_end + 2) {
                    chars.next();
                }
                continue;
            }
        }
        push(out, c, &mut last_space);
    }
}

fn find_sub(hay: &[u8], needle: &[u8]) -> Option<usize> {
    memchr::memmem::find(hay, needle)
}

/// The shell view of a folded value (see the module doc).
pub fn cmdline(folded: &str) -> String {
    let mut out = String::new();
    cmdline_into(folded, &mut out);
    out
}

fn cmdline_into(folded: &str, out: &mut String) {
    // Nothing to undo: the view is the folded text (the common case, one copy).
    if !folded
        .bytes()
        .any(|b| matches!(b, b'\\' | b'\'' | b'"' | b'^' | b'$' | b';' | b','))
    {
        out.clear();
        out.push_str(folded);
        return;
    }
    // Only `;` and `,` to respace (prose, lists): one byte pass, no fixed point needed.
    if folded.is_ascii()
        && !folded
            .bytes()
            .any(|b| matches!(b, b'\\' | b'\'' | b'"' | b'^' | b'$'))
    {
        separators_into(folded, out);
        return;
    }
    let mut changed = cmdline_pass(folded, out);
    // Removing one trick can form another (`$"*"` → `$*`): repeat to a fixed point, bounded.
    let mut prev = String::new();
    for _ in 0..4 {
        if !changed {
            break;
        }
        std::mem::swap(&mut prev, out);
        changed = cmdline_pass(&prev, out) && *out != prev;
    }
}

/// [`cmdline_pass`] for ASCII text whose only shell bytes are `;` and `,`: spaces before
/// them dropped, spaces after them skipped, other spaces kept one at a time.
fn separators_into(folded: &str, out: &mut String) {
    out.clear();
    let mut last_space = false;
    for &c in folded.as_bytes() {
        match c {
            b' ' => {
                if !last_space && !matches!(out.as_bytes().last(), Some(b';' | b',')) {
                    out.push(' ');
                    last_space = true;
                }
            }
            b';' | b',' => {
                if last_space {
                    out.pop();
                }
                out.push(c as char);
                last_space = false;
            }
            _ => {
                out.push(c as char);
                last_space = false;
            }
        }
    }
}

/// One pass of the shell view; true when it dropped or replaced something (a further pass may
/// then find more).
fn cmdline_pass(folded: &str, out: &mut String) -> bool {
    out.clear();
    let mut changed = false;
    let b = folded.as_bytes();
    let mut i = 0;
    let mut last_space = false;
    let push = |out: &mut String, c: char, last_space: &mut bool| {
        if c == ' ' {
            if !*last_space && !out.ends_with([';', ',']) {
                out.push(' ');
                *last_space = true;
            }
        } else {
            if (c == ';' || c == ',') && *last_space {
                out.pop();
            }
            out.push(c);
            *last_space = false;
        }
    };
    while i < b.len() {
        let c = b[i];
        match c {
            b'\\' | b'\'' | b'"' | b'^' => {
                i += 1;
                changed = true;
                continue;
            }
            b'$' => {
                let rest = &b[i + 1..];
                if rest.starts_with(b"ifs") || rest.starts_with(b"{ifs}") {
                    i += 1 + if rest[0] == b'{' { 5 } else { 3 };
                    // `$IFS$9`: the positional parameter after it is empty too.
                    if b.get(i) == Some(&b'$') && b.get(i + 1).is_some_and(u8::is_ascii_digit) {
                        i += 2;
                    }
                    push(out, ' ', &mut last_space);
                    changed = true;
                    continue;
                }
                if rest.first() == Some(&b'@') || rest.first() == Some(&b'*') {
                    i += 2;
                    changed = true;
                    continue;
                }
                // `c${x}at`: an unset variable between letters vanishes in the shell.
                if rest.first() == Some(&b'{') {
                    if let Some(end) = rest.iter().take(24).position(|&c| c == b'}') {
                        let name = &rest[1..end];
                        let inside_word = i > 0
                            && b[i - 1].is_ascii_alphanumeric()
                            && rest.get(end + 1).is_some_and(u8::is_ascii_alphanumeric);
                        if inside_word
                            && name.iter().all(|c| c.is_ascii_alphanumeric() || *c == b'_')
                        {
                            i += end + 2;
                            changed = true;
                            continue;
                        }
                    }
                }
            }
            b';' | b',' => {
                push(out, c as char, &mut last_space);
                i += 1;
                while b.get(i) == Some(&b' ') {
                    i += 1;
                }
                continue;
            }
            _ => {}
        }
        // Copy one char (folded is valid UTF-8; copy its full encoding).
        let len = utf8_len(c);
        let end = (i + len).min(b.len());
        match folded.get(i..end) {
            Some(s) if len > 1 => {
                out.push_str(s);
                last_space = false;
            }
            _ => push(out, c as char, &mut last_space),
        }
        i = end;
    }
    changed
}

fn utf8_len(first: u8) -> usize {
    match first {
        0x00..=0x7f => 1,
        0xc0..=0xdf => 2,
        0xe0..=0xef => 3,
        _ => 4,
    }
}

/// The text a value encodes when it is strict base64 (standard or URL-safe alphabet, correct
/// padding, [`MIN_BASE64_LEN`]..=[`MAX_BASE64_LEN`] long, not plain hex or digits) of valid
/// UTF-8 that is at least 90 % printable; `None` otherwise.
pub fn base64_text(value: &str) -> Option<String> {
    let v = value.trim();
    let n = v.len();
    if !(MIN_BASE64_LEN..=MAX_BASE64_LEN).contains(&n) {
        return None;
    }
    let b = v.as_bytes();
    let body = v.trim_end_matches('=');
    if n - body.len() > 2 {
        return None;
    }
    let padded = body.len() != n;
    if (padded && !n.is_multiple_of(4)) || (!padded && n % 4 == 1) {
        return None;
    }
    let (mut std_only, mut url_only, mut upper, mut lower, mut nonhex) =
        (false, false, false, false, false);
    for &c in body.as_bytes() {
        match c {
            b'A'..=b'Z' => {
                upper = true;
                nonhex |= c > b'F';
            }
            b'a'..=b'z' => {
                lower = true;
                nonhex |= c > b'f';
            }
            b'0'..=b'9' => {}
            b'+' | b'/' => std_only = true,
            b'-' | b'_' => url_only = true,
            _ => return None,
        }
    }
    if (std_only && url_only) || !(upper && lower) || !nonhex {
        return None;
    }
    let _ = b;
    let engine = if url_only {
        base64::engine::general_purpose::URL_SAFE_NO_PAD
    } else {
        base64::engine::general_purpose::STANDARD_NO_PAD
    };
    let bytes = engine.decode(body).ok()?;
    let text = String::from_utf8(bytes).ok()?;
    let total = text.chars().count();
    let printable = text
        .chars()
        .filter(|c| !c.is_control() || matches!(c, '\n' | '\r' | '\t'))
        .count();
    (total >= 4 && printable * 10 >= total * 9).then_some(text)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn url_decoding_repeats_and_handles_unicode_and_overlong_forms() {
        assert_eq!(decode("%252e%252e%252fetc"), "../etc");
        assert_eq!(decode("%u003cscript%u003e"), "<script>");
        assert_eq!(decode("%c0%ae%c0%ae/"), "../");
        assert_eq!(decode("100%"), "100%");
        assert_eq!(decode("%zz%4"), "%zz%4");
    }

    #[test]
    fn html_entities_decimal_hex_and_named_decode() {
        assert_eq!(decode("&lt;script&gt;"), "<script>");
        assert_eq!(decode("&#60;&#x3C;&#X3c;&#0000060"), "<<<<");
        assert_eq!(decode("a&b;c &amp"), "a&b;c &amp");
        assert_eq!(decode("&#x6a&#x61&#x76&#x61"), "java");
        // Leading zeros never count against the digit limit.
        assert_eq!(decode("&#0000000123;&#x00000000003c;"), "{<");
        assert_eq!(decode("&#00000000000000000000060"), "<");
        assert_eq!(decode("&#0;"), "");
        // Too many significant digits is still one (invalid) reference.
        assert_eq!(decode("&#123456789123;x"), "\u{fffd}x");
    }

    #[test]
    fn js_escapes_decode_but_windows_paths_keep_backslashes() {
        assert_eq!(decode(r"\u003cimg\x20src\u{3d}x\076"), "<img src=x>");
        assert_eq!(decode(r"C:\Windows\system32"), r"C:\Windows\system32");
    }

    #[test]
    fn full_width_and_math_letters_fold_to_ascii() {
        assert_eq!(decode("＜ｓｃｒｉｐｔ＞"), "<script>");
        assert_eq!(decode("𝐬𝐞𝐥𝐞𝐜𝐭"), "select");
        assert_eq!(decode("a\u{3000}b"), "a b");
        assert_eq!(decode("%uff0e%uff0e%uff0f"), "../");
    }

    #[test]
    fn nul_bytes_are_removed_and_reported() {
        let mut v = Views::default();
        v.fill("file.php%00.jpg");
        assert_eq!(v.decoded, "file.php.jpg");
        assert!(v.had_nul);
    }

    #[test]
    fn fold_lowercases_strips_comments_and_compresses_spaces() {
        assert_eq!(fold("UNION/**/SELECT\t\n 1"), "union select 1");
        assert_eq!(fold("/*!50000UNION*/ SELECT"), " union select");
        assert_eq!(fold("text/html,*/*;q=0.8"), "text/html,*/*;q=0.8");
        assert_eq!(fold("a /* open"), "a /* open");
    }

    #[test]
    fn cmdline_removes_shell_evasion() {
        assert_eq!(cmdline(&fold("c'a't /e\"t\"c/pa\\sswd")), "cat /etc/passwd");
        assert_eq!(cmdline("cat$ifs/etc/passwd"), "cat /etc/passwd");
        assert_eq!(cmdline("cat${ifs}/etc$ifs$9/passwd"), "cat /etc /passwd");
        assert_eq!(cmdline("w^h^o^a^m^i"), "whoami");
        assert_eq!(cmdline("c${kk}url x ; id , y"), "curl x;id,y");
        assert_eq!(cmdline("wh$@oami"), "whoami");
    }

    #[test]
    fn base64_is_decoded_only_when_strict_and_printable() {
        assert_eq!(
            base64_text("PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==").as_deref(),
            Some("<script>alert(1)</script>")
        );
        assert_eq!(
            base64_text("Y2F0IC9ldGMvcGFzc3dk").as_deref(),
            Some("cat /etc/passwd")
        );
        // Hex digests, words, ids and random binary are not text.
        assert_eq!(base64_text("d41d8cd98f00b204e9800998ecf8427e"), None);
        assert_eq!(base64_text("administrator"), None);
        assert_eq!(base64_text("q83vEjRWeJCrze8SNFZ4kA=="), None);
        assert_eq!(base64_text("abc"), None);
    }

    proptest! {
        #[test]
        fn decode_never_panics_and_never_grows(s in ".{0,200}") {
            let d = decode(&s);
            prop_assert!(d.len() <= s.len());
        }

        #[test]
        fn decode_of_percent_soup_is_bounded(s in "[%0-9a-fA-FuU&#;x\\\\.]{0,300}") {
            let d = decode(&s);
            prop_assert!(d.len() <= s.len());
        }

        #[test]
        fn ascii_fold_fast_path_equals_general_fold(s in "[ -~\t\n\r\x00\x0b\x0c\x7f]{0,80}") {
            prop_assume!(!(s.contains('/') && s.contains('*')));
            let mut fast = String::new();
            fold_ascii_into(&s, crate::rules::ByteSet::of(&s).ascii_bits(), &mut fast);
            prop_assert_eq!(fast, fold(&s));
        }

        #[test]
        fn separator_fast_path_equals_the_shell_pass(s in "[a-z0-9 ;,./-]{0,60}") {
            let mut fast = String::new();
            separators_into(&s, &mut fast);
            let mut slow = String::new();
            prop_assert!(!cmdline_pass(&s, &mut slow));
            prop_assert_eq!(fast, slow);
        }

        #[test]
        fn fold_and_cmdline_are_idempotent(s in "[ -~\t\n]{0,120}") {
            let f = fold(&s);
            prop_assert_eq!(fold(&f), f.clone());
            let c = cmdline(&f);
            prop_assert_eq!(cmdline(&c), c.clone());
        }

        #[test]
        fn views_equal_the_view_functions(s in "[ -~\t\n\u{a0}\u{ff1c}\u{0}]{0,60}") {
            let mut v = Views::default();
            v.fill(&s);
            let d = decode(&s);
            prop_assert_eq!(&v.decoded, &d);
            prop_assert_eq!(&v.folded, &fold(&d));
            prop_assert_eq!(&v.cmdline, &cmdline(&fold(&d)));
            prop_assert_eq!(v.bytes, crate::rules::ByteSet::of(&d));
        }

        #[test]
        fn views_never_panic_on_any_text(s in "\\PC{0,100}") {
            let mut v = Views::default();
            v.fill(&s);
            prop_assert!(v.decoded.len() <= s.len());
            let _ = base64_text(&s);
        }
    }
}
