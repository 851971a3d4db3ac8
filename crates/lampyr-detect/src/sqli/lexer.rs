//! A SQL tokenizer for attacker input: permissive (never fails), linear, bounded.
//!
//! It knows the lexical rules shared by MySQL, PostgreSQL, MSSQL, Oracle and SQLite well
//! enough to see where strings, comments and statements start and end: quoted strings with
//! backslash and doubled-quote escapes, backtick identifiers, hex/binary/scientific numbers,
//! `--`/`#`/`/* */` comments with MySQL's executable `/*! */` form, `@`/`@@` variables and
//! multi-character operators.

use super::keywords::{self, Tag, WordClass};

/// Most tokens read from one value per context; the rest of the value is ignored.
pub(crate) const MAX_TOKENS: usize = 400;

/// Token classes; their `char` forms make the fingerprint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Class {
    Str,
    Num,
    Bareword,
    Var,
    Statement,
    SetOp,
    Logic,
    Op,
    Keyword,
    Literal,
    Func,
    LParen,
    RParen,
    Comma,
    Semi,
    Dot,
    Comment,
    Other,
}

impl Class {
    /// One character per class, libinjection-style.
    pub(crate) fn as_char(self) -> char {
        match self {
            Class::Str => 's',
            Class::Num => '1',
            Class::Bareword => 'n',
            Class::Var => 'v',
            Class::Statement => 'E',
            Class::SetOp => 'U',
            Class::Logic => '&',
            Class::Op => 'o',
            Class::Keyword => 'k',
            Class::Literal => 't',
            Class::Func => 'f',
            Class::LParen => '(',
            Class::RParen => ')',
            Class::Comma => ',',
            Class::Semi => ';',
            Class::Dot => '.',
            Class::Comment => 'c',
            Class::Other => '?',
        }
    }
}

/// One token: its class, where it is in the input, and for words what the vocabulary says.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Token {
    pub class: Class,
    pub start: usize,
    pub end: usize,
    /// Canonical spelling of a known word (empty otherwise).
    pub word: &'static str,
    pub tag: Tag,
    /// Strings: no closing quote (the application's own quote would close it).
    pub open: bool,
    /// Operators: the operator's first byte; strings: the quote byte; hex numbers: `x`.
    pub ch: u8,
    /// A known SQL function name (a call even with spaces before its `(`).
    pub func: bool,
}

impl Token {
    fn new(class: Class, start: usize, end: usize) -> Self {
        Token {
            class,
            start,
            end,
            word: "",
            tag: Tag::None,
            open: false,
            ch: 0,
            func: false,
        }
    }

    /// Whether this is the known word `w`.
    pub(crate) fn is(&self, w: &str) -> bool {
        self.word == w
    }
}

/// What lexing one value in one context found.
#[derive(Debug, Default)]
pub(crate) struct Lexed {
    pub tokens: Vec<Token>,
    /// A MySQL executable comment `/*!` was seen.
    pub mysql_exec_comment: bool,
    /// An inline `/* */` comment was seen (and skipped as whitespace).
    pub inline_comment: bool,
}

fn is_word_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b == b'$' || b >= 0x80
}

fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c | 0xa0)
}

