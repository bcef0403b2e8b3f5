//! The referral reward ledger: one reward per (programme, member, cause), its states, and the
//! reads of invitees and their orders that decide a reward.

use quanzi_domain::{MemberId, TenantId};

use crate::{Db, Result, Tx, on_pool, on_tx};

/// A reward as stored.
#[derive(Debug, Clone, sqlx::FromRow, PartialEq, Eq)]
pub struct Reward {
    /// Id.
    pub reward_id: i64,
    /// Programme.
    pub program_id: i64,
    /// Beneficiary.
    pub member_id: i64,
    /// Its one cause (`join:42`, `milestone:5`…).
    pub cause: String,
    /// The friend behind it.
    pub invitee_member_id: Option<i64>,
    /// Kind.
    pub kind: String,
    /// Amount.
    pub amount: i64,
    /// Cost to the budget, fen.
    pub value_fen: i64,
    /// State.
    pub state: String,
    /// Why held.
    pub hold_reason: Option<String>,
    /// The friend's network.
    pub network: Option<String>,
    /// When it matures.
    pub mature_at_ms: i64,
    /// Created.
    pub created_at_ms: i64,
    /// Changed.
    pub updated_at_ms: i64,
}

const REWARD_COLS: &str = "reward_id, program_id, member_id, cause, invitee_member_id, kind, amount, value_fen, state, hold_reason, network, mature_at_ms, created_at_ms, updated_at_ms";

/// Whether the (programme, member, cause) has a reward.
pub async fn cause_taken(
    tx: &mut Tx,
    tenant: TenantId,
    program: i64,
    member: MemberId,
    cause: &str,
) -> Result<bool> {
    let n: i64 = on_tx!(tx, c => sqlx::query_scalar("select count(*) from reward where tenant_id = $1 and program_id = $2 and member_id = $3 and cause = $4")
        .bind(tenant.0).bind(program).bind(member.0).bind(cause).fetch_one(c).await)?;
    Ok(n > 0)
}

/// Whether any member of the programme has a reward for `cause` (a friend's join or visit
/// is one inviter's, never several).
pub async fn cause_taken_any(
    tx: &mut Tx,
    tenant: TenantId,
    program: i64,
    cause: &str,
) -> Result<bool> {
    let n: i64 = on_tx!(tx, c => sqlx::query_scalar("select count(*) from reward where tenant_id = $1 and program_id = $2 and cause = $3")
        .bind(tenant.0).bind(program).bind(cause).fetch_one(c).await)?;
    Ok(n > 0)
}

/// What the member's rewards that count are worth in the programme, fen.
pub async fn member_fen(
    tx: &mut Tx,
    tenant: TenantId,
    program: i64,
    member: MemberId,
) -> Result<i64> {
    on_tx!(tx, c => sqlx::query_scalar("select cast(coalesce(sum(value_fen), 0) as bigint) from reward where tenant_id = $1 and program_id = $2
        and member_id = $3 and state not in ('reversed', 'rejected')")
        .bind(tenant.0).bind(program).bind(member.0).fetch_one(c).await.map_err(Into::into))
}

/// A reward to write.
#[derive(Debug, Clone)]
pub struct NewReward<'a> {
    /// Programme.
    pub program_id: i64,
    /// Beneficiary.
    pub member: MemberId,
    /// Cause.
    pub cause: &'a str,
    /// Friend.
    pub invitee: Option<MemberId>,
    /// Kind.
    pub kind: &'a str,
    /// Amount.
    pub amount: i64,
    /// Value, fen.
    pub value_fen: i64,
    /// `pending` or `held`.
    pub state: &'a str,
    /// Why held.
    pub hold_reason: Option<&'a str>,
    /// Friend's network.
    pub network: Option<&'a str>,
    /// Matures at.
    pub mature_at_ms: i64,
}

/// Writes a reward; `Ok(None)` when its cause has one already.
pub async fn insert(
    tx: &mut Tx,
    tenant: TenantId,
    r: &NewReward<'_>,
    now: i64,
) -> Result<Option<Reward>> {
    let sql = format!("insert into reward (tenant_id, program_id, member_id, cause, invitee_member_id, kind, amount, value_fen, state,
        hold_reason, network, mature_at_ms, created_at_ms, updated_at_ms)
        values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $13)
        on conflict (tenant_id, program_id, member_id, cause) do nothing returning {REWARD_COLS}");
    on_tx!(tx, c => sqlx::query_as::<_, Reward>(sqlx::AssertSqlSafe(sql)).bind(tenant.0).bind(r.program_id).bind(r.member.0).bind(r.cause)
        .bind(r.invitee.map(|m| m.0)).bind(r.kind).bind(r.amount).bind(r.value_fen).bind(r.state).bind(r.hold_reason)
        .bind(r.network).bind(r.mature_at_ms).bind(now).fetch_optional(c).await.map_err(Into::into))
}

