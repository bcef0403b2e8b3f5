//! Red-envelope plans (红包), their sends and shares: a plan and every share it will give
//! written at once; a claim that takes a send's next share by a conditional update (so no rush
//! gives more shares than a send has, nor two to one member); shares marked paid once.

use quanzi_domain::red_envelope::NewRedEnvelopePlan;
use quanzi_domain::{GroupId, RedEnvelopePlanId, TenantId};

use crate::{Arg, Db, Result, SqlBuf, Tx, bind_args, on_pool, on_tx};

mod claim;

pub use claim::{Claim, claim, in_group, mark_paid, share_in_plan_tx, unpaid};

/// A plan as stored.
#[derive(Debug, Clone, sqlx::FromRow, PartialEq, Eq)]
pub struct Plan {
    /// Id.
    pub red_envelope_plan_id: i64,
    /// Name.
    pub name: String,
    /// Target groups, a JSON array of ids.
    pub group_ids: String,
    /// Send times, a JSON array of unix ms, ascending.
    pub at_ms: String,
    /// What one envelope holds, fen.
    pub total_fen: i64,
    /// Shares per envelope.
    pub share_count: i64,
    /// `equal` or `random`.
    pub split: String,
    /// Budget, fen.
    pub budget_fen: i64,
    /// What its sends hold together, fen (never above the budget).
    pub committed_fen: i64,
    /// Created.
    pub created_at_ms: i64,
    /// When the operator closed it (envelopes not open by then never open).
    pub closed_at_ms: Option<i64>,
}

const PLAN_COLS: &str = "red_envelope_plan_id, name, group_ids, at_ms, total_fen, share_count, split, budget_fen, committed_fen, created_at_ms, closed_at_ms";

/// One envelope of a plan: a group, a time, its total split into shares.
#[derive(Debug, Clone, sqlx::FromRow, PartialEq, Eq)]
pub struct Send {
    /// Id.
    pub red_envelope_send_id: i64,
    /// Plan.
    pub red_envelope_plan_id: i64,
    /// The group it is sent to.
    pub group_id: i64,
    /// Opens, unix ms.
    pub at_ms: i64,
    /// Total, fen.
    pub total_fen: i64,
    /// Shares.
    pub share_count: i64,
    /// `equal` or `random`.
    pub split: String,
    /// The split's seed, 16 hex digits.
    pub seed: String,
    /// Shares claimed.
    pub claimed: i64,
    /// Fen claimed.
    pub claimed_fen: i64,
}

const SEND_COLS: &str = "red_envelope_send_id, red_envelope_plan_id, group_id, at_ms, total_fen, share_count, split, seed, claimed, claimed_fen";

/// One share of a send.
#[derive(Debug, Clone, sqlx::FromRow, PartialEq, Eq)]
pub struct Share {
    /// Id.
    pub red_envelope_share_id: i64,
    /// Send.
    pub red_envelope_send_id: i64,
    /// Its place in the split (1-based); shares are claimed in this order.
    pub seq: i64,
    /// Fen.
    pub amount_fen: i64,
    /// Who claimed it.
    pub member_id: Option<i64>,
    /// When.
    pub claimed_at_ms: Option<i64>,
    /// Paid out (by the payment tool), unix ms.
    pub paid_at_ms: Option<i64>,
    /// The payment tool's reference.
    pub payment_ref: Option<String>,
}

const SHARE_COLS: &str = "red_envelope_share_id, red_envelope_send_id, seq, amount_fen, member_id, claimed_at_ms, paid_at_ms, payment_ref";

/// A send to write with its plan.
#[derive(Debug, Clone)]
pub struct NewSend {
    /// Group.
    pub group: GroupId,
    /// Opens, unix ms.
    pub at_ms: i64,
    /// The split's seed, 16 hex digits.
    pub seed: String,
    /// The shares, in claim order.
    pub shares: Vec<i64>,
}

/// Rows one multi-row insert writes (5 parameters a share: far below either backend's limit).
const CHUNK: usize = 500;