/// Tokenises `input`. With `quote` set, the input is read as if it followed an opening quote
/// of that kind, so the first token is the string the injection breaks out of; with
/// `std_strings` a backslash does not escape that quote (standard SQL, SQLite, MSSQL,
/// PostgreSQL: `\'` ends the string there).
pub(crate) fn lex(input: &[u8], quote: Option<u8>, std_strings: bool, out: &mut Lexed) {
    out.tokens.clear();
    out.mysql_exec_comment = false;
    out.inline_comment = false;
    let n = input.len();
    let mut i = 0;
    if let Some(q) = quote {
        // The breakout string: up to the first quote not escaped by a backslash.
        let mut j = 0;
        let mut closed = false;
        while j < n {
            match input[j] {
                b'\\' if !std_strings => j += 2,
                b if b == q => {
                    closed = true;
                    break;
                }
                _ => j += 1,
            }
        }
        let end = if closed { j + 1 } else { n };
        let mut t = Token::new(Class::Str, 0, end.min(n));
        t.open = !closed;
        t.ch = q;
        out.tokens.push(t);
        i = end;
    }
    while i < n && out.tokens.len() < MAX_TOKENS {
        let b = input[i];
        let start = i;
        if is_space(b) {
            i += 1;
            continue;
        }
        let next = input.get(i + 1).copied().unwrap_or(0);
        let tok = match b {
            b'\'' | b'"' => {
                let (end, closed) = string_end(input, i + 1, b);
                let mut t = Token::new(Class::Str, start, end);
                t.open = !closed;
                t.ch = b;
                i = end;
                t
            }
            b'`' => {
                let end = memchr::memchr(b'`', &input[i + 1..]).map_or(n, |p| i + 1 + p + 1);
                i = end;
                let mut t = Token::new(Class::Bareword, start, end);
                // A quoted identifier keeps the tag of the name inside (`information_schema`).
                let inner = &input[start + 1..end.saturating_sub(1).max(start + 1)];
                if let Some(w) = keywords::lookup(inner) {
                    t.tag = w.tag;
                }
                t
            }
            b'-' if next == b'-' => {
                let end = line_end(input, i);
                i = end;
                Token::new(Class::Comment, start, end)
            }
            b'#' => {
                let end = line_end(input, i);
                i = end;
                Token::new(Class::Comment, start, end)
            }
            b'/' if next == b'*' => {
                if matches!(input.get(i + 2), Some(b'!' | b'+')) {
                    // MySQL executable comment or optimizer hint: its content is code.
                    out.mysql_exec_comment = true;
                    i += 3;
                    while i < n && input[i].is_ascii_digit() && i - start < 9 {
                        i += 1;
                    }
                    continue;
                }
                match memchr::memmem::find(&input[i + 2..], b"*/") {
                    Some(p) => {
                        out.inline_comment = true;
                        i = i + 2 + p + 2;
                        continue;
                    }
                    None => {
                        i = n;
                        Token::new(Class::Comment, start, n)
                    }
                }
            }
            b'*' if next == b'/' => {
                // End of a `/*!` block (or a stray one): whitespace.
                i += 2;
                continue;
            }
            b'@' => {
                let mut j = i + 1;
                if input.get(j) == Some(&b'@') {
                    j += 1;
                }
                let w = j;
                while j < n && (is_word_byte(input[j]) || input[j] == b'.') {
                    j += 1;
                }
                if j == w {
                    // `@>`, `<@` and friends (PostgreSQL containment) or a lone `@`.
                    i = j.max(i + 1);
                    let mut t = Token::new(Class::Op, start, i);
                    t.ch = b'@';
                    t
                } else {
                    i = j;
                    Token::new(Class::Var, start, j)
                }
            }
            b'0'..=b'9' => {
                let end = number_end(input, i);
                if end < n && is_word_byte(input[end]) && !input[start..end].contains(&b'.') {
                    // `1abc` is an identifier in MySQL, not a number.
                    let mut j = end;
                    while j < n && is_word_byte(input[j]) {
                        j += 1;
                    }
                    i = j;
                    word_token(input, start, j)
                } else {
                    i = end;
                    let mut t = Token::new(Class::Num, start, end);
                    if end - start > 2 && matches!(input[start + 1], b'x' | b'X') {
                        t.ch = b'x';
                    }
                    t
                }
            }
            b'.' if next.is_ascii_digit() => {
                let end = number_end(input, i);
                i = end;
                Token::new(Class::Num, start, end)
            }
            b'(' => {
                i += 1;
                Token::new(Class::LParen, start, i)
            }
            b')' => {
                i += 1;
                Token::new(Class::RParen, start, i)
            }
            b',' => {
                i += 1;
                Token::new(Class::Comma, start, i)
            }
            b';' => {
                i += 1;
                Token::new(Class::Semi, start, i)
            }
            b'.' => {
                i += 1;
                Token::new(Class::Dot, start, i)
            }
            b'|' if next == b'|' => {
                i += 2;
                let mut t = Token::new(Class::Logic, start, i);
                t.ch = b'|';
                t
            }
            b'&' if next == b'&' => {
                i += 2;
                let mut t = Token::new(Class::Logic, start, i);
                t.ch = b'&';
                t
            }
            b'?' if matches!(next, b'|' | b'&') => {
                // PostgreSQL JSON key operators `?|`, `?&`.
                i += 2;
                let mut t = Token::new(Class::Op, start, i);
                t.ch = b'?';
                t
            }
            b'=' | b'<' | b'>' | b'!' | b'+' | b'-' | b'*' | b'/' | b'%' | b'|' | b'&' | b'^'
            | b'~' | b':' | b'?' => {
                let mut j = i + 1;
                // Multi-character operators: <=>, <=, >=, <>, !=, ::, :=, ->, ->>, <<, >>.
                while j < n && j - i < 3 && matches!(input[j], b'=' | b'<' | b'>' | b':') {
                    if input[j] == b'<' && b != b'<' {
                        break;
                    }
                    j += 1;
                }
                if b == b'-' && input.get(j) == Some(&b'>') {
                    j += 1;
                    if input.get(j) == Some(&b'>') {
                        j += 1;
                    }
                }
                i = j;
                let mut t = Token::new(Class::Op, start, j);
                t.ch = b;
                t
            }
            _ if is_word_byte(b) => {
                let mut j = i + 1;
                while j < n && is_word_byte(input[j]) {
                    j += 1;
                }
                i = j;
                word_token(input, start, j)
            }
            _ => {
                i = (i + utf8_len(b)).min(n);
                Token::new(Class::Other, start, i)
            }
        };
        out.tokens.push(tok);
    }
    mark_functions(&mut out.tokens);
}

