//! The durable job queue: enqueue (in the caller's transaction), claim with a lease, finish,
//! fail with backoff or die; recurring schedules. Claims use `FOR UPDATE SKIP LOCKED` on
//! PostgreSQL and the single write lane on SQLite, so no two workers hold the same job.
//!
//! Time is always passed in (`now_ms`), so the queue's rules are tested without waiting.

use quanzi_domain::TenantId;
use serde::Serialize;

pub use quanzi_domain::job::NewJob;

use crate::on::On;
use crate::{Db, Result, Tx, on_pool, on_tx};

/// A job as stored.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct JobRow {
    /// Id.
    pub job_id: i64,
    /// Owner.
    pub tenant_id: i64,
    /// What runs it.
    pub kind: String,
    /// Input, JSON text.
    pub payload: String,
    /// `pending`, `running`, `done` or `dead`.
    pub state: String,
    /// Due time, unix ms.
    pub run_at_ms: i64,
    /// Tries so far (a claim counts as a try).
    pub attempts: i64,
    /// Tries before it is dead.
    pub max_attempts: i64,
    /// Backoff base, ms.
    pub backoff_ms: i64,
    /// The claim holding it, while running.
    pub locked_by: Option<String>,
    /// End of the claim's lease, unix ms.
    pub locked_until_ms: Option<i64>,
    /// Why the last try failed.
    pub last_error: Option<String>,
    /// Last change, unix ms.
    pub updated_at_ms: i64,
}

const COLUMNS: &str = "job_id, tenant_id, kind, payload, state, run_at_ms, attempts, max_attempts,
    backoff_ms, locked_by, locked_until_ms, last_error, updated_at_ms";

/// A new job: `$1` tenant, `$2` kind, `$3` payload, `$4` run at, `$5` tries, `$6` backoff,
/// `$7` singleton key, `$8` now; returns its id, none when its singleton key is taken.
pub(crate) const ENQUEUE_SQL: &str =
    "insert into job (tenant_id, kind, payload, state, run_at_ms, attempts, max_attempts,
        backoff_ms, singleton_key, created_at_ms, updated_at_ms)
     values ($1, $2, $3, 'pending', $4, 0, $5, $6, $7, $8, $8)
     on conflict do nothing returning job_id";

/// Enqueues a job in an open transaction, so it exists exactly when the change that asked for
/// it does. Returns its id, or `None` when a pending or running job holds its singleton key.
pub async fn enqueue(
    tx: &mut Tx,
    tenant: TenantId,
    job: &NewJob,
    now_ms: i64,
) -> Result<Option<i64>> {
    let payload = job.payload.to_string();
    on_tx!(tx, c => sqlx::query_scalar::<_, i64>(ENQUEUE_SQL)
        .bind(tenant.0).bind(&job.kind).bind(payload).bind(job.run_at_ms)
        .bind(job.max_attempts.max(1)).bind(job.backoff_ms.max(0)).bind(&job.singleton_key)
        .bind(now_ms).fetch_optional(c).await.map_err(Into::into))
}

/// [`enqueue`] in a unit's transaction ([`On`]).
pub async fn enqueue_on(
    on: &mut On<'_>,
    tenant: TenantId,
    job: &NewJob,
    now_ms: i64,
) -> Result<Option<i64>> {
    match on {
        On::Tx(tx) => enqueue(tx, tenant, job, now_ms).await,
        On::Writer(c) => Ok(enqueue_sqlite(c, tenant, job, now_ms)?),
    }
}

