//! Raw inbound callbacks as received (decrypted), once per (tenant, source, dedupe key).

use quanzi_domain::TenantId;
use serde::Serialize;

use crate::{Db, Result, Tx, on_pool, on_tx};

/// A stored callback.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct InboundEvent {
    /// Id.
    pub inbound_event_id: i64,
    /// Owner.
    pub tenant_id: i64,
    /// Where it came from, e.g. `wecom`.
    pub source: String,
    /// The key that makes a redelivery the same row.
    pub dedupe_key: String,
    /// The body as received (for WeCom, the decrypted XML).
    pub body: String,
    /// When it arrived, unix ms.
    pub received_at_ms: i64,
    /// When its job applied it, unix ms.
    pub processed_at_ms: Option<i64>,
}

/// Stores a callback in an open transaction. Returns its id, or `None` when the tenant
/// already has this (source, dedupe key): a redelivery.
pub async fn insert(
    tx: &mut Tx,
    tenant: TenantId,
    source: &str,
    dedupe_key: &str,
    body: &str,
    now_ms: i64,
) -> Result<Option<i64>> {
    on_tx!(tx, c => sqlx::query_scalar::<_, i64>(
        "insert into inbound_event (tenant_id, source, dedupe_key, body, received_at_ms)
         values ($1, $2, $3, $4, $5)
         on conflict (tenant_id, source, dedupe_key) do nothing returning inbound_event_id")
        .bind(tenant.0).bind(source).bind(dedupe_key).bind(body).bind(now_ms)
        .fetch_optional(c).await.map_err(Into::into))
}

const COLUMNS: &str =
    "inbound_event_id, tenant_id, source, dedupe_key, body, received_at_ms, processed_at_ms";

/// A callback of the tenant, in an open transaction.
pub async fn get_tx(tx: &mut Tx, tenant: TenantId, id: i64) -> Result<Option<InboundEvent>> {
    let sql = format!(
        "select {COLUMNS} from inbound_event where tenant_id = $1 and inbound_event_id = $2"
    );
    on_tx!(tx, c => sqlx::query_as::<_, InboundEvent>(sqlx::AssertSqlSafe(sql))
        .bind(tenant.0).bind(id).fetch_optional(c).await.map_err(Into::into))
}

/// Marks a callback applied.
pub async fn mark_processed(tx: &mut Tx, tenant: TenantId, id: i64, now_ms: i64) -> Result<()> {
    on_tx!(tx, c => sqlx::query(
        "update inbound_event set processed_at_ms = $3 where tenant_id = $1 and inbound_event_id = $2")
        .bind(tenant.0).bind(id).bind(now_ms).execute(c).await.map(|r| r.rows_affected()))?;
    Ok(())
}

/// The tenant's latest callbacks of `source`, newest first.
pub async fn list(
    db: &Db,
    tenant: TenantId,
    source: &str,
    limit: i64,
) -> Result<Vec<InboundEvent>> {
    let sql = format!(
        "select {COLUMNS} from inbound_event where tenant_id = $1 and source = $2
         order by inbound_event_id desc limit $3"
    );
    on_pool!(db, p => sqlx::query_as::<_, InboundEvent>(sqlx::AssertSqlSafe(sql))
        .bind(tenant.0).bind(source).bind(limit).fetch_all(p).await.map_err(Into::into))
}

/// How many callbacks of `source` the tenant has.
pub async fn count(db: &Db, tenant: TenantId, source: &str) -> Result<i64> {
    on_pool!(db, p => sqlx::query_scalar::<_, i64>(
        "select count(*) from inbound_event where tenant_id = $1 and source = $2")
        .bind(tenant.0).bind(source).fetch_one(p).await.map_err(Into::into))
}
