//! One accepted connection: TLS handshake or protocol sniffing, then HTTP/1.1 or h2.
//!
//! Every attacker-controlled wait is bounded by `header_timeout_ms`: the TLS handshake, the
//! bytes that tell HTTP/1.1 from an h2 preface on plain listeners, and each HTTP/1.1 request
//! head (hyper's header read timeout, which also closes idle keep-alive connections). Head
//! size is capped by `max_header_bytes` and field count by `max_headers` (431). HTTP/1.1 and
//! h2 are served by hyper's own builders rather than auto-detection, so a listener with
//! `http2: false` and a TLS session that negotiated `http/1.1` never speak h2.

use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use bytes::{Buf, Bytes};
use hyper::service::service_fn;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use lampyr_spec::LimitsSpec;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio::sync::{watch, OwnedSemaphorePermit};
use tokio_rustls::TlsAcceptor;

use super::listener::shutdown_signal;
use super::proxy::{handle, ConnInfo};
use super::tls;
use crate::gateway::Gateway;

/// Smallest read buffer hyper accepts.
const MIN_BUF: usize = 8192;

/// The client preface every h2 connection starts with.
const H2_PREFACE: &[u8; 24] = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

/// What every connection of one listener shares.
pub(super) struct AcceptCtx {
    pub gateway: Gateway,
    pub limits: Arc<LimitsSpec>,
    pub listener: Arc<str>,
    pub http2: bool,
    /// The listener's `trusted_proxies`.
    pub trusted: Arc<[ipnet::IpNet]>,
    pub tls: Option<TlsAcceptor>,
    /// Shutdown: connections still in the handshake end at once; serving ones drain.
    pub shutdown: watch::Receiver<bool>,
    /// Set when the drain's grace period is over: connections still open are dropped.
    pub kill: watch::Receiver<bool>,
}

/// Serves one connection. `permit` (the `max_connections` slot) goes into the request
/// context so an upgraded tunnel keeps it; `drain` is held until HTTP serving has ended.
pub(super) async fn serve(
    stream: TcpStream,
    peer: SocketAddr,
    ctx: Arc<AcceptCtx>,
    permit: OwnedSemaphorePermit,
    drain: watch::Receiver<()>,
) {
    let _drain = drain;
    let _ = stream.set_nodelay(true);
    let Ok(local) = stream.local_addr() else {
        return;
    };
    let header_timeout = Duration::from_millis(ctx.limits.header_timeout_ms.max(1));
    let listener = ctx.listener.clone();
    let trusted = ctx.trusted.clone();
    let conn = move |tls| {
        Arc::new(ConnInfo {
            client: peer,
            local,
            listener,
            tls,
            trusted: trusted.clone(),
            _permit: Some(permit),
        })
    };
    match &ctx.tls {
        Some(acceptor) => {
            let handshake = tokio::time::timeout(header_timeout, acceptor.accept(stream));
            let done = tokio::select! {
                _ = shutdown_signal(ctx.shutdown.clone()) => return,
                r = handshake => r,
            };
            let tls_stream = match done {
                Ok(Ok(s)) => s,
                Ok(Err(e)) => {
                    tracing::debug!(listener = %ctx.listener, %peer, error = %e, "TLS handshake failed");
                    return;
                }
                Err(_) => return,
            };
            let info = tls::tls_info(tls_stream.get_ref().1);
            let h2 = info.alpn.as_deref() == Some("h2");
            run_http(tls_stream, conn(Some(Arc::new(info))), &ctx, h2).await;
        }
        None => {
            let mut stream = stream;
            let sniffed = tokio::time::timeout(header_timeout, sniff(&mut stream));
            let done = tokio::select! {
                _ = shutdown_signal(ctx.shutdown.clone()) => return,
                r = sniffed => r,
            };
            let Ok(Ok((prefix, is_h2))) = done else {
                return;
            };
            if is_h2 && !ctx.http2 {
                return; // h2 prior knowledge on an HTTP/1.1-only listener
            }
            let io = Prefixed {
                prefix,
                inner: stream,
            };
            run_http(io, conn(None), &ctx, is_h2).await;
        }
    }
}

