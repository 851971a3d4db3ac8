//! Non-Chinese person names in Latin script (`Jean-Luc Picard`, `Seán O'Brien`, `Zhang Wei`,
//! `Ludwig van Beethoven`): a capitalised 1–4 word shape, confirmed by bundled given-name and
//! family-name lists; capitalised words that are places, products, months or UI/status words are
//! rejected.

use std::collections::HashSet;
use std::sync::OnceLock;

/// Shared with `cn_name` so both name validators report the same confidence type.
pub use super::cn_name::NameConfidence;

static GIVEN_RAW: &str = include_str!("data/given_names.txt");
static FAMILY_RAW: &str = include_str!("data/family_names.txt");

/// Words that never appear in a person name as a name part (lowercase, one per line).
static HARD_NON_NAME_RAW: &str = include_str!("data/non_names_hard.txt");

/// Words that are non-names only when the whole value consists of them (`London`, `March`, but
/// `Jack London` is fine).
static SOFT_NON_NAME_RAW: &str = include_str!("data/non_names_soft.txt");

/// Whole values (lowercase) that are places or stock phrases, not people.
static PHRASES_RAW: &str = include_str!("data/non_name_phrases.txt");

/// First words (lowercase) that make a multi-word value a place name (`Santa Cruz`, `Fort Worth`).
const PLACE_PREFIXES: &[&str] = &[
    "san", "santa", "santo", "são", "saint", "st", "ste", "fort", "ft", "port", "mount", "mt",
    "lake", "los", "las", "puerto", "porto", "cape", "glen", "bay",
];

/// Lowercase name particles allowed inside a name (`van`, `de la`, `bin`).
const PARTICLES: &[&str] = &[
    "van", "von", "de", "der", "den", "da", "di", "del", "della", "du", "la", "le", "ter", "ten",
    "bin", "binti", "bint", "al", "el", "ibn", "dos", "das", "do", "y", "e", "zu", "af", "av",
];

/// Honorifics and generational suffixes stripped before the shape check.
const TITLES: &[&str] = &[
    "mr", "mrs", "ms", "miss", "mx", "dr", "prof", "sir", "dame", "rev",
];
const SUFFIXES: &[&str] = &["jr", "sr", "ii", "iii", "iv"];

struct Dict {
    given: HashSet<&'static str>,
    family: HashSet<&'static str>,
    hard: HashSet<&'static str>,
    soft: HashSet<&'static str>,
    phrases: HashSet<&'static str>,
}

fn load(raw: &'static str) -> HashSet<&'static str> {
    crate::validate::normalize::word_list(raw).collect()
}

fn dict() -> &'static Dict {
    static D: OnceLock<Dict> = OnceLock::new();
    D.get_or_init(|| Dict {
        given: load(GIVEN_RAW),
        family: load(FAMILY_RAW),
        hard: load(HARD_NON_NAME_RAW),
        soft: load(SOFT_NON_NAME_RAW),
        phrases: load(PHRASES_RAW),
    })
}

/// True when `w` (any case) is in the bundled given-name list.
pub fn is_given_name(w: &str) -> bool {
    dict().given.contains(w.to_lowercase().as_str())
}

/// True when `w` (any case) is in the bundled family-name list.
pub fn is_family_name(w: &str) -> bool {
    dict().family.contains(w.to_lowercase().as_str())
}

