//! Group buys (拼团), their teams and the teams' members. A team's places are taken by one
//! conditional update of its row in the joiner's transaction (never past its size, only while
//! it is open and before its deadline), and each member's row is numbered by that update, so
//! no race can overfill a team on either store; a unit of the group buy's stock is taken the
//! same way for every hold and given back when a team fails.

use quanzi_domain::group_buy::NewGroupBuy;
use quanzi_domain::{GroupBuyId, MemberId, TeamId, TenantId};

use crate::{Db, Result, Tx, on_pool, on_tx};

/// A group buy as stored.
#[derive(Debug, Clone, sqlx::FromRow, PartialEq, Eq)]
pub struct GroupBuy {
    /// Id.
    pub group_buy_id: i64,
    /// Product.
    pub product_name: String,
    /// Price alone, fen.
    pub price_fen: i64,
    /// Price in a team that fills, fen.
    pub team_price_fen: i64,
    /// Members a team needs, its leader included.
    pub team_size: i64,
    /// Hours a team has to fill.
    pub hours: i64,
    /// Units that may be held or sold; none for no limit.
    pub stock: Option<i64>,
    /// Units held by open teams' members and sold to succeeded teams' members.
    pub taken: i64,
    /// A short team may be completed with virtual members on request.
    pub allow_virtual: bool,
    /// Created.
    pub created_at_ms: i64,
    /// Changed.
    pub updated_at_ms: i64,
    /// When the operator closed it (no new team).
    pub closed_at_ms: Option<i64>,
}

const GB_COLS: &str = "group_buy_id, product_name, price_fen, team_price_fen, team_size, hours, stock, taken, allow_virtual, created_at_ms, updated_at_ms, closed_at_ms";

/// Creates a group buy.
pub async fn create(tx: &mut Tx, t: TenantId, g: &NewGroupBuy, now: i64) -> Result<GroupBuy> {
    let sql = format!("insert into group_buy (tenant_id, product_name, price_fen, team_price_fen, team_size, hours, stock,
            allow_virtual, created_at_ms, updated_at_ms)
        values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9) returning {GB_COLS}");
    on_tx!(tx, c => sqlx::query_as::<_, GroupBuy>(sqlx::AssertSqlSafe(sql)).bind(t.0).bind(&g.product_name)
        .bind(g.price_fen).bind(g.team_price_fen).bind(i64::from(g.team_size)).bind(i64::from(g.hours)).bind(g.stock)
        .bind(g.allow_virtual).bind(now).fetch_one(c).await.map_err(Into::into))
}

/// A group buy.
pub async fn get(db: &Db, t: TenantId, id: GroupBuyId) -> Result<Option<GroupBuy>> {
    let sql = format!("select {GB_COLS} from group_buy where tenant_id = $1 and group_buy_id = $2");
    on_pool!(db, p => sqlx::query_as::<_, GroupBuy>(sqlx::AssertSqlSafe(sql)).bind(t.0).bind(id.0)
        .fetch_optional(p).await.map_err(Into::into))
}

/// A group buy, read in a transaction.
pub async fn get_tx(tx: &mut Tx, t: TenantId, id: GroupBuyId) -> Result<Option<GroupBuy>> {
    let sql = format!("select {GB_COLS} from group_buy where tenant_id = $1 and group_buy_id = $2");
    on_tx!(tx, c => sqlx::query_as::<_, GroupBuy>(sqlx::AssertSqlSafe(sql)).bind(t.0).bind(id.0)
        .fetch_optional(c).await.map_err(Into::into))
}

/// The tenant's group buys, newest first.
pub async fn list(db: &Db, t: TenantId) -> Result<Vec<GroupBuy>> {
    let sql = format!(
        "select {GB_COLS} from group_buy where tenant_id = $1 order by group_buy_id desc limit 500"
    );
    on_pool!(db, p => sqlx::query_as::<_, GroupBuy>(sqlx::AssertSqlSafe(sql)).bind(t.0).fetch_all(p).await.map_err(Into::into))
}

