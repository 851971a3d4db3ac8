//! Wire formats read from parameters and bodies: URL-encoded components, query and cookie
//! pairs, header parameters, `multipart/form-data` parts and the child elements of XML roots.
//! Each is a small tolerant scanner over attacker bytes: bounded, never panicking.

use std::borrow::Cow;
use std::collections::BTreeMap;

use super::MAX_FIELDS_PER_MESSAGE;
use crate::schema::Field;

/// Decodes one `application/x-www-form-urlencoded` component: `+` is a space, `%XX` a byte;
/// invalid UTF-8 is replaced. Borrows when nothing needs decoding.
pub(crate) fn decode_component(s: &str) -> Cow<'_, str> {
    if !s.bytes().any(|c| c == b'%' || c == b'+') {
        return Cow::Borrowed(s);
    }
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < b.len() => match (hex(b[i + 1]), hex(b[i + 2])) {
                (Some(h), Some(l)) => {
                    out.push(h << 4 | l);
                    i += 2;
                }
                _ => out.push(b'%'),
            },
            c => out.push(c),
        }
        i += 1;
    }
    Cow::Owned(String::from_utf8_lossy(&out).into_owned())
}

fn hex(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    }
}

/// `name=value` pairs of a query string or form body, decoded; empty names are skipped, a
/// name without `=` has an empty value.
pub(crate) fn query_pairs(q: &str) -> impl Iterator<Item = (Cow<'_, str>, Cow<'_, str>)> {
    q.split('&').filter_map(|pair| {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        if k.is_empty() {
            return None;
        }
        Some((decode_component(k), decode_component(v)))
    })
}

/// `name=value` pairs of a `Cookie` header (not decoded: cookie names are exact).
pub(crate) fn cookie_pairs(header: &str) -> impl Iterator<Item = (&str, &str)> {
    header.split(';').filter_map(|c| {
        let (k, v) = c.split_once('=').unwrap_or((c, ""));
        let k = k.trim();
        (!k.is_empty() && k.len() <= crate::schema::MAX_KEY_LEN)
            .then(|| (k, v.trim().trim_matches('"')))
    })
}

/// Parameters of a header value (`; name="value"` or `; name=value`), names lower-cased.
pub(super) fn header_params(value: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let b = value.as_bytes();
    let mut i = match value.find(';') {
        Some(i) => i + 1,
        None => return out,
    };
    while i < b.len() && out.len() < 32 {
        while i < b.len() && (b[i] == b' ' || b[i] == b'\t' || b[i] == b';') {
            i += 1;
        }
        let start = i;
        while i < b.len() && b[i] != b'=' && b[i] != b';' {
            i += 1;
        }
        let name = value[start..i].trim().to_ascii_lowercase();
        let mut val = String::new();
        if i < b.len() && b[i] == b'=' {
            i += 1;
            if i < b.len() && b[i] == b'"' {
                i += 1;
                while i < b.len() && b[i] != b'"' {
                    if b[i] == b'\\' && i + 1 < b.len() {
                        i += 1;
                    }
                    let ch_len = utf8_len(b[i]);
                    val.push_str(value.get(i..i + ch_len).unwrap_or(""));
                    i += ch_len;
                }
                i += 1;
            } else {
                let s = i;
                while i < b.len() && b[i] != b';' {
                    i += 1;
                }
                val = value[s..i].trim().to_owned();
            }
        }
        if !name.is_empty() {
            out.push((name, val));
        }
    }
    out
}

fn utf8_len(first: u8) -> usize {
    match first {
        0xF0..=0xFF => 4,
        0xE0..=0xEF => 3,
        0xC0..=0xDF => 2,
        _ => 1,
    }
}

pub(super) fn boundary(content_type: &str) -> Option<String> {
    header_params(content_type)
        .into_iter()
        .find(|(n, _)| n == "boundary")
        .map(|(_, v)| v)
        .filter(|b| !b.is_empty() && b.len() <= 200)
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    memchr::memmem::find(hay, needle)
}

