//! Bargains (砍一刀): the operator's offers, each member's run of one (its price so far) and
//! the friends' cuts. A cut takes the run's row first (the update that numbers it, refused
//! once the run is bought, expired or at its floor), so cuts of one run never interleave; a
//! friend cuts a run once (its key), and the row refuses a price below the floor.

use quanzi_domain::bargain::NewBargain;
use quanzi_domain::{BargainId, MemberId, TenantId};

use crate::{Db, Result, Tx, on_pool, on_tx};

/// A bargain offer as stored.
#[derive(Debug, Clone, sqlx::FromRow, PartialEq, Eq)]
pub struct Bargain {
    /// Id.
    pub bargain_id: i64,
    /// Product.
    pub product_name: String,
    /// Price a run starts from, fen.
    pub start_price_fen: i64,
    /// Price friends can bring it down to, fen.
    pub floor_price_fen: i64,
    /// Cuts that bring a run to the floor.
    pub cuts_to_floor: i64,
    /// Hours a run is open to cuts.
    pub hours: i64,
    /// Units that may be sold; none for no limit.
    pub stock: Option<i64>,
    /// Units sold.
    pub taken: i64,
    /// Created.
    pub created_at_ms: i64,
    /// Changed.
    pub updated_at_ms: i64,
    /// When the operator closed it (no new run).
    pub closed_at_ms: Option<i64>,
}

const COLS: &str = "bargain_id, product_name, start_price_fen, floor_price_fen, cuts_to_floor, hours, stock, taken, created_at_ms, updated_at_ms, closed_at_ms";

/// Creates an offer.
pub async fn create(tx: &mut Tx, t: TenantId, b: &NewBargain, now: i64) -> Result<Bargain> {
    let sql = format!("insert into bargain (tenant_id, product_name, start_price_fen, floor_price_fen, cuts_to_floor,
            hours, stock, created_at_ms, updated_at_ms)
        values ($1, $2, $3, $4, $5, $6, $7, $8, $8) returning {COLS}");
    on_tx!(tx, c => sqlx::query_as::<_, Bargain>(sqlx::AssertSqlSafe(sql)).bind(t.0).bind(&b.product_name)
        .bind(b.start_price_fen).bind(b.floor_price_fen).bind(i64::from(b.cuts_to_floor)).bind(i64::from(b.hours))
        .bind(b.stock).bind(now).fetch_one(c).await.map_err(Into::into))
}

/// An offer.
pub async fn get(db: &Db, t: TenantId, id: BargainId) -> Result<Option<Bargain>> {
    let sql = format!("select {COLS} from bargain where tenant_id = $1 and bargain_id = $2");
    on_pool!(db, p => sqlx::query_as::<_, Bargain>(sqlx::AssertSqlSafe(sql)).bind(t.0).bind(id.0)
        .fetch_optional(p).await.map_err(Into::into))
}

/// An offer, read in a transaction.
pub async fn get_tx(tx: &mut Tx, t: TenantId, id: BargainId) -> Result<Option<Bargain>> {
    let sql = format!("select {COLS} from bargain where tenant_id = $1 and bargain_id = $2");
    on_tx!(tx, c => sqlx::query_as::<_, Bargain>(sqlx::AssertSqlSafe(sql)).bind(t.0).bind(id.0)
        .fetch_optional(c).await.map_err(Into::into))
}

/// The tenant's offers, newest first.
pub async fn list(db: &Db, t: TenantId) -> Result<Vec<Bargain>> {
    let sql = format!(
        "select {COLS} from bargain where tenant_id = $1 order by bargain_id desc limit 500"
    );
    on_pool!(db, p => sqlx::query_as::<_, Bargain>(sqlx::AssertSqlSafe(sql)).bind(t.0).fetch_all(p).await.map_err(Into::into))
}

