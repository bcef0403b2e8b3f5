//! Events: idempotent batch insert, a member's timeline, a group's daily activity.

use quanzi_domain::event::NewEvent;
use quanzi_domain::{GroupId, TenantId};
use serde::Serialize;

use crate::{Arg, Db, Result, SqlBuf, Tx, bind_args, now_ms, on_pool};

/// SQLite: the batch arrives as one JSON array and is unpacked by `jsonb_each` inside the
/// engine — one bound parameter instead of eleven per row, and one statement text, so the
/// driver prepares it once per connection. `where true` resolves SQLite's INSERT … SELECT …
/// ON CONFLICT parsing ambiguity. The binary form (JSONB) lets each `->>` read its field
/// without parsing the row's text again.
const INSERT_SQLITE: &str = "insert into event (tenant_id, received_at_ms, idempotency_key, kind, member_id, group_id,
        occurred_at_ms, amount_fen, product, reference, properties)
    select $1, $2, j.value ->> 0, j.value ->> 1, j.value ->> 2, j.value ->> 3, j.value ->> 4, j.value ->> 5,
        j.value ->> 6, j.value ->> 7, j.value ->> 8
    from jsonb_each(jsonb($3)) j where true
    on conflict (tenant_id, idempotency_key) do nothing";

/// PostgreSQL: the same JSON array through `jsonb_array_elements`, returning the new keys.
const INSERT_POSTGRES: &str = "insert into event (tenant_id, received_at_ms, idempotency_key, kind, member_id, group_id,
        occurred_at_ms, amount_fen, product, reference, properties)
    select $1, $2, j ->> 0, j ->> 1, (j ->> 2)::bigint, (j ->> 3)::bigint, (j ->> 4)::bigint, (j ->> 5)::bigint,
        j ->> 6, j ->> 7, j ->> 8
    from jsonb_array_elements($3::jsonb) j
    on conflict (tenant_id, idempotency_key) do nothing
    returning idempotency_key";

/// The batch as the JSON array of rows [`insert_encoded`] takes, in column order. Encode
/// before the write transaction begins: it is pure CPU that need not hold the write lock.
pub fn encode_rows(events: &[NewEvent]) -> String {
    let rows: Vec<serde_json::Value> = events
        .iter()
        .map(|e| {
            serde_json::json!([
                e.idempotency_key,
                e.kind.as_str(),
                e.member_id.0,
                e.group_id.map(|g| g.0),
                e.occurred_at_ms,
                e.amount_fen,
                e.product,
                e.reference,
                e.properties,
            ])
        })
        .collect();
    serde_json::Value::Array(rows).to_string()
}

/// Inserts events, skipping any whose idempotency key the tenant already has.
/// Returns the indexes (into `events`) of the rows that were new.
pub async fn insert_batch(
    tx: &mut Tx,
    tenant: TenantId,
    events: &[NewEvent],
) -> Result<Vec<usize>> {
    insert_encoded(tx, tenant, events, encode_rows(events)).await
}

/// [`insert_batch`] with the rows already encoded by [`encode_rows`] from the same `events`.
pub async fn insert_encoded(
    tx: &mut Tx,
    tenant: TenantId,
    events: &[NewEvent],
    rows: String,
) -> Result<Vec<usize>> {
    if events.is_empty() {
        return Ok(Vec::new());
    }
    let received = now_ms();
    let new_keys: std::collections::HashSet<String> = match tx {
        Tx::Sqlite(t, _) => {
            // This transaction holds the only write lock, so the rows with an id above the
            // current maximum are exactly the ones it inserts.
            let c = &mut **t;
            let before: i64 = sqlx::query_scalar("select coalesce(max(event_id), 0) from event")
                .fetch_one(&mut *c)
                .await?;
            let inserted = sqlx::query(INSERT_SQLITE)
                .bind(tenant.0)
                .bind(received)
                .bind(rows)
                .execute(&mut *c)
                .await?
                .rows_affected();
            if inserted == events.len() as u64 {
                return Ok((0..events.len()).collect());
            }
            sqlx::query_scalar::<_, String>(
                "select idempotency_key from event where event_id > $1 and tenant_id = $2",
            )
            .bind(before)
            .bind(tenant.0)
            .fetch_all(&mut *c)
            .await?
            .into_iter()
            .collect()
        }
        Tx::Postgres(t) => {
            let c = &mut **t;
            sqlx::query_scalar::<_, String>(INSERT_POSTGRES)
                .bind(tenant.0)
                .bind(received)
                .bind(rows)
                .fetch_all(&mut *c)
                .await?
                .into_iter()
                .collect()
        }
    };
    Ok(events
        .iter()
        .enumerate()
        .filter(|(_, e)| new_keys.contains(&e.idempotency_key))
        .map(|(i, _)| i)
        .collect())
}

