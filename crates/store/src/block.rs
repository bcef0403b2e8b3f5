//! Event blocks: where a bulk load keeps its events — up to 65,536 rows per block, column by
//! column ([`codec`]), their event ids a range taken from the event table's sequence and
//! their idempotency keys implied by file line and row hash. Every reader of events reads
//! blocks beside the `event` table; this module reads, rewrites and checks keys against them.

pub mod codec;

use std::collections::HashSet;

use quanzi_domain::TenantId;

pub use codec::{Columns, Who, key, parse_key};

use crate::{Db, Result, Tx, on_pool, on_tx};

/// Where a block sits and what it spans.
#[derive(Debug, Clone, Copy, PartialEq, Eq, sqlx::FromRow)]
pub struct Meta {
    /// Id.
    pub block_id: i64,
    /// The event id of its first row; row `i` is `first_event_id + i`.
    pub first_event_id: i64,
    /// The event id of its last row.
    pub last_event_id: i64,
    /// Rows.
    pub rows: i64,
    /// Smallest file line of its keys.
    pub first_line: i64,
    /// Largest file line of its keys.
    pub last_line: i64,
    /// Earliest event time.
    pub min_at_ms: i64,
    /// Latest event time.
    pub max_at_ms: i64,
    /// When it was stored.
    pub received_at_ms: i64,
}

impl Meta {
    /// The extent of `c`, stored as block `block_id` from event id `first_event_id`.
    pub fn of(c: &Columns, block_id: i64, first_event_id: i64, received_at_ms: i64) -> Meta {
        let span = |v: &[i64]| {
            (
                v.iter().copied().min().unwrap_or(0),
                v.iter().copied().max().unwrap_or(0),
            )
        };
        let lines: Vec<i64> = c.lines.iter().map(|l| *l as i64).collect();
        let (first_line, last_line) = span(&lines);
        let (min_at_ms, max_at_ms) = span(&c.at_ms);
        Meta {
            block_id,
            first_event_id,
            last_event_id: first_event_id + c.len() as i64 - 1,
            rows: c.len() as i64,
            first_line,
            last_line,
            min_at_ms,
            max_at_ms,
            received_at_ms,
        }
    }
}

/// The statement that stores a block: `$1` tenant, then [`Meta`]'s fields but the id, then
/// the member filter, `who` and `data`.
pub(crate) const INSERT: &str =
    "insert into event_block (tenant_id, first_event_id, last_event_id, rows,
    first_line, last_line, min_at_ms, max_at_ms, received_at_ms, member_filter, who, data)
    values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)";

/// A block encoded for storing: [`INSERT`]'s parameters after the tenant.
pub(crate) struct Encoded {
    /// Extent.
    pub meta: Meta,
    /// Member filter.
    pub filter: Vec<u8>,
    /// The `who` blob.
    pub who: Vec<u8>,
    /// The `data` blob.
    pub data: Vec<u8>,
}

impl Encoded {
    /// The block of `cols`, its events numbered from `first_event_id`.
    pub(crate) fn of(cols: &Columns, first_event_id: i64, received_at_ms: i64) -> Encoded {
        let (who, data) = codec::encode(cols);
        Encoded {
            meta: Meta::of(cols, 0, first_event_id, received_at_ms),
            filter: codec::member_filter(&cols.members),
            who,
            data,
        }
    }
}

/// The extents of a tenant's (`$1`) blocks in event id order.
pub(crate) const METAS: &str = "select block_id, first_event_id, last_event_id, rows, first_line, last_line, min_at_ms, max_at_ms, received_at_ms
    from event_block where tenant_id = $1 order by first_event_id";

/// The tenant's blocks in event id order.
pub async fn metas(db: &Db, tenant: TenantId) -> Result<Vec<Meta>> {
    on_pool!(db, p => sqlx::query_as::<_, Meta>(METAS).bind(tenant.0)
        .fetch_all(p).await.map_err(Into::into))
}

