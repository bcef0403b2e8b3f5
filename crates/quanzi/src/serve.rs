//! Running the product: the web server with its job worker, the worker alone, the demo, and
//! a graceful shutdown on a signal.

use std::time::Instant;

use anyhow::Context;
use quanzi_core::Db;

use crate::config::Config;
use crate::open;

pub(crate) async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
    tracing::info!("shutting down: finishing in-flight requests");
}

/// The server's settings from the configuration: the server key (generated on first start),
/// with old plaintext secrets sealed now and every stored secret checked against it.
pub(crate) async fn server_settings(
    cfg: &Config,
    db: &Db,
) -> anyhow::Result<quanzi_core::server::ServerSettings> {
    let path = cfg.server_key_path();
    let sealer = quanzi_core::server_key::load_or_create(&path)?;
    let sealed = quanzi_core::server_key::prepare(db, &sealer)
        .await
        .with_context(|| format!("the server key {} does not fit", path.display()))?;
    if sealed > 0 {
        tracing::info!(
            rows = sealed,
            "plaintext secrets sealed with the server key"
        );
    }
    let mut s = quanzi_core::server::ServerSettings::new(sealer);
    s.egress.allow_private = cfg.allow_private_targets;
    s.wecom_api_base = cfg.wecom_api_base.trim_end_matches('/').to_string();
    s.wechat_open_base = cfg.wechat_open_base.trim_end_matches('/').to_string();
    s.wechat_api_base = cfg.wechat_api_base.trim_end_matches('/').to_string();
    s.wecom_callback_window_secs = cfg.wecom_callback_window_secs;
    Ok(s)
}

/// Runs the job worker until `stop` completes.
pub(crate) async fn worker(
    db: Db,
    server: quanzi_core::server::ServerSettings,
    stop: impl std::future::Future<Output = ()>,
) {
    let ctx = quanzi_core::jobs::JobContext::new(db, server);
    quanzi_core::jobs::run_worker(ctx, quanzi_core::jobs::WorkerOptions::default(), stop).await;
}

pub(crate) async fn serve(cfg: &Config, db: Db) -> anyhow::Result<()> {
    serve_with(cfg, db, true).await
}

pub(crate) async fn serve_with(cfg: &Config, db: Db, with_worker: bool) -> anyhow::Result<()> {
    let listener = tokio::net::TcpListener::bind(&cfg.listen)
        .await
        .with_context(|| format!("cannot listen on {}", cfg.listen))?;
    let addr = listener.local_addr()?;
    let server = server_settings(cfg, &db).await?;
    // The web's own pool carries the statement limit; the worker's (bulk loads, index builds)
    // does not. SQLite has no such setting: one pool, bounded per request by the web layer.
    let limits = &cfg.limits;
    let web_db = if db.is_sqlite() {
        db.clone()
    } else {
        Db::connect_with(&cfg.database_url, Some(limits.statement_timeout())).await?
    };
    let mut state = quanzi_web::AppState::new(web_db, server.clone());
    state.secure_cookies = cfg.secure_cookies;
    state.trusted_proxies = std::sync::Arc::new(cfg.trusted_proxies()?);
    state.throttle = cfg.throttle_policy();
    state.heavy = std::sync::Arc::new(quanzi_web::heavy::HeavyLimiter::new(
        quanzi_web::heavy::Limits {
            heavy_per_tenant: limits.heavy_requests_per_tenant,
            statement_timeout: limits.statement_timeout(),
        },
    ));
    tracing::info!(%addr, backend = db.backend(), "quanzi listening");
    println!(
        "Quanzi is listening on http://{addr}/ui ({} store)",
        db.backend()
    );
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let jobs = with_worker.then(|| {
        let mut rx = stop_rx.clone();
        tokio::spawn(worker(db.clone(), server, async move {
            let _ = rx.wait_for(|s| *s).await;
        }))
    });
    quanzi_web::serve_within(listener, state, cfg.server_limits(), shutdown_signal()).await?;
    let _ = stop_tx.send(true);
    if let Some(j) = jobs {
        let _ = j.await;
    }
    db.close().await;
    Ok(())
}

pub(crate) async fn demo(
    cfg: &Config,
    seed: u64,
    members: usize,
    no_serve: bool,
) -> anyhow::Result<()> {
    let started = Instant::now();
    let db = open(cfg).await?;
    let bar = indicatif::ProgressBar::new(1);
    bar.set_style(
        indicatif::ProgressStyle::with_template(
            "{msg:>10} [{bar:40.green/white}] {pos}/{len} ({elapsed})",
        )
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    let opts = quanzi_core::demo::DemoOptions {
        seed,
        members,
        server: Some(server_settings(cfg, &db).await?),
        ..Default::default()
    };
    let progress = |stage: &str, done: u64, total: u64| {
        bar.set_message(stage.to_string());
        bar.set_length(total.max(1));
        bar.set_position(done);
    };
    let report = quanzi_core::demo::create_demo(&db, &opts, &progress).await?;
    bar.finish_and_clear();
    let url = if cfg.listen.ends_with(":0") {
        "the address printed below".to_string()
    } else {
        format!("http://{}/ui", cfg.listen)
    };
    println!(
        "Demo community ready in {:.1} s: {} groups, {} members, {} events (seed {seed}).",
        started.elapsed().as_secs_f64(),
        report.groups,
        report.members,
        report.events
    );
    println!("  Open:     {url}");
    println!(
        "  Log in:   {} / {}",
        report.owner_email, report.owner_password
    );
    if no_serve {
        return Ok(());
    }
    serve(cfg, db).await
}
