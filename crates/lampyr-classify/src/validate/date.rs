//! Calendar dates in the formats APIs use for birth dates (ISO, slashed, dotted, compact,
//! Chinese 年月日, English month names), plus a birth-date plausibility check.

use super::normalize::{ascii_fold, valid_ymd};

/// A calendar-valid date (proleptic Gregorian, years 1000–2999).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date {
    /// Year, 1000–2999.
    pub y: u16,
    /// Month, 1–12.
    pub m: u8,
    /// Day of month, 1–31 (valid for the month).
    pub d: u8,
}

/// Byte cursor over an ASCII-folded string.
struct Cur<'a> {
    b: &'a [u8],
    i: usize,
}

impl<'a> Cur<'a> {
    fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }

    fn eat(&mut self, c: u8) -> bool {
        if self.peek() == Some(c) {
            self.i += 1;
            true
        } else {
            false
        }
    }

    fn eat_str(&mut self, s: &str) -> bool {
        if self.rest().starts_with(s.as_bytes()) {
            self.i += s.len();
            true
        } else {
            false
        }
    }

    /// Reads `min..=max` ASCII digits as a number; None if fewer are present.
    fn num(&mut self, min: usize, max: usize) -> Option<u32> {
        let start = self.i;
        let mut v = 0u32;
        // max is at most 8, so v stays below 10^8.
        while self.i - start < max.min(8) {
            match self.peek() {
                Some(c @ b'0'..=b'9') => {
                    v = v * 10 + u32::from(c - b'0');
                    self.i += 1;
                }
                _ => break,
            }
        }
        (self.i - start >= min).then_some(v)
    }

    /// Reads a run of ASCII letters.
    fn word(&mut self) -> &'a [u8] {
        let start = self.i;
        while self.peek().is_some_and(|c| c.is_ascii_alphabetic()) {
            self.i += 1;
        }
        &self.b[start..self.i]
    }

    fn rest(&self) -> &'a [u8] {
        self.b.get(self.i..).unwrap_or(&[])
    }

    fn done(&self) -> bool {
        self.i >= self.b.len()
    }
}

/// Builds a `Date` when the parts form a real calendar date in 1000–2999.
fn mk(y: u32, m: u32, d: u32) -> Option<Date> {
    let y = u16::try_from(y).ok()?;
    let m = u8::try_from(m).ok()?;
    let d = u8::try_from(d).ok()?;
    ((1000..=2999).contains(&y) && valid_ymd(y, m, d)).then_some(Date { y, m, d })
}

/// English month name (full, 3-letter abbreviation, or `Sept`) → 1–12.
fn month_name(w: &[u8]) -> Option<u32> {
    const NAMES: [&str; 12] = [
        "january",
        "february",
        "march",
        "april",
        "may",
        "june",
        "july",
        "august",
        "september",
        "october",
        "november",
        "december",
    ];
    if w.len() < 3 {
        return None;
    }
    if w.eq_ignore_ascii_case(b"sept") {
        return Some(9);
    }
    NAMES
        .iter()
        .position(|n| {
            let n = n.as_bytes();
            w.eq_ignore_ascii_case(n) || (w.len() == 3 && w.eq_ignore_ascii_case(&n[..3]))
        })
        .and_then(|p| u32::try_from(p + 1).ok())
}

/// Accepts the end of input or a time part (`T…`/` …` of digits, `:`, `.`, `+`, `-`, `Z`).
fn time_tail_ok(c: &Cur<'_>) -> bool {
    let r = c.rest();
    match r {
        [] => true,
        [b'T' | b' ', first, tail @ ..] => {
            first.is_ascii_digit()
                && r.len() <= 32
                && tail
                    .iter()
                    .all(|&x| x.is_ascii_digit() || matches!(x, b':' | b'.' | b'+' | b'-' | b'Z'))
        }
        _ => false,
    }
}

/// Parses a date in one of the common API formats: `1988-04-28`, `1988/04/28`, `1988.04.28`,
/// `19880428`, `28/04/1988`, `04/28/1988` (day-first when both readings are valid),
/// `1988年4月28日`, `28 April 1988`, `April 28, 1988`, `Apr 28 1988`, ISO with a time part;
/// returns only calendar-valid dates in 1000–2999.
pub fn parse_date(s: &str) -> Option<Date> {
    let folded = ascii_fold(s);
    let t = folded.trim();
    if t.len() > 48 {
        return None;
    }
    let mut c = Cur {
        b: t.as_bytes(),
        i: 0,
    };
    match c.peek()? {
        b'0'..=b'9' => {}
        b'A'..=b'Z' | b'a'..=b'z' => return month_first(&mut c),
        _ => return None,
    }
    let first_start = c.i;
    let first = c.num(1, 8)?;
    let first_len = c.i - first_start;
    if first_len == 8 {
        // Compact YYYYMMDD.
        let b = t.as_bytes();
        let num = |r: std::ops::Range<usize>| -> Option<u32> {
            b.get(r)?.iter().try_fold(0u32, |acc, &d| {
                d.is_ascii_digit().then(|| acc * 10 + u32::from(d - b'0'))
            })
        };
        if !c.done() {
            return None;
        }
        return mk(num(0..4)?, num(4..6)?, num(6..8)?);
    }
    if first_len == 4 {
        // Year first: Y-M-D, Y/M/D, Y.M.D or Y年M月D日.
        if c.eat_str("年") {
            let m = c.num(1, 2)?;
            if !c.eat_str("月") {
                return None;
            }
            let d = c.num(1, 2)?;
            c.eat_str("日");
            c.eat_str("号");
            return if c.done() { mk(first, m, d) } else { None };
        }
        let sep = c.peek()?;
        if !matches!(sep, b'-' | b'/' | b'.') {
            return None;
        }
        c.i += 1;
        let m = c.num(1, 2)?;
        if !c.eat(sep) {
            return None;
        }
        let d = c.num(1, 2)?;
        return if time_tail_ok(&c) {
            mk(first, m, d)
        } else {
            None
        };
    }
    if first_len > 2 {
        return None;
    }
    // Day or month first.
    match c.peek()? {
        sep @ (b'-' | b'/' | b'.') => {
            c.i += 1;
            if c.peek().is_some_and(|x| x.is_ascii_alphabetic()) {
                // 28-Apr-1988
                let m = month_name(c.word())?;
                if !c.eat(sep) {
                    return None;
                }
                let y = c.num(4, 4)?;
                return if c.done() { mk(y, m, first) } else { None };
            }
            let second = c.num(1, 2)?;
            if !c.eat(sep) {
                return None;
            }
            let y = c.num(4, 4)?;
            if !time_tail_ok(&c) {
                return None;
            }
            mk(y, second, first).or_else(|| mk(y, first, second))
        }
        b' ' => {
            // 28 April 1988
            c.i += 1;
            let m = month_name(c.word())?;
            c.eat(b'.');
            c.eat(b',');
            if !c.eat(b' ') {
                return None;
            }
            let y = c.num(4, 4)?;
            if c.done() {
                mk(y, m, first)
            } else {
                None
            }
        }
        _ => None,
    }
}

