//! Quanzi's store of record: one `Db` over SQLite (embedded default) or PostgreSQL.
//!
//! Every query is written once with `$N` placeholders and run on either backend through
//! [`on_pool!`] / [`on_tx!`]; the two migration trees carry the same version numbers.

pub mod access;
pub mod analytics;
pub mod bargain;
pub mod bulk;
mod checkpoint;
pub mod erasure;
pub mod event;
pub mod flash_sale;
pub mod gift;
pub mod group;
pub mod group_buy;
pub mod identity;
pub mod inbound;
pub mod influence;
pub mod jobs;
mod known;
mod legacy;
pub mod live_code;
pub mod live_code_funnel;
pub mod login_throttle;
pub mod lottery;
pub mod member;
pub mod membership;
pub mod offer;
pub mod on;
pub mod plans;
pub mod red_envelope;
pub mod referral;
mod sqlite;
pub mod tag;
pub mod tenant;
pub mod timeline;
pub mod totals;
pub mod unique;
pub mod void;
pub mod wallet;
pub mod webhook;
pub mod wecom;
mod writer;

use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::sqlite::{SqlitePool, SqlitePoolOptions};

/// Migrations for the embedded store.
pub static SQLITE_MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");
/// Migrations for PostgreSQL; same versions as [`SQLITE_MIGRATOR`].
pub static POSTGRES_MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

/// A handle on the store: a connection pool on one of the two backends.
#[derive(Clone, Debug)]
pub enum Db {
    /// The embedded default: one SQLite file in WAL mode, and its write lane — the lock that
    /// lets one writer at a time begin (queuing in-process is fairer and faster than SQLite's
    /// busy-sleep), the connection write transactions run on, and the event writer thread.
    Sqlite(SqlitePool, Arc<writer::Lane>),
    /// PostgreSQL by URL, and the ids known to exist there.
    Postgres(PgPool, Arc<known::Known>),
}

/// A write transaction on either backend.
pub enum Tx {
    /// SQLite, begun with `BEGIN IMMEDIATE` while holding the process's write lock.
    Sqlite(
        sqlx::Transaction<'static, sqlx::Sqlite>,
        tokio::sync::OwnedMutexGuard<()>,
    ),
    /// PostgreSQL.
    Postgres(sqlx::Transaction<'static, sqlx::Postgres>),
}

/// Runs `$body` with `$p` bound to the backend's pool.
#[macro_export]
macro_rules! on_pool {
    ($db:expr, $p:ident => $body:expr) => {
        match $db {
            $crate::Db::Sqlite($p, ..) => $body,
            $crate::Db::Postgres($p, ..) => $body,
        }
    };
}

/// Runs `$body` with `$c` bound to the transaction's connection.
#[macro_export]
macro_rules! on_tx {
    ($tx:expr, $c:ident => $body:expr) => {
        match $tx {
            $crate::Tx::Sqlite(t, _) => {
                let $c = &mut **t;
                $body
            }
            $crate::Tx::Postgres(t) => {
                let $c = &mut **t;
                $body
            }
        }
    };
}

/// Errors of the store, with unique violations turned into the key that refused the write.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A unique key refused the write; the caller that knows the key maps it
    /// (core's `ResultExt::on_constraint`).
    #[error("the unique key {constraint} refused the write")]
    Conflict {
        /// The key's name on PostgreSQL (one of [`unique`]'s), on both backends.
        constraint: String,
    },
    /// A member merge named a member that was already merged into another.
    #[error("one of the two members was already merged")]
    AlreadyMerged,
    /// A foreign key refused the write (a referenced row does not exist).
    #[error("a referenced row does not exist")]
    MissingReference,
    /// The database URL is not one we can use.
    #[error("unsupported database url: {0}")]
    BadUrl(String),
    /// Any other database error.
    #[error(transparent)]
    Db(sqlx::Error),
    /// The commit of a group of writes failed, or the write lane is gone; nothing of the
    /// write was kept.
    #[error("the write was not committed: {0}")]
    Commit(String),
    /// An error of the embedded store's writer connection.
    #[error(transparent)]
    Embedded(rusqlite::Error),
    /// A migration failed.
    #[error(transparent)]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// A statement ran past the store's statement time limit and was cancelled.
    #[error("the statement ran past its time limit")]
    Timeout,
}

/// The store's result type.
pub type Result<T, E = StoreError> = std::result::Result<T, E>;

