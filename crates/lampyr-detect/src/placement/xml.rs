//! XML bodies: text nodes and attribute values with element paths, plus the raw document.

use super::{raw_body, scope, Builder};
use crate::rules::ValueKind;
use crate::Location;

/// Nesting kept for XML field paths at most.
const MAX_XML_DEPTH: usize = 64;

/// XML text nodes and attribute values with element paths, plus the raw document
/// ([`scope::RAW_BODY`]) for rules on the document itself (entities, DOCTYPE).
pub(super) fn xml(b: &mut Builder<'_>, text: &str) {
    raw_body(b, text, scope::RAW_BODY);
    let bytes = text.as_bytes();
    // Path length before each open element; elements past MAX_XML_DEPTH are only counted.
    let mut stack: Vec<usize> = Vec::new();
    let mut overflow = 0usize;
    let mut path = String::new();
    let mut i = 0;
    while i < bytes.len() {
        if b.out.items.len() >= b.limits.max_values {
            b.out.skipped_values += 1;
            return;
        }
        if bytes[i] != b'<' {
            let end = memchr::memchr(b'<', &bytes[i..]).map_or(bytes.len(), |o| i + o);
            xml_text(b, &path, &text[i..end]);
            i = end;
            continue;
        }
        let rest = &text[i..];
        if let Some(r) = rest.strip_prefix("<![CDATA[") {
            let end = r.find("]]>").unwrap_or(r.len());
            xml_text(b, &path, &r[..end]);
            i += 9 + (end + 3).min(r.len());
            continue;
        }
        if rest.starts_with("<!--") {
            i += rest.find("-->").map_or(rest.len(), |e| e + 3);
            continue;
        }
        if rest.starts_with("<!") {
            // DOCTYPE with an internal subset ends at `]>`.
            let end = match (rest.find('['), rest.find('>')) {
                (Some(o), Some(c)) if o < c => rest.find("]>").map_or(rest.len(), |e| e + 2),
                (_, Some(c)) => c + 1,
                _ => rest.len(),
            };
            i += end;
            continue;
        }
        if rest.starts_with("<?") {
            i += rest.find("?>").map_or(rest.len(), |e| e + 2);
            continue;
        }
        let close = rest.find('>').unwrap_or(rest.len());
        let tag = &rest[1..close];
        i += (close + 1).min(rest.len());
        if tag.starts_with('/') {
            if overflow > 0 {
                overflow -= 1;
            } else if let Some(len) = stack.pop() {
                path.truncate(len);
            }
            continue;
        }
        let self_closing = tag.ends_with('/');
        let tag = tag.trim_end_matches('/');
        let name_end = tag.find(|c: char| c.is_whitespace()).unwrap_or(tag.len());
        let name = &tag[..name_end];
        let before = path.len();
        if !path.is_empty() {
            path.push('.');
        }
        path.push_str(name);
        attributes(b, &tag[name_end..], &path);
        if self_closing || stack.len() >= MAX_XML_DEPTH {
            path.truncate(before);
            if !self_closing {
                overflow += 1;
            }
        } else {
            stack.push(before);
        }
    }
}

fn xml_text(b: &mut Builder<'_>, path: &str, t: &str) {
    let t = t.trim();
    if !t.is_empty() {
        let key = path.rsplit('.').next().unwrap_or("");
        b.add(
            Location::Body,
            path,
            ValueKind::Content,
            key,
            t,
            t,
            scope::BODY,
        );
    }
}

fn attributes(b: &mut Builder<'_>, mut s: &str, element: &str) {
    loop {
        s = s.trim_start();
        let Some(eq) = s.find('=') else { return };
        let name = s[..eq].trim();
        let after = s[eq + 1..].trim_start();
        let Some(q) = after.chars().next().filter(|c| *c == '"' || *c == '\'') else {
            return;
        };
        let body = &after[1..];
        let end = body.find(q).unwrap_or(body.len());
        let value = &body[..end];
        if !value.is_empty() {
            let field = format!("{element}@{name}");
            b.add(
                Location::Body,
                &field,
                ValueKind::Content,
                name,
                value,
                value,
                scope::BODY,
            );
        }
        s = &body[(end + 1).min(body.len())..];
    }
}
