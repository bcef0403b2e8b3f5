//! Correcting data: voiding a mistaken event (kept, marked, left out of every count and KPI)
//! and erasing a member on request (PIPL: personal data removed, aggregates kept, logged).

use quanzi_domain::access::Actor;
use quanzi_domain::{EventId, Invalid, MemberId, TenantId};
use quanzi_store::event::Event;
use quanzi_store::{Db, erasure, member, void};

use crate::views::{EventVoid, MemberErasure};
use crate::{CoreError, Page, Result, page_of};

/// The longest reason a void may give, in characters.
pub const MAX_REASON_CHARS: usize = 500;

/// Voids event `event_id` of the tenant with a reason; a repeat answers the first void. The
/// analytics index notices the void (its watermark) and is rebuilt on the next question.
#[tracing::instrument(skip(db, reason))]
pub async fn void_event(
    db: &Db,
    t: TenantId,
    event_id: EventId,
    reason: &str,
    by: Actor,
) -> Result<EventVoid> {
    let event_id = event_id.0;
    let mut e = Invalid::default();
    let reason = quanzi_domain::text::required(&mut e, "reason", reason, MAX_REASON_CHARS);
    let Some(reason) = reason.filter(|_| e.is_empty()) else {
        return Err(e.into());
    };
    if event_id <= 0 || !void::event_exists(db, t, event_id).await? {
        return Err(CoreError::NotFound("event"));
    }
    let mut tx = db.begin().await?;
    let v = void::void(&mut tx, t, event_id, &reason, &by.to_string()).await?;
    tx.commit().await?;
    Ok(v.into())
}

/// Marks the voided ones among `events` (a listing or a timeline), so they show as void.
pub(crate) async fn mark_voids(db: &Db, t: TenantId, events: &mut [Event]) -> Result<()> {
    let ids: Vec<i64> = events.iter().map(|e| e.event_id).collect();
    let mut marks = void::among(db, t, &ids).await?;
    for e in events {
        e.void = marks.remove(&e.event_id);
    }
    Ok(())
}

/// Erases member `id` (PIPL): identifiers and profile removed, the name a placeholder, tags,
/// custom fields and their events' properties and references removed; the member id, their
/// events and memberships stay, so every total holds. Idempotent: a repeat answers the first
/// log entry.
#[tracing::instrument(skip(db))]
pub async fn erase_member(db: &Db, t: TenantId, id: MemberId, by: Actor) -> Result<MemberErasure> {
    if member::get(db, t, id).await?.is_none() {
        return Err(CoreError::NotFound("member"));
    }
    let mut tx = db.begin().await?;
    let logged = erasure::erase(&mut tx, t, id, &by.to_string()).await?;
    tx.commit().await?;
    Ok(logged.into())
}

/// The erasure log, newest first.
pub async fn erasures(
    db: &Db,
    t: TenantId,
    before: Option<i64>,
    limit: i64,
) -> Result<Page<MemberErasure>> {
    let rows = erasure::list(db, t, before, limit).await?;
    let last = rows.last().map(|r| r.0);
    let items: Vec<MemberErasure> = rows.into_iter().map(|r| r.1.into()).collect();
    Ok(page_of(items, limit, |_| last.unwrap_or(0)))
}
