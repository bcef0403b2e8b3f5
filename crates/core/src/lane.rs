//! Shared commits for small units of work that arrive in a rush (a live code's scans, a flash
//! sale's buys). A durable commit costs a WAL sync (about 2 ms on this machine's disk), so a
//! unit in a transaction of its own caps a hot page at a few hundred answers a second. A
//! lane takes the units queued while the previous commit ran, applies each in a savepoint of
//! one transaction (a failed unit is undone alone), commits once, and only then answers each:
//! an answered unit is on disk. The units' rules are their feature's, the same on both stores.

use std::future::Future;
use std::pin::Pin;
use std::sync::OnceLock;

use quanzi_store::{Db, StoreError, Tx};
use tokio::sync::{mpsc, oneshot};

use crate::{CoreError, Result};

/// Units per shared transaction at most.
const MAX_GROUP: usize = 64;

/// A unit's work in the shared transaction.
pub(crate) type Applying<'a, T> = Pin<Box<dyn Future<Output = Result<T>> + Send + 'a>>;

/// One unit of work a lane applies.
pub(crate) trait Unit: Send + Sync + 'static {
    /// What applying it answers.
    type Out: Send + 'static;
    /// Applies the unit in the shared transaction (inside its own savepoint).
    fn apply<'a>(&'a self, tx: &'a mut Tx) -> Applying<'a, Self::Out>;
}

struct Job<U: Unit> {
    unit: U,
    reply: oneshot::Sender<(U, Result<U::Out>)>,
}

/// The units of one kind on one store, queued for shared commits; its task starts with the
/// first unit.
pub(crate) struct Lane<U: Unit> {
    db: Db,
    queue: OnceLock<mpsc::UnboundedSender<Job<U>>>,
}

impl<U: Unit> Lane<U> {
    /// A lane over `db`.
    pub(crate) fn new(db: Db) -> Lane<U> {
        Lane {
            db,
            queue: OnceLock::new(),
        }
    }

    /// Applies `unit` in a transaction shared with the units queued at the same time and
    /// answers once it is committed: the unit back, with its outcome. A commit that failed
    /// is the outcome of every unit in it.
    pub(crate) async fn apply(&self, unit: U) -> Result<(U, Result<U::Out>)> {
        let queue = self.queue.get_or_init(|| {
            let (tx, rx) = mpsc::unbounded_channel();
            tokio::spawn(run(self.db.clone(), rx));
            tx
        });
        let stopped = |m: &str| CoreError::Store(StoreError::Commit(m.into()));
        let (reply, answer) = oneshot::channel();
        queue
            .send(Job { unit, reply })
            .map_err(|_| stopped("the lane stopped"))?;
        answer
            .await
            .map_err(|_| stopped("the lane stopped before the commit"))
    }
}

async fn run<U: Unit>(db: Db, mut rx: mpsc::UnboundedReceiver<Job<U>>) {
    while let Some(first) = rx.recv().await {
        let mut jobs = vec![first];
        while jobs.len() < MAX_GROUP {
            match rx.try_recv() {
                Ok(j) => jobs.push(j),
                Err(_) => break,
            }
        }
        let results = group(&db, &jobs).await;
        for (job, r) in jobs.into_iter().zip(results) {
            // The caller may have gone away; its unit is committed all the same.
            let _ = job.reply.send((job.unit, r));
        }
    }
}

/// One transaction for the jobs: each one's outcome, or the error that undid them all.
async fn group<U: Unit>(db: &Db, jobs: &[Job<U>]) -> Vec<Result<U::Out>> {
    let failed = |e: &dyn std::fmt::Display| -> Vec<Result<U::Out>> {
        let reason = e.to_string();
        jobs.iter()
            .map(|_| Err(CoreError::Store(StoreError::Commit(reason.clone()))))
            .collect()
    };
    let mut tx = match db.begin().await {
        Ok(tx) => tx,
        Err(e) => return failed(&e),
    };
    let mut out = Vec::with_capacity(jobs.len());
    for job in jobs {
        if let Err(e) = tx.savepoint().await {
            return failed(&e);
        }
        let r = job.unit.apply(&mut tx).await;
        let kept = match &r {
            Ok(_) => tx.release().await,
            Err(_) => tx.rollback_to().await,
        };
        if let Err(e) = kept {
            return failed(&e);
        }
        out.push(r);
    }
    if let Err(e) = tx.commit().await {
        tracing::error!(error = %e, units = jobs.len(), "a shared commit failed; its units were rolled back");
        return failed(&e);
    }
    out
}
