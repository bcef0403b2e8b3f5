//! The embedded store's writer: one thread with its own SQLite connection runs the event
//! batches and the features' units queued while the previous commit was syncing in one
//! transaction — group commit — so one WAL sync serves them all ([`group`]).
//!
//! SQLite has a single writer and a durable commit costs a WAL sync. Going through the async
//! driver, each statement is a round trip to the driver's connection thread, and each wait
//! for a thread on a busy 2-core machine is where the time went; here the whole transaction
//! runs on one thread without a hand-off. A job is answered only after the commit that
//! carries it has returned, so an answered job is on disk.

mod events;
mod group;
#[cfg(test)]
mod units_test;

use std::sync::Arc;
use std::sync::mpsc;

use quanzi_domain::TenantId;
use quanzi_domain::event::NewEvent;
use rusqlite::Connection;
use sqlx::sqlite::SqlitePool;
use tokio::sync::{Mutex, oneshot};

pub(crate) use events::{STATEMENTS, Statements, append, insert_events, numbered};
use group::{Append, Job, Unit};

use crate::webhook::OutboxItem;
use crate::{Result, StoreError};

/// Page cache of the writer's connection, KiB (as a negative `cache_size`). Bigger is not
/// better: SQLite walks the cache's hash table when a write transaction ends.
const WRITER_CACHE_KIB: i64 = 16_384;

/// The write lane of one SQLite database: the process's write lock (every write transaction
/// holds it) and the queue of the writer thread.
pub struct Lane {
    pub(crate) lock: Arc<Mutex<()>>,
    /// The one pooled connection the other write transactions run on.
    pub(crate) pool: SqlitePool,
    /// The database file, for readers that open their own connection.
    pub(crate) path: String,
    jobs: std::sync::Mutex<Option<mpsc::Sender<Box<dyn Job>>>>,
    /// Dropped to stop the checkpoint thread ([`crate::checkpoint`]).
    checkpoints: std::sync::Mutex<Option<mpsc::Sender<()>>>,
    /// The member and group ids known to exist ([`crate::known`]).
    pub(crate) known: crate::known::Known,
}

impl std::fmt::Debug for Lane {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Lane").finish_non_exhaustive()
    }
}

impl Lane {
    /// Starts the writer thread on the database file at `path`; `writes` is the
    /// one-connection pool of the other write transactions. The thread ends when the lane
    /// is closed or dropped.
    pub(crate) fn start(path: &str, writes: SqlitePool) -> Result<Lane> {
        let conn = open(path).map_err(StoreError::from)?;
        let lock = Arc::new(Mutex::new(()));
        let (tx, rx) = mpsc::channel();
        let l = lock.clone();
        std::thread::Builder::new()
            .name("quanzi-writer".into())
            .spawn(move || group::run(conn, l, rx))
            .map_err(|e| StoreError::Db(sqlx::Error::Io(e)))?;
        let checkpoints = crate::checkpoint::start(path, lock.clone())
            .map_err(|e| StoreError::Db(sqlx::Error::Io(e)))?;
        Ok(Lane {
            lock,
            pool: writes,
            path: path.to_string(),
            jobs: std::sync::Mutex::new(Some(tx)),
            checkpoints: std::sync::Mutex::new(Some(checkpoints)),
            known: Default::default(),
        })
    }

    /// Appends `events` (skipping idempotency keys the tenant already has) and answers,
    /// after the commit, the indexes of the events that were new. Once queued the batch is
    /// written even if this future is dropped.
    pub(crate) async fn append(
        &self,
        tenant: TenantId,
        events: Vec<NewEvent>,
        outbox: Vec<Option<OutboxItem>>,
    ) -> Result<Vec<usize>> {
        let (reply, answer) = oneshot::channel();
        let job = Append {
            tenant,
            received_ms: crate::now_ms(),
            events,
            outbox,
            outcome: None,
            reply,
        };
        self.queue(Box::new(job), answer).await
    }

    /// Runs `work` on the writer thread in a transaction shared with the batches and units
    /// queued at the same time, and answers its outcome once the commit returned — an
    /// answered `Ok` is on disk. An `Err` undoes only this unit's statements. `work` may run
    /// more than once (a run is rolled back when another job of its group fails), so it
    /// must read everything it decides on inside. For a feature's small writes that arrive
    /// in a rush (a flash sale's buys): here each statement is a call on this thread instead
    /// of a round trip to the async driver's. Once queued the unit runs even if this future
    /// is dropped.
    pub(crate) async fn unit<T, E>(
        &self,
        work: impl FnMut(&mut Connection) -> std::result::Result<T, E> + Send + 'static,
    ) -> std::result::Result<T, E>
    where
        T: Send + 'static,
        E: From<StoreError> + Send + 'static,
    {
        let (reply, answer) = oneshot::channel::<std::result::Result<T, E>>();
        let job = Unit {
            work,
            outcome: None,
            reply,
        };
        self.queue(Box::new(job), answer).await
    }

    /// Queues `job` for the writer thread and waits for its answer.
    async fn queue<T, E: From<StoreError>>(
        &self,
        job: Box<dyn Job>,
        answer: oneshot::Receiver<std::result::Result<T, E>>,
    ) -> std::result::Result<T, E> {
        self.send(job)?;
        answer.await.map_err(|_| {
            E::from(StoreError::Commit(
                "the writer stopped before the commit".into(),
            ))
        })?
    }

    fn send(&self, job: Box<dyn Job>) -> Result<()> {
        let sent = match self.jobs.lock() {
            Ok(guard) => guard.as_ref().map(|s| s.send(job).is_ok()).unwrap_or(false),
            Err(_) => false,
        };
        if sent {
            Ok(())
        } else {
            Err(StoreError::Commit("the store is closed".into()))
        }
    }

    /// Stops the writer thread once the batches already queued are written.
    pub(crate) fn close(&self) {
        if let Ok(mut guard) = self.jobs.lock() {
            guard.take();
        }
        if let Ok(mut guard) = self.checkpoints.lock() {
            guard.take();
        }
    }
}

/// Opens the writer's connection with a page cache of its own; its commits never checkpoint
/// the WAL (the checkpoint thread does, [`crate::checkpoint`]).
fn open(path: &str) -> rusqlite::Result<Connection> {
    let conn = crate::sqlite::open(path, WRITER_CACHE_KIB)?;
    conn.execute_batch("pragma wal_autocheckpoint = 0;")?;
    Ok(conn)
}
