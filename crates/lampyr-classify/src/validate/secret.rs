//! Credentials recognised by format alone (vendor token prefixes, PEM private-key armour), plus
//! shape checks for values that are only secrets when the field name says so.
//!
//! Note on hashes: a 32/40/64-hex value (MD5/SHA-1/SHA-256 digest) *is* secret-shaped for
//! [`generic_secret_shape`]; a password hash and an API secret look identical. Telling them apart
//! is the caller's job, from the field name (`passwordHash`, `etag`, `checksum` vs `apiSecret`).

/// Which credential format a value matched.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SecretKind {
    /// AWS access key id (`AKIA…`, `ASIA…`, …).
    AwsAccessKeyId,
    /// GitHub personal / OAuth / app token (`ghp_…`, `github_pat_…`).
    GithubToken,
    /// Slack token (`xoxb-…`) or incoming-webhook URL.
    SlackToken,
    /// Stripe secret or restricted key, or webhook signing secret.
    StripeSecret,
    /// Google API key (`AIza…`).
    GoogleApiKey,
    /// OpenAI-style key (`sk-…`, `sk-proj-…`, also `sk-ant-…`).
    OpenAiKey,
    /// GitLab personal access token (`glpat-…`).
    GitlabToken,
    /// npm access token (`npm_…`).
    NpmToken,
    /// SendGrid API key (`SG.x.y`).
    SendgridKey,
    /// PEM/OpenSSH/PGP private key.
    PrivateKey,
    /// Other vendor formats (Alibaba Cloud `LTAI…`, Tencent `AKID…`, Twilio `SK…`, Hugging Face, …).
    Generic,
}

fn all_bytes(s: &str, f: impl Fn(u8) -> bool) -> bool {
    s.bytes().all(f)
}

fn is_upper_alnum(b: u8) -> bool {
    b.is_ascii_uppercase() || b.is_ascii_digit()
}

fn is_token_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b == b'-'
}

fn has_digit_and_letter(s: &str) -> bool {
    s.bytes().any(|b| b.is_ascii_digit()) && s.bytes().any(|b| b.is_ascii_alphabetic())
}

/// Strips `prefix` and returns the rest when `s` starts with it.
fn after<'a>(s: &'a str, prefix: &str) -> Option<&'a str> {
    s.strip_prefix(prefix)
}

fn aws_key_id(s: &str) -> bool {
    const PREFIXES: [&str; 11] = [
        "AKIA", "ASIA", "AGPA", "AIDA", "AROA", "ANPA", "ANVA", "AIPA", "ABIA", "ACCA", "APKA",
    ];
    s.len() == 20
        && PREFIXES.iter().any(|p| s.starts_with(p))
        && all_bytes(&s[4..], is_upper_alnum)
        // a real id is random: not `AKIAAAAAAAAAAAAAAAAA`
        && shannon_entropy(&s[4..]) > 2.5
}

fn github(s: &str) -> bool {
    for p in ["ghp_", "gho_", "ghu_", "ghs_", "ghr_"] {
        if let Some(rest) = after(s, p) {
            return (36..=251).contains(&rest.len())
                && all_bytes(rest, |b| b.is_ascii_alphanumeric());
        }
    }
    if let Some(rest) = after(s, "github_pat_") {
        return (50..=255).contains(&rest.len())
            && all_bytes(rest, |b| b.is_ascii_alphanumeric() || b == b'_');
    }
    false
}

fn slack(s: &str) -> bool {
    for p in [
        "xoxb-",
        "xoxp-",
        "xoxa-",
        "xoxr-",
        "xoxs-",
        "xoxe-",
        "xoxe.xoxp-",
        "xapp-",
    ] {
        if let Some(rest) = after(s, p) {
            return (10..=255).contains(&rest.len())
                && all_bytes(rest, |b| b.is_ascii_alphanumeric() || b == b'-')
                && rest.bytes().any(|b| b.is_ascii_digit());
        }
    }
    for p in [
        "https://hooks.slack.com/services/",
        "https://hooks.slack.com/workflows/",
        "https://hooks.slack.com/triggers/",
    ] {
        if let Some(rest) = after(s, p) {
            let parts = rest.split('/').filter(|x| !x.is_empty()).count();
            return parts >= 2
                && rest.len() >= 20
                && all_bytes(rest, |b| b.is_ascii_alphanumeric() || b == b'/');
        }
    }
    false
}

