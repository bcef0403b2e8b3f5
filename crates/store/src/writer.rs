//! The embedded store's event writer: one thread with its own SQLite connection appends
//! event batches with a prepared statement, and commits the batches queued while the
//! previous commit was syncing in one transaction — group commit — each batch in its own
//! savepoint, so one batch's failure leaves the others' rows intact.
//!
//! SQLite has a single writer and a durable commit costs a WAL sync. Going through the async
//! driver, each statement is a round trip to the driver's connection thread, and each wait
//! for a thread on a busy 2-core machine is where the time went; here the whole transaction
//! runs on one thread without a hand-off. A batch is answered only after the commit that
//! carries it has returned, so an answered batch is on disk.

use std::collections::HashSet;
use std::sync::Arc;
use std::sync::mpsc;

use quanzi_domain::TenantId;
use quanzi_domain::event::NewEvent;
use rusqlite::{Connection, TransactionBehavior, params};
use sqlx::sqlite::SqlitePool;
use tokio::sync::{Mutex, oneshot};

use crate::event::{NEW_KEYS_SQLITE, new_indexes};
use crate::webhook::OutboxItem;
use crate::{Result, StoreError};

/// Event batches per shared transaction at most; the rest wait for the next one.
const MAX_GROUP: usize = 32;
/// Jobs per shared transaction at most: event batches and units (a unit is a few rows).
const MAX_JOBS: usize = 256;
/// Page cache of the writer's connection, KiB (as a negative `cache_size`). Bigger is not
/// better: SQLite walks the cache's hash table when a write transaction ends.
const WRITER_CACHE_KIB: i64 = 16_384;

/// Rows per insert statement. One statement of many rows with plain bound values costs
/// SQLite's VM far less per row than a statement per row, or than unpacking rows from JSON.
const ROWS_PER_INSERT: usize = 100;
/// Parameters per event row in [`insert_values`].
const EVENT_PARAMS: usize = 9;

/// `insert … values` of `rows` events: `?1` tenant, `?2` received at, then
/// [`EVENT_PARAMS`] per row. `or ignore` skips a row whose idempotency key the tenant has:
/// no row can make the statement abort (the event table has no foreign key and every row
/// was validated), so SQLite keeps no statement journal for it — with `on conflict do
/// nothing` it copied every page a 100-row statement touched first.
fn insert_values(rows: usize) -> String {
    let mut sql = String::from(
        "insert or ignore into event (tenant_id, received_at_ms, idempotency_key, kind, member_id, group_id,
            occurred_at_ms, amount_fen, product, reference, properties) values ",
    );
    for r in 0..rows {
        let p = 3 + r * EVENT_PARAMS;
        if r > 0 {
            sql.push(',');
        }
        sql.push_str("(?1, ?2");
        for i in 0..EVENT_PARAMS {
            sql.push_str(&format!(", ?{}", p + i));
        }
        sql.push(')');
    }
    sql
}

/// The writer's statement texts, made once: preparing from the cache looks them up by text.
pub(crate) struct Statements {
    insert_many: String,
    insert_ten: String,
    insert_one: String,
    new_keys: String,
}

impl Statements {
    pub(crate) fn new() -> Statements {
        Statements {
            insert_many: insert_values(ROWS_PER_INSERT),
            insert_ten: insert_values(10),
            insert_one: insert_values(1),
            new_keys: numbered(NEW_KEYS_SQLITE),
        }
    }

    /// The insert for `rows` events: [`ROWS_PER_INSERT`], 10 or 1.
    fn insert(&self, rows: usize) -> &str {
        match rows {
            ROWS_PER_INSERT => &self.insert_many,
            10 => &self.insert_ten,
            _ => &self.insert_one,
        }
    }
}

/// What the writer thread is asked to do.
enum Job {
    /// Append a batch of events.
    Append(Append),
    /// Run a feature's unit of work ([`Lane::unit`]).
    Unit(Work),
}

/// A unit's statements, run in the shared transaction: whether to keep them, and how to
/// answer once the commit's outcome (`None`: committed; `Some(reason)`: undone) is known.
/// Given no connection (the transaction could not begin), it runs nothing and answers so.
type Work = Box<dyn FnOnce(Option<&Connection>) -> (bool, Answer) + Send>;
/// Sends a unit's outcome, given the commit's failure if there was one.
type Answer = Box<dyn FnOnce(Option<String>) + Send>;

/// A batch of events to append, and where to send the indexes of the new ones.
struct Append {
    tenant: TenantId,
    received_ms: i64,
    events: Vec<NewEvent>,
    outbox: Vec<Option<OutboxItem>>,
    reply: oneshot::Sender<Result<Vec<usize>>>,
}

