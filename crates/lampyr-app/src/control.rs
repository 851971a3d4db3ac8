//! The admin API's hands on the data plane: [`lampyr_admin::Control`] over a [`Gateway`].

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use lampyr_admin::{AdminState, Control, IssuedKey};
use lampyr_gateway::{Gateway, GatewayError};
use lampyr_spec::{DenyEntry, GatewaySpec, SpecError};
use lampyr_store::Store;

use crate::analytics::AnalyticsHandle;

use crate::AppConfig;

/// Applies admin changes to a running gateway and reaches the analytics pipeline.
pub struct GatewayControl {
    gateway: Gateway,
    analytics: AnalyticsHandle,
}

impl GatewayControl {
    /// Control over `gateway` and `analytics`.
    pub fn new(gateway: Gateway, analytics: AnalyticsHandle) -> Self {
        Self { gateway, analytics }
    }
}

impl Control for GatewayControl {
    fn apply(&self, spec: GatewaySpec) -> Result<u64, Vec<SpecError>> {
        self.gateway.apply(spec).map_err(|e| match e {
            GatewayError::Invalid(errors) => errors,
            other => vec![SpecError {
                at: "gateway".into(),
                message: other.to_string(),
            }],
        })
    }

    fn issue_api_key(&self) -> IssuedKey {
        lampyr_gateway::auth::issue_api_key(self.gateway.secrets())
    }

    fn seal_secret(&self, secret: &str) -> String {
        self.gateway.secrets().seal(secret)
    }

    fn hash_password(&self, password: &str) -> Result<String, String> {
        lampyr_gateway::auth::hash_password(password)
    }

    fn deny_changed(&self, entries: Vec<DenyEntry>) {
        self.gateway.deny().replace_all(entries);
    }

    fn upstream_health(&self) -> serde_json::Value {
        let snap = self.gateway.snapshot();
        let mut names: Vec<&String> = snap.upstreams.keys().collect();
        names.sort();
        let items: Vec<serde_json::Value> = names
            .into_iter()
            .map(|name| {
                let targets: Vec<serde_json::Value> = snap.upstreams[name]
                    .health()
                    .into_iter()
                    .map(|t| {
                        serde_json::json!({
                            "address": t.address,
                            "healthy": t.healthy,
                            "ejected": t.ejected_until.is_some(),
                            "in_flight": t.in_flight,
                            "weight": t.weight,
                        })
                    })
                    .collect();
                serde_json::json!({ "upstream": name, "targets": targets })
            })
            .collect();
        serde_json::json!({ "items": items })
    }

    fn last_used(&self) -> Vec<(String, i64)> {
        self.gateway.snapshot().auth.last_used()
    }

    fn metrics_text(&self) -> String {
        self.gateway.render_metrics()
    }

    fn analytics_status(&self) -> serde_json::Value {
        self.analytics.status()
    }

    fn discovered_openapi(&self) -> serde_json::Value {
        self.analytics.openapi()
    }

    fn ingest_jsonl(
        &self,
        body: axum::body::Bytes,
    ) -> Pin<Box<dyn Future<Output = Result<serde_json::Value, String>> + Send>> {
        let analytics = self.analytics.clone();
        Box::pin(async move { analytics.ingest_jsonl(body).await })
    }
}

/// The admin listener's router: the admin API and `/metrics`, behind the bearer token.
pub fn admin_router(
    cfg: &AppConfig,
    gateway: Gateway,
    analytics: AnalyticsHandle,
    store: Arc<dyn Store>,
) -> axum::Router {
    let state = AdminState::new(
        store,
        Arc::new(GatewayControl::new(gateway, analytics)),
        &cfg.admin_token,
        cfg.gateway.clone(),
    )
    .with_secure_cookies(cfg.console.secure_cookies);
    lampyr_admin::router(state)
}
