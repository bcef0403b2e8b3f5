//! Flash sales and their orders: units taken from a sale's stock and from a member's limit in
//! the buyer's transaction by conditional updates (so no rush can oversell or pass a limit on
//! either store), held units returned when their hold expires or the order is cancelled.

use quanzi_domain::flash_sale::NewFlashSale;
use quanzi_domain::{FlashSaleId, MemberId, OrderId, TenantId};

use crate::{Db, Result, Tx, on_pool, on_tx};

mod rush;
pub use rush::{Rush, release_on_writer, take_on_writer, take_returning};

/// A flash sale as stored.
#[derive(Debug, Clone, sqlx::FromRow, PartialEq, Eq)]
pub struct FlashSale {
    /// Id.
    pub flash_sale_id: i64,
    /// Product.
    pub product: String,
    /// Description.
    pub description: String,
    /// Price, fen.
    pub price_fen: i64,
    /// Usual price, fen.
    pub original_price_fen: Option<i64>,
    /// Stock.
    pub stock: i64,
    /// Units of held and paid orders.
    pub taken: i64,
    /// Per-member limit.
    pub per_member_limit: i64,
    /// Opens.
    pub starts_at_ms: i64,
    /// Closes.
    pub ends_at_ms: i64,
    /// Hold, minutes.
    pub hold_minutes: i64,
    /// Target groups, a JSON array of ids.
    pub group_ids: String,
    /// Closed early by the operator.
    pub closed_at_ms: Option<i64>,
    /// Created.
    pub created_at_ms: i64,
    /// Changed.
    pub updated_at_ms: i64,
}

const SALE_COLS: &str = "flash_sale_id, product, description, price_fen, original_price_fen, stock, taken, per_member_limit, starts_at_ms, ends_at_ms, hold_minutes, group_ids, closed_at_ms, created_at_ms, updated_at_ms";

fn groups_json(s: &NewFlashSale) -> String {
    serde_json::to_string(&s.group_ids).unwrap_or_else(|_| "[]".into())
}

/// Creates a sale.
pub async fn create(tx: &mut Tx, t: TenantId, s: &NewFlashSale, now: i64) -> Result<FlashSale> {
    let sql = format!("insert into flash_sale (tenant_id, product, description, price_fen, original_price_fen, stock,
            per_member_limit, starts_at_ms, ends_at_ms, hold_minutes, group_ids, created_at_ms, updated_at_ms)
        values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12) returning {SALE_COLS}");
    on_tx!(tx, c => sqlx::query_as::<_, FlashSale>(sqlx::AssertSqlSafe(sql)).bind(t.0).bind(&s.product)
        .bind(&s.description).bind(s.price_fen).bind(s.original_price_fen).bind(s.stock).bind(s.per_member_limit)
        .bind(s.starts_at_ms).bind(s.ends_at_ms).bind(s.hold_minutes).bind(groups_json(s)).bind(now)
        .fetch_one(c).await.map_err(Into::into))
}

