//! Protocol upgrades (WebSocket): after both sides switched protocols, bytes are copied both
//! ways until either side closes.

use hyper::upgrade::OnUpgrade;
use hyper_util::rt::TokioIo;

/// Splices the client's and the upstream's upgraded connections in a background task.
/// `hold` (the upstream's in-flight guard) lives as long as the tunnel.
pub(super) fn splice(client: OnUpgrade, upstream: OnUpgrade, hold: Box<dyn std::any::Any + Send>) {
    tokio::spawn(async move {
        let _hold = hold;
        let (client, upstream) = match tokio::join!(client, upstream) {
            (Ok(c), Ok(u)) => (c, u),
            (c, u) => {
                tracing::debug!(
                    client_ok = c.is_ok(),
                    upstream_ok = u.is_ok(),
                    "upgrade failed"
                );
                return;
            }
        };
        let mut client = TokioIo::new(client);
        let mut upstream = TokioIo::new(upstream);
        if let Err(e) = tokio::io::copy_bidirectional(&mut client, &mut upstream).await {
            tracing::debug!(error = %e, "upgraded connection ended with an error");
        }
    });
}
