//! Influence runs: asking for one (validated, checked against the tenant's data, stored with
//! its job), the nightly scores schedule, and reading runs back as the API shows them.

use quanzi_domain::influence::RunParams;
use quanzi_domain::{Invalid, RunId, TenantId};
use quanzi_store::influence::{self as store, RunRow};
use quanzi_store::jobs::NewJob;
use quanzi_store::{Db, now_ms};
use serde::Serialize;
use serde_json::json;

use super::{RUN_JOB, RunRequest};
use crate::{CoreError, Result};

/// A run as the API shows it.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Run {
    /// Id.
    #[cfg_attr(feature = "openapi", schema(value_type = i64))]
    pub run_id: RunId,
    /// `scores`, `seeds` or `simulate`.
    pub kind: String,
    /// `pending`, `running`, `done` or `failed`.
    pub state: String,
    /// 0 to 1.
    pub progress: f64,
    /// What it is doing now.
    pub stage: Option<String>,
    /// Its parameters, as validated.
    pub params: serde_json::Value,
    /// Its result, once done.
    pub result: Option<serde_json::Value>,
    /// Why it failed.
    pub error: Option<String>,
    /// Asked for at, unix ms.
    pub created_at_ms: i64,
    /// Started at, unix ms.
    pub started_at_ms: Option<i64>,
    /// Finished at, unix ms.
    pub finished_at_ms: Option<i64>,
}

impl From<RunRow> for Run {
    fn from(r: RunRow) -> Self {
        Run {
            run_id: RunId(r.run_id),
            kind: r.kind,
            state: r.state,
            progress: r.progress,
            stage: r.stage,
            params: serde_json::from_str(&r.params).unwrap_or_default(),
            result: r.result.and_then(|s| serde_json::from_str(&s).ok()),
            error: r.error,
            created_at_ms: r.created_at_ms,
            started_at_ms: r.started_at_ms,
            finished_at_ms: r.finished_at_ms,
        }
    }
}

/// Validates `req` against the tenant's data, stores the run and enqueues its job in one
/// transaction.
pub async fn request(db: &Db, t: TenantId, req: &RunRequest) -> Result<Run> {
    let params = req.parse()?;
    check_references(db, t, &params).await?;
    let text = serde_json::to_string(&params).map_err(|e| CoreError::Conflict(e.to_string()))?;
    let now = now_ms();
    let mut tx = db.begin().await?;
    let run_id = store::create_run(&mut tx, t, params.kind(), &text, now).await?;
    let mut job = NewJob::new(RUN_JOB, json!({ "run_id": run_id }), now);
    job.max_attempts = 3;
    job.backoff_ms = 5_000;
    quanzi_store::jobs::enqueue(&mut tx, t, &job, now).await?;
    if matches!(params, RunParams::Scores { .. }) {
        // Once a tenant has scores, they are kept fresh every night.
        let next = crate::schedule::next_after(NIGHTLY_CRON, now).unwrap_or(now + 86_400_000);
        quanzi_store::jobs::put_schedule(
            &mut tx,
            t,
            NIGHTLY,
            NIGHTLY_CRON,
            RUN_JOB,
            &json!({}),
            next,
        )
        .await?;
    }
    tx.commit().await?;
    get(db, t, RunId(run_id)).await
}

/// The name of the nightly scores schedule.
pub const NIGHTLY: &str = "influence-nightly";
/// When it runs, Asia/Shanghai: 03:30, after the nightly WeCom sync.
pub const NIGHTLY_CRON: &str = "30 3 * * *";

/// Refuses ids of groups, tags and members the tenant does not have.
async fn check_references(db: &Db, t: TenantId, params: &RunParams) -> Result<()> {
    let mut bad = Invalid::default();
    match params {
        RunParams::Scores { .. } => {}
        RunParams::Seeds { candidates, .. } => {
            if let Some(g) = candidates.group_id
                && quanzi_store::group::get(db, t, quanzi_domain::GroupId(g))
                    .await?
                    .is_none()
            {
                bad.push("group_id", "no such group");
            }
            for (field, tag) in [
                ("tag_id", candidates.tag_id),
                ("exclude_tag_id", candidates.exclude_tag_id),
            ] {
                if let Some(tag) = tag
                    && quanzi_store::tag::get(db, t, quanzi_domain::TagId(tag))
                        .await?
                        .is_none()
                {
                    bad.push(field, "no such tag");
                }
            }
        }
        RunParams::Simulate { member_ids, .. } => {
            let known = quanzi_store::member::existing(db, t, member_ids).await?;
            let missing: Vec<String> = member_ids
                .iter()
                .filter(|m| !known.contains(m))
                .map(i64::to_string)
                .collect();
            if !missing.is_empty() {
                bad.push(
                    "member_ids",
                    format!("no such members: {}", missing.join(", ")),
                );
            }
        }
    }
    Ok(bad.or_ok(())?)
}

/// One run of the tenant.
pub async fn get(db: &Db, t: TenantId, run_id: RunId) -> Result<Run> {
    store::get_run(db, t, run_id.0)
        .await?
        .map(Run::from)
        .ok_or(CoreError::NotFound("run"))
}

/// The tenant's latest runs, newest first.
pub async fn list(db: &Db, t: TenantId, kind: Option<&str>, limit: i64) -> Result<Vec<Run>> {
    if let Some(k) = kind
        && !["scores", "seeds", "simulate"].contains(&k)
    {
        return Err(Invalid::one("kind", "must be scores, seeds or simulate").into());
    }
    Ok(store::list_runs(db, t, kind, limit)
        .await?
        .into_iter()
        .map(Run::from)
        .collect())
}

/// The latest finished scores run, which the KOL list and member scores come from.
pub async fn latest_scores(db: &Db, t: TenantId) -> Result<Option<Run>> {
    Ok(store::latest_done(db, t, "scores").await?.map(Run::from))
}
