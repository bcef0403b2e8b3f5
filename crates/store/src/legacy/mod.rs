//! Event blocks, as versions before schema v10 stored bulk-loaded events (`event_block`,
//! schema v4–v9), turned into what every event is now: a row of `event`, with the same id,
//! the key the block implied (`import-{line}-{hash}`) and its receipt time; each join or
//! leave with a group among them becomes the `membership_change` row the block implied (the
//! member role, no scene, no inviter). Then the table is dropped. It runs once, in one
//! transaction, when the store is migrated; a store without the table has nothing to do.

mod codec;

use quanzi_domain::TenantId;

use crate::{Db, Result, Tx, on_tx};

/// Event rows per insert statement.
const ROWS: usize = 5_000;

/// Turns every event block into event and membership-history rows and drops the table;
/// answers how many events it moved.
pub(crate) async fn convert_event_blocks(db: &Db) -> Result<u64> {
    let exists =
        match db {
            Db::Sqlite(p, _) => sqlx::query_scalar::<_, i64>(
                "select count(*) from sqlite_master where type = 'table' and name = 'event_block'",
            )
            .fetch_one(p)
            .await?
                > 0,
            Db::Postgres(p, _) => {
                sqlx::query_scalar::<_, bool>("select to_regclass('event_block') is not null")
                    .fetch_one(p)
                    .await?
            }
        };
    if !exists {
        return Ok(0);
    }
    let mut tx = db.begin().await?;
    let blocks: Vec<(i64, i64, i64, i64)> = on_tx!(&mut tx, c => sqlx::query_as(
        "select block_id, tenant_id, first_event_id, received_at_ms from event_block order by block_id")
        .fetch_all(&mut *c).await)?;
    let mut moved = 0u64;
    for (block_id, tenant, first, received) in blocks {
        let (who, data): (Vec<u8>, Vec<u8>) = on_tx!(&mut tx, c => sqlx::query_as(
            "select who, data from event_block where block_id = $1")
            .bind(block_id).fetch_one(&mut *c).await)?;
        let cols = codec::decode(&who, &data)?;
        for start in (0..cols.len()).step_by(ROWS) {
            let end = (start + ROWS).min(cols.len());
            insert_events(
                &mut tx,
                TenantId(tenant),
                first,
                received,
                &cols,
                start..end,
            )
            .await?;
        }
        insert_history(&mut tx, TenantId(tenant), &cols).await?;
        moved += cols.len() as u64;
    }
    on_tx!(&mut tx, c => sqlx::query("drop table event_block").execute(&mut *c).await.map(|_| ()))?;
    // The converted events kept their ids, below the timelines' mark.
    crate::timeline::rebuild(&mut tx).await?;
    if let Tx::Postgres(t) = &mut tx {
        sqlx::query(
            "select setval(pg_get_serial_sequence('event', 'event_id'),
                greatest((select max(event_id) from event), nextval(pg_get_serial_sequence('event', 'event_id'))))",
        )
        .execute(&mut **t)
        .await?;
    }
    tx.commit().await?;
    if moved > 0 {
        tracing::info!(events = moved, "event blocks turned into event rows");
    }
    Ok(moved)
}

/// Rows `range` of a block whose first event id is `first`, as one JSON array.
async fn insert_events(
    tx: &mut Tx,
    tenant: TenantId,
    first: i64,
    received: i64,
    c: &codec::Columns,
    range: std::ops::Range<usize>,
) -> Result<()> {
    let rows: Vec<serde_json::Value> = range
        .map(|i| {
            serde_json::json!([
                first + i as i64,
                c.key(i),
                c.kind(i),
                c.members[i],
                (c.groups[i] != 0).then_some(c.groups[i]),
                c.at_ms[i],
                c.amounts[i],
                c.product(i),
            ])
        })
        .collect();
    let rows = serde_json::Value::Array(rows).to_string();
    let sql = if tx.is_sqlite() {
        "insert into event (tenant_id, received_at_ms, event_id, idempotency_key, kind, member_id, group_id,
            occurred_at_ms, amount_fen, product, properties)
         select $1, $2, j.value ->> 0, j.value ->> 1, j.value ->> 2, j.value ->> 3, j.value ->> 4,
            j.value ->> 5, j.value ->> 6, j.value ->> 7, '{}'
         from json_each($3) j"
    } else {
        "insert into event (tenant_id, received_at_ms, event_id, idempotency_key, kind, member_id, group_id,
            occurred_at_ms, amount_fen, product, properties)
         select $1, $2, (j ->> 0)::bigint, j ->> 1, j ->> 2, (j ->> 3)::bigint, (j ->> 4)::bigint,
            (j ->> 5)::bigint, (j ->> 6)::bigint, j ->> 7, '{}'
         from jsonb_array_elements($3::jsonb) j"
    };
    on_tx!(tx, c => sqlx::query(sql).bind(tenant.0).bind(received).bind(rows)
        .execute(&mut *c).await.map(|_| ()))?;
    Ok(())
}

/// The join and leave events with a group of a block, as history rows in event order.
async fn insert_history(tx: &mut Tx, tenant: TenantId, c: &codec::Columns) -> Result<()> {
    let rows: Vec<serde_json::Value> = (0..c.len())
        .filter(|&i| c.groups[i] != 0 && matches!(c.kind(i), "join" | "leave"))
        .map(|i| {
            let join = c.kind(i) == "join";
            serde_json::json!([
                c.groups[i],
                c.members[i],
                c.kind(i),
                join.then_some("member"),
                c.at_ms[i]
            ])
        })
        .collect();
    for chunk in rows.chunks(ROWS) {
        let chunk = serde_json::Value::Array(chunk.to_vec()).to_string();
        let sql = if tx.is_sqlite() {
            "insert into membership_change (tenant_id, group_id, member_id, change, role, at_ms)
             select $1, j.value ->> 0, j.value ->> 1, j.value ->> 2, j.value ->> 3, j.value ->> 4
             from json_each($2) j order by j.key"
        } else {
            "insert into membership_change (tenant_id, group_id, member_id, change, role, at_ms)
             select $1, (j ->> 0)::bigint, (j ->> 1)::bigint, j ->> 2, j ->> 3, (j ->> 4)::bigint
             from jsonb_array_elements($2::jsonb) with ordinality as r(j, n) order by n"
        };
        on_tx!(tx, c => sqlx::query(sql).bind(tenant.0).bind(chunk).execute(&mut *c).await.map(|_| ()))?;
    }
    Ok(())
}
