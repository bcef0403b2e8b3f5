//! File imports with a progress bar, and the administration commands (tenants, operators,
//! API keys, the server key).

use std::time::Instant;

use anyhow::bail;
use quanzi_core::Db;
use quanzi_domain::TenantId;
use quanzi_domain::access::{ApiScope, OperatorRole};

use crate::cli::AdminCmd;
use crate::config::Config;
use crate::tenant_by_slug;

pub(crate) async fn import(
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
    // Once every row is read the load still stores the last rows it holds, folds the joins
    // and leaves into memberships and history, and commits: a spinner says so instead of a
    // full bar standing still.
    let finishing = std::sync::Once::new();
    let progress = |done: u64, total: Option<u64>| {
        if let Some(t) = total {
            bar.set_length(t);
        }
        bar.set_position(done);
        if total == Some(done) && done > 0 {
            finishing.call_once(|| {
                bar.set_style(
                    indicatif::ProgressStyle::with_template(
                        "{spinner} {human_pos} rows read; storing the last ones, memberships and history, then committing ({elapsed})",
                    )
                    .unwrap_or_else(|_| indicatif::ProgressStyle::default_spinner()),
                );
                bar.enable_steady_tick(std::time::Duration::from_millis(120));
            });
        }
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

pub(crate) async fn admin(cfg: &Config, db: &Db, cmd: &AdminCmd) -> anyhow::Result<()> {
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