impl StoreError {
    /// Whether the write lost a race the database resolved by aborting it (PostgreSQL's
    /// deadlock victim `40P01` or serialization failure `40001`): the same write may succeed
    /// when tried again.
    pub fn is_retryable(&self) -> bool {
        match self {
            StoreError::Db(sqlx::Error::Database(e)) => {
                matches!(e.code().as_deref(), Some("40P01" | "40001"))
            }
            _ => false,
        }
    }
}

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> Self {
        if let rusqlite::Error::SqliteFailure(f, msg) = &e {
            match f.extended_code {
                rusqlite::ffi::SQLITE_CONSTRAINT_FOREIGNKEY => return StoreError::MissingReference,
                rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE
                | rusqlite::ffi::SQLITE_CONSTRAINT_PRIMARYKEY => {
                    return StoreError::Conflict {
                        constraint: unique::from_sqlite(msg.as_deref().unwrap_or_default()),
                    };
                }
                _ => {}
            }
        }
        StoreError::Embedded(e)
    }
}

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> Self {
        if let sqlx::Error::Database(d) = &e {
            // PostgreSQL's query_canceled: `statement_timeout` struck.
            if d.code().as_deref() == Some("57014") {
                return StoreError::Timeout;
            }
            match d.kind() {
                sqlx::error::ErrorKind::UniqueViolation => {
                    return StoreError::Conflict {
                        constraint: d
                            .constraint()
                            .map_or_else(|| unique::from_sqlite(d.message()), str::to_string),
                    };
                }
                sqlx::error::ErrorKind::ForeignKeyViolation => return StoreError::MissingReference,
                _ => {}
            }
        }
        StoreError::Db(e)
    }
}

/// Current time, unix ms.
pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

impl Db {
    /// Connects to `url`: `sqlite://path` (or a bare path) or `postgres://…`.
    /// SQLite is opened in WAL mode with foreign keys, full sync and a busy timeout, and its
    /// parent directory is created.
    pub async fn connect(url: &str) -> Result<Db> {
        Db::connect_with(url, None).await
    }

    /// [`Db::connect`], and on PostgreSQL every pooled connection's statements limited to
    /// `statement_timeout` (PostgreSQL's own setting: a statement past it is cancelled and
    /// answers [`StoreError::Timeout`]). SQLite has no such setting; the web layer bounds a
    /// request there instead.
    pub async fn connect_with(url: &str, statement_timeout: Option<Duration>) -> Result<Db> {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            let mut opts = PgConnectOptions::from_str(url)?;
            if let Some(t) = statement_timeout {
                let ms = t.as_millis().max(1).to_string();
                opts = opts.options([("statement_timeout", ms.as_str())]);
            }
            let pool = PgPoolOptions::new()
                .max_connections(16)
                .acquire_timeout(Duration::from_secs(10))
                .connect_with(opts)
                .await?;
            return Ok(Db::Postgres(pool, Arc::default()));
        }
        let path = url
            .strip_prefix("sqlite://")
            .or_else(|| url.strip_prefix("sqlite:"))
            .unwrap_or(url);
        if path.is_empty() || path.contains("://") {
            return Err(StoreError::BadUrl(url.to_string()));
        }
        if let Some(dir) = std::path::Path::new(path).parent()
            && !dir.as_os_str().is_empty()
        {
            std::fs::create_dir_all(dir).map_err(|e| StoreError::Db(sqlx::Error::Io(e)))?;
        }
        let pool = SqlitePoolOptions::new()
            .max_connections(sqlite::read_connections())
            .connect_with(sqlite::read_pool_options(path))
            .await?;
        let opts = sqlite::pool_options(path);
        // Every write goes through one long-lived connection: its page cache stays warm
        // (a pooled connection's cache is dropped whenever another connection wrote).
        let writer = SqlitePoolOptions::new()
            .max_connections(1)
            .min_connections(1)
            .idle_timeout(None)
            .max_lifetime(None)
            .test_before_acquire(false)
            .connect_with(opts)
            .await?;
        let lane = writer::Lane::start(path, writer)?;
        Ok(Db::Sqlite(pool, Arc::new(lane)))
    }

    /// True on the embedded store.
    pub fn is_sqlite(&self) -> bool {
        matches!(self, Db::Sqlite(..))
    }

    /// The member and group ids known to exist ([`known`]).
    pub(crate) fn known(&self) -> &known::Known {
        match self {
            Db::Sqlite(_, lane) => &lane.known,
            Db::Postgres(_, known) => known,
        }
    }

    /// Which backend this is: `sqlite` or `postgres`.
    pub fn backend(&self) -> &'static str {
        match self {
            Db::Sqlite(..) => "sqlite",
            Db::Postgres(..) => "postgres",
        }
    }

    /// Applies every embedded migration not yet applied.
    pub async fn migrate(&self) -> Result<()> {
        match self {
            Db::Sqlite(p, _) => SQLITE_MIGRATOR.run(p).await?,
            Db::Postgres(p, _) => POSTGRES_MIGRATOR.run(p).await?,
        }
        legacy::convert_event_blocks(self).await?;
        Ok(())
    }

    /// Begins a write transaction.
    pub async fn begin(&self) -> Result<Tx> {
        Ok(match self {
            Db::Sqlite(_, lane) => {
                let guard = lane.lock.clone().lock_owned().await;
                Tx::Sqlite(lane.pool.begin_with("BEGIN IMMEDIATE").await?, guard)
            }
            Db::Postgres(p, _) => Tx::Postgres(p.begin().await?),
        })
    }

    /// True when the store answers a trivial query.
    pub async fn ping(&self) -> bool {
        on_pool!(self, p => sqlx::query("select 1").execute(p).await.map(|r| r.rows_affected()).is_ok())
    }

    /// Closes every connection (graceful shutdown).
    pub async fn close(&self) {
        if let Db::Sqlite(_, lane) = self {
            lane.close();
            lane.pool.close().await;
        }
        on_pool!(self, p => p.close().await)
    }
}