/// [`enqueue`] on the embedded store's writer connection, in its open transaction.
pub(crate) fn enqueue_sqlite(
    c: &rusqlite::Connection,
    tenant: TenantId,
    job: &NewJob,
    now_ms: i64,
) -> rusqlite::Result<Option<i64>> {
    static SQL: std::sync::LazyLock<String> =
        std::sync::LazyLock::new(|| crate::writer::numbered(ENQUEUE_SQL));
    let mut st = c.prepare_cached(&SQL)?;
    let mut rows = st.query(rusqlite::params![
        tenant.0,
        job.kind,
        job.payload.to_string(),
        job.run_at_ms,
        job.max_attempts.max(1),
        job.backoff_ms.max(0),
        job.singleton_key,
        now_ms
    ])?;
    // A taken singleton key answers no row: the job is there already.
    match rows.next()? {
        Some(r) => Ok(Some(r.get(0)?)),
        None => Ok(None),
    }
}

/// Jobs due (pending and due, or running with an expired lease — a worker that died),
/// oldest due first.
const DUE: &str =
    "(state = 'pending' and run_at_ms <= $3) or (state = 'running' and locked_until_ms < $3)";

/// Claims up to `limit` due jobs for `claim` (a token unique to this claim round) until
/// `now_ms + lease_ms`; each claim counts as a try. A job whose lease ran out (its worker
/// was killed) is due again.
pub async fn claim(
    db: &Db,
    claim: &str,
    now_ms: i64,
    lease_ms: i64,
    limit: i64,
) -> Result<Vec<JobRow>> {
    let until = now_ms + lease_ms;
    let mut tx = db.begin().await?;
    let lock = if tx.is_sqlite() {
        // The write lane already makes this the only writer.
        ""
    } else {
        " for update skip locked"
    };
    let sql = format!(
        "update job set state = 'running', attempts = attempts + 1, locked_by = $1,
            locked_until_ms = $2, updated_at_ms = $3
         where (tenant_id, job_id) in (select tenant_id, job_id from job where {DUE}
            order by run_at_ms, job_id limit $4{lock})
         returning {COLUMNS}"
    );
    let mut rows: Vec<JobRow> = on_tx!(&mut tx, c => sqlx::query_as::<_, JobRow>(sqlx::AssertSqlSafe(sql))
        .bind(claim).bind(until).bind(now_ms).bind(limit).fetch_all(c).await)?;
    tx.commit().await?;
    rows.sort_by_key(|r| (r.run_at_ms, r.job_id));
    Ok(rows)
}

