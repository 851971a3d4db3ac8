//! The proxy service: the request phases in order over one [`Ctx`].
//!
//! limits → route → read body → authenticate → deny list → authorise → rate-limit → inspect
//! → upstream → response (hop-by-hop, masking) → finish (metrics, access log, mirror).
//! Any phase may refuse; a refusal is a JSON answer `{"error", "message", "request_id"}` and
//! goes through the same finish as a forwarded request.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use http::header::{
    HeaderValue, CONTENT_ENCODING, CONTENT_LENGTH, CONTENT_TYPE, EXPECT, HOST, TRANSFER_ENCODING,
};
use http::{Request, Response, StatusCode};
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use lampyr_spec::{Balance, InspectMode};

use super::body::{boxed, buffer_prefix, full, Buffered, PendingMirror, ProxyBody, TeeBody};
use super::headers::{self, X_REQUEST_ID};
use super::respond::{self, ReqHead};
use super::TlsInfo;
use crate::filters::Refusal;
use crate::gateway::Gateway;
use crate::snapshot::{CompiledRoute, Snapshot};
use crate::Ctx;

/// Facts of the connection a request arrived on.
#[derive(Debug)]
pub struct ConnInfo {
    /// TCP peer.
    pub client: SocketAddr,
    /// Local address.
    pub local: SocketAddr,
    /// Listener name.
    pub listener: Arc<str>,
    /// TLS details; `None` on plain listeners.
    pub tls: Option<Arc<TlsInfo>>,
    /// Proxies whose `X-Forwarded-For` names the client (the listener's `trusted_proxies`).
    pub trusted: Arc<[ipnet::IpNet]>,
    /// The connection's slot under `max_connections`; an upgraded tunnel keeps it after
    /// the HTTP connection itself has ended.
    pub(crate) _permit: Option<tokio::sync::OwnedSemaphorePermit>,
}