/// The write lane of one SQLite database: the process's write lock (every write transaction
/// holds it) and the queue of the writer thread.
pub struct Lane {
    pub(crate) lock: Arc<Mutex<()>>,
    /// The one pooled connection the other write transactions run on.
    pub(crate) pool: SqlitePool,
    /// The database file, for readers that open their own connection.
    pub(crate) path: String,
    jobs: std::sync::Mutex<Option<mpsc::Sender<Job>>>,
    /// Dropped to stop the checkpoint thread ([`crate::checkpoint`]).
    checkpoints: std::sync::Mutex<Option<mpsc::Sender<()>>>,
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
            .spawn(move || run(conn, l, rx))
            .map_err(|e| StoreError::Db(sqlx::Error::Io(e)))?;
        let checkpoints =
            crate::checkpoint::start(path).map_err(|e| StoreError::Db(sqlx::Error::Io(e)))?;
        Ok(Lane {
            lock,
            pool: writes,
            path: path.to_string(),
            jobs: std::sync::Mutex::new(Some(tx)),
            checkpoints: std::sync::Mutex::new(Some(checkpoints)),
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
        self.send(Job::Append(Append {
            tenant,
            received_ms: crate::now_ms(),
            events,
            outbox,
            reply,
        }))?;
        answer
            .await
            .map_err(|_| StoreError::Commit("the writer stopped before the commit".into()))?
    }

    /// Runs `work` on the writer thread in a transaction shared with the batches and units
    /// queued at the same time (in a savepoint of its own: an `Err` undoes only its
    /// statements), and answers its outcome once the commit returned — an answered `Ok` is
    /// on disk. For a feature's small writes that arrive in a rush (a flash sale's buys):
    /// run here, each statement is a call on this thread instead of a round trip to the
    /// async driver's. Once queued the unit runs even if this future is dropped.
    pub(crate) async fn unit<T: Send + 'static>(
        &self,
        work: impl FnOnce(&Connection) -> Result<T> + Send + 'static,
    ) -> Result<T> {
        let (reply, answer) = oneshot::channel::<Result<T>>();
        let work: Work = Box::new(move |conn: Option<&Connection>| {
            let outcome = match conn {
                Some(conn) => work(conn),
                None => Err(StoreError::Commit("the transaction could not begin".into())),
            };
            let kept = outcome.is_ok();
            let answer: Answer = Box::new(move |failed: Option<String>| {
                let _ = reply.send(match failed {
                    None => outcome,
                    Some(reason) if kept => Err(StoreError::Commit(reason)),
                    Some(_) => outcome,
                });
            });
            (kept, answer)
        });
        self.send(Job::Unit(work))?;
        answer
            .await
            .map_err(|_| StoreError::Commit("the writer stopped before the commit".into()))?
    }

