//! The `quanzi` command: serve the product, load the demo, migrate, import, administer.

mod admin;
mod cli;
mod config;
mod serve;

use admin::{admin, import};
use anyhow::{Context, bail};
use clap::Parser;
use cli::{Cli, Cmd, ConfigCmd};
use config::{Config, Flags};
use quanzi_core::Db;
use quanzi_domain::TenantId;
use serve::{demo, serve_with, server_settings, shutdown_signal, worker};

/// mimalloc instead of the system allocator: an import or an ingest allocates and frees a few
/// small strings per event, and glibc's malloc and free took a quarter of an import's CPU.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

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
        Cmd::VerifyDraw { record } => verify_draw(record),
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

/// `quanzi verify-draw`: reads a published record and says whether it checks out.
fn verify_draw(path: &std::path::Path) -> anyhow::Result<()> {
    use quanzi_core::lotteries::record::{Checked, LotteryRecord, check};
    let text = if path.as_os_str() == "-" {
        std::io::read_to_string(std::io::stdin()).context("cannot read standard input")?
    } else {
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?
    };
    let record: LotteryRecord =
        serde_json::from_str(&text).context("the file is not a lottery record (JSON)")?;
    match check(&record) {
        Checked::Fair { draws, upgrades } => {
            println!(
                "lottery {}: fair — the seed matches the commitment {} and all {draws} draws and {upgrades} upgrades recompute as published",
                record.lottery_id, record.commitment
            );
            Ok(())
        }
        Checked::NotRevealed => {
            println!(
                "lottery {}: the seed is not revealed yet (commitment {}); check again after it ends",
                record.lottery_id, record.commitment
            );
            std::process::exit(2);
        }
        Checked::Unfair(why) => {
            println!("lottery {}: NOT fair — {why}", record.lottery_id);
            std::process::exit(1);
        }
    }
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