/// Replaces a sale's settings; `Ok(None)` when its stock would fall below the units taken.
pub async fn update(
    tx: &mut Tx,
    t: TenantId,
    id: FlashSaleId,
    s: &NewFlashSale,
    now: i64,
) -> Result<Option<FlashSale>> {
    let sql = format!("update flash_sale set product = $3, description = $4, price_fen = $5, original_price_fen = $6,
            stock = $7, per_member_limit = $8, starts_at_ms = $9, ends_at_ms = $10, hold_minutes = $11,
            group_ids = $12, updated_at_ms = $13
        where tenant_id = $1 and flash_sale_id = $2 and taken <= $7 returning {SALE_COLS}");
    on_tx!(tx, c => sqlx::query_as::<_, FlashSale>(sqlx::AssertSqlSafe(sql)).bind(t.0).bind(id.0).bind(&s.product)
        .bind(&s.description).bind(s.price_fen).bind(s.original_price_fen).bind(s.stock).bind(s.per_member_limit)
        .bind(s.starts_at_ms).bind(s.ends_at_ms).bind(s.hold_minutes).bind(groups_json(s)).bind(now)
        .fetch_optional(c).await.map_err(Into::into))
}

/// Closes a sale now (no more buys; held units may still be paid).
pub async fn close(db: &Db, t: TenantId, id: FlashSaleId, now: i64) -> Result<Option<FlashSale>> {
    let sql = format!(
        "update flash_sale set closed_at_ms = coalesce(closed_at_ms, $3), updated_at_ms = $3
        where tenant_id = $1 and flash_sale_id = $2 returning {SALE_COLS}"
    );
    on_pool!(db, p => sqlx::query_as::<_, FlashSale>(sqlx::AssertSqlSafe(sql)).bind(t.0).bind(id.0).bind(now)
        .fetch_optional(p).await.map_err(Into::into))
}

/// A sale.
pub async fn get(db: &Db, t: TenantId, id: FlashSaleId) -> Result<Option<FlashSale>> {
    let sql =
        format!("select {SALE_COLS} from flash_sale where tenant_id = $1 and flash_sale_id = $2");
    on_pool!(db, p => sqlx::query_as::<_, FlashSale>(sqlx::AssertSqlSafe(sql)).bind(t.0).bind(id.0)
        .fetch_optional(p).await.map_err(Into::into))
}

/// A sale, read in a transaction.
pub async fn get_tx(tx: &mut Tx, t: TenantId, id: FlashSaleId) -> Result<Option<FlashSale>> {
    let sql =
        format!("select {SALE_COLS} from flash_sale where tenant_id = $1 and flash_sale_id = $2");
    on_tx!(tx, c => sqlx::query_as::<_, FlashSale>(sqlx::AssertSqlSafe(sql)).bind(t.0).bind(id.0)
        .fetch_optional(c).await.map_err(Into::into))
}

/// The tenant's sales, newest first.
pub async fn list(db: &Db, t: TenantId) -> Result<Vec<FlashSale>> {
    let sql = format!(
        "select {SALE_COLS} from flash_sale where tenant_id = $1 order by flash_sale_id desc limit 500"
    );
    on_pool!(db, p => sqlx::query_as::<_, FlashSale>(sqlx::AssertSqlSafe(sql)).bind(t.0).fetch_all(p).await.map_err(Into::into))
}

/// An order taken in a flash sale, as stored.
#[derive(Debug, Clone, sqlx::FromRow, PartialEq, Eq)]
pub struct FlashOrder {
    /// Id.
    pub order_id: i64,
    /// Sale.
    pub flash_sale_id: i64,
    /// Member.
    pub member_id: i64,
    /// Units.
    pub quantity: i64,
    /// Units × price, fen.
    pub amount_fen: i64,
    /// `held`, `paid`, `expired` or `cancelled`.
    pub state: String,
    /// The buyer's idempotency key.
    pub request_key: String,
    /// Held.
    pub held_at_ms: i64,
    /// Held until.
    pub hold_until_ms: i64,
    /// Paid, expired or cancelled.
    pub settled_at_ms: Option<i64>,
    /// The payment tool's reference.
    pub payment_ref: Option<String>,
}

/// The order's columns in [`FlashOrder`]'s order (the writer thread reads them by place).
macro_rules! order_cols {
    () => {
        "order_id, flash_sale_id, member_id, quantity, amount_fen, state, request_key, held_at_ms, hold_until_ms, settled_at_ms, payment_ref"
    };
}
const ORDER_COLS: &str = order_cols!();

/// A request's order, by its key.
const BY_KEY: &str = concat!(
    "select ",
    order_cols!(),
    " from flash_order where tenant_id = $1 and flash_sale_id = $2 and member_id = $3 and request_key = $4"
);
/// Holds `$4` units for member `$3` under request key `$5` at `$6`, priced and timed from
/// the sale's row: first, so a retried key finds its order before anything is taken. No row
/// when the key has its order (or the sale is gone); an unknown member breaks the member's
/// foreign key.
const HOLD: &str = concat!(
    "insert into flash_order (tenant_id, flash_sale_id, member_id, quantity, amount_fen, state,
        request_key, held_at_ms, hold_until_ms)
     select $1, $2, $3, $4, price_fen * $4, 'held', $5, $6, $6 + hold_minutes * 60000
       from flash_sale where tenant_id = $1 and flash_sale_id = $2
     on conflict (tenant_id, member_id, flash_sale_id, request_key) do nothing
     returning ",
    order_cols!()
);
/// Takes `$4` units of member `$3`'s limit (the sale's).
const TAKE_LIMIT: &str = "insert into flash_buyer (tenant_id, flash_sale_id, member_id, taken)
       select $1, $2, $3, $4 from flash_sale where tenant_id = $1 and flash_sale_id = $2 and $4 <= per_member_limit
     on conflict (tenant_id, flash_sale_id, member_id) do update set taken = flash_buyer.taken + excluded.taken
       where flash_buyer.taken + excluded.taken
         <= (select per_member_limit from flash_sale where tenant_id = $1 and flash_sale_id = $2)
     returning taken";
/// Takes `$3` units of the sale's stock while it is open at `$4`.
const TAKE_STOCK: &str =
    "update flash_sale set taken = taken + $3 where tenant_id = $1 and flash_sale_id = $2
       and taken + $3 <= stock and starts_at_ms <= $4 and ends_at_ms > $4 and closed_at_ms is null";
