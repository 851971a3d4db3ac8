//! Accept phase: bind the listeners, accept connections, run TLS, serve HTTP/1.1 and h2.
//!
//! The number of open connections is bounded by `max_connections` (further ones wait in the
//! kernel's accept queue); what happens on one connection is in `conn`. On shutdown
//! the listeners stop accepting, open connections are told to finish (HTTP/1.1 closes after
//! the current response, h2 sends GOAWAY) and in-flight requests get [`SHUTDOWN_GRACE`] to
//! end. Upgraded tunnels (WebSocket) are not waited for.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use lampyr_spec::ListenerSpec;
use tokio::net::TcpListener;
use tokio::sync::{watch, Semaphore};
use tokio::task::JoinHandle;
use tokio_rustls::TlsAcceptor;

use super::conn::{serve, AcceptCtx};
use super::tls;
use crate::gateway::Gateway;
use crate::GatewayError;

/// Longest in-flight requests may run after shutdown was asked for.
pub const SHUTDOWN_GRACE: Duration = Duration::from_secs(30);

/// The bound listeners of a running gateway.
#[derive(Debug)]
pub struct RunningServer {
    /// Listener name and the address it is bound to (the real port when 0 was asked).
    pub addrs: Vec<(String, SocketAddr)>,
    supervisor: JoinHandle<()>,
}

impl RunningServer {
    /// The bound address of listener `name`.
    pub fn addr(&self, name: &str) -> Option<SocketAddr> {
        self.addrs.iter().find(|(n, _)| n == name).map(|(_, a)| *a)
    }

    /// Completes when shutdown was signalled, accepting stopped and in-flight requests ended
    /// (or the grace period ran out).
    pub async fn wait(self) {
        let _ = self.supervisor.await;
    }
}

/// Resolves when `rx` is true or its sender is gone (a dropped sender means nobody can keep
/// the gateway running any more).
pub(super) async fn shutdown_signal(mut rx: watch::Receiver<bool>) {
    loop {
        if *rx.borrow_and_update() {
            return;
        }
        if rx.changed().await.is_err() {
            return;
        }
    }
}

/// One listener, ready to accept.
struct Bound {
    spec: ListenerSpec,
    tcp: TcpListener,
    tls: Option<TlsAcceptor>,
}

/// Binds every listener of the current snapshot and starts accepting. Listener settings are
/// fixed for the life of the returned server; later snapshots change routes, not sockets.
pub async fn start(
    gateway: Gateway,
    shutdown: watch::Receiver<bool>,
) -> Result<RunningServer, GatewayError> {
    let snap = gateway.snapshot();
    let spec = &snap.spec;
    let mut bound = Vec::new();
    for l in &spec.listeners {
        let tls = match &l.tls {
            Some(t) => Some(TlsAcceptor::from(tls::server_config(
                l,
                t,
                &spec.certificates,
            )?)),
            None => None,
        };
        let bind_err = |source| GatewayError::Bind {
            name: l.name.clone(),
            address: l.address.clone(),
            source,
        };
        let tcp = TcpListener::bind(&l.address).await.map_err(bind_err)?;
        bound.push(Bound {
            spec: l.clone(),
            tcp,
            tls,
        });
    }
    let mut addrs = Vec::new();
    for b in &bound {
        let addr = b.tcp.local_addr().map_err(|source| GatewayError::Bind {
            name: b.spec.name.clone(),
            address: b.spec.address.clone(),
            source,
        })?;
        addrs.push((b.spec.name.clone(), addr));
    }

    let limits = Arc::new(spec.limits.clone());
    let permits = Arc::new(Semaphore::new(limits.max_connections.max(1)));
    // Every connection holds a receiver; `closed()` on the sender resolves when all of them
    // (and the accept loops' copies) are gone, i.e. when the drain is complete.
    let (drain_tx, drain_rx) = watch::channel(());
    let (kill_tx, kill_rx) = watch::channel(false);
    let mut loops = Vec::new();
    for b in bound {
        let ctx = Arc::new(AcceptCtx {
            gateway: gateway.clone(),
            limits: limits.clone(),
            listener: Arc::from(b.spec.name.as_str()),
            http2: b.spec.http2,
            trusted: b
                .spec
                .trusted_proxies
                .iter()
                .filter_map(|p| lampyr_spec::parse_trusted_proxy(p))
                .collect(),
            tls: b.tls,
            shutdown: shutdown.clone(),
            kill: kill_rx.clone(),
        });
        loops.push(tokio::spawn(accept_loop(
            b.tcp,
            ctx,
            permits.clone(),
            drain_rx.clone(),
        )));
    }
    drop(drain_rx);
    let supervisor = tokio::spawn(async move {
        for l in loops {
            let _ = l.await;
        }
        if tokio::time::timeout(SHUTDOWN_GRACE, drain_tx.closed())
            .await
            .is_err()
        {
            tracing::warn!("shutdown grace period over; closing remaining connections");
            let _ = kill_tx.send(true);
        }
    });
    Ok(RunningServer { addrs, supervisor })
}

async fn accept_loop(
    tcp: TcpListener,
    ctx: Arc<AcceptCtx>,
    permits: Arc<Semaphore>,
    drain: watch::Receiver<()>,
) {
    let stop = shutdown_signal(ctx.shutdown.clone());
    tokio::pin!(stop);
    loop {
        let permit = tokio::select! {
            _ = &mut stop => break,
            p = permits.clone().acquire_owned() => match p {
                Ok(p) => p,
                Err(_) => break,
            },
        };
        let (stream, peer) = tokio::select! {
            _ = &mut stop => break,
            r = tcp.accept() => match r {
                Ok(x) => x,
                Err(e) => {
                    // Out of descriptors and similar: back off instead of spinning.
                    tracing::warn!(listener = %ctx.listener, error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
        };
        tokio::spawn(serve(stream, peer, ctx.clone(), permit, drain.clone()));
    }
}
