//! Offers (买满送, coupons) and their grants: an offer's `taken` raised by a conditional update
//! (never above its stock), one grant per cause (an order's key, a coupon's claim key), a
//! coupon's code used once by a conditional update.

use quanzi_domain::wallet::{NewOffer, OfferReward};
use quanzi_domain::{MemberId, OfferId, TenantId};

use crate::{Db, Result, Tx, on_pool, on_tx};

/// An offer as stored.
#[derive(Debug, Clone, sqlx::FromRow, PartialEq, Eq)]
pub struct Offer {
    /// Id.
    pub offer_id: i64,
    /// Name.
    pub name: String,
    /// `spend_get` or `coupon`.
    pub kind: String,
    /// Threshold, fen.
    pub threshold_fen: i64,
    /// Money off, fen (or a gift).
    pub discount_fen: Option<i64>,
    /// The gift (or money off).
    pub gift_name: Option<String>,
    /// Stock, none for no limit.
    pub stock: Option<i64>,
    /// Given so far.
    pub taken: i64,
    /// Window start, ms.
    pub valid_from_ms: i64,
    /// Window end (excluded), ms.
    pub valid_until_ms: i64,
    /// Per member.
    pub per_member: i64,
    /// When the operator closed it.
    pub closed_at_ms: Option<i64>,
    /// Created.
    pub created_at_ms: i64,
}

const OFFER_COLS: &str = "offer_id, name, kind, threshold_fen, discount_fen, gift_name, stock, taken, valid_from_ms, valid_until_ms, per_member, closed_at_ms, created_at_ms";

/// A grant as stored: an offer applied to an order, or a coupon a member holds.
#[derive(Debug, Clone, sqlx::FromRow, PartialEq, Eq)]
pub struct Grant {
    /// Id.
    pub grant_id: i64,
    /// Offer.
    pub offer_id: i64,
    /// Member.
    pub member_id: i64,
    /// The cause: the order's key, or the coupon's claim key.
    pub cause_key: String,
    /// A coupon's code.
    pub code: Option<String>,
    /// Given.
    pub granted_at_ms: i64,
    /// Used (a spend-get grant is used when given).
    pub used_at_ms: Option<i64>,
    /// Who used it at the till.
    pub used_by: Option<String>,
    /// The order it was used on.
    pub order_key: Option<String>,
    /// That order's amount, fen.
    pub order_fen: Option<i64>,
}

const GRANT_COLS: &str = "grant_id, offer_id, member_id, cause_key, code, granted_at_ms, used_at_ms, used_by, order_key, order_fen";

/// Creates an offer.
pub async fn create(db: &Db, t: TenantId, o: &NewOffer, now: i64) -> Result<Offer> {
    let (discount, gift) = match &o.reward {
        OfferReward::Discount(d) => (Some(*d), None),
        OfferReward::Gift(g) => (None, Some(g.as_str())),
    };
    let sql = format!("insert into offer (tenant_id, name, kind, threshold_fen, discount_fen, gift_name, stock,
        valid_from_ms, valid_until_ms, per_member, created_at_ms) values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
        returning {OFFER_COLS}");
    on_pool!(db, p => sqlx::query_as::<_, Offer>(sqlx::AssertSqlSafe(sql)).bind(t.0).bind(&o.name).bind(o.kind.as_str())
        .bind(o.threshold_fen).bind(discount).bind(gift).bind(o.stock).bind(o.valid_from_ms).bind(o.valid_until_ms)
        .bind(i64::from(o.per_member)).bind(now).fetch_one(p).await.map_err(Into::into))
}

/// An offer of the tenant.
pub async fn get(db: &Db, t: TenantId, id: OfferId) -> Result<Option<Offer>> {
    let sql = format!("select {OFFER_COLS} from offer where tenant_id = $1 and offer_id = $2");
    on_pool!(db, p => sqlx::query_as::<_, Offer>(sqlx::AssertSqlSafe(sql)).bind(t.0).bind(id.0)
        .fetch_optional(p).await.map_err(Into::into))
}

