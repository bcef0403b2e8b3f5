//! Lead gifts and their redemptions: stock taken when a code is issued, each code redeemed
//! once.

use quanzi_domain::gift::NewGift;
use quanzi_domain::{MemberId, TenantId};

mod on;

pub use on::{get_on, issue_on};

use crate::{Db, Result, Tx, on_pool, on_tx};

/// A gift as stored.
#[derive(Debug, Clone, sqlx::FromRow, PartialEq, Eq)]
pub struct Gift {
    /// Id.
    pub gift_id: i64,
    /// Name.
    pub name: String,
    /// Cost, fen.
    pub cost_fen: i64,
    /// Stock, none for no limit.
    pub stock: Option<i64>,
    /// Codes issued.
    pub issued: i64,
    /// Validity, days.
    pub valid_days: i64,
    /// When archived.
    pub archived_at_ms: Option<i64>,
    /// Created.
    pub created_at_ms: i64,
    /// Changed.
    pub updated_at_ms: i64,
}

pub(crate) const GIFT_COLS: &str = "gift_id, name, cost_fen, stock, issued, valid_days, archived_at_ms, created_at_ms, updated_at_ms";

/// Creates a gift.
pub async fn create(tx: &mut Tx, tenant: TenantId, g: &NewGift, now: i64) -> Result<Gift> {
    let sql = format!("insert into gift (tenant_id, name, cost_fen, stock, valid_days, created_at_ms, updated_at_ms)
        values ($1, $2, $3, $4, $5, $6, $6) returning {GIFT_COLS}");
    on_tx!(tx, c => sqlx::query_as::<_, Gift>(sqlx::AssertSqlSafe(sql)).bind(tenant.0).bind(&g.name).bind(g.cost_fen)
        .bind(g.stock).bind(g.valid_days).bind(now).fetch_one(c).await.map_err(Into::into))
}

/// Updates a gift; `Ok(None)` when the stock would fall below what was issued.
pub async fn update(
    tx: &mut Tx,
    tenant: TenantId,
    id: i64,
    g: &NewGift,
    now: i64,
) -> Result<Option<Gift>> {
    let sql = format!("update gift set name = $3, cost_fen = $4, stock = $5, valid_days = $6, updated_at_ms = $7
        where tenant_id = $1 and gift_id = $2 and ($5 is null or issued <= $5) returning {GIFT_COLS}");
    on_tx!(tx, c => sqlx::query_as::<_, Gift>(sqlx::AssertSqlSafe(sql)).bind(tenant.0).bind(id).bind(&g.name).bind(g.cost_fen)
        .bind(g.stock).bind(g.valid_days).bind(now).fetch_optional(c).await.map_err(Into::into))
}

/// A gift.
pub async fn get(db: &Db, tenant: TenantId, id: i64) -> Result<Option<Gift>> {
    let sql = format!("select {GIFT_COLS} from gift where tenant_id = $1 and gift_id = $2");
    on_pool!(db, p => sqlx::query_as::<_, Gift>(sqlx::AssertSqlSafe(sql)).bind(tenant.0).bind(id).fetch_optional(p).await.map_err(Into::into))
}

/// Every gift of the tenant, newest first.
pub async fn list(db: &Db, tenant: TenantId) -> Result<Vec<Gift>> {
    let sql = format!(
        "select {GIFT_COLS} from gift where tenant_id = $1 order by gift_id desc limit 500"
    );
    on_pool!(db, p => sqlx::query_as::<_, Gift>(sqlx::AssertSqlSafe(sql)).bind(tenant.0).fetch_all(p).await.map_err(Into::into))
}

/// A member's redemption code, as stored.
#[derive(Debug, Clone, sqlx::FromRow, PartialEq, Eq)]
pub struct Redemption {
    /// Id.
    pub redemption_id: i64,
    /// Gift.
    pub gift_id: i64,
    /// Member.
    pub member_id: i64,
    /// The live code that brought the member.
    pub live_code_id: Option<i64>,
    /// The code staff type or scan.
    pub code: String,
    /// Issued.
    pub issued_at_ms: i64,
    /// Redeemable until.
    pub expires_at_ms: i64,
    /// When redeemed.
    pub redeemed_at_ms: Option<i64>,
    /// Who redeemed it (staff name or operator).
    pub redeemed_by: Option<String>,
}

pub(crate) const REDEMPTION_COLS: &str = "redemption_id, gift_id, member_id, live_code_id, code, issued_at_ms, expires_at_ms, redeemed_at_ms, redeemed_by";

/// A member's codes, newest first.
pub async fn of_member(db: &Db, tenant: TenantId, member: MemberId) -> Result<Vec<Redemption>> {
    let sql = format!(
        "select {REDEMPTION_COLS} from redemption where tenant_id = $1 and member_id = $2 order by redemption_id desc"
    );
    on_pool!(db, p => sqlx::query_as::<_, Redemption>(sqlx::AssertSqlSafe(sql)).bind(tenant.0).bind(member.0).fetch_all(p).await.map_err(Into::into))
}

/// A code, by its text.
pub async fn by_code(db: &Db, tenant: TenantId, code: &str) -> Result<Option<Redemption>> {
    let sql =
        format!("select {REDEMPTION_COLS} from redemption where tenant_id = $1 and code = $2");
    on_pool!(db, p => sqlx::query_as::<_, Redemption>(sqlx::AssertSqlSafe(sql)).bind(tenant.0).bind(code).fetch_optional(p).await.map_err(Into::into))
}

/// Marks a code redeemed — once: the update only takes a code not yet redeemed and not
/// expired, so of two staff redeeming at the same moment exactly one gets the row back.
pub async fn redeem(
    db: &Db,
    tenant: TenantId,
    code: &str,
    by: &str,
    now: i64,
) -> Result<Option<Redemption>> {
    let sql = format!("update redemption set redeemed_at_ms = $3, redeemed_by = $4
        where tenant_id = $1 and code = $2 and redeemed_at_ms is null and expires_at_ms > $3 returning {REDEMPTION_COLS}");
    on_pool!(db, p => sqlx::query_as::<_, Redemption>(sqlx::AssertSqlSafe(sql)).bind(tenant.0).bind(code).bind(now).bind(by).fetch_optional(p).await.map_err(Into::into))
}

/// A gift's figures per live code: codes issued, redeemed, and members still active 30 days
/// after they were issued (an activity event between day 30 and now).
#[derive(Debug, Clone, sqlx::FromRow, PartialEq, Eq)]
pub struct GiftFigures {
    /// Gift.
    pub gift_id: i64,
    /// Live code (none for codes given elsewhere).
    pub live_code_id: Option<i64>,
    /// Codes issued.
    pub issued: i64,
    /// Codes redeemed.
    pub redeemed: i64,
    /// Members issued a code at least 30 days ago.
    pub matured: i64,
    /// Of those, members active after their 30th day.
    pub retained: i64,
}

/// [`GiftFigures`] for every gift and code of the tenant.
pub async fn figures(db: &Db, tenant: TenantId, now: i64) -> Result<Vec<GiftFigures>> {
    let day30 = 30 * 86_400_000_i64;
    let activity = quanzi_domain::event::activity_sql();
    let after = crate::timeline::ids(
        db.is_sqlite(),
        crate::timeline::Axis::Member,
        "r.tenant_id",
        "r.member_id",
        "x.occurred_at_ms >= r.issued_at_ms + $3",
    );
    let sql = format!(
        "select r.gift_id, r.live_code_id, count(*) as issued,
            count(r.redeemed_at_ms) as redeemed,
            sum(case when r.issued_at_ms <= $2 then 1 else 0 end) as matured,
            sum(case when r.issued_at_ms <= $2 and exists (select 1 from event e where e.tenant_id = r.tenant_id
                and e.event_id in ({after}) and e.{activity})
                then 1 else 0 end) as retained
         from redemption r where r.tenant_id = $1 group by r.gift_id, r.live_code_id order by r.gift_id, r.live_code_id"
    );
    on_pool!(db, p => sqlx::query_as::<_, GiftFigures>(sqlx::AssertSqlSafe(sql)).bind(tenant.0).bind(now - day30).bind(day30).fetch_all(p).await.map_err(Into::into))
}
