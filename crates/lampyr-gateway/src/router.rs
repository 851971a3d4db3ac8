//! Route phase. STUB (lead writes it).

use std::sync::Arc;

use crate::snapshot::CompiledRoute;

/// Route lookup.
#[derive(Debug)]
pub struct Router {
    routes: Vec<Arc<CompiledRoute>>,
}

impl Router {
    /// Builds the lookup.
    pub fn new(routes: Vec<Arc<CompiledRoute>>) -> Result<Router, Vec<lampyr_spec::SpecError>> {
        Ok(Router { routes })
    }

    /// Every route, in spec order.
    pub fn routes(&self) -> &[Arc<CompiledRoute>] {
        &self.routes
    }
}
