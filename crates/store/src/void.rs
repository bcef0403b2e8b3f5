//! Voided events: a mistaken event stays stored and is named in
//! `event_void` with who voided it, when and why; every count, total, KPI and the analytics
//! index leave it out.

use std::collections::{HashMap, HashSet};

use quanzi_domain::TenantId;

use crate::{Db, Result, Tx, now_ms, on_pool, on_tx};

/// The mark on a voided event.
#[derive(Debug, Clone, sqlx::FromRow, PartialEq, Eq)]
pub struct EventVoid {
    /// The voided event.
    pub event_id: i64,
    /// Why it was voided.
    pub reason: String,
    /// Who voided it: `operator:<id>` or `api_key:<id>`.
    pub voided_by: String,
    /// When, unix ms.
    pub voided_at_ms: i64,
}

/// The condition, on an `event` table aliased `event`, that keeps it unless voided.
pub const NOT_VOIDED: &str = "not exists (select 1 from event_void v \
    where v.tenant_id = event.tenant_id and v.event_id = event.event_id)";

/// Whether `event_id` is one of the tenant's events.
pub async fn event_exists(db: &Db, tenant: TenantId, event_id: i64) -> Result<bool> {
    let row: Option<i64> = on_pool!(db, p => sqlx::query_scalar(
        "select event_id from event where tenant_id = $1 and event_id = $2")
        .bind(tenant.0).bind(event_id).fetch_optional(p).await)?;
    Ok(row.is_some())
}

/// Voids an event (which must exist): the first void stands, a repeat answers it unchanged.
pub async fn void(
    tx: &mut Tx,
    tenant: TenantId,
    event_id: i64,
    reason: &str,
    by: &str,
) -> Result<EventVoid> {
    on_tx!(tx, c => sqlx::query(
        "insert into event_void (tenant_id, event_id, reason, voided_by, voided_at_ms)
         values ($1, $2, $3, $4, $5) on conflict (tenant_id, event_id) do nothing")
        .bind(tenant.0).bind(event_id).bind(reason).bind(by).bind(now_ms()).execute(c).await.map(|r| r.rows_affected()))?;
    on_tx!(tx, c => sqlx::query_as::<_, EventVoid>(
        "select event_id, reason, voided_by, voided_at_ms from event_void where tenant_id = $1 and event_id = $2")
        .bind(tenant.0).bind(event_id).fetch_one(c).await.map_err(Into::into))
}

/// Every voided event id of the tenant.
pub async fn ids(db: &Db, tenant: TenantId) -> Result<HashSet<i64>> {
    let v: Vec<i64> = on_pool!(db, p => sqlx::query_scalar(
        "select event_id from event_void where tenant_id = $1")
        .bind(tenant.0).fetch_all(p).await)?;
    Ok(v.into_iter().collect())
}

/// The marks of those of `event_ids` that are voided.
pub async fn among(
    db: &Db,
    tenant: TenantId,
    event_ids: &[i64],
) -> Result<HashMap<i64, EventVoid>> {
    let mut out = HashMap::new();
    for chunk in event_ids.chunks(500) {
        let sql = format!(
            "select event_id, reason, voided_by, voided_at_ms from event_void
             where tenant_id = $1 and event_id in ({})",
            crate::id_list(chunk)
        );
        let rows: Vec<EventVoid> = on_pool!(db, p => sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(tenant.0).fetch_all(p).await)?;
        out.extend(rows.into_iter().map(|v| (v.event_id, v)));
    }
    Ok(out)
}

/// The tenant's largest void id: a cheap check, beside the event watermark, that tells the
/// tenant's analytics index (in any process) that a rebuild is due.
pub async fn max_void_id(db: &Db, tenant: TenantId) -> Result<i64> {
    on_pool!(db, p => sqlx::query_scalar::<_, Option<i64>>(
        "select max(event_void_id) from event_void where tenant_id = $1")
        .bind(tenant.0).fetch_one(p).await.map(|v| v.unwrap_or(0)).map_err(Into::into))
}
