//! Authorise phase. STUB.

/// A compiled policy. STUB.
#[derive(Debug)]
pub struct Policy {}

impl Policy {
    /// Compiles a policy spec.
    pub fn compile(spec: &lampyr_spec::PolicySpec) -> Result<Policy, String> {
        let _ = spec;
        Ok(Policy {})
    }
}
