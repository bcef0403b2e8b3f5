//! Lotteries: the rules and sealed seed, the tiers' stock, each player's draws and wins, and
//! the published record of draws and upgrades in order. A draw takes the lottery's row first
//! (the update that numbers the event), so draws of one lottery never interleave.

use quanzi_domain::{LotteryId, MemberId, TenantId};

use crate::{Db, Result, Tx, on_pool, on_tx};

/// A lottery as stored.
#[derive(Debug, Clone, sqlx::FromRow, PartialEq, Eq)]
pub struct Lottery {
    /// Id.
    pub lottery_id: i64,
    /// Name.
    pub name: String,
    /// The validated rules as the client sent them (a `LotteryInput`, JSON).
    pub rules: String,
    /// The server seed, sealed with the server key.
    pub seed_sealed: String,
    /// SHA-256 of the seed, published before the first draw.
    pub commitment: String,
    /// The seed, once revealed at the close.
    pub seed: Option<String>,
    /// Opens.
    pub starts_at_ms: i64,
    /// Closes.
    pub ends_at_ms: i64,
    /// Closed and revealed.
    pub closed_at_ms: Option<i64>,
    /// Events recorded.
    pub events: i64,
    /// Prize budget, fen.
    pub budget_fen: i64,
    /// Spent on prizes given, fen.
    pub spent_fen: i64,
    /// Created.
    pub created_at_ms: i64,
    /// Changed.
    pub updated_at_ms: i64,
}

const COLS: &str = "lottery_id, name, rules, seed_sealed, commitment, seed, starts_at_ms, ends_at_ms, closed_at_ms, events, budget_fen, spent_fen, created_at_ms, updated_at_ms";

/// A lottery to create.
#[derive(Debug, Clone)]
pub struct NewLotteryRow<'a> {
    /// Name.
    pub name: &'a str,
    /// Rules, JSON.
    pub rules: &'a str,
    /// Sealed seed.
    pub seed_sealed: &'a str,
    /// Commitment.
    pub commitment: &'a str,
    /// Opens.
    pub starts_at_ms: i64,
    /// Closes.
    pub ends_at_ms: i64,
    /// Budget, fen.
    pub budget_fen: i64,
    /// Each tier's stock, in order.
    pub stock: &'a [i64],
}

/// Creates a lottery and its tiers.
pub async fn create(tx: &mut Tx, t: TenantId, l: &NewLotteryRow<'_>, now: i64) -> Result<Lottery> {
    let sql = format!("insert into lottery (tenant_id, name, rules, seed_sealed, commitment, starts_at_ms, ends_at_ms,
            budget_fen, created_at_ms, updated_at_ms)
        values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9) returning {COLS}");
    let row = on_tx!(tx, c => sqlx::query_as::<_, Lottery>(sqlx::AssertSqlSafe(sql)).bind(t.0).bind(l.name).bind(l.rules)
        .bind(l.seed_sealed).bind(l.commitment).bind(l.starts_at_ms).bind(l.ends_at_ms).bind(l.budget_fen).bind(now)
        .fetch_one(c).await)?;
    for (i, stock) in l.stock.iter().enumerate() {
        on_tx!(tx, c => sqlx::query("insert into lottery_tier (tenant_id, lottery_id, tier, stock_left) values ($1, $2, $3, $4)")
            .bind(t.0).bind(row.lottery_id).bind(i as i64).bind(*stock).execute(c).await.map(|r| r.rows_affected()))?;
    }
    Ok(row)
}

/// A lottery.
pub async fn get(db: &Db, t: TenantId, id: LotteryId) -> Result<Option<Lottery>> {
    let sql = format!("select {COLS} from lottery where tenant_id = $1 and lottery_id = $2");
    on_pool!(db, p => sqlx::query_as::<_, Lottery>(sqlx::AssertSqlSafe(sql)).bind(t.0).bind(id.0)
        .fetch_optional(p).await.map_err(Into::into))
}

/// The tenant's lotteries, newest first.
pub async fn list(db: &Db, t: TenantId) -> Result<Vec<Lottery>> {
    let sql = format!(
        "select {COLS} from lottery where tenant_id = $1 order by lottery_id desc limit 500"
    );
    on_pool!(db, p => sqlx::query_as::<_, Lottery>(sqlx::AssertSqlSafe(sql)).bind(t.0).fetch_all(p).await.map_err(Into::into))
}