/// A stored event as served.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Event {
    /// Id.
    pub event_id: i64,
    /// Idempotency key.
    pub idempotency_key: String,
    /// Kind.
    pub kind: String,
    /// Member.
    pub member_id: i64,
    /// Group.
    pub group_id: Option<i64>,
    /// When it happened.
    pub occurred_at_ms: i64,
    /// Money in fen.
    pub amount_fen: Option<i64>,
    /// Product.
    pub product: Option<String>,
    /// Reference.
    pub reference: Option<String>,
    /// Properties, a JSON object as text.
    pub properties: String,
}

const COLS: &str = "event_id, idempotency_key, kind, member_id, group_id, occurred_at_ms, amount_fen, product, reference, properties";

/// Filters for listing events.
#[derive(Debug, Clone, Default)]
pub struct EventFilter {
    /// Only this member's.
    pub member_id: Option<i64>,
    /// Only this group's.
    pub group_id: Option<i64>,
    /// Only this kind.
    pub kind: Option<String>,
    /// Only ids below this (cursor; newest first).
    pub before: Option<i64>,
    /// Page size.
    pub limit: i64,
}

/// Events newest first.
pub async fn list(db: &Db, tenant: TenantId, f: &EventFilter) -> Result<Vec<Event>> {
    let mut b = SqlBuf::new(&format!("select {COLS} from event where tenant_id = "));
    b.bind(Arg::I64(tenant.0));
    for (col, v) in [("member_id", f.member_id), ("group_id", f.group_id)] {
        if let Some(v) = v {
            b.push(" and ").push(col).push(" = ");
            b.bind(Arg::I64(v));
        }
    }
    if let Some(k) = &f.kind {
        b.push(" and kind = ");
        b.bind(Arg::Str(k.clone()));
    }
    if let Some(c) = f.before {
        b.push(" and event_id < ");
        b.bind(Arg::I64(c));
    }
    let order = if f.member_id.is_some() || f.group_id.is_some() {
        " order by occurred_at_ms desc, event_id desc limit "
    } else {
        " order by event_id desc limit "
    };
    b.push(order);
    b.bind(Arg::I64(f.limit));
    let (sql, args) = b.finish(db.is_sqlite());
    on_pool!(db, p => bind_args!(sqlx::query_as::<_, Event>(sqlx::AssertSqlSafe(sql)), args).fetch_all(p).await.map_err(Into::into))
}

/// Counts a tenant's events (by idempotency key when given).
pub async fn count(db: &Db, tenant: TenantId) -> Result<i64> {
    on_pool!(db, p => sqlx::query_scalar::<_, i64>("select count(*) from event where tenant_id = $1").bind(tenant.0).fetch_one(p).await.map_err(Into::into))
}

/// Activity of one day: events by kind.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DayCount {
    /// Day number since the epoch in the tenant's zone (UTC+8 for Asia/Shanghai).
    pub day: i64,
    /// Event kind.
    pub kind: String,
    /// Events.
    pub events: i64,
    /// Distinct members.
    pub members: i64,
}

/// Offset of Asia/Shanghai from UTC, ms (no DST since 1991).
pub const SHANGHAI_OFFSET_MS: i64 = 8 * 3600 * 1000;

/// Daily event counts of a group (or the whole tenant) since `since_ms`.
pub async fn daily(
    db: &Db,
    tenant: TenantId,
    group: Option<GroupId>,
    since_ms: i64,
) -> Result<Vec<DayCount>> {
    let sql = "select (occurred_at_ms + $1) / 86400000 as day, kind, count(*) as events, count(distinct member_id) as members
        from event where tenant_id = $2 and occurred_at_ms >= $3 and ($4 = 0 or group_id = $4)
        group by (occurred_at_ms + $1) / 86400000, kind order by day, kind";
    on_pool!(db, p => sqlx::query_as::<_, DayCount>(sql).bind(SHANGHAI_OFFSET_MS).bind(tenant.0).bind(since_ms).bind(group.map(|g| g.0).unwrap_or(0))
        .fetch_all(p).await.map_err(Into::into))
}

/// Totals of a tenant's events since a time.
#[derive(Debug, Clone, Copy, Default, sqlx::FromRow, Serialize, PartialEq, Eq)]
pub struct Totals {
    /// Interactions (every event but joins and leaves).
    pub events: i64,
    /// Distinct members with an interaction.
    pub active_members: i64,
    /// Orders.
    pub orders: i64,
    /// Order amounts, fen.
    pub gmv_fen: i64,
}

/// Totals since `since_ms`.
pub async fn totals_since(db: &Db, tenant: TenantId, since_ms: i64) -> Result<Totals> {
    let sql = "select count(*) as events, count(distinct member_id) as active_members,
        cast(coalesce(sum(case when kind = 'order' then 1 else 0 end), 0) as bigint) as orders,
        cast(coalesce(sum(case when kind = 'order' then amount_fen else 0 end), 0) as bigint) as gmv_fen
        from event where tenant_id = $1 and occurred_at_ms >= $2 and kind <> 'join' and kind <> 'leave'";
    on_pool!(db, p => sqlx::query_as::<_, Totals>(sql).bind(tenant.0).bind(since_ms).fetch_one(p).await.map_err(Into::into))
}
