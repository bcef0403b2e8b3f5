//! Outbound webhooks: subscriptions with their signing secrets, the outbox written in the
//! same transaction as the change, and one delivery per (outbox row, subscription).

use quanzi_domain::TenantId;

use crate::jobs::{self, NewJob};
use crate::{Db, Result, Tx, on_pool, on_tx};

mod outbox;

pub(crate) use outbox::emit_sqlite;
pub use outbox::{OutboxItem, emit_events, emit_on};

/// True when a subscription's comma-separated `event_types` (`*` for all) take `event_type`.
pub(crate) fn wants(event_types: &str, event_type: &str) -> bool {
    event_types
        .split(',')
        .map(str::trim)
        .any(|t| t == "*" || t == event_type)
}

/// The active subscriptions of a tenant, id and types: `$1` tenant, `$2` true.
pub(crate) const ACTIVE_SUBSCRIPTIONS: &str =
    "select webhook_subscription_id, event_types from webhook_subscription
    where tenant_id = $1 and active = $2";

/// The statements of an outbox row and its deliveries.
pub(crate) struct OutboxRow;

impl OutboxRow {
    /// An outbox row: `$1` tenant, `$2` type, `$3` payload, `$4` at; returns its id.
    pub(crate) const INSERT: &str = "insert into webhook_outbox (tenant_id, event_type, payload, created_at_ms) values ($1, $2, $3, $4)
         returning webhook_outbox_id";
    /// A pending delivery: `$1` tenant, `$2` outbox row, `$3` subscription, `$4` at; returns
    /// its id.
    pub(crate) const DELIVERY: &str = "insert into webhook_delivery (tenant_id, webhook_outbox_id, webhook_subscription_id, state, attempts, created_at_ms)
             values ($1, $2, $3, 'pending', 0, $4) returning webhook_delivery_id";
}

/// Kind of the job that sends one delivery.
pub const DELIVERY_JOB: &str = "webhook.deliver";

/// A subscription, secrets included.
#[derive(Clone, sqlx::FromRow)]
pub struct Subscription {
    /// Id.
    pub webhook_subscription_id: i64,
    /// Owner.
    pub tenant_id: i64,
    /// Where deliveries are POSTed.
    pub url: String,
    /// Event types, comma-separated (`*` for all).
    pub event_types: String,
    /// Current signing secret.
    pub secret: String,
    /// The secret before the last rotation, still signed with until the overlap ends.
    pub previous_secret: Option<String>,
    /// End of the rotation overlap, unix ms.
    pub previous_secret_until_ms: Option<i64>,
    /// Receives deliveries.
    pub active: bool,
    /// Creation time, unix ms.
    pub created_at_ms: i64,
}

impl std::fmt::Debug for Subscription {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Subscription")
            .field("id", &self.webhook_subscription_id)
            .field("url", &self.url)
            .finish_non_exhaustive()
    }
}

impl Subscription {
    /// True when it wants `event_type`.
    pub fn wants(&self, event_type: &str) -> bool {
        wants(&self.event_types, event_type)
    }

    /// The secrets to sign with at `now_ms`: the current one, then the previous one while
    /// the overlap lasts.
    pub fn signing_secrets(&self, now_ms: i64) -> Vec<String> {
        let mut v = vec![self.secret.clone()];
        if let (Some(p), Some(until)) = (&self.previous_secret, self.previous_secret_until_ms)
            && now_ms < until
        {
            v.push(p.clone());
        }
        v
    }

    /// The secret as it may be shown again: its first 6 characters.
    pub fn masked_secret(&self) -> String {
        let head: String = self.secret.chars().take(6).collect();
        format!("{head}…")
    }
}

const SUB_COLUMNS: &str = "webhook_subscription_id, tenant_id, url, event_types, secret,
    previous_secret, previous_secret_until_ms, active, created_at_ms";

