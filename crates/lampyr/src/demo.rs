//! `lampyr demo`: the whole platform in front of a bundled hospital API, with simulated users
//! and attackers, so the console has something to show within a minute.
//!
//! The hospital and the simulator run on their own thread and runtime; the platform runs as
//! `lampyr serve` would, with the demo's upstream, routes and consumers as its config file.

use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::mpsc as std_mpsc;
use std::time::Duration;

use anyhow::Context;
use lampyr_demo::{demo_gateway, SimConfig};
use lampyr_spec::ListenerSpec;
use tokio::sync::watch;

use crate::cli::DemoArgs;

pub fn run(args: DemoArgs) -> anyhow::Result<ExitCode> {
    let hospital =
        std::net::TcpListener::bind("127.0.0.1:0").context("binding the demo hospital")?;
    hospital
        .set_nonblocking(true)
        .context("demo hospital socket")?;
    let hospital_addr = hospital.local_addr().context("demo hospital address")?;

    let mut cfg = crate::config::Config::default();
    cfg.serve.data_dir = args.data_dir.clone();
    cfg.serve.admin_address = args.admin.clone();
    cfg.serve.analytics.flush_ms = 1000;
    cfg.gateway.listeners.push(ListenerSpec {
        name: "demo".into(),
        address: args.listen.clone(),
        tls: None,
        http2: true,
        // The simulator falls back to naming its actors in X-Forwarded-For where it cannot
        // bind loopback source addresses.
        trusted_proxies: vec!["127.0.0.1".into()],
    });
    // The access log would drown the banner: it goes to the data directory.
    cfg.gateway.access_log.target = args
        .data_dir
        .join("access.log")
        .to_string_lossy()
        .into_owned();
    let mut app_cfg = crate::serve::app_config(cfg)?;
    let secrets = lampyr_gateway::auth::Secrets::new(app_cfg.master_key);
    let (spec, clients) = demo_gateway(hospital_addr, &mut || {
        lampyr_gateway::auth::issue_api_key(&secrets)
    });
    app_cfg.gateway.upstreams.extend(spec.upstreams);
    app_cfg.gateway.routes.extend(spec.routes);
    app_cfg.gateway.consumers.extend(spec.consumers);
    let password_note = match &app_cfg.console.password_file {
        Some(path) => format!(
            "{} (also in {})",
            app_cfg.console.admin_password,
            path.display()
        ),
        None => "from the environment variable serve.console.admin_password_env names".into(),
    };
    let user = app_cfg.console.admin_user.clone();

    let (target_tx, target_rx) = std_mpsc::channel::<SocketAddr>();
    let (stop_tx, stop_rx) = watch::channel(false);
    let users = args.users;
    let attacks = !args.no_attacks;
    let duration = args.duration;
    let sim = std::thread::Builder::new()
        .name("lampyr-demo".into())
        .spawn(move || {
            let rt = match tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            {
                Ok(rt) => rt,
                Err(e) => {
                    eprintln!("demo: cannot start the simulator runtime: {e}");
                    return;
                }
            };
            rt.block_on(async move {
                let Ok(listener) = tokio::net::TcpListener::from_std(hospital) else {
                    eprintln!("demo: cannot serve the hospital");
                    return;
                };
                tokio::spawn(lampyr_demo::serve_hospital(listener, stop_rx.clone()));
                let Ok(target) = target_rx.recv() else {
                    return; // the platform did not start
                };
                let mut sim = SimConfig::new(target, clients);
                sim.normal_users = users;
                sim.attacks = attacks;
                let mut stop = stop_rx.clone();
                if let Some(secs) = duration {
                    let (tx, rx) = watch::channel(false);
                    stop = rx;
                    let mut outer = stop_rx.clone();
                    tokio::spawn(async move {
                        tokio::select! {
                            _ = tokio::time::sleep(Duration::from_secs(secs)) => {}
                            _ = outer.changed() => {}
                        }
                        let _ = tx.send(true);
                    });
                }
                let report = lampyr_demo::run(sim, stop).await;
                eprintln!(
                    "demo: simulator finished: {} ordinary request(s), {} attack(s) run",
                    report.normal.traffic.requests,
                    report.attacks.len()
                );
                // Keep the hospital up until the platform stops.
                let mut outer = stop_rx;
                let _ = outer.wait_for(|s| *s).await;
            });
        })
        .context("starting the demo thread")?;

    let admin_note = app_cfg.admin_address.clone();
    let code = crate::serve::run_app(app_cfg, args.workers, move |app| {
        let proxy = app
            .proxy_addrs
            .first()
            .map(|(_, a)| *a)
            .unwrap_or_else(|| SocketAddr::from(([127, 0, 0, 1], 8080)));
        let _ = target_tx.send(proxy);
        eprintln!();
        eprintln!("Lampyr demo is running.");
        eprintln!(
            "  console:  http://{}/   (from {admin_note})",
            app.admin_addr
        );
        eprintln!("  login:    {user} / {password_note}");
        eprintln!("  gateway:  http://{proxy}/api/v1/...  (hospital API behind it)");
        eprintln!(
            "Simulated users and attackers are sending traffic; incidents appear within a minute."
        );
        eprintln!("Press Ctrl-C to stop.");
    });
    let _ = stop_tx.send(true);
    let _ = sim.join();
    code
}
