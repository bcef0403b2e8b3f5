//! The command line's shape: the commands, their flags and their help texts (clap).

use std::path::PathBuf;

use clap::{Parser, Subcommand};

/// The command line.
#[derive(Parser)]
#[command(
    name = "quanzi",
    version,
    about = "Quanzi (圈子): community marketing for merchants who keep customers in chat groups"
)]
pub(crate) struct Cli {
    /// Config file (default ./quanzi.toml when present).
    #[arg(long, global = true)]
    pub(crate) config: Option<PathBuf>,
    /// Database URL: sqlite://path or postgres://… (overrides file and QUANZI_DATABASE_URL).
    #[arg(long, global = true)]
    pub(crate) database_url: Option<String>,
    #[command(subcommand)]
    pub(crate) cmd: Cmd,
}

#[derive(Subcommand)]
pub(crate) enum Cmd {
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
    /// Check a lottery's published record (the JSON of its member page's record link, or of
    /// GET /api/v1/lotteries/{id}/record): the seed against the commitment, every ticket and
    /// every outcome recomputed. Exit 0 when fair, 1 when not, 2 before the seed is revealed.
    VerifyDraw {
        /// The record's JSON file; `-` reads standard input.
        record: std::path::PathBuf,
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
pub(crate) enum AdminCmd {
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
pub(crate) enum ConfigCmd {
    /// Print the effective configuration, secrets masked.
    Show,
}