impl Tx {
    /// True on the embedded store.
    pub fn is_sqlite(&self) -> bool {
        matches!(self, Tx::Sqlite(..))
    }

    /// Marks a point the transaction can roll back to ([`Tx::rollback_to`]) and forget
    /// ([`Tx::release`]): one unit of work among several that share a commit.
    pub async fn savepoint(&mut self) -> Result<()> {
        self.run("savepoint unit").await
    }

    /// Keeps the work since the savepoint.
    pub async fn release(&mut self) -> Result<()> {
        self.run("release savepoint unit").await
    }

    /// Undoes the work since the savepoint (and releases it).
    pub async fn rollback_to(&mut self) -> Result<()> {
        self.run("rollback to savepoint unit").await?;
        self.release().await
    }

    async fn run(&mut self, sql: &'static str) -> Result<()> {
        on_tx!(self, c => sqlx::query(sql).execute(c).await.map(|_| ()).map_err(Into::into))
    }

    /// Commits; only after this returns may the change be acknowledged.
    pub async fn commit(self) -> Result<()> {
        match self {
            Tx::Sqlite(t, _guard) => t.commit().await?,
            Tx::Postgres(t) => t.commit().await?,
        }
        Ok(())
    }
}

/// A dynamically bound argument, for queries whose shape depends on the request.
#[derive(Debug, Clone)]
pub enum Arg {
    /// A number.
    I64(i64),
    /// An optional number.
    OptI64(Option<i64>),
    /// A string.
    Str(String),
    /// An optional string.
    OptStr(Option<String>),
    /// A floating-point number.
    F64(f64),
}

/// Binds every [`Arg`] of `$args` onto the query `$q`, in order.
#[macro_export]
macro_rules! bind_args {
    ($q:expr, $args:expr) => {{
        let mut q = $q;
        for a in $args {
            q = match a {
                $crate::Arg::I64(v) => q.bind(v),
                $crate::Arg::OptI64(v) => q.bind(v),
                $crate::Arg::Str(v) => q.bind(v),
                $crate::Arg::OptStr(v) => q.bind(v),
                $crate::Arg::F64(v) => q.bind(v),
            };
        }
        q
    }};
}

/// `ids` as a comma-separated SQL list for `in (…)`: numbers only, so nothing to quote.
pub(crate) fn id_list(ids: &[i64]) -> String {
    ids.iter().map(i64::to_string).collect::<Vec<_>>().join(",")
}

/// Builds SQL with placeholders while collecting the arguments in order.
///
/// Placeholders are written `$N` and turned into plain `?` for SQLite by [`SqlBuf::finish`]:
/// SQLite looks every `$N` name up in a list while parsing, which makes a statement with
/// thousands of parameters quadratic to prepare; `?` is simply the next parameter.
#[derive(Debug, Default)]
pub struct SqlBuf {
    /// The SQL so far.
    pub sql: String,
    /// The arguments so far.
    pub args: Vec<Arg>,
    marks: Vec<(usize, usize)>,
}

impl SqlBuf {
    /// Starts with `sql`.
    pub fn new(sql: &str) -> Self {
        Self {
            sql: sql.to_string(),
            args: Vec::new(),
            marks: Vec::new(),
        }
    }

    /// The SQL for the backend and the arguments, in binding order.
    pub fn finish(self, sqlite: bool) -> (String, Vec<Arg>) {
        if !sqlite {
            return (self.sql, self.args);
        }
        let mut out = String::with_capacity(self.sql.len());
        let mut at = 0;
        for (start, end) in &self.marks {
            out.push_str(&self.sql[at..*start]);
            out.push('?');
            at = *end;
        }
        out.push_str(&self.sql[at..]);
        (out, self.args)
    }

    /// Appends raw SQL.
    pub fn push(&mut self, sql: &str) -> &mut Self {
        self.sql.push_str(sql);
        self
    }

    /// Appends a placeholder for `arg`.
    pub fn bind(&mut self, arg: Arg) -> &mut Self {
        self.args.push(arg);
        let start = self.sql.len();
        self.sql.push('$');
        self.sql.push_str(&self.args.len().to_string());
        self.marks.push((start, self.sql.len()));
        self
    }
}