/// Creates a subscription (validated by the caller).
pub async fn create_subscription(
    tx: &mut Tx,
    tenant: TenantId,
    url: &str,
    event_types: &str,
    secret: &str,
    now_ms: i64,
) -> Result<i64> {
    on_tx!(tx, c => sqlx::query_scalar::<_, i64>(
        "insert into webhook_subscription (tenant_id, url, event_types, secret, active, created_at_ms)
         values ($1, $2, $3, $4, $5, $6) returning webhook_subscription_id")
        .bind(tenant.0).bind(url).bind(event_types).bind(secret).bind(true).bind(now_ms)
        .fetch_one(c).await.map_err(Into::into))
}

/// The tenant's subscriptions, newest first.
pub async fn subscriptions(db: &Db, tenant: TenantId) -> Result<Vec<Subscription>> {
    let sql = format!(
        "select {SUB_COLUMNS} from webhook_subscription where tenant_id = $1 order by webhook_subscription_id desc"
    );
    on_pool!(db, p => sqlx::query_as::<_, Subscription>(sqlx::AssertSqlSafe(sql))
        .bind(tenant.0).fetch_all(p).await.map_err(Into::into))
}

/// A subscription of the tenant.
pub async fn subscription(db: &Db, tenant: TenantId, id: i64) -> Result<Option<Subscription>> {
    let sql = format!(
        "select {SUB_COLUMNS} from webhook_subscription where tenant_id = $1 and webhook_subscription_id = $2"
    );
    on_pool!(db, p => sqlx::query_as::<_, Subscription>(sqlx::AssertSqlSafe(sql))
        .bind(tenant.0).bind(id).fetch_optional(p).await.map_err(Into::into))
}

/// Replaces the signing secret; the old one keeps being sent until `overlap_until_ms`.
pub async fn rotate_secret(
    tx: &mut Tx,
    tenant: TenantId,
    id: i64,
    new_secret: &str,
    overlap_until_ms: i64,
) -> Result<bool> {
    let n = on_tx!(tx, c => sqlx::query(
        "update webhook_subscription set previous_secret = secret, previous_secret_until_ms = $4, secret = $3
         where tenant_id = $1 and webhook_subscription_id = $2")
        .bind(tenant.0).bind(id).bind(new_secret).bind(overlap_until_ms).execute(c).await.map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

/// Every subscription's stored signing secrets, for the server-key maintenance (sealing old
/// plaintext, rotation): (tenant, subscription, secret, previous secret).
pub async fn all_secrets(tx: &mut Tx) -> Result<Vec<(i64, i64, String, Option<String>)>> {
    on_tx!(tx, c => sqlx::query_as::<_, (i64, i64, String, Option<String>)>(
        "select tenant_id, webhook_subscription_id, secret, previous_secret
         from webhook_subscription order by tenant_id, webhook_subscription_id")
        .fetch_all(c).await.map_err(Into::into))
}

/// Replaces a subscription's stored signing secrets (the server-key maintenance).
pub async fn put_secrets(
    tx: &mut Tx,
    tenant: TenantId,
    id: i64,
    secret: &str,
    previous: Option<&str>,
) -> Result<()> {
    on_tx!(tx, c => sqlx::query(
        "update webhook_subscription set secret = $3, previous_secret = $4
         where tenant_id = $1 and webhook_subscription_id = $2")
        .bind(tenant.0).bind(id).bind(secret).bind(previous)
        .execute(c).await.map(|r| r.rows_affected()))?;
    Ok(())
}

/// Turns a subscription on or off.
pub async fn set_active(tx: &mut Tx, tenant: TenantId, id: i64, active: bool) -> Result<bool> {
    let n = on_tx!(tx, c => sqlx::query(
        "update webhook_subscription set active = $3 where tenant_id = $1 and webhook_subscription_id = $2")
        .bind(tenant.0).bind(id).bind(active).execute(c).await.map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

/// True when the tenant has an active subscription (so changes must write the outbox).
pub async fn has_active(db: &Db, tenant: TenantId) -> Result<bool> {
    let n: i64 = on_pool!(db, p => sqlx::query_scalar(
        "select count(*) from webhook_subscription where tenant_id = $1 and active = $2")
        .bind(tenant.0).bind(true).fetch_one(p).await)?;
    Ok(n > 0)
}

/// Writes an outbox row in the change's transaction and, for every active subscription that
/// wants `event_type`, a delivery and the job that sends it. Returns the deliveries made.
pub async fn emit(
    tx: &mut Tx,
    tenant: TenantId,
    event_type: &str,
    payload: &serde_json::Value,
    now_ms: i64,
) -> Result<usize> {
    let subs = active_subscriptions(tx, tenant).await?;
    emit_to(tx, tenant, &subs, event_type, payload, now_ms).await
}

/// The tenant's active subscriptions as (id, event types), in an open transaction.
pub(crate) async fn active_subscriptions(
    tx: &mut Tx,
    tenant: TenantId,
) -> Result<Vec<(i64, String)>> {
    on_tx!(&mut *tx, c => sqlx::query_as(ACTIVE_SUBSCRIPTIONS)
        .bind(tenant.0).bind(true).fetch_all(&mut *c).await.map_err(Into::into))
}

/// [`emit`] to the subscriptions `subs` (id, event types) read in this transaction.
pub(crate) async fn emit_to(
    tx: &mut Tx,
    tenant: TenantId,
    subs: &[(i64, String)],
    event_type: &str,
    payload: &serde_json::Value,
    now_ms: i64,
) -> Result<usize> {
    let wanting: Vec<i64> = subs
        .iter()
        .filter(|(_, types)| wants(types, event_type))
        .map(|(id, _)| *id)
        .collect();
    if wanting.is_empty() {
        return Ok(0);
    }
    let outbox: i64 = on_tx!(&mut *tx, c => sqlx::query_scalar(OutboxRow::INSERT)
        .bind(tenant.0).bind(event_type).bind(payload.to_string()).bind(now_ms).fetch_one(c).await)?;
    for sub in &wanting {
        let delivery: i64 = on_tx!(&mut *tx, c => sqlx::query_scalar(OutboxRow::DELIVERY)
            .bind(tenant.0).bind(outbox).bind(sub).bind(now_ms).fetch_one(c).await)?;
        jobs::enqueue(tx, tenant, &delivery_job(delivery, now_ms), now_ms).await?;
    }
    Ok(wanting.len())
}

/// The job that sends delivery `id`: 8 tries, backoff from 2 s.
pub fn delivery_job(id: i64, now_ms: i64) -> NewJob {
    let mut job = NewJob::new(
        DELIVERY_JOB,
        serde_json::json!({ "delivery_id": id }),
        now_ms,
    );
    job.backoff_ms = 2_000;
    job.singleton_key = Some(format!("delivery:{id}"));
    job
}

/// A delivery with what it sends.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Delivery {
    /// Id.
    pub webhook_delivery_id: i64,
    /// Owner.
    pub tenant_id: i64,
    /// The subscription it goes to.
    pub webhook_subscription_id: i64,
    /// Its URL.
    pub url: String,
    /// The outbox row it sends.
    pub webhook_outbox_id: i64,
    /// Event type.
    pub event_type: String,
    /// Body, JSON text.
    pub payload: String,
    /// `pending`, `delivered` or `dead`.
    pub state: String,
    /// Tries so far.
    pub attempts: i64,
    /// HTTP status of the last try.
    pub last_status: Option<i64>,
    /// Why the last try failed.
    pub last_error: Option<String>,
    /// Creation time, unix ms.
    pub created_at_ms: i64,
    /// Delivery time, unix ms.
    pub delivered_at_ms: Option<i64>,
}

const DELIVERY_SELECT: &str = "select d.webhook_delivery_id, d.tenant_id, d.webhook_subscription_id, s.url,
    d.webhook_outbox_id, o.event_type, o.payload, d.state, d.attempts, d.last_status, d.last_error,
    d.created_at_ms, d.delivered_at_ms
    from webhook_delivery d
    join webhook_outbox o on o.tenant_id = d.tenant_id and o.webhook_outbox_id = d.webhook_outbox_id
    join webhook_subscription s on s.tenant_id = d.tenant_id and s.webhook_subscription_id = d.webhook_subscription_id";

/// A delivery of the tenant.
pub async fn delivery(db: &Db, tenant: TenantId, id: i64) -> Result<Option<Delivery>> {
    let sql = format!("{DELIVERY_SELECT} where d.tenant_id = $1 and d.webhook_delivery_id = $2");
    on_pool!(db, p => sqlx::query_as::<_, Delivery>(sqlx::AssertSqlSafe(sql))
        .bind(tenant.0).bind(id).fetch_optional(p).await.map_err(Into::into))
}

/// The tenant's deliveries, newest first: the first page.
pub async fn deliveries(db: &Db, tenant: TenantId, limit: i64) -> Result<Vec<Delivery>> {
    deliveries_before(db, tenant, None, limit).await
}

/// The tenant's deliveries, newest first, below the delivery id `before` (a cursor).
pub async fn deliveries_before(
    db: &Db,
    tenant: TenantId,
    before: Option<i64>,
    limit: i64,
) -> Result<Vec<Delivery>> {
    let sql = deliveries_query();
    on_pool!(db, p => sqlx::query_as::<_, Delivery>(sqlx::AssertSqlSafe(sql))
        .bind(tenant.0).bind(limit).bind(before.unwrap_or(i64::MAX)).fetch_all(p).await.map_err(Into::into))
}

/// The statement of [`deliveries_before`]: `$1` tenant, `$2` limit, `$3` the id cursor; read on
/// `webhook_delivery_tenant` in its order.
pub(crate) fn deliveries_query() -> String {
    format!(
        "{DELIVERY_SELECT} where d.tenant_id = $1 and d.webhook_delivery_id < $3
         order by d.webhook_delivery_id desc limit $2"
    )
}

/// Records a try: `state` becomes `delivered`, `dead` or stays `pending`.
pub async fn record_attempt(
    db: &Db,
    tenant: TenantId,
    id: i64,
    state: &str,
    status: Option<i64>,
    error: Option<&str>,
    now_ms: i64,
) -> Result<()> {
    let delivered = (state == "delivered").then_some(now_ms);
    let mut tx = db.begin().await?;
    on_tx!(&mut tx, c => sqlx::query(
        "update webhook_delivery set state = $3, attempts = attempts + 1, last_status = $4, last_error = $5,
            delivered_at_ms = coalesce($6, delivered_at_ms)
         where tenant_id = $1 and webhook_delivery_id = $2")
        .bind(tenant.0).bind(id).bind(state).bind(status).bind(error).bind(delivered).execute(c).await.map(|r| r.rows_affected()))?;
    tx.commit().await
}

/// Sends a delivery again: back to pending with a new job. False when the tenant has no such
/// delivery or it is already pending.
pub async fn replay(tx: &mut Tx, tenant: TenantId, id: i64, now_ms: i64) -> Result<bool> {
    let n = on_tx!(&mut *tx, c => sqlx::query(
        "update webhook_delivery set state = 'pending' where tenant_id = $1 and webhook_delivery_id = $2
         and state <> 'pending'")
        .bind(tenant.0).bind(id).execute(c).await.map(|r| r.rows_affected()))?;
    if n != 1 {
        return Ok(false);
    }
    jobs::enqueue(tx, tenant, &delivery_job(id, now_ms), now_ms).await?;
    Ok(true)
}
