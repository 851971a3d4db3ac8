//! Inspect phase. STUB.

/// Inspectors shared between routes with the same settings. STUB.
#[derive(Debug, Default)]
pub struct InspectorCache {}

/// A route's inspection. STUB.
#[derive(Debug)]
pub struct RouteInspector {}

impl RouteInspector {
    /// `None` when the mode is `off`.
    pub fn new(spec: &lampyr_spec::InspectSpec, cache: &mut InspectorCache) -> Result<Option<RouteInspector>, String> {
        let _ = (spec, cache);
        Ok(None)
    }
}
