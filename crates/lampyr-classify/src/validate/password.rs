//! Cleartext passwords and PINs. There is no format to recognise, so this only answers "could this
//! value be a cleartext password?" once the field name already says password / pin / pwd: it rules
//! out stored hashes, masked placeholders and boolean/null words.

/// Words that a password-named field carries instead of a password (flags, placeholders).
const NON_PASSWORD_WORDS: &[&str] = &[
    "true",
    "false",
    "null",
    "nil",
    "none",
    "undefined",
    "yes",
    "no",
    "n/a",
    "na",
    "empty",
    "redacted",
    "[redacted]",
    "<redacted>",
    "[filtered]",
    "[hidden]",
    "hidden",
    "masked",
    "[masked]",
    "<secret>",
    "********",
    "required",
    "optional",
    "set",
    "unset",
    "enabled",
    "disabled",
];

/// Characters used to mask a value in UIs and logs.
fn is_mask_char(c: char) -> bool {
    matches!(
        c,
        '*' | '＊'
            | '●'
            | '•'
            | '·'
            | '○'
            | '◦'
            | '■'
            | '□'
            | '★'
            | '☆'
            | '※'
            | '×'
            | '…'
    )
}

/// Stored password hashes in modular crypt / LDAP formats.
fn is_crypt_hash(s: &str) -> bool {
    const PREFIXES: &[&str] = &[
        "$2a$",
        "$2b$",
        "$2x$",
        "$2y$",
        "$argon2",
        "$pbkdf2",
        "$scrypt",
        "$1$",
        "$5$",
        "$6$",
        "$7$",
        "$y$",
        "$gy$",
        "$sha1$",
        "$md5",
        "pbkdf2_sha256$",
        "pbkdf2_sha1$",
        "argon2$",
        "bcrypt$",
        "sha1$",
        "md5$",
        "{SSHA}",
        "{SHA}",
        "{SSHA256}",
        "{SSHA512}",
        "{CRYPT}",
        "{MD5}",
        "{SMD5}",
        "{bcrypt}",
        "{noop}",
    ];
    PREFIXES.iter().any(|p| s.starts_with(p))
}

/// A plain hex digest (MD5, SHA-1, SHA-224/256/384/512).
fn is_hex_digest(s: &str) -> bool {
    matches!(s.len(), 32 | 40 | 56 | 64 | 96 | 128) && s.bytes().all(|b| b.is_ascii_hexdigit())
}

/// True when `s` looks like a cleartext password or PIN (assuming the field name says so).
pub fn password_shape(s: &str) -> bool {
    if s.len() > 512 {
        return false;
    }
    let n = s.chars().count();
    if !(4..=128).contains(&n) {
        return false;
    }
    if s.trim().is_empty() || s.chars().any(|c| c.is_control()) {
        return false;
    }
    // masked: made only of mask characters (and maybe spaces)
    if s.chars().all(|c| is_mask_char(c) || c == ' ') {
        return false;
    }
    // mostly masked, e.g. `ab******`, `1******9`: count mask characters
    let masks = s.chars().filter(|&c| is_mask_char(c)).count();
    if masks >= 3 && masks * 2 >= n && has_mask_run(s) {
        return false;
    }
    if is_crypt_hash(s) || is_hex_digest(s) {
        return false;
    }
    let t = s.trim();
    if NON_PASSWORD_WORDS.iter().any(|w| w.eq_ignore_ascii_case(t)) {
        return false;
    }
    true
}

/// True when `s` holds a run of at least three mask characters (`ab***`).
fn has_mask_run(s: &str) -> bool {
    let mut run = 0usize;
    for c in s.chars() {
        if is_mask_char(c) {
            run += 1;
            if run >= 3 {
                return true;
            }
        } else {
            run = 0;
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn passwords() {
        for s in [
            "1234",
            "123456",
            "87654321",
            "P@ssw0rd!",
            "correct horse battery staple",
            "hunter2x",
            "Zx9!kLm#2qWe",
            "密码123456",
            "abc*def",
        ] {
            assert!(password_shape(s), "{s}");
        }
    }

    #[test]
    fn not_passwords() {
        for s in [
            "",
            "123",
            "    ",
            "******",
            "●●●●●●",
            "••••••••",
            "ab******",
            "$2b$12$KIXQJQ1Y5Q9J1z7t4Gx5UuO1uQ7xw8yJ6f2pZ8Q9mV1c3Kx5eZ7a",
            "$argon2id$v=19$m=65536,t=3,p=4$c2FsdHNhbHQ$hash",
            "5f4dcc3b5aa765d61d8327deb882cf99",
            "5baa61e4c9b93f3f0682250b6cf8331b7ee68fd8",
            "5e884898da28047151d0e56f8dc6292773603d0d6aabbdd62a11ef721d1542d8",
            "true",
            "NULL",
            "undefined",
            "[REDACTED]",
            "{SSHA}abcdefghijkl",
            "line1\nline2",
        ] {
            assert!(!password_shape(s), "{s}");
        }
        assert!(!password_shape(&"a".repeat(129)));
    }

    proptest! {
        #[test]
        fn never_panics(s in ".{0,300}") {
            let _ = password_shape(&s);
        }
    }
}
