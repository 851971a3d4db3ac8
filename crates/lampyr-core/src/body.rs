use std::fmt;

/// Default cap on a captured body: 1 MiB. Larger bodies are cut and flagged `truncated`.
pub const DEFAULT_MAX_BODY: usize = 1 << 20;

/// Size limits applied when a body is captured. Bodies are attacker-controlled, so every
/// source goes through these limits before anything else looks at the bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BodyLimits {
    /// Bytes kept of one body (after content decoding).
    pub max_body: usize,
}

impl Default for BodyLimits {
    fn default() -> Self {
        Self {
            max_body: DEFAULT_MAX_BODY,
        }
    }
}

/// A captured message body, cut at a size limit.
///
/// The bytes are captured data (they may hold personal data or secrets), so `Debug` prints
/// only sizes.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Body {
    bytes: Vec<u8>,
    truncated: bool,
    original_len: u64,
}

impl Body {
    /// Captures `bytes`, keeping at most `limits.max_body` of them.
    pub fn capture(mut bytes: Vec<u8>, limits: BodyLimits) -> Self {
        let original_len = bytes.len() as u64;
        let truncated = bytes.len() > limits.max_body;
        if truncated {
            bytes.truncate(limits.max_body);
            bytes.shrink_to_fit();
        }
        Self {
            bytes,
            truncated,
            original_len,
        }
    }

    /// A body that was already cut by its source: `original_len` is the size before the cut.
    pub fn from_parts(bytes: Vec<u8>, truncated: bool, original_len: u64) -> Self {
        Self {
            bytes,
            truncated,
            original_len,
        }
    }

    /// An empty body.
    pub fn empty() -> Self {
        Self::default()
    }

    /// The captured bytes (possibly cut: check [`Body::truncated`]).
    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// The captured bytes as UTF-8, when they are.
    pub fn as_str(&self) -> Option<&str> {
        std::str::from_utf8(&self.bytes).ok()
    }

    /// True when the body was longer than the limit and was cut.
    pub fn truncated(&self) -> bool {
        self.truncated
    }

    /// Size of the body before the cut.
    pub fn original_len(&self) -> u64 {
        self.original_len
    }

    /// True when nothing was captured.
    pub fn is_empty(&self) -> bool {
        self.bytes.is_empty()
    }

    /// Number of captured bytes.
    pub fn len(&self) -> usize {
        self.bytes.len()
    }
}

impl fmt::Debug for Body {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Body")
            .field("len", &self.bytes.len())
            .field("original_len", &self.original_len)
            .field("truncated", &self.truncated)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn capture_cuts_at_the_limit_and_flags_it() {
        let body = Body::capture(vec![b'x'; 10], BodyLimits { max_body: 4 });
        assert_eq!(body.bytes(), b"xxxx");
        assert!(body.truncated());
        assert_eq!(body.original_len(), 10);
    }

    #[test]
    fn capture_keeps_small_bodies_whole() {
        let body = Body::capture(b"{\"a\":1}".to_vec(), BodyLimits::default());
        assert_eq!(body.as_str(), Some("{\"a\":1}"));
        assert!(!body.truncated());
    }

    #[test]
    fn debug_never_prints_content() {
        let body = Body::capture(b"password=hunter2".to_vec(), BodyLimits::default());
        let shown = format!("{body:?}");
        assert!(!shown.contains("hunter2"), "{shown}");
        assert!(shown.contains("len: 16"), "{shown}");
    }
}