/// Closes a group buy: no new team (those open run to their deadline); `false` when it is
/// not the tenant's.
pub async fn close(db: &Db, t: TenantId, id: GroupBuyId, now: i64) -> Result<bool> {
    let n = on_pool!(db, p => sqlx::query("update group_buy set closed_at_ms = coalesce(closed_at_ms, $3), updated_at_ms = $3
        where tenant_id = $1 and group_buy_id = $2")
        .bind(t.0).bind(id.0).bind(now).execute(p).await.map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

/// Takes one unit of the group buy's stock for a hold (counted even without a stock, refused
/// only past one); `false` when none is left.
pub async fn take_unit(tx: &mut Tx, t: TenantId, id: GroupBuyId, now: i64) -> Result<bool> {
    let n = on_tx!(tx, c => sqlx::query("update group_buy set taken = taken + 1, updated_at_ms = $3
        where tenant_id = $1 and group_buy_id = $2 and (stock is null or taken + 1 <= stock)")
        .bind(t.0).bind(id.0).bind(now).execute(c).await.map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

/// Gives `units` back to the group buy's stock (a failed team's holds).
pub async fn give_back(
    tx: &mut Tx,
    t: TenantId,
    id: GroupBuyId,
    units: i64,
    now: i64,
) -> Result<()> {
    on_tx!(tx, c => sqlx::query("update group_buy set taken = taken - $3, updated_at_ms = $4
        where tenant_id = $1 and group_buy_id = $2")
        .bind(t.0).bind(id.0).bind(units).bind(now).execute(c).await.map(|r| r.rows_affected()))?;
    Ok(())
}

/// A team as stored.
#[derive(Debug, Clone, sqlx::FromRow, PartialEq, Eq)]
pub struct Team {
    /// Id.
    pub team_id: i64,
    /// Group buy.
    pub group_buy_id: i64,
    /// The member who opened it.
    pub leader_member_id: i64,
    /// Members it needs.
    pub team_size: i64,
    /// Real members in it.
    pub member_count: i64,
    /// Virtual members that completed it.
    pub virtual_members: i64,
    /// `open`, `succeeded` or `failed`.
    pub state: String,
    /// Opened.
    pub opened_at_ms: i64,
    /// Fails if not full by then.
    pub deadline_at_ms: i64,
    /// Succeeded or failed.
    pub settled_at_ms: Option<i64>,
}

const TEAM_COLS: &str = "team_id, group_buy_id, leader_member_id, team_size, member_count, virtual_members, state, opened_at_ms, deadline_at_ms, settled_at_ms";

/// A member of a team as stored.
#[derive(Debug, Clone, sqlx::FromRow, PartialEq, Eq)]
pub struct TeamMember {
    /// Member.
    pub member_id: i64,
    /// Place in the team, from 1 (the leader).
    pub seq: i64,
    /// `held` (the team is open), `ordered` (it succeeded) or `released` (it failed).
    pub state: String,
    /// Joined.
    pub joined_at_ms: i64,
}

/// Opens a team led by `leader` (who holds its first place) with its deadline; `Ok(None)`
/// when the leader already leads an open team of the group buy (nothing is written).
pub async fn open_team(
    tx: &mut Tx,
    t: TenantId,
    g: &GroupBuy,
    leader: MemberId,
    now: i64,
) -> Result<Option<Team>> {
    let sql = format!("insert into team (tenant_id, group_buy_id, leader_member_id, team_size, member_count, state,
            opened_at_ms, deadline_at_ms)
        values ($1, $2, $3, $4, 1, 'open', $5, $6) on conflict do nothing returning {TEAM_COLS}");
    let deadline = now + g.hours * 3_600_000;
    let team = on_tx!(tx, c => sqlx::query_as::<_, Team>(sqlx::AssertSqlSafe(sql)).bind(t.0).bind(g.group_buy_id)
        .bind(leader.0).bind(g.team_size).bind(now).bind(deadline).fetch_optional(c).await)?;
    if let Some(team) = &team {
        add_member(tx, t, TeamId(team.team_id), leader, 1, now).await?;
    }
    Ok(team)
}

/// The open team `leader` leads in the group buy, if any.
pub async fn open_team_of(
    db: &Db,
    t: TenantId,
    g: GroupBuyId,
    leader: MemberId,
) -> Result<Option<Team>> {
    let sql = format!(
        "select {TEAM_COLS} from team where tenant_id = $1 and group_buy_id = $2
        and leader_member_id = $3 and state = 'open'"
    );
    on_pool!(db, p => sqlx::query_as::<_, Team>(sqlx::AssertSqlSafe(sql)).bind(t.0).bind(g.0).bind(leader.0)
        .fetch_optional(p).await.map_err(Into::into))
}

/// Takes the team's next place: one conditional update, only while the team is open, before
/// its deadline and not full. Answers the team after it (its `member_count` is the new
/// member's place), or `None` when refused; the team's row stays locked until the
/// transaction ends.
pub async fn take_place(tx: &mut Tx, t: TenantId, id: TeamId, now: i64) -> Result<Option<Team>> {
    let sql = format!(
        "update team set member_count = member_count + 1
        where tenant_id = $1 and team_id = $2 and state = 'open' and deadline_at_ms > $3
          and member_count + virtual_members < team_size
        returning {TEAM_COLS}"
    );
    on_tx!(tx, c => sqlx::query_as::<_, Team>(sqlx::AssertSqlSafe(sql)).bind(t.0).bind(id.0).bind(now)
        .fetch_optional(c).await.map_err(Into::into))
}

/// Puts `m` in the team at place `seq`, holding a unit; `false` when the member is in it
/// already (nothing is written).
pub async fn add_member(
    tx: &mut Tx,
    t: TenantId,
    id: TeamId,
    m: MemberId,
    seq: i64,
    now: i64,
) -> Result<bool> {
    let n = on_tx!(tx, c => sqlx::query("insert into team_member (tenant_id, team_id, member_id, seq, state, joined_at_ms)
        values ($1, $2, $3, $4, 'held', $5) on conflict (tenant_id, team_id, member_id) do nothing")
        .bind(t.0).bind(id.0).bind(m.0).bind(seq).bind(now).execute(c).await.map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

/// Whether `m` is in the team.
pub async fn is_member_tx(tx: &mut Tx, t: TenantId, id: TeamId, m: MemberId) -> Result<bool> {
    let n: Option<i64> = on_tx!(tx, c => sqlx::query_scalar(
        "select seq from team_member where tenant_id = $1 and team_id = $2 and member_id = $3")
        .bind(t.0).bind(id.0).bind(m.0).fetch_optional(c).await)?;
    Ok(n.is_some())
}

/// Settles an open team as `state` (`succeeded` or `failed`); with `fill_virtual` its empty
/// places are taken by virtual members, counted from the row as it is locked (so a join
/// just before cannot overfill it). `None` when it was not open (settled already).
pub async fn settle(
    tx: &mut Tx,
    t: TenantId,
    id: TeamId,
    state: &str,
    fill_virtual: bool,
    now: i64,
) -> Result<Option<Team>> {
    let sql = format!(
        "update team set state = $3, settled_at_ms = $5,
            virtual_members = case when $4 then team_size - member_count else virtual_members end
        where tenant_id = $1 and team_id = $2 and state = 'open' returning {TEAM_COLS}"
    );
    on_tx!(tx, c => sqlx::query_as::<_, Team>(sqlx::AssertSqlSafe(sql)).bind(t.0).bind(id.0).bind(state)
        .bind(fill_virtual).bind(now).fetch_optional(c).await.map_err(Into::into))
}

/// Turns the team's holds into `state` (`ordered` or `released`); answers their members in
/// place order.
pub async fn settle_holds(tx: &mut Tx, t: TenantId, id: TeamId, state: &str) -> Result<Vec<i64>> {
    on_tx!(tx, c => sqlx::query_scalar("update team_member set state = $3
        where tenant_id = $1 and team_id = $2 and state = 'held' returning member_id")
        .bind(t.0).bind(id.0).bind(state).fetch_all(c).await.map_err(Into::into))
}

/// A team.
pub async fn team(db: &Db, t: TenantId, id: TeamId) -> Result<Option<Team>> {
    let sql = format!("select {TEAM_COLS} from team where tenant_id = $1 and team_id = $2");
    on_pool!(db, p => sqlx::query_as::<_, Team>(sqlx::AssertSqlSafe(sql)).bind(t.0).bind(id.0)
        .fetch_optional(p).await.map_err(Into::into))
}

/// A team, read in a transaction.
pub async fn team_tx(tx: &mut Tx, t: TenantId, id: TeamId) -> Result<Option<Team>> {
    let sql = format!("select {TEAM_COLS} from team where tenant_id = $1 and team_id = $2");
    on_tx!(tx, c => sqlx::query_as::<_, Team>(sqlx::AssertSqlSafe(sql)).bind(t.0).bind(id.0)
        .fetch_optional(c).await.map_err(Into::into))
}

/// A group buy's teams, newest first, before `before` (a team id) when given.
pub async fn teams(
    db: &Db,
    t: TenantId,
    g: GroupBuyId,
    before: Option<i64>,
    limit: i64,
) -> Result<Vec<Team>> {
    let sql = format!(
        "select {TEAM_COLS} from team where tenant_id = $1 and group_buy_id = $2
        and ($3 is null or team_id < $3) order by team_id desc limit $4"
    );
    on_pool!(db, p => sqlx::query_as::<_, Team>(sqlx::AssertSqlSafe(sql)).bind(t.0).bind(g.0).bind(before)
        .bind(limit).fetch_all(p).await.map_err(Into::into))
}

/// The teams of a group buy `m` is in, newest first.
pub async fn teams_of_member(
    db: &Db,
    t: TenantId,
    g: GroupBuyId,
    m: MemberId,
) -> Result<Vec<Team>> {
    let cols = TEAM_COLS
        .split(", ")
        .map(|c| format!("x.{c}"))
        .collect::<Vec<_>>()
        .join(", ");
    let sql = format!(
        "select {cols} from team x join team_member y on y.tenant_id = x.tenant_id and y.team_id = x.team_id
        where x.tenant_id = $1 and x.group_buy_id = $2 and y.member_id = $3 order by x.team_id desc limit 50"
    );
    on_pool!(db, p => sqlx::query_as::<_, Team>(sqlx::AssertSqlSafe(sql)).bind(t.0).bind(g.0).bind(m.0)
        .fetch_all(p).await.map_err(Into::into))
}

/// A team's members in place order.
pub async fn members(db: &Db, t: TenantId, id: TeamId) -> Result<Vec<TeamMember>> {
    on_pool!(db, p => sqlx::query_as::<_, TeamMember>("select member_id, seq, state, joined_at_ms from team_member
        where tenant_id = $1 and team_id = $2 order by seq")
        .bind(t.0).bind(id.0).fetch_all(p).await.map_err(Into::into))
}

/// The open teams whose deadline passed by `now`, up to `limit`, soonest first.
pub async fn due(tx: &mut Tx, t: TenantId, now: i64, limit: i64) -> Result<Vec<i64>> {
    on_tx!(tx, c => sqlx::query_scalar(
        "select team_id from team where tenant_id = $1 and state = 'open' and deadline_at_ms <= $2
         order by deadline_at_ms limit $3")
        .bind(t.0).bind(now).bind(limit).fetch_all(c).await.map_err(Into::into))
}

/// A group buy's teams counted by state: (state, teams, real members).
pub async fn figures(db: &Db, t: TenantId, g: GroupBuyId) -> Result<Vec<(String, i64, i64)>> {
    on_pool!(db, p => sqlx::query_as(
        "select state, count(*), cast(coalesce(sum(member_count), 0) as bigint)
         from team where tenant_id = $1 and group_buy_id = $2 group by state order by state")
        .bind(t.0).bind(g.0).fetch_all(p).await.map_err(Into::into))
}
