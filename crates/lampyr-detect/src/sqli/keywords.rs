//! The SQL vocabulary: words the tokenizer gives a class and a tag, loaded once from
//! `data/sqli/keywords.txt` so the list can grow without touching code.

use std::collections::HashMap;
use std::sync::OnceLock;

/// What a word is in SQL, as far as the detector cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum WordClass {
    /// Starts a statement (`select`, `drop`, `exec`...).
    Statement,
    /// Combines two queries (`union`).
    SetOp,
    /// `and`, `or`, `xor`.
    Logic,
    /// A comparison or arithmetic word (`like`, `in`, `is`, `not`...).
    Operator,
    /// Any other reserved word (`from`, `where`, `order`, `by`...).
    Keyword,
    /// A constant (`true`, `null`, `current_user`).
    Literal,
    /// A function name (only a function when a `(` follows).
    Function,
    /// An object name that is only interesting for its tag (`xp_cmdshell`).
    Name,
}

/// Why a word matters beyond its class.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Tag {
    /// No special meaning.
    None,
    /// Delays execution (time-based blind injection).
    Time,
    /// Leaks data through error messages or out-of-band requests.
    Error,
    /// Reads or writes files.
    File,
    /// Runs commands or dynamic SQL (MSSQL `xp_*`, `sp_*`).
    Proc,
    /// A system catalog (`information_schema`, `sysobjects`).
    Schema,
    /// String or metadata function typical of blind probes (`substring`, `ascii`, `version`).
    Probe,
}

/// One known word.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Word {
    /// Canonical lower-case spelling.
    pub text: &'static str,
    pub class: WordClass,
    pub tag: Tag,
    /// A name no benign value consists of alone (`information_schema`, `xp_dirtree`).
    pub lone: bool,
}

/// Longest word in the list; longer words are never looked up.
pub(crate) const MAX_WORD: usize = 32;

static TABLE: &str = include_str!("../../data/sqli/keywords.txt");

/// A multiply-rotate hash for the static keyword table: its keys are fixed at build time and
/// look-ups never insert, so no keyed (and slower) hash is needed against flooding.
#[derive(Default, Clone, Copy)]
pub(crate) struct WordHasher(u64);

impl std::hash::Hasher for WordHasher {
    fn write(&mut self, bytes: &[u8]) {
        const K: u64 = 0x517c_c1b7_2722_0a95;
        let mut h = self.0;
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            let w = u64::from_le_bytes(c.try_into().unwrap_or_default());
            h = (h.rotate_left(5) ^ w).wrapping_mul(K);
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut last = [0u8; 8];
            last[..rest.len()].copy_from_slice(rest);
            h = (h.rotate_left(5) ^ u64::from_le_bytes(last)).wrapping_mul(K);
        }
        self.0 = h;
    }

    fn write_u8(&mut self, b: u8) {
        self.0 = (self.0.rotate_left(5) ^ u64::from(b)).wrapping_mul(0x517c_c1b7_2722_0a95);
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

type WordMap = HashMap<&'static str, Word, std::hash::BuildHasherDefault<WordHasher>>;

fn table() -> &'static WordMap {
    static MAP: OnceLock<WordMap> = OnceLock::new();
    MAP.get_or_init(|| {
        let mut map = WordMap::default();
        for line in TABLE.lines() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let mut parts = line.split_whitespace();
            let (Some(text), Some(class)) = (parts.next(), parts.next()) else {
                continue;
            };
            let class = match class {
                "E" => WordClass::Statement,
                "U" => WordClass::SetOp,
                "&" => WordClass::Logic,
                "o" => WordClass::Operator,
                "k" => WordClass::Keyword,
                "1" => WordClass::Literal,
                "f" => WordClass::Function,
                _ => WordClass::Name,
            };
            let tag_text = parts.next();
            let lone = parts.next() == Some("lone");
            let tag = match tag_text {
                Some("time") => Tag::Time,
                Some("error") => Tag::Error,
                Some("file") => Tag::File,
                Some("proc") => Tag::Proc,
                Some("schema") => Tag::Schema,
                Some("string") => Tag::Probe,
                _ => Tag::None,
            };
            debug_assert!(text.len() <= MAX_WORD);
            map.entry(text).or_insert(Word {
                text,
                class,
                tag,
                lone,
            });
        }
        map
    })
}

/// Looks up a word (any case). `None` for words not in the list and for long words.
pub(crate) fn lookup(word: &[u8]) -> Option<Word> {
    if word.len() > MAX_WORD || word.len() < 2 {
        return None;
    }
    let mut buf = [0u8; MAX_WORD];
    for (d, s) in buf.iter_mut().zip(word) {
        *d = s.to_ascii_lowercase();
    }
    let key = std::str::from_utf8(&buf[..word.len()]).ok()?;
    table().get(key).copied()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classes_and_tags_load_from_the_data_file() {
        let w = lookup(b"SeLeCt").expect("select is known");
        assert_eq!(w.class, WordClass::Statement);
        assert_eq!(lookup(b"sleep").unwrap().tag, Tag::Time);
        assert_eq!(lookup(b"xp_cmdshell").unwrap().tag, Tag::Proc);
        assert_eq!(lookup(b"information_schema").unwrap().tag, Tag::Schema);
        assert_eq!(lookup(b"union").unwrap().class, WordClass::SetOp);
        assert!(lookup(b"giraffe").is_none());
        assert!(lookup(b"xp_dirtree").unwrap().lone);
        assert!(lookup(b"mysql.db").unwrap().lone);
        assert!(!lookup(b"user_tables").unwrap().lone);
        assert_eq!(lookup(b"except").unwrap().class, WordClass::SetOp);
        assert!(lookup(&[b'a'; 40]).is_none());
    }
}