/// Drops order `$2`, held a moment ago by a buy then refused.
const UNHOLD: &str = "delete from flash_order where tenant_id = $1 and order_id = $2";
/// Returns `$3` units to the sale.
const GIVE_BACK_STOCK: &str =
    "update flash_sale set taken = taken - $3 where tenant_id = $1 and flash_sale_id = $2";
/// Returns `$4` units to member `$3`'s limit.
const GIVE_BACK_LIMIT: &str = "update flash_buyer set taken = taken - $4
    where tenant_id = $1 and flash_sale_id = $2 and member_id = $3";
/// Settles held order `$2` as `$3`.
const SETTLE: &str = concat!(
    "update flash_order set state = $3, settled_at_ms = $4, payment_ref = $5
    where tenant_id = $1 and order_id = $2 and state = 'held' returning ",
    order_cols!()
);
/// Held orders whose hold ran out by `$2` (of sale `$3`, or all), up to `$4`.
const EXPIRED: &str = "select order_id from flash_order where tenant_id = $1 and state = 'held' and hold_until_ms <= $2
       and ($3 is null or flash_sale_id = $3) order by hold_until_ms limit $4";

/// What a buy did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Take {
    /// Units held in a new order.
    Held(FlashOrder),
    /// The same request came before; its order.
    Again(FlashOrder),
    /// Not enough units in the sale's window (or the sale is closed).
    NoStock,
    /// The member would pass the limit.
    OverLimit,
    /// The tenant has no such member.
    NoMember,
}

/// What a buy's statements decide once its order is held: the refusal to undo it for, if
/// any.
fn refusal(limit_taken: bool, stock_taken: bool) -> Option<Take> {
    match (limit_taken, stock_taken) {
        (false, _) => Some(Take::OverLimit),
        (true, false) => Some(Take::NoStock),
        (true, true) => None,
    }
}

/// A buy asked of the store.
#[derive(Debug, Clone)]
pub struct Buy<'a> {
    /// Sale.
    pub sale: FlashSaleId,
    /// Member.
    pub member: MemberId,
    /// Units.
    pub quantity: i64,
    /// The buyer's idempotency key.
    pub key: &'a str,
    /// Now, unix ms.
    pub now: i64,
}

/// Holds `quantity` units for a member, once per request key. The order is inserted first
/// (a retried key finds it); then the member's limit and the sale's stock are each taken by
/// one conditional update, so the rows never pass them whatever runs beside this
/// transaction; a refused buy leaves nothing written. An unknown member is
/// [`crate::StoreError::MissingReference`].
pub async fn take(tx: &mut Tx, t: TenantId, b: &Buy<'_>) -> Result<Take> {
    let held = on_tx!(tx, c => sqlx::query_as::<_, FlashOrder>(HOLD).bind(t.0).bind(b.sale.0)
        .bind(b.member.0).bind(b.quantity).bind(b.key).bind(b.now).fetch_optional(c).await)?;
    let Some(o) = held else {
        return Ok(match by_key(tx, t, b).await? {
            Some(o) => Take::Again(o),
            None => Take::NoStock,
        });
    };
    let mine: Option<i64> = on_tx!(tx, c => sqlx::query_scalar(TAKE_LIMIT)
        .bind(t.0).bind(b.sale.0).bind(b.member.0).bind(b.quantity).fetch_optional(c).await)?;
    let stock = match mine {
        Some(_) => {
            on_tx!(tx, c => sqlx::query(TAKE_STOCK).bind(t.0).bind(b.sale.0).bind(b.quantity)
            .bind(b.now).execute(c).await.map(|r| r.rows_affected()))?
        }
        None => 0,
    };
    let Some(refused) = refusal(mine.is_some(), stock == 1) else {
        return Ok(Take::Held(o));
    };
    on_tx!(tx, c => sqlx::query(UNHOLD).bind(t.0).bind(o.order_id).execute(c).await.map(|r| r.rows_affected()))?;
    if refused == Take::NoStock {
        give_back_limit(tx, t, b.sale, b.member, b.quantity).await?;
    }
    Ok(refused)
}

async fn by_key(tx: &mut Tx, t: TenantId, b: &Buy<'_>) -> Result<Option<FlashOrder>> {
    on_tx!(tx, c => sqlx::query_as::<_, FlashOrder>(BY_KEY).bind(t.0).bind(b.sale.0)
        .bind(b.member.0).bind(b.key).fetch_optional(c).await.map_err(Into::into))
}

