//! Claims of red-envelope shares: who may claim (a member of the send's group, once), the
//! conditional update that takes a send's next share, and shares marked paid.

use quanzi_domain::{MemberId, RedEnvelopePlanId, TenantId};

use super::{SHARE_COLS, Share};
use crate::{Db, Result, Tx, on_pool, on_tx};

/// Whether a member is in a group now.
pub async fn in_group(db: &Db, t: TenantId, group: i64, m: MemberId) -> Result<bool> {
    let n: i64 = on_pool!(db, p => sqlx::query_scalar("select count(*) from group_membership
        where tenant_id = $1 and group_id = $2 and member_id = $3 and left_at_ms is null")
        .bind(t.0).bind(group).bind(m.0).fetch_one(p).await)?;
    Ok(n > 0)
}

async fn in_group_tx(tx: &mut Tx, t: TenantId, group: i64, m: MemberId) -> Result<bool> {
    let n: i64 = on_tx!(tx, c => sqlx::query_scalar("select count(*) from group_membership
        where tenant_id = $1 and group_id = $2 and member_id = $3 and left_at_ms is null")
        .bind(t.0).bind(group).bind(m.0).fetch_one(c).await)?;
    Ok(n > 0)
}

async fn share_of_tx(tx: &mut Tx, t: TenantId, send: i64, m: MemberId) -> Result<Option<Share>> {
    let sql = format!(
        "select {SHARE_COLS} from red_envelope_share where tenant_id = $1 and red_envelope_send_id = $2 and member_id = $3"
    );
    on_tx!(tx, c => sqlx::query_as::<_, Share>(sqlx::AssertSqlSafe(sql)).bind(t.0).bind(send).bind(m.0)
        .fetch_optional(c).await.map_err(Into::into))
}

/// What a claim came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Claim {
    /// The member took this share (commit the transaction).
    Got(Share),
    /// The member holds this share of the send already (roll back: nothing to keep).
    Again(Share),
    /// The send opens later.
    NotOpen,
    /// Every share was taken.
    AllClaimed,
    /// The member is not in the send's group now.
    NotInGroup,
    /// Its plan was closed before it opened.
    Cancelled,
}

/// Member `m` claims the next share of `send` at `now`. The send's `claimed` is raised by a
/// conditional update (never past its shares, never before its time) that, on PostgreSQL,
/// also makes the send's claims wait for each other; the share numbered by it is then the
/// member's. Only a `Got` is to be committed: the others may have changed the counter.
pub async fn claim(tx: &mut Tx, t: TenantId, send: i64, m: MemberId, now: i64) -> Result<Claim> {
    if let Some(s) = share_of_tx(tx, t, send, m).await? {
        return Ok(Claim::Again(s));
    }
    let group: Option<(i64, i64, Option<i64>)> = on_tx!(tx, c => sqlx::query_as(
        "select s.group_id, s.at_ms, p.closed_at_ms from red_envelope_send s join red_envelope_plan p
           on p.tenant_id = s.tenant_id and p.red_envelope_plan_id = s.red_envelope_plan_id
         where s.tenant_id = $1 and s.red_envelope_send_id = $2")
        .bind(t.0).bind(send).fetch_optional(c).await)?;
    let Some((group, at_ms, closed)) = group else {
        return Ok(Claim::AllClaimed);
    };
    if closed.is_some_and(|c| at_ms > c) {
        return Ok(Claim::Cancelled);
    }
    if now < at_ms {
        return Ok(Claim::NotOpen);
    }
    if !in_group_tx(tx, t, group, m).await? {
        return Ok(Claim::NotInGroup);
    }
    let seq: Option<i64> = on_tx!(tx, c => sqlx::query_scalar(
        "update red_envelope_send set claimed = claimed + 1
         where tenant_id = $1 and red_envelope_send_id = $2 and claimed < share_count and at_ms <= $3
         returning claimed")
        .bind(t.0).bind(send).bind(now).fetch_optional(c).await)?;
    // Read again once the send is ours: the member's own racing claim may have won it.
    if let Some(s) = share_of_tx(tx, t, send, m).await? {
        return Ok(Claim::Again(s));
    }
    let Some(seq) = seq else {
        return Ok(Claim::AllClaimed);
    };
    let sql = format!(
        "update red_envelope_share set member_id = $4, claimed_at_ms = $5
        where tenant_id = $1 and red_envelope_send_id = $2 and seq = $3 and member_id is null
        returning {SHARE_COLS}"
    );
    let share = on_tx!(tx, c => sqlx::query_as::<_, Share>(sqlx::AssertSqlSafe(sql)).bind(t.0).bind(send)
        .bind(seq).bind(m.0).bind(now).fetch_one(c).await)?;
    on_tx!(tx, c => sqlx::query("update red_envelope_send set claimed_fen = claimed_fen + $3
        where tenant_id = $1 and red_envelope_send_id = $2")
        .bind(t.0).bind(send).bind(share.amount_fen).execute(c).await.map(|r| r.rows_affected()))?;
    Ok(Claim::Got(share))
}

/// A plan's claimed shares not paid yet, by send then place.
pub async fn unpaid(db: &Db, t: TenantId, plan: RedEnvelopePlanId) -> Result<Vec<Share>> {
    let sql = format!(
        "select {SHARE_COLS} from red_envelope_share where tenant_id = $1 and member_id is not null and paid_at_ms is null
          and red_envelope_send_id in (select red_envelope_send_id from red_envelope_send where tenant_id = $1 and red_envelope_plan_id = $2)
        order by red_envelope_send_id, seq"
    );
    on_pool!(db, p => sqlx::query_as::<_, Share>(sqlx::AssertSqlSafe(sql)).bind(t.0).bind(plan.0)
        .fetch_all(p).await.map_err(Into::into))
}

/// Marks a claimed, unpaid share of the plan paid; `Ok(None)` when it is not one (of another
/// plan, unknown, not claimed, or paid already), so a share is paid once whatever runs beside.
pub async fn mark_paid(
    tx: &mut Tx,
    t: TenantId,
    plan: RedEnvelopePlanId,
    share: i64,
    payment_ref: Option<&str>,
    now: i64,
) -> Result<Option<Share>> {
    let sql = format!(
        "update red_envelope_share set paid_at_ms = $4, payment_ref = $5
        where tenant_id = $1 and red_envelope_share_id = $3 and member_id is not null and paid_at_ms is null
          and red_envelope_send_id in (select red_envelope_send_id from red_envelope_send where tenant_id = $1 and red_envelope_plan_id = $2)
        returning {SHARE_COLS}"
    );
    on_tx!(tx, c => sqlx::query_as::<_, Share>(sqlx::AssertSqlSafe(sql)).bind(t.0).bind(plan.0).bind(share)
        .bind(now).bind(payment_ref).fetch_optional(c).await.map_err(Into::into))
}

/// A share of the plan, read in a transaction (to say why it was not paid).
pub async fn share_in_plan_tx(
    tx: &mut Tx,
    t: TenantId,
    plan: RedEnvelopePlanId,
    share: i64,
) -> Result<Option<Share>> {
    let sql = format!(
        "select {SHARE_COLS} from red_envelope_share where tenant_id = $1 and red_envelope_share_id = $3
          and red_envelope_send_id in (select red_envelope_send_id from red_envelope_send where tenant_id = $1 and red_envelope_plan_id = $2)"
    );
    on_tx!(tx, c => sqlx::query_as::<_, Share>(sqlx::AssertSqlSafe(sql)).bind(t.0).bind(plan.0).bind(share)
        .fetch_optional(c).await.map_err(Into::into))
}
