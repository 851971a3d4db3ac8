//! Cross-site scripting by tokenising HTML and reading what would run.
//!
//! A value is scanned for the places where a browser would start executing attacker text:
//! tags (read like an HTML tokenizer: tag name, then attributes with quoted or bare values),
//! event-handler and URL attributes, `javascript:`-style URLs (also with the tab, newline and
//! control-character obfuscations browsers ignore), attribute breakouts without a tag
//! (`" onmouseover=`), script-context breakouts (`</script>`, `';alert(1)//`), JavaScript
//! sinks (`alert(`, `eval(`, `document.cookie`, `String.fromCharCode`), AngularJS template
//! expressions, JSFuck and UTF-7 encodings.
//!
//! Paranoia levels: 1 for content that executes (script and frame tags, event handlers, script
//! URLs, sink calls with code-like arguments); 2 for markup with no active content of its own
//! (`<b>`, `<svg>`), the way CRS flags any tag from PL2; 3 for unknown tags (`List<T>`) and
//! weaker hints.
//!
//! Cost: one table scan dismisses values without any of `<`, `(`, `=`, `:`, `{`, `` ` ``,
//! `[`, `+`, `.`; the rest is a few linear passes, capped at [`MAX_INPUT`] bytes and
//! [`MAX_TAGS`] tags.

mod html;
mod js;

use std::ops::Range;

/// Bytes of one value that are analysed.
pub const MAX_INPUT: usize = 16 * 1024;
/// Tags read per value; later ones are ignored.
pub const MAX_TAGS: usize = 64;

/// A value that tokenises as script injection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct XssMatch {
    /// Short name of what was recognised (`script_tag`, `event_handler`, `js_url`...).
    pub kind: &'static str,
    /// The bytes of the input that carry it.
    pub span: Range<usize>,
    /// Paranoia level 1–4 at which this kind of match counts.
    pub paranoia: u8,
}

/// Whether `input` (one decoded value, case kept) is script injection; the match of the
/// lowest paranoia level.
pub fn detect(input: &str) -> Option<XssMatch> {
    detect_at(input, 4)
}

/// Like [`detect`], but never returns a match above `max_paranoia` and stops at the first
/// paranoia-1 match: the inspector's entry point.
pub fn detect_at(input: &str, max_paranoia: u8) -> Option<XssMatch> {
    let mut end = input.len().min(MAX_INPUT);
    while !input.is_char_boundary(end) {
        end -= 1;
    }
    let s = &input[..end];
    if !s.bytes().any(|b| XSS_BYTES[b as usize]) {
        return None;
    }
    let mut best = None;
    offer(&mut best, html::scan_tags(s), max_paranoia);
    if best.as_ref().is_some_and(|b: &XssMatch| b.paranoia == 1) {
        return best;
    }
    // Order decides the kind reported among equal paranoia: the most specific first.
    offer(&mut best, html::attribute_breakout(s), max_paranoia);
    offer(&mut best, js::script_urls(s), max_paranoia);
    offer(&mut best, js::encodings(s), max_paranoia);
    offer(&mut best, js::template_expression(s), max_paranoia);
    if !js::sink_possible(s) {
        return best;
    }
    offer(&mut best, js::sinks(s), max_paranoia);
    if best.as_ref().is_none_or(|m| m.paranoia > 1) {
        // Again with comments and spacing removed (`document /*x*/ . cookie`); the span is
        // then the whole value.
        if let Some(flat) = js::compact(s) {
            let m = js::sinks(&flat).map(|m| XssMatch {
                span: 0..s.len(),
                ..m
            });
            offer(&mut best, m, max_paranoia);
        }
    }
    best
}

/// Keeps the lower-paranoia match (the earlier one on a tie), ignoring those above `max`.
fn offer(best: &mut Option<XssMatch>, m: Option<XssMatch>, max: u8) {
    if let Some(m) = m {
        if m.paranoia <= max && best.as_ref().is_none_or(|b| b.paranoia > m.paranoia) {
            *best = Some(m);
        }
    }
}

/// Bytes without which no rule can match.
static XSS_BYTES: [bool; 256] = {
    let mut t = [false; 256];
    let special = b"<(=:{`[+.";
    let mut i = 0;
    while i < special.len() {
        t[special[i] as usize] = true;
        i += 1;
    }
    t
};

fn hit(kind: &'static str, paranoia: u8, span: Range<usize>) -> Option<XssMatch> {
    Some(XssMatch {
        kind,
        span,
        paranoia,
    })
}

#[cfg(test)]
mod tests;
