//! Exchanges per second through the live pipeline, one actor reading many object ids (what
//! `bench/platform.sh` sends): `cargo run --release -p lampyr-analytics --example live_rate [N]`.

use std::net::SocketAddr;
use std::time::Instant;

use lampyr_analytics::live::LivePipeline;
use lampyr_analytics::AnalyzeConfig;
use lampyr_core::{Body, Exchange, Headers, Identity, Request, Response, Timing};

const BODY: &str = r#"{"id":10042,"name":"王秀英","idCard":"11010519491231002X","mobile":"13812345678","email":"wang.xiuying@example.cn","address":"北京市朝阳区建国路88号","dateOfBirth":"1949-12-31","medicalRecordNo":"MR20231104","allergies":["penicillin"],"diagnoses":[{"icd10":"E11.9","name":"2型糖尿病"},{"icd10":"I10","name":"原发性高血压"}],"doctor":{"id":"D017","name":"李建国","department":"内分泌科"},"insurance":{"provider":"城镇职工医保","number":"3201234567"},"updatedAt":"2026-11-30T08:12:44Z"}"#;

fn exchange(i: u64) -> Exchange {
    let mut rh = Headers::new();
    rh.append("content-type", "application/json");
    let mut qh = Headers::new();
    qh.append("x-api-key", "lpk_bench_******");
    Exchange {
        request: Request {
            method: "GET".into(),
            host: "127.0.0.1".into(),
            path: format!("/api/patients/{}", 10000 + (i * 7919) % 10000),
            headers: qh,
            ..Request::default()
        },
        response: Some(Response {
            status: 200,
            version: "HTTP/1.1".into(),
            headers: rh,
            body: Body::from_parts(BODY.as_bytes().to_vec(), false, BODY.len() as u64),
        }),
        timing: Timing {
            started_us: Some(1_796_000_000_000_000 + i as i64 * 100),
            duration_ms: Some(1.0),
        },
        client: Some(SocketAddr::from(([127, 0, 0, 1], 5000))),
        identity: Some(Identity {
            consumer: Some("bench".into()),
            user: None,
            token_id: Some("bench-key".into()),
        }),
        ..Exchange::default()
    }
}

fn main() {
    let n: u64 = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(50_000);
    let mut p = LivePipeline::new(AnalyzeConfig::default()).expect("builds");
    let exchanges: Vec<Exchange> = (0..n).map(exchange).collect();
    let t = Instant::now();
    let mut last = Instant::now();
    for (i, ex) in exchanges.iter().enumerate() {
        p.observe(ex);
        if i % 5000 == 4999 {
            let r = Instant::now();
            p.refresh(0);
            eprintln!(
                "{:>7} exchanges: {:>8.0}/s over the last 5000, refresh {:?}",
                i + 1,
                5000.0 / last.elapsed().as_secs_f64(),
                r.elapsed()
            );
            last = Instant::now();
        }
    }
    let secs = t.elapsed().as_secs_f64();
    println!("{n} exchanges in {secs:.2} s: {:.0}/s", n as f64 / secs);
}
