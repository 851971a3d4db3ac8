//! Authenticate phase: who is calling.
//!
//! OWNER: auth helper. Submodules: `apikey`, `hmac`, `jwt`, `jwks`, `basic`, `mtls`, `secrets`,
//! `index`. The signatures below are the contract the proxy calls.

use std::sync::Arc;

use lampyr_spec::AuthMethod;

/// A consumer as the data plane sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsumerEntry {
    /// Unique name.
    pub name: String,
    /// Groups.
    pub groups: Vec<String>,
    /// Scopes held by default.
    pub scopes: Vec<String>,
    /// Tags.
    pub tags: Vec<String>,
    /// Disabled consumers are refused.
    pub disabled: bool,
}

/// The authenticated caller.
#[derive(Debug, Clone)]
pub struct Identity {
    /// The consumer.
    pub consumer: Arc<ConsumerEntry>,
    /// Id of the credential used.
    pub credential_id: String,
    /// How the caller authenticated.
    pub method: AuthMethod,
    /// Scopes in force for this request (token scopes, else the consumer's).
    pub scopes: Vec<String>,
    /// End user, when the credential names one (JWT `sub`, basic user name).
    pub user: Option<String>,
    /// Stable, non-secret id of the token or key (`sha256:` + 16 hex of its hash), for the
    /// deny list and analytics.
    pub token_id: Option<String>,
}

/// Server-side secrets: the pepper API keys are hashed under and the master key sealing
/// recoverable secrets (HMAC). STUB: the auth helper replaces this.
#[derive(Debug, Clone, Default)]
pub struct Secrets {}

/// Credential lookup compiled from the consumers. STUB: the auth helper replaces this.
#[derive(Debug, Default)]
pub struct AuthIndex {}

impl AuthIndex {
    /// Compiles consumers and issuers; `prev` lends caches (JWKS, nonces, last-used times).
    pub fn build(
        consumers: &[lampyr_spec::ConsumerSpec],
        issuers: &[lampyr_spec::JwtIssuerSpec],
        secrets: &Secrets,
        prev: Option<&AuthIndex>,
    ) -> Result<AuthIndex, Vec<lampyr_spec::SpecError>> {
        let _ = (consumers, issuers, secrets, prev);
        Ok(AuthIndex {})
    }
}