/// Latin letters, including the Latin-1 Supplement and Latin Extended blocks (é ü ø ñ ç ł ő ș).
fn is_latin_letter(c: char) -> bool {
    c.is_alphabetic()
        && (c.is_ascii_alphabetic()
            || ('\u{00C0}'..='\u{024F}').contains(&c)
            || ('\u{1E00}'..='\u{1EFF}').contains(&c))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Shape {
    Capitalised,
    AllCaps,
    Initial,
    Particle,
}

fn is_apostrophe(c: char) -> bool {
    matches!(c, '\'' | '’')
}

/// One name part between `-` / `'`: `Brien`, `McDonald`, `MacArthur`, `luc` (after a hyphen).
fn part_ok(p: &str, first_part: bool) -> Option<Shape> {
    let mut chars = p.chars();
    let c0 = chars.next()?;
    if !is_latin_letter(c0) {
        return None;
    }
    let rest: Vec<char> = chars.collect();
    if rest.iter().any(|&c| !is_latin_letter(c)) || rest.len() > 30 {
        return None;
    }
    if c0.is_uppercase() && !rest.is_empty() && rest.iter().all(|c| c.is_uppercase()) {
        return Some(Shape::AllCaps);
    }
    if c0.is_lowercase() {
        // `d'Angelo`, `l'Amour` prefixes and lowercase parts after a hyphen (`Jean-luc`).
        return (!first_part || p.len() == 1).then_some(Shape::Capitalised);
    }
    let mc = p.starts_with("Mc");
    let mac = p.starts_with("Mac") && rest.len() >= 4;
    for (i, c) in rest.iter().enumerate() {
        if c.is_uppercase() && !((mc && i == 1) || (mac && i == 2)) {
            return None;
        }
    }
    Some(Shape::Capitalised)
}

fn word_shape(w: &str) -> Option<Shape> {
    if PARTICLES.contains(&w) {
        return Some(Shape::Particle);
    }
    let mut cs = w.chars();
    if let (Some(c), rest) = (cs.next(), cs.as_str()) {
        if c.is_uppercase() && is_latin_letter(c) && (rest.is_empty() || rest == ".") {
            return Some(Shape::Initial);
        }
    }
    if w.starts_with(['-', '\'', '’']) || w.ends_with(['-', '\'', '’']) {
        return None;
    }
    let mut shape: Option<Shape> = None;
    for (i, part) in w.split(|c: char| c == '-' || is_apostrophe(c)).enumerate() {
        let s = part_ok(part, i == 0)?;
        shape = match (shape, s) {
            (None, s) => Some(s),
            // Any all-caps part (`USB-C`, `O'BRIEN`) makes the word all-caps.
            (Some(Shape::AllCaps), _) | (Some(_), Shape::AllCaps) => Some(Shape::AllCaps),
            (Some(_), _) => Some(Shape::Capitalised),
        };
    }
    // A one-letter lowercase first part must be followed by an apostrophe part (`d'Angelo`).
    let first = w.chars().next()?;
    if first.is_lowercase() && !w.chars().nth(1).is_some_and(is_apostrophe) {
        return None;
    }
    shape
}

/// Classifies `s` as a non-Chinese person name; `None` for places, products and UI words.
pub fn person_name(s: &str) -> Option<NameConfidence> {
    let s = s.trim();
    if s.is_empty() || s.len() > 60 || s.chars().count() > 60 {
        return None;
    }
    if !s.chars().all(|c| {
        is_latin_letter(c) || c == ' ' || c == '-' || c == '.' || is_apostrophe(c) || c == ','
    }) {
        return None;
    }
    let lower_all = s.to_lowercase();
    if dict().phrases.contains(lower_all.as_str()) {
        return None;
    }
    let d = dict();
    // Tokenise, dropping titles and suffixes; `Smith, John` is accepted too.
    let mut words: Vec<&str> = Vec::with_capacity(6);
    for raw in s.split([' ', ',']).filter(|w| !w.is_empty()) {
        let bare = raw.trim_end_matches('.');
        let low = bare.to_lowercase();
        if (words.is_empty() && TITLES.contains(&low.as_str()))
            || (!words.is_empty() && SUFFIXES.contains(&low.as_str()))
        {
            continue;
        }
        if raw.contains('.') && !(raw.ends_with('.') && raw.matches('.').count() == 1) {
            return None;
        }
        words.push(raw);
        if words.len() > 6 {
            return None;
        }
    }
    if words.len() >= 2 {
        let first = words[0].trim_end_matches('.').to_lowercase();
        if PLACE_PREFIXES.contains(&first.as_str()) {
            return None;
        }
    }
    let mut main_words = 0usize;
    let mut all_caps = 0usize;
    let mut hits = 0usize;
    let mut soft = 0usize;
    let mut short_hit_only = true;
    for (i, w) in words.iter().enumerate() {
        let shape = word_shape(w)?;
        match shape {
            Shape::Particle => {
                if i == 0 || i + 1 == words.len() {
                    return None;
                }
                continue;
            }
            Shape::Initial => continue,
            Shape::AllCaps => all_caps += 1,
            Shape::Capitalised => {}
        }
        if w.ends_with('.') {
            return None; // `Smith.` is not an initial
        }
        main_words += 1;
        let low = w.to_lowercase();
        if d.hard.contains(low.as_str()) {
            return None;
        }
        if d.soft.contains(low.as_str()) {
            soft += 1;
        }
        let hit = d.given.contains(low.as_str())
            || d.family.contains(low.as_str())
            || low
                .split('-')
                .all(|p| !p.is_empty() && (d.given.contains(p) || d.family.contains(p)));
        if hit {
            hits += 1;
            if w.chars().count() > 2 {
                short_hit_only = false;
            }
        }
    }
    if !(1..=4).contains(&main_words) || soft == main_words {
        return None;
    }
    if hits > 0 {
        // Bare two-letter hits (`Li`, `He`) alone are weak.
        return if main_words == 1 && short_hit_only {
            Some(NameConfidence::Low)
        } else {
            Some(NameConfidence::High)
        };
    }
    // No dictionary support: a 2–3 word capitalised shape is Low; all-caps or single words are not.
    if all_caps == 0 && (2..=3).contains(&main_words) {
        Some(NameConfidence::Low)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn high() {
        for s in [
            "John Smith",
            "Jean-Luc Picard",
            "Seán O'Brien",
            "Léa Müller",
            "Zhang Wei",
            "Wang Xiaoming",
            "Ludwig van Beethoven",
            "Mary-Jane Watson",
            "Ronald McDonald",
            "José María García",
            "Emma",
            "Dr. Sarah Connor",
            "John F. Kennedy",
            "MARIA GARCIA",
            "Smith, John",
            "Søren Kierkegaard",
            "Yuki Tanaka",
            "Priya Sharma",
            "Park Ji-sung",
            "Vincent Price",
            "Mohammed Al-Sayed",
        ] {
            assert_eq!(person_name(s), Some(NameConfidence::High), "{s}");
        }
    }

    #[test]
    fn low() {
        for s in ["Xylo Quarnby", "Brixton Vale Omorodion", "Li"] {
            assert_eq!(person_name(s), Some(NameConfidence::Low), "{s}");
        }
    }

    #[test]
    fn none() {
        for s in [
            "",
            "New York",
            "United States",
            "Admin",
            "Test User",
            "Customer Service",
            "Credit Card",
            "Pending",
            "Active",
            "March",
            "Monday",
            "London",
            "San Francisco",
            "iPhone",
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64)",
            "john smith",
            "ACME",
            "ACME CORP",
            "john@example.com",
            "Order 12345",
            "1.2.3",
            "550e8400-e29b-41d4-a716-446655440000",
            "Mark As Read",
            "Welcome Back",
            "张伟",
            "Hong Kong",
            "Van",
            "a b c d e f g",
            "Smith.",
            "Wireless Mouse",
            "Ultra Pro",
            "Santa Cruz",
            "Fort Worth",
            "Park Avenue",
            "USB-C Hub",
        ] {
            assert_eq!(person_name(s), None, "{s}");
        }
    }

    proptest! {
        #[test]
        fn never_panics(s in ".{0,80}") {
            let _ = person_name(&s);
        }

        #[test]
        fn never_panics_wordy(s in "[A-Za-zéüøñ' .,-]{0,60}") {
            let _ = person_name(&s);
        }
    }
}