/// A reward in a transaction.
pub async fn get_tx(tx: &mut Tx, tenant: TenantId, id: i64) -> Result<Option<Reward>> {
    let sql = format!("select {REWARD_COLS} from reward where tenant_id = $1 and reward_id = $2");
    on_tx!(tx, c => sqlx::query_as::<_, Reward>(sqlx::AssertSqlSafe(sql)).bind(tenant.0).bind(id).fetch_optional(c).await.map_err(Into::into))
}

/// Moves a reward from `from` to `to` and records the decision; false when it was no
/// longer in `from`.
#[allow(clippy::too_many_arguments)]
pub async fn set_state(
    tx: &mut Tx,
    tenant: TenantId,
    id: i64,
    from: &str,
    to: &str,
    actor: &str,
    note: Option<&str>,
    now: i64,
) -> Result<bool> {
    let n = on_tx!(tx, c => sqlx::query("update reward set state = $4, updated_at_ms = $5 where tenant_id = $1 and reward_id = $2 and state = $3")
        .bind(tenant.0).bind(id).bind(from).bind(to).bind(now).execute(c).await.map(|r| r.rows_affected()))?;
    if n == 1 {
        on_tx!(tx, c => sqlx::query("insert into reward_decision (tenant_id, reward_id, from_state, to_state, actor, note, at_ms) values ($1, $2, $3, $4, $5, $6, $7)")
            .bind(tenant.0).bind(id).bind(from).bind(to).bind(actor).bind(note).bind(now).execute(c).await.map(|_| ()))?;
    }
    Ok(n == 1)
}

/// A reward's decisions: (from, to, actor, note, at), oldest first.
pub async fn decisions(
    db: &Db,
    tenant: TenantId,
    reward: i64,
) -> Result<Vec<(String, String, String, Option<String>, i64)>> {
    on_pool!(db, p => sqlx::query_as("select from_state, to_state, actor, note, at_ms from reward_decision where tenant_id = $1 and reward_id = $2 order by decision_id")
        .bind(tenant.0).bind(reward).fetch_all(p).await.map_err(Into::into))
}

