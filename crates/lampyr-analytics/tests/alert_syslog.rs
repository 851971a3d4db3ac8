//! Syslog sink against real UDP and TCP receivers on loopback.

mod alert_support;

use std::io::Read;
use std::net::{TcpListener, UdpSocket};
use std::thread;
use std::time::Duration;

use lampyr_analytics::alert::{AlertSink, SyslogConfig, SyslogSink, SyslogTransport};

fn config(address: String, protocol: SyslogTransport) -> SyslogConfig {
    SyslogConfig {
        address,
        protocol,
        facility: "local4".into(),
        hostname: Some("lampyr-test".into()),
        app_name: "lampyr".into(),
        max_message: 8192,
        timeout_ms: 5_000,
    }
}

/// Checks the RFC 5424 header and the CEF payload of one message.
fn check_message(msg: &str) {
    // local4 (20) * 8 + crit (2) = 162
    let mut parts = msg.splitn(8, ' ');
    assert_eq!(parts.next(), Some("<162>1"));
    let ts = parts.next().unwrap();
    assert!(
        ts.len() == 27 && ts.ends_with('Z') && ts.as_bytes()[10] == b'T',
        "{ts}"
    );
    assert_eq!(parts.next(), Some("lampyr-test"));
    assert_eq!(parts.next(), Some("lampyr"));
    assert_eq!(parts.next(), Some(std::process::id().to_string().as_str()));
    assert_eq!(parts.next(), Some("incident"));
    assert_eq!(parts.next(), Some("-"));
    let cef = parts.next().unwrap();
    let inc = alert_support::incident();
    let expect_head = format!(
        "CEF:0|Lampyr|Lampyr|{}|attack.sqli|SQL injection on GET /search\\|a=b\\\\c x from user alice|10|",
        env!("CARGO_PKG_VERSION")
    );
    assert!(cef.starts_with(&expect_head), "{cef}\n{expect_head}");
    let ext = &cef[expect_head.len()..];
    assert!(ext.contains(&format!("externalId={} ", inc.id)), "{ext}");
    assert!(ext.contains("src=203.0.113.7 "), "{ext}");
    assert!(ext.contains("suser=alice "), "{ext}");
    assert!(ext.contains("cnt=2 "), "{ext}");
    assert!(
        ext.contains("start=1714557600000 end=1714557601000 "),
        "{ext}"
    );
    // Extension escaping: `=` and `\` escaped, the newline as \n, `|` left alone.
    assert!(ext.contains("cs2=GET /search|a\\=b\\\\c\\nx "), "{ext}");
    assert!(ext.contains("cs3=attack.sqli.r0,attack.sqli.r1 "), "{ext}");
    assert!(!msg.contains('\n'));
}

#[test]
fn udp_datagram_is_one_rfc5424_message_with_cef() {
    let rx = UdpSocket::bind("127.0.0.1:0").unwrap();
    rx.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let mut sink = SyslogSink::new(&config(
        rx.local_addr().unwrap().to_string(),
        SyslogTransport::Udp,
    ))
    .unwrap();
    sink.send(&alert_support::incident()).unwrap();
    let mut buf = [0u8; 65_536];
    let n = rx.recv(&mut buf).unwrap();
    check_message(std::str::from_utf8(&buf[..n]).unwrap());
}

#[test]
fn tcp_uses_octet_counting() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    let h = thread::spawn(move || {
        let (mut s, _) = listener.accept().unwrap();
        let mut all = Vec::new();
        s.read_to_end(&mut all).unwrap();
        all
    });
    let mut sink = SyslogSink::new(&config(addr, SyslogTransport::Tcp)).unwrap();
    sink.send(&alert_support::incident()).unwrap();
    sink.send(&alert_support::incident()).unwrap();
    drop(sink);
    let all = String::from_utf8(h.join().unwrap()).unwrap();
    // Two frames: `LEN SP MSG`, back to back.
    let mut rest = all.as_str();
    for _ in 0..2 {
        let (len, tail) = rest.split_once(' ').unwrap();
        let len: usize = len.parse().unwrap();
        check_message(&tail[..len]);
        rest = &tail[len..];
    }
    assert!(rest.is_empty(), "trailing bytes: {rest:?}");
}

#[test]
fn long_messages_are_cut_to_the_limit() {
    let rx = UdpSocket::bind("127.0.0.1:0").unwrap();
    rx.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let mut c = config(rx.local_addr().unwrap().to_string(), SyslogTransport::Udp);
    c.max_message = 480;
    let mut sink = SyslogSink::new(&c).unwrap();
    let mut inc = alert_support::incident();
    inc.title = "é".repeat(1000);
    sink.send(&inc).unwrap();
    let mut buf = [0u8; 65_536];
    let n = rx.recv(&mut buf).unwrap();
    assert!(n <= 480);
    assert!(std::str::from_utf8(&buf[..n]).is_ok());
}

#[test]
fn bad_settings_name_sink_and_setting() {
    let mut c = config("127.0.0.1:514".into(), SyslogTransport::Udp);
    c.facility = "local9".into();
    let e = SyslogSink::new(&c).err().unwrap().to_string();
    assert!(
        e.starts_with("alert sink syslog udp 127.0.0.1:514: facility:"),
        "{e}"
    );
}