/// Reads until the bytes either diverge from the h2 preface or complete it.
async fn sniff(stream: &mut TcpStream) -> std::io::Result<(Bytes, bool)> {
    let mut buf = Vec::with_capacity(H2_PREFACE.len());
    loop {
        let mut chunk = [0u8; 24];
        let n = stream
            .read(&mut chunk[..H2_PREFACE.len() - buf.len()])
            .await?;
        if n == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        buf.extend_from_slice(&chunk[..n]);
        if buf[..] != H2_PREFACE[..buf.len()] {
            return Ok((Bytes::from(buf), false));
        }
        if buf.len() == H2_PREFACE.len() {
            return Ok((Bytes::from(buf), true));
        }
    }
}

/// A stream whose first bytes were already read: they are replayed before the rest.
struct Prefixed<T> {
    prefix: Bytes,
    inner: T,
}

impl<T: AsyncRead + Unpin> AsyncRead for Prefixed<T> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        let this = self.get_mut();
        if !this.prefix.is_empty() {
            let n = this.prefix.len().min(buf.remaining());
            buf.put_slice(&this.prefix[..n]);
            this.prefix.advance(n);
            return Poll::Ready(Ok(()));
        }
        Pin::new(&mut this.inner).poll_read(cx, buf)
    }
}

impl<T: AsyncWrite + Unpin> AsyncWrite for Prefixed<T> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.get_mut().inner).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.get_mut().inner).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_shutdown(cx)
    }
}

/// Last time bytes moved on a connection, for the idle timeout.
struct Activity {
    base: Instant,
    /// Milliseconds after `base`.
    last_ms: AtomicU64,
}

impl Activity {
    fn new() -> Arc<Activity> {
        Arc::new(Activity {
            base: Instant::now(),
            last_ms: AtomicU64::new(0),
        })
    }

    fn touch(&self) {
        let ms = u64::try_from(self.base.elapsed().as_millis()).unwrap_or(u64::MAX);
        self.last_ms.store(ms, Ordering::Relaxed);
    }

    fn last(&self) -> Instant {
        self.base + Duration::from_millis(self.last_ms.load(Ordering::Relaxed))
    }

    /// Resolves once nothing moved for `idle`.
    async fn idle_for(&self, idle: Duration) {
        loop {
            let deadline = self.last() + idle;
            if Instant::now() >= deadline {
                return;
            }
            tokio::time::sleep_until(deadline.into()).await;
        }
    }
}

/// A stream that records when bytes move.
struct Tracked<T> {
    inner: T,
    activity: Arc<Activity>,
}

impl<T: AsyncRead + Unpin> AsyncRead for Tracked<T> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        let this = self.get_mut();
        let before = buf.filled().len();
        let r = Pin::new(&mut this.inner).poll_read(cx, buf);
        if buf.filled().len() > before {
            this.activity.touch();
        }
        r
    }
}

impl<T: AsyncWrite + Unpin> AsyncWrite for Tracked<T> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        let this = self.get_mut();
        let r = Pin::new(&mut this.inner).poll_write(cx, buf);
        if matches!(r, Poll::Ready(Ok(n)) if n > 0) {
            this.activity.touch();
        }
        r
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> Poll<std::io::Result<usize>> {
        let this = self.get_mut();
        let r = Pin::new(&mut this.inner).poll_write_vectored(cx, bufs);
        if matches!(r, Poll::Ready(Ok(n)) if n > 0) {
            this.activity.touch();
        }
        r
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_shutdown(cx)
    }
}