/// Length of the UTF-8 character a lead byte starts (1 for ASCII and stray bytes).
fn utf8_len(b: u8) -> usize {
    match b {
        0xf0..=0xff => 4,
        0xe0..=0xef => 3,
        0xc0..=0xdf => 2,
        _ => 1,
    }
}

fn word_token(input: &[u8], start: usize, end: usize) -> Token {
    let mut t = Token::new(Class::Bareword, start, end);
    if let Some(w) = keywords::lookup(&input[start..end]) {
        t.word = w.text;
        t.tag = w.tag;
        t.func = w.class == WordClass::Function;
        t.class = match w.class {
            WordClass::Statement => Class::Statement,
            WordClass::SetOp => Class::SetOp,
            WordClass::Logic => Class::Logic,
            WordClass::Operator => Class::Op,
            WordClass::Keyword => Class::Keyword,
            WordClass::Literal => Class::Literal,
            WordClass::Function | WordClass::Name => Class::Bareword,
        };
    }
    t
}

/// A word directly followed by `(` is a call (MySQL needs no space; a known function may have
/// spaces before its `(`).
fn mark_functions(tokens: &mut [Token]) {
    for k in 0..tokens.len().saturating_sub(1) {
        if tokens[k + 1].class != Class::LParen {
            continue;
        }
        let next_start = tokens[k + 1].start;
        let t = &mut tokens[k];
        let adjacent = t.end == next_start;
        let known_fn = t.func || (!t.word.is_empty() && t.tag != Tag::None);
        let callable = matches!(
            t.class,
            Class::Bareword | Class::Keyword | Class::Literal | Class::Statement
        ) && !matches!(t.word, "in" | "values" | "exists" | "from" | "into" | "as");
        if callable && (adjacent || known_fn) && t.word != "select" {
            t.class = Class::Func;
        }
    }
}

