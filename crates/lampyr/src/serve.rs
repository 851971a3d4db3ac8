//! `lampyr serve`: the gateway with its admin API, store and mirror, until SIGINT/SIGTERM.

use std::process::ExitCode;

use anyhow::Context;

use lampyr_app::{read_secret, AnalyticsSettings, AppConfig, ConsoleSettings, SecretSource};
use lampyr_spec::ListenerSpec;

use crate::cli::ServeArgs;

/// Listener used when the configuration names none.
pub const DEFAULT_LISTENER: &str = "127.0.0.1:8080";

pub fn run(args: ServeArgs) -> anyhow::Result<ExitCode> {
    let cfg = match crate::config::load_or_default(args.config.as_deref())? {
        Ok(c) => c,
        Err(code) => return Ok(code),
    };
    let app_cfg = app_config(cfg)?;
    run_app(app_cfg, args.workers, |_| {})
}

/// Turns the validated config into what `lampyr_app::start` takes: default listener, secrets
/// read or generated in the data directory, analytics settings.
pub fn app_config(cfg: crate::config::Config) -> anyhow::Result<AppConfig> {
    let serve = cfg.serve;
    let mut gateway = cfg.gateway;
    if gateway.listeners.is_empty() {
        gateway.listeners.push(ListenerSpec {
            name: "main".into(),
            address: DEFAULT_LISTENER.into(),
            tls: None,
            http2: true,
            trusted_proxies: Vec::new(),
        });
    }
    lampyr_app::ensure_data_dir(&serve.data_dir)?;
    let key_path = serve.data_dir.join("master.key");
    let key_source = match (&serve.master_key_env, &serve.master_key_file) {
        (Some(v), _) => SecretSource::Env(v),
        (None, Some(f)) => SecretSource::File(f),
        _ => SecretSource::Generated(&key_path),
    };
    let (key_text, _) = read_secret("master key", key_source)?;
    let master_key = lampyr_gateway::auth::Secrets::parse_master_key(&key_text)
        .map_err(|e| anyhow::anyhow!("master key: {e}"))?;
    let token_path = serve.data_dir.join("admin-token");
    let token_source = match (&serve.admin_token_env, &serve.admin_token_file) {
        (Some(v), _) => SecretSource::Env(v),
        (None, Some(f)) => SecretSource::File(f),
        _ => SecretSource::Generated(&token_path),
    };
    let (admin_token, created) = read_secret("admin token", token_source)?;
    if created {
        eprintln!(
            "generated an admin token in {} (send it as `Authorization: Bearer …`)",
            token_path.display()
        );
    }
    let password_path = serve.data_dir.join("console-password");
    let password_source = match &serve.console.admin_password_env {
        Some(v) => SecretSource::Env(v),
        None => SecretSource::Generated(&password_path),
    };
    let (console_password, _) = read_secret("console password", password_source)?;
    let a = &serve.analytics;
    let analytics = AnalyticsSettings {
        enabled: a.enabled,
        analyze: lampyr_analytics::AnalyzeConfig {
            discovery: cfg.discovery.clone(),
            classify: lampyr_classify::ClassifyOptions {
                disabled: cfg.classify.disabled.clone(),
            },
            grading: cfg.classify.grading(),
            detection: cfg.detect.analytics(),
        },
        sample_per_sec: a.sample_per_sec,
        retention: lampyr_store::Retention {
            max_age_secs: a.max_age_secs,
            max_bytes: a.max_bytes,
        },
        flush: std::time::Duration::from_millis(a.flush_ms),
        ..AnalyticsSettings::default()
    };
    Ok(AppConfig {
        gateway,
        data_dir: serve.data_dir.clone(),
        admin_address: serve.admin_address.clone(),
        admin_token,
        master_key,
        mirror_file: serve.mirror_file.clone(),
        analytics,
        console: ConsoleSettings {
            admin_user: serve.console.admin_user.clone(),
            admin_password: console_password,
            password_file: serve
                .console
                .admin_password_env
                .is_none()
                .then_some(password_path),
            secure_cookies: serve.console.secure_cookies,
        },
    })
}

/// Starts the platform on a runtime with `workers` threads, calls `started` once it
/// listens, and runs until SIGINT/SIGTERM.
pub fn run_app(
    app_cfg: AppConfig,
    workers: Option<usize>,
    started: impl FnOnce(&lampyr_app::RunningApp),
) -> anyhow::Result<ExitCode> {
    let workers =
        workers.unwrap_or_else(|| std::thread::available_parallelism().map_or(2, |n| n.get()));
    // One worker: a current-thread runtime runs every task on the thread that drives it,
    // with no work-stealing queues or cross-thread wake-ups (the cheapest per request).
    let runtime = if workers <= 1 {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
    } else {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(workers)
            .enable_all()
            .build()
    }
    .context("cannot start the runtime")?;
    runtime.block_on(async move {
        let app = match lampyr_app::start(app_cfg).await {
            Ok(app) => app,
            Err(e) => {
                eprintln!("error: {e}");
                return Ok(ExitCode::from(match e {
                    lampyr_app::AppError::Gateway(lampyr_gateway::GatewayError::Invalid(_)) => {
                        crate::cli::EXIT_CONFIG
                    }
                    _ => crate::cli::EXIT_ERROR,
                }));
            }
        };
        for (name, addr) in &app.proxy_addrs {
            eprintln!("proxy listener {name} on {addr}");
        }
        eprintln!(
            "admin API, console and /metrics on http://{}",
            app.admin_addr
        );
        started(&app);
        wait_for_signal().await;
        eprintln!("shutting down: finishing in-flight requests and analytics");
        app.shutdown().await;
        Ok(ExitCode::SUCCESS)
    })
}

async fn wait_for_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
