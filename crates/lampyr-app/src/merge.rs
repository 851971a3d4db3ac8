//! The spec the gateway runs: the file's part plus what the admin API stored.
//!
//! The file owns listeners, certificates, limits, mirror and access log, and its named
//! objects are read-only through the admin API (a stored object with the same name is
//! refused at write time). Named lists are the file's entries followed by the stored ones,
//! so route ties keep resolving to the file's routes first.

use lampyr_spec::GatewaySpec;

/// File spec + stored spec.
pub fn merge(file: &GatewaySpec, stored: GatewaySpec) -> GatewaySpec {
    let mut out = file.clone();
    out.upstreams.extend(stored.upstreams);
    out.routes.extend(stored.routes);
    out.consumers.extend(stored.consumers);
    out.policies.extend(stored.policies);
    out.jwt_issuers.extend(stored.jwt_issuers);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_sections_win_and_named_lists_append_after_the_file() {
        let file: GatewaySpec = serde_yaml_ng_free(
            r#"{"listeners":[{"name":"main","address":"127.0.0.1:0"}],
                "routes":[{"name":"file-route","upstream":"u"}],
                "limits":{"max_headers":7}}"#,
        );
        let stored: GatewaySpec = serde_yaml_ng_free(
            r#"{"routes":[{"name":"api-route","upstream":"u"}],
                "listeners":[{"name":"ignored","address":"127.0.0.1:1"}],
                "limits":{"max_headers":99}}"#,
        );
        let m = merge(&file, stored);
        let names: Vec<&str> = m.routes.iter().map(|r| r.name.as_str()).collect();
        assert_eq!(names, ["file-route", "api-route"]);
        assert_eq!(m.listeners.len(), 1);
        assert_eq!(m.limits.max_headers, 7);
    }

    fn serde_yaml_ng_free(json: &str) -> GatewaySpec {
        serde_json::from_str(json).unwrap()
    }
}