fn stripe(s: &str) -> bool {
    for p in ["sk_live_", "sk_test_", "rk_live_", "rk_test_", "whsec_"] {
        if let Some(rest) = after(s, p) {
            return (16..=255).contains(&rest.len())
                && all_bytes(rest, |b| b.is_ascii_alphanumeric());
        }
    }
    false
}

fn google(s: &str) -> bool {
    s.len() == 39 && s.starts_with("AIza") && all_bytes(&s[4..], is_token_char)
}

fn openai(s: &str) -> bool {
    let Some(rest) = after(s, "sk-") else {
        return false;
    };
    (32..=255).contains(&rest.len())
        && all_bytes(rest, is_token_char)
        && has_digit_and_letter(rest)
        && shannon_entropy(rest) > 3.5
}

fn gitlab(s: &str) -> bool {
    for p in ["glpat-", "glptt-", "gldt-", "glrt-", "gloas-"] {
        if let Some(rest) = after(s, p) {
            return (20..=255).contains(&rest.len()) && all_bytes(rest, is_token_char);
        }
    }
    false
}

fn npm(s: &str) -> bool {
    after(s, "npm_").is_some_and(|r| r.len() == 36 && all_bytes(r, |b| b.is_ascii_alphanumeric()))
}

fn sendgrid(s: &str) -> bool {
    let Some(rest) = after(s, "SG.") else {
        return false;
    };
    let mut it = rest.split('.');
    let (Some(a), Some(b), None) = (it.next(), it.next(), it.next()) else {
        return false;
    };
    (16..=32).contains(&a.len())
        && (32..=64).contains(&b.len())
        && all_bytes(a, is_token_char)
        && all_bytes(b, is_token_char)
}

/// True when `s` contains PEM/OpenSSH/PGP private-key armour (certificates and public keys do not count).
fn private_key(s: &str) -> bool {
    let mut rest = s;
    while let Some(i) = rest.find("-----BEGIN ") {
        let tail = &rest[i + 11..];
        let Some(j) = tail.find("-----") else {
            return false;
        };
        let label = &tail[..j];
        if label.len() <= 40
            && (label.ends_with("PRIVATE KEY") || label == "PGP PRIVATE KEY BLOCK")
            && all_bytes(label, |b| {
                b.is_ascii_uppercase() || b == b' ' || b.is_ascii_digit()
            })
        {
            return true;
        }
        rest = &tail[j..];
    }
    false
}