/// Writes a plan, its sends and every share of them. The plan commits what its sends hold;
/// the row refuses more than the budget.
pub async fn create(
    tx: &mut Tx,
    t: TenantId,
    p: &NewRedEnvelopePlan,
    sends: &[NewSend],
    now: i64,
) -> Result<Plan> {
    let groups: Vec<i64> = p.group_ids.iter().map(|g| g.0).collect();
    let json = |v: &[i64]| serde_json::to_string(v).unwrap_or_else(|_| "[]".into());
    let committed: i64 = sends.iter().flat_map(|s| &s.shares).sum();
    let sql = format!(
        "insert into red_envelope_plan (tenant_id, name, group_ids, at_ms, total_fen, share_count, split,
            budget_fen, committed_fen, created_at_ms)
        values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) returning {PLAN_COLS}"
    );
    let plan = on_tx!(tx, c => sqlx::query_as::<_, Plan>(sqlx::AssertSqlSafe(sql)).bind(t.0).bind(&p.name)
        .bind(json(&groups)).bind(json(&p.at_ms)).bind(p.total_fen).bind(i64::from(p.count))
        .bind(p.split.as_str()).bind(p.budget_fen).bind(committed).bind(now)
        .fetch_one(c).await)?;
    let id = plan.red_envelope_plan_id;
    let mut ids = std::collections::HashMap::new();
    for chunk in sends.chunks(CHUNK) {
        let mut b = SqlBuf::new(
            "insert into red_envelope_send (tenant_id, red_envelope_plan_id, group_id, at_ms, total_fen, share_count, split, seed) values ",
        );
        for (i, s) in chunk.iter().enumerate() {
            b.push(if i == 0 { "(" } else { ", (" });
            let total: i64 = s.shares.iter().sum();
            let args = [
                Arg::I64(t.0),
                Arg::I64(id),
                Arg::I64(s.group.0),
                Arg::I64(s.at_ms),
                Arg::I64(total),
                Arg::I64(s.shares.len() as i64),
                Arg::Str(p.split.as_str().into()),
                Arg::Str(s.seed.clone()),
            ];
            for (j, a) in args.into_iter().enumerate() {
                if j > 0 {
                    b.push(", ");
                }
                b.bind(a);
            }
            b.push(")");
        }
        b.push(" returning red_envelope_send_id, group_id, at_ms");
        let (sql, args) = b.finish(tx.is_sqlite());
        let got: Vec<(i64, i64, i64)> = on_tx!(tx, c => bind_args!(sqlx::query_as(sqlx::AssertSqlSafe(sql)), args).fetch_all(c).await)?;
        // (group, time) is unique in a plan: it names each send whatever order RETURNING keeps.
        ids.extend(got.into_iter().map(|(send, g, at)| ((g, at), send)));
    }
    let rows: Vec<(i64, i64, i64)> = sends
        .iter()
        .flat_map(|s| {
            let send = ids.get(&(s.group.0, s.at_ms)).copied().unwrap_or(0);
            s.shares
                .iter()
                .enumerate()
                .map(move |(k, &fen)| (send, k as i64 + 1, fen))
        })
        .collect();
    for chunk in rows.chunks(CHUNK) {
        let mut b = SqlBuf::new(
            "insert into red_envelope_share (tenant_id, red_envelope_send_id, seq, amount_fen) values ",
        );
        for (i, &(send, seq, fen)) in chunk.iter().enumerate() {
            b.push(if i == 0 { "(" } else { ", (" });
            b.bind(Arg::I64(t.0))
                .push(", ")
                .bind(Arg::I64(send))
                .push(", ");
            b.bind(Arg::I64(seq))
                .push(", ")
                .bind(Arg::I64(fen))
                .push(")");
        }
        let (sql, args) = b.finish(tx.is_sqlite());
        on_tx!(tx, c => bind_args!(sqlx::query(sqlx::AssertSqlSafe(sql)), args).execute(c).await.map(|r| r.rows_affected()))?;
    }
    Ok(plan)
}

/// A plan.
pub async fn get(db: &Db, t: TenantId, id: RedEnvelopePlanId) -> Result<Option<Plan>> {
    let sql = format!(
        "select {PLAN_COLS} from red_envelope_plan where tenant_id = $1 and red_envelope_plan_id = $2"
    );
    on_pool!(db, p => sqlx::query_as::<_, Plan>(sqlx::AssertSqlSafe(sql)).bind(t.0).bind(id.0)
        .fetch_optional(p).await.map_err(Into::into))
}

