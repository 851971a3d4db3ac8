//! Assembly: a validated configuration becomes running services.
//!
//! `start` opens the store, merges what it holds with the file's gateway section, builds the
//! gateway, binds the proxy listeners and the admin listener (admin API and `/metrics`),
//! and connects the mirror to its sink. It is the only crate that knows every backend.

mod analytics;
mod control;
mod secrets;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use lampyr_gateway::auth::Secrets;
use lampyr_gateway::Gateway;
use lampyr_spec::GatewaySpec;
use lampyr_store::GatewayStore;
use lampyr_store_sqlite::SqliteStore;
use thiserror::Error;
use tokio::sync::watch;
use tokio::task::JoinHandle;

pub use analytics::{AnalyticsHandle, AnalyticsSettings};
pub use control::GatewayControl;
pub use lampyr_admin::merge_specs;
pub use secrets::{read_secret, SecretSource};

/// Everything `start` needs, already validated.
#[derive(Clone)]
pub struct AppConfig {
    /// The file's `gateway:` section.
    pub gateway: GatewaySpec,
    /// Store and generated secrets live here.
    pub data_dir: PathBuf,
    /// Admin API and `/metrics` listener.
    pub admin_address: String,
    /// Admin bearer token.
    pub admin_token: String,
    /// Master key (API-key pepper, sealed secrets).
    pub master_key: [u8; 32],
    /// JSON Lines file the mirror writes to when analytics is off.
    pub mirror_file: Option<PathBuf>,
    /// The streaming analytics the mirror feeds.
    pub analytics: AnalyticsSettings,
    /// The console's first user and cookie settings.
    pub console: ConsoleSettings,
}

/// Console settings: the admin user created when the store has no user yet.
#[derive(Clone)]
pub struct ConsoleSettings {
    /// Name of the first admin user.
    pub admin_user: String,
    /// Its first password (used only when the user is created).
    pub admin_password: String,
    /// File the password was generated into, to tell the operator where it is.
    pub password_file: Option<PathBuf>,
    /// Marks the session cookie `Secure`.
    pub secure_cookies: bool,
}

impl std::fmt::Debug for ConsoleSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ConsoleSettings")
            .field("admin_user", &self.admin_user)
            .field("admin_password", &"<redacted>")
            .field("password_file", &self.password_file)
            .field("secure_cookies", &self.secure_cookies)
            .finish()
    }
}

impl std::fmt::Debug for AppConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppConfig")
            .field("data_dir", &self.data_dir)
            .field("admin_address", &self.admin_address)
            .field("admin_token", &"<redacted>")
            .field("master_key", &"<redacted>")
            .field("mirror_file", &self.mirror_file)
            .field("analytics", &self.analytics.enabled)
            .finish_non_exhaustive()
    }
}