/// Runs `conn` to the end. On shutdown, or when no byte moved for `idle_timeout_ms`, asks it
/// to finish gracefully (in-flight requests complete; HTTP/1.1 closes when idle, h2 sends
/// GOAWAY) and keeps driving it until it ends or the shutdown grace period is over.
async fn drive<C, E>(conn: C, ctx: &AcceptCtx, activity: &Activity, graceful: fn(Pin<&mut C>))
where
    C: std::future::Future<Output = Result<(), E>>,
    E: std::fmt::Display,
{
    tokio::pin!(conn);
    let stop = shutdown_signal(ctx.shutdown.clone());
    tokio::pin!(stop);
    let idle = activity.idle_for(Duration::from_millis(ctx.limits.idle_timeout_ms.max(1)));
    tokio::pin!(idle);
    let first = tokio::select! {
        r = conn.as_mut() => Some(r),
        _ = &mut stop => None,
        _ = &mut idle => None,
    };
    let result = match first {
        Some(r) => r,
        None => {
            graceful(conn.as_mut());
            tokio::select! {
                r = conn.as_mut() => r,
                _ = shutdown_signal(ctx.kill.clone()) => return,
            }
        }
    };
    if let Err(e) = result {
        tracing::debug!(listener = %ctx.listener, error = %e, "connection ended with an error");
    }
}

/// Serves HTTP/1.1 (with upgrades) or h2 on `io`.
async fn run_http<T>(io: T, conn: Arc<ConnInfo>, ctx: &AcceptCtx, h2: bool)
where
    T: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let activity = Activity::new();
    let io = TokioIo::new(Tracked {
        inner: io,
        activity: activity.clone(),
    });
    let limits = &ctx.limits;
    let header_timeout = Duration::from_millis(limits.header_timeout_ms.max(1));
    let gateway = ctx.gateway.clone();
    let service = service_fn(move |req| handle(gateway.clone(), conn.clone(), req));
    if h2 {
        let mut b = hyper::server::conn::http2::Builder::new(TokioExecutor::new());
        b.timer(TokioTimer::new())
            .max_header_list_size(u32::try_from(limits.max_header_bytes).unwrap_or(u32::MAX))
            .keep_alive_interval(Duration::from_secs(30))
            .keep_alive_timeout(Duration::from_secs(20));
        let c = b.serve_connection(io, service);
        drive(c, ctx, &activity, |c| c.graceful_shutdown()).await;
    } else {
        let mut b = hyper::server::conn::http1::Builder::new();
        b.timer(TokioTimer::new())
            .header_read_timeout(header_timeout)
            .max_buf_size(limits.max_header_bytes.max(MIN_BUF))
            .max_headers(limits.max_headers.max(1))
            .keep_alive(true);
        if limits.max_header_bytes > 0 {
            b.max_header_size(limits.max_header_bytes);
        }
        let c = b.serve_connection(io, service).with_upgrades();
        drive(c, ctx, &activity, |c| c.graceful_shutdown()).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::AsyncWriteExt;

    async fn pair() -> (TcpStream, TcpStream) {
        let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let client = TcpStream::connect(l.local_addr().unwrap()).await.unwrap();
        let (server, _) = l.accept().await.unwrap();
        (client, server)
    }

    #[tokio::test]
    async fn sniffing_tells_h1_from_the_h2_preface_and_replays_the_bytes() {
        let (mut client, mut server) = pair().await;
        client.write_all(b"GET / HTTP/1.1\r\n").await.unwrap();
        let (prefix, h2) = sniff(&mut server).await.unwrap();
        assert!(!h2);
        let mut io = Prefixed {
            prefix,
            inner: server,
        };
        let mut got = vec![0u8; 16];
        io.read_exact(&mut got).await.unwrap();
        assert_eq!(&got, b"GET / HTTP/1.1\r\n");

        let (mut client, mut server) = pair().await;
        // The preface in two writes: the sniffer waits for the rest.
        client.write_all(&H2_PREFACE[..10]).await.unwrap();
        let writer = tokio::spawn(async move {
            client.write_all(&H2_PREFACE[10..]).await.unwrap();
            client
        });
        let (prefix, h2) = sniff(&mut server).await.unwrap();
        assert!(h2);
        assert_eq!(&prefix[..], &H2_PREFACE[..]);
        drop(writer.await.unwrap());
    }

    #[tokio::test]
    async fn a_closed_connection_is_an_error_not_a_protocol() {
        let (client, mut server) = pair().await;
        drop(client);
        assert!(sniff(&mut server).await.is_err());
    }
}
