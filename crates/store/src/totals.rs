//! Counts and totals of a tenant's events — the event count, daily activity, the dashboard's
//! totals — leaving voided events out and summing money without overflow.

use quanzi_domain::event::{activity_sql, gmv_sql};
use quanzi_domain::money::saturate;
use quanzi_domain::{GroupId, TenantId};

use crate::void::NOT_VOIDED;
use crate::{Db, Result, on_pool};

/// Counts a tenant's events, leaving out the voided ones.
pub async fn count(db: &Db, tenant: TenantId) -> Result<i64> {
    let sql = format!("select count(*) from event where tenant_id = $1 and {NOT_VOIDED}");
    on_pool!(db, p => sqlx::query_scalar::<_, i64>(sqlx::AssertSqlSafe(sql)).bind(tenant.0).fetch_one(p).await.map_err(Into::into))
}

/// Activity of one day: events by kind.
#[derive(Debug, Clone, sqlx::FromRow, PartialEq)]
pub struct DayCount {
    /// Day number since the epoch in the tenant's zone.
    pub day: i64,
    /// Event kind.
    pub kind: String,
    /// Events.
    pub events: i64,
    /// Distinct members.
    pub members: i64,
}

/// Daily event counts of a group (or the whole tenant) since `since_ms`, days in the zone
/// `offset_secs` east of UTC; voided events are left out.
pub async fn daily(
    db: &Db,
    tenant: TenantId,
    group: Option<GroupId>,
    since_ms: i64,
    offset_secs: i64,
) -> Result<Vec<DayCount>> {
    let g = group.map(|g| g.0).unwrap_or(0);
    let sql = format!("select (occurred_at_ms + $1) / 86400000 as day, kind, count(*) as events, count(distinct member_id) as members
        from event where tenant_id = $2 and occurred_at_ms >= $3 and ($4 = 0 or group_id = $4) and {NOT_VOIDED}
        group by (occurred_at_ms + $1) / 86400000, kind order by day, kind");
    on_pool!(db, p => sqlx::query_as::<_, DayCount>(sqlx::AssertSqlSafe(sql)).bind(offset_secs * 1000).bind(tenant.0).bind(since_ms).bind(g)
        .fetch_all(p).await.map_err(Into::into))
}

/// Totals of a tenant's events since a time.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Totals {
    /// Interactions (every event but joins and leaves).
    pub events: i64,
    /// Distinct members with an interaction.
    pub active_members: i64,
    /// Orders.
    pub orders: i64,
    /// Order amounts, fen (summed in 128 bits, saturating at the `i64` ends).
    pub gmv_fen: i64,
}

/// Amounts are summed in two bounded parts, `amount / SPLIT` and `amount % SPLIT`, so the
/// database's 64-bit `sum()` cannot overflow (SQLite raises "integer overflow"; PostgreSQL's
/// numeric sum would not fit the cast): a million rows at `i64::MAX` still fit. Rust joins the
/// parts in 128 bits.
const SPLIT: i64 = 1_000_000;

/// Joins the two parts of a split sum (see [`SPLIT`]).
fn joined(hi: i64, lo: i64) -> i128 {
    i128::from(hi) * i128::from(SPLIT) + i128::from(lo)
}

/// Totals since `since_ms`; voided events are left out.
pub async fn totals_since(db: &Db, tenant: TenantId, since_ms: i64) -> Result<Totals> {
    // Activity and GMV as the domain defines them (`quanzi_domain::event::kind`).
    let gmv = gmv_sql();
    let sums = format!(
        "cast(coalesce(sum(case when {gmv} then 1 else 0 end), 0) as bigint),
        cast(coalesce(sum(case when {gmv} then amount_fen / 1000000 else 0 end), 0) as bigint),
        cast(coalesce(sum(case when {gmv} then amount_fen % 1000000 else 0 end), 0) as bigint)"
    );
    let filter = format!(
        "from event where tenant_id = $1 and occurred_at_ms >= $2 and {} and {NOT_VOIDED}",
        activity_sql()
    );
    let sql = format!("select count(*), count(distinct member_id), {sums} {filter}");
    let (events, active_members, orders, hi, lo): (i64, i64, i64, i64, i64) = on_pool!(db, p => sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(tenant.0).bind(since_ms).fetch_one(p).await)?;
    Ok(Totals {
        events,
        active_members,
        orders,
        gmv_fen: saturate(joined(hi, lo)),
    })
}
