//! Events: idempotent batch insert; listing in [`list`]; counts and totals in `crate::totals`.

use quanzi_domain::TenantId;
use quanzi_domain::event::NewEvent;

use crate::on::On;
use crate::webhook::OutboxItem;

use crate::{Db, Result, Tx, now_ms};

pub(crate) mod list;
pub mod loads;

pub use list::{EventFilter, list};

pub use crate::totals::{DayCount, Totals, count, daily, totals_since};

/// Appends a batch in a transaction of its own and returns the indexes (into `events`) of
/// the events that were new; joins and leaves among them change group membership, and each
/// new one's `outbox` item (same index) is written for the subscriptions that want it. On
/// the embedded store the batch goes to the writer thread, which commits concurrent batches
/// together (group commit); the answer comes after the commit either way.
pub async fn append(
    db: &Db,
    tenant: TenantId,
    events: Vec<NewEvent>,
    outbox: Vec<Option<OutboxItem>>,
) -> Result<Vec<usize>> {
    match db {
        Db::Sqlite(_, lane) => lane.append(tenant, events, outbox).await,
        Db::Postgres(..) => {
            let mut tx = db.begin().await?;
            let new = insert_batch(&mut tx, tenant, &events, &outbox).await?;
            tx.commit().await?;
            Ok(new)
        }
    }
}

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

/// The SQLite query for the keys of the rows one insert added, given the ids it ended at:
/// under the only write lock, one statement's new rows get consecutive ids.
pub(crate) const NEW_KEYS_SQLITE: &str =
    "select idempotency_key from event where event_id > $1 and event_id <= $2";

/// The indexes of `events` whose key is among `new_keys`.
pub(crate) fn new_indexes(
    events: &[NewEvent],
    new_keys: &std::collections::HashSet<String>,
) -> Vec<usize> {
    events
        .iter()
        .enumerate()
        .filter(|(_, e)| new_keys.contains(&e.idempotency_key))
        .map(|(i, _)| i)
        .collect()
}

/// The batch as one JSON array of rows, in column order, for the statements above.
fn encode_rows(events: &[NewEvent]) -> String {
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

/// Inserts events in an open transaction, skipping any whose idempotency key the tenant
/// already has; applies the joins and leaves among the new ones to membership and writes the
/// new ones' `outbox` items (same index as `events`). Returns the indexes (into `events`) of
/// the events that were new.
pub async fn insert_batch(
    tx: &mut Tx,
    tenant: TenantId,
    events: &[NewEvent],
    outbox: &[Option<OutboxItem>],
) -> Result<Vec<usize>> {
    let new = insert_rows(tx, tenant, events).await?;
    let changes = crate::membership::changes(events, &new);
    crate::membership::apply(tx, tenant, &changes).await?;
    let items: Vec<&OutboxItem> = new
        .iter()
        .filter_map(|&i| outbox.get(i)?.as_ref())
        .collect();
    let joined = crate::membership::joined_groups(&changes);
    crate::webhook::emit_events(tx, tenant, &items, &joined, now_ms()).await?;
    Ok(new)
}

/// [`insert_batch`] in a unit's transaction ([`On`]): on the embedded store's writer, its
/// prepared multi-row inserts.
pub async fn insert_on(
    on: &mut On<'_>,
    tenant: TenantId,
    events: &[NewEvent],
    outbox: &[Option<OutboxItem>],
) -> Result<Vec<usize>> {
    match on {
        On::Tx(tx) => insert_batch(tx, tenant, events, outbox).await,
        On::Writer(c) => Ok(crate::writer::append(
            c,
            &crate::writer::STATEMENTS,
            tenant,
            now_ms(),
            events,
            outbox,
        )?),
    }
}

/// Inserts `events` as one JSON array; membership is left to the caller.
async fn insert_rows(tx: &mut Tx, tenant: TenantId, events: &[NewEvent]) -> Result<Vec<usize>> {
    if events.is_empty() {
        return Ok(Vec::new());
    }
    let received = now_ms();
    let rows = encode_rows(events);
    let new_keys: std::collections::HashSet<String> = match tx {
        Tx::Sqlite(t, _) => {
            let c = &mut **t;
            let done = sqlx::query(INSERT_SQLITE)
                .bind(tenant.0)
                .bind(received)
                .bind(rows)
                .execute(&mut *c)
                .await?;
            let inserted = done.rows_affected() as i64;
            if inserted == events.len() as i64 {
                return Ok((0..events.len()).collect());
            }
            if inserted == 0 {
                return Ok(Vec::new());
            }
            let last = done.last_insert_rowid();
            sqlx::query_scalar::<_, String>(NEW_KEYS_SQLITE)
                .bind(last - inserted)
                .bind(last)
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
    Ok(new_indexes(events, &new_keys))
}

/// A stored event as served.
#[derive(Debug, Clone, sqlx::FromRow, PartialEq)]
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
    /// Set when the event was voided: kept, but left out of every count and KPI.
    #[sqlx(skip)]
    pub void: Option<crate::void::EventVoid>,
}
