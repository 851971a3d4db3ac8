//! JWT weakness checks: the header and payload are read (base64url JSON), never verified.
//! Only what is safe to show leaves this module: the algorithm and the claim names.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;

/// Longest token looked at.
pub const MAX_JWT_LEN: usize = 16 * 1024;
/// Claim names listed in evidence.
const MAX_CLAIM_NAMES: usize = 12;

/// What a token's unverified header and payload say.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JwtInfo {
    /// The `alg` header parameter (empty when missing).
    pub alg: String,
    /// Whether the payload has an `exp` claim.
    pub has_exp: bool,
    /// Claim names, sorted, capped (for evidence).
    pub claims: Vec<String>,
}

impl JwtInfo {
    /// `alg: none` (any case): the token is unsigned and anyone can forge one.
    pub fn alg_none(&self) -> bool {
        self.alg.eq_ignore_ascii_case("none")
    }

    /// Evidence text: the algorithm and the claim names, never values.
    pub fn evidence(&self) -> String {
        format!(
            "alg={}; claims: {}",
            if self.alg.is_empty() {
                "(missing)"
            } else {
                &self.alg
            },
            if self.claims.is_empty() {
                "(none)".to_string()
            } else {
                self.claims.join(", ")
            }
        )
    }
}

fn decode_json(seg: &str) -> Option<serde_json::Map<String, serde_json::Value>> {
    let seg = seg.trim_end_matches('=');
    if seg.is_empty() || seg.len() > MAX_JWT_LEN {
        return None;
    }
    let bytes = URL_SAFE_NO_PAD.decode(seg).ok()?;
    match serde_json::from_slice(&bytes).ok()? {
        serde_json::Value::Object(m) => Some(m),
        _ => None,
    }
}

/// Parses a compact JWS (`header.payload.signature`, the signature may be empty). `None` when
/// the text is not one: three segments, header and payload JSON objects, the header with `alg`
/// or `typ`.
pub fn parse(token: &str) -> Option<JwtInfo> {
    let token = token.trim();
    if token.len() > MAX_JWT_LEN || !token.starts_with("eyJ") {
        return None;
    }
    let mut it = token.split('.');
    let (h, p, s) = (it.next()?, it.next()?, it.next()?);
    if it.next().is_some()
        || !s
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'=')
    {
        return None;
    }
    let header = decode_json(h)?;
    if !header.contains_key("alg") && !header.contains_key("typ") {
        return None;
    }
    let payload = decode_json(p)?;
    let alg = header
        .get("alg")
        .and_then(|a| a.as_str())
        .unwrap_or("")
        .chars()
        .take(32)
        .collect();
    let mut claims: Vec<String> = payload
        .keys()
        .take(64)
        .map(|k| k.chars().take(32).collect())
        .collect();
    claims.sort();
    claims.truncate(MAX_CLAIM_NAMES);
    Some(JwtInfo {
        alg,
        has_exp: payload.get("exp").is_some_and(|e| !e.is_null()),
        claims,
    })
}

/// Finds JWT-shaped substrings (`eyJ….eyJ….sig`) in free text, at most `max`.
pub fn find_in_text(text: &str, max: usize) -> Vec<&str> {
    let mut out = Vec::new();
    let bytes = text.as_bytes();
    let is_b64 = |b: u8| b.is_ascii_alphanumeric() || b == b'-' || b == b'_';
    let mut from = 0;
    while out.len() < max {
        let Some(rel) = memchr::memmem::find(&bytes[from..], b"eyJ") else {
            break;
        };
        let start = from + rel;
        // Must not be inside a longer base64 word.
        if start > 0 && is_b64(bytes[start - 1]) {
            from = start + 3;
            continue;
        }
        let mut end = start;
        let mut dots = 0;
        while end < bytes.len() && end - start <= MAX_JWT_LEN {
            let b = bytes[end];
            if is_b64(b) {
                end += 1;
            } else if b == b'.' && dots < 2 {
                dots += 1;
                end += 1;
            } else {
                break;
            }
        }
        if dots == 2 {
            out.push(&text[start..end]);
        }
        from = end.max(start + 3);
    }
    out
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// Builds an unsigned-looking token from JSON texts (tests only).
    pub(crate) fn token(header: &str, payload: &str, sig: &str) -> String {
        format!(
            "{}.{}.{}",
            URL_SAFE_NO_PAD.encode(header),
            URL_SAFE_NO_PAD.encode(payload),
            sig
        )
    }

    #[test]
    fn reads_alg_and_exp_without_verifying() {
        let t = token(
            r#"{"alg":"none","typ":"JWT"}"#,
            r#"{"sub":"42","admin":true}"#,
            "",
        );
        let info = parse(&t).unwrap();
        assert!(info.alg_none());
        assert!(!info.has_exp);
        assert_eq!(info.evidence(), "alg=none; claims: admin, sub");
        let t = token(
            r#"{"alg":"HS256"}"#,
            r#"{"sub":"42","exp":1900000000}"#,
            "c2ln",
        );
        let info = parse(&t).unwrap();
        assert!(!info.alg_none() && info.has_exp);
    }

    #[test]
    fn rejects_non_tokens() {
        assert!(parse("eyJhbGciOiJIUzI1NiJ9").is_none());
        assert!(parse("eyJub3Rqc29u.eyJ4IjoxfQ.sig").is_none());
        assert!(parse("abc.def.ghi").is_none());
        // JSON but no alg/typ: not a JWT header.
        let t = token(r#"{"a":1}"#, r#"{"b":2}"#, "x");
        assert!(parse(&t).is_none());
    }

    #[test]
    fn finds_tokens_in_text() {
        let t = token(r#"{"alg":"HS256"}"#, r#"{"sub":"1"}"#, "abc");
        let body = format!(r#"{{"access_token":"{t}","x":"eyJ"}}"#);
        assert_eq!(find_in_text(&body, 4), vec![t.as_str()]);
    }
}
