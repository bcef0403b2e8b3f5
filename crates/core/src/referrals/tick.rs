//! The ledger's upkeep, a job every ten minutes per tenant with a programme: rewards whose
//! friend left within the stay period are reversed, matured ones approved, and friends'
//! first orders rewarded.

use quanzi_domain::referral::ReferralRules;
use quanzi_domain::referral::ledger::{self, RewardAction};
use quanzi_domain::{MemberId, TenantId};
use quanzi_store::referral as repo;
use quanzi_store::{Db, Tx, jobs, now_ms};
use serde_json::json;

use super::grant::{Ask, act, grant};
use crate::Result;
use crate::jobs::{Claimed, JobContext, JobError};

/// The job kind.
pub const TICK_JOB: &str = "referral.tick";
/// The tenant's schedule of it.
pub const TICK_SCHEDULE: &str = "referral.tick";
const SYSTEM: &str = "system";

/// Registers the job's handler.
pub fn register(registry: &mut crate::jobs::JobRegistry) {
    registry.add(TICK_JOB, |ctx, c| Box::pin(run(ctx, c)));
}

/// Schedules the upkeep for the tenant (idempotent).
pub(crate) async fn schedule(tx: &mut Tx, t: TenantId, now: i64) -> Result<()> {
    let next = crate::schedule::next_after(super::TICK_CRON, now).unwrap_or(now + 600_000);
    jobs::put_schedule(
        tx,
        t,
        TICK_SCHEDULE,
        super::TICK_CRON,
        TICK_JOB,
        &json!({}),
        next,
    )
    .await?;
    Ok(())
}

async fn run(ctx: &JobContext, c: &Claimed) -> std::result::Result<(), JobError> {
    upkeep(&ctx.db, c.tenant(), now_ms()).await?;
    c.finish(&ctx.db).await?;
    Ok(())
}

/// What one upkeep did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Upkeep {
    /// Rewards reversed (the friend left within the stay period).
    pub reversed: usize,
    /// Rewards approved (matured).
    pub approved: usize,
    /// First-order rewards granted.
    pub granted: usize,
}

/// Runs the upkeep of every programme of the tenant at `now`.
pub async fn upkeep(db: &Db, t: TenantId, now: i64) -> Result<Upkeep> {
    let mut done = Upkeep::default();
    for r in repo::left_invitees(db, t, 500).await? {
        let mut tx = db.begin().await?;
        let note = Some("the friend left within the stay period");
        if act(
            &mut tx,
            t,
            r.reward_id,
            RewardAction::Reverse,
            SYSTEM,
            note,
            now,
        )
        .await
        .is_ok()
        {
            // A move that failed part-way is dropped whole, never half-committed.
            tx.commit().await?;
            done.reversed += 1;
        }
    }
    for r in repo::matured_of(db, t, now, 1000).await? {
        let mut tx = db.begin().await?;
        if act(
            &mut tx,
            t,
            r.reward_id,
            RewardAction::Approve,
            SYSTEM,
            Some("matured"),
            now,
        )
        .await
        .is_ok()
        {
            tx.commit().await?;
            done.approved += 1;
        }
    }
    for p in repo::list(db, t)
        .await?
        .into_iter()
        .filter(|p| p.archived_at_ms.is_none())
    {
        done.granted += first_orders(db, t, p.program_id, now).await?;
    }
    Ok(done)
}

/// Rewards friends' first orders (the 大奖) in programme `program`, from its watermark on.
async fn first_orders(db: &Db, t: TenantId, program: i64, now: i64) -> Result<usize> {
    let Some(p) = repo::get(db, t, program).await? else {
        return Ok(0);
    };
    let rules: ReferralRules = serde_json::from_str(&p.rules).unwrap_or_default();
    let Some(rule) = rules.first_order else {
        return Ok(0);
    };
    let orders = repo::invitee_orders(db, t, program, p.order_watermark, 1000).await?;
    let mut granted = 0;
    for (event_id, invitee, amount, ordered_before) in orders {
        let mut tx = db.begin().await?;
        let p = repo::lock(&mut tx, t, program).await?;
        if let Some(mut p) = p.filter(|_| !ordered_before && amount >= rule.min_amount_fen) {
            let invitee = MemberId(invitee);
            if let Some((inviter, state)) = repo::inviter_of(db, t, program, invitee).await?
                && !matches!(state.as_str(), "reversed" | "rejected")
            {
                let ask = Ask {
                    beneficiary: MemberId(inviter),
                    cause: &ledger::order_cause(invitee.0),
                    invitee: Some(invitee),
                    spec: rule.reward,
                    signals: Default::default(),
                    network: None,
                    mature_at_ms: now,
                };
                if grant(&mut tx, t, &p, &ask, now).await?.is_ok() {
                    granted += 1;
                    p.spent_fen += rule.reward.value_fen;
                }
                if let Some(spec) = rule.invitee_reward {
                    let ask = Ask {
                        beneficiary: invitee,
                        cause: &ledger::first_order_cause(invitee.0),
                        spec,
                        ..ask
                    };
                    if grant(&mut tx, t, &p, &ask, now).await?.is_ok() {
                        granted += 1;
                    }
                }
            }
        }
        repo::set_watermark(&mut tx, t, program, event_id).await?;
        tx.commit().await?;
    }
    Ok(granted)
}
