//! Byte-level helpers for JSON text, shared by every parser of captured bodies (discovery's
//! schema scanner, the classifier's leaf walker and masker).

/// Bytes that end a run of plain string content: `"`, `\\` and control characters.
static STOP: [bool; 256] = {
    let mut t = [false; 256];
    let mut i = 0;
    while i < 0x20 {
        t[i] = true;
        i += 1;
    }
    t[b'"' as usize] = true;
    t[b'\\' as usize] = true;
    t
};

/// Position of the first `"`, `\\` or control character in the content of a JSON string:
/// eight bytes at a time (the classic "has zero byte" bit trick; the lowest flagged byte is
/// always a true match), then bytewise. Strings are most of a JSON body, so this is the
/// innermost loop of every scanner.
pub fn find_string_stop(b: &[u8]) -> Option<usize> {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let mut i = 0;
    while let Some(chunk) = b.get(i..i + 8) {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        let x = u64::from_le_bytes(word);
        let quote = x ^ (ONES * u64::from(b'"'));
        let backslash = x ^ (ONES * u64::from(b'\\'));
        let found = ((quote.wrapping_sub(ONES) & !quote)
            | (backslash.wrapping_sub(ONES) & !backslash)
            | (x.wrapping_sub(ONES * 0x20) & !x))
            & HIGH;
        if found != 0 {
            return Some(i + (found.trailing_zeros() / 8) as usize);
        }
        i += 8;
    }
    b[i..]
        .iter()
        .position(|&c| STOP[usize::from(c)])
        .map(|p| i + p)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_first_stop_byte_at_every_position() {
        for len in 0..40 {
            for stop in [b'"', b'\\', 0x00, 0x1f] {
                for at in 0..len {
                    let mut v = vec![b'a'; len];
                    // Bytes that look like stops to a careless bit trick must not match.
                    if at > 0 {
                        v[at - 1] = 0x80 | stop;
                    }
                    v[at] = stop;
                    assert_eq!(
                        find_string_stop(&v),
                        Some(at),
                        "len {len} stop {stop} at {at}"
                    );
                }
                assert_eq!(find_string_stop(&vec![0x20u8; len]), None);
            }
        }
    }
}