fn other_vendor(s: &str) -> bool {
    // Alibaba Cloud AccessKey id.
    if let Some(r) = after(s, "LTAI") {
        return (12..=28).contains(&r.len())
            && all_bytes(r, |b| b.is_ascii_alphanumeric())
            && has_digit_and_letter(r);
    }
    // Tencent Cloud SecretId.
    if let Some(r) = after(s, "AKID") {
        return (28..=40).contains(&r.len()) && all_bytes(r, |b| b.is_ascii_alphanumeric());
    }
    // Twilio API key SID (weak: "SK" + 32 lowercase hex).
    if let Some(r) = after(s, "SK") {
        return r.len() == 32 && all_bytes(r, |b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
    }
    // Hugging Face, Shopify, DigitalOcean, PyPI, Databricks, Square, Mailgun.
    for (p, min) in [
        ("hf_", 30),
        ("shpat_", 32),
        ("shpss_", 32),
        ("shpca_", 32),
        ("dop_v1_", 64),
        ("pypi-AgEIcHlwaS5vcmc", 50),
        ("dapi", 32),
        ("sq0atp-", 22),
        ("sq0csp-", 40),
    ] {
        if let Some(r) = after(s, p) {
            return r.len() >= min && r.len() <= 300 && all_bytes(r, is_token_char);
        }
    }
    false
}

/// Recognises a credential by its format alone, so no field-name context is needed.
pub fn secret_kind(s: &str) -> Option<SecretKind> {
    let s = s.trim();
    if s.len() < 16 {
        return None;
    }
    if s.contains("-----BEGIN ") {
        return private_key(s).then_some(SecretKind::PrivateKey);
    }
    if s.len() > 1024 {
        return None;
    }
    let kind = if aws_key_id(s) {
        SecretKind::AwsAccessKeyId
    } else if github(s) {
        SecretKind::GithubToken
    } else if slack(s) {
        SecretKind::SlackToken
    } else if stripe(s) {
        SecretKind::StripeSecret
    } else if google(s) {
        SecretKind::GoogleApiKey
    } else if gitlab(s) {
        SecretKind::GitlabToken
    } else if npm(s) {
        SecretKind::NpmToken
    } else if sendgrid(s) {
        SecretKind::SendgridKey
    } else if openai(s) {
        SecretKind::OpenAiKey
    } else if other_vendor(s) {
        SecretKind::Generic
    } else {
        return None;
    };
    Some(kind)
}

/// Shannon entropy in bits per character; secrets are random, identifiers and words are not.
pub fn shannon_entropy(s: &str) -> f64 {
    let mut ascii = [0u32; 128];
    let mut other: Vec<(char, u32)> = Vec::new();
    let mut n = 0u32;
    for c in s.chars() {
        n += 1;
        if c.is_ascii() {
            ascii[c as usize] += 1;
        } else if let Some(e) = other.iter_mut().find(|e| e.0 == c) {
            e.1 += 1;
        } else if other.len() < 256 {
            other.push((c, 1));
        } else {
            // Bound the work on long non-ASCII input: lump the rest together.
            other[255].1 += 1;
        }
    }
    if n == 0 {
        return 0.0;
    }
    let total = f64::from(n);
    ascii
        .iter()
        .copied()
        .chain(other.iter().map(|e| e.1))
        .filter(|&c| c > 0)
        .map(|c| {
            let p = f64::from(c) / total;
            -p * p.log2()
        })
        .sum()
}

fn is_hex(b: u8) -> bool {
    b.is_ascii_hexdigit()
}

fn is_uuid(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 36
        && b.iter().enumerate().all(|(i, &c)| {
            if matches!(i, 8 | 13 | 18 | 23) {
                c == b'-'
            } else {
                is_hex(c)
            }
        })
}

/// Only digits and date/time separators: a date, timestamp or plain number.
fn is_date_or_number(s: &str) -> bool {
    s.bytes().any(|b| b.is_ascii_digit())
        && s.bytes().all(|b| {
            b.is_ascii_digit() || matches!(b, b'-' | b'/' | b':' | b'.' | b'T' | b'Z' | b'+' | b' ')
        })
}

/// Fraction of adjacent pairs whose character class (upper/lower/digit/other) differs.
fn class_transition_ratio(s: &str) -> f64 {
    fn class(b: u8) -> u8 {
        if b.is_ascii_uppercase() {
            0
        } else if b.is_ascii_lowercase() {
            1
        } else if b.is_ascii_digit() {
            2
        } else {
            3
        }
    }
    let b = s.as_bytes();
    if b.len() < 2 {
        return 0.0;
    }
    let changes = b.windows(2).filter(|w| class(w[0]) != class(w[1])).count();
    changes as f64 / (b.len() - 1) as f64
}

/// Every `-`/`_`/`/` separated segment is a plain word or number: an identifier such as
/// `SKU-2024-ABC-00123` or `user_profile_settings`, not a random secret.
fn is_structured_identifier(s: &str) -> bool {
    let mut segs = 0;
    for seg in s.split(['-', '_', '/', '.', ':', '+']) {
        if seg.is_empty() {
            continue;
        }
        segs += 1;
        let b = seg.as_bytes();
        let digits = b.iter().all(u8::is_ascii_digit);
        let upper = b.iter().all(u8::is_ascii_uppercase);
        let lower = b.iter().all(u8::is_ascii_lowercase);
        let capitalised = b[0].is_ascii_uppercase() && b[1..].iter().all(u8::is_ascii_lowercase);
        // letters followed by digits (`ORD2024`, `v2`) is an id segment too
        let split = b.iter().position(u8::is_ascii_digit).unwrap_or(b.len());
        let alpha_then_digits = split > 0
            && b[..split].iter().all(u8::is_ascii_alphabetic)
            && b[split..].iter().all(u8::is_ascii_digit);
        if !(digits || upper || lower || capitalised || alpha_then_digits) {
            return false;
        }
    }
    segs > 0
}

/// Base64 of common image/file magic numbers: a data blob, not a secret.
fn is_blob_prefix(s: &str) -> bool {
    [
        "iVBORw0KGgo",
        "/9j/",
        "R0lGOD",
        "UklGR",
        "JVBERi0",
        "UEsDB",
        "AAAA",
    ]
    .iter()
    .any(|p| s.starts_with(p))
}

/// True when `s` could be a secret if the field name says so (`apiSecret`, `x-api-key`, …).
///
/// Long hex (≥ 32) passes, so digests pass too: the caller separates `hash` fields by name.
pub fn generic_secret_shape(s: &str) -> bool {
    let s = s.trim();
    let len = s.len();
    if !(16..=128).contains(&len) || !s.is_ascii() {
        return false;
    }
    if s.bytes()
        .any(|b| b.is_ascii_whitespace() || b.is_ascii_control())
    {
        return false;
    }
    if is_uuid(s) || is_date_or_number(s) {
        return false;
    }
    if secret_kind(s).is_some() {
        return true;
    }
    if s.starts_with('/') || s.contains("://") || is_blob_prefix(s) {
        return false;
    }
    let entropy = shannon_entropy(s);
    // Pure hex, ≥ 32 characters (API keys, HMAC secrets; digests too, see above).
    if len >= 32 && s.bytes().all(is_hex) {
        return entropy >= 3.0 && class_transition_ratio(s) >= 0.2;
    }
    // Base64-ish (standard or URL alphabet, optional padding).
    let b64 = s
        .trim_end_matches('=')
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'_' | b'-' | b'.' | b'~'));
    if len < 20 || !b64 {
        return false;
    }
    let upper = s.bytes().any(|b| b.is_ascii_uppercase());
    let lower = s.bytes().any(|b| b.is_ascii_lowercase());
    let digit = s.bytes().any(|b| b.is_ascii_digit());
    let symbol = s.bytes().any(|b| !b.is_ascii_alphanumeric());
    let classes = [upper, lower, digit, symbol].iter().filter(|&&x| x).count();
    let mixed = classes >= 3 || (classes == 2 && digit && len >= 32);
    mixed
        && (upper || lower)
        && entropy >= 3.5
        && class_transition_ratio(s) >= 0.2
        && !is_structured_identifier(s)
}

