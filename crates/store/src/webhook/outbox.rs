//! The outbox rows of new events, written in the events' own transaction by the one write path
//! of each store: [`emit_events`] on a transaction, [`emit_sqlite`] on the embedded store's
//! event writer. The caller (core) says which outbound type and payload each event would have
//! ([`OutboxItem`]); here rows are written for the new ones that an active subscription wants,
//! and a `group.full` row for each group the new joins filled to its hard capacity.

use std::sync::LazyLock;

use quanzi_domain::{GroupId, TenantId};

use super::{OutboxRow, active_subscriptions, delivery_job, emit_to};
use crate::on::On;
use crate::writer::numbered;
use crate::{Result, Tx};

/// The statements of [`emit_sqlite`] with SQLite's `?N` placeholders, made once: subscriptions,
/// group fill, outbox row, delivery (the job: `jobs::enqueue_sqlite`).
static SQLITE: LazyLock<[String; 4]> = LazyLock::new(|| {
    [
        super::ACTIVE_SUBSCRIPTIONS,
        GROUP_FILL,
        OutboxRow::INSERT,
        OutboxRow::DELIVERY,
    ]
    .map(numbered)
});

/// The outbound type and payload of one event.
#[derive(Debug, Clone, PartialEq)]
pub struct OutboxItem {
    /// Outbound type, e.g. `member.joined`.
    pub event_type: &'static str,
    /// The payload as sent.
    pub payload: serde_json::Value,
}

/// A group's size against its hard capacity: `$1` tenant, `$2` group.
const GROUP_FILL: &str = "select g.group_id, g.name, g.capacity_hard, g.external_chat_id,
    (select count(*) from group_membership gm where gm.tenant_id = g.tenant_id
       and gm.group_id = g.group_id and gm.left_at_ms is null) as size
    from chat_group g where g.tenant_id = $1 and g.group_id = $2";

/// A group's fill: id, name, hard capacity, WeCom chat id, size.
type Fill = (i64, String, i64, Option<String>, i64);

/// The `group.full` payload of a group at or over its hard capacity.
fn group_full(
    (group_id, name, capacity_hard, external_chat_id, size): Fill,
    now: i64,
) -> Option<OutboxItem> {
    (size >= capacity_hard).then(|| OutboxItem {
        event_type: "group.full",
        payload: serde_json::json!({
            "type": "group.full",
            "created_at_ms": now,
            "data": {
                "group_id": group_id,
                "name": name,
                "size": size,
                "capacity_hard": capacity_hard,
                "external_chat_id": external_chat_id,
            }
        }),
    })
}

/// Writes the outbox rows of `items` (the new events') and of the groups in `joined` that are
/// now full, in an open transaction; answers the deliveries made.
pub async fn emit_events(
    tx: &mut Tx,
    tenant: TenantId,
    items: &[&OutboxItem],
    joined: &[GroupId],
    now: i64,
) -> Result<usize> {
    if items.is_empty() && joined.is_empty() {
        return Ok(0);
    }
    let subs = active_subscriptions(tx, tenant).await?;
    if subs.is_empty() {
        return Ok(0);
    }
    let mut n = 0;
    for item in items {
        n += emit_to(tx, tenant, &subs, item.event_type, &item.payload, now).await?;
    }
    for g in joined {
        let fill: Option<Fill> = crate::on_tx!(&mut *tx, c => sqlx::query_as(GROUP_FILL)
            .bind(tenant.0).bind(g.0).fetch_optional(&mut *c).await)?;
        if let Some(item) = fill.and_then(|f| group_full(f, now)) {
            n += emit_to(tx, tenant, &subs, item.event_type, &item.payload, now).await?;
        }
    }
    Ok(n)
}

/// [`emit_events`] on the embedded store's event writer, in its open transaction.
pub(crate) fn emit_sqlite(
    conn: &rusqlite::Connection,
    tenant: TenantId,
    items: &[&OutboxItem],
    joined: &[GroupId],
    now: i64,
) -> rusqlite::Result<usize> {
    use rusqlite::params;
    if items.is_empty() && joined.is_empty() {
        return Ok(0);
    }
    let [subs_sql, fill_sql, outbox_sql, delivery_sql] = &*SQLITE;
    let subs: Vec<(i64, String)> = conn
        .prepare_cached(subs_sql)?
        .query_map(params![tenant.0, true], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?;
    if subs.is_empty() {
        return Ok(0);
    }
    let mut all: Vec<OutboxItem> = items.iter().map(|i| (*i).clone()).collect();
    for g in joined {
        let mut st = conn.prepare_cached(fill_sql)?;
        let fill = st
            .query_map(params![tenant.0, g.0], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
            })?
            .next()
            .transpose()?;
        all.extend(fill.and_then(|f| group_full(f, now)));
    }
    let mut n = 0;
    for item in &all {
        let wanting: Vec<i64> = subs
            .iter()
            .filter(|(_, types)| super::wants(types, item.event_type))
            .map(|(id, _)| *id)
            .collect();
        if wanting.is_empty() {
            continue;
        }
        let outbox: i64 = conn.prepare_cached(outbox_sql)?.query_row(
            params![tenant.0, item.event_type, item.payload.to_string(), now],
            |r| r.get(0),
        )?;
        for sub in wanting {
            let delivery: i64 = conn
                .prepare_cached(delivery_sql)?
                .query_row(params![tenant.0, outbox, sub, now], |r| r.get(0))?;
            crate::jobs::enqueue_sqlite(conn, tenant, &delivery_job(delivery, now), now)?;
            n += 1;
        }
    }
    Ok(n)
}

/// [`super::emit`] in a unit's transaction ([`On`]).
pub async fn emit_on(
    on: &mut On<'_>,
    tenant: TenantId,
    event_type: &'static str,
    payload: &serde_json::Value,
    now: i64,
) -> Result<usize> {
    match on {
        On::Tx(tx) => super::emit(tx, tenant, event_type, payload, now).await,
        On::Writer(c) => {
            let item = OutboxItem {
                event_type,
                payload: payload.clone(),
            };
            Ok(emit_sqlite(c, tenant, &[&item], &[], now)?)
        }
    }
}