/// Takes the lottery for one event at `now`: numbers it (the lottery's row stays locked until
/// the transaction ends) and answers the lottery; `None` when it is not open at `now`.
pub async fn take(tx: &mut Tx, t: TenantId, id: LotteryId, now: i64) -> Result<Option<Lottery>> {
    let sql = format!("update lottery set events = events + 1, updated_at_ms = $3
        where tenant_id = $1 and lottery_id = $2 and closed_at_ms is null and starts_at_ms <= $3 and ends_at_ms > $3
        returning {COLS}");
    on_tx!(tx, c => sqlx::query_as::<_, Lottery>(sqlx::AssertSqlSafe(sql)).bind(t.0).bind(id.0).bind(now)
        .fetch_optional(c).await.map_err(Into::into))
}

/// Each tier's (stock left, given), in order.
pub async fn tiers_tx(tx: &mut Tx, t: TenantId, id: LotteryId) -> Result<Vec<(i64, i64)>> {
    on_tx!(tx, c => sqlx::query_as("select stock_left, given from lottery_tier where tenant_id = $1 and lottery_id = $2 order by tier")
        .bind(t.0).bind(id.0).fetch_all(c).await.map_err(Into::into))
}

/// Each tier's (stock left, given), in order.
pub async fn tiers(db: &Db, t: TenantId, id: LotteryId) -> Result<Vec<(i64, i64)>> {
    on_pool!(db, p => sqlx::query_as("select stock_left, given from lottery_tier where tenant_id = $1 and lottery_id = $2 order by tier")
        .bind(t.0).bind(id.0).fetch_all(p).await.map_err(Into::into))
}

/// A player's (draws, wins) so far.
pub async fn player_tx(tx: &mut Tx, t: TenantId, id: LotteryId, m: MemberId) -> Result<(i64, i64)> {
    let row: Option<(i64, i64)> = on_tx!(tx, c => sqlx::query_as(
        "select draws, wins from lottery_player where tenant_id = $1 and lottery_id = $2 and member_id = $3")
        .bind(t.0).bind(id.0).bind(m.0).fetch_optional(c).await)?;
    Ok(row.unwrap_or((0, 0)))
}

/// An event of the published record.
#[derive(Debug, Clone, sqlx::FromRow, PartialEq, Eq)]
pub struct LotteryEvent {
    /// Its place in the record, from 1.
    pub seq: i64,
    /// `draw` or `upgrade`.
    pub kind: String,
    /// The member.
    pub member_id: i64,
    /// The draw's number (of an upgrade: the draw whose prize was upgraded).
    pub draw_no: i64,
    /// The draw's ticket.
    pub ticket: Option<i64>,
    /// The tier given (none: nothing).
    pub tier: Option<i64>,
    /// An upgrade's tier given back.
    pub from_tier: Option<i64>,
    /// An upgrade's price, fen.
    pub price_fen: Option<i64>,
    /// When.
    pub at_ms: i64,
}

const EVENT_COLS: &str = "seq, kind, member_id, draw_no, ticket, tier, from_tier, price_fen, at_ms";

/// What one event changed, written with it.
#[derive(Debug, Clone)]
pub struct Recorded {
    /// The event.
    pub event: LotteryEvent,
    /// Each tier's (stock left, given) after it.
    pub tiers: Vec<(i64, i64)>,
    /// Spent after it, fen.
    pub spent_fen: i64,
    /// The player's (draws, wins) after it.
    pub player: (i64, i64),
}

/// Writes an event and what it changed (the stock and budget checks hold in the rows too).
pub async fn record(tx: &mut Tx, t: TenantId, id: LotteryId, r: &Recorded) -> Result<()> {
    let e = &r.event;
    on_tx!(tx, c => sqlx::query("insert into lottery_event (tenant_id, lottery_id, seq, kind, member_id, draw_no, ticket,
            tier, from_tier, price_fen, at_ms) values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)")
        .bind(t.0).bind(id.0).bind(e.seq).bind(&e.kind).bind(e.member_id).bind(e.draw_no).bind(e.ticket).bind(e.tier)
        .bind(e.from_tier).bind(e.price_fen).bind(e.at_ms).execute(c).await.map(|r| r.rows_affected()))?;
    for (i, (left, given)) in r.tiers.iter().enumerate() {
        on_tx!(tx, c => sqlx::query("update lottery_tier set stock_left = $4, given = $5
            where tenant_id = $1 and lottery_id = $2 and tier = $3 and (stock_left <> $4 or given <> $5)")
            .bind(t.0).bind(id.0).bind(i as i64).bind(*left).bind(*given).execute(c).await.map(|r| r.rows_affected()))?;
    }
    on_tx!(tx, c => sqlx::query("update lottery set spent_fen = $3 where tenant_id = $1 and lottery_id = $2")
        .bind(t.0).bind(id.0).bind(r.spent_fen).execute(c).await.map(|r| r.rows_affected()))?;
    on_tx!(tx, c => sqlx::query("insert into lottery_player (tenant_id, lottery_id, member_id, draws, wins) values ($1, $2, $3, $4, $5)
            on conflict (tenant_id, lottery_id, member_id) do update set draws = excluded.draws, wins = excluded.wins")
        .bind(t.0).bind(id.0).bind(e.member_id).bind(r.player.0).bind(r.player.1).execute(c).await.map(|r| r.rows_affected()))?;
    Ok(())
}

/// The published record in order.
pub async fn events(db: &Db, t: TenantId, id: LotteryId) -> Result<Vec<LotteryEvent>> {
    let sql = format!(
        "select {EVENT_COLS} from lottery_event where tenant_id = $1 and lottery_id = $2 order by seq"
    );
    on_pool!(db, p => sqlx::query_as::<_, LotteryEvent>(sqlx::AssertSqlSafe(sql)).bind(t.0).bind(id.0)
        .fetch_all(p).await.map_err(Into::into))
}

/// A member's events in a lottery, in order.
pub async fn events_of(
    db: &Db,
    t: TenantId,
    id: LotteryId,
    m: MemberId,
) -> Result<Vec<LotteryEvent>> {
    let sql = format!(
        "select {EVENT_COLS} from lottery_event where tenant_id = $1 and lottery_id = $2 and member_id = $3 order by seq"
    );
    on_pool!(db, p => sqlx::query_as::<_, LotteryEvent>(sqlx::AssertSqlSafe(sql)).bind(t.0).bind(id.0).bind(m.0)
        .fetch_all(p).await.map_err(Into::into))
}

/// A member's draw `draw_no` and whether it was upgraded, in a transaction.
pub async fn draw_of_tx(
    tx: &mut Tx,
    t: TenantId,
    id: LotteryId,
    m: MemberId,
    draw_no: i64,
) -> Result<(Option<LotteryEvent>, bool)> {
    let sql = format!("select {EVENT_COLS} from lottery_event where tenant_id = $1 and lottery_id = $2 and member_id = $3
        and draw_no = $4 order by seq");
    let rows = on_tx!(tx, c => sqlx::query_as::<_, LotteryEvent>(sqlx::AssertSqlSafe(sql)).bind(t.0).bind(id.0).bind(m.0)
        .bind(draw_no).fetch_all(c).await)?;
    let upgraded = rows.iter().any(|e| e.kind == "upgrade");
    Ok((rows.into_iter().find(|e| e.kind == "draw"), upgraded))
}

/// Closes a lottery and reveals its seed; `None` when it was closed already.
pub async fn close(
    db: &Db,
    t: TenantId,
    id: LotteryId,
    seed: &str,
    now: i64,
) -> Result<Option<Lottery>> {
    let sql = format!(
        "update lottery set closed_at_ms = $3, seed = $4, updated_at_ms = $3
        where tenant_id = $1 and lottery_id = $2 and closed_at_ms is null returning {COLS}"
    );
    on_pool!(db, p => sqlx::query_as::<_, Lottery>(sqlx::AssertSqlSafe(sql)).bind(t.0).bind(id.0).bind(now).bind(seed)
        .fetch_optional(p).await.map_err(Into::into))
}