/// True for the shape of an AWS secret access key: 40 base64 characters with mixed case and digits.
pub fn aws_secret_shape(s: &str) -> bool {
    let s = s.trim();
    s.len() == 40
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'+' || b == b'/')
        && s.bytes().any(|b| b.is_ascii_uppercase())
        && s.bytes().any(|b| b.is_ascii_lowercase())
        && s.bytes().any(|b| b.is_ascii_digit())
        && shannon_entropy(s) >= 4.0
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn kinds() {
        use SecretKind::*;
        let cases: &[(&str, SecretKind)] = &[
            ("AKIAIOSFODNN7EXAMPLE", AwsAccessKeyId),
            ("ASIAY34FZKBOKMUTVV7A", AwsAccessKeyId),
            ("ghp_16C7e42F292c6912E7710c838347Ae178B4a", GithubToken),
            (
                "github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUV",
                GithubToken,
            ),
            (
                "xoxb-2048-123456789012-AbCdEfGhIjKlMnOpQrStUvWx",
                SlackToken,
            ),
            (
                "https://hooks.slack.com/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX",
                SlackToken,
            ),
            ("sk_live_4eC39HqLyjWDarjtT1zdp7dc", StripeSecret),
            ("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", StripeSecret),
            ("AIzaSyA1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q", GoogleApiKey),
            ("sk-proj-a8Kd93jfLq0Zx7Vb2Nc4Mw6Er1Ty5Ui9Op3As", OpenAiKey),
            ("sk-ant-api03-x9Zq2Lm4Np6Rs8Tu0Vw1Xy3Za5Bc7De9Fg", OpenAiKey),
            ("glpat-xY3zA9bC7dE5fG1hI2jK", GitlabToken),
            ("npm_a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8", NpmToken),
            (
                "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",
                SendgridKey,
            ),
            (
                "-----BEGIN RSA PRIVATE KEY-----\nMIIEow...\n-----END RSA PRIVATE KEY-----",
                PrivateKey,
            ),
            ("-----BEGIN PRIVATE KEY-----\\nMIIEvQ...", PrivateKey),
            ("-----BEGIN OPENSSH PRIVATE KEY-----\nb3Bl...", PrivateKey),
            ("-----BEGIN ENCRYPTED PRIVATE KEY-----", PrivateKey),
            ("LTAI5tQ8xYz1AbCdEfGhIjKl", Generic),
            ("SK0123456789abcdef0123456789abcdef", Generic),
        ];
        for (s, k) in cases {
            assert_eq!(secret_kind(s), Some(*k), "{s}");
        }
    }

    #[test]
    fn not_kinds() {
        for s in [
            "",
            "pk_live_4eC39HqLyjWDarjtT1zdp7dc",
            "pk_test_TYooMQauvdEDq54NiTphI7jx",
            "-----BEGIN CERTIFICATE-----\nMIIDdzCCAl+gAwIBAgIE...",
            "-----BEGIN PUBLIC KEY-----\nMIIBIjANBgkqh...",
            "-----BEGIN RSA PUBLIC KEY-----",
            "AKIAAAAAAAAAAAAAAAAA",
            "AKIAIOSFODNN7EXAMPL",
            "ghp_short",
            "550e8400-e29b-41d4-a716-446655440000",
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64)",
            "sk-this-is-not-a-key",
            "AC0123456789abcdef0123456789abcdef",
        ] {
            assert_eq!(secret_kind(s), None, "{s}");
        }
    }

    #[test]
    fn generic_shapes() {
        for s in [
            "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
            "d41d8cd98f00b204e9800998ecf8427e", // md5: hex is secret-shaped (see module docs)
            "da39a3ee5e6b4b0d3255bfef95601890afd80709", // sha1
            "q7Zx9KpL2mN4vB8cR1tY6uW3",
            "3f9a1c7e5b2d4f6a8c0e1b3d5f7a9c2e4b6d8f0a",
            "Xk2_9fLq-Zp4Rt7wVb1Nm3Jc",
            "AKIAIOSFODNN7EXAMPLE",
        ] {
            assert!(generic_secret_shape(s), "{s}");
        }
        for s in [
            "550e8400-e29b-41d4-a716-446655440000",
            "12345678901234567890",
            "2024-01-15T10:30:00Z",
            "2024-01-15 10:30:00.000",
            "SKU-2024-ABC-00123",
            "ORD20240115123456789",
            "user_profile_settings_v2",
            "getUserProfileSettings",
            "00000000000000000000000000000000",
            "1Z999AA10123456784",
            "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg",
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36",
            "/api/v1/users/profile/settings",
            "1.2.3-beta.4+build.567",
            "this is a sentence",
            "short",
        ] {
            assert!(!generic_secret_shape(s), "{s}");
        }
    }

    #[test]
    fn aws_secret() {
        assert!(aws_secret_shape("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"));
        assert!(aws_secret_shape("je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY"));
        assert!(!aws_secret_shape(
            "da39a3ee5e6b4b0d3255bfef95601890afd80709"
        ));
        assert!(!aws_secret_shape("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKE"));
        assert!(!aws_secret_shape(
            "ABCDEFGHIJABCDEFGHIJABCDEFGHIJABCDEFGHIJ"
        ));
    }

    #[test]
    fn entropy() {
        assert_eq!(shannon_entropy(""), 0.0);
        assert_eq!(shannon_entropy("aaaa"), 0.0);
        assert!((shannon_entropy("ab") - 1.0).abs() < 1e-9);
        assert!((shannon_entropy("张三李四") - 2.0).abs() < 1e-9);
    }

    proptest! {
        #[test]
        fn never_panics(s in ".{0,300}") {
            let _ = secret_kind(&s);
            let _ = generic_secret_shape(&s);
            let _ = aws_secret_shape(&s);
            let e = shannon_entropy(&s);
            prop_assert!(e >= 0.0);
        }

        #[test]
        fn never_panics_prefixed(p in "(AKIA|ghp_|xoxb-|sk_live_|AIza|sk-|SG\\.|LTAI|-----BEGIN )", s in ".{0,80}") {
            let v = format!("{p}{s}");
            let _ = secret_kind(&v);
            let _ = generic_secret_shape(&v);
        }
    }
}
