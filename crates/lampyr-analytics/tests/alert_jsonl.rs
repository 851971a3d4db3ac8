//! JSON Lines file sink, the config and the alerter.

mod alert_support;

use lampyr_analytics::alert::{AlertConfig, Alerter, SinkConfig};
use lampyr_analytics::incident::Incident;
use lampyr_detect::Severity;

fn temp_path(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("lampyr-alert-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let p = dir.join("incidents.jsonl");
    let _ = std::fs::remove_file(&p);
    p
}

#[test]
fn file_sink_appends_one_line_per_incident() {
    let path = temp_path("append");
    std::fs::write(&path, "{\"earlier\":true}\n").unwrap();
    let cfg: AlertConfig = serde_yaml::from_str(&format!(
        "min_severity: high\nsinks:\n  - type: jsonl\n    path: {}\n",
        path.display()
    ))
    .unwrap();
    let mut alerter = Alerter::from_config(&cfg).unwrap();
    let inc = alert_support::incident();
    assert!(alerter.send(&inc).is_empty());
    let mut low = inc.clone();
    low.severity = Severity::Low;
    alerter.send(&low);
    assert!(alerter.send(&inc).is_empty());
    assert_eq!(alerter.sent, 2);
    let text = std::fs::read_to_string(&path).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 3, "{text}");
    assert_eq!(lines[0], "{\"earlier\":true}");
    let back: Incident = serde_json::from_str(lines[1]).unwrap();
    assert_eq!(back.id, inc.id);
    assert_eq!(back.severity, Severity::Critical);
    std::fs::remove_dir_all(path.parent().unwrap()).unwrap();
}

#[test]
fn config_rejects_unknown_keys_and_types() {
    let e =
        serde_yaml::from_str::<AlertConfig>("sinks:\n  - type: jsonl\n    paht: x\n").unwrap_err();
    assert!(e.to_string().contains("paht"), "{e}");
    let e = serde_yaml::from_str::<AlertConfig>("sinks:\n  - type: pager\n").unwrap_err();
    assert!(e.to_string().contains("pager"), "{e}");
    let e = serde_yaml::from_str::<AlertConfig>("min_severity: high\nsink: []\n").unwrap_err();
    assert!(e.to_string().contains("sink"), "{e}");
    let c: AlertConfig = serde_yaml::from_str(
        "sinks:\n  - type: webhook\n    url: https://hooks.example.com/x\n  - type: syslog\n    address: 127.0.0.1:514\n    protocol: tcp\n  - type: jsonl\n",
    )
    .unwrap();
    assert_eq!(c.min_severity, Severity::Medium);
    match &c.sinks[0] {
        SinkConfig::Webhook(w) => {
            assert_eq!((w.retries, w.timeout_ms, w.backoff_ms), (3, 5000, 500))
        }
        other => panic!("{other:?}"),
    }
    match &c.sinks[2] {
        SinkConfig::Jsonl(j) => assert_eq!(j.path, std::path::Path::new("-")),
        other => panic!("{other:?}"),
    }
}

#[test]
fn unopenable_file_names_the_sink() {
    let cfg = AlertConfig {
        min_severity: Severity::Low,
        sinks: vec![SinkConfig::Jsonl(lampyr_analytics::alert::JsonlConfig {
            path: "/nonexistent-dir-lampyr/x.jsonl".into(),
        })],
    };
    let e = Alerter::from_config(&cfg).unwrap_err().to_string();
    assert!(
        e.starts_with("alert sink jsonl /nonexistent-dir-lampyr/x.jsonl:"),
        "{e}"
    );
}
