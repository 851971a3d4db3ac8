//! One immutable version of the configuration, compiled for the data plane.
//!
//! Building a snapshot validates and compiles everything (routes, upstreams, credentials,
//! policies, limiters, inspectors, masks) before anything is swapped in, so a bad change is
//! refused whole. State that must survive a reload (upstream pools and health, limiter
//! buckets, JWKS and nonce caches) is carried over from the previous snapshot when the
//! part of the spec it belongs to did not change.

use std::collections::HashMap;
use std::sync::Arc;

use lampyr_spec::{GatewaySpec, RouteSpec, SpecError};

use crate::auth::{AuthIndex, Secrets};
use crate::filters::authz::Policy;
use crate::filters::inspect::{InspectorCache, RouteInspector};
use crate::filters::mask::RouteMask;
use crate::filters::ratelimit::RouteLimit;
use crate::router::Router;
use crate::upstream::Upstream;
use crate::GatewayError;

/// A route with everything its filters need, compiled once per snapshot.
#[derive(Debug)]
pub struct CompiledRoute {
    /// Position in the spec (ties between equally specific routes go to the first).
    pub index: usize,
    /// The route as configured.
    pub spec: RouteSpec,
    /// Its upstream.
    pub upstream: Arc<Upstream>,
    /// Policies that must all admit a request.
    pub policies: Vec<Arc<Policy>>,
    /// Rate limits; a request must fit all of them.
    pub limits: Vec<RouteLimit>,
    /// Attack inspection; `None` when off.
    pub inspect: Option<RouteInspector>,
    /// Response masking; `None` when not configured.
    pub mask: Option<RouteMask>,
}

/// The compiled configuration the data plane reads.
#[derive(Debug)]
pub struct Snapshot {
    /// Increases by one per applied change.
    pub version: u64,
    /// The spec it was built from.
    pub spec: Arc<GatewaySpec>,
    /// Route lookup.
    pub router: Router,
    /// Upstreams by name.
    pub upstreams: HashMap<String, Arc<Upstream>>,
    /// Credential lookup.
    pub auth: AuthIndex,
    /// Compiled inspectors, lent to the next build.
    inspectors: InspectorCache,
}

impl Snapshot {
    /// Compiles `spec`; `prev` lends state that survives reloads. Every problem is reported.
    pub fn build(
        spec: GatewaySpec,
        secrets: &Secrets,
        prev: Option<&Snapshot>,
    ) -> Result<Snapshot, GatewayError> {
        let mut errors: Vec<SpecError> = lampyr_spec::validate(&spec, "gateway");
        let err = |at: String, message: String| SpecError { at, message };

        let mut upstreams = HashMap::new();
        for (i, u) in spec.upstreams.iter().enumerate() {
            let old = prev.and_then(|p| p.upstreams.get(&u.name));
            let built = match &u.tls_ca {
                Some(path) => match crate::server::tls::load_roots(path) {
                    Ok(roots) => Upstream::with_root_store(u, old, roots),
                    Err(e) => Err(e),
                },
                None => Upstream::new(u, old),
            };
            match built {
                Ok(up) => {
                    upstreams.insert(u.name.clone(), up);
                }
                Err(e) => errors.push(err(format!("gateway.upstreams[{i}]"), e.to_string())),
            }
        }

        let mut policies = HashMap::new();
        for (i, p) in spec.policies.iter().enumerate() {
            match Policy::compile(p) {
                Ok(pol) => {
                    policies.insert(p.name.clone(), Arc::new(pol));
                }
                Err(e) => errors.push(err(format!("gateway.policies[{i}]"), e)),
            }
        }

        let auth = match AuthIndex::build(
            &spec.consumers,
            &spec.jwt_issuers,
            secrets,
            prev.map(|p| &p.auth),
        ) {
            Ok(a) => Some(a),
            Err(mut es) => {
                errors.append(&mut es);
                None
            }
        };

        let prev_routes: HashMap<&str, &Arc<CompiledRoute>> = prev
            .map(|p| {
                p.router
                    .routes()
                    .iter()
                    .map(|r| (r.spec.name.as_str(), r))
                    .collect()
            })
            .unwrap_or_default();
        let mut inspectors = prev.map(|p| p.inspectors.clone()).unwrap_or_default();
        let mut routes = Vec::new();
        for (i, r) in spec.routes.iter().enumerate() {
            let at = format!("gateway.routes[{i}]");
            let Some(upstream) = upstreams.get(&r.upstream).cloned() else {
                continue; // reported by validate
            };
            let route_policies: Vec<_> = r
                .policies
                .iter()
                .filter_map(|n| policies.get(n).cloned())
                .collect();
            let old = prev_routes.get(r.name.as_str());
            let limits = r
                .rate_limits
                .iter()
                .enumerate()
                .map(|(j, l)| {
                    let old_limit = old.and_then(|o| {
                        o.limits
                            .iter()
                            .find(|x| x.spec() == l && o.spec.rate_limits.get(j) == Some(l))
                    });
                    RouteLimit::new(l, &r.name, old_limit)
                })
                .collect();
            let inspect = match RouteInspector::new(&r.inspect, &mut inspectors) {
                Ok(x) => x,
                Err(e) => {
                    errors.push(err(format!("{at}.inspect"), e));
                    None
                }
            };
            let mask = match r.mask.as_ref().map(RouteMask::new).transpose() {
                Ok(m) => m,
                Err(e) => {
                    errors.push(err(format!("{at}.mask"), e));
                    None
                }
            };
            routes.push(Arc::new(CompiledRoute {
                index: i,
                spec: r.clone(),
                upstream,
                policies: route_policies,
                limits,
                inspect,
                mask,
            }));
        }

        let router = match Router::new(routes) {
            Ok(r) => Some(r),
            Err(mut es) => {
                errors.append(&mut es);
                None
            }
        };
        if !errors.is_empty() {
            return Err(GatewayError::Invalid(errors));
        }
        let (Some(auth), Some(router)) = (auth, router) else {
            return Err(GatewayError::invalid("gateway", "incomplete configuration"));
        };
        Ok(Snapshot {
            version: prev.map_or(1, |p| p.version + 1),
            spec: Arc::new(spec),
            router,
            upstreams,
            auth,
            inspectors,
        })
    }
}
