//! Held units not paid in time go back to stock: a job every minute per tenant with a sale
//! returns them, and a buy that finds a sale sold out returns that sale's first.

use quanzi_domain::flash_sale::OrderState;
use quanzi_domain::{FlashSaleId, OrderId, TenantId};
use quanzi_store::{Db, Tx, flash_sale as repo, jobs, now_ms};
use serde_json::json;

use crate::Result;
use crate::jobs::{Claimed, JobContext, JobError};

/// The job kind.
pub const RELEASE_JOB: &str = "flash_sale.release";
const CRON: &str = "* * * * *";
/// Holds returned per transaction.
pub(crate) const BATCH: i64 = 500;

/// Registers the job's handler.
pub fn register(registry: &mut crate::jobs::JobRegistry) {
    registry.add(RELEASE_JOB, |ctx, c| Box::pin(run(ctx, c)));
}

/// Schedules the returns for the tenant (idempotent).
pub(crate) async fn schedule(tx: &mut Tx, t: TenantId, now: i64) -> Result<()> {
    let next = crate::schedule::next_after(CRON, now).unwrap_or(now + 60_000);
    jobs::put_schedule(tx, t, RELEASE_JOB, CRON, RELEASE_JOB, &json!({}), next).await?;
    Ok(())
}

async fn run(ctx: &JobContext, c: &Claimed) -> std::result::Result<(), JobError> {
    release(&ctx.db, c.tenant(), now_ms()).await?;
    c.finish(&ctx.db).await?;
    Ok(())
}

/// Returns to stock every hold of the tenant that ran out by `now`; answers how many.
pub async fn release(db: &Db, t: TenantId, now: i64) -> Result<usize> {
    let mut total = 0;
    loop {
        // On the writer thread where the store has one: a rush's holds all run out together,
        // and returning them must not hold up the next rush's buys.
        let n = match repo::release_on_writer(db, t, None, now, BATCH).await {
            Some(n) => n?,
            None => {
                let mut tx = db.begin().await?;
                let n = release_in(&mut tx, t, None, now).await?;
                tx.commit().await?;
                n
            }
        };
        total += n;
        if n < BATCH as usize {
            return Ok(total);
        }
    }
}

/// Returns, in an open transaction, up to a batch of holds that ran out by `now` (of one
/// sale, or all); answers how many.
pub(crate) async fn release_in(
    tx: &mut Tx,
    t: TenantId,
    sale: Option<FlashSaleId>,
    now: i64,
) -> Result<usize> {
    let due = repo::expired_holds(tx, t, sale, now, BATCH).await?;
    let mut n = 0;
    for id in due {
        let expired = OrderState::Expired.as_str();
        if repo::settle(tx, t, OrderId(id), expired, None, now)
            .await?
            .is_some()
        {
            n += 1;
        }
    }
    Ok(n)
}
