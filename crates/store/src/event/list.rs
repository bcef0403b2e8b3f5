//! Listing events page by page on a keyset: newest id first, or, for a member's or a group's
//! timeline, newest (time, id) first; from the `event` rows and the bulk-loaded blocks.
//!
//! Every row query reads an index in the listing's order from the cursor on (migration 0007),
//! so a page costs the page, not the tenant. Blocks are opened newest first and only those the
//! cursor, the member filter or the time span leave in; a caller may bound how many one page
//! opens ([`EventFilter::block_budget`]), and then a page can end early with a cursor to
//! resume from ([`Listed::resume_before`]).

use quanzi_domain::TenantId;

use super::Event;
use crate::{Arg, Db, Result, SqlBuf, bind_args, block, on_pool};

const COLS: &str = "event_id, idempotency_key, kind, member_id, group_id, occurred_at_ms, amount_fen, product, reference, properties";

/// Filters and cursor for listing events.
#[derive(Debug, Clone, Default)]
pub struct EventFilter {
    /// Only this member's.
    pub member_id: Option<i64>,
    /// Only this group's.
    pub group_id: Option<i64>,
    /// Only this kind.
    pub kind: Option<String>,
    /// Cursor: only events below this id (newest id first), or, in a timeline (a member or a
    /// group asked for), below the pair (`before_at_ms`, `before`).
    pub before: Option<i64>,
    /// The time half of a timeline's cursor (none: any time).
    pub before_at_ms: Option<i64>,
    /// Page size.
    pub limit: i64,
    /// At most this many blocks opened for a page (a timeline's may open more where its
    /// blocks overlap in time and none of the events found could be shown yet); none: as many
    /// as it takes.
    pub block_budget: Option<usize>,
}

impl EventFilter {
    /// Whether the listing is a timeline: ordered by (time, id) rather than id.
    pub fn by_time(&self) -> bool {
        self.member_id.is_some() || self.group_id.is_some()
    }

    /// Whether event `id` at `at_ms` comes after the cursor in this listing's order.
    fn after_cursor(&self, id: i64, at_ms: i64) -> bool {
        match (self.before, self.by_time()) {
            (None, _) => true,
            (Some(b), false) => id < b,
            (Some(b), true) => (at_ms, id) < (self.before_at_ms.unwrap_or(i64::MAX), b),
        }
    }

    /// Whether a block's event `id` (at `at_ms`, of `member`, in `group`, 0 for none, of
    /// `kind`) is one this filter lists.
    fn keeps(&self, id: i64, at_ms: i64, member: i64, group: i64, kind: &str) -> bool {
        self.after_cursor(id, at_ms)
            && self.member_id.is_none_or(|v| member == v)
            && self.group_id.is_none_or(|v| group == v)
            && self.kind.as_deref().is_none_or(|k| kind == k)
    }
}

/// A page of events and, when the block budget ended it early, where to resume.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Listed {
    /// The events, in the listing's order.
    pub items: Vec<Event>,
    /// Set when the page stopped at the block budget with fewer than `limit` events: the
    /// listing goes on below this event id (pass it as `before`).
    pub resume_before: Option<i64>,
    /// In a timeline, the time half of that cursor (pass it as `before_at_ms`).
    pub resume_before_at_ms: Option<i64>,
}

/// Events newest first: by id, or by time then id when a member or group is asked for.
pub async fn list(db: &Db, tenant: TenantId, f: &EventFilter) -> Result<Vec<Event>> {
    Ok(page(db, tenant, f).await?.items)
}