/// Why the platform could not start.
#[derive(Debug, Error)]
pub enum AppError {
    /// The gateway refused its configuration or could not bind.
    #[error(transparent)]
    Gateway(#[from] lampyr_gateway::GatewayError),
    /// The store could not be opened or read.
    #[error("store: {0}")]
    Store(#[from] lampyr_store::StoreError),
    /// A secret is missing or unusable.
    #[error("{what}: {message}")]
    Secret {
        /// Which secret.
        what: String,
        /// What went wrong.
        message: String,
    },
    /// The analytics pipeline could not start.
    #[error("analytics: {0}")]
    Analytics(String),
    /// A file or socket operation failed.
    #[error("{what}: {source}")]
    Io {
        /// What was being done.
        what: String,
        /// The OS error.
        source: std::io::Error,
    },
}

/// The running platform.
pub struct RunningApp {
    /// Proxy listeners by name with their bound addresses.
    pub proxy_addrs: Vec<(String, SocketAddr)>,
    /// Admin listener address.
    pub admin_addr: SocketAddr,
    /// The gateway handle (tests and the demo reach in through it).
    pub gateway: Gateway,
    /// The streaming analytics (status, ingest).
    pub analytics: AnalyticsHandle,
    shutdown: watch::Sender<bool>,
    /// Told after the proxy has finished its last request: the mirror sink drains and stops.
    drain: watch::Sender<bool>,
    tasks: Vec<JoinHandle<()>>,
    analytics_done: Option<tokio::sync::oneshot::Receiver<()>>,
    analytics_writer: Option<JoinHandle<()>>,
    server: lampyr_gateway::server::listener::RunningServer,
    store: Arc<SqliteStore>,
}

impl RunningApp {
    /// Stops accepting, lets in-flight requests finish, drains the mirror into analytics
    /// (or its file), writes what analytics holds and the last-used times, and returns when
    /// everything has stopped.
    pub async fn shutdown(self) {
        let _ = self.shutdown.send(true);
        self.server.wait().await;
        let _ = self.drain.send(true);
        for t in self.tasks {
            let _ = t.await;
        }
        if let Some(done) = self.analytics_done {
            let _ = done.await;
        }
        if let Some(writer) = self.analytics_writer {
            let _ = writer.await;
        }
        let last = self.gateway.snapshot().auth.last_used();
        let _ = self.store.set_last_used(last).await;
    }
}

/// Creates the data directory when it is missing, readable by its owner only (it holds key
/// hashes, sealed secrets, the master key and the admin token). An existing directory keeps
/// the permissions its operator gave it.
pub fn ensure_data_dir(path: &std::path::Path) -> Result<(), AppError> {
    if path.is_dir() {
        return Ok(());
    }
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder.create(path).map_err(|source| AppError::Io {
        what: format!("creating {}", path.display()),
        source,
    })
}

/// Starts the platform.
pub async fn start(cfg: AppConfig) -> Result<RunningApp, AppError> {
    ensure_data_dir(&cfg.data_dir)?;
    let store = Arc::new(SqliteStore::open(&cfg.data_dir.join("lampyr.db")).await?);
    let stored = store.load_spec().await?;
    let mut spec = merge_specs(&cfg.gateway, stored);
    if cfg.mirror_file.is_none() && !cfg.analytics.enabled {
        spec.mirror.enabled = false;
    }
    let secrets = Secrets::new(cfg.master_key);
    let (gateway, mirror_rx) = Gateway::new(spec, secrets)?;
    gateway.deny().replace_all(store.list_deny().await?);

    let (shutdown_tx, shutdown_rx) = watch::channel(false);
    let (drain_tx, drain_rx) = watch::channel(false);
    let mut tasks = Vec::new();
    let (to_analytics, to_file) = if cfg.analytics.enabled {
        (mirror_rx, None)
    } else {
        (None, mirror_rx)
    };
    if let (Some(rx), Some(path)) = (to_file, cfg.mirror_file.clone()) {
        tasks.push(tokio::spawn(mirror_to_file(rx, path, drain_rx.clone())));
    }
    let analytics = analytics::start(
        cfg.analytics.clone(),
        gateway.clone(),
        to_analytics,
        store.clone() as Arc<dyn lampyr_store::Store>,
        drain_rx,
    )
    .await
    .map_err(AppError::Analytics)?;
    tasks.push(tokio::spawn(flush_last_used(
        gateway.clone(),
        store.clone(),
        shutdown_rx.clone(),
    )));

    let created = lampyr_admin::ensure_admin_user(
        store.as_ref(),
        &cfg.console.admin_user,
        &cfg.console.admin_password,
    )
    .await
    .map_err(|e| AppError::Secret {
        what: format!("console user {}", cfg.console.admin_user),
        message: e.to_string(),
    })?;
    if created {
        tracing::info!(user = %cfg.console.admin_user, "created the first console user");
    }
    let server =
        lampyr_gateway::server::listener::start(gateway.clone(), shutdown_rx.clone()).await?;
    let proxy_addrs = server.addrs.clone();

    let admin = control::admin_router(
        &cfg,
        gateway.clone(),
        analytics.handle.clone(),
        store.clone() as Arc<dyn lampyr_store::Store>,
    );
    let listener = tokio::net::TcpListener::bind(&cfg.admin_address)
        .await
        .map_err(|source| AppError::Io {
            what: format!("binding the admin listener {}", cfg.admin_address),
            source,
        })?;
    let admin_addr = listener.local_addr().map_err(|source| AppError::Io {
        what: "admin listener address".into(),
        source,
    })?;
    let mut stop = shutdown_rx.clone();
    tasks.push(tokio::spawn(async move {
        // Connect info gives the console's login throttle and audit log the client address.
        let service = admin.into_make_service_with_connect_info::<SocketAddr>();
        let _ = axum::serve(listener, service)
            .with_graceful_shutdown(async move {
                stopped(&mut stop).await;
            })
            .await;
    }));

    Ok(RunningApp {
        proxy_addrs,
        admin_addr,
        gateway,
        analytics: analytics.handle,
        shutdown: shutdown_tx,
        drain: drain_tx,
        tasks,
        analytics_done: analytics.done,
        analytics_writer: analytics.writer,
        server,
        store,
    })
}

/// Bytes of JSON Lines collected before they are written.
const MIRROR_WRITE_AT: usize = 256 * 1024;
/// Longest a collected line waits before it is written when traffic is light.
const MIRROR_WRITE_AFTER: Duration = Duration::from_millis(100);

/// Writes mirrored exchanges as Exchange JSON Lines; on `drain` writes what is queued and stops.
///
/// Lines are serialised on the runtime and collected into large batches; each batch is
/// written on the blocking pool. A file write (or a blocking-pool hand-off) per exchange cost
/// more than proxying the request itself, so writes happen when a batch is full or
/// [`MIRROR_WRITE_AFTER`] after its first line.
async fn mirror_to_file(
    mut rx: tokio::sync::mpsc::Receiver<lampyr_core::Exchange>,
    path: PathBuf,
    mut drain: watch::Receiver<bool>,
) {
    let file = match tokio::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)
        .await
    {
        Ok(f) => f.into_std().await,
        Err(e) => {
            tracing::error!(path = %path.display(), error = %e, "mirror file cannot be opened; mirrored exchanges are dropped");
            while rx.recv().await.is_some() {}
            return;
        }
    };
    let mut sink = Some(file);
    let mut buf: Vec<u8> = Vec::new();
    let mut batch = Vec::with_capacity(256);
    let mut draining = false;
    let flush_timer = tokio::time::sleep(MIRROR_WRITE_AFTER);
    tokio::pin!(flush_timer);
    let mut armed = false;
    loop {
        let got = tokio::select! {
            n = rx.recv_many(&mut batch, 256) => n,
            _ = stopped(&mut drain), if !draining => {
                rx.close();
                draining = true;
                continue;
            }
            _ = &mut flush_timer, if armed => {
                armed = false;
                if !write_batch(&mut sink, &mut buf, &path).await {
                    break;
                }
                continue;
            }
        };
        if got == 0 {
            break; // closed and empty
        }
        for ex in batch.drain(..) {
            buf.extend_from_slice(lampyr_ingest::to_line(&ex).as_bytes());
            buf.push(b'\n');
        }
        if buf.len() >= MIRROR_WRITE_AT {
            armed = false;
            if !write_batch(&mut sink, &mut buf, &path).await {
                break;
            }
        } else if !armed && !buf.is_empty() {
            armed = true;
            flush_timer
                .as_mut()
                .reset(tokio::time::Instant::now() + MIRROR_WRITE_AFTER);
        }
    }
    write_batch(&mut sink, &mut buf, &path).await;
}

/// Writes and empties `buf` on the blocking pool; false once the file failed (the caller
/// stops, and later exchanges count as dropped by the mirror).
async fn write_batch(
    sink: &mut Option<std::fs::File>,
    buf: &mut Vec<u8>,
    path: &std::path::Path,
) -> bool {
    if buf.is_empty() {
        return sink.is_some();
    }
    let data = std::mem::take(buf);
    let Some(mut file) = sink.take() else {
        return false;
    };
    let done = tokio::task::spawn_blocking(move || {
        use std::io::Write;
        let r = file.write_all(&data);
        (file, data, r)
    })
    .await;
    match done {
        Ok((file, mut data, Ok(()))) => {
            *sink = Some(file);
            data.clear();
            *buf = data; // keep the allocation for the next batch
            true
        }
        Ok((_, _, Err(e))) => {
            tracing::error!(path = %path.display(), error = %e, "mirror file write failed; mirrored exchanges are dropped from now on");
            false
        }
        Err(_) => false,
    }
}

/// Saves credential last-used times every 10 seconds and once more at shutdown.
async fn flush_last_used(
    gateway: Gateway,
    store: Arc<SqliteStore>,
    mut stop: watch::Receiver<bool>,
) {
    loop {
        let stopping = tokio::select! {
            _ = tokio::time::sleep(Duration::from_secs(10)) => false,
            _ = stopped(&mut stop) => true,
        };
        let last = gateway.snapshot().auth.last_used();
        if !last.is_empty() {
            if let Err(e) = store.set_last_used(last).await {
                tracing::warn!(error = %e, "saving credential last-used times failed");
            }
        }
        if stopping {
            return;
        }
    }
}

/// Resolves once the watched flag is true (or its sender is gone).
async fn stopped(rx: &mut watch::Receiver<bool>) {
    let _ = rx.wait_for(|s| *s).await;
}