fn strip_line_end(b: &[u8]) -> &[u8] {
    let b = b.strip_suffix(b"\n").unwrap_or(b);
    b.strip_suffix(b"\r").unwrap_or(b)
}

/// Field names of a `multipart/form-data` body: parts with a `filename` (or non-UTF-8 content)
/// are binary, others text. `None` when no delimiter or no named part is found.
pub(super) fn multipart_fields<'a>(
    body: &'a [u8],
    boundary: &str,
) -> Option<BTreeMap<Cow<'a, str>, Vec<Field<'a>>>> {
    let delim = format!("--{boundary}");
    let finder = memchr::memmem::Finder::new(delim.as_bytes());
    let mut pos = finder.find(body)?;
    let mut fields: BTreeMap<Cow<'a, str>, Vec<Field<'a>>> = BTreeMap::new();
    let mut parts = 0usize;
    loop {
        pos += delim.len();
        let rest = &body[pos..];
        if rest.starts_with(b"--") || parts >= MAX_FIELDS_PER_MESSAGE {
            break;
        }
        // Rest of the delimiter line.
        let Some(nl) = memchr::memchr(b'\n', rest) else {
            break;
        };
        let part_start = pos + nl + 1;
        let part = &body[part_start..];
        // Headers end at the first empty line, looked for in a bounded window so that many
        // parts cannot make this quadratic.
        let window = &part[..part.len().min(16 * 1024)];
        let (headers_end, content_off) = match (find(window, b"\r\n\r\n"), find(window, b"\n\n")) {
            (Some(a), Some(b)) if b < a => (b, b + 2),
            (Some(a), _) => (a, a + 4),
            (None, Some(b)) => (b, b + 2),
            (None, None) => {
                // Headers only, or an empty part.
                if part.starts_with(b"\r\n") || part.starts_with(b"\n") {
                    (0, if part.starts_with(b"\r\n") { 2 } else { 1 })
                } else {
                    break;
                }
            }
        };
        let head = String::from_utf8_lossy(&part[..headers_end]);
        let content_start = part_start + content_off.min(part.len());
        let next = finder.find(&body[content_start..]);
        let content_end = next.map_or(body.len(), |n| content_start + n);
        let content = strip_line_end(&body[content_start..content_end]);
        let mut name = None;
        let mut is_file = false;
        for line in head.lines() {
            let Some((h, v)) = line.split_once(':') else {
                continue;
            };
            if h.trim().eq_ignore_ascii_case("content-disposition") {
                for (pn, pv) in header_params(v) {
                    match pn.as_str() {
                        "name" => name = Some(pv),
                        "filename" | "filename*" => is_file = true,
                        _ => {}
                    }
                }
            }
        }
        if let Some(n) = name.filter(|n| !n.is_empty()) {
            let field = match (is_file, std::str::from_utf8(content)) {
                (false, Ok(text)) => Field::Text(Cow::Borrowed(text)),
                _ => Field::Binary,
            };
            fields.entry(Cow::Owned(n)).or_default().push(field);
        }
        parts += 1;
        match next {
            Some(_) => pos = content_end,
            None => break,
        }
    }
    (!fields.is_empty()).then_some(fields)
}

