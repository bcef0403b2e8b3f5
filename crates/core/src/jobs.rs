//! The worker: fires due schedules, claims jobs with a lease, runs each with the handler its
//! kind has in the [`JobRegistry`] (each feature registers its own, see [`crate::features`]),
//! and records the outcome (done, retry with exponential backoff and jitter, or dead).
//!
//! Jobs that only write the store finish in the transaction of their work, so a job whose
//! lease ran out (its worker was killed or stalled) and was taken over counts exactly once.

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

pub use quanzi_domain::job::NewJob;
use quanzi_domain::{JobId, TenantId};
use quanzi_store::jobs::{self, Failed, JobRow};
use quanzi_store::{Db, Tx, now_ms};

use crate::{CoreError, Result};

/// Why a try failed.
#[derive(Debug, thiserror::Error)]
pub enum JobError {
    /// Worth another try later (a network error, a rate limit, a busy store).
    #[error("{0}")]
    Retry(String),
    /// Will never succeed (bad payload, missing configuration): dead at once.
    #[error("{0}")]
    Fatal(String),
}

impl From<CoreError> for JobError {
    fn from(e: CoreError) -> Self {
        match e {
            // A unique key no caller mapped: retrying writes the same row again.
            CoreError::Store(s @ quanzi_store::StoreError::Conflict { .. }) => {
                JobError::Fatal(s.to_string())
            }
            CoreError::Store(s) => JobError::Retry(s.to_string()),
            other => JobError::Fatal(other.to_string()),
        }
    }
}

impl From<quanzi_store::StoreError> for JobError {
    fn from(e: quanzi_store::StoreError) -> Self {
        JobError::Retry(e.to_string())
    }
}

/// What a job handler returns: its try's outcome, boxed so that handlers of every feature
/// fit in one registry.
pub type JobFuture<'a> =
    Pin<Box<dyn Future<Output = std::result::Result<(), JobError>> + Send + 'a>>;

/// Runs one claimed job of its kind. A success ends the job (with [`Claimed::finish_in`] or
/// [`Claimed::finish`]); an error is recorded by the worker, retried or dead.
pub type JobHandler = for<'a> fn(&'a JobContext, &'a Claimed) -> JobFuture<'a>;

/// Job kinds and their handlers; a kind without one dies at its first try.
#[derive(Clone, Default)]
pub struct JobRegistry {
    handlers: HashMap<&'static str, JobHandler>,
}

impl JobRegistry {
    /// An empty registry.
    pub fn new() -> Self {
        Self::default()
    }

    /// Registers the handler of jobs of `kind`, e.g.
    /// `registry.add(RUN_JOB, |ctx, c| Box::pin(run_job(ctx, c)))`.
    ///
    /// # Panics
    /// When `kind` already has a handler: two features claiming one kind is a bug to stop at
    /// start-up, not a handler to pick at random.
    pub fn add(&mut self, kind: &'static str, handler: JobHandler) -> &mut Self {
        let before = self.handlers.insert(kind, handler);
        assert!(before.is_none(), "job kind {kind:?} has two handlers");
        self
    }

    /// The handler of jobs of `kind`.
    pub fn get(&self, kind: &str) -> Option<JobHandler> {
        self.handlers.get(kind).copied()
    }

    /// The registered kinds, sorted.
    pub fn kinds(&self) -> Vec<&'static str> {
        let mut kinds: Vec<_> = self.handlers.keys().copied().collect();
        kinds.sort_unstable();
        kinds
    }
}

impl std::fmt::Debug for JobRegistry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_set().entries(self.kinds()).finish()
    }
}

/// What every job can use.
#[derive(Clone, Debug)]
pub struct JobContext {
    /// The store.
    pub db: Db,
    /// HTTP client for webhooks and the WeCom API, under the server's egress policy.
    pub http: reqwest::Client,
    /// The server's own settings: the sealing key, egress, the WeCom API base.
    pub server: crate::server::ServerSettings,
    /// Cached WeCom access tokens.
    pub tokens: std::sync::Arc<crate::wecom_api::TokenCache>,
    /// First pause before retrying a rate-limited WeCom call.
    pub api_retry_base: Duration,
    /// The handlers of the job kinds this worker runs.
    pub registry: Arc<JobRegistry>,
}