/// A block's columns.
pub async fn columns(db: &Db, block_id: i64) -> Result<Columns> {
    let (who, data): (Vec<u8>, Vec<u8>) = on_pool!(db, p => sqlx::query_as(
        "select who, data from event_block where block_id = $1")
        .bind(block_id).fetch_one(p).await)?;
    codec::decode(&who, &data)
}

/// A block's member, group, kind and time columns alone.
pub async fn who(db: &Db, block_id: i64) -> Result<Who> {
    let who: Vec<u8> = on_pool!(db, p => sqlx::query_scalar(
        "select who from event_block where block_id = $1")
        .bind(block_id).fetch_one(p).await)?;
    codec::decode_who(&who)
}

/// The ids of the tenant's blocks that may hold events of `member` (by their member filters).
pub async fn may_hold(db: &Db, tenant: TenantId, member: i64) -> Result<HashSet<i64>> {
    let filters: Vec<(i64, Vec<u8>)> = on_pool!(db, p => sqlx::query_as(FILTERS)
        .bind(tenant.0).fetch_all(p).await)?;
    Ok(holding(filters, member))
}

/// The tenant's events stored in blocks.
pub async fn count(db: &Db, tenant: TenantId) -> Result<i64> {
    on_pool!(db, p => sqlx::query_scalar::<_, i64>(
        "select cast(coalesce(sum(rows), 0) as bigint) from event_block where tenant_id = $1")
        .bind(tenant.0).fetch_one(p).await.map_err(Into::into))
}

/// The file-derived keys (line, hash) among the events' idempotency keys.
pub(crate) fn derived_keys(events: &[quanzi_domain::event::NewEvent]) -> Vec<(u64, u64)> {
    events
        .iter()
        .filter_map(|e| parse_key(&e.idempotency_key))
        .collect()
}

/// What a key check asks of the blocks: the wanted keys and the span of their file lines.
struct Wanted {
    keys: HashSet<(u64, u64)>,
    lo: i64,
    hi: i64,
}

/// The `data` of the tenant's (`$1`) blocks whose lines overlap `$2 ..= $3`.
const HELD: &str =
    "select data from event_block where tenant_id = $1 and first_line <= $3 and last_line >= $2";

impl Wanted {
    /// `None` when there is no key to look for.
    fn of(keys: &[(u64, u64)]) -> Option<Wanted> {
        let lo = keys.iter().map(|k| k.0).min()?;
        let hi = keys.iter().map(|k| k.0).max()?;
        Some(Wanted {
            keys: keys.iter().copied().collect(),
            lo: lo as i64,
            hi: hi as i64,
        })
    }

    /// Adds to `held` the wanted keys of a block's `data` blob.
    fn find(&self, data: &[u8], held: &mut HashSet<(u64, u64)>) -> Result<()> {
        let keys = codec::decode_keys(data)?;
        held.extend(keys.into_iter().filter(|k| self.keys.contains(k)));
        Ok(())
    }
}

/// Of the file-derived `keys` (line, hash), those some block of the tenant holds; read in a
/// write transaction, so a key a concurrent load commits cannot slip between check and write.
pub(crate) async fn held_in_tx(
    tx: &mut Tx,
    tenant: TenantId,
    keys: &[(u64, u64)],
) -> Result<HashSet<(u64, u64)>> {
    let mut held = HashSet::new();
    let Some(w) = Wanted::of(keys) else {
        return Ok(held);
    };
    let blobs: Vec<Vec<u8>> = on_tx!(tx, c => sqlx::query_scalar(HELD)
        .bind(tenant.0).bind(w.lo).bind(w.hi).fetch_all(c).await)?;
    for data in blobs {
        w.find(&data, &mut held)?;
    }
    Ok(held)
}

/// The same check on the embedded store's writer connection.
pub(crate) fn held_sqlite(
    conn: &rusqlite::Connection,
    tenant: TenantId,
    keys: &[(u64, u64)],
) -> rusqlite::Result<HashSet<(u64, u64)>> {
    let mut held = HashSet::new();
    let Some(w) = Wanted::of(keys) else {
        return Ok(held);
    };
    let mut st = conn.prepare_cached(&crate::writer::numbered(HELD))?;
    let mut rows = st.query(rusqlite::params![tenant.0, w.lo, w.hi])?;
    while let Some(r) = rows.next()? {
        w.find(r.get_ref(0)?.as_blob()?, &mut held).map_err(|e| {
            rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Blob, Box::new(e))
        })?;
    }
    Ok(held)
}