    fn send(&self, job: Job) -> Result<()> {
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

/// The writer thread: takes every queued job (up to [`MAX_GROUP`]), runs each in a
/// savepoint of one `BEGIN IMMEDIATE` transaction, commits once and answers them all.
fn run(mut conn: Connection, lock: Arc<Mutex<()>>, rx: mpsc::Receiver<Job>) {
    let sql = Statements::new();
    while let Ok(first) = rx.recv() {
        let mut batches = usize::from(matches!(first, Job::Append(_)));
        let mut jobs = vec![first];
        while jobs.len() < MAX_JOBS
            && batches < MAX_GROUP
            && let Ok(j) = rx.try_recv()
        {
            batches += usize::from(matches!(j, Job::Append(_)));
            jobs.push(j);
        }
        let _guard = lock.blocking_lock();
        let (answers, committed) = write_group(&mut conn, &sql, jobs);
        let failed = match committed {
            Ok(()) => None,
            Err(e) => {
                tracing::error!(error = %e, jobs = answers.len(), "a group commit failed; its writes were rolled back");
                Some(e.to_string())
            }
        };
        for answer in answers {
            // The caller may have gone away; its writes are committed all the same.
            answer(failed.clone());
        }
    }
    if let Err((_, e)) = conn.close() {
        tracing::warn!(error = %e, "closing the writer's connection");
    }
}

/// One transaction for the group: each job's answer, and whether the commit held.
fn write_group(
    conn: &mut Connection,
    sql: &Statements,
    jobs: Vec<Job>,
) -> (Vec<Answer>, rusqlite::Result<()>) {
    let mut answers = Vec::with_capacity(jobs.len());
    let mut jobs = jobs.into_iter();
    let mut tx = match conn.transaction_with_behavior(TransactionBehavior::Immediate) {
        Ok(tx) => tx,
        Err(e) => {
            for job in jobs {
                answers.push(run_job(None, sql, job).1);
            }
            return (answers, Err(e));
        }
    };
    if jobs.len() == 1 {
        // A lone job needs no savepoint: if it fails, the transaction is dropped.
        if let Some(job) = jobs.next() {
            let (kept, answer) = run_job(Some(&tx), sql, job);
            if !kept {
                return (vec![answer], Ok(()));
            }
            answers.push(answer);
        }
        return (answers, tx.commit());
    }
    for job in jobs {
        let sp = match tx.savepoint() {
            Ok(sp) => sp,
            Err(e) => {
                answers.push(run_job(None, sql, job).1);
                return (answers, Err(e));
            }
        };
        let (kept, answer) = run_job(Some(&sp), sql, job);
        answers.push(answer);
        // Dropping a savepoint not kept rolls back to it.
        if kept && let Err(e) = sp.commit() {
            return (answers, Err(e));
        }
    }
    (answers, tx.commit())
}

/// Runs a job on `conn` (`None`: the transaction could not be begun, so it does not run):
/// whether to keep its writes, and its answer.
fn run_job(conn: Option<&Connection>, sql: &Statements, job: Job) -> (bool, Answer) {
    match job {
        Job::Unit(work) => work(conn),
        Job::Append(job) => {
            let r = match conn {
                Some(conn) => append(conn, sql, &job).map_err(StoreError::from),
                None => Err(StoreError::Commit("the transaction could not begin".into())),
            };
            let kept = r.is_ok();
            let reply = job.reply;
            let answer: Answer = Box::new(move |failed: Option<String>| {
                let _ = reply.send(match failed {
                    Some(reason) if kept => Err(StoreError::Commit(reason)),
                    _ => r,
                });
            });
            (kept, answer)
        }
    }
}

/// Inserts one batch, applies the joins and leaves among its new events to membership and
/// writes their outbox rows; answers the indexes of the new events.
fn append(conn: &Connection, sql: &Statements, job: &Append) -> rusqlite::Result<Vec<usize>> {
    let new = insert_events(conn, sql, job.tenant, job.received_ms, &job.events)?;
    let changes = crate::membership::changes(&job.events, &new);
    crate::membership::apply_sqlite(conn, job.tenant, &changes, |_| true)?;
    let items: Vec<&OutboxItem> = new
        .iter()
        .filter_map(|&i| job.outbox.get(i)?.as_ref())
        .collect();
    let joined = crate::membership::joined_groups(&changes);
    crate::webhook::emit_sqlite(conn, job.tenant, &items, &joined, job.received_ms)?;
    Ok(new)
}

/// Inserts `events` for `tenant`, skipping the idempotency keys it has, with prepared
/// multi-row statements; answers the indexes (into `events`) of the new ones. Membership is
/// the caller's.
pub(crate) fn insert_events(
    conn: &Connection,
    sql: &Statements,
    tenant: TenantId,
    received_ms: i64,
    events: &[NewEvent],
) -> rusqlite::Result<Vec<usize>> {
    let mut new = Vec::with_capacity(events.len());
    let mut done = 0;
    while done < events.len() {
        let left = events.len() - done;
        let rows = [ROWS_PER_INSERT, 10, 1]
            .into_iter()
            .find(|n| *n <= left)
            .unwrap_or(1);
        let chunk = &events[done..done + rows];
        let mut st = conn.prepare_cached(sql.insert(rows))?;
        st.raw_bind_parameter(1, tenant.0)?;
        st.raw_bind_parameter(2, received_ms)?;
        for (r, e) in chunk.iter().enumerate() {
            let p = 3 + r * EVENT_PARAMS;
            st.raw_bind_parameter(p, &e.idempotency_key)?;
            st.raw_bind_parameter(p + 1, e.kind.as_str())?;
            st.raw_bind_parameter(p + 2, e.member_id.0)?;
            st.raw_bind_parameter(p + 3, e.group_id.map(|g| g.0))?;
            st.raw_bind_parameter(p + 4, e.occurred_at_ms)?;
            st.raw_bind_parameter(p + 5, e.amount_fen)?;
            st.raw_bind_parameter(p + 6, &e.product)?;
            st.raw_bind_parameter(p + 7, &e.reference)?;
            st.raw_bind_parameter(p + 8, &e.properties)?;
        }
        let inserted = st.raw_execute()?;
        if inserted == rows {
            new.extend(done..done + rows);
        } else if inserted > 0 {
            // Under the only write lock one statement's new rows get consecutive ids.
            let last = conn.last_insert_rowid();
            let keys = conn
                .prepare_cached(&sql.new_keys)?
                .query_map(params![last - inserted as i64, last], |r| {
                    r.get::<_, String>(0)
                })?
                .collect::<rusqlite::Result<HashSet<String>>>()?;
            new.extend(new_indexes(chunk, &keys).into_iter().map(|i| done + i));
        }
        done += rows;
    }
    Ok(new)
}

/// The store's `$N` placeholders as SQLite's `?N`: both bind by number, but SQLite numbers
/// `$N` (a named parameter to it) by order of appearance.
pub(crate) fn numbered(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len());
    let mut chars = sql.chars().peekable();
    while let Some(c) = chars.next() {
        let digit_next = chars.peek().is_some_and(|n| n.is_ascii_digit());
        out.push(if c == '$' && digit_next { '?' } else { c });
    }
    out
}

#[cfg(test)]
#[path = "writer_units_test.rs"]
mod units_test;