/// Closes a plan at `now`: its sends not open by then never open, and what they held goes
/// back to the budget (once, on the first close); `false` when it is not the tenant's.
pub async fn close(db: &Db, t: TenantId, id: RedEnvelopePlanId, now: i64) -> Result<bool> {
    let n = on_pool!(db, p => sqlx::query("update red_envelope_plan set closed_at_ms = coalesce(closed_at_ms, $3),
          committed_fen = committed_fen - case when closed_at_ms is null then
            (select cast(coalesce(sum(s.total_fen), 0) as bigint) from red_envelope_send s
             where s.tenant_id = $1 and s.red_envelope_plan_id = $2 and s.at_ms > $3) else 0 end
        where tenant_id = $1 and red_envelope_plan_id = $2")
        .bind(t.0).bind(id.0).bind(now).execute(p).await.map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

/// The tenant's plans, newest first.
pub async fn list(db: &Db, t: TenantId) -> Result<Vec<Plan>> {
    let sql = format!(
        "select {PLAN_COLS} from red_envelope_plan where tenant_id = $1 order by red_envelope_plan_id desc limit 500"
    );
    on_pool!(db, p => sqlx::query_as::<_, Plan>(sqlx::AssertSqlSafe(sql)).bind(t.0).fetch_all(p).await.map_err(Into::into))
}

/// Per plan (all, or one): shares claimed and their fen, shares paid and their fen.
pub async fn figures(
    db: &Db,
    t: TenantId,
    plan: Option<RedEnvelopePlanId>,
) -> Result<Vec<(i64, i64, i64, i64, i64)>> {
    on_pool!(db, p => sqlx::query_as(
        "select s.red_envelope_plan_id, count(*), cast(sum(h.amount_fen) as bigint),
           count(h.paid_at_ms), cast(coalesce(sum(case when h.paid_at_ms is not null then h.amount_fen end), 0) as bigint)
         from red_envelope_send s join red_envelope_share h on h.tenant_id = s.tenant_id and h.red_envelope_send_id = s.red_envelope_send_id
         where s.tenant_id = $1 and ($2 is null or s.red_envelope_plan_id = $2) and h.member_id is not null
         group by s.red_envelope_plan_id")
        .bind(t.0).bind(plan.map(|p| p.0)).fetch_all(p).await.map_err(Into::into))
}

/// A plan's sends, by time then group.
pub async fn sends(db: &Db, t: TenantId, plan: RedEnvelopePlanId) -> Result<Vec<Send>> {
    let sql = format!(
        "select {SEND_COLS} from red_envelope_send where tenant_id = $1 and red_envelope_plan_id = $2
        order by at_ms, red_envelope_send_id"
    );
    on_pool!(db, p => sqlx::query_as::<_, Send>(sqlx::AssertSqlSafe(sql)).bind(t.0).bind(plan.0)
        .fetch_all(p).await.map_err(Into::into))
}

/// A send.
pub async fn send(db: &Db, t: TenantId, id: i64) -> Result<Option<Send>> {
    let sql = format!(
        "select {SEND_COLS} from red_envelope_send where tenant_id = $1 and red_envelope_send_id = $2"
    );
    on_pool!(db, p => sqlx::query_as::<_, Send>(sqlx::AssertSqlSafe(sql)).bind(t.0).bind(id)
        .fetch_optional(p).await.map_err(Into::into))
}

/// Every share of a plan, by send then place.
pub async fn shares_of_plan(db: &Db, t: TenantId, plan: RedEnvelopePlanId) -> Result<Vec<Share>> {
    let sql = format!(
        "select {SHARE_COLS} from red_envelope_share where tenant_id = $1 and red_envelope_send_id in
          (select red_envelope_send_id from red_envelope_send where tenant_id = $1 and red_envelope_plan_id = $2)
        order by red_envelope_send_id, seq"
    );
    on_pool!(db, p => sqlx::query_as::<_, Share>(sqlx::AssertSqlSafe(sql)).bind(t.0).bind(plan.0)
        .fetch_all(p).await.map_err(Into::into))
}

/// The shares of a send, in place order.
pub async fn shares_of_send(db: &Db, t: TenantId, send: i64) -> Result<Vec<Share>> {
    let sql = format!(
        "select {SHARE_COLS} from red_envelope_share where tenant_id = $1 and red_envelope_send_id = $2 order by seq"
    );
    on_pool!(db, p => sqlx::query_as::<_, Share>(sqlx::AssertSqlSafe(sql)).bind(t.0).bind(send)
        .fetch_all(p).await.map_err(Into::into))
}
