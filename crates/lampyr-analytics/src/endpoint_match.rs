//! Finds which discovered endpoint served a request, so findings made before discovery
//! finished (attacks, behaviour, posture) can name the endpoint and key their windows on it.

use std::collections::HashMap;

use lampyr_discovery::{Inventory, TemplateSegment};

/// Endpoint lookup by method, host and raw path, built from a finished inventory.
#[derive(Debug, Default)]
pub struct EndpointMatcher {
    /// (method, host) → candidate endpoints, most literal segments first.
    by_route: HashMap<(String, String), Vec<Candidate>>,
}

#[derive(Debug)]
struct Candidate {
    index: usize,
    literals: usize,
    template: lampyr_discovery::PathTemplate,
}

impl EndpointMatcher {
    /// Indexes every endpoint of `inventory` (GraphQL operations are matched by path only: the
    /// first operation endpoint on a path stands for it).
    pub fn new(inventory: &Inventory) -> Self {
        let mut by_route: HashMap<(String, String), Vec<Candidate>> = HashMap::new();
        for (index, e) in inventory.endpoints.iter().enumerate() {
            let literals = e
                .template
                .segments()
                .iter()
                .filter(|s| matches!(s, TemplateSegment::Literal { .. }))
                .count();
            by_route
                .entry((e.method.clone(), e.host.clone()))
                .or_default()
                .push(Candidate {
                    index,
                    literals,
                    template: e.template.clone(),
                });
        }
        for list in by_route.values_mut() {
            list.sort_by(|a, b| b.literals.cmp(&a.literals).then(a.index.cmp(&b.index)));
        }
        Self { by_route }
    }

    /// The index (in `inventory.endpoints`) of the endpoint that fits, preferring the one with
    /// the most literal segments; `None` for paths discovery put aside (noise, scanners).
    pub fn resolve(&self, method: &str, host: &str, path: &str) -> Option<usize> {
        let list = self.by_route.get(&(method.to_string(), host.to_string()))?;
        let segs = lampyr_discovery::path::split_path(path);
        list.iter()
            .find(|c| c.template.matches_segments(&segs))
            .map(|c| c.index)
    }
}
