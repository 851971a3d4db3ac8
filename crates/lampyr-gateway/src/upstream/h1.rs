//! The request path for plain-HTTP/1.1 upstreams: hyper's connection API under a small
//! pool of our own.
//!
//! The general client (hyper-util's pooled client, still used for TLS, h2 and health probes)
//! hashes a pool key, spawns a task per request to wait for the connection to become idle
//! again and allocates several channels on every request. Here a connection goes back to its
//! target's idle list when the proxy has finished with the response body (the in-flight
//! guard is dropped), and the next request takes the most recently used one: a lock, a pop
//! and a readiness check.

use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http::uri::Authority;
use http::{Request, Response};
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::client::conn::http1::{self, SendRequest};
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;

use super::UpstreamError;

/// How long an idle connection is kept.
const POOL_IDLE: Duration = Duration::from_secs(90);
/// Idle connections kept per target.
const POOL_MAX_IDLE: usize = 256;

/// Idle connections per target, indexed like the upstream's targets.
pub(crate) struct H1Pool {
    idle: Vec<Mutex<Vec<Idle>>>,
    connect_timeout: Duration,
}

struct Idle {
    tx: SendRequest<Full<Bytes>>,
    since: Instant,
}

/// A connection lent to one request; [`Lent::give_back`] returns it for reuse.
pub(crate) struct Lent {
    pool: Arc<H1Pool>,
    target: usize,
    tx: SendRequest<Full<Bytes>>,
}

impl Lent {
    /// Returns the connection to its target's idle list unless it has closed. Called when
    /// the response body is finished; a connection whose body was abandoned closes and is
    /// skipped by the next checkout.
    pub(crate) fn give_back(self) {
        if self.tx.is_closed() {
            return;
        }
        let Some(slot) = self.pool.idle.get(self.target) else {
            return;
        };
        let mut idle = match slot.lock() {
            Ok(g) => g,
            Err(poisoned) => poisoned.into_inner(),
        };
        if idle.len() < POOL_MAX_IDLE {
            idle.push(Idle {
                tx: self.tx,
                since: Instant::now(),
            });
        }
    }
}

impl H1Pool {
    /// An empty pool for `targets` targets.
    pub(crate) fn new(targets: usize, connect_timeout: Duration) -> Arc<H1Pool> {
        Arc::new(H1Pool {
            idle: (0..targets).map(|_| Mutex::new(Vec::new())).collect(),
            connect_timeout,
        })
    }

    /// Sends `req` (origin-form URI, `Host` set) to target `idx` at `authority`. The error's
    /// bool says whether the request may have reached the target. A pooled connection that
    /// turns out to be closed before the request was written is replaced by a new one.
    pub(crate) async fn request(
        self: &Arc<Self>,
        idx: usize,
        authority: &Authority,
        req: Request<Full<Bytes>>,
    ) -> Result<(Response<Incoming>, Lent), (UpstreamError, bool)> {
        let mut req = req;
        let mut fresh_only = false;
        loop {
            let pooled = if fresh_only {
                None
            } else {
                self.checkout(idx).await
            };
            let reused = pooled.is_some();
            let mut tx = match pooled {
                Some(tx) => tx,
                None => self.connect(authority).await.map_err(|e| (e, false))?,
            };
            match tx.try_send_request(req).await {
                Ok(resp) => {
                    let lent = Lent {
                        pool: Arc::clone(self),
                        target: idx,
                        tx,
                    };
                    return Ok((resp, lent));
                }
                Err(mut e) => match e.take_message() {
                    // Never written: the pooled connection was already going away.
                    Some(back) if reused => {
                        req = back;
                        fresh_only = true;
                    }
                    Some(_) => {
                        return Err((UpstreamError::Protocol(chain(e.error())), false));
                    }
                    None => return Err((UpstreamError::Protocol(chain(e.error())), true)),
                },
            }
        }
    }

    /// The most recently used idle connection of target `idx` that is still open.
    async fn checkout(&self, idx: usize) -> Option<SendRequest<Full<Bytes>>> {
        let slot = self.idle.get(idx)?;
        loop {
            let entry = {
                let mut idle = match slot.lock() {
                    Ok(g) => g,
                    Err(poisoned) => poisoned.into_inner(),
                };
                // The oldest entries are at the front: drop those idle for too long.
                let stale = idle
                    .iter()
                    .take_while(|e| e.since.elapsed() > POOL_IDLE)
                    .count();
                if stale > 0 {
                    idle.drain(..stale);
                }
                idle.pop()
            }?;
            let mut tx = entry.tx;
            if tx.is_closed() {
                continue;
            }
            // Normally ready at once; a connection still finishing its last exchange
            // becomes ready shortly, a closing one errors.
            if tx.ready().await.is_ok() {
                return Some(tx);
            }
        }
    }

    /// Opens a connection to `authority` within the connect timeout (split across the
    /// addresses a name resolves to).
    async fn connect(
        &self,
        authority: &Authority,
    ) -> Result<SendRequest<Full<Bytes>>, UpstreamError> {
        let port = authority.port_u16().unwrap_or(80);
        let host = authority
            .host()
            .trim_start_matches('[')
            .trim_end_matches(']');
        let addrs: Vec<SocketAddr> = match host.parse::<IpAddr>() {
            Ok(ip) => vec![SocketAddr::new(ip, port)],
            Err(_) => {
                let resolve = tokio::net::lookup_host((host, port));
                match tokio::time::timeout(self.connect_timeout, resolve).await {
                    Ok(Ok(a)) => a.take(16).collect(),
                    Ok(Err(e)) => {
                        return Err(UpstreamError::Connect(format!("dns error: {e}")));
                    }
                    Err(_) => return Err(UpstreamError::Timeout("connect")),
                }
            }
        };
        if addrs.is_empty() {
            return Err(UpstreamError::Connect(format!(
                "dns error: {host} has no address"
            )));
        }
        let per = self.connect_timeout / addrs.len() as u32;
        let mut last = UpstreamError::Timeout("connect");
        for addr in addrs {
            match tokio::time::timeout(per.max(Duration::from_millis(1)), TcpStream::connect(addr))
                .await
            {
                Ok(Ok(stream)) => {
                    let _ = stream.set_nodelay(true);
                    let (tx, conn) = http1::Builder::new()
                        .handshake(TokioIo::new(stream))
                        .await
                        .map_err(|e| UpstreamError::Connect(chain(&e)))?;
                    tokio::spawn(async move {
                        if let Err(e) = conn.with_upgrades().await {
                            tracing::debug!(error = %e, "upstream connection ended with an error");
                        }
                    });
                    return Ok(tx);
                }
                Ok(Err(e)) => {
                    last = if e.kind() == std::io::ErrorKind::TimedOut {
                        UpstreamError::Timeout("connect")
                    } else {
                        UpstreamError::Connect(format!("tcp connect error: {e}"))
                    };
                }
                Err(_) => last = UpstreamError::Timeout("connect"),
            }
        }
        Err(last)
    }
}

/// The error and its causes on one line.
fn chain(e: &(dyn std::error::Error + 'static)) -> String {
    super::client::chain(e)
}
