//! The record bulk loads leave in `event_load`: what each stored, and the span of event ids
//! it took — for the operator's import history, and for the analytics index, which must
//! notice a load that committed after rows with higher ids were read.

use quanzi_domain::TenantId;

use crate::{Db, Result, on_pool};

/// One bulk load of a tenant.
#[derive(Debug, Clone, sqlx::FromRow, PartialEq, Eq)]
pub struct EventLoad {
    /// Id, increasing in commit order.
    pub event_load_id: i64,
    /// The lowest event id the load may have taken (none when it stored none).
    pub first_event_id: Option<i64>,
    /// The highest.
    pub last_event_id: Option<i64>,
    /// Events stored.
    pub events: i64,
    /// Events skipped as already stored.
    pub duplicates: i64,
    /// Members created.
    pub members_created: i64,
    /// Groups created.
    pub groups_created: i64,
    /// When, unix ms.
    pub loaded_at_ms: i64,
}

/// The tenant's loads, newest first, at most `limit`.
pub async fn loads(db: &Db, tenant: TenantId, limit: i64) -> Result<Vec<EventLoad>> {
    on_pool!(db, p => sqlx::query_as::<_, EventLoad>(
        "select event_load_id, first_event_id, last_event_id, events, duplicates, members_created,
            groups_created, loaded_at_ms
         from event_load where tenant_id = $1 order by event_load_id desc limit $2")
        .bind(tenant.0).bind(limit).fetch_all(p).await.map_err(Into::into))
}

/// The largest load id in the store (all tenants): a cheap check for loads committed since.
pub async fn max_load_id(db: &Db) -> Result<i64> {
    on_pool!(db, p => sqlx::query_scalar::<_, Option<i64>>("select max(event_load_id) from event_load")
        .fetch_one(p).await.map(|v| v.unwrap_or(0)).map_err(Into::into))
}

/// True when a load of the tenant committed after load `after` took an event id at or below
/// `watermark`: rows a reader that went by ids may have passed.
pub async fn loaded_below(db: &Db, tenant: TenantId, after: i64, watermark: i64) -> Result<bool> {
    on_pool!(db, p => sqlx::query_scalar::<_, bool>(
        "select exists (select 1 from event_load where tenant_id = $1 and event_load_id > $2
            and first_event_id <= $3)")
        .bind(tenant.0).bind(after).bind(watermark).fetch_one(p).await.map_err(Into::into))
}