/// The tenant's offers, newest first (500 at most).
pub async fn list(db: &Db, t: TenantId) -> Result<Vec<Offer>> {
    let sql = format!(
        "select {OFFER_COLS} from offer where tenant_id = $1 order by offer_id desc limit 500"
    );
    on_pool!(db, p => sqlx::query_as::<_, Offer>(sqlx::AssertSqlSafe(sql)).bind(t.0)
        .fetch_all(p).await.map_err(Into::into))
}

/// Closes an offer (no more grants; coupons held stay usable until their window ends).
pub async fn close(db: &Db, t: TenantId, id: OfferId, now: i64) -> Result<Option<Offer>> {
    let sql = format!(
        "update offer set closed_at_ms = coalesce(closed_at_ms, $3)
        where tenant_id = $1 and offer_id = $2 returning {OFFER_COLS}"
    );
    on_pool!(db, p => sqlx::query_as::<_, Offer>(sqlx::AssertSqlSafe(sql)).bind(t.0).bind(id.0).bind(now)
        .fetch_optional(p).await.map_err(Into::into))
}

/// The grant of a cause, in a transaction.
pub async fn by_cause(tx: &mut Tx, t: TenantId, id: OfferId, cause: &str) -> Result<Option<Grant>> {
    let sql = format!(
        "select {GRANT_COLS} from offer_grant where tenant_id = $1 and offer_id = $2 and cause_key = $3"
    );
    on_tx!(tx, c => sqlx::query_as::<_, Grant>(sqlx::AssertSqlSafe(sql)).bind(t.0).bind(id.0).bind(cause)
        .fetch_optional(c).await.map_err(Into::into))
}

/// A grant to write.
#[derive(Debug, Clone)]
pub struct NewGrant<'a> {
    /// Member.
    pub member: MemberId,
    /// Its cause.
    pub cause_key: &'a str,
    /// A coupon's code.
    pub code: Option<&'a str>,
    /// The order it is applied to at once (a spend-get offer): key and amount.
    pub order: Option<(&'a str, i64)>,
}

/// Why a grant was not written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NotGranted {
    /// The cause has a grant already (the caller reads it).
    Again,
    /// The offer is closed or gone.
    Closed,
    /// Its stock is given out.
    SoldOut,
    /// The member holds as many as the offer allows.
    Limit,
}

/// Writes a grant in `tx`: the cause's row first (a cause granted before writes nothing),
/// then one taken from the offer's stock (the offer's row, locked until the transaction ends,
/// is where grants of one offer queue), then the member's count under that lock. On a refusal
/// the caller rolls the transaction back.
pub async fn grant(
    tx: &mut Tx,
    t: TenantId,
    id: OfferId,
    g: &NewGrant<'_>,
    now: i64,
) -> Result<std::result::Result<Grant, NotGranted>> {
    let (order_key, order_fen) = g.order.unzip();
    let used = g.order.map(|_| now);
    let sql = format!(
        "insert into offer_grant (tenant_id, offer_id, member_id, cause_key, code, granted_at_ms,
        used_at_ms, order_key, order_fen) values ($1, $2, $3, $4, $5, $6, $7, $8, $9)
        on conflict (tenant_id, offer_id, cause_key) do nothing returning {GRANT_COLS}"
    );
    let row = on_tx!(tx, c => sqlx::query_as::<_, Grant>(sqlx::AssertSqlSafe(sql)).bind(t.0).bind(id.0).bind(g.member.0)
        .bind(g.cause_key).bind(g.code).bind(now).bind(used).bind(order_key).bind(order_fen)
        .fetch_optional(c).await)?;
    let Some(row) = row else {
        return Ok(Err(NotGranted::Again));
    };
    let per_member: Option<i64> = on_tx!(tx, c => sqlx::query_scalar(
        "update offer set taken = taken + 1 where tenant_id = $1 and offer_id = $2 and closed_at_ms is null
         and (stock is null or taken < stock) returning per_member")
        .bind(t.0).bind(id.0).fetch_optional(c).await)?;
    let Some(per_member) = per_member else {
        let open: Option<i64> = on_tx!(tx, c => sqlx::query_scalar(
            "select offer_id from offer where tenant_id = $1 and offer_id = $2 and closed_at_ms is null")
            .bind(t.0).bind(id.0).fetch_optional(c).await)?;
        return Ok(Err(if open.is_some() {
            NotGranted::SoldOut
        } else {
            NotGranted::Closed
        }));
    };
    let held: i64 = on_tx!(tx, c => sqlx::query_scalar(
        "select count(*) from offer_grant where tenant_id = $1 and member_id = $2 and offer_id = $3")
        .bind(t.0).bind(g.member.0).bind(id.0).fetch_one(c).await)?;
    if held > per_member {
        return Ok(Err(NotGranted::Limit));
    }
    Ok(Ok(row))
}