impl JobContext {
    /// A context over `db` and the server's settings, with a 10 s HTTP timeout and every
    /// feature's jobs.
    pub fn new(db: Db, server: crate::server::ServerSettings) -> Self {
        JobContext {
            db,
            http: server.http_client(),
            server,
            tokens: Default::default(),
            api_retry_base: crate::wecom_sync::RETRY_BASE,
            registry: Arc::new(crate::features::job_registry()),
        }
    }
}

/// A claimed job and the claim that holds it.
#[derive(Debug, Clone)]
pub struct Claimed {
    /// The job.
    pub job: JobRow,
    /// The claim token.
    pub claim: String,
}

impl Claimed {
    /// The job's tenant.
    pub fn tenant(&self) -> TenantId {
        TenantId(self.job.tenant_id)
    }

    /// The payload as JSON.
    pub fn payload(&self) -> std::result::Result<serde_json::Value, JobError> {
        serde_json::from_str(&self.job.payload)
            .map_err(|e| JobError::Fatal(format!("payload is not JSON: {e}")))
    }

    /// Marks the job done in `tx` (the transaction of its work). `Ok(false)`: the claim was
    /// lost, so the caller must drop `tx` and its work.
    pub async fn finish_in(&self, tx: &mut Tx) -> Result<bool> {
        Ok(jobs::finish(tx, &self.job, &self.claim, now_ms()).await?)
    }

    /// Marks the job done on its own (for jobs whose work is outside the store).
    pub async fn finish(&self, db: &Db) -> Result<bool> {
        let mut tx = db.begin().await?;
        let ok = self.finish_in(&mut tx).await?;
        tx.commit().await?;
        Ok(ok)
    }
}

/// Settings of a worker.
#[derive(Debug, Clone)]
pub struct WorkerOptions {
    /// Name in claims and logs.
    pub name: String,
    /// How long a claim holds a job before another worker may take it.
    pub lease: Duration,
    /// Jobs per claim.
    pub batch: i64,
    /// Sleep when there was nothing to do.
    pub idle: Duration,
}

impl Default for WorkerOptions {
    fn default() -> Self {
        WorkerOptions {
            name: format!("worker-{}", std::process::id()),
            lease: Duration::from_secs(300),
            batch: 8,
            idle: Duration::from_millis(500),
        }
    }
}

/// A claim token unique to this round: worker name and random bits.
pub fn claim_token(name: &str) -> String {
    let mut b = [0u8; 8];
    let _ = getrandom::fill(&mut b);
    format!("{name}:{}", hex::encode(b))
}

/// Up to `max_ms` of random jitter.
pub fn jitter(max_ms: i64) -> i64 {
    let mut b = [0u8; 8];
    let _ = getrandom::fill(&mut b);
    let r = i64::from_le_bytes(b).unsigned_abs();
    if max_ms <= 0 {
        0
    } else {
        i64::try_from(r % max_ms.unsigned_abs()).unwrap_or(0)
    }
}

/// Enqueues due schedules' jobs at `now`; returns how many fired.
pub async fn fire_schedules(db: &Db, now: i64) -> Result<usize> {
    let mut fired = 0;
    for s in jobs::due_schedules(db, now).await? {
        let next = crate::schedule::next_after(&s.cron, now).unwrap_or(now + 86_400_000);
        if jobs::fire_schedule(db, &s, next, now).await? {
            fired += 1;
        }
    }
    Ok(fired)
}

/// Claims one batch at `now` and runs it; returns how many jobs ran.
pub async fn run_once(ctx: &JobContext, opts: &WorkerOptions, now: i64) -> Result<usize> {
    let claim = claim_token(&opts.name);
    let lease = i64::try_from(opts.lease.as_millis()).unwrap_or(300_000);
    let batch = jobs::claim(&ctx.db, &claim, now, lease, opts.batch).await?;
    let n = batch.len();
    for job in batch {
        run_claimed(
            ctx,
            Claimed {
                job,
                claim: claim.clone(),
            },
        )
        .await?;
    }
    Ok(n)
}

