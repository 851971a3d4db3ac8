//! Rate-limit phase. STUB.

/// One rate limit of a route with its state. STUB.
#[derive(Debug)]
pub struct RouteLimit {
    spec: lampyr_spec::RateLimitSpec,
}

impl RouteLimit {
    /// A limiter for `spec` on `route`; `prev` lends its buckets when the spec is unchanged.
    pub fn new(spec: &lampyr_spec::RateLimitSpec, route: &str, prev: Option<&RouteLimit>) -> RouteLimit {
        let _ = (route, prev);
        RouteLimit { spec: spec.clone() }
    }

    /// The spec it enforces.
    pub fn spec(&self) -> &lampyr_spec::RateLimitSpec {
        &self.spec
    }
}
