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

mod error;
mod sql;

pub use error::{Result, StoreError};
pub(crate) use sql::id_list;
pub use sql::{Arg, SqlBuf};

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
