//! Response bodies of the proxy.
//!
//! - [`TeeBody`] streams the upstream body to the client while keeping a copy of its first
//!   bytes for the mirror; the exchange is handed to the mirror when the body ends, fails or
//!   is dropped (client gone), so streaming never waits for analytics.
//! - [`buffer_prefix`] reads a body up to a cap for masking; [`PrefixBody`] replays what was
//!   read and continues with the rest when the cap was exceeded.

use std::collections::VecDeque;
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use http_body_util::combinators::UnsyncBoxBody;
use http_body_util::{BodyExt, Empty, Full};
use hyper::body::{Body, Frame, SizeHint};

use crate::gateway::Gateway;

/// Error type of proxied bodies.
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// Body type of every response the proxy returns.
pub type ProxyBody = UnsyncBoxBody<Bytes, BoxError>;

/// A complete body.
pub fn full(bytes: impl Into<Bytes>) -> ProxyBody {
    Full::new(bytes.into())
        .map_err(|never| match never {})
        .boxed_unsync()
}

/// An empty body.
pub fn empty() -> ProxyBody {
    Empty::new().map_err(|never| match never {}).boxed_unsync()
}

/// Boxes any body with a convertible error.
pub fn boxed<B>(body: B) -> ProxyBody
where
    B: Body<Data = Bytes> + Send + 'static,
    B::Error: Into<BoxError>,
{
    body.map_err(Into::into).boxed_unsync()
}

/// An exchange waiting for its response body before going to the mirror.
pub struct PendingMirror {
    /// Gateway whose mirror receives the exchange.
    pub gateway: Gateway,
    /// Request, response head, addresses and identity already filled in.
    pub exchange: lampyr_core::Exchange,
    /// When the request started, for the duration.
    pub started: std::time::Instant,
    /// Bytes of the body to keep.
    pub cap: usize,
}

impl PendingMirror {
    /// Completes the exchange with the captured response body and sends it.
    pub fn send(mut self, captured: Vec<u8>, total: u64) {
        let truncated = total > captured.len() as u64;
        if let Some(resp) = self.exchange.response.as_mut() {
            resp.body = lampyr_core::Body::from_parts(captured, truncated, total);
        }
        self.exchange.timing.duration_ms = Some(self.started.elapsed().as_secs_f64() * 1000.0);
        self.gateway.mirror().send(self.exchange);
    }
}

impl std::fmt::Debug for PendingMirror {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PendingMirror")
            .field("cap", &self.cap)
            .finish_non_exhaustive()
    }
}

/// Streams `inner` while copying up to the mirror cap; also keeps an arbitrary value alive
/// (the upstream's in-flight guard) until the body is finished.
pub struct TeeBody<B> {
    inner: B,
    mirror: Option<PendingMirror>,
    captured: Vec<u8>,
    total: u64,
    hold: Option<Box<dyn std::any::Any + Send>>,
}

impl<B> TeeBody<B> {
    /// Wraps `inner`; `mirror` is `None` when the exchange is not mirrored.
    pub fn new(
        inner: B,
        mirror: Option<PendingMirror>,
        hold: Option<Box<dyn std::any::Any + Send>>,
    ) -> Self {
        Self {
            inner,
            mirror,
            captured: Vec::new(),
            total: 0,
            hold,
        }
    }

    fn finish(&mut self) {
        self.hold = None;
        if let Some(m) = self.mirror.take() {
            m.send(std::mem::take(&mut self.captured), self.total);
        }
    }
}

impl<B> Drop for TeeBody<B> {
    fn drop(&mut self) {
        self.finish();
    }
}