/// One page of [`list`], with where to resume when the block budget cut it short.
pub async fn page(db: &Db, tenant: TenantId, f: &EventFilter) -> Result<Listed> {
    let mut rows = list_rows(db, tenant, f).await?;
    let metas = block::metas(db, tenant).await?;
    if metas.is_empty() {
        return Ok(Listed {
            items: rows,
            ..Default::default()
        });
    }
    let limit = usize::try_from(f.limit).unwrap_or(0);
    if f.by_time() {
        let (found, stop) = list_blocks_by_time(db, tenant, f, &metas, limit).await?;
        rows.extend(found);
        // At or below the stop time, unopened blocks may hold events between those found.
        if let Some(at) = stop {
            rows.retain(|e| e.occurred_at_ms > at);
        }
        rows.sort_by_key(|e| std::cmp::Reverse((e.occurred_at_ms, e.event_id)));
        rows.truncate(limit);
        let stop = stop.filter(|_| rows.len() < limit);
        return Ok(Listed {
            items: rows,
            resume_before: stop.map(|_| i64::MAX),
            resume_before_at_ms: stop,
        });
    }
    let (found, resume) = list_blocks_by_id(db, f, &metas, limit).await?;
    rows.extend(found);
    // Below the resume point, unopened blocks may hold events between the rows kept.
    if let Some(r) = resume {
        rows.retain(|e| e.event_id >= r);
    }
    rows.sort_by_key(|e| std::cmp::Reverse(e.event_id));
    rows.truncate(limit);
    let resume_before = resume.filter(|_| rows.len() < limit);
    Ok(Listed {
        items: rows,
        resume_before,
        resume_before_at_ms: None,
    })
}

/// The newest-by-id block events of a page: blocks newest first, until `limit` are found or
/// the budget of blocks is spent (then the first event id of the last block opened, below
/// which the listing resumes). A block is read by its `who` columns first; only a block with
/// a match is decoded whole, so a kind filter costs one `who` per block opened.
async fn list_blocks_by_id(
    db: &Db,
    f: &EventFilter,
    metas: &[block::Meta],
    limit: usize,
) -> Result<(Vec<Event>, Option<i64>)> {
    let mut out = Vec::new();
    let (mut opened, mut last_opened) = (0, None);
    for m in metas.iter().rev() {
        if f.before.is_some_and(|b| m.first_event_id >= b) {
            continue;
        }
        // Newest first by id: an older block's ids are all below the ones found.
        if out.len() >= limit {
            break;
        }
        if f.block_budget.is_some_and(|n| opened >= n) {
            // Every event at or above the last block opened is known; with none opened,
            // every one above this block.
            return Ok((out, Some(last_opened.unwrap_or(m.last_event_id + 1))));
        }
        opened += 1;
        last_opened = Some(m.first_event_id);
        if f.kind.is_none() && f.member_id.is_none() && f.group_id.is_none() {
            // Nothing to match: the newest rows below the cursor, one decode.
            let c = block::columns(db, m.block_id).await?;
            out.extend(
                (0..c.len())
                    .rev()
                    .map(|i| (i, m.first_event_id + i as i64))
                    .filter(|(_, id)| f.after_cursor(*id, 0))
                    .take(limit - out.len())
                    .map(|(i, id)| block_event(&c, i, id)),
            );
            continue;
        }
        let w = block::who(db, m.block_id).await?;
        let hits: Vec<usize> = (0..w.members.len())
            .rev()
            .filter(|&i| {
                let id = m.first_event_id + i as i64;
                f.keeps(id, w.at_ms[i], w.members[i], w.groups[i], w.kind(i))
            })
            .take(limit - out.len())
            .collect();
        if hits.is_empty() {
            continue;
        }
        let c = block::columns(db, m.block_id).await?;
        out.extend(
            hits.into_iter()
                .map(|i| block_event(&c, i, m.first_event_id + i as i64)),
        );
    }
    Ok((out, None))
}

