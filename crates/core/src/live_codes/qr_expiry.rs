//! Groups' own QR images expire after 7 days: an hourly job per tenant tells the operator
//! (`group_qr.expiring`) a day before, once per image.

use quanzi_domain::TenantId;
use quanzi_domain::live_code::GROUP_QR_ALERT_MS;
use quanzi_store::{Db, Tx, jobs, live_code_funnel, now_ms, webhook};
use serde_json::json;

use crate::Result;
use crate::jobs::{Claimed, JobContext, JobError};

/// The job kind.
pub const ALERT_JOB: &str = "live_code.qr_alerts";
const CRON: &str = "5 * * * *";

/// Registers the job's handler.
pub fn register(registry: &mut crate::jobs::JobRegistry) {
    registry.add(ALERT_JOB, |ctx, c| Box::pin(run(ctx, c)));
}

/// Schedules the alerts for the tenant (idempotent).
pub(crate) async fn schedule(tx: &mut Tx, t: TenantId, now: i64) -> Result<()> {
    let next = crate::schedule::next_after(CRON, now).unwrap_or(now + 3_600_000);
    jobs::put_schedule(tx, t, ALERT_JOB, CRON, ALERT_JOB, &json!({}), next).await?;
    Ok(())
}

async fn run(ctx: &JobContext, c: &Claimed) -> std::result::Result<(), JobError> {
    alert(&ctx.db, c.tenant(), now_ms()).await?;
    c.finish(&ctx.db).await?;
    Ok(())
}

/// Alerts on the tenant's images expiring within a day of `now`; answers how many.
pub async fn alert(db: &Db, t: TenantId, now: i64) -> Result<usize> {
    let mut tx = db.begin().await?;
    let due = live_code_funnel::take_expiring(&mut tx, t, now + GROUP_QR_ALERT_MS, now).await?;
    for (group, expires) in &due {
        let payload =
            json!({ "group_id": group, "expires_at_ms": expires, "expired": *expires <= now });
        webhook::emit(&mut tx, t, "group_qr.expiring", &payload, now).await?;
    }
    tx.commit().await?;
    Ok(due.len())
}
