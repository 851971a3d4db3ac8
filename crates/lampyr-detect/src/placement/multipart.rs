//! `multipart/*` bodies: part names, file names and text contents.

use super::{is_binary_type, scope, Builder};
use crate::rules::ValueKind;
use crate::Location;

/// `boundary=` of a `multipart/*` content type.
pub(super) fn boundary_of(ct: &str) -> Option<String> {
    ct.split(';').skip(1).find_map(|p| {
        let (k, v) = p.trim().split_once('=')?;
        k.trim()
            .eq_ignore_ascii_case("boundary")
            .then(|| v.trim().trim_matches('"').to_string())
    })
}

/// Suffix of the key (and field) of a multipart file name: `avatar@filename` is the file name
/// sent in part `avatar`.
pub const FILENAME_SUFFIX: &str = "@filename";

/// Multipart parts: each part's name, file name and (text) content; false when no part
/// delimiter is found.
pub(super) fn multipart(b: &mut Builder<'_>, text: &str, boundary: &str) -> bool {
    let delim = format!("--{boundary}");
    let mut parts = text.split(delim.as_str());
    if parts.next().is_none() {
        return false;
    }
    let mut found = false;
    for part in parts {
        if part.starts_with("--") {
            break;
        }
        found = true;
        if b.out.items.len() >= b.limits.max_values {
            b.out.skipped_values += 1;
            break;
        }
        let part = part
            .strip_prefix("\r\n")
            .or_else(|| part.strip_prefix('\n'))
            .unwrap_or(part);
        let (head, content) = match part.find("\r\n\r\n") {
            Some(i) => (&part[..i], &part[i + 4..]),
            None => match part.find("\n\n") {
                Some(i) => (&part[..i], &part[i + 2..]),
                None => (part, ""),
            },
        };
        let content = content
            .strip_suffix("\r\n")
            .or_else(|| content.strip_suffix('\n'))
            .unwrap_or(content);
        let mut name = String::new();
        let mut filename = None;
        let mut binary = false;
        for line in head.lines() {
            let Some((hn, hv)) = line.split_once(':') else {
                continue;
            };
            let hn = hn.trim();
            if hn.eq_ignore_ascii_case("content-disposition") {
                for p in hv.split(';').skip(1) {
                    if let Some((k, v)) = p.trim().split_once('=') {
                        let v = v.trim().trim_matches('"');
                        match k.trim().to_ascii_lowercase().as_str() {
                            "name" => name = v.to_string(),
                            "filename" | "filename*" => filename = Some(v.to_string()),
                            _ => {}
                        }
                    }
                }
            } else if hn.eq_ignore_ascii_case("content-type") {
                binary = is_binary_type(
                    hv.trim()
                        .to_ascii_lowercase()
                        .split(';')
                        .next()
                        .unwrap_or(""),
                );
            }
        }
        if !name.is_empty() {
            b.add(
                Location::Body,
                &name,
                ValueKind::Name,
                &name,
                &name,
                &name,
                scope::BODY_NAME,
            );
        }
        if let Some(f) = &filename {
            // A key of its own (`name@filename`): rules on uploaded file names tell them from
            // the part's content and from ordinary fields.
            let key = format!("{name}{FILENAME_SUFFIX}");
            b.add(
                Location::Body,
                &key,
                ValueKind::Content,
                &key,
                f,
                f,
                scope::BODY | scope::FILENAME,
            );
        }
        let text_like = !binary && !content.contains('\u{fffd}') && !content.contains('\0');
        if !content.is_empty() && text_like {
            b.add(
                Location::Body,
                &name,
                ValueKind::Content,
                &name,
                content,
                content,
                scope::BODY,
            );
        }
    }
    found
}
