//! Shared by the `serve` integration tests: an echoing JSON upstream and an HTTP client for
//! the proxy and the admin API.
#![allow(dead_code)]

use std::convert::Infallible;
use std::net::SocketAddr;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::{Request, Response, StatusCode};
use hyper_util::client::legacy::Client;
use hyper_util::rt::{TokioExecutor, TokioIo};
use serde_json::{json, Value};

use lampyr_app::RunningApp;

pub const TOKEN: &str = "admin-token-for-tests-0123456789";

/// An upstream answering JSON that echoes what it was sent.
pub async fn upstream() -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                return;
            };
            tokio::spawn(async move {
                let svc =
                    hyper::service::service_fn(|req: Request<hyper::body::Incoming>| async move {
                        let xff = req
                            .headers()
                            .get("x-forwarded-for")
                            .and_then(|v| v.to_str().ok())
                            .unwrap_or("")
                            .to_string();
                        let body = json!({
                            "path": req.uri().path(),
                            "xff": xff,
                            "contact": {"mobile": "13812345678"},
                        });
                        Ok::<_, Infallible>(
                            Response::builder()
                                .header("content-type", "application/json")
                                .body(Full::new(Bytes::from(body.to_string())))
                                .unwrap(),
                        )
                    });
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), svc)
                    .await;
            });
        }
    });
    addr
}

pub struct Http {
    client: Client<hyper_util::client::legacy::connect::HttpConnector, Full<Bytes>>,
}

pub struct Answer {
    pub status: StatusCode,
    pub json: Value,
    pub text: String,
}

impl Http {
    pub fn new() -> Self {
        Self {
            client: Client::builder(TokioExecutor::new()).build_http(),
        }
    }

    pub async fn call(
        &self,
        method: &str,
        url: String,
        headers: &[(&str, &str)],
        body: Option<Value>,
    ) -> Answer {
        let body = body.map_or_else(String::new, |b| b.to_string());
        self.call_raw(method, url, headers, body).await
    }

    /// A request with a raw text body.
    pub async fn call_raw(
        &self,
        method: &str,
        url: String,
        headers: &[(&str, &str)],
        body: String,
    ) -> Answer {
        let mut req = Request::builder().method(method).uri(url);
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        let resp = self
            .client
            .request(req.body(Full::new(Bytes::from(body))).unwrap())
            .await
            .unwrap();
        let status = resp.status();
        let bytes = resp.into_body().collect().await.unwrap().to_bytes();
        Answer {
            status,
            json: serde_json::from_slice(&bytes).unwrap_or(Value::Null),
            text: String::from_utf8_lossy(&bytes).into_owned(),
        }
    }

    pub async fn admin(
        &self,
        app: &RunningApp,
        method: &str,
        path: &str,
        body: Option<Value>,
    ) -> Answer {
        let auth = format!("Bearer {TOKEN}");
        self.call(
            method,
            format!("http://{}{path}", app.admin_addr),
            &[
                ("authorization", &auth),
                ("content-type", "application/json"),
            ],
            body,
        )
        .await
    }

    pub async fn proxy(&self, app: &RunningApp, path: &str, key: Option<&str>) -> Answer {
        let mut headers = vec![];
        if let Some(k) = key {
            headers.push(("x-api-key", k));
        }
        self.call(
            "GET",
            format!("http://{}{path}", app.proxy_addrs[0].1),
            &headers,
            None,
        )
        .await
    }
}

/// Console settings for tests: user `admin`, a fixed password.
pub fn console() -> lampyr_app::ConsoleSettings {
    lampyr_app::ConsoleSettings {
        admin_user: "admin".into(),
        admin_password: "console-password-for-tests".into(),
        password_file: None,
        secure_cookies: false,
    }
}
