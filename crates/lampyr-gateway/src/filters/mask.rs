//! Response phase: masking. STUB.

/// A route's masking. STUB.
#[derive(Debug)]
pub struct RouteMask {}

impl RouteMask {
    /// Compiles a mask spec.
    pub fn new(spec: &lampyr_spec::MaskSpec) -> Result<RouteMask, String> {
        let _ = spec;
        Ok(RouteMask {})
    }
}
