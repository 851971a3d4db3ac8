//! Upstream phase: choose a healthy target, send, retry when safe.
//!
//! OWNER: upstream helper. Submodules: `balance`, `health`, `client`.

use std::sync::Arc;

/// A backend pool. STUB.
#[derive(Debug)]
pub struct Upstream {}

impl Upstream {
    /// Builds the pool; `prev` (same name in the previous snapshot) lends its connections and
    /// health state when its spec is unchanged.
    pub fn new(
        spec: &lampyr_spec::UpstreamSpec,
        prev: Option<&Arc<Upstream>>,
    ) -> Result<Arc<Upstream>, crate::GatewayError> {
        let _ = (spec, prev);
        Ok(Arc::new(Upstream {}))
    }
}
