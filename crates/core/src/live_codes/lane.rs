//! Scans share commits. A durable commit costs a WAL sync (about 2 ms on this machine's
//! disk), so a scan in a transaction of its own caps a code's landing page at a few hundred
//! visitors a second. The lane takes the scans queued while the previous commit ran, applies
//! each in a savepoint of one transaction (a failed scan is undone alone), commits once, and
//! only then answers each — an answered scan is on disk. The rules are [`super::scan`]'s,
//! the same on both stores.

use std::collections::HashMap;
use std::sync::OnceLock;

use quanzi_domain::TenantId;
use quanzi_store::{Db, StoreError, now_ms};
use tokio::sync::{mpsc, oneshot};

use super::scan::{Applied, Landing, Prepared, ScanInput, apply, finish, prepare, prepare_code};
use crate::views::LiveCode;
use crate::{CoreError, Result};

/// Scans per shared transaction at most.
const MAX_GROUP: usize = 64;

struct Job {
    t: TenantId,
    p: Prepared,
    reply: oneshot::Sender<(Prepared, Result<Applied>)>,
}

/// How long a group found at its hard capacity is believed full (a member may leave, a
/// seat expire): routing looks at it last meanwhile.
const FULL_HINT_MS: i64 = 30_000;

/// The scans of one store, queued for shared commits; the lane starts with the first scan.
pub struct Scanner {
    db: Db,
    queue: OnceLock<mpsc::UnboundedSender<Job>>,
    /// (tenant, group) → until when it is believed full. A hint only: it can make routing
    /// look at a group later, never put anyone past a cap (the loads are read in the scan's
    /// transaction, and a new group is opened only on the loads of every group).
    full: std::sync::Mutex<HashMap<(i64, i64), i64>>,
}

impl std::fmt::Debug for Scanner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Scanner").finish_non_exhaustive()
    }
}

impl Scanner {
    /// A scanner over `db`.
    pub fn new(db: Db) -> Scanner {
        Scanner {
            db,
            queue: OnceLock::new(),
            full: std::sync::Mutex::new(HashMap::new()),
        }
    }

    /// Routes a scan of code `id` (as [`super::scan::scan`]), sharing its commit with the
    /// scans queued at the same time.
    pub async fn scan(&self, t: TenantId, id: i64, input: ScanInput) -> Result<Landing> {
        let p = prepare(&self.db, t, id, input).await?;
        self.queue(t, p).await
    }

    /// [`Scanner::scan`] of a code the caller has read already.
    pub async fn scan_code(
        &self,
        t: TenantId,
        code: LiveCode,
        input: ScanInput,
    ) -> Result<Landing> {
        let p = prepare_code(&self.db, t, code, input).await?;
        self.queue(t, p).await
    }

    async fn queue(&self, t: TenantId, p: Prepared) -> Result<Landing> {
        // A scan PostgreSQL chose as a deadlock victim (locks of codes and programmes taken
        // by concurrent transactions in different orders) is tried again, twice at most.
        let mut p = p;
        for _ in 0..2 {
            match self.queue_once(t, p).await {
                Err((Some(back), e)) if retryable(&e) => p = back,
                Err((_, e)) => return Err(e),
                Ok(landing) => return Ok(landing),
            }
        }
        self.queue_once(t, p).await.map_err(|(_, e)| e)
    }

    async fn queue_once(
        &self,
        t: TenantId,
        mut p: Prepared,
    ) -> std::result::Result<Landing, (Option<Prepared>, CoreError)> {
        let now = now_ms();
        if let Ok(mut full) = self.full.lock() {
            full.retain(|_, until| *until > now);
            p.skip = full.keys().filter(|k| k.0 == t.0).map(|k| k.1).collect();
        }
        let queue = self.queue.get_or_init(|| {
            let (tx, rx) = mpsc::unbounded_channel();
            tokio::spawn(run(self.db.clone(), rx));
            tx
        });
        let stopped = |m: &str| (None, CoreError::Store(StoreError::Commit(m.into())));
        let (reply, answer) = oneshot::channel();
        queue
            .send(Job { t, p, reply })
            .map_err(|_| stopped("the scan lane stopped"))?;
        let (p, applied) = answer
            .await
            .map_err(|_| stopped("the scan lane stopped before the commit"))?;
        let applied = match applied {
            Ok(a) => a,
            Err(e) => return Err((Some(p), e)),
        };
        if let Ok(mut full) = self.full.lock() {
            for g in &applied.full {
                full.insert((t.0, *g), now + FULL_HINT_MS);
            }
        }
        finish(&self.db, t, p, applied).await.map_err(|e| (None, e))
    }
}

/// Whether a scan's error is a race the database resolved by aborting it.
fn retryable(e: &CoreError) -> bool {
    matches!(e, CoreError::Store(s) if s.is_retryable())
}

async fn run(db: Db, mut rx: mpsc::UnboundedReceiver<Job>) {
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
            // The scanner may have gone away; its scan is committed all the same.
            let _ = job.reply.send((job.p, r));
        }
    }
}

/// One transaction for the jobs: each one's outcome, or the error that undid them all.
async fn group(db: &Db, jobs: &[Job]) -> Vec<Result<Applied>> {
    let failed = |e: &dyn std::fmt::Display| -> Vec<Result<Applied>> {
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
        let r = apply(&mut tx, job.t, &job.p).await;
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
        tracing::error!(error = %e, scans = jobs.len(), "a shared scan commit failed; its scans were rolled back");
        return failed(&e);
    }
    out
}
