//! The writer thread's loop: it takes the jobs queued while the previous commit was syncing
//! (event batches, features' units), runs them in one `BEGIN IMMEDIATE` transaction, commits
//! once and only then answers each — an answered job is on disk.
//!
//! A group is first run without savepoints: a savepoint costs a copy of every page a job
//! touches first (SQLite's sub-journal), and jobs rarely fail. When one does, the whole
//! transaction is rolled back and the group runs again with each job in a savepoint of its
//! own, so the failed job is undone alone. Jobs are re-runnable: a rolled-back run left
//! nothing behind.

use std::sync::Arc;
use std::sync::mpsc;

use quanzi_domain::TenantId;
use quanzi_domain::event::NewEvent;
use rusqlite::Connection;
use tokio::sync::{Mutex, oneshot};

use super::events::{Statements, append};
use crate::webhook::OutboxItem;
use crate::{Result, StoreError};

/// Event batches per shared transaction at most; the rest wait for the next one.
const MAX_BATCHES: usize = 32;
/// Jobs per shared transaction at most: event batches and units (a unit is a few rows).
const MAX_JOBS: usize = 256;

/// A job for the writer thread.
pub(super) trait Job: Send {
    /// Runs the job's statements on `conn`, keeping its outcome; true when they succeeded.
    /// May run more than once: each run after a rollback replaces the outcome.
    fn run(&mut self, conn: &mut Connection, sql: &Statements) -> bool;
    /// Whether this job is an event batch (a group takes [`MAX_BATCHES`] at most).
    fn is_batch(&self) -> bool;
    /// Sends the outcome, given the commit's failure if there was one.
    fn answer(self: Box<Self>, failed: Option<String>);
}

/// A feature's unit: its statements and where its outcome goes.
pub(super) struct Unit<T, E, F> {
    pub(super) work: F,
    pub(super) outcome: Option<std::result::Result<T, E>>,
    pub(super) reply: oneshot::Sender<std::result::Result<T, E>>,
}

impl<T, E, F> Job for Unit<T, E, F>
where
    T: Send,
    E: From<StoreError> + Send,
    F: FnMut(&mut Connection) -> std::result::Result<T, E> + Send,
{
    fn run(&mut self, conn: &mut Connection, _: &Statements) -> bool {
        let outcome = (self.work)(conn);
        let ok = outcome.is_ok();
        self.outcome = Some(outcome);
        ok
    }

    fn is_batch(&self) -> bool {
        false
    }

    fn answer(self: Box<Self>, failed: Option<String>) {
        let _ = self.reply.send(settled(self.outcome, failed));
    }
}

/// A batch of events to append, and where to send the indexes of the new ones.
pub(super) struct Append {
    pub(super) tenant: TenantId,
    pub(super) received_ms: i64,
    pub(super) events: Vec<NewEvent>,
    pub(super) outbox: Vec<Option<OutboxItem>>,
    pub(super) outcome: Option<Result<Vec<usize>>>,
    pub(super) reply: oneshot::Sender<Result<Vec<usize>>>,
}

impl Job for Append {
    fn run(&mut self, conn: &mut Connection, sql: &Statements) -> bool {
        let r = append(
            conn,
            sql,
            self.tenant,
            self.received_ms,
            &self.events,
            &self.outbox,
        );
        let ok = r.is_ok();
        self.outcome = Some(r.map_err(StoreError::from));
        ok
    }

    fn is_batch(&self) -> bool {
        true
    }

    fn answer(self: Box<Self>, failed: Option<String>) {
        let _ = self.reply.send(settled(self.outcome, failed));
    }
}

/// A job's answer: its outcome, unless it succeeded and the commit did not.
fn settled<T, E: From<StoreError>>(
    outcome: Option<std::result::Result<T, E>>,
    failed: Option<String>,
) -> std::result::Result<T, E> {
    match (outcome, failed) {
        (Some(Ok(_)), Some(reason)) => Err(StoreError::Commit(reason).into()),
        (Some(outcome), _) => outcome,
        (None, reason) => Err(StoreError::Commit(
            reason.unwrap_or_else(|| "the transaction could not begin".into()),
        )
        .into()),
    }
}

/// The writer thread: takes every queued job (up to [`MAX_JOBS`], [`MAX_BATCHES`] of them
/// event batches), runs them in one transaction, commits once and answers them all.
pub(super) fn run(mut conn: Connection, lock: Arc<Mutex<()>>, rx: mpsc::Receiver<Box<dyn Job>>) {
    let sql: &Statements = &super::STATEMENTS;
    while let Ok(first) = rx.recv() {
        let mut batches = usize::from(first.is_batch());
        let mut jobs = vec![first];
        while jobs.len() < MAX_JOBS
            && batches < MAX_BATCHES
            && let Ok(j) = rx.try_recv()
        {
            batches += usize::from(j.is_batch());
            jobs.push(j);
        }
        let _guard = lock.blocking_lock();
        let failed = match write_group(&mut conn, sql, &mut jobs) {
            Ok(()) => None,
            Err(e) => {
                tracing::error!(error = %e, jobs = jobs.len(), "a group commit failed; its writes were rolled back");
                Some(e.to_string())
            }
        };
        for job in jobs {
            // The caller may have gone away; its writes are committed all the same.
            job.answer(failed.clone());
        }
    }
    if let Err((_, e)) = conn.close() {
        tracing::warn!(error = %e, "closing the writer's connection");
    }
}

/// One transaction for the group: first without savepoints; if a job fails, rolled back
/// and run again with each job in a savepoint. Each job keeps its outcome.
fn write_group(
    conn: &mut Connection,
    sql: &Statements,
    jobs: &mut [Box<dyn Job>],
) -> rusqlite::Result<()> {
    // The transaction is driven by hand, not by rusqlite's `Transaction`, so that each job
    // gets the connection itself (`&mut`, which a feature's unit may hold across its
    // futures' awaits: `&mut Connection` is `Send`, `&Connection` is not).
    conn.execute_batch("begin immediate")?;
    if jobs.iter_mut().all(|j| j.run(conn, sql)) {
        return finish(conn);
    }
    conn.execute_batch("rollback")?;
    if jobs.len() == 1 {
        return Ok(()); // the lone job failed, and nothing of it was kept
    }
    conn.execute_batch("begin immediate")?;
    for job in jobs.iter_mut() {
        if let Err(e) = conn.execute_batch("savepoint job") {
            let _ = conn.execute_batch("rollback");
            return Err(e);
        }
        let kept = if job.run(conn, sql) {
            "release savepoint job"
        } else {
            "rollback to savepoint job; release savepoint job"
        };
        if let Err(e) = conn.execute_batch(kept) {
            let _ = conn.execute_batch("rollback");
            return Err(e);
        }
    }
    finish(conn)
}

/// Commits the open transaction, or rolls it back when the commit fails.
fn finish(conn: &mut Connection) -> rusqlite::Result<()> {
    match conn.execute_batch("commit") {
        Ok(()) => Ok(()),
        Err(e) => {
            if !conn.is_autocommit() {
                let _ = conn.execute_batch("rollback");
            }
            Err(e)
        }
    }
}
