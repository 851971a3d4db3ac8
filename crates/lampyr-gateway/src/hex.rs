//! Lower-case hex, for key hashes, signatures, fingerprints and ids.

/// Encodes bytes as lower-case hex. A table rather than `write!` per byte: this runs on every
/// request (request ids, API-key hashes, signatures).
pub fn encode(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(DIGITS[usize::from(b >> 4)] as char);
        s.push(DIGITS[usize::from(b & 0xf)] as char);
    }
    s
}

/// Decodes hex (either case); `None` on odd length or a non-hex character.
pub fn decode(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) {
        return None;
    }
    let nib = |c: u8| (c as char).to_digit(16).map(|d| d as u8);
    text.as_bytes()
        .chunks(2)
        .map(|p| Some(nib(p[0])? << 4 | nib(p[1])?))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_refuses_bad_input() {
        assert_eq!(encode(&[0x00, 0xab]), "00ab");
        assert_eq!(decode("00AB"), Some(vec![0x00, 0xab]));
        assert_eq!(decode("0"), None);
        assert_eq!(decode("zz"), None);
    }
}
