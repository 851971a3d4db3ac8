//! The master key and the admin token: from the environment, a file, or generated once into
//! the data directory (mode 0600) so a first start needs nothing.

use std::io::Write;
use std::path::Path;

use crate::AppError;

/// Where a secret comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SecretSource<'a> {
    /// An environment variable name.
    Env(&'a str),
    /// A file path.
    File(&'a Path),
    /// `data_dir/<name>`, generated when missing.
    Generated(&'a Path),
}

/// Reads a secret. `what` names it in errors. A generated secret is 32 random bytes, hex.
/// Returns the text and whether it was just created.
pub fn read_secret(what: &str, source: SecretSource<'_>) -> Result<(String, bool), AppError> {
    let err = |message: String| AppError::Secret {
        what: what.to_string(),
        message,
    };
    match source {
        SecretSource::Env(var) => match std::env::var(var) {
            Ok(v) if !v.trim().is_empty() => Ok((v.trim().to_string(), false)),
            _ => Err(err(format!("environment variable {var} is unset or empty"))),
        },
        SecretSource::File(path) => std::fs::read_to_string(path)
            .map(|v| (v.trim().to_string(), false))
            .map_err(|e| err(format!("{}: {e}", path.display()))),
        SecretSource::Generated(path) => {
            if let Ok(v) = std::fs::read_to_string(path) {
                return Ok((v.trim().to_string(), false));
            }
            let mut bytes = [0u8; 32];
            getrandom::getrandom(&mut bytes).map_err(|e| err(format!("no randomness: {e}")))?;
            let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
            write_private(path, &hex).map_err(|e| err(format!("{}: {e}", path.display())))?;
            Ok((hex, true))
        }
    }
}

fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let mut f = opts.open(path)?;
    f.write_all(text.as_bytes())?;
    f.write_all(b"\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_generated_secret_is_created_once_private_and_then_reused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("master.key");
        let (a, created) = read_secret("master key", SecretSource::Generated(&path)).unwrap();
        assert!(created);
        assert_eq!(a.len(), 64);
        let (b, created) = read_secret("master key", SecretSource::Generated(&path)).unwrap();
        assert!(!created);
        assert_eq!(a, b);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }

    #[test]
    fn a_new_data_directory_is_private_and_an_existing_one_is_left_alone() {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("a/b");
        crate::ensure_data_dir(&data).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&data).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o700);
            std::fs::set_permissions(&data, std::fs::Permissions::from_mode(0o750)).unwrap();
            crate::ensure_data_dir(&data).unwrap();
            let mode = std::fs::metadata(&data).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o750);
        }
    }

    #[test]
    fn a_missing_environment_variable_is_named() {
        let e = read_secret(
            "admin token",
            SecretSource::Env("LAMPYR_TEST_SURELY_UNSET_VAR"),
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("LAMPYR_TEST_SURELY_UNSET_VAR"), "{e}");
        assert!(e.contains("admin token"), "{e}");
    }
}
