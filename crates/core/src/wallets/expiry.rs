//! Bonus lapses: an hourly job per tenant with wallets takes away, from each top-up whose
//! bonus validity ended, what is left of that top-up's bonus. The bonus a member used (spent
//! or lapsed, less refunded) is counted against their top-ups oldest first, so a lot lapses
//! only by what it still holds; each lapse is an `expire` entry keyed by its top-up, once.

use quanzi_domain::wallet::WalletOp;
use quanzi_domain::{MemberId, TenantId};
use quanzi_store::wallet as repo;
use quanzi_store::{Db, Tx, jobs, now_ms};
use serde_json::json;

use super::{Moved, Request, apply_in};
use crate::Result;
use crate::jobs::{Claimed, JobContext, JobError};

/// The job kind.
pub const LAPSE_JOB: &str = "wallet.bonus_lapse";
const CRON: &str = "20 * * * *";

/// Registers the job's handler.
pub fn register(registry: &mut crate::jobs::JobRegistry) {
    registry.add(LAPSE_JOB, |ctx, c| Box::pin(run(ctx, c)));
}

/// Schedules the lapses for the tenant (idempotent).
pub(crate) async fn schedule(tx: &mut Tx, t: TenantId, now: i64) -> Result<()> {
    let next = crate::schedule::next_after(CRON, now).unwrap_or(now + 3_600_000);
    jobs::put_schedule(tx, t, LAPSE_JOB, CRON, LAPSE_JOB, &json!({}), next).await?;
    Ok(())
}

async fn run(ctx: &JobContext, c: &Claimed) -> std::result::Result<(), JobError> {
    lapse(&ctx.db, c.tenant(), now_ms()).await?;
    c.finish(&ctx.db).await?;
    Ok(())
}

/// What is left of each lot: its bonus less the used bonus counted against it oldest first.
pub(crate) fn left_in_lots(lots: &[(i64, i64, bool)], used: i64) -> Vec<(i64, i64)> {
    let mut before = 0i64;
    lots.iter()
        .map(|&(entry, bonus, _)| {
            let taken = (used - before).clamp(0, bonus);
            before += bonus;
            (entry, bonus - taken)
        })
        .collect()
}

/// Lapses every bonus due by `now`; answers how many top-ups lapsed.
pub async fn lapse(db: &Db, t: TenantId, now: i64) -> Result<usize> {
    let mut done = 0;
    loop {
        let mut tx = db.begin().await?;
        let due = repo::bonus_due(&mut tx, t, now, 100).await?;
        if due.is_empty() {
            return Ok(done);
        }
        for (entry, member) in due {
            let m = MemberId(member);
            // Locks the wallet before reading its lots.
            repo::lock(&mut tx, t, m, now).await?;
            let (lots, used) = repo::bonus_lots(&mut tx, t, m).await?;
            let left = left_in_lots(&lots, used)
                .into_iter()
                .find(|(e, _)| *e == entry)
                .map_or(0, |(_, l)| l);
            if left > 0 {
                let r = Request {
                    op: WalletOp::Expire,
                    amount_fen: Some(left),
                    refund_of: None,
                    key: format!("bonus-lapse-{entry}"),
                    note: None,
                };
                if let Moved::Refused(why) = apply_in(&mut tx, t, m, &r, now).await? {
                    tracing::warn!(entry, ?why, "a bonus lapse was refused");
                }
            }
            repo::mark_lapsed(&mut tx, t, entry, now).await?;
            done += 1;
        }
        tx.commit().await?;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn used_bonus_is_counted_against_the_oldest_lots_first() {
        let lots = [(1, 2_000, false), (2, 500, false), (3, 1_000, false)];
        assert_eq!(left_in_lots(&lots, 0), [(1, 2_000), (2, 500), (3, 1_000)]);
        assert_eq!(left_in_lots(&lots, 2_300), [(1, 0), (2, 200), (3, 1_000)]);
        assert_eq!(left_in_lots(&lots, 9_999), [(1, 0), (2, 0), (3, 0)]);
    }
}