/// The `limit` newest (by time, then id) block events of a member's or a group's timeline
/// below the cursor: blocks latest first by their latest event, none whose events are all
/// newer than the cursor, none the member filter rules out, and none once `limit` events are
/// found newer than its latest; each opened first by its `who` columns alone, and only the
/// blocks of the events kept decoded whole. Past the block budget, and once some event found
/// is newer than every unopened block, it stops and answers that block's latest time too:
/// only events newer than it are complete. (Blocks of a file sorted by time do not overlap,
/// so a page opens about the blocks its events are in; overlapping blocks are opened until
/// an event can be shown, which keeps every page going forward.)
async fn list_blocks_by_time(
    db: &Db,
    tenant: TenantId,
    f: &EventFilter,
    metas: &[block::Meta],
    limit: usize,
) -> Result<(Vec<Event>, Option<i64>)> {
    let open = match f.member_id {
        Some(m) => Some(block::may_hold(db, tenant, m).await?),
        None => None,
    };
    let at_most = f.before.map(|_| f.before_at_ms.unwrap_or(i64::MAX));
    let mut order: Vec<usize> = (0..metas.len()).collect();
    order.sort_unstable_by_key(|&b| std::cmp::Reverse((metas[b].max_at_ms, metas[b].block_id)));
    // (time, id, block, row) of the newest matches so far.
    let mut hits: Vec<(i64, i64, usize, usize)> = Vec::new();
    let (mut opened, mut stop) = (0, None);
    for b in order {
        let m = &metas[b];
        let full = hits.len() >= limit && hits.last().is_some_and(|h| m.max_at_ms < h.0);
        if full || limit == 0 {
            break;
        }
        let skip = at_most.is_some_and(|t| m.min_at_ms > t)
            || open.as_ref().is_some_and(|o| !o.contains(&m.block_id));
        if skip {
            continue;
        }
        let spent = f.block_budget.is_some_and(|n| opened >= n);
        if spent && hits.first().is_some_and(|h| h.0 > m.max_at_ms) {
            stop = Some(m.max_at_ms);
            break;
        }
        opened += 1;
        let w = block::who(db, m.block_id).await?;
        for i in 0..w.members.len() {
            let id = m.first_event_id + i as i64;
            if f.keeps(id, w.at_ms[i], w.members[i], w.groups[i], w.kind(i)) {
                hits.push((w.at_ms[i], id, b, i));
            }
        }
        hits.sort_unstable_by_key(|h| std::cmp::Reverse((h.0, h.1)));
        hits.truncate(limit);
    }
    if let Some(at) = stop {
        hits.retain(|h| h.0 > at);
    }
    hits.sort_unstable_by_key(|h| (h.2, h.3));
    let mut out = Vec::with_capacity(hits.len());
    let mut open: Option<(usize, block::Columns)> = None;
    for (_, id, b, i) in hits {
        if open.as_ref().is_none_or(|(ob, _)| *ob != b) {
            open = Some((b, block::columns(db, metas[b].block_id).await?));
        }
        if let Some((_, c)) = &open {
            out.push(block_event(c, i, id));
        }
    }
    Ok((out, stop))
}

/// Row `i` of a block, event `id`, as served.
fn block_event(c: &block::Columns, i: usize, id: i64) -> Event {
    Event {
        event_id: id,
        idempotency_key: c.key(i),
        kind: c.kind(i).to_owned(),
        member_id: c.members[i],
        group_id: (c.groups[i] != 0).then_some(c.groups[i]),
        occurred_at_ms: c.at_ms[i],
        amount_fen: c.amounts[i],
        product: c.product(i).map(str::to_owned),
        reference: None,
        properties: "{}".into(),
        void: None,
    }
}

/// The statement and arguments of a page of `event` rows: an equality per filter, the cursor
/// as a range on the index's order (the time bound first, so it is an index range, then the
/// id breaking equal times), newest first.
pub(crate) fn rows_query(tenant: TenantId, f: &EventFilter, sqlite: bool) -> (String, Vec<Arg>) {
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
    match (f.before, f.by_time()) {
        (None, _) => {}
        (Some(id), false) => {
            b.push(" and event_id < ");
            b.bind(Arg::I64(id));
        }
        (Some(id), true) => {
            let at = f.before_at_ms.unwrap_or(i64::MAX);
            b.push(" and occurred_at_ms <= ");
            b.bind(Arg::I64(at));
            b.push(" and (occurred_at_ms < ");
            b.bind(Arg::I64(at));
            b.push(" or event_id < ");
            b.bind(Arg::I64(id));
            b.push(")");
        }
    }
    let order = if f.by_time() {
        " order by occurred_at_ms desc, event_id desc limit "
    } else {
        " order by event_id desc limit "
    };
    b.push(order);
    b.bind(Arg::I64(f.limit));
    b.finish(sqlite)
}

/// The event rows [`page`] asks for, without the blocks.
async fn list_rows(db: &Db, tenant: TenantId, f: &EventFilter) -> Result<Vec<Event>> {
    let (sql, args) = rows_query(tenant, f, db.is_sqlite());
    on_pool!(db, p => bind_args!(sqlx::query_as::<_, Event>(sqlx::AssertSqlSafe(sql)), args).fetch_all(p).await.map_err(Into::into))
}
