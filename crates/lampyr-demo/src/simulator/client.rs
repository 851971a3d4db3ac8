//! One simulated client's HTTP/1.1 connection: kept alive between requests, reopened after
//! an error, optionally from its own loopback source address.

use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use bytes::Bytes;
use http::Request;
use http_body_util::{BodyExt, Full, Limited};
use hyper::client::conn::http1::SendRequest;
use hyper_util::rt::TokioIo;
use tokio::net::{TcpSocket, TcpStream};

use crate::DemoError;

/// Longest wait for one response.
const TIMEOUT: Duration = Duration::from_secs(15);
/// Largest response body read (a 100-record page is ~30 KB).
const MAX_RESPONSE: usize = 4 * 1024 * 1024;

/// A keep-alive connection to the target.
pub(crate) struct Conn {
    target: SocketAddr,
    local: Option<IpAddr>,
    sender: Option<SendRequest<Full<Bytes>>>,
}

impl Conn {
    pub(crate) fn new(target: SocketAddr, local: Option<IpAddr>) -> Conn {
        Conn {
            target,
            local,
            sender: None,
        }
    }

    async fn connect(&mut self) -> Result<SendRequest<Full<Bytes>>, DemoError> {
        let stream = match self.local {
            Some(ip) => {
                let socket = if ip.is_ipv4() {
                    TcpSocket::new_v4()?
                } else {
                    TcpSocket::new_v6()?
                };
                socket.bind(SocketAddr::new(ip, 0))?;
                socket.connect(self.target).await?
            }
            None => TcpStream::connect(self.target).await?,
        };
        stream.set_nodelay(true)?;
        let (sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream)).await?;
        tokio::spawn(async move {
            // The connection ends when the sender is dropped or the peer closes; either way
            // the next request reconnects.
            let _ = conn.await;
        });
        Ok(sender)
    }

    /// Sends one request and reads the whole response.
    pub(crate) async fn send(
        &mut self,
        req: Request<Full<Bytes>>,
    ) -> Result<(u16, Bytes), DemoError> {
        let result = tokio::time::timeout(TIMEOUT, self.exchange(req))
            .await
            .unwrap_or(Err(DemoError::Timeout));
        if result.is_err() {
            self.sender = None;
        }
        result
    }

    async fn exchange(&mut self, req: Request<Full<Bytes>>) -> Result<(u16, Bytes), DemoError> {
        let mut sender = match self.sender.take() {
            Some(s) if !s.is_closed() => s,
            _ => self.connect().await?,
        };
        sender.ready().await?;
        let resp = sender.send_request(req).await?;
        let status = resp.status().as_u16();
        let body = Limited::new(resp.into_body(), MAX_RESPONSE)
            .collect()
            .await
            .map(|b| b.to_bytes())
            .unwrap_or_default();
        self.sender = Some(sender);
        Ok((status, body))
    }
}

/// Whether this host can bind distinct loopback source addresses (Linux routes all of
/// 127.0.0.0/8 to `lo`; macOS has only 127.0.0.1 unless aliases are added).
pub(crate) fn loopback_sources_work() -> bool {
    let Ok(socket) = TcpSocket::new_v4() else {
        return false;
    };
    socket.bind(SocketAddr::from(([127, 0, 2, 250], 0))).is_ok()
}