/// Moves the events of member `from` to member `to` in every block of the tenant that holds
/// any (a member merge): only the blocks whose member filter may hold `from` are read, and
/// only their `who` blob and filter are written again.
pub(crate) async fn replace_member(
    tx: &mut Tx,
    tenant: TenantId,
    from: i64,
    to: i64,
) -> Result<()> {
    let filters: Vec<(i64, Vec<u8>)> = on_tx!(tx, c => sqlx::query_as(
        "select block_id, member_filter from event_block where tenant_id = $1 order by block_id")
        .bind(tenant.0).fetch_all(c).await)?;
    for (id, filter) in filters {
        if !codec::may_hold(&filter, from) {
            continue;
        }
        let who: Vec<u8> = on_tx!(tx, c => sqlx::query_scalar(
            "select who from event_block where block_id = $1")
            .bind(id).fetch_one(c).await)?;
        let mut w = codec::decode_who(&who)?;
        if !w.members.contains(&from) {
            continue;
        }
        w.members
            .iter_mut()
            .filter(|m| **m == from)
            .for_each(|m| *m = to);
        let filter = codec::member_filter(&w.members);
        on_tx!(tx, t => sqlx::query("update event_block set who = $2, member_filter = $3 where block_id = $1")
            .bind(id).bind(w.encode()).bind(filter).execute(t).await.map(|_| ()))?;
    }
    Ok(())
}

/// The largest event id any block holds (all tenants).
pub(crate) async fn max_event_id(db: &Db) -> Result<i64> {
    on_pool!(db, p => sqlx::query_scalar::<_, Option<i64>>("select max(last_event_id) from event_block")
        .fetch_one(p).await.map(|v| v.unwrap_or(0)).map_err(Into::into))
}

/// Whose membership changes a history read wants.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Scope {
    /// A group's.
    Group(i64),
    /// A member's.
    Member(i64),
    /// One member's in one group.
    Pair {
        /// The group.
        group: i64,
        /// The member.
        member: i64,
    },
}

impl Scope {
    /// The member a block's filter can rule out.
    fn member(self) -> Option<i64> {
        match self {
            Scope::Group(_) => None,
            Scope::Member(m) | Scope::Pair { member: m, .. } => Some(m),
        }
    }

    fn holds(self, group: i64, member: i64) -> bool {
        match self {
            Scope::Group(g) => g == group,
            Scope::Member(m) => m == member,
            Scope::Pair {
                group: g,
                member: m,
            } => g == group && m == member,
        }
    }
}

/// A membership change a block implies. The row path writes a `membership_change` row for
/// every join or leave event with a group; a bulk load writes none, because each such event
/// in its blocks is that change: at the event's time, in the order of event ids, a join with
/// the member role and neither scene nor inviter (a file has none).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Implied {
    /// The event that is the change.
    pub event_id: i64,
    /// Group.
    pub group: i64,
    /// Member.
    pub member: i64,
    /// A join (else a leave).
    pub join: bool,
    /// When.
    pub at_ms: i64,
}

/// The newest `limit` changes of a scope, gathered block by block, latest block first.
struct Newest {
    scope: Scope,
    /// Only changes whose history key (time, 0, event id) is below this one.
    before: Option<[i64; 3]>,
    limit: usize,
    /// Newest first.
    found: Vec<Implied>,
}

impl Newest {
    fn new(scope: Scope, before: Option<[i64; 3]>, limit: i64) -> Newest {
        Newest {
            scope,
            before,
            limit: usize::try_from(limit).unwrap_or(0),
            found: Vec::new(),
        }
    }

    /// Whether a block whose latest event is at `max_at_ms` can hold one of the newest.
    fn wants(&self, max_at_ms: i64) -> bool {
        self.limit > 0
            && (self.found.len() < self.limit
                || self.found.last().is_some_and(|c| max_at_ms >= c.at_ms))
    }

