//! The `quanzi` command: serve the product, load the demo, migrate, import, administer.

mod config;

use std::path::PathBuf;
use std::time::Instant;

use anyhow::{Context, bail};
use clap::{Parser, Subcommand};
use config::{Config, Flags};
use quanzi_core::Db;
use quanzi_domain::TenantId;
use quanzi_domain::access::{ApiScope, OperatorRole};

#[derive(Parser)]
#[command(
    name = "quanzi",
    version,
    about = "Quanzi (圈子): community marketing for merchants who keep customers in chat groups"
)]
struct Cli {
    /// Config file (default ./quanzi.toml when present).
    #[arg(long, global = true)]
    config: Option<PathBuf>,
    /// Database URL: sqlite://path or postgres://… (overrides file and QUANZI_DATABASE_URL).
    #[arg(long, global = true)]
    database_url: Option<String>,
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// Run the web server (API, operator UI) and, unless --no-worker, the job worker.
    Serve {
        /// Address to listen on (default 127.0.0.1:8080).
        #[arg(long)]
        listen: Option<String>,
        /// Serve HTTP only; jobs are left to `quanzi worker` processes.
        #[arg(long)]
        no_worker: bool,
    },
    /// Run only the job worker (WeCom events and sync, webhooks, schedules).
    Worker,
    /// Create (or recreate) the demo community, then serve it.
    Demo {
        /// Seed of the generator; the same seed gives the same community.
        #[arg(long, default_value_t = 42)]
        seed: u64,
        /// Number of members.
        #[arg(long, default_value_t = 8000)]
        members: usize,
        /// Address to listen on (default 127.0.0.1:8080).
        #[arg(long)]
        listen: Option<String>,
        /// Only create the data; do not serve.
        #[arg(long)]
        no_serve: bool,
    },
    /// Apply the database migrations and exit.
    Migrate,
    /// Import members, groups or events from a CSV or XLSX file: all rows or none.
    Import {
        /// What the file holds: events, members or groups.
        kind: quanzi_channels::import::ImportKind,
        /// The CSV (UTF-8) or XLSX file; the first row names the columns.
        file: PathBuf,
        /// Tenant slug.
        #[arg(long)]
        tenant: String,
        /// Write the good rows and put the bad ones, with the reason, in a reject file.
        #[arg(long)]
        skip_bad: bool,
        /// Where to write rejected rows (default: FILE.rejects.csv beside the input).
        #[arg(long)]
        reject: Option<PathBuf>,
        /// For the benchmark's format with a tenant_id column: leave out other tenants' rows.
        #[arg(long)]
        skip_other_tenants: bool,
        /// For files with a tenant_id column: import every row into --tenant, whatever the
        /// column says.
        #[arg(long, conflicts_with = "skip_other_tenants")]
        ignore_tenant_column: bool,
        /// Events CSV: member_id and group_id are the file's own ids, kept as the members'
        /// external_userid / the groups' external_chat_id `import:<id>`; members and groups
        /// the tenant does not have yet are created in the same transaction. Loads the
        /// benchmark format at engine speed (COPY on PostgreSQL).
        #[arg(long)]
        create_missing: bool,
    },
    /// Administration.
    Admin {
        #[command(subcommand)]
        cmd: AdminCmd,
    },
    /// Show configuration.
    Config {
        #[command(subcommand)]
        cmd: ConfigCmd,
    },
}

#[derive(Subcommand)]
#[allow(clippy::enum_variant_names)] // the CLI spells them create-tenant, create-user, create-api-key
enum AdminCmd {
    /// Create a tenant.
    CreateTenant {
        /// URL-safe name, e.g. xianfeng.
        slug: String,
        /// Display name.
        name: String,
    },
    /// Create an operator account in a tenant.
    CreateUser {
        /// Tenant slug.
        #[arg(long)]
        tenant: String,
        /// Login email.
        #[arg(long)]
        email: String,
        /// Display name.
        #[arg(long)]
        name: String,
        /// owner, admin, operator or viewer.
        #[arg(long, default_value = "operator")]
        role: String,
        /// Password (at least 8 characters); or set QUANZI_NEW_PASSWORD.
        #[arg(long, env = "QUANZI_NEW_PASSWORD", hide_env_values = true)]
        password: String,
    },
    /// Replace the server key: every stored secret is re-sealed with a new key in one
    /// transaction, then the new key replaces the key file. Stop servers and workers first.
    RotateServerKey,
    /// Create an API key; the secret is printed once.
    CreateApiKey {
        /// Tenant slug.
        #[arg(long)]
        tenant: String,
        /// What the key is for.
        #[arg(long)]
        name: String,
        /// read or write.
        #[arg(long, default_value = "read")]
        scope: String,
    },
}