/// Rewards of the tenant, newest first, optionally of one programme, state or member.
pub async fn rewards(
    db: &Db,
    tenant: TenantId,
    program: Option<i64>,
    state: Option<&str>,
    member: Option<MemberId>,
    limit: i64,
) -> Result<Vec<Reward>> {
    let sql = format!("select {REWARD_COLS} from reward where tenant_id = $1 and ($2 is null or program_id = $2)
        and ($3 is null or state = $3) and ($4 is null or member_id = $4) order by reward_id desc limit $5");
    on_pool!(db, p => sqlx::query_as::<_, Reward>(sqlx::AssertSqlSafe(sql)).bind(tenant.0).bind(program).bind(state)
        .bind(member.map(|m| m.0)).bind(limit).fetch_all(p).await.map_err(Into::into))
}

/// Counts among the inviter's `join:` rewards of a programme: made since `since_ms`, and
/// (of those) from `network`.
pub async fn recent_joins(
    tx: &mut Tx,
    tenant: TenantId,
    program: i64,
    member: MemberId,
    since_ms: i64,
    network: Option<&str>,
) -> Result<(i64, i64)> {
    on_tx!(tx, c => sqlx::query_as("select count(*), coalesce(sum(case when network = $5 then 1 else 0 end), 0) from reward
        where tenant_id = $1 and program_id = $2 and member_id = $3 and cause like 'join:%' and created_at_ms >= $4")
        .bind(tenant.0).bind(program).bind(member.0).bind(since_ms).bind(network).fetch_one(c).await.map_err(Into::into))
}

/// The inviter's friends in a programme who were reversed (left within the stay period).
pub async fn left_soon(
    tx: &mut Tx,
    tenant: TenantId,
    program: i64,
    member: MemberId,
) -> Result<i64> {
    on_tx!(tx, c => sqlx::query_scalar("select count(*) from reward where tenant_id = $1 and program_id = $2 and member_id = $3
        and cause like 'join:%' and state = 'reversed'")
        .bind(tenant.0).bind(program).bind(member.0).fetch_one(c).await.map_err(Into::into))
}

/// Friends who joined through the member and count (not reversed or rejected).
pub async fn friends(tx: &mut Tx, tenant: TenantId, program: i64, member: MemberId) -> Result<i64> {
    on_tx!(tx, c => sqlx::query_scalar("select count(*) from reward where tenant_id = $1 and program_id = $2 and member_id = $3
        and cause like 'join:%' and state not in ('reversed', 'rejected')")
        .bind(tenant.0).bind(program).bind(member.0).fetch_one(c).await.map_err(Into::into))
}

/// The tenant's rewards counted per programme and state: (programme, state, rewards).
pub async fn state_counts(db: &Db, tenant: TenantId) -> Result<Vec<(i64, String, i64)>> {
    on_pool!(db, p => sqlx::query_as("select program_id, state, count(*) from reward where tenant_id = $1 group by program_id, state")
        .bind(tenant.0).fetch_all(p).await.map_err(Into::into))
}

/// A programme's leaderboard: (member, friends, value earned in fen), best first.
pub async fn leaderboard(
    db: &Db,
    tenant: TenantId,
    program: i64,
    limit: i64,
) -> Result<Vec<(i64, i64, i64)>> {
    on_pool!(db, p => sqlx::query_as("select member_id,
            sum(case when cause like 'join:%' then 1 else 0 end) as friends,
            cast(coalesce(sum(value_fen), 0) as bigint) as earned
        from reward where tenant_id = $1 and program_id = $2 and state not in ('reversed', 'rejected')
        group by member_id order by friends desc, earned desc, member_id limit $3")
        .bind(tenant.0).bind(program).bind(limit).fetch_all(p).await.map_err(Into::into))
}

/// The tenant's pending or held `join:` rewards whose friend has left every group since the
/// reward was made.
pub async fn left_invitees(db: &Db, tenant: TenantId, limit: i64) -> Result<Vec<Reward>> {
    let sql = format!("select {REWARD_COLS} from reward r where r.tenant_id = $1 and r.state in ('pending', 'held', 'approved')
        and r.invitee_member_id is not null and r.cause like 'join:%'
        and not exists (select 1 from group_membership m where m.tenant_id = r.tenant_id and m.member_id = r.invitee_member_id and m.left_at_ms is null)
        and exists (select 1 from group_membership m where m.tenant_id = r.tenant_id and m.member_id = r.invitee_member_id and m.left_at_ms >= r.created_at_ms)
        and r.mature_at_ms >= (select max(m.left_at_ms) from group_membership m where m.tenant_id = r.tenant_id and m.member_id = r.invitee_member_id)
        order by r.reward_id limit $2");
    on_pool!(db, p => sqlx::query_as::<_, Reward>(sqlx::AssertSqlSafe(sql)).bind(tenant.0).bind(limit).fetch_all(p).await.map_err(Into::into))
}

/// The tenant's pending rewards that matured by `now`.
pub async fn matured_of(db: &Db, tenant: TenantId, now: i64, limit: i64) -> Result<Vec<Reward>> {
    let sql = format!(
        "select {REWARD_COLS} from reward where tenant_id = $1 and state = 'pending' and mature_at_ms <= $2 order by mature_at_ms limit $3"
    );
    on_pool!(db, p => sqlx::query_as::<_, Reward>(sqlx::AssertSqlSafe(sql)).bind(tenant.0).bind(now).bind(limit).fetch_all(p).await.map_err(Into::into))
}

/// Order events after `after_id` by members who joined through someone in the programme:
/// (event id, member, amount, whether the member ordered before this event).
pub async fn invitee_orders(
    db: &Db,
    tenant: TenantId,
    program: i64,
    after_id: i64,
    limit: i64,
) -> Result<Vec<(i64, i64, i64, bool)>> {
    // The member's earlier events, found on their timeline.
    let earlier = crate::timeline::ids(
        db.is_sqlite(),
        crate::timeline::Axis::Member,
        "e.tenant_id",
        "e.member_id",
        "x.occurred_at_ms <= e.occurred_at_ms",
    );
    let sql = format!("select e.event_id, e.member_id, coalesce(e.amount_fen, 0),
            exists (select 1 from event o where o.tenant_id = e.tenant_id and o.event_id in ({earlier}) and o.kind = 'order'
                and (o.occurred_at_ms < e.occurred_at_ms or (o.occurred_at_ms = e.occurred_at_ms and o.event_id < e.event_id)))
        from event e where e.tenant_id = $1 and e.kind = 'order' and e.event_id > $3
          and exists (select 1 from reward r where r.tenant_id = e.tenant_id and r.program_id = $2 and r.invitee_member_id = e.member_id and r.cause like 'join:%')
        order by e.event_id limit $4");
    on_pool!(db, p => sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(tenant.0).bind(program).bind(after_id).bind(limit).fetch_all(p).await.map_err(Into::into))
}

/// The highest event id of the tenant (where a new programme starts looking for orders).
pub async fn last_event_id(tx: &mut Tx, tenant: TenantId) -> Result<i64> {
    on_tx!(tx, c => sqlx::query_scalar("select coalesce(max(event_id), 0) from event where tenant_id = $1")
        .bind(tenant.0).fetch_one(c).await.map_err(Into::into))
}

/// The inviter of a friend in the programme (from the friend's `join:` reward).
pub async fn inviter_of(
    db: &Db,
    tenant: TenantId,
    program: i64,
    invitee: MemberId,
) -> Result<Option<(i64, String)>> {
    on_pool!(db, p => sqlx::query_as("select member_id, state from reward where tenant_id = $1 and program_id = $2 and invitee_member_id = $3 and cause like 'join:%' limit 1")
        .bind(tenant.0).bind(program).bind(invitee.0).fetch_optional(p).await.map_err(Into::into))
}
