//! The shell view: quoting, `$IFS` and empty-variable evasions undone.

/// The shell view of a folded value (see the module doc).
pub fn cmdline(folded: &str) -> String {
    let mut out = String::new();
    cmdline_into(folded, &mut out);
    out
}

pub(super) fn cmdline_into(folded: &str, out: &mut String) {
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
pub(super) fn separators_into(folded: &str, out: &mut String) {
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
pub(super) fn cmdline_pass(folded: &str, out: &mut String) -> bool {
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

pub(super) fn utf8_len(first: u8) -> usize {
    match first {
        0x00..=0x7f => 1,
        0xc0..=0xdf => 2,
        0xe0..=0xef => 3,
        _ => 4,
    }
}