/// A refusal with the metrics reason it counts under.
type Refused = (Refusal, &'static str);

/// Serves one request. Never fails: every problem is an HTTP answer.
pub async fn handle(
    gateway: Gateway,
    conn: Arc<ConnInfo>,
    req: Request<Incoming>,
) -> Result<Response<ProxyBody>, Infallible> {
    let snap = gateway.snapshot();
    let client = match headers::forwarded_client(&conn.trusted, conn.client.ip(), req.headers()) {
        Some(ip) => SocketAddr::new(ip, conn.client.port()),
        None => conn.client,
    };
    let mut ctx = Ctx::new(client, conn.listener.clone(), conn.tls.clone());
    ctx.request_id = headers::request_id(req.headers());
    ctx.traceparent = headers::traceparent(req.headers());
    let scheme = if conn.tls.is_some() { "https" } else { "http" };
    let head = ReqHead::new(&req, scheme, conn.local, gateway.mirror().enabled());
    let mut flow = Flow {
        gateway,
        snap,
        conn,
        ctx,
        head,
        req_body: Bytes::new(),
        req_total: 0,
    };
    let resp = match flow.run(req).await {
        Ok(resp) => resp,
        Err((refusal, reason)) => flow.refuse(refusal, reason),
    };
    Ok(resp)
}

/// One request on its way through the phases.
struct Flow {
    gateway: Gateway,
    snap: Arc<Snapshot>,
    conn: Arc<ConnInfo>,
    ctx: Ctx,
    head: ReqHead,
    /// The request body as read (empty until the body phase).
    req_body: Bytes,
    /// Its length.
    req_total: u64,
}

fn refusal(status: StatusCode, code: &'static str, message: &str, reason: &'static str) -> Refused {
    (Refusal::new(status, code, message), reason)
}

impl Flow {
    async fn run(&mut self, mut req: Request<Incoming>) -> Result<Response<ProxyBody>, Refused> {
        let limits = &self.snap.spec.limits;
        let h = req.headers();
        if h.len() > limits.max_headers || headers::header_bytes(h) > limits.max_header_bytes {
            return Err(refusal(
                StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
                "headers_too_large",
                "request headers exceed the gateway's limits",
                "too_large",
            ));
        }

        let route = self
            .snap
            .router
            .route(
                &self.head.host,
                &self.head.method,
                self.head.path(),
                req.headers(),
            )
            .ok_or_else(|| {
                refusal(
                    StatusCode::NOT_FOUND,
                    "not_found",
                    "no route matches this request",
                    "route",
                )
            })?;
        self.ctx.route = Some(route.route.clone());
        let upstream_path = route.upstream_path;
        let route = route.route;

        // One clock reading for every time check of this request (deny TTLs, credential
        // expiry, signature skew, policy windows).
        let now = crate::ctx::now_unix();
        // A denied address is refused before its body is read or its credentials checked.
        self.check_deny(None, None, now)?;

        let upgrade = headers::is_upgrade(req.version(), req.headers());
        let client_upgrade = upgrade.then(|| hyper::upgrade::on(&mut req));
        let (parts, body) = req.into_parts();
        self.read_body(body, &parts.headers).await?;
        let body = self.req_body.clone();
        let ip = self.ctx.client.ip();

        // Authenticate.
        if !route.spec.auth.is_empty() {
            match self
                .snap
                .auth
                .authenticate(
                    &route.spec.auth,
                    &parts,
                    &body,
                    self.ctx.tls.as_deref(),
                    now,
                )
                .await
            {
                Ok(identity) => self.ctx.identity = Some(identity),
                Err(e) => {
                    let status = e.status();
                    let code = if status == StatusCode::FORBIDDEN {
                        "forbidden"
                    } else {
                        "unauthorized"
                    };
                    let mut r = Refusal::new(status, code, e.to_string());
                    if status == StatusCode::UNAUTHORIZED {
                        if let Ok(v) = HeaderValue::from_str(&e.www_authenticate(&route.spec.auth))
                        {
                            r.headers.push((http::header::WWW_AUTHENTICATE, v));
                        }
                    }
                    return Err((r, "auth"));
                }
            }
        }

        // Deny list by consumer and token, then authorisation.
        if self.ctx.identity.is_some() {
            let token_id = self.ctx.identity.as_ref().and_then(|i| i.token_id.clone());
            self.check_deny(self.ctx.consumer(), token_id.as_deref(), now)?;
        }
        crate::filters::authz::authorize(
            &route,
            self.ctx.identity.as_ref(),
            ip,
            &parts.method,
            self.head.path(),
            now,
        )
        .map_err(|r| (r, "forbidden"))?;

        // Rate limits.
        let rl = crate::filters::ratelimit::check(
            &route.limits,
            self.ctx.identity.as_ref(),
            ip,
            Instant::now(),
        )
        .map_err(|r| (r, "rate_limit"))?;
        self.ctx.response_headers.extend(rl);

        // Inspection.
        if let Some(ri) = &route.inspect {
            let verdict = ri.inspect(&parts, &body, self.head.scheme);
            if ri.is_attack(&verdict) {
                self.gateway
                    .metrics()
                    .route(&route.spec.name)
                    .attacks
                    .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                if ri.mode() == InspectMode::Block {
                    let r = ri.refusal(&verdict, &self.ctx.request_id);
                    self.ctx.verdict = Some(verdict);
                    return Err((r, "inspect"));
                }
            }
            self.ctx.verdict = Some(verdict);
        }

        self.forward(&route, parts, upstream_path, upgrade, client_upgrade)
            .await
    }

    /// Refuses a request whose address, consumer or token is on the deny list.
    fn check_deny(
        &self,
        consumer: Option<&str>,
        token_id: Option<&str>,
        now: i64,
    ) -> Result<(), Refused> {
        let denied = self
            .gateway
            .deny()
            .check(self.ctx.client.ip(), consumer, token_id, now);
        match denied {
            Some(_) => Err(refusal(
                StatusCode::FORBIDDEN,
                "denied",
                "access denied",
                "deny",
            )),
            None => Ok(()),
        }
    }

    /// Reads the request body under the size limit and the body timeout.
    async fn read_body(
        &mut self,
        body: Incoming,
        headers: &http::HeaderMap,
    ) -> Result<(), Refused> {
        let max = self.snap.spec.limits.max_request_body;
        let too_large = || {
            refusal(
                StatusCode::PAYLOAD_TOO_LARGE,
                "body_too_large",
                "request body exceeds the gateway's limit",
                "too_large",
            )
        };
        let declared = headers
            .get(CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<u64>().ok());
        if declared.is_some_and(|n| n > max as u64) {
            return Err(too_large());
        }
        if hyper::body::Body::is_end_stream(&body) {
            return Ok(()); // no body (most GETs): nothing to read or time
        }
        let within = Duration::from_millis(self.snap.spec.limits.body_timeout_ms);
        match tokio::time::timeout(within, Limited::new(body, max).collect()).await {
            Err(_) => Err(refusal(
                StatusCode::REQUEST_TIMEOUT,
                "body_timeout",
                "request body not received in time",
                "timeout",
            )),
            Ok(Err(e))
                if e.downcast_ref::<http_body_util::LengthLimitError>()
                    .is_some() =>
            {
                Err(too_large())
            }
            Ok(Err(_)) => Err(refusal(
                StatusCode::BAD_REQUEST,
                "bad_request",
                "request body could not be read",
                "bad_request",
            )),
            Ok(Ok(collected)) => {
                self.req_body = collected.to_bytes();
                self.req_total = self.req_body.len() as u64;
                Ok(())
            }
        }
    }

    /// Upstream phase and response phase.
    async fn forward(
        &mut self,
        route: &Arc<CompiledRoute>,
        parts: http::request::Parts,
        upstream_path: String,
        upgrade: bool,
        client_upgrade: Option<hyper::upgrade::OnUpgrade>,
    ) -> Result<Response<ProxyBody>, Refused> {
        let spec = route.upstream.spec();
        let key = hash_key(&spec.balance, &self.ctx, &self.head, &parts.headers);
        let upstream_req = self.upstream_request(parts, &upstream_path, upgrade)?;
        let total = Duration::from_millis(spec.total_timeout_ms);
        let deadline = tokio::time::Instant::now() + total;
        let sent = route
            .upstream
            .send_by(upstream_req, key.as_deref(), Some(deadline))
            .await;
        let up = match sent {
            Err(crate::upstream::UpstreamError::Timeout("total")) => {
                return Err(refusal(
                    StatusCode::GATEWAY_TIMEOUT,
                    "upstream_timeout",
                    "the upstream did not answer in time",
                    "timeout",
                ))
            }
            Err(e) => {
                tracing::debug!(request_id = %self.ctx.request_id, error = %e, "upstream failed");
                let status = e.status();
                let code = match status {
                    StatusCode::GATEWAY_TIMEOUT => "upstream_timeout",
                    StatusCode::SERVICE_UNAVAILABLE => "upstream_unavailable",
                    _ => "bad_gateway",
                };
                let reason = if status == StatusCode::GATEWAY_TIMEOUT {
                    "timeout"
                } else {
                    "upstream"
                };
                return Err(refusal(
                    status,
                    code,
                    "the upstream could not be reached",
                    reason,
                ));
            }
            Ok(up) => up,
        };
        self.ctx.target = Some(up.target.to_string());
        let mut response = up.response;
        let guard: Box<dyn std::any::Any + Send> = Box::new(up.guard);

        if response.status() == StatusCode::SWITCHING_PROTOCOLS {
            if let Some(client) = client_upgrade {
                let upstream = hyper::upgrade::on(&mut response);
                let hold: Box<dyn std::any::Any + Send> = Box::new((guard, self.conn.clone()));
                super::upgrade::splice(client, upstream, hold);
                if respond::mirrored(&self.gateway, &self.ctx) {
                    let ex = respond::exchange(
                        &self.gateway,
                        &self.ctx,
                        &mut self.head,
                        &self.req_body,
                        response.status(),
                        response.version(),
                        response.headers(),
                    );
                    respond::mirror_complete(&self.gateway, ex, &self.ctx, &[]);
                }
                return Ok(self.respond_head(response.map(|_| super::body::empty()), None));
            }
            // Switching protocols on a request that did not ask to is a broken upstream.
            return Err(refusal(
                StatusCode::BAD_GATEWAY,
                "bad_gateway",
                "the upstream switched protocols unasked",
                "upstream",
            ));
        }

        let (rparts, rbody) = response.into_parts();
        let pending = respond::mirrored(&self.gateway, &self.ctx).then(|| PendingMirror {
            gateway: self.gateway.clone(),
            exchange: respond::exchange(
                &self.gateway,
                &self.ctx,
                &mut self.head,
                &self.req_body,
                rparts.status,
                rparts.version,
                &rparts.headers,
            ),
            started: self.ctx.started,
            cap: self.gateway.mirror().max_body(),
        });
        let tee = TeeBody::new(rbody, pending, Some(guard));

        let plan = route
            .mask
            .as_ref()
            .and_then(|m| m.plan(self.ctx.identity.as_ref()).map(|p| (m, p)));
        let encoded = rparts
            .headers
            .get(CONTENT_ENCODING)
            .is_some_and(|v| !v.as_bytes().eq_ignore_ascii_case(b"identity"));
        let maskable = !encoded && crate::filters::mask::is_json(rparts.headers.get(CONTENT_TYPE));
        let Some((mask, plan)) = plan.filter(|_| maskable) else {
            return Ok(self.respond_head(Response::from_parts(rparts, boxed(tee)), None));
        };

        let mut rparts = rparts;
        match buffer_prefix(tee, mask.max_body()).await {
            Ok(Buffered::Over(rest)) => {
                self.gateway
                    .metrics()
                    .route(&route.spec.name)
                    .mask_skipped
                    .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                Ok(self.respond_head(Response::from_parts(rparts, boxed(rest)), None))
            }
            Ok(Buffered::Complete(bytes)) => {
                let out = match mask.mask(&plan, &bytes) {
                    crate::filters::mask::MaskOutcome::Masked { body, count } => {
                        self.ctx.masked = count;
                        Bytes::from(body)
                    }
                    _ => bytes,
                };
                rparts.headers.remove(http::header::TRANSFER_ENCODING);
                rparts
                    .headers
                    .insert(CONTENT_LENGTH, HeaderValue::from(out.len()));
                let len = out.len() as u64;
                Ok(self.respond_head(Response::from_parts(rparts, full(out)), Some(len)))
            }
            Err(e) => {
                tracing::debug!(request_id = %self.ctx.request_id, error = %e, "upstream body failed");
                Err(refusal(
                    StatusCode::BAD_GATEWAY,
                    "bad_gateway",
                    "the upstream response failed",
                    "upstream",
                ))
            }
        }
    }

    /// The request sent upstream: new path, hop-by-hop removed, forwarding headers added.
    fn upstream_request(
        &self,
        parts: http::request::Parts,
        upstream_path: &str,
        upgrade: bool,
    ) -> Result<Request<Full<Bytes>>, Refused> {
        let uri = match parts.uri.path_and_query() {
            // Path unchanged (no prefix strip): the parsed target is reused as it is.
            Some(pq) if pq.path() == upstream_path => {
                let mut up = http::uri::Parts::default();
                up.path_and_query = Some(pq.clone());
                http::Uri::from_parts(up).ok()
            }
            _ => None,
        };
        let uri = match uri {
            Some(u) => u,
            None => {
                let path_and_query = match parts.uri.query() {
                    Some(q) => format!("{upstream_path}?{q}"),
                    None => upstream_path.to_string(),
                };
                path_and_query.parse::<http::Uri>().map_err(|_| {
                    refusal(
                        StatusCode::BAD_REQUEST,
                        "bad_request",
                        "invalid request target",
                        "route",
                    )
                })?
            }
        };
        let chunked = parts.headers.contains_key(TRANSFER_ENCODING);
        let mut headers = parts.headers;
        headers::strip_hop_by_hop(&mut headers, upgrade);
        headers.remove(EXPECT);
        // The chain grows by the TCP peer: a trusted proxy's own entries stay as they came.
        headers::add_forwarding(
            &mut headers,
            self.conn.client.ip(),
            self.head.scheme,
            &self.head.authority,
            &self.ctx.request_id,
            &self.ctx.traceparent,
        );
        // The authority the request was routed by is the one the upstream sees (an
        // absolute-form target overrides a conflicting Host).
        if let Ok(v) = HeaderValue::from_str(&self.head.authority) {
            if !self.head.authority.is_empty() {
                headers.insert(HOST, v);
            }
        }
        // The body was read whole: its real length is the only framing sent upstream.
        let declared = headers.remove(CONTENT_LENGTH).is_some() || chunked;
        if declared || !self.req_body.is_empty() {
            headers.insert(CONTENT_LENGTH, HeaderValue::from(self.req_body.len()));
        }
        let mut req = Request::new(Full::new(self.req_body.clone()));
        *req.method_mut() = parts.method;
        *req.uri_mut() = uri;
        *req.headers_mut() = headers;
        Ok(req)
    }

    /// Final response headers, then metrics and the access log.
    fn respond_head(
        &mut self,
        mut resp: Response<ProxyBody>,
        known_len: Option<u64>,
    ) -> Response<ProxyBody> {
        let upgrade = resp.status() == StatusCode::SWITCHING_PROTOCOLS;
        headers::strip_hop_by_hop(resp.headers_mut(), upgrade);
        if let Ok(v) = HeaderValue::from_str(&self.ctx.request_id) {
            resp.headers_mut().insert(X_REQUEST_ID.clone(), v);
        }
        for (n, v) in self.ctx.response_headers.drain(..) {
            resp.headers_mut().append(n, v);
        }
        let bytes_out = known_len.or_else(|| {
            resp.headers()
                .get(CONTENT_LENGTH)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.parse().ok())
        });
        respond::record(
            &self.gateway,
            &self.ctx,
            &self.head,
            resp.status(),
            self.req_total,
            bytes_out.unwrap_or(0),
        );
        resp
    }

    /// Answers with a refusal and finishes the request.
    fn refuse(&mut self, r: Refusal, reason: &'static str) -> Response<ProxyBody> {
        self.ctx.refused = Some(reason);
        let extra = std::mem::take(&mut self.ctx.response_headers);
        let (resp, body) = respond::refusal_response(&r, &self.ctx.request_id, &extra);
        respond::record(
            &self.gateway,
            &self.ctx,
            &self.head,
            r.status,
            self.req_total,
            body.len() as u64,
        );
        if respond::mirrored(&self.gateway, &self.ctx) {
            let ex = respond::exchange(
                &self.gateway,
                &self.ctx,
                &mut self.head,
                &self.req_body,
                resp.status(),
                resp.version(),
                resp.headers(),
            );
            respond::mirror_complete(&self.gateway, ex, &self.ctx, &body);
        }
        resp
    }
}

/// The consistent-hash key of a request, per the upstream's `balance`.
fn hash_key(
    balance: &Balance,
    ctx: &Ctx,
    head: &ReqHead,
    headers: &http::HeaderMap,
) -> Option<Vec<u8>> {
    let Balance::ConsistentHash { key } = balance else {
        return None;
    };
    let ip = || ctx.client.ip().to_string().into_bytes();
    Some(match key.as_str() {
        "client_ip" => ip(),
        // Anonymous callers hash by address so they still spread and stick.
        "consumer" => ctx
            .consumer()
            .map(|c| c.as_bytes().to_vec())
            .unwrap_or_else(ip),
        "path" => head.path().as_bytes().to_vec(),
        k => match k.strip_prefix("header:") {
            Some(name) => headers
                .get(name)
                .map(|v| v.as_bytes().to_vec())
                .unwrap_or_default(),
            None => return None,
        },
    })
}
