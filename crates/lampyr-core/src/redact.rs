use std::fmt;

/// A captured value that must never reach a log line.
///
/// `Debug` and `Display` print only a placeholder with the length, so a stray `{:?}` on an
/// exchange cannot leak a token, a password or personal data. Read the value with
/// [`Redacted::expose`] where it is really needed.
#[derive(Clone, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Redacted<T>(T);

impl<T> Redacted<T> {
    /// Wraps a captured value.
    pub fn new(value: T) -> Self {
        Self(value)
    }

    /// The real value: call it only where the value is processed, never to format it.
    pub fn expose(&self) -> &T {
        &self.0
    }

    /// Unwraps the value.
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T: AsRef<[u8]>> fmt::Debug for Redacted<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "[redacted {} bytes]", self.0.as_ref().len())
    }
}

impl<T: AsRef<[u8]>> fmt::Display for Redacted<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self, f)
    }
}

impl<T> From<T> for Redacted<T> {
    fn from(value: T) -> Self {
        Self(value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_and_display_hide_the_value() {
        let secret = Redacted::new(String::from("Bearer s3cr3t"));
        assert_eq!(format!("{secret:?}"), "[redacted 13 bytes]");
        assert_eq!(format!("{secret}"), "[redacted 13 bytes]");
        assert_eq!(secret.expose(), "Bearer s3cr3t");
    }
}
