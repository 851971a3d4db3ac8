//! JSON Web Tokens (RFC 7519): JWS compact form (3 segments) and JWE compact form (5 segments), bare
//! or with an `Authorization: Bearer` prefix. The structure is checked by decoding: a random
//! dot-separated string does not decode to a JSON header with `alg`.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use serde::de::IgnoredAny;

/// Largest token considered (headers carrying bigger tokens are rejected by servers anyway).
const MAX_LEN: usize = 64 * 1024;

fn is_b64url(seg: &str) -> bool {
    seg.bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// Decodes one base64url segment, tolerating `=` padding.
fn decode(seg: &str) -> Option<Vec<u8>> {
    let seg = seg.trim_end_matches('=');
    if seg.is_empty() || !is_b64url(seg) {
        return None;
    }
    URL_SAFE_NO_PAD.decode(seg).ok()
}

/// Strips an optional `Bearer ` scheme (any case, one or more spaces/tabs).
fn strip_bearer(s: &str) -> &str {
    let s = s.trim();
    if s.len() > 7 && s.as_bytes()[..6].eq_ignore_ascii_case(b"bearer") {
        let rest = &s[6..];
        if rest.starts_with([' ', '\t']) {
            return rest.trim_start_matches([' ', '\t']);
        }
    }
    s
}

/// The protected header: a JSON object with an `alg` member (and `enc` for JWE).
fn header_ok(seg: &str, jwe: bool) -> bool {
    let Some(bytes) = decode(seg) else {
        return false;
    };
    let Ok(map) = serde_json::from_slice::<serde_json::Map<String, serde_json::Value>>(&bytes)
    else {
        return false;
    };
    let alg_ok = map.get("alg").is_some_and(serde_json::Value::is_string);
    if jwe {
        alg_ok && map.get("enc").is_some_and(serde_json::Value::is_string)
    } else {
        alg_ok
    }
}

/// JWS payload: any JSON object (claims are not required by RFC 7519).
fn payload_ok(seg: &str) -> bool {
    let Some(bytes) = decode(seg) else {
        return false;
    };
    let first = bytes.iter().find(|b| !b.is_ascii_whitespace());
    first == Some(&b'{') && serde_json::from_slice::<IgnoredAny>(&bytes).is_ok()
}

/// True when `s` is a JWT (JWS or JWE compact serialisation), optionally prefixed by `Bearer `.
pub fn jwt(s: &str) -> bool {
    if s.len() > MAX_LEN {
        return false;
    }
    let t = strip_bearer(s);
    // Every JOSE header starts with `{"` → base64url `eyJ` (or `ey` + whitespace variants, rare).
    if !t.starts_with("ey") {
        return false;
    }
    let mut segs: [&str; 5] = [""; 5];
    let mut n = 0usize;
    for part in t.split('.') {
        if n == 5 {
            return false;
        }
        segs[n] = part;
        n += 1;
    }
    match n {
        3 => {
            let sig = segs[2].trim_end_matches('=');
            header_ok(segs[0], false) && payload_ok(segs[1]) && is_b64url(sig)
        }
        5 => {
            // header . encrypted key (empty for `dir`) . IV . ciphertext . tag
            header_ok(segs[0], true)
                && is_b64url(segs[1])
                && !segs[2].is_empty()
                && is_b64url(segs[2])
                && !segs[3].is_empty()
                && is_b64url(segs[3])
                && !segs[4].is_empty()
                && is_b64url(segs[4])
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn enc(s: &str) -> String {
        URL_SAFE_NO_PAD.encode(s)
    }

    fn make(h: &str, p: &str, sig: &str) -> String {
        format!("{}.{}.{}", enc(h), enc(p), sig)
    }

    #[test]
    fn valid_tokens() {
        let hs = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c";
        assert!(jwt(hs));
        assert!(jwt(&format!("Bearer {hs}")));
        assert!(jwt(&format!("bearer  {hs}")));
        assert!(jwt(&format!("BEARER\t{hs}")));
        // alg none: empty signature
        assert!(jwt(&make(r#"{"alg":"none"}"#, r#"{"sub":"u1"}"#, "")));
        // padded segments are tolerated
        let padded = format!(
            "{}==.{}.abc",
            enc(r#"{"alg":"RS256","kid":"k1"}"#),
            enc(r#"{"a":1}"#)
        );
        assert!(jwt(&padded));
        // JWE
        let jwe = format!(
            "{}.{}.{}.{}.{}",
            enc(r#"{"alg":"RSA-OAEP","enc":"A256GCM"}"#),
            "OKOawDo13gRp2ojaHV7LFpZcgV7T6DVZKTyKOMTYUmKoTCVJRgckCL9kiMT03JGe",
            "48V1_ALb6US04U3b",
            "5eym8TW_c8SuK0ltJ3rpYIzOeDQz7TALvtu6UG9oMo4vpzs9tX_EFShS8iB7j6ji",
            "XFBoMYUZodetZdvTiFvSkQ"
        );
        assert!(jwt(&jwe));
        // dir JWE: empty encrypted key
        let jwe_dir = format!(
            "{}..{}.{}.{}",
            enc(r#"{"alg":"dir","enc":"A128GCM"}"#),
            "48V1_ALb6US04U3b",
            "5eym8TW_c8SuK0lt",
            "XFBoMYUZodetZdvTiFvSkQ"
        );
        assert!(jwt(&jwe_dir));
    }

    #[test]
    fn invalid_tokens() {
        for s in [
            "".to_string(),
            "Bearer ".to_string(),
            "eyJ.eyJ.sig".to_string(),
            "abc.def.ghi".to_string(),
            "1.2.3".to_string(),
            "550e8400-e29b-41d4-a716-446655440000".to_string(),
            "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36".to_string(),
            // header without alg
            make(r#"{"typ":"JWT"}"#, r#"{"sub":"1"}"#, "sig"),
            // payload not an object
            make(r#"{"alg":"HS256"}"#, r#"[1,2]"#, "sig"),
            // bad signature alphabet
            make(r#"{"alg":"HS256"}"#, r#"{"sub":"1"}"#, "a+b/c"),
            // four segments
            format!("{}.x", make(r#"{"alg":"HS256"}"#, r#"{"sub":"1"}"#, "sig")),
            // JWE header without enc
            format!("{}.a.b.c.d", enc(r#"{"alg":"RSA-OAEP"}"#)),
            // Basic auth
            "Basic dXNlcjpwYXNzd29yZA==".to_string(),
            "1.2.3-beta.4".to_string(),
        ] {
            assert!(!jwt(&s), "{s}");
        }
    }

    proptest! {
        #[test]
        fn never_panics(s in ".{0,400}") {
            let _ = jwt(&s);
        }

        #[test]
        fn never_panics_dotted(a in "ey[A-Za-z0-9_=-]{0,40}", b in "[A-Za-z0-9_=-]{0,40}", c in "[A-Za-z0-9_.=-]{0,40}") {
            let _ = jwt(&format!("{a}.{b}.{c}"));
        }
    }
}
