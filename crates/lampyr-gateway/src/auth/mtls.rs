//! Client certificates verified by the TLS layer, matched by SHA-256 fingerprint or subject.

use std::collections::HashMap;
use std::sync::Arc;

use lampyr_spec::{AuthMethod, SpecError};

use super::index::dup_error;
use super::{token_id_from_hex, AuthError, Cred, Identity};
use crate::server::ClientCert;

/// mTLS credentials by normalised fingerprint and by subject (full DN or CN).
#[derive(Default)]
pub(crate) struct MtlsAuth {
    by_fingerprint: HashMap<String, (Arc<Cred>, String)>,
    by_subject: HashMap<String, (Arc<Cred>, String)>,
}

/// Lower-case hex without colons or spaces; `None` unless it is 32 bytes of hex.
pub(crate) fn normalize_fingerprint(text: &str) -> Option<String> {
    let hex: String = text
        .chars()
        .filter(|c| *c != ':' && !c.is_whitespace())
        .map(|c| c.to_ascii_lowercase())
        .collect();
    (hex.len() == 64 && hex.bytes().all(|b| b.is_ascii_hexdigit())).then_some(hex)
}

impl MtlsAuth {
    /// Adds one credential, by fingerprint, subject or both.
    pub(crate) fn add(
        &mut self,
        at: &str,
        cred: &Arc<Cred>,
        subject: Option<&str>,
        fingerprint: Option<&str>,
    ) -> Result<(), SpecError> {
        if subject.is_none() && fingerprint.is_none() {
            return Err(SpecError {
                at: at.to_string(),
                message: "mtls needs subject or fingerprint".into(),
            });
        }
        if let Some(fp) = fingerprint {
            let fp = normalize_fingerprint(fp).ok_or_else(|| SpecError {
                at: format!("{at}.fingerprint"),
                message: "want the SHA-256 fingerprint as 64 hex digits (colons allowed)".into(),
            })?;
            if let Some((other, other_at)) = self.by_fingerprint.get(&fp) {
                return Err(dup_error(
                    at,
                    "this certificate fingerprint",
                    other,
                    other_at,
                ));
            }
            self.by_fingerprint
                .insert(fp, (cred.clone(), at.to_string()));
        }
        if let Some(s) = subject {
            let s = s.trim();
            if s.is_empty() {
                return Err(SpecError {
                    at: format!("{at}.subject"),
                    message: "empty subject".into(),
                });
            }
            if let Some((other, other_at)) = self.by_subject.get(s) {
                return Err(dup_error(
                    at,
                    &format!("certificate subject {s:?}"),
                    other,
                    other_at,
                ));
            }
            self.by_subject
                .insert(s.to_string(), (cred.clone(), at.to_string()));
        }
        Ok(())
    }

    /// Matches the connection's verified client certificate: fingerprint first, then the
    /// full subject DN, then the common name.
    pub(crate) fn authenticate(&self, cert: &ClientCert, now: i64) -> Result<Identity, AuthError> {
        let fp = normalize_fingerprint(&cert.fingerprint);
        let found = fp
            .as_ref()
            .and_then(|fp| self.by_fingerprint.get(fp))
            .or_else(|| self.by_subject.get(cert.subject.as_str()))
            .or_else(|| {
                cert.common_name
                    .as_ref()
                    .and_then(|cn| self.by_subject.get(cn.as_str()))
            });
        let (cred, _) = found.ok_or(AuthError::Invalid("unknown client certificate"))?;
        cred.check(now)?;
        let token_id = fp.as_deref().map(token_id_from_hex);
        Ok(cred.identity(AuthMethod::Mtls, None, token_id))
    }
}
