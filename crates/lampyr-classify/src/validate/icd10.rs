//! ICD-10 diagnosis codes (WHO, ICD-10-CM style 7th characters, and the Chinese national
//! clinical edition's `x`-extensions such as `K35.800x001`).

use super::normalize::ascii_fold;

/// True for the subcategory tail after the dot: 1–4 digits/uppercase letters, the first being a
/// digit (WHO `G43.9`, CM `S72.001A`).
fn plain_tail(t: &[u8]) -> bool {
    (1..=4).contains(&t.len())
        && t[0].is_ascii_digit()
        && t.iter()
            .all(|b| b.is_ascii_digit() || b.is_ascii_uppercase())
}

/// Validates an ICD-10 code: `[A-Z]\d{2}` (chapter U only for the WHO emergency/provisional
/// blocks U00–U49 and U82–U85), optionally `.` + 1–4 characters, optionally the Chinese clinical
/// extension `x`/`X` + 3 digits after 1–3 digits (`K35.800x001`); a shape check for health data.
pub fn icd10(s: &str) -> bool {
    let folded = ascii_fold(s);
    let b = folded.trim().as_bytes();
    let (head, tail) = match b.iter().position(|&c| c == b'.') {
        Some(i) => (&b[..i], Some(&b[i + 1..])),
        None => (b, None),
    };
    let [letter, d1, d2] = head else {
        return false;
    };
    if !letter.is_ascii_uppercase() || !d1.is_ascii_digit() || !d2.is_ascii_digit() {
        return false;
    }
    if *letter == b'U' {
        let cat = (d1 - b'0') * 10 + (d2 - b'0');
        if !(cat <= 49 || (82..=85).contains(&cat)) {
            return false;
        }
    }
    let Some(tail) = tail else {
        return true;
    };
    if plain_tail(tail) {
        return true;
    }
    // Chinese clinical edition: 1–3 digits, `x`, 3 digits.
    match tail.iter().position(|&c| c == b'x' || c == b'X') {
        Some(i) => {
            let (pre, post) = (&tail[..i], &tail[i + 1..]);
            (1..=3).contains(&pre.len())
                && pre.iter().all(u8::is_ascii_digit)
                && post.len() == 3
                && post.iter().all(u8::is_ascii_digit)
        }
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn valid_codes() {
        for s in [
            "A09",
            "B20",
            "G43.9",
            "N39.0",
            "K35.800x001",
            "K35.800X001",
            "J18.900",
            "E11.9",
            "S72.001A",
            "U07.1",
            "U09.9",
            "U83.0",
            "Ｊ１８.９",
        ] {
            assert!(icd10(s), "{s}");
        }
    }

    #[test]
    fn invalid_codes() {
        for s in [
            "I0",
            "A9",
            "A099",
            "a09",
            "AA9",
            "A09.",
            "A09.12345",
            "A09.A",
            "U99",
            "U60.1",
            "K35.800x01",
            "K35.8000x001",
            "K35.800y001",
            "K35..8",
            "I10.x00x002",
            "5.29.61",
            "12:30:45",
            "",
            "阑尾炎",
        ] {
            assert!(!icd10(s), "{s}");
        }
    }

    proptest! {
        #[test]
        fn never_panics(s in any::<String>()) {
            let _ = icd10(&s);
        }

        #[test]
        fn never_panics_alphabet(s in "[A-Z0-9.xX]{0,12}") {
            let _ = icd10(&s);
        }
    }
}