/// Marks a claimed job done. False when the claim no longer holds it (its lease ran out and
/// another worker took it): the caller's work is then not the one that counts.
pub async fn finish(tx: &mut Tx, job: &JobRow, claim: &str, now_ms: i64) -> Result<bool> {
    let n = on_tx!(tx, c => sqlx::query(
        "update job set state = 'done', locked_by = null, locked_until_ms = null, last_error = null,
            updated_at_ms = $3
         where tenant_id = $4 and job_id = $1 and locked_by = $2 and state = 'running'")
        .bind(job.job_id).bind(claim).bind(now_ms).bind(job.tenant_id).execute(c).await.map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

/// What became of a failed try.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Failed {
    /// It runs again at this time.
    Retry(i64),
    /// It is dead (no tries left), kept with its error.
    Dead,
    /// The claim no longer held it.
    Lost,
}

/// Records a failed try: the job runs again after `backoff_ms · 2^(attempts−1)` plus
/// `jitter_ms`, or is dead when its tries are used up.
pub async fn fail(
    db: &Db,
    job: &JobRow,
    claim: &str,
    error: &str,
    now_ms: i64,
    jitter_ms: i64,
) -> Result<Failed> {
    let error: String = error.chars().take(2_000).collect();
    let dead = job.attempts >= job.max_attempts;
    let exp = u32::try_from(job.attempts.clamp(1, 30) - 1).unwrap_or(0);
    let delay = job
        .backoff_ms
        .saturating_mul(1_i64 << exp)
        .min(6 * 3_600_000)
        .saturating_add(jitter_ms.max(0));
    let run_at = now_ms.saturating_add(delay);
    let state = if dead { "dead" } else { "pending" };
    let mut tx = db.begin().await?;
    let n = on_tx!(&mut tx, c => sqlx::query(
        "update job set state = $3, run_at_ms = $4, last_error = $5, locked_by = null,
            locked_until_ms = null, updated_at_ms = $6
         where tenant_id = $7 and job_id = $1 and locked_by = $2 and state = 'running'")
        .bind(job.job_id).bind(claim).bind(state).bind(run_at).bind(&error).bind(now_ms).bind(job.tenant_id)
        .execute(c).await.map(|r| r.rows_affected()))?;
    tx.commit().await?;
    Ok(match (n, dead) {
        (0, _) => Failed::Lost,
        (_, true) => Failed::Dead,
        (_, false) => Failed::Retry(run_at),
    })
}

/// Puts a dead (or pending) job of the tenant back in the queue, due now with fresh tries.
/// False when the tenant has no such job, or it is running or done.
pub async fn retry(tx: &mut Tx, tenant: TenantId, job_id: i64, now_ms: i64) -> Result<bool> {
    let n = on_tx!(tx, c => sqlx::query(
        "update job set state = 'pending', attempts = 0, run_at_ms = $3, updated_at_ms = $3
         where tenant_id = $1 and job_id = $2 and state in ('dead', 'pending')")
        .bind(tenant.0).bind(job_id).bind(now_ms).execute(c).await.map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

/// A job of the tenant.
pub async fn get(db: &Db, tenant: TenantId, job_id: i64) -> Result<Option<JobRow>> {
    let sql = format!("select {COLUMNS} from job where tenant_id = $1 and job_id = $2");
    on_pool!(db, p => sqlx::query_as::<_, JobRow>(sqlx::AssertSqlSafe(sql))
        .bind(tenant.0).bind(job_id).fetch_optional(p).await.map_err(Into::into))
}

/// The tenant's jobs in `state` (any when `None`), newest first, below the job id `before`
/// (a cursor): read on `job_tenant` or the key `job_pkey` in their order, never sorted.
pub async fn list_before(
    db: &Db,
    tenant: TenantId,
    state: Option<&str>,
    before: Option<i64>,
    limit: i64,
) -> Result<Vec<JobRow>> {
    let (sql, args) = list_query(tenant, state, before, limit, db.is_sqlite());
    on_pool!(db, p => crate::bind_args!(sqlx::query_as::<_, JobRow>(sqlx::AssertSqlSafe(sql)), args)
        .fetch_all(p).await.map_err(Into::into))
}

/// The tenant's jobs in `state` (any when `None`), newest first: the first page.
pub async fn list(
    db: &Db,
    tenant: TenantId,
    state: Option<&str>,
    limit: i64,
) -> Result<Vec<JobRow>> {
    list_before(db, tenant, state, None, limit).await
}

/// The statement and arguments of [`list_before`]: one shape per filter, so each has its index.
pub(crate) fn list_query(
    tenant: TenantId,
    state: Option<&str>,
    before: Option<i64>,
    limit: i64,
    sqlite: bool,
) -> (String, Vec<crate::Arg>) {
    use crate::Arg;
    let mut b = crate::SqlBuf::new(&format!("select {COLUMNS} from job where tenant_id = "));
    b.bind(Arg::I64(tenant.0));
    if let Some(s) = state {
        b.push(" and state = ");
        b.bind(Arg::Str(s.to_owned()));
    }
    if let Some(id) = before {
        b.push(" and job_id < ");
        b.bind(Arg::I64(id));
    }
    b.push(" order by job_id desc limit ");
    b.bind(Arg::I64(limit));
    b.finish(sqlite)
}

/// How many of the tenant's jobs are in each state: `(state, count)`.
pub async fn counts(db: &Db, tenant: TenantId) -> Result<Vec<(String, i64)>> {
    on_pool!(db, p => sqlx::query_as::<_, (String, i64)>(
        "select state, count(*) from job where tenant_id = $1 group by state order by state")
        .bind(tenant.0).fetch_all(p).await.map_err(Into::into))
}

/// A recurring schedule.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct ScheduleRow {
    /// Id.
    pub job_schedule_id: i64,
    /// Owner.
    pub tenant_id: i64,
    /// Unique per tenant, e.g. `wecom.nightly_sync`.
    pub name: String,
    /// Cron expression.
    pub cron: String,
    /// Kind of the jobs it enqueues.
    pub kind: String,
    /// Payload of those jobs, JSON text.
    pub payload: String,
    /// Next due time, unix ms.
    pub next_run_at_ms: i64,
}

/// Creates or replaces the tenant's schedule `name`.
pub async fn put_schedule(
    tx: &mut Tx,
    tenant: TenantId,
    name: &str,
    cron: &str,
    kind: &str,
    payload: &serde_json::Value,
    next_run_at_ms: i64,
) -> Result<()> {
    on_tx!(tx, c => sqlx::query(
        "insert into job_schedule (tenant_id, name, cron, kind, payload, next_run_at_ms, enabled)
         values ($1, $2, $3, $4, $5, $6, $7)
         on conflict (tenant_id, name) do update set cron = excluded.cron, kind = excluded.kind,
            payload = excluded.payload, next_run_at_ms = excluded.next_run_at_ms, enabled = excluded.enabled")
        .bind(tenant.0).bind(name).bind(cron).bind(kind).bind(payload.to_string())
        .bind(next_run_at_ms).bind(true).execute(c).await.map(|r| r.rows_affected()))?;
    Ok(())
}

/// Schedules due at `now_ms`, every tenant.
pub async fn due_schedules(db: &Db, now_ms: i64) -> Result<Vec<ScheduleRow>> {
    on_pool!(db, p => sqlx::query_as::<_, ScheduleRow>(
        "select job_schedule_id, tenant_id, name, cron, kind, payload, next_run_at_ms
         from job_schedule where enabled = $1 and next_run_at_ms <= $2 order by next_run_at_ms limit 100")
        .bind(true).bind(now_ms).fetch_all(p).await.map_err(Into::into))
}

/// Moves a schedule from the due time it was read at to `next_ms` and, in the same
/// transaction, enqueues its job. False when another worker already fired it.
pub async fn fire_schedule(db: &Db, s: &ScheduleRow, next_ms: i64, now_ms: i64) -> Result<bool> {
    let mut tx = db.begin().await?;
    let n = on_tx!(&mut tx, c => sqlx::query(
        "update job_schedule set next_run_at_ms = $3 where tenant_id = $4 and job_schedule_id = $1 and next_run_at_ms = $2")
        .bind(s.job_schedule_id).bind(s.next_run_at_ms).bind(next_ms).bind(s.tenant_id).execute(c).await.map(|r| r.rows_affected()))?;
    if n != 1 {
        return Ok(false);
    }
    let payload = serde_json::from_str(&s.payload).unwrap_or(serde_json::Value::Null);
    let mut job = NewJob::new(&s.kind, payload, now_ms);
    job.singleton_key = Some(format!("schedule:{}", s.name));
    enqueue(&mut tx, TenantId(s.tenant_id), &job, now_ms).await?;
    tx.commit().await?;
    Ok(true)
}

/// The tenant's schedules.
pub async fn schedules(db: &Db, tenant: TenantId) -> Result<Vec<ScheduleRow>> {
    on_pool!(db, p => sqlx::query_as::<_, ScheduleRow>(
        "select job_schedule_id, tenant_id, name, cron, kind, payload, next_run_at_ms
         from job_schedule where tenant_id = $1 order by name")
        .bind(tenant.0).fetch_all(p).await.map_err(Into::into))
}

/// Deletes done jobs last changed before `before_ms` (dead ones are kept for the operator).
pub async fn purge_done(db: &Db, before_ms: i64) -> Result<u64> {
    let mut tx = db.begin().await?;
    let n = on_tx!(&mut tx, c => sqlx::query(
        "delete from job where state = 'done' and updated_at_ms < $1")
        .bind(before_ms).execute(c).await.map(|r| r.rows_affected()))?;
    tx.commit().await?;
    Ok(n)
}
