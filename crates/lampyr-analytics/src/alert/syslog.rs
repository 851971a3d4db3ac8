//! Syslog (RFC 5424) with a CEF message, over UDP (one datagram per message, RFC 5426) or TCP
//! (octet-counted framing `LEN SP MSG`, RFC 6587).

use std::io::Write;
use std::net::{SocketAddr, TcpStream, ToSocketAddrs, UdpSocket};
use std::time::Duration;

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use lampyr_detect::Severity;

use super::cef::cef_message;
use super::{AlertError, AlertSink, SyslogConfig};
use crate::incident::Incident;

/// How messages travel.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SyslogTransport {
    /// One datagram per message.
    #[default]
    Udp,
    /// A stream with octet-counted framing.
    Tcp,
}

/// Shortest and longest `max_message` accepted (RFC 5424 receivers must take 480 bytes).
const MESSAGE_RANGE: std::ops::RangeInclusive<usize> = 480..=65_000;

/// Facility code of a name.
fn facility_code(name: &str) -> Option<u8> {
    Some(match name {
        "kern" => 0,
        "user" => 1,
        "mail" => 2,
        "daemon" => 3,
        "auth" => 4,
        "syslog" => 5,
        "lpr" => 6,
        "news" => 7,
        "uucp" => 8,
        "cron" => 9,
        "authpriv" => 10,
        "ftp" => 11,
        "ntp" => 12,
        "security" | "audit" => 13,
        "console" => 14,
        _ => {
            let n: u8 = name.strip_prefix("local")?.parse().ok()?;
            if n > 7 {
                return None;
            }
            16 + n
        }
    })
}

/// Syslog severity of an incident severity.
fn syslog_severity(s: Severity) -> u8 {
    match s {
        Severity::Critical => 2,
        Severity::High => 3,
        Severity::Medium => 4,
        Severity::Low => 5,
        Severity::Info => 6,
    }
}

/// RFC 5424 header field: printable US-ASCII only, capped, `-` when empty.
fn header_field(s: &str, max: usize) -> String {
    let f: String = s
        .chars()
        .filter(|c| ('!'..='~').contains(c))
        .take(max)
        .collect();
    if f.is_empty() {
        "-".into()
    } else {
        f
    }
}

fn machine_hostname() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .or_else(|_| std::fs::read_to_string("/etc/hostname"))
        .map(|s| s.trim().to_string())
        .unwrap_or_default()
}

/// RFC 3339 with at most six fraction digits, UTC (`2024-05-01T10:00:00.123456Z`).
fn timestamp(t: OffsetDateTime) -> String {
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:06}Z",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second(),
        t.microsecond()
    )
}

enum Conn {
    Udp(UdpSocket),
    Tcp(Option<TcpStream>),
}

/// Sends incidents to a syslog collector.
pub struct SyslogSink {
    name: String,
    addr: SocketAddr,
    conn: Conn,
    facility: u8,
    hostname: String,
    app_name: String,
    max_message: usize,
    timeout: Duration,
}

