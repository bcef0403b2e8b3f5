//! Teams still open at their deadline are settled by the domain's rule
//! (`quanzi_domain::group_buy::at_deadline`): short, they fail, their holds released and
//! nobody paying. A job every minute per tenant with a group buy settles them, and reading
//! or joining a team settles it on the way (see [`super::settle_if_due`]).

use quanzi_domain::group_buy::{TeamState, at_deadline};
use quanzi_domain::{TeamId, TenantId};
use quanzi_store::{Db, Tx, group_buy as repo, jobs, now_ms};
use serde_json::json;

use crate::Result;
use crate::jobs::{Claimed, JobContext, JobError};

/// The job kind.
pub const DEADLINE_JOB: &str = "group_buy.deadline";
const CRON: &str = "* * * * *";
/// Teams settled per transaction.
const BATCH: i64 = 200;

/// Registers the job's handler.
pub fn register(registry: &mut crate::jobs::JobRegistry) {
    registry.add(DEADLINE_JOB, |ctx, c| Box::pin(run(ctx, c)));
}

/// Schedules the settling for the tenant (idempotent).
pub(crate) async fn schedule(tx: &mut Tx, t: TenantId, now: i64) -> Result<()> {
    let next = crate::schedule::next_after(CRON, now).unwrap_or(now + 60_000);
    jobs::put_schedule(tx, t, DEADLINE_JOB, CRON, DEADLINE_JOB, &json!({}), next).await?;
    Ok(())
}

async fn run(ctx: &JobContext, c: &Claimed) -> std::result::Result<(), JobError> {
    settle(&ctx.db, c.tenant(), now_ms()).await?;
    c.finish(&ctx.db).await?;
    Ok(())
}

/// Settles every team of the tenant still open at its deadline by `now`; answers how many.
pub async fn settle(db: &Db, t: TenantId, now: i64) -> Result<usize> {
    let mut total = 0;
    loop {
        let mut tx = db.begin().await?;
        let due = repo::due(&mut tx, t, now, BATCH).await?;
        let mut n = 0;
        for id in &due {
            if settle_in(&mut tx, t, TeamId(*id), now).await? {
                n += 1;
            }
        }
        tx.commit().await?;
        total += n;
        if (due.len() as i64) < BATCH {
            return Ok(total);
        }
    }
}

/// Settles one team past its deadline in an open transaction; `false` when it was settled
/// already. A full team is open only for the instant before its last join commits, so at a
/// deadline the rule fails every open team: virtual members come only by the merchant's
/// request, before the deadline.
async fn settle_in(tx: &mut Tx, t: TenantId, id: TeamId, now: i64) -> Result<bool> {
    let Some(team) = repo::team_tx(tx, t, id).await? else {
        return Ok(false);
    };
    let members = u32::try_from(team.member_count).unwrap_or(0);
    let size = u32::try_from(team.team_size).unwrap_or(0);
    // The group buy's `allow_virtual` does not matter without the merchant's request.
    match at_deadline(members, size, false, false) {
        TeamState::Succeeded => super::team::succeed(tx, t, id, false, now).await,
        _ => super::team::fail(tx, t, id, now).await,
    }
}