    /// Takes in the changes of a block whose first event id is `first_event_id`.
    fn take(&mut self, first_event_id: i64, who: &Who) {
        let join = who.kind_names.iter().position(|k| k == "join");
        let leave = who.kind_names.iter().position(|k| k == "leave");
        for (i, kind) in who.kinds.iter().enumerate() {
            let kind = Some(*kind as usize);
            let (group, member) = (who.groups[i], who.members[i]);
            let id = first_event_id + i as i64;
            let after = self.before.is_none_or(|b| [who.at_ms[i], 0, id] < b);
            if (kind == join || kind == leave)
                && group != 0
                && after
                && self.scope.holds(group, member)
            {
                self.found.push(Implied {
                    event_id: id,
                    group,
                    member,
                    join: kind == join,
                    at_ms: who.at_ms[i],
                });
            }
        }
        self.found
            .sort_unstable_by_key(|c| std::cmp::Reverse((c.at_ms, c.event_id)));
        self.found.truncate(self.limit);
    }
}

/// Block id, first event id and latest event time of a tenant's (`$1`) blocks, latest first.
pub(crate) const BY_TIME: &str = "select block_id, first_event_id, max_at_ms from event_block
    where tenant_id = $1 order by max_at_ms desc, block_id desc";

/// Block id and member filter of a tenant's (`$1`) blocks.
pub(crate) const FILTERS: &str =
    "select block_id, member_filter from event_block where tenant_id = $1";

/// A block's `who` blob by id (`$1`).
const WHO: &str = "select who from event_block where block_id = $1";

/// Of `filters` (block id, member filter), the blocks that may hold `member`.
fn holding(filters: Vec<(i64, Vec<u8>)>, member: i64) -> HashSet<i64> {
    filters
        .into_iter()
        .filter(|(_, f)| codec::may_hold(f, member))
        .map(|(id, _)| id)
        .collect()
}

/// Where a read of blocks runs: on the pool, or in an open write transaction.
pub(crate) enum Read<'a> {
    /// The pool.
    Pool(&'a Db),
    /// A write transaction.
    Tx(&'a mut Tx),
}

/// Runs `$body` with `$c` bound to the connection or pool of a [`Read`].
macro_rules! on_read {
    ($read:expr, $c:ident => $body:expr) => {
        match $read {
            Read::Pool(db) => on_pool!(db, $c => $body),
            Read::Tx(tx) => on_tx!(&mut **tx, $c => $body),
        }
    };
}

/// The newest `limit` membership changes of `scope` the tenant's blocks imply below the
/// history key `before` (time, 0, event id), newest first (by time, then event id). A member's scope opens only the blocks whose filter may hold
/// them; the newest blocks are opened first, and no block older than the changes kept.
pub(crate) async fn implied_changes(
    mut read: Read<'_>,
    tenant: TenantId,
    scope: Scope,
    before: Option<[i64; 3]>,
    limit: i64,
) -> Result<Vec<Implied>> {
    let mut newest = Newest::new(scope, before, limit);
    let blocks: Vec<(i64, i64, i64)> = on_read!(&mut read, c => sqlx::query_as(BY_TIME)
        .bind(tenant.0).fetch_all(c).await)?;
    let holding = match scope.member() {
        Some(m) if !blocks.is_empty() => {
            let filters: Vec<(i64, Vec<u8>)> = on_read!(&mut read, c => sqlx::query_as(FILTERS)
                .bind(tenant.0).fetch_all(c).await)?;
            Some(holding(filters, m))
        }
        _ => None,
    };
    for (id, first, max_at_ms) in blocks {
        if !newest.wants(max_at_ms) {
            break;
        }
        if holding.as_ref().is_none_or(|h| h.contains(&id)) {
            let who: Vec<u8> = on_read!(&mut read, c => sqlx::query_scalar(WHO)
                .bind(id).fetch_one(c).await)?;
            newest.take(first, &codec::decode_who(&who)?);
        }
    }
    Ok(newest.found)
}
