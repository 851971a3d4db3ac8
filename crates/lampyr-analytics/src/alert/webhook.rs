//! Webhook: the incident JSON POSTed to a URL, with bounded retries and exponential backoff
//! with jitter. Client: `ureq` 3 (blocking, small; rustls with ring for https, no gzip).

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use super::{AlertError, AlertSink, WebhookConfig};
use crate::incident::Incident;

/// Most retries accepted in the config.
pub const MAX_RETRIES: u32 = 10;

/// POSTs incidents to a URL.
pub struct WebhookSink {
    name: String,
    url: String,
    headers: Vec<(String, String)>,
    agent: ureq::Agent,
    retries: u32,
    backoff: Duration,
    max_backoff: Duration,
    rng: u64,
    last_attempts: u32,
}

impl WebhookSink {
    /// A sink from its settings (checked here: URL scheme, timeout, retries, backoff).
    pub fn new(c: &WebhookConfig) -> Result<WebhookSink, AlertError> {
        let name = format!("webhook {}", redact_url(&c.url));
        let err = |m: String| AlertError::Config {
            sink: name.clone(),
            message: m,
        };
        let lower = c.url.to_ascii_lowercase();
        if !(lower.starts_with("http://") || lower.starts_with("https://")) {
            return Err(err("url: expected an http:// or https:// URL".into()));
        }
        if c.timeout_ms == 0 || c.timeout_ms > 300_000 {
            return Err(err("timeout_ms: expected 1 to 300000".into()));
        }
        if c.retries > MAX_RETRIES {
            return Err(err(format!("retries: at most {MAX_RETRIES}")));
        }
        if c.max_backoff_ms > 600_000 || c.backoff_ms > c.max_backoff_ms {
            return Err(err(
                "backoff_ms/max_backoff_ms: expected backoff_ms <= max_backoff_ms <= 600000".into(),
            ));
        }
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .timeout_global(Some(Duration::from_millis(c.timeout_ms)))
            .http_status_as_error(false)
            .max_redirects(0)
            .proxy(None)
            .user_agent(concat!("lampyr/", env!("CARGO_PKG_VERSION")))
            .build()
            .into();
        let seed = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or(0x9E37_79B9_7F4A_7C15)
            ^ u64::from(std::process::id());
        Ok(WebhookSink {
            name,
            url: c.url.clone(),
            headers: c
                .headers
                .iter()
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
            agent,
            retries: c.retries,
            backoff: Duration::from_millis(c.backoff_ms),
            max_backoff: Duration::from_millis(c.max_backoff_ms),
            rng: seed | 1,
            last_attempts: 0,
        })
    }

    /// Requests the last [`AlertSink::send`] made.
    pub fn last_attempts(&self) -> u32 {
        self.last_attempts
    }

    /// xorshift64*: jitter needs no cryptographic randomness.
    fn next_random(&mut self) -> u64 {
        let mut x = self.rng;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.rng = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// Backoff before retry `n` (1-based): `backoff · 2^(n-1)`, capped, times a random factor
    /// in [0.5, 1) ("equal jitter"), so many senders do not retry in step.
    pub fn delay(&mut self, n: u32) -> Duration {
        let base = self
            .backoff
            .saturating_mul(1u32 << (n.saturating_sub(1)).min(20))
            .min(self.max_backoff);
        let frac = 0.5 + (self.next_random() >> 11) as f64 / (1u64 << 53) as f64 / 2.0;
        base.mul_f64(frac)
    }

    /// One POST: `Ok(())` on 2xx, `Err((retryable, message))` otherwise.
    fn attempt(&self, body: &[u8]) -> Result<(), (bool, String)> {
        let mut req = self
            .agent
            .post(&self.url)
            .header("content-type", "application/json");
        for (k, v) in &self.headers {
            req = req.header(k.as_str(), v.as_str());
        }
        match req.send(body) {
            Ok(resp) => {
                let status = resp.status().as_u16();
                if (200..300).contains(&status) {
                    Ok(())
                } else {
                    // Server errors, throttling and timeouts are worth retrying; other client
                    // errors will not get better.
                    let retry = status >= 500 || status == 429 || status == 408;
                    Err((retry, format!("HTTP {status}")))
                }
            }
            Err(e) => Err((true, e.to_string())),
        }
    }
}

/// The URL without user info or query (they may hold secrets), for names in errors.
fn redact_url(url: &str) -> String {
    let no_query = url.split(['?', '#']).next().unwrap_or(url);
    match no_query.split_once("://") {
        Some((scheme, rest)) => {
            let rest = rest.rsplit_once('@').map_or(rest, |(_, host)| host);
            format!("{scheme}://{rest}")
        }
        None => no_query.to_string(),
    }
}

impl AlertSink for WebhookSink {
    fn send(&mut self, incident: &Incident) -> Result<(), AlertError> {
        let body = serde_json::to_vec(incident).map_err(|e| AlertError::Encode {
            sink: self.name.clone(),
            message: e.to_string(),
        })?;
        let mut attempts = 0;
        loop {
            attempts += 1;
            self.last_attempts = attempts;
            match self.attempt(&body) {
                Ok(()) => return Ok(()),
                Err((retry, message)) => {
                    if !retry || attempts > self.retries {
                        return Err(AlertError::Delivery {
                            sink: self.name.clone(),
                            attempts,
                            message,
                        });
                    }
                    // Backoff between retries. Sinks are blocking and run off the request
                    // path (after an analysis, or on an alerting thread in a service), so
                    // sleeping here delays only this delivery.
                    let d = self.delay(attempts);
                    std::thread::sleep(d);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sink(backoff: u64, max: u64) -> WebhookSink {
        WebhookSink::new(&WebhookConfig {
            url: "http://user:pw@127.0.0.1:9/hook?key=secret".into(),
            headers: Default::default(),
            timeout_ms: 1000,
            retries: 3,
            backoff_ms: backoff,
            max_backoff_ms: max,
        })
        .unwrap()
    }

    #[test]
    fn backoff_doubles_with_jitter_and_caps() {
        let mut s = sink(100, 1000);
        for n in 1..=6u32 {
            let base = (100u64 << (n - 1)).min(1000);
            let d = s.delay(n).as_millis() as u64;
            assert!(
                d >= base / 2 && d <= base,
                "retry {n}: {d} ms for base {base}"
            );
        }
    }

    #[test]
    fn names_never_show_credentials() {
        let s = sink(1, 1);
        assert_eq!(s.name, "webhook http://127.0.0.1:9/hook");
    }

    #[test]
    fn bad_settings_name_the_setting() {
        let e = WebhookSink::new(&WebhookConfig {
            url: "ftp://x".into(),
            headers: Default::default(),
            timeout_ms: 1,
            retries: 1,
            backoff_ms: 1,
            max_backoff_ms: 1,
        })
        .err()
        .unwrap()
        .to_string();
        assert!(e.contains("webhook ftp://x") && e.contains("url:"), "{e}");
    }
}