#[derive(Subcommand)]
enum ConfigCmd {
    /// Print the effective configuration, secrets masked.
    Show,
}

fn load_config(cli: &Cli, listen: Option<String>) -> anyhow::Result<Config> {
    let env: Vec<(String, String)> = std::env::vars()
        .filter(|(k, _)| k.starts_with("QUANZI_"))
        .collect();
    let (cfg, warnings) = Config::load(
        cli.config.as_deref(),
        &env,
        &Flags {
            database_url: cli.database_url.clone(),
            listen,
        },
    )?;
    for w in warnings {
        eprintln!("warning: {w}");
    }
    Ok(cfg)
}

async fn open(cfg: &Config) -> anyhow::Result<Db> {
    let db = Db::connect(&cfg.database_url).await.with_context(|| {
        format!(
            "cannot open the database {}",
            config::mask_url(&cfg.database_url)
        )
    })?;
    db.migrate().await.context("migrations failed")?;
    Ok(db)
}

async fn tenant_by_slug(db: &Db, slug: &str) -> anyhow::Result<TenantId> {
    match quanzi_core::access::tenant_id_by_slug(db, slug).await? {
        Some(t) => Ok(t),
        None => bail!("no tenant with slug {slug:?}"),
    }
}

async fn shutdown_signal() {
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
async fn server_settings(
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
    s.wecom_callback_window_secs = cfg.wecom_callback_window_secs;
    Ok(s)
}

/// Runs the job worker until `stop` completes.
async fn worker(
    db: Db,
    server: quanzi_core::server::ServerSettings,
    stop: impl std::future::Future<Output = ()>,
) {
    let ctx = quanzi_core::jobs::JobContext::new(db, server);
    quanzi_core::jobs::run_worker(ctx, quanzi_core::jobs::WorkerOptions::default(), stop).await;
}

async fn serve(cfg: &Config, db: Db) -> anyhow::Result<()> {
    serve_with(cfg, db, true).await
}

async fn serve_with(cfg: &Config, db: Db, with_worker: bool) -> anyhow::Result<()> {
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

async fn demo(cfg: &Config, seed: u64, members: usize, no_serve: bool) -> anyhow::Result<()> {
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

async fn run(cli: Cli) -> anyhow::Result<()> {
    match &cli.cmd {
        Cmd::Serve { listen, no_worker } => {
            let cfg = load_config(&cli, listen.clone())?;
            init_log(&cfg);
            let db = open(&cfg).await?;
            serve_with(&cfg, db, !no_worker).await
        }
        Cmd::Worker => {
            let cfg = load_config(&cli, None)?;
            init_log(&cfg);
            let db = open(&cfg).await?;
            let server = server_settings(&cfg, &db).await?;
            println!("Quanzi worker running ({} store)", db.backend());
            worker(db.clone(), server, shutdown_signal()).await;
            db.close().await;
            Ok(())
        }
        Cmd::Demo {
            seed,
            members,
            listen,
            no_serve,
        } => {
            let cfg = load_config(&cli, listen.clone())?;
            init_log(&cfg);
            demo(&cfg, *seed, *members, *no_serve).await
        }
        Cmd::Migrate => {
            let cfg = load_config(&cli, None)?;
            let db = open(&cfg).await?;
            println!("migrations applied ({} store)", db.backend());
            Ok(())
        }
        Cmd::Config {
            cmd: ConfigCmd::Show,
        } => {
            let cfg = load_config(&cli, None)?;
            print!("{}", cfg.show());
            Ok(())
        }
        Cmd::Admin { cmd } => {
            let cfg = load_config(&cli, None)?;
            let db = open(&cfg).await?;
            admin(&cfg, &db, cmd).await
        }
        Cmd::Import {
            kind,
            file,
            tenant,
            skip_bad,
            reject,
            skip_other_tenants,
            ignore_tenant_column,
            create_missing,
        } => {
            let cfg = load_config(&cli, None)?;
            init_log(&cfg);
            let db = open(&cfg).await?;
            let t = tenant_by_slug(&db, tenant).await?;
            let opts = quanzi_core::import::ImportOptions {
                skip_bad: *skip_bad,
                reject_path: reject.clone(),
                skip_other_tenants: *skip_other_tenants,
                ignore_tenant_column: *ignore_tenant_column,
                create_missing: *create_missing,
            };
            import(&db, t, *kind, file, &opts).await
        }
    }
}

async fn import(
    db: &Db,
    t: TenantId,
    kind: quanzi_channels::import::ImportKind,
    file: &std::path::Path,
    opts: &quanzi_core::import::ImportOptions,
) -> anyhow::Result<()> {
    let started = Instant::now();
    let bar = indicatif::ProgressBar::new(0);
    bar.set_style(
        indicatif::ProgressStyle::with_template(
            "{spinner} [{bar:40.green/white}] {human_pos}/{human_len} rows ({per_sec}, eta {eta})",
        )
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    let progress = |done: u64, total: Option<u64>| {
        if let Some(t) = total {
            bar.set_length(t);
        }
        bar.set_position(done);
    };
    let report = quanzi_core::import::import_file(db, t, kind, file, opts, &progress).await?;
    bar.finish_and_clear();
    for e in &report.errors {
        eprintln!("  {e}");
    }
    if report.members_created > 0 || report.groups_created > 0 {
        println!(
            "created {} members and {} groups for the file's ids",
            report.members_created, report.groups_created
        );
    }
    if report.rejected as usize > report.errors.len() {
        eprintln!(
            "  … and {} more bad rows",
            report.rejected as usize - report.errors.len()
        );
    }
    let secs = started.elapsed().as_secs_f64();
    println!(
        "{kind}: {} rows read, {} imported, {} already stored, {} rejected{} in {secs:.1} s ({:.0} rows/s){}",
        report.rows,
        report.imported,
        report.duplicates,
        report.rejected,
        if report.other_tenant > 0 {
            format!(", {} of other tenants left out", report.other_tenant)
        } else {
            String::new()
        },
        report.rows as f64 / secs.max(1e-9),
        report
            .reject_file
            .as_ref()
            .map(|p| format!("; rejected rows in {}", p.display()))
            .unwrap_or_default(),
    );
    if !report.committed {
        bail!(
            "nothing was imported: {} bad rows (fix them, or pass --skip-bad to import the good rows)",
            report.rejected
        );
    }
    Ok(())
}

async fn admin(cfg: &Config, db: &Db, cmd: &AdminCmd) -> anyhow::Result<()> {
    match cmd {
        AdminCmd::RotateServerKey => {
            let path = cfg.server_key_path();
            let r = quanzi_core::server_key::rotate(db, &path).await?;
            println!(
                "server key {} replaced by {} in {}; {} rows of secrets re-sealed",
                r.old_id,
                r.new_id,
                path.display(),
                r.rows
            );
        }
        AdminCmd::CreateTenant { slug, name } => {
            let t = quanzi_core::access::create_tenant(db, slug, name).await?;
            println!("tenant {} created (id {})", t.slug, t.tenant_id);
        }
        AdminCmd::CreateUser {
            tenant,
            email,
            name,
            role,
            password,
        } => {
            let t = tenant_by_slug(db, tenant).await?;
            let Some(role) = OperatorRole::parse(role) else {
                bail!("role must be one of: {}", OperatorRole::expected())
            };
            let op =
                quanzi_core::access::create_operator(db, t, email, name, role, password).await?;
            println!(
                "operator {} created (id {}, role {})",
                op.email, op.operator_id, op.role
            );
        }
        AdminCmd::CreateApiKey {
            tenant,
            name,
            scope,
        } => {
            let t = tenant_by_slug(db, tenant).await?;
            let Some(scope) = ApiScope::parse(scope) else {
                bail!("scope must be one of: {}", ApiScope::expected())
            };
            let k = quanzi_core::access::create_api_key(db, t, name, scope).await?;
            eprintln!(
                "API key {} ({}) created; the secret is shown only now:",
                k.key.api_key_id, k.key.scope
            );
            println!("{}", k.secret);
        }
    }
    Ok(())
}

fn init_log(cfg: &Config) {
    let filter = tracing_subscriber::EnvFilter::try_new(&cfg.log)
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    match run(cli).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
