//! Log phase: a copy of every exchange to analytics.
//!
//! The proxy never waits for analytics: exchanges go through a bounded channel with
//! `try_send`; when the channel is full the exchange is dropped and counted, so a slow
//! consumer costs mirror coverage, never proxy latency.

use std::sync::atomic::{AtomicU64, Ordering};

use lampyr_core::Exchange;
use lampyr_spec::MirrorSpec;
use tokio::sync::mpsc;

/// The sending side of the mirror.
#[derive(Debug)]
pub struct Mirror {
    tx: Option<mpsc::Sender<Exchange>>,
    max_body: usize,
    sent: AtomicU64,
    dropped: AtomicU64,
}

/// Mirror counters.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct MirrorStats {
    /// Exchanges handed to the channel.
    pub sent: u64,
    /// Exchanges dropped because the channel was full or closed.
    pub dropped: u64,
}

impl Mirror {
    /// A mirror per `spec`; the receiver is `None` when mirroring is disabled.
    pub fn new(spec: &MirrorSpec) -> (Mirror, Option<mpsc::Receiver<Exchange>>) {
        let (tx, rx) = if spec.enabled {
            let (tx, rx) = mpsc::channel(spec.capacity.max(1));
            (Some(tx), Some(rx))
        } else {
            (None, None)
        };
        let mirror = Mirror {
            tx,
            max_body: spec.max_body,
            sent: AtomicU64::new(0),
            dropped: AtomicU64::new(0),
        };
        (mirror, rx)
    }

    /// Whether exchanges should be built at all.
    pub fn enabled(&self) -> bool {
        self.tx.is_some()
    }

    /// Bytes of each body to keep.
    pub fn max_body(&self) -> usize {
        self.max_body
    }

    /// Hands an exchange over without waiting; drops and counts it when the channel is full.
    pub fn send(&self, exchange: Exchange) {
        let Some(tx) = &self.tx else { return };
        match tx.try_send(exchange) {
            Ok(()) => self.sent.fetch_add(1, Ordering::Relaxed),
            Err(_) => self.dropped.fetch_add(1, Ordering::Relaxed),
        };
    }

    /// Counters so far.
    pub fn stats(&self) -> MirrorStats {
        MirrorStats {
            sent: self.sent.load(Ordering::Relaxed),
            dropped: self.dropped.load(Ordering::Relaxed),
        }
    }
}

/// The value a credential header carries in the mirror: the gateway has consumed the secret
/// (the exchange names the consumer and a token id), so analytics gets its shape, never a
/// usable secret. API keys and basic passwords are replaced; a bearer JWT keeps its header and
/// claims (analytics checks `alg` and `exp`) but loses its signature. `None` leaves the value
/// as it is (not a credential header, or an HMAC signature, which its nonce makes single-use).
pub fn redact_credential(name: &str, value: &str) -> Option<String> {
    const R: &str = "[redacted]";
    if name.eq_ignore_ascii_case("x-api-key") {
        return Some(R.into());
    }
    if !(name.eq_ignore_ascii_case("authorization")
        || name.eq_ignore_ascii_case("proxy-authorization"))
    {
        return None;
    }
    let (scheme, rest) = value.trim().split_once(' ').unwrap_or((value.trim(), ""));
    if scheme.eq_ignore_ascii_case("HMAC-SHA256") {
        return None;
    }
    if scheme.eq_ignore_ascii_case("bearer") {
        let parts: Vec<&str> = rest.trim().split('.').collect();
        if parts.len() == 3 {
            return Some(format!("{scheme} {}.{}.{R}", parts[0], parts[1]));
        }
    }
    Some(format!("{scheme} {R}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn consumed_credentials_are_redacted_for_the_mirror() {
        assert_eq!(
            redact_credential("X-API-Key", "lpk_abc_secret").as_deref(),
            Some("[redacted]")
        );
        assert_eq!(
            redact_credential("authorization", "Basic YWxpY2U6cHc=").as_deref(),
            Some("Basic [redacted]")
        );
        assert_eq!(
            redact_credential("Authorization", "Bearer eyJh.eyJz.c2ln").as_deref(),
            Some("Bearer eyJh.eyJz.[redacted]")
        );
        assert_eq!(
            redact_credential("authorization", "Bearer opaque-token").as_deref(),
            Some("Bearer [redacted]")
        );
        assert_eq!(
            redact_credential("authorization", "ApiKey lpk_x").as_deref(),
            Some("ApiKey [redacted]")
        );
        assert_eq!(
            redact_credential("authorization", "HMAC-SHA256 Credential=a, Signature=b"),
            None
        );
        assert_eq!(redact_credential("accept", "*/*"), None);
    }

    #[test]
    fn a_full_channel_drops_and_counts_without_blocking() {
        let spec = MirrorSpec {
            enabled: true,
            max_body: 10,
            capacity: 2,
        };
        let (m, rx) = Mirror::new(&spec);
        for _ in 0..5 {
            m.send(Exchange::default());
        }
        assert_eq!(
            m.stats(),
            MirrorStats {
                sent: 2,
                dropped: 3
            }
        );
        drop(rx);
        m.send(Exchange::default());
        assert_eq!(m.stats().dropped, 4, "a closed channel counts as a drop");
    }

    #[test]
    fn disabled_mirror_has_no_receiver_and_counts_nothing() {
        let spec = MirrorSpec {
            enabled: false,
            ..MirrorSpec::default()
        };
        let (m, rx) = Mirror::new(&spec);
        assert!(rx.is_none());
        assert!(!m.enabled());
        m.send(Exchange::default());
        assert_eq!(m.stats(), MirrorStats::default());
    }
}