/// Runs one claimed job and records a failure (a success is recorded by the handler).
pub async fn run_claimed(ctx: &JobContext, c: Claimed) -> Result<()> {
    let outcome = dispatch(ctx, &c).await;
    let error = match outcome {
        Ok(()) => return Ok(()),
        Err(e) => e,
    };
    let mut job = c.job.clone();
    if matches!(error, JobError::Fatal(_)) {
        job.attempts = job.max_attempts;
    }
    let half = job
        .backoff_ms
        .saturating_mul(1 << job.attempts.clamp(1, 20))
        / 4;
    let result = jobs::fail(
        &ctx.db,
        &job,
        &c.claim,
        &error.to_string(),
        now_ms(),
        jitter(half),
    )
    .await?;
    match result {
        Failed::Dead => tracing::warn!(job = job.job_id, kind = %job.kind, %error, "job dead"),
        Failed::Retry(at) => {
            tracing::info!(job = job.job_id, kind = %job.kind, %error, at, "job retried later")
        }
        Failed::Lost => tracing::warn!(job = job.job_id, "job lost its claim while failing"),
    }
    Ok(())
}

async fn dispatch(ctx: &JobContext, c: &Claimed) -> std::result::Result<(), JobError> {
    match ctx.registry.get(&c.job.kind) {
        Some(handler) => handler(ctx, c).await,
        None => Err(JobError::Fatal(format!(
            "no handler for job kind {:?}",
            c.job.kind
        ))),
    }
}

/// Done jobs are kept this long (a week) for the Settings page, then purged.
pub const KEEP_DONE_MS: i64 = 7 * 86_400_000;
/// How often a worker purges old done jobs.
const PURGE_EVERY_MS: i64 = 3_600_000;

/// Runs jobs until `stop` completes: schedules, then claims, sleeping when idle.
pub async fn run_worker(
    ctx: JobContext,
    opts: WorkerOptions,
    stop: impl std::future::Future<Output = ()>,
) {
    tokio::pin!(stop);
    tracing::info!(worker = %opts.name, "worker started");
    let mut purged_at = 0;
    loop {
        let now = now_ms();
        if now - purged_at > PURGE_EVERY_MS {
            purged_at = now;
            match jobs::purge_done(&ctx.db, now - KEEP_DONE_MS).await {
                Ok(n) if n > 0 => tracing::info!(jobs = n, "old done jobs purged"),
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "purging done jobs failed"),
            }
        }
        let busy = match fire_schedules(&ctx.db, now).await {
            Ok(_) => run_once(&ctx, &opts, now).await,
            Err(e) => Err(e),
        };
        let pause = match busy {
            Ok(n) if n > 0 => Duration::ZERO,
            Ok(_) => opts.idle,
            Err(e) => {
                tracing::warn!(error = %e, "worker round failed");
                opts.idle * 4
            }
        };
        tokio::select! {
            _ = &mut stop => break,
            _ = tokio::time::sleep(pause) => {}
        }
    }
    tracing::info!(worker = %opts.name, "worker stopped");
}

/// Enqueues one job on its own transaction.
pub async fn enqueue(db: &Db, t: TenantId, job: &NewJob) -> Result<Option<i64>> {
    let mut tx = db.begin().await?;
    let id = jobs::enqueue(&mut tx, t, job, now_ms()).await?;
    tx.commit().await?;
    Ok(id)
}

/// Puts a dead job back in the queue.
pub async fn retry(db: &Db, t: TenantId, job_id: JobId) -> Result<()> {
    let mut tx = db.begin().await?;
    let ok = jobs::retry(&mut tx, t, job_id.0, now_ms()).await?;
    tx.commit().await?;
    if ok {
        Ok(())
    } else {
        Err(CoreError::NotFound("job"))
    }
}

/// Kind of a job that does nothing but finish (for checks of the queue itself).
pub const TEST_JOB: &str = "noop";

/// Registers the queue's own [`TEST_JOB`].
pub fn register(registry: &mut JobRegistry) {
    registry.add(TEST_JOB, |ctx, c| Box::pin(run_test_job(ctx, c)));
}

async fn run_test_job(ctx: &JobContext, c: &Claimed) -> std::result::Result<(), JobError> {
    c.finish(&ctx.db).await?;
    Ok(())
}