/// Uses coupon `code` on an order of `order_fen` once: only a code not used yet, of an offer
/// whose window holds `now` and whose threshold the order reaches.
pub async fn use_code(
    tx: &mut Tx,
    t: TenantId,
    code: &str,
    order: (&str, i64),
    by: &str,
    now: i64,
) -> Result<Option<Grant>> {
    let sql = format!(
        "update offer_grant set used_at_ms = $3, used_by = $4, order_key = $5, order_fen = $6
        where tenant_id = $1 and code = $2 and used_at_ms is null and exists (select 1 from offer o
          where o.tenant_id = $1 and o.offer_id = offer_grant.offer_id and o.valid_from_ms <= $3
            and o.valid_until_ms > $3 and o.threshold_fen <= $6)
        returning {GRANT_COLS}"
    );
    on_tx!(tx, c => sqlx::query_as::<_, Grant>(sqlx::AssertSqlSafe(sql)).bind(t.0).bind(code).bind(now).bind(by)
        .bind(order.0).bind(order.1).fetch_optional(c).await.map_err(Into::into))
}

/// A coupon by its code.
pub async fn by_code(db: &Db, t: TenantId, code: &str) -> Result<Option<Grant>> {
    let sql = format!("select {GRANT_COLS} from offer_grant where tenant_id = $1 and code = $2");
    on_pool!(db, p => sqlx::query_as::<_, Grant>(sqlx::AssertSqlSafe(sql)).bind(t.0).bind(code)
        .fetch_optional(p).await.map_err(Into::into))
}

/// A member's grants, newest first (of one offer when given).
pub async fn of_member(
    db: &Db,
    t: TenantId,
    m: MemberId,
    offer: Option<OfferId>,
) -> Result<Vec<Grant>> {
    let sql = format!(
        "select {GRANT_COLS} from offer_grant where tenant_id = $1 and member_id = $2
        and offer_id = coalesce($3, offer_id) order by grant_id desc limit 200"
    );
    on_pool!(db, p => sqlx::query_as::<_, Grant>(sqlx::AssertSqlSafe(sql)).bind(t.0).bind(m.0).bind(offer.map(|o| o.0))
        .fetch_all(p).await.map_err(Into::into))
}

/// An offer's latest grants, newest first.
pub async fn grants(db: &Db, t: TenantId, id: OfferId, limit: i64) -> Result<Vec<Grant>> {
    let sql = format!(
        "select {GRANT_COLS} from offer_grant where tenant_id = $1 and offer_id = $2
        order by grant_id desc limit $3"
    );
    on_pool!(db, p => sqlx::query_as::<_, Grant>(sqlx::AssertSqlSafe(sql)).bind(t.0).bind(id.0).bind(limit)
        .fetch_all(p).await.map_err(Into::into))
}

/// Each offer's use: (offer, grants used, the orders' total fen, members), for every offer of
/// the tenant that has a grant, or for `offer` alone.
pub async fn figures(
    db: &Db,
    t: TenantId,
    offer: Option<OfferId>,
) -> Result<Vec<(i64, i64, i64, i64)>> {
    on_pool!(db, p => sqlx::query_as("select offer_id, count(used_at_ms), cast(coalesce(sum(order_fen), 0) as bigint),
        count(distinct member_id) from offer_grant where tenant_id = $1 and offer_id = coalesce($2, offer_id)
        group by offer_id")
        .bind(t.0).bind(offer.map(|o| o.0)).fetch_all(p).await.map_err(Into::into))
}