/// Closes an offer: no new run (those open run to their expiry); `false` when it is not the
/// tenant's.
pub async fn close(db: &Db, t: TenantId, id: BargainId, now: i64) -> Result<bool> {
    let n = on_pool!(db, p => sqlx::query("update bargain set closed_at_ms = coalesce(closed_at_ms, $3), updated_at_ms = $3
        where tenant_id = $1 and bargain_id = $2")
        .bind(t.0).bind(id.0).bind(now).execute(p).await.map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

/// Takes one unit of the offer's stock for a purchase; `false` when none is left.
pub async fn take_unit(tx: &mut Tx, t: TenantId, id: BargainId, now: i64) -> Result<bool> {
    let n = on_tx!(tx, c => sqlx::query("update bargain set taken = taken + 1, updated_at_ms = $3
        where tenant_id = $1 and bargain_id = $2 and (stock is null or taken + 1 <= stock)")
        .bind(t.0).bind(id.0).bind(now).execute(c).await.map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

/// A member's run of an offer as stored.
#[derive(Debug, Clone, sqlx::FromRow, PartialEq, Eq)]
pub struct BargainRun {
    /// Id.
    pub bargain_run_id: i64,
    /// Offer.
    pub bargain_id: i64,
    /// The member who opened it.
    pub member_id: i64,
    /// Price now, fen.
    pub price_fen: i64,
    /// The offer's floor, fen.
    pub floor_price_fen: i64,
    /// Cuts so far.
    pub cuts: i64,
    /// Opened.
    pub opened_at_ms: i64,
    /// No cuts from then on.
    pub expires_at_ms: i64,
    /// Bought by its member.
    pub bought_at_ms: Option<i64>,
    /// What the member paid, fen.
    pub paid_fen: Option<i64>,
}

const RUN_COLS: &str = "bargain_run_id, bargain_id, member_id, price_fen, floor_price_fen, cuts, opened_at_ms, expires_at_ms, bought_at_ms, paid_fen";

/// Opens the member's run of the offer at its start price; `None` when the member has one
/// already (nothing is written).
pub async fn open_run(
    tx: &mut Tx,
    t: TenantId,
    b: &Bargain,
    m: MemberId,
    now: i64,
) -> Result<Option<BargainRun>> {
    let sql = format!(
        "insert into bargain_run (tenant_id, bargain_id, member_id, price_fen, floor_price_fen,
            opened_at_ms, expires_at_ms)
        values ($1, $2, $3, $4, $5, $6, $7) on conflict do nothing returning {RUN_COLS}"
    );
    let expires = now + b.hours * 3_600_000;
    on_tx!(tx, c => sqlx::query_as::<_, BargainRun>(sqlx::AssertSqlSafe(sql)).bind(t.0).bind(b.bargain_id).bind(m.0)
        .bind(b.start_price_fen).bind(b.floor_price_fen).bind(now).bind(expires).fetch_optional(c).await.map_err(Into::into))
}

/// The member's run of the offer, if any.
pub async fn run_of(db: &Db, t: TenantId, b: BargainId, m: MemberId) -> Result<Option<BargainRun>> {
    let sql = format!(
        "select {RUN_COLS} from bargain_run where tenant_id = $1 and bargain_id = $2 and member_id = $3"
    );
    on_pool!(db, p => sqlx::query_as::<_, BargainRun>(sqlx::AssertSqlSafe(sql)).bind(t.0).bind(b.0).bind(m.0)
        .fetch_optional(p).await.map_err(Into::into))
}

/// A run.
pub async fn run(db: &Db, t: TenantId, id: i64) -> Result<Option<BargainRun>> {
    let sql =
        format!("select {RUN_COLS} from bargain_run where tenant_id = $1 and bargain_run_id = $2");
    on_pool!(db, p => sqlx::query_as::<_, BargainRun>(sqlx::AssertSqlSafe(sql)).bind(t.0).bind(id)
        .fetch_optional(p).await.map_err(Into::into))
}

/// An offer's runs, newest first.
pub async fn runs(db: &Db, t: TenantId, b: BargainId, limit: i64) -> Result<Vec<BargainRun>> {
    let sql = format!(
        "select {RUN_COLS} from bargain_run where tenant_id = $1 and bargain_id = $2
        order by bargain_run_id desc limit $3"
    );
    on_pool!(db, p => sqlx::query_as::<_, BargainRun>(sqlx::AssertSqlSafe(sql)).bind(t.0).bind(b.0).bind(limit)
        .fetch_all(p).await.map_err(Into::into))
}

/// Takes the run for one more cut at `now`: numbers it (`cuts` after it is the cut's number;
/// the row stays locked until the transaction ends) and answers the run before the price
/// changes; `None` when bought, expired or at the floor.
pub async fn take_cut(tx: &mut Tx, t: TenantId, id: i64, now: i64) -> Result<Option<BargainRun>> {
    let sql = format!(
        "update bargain_run set cuts = cuts + 1
        where tenant_id = $1 and bargain_run_id = $2 and bought_at_ms is null and expires_at_ms > $3
          and price_fen > floor_price_fen
        returning {RUN_COLS}"
    );
    on_tx!(tx, c => sqlx::query_as::<_, BargainRun>(sqlx::AssertSqlSafe(sql)).bind(t.0).bind(id).bind(now)
        .fetch_optional(c).await.map_err(Into::into))
}

/// A friend's cut as stored.
#[derive(Debug, Clone, sqlx::FromRow, PartialEq, Eq)]
pub struct BargainCut {
    /// The run.
    pub bargain_run_id: i64,
    /// The friend.
    pub member_id: i64,
    /// Its number in the run, from 1.
    pub cut_no: i64,
    /// Taken off, fen.
    pub amount_fen: i64,
    /// The run's price after it, fen.
    pub price_after_fen: i64,
    /// When.
    pub at_ms: i64,
}

const CUT_COLS: &str = "bargain_run_id, member_id, cut_no, amount_fen, price_after_fen, at_ms";

/// Records a cut taken with [`take_cut`] and lowers the run's price by it; `false` when the
/// friend cut this run already (the caller drops the transaction).
pub async fn record_cut(tx: &mut Tx, t: TenantId, c: &BargainCut) -> Result<bool> {
    let n = on_tx!(tx, x => sqlx::query("insert into bargain_cut (tenant_id, bargain_run_id, member_id, cut_no, amount_fen,
            price_after_fen, at_ms) values ($1, $2, $3, $4, $5, $6, $7) on conflict (tenant_id, bargain_run_id, member_id) do nothing")
        .bind(t.0).bind(c.bargain_run_id).bind(c.member_id).bind(c.cut_no).bind(c.amount_fen).bind(c.price_after_fen)
        .bind(c.at_ms).execute(x).await.map(|r| r.rows_affected()))?;
    if n == 0 {
        return Ok(false);
    }
    on_tx!(tx, x => sqlx::query("update bargain_run set price_fen = $3 where tenant_id = $1 and bargain_run_id = $2")
        .bind(t.0).bind(c.bargain_run_id).bind(c.price_after_fen).execute(x).await.map(|r| r.rows_affected()))?;
    Ok(true)
}

/// The cut `m` made in the run, if any.
pub async fn cut_of_tx(
    tx: &mut Tx,
    t: TenantId,
    run: i64,
    m: MemberId,
) -> Result<Option<BargainCut>> {
    let sql = format!(
        "select {CUT_COLS} from bargain_cut where tenant_id = $1 and bargain_run_id = $2 and member_id = $3"
    );
    on_tx!(tx, c => sqlx::query_as::<_, BargainCut>(sqlx::AssertSqlSafe(sql)).bind(t.0).bind(run).bind(m.0)
        .fetch_optional(c).await.map_err(Into::into))
}

/// The run's cuts in order.
pub async fn cuts(db: &Db, t: TenantId, run: i64) -> Result<Vec<BargainCut>> {
    let sql = format!(
        "select {CUT_COLS} from bargain_cut where tenant_id = $1 and bargain_run_id = $2 order by cut_no"
    );
    on_pool!(db, p => sqlx::query_as::<_, BargainCut>(sqlx::AssertSqlSafe(sql)).bind(t.0).bind(run)
        .fetch_all(p).await.map_err(Into::into))
}

/// Marks the run bought at its price now; `None` when it was bought already.
pub async fn buy(tx: &mut Tx, t: TenantId, id: i64, now: i64) -> Result<Option<BargainRun>> {
    let sql = format!(
        "update bargain_run set bought_at_ms = $3, paid_fen = price_fen
        where tenant_id = $1 and bargain_run_id = $2 and bought_at_ms is null returning {RUN_COLS}"
    );
    on_tx!(tx, c => sqlx::query_as::<_, BargainRun>(sqlx::AssertSqlSafe(sql)).bind(t.0).bind(id).bind(now)
        .fetch_optional(c).await.map_err(Into::into))
}