/// End of a string body starting at `from` (after the opening quote `q`), and whether it
/// closed. Backslash escapes the next byte; a doubled quote is an escaped quote.
fn string_end(input: &[u8], from: usize, q: u8) -> (usize, bool) {
    let n = input.len();
    let mut j = from;
    while j < n {
        let b = input[j];
        if b == b'\\' {
            j += 2;
        } else if b == q {
            if input.get(j + 1) == Some(&q) {
                j += 2;
            } else {
                return (j + 1, true);
            }
        } else {
            j += 1;
        }
    }
    (n, false)
}

fn line_end(input: &[u8], from: usize) -> usize {
    memchr::memchr(b'\n', &input[from..]).map_or(input.len(), |p| from + p)
}

/// End of a number: `0x..`, `0b..`, digits with an optional fraction and exponent.
fn number_end(input: &[u8], from: usize) -> usize {
    let n = input.len();
    let mut j = from;
    if input[j] == b'0' && j + 1 < n && matches!(input[j + 1], b'x' | b'X' | b'b' | b'B') {
        let hex = matches!(input[j + 1], b'x' | b'X');
        let mut k = j + 2;
        while k < n
            && (if hex {
                input[k].is_ascii_hexdigit()
            } else {
                matches!(input[k], b'0' | b'1')
            })
        {
            k += 1;
        }
        if k > j + 2 {
            return k;
        }
    }
    while j < n && input[j].is_ascii_digit() {
        j += 1;
    }
    if j < n && input[j] == b'.' {
        j += 1;
        while j < n && input[j].is_ascii_digit() {
            j += 1;
        }
    }
    if j < n && matches!(input[j], b'e' | b'E') {
        let mut k = j + 1;
        if k < n && matches!(input[k], b'+' | b'-') {
            k += 1;
        }
        let digits = k;
        while k < n && input[k].is_ascii_digit() {
            k += 1;
        }
        if k > digits {
            j = k;
        } else if input[from..j].contains(&b'.') {
            // MySQL reads `1.e` as a number followed by nothing: `1.e(` is a bypass trick.
            j += 1;
        }
    }
    j
}

#[cfg(test)]
mod tests {
    use super::*;

    fn classes(s: &str, q: Option<u8>) -> String {
        let mut l = Lexed::default();
        lex(s.as_bytes(), q, false, &mut l);
        l.tokens.iter().map(|t| t.class.as_char()).collect()
    }

    #[test]
    fn strings_numbers_and_operators_get_their_classes() {
        assert_eq!(classes("1 or 1=1", None), "1&1o1");
        assert_eq!(classes("'a\\'b' = \"c\"\"d\"", None), "sos");
        assert_eq!(classes("0x41 1e5 .5 3.14e-2", None), "1111");
        assert_eq!(classes("a <=> b", None), "non");
        assert_eq!(classes("x || y && z", None), "n&n&n");
    }

    #[test]
    fn quote_context_starts_with_the_breakout_string() {
        assert_eq!(classes("admin'--", Some(b'\'')), "sc");
        assert_eq!(classes("x\" or \"a\"=\"a", Some(b'"')), "s&sos");
        assert_eq!(classes("no quote here", Some(b'\'')), "s");
        assert_eq!(classes("a\\' or 1", Some(b'\'')), "s");
        let mut l = Lexed::default();
        lex(b"a\\' or 1", Some(b'\''), true, &mut l);
        assert_eq!(
            l.tokens.len(),
            3,
            "standard strings end at the backslashed quote"
        );
        assert_eq!(classes("x` as `y` from", Some(b'`')), "sknk");
    }

    #[test]
    fn comments_executable_comments_and_functions() {
        assert_eq!(classes("1 /* c */ union /*!50000select*/ 1", None), "1UE1");
        assert_eq!(classes("sleep(5)", None), "f(1)");
        assert_eq!(classes("sleep (5)", None), "f(1)");
        assert_eq!(classes("hello (world)", None), "n(n)");
        assert_eq!(classes("a # tail", None), "nc");
        assert_eq!(classes("@@version @x", None), "vv");
        assert_eq!(classes("1 /* open", None), "1c");
    }
}