/// Child elements of the root of an XML document, by qualified name: a child with element
/// children is an object, otherwise its text is typed like a query value. Tolerant and linear:
/// no DTD or entity is ever resolved. `None` when there is no root element.
pub(super) fn xml_children(
    body: &[u8],
) -> Option<BTreeMap<Cow<'static, str>, Vec<Field<'static>>>> {
    let mut fields: BTreeMap<Cow<'static, str>, Vec<Field<'static>>> = BTreeMap::new();
    let mut depth = 0usize;
    let mut root_seen = false;
    // Current direct child: name, where its content starts, whether it has element children.
    let mut child: Option<(String, usize, bool)> = None;
    let mut pos = 0usize;
    let mut count = 0usize;
    let finish = |fields: &mut BTreeMap<Cow<'static, str>, Vec<Field<'static>>>,
                  name: String,
                  f: Field<'static>| {
        fields.entry(Cow::Owned(name)).or_default().push(f);
    };
    while let Some(off) = memchr::memchr(b'<', &body[pos..]) {
        let lt = pos + off;
        let rest = &body[lt..];
        // Skips past `end` (or to the end of the body when unterminated).
        let skip = |open: usize, end: &[u8]| {
            lt + open + find(&rest[open..], end).map_or(rest.len(), |e| e + end.len())
        };
        if rest.starts_with(b"<?") {
            pos = skip(2, b"?>").min(body.len());
            continue;
        }
        if rest.starts_with(b"<!--") {
            pos = skip(4, b"-->").min(body.len());
            continue;
        }
        if rest.starts_with(b"<![CDATA[") {
            pos = skip(9, b"]]>").min(body.len());
            continue;
        }
        if rest.starts_with(b"<!") {
            // DOCTYPE, possibly with an internal subset: skipped, never interpreted.
            let gt = memchr::memchr(b'>', rest).unwrap_or(rest.len() - 1);
            let end = match memchr::memchr(b'[', &rest[..gt]) {
                Some(_) => find(rest, b"]>").map_or(rest.len(), |e| e + 2),
                None => gt + 1,
            };
            pos = (lt + end).min(body.len());
            continue;
        }
        // A tag: find its end, honouring quoted attribute values.
        let mut i = 1;
        let mut quote = 0u8;
        while i < rest.len() {
            let c = rest[i];
            if quote != 0 {
                if c == quote {
                    quote = 0;
                }
            } else if c == b'"' || c == b'\'' {
                quote = c;
            } else if c == b'>' {
                break;
            }
            i += 1;
        }
        if i >= rest.len() {
            break; // unterminated tag
        }
        let tag = &rest[..=i];
        pos = lt + i + 1;
        if tag.starts_with(b"</") {
            depth = depth.saturating_sub(1);
            if depth == 1 {
                if let Some((name, start, nested)) = child.take() {
                    let f = if nested {
                        Field::Object
                    } else {
                        let text = String::from_utf8_lossy(&body[start.min(lt)..lt]);
                        let text = text.trim();
                        let text = text
                            .strip_prefix("<![CDATA[")
                            .and_then(|t| t.strip_suffix("]]>"))
                            .unwrap_or(text);
                        Field::Text(Cow::Owned(text.to_owned()))
                    };
                    finish(&mut fields, name, f);
                }
            }
            if depth == 0 && root_seen {
                break;
            }
            continue;
        }
        let self_closing = tag.ends_with(b"/>");
        let name_end = tag[1..]
            .iter()
            .position(|c| c.is_ascii_whitespace() || *c == b'/' || *c == b'>')
            .map_or(tag.len(), |p| p + 1);
        let name = String::from_utf8_lossy(&tag[1..name_end]).into_owned();
        if name.is_empty() {
            continue;
        }
        match depth {
            0 => {
                if root_seen {
                    break; // a second root: ignore the rest
                }
                root_seen = true;
                if self_closing {
                    break;
                }
                depth = 1;
            }
            1 => {
                count += 1;
                if count > MAX_FIELDS_PER_MESSAGE {
                    break;
                }
                if self_closing {
                    finish(&mut fields, name, Field::Text(Cow::Borrowed("")));
                } else {
                    child = Some((name, pos, false));
                    depth = 2;
                }
            }
            _ => {
                if let Some(c) = child.as_mut() {
                    c.2 = true;
                }
                if !self_closing {
                    depth += 1;
                }
            }
        }
    }
    root_seen.then_some(fields)
}