impl<B> Body for TeeBody<B>
where
    B: Body<Data = Bytes> + Unpin,
{
    type Data = Bytes;
    type Error = B::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, B::Error>>> {
        let this = self.get_mut();
        match Pin::new(&mut this.inner).poll_frame(cx) {
            Poll::Ready(Some(Ok(frame))) => {
                if let (Some(data), Some(m)) = (frame.data_ref(), this.mirror.as_ref()) {
                    this.total += data.len() as u64;
                    let room = m.cap.saturating_sub(this.captured.len());
                    this.captured
                        .extend_from_slice(&data[..room.min(data.len())]);
                }
                Poll::Ready(Some(Ok(frame)))
            }
            Poll::Ready(Some(Err(e))) => {
                this.finish();
                Poll::Ready(Some(Err(e)))
            }
            Poll::Ready(None) => {
                this.finish();
                Poll::Ready(None)
            }
            Poll::Pending => Poll::Pending,
        }
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

/// What [`buffer_prefix`] read.
pub enum Buffered<B> {
    /// The whole body fit under the cap.
    Complete(Bytes),
    /// The cap was exceeded: the frames read so far and the unread rest.
    Over(PrefixBody<B>),
}

/// Reads `body` until it ends or more than `cap` data bytes arrived.
pub async fn buffer_prefix<B>(mut body: B, cap: usize) -> Result<Buffered<B>, B::Error>
where
    B: Body<Data = Bytes> + Unpin,
{
    let mut frames = VecDeque::new();
    let mut size = 0usize;
    while let Some(frame) = body.frame().await {
        let frame = frame?;
        if let Some(d) = frame.data_ref() {
            size = size.saturating_add(d.len());
        }
        frames.push_back(frame);
        if size > cap {
            return Ok(Buffered::Over(PrefixBody {
                prefix: frames,
                rest: body,
            }));
        }
    }
    let mut out = Vec::with_capacity(size);
    for f in frames {
        // Trailers of a fully buffered body are dropped: it is re-sent with a length.
        if let Ok(d) = f.into_data() {
            out.extend_from_slice(&d);
        }
    }
    Ok(Buffered::Complete(Bytes::from(out)))
}

/// Frames already read, then the rest of the body.
pub struct PrefixBody<B> {
    prefix: VecDeque<Frame<Bytes>>,
    rest: B,
}

impl<B> Body for PrefixBody<B>
where
    B: Body<Data = Bytes> + Unpin,
{
    type Data = Bytes;
    type Error = B::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, B::Error>>> {
        let this = self.get_mut();
        if let Some(f) = this.prefix.pop_front() {
            return Poll::Ready(Some(Ok(f)));
        }
        Pin::new(&mut this.rest).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.prefix.is_empty() && self.rest.is_end_stream()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A body of fixed frames.
    struct Frames(VecDeque<Frame<Bytes>>);

    impl Body for Frames {
        type Data = Bytes;
        type Error = BoxError;
        fn poll_frame(
            self: Pin<&mut Self>,
            _: &mut Context<'_>,
        ) -> Poll<Option<Result<Frame<Bytes>, BoxError>>> {
            Poll::Ready(self.get_mut().0.pop_front().map(Ok))
        }
    }

    fn frames(parts: &[&'static str]) -> Frames {
        Frames(
            parts
                .iter()
                .map(|p| Frame::data(Bytes::from_static(p.as_bytes())))
                .collect(),
        )
    }

    #[tokio::test]
    async fn a_body_under_the_cap_is_buffered_whole() {
        match buffer_prefix(frames(&["ab", "cd"]), 4).await.unwrap() {
            Buffered::Complete(b) => assert_eq!(&b[..], b"abcd"),
            Buffered::Over(_) => panic!("4 bytes fit a cap of 4"),
        }
    }

    #[tokio::test]
    async fn a_body_over_the_cap_is_replayed_unchanged() {
        let Buffered::Over(rest) = buffer_prefix(frames(&["ab", "cd", "ef"]), 3).await.unwrap()
        else {
            panic!("6 bytes exceed a cap of 3");
        };
        let all = rest.collect().await.unwrap().to_bytes();
        assert_eq!(&all[..], b"abcdef");
    }

    #[tokio::test]
    async fn the_tee_streams_everything_and_the_guard_lives_until_the_end() {
        let guard = std::sync::Arc::new(());
        let tee = TeeBody::new(
            frames(&["hello ", "world"]),
            None,
            Some(Box::new(guard.clone())),
        );
        assert_eq!(std::sync::Arc::strong_count(&guard), 2);
        let all = tee.collect().await.unwrap().to_bytes();
        assert_eq!(&all[..], b"hello world");
        assert_eq!(
            std::sync::Arc::strong_count(&guard),
            1,
            "released with the body"
        );
    }
}
