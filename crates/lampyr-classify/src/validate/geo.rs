//! Geographic coordinates. Real coordinates carry at least four decimals (≈11 m), so precision
//! is used as the signal that separates them from prices, percentages and BMIs.

use super::normalize::ascii_fold;

/// Parses a signed decimal with 1–3 integer digits (no leading zeros except `0`) and 4–15
/// fractional digits; None for any other shape.
fn precise_decimal(s: &str) -> Option<f64> {
    let b = s.as_bytes();
    let body = match b.first()? {
        b'-' | b'+' => b.get(1..)?,
        _ => b,
    };
    let dot = body.iter().position(|&c| c == b'.')?;
    let (int, frac) = (&body[..dot], &body[dot + 1..]);
    if int.is_empty() || int.len() > 3 || !int.iter().all(u8::is_ascii_digit) {
        return None;
    }
    if int.len() > 1 && int[0] == b'0' {
        return None;
    }
    if !(4..=15).contains(&frac.len()) || !frac.iter().all(u8::is_ascii_digit) {
        return None;
    }
    s.parse::<f64>().ok().filter(|v| v.is_finite())
}

/// True for a latitude string in [-90, 90] written with at least four decimals.
pub fn latitude(s: &str) -> bool {
    precise_decimal(ascii_fold(s).trim()).is_some_and(|v| (-90.0..=90.0).contains(&v))
}

/// True for a longitude string in [-180, 180] written with at least four decimals.
pub fn longitude(s: &str) -> bool {
    precise_decimal(ascii_fold(s).trim()).is_some_and(|v| (-180.0..=180.0).contains(&v))
}

/// True for a `"lat,lng"` string (optionally one space after the comma) where both halves are
/// precise coordinates and the point is not the (0, 0) placeholder.
pub fn lat_lng_pair(s: &str) -> bool {
    let folded = ascii_fold(s);
    let Some((a, b)) = folded.trim().split_once(',') else {
        return false;
    };
    let b = b.strip_prefix(' ').unwrap_or(b);
    let (Some(lat), Some(lng)) = (precise_decimal(a), precise_decimal(b)) else {
        return false;
    };
    (-90.0..=90.0).contains(&lat) && (-180.0..=180.0).contains(&lng) && !(lat == 0.0 && lng == 0.0)
}

/// True when the decimal has more than three fractional digits (i.e. is not a round value).
fn has_precision(x: f64) -> bool {
    (x * 1000.0).fract().abs() > 1e-6
}

/// True for a numeric `[lng, lat]` pair (GeoJSON order) in range, not (0, 0), both non-integer
/// and at least one carrying more than three decimals, as coordinates do.
pub fn lng_lat_array(a: f64, b: f64) -> bool {
    if !a.is_finite() || !b.is_finite() {
        return false;
    }
    if !(-180.0..=180.0).contains(&a) || !(-90.0..=90.0).contains(&b) {
        return false;
    }
    if a.fract() == 0.0 || b.fract() == 0.0 {
        return false;
    }
    has_precision(a) || has_precision(b)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn latitudes() {
        for s in [
            "23.845209",
            "-33.8688",
            "0.0000",
            "90.0000",
            "+45.12345",
            "-89.999999",
        ] {
            assert!(latitude(s), "{s}");
        }
        for s in [
            "23.845",
            "90.0001",
            "-91.1234",
            "123.4567",
            "023.8452",
            "23,845209",
            "23.84a2",
            "",
            ".1234",
            "1e1.0000",
            "5.29.61",
        ] {
            assert!(!latitude(s), "{s}");
        }
    }

    #[test]
    fn longitudes() {
        for s in ["113.328277", "-122.4194", "180.0000", "0.1234"] {
            assert!(longitude(s), "{s}");
        }
        for s in [
            "113.32",
            "180.0001",
            "-181.0000",
            "1130.3282",
            "113",
            "113.",
            "NaN",
            "inf.0000",
        ] {
            assert!(!longitude(s), "{s}");
        }
    }

    #[test]
    fn pairs() {
        assert!(lat_lng_pair("23.845209,113.328277"));
        assert!(lat_lng_pair("23.845209, 113.328277"));
        assert!(lat_lng_pair("-33.8688,151.2093"));
        assert!(lat_lng_pair("39.9042,116.4074"));
        assert!(!lat_lng_pair("113.328277,23.845209"));
        assert!(!lat_lng_pair("23.845209,  113.328277"));
        assert!(!lat_lng_pair("23.84,113.33"));
        assert!(!lat_lng_pair("0.0000,0.0000"));
        assert!(!lat_lng_pair("23.845209"));
        assert!(!lat_lng_pair("23.845209,113.328277,5.0000"));
        assert!(!lat_lng_pair(""));
    }

    #[test]
    fn arrays() {
        assert!(lng_lat_array(113.328277, 23.845209));
        assert!(lng_lat_array(-122.4194, 37.7749));
        assert!(lng_lat_array(116.4074, 39.9042));
        assert!(lng_lat_array(2.3522, 48.8566));
        assert!(!lng_lat_array(23.5, 113.3));
        assert!(!lng_lat_array(113.0, 23.0));
        assert!(!lng_lat_array(19.99, 2.5));
        assert!(!lng_lat_array(f64::NAN, 23.845209));
        assert!(!lng_lat_array(200.1234, 23.845209));
        assert!(!lng_lat_array(113.328277, f64::INFINITY));
    }

    proptest! {
        #[test]
        fn never_panics(s in any::<String>(), a in any::<f64>(), b in any::<f64>()) {
            let _ = latitude(&s);
            let _ = longitude(&s);
            let _ = lat_lng_pair(&s);
            let _ = lng_lat_array(a, b);
        }

        #[test]
        fn never_panics_alphabet(s in "[0-9.,+ -]{0,30}") {
            let _ = latitude(&s);
            let _ = longitude(&s);
            let _ = lat_lng_pair(&s);
        }
    }
}