/// Returns `quantity` units to the sale and to the member's limit.
async fn give_back(
    tx: &mut Tx,
    t: TenantId,
    sale: FlashSaleId,
    member: MemberId,
    quantity: i64,
) -> Result<()> {
    on_tx!(tx, c => sqlx::query(GIVE_BACK_STOCK)
        .bind(t.0).bind(sale.0).bind(quantity).execute(c).await.map(|r| r.rows_affected()))?;
    give_back_limit(tx, t, sale, member, quantity).await
}

/// Returns `quantity` units to the member's limit.
async fn give_back_limit(
    tx: &mut Tx,
    t: TenantId,
    sale: FlashSaleId,
    member: MemberId,
    quantity: i64,
) -> Result<()> {
    on_tx!(tx, c => sqlx::query(GIVE_BACK_LIMIT)
        .bind(t.0).bind(sale.0).bind(member.0).bind(quantity).execute(c).await.map(|r| r.rows_affected()))?;
    Ok(())
}

/// Settles a held order as `state` (`paid`, `expired` or `cancelled`); the last two return
/// its units. `Ok(None)` when the order is not held (settled already, or unknown).
pub async fn settle(
    tx: &mut Tx,
    t: TenantId,
    id: OrderId,
    state: &str,
    payment_ref: Option<&str>,
    now: i64,
) -> Result<Option<FlashOrder>> {
    let o = on_tx!(tx, c => sqlx::query_as::<_, FlashOrder>(SETTLE).bind(t.0).bind(id.0)
        .bind(state).bind(now).bind(payment_ref).fetch_optional(c).await)?;
    if let Some(o) = &o
        && state != "paid"
    {
        give_back(
            tx,
            t,
            FlashSaleId(o.flash_sale_id),
            MemberId(o.member_id),
            o.quantity,
        )
        .await?;
    }
    Ok(o)
}

/// The held orders whose hold ran out by `now` (of one sale, or all), up to `limit`.
pub async fn expired_holds(
    tx: &mut Tx,
    t: TenantId,
    sale: Option<FlashSaleId>,
    now: i64,
    limit: i64,
) -> Result<Vec<i64>> {
    on_tx!(tx, c => sqlx::query_scalar(EXPIRED)
        .bind(t.0).bind(now).bind(sale.map(|s| s.0)).bind(limit).fetch_all(c).await.map_err(Into::into))
}

/// An order.
pub async fn order(db: &Db, t: TenantId, id: OrderId) -> Result<Option<FlashOrder>> {
    let sql =
        format!("select {ORDER_COLS} from flash_order where tenant_id = $1 and order_id = $2");
    on_pool!(db, p => sqlx::query_as::<_, FlashOrder>(sqlx::AssertSqlSafe(sql)).bind(t.0).bind(id.0)
        .fetch_optional(p).await.map_err(Into::into))
}

/// A sale's orders, newest first, before `before` (an order id) when given.
pub async fn orders(
    db: &Db,
    t: TenantId,
    sale: FlashSaleId,
    before: Option<i64>,
    limit: i64,
) -> Result<Vec<FlashOrder>> {
    let sql = format!(
        "select {ORDER_COLS} from flash_order where tenant_id = $1 and flash_sale_id = $2
        and ($3 is null or order_id < $3) order by order_id desc limit $4"
    );
    on_pool!(db, p => sqlx::query_as::<_, FlashOrder>(sqlx::AssertSqlSafe(sql)).bind(t.0).bind(sale.0)
        .bind(before).bind(limit).fetch_all(p).await.map_err(Into::into))
}

/// A member's orders in a sale, newest first.
pub async fn of_member(
    db: &Db,
    t: TenantId,
    sale: FlashSaleId,
    m: MemberId,
) -> Result<Vec<FlashOrder>> {
    let sql = format!(
        "select {ORDER_COLS} from flash_order where tenant_id = $1 and flash_sale_id = $2
        and member_id = $3 order by order_id desc limit 100"
    );
    on_pool!(db, p => sqlx::query_as::<_, FlashOrder>(sqlx::AssertSqlSafe(sql)).bind(t.0).bind(sale.0)
        .bind(m.0).fetch_all(p).await.map_err(Into::into))
}

/// A sale's orders counted by state: (state, orders, units, amount fen, buyers).
pub async fn figures(
    db: &Db,
    t: TenantId,
    sale: FlashSaleId,
) -> Result<Vec<(String, i64, i64, i64, i64)>> {
    on_pool!(db, p => sqlx::query_as(
        "select state, count(*), cast(coalesce(sum(quantity), 0) as bigint), cast(coalesce(sum(amount_fen), 0) as bigint),
           count(distinct member_id)
         from flash_order where tenant_id = $1 and flash_sale_id = $2 group by state order by state")
        .bind(t.0).bind(sale.0).fetch_all(p).await.map_err(Into::into))
}