/// `April 28, 1988`, `Apr 28 1988`, `Apr. 28th, 1988`.
fn month_first(c: &mut Cur<'_>) -> Option<Date> {
    let m = month_name(c.word())?;
    c.eat(b'.');
    if !c.eat(b' ') {
        return None;
    }
    let d = c.num(1, 2)?;
    let suffix = c.word();
    if !suffix.is_empty()
        && !["st", "nd", "rd", "th"]
            .iter()
            .any(|x| suffix.eq_ignore_ascii_case(x.as_bytes()))
    {
        return None;
    }
    c.eat(b',');
    if !c.eat(b' ') {
        return None;
    }
    let y = c.num(4, 4)?;
    if c.done() {
        mk(y, m, d)
    } else {
        None
    }
}

/// True when `d` can be a living person's birth date: not after `this_year` and at most 120
/// years before it (year granularity, as callers only know the current year).
pub fn plausible_birth(d: &Date, this_year: u16) -> bool {
    d.y <= this_year && this_year - d.y <= 120
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const D: Date = Date {
        y: 1988,
        m: 4,
        d: 28,
    };

    #[test]
    fn valid_dates() {
        for s in [
            "1988-04-28",
            "1988/04/28",
            "1988.04.28",
            "1988-4-28",
            "19880428",
            "28/04/1988",
            "04/28/1988",
            "28.04.1988",
            "28-04-1988",
            "1988年4月28日",
            "1988年04月28日",
            "28 April 1988",
            "28 Apr 1988",
            "28-Apr-1988",
            "April 28, 1988",
            "Apr 28 1988",
            "Apr. 28th, 1988",
            "april 28, 1988",
            "1988-04-28T00:00:00Z",
            "1988-04-28T08:30:00.000+08:00",
            "1988-04-28 00:00:00",
            "１９８８-０４-２８",
        ] {
            assert_eq!(parse_date(s), Some(D), "{s}");
        }
        assert_eq!(
            parse_date("2000-02-29"),
            Some(Date {
                y: 2000,
                m: 2,
                d: 29
            })
        );
        // Ambiguous: day-first reading wins.
        assert_eq!(
            parse_date("03/04/1990"),
            Some(Date {
                y: 1990,
                m: 4,
                d: 3
            })
        );
    }

    #[test]
    fn invalid_dates() {
        for s in [
            "1988-02-30",
            "1900-02-29",
            "1988-13-01",
            "1988-04-31",
            "19881301",
            "31/31/1988",
            "0999-01-01",
            "3000-01-01",
            "1988-04/28",
            "1988-04-28X",
            "1988-04-28T",
            "1988年4月",
            "28 Foo 1988",
            "Apr 28",
            "1715846400000",
            "5.29.61",
            "12:30:45",
            "198804",
            "",
            "生日",
            "88-04-28",
        ] {
            assert_eq!(parse_date(s), None, "{s}");
        }
    }

    #[test]
    fn birth_plausibility() {
        assert!(plausible_birth(&D, 2026));
        assert!(plausible_birth(
            &Date {
                y: 2026,
                m: 1,
                d: 1
            },
            2026
        ));
        assert!(plausible_birth(
            &Date {
                y: 1906,
                m: 1,
                d: 1
            },
            2026
        ));
        assert!(!plausible_birth(
            &Date {
                y: 1905,
                m: 12,
                d: 31
            },
            2026
        ));
        assert!(!plausible_birth(
            &Date {
                y: 2027,
                m: 1,
                d: 1
            },
            2026
        ));
        assert!(!plausible_birth(&D, 0));
    }

    proptest! {
        #[test]
        fn never_panics(s in any::<String>()) {
            let _ = parse_date(&s);
        }

        #[test]
        fn never_panics_alphabet(s in "[0-9年月日 ./:TZA-z-]{0,30}") {
            let _ = parse_date(&s);
        }

        #[test]
        fn iso_roundtrip(y in 1000u16..3000, m in 1u8..=12, d in 1u8..=28) {
            let s = format!("{y:04}-{m:02}-{d:02}");
            prop_assert_eq!(parse_date(&s), Some(Date { y, m, d }));
        }
    }
}