impl SyslogSink {
    /// A sink from its settings: resolves the address, binds the UDP socket (TCP connects on
    /// first use).
    pub fn new(c: &SyslogConfig) -> Result<SyslogSink, AlertError> {
        let proto = match c.protocol {
            SyslogTransport::Udp => "udp",
            SyslogTransport::Tcp => "tcp",
        };
        let name = format!("syslog {proto} {}", c.address);
        let cfg_err = |m: String| AlertError::Config {
            sink: name.clone(),
            message: m,
        };
        let facility = facility_code(&c.facility).ok_or_else(|| {
            cfg_err(format!(
                "facility: `{}` is not a facility (local0..local7, auth, authpriv, security, user, daemon, ...)",
                c.facility
            ))
        })?;
        if !MESSAGE_RANGE.contains(&c.max_message) {
            return Err(cfg_err(format!(
                "max_message: expected {} to {} bytes",
                MESSAGE_RANGE.start(),
                MESSAGE_RANGE.end()
            )));
        }
        if c.timeout_ms == 0 || c.timeout_ms > 300_000 {
            return Err(cfg_err("timeout_ms: expected 1 to 300000".into()));
        }
        let addr = c
            .address
            .to_socket_addrs()
            .map_err(|e| cfg_err(format!("address: {e}")))?
            .next()
            .ok_or_else(|| cfg_err("address: resolves to nothing".into()))?;
        let conn = match c.protocol {
            SyslogTransport::Udp => {
                let local = if addr.is_ipv4() {
                    "0.0.0.0:0"
                } else {
                    "[::]:0"
                };
                let sock = UdpSocket::bind(local)
                    .and_then(|s| s.connect(addr).map(|_| s))
                    .map_err(|source| AlertError::Io {
                        sink: name.clone(),
                        source,
                    })?;
                Conn::Udp(sock)
            }
            SyslogTransport::Tcp => Conn::Tcp(None),
        };
        let hostname = c.hostname.clone().unwrap_or_else(machine_hostname);
        Ok(SyslogSink {
            addr,
            conn,
            facility,
            hostname: header_field(&hostname, 255),
            app_name: header_field(&c.app_name, 48),
            max_message: c.max_message,
            timeout: Duration::from_millis(c.timeout_ms),
            name,
        })
    }

    /// The RFC 5424 message for an incident at time `now`, cut to `max_message` bytes.
    pub fn format(&self, incident: &Incident, now: OffsetDateTime) -> String {
        let pri = u16::from(self.facility) * 8 + u16::from(syslog_severity(incident.severity));
        let mut msg = format!(
            "<{pri}>1 {} {} {} {} incident - {}",
            timestamp(now),
            self.hostname,
            self.app_name,
            std::process::id(),
            cef_message(incident)
        );
        if msg.len() > self.max_message {
            let mut cut = self.max_message;
            while !msg.is_char_boundary(cut) {
                cut -= 1;
            }
            msg.truncate(cut);
        }
        msg
    }

    fn io(&self, source: std::io::Error) -> AlertError {
        AlertError::Io {
            sink: self.name.clone(),
            source,
        }
    }

    fn write_tcp(&mut self, frame: &[u8]) -> std::io::Result<()> {
        let Conn::Tcp(slot) = &mut self.conn else {
            unreachable!("tcp write on a udp sink");
        };
        if slot.is_none() {
            let s = TcpStream::connect_timeout(&self.addr, self.timeout)?;
            s.set_write_timeout(Some(self.timeout))?;
            s.set_nodelay(true)?;
            *slot = Some(s);
        }
        let stream = slot.as_mut().expect("connected above");
        let r = stream.write_all(frame).and_then(|_| stream.flush());
        if r.is_err() {
            *slot = None;
        }
        r
    }
}

impl AlertSink for SyslogSink {
    fn send(&mut self, incident: &Incident) -> Result<(), AlertError> {
        let msg = self.format(incident, OffsetDateTime::now_utc());
        match &self.conn {
            Conn::Udp(sock) => sock
                .send(msg.as_bytes())
                .map(|_| ())
                .map_err(|e| self.io(e)),
            Conn::Tcp(_) => {
                let frame = format!("{} {msg}", msg.len());
                // A collector restart drops the connection: reconnect once.
                self.write_tcp(frame.as_bytes())
                    .or_else(|_| self.write_tcp(frame.as_bytes()))
                    .map_err(|e| self.io(e))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn facilities_and_timestamps() {
        assert_eq!(facility_code("local0"), Some(16));
        assert_eq!(facility_code("local7"), Some(23));
        assert_eq!(facility_code("authpriv"), Some(10));
        assert_eq!(facility_code("local8"), None);
        let t = OffsetDateTime::from_unix_timestamp_nanos(1_714_557_600_123_456_789).unwrap();
        assert_eq!(timestamp(t), "2024-05-01T10:00:00.123456Z");
        assert_eq!(header_field("my host\n", 255), "myhost");
        assert_eq!(header_field("", 48), "-");
    }
}
