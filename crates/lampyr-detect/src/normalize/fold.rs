//! The folded view: lower case, comments removed, whitespace compressed.

/// The folded view of a decoded value (see the module doc).
pub fn fold(decoded: &str) -> String {
    let mut out = String::new();
    fold_into(decoded, &mut out);
    out
}

/// [`fold_into`] for ASCII text without `/` and `*` together (so without comments), whose
/// bytes are `bits`: lower case and blank runs compressed, byte by byte.
pub(super) fn fold_ascii_into(decoded: &str, bits: u128, out: &mut String) {
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

pub(super) fn fold_into(decoded: &str, out: &mut String) {
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

pub(super) fn find_sub(hay: &[u8], needle: &[u8]) -> Option<usize> {
    memchr::memmem::find(hay, needle)
}
