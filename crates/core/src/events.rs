//! Event ingestion: validate the whole batch, then store it once in one transaction, with
//! joins and leaves applied to group membership.

use quanzi_domain::event::{BatchContext, EventInput, NewEvent, parse_batch, parse_custom_kind};
use quanzi_domain::{FieldError, Invalid, TenantId};
use quanzi_store::event::{self as repo, EventFilter};
use quanzi_store::group;
use quanzi_store::{Db, Tx, member, now_ms, tenant};
use serde::Serialize;

use crate::views::{self, DayCount, Event};
use crate::{Page, Result};

/// What happened to a batch.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct IngestReport {
    /// Events in the batch.
    pub received: usize,
    /// Events stored now.
    pub stored: usize,
    /// Events whose idempotency key was already stored (a retry), skipped.
    pub duplicates: usize,
}

/// Validates every event and checks every member and group belongs to the tenant; all
/// problems of the batch are reported together, ordered by item.
pub async fn validate(db: &Db, t: TenantId, items: Vec<EventInput>) -> Result<Vec<NewEvent>> {
    let kinds = tenant::custom_kinds(db, t).await?;
    let ctx = BatchContext {
        custom_kinds: &kinds,
        now_ms: now_ms(),
    };
    let inviter = |e: &EventInput| {
        e.properties
            .as_ref()
            .and_then(|p| p.get("inviter_member_id"))
            .and_then(|v| v.as_i64())
    };
    let mut member_ids: Vec<i64> = items
        .iter()
        .map(|e| e.member_id)
        .chain(items.iter().filter_map(inviter))
        .filter(|id| *id > 0)
        .collect();
    member_ids.sort_unstable();
    member_ids.dedup();
    let mut group_ids: Vec<i64> = items
        .iter()
        .filter_map(|e| e.group_id)
        .filter(|id| *id > 0)
        .collect();
    group_ids.sort_unstable();
    group_ids.dedup();
    let members = member::existing(db, t, &member_ids).await?;
    let groups = group::existing(db, t, &group_ids).await?;
    let mut missing = Vec::new();
    if items.len() <= quanzi_domain::event::MAX_BATCH {
        for (i, e) in items.iter().enumerate() {
            if e.member_id > 0 && !members.contains(&e.member_id) {
                missing.push(FieldError::new("member_id", "no such member").at(i));
            }
            if let Some(g) = e.group_id.filter(|g| *g > 0)
                && !groups.contains(&g)
            {
                missing.push(FieldError::new("group_id", "no such group").at(i));
            }
            if let Some(inv) = inviter(e).filter(|v| *v > 0)
                && !members.contains(&inv)
            {
                missing
                    .push(FieldError::new("properties.inviter_member_id", "no such member").at(i));
            }
        }
    }
    match parse_batch(items, &ctx) {
        Ok(events) if missing.is_empty() => Ok(events),
        Ok(_) => Err(Invalid(missing).into()),
        Err(mut errors) => {
            errors.append(&mut missing);
            errors.sort_by_key(|e| e.index);
            Err(Invalid(errors).into())
        }
    }
}

/// Stores validated events in an open transaction — the transaction path of the one write
/// path: joins and leaves among the new ones change membership, and their outbox rows are
/// written. Returns the indexes (into `events`) of the new ones.
pub async fn store(tx: &mut Tx, t: TenantId, events: &[NewEvent]) -> Result<Vec<usize>> {
    let outbox = crate::webhooks::outbox_items(events);
    Ok(repo::insert_batch(tx, t, events, &outbox).await?)
}

/// Ingests a batch: all or nothing, once per idempotency key. Concurrent batches share one
/// commit on the embedded store (see `quanzi_store::event::append`).
pub async fn ingest(db: &Db, t: TenantId, items: Vec<EventInput>) -> Result<IngestReport> {
    let received = items.len();
    let events = validate(db, t, items).await?;
    let outbox = crate::webhooks::outbox_items(&events);
    let stored = repo::append(db, t, events, outbox).await?.len();
    Ok(IngestReport {
        received,
        stored,
        duplicates: received - stored,
    })
}

/// Lists events newest first — by id, or a member's or group's timeline by (time, id) — from
/// the `cursor` a previous page returned; voided ones carry their `void` mark.
pub async fn list(
    db: &Db,
    t: TenantId,
    mut filter: EventFilter,
    cursor: Option<&str>,
) -> Result<Page<Event>> {
    if filter.by_time() {
        if let Some([at, id]) = crate::parse_keyset::<2>(cursor)? {
            (filter.before_at_ms, filter.before) = (Some(at), Some(id));
        }
    } else if let Some([id]) = crate::parse_keyset::<1>(cursor)? {
        filter.before = Some(id);
    }
    let mut items = repo::list(db, t, &filter).await?;
    crate::correct::mark_voids(db, t, &mut items).await?;
    let full = items.len() as i64 == filter.limit;
    let next_cursor = match items.last() {
        Some(e) if full && filter.by_time() => {
            Some(crate::keyset_cursor(&[e.occurred_at_ms, e.event_id]))
        }
        Some(e) if full => Some(crate::keyset_cursor(&[e.event_id])),
        _ => None,
    };
    let items = views::all(items);
    Ok(Page { items, next_cursor })
}

/// Daily event counts of a group (or the whole tenant) from day `from_day` on, days in the
/// tenant's zone.
pub async fn daily(
    db: &Db,
    t: TenantId,
    group: Option<quanzi_domain::GroupId>,
    from_day: i64,
) -> Result<Vec<DayCount>> {
    let tz = crate::zone::offset_secs(db, t).await?;
    let since = quanzi_domain::zone::day_start_ms(from_day, tz);
    let days = repo::daily(db, t, group, since, tz).await?;
    Ok(views::all(days))
}

/// Adds a tenant-defined event kind.
pub async fn define_kind(db: &Db, t: TenantId, name: &str) -> Result<String> {
    let kind = parse_custom_kind(name)?;
    let mut tx = db.begin().await?;
    tenant::add_custom_kind(&mut tx, t, kind.as_str()).await?;
    tx.commit().await?;
    Ok(kind.as_str().to_string())
}

/// The tenant's event kinds: built-in, then custom.
pub async fn kinds(db: &Db, t: TenantId) -> Result<Vec<String>> {
    let mut all: Vec<String> = quanzi_domain::event::BUILTIN_KINDS
        .iter()
        .map(|s| s.to_string())
        .collect();
    all.extend(tenant::custom_kinds(db, t).await?);
    Ok(all)
}
