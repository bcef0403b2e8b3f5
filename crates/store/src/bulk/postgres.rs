//! PostgreSQL's bulk load, all in one transaction: a block per batch, the load's event ids
//! taken from the event sequence at once in a short transaction of their own; memberships
//! with COPY.
//!
//! A load that dwarfs the events the store holds ([`super::dwarfs`]) drops the tenant keys of
//! `member` and `chat_group` and adds them back at the end, each checked by one join; that
//! locks both tables until the commit. Members and groups then go in with COPY under ids
//! taken from their sequences, shaped on a thread of their own while the load's task writes
//! ([`Load::pipeline`]); when the load also dwarfs the members, without the member table's
//! primary key and secondary indexes (and the keys that reference it), built once at the
//! end. Otherwise members and groups are created with one statement per batch. Memberships
//! that dwarf the table's go in without its keys and secondary index, restored the same way.

use std::io::Write;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use quanzi_domain::TenantId;
use sqlx::postgres::{PgArguments, PgPool};
use sqlx::query::QueryAs;
use sqlx::{PgConnection, Postgres};
use tokio::runtime::Handle;
use tokio::sync::mpsc::{Receiver, Sender};

use super::{
    BulkOutcome, BulkSetup, Change, EventBatch, FastMap, FastSet, Feed, Folded, Held, IdMap, Shape,
    external_id, file_id, fold,
};
use crate::block::{self, Encoded};
use crate::{Result, StoreError};

/// Bytes of COPY data per message.
const COPY_CHUNK: usize = 1 << 20;

/// The maintenance memory the deferred index builds sort in.
const INDEX_MEMORY: &str = "set local maintenance_work_mem = '512MB'";

const TEMP_MEMBERSHIP: &str =
    "create temp table bulk_membership (tenant_id bigint not null, group_id bigint not null, member_id bigint not null,
    role text not null, joined_at_ms bigint not null, join_scene text, inviter_member_id bigint,
    left_at_ms bigint) on commit drop";

const MOVE_MEMBERSHIP: &str = "insert into group_membership (tenant_id, group_id, member_id, role, joined_at_ms, join_scene, inviter_member_id, left_at_ms)
    select tenant_id, group_id, member_id, role, joined_at_ms, join_scene, inviter_member_id, left_at_ms from bulk_membership
    on conflict (tenant_id, group_id, member_id) do update set role = excluded.role,
      joined_at_ms = excluded.joined_at_ms, join_scene = excluded.join_scene,
      inviter_member_id = excluded.inviter_member_id, left_at_ms = excluded.left_at_ms";

/// Runs the load; see the module documentation of `bulk`.
pub(super) async fn load(
    pool: &PgPool,
    tenant: TenantId,
    setup: &BulkSetup,
    feed: Receiver<Feed>,
    written: &AtomicU64,
) -> Result<BulkOutcome> {
    let mut tx = pool.begin().await?;
    let c: &mut PgConnection = &mut tx;
    let mut load = Load {
        t: tenant.0,
        pool,
        setup,
        shape: Shape::default(),
        ids: Ids::default(),
        locked: false,
        spent: Spent::default(),
    };
    load.preload(c).await?;
    let ever: i64 = sqlx::query_scalar(
        "select greatest((select max(event_id) from event), (select max(last_event_id) from event_block), 0)::bigint",
    )
    .fetch_one(&mut *c)
    .await?;
    // A load that dwarfs the events creates members and groups without their tenant key, and
    // members without their secondary indexes when it also dwarfs the members (a file names
    // about a tenth as many members as it has rows).
    let (mut deferred, mut last) = (Vec::new(), Vec::new());
    if super::dwarfs(setup.expected_rows, ever) {
        deferred.extend(lift_foreign_keys(c, &["member", "chat_group"]).await?);
        load.locked = true;
        let members: i64 =
            sqlx::query_scalar("select coalesce(max(member_id), 0)::bigint from member")
                .fetch_one(&mut *c)
                .await?;
        if super::dwarfs(setup.expected_rows / 10, members) {
            // Its primary key too, built first at the end; the keys that reference it
            // (memberships, history, tags) are added back last, after the memberships.
            last = lift_foreign_keys_to(c, "member").await?;
            let key = lift_primary_key(c, "member").await?;
            let indexes = defer_indexes(c, &["member_external_userid", "member_tenant"]).await?;
            deferred.splice(
                0..0,
                [INDEX_MEMORY.to_owned(), key].into_iter().chain(indexes),
            );
        }
    }
    let read = if load.locked {
        load.pipeline(c, feed, written).await?
    } else {
        load.one_by_one(c, feed, written).await?
    };
    if !read {
        // The reader gave up: dropping the transaction rolls it back.
        return Ok(BulkOutcome::default());
    }
    let started = Instant::now();
    load.membership(c, deferred).await?;
    restore(c, last).await?;
    let folded = started.elapsed();
    tx.commit().await?;
    let s = &load.spent;
    tracing::debug!(
        ids_ms = s.ids.as_millis() as u64,
        blocks_ms = s.blocks.as_millis() as u64,
        shaped_ms = s.shaped.as_millis() as u64,
        tail_ms = folded.as_millis() as u64,
        commit_ms = (started.elapsed() - folded).as_millis() as u64,
        "bulk commit"
    );
    Ok(BulkOutcome {
        committed: true,
        ..load.shape.out
    })
}

/// Drops the foreign keys of `tables` and answers the statements that add them back. Checked
/// row by row, the keys cost more than the rows: each locks the row it names. Added back
/// once, each is checked by one join. Every member and group a bulk load's rows name was
/// read or created in its transaction, and the tenant is locked by it.
async fn lift_foreign_keys(c: &mut PgConnection, tables: &[&str]) -> Result<Vec<String>> {
    let tables: Vec<String> = tables.iter().map(|t| t.to_string()).collect();
    let keys: Vec<(String, String, String)> = sqlx::query_as(
        "select conrelid::regclass::text, conname::text, pg_get_constraintdef(oid) from pg_constraint
         where contype = 'f' and conrelid = any($1::text[]::regclass[]) order by 1, 2",
    )
    .bind(&tables)
    .fetch_all(&mut *c)
    .await?;
    drop_keys(c, keys).await
}

/// Drops the foreign keys that reference `table` (so that its primary key can be dropped)
/// and answers the statements that add them back, each checked by one join.
async fn lift_foreign_keys_to(c: &mut PgConnection, table: &str) -> Result<Vec<String>> {
    let keys: Vec<(String, String, String)> = sqlx::query_as(
        "select conrelid::regclass::text, conname::text, pg_get_constraintdef(oid) from pg_constraint
         where contype = 'f' and confrelid = $1::text::regclass order by 1, 2",
    )
    .bind(table)
    .fetch_all(&mut *c)
    .await?;
    drop_keys(c, keys).await
}

/// Drops the foreign keys `(table, name, definition)` and answers the statements that add
/// them back.
async fn drop_keys(
    c: &mut PgConnection,
    keys: Vec<(String, String, String)>,
) -> Result<Vec<String>> {
    // Each key added back is checked by one join of the two tables: in memory, not in batches
    // spilled to disk.
    let mut restore = vec!["set local work_mem = '256MB'".to_owned()];
    for (table, name, definition) in keys {
        let name = name.replace('"', "\"\"");
        let drop = format!("alter table {table} drop constraint \"{name}\"");
        sqlx::query(sqlx::AssertSqlSafe(drop))
            .execute(&mut *c)
            .await?;
        restore.push(format!(
            "alter table {table} add constraint \"{name}\" {definition}"
        ));
    }
    Ok(restore)
}

/// Drops the primary key of `table` and answers the statement that adds it back. Only for a
/// table this load has locked (a foreign key's removal does that) and fills with rows it
/// knows to be unique: built once by sorting, the key costs a fraction of one kept up row
/// by row, and adding it back proves them unique.
async fn lift_primary_key(c: &mut PgConnection, table: &str) -> Result<String> {
    let (name, definition): (String, String) = sqlx::query_as(
        "select conname::text, pg_get_constraintdef(oid) from pg_constraint
         where contype = 'p' and conrelid = $1::text::regclass",
    )
    .bind(table)
    .fetch_one(&mut *c)
    .await?;
    let name = name.replace('"', "\"\"");
    let drop = format!("alter table {table} drop constraint \"{name}\"");
    sqlx::query(sqlx::AssertSqlSafe(drop))
        .execute(&mut *c)
        .await?;
    Ok(format!(
        "alter table {table} add constraint \"{name}\" {definition}"
    ))
}

/// Drops the secondary indexes named in `names` — never a primary key or an index a
/// constraint stands on — and answers the statements that build them again. Built once by
/// sorting, an index costs a fraction of one kept up row by row (a partial one the load's rows
/// stay out of, like `member_unionid`, costs nothing kept and a scan built). The tables must be locked against other writers until the commit (a
/// foreign key's removal does that), so a unique index built again proves what the dropped
/// one would have enforced.
async fn defer_indexes(c: &mut PgConnection, names: &[&str]) -> Result<Vec<String>> {
    let names: Vec<String> = names.iter().map(|t| t.to_string()).collect();
    let indexes: Vec<(String, String)> = sqlx::query_as(
        "select i.relname::text, pg_get_indexdef(i.oid) from pg_index x join pg_class i on i.oid = x.indexrelid
         where i.relname = any($1::text[]) and pg_table_is_visible(i.oid) and i.relkind = 'i' and not x.indisprimary
           and not exists (select 1 from pg_constraint k where k.conindid = x.indexrelid)
         order by 1",
    )
    .bind(&names)
    .fetch_all(&mut *c)
    .await?;
    let mut restore = vec![INDEX_MEMORY.to_owned()];
    for (name, definition) in indexes {
        let drop = format!("drop index \"{}\"", name.replace('"', "\"\""));
        sqlx::query(sqlx::AssertSqlSafe(drop))
            .execute(&mut *c)
            .await?;
        restore.push(definition);
    }
    Ok(restore)
}

/// Runs `statements` (the ones [`lift_foreign_keys`] and [`defer_indexes`] answer).
async fn restore(c: &mut PgConnection, statements: Vec<String>) -> Result<()> {
    for sql in statements {
        sqlx::query(sqlx::AssertSqlSafe(sql))
            .execute(&mut *c)
            .await?;
    }
    Ok(())
}

/// Where a load's time went, for the debug log.
#[derive(Debug, Default)]
struct Spent {
    /// Finding and creating members and groups.
    ids: Duration,
    /// Encoding and storing blocks, their ids included.
    blocks: Duration,
    /// Shaping batches on the pipeline's own thread (beside the rest).
    shaped: Duration,
}

struct Load<'a> {
    t: i64,
    pool: &'a PgPool,
    setup: &'a BulkSetup,
    shape: Shape,
    /// Event ids taken from the sequence and not used yet.
    ids: Ids,
    /// True when the member table is locked by this load (its keys were lifted): members
    /// go in with COPY under ids taken from its sequence.
    locked: bool,
    spent: Spent,
}

/// Appends `s` as a COPY text field.
fn field(buf: &mut Vec<u8>, s: &str) {
    for b in s.bytes() {
        match b {
            b'\\' => buf.extend_from_slice(b"\\\\"),
            b'\t' => buf.extend_from_slice(b"\\t"),
            b'\n' => buf.extend_from_slice(b"\\n"),
            b'\r' => buf.extend_from_slice(b"\\r"),
            _ => buf.push(b),
        }
    }
}

/// Appends an optional number as a COPY text field.
fn number(buf: &mut Vec<u8>, n: Option<i64>) {
    match n {
        Some(n) => {
            let _ = write!(buf, "{n}");
        }
        None => buf.extend_from_slice(b"\\N"),
    }
}

/// An insert of members or groups answering `(id, external id)` of each row.
type Insert<'q> = QueryAs<'q, Postgres, (i64, String), PgArguments>;

/// Creates a row for each file id of `missing` (none: no statement) with `insert`, whose
/// two last parameters are the arrays of the rows' names and external ids, maps the file
/// ids to the new rows, and answers how many were created.
async fn create(
    c: &mut PgConnection,
    map: &mut IdMap,
    missing: &[i64],
    name: impl Fn(i64) -> String,
    insert: Insert<'_>,
) -> Result<u64> {
    if missing.is_empty() {
        return Ok(0);
    }
    let names: Vec<String> = missing.iter().map(|id| name(*id)).collect();
    let ext: Vec<String> = missing.iter().map(|id| external_id(*id)).collect();
    let rows = insert.bind(names).bind(ext).fetch_all(&mut *c).await?;
    for (id, e) in rows {
        if let Some(f) = file_id(&e) {
            map.ids.insert(f, id);
        }
    }
    Ok(missing.len() as u64)
}

/// Takes `n` event ids from the event table's sequence and answers the first. In a short
/// transaction of its own that locks the event table against inserts (not reads) for that
/// moment: an insert that took an id is committed before, one that wants an id waits, so
/// no row can take an id inside the range. A rolled-back load leaves a gap, as any sequence
/// does.
async fn reserve_ids(pool: &PgPool, n: i64) -> Result<i64> {
    let mut t = pool.begin().await?;
    sqlx::query("lock table event in share row exclusive mode")
        .execute(&mut *t)
        .await?;
    let seq = sequence_of(&mut t, "event", "event_id").await?;
    let first = take_ids(&mut *t, &seq, n).await?;
    t.commit().await?;
    Ok(first)
}

/// Takes `n` consecutive ids from sequence `seq` (a name `pg_get_serial_sequence` answers)
/// in one statement and answers the first. Only while nothing else can take one from it:
/// the sequence's table locked against inserts.
async fn take_ids<'e>(
    e: impl sqlx::Executor<'e, Database = Postgres>,
    seq: &str,
    n: i64,
) -> Result<i64> {
    let last: i64 =
        sqlx::query_scalar("select setval($1::regclass, nextval($1::regclass) + $2 - 1)")
            .bind(seq)
            .bind(n)
            .fetch_one(e)
            .await?;
    Ok(last - n + 1)
}

/// Sends `data` with `COPY … FROM STDIN` (`copy` is the statement).
async fn copy(c: &mut PgConnection, statement: &str, data: &[u8]) -> Result<()> {
    let mut w = c.copy_in_raw(statement).await?;
    for chunk in data.chunks(COPY_CHUNK) {
        w.send(chunk).await?;
    }
    w.finish().await?;
    Ok(())
}

/// Ids taken from a sequence and not used yet: `next .. end`.
#[derive(Debug, Default, Clone, Copy)]
struct Ids {
    next: i64,
    end: i64,
}

impl Ids {
    /// The first of `n` event ids. When fewer are left, takes `n` and `ahead` more (the
    /// rows the load still expects) at once: one short transaction, not one per block. Ids
    /// a smaller load leaves unused are a gap, as a rollback's are.
    async fn take(&mut self, n: usize, ahead: u64, pool: &PgPool) -> Result<i64> {
        let n = n as i64;
        if self.end - self.next < n {
            let want = n * 2 + ahead as i64;
            let first = reserve_ids(pool, want).await?;
            *self = Ids {
                next: first,
                end: first + want,
            };
        }
        let first = self.next;
        self.next += n;
        Ok(first)
    }

    /// The first of `n` ids of sequence `seq`, taken at least `chunk` at a time on `pool`.
    /// Only while the sequence's table is locked by the load, so no insert takes an id.
    async fn take_of(&mut self, n: usize, chunk: usize, seq: &str, pool: &PgPool) -> Result<i64> {
        let n = n as i64;
        if self.end - self.next < n {
            let want = n.max(chunk as i64);
            let first = take_ids(pool, seq, want).await?;
            *self = Ids {
                next: first,
                end: first + want,
            };
        }
        let first = self.next;
        self.next += n;
        Ok(first)
    }
}

/// The name of the sequence of `table.column`.
async fn sequence_of(c: &mut PgConnection, table: &str, column: &str) -> Result<String> {
    let seq: Option<String> = sqlx::query_scalar("select pg_get_serial_sequence($1, $2)")
        .bind(table)
        .bind(column)
        .fetch_one(&mut *c)
        .await?;
    seq.ok_or_else(|| StoreError::Commit(format!("bulk load: {table}.{column} has no sequence")))
}

/// Stores block `e` of tenant `t`.
async fn insert_block(c: &mut PgConnection, t: i64, e: &Encoded) -> Result<()> {
    let m = &e.meta;
    sqlx::query(block::INSERT)
        .bind(t)
        .bind(m.first_event_id)
        .bind(m.last_event_id)
        .bind(m.rows)
        .bind(m.first_line)
        .bind(m.last_line)
        .bind(m.min_at_ms)
        .bind(m.max_at_ms)
        .bind(m.received_at_ms)
        .bind(&e.filter)
        .bind(&e.who)
        .bind(&e.data)
        .execute(&mut *c)
        .await?;
    Ok(())
}

/// A batch shaped for storing: its new groups and members as COPY data, and its block.
#[derive(Default)]
struct Shaped {
    rows: u64,
    groups: Vec<u8>,
    members: Vec<u8>,
    block: Option<Encoded>,
}

/// Members a batch takes from the member sequence at least at a time.
const ID_CHUNK: usize = 65_536;

/// The shaping half of [`Load::pipeline`], on a thread of its own.
struct Shaper {
    t: i64,
    setup: BulkSetup,
    pool: PgPool,
    /// The member and group sequences.
    sequences: [String; 2],
    member_copy: MemberCopy,
    member_ids: Ids,
    group_ids: Ids,
    events: Ids,
    shape: Shape,
    /// Time spent shaping.
    spent: Duration,
}

impl Shaper {
    /// Shapes every batch of `feed` into `send` until the reader commits (true) or gives up
    /// (false), or the writing half is gone.
    fn run(&mut self, mut feed: Receiver<Feed>, send: &Sender<Shaped>, h: &Handle) -> Result<bool> {
        loop {
            match feed.blocking_recv() {
                Some(Feed::Rows(b)) => {
                    let started = Instant::now();
                    let shaped = self.shape(&b, h)?;
                    self.spent += started.elapsed();
                    if send.blocking_send(shaped).is_err() {
                        // The writing half failed; its error is the load's.
                        return Ok(false);
                    }
                }
                Some(Feed::Commit) => return Ok(true),
                None => return Ok(false),
            }
        }
    }

    fn shape(&mut self, b: &EventBatch, h: &Handle) -> Result<Shaped> {
        let mut shaped = Shaped {
            rows: b.len() as u64,
            ..Shaped::default()
        };
        let Shaper {
            t,
            setup,
            pool,
            sequences,
            member_copy,
            member_ids,
            group_ids,
            events,
            shape,
            ..
        } = self;
        let Shape {
            members,
            groups,
            out,
            ..
        } = shape;
        let missing = groups.missing(b.rows().iter().filter_map(|e| e.group));
        if !missing.is_empty() {
            let first = h.block_on(group_ids.take_of(missing.len(), 1, &sequences[1], pool))?;
            group_rows(setup, *t, first, &missing, &mut shaped.groups);
            for (i, id) in missing.iter().enumerate() {
                groups.ids.insert(*id, first + i as i64);
            }
            out.groups_created += missing.len() as u64;
        }
        let files: Vec<i64> = b.rows().iter().map(|e| e.member).collect();
        let members = members.column_creating(&files, |missing| {
            let take = member_ids.take_of(missing.len(), ID_CHUNK, &sequences[0], pool);
            let first = h.block_on(take)?;
            member_copy.rows(setup, first, missing, &mut shaped.members);
            out.members_created += missing.len() as u64;
            Ok(first)
        })?;
        let cols = shape.prepare(setup, &members, b)?;
        if !cols.is_empty() {
            let ahead = setup.expected_rows.saturating_sub(shape.seq);
            let first = h.block_on(events.take(cols.len(), ahead, pool))?;
            shaped.block = Some(Encoded::of(&cols, first, setup.now_ms));
        }
        Ok(shaped)
    }
}

/// The COPY of groups with their ids ([`group_rows`] makes its data).
const GROUP_COPY: &str =
    "copy chat_group (group_id, tenant_id, dimension, theme, rules, capacity_hard,
    capacity_advised, created_at_ms, updated_at_ms, name, external_chat_id) from stdin";

/// Appends to `buf` the [`GROUP_COPY`] rows of the groups for file ids `missing`, numbered
/// from `first`.
fn group_rows(setup: &BulkSetup, t: i64, first: i64, missing: &[i64], buf: &mut Vec<u8>) {
    let g = &setup.group;
    let mut common = Vec::new();
    let _ = write!(common, "{t}\t");
    field(&mut common, g.dimension.as_str());
    common.push(b'\t');
    for s in [&g.theme, &g.rules] {
        match s {
            Some(s) => field(&mut common, s),
            None => common.extend_from_slice(b"\\N"),
        }
        common.push(b'\t');
    }
    let _ = write!(
        common,
        "{}\t{}\t{2}\t{2}\t",
        g.capacity_hard, g.capacity_advised, setup.now_ms
    );
    for (i, id) in missing.iter().enumerate() {
        let _ = write!(buf, "{}\t", first + i as i64);
        buf.extend_from_slice(&common);
        field(buf, &setup.group_name(*id));
        buf.push(b'\t');
        field(buf, &external_id(*id));
        buf.push(b'\n');
    }
}

/// The COPY of members with their ids: the statement, and what every row has in common
/// after its id. Columns whose value would be their default are left out.
struct MemberCopy {
    statement: String,
    common: Vec<u8>,
}

impl MemberCopy {
    fn new(setup: &BulkSetup, t: i64) -> MemberCopy {
        let m = &setup.member;
        let mut columns = vec!["member_id", "tenant_id"];
        let mut common = Vec::new();
        let _ = write!(common, "{t}\t");
        let mut text = |column, value: &str| {
            columns.push(column);
            field(&mut common, value);
            common.push(b'\t');
        };
        text("gender", m.gender.as_str());
        text("spending_tier", m.spending_tier.as_str());
        text("lifecycle_stage", m.lifecycle_stage.as_str());
        let interests = serde_json::to_string(&m.interests).unwrap_or_else(|_| "[]".into());
        if interests != "[]" {
            text("interests", &interests);
        }
        let custom = serde_json::to_string(&m.custom).unwrap_or_else(|_| "{}".into());
        if custom != "{}" {
            text("custom", &custom);
        }
        if let Some(d) = &m.district {
            text("district", d);
        }
        if let Some(c) = &m.source_channel {
            text("source_channel", c);
        }
        let now = setup.now_ms.to_string();
        text("created_at_ms", &now);
        text("updated_at_ms", &now);
        columns.extend(["name", "external_userid"]);
        MemberCopy {
            statement: format!("copy member ({}) from stdin", columns.join(", ")),
            common,
        }
    }

    /// Appends to `buf` the rows of the members for file ids `missing`, numbered from
    /// `first`.
    fn rows(&self, setup: &BulkSetup, first: i64, missing: &[i64], buf: &mut Vec<u8>) {
        for (i, id) in missing.iter().enumerate() {
            let _ = write!(buf, "{}\t", first + i as i64);
            buf.extend_from_slice(&self.common);
            field(buf, &setup.member_name(*id));
            buf.push(b'\t');
            field(buf, &external_id(*id));
            buf.push(b'\n');
        }
    }
}

/// The membership rows of tenant `t` as COPY data for `group_membership` (or the temporary
/// table, which has the same columns).
fn membership_rows(t: i64, folded: &Folded) -> Vec<u8> {
    let mut buf = Vec::with_capacity(folded.len() * 48);
    for ((group, member), h) in folded {
        let _ = write!(buf, "{t}\t{group}\t{member}\t");
        field(&mut buf, h.role());
        buf.push(b'\t');
        number(&mut buf, Some(h.joined_at_ms));
        buf.push(b'\t');
        match &h.join_scene {
            Some(s) => field(&mut buf, s),
            None => buf.extend_from_slice(b"\\N"),
        }
        buf.push(b'\t');
        number(&mut buf, h.inviter);
        buf.push(b'\t');
        number(&mut buf, h.left_at_ms);
        buf.push(b'\n');
    }
    buf
}

impl Load<'_> {
    /// The tenant's members and groups filed under the bulk prefix.
    async fn preload(&mut self, c: &mut PgConnection) -> Result<()> {
        for (sql, map) in [
            (
                "select external_userid, member_id from member where tenant_id = $1 and external_userid like 'import:%'",
                &mut self.shape.members,
            ),
            (
                "select external_chat_id, group_id from chat_group where tenant_id = $1 and external_chat_id like 'import:%'",
                &mut self.shape.groups,
            ),
        ] {
            let rows: Vec<(String, i64)> =
                sqlx::query_as(sql).bind(self.t).fetch_all(&mut *c).await?;
            for (ext, id) in rows {
                if let Some(f) = file_id(&ext) {
                    map.stored(f, id);
                }
            }
        }
        let blocks: Vec<Vec<u8>> =
            sqlx::query_scalar("select data from event_block where tenant_id = $1")
                .bind(self.t)
                .fetch_all(&mut *c)
                .await?;
        for data in blocks {
            self.shape.held.add_block(&data)?;
        }
        let keys: Vec<String> = sqlx::query_scalar(
            "select idempotency_key from event where tenant_id = $1 and idempotency_key like 'import-%'",
        )
        .bind(self.t)
        .fetch_all(&mut *c)
        .await?;
        keys.iter().for_each(|k| self.shape.held.add_key(k));
        Ok(())
    }

    /// Stores the batches as they come, each in turn: members and groups created with one
    /// statement each, then the block. Answers false when the reader gave up.
    async fn one_by_one(
        &mut self,
        c: &mut PgConnection,
        mut feed: Receiver<Feed>,
        written: &AtomicU64,
    ) -> Result<bool> {
        loop {
            match feed.recv().await {
                Some(Feed::Rows(b)) => {
                    let started = Instant::now();
                    self.create_members(c, &b).await?;
                    self.create_groups(c, &b).await?;
                    let created = Instant::now();
                    self.spent.ids += created - started;
                    let members = self
                        .shape
                        .members
                        .column(b.rows().iter().map(|e| e.member))?;
                    let cols = self.shape.prepare(self.setup, &members, &b)?;
                    if !cols.is_empty() {
                        let ahead = self.setup.expected_rows.saturating_sub(self.shape.seq);
                        let first = self.ids.take(cols.len(), ahead, self.pool).await?;
                        insert_block(c, self.t, &Encoded::of(&cols, first, self.setup.now_ms))
                            .await?;
                    }
                    self.spent.blocks += created.elapsed();
                    written.fetch_add(b.len() as u64, Ordering::Relaxed);
                }
                Some(Feed::Commit) => return Ok(true),
                None => return Ok(false),
            }
        }
    }

    /// Stores the batches of a load that has locked `member` and `chat_group`: a thread of
    /// its own shapes each batch — new members and groups under ids taken from their
    /// sequences, as COPY data, and the block — while this task writes the previous one, so
    /// the server writes while the next batch is shaped. Answers false when the reader gave
    /// up.
    async fn pipeline(
        &mut self,
        c: &mut PgConnection,
        feed: Receiver<Feed>,
        written: &AtomicU64,
    ) -> Result<bool> {
        let member_copy = MemberCopy::new(self.setup, self.t);
        let members_statement = member_copy.statement.clone();
        let mut shaper = Shaper {
            member_copy,
            t: self.t,
            setup: self.setup.clone(),
            pool: self.pool.clone(),
            sequences: [
                sequence_of(c, "member", "member_id").await?,
                sequence_of(c, "chat_group", "group_id").await?,
            ],
            member_ids: Ids::default(),
            group_ids: Ids::default(),
            events: std::mem::take(&mut self.ids),
            shape: std::mem::take(&mut self.shape),
            spent: Duration::ZERO,
        };
        let (send, mut shaped) = tokio::sync::mpsc::channel::<Shaped>(4);
        let handle = tokio::runtime::Handle::current();
        let thread = tokio::task::spawn_blocking(move || {
            let read = shaper.run(feed, &send, &handle);
            (shaper, read)
        });
        while let Some(s) = shaped.recv().await {
            let started = Instant::now();
            if !s.groups.is_empty() {
                copy(c, GROUP_COPY, &s.groups).await?;
            }
            if !s.members.is_empty() {
                copy(c, &members_statement, &s.members).await?;
            }
            let created = Instant::now();
            self.spent.ids += created - started;
            if let Some(block) = &s.block {
                insert_block(c, self.t, block).await?;
            }
            self.spent.blocks += created.elapsed();
            written.fetch_add(s.rows, Ordering::Relaxed);
        }
        let (shaper, read) = thread.await.map_err(|e| {
            StoreError::Commit(format!("bulk load: the shaping thread failed: {e}"))
        })?;
        let read = read?;
        self.shape = shaper.shape;
        self.ids = shaper.events;
        self.spent.shaped = shaper.spent;
        Ok(read)
    }

    /// Creates the batch's members the tenant does not have yet.
    async fn create_members(&mut self, c: &mut PgConnection, b: &EventBatch) -> Result<()> {
        let missing = self
            .shape
            .members
            .missing(b.rows().iter().map(|e| e.member));
        let m = &self.setup.member;
        let insert = sqlx::query_as(
            "insert into member (tenant_id, gender, interests, spending_tier, lifecycle_stage, custom,
                created_at_ms, updated_at_ms, district, source_channel, name, external_userid)
             select $1, $2, $3, $4, $5, $6, $7, $7, $8, $9, u.n, u.e
             from unnest($10::text[], $11::text[]) with ordinality as u(n, e, i) order by u.i
             returning member_id, external_userid",
        )
        .bind(self.t)
        .bind(m.gender.as_str())
        .bind(serde_json::to_string(&m.interests).unwrap_or_else(|_| "[]".into()))
        .bind(m.spending_tier.as_str())
        .bind(m.lifecycle_stage.as_str())
        .bind(serde_json::to_string(&m.custom).unwrap_or_else(|_| "{}".into()))
        .bind(self.setup.now_ms)
        .bind(&m.district)
        .bind(&m.source_channel);
        let name = |id| self.setup.member_name(id);
        self.shape.out.members_created +=
            create(c, &mut self.shape.members, &missing, name, insert).await?;
        Ok(())
    }

    /// Creates the batch's groups the tenant does not have yet.
    async fn create_groups(&mut self, c: &mut PgConnection, b: &EventBatch) -> Result<()> {
        let missing = self
            .shape
            .groups
            .missing(b.rows().iter().filter_map(|e| e.group));
        let g = &self.setup.group;
        let insert = sqlx::query_as(
            "insert into chat_group (tenant_id, dimension, theme, rules, capacity_hard, capacity_advised,
                created_at_ms, updated_at_ms, name, external_chat_id)
             select $1, $2, $3, $4, $5, $6, $7, $7, u.n, u.e
             from unnest($8::text[], $9::text[]) with ordinality as u(n, e, i) order by u.i
             returning group_id, external_chat_id",
        )
        .bind(self.t)
        .bind(g.dimension.as_str())
        .bind(&g.theme)
        .bind(&g.rules)
        .bind(g.capacity_hard)
        .bind(g.capacity_advised)
        .bind(self.setup.now_ms);
        let name = |id| self.setup.group_name(id);
        self.shape.out.groups_created +=
            create(c, &mut self.shape.groups, &missing, name, insert).await?;
        Ok(())
    }

    /// Folds the joins and leaves into membership and writes the rows.
    /// Runs `deferred` (the restores of what the load lifted) meanwhile, the fold on a
    /// thread of its own.
    async fn membership(&mut self, c: &mut PgConnection, deferred: Vec<String>) -> Result<()> {
        let changes = std::mem::take(&mut self.shape.changes);
        let stored = |ch: &Change| {
            self.shape.members.existing.contains(&ch.member)
                && self.shape.groups.existing.contains(&ch.group)
        };
        let pairs: FastSet<(i64, i64)> = changes
            .iter()
            .filter(|ch| stored(ch))
            .map(|ch| (ch.group, ch.member))
            .collect();
        let mut initial: FastMap<(i64, i64), Held> = FastMap::default();
        if !pairs.is_empty() {
            let mut who: Vec<i64> = pairs.iter().map(|(_, m)| *m).collect();
            who.sort_unstable();
            who.dedup();
            type Row = (
                i64,
                i64,
                String,
                i64,
                Option<String>,
                Option<i64>,
                Option<i64>,
            );
            let rows: Vec<Row> = sqlx::query_as(
                "select group_id, member_id, role, joined_at_ms, join_scene, inviter_member_id, left_at_ms
                 from group_membership where tenant_id = $1 and member_id = any($2)",
            )
            .bind(self.t)
            .bind(&who)
            .fetch_all(&mut *c)
            .await?;
            for (g, m, role, joined_at_ms, join_scene, inviter, left_at_ms) in rows {
                if pairs.contains(&(g, m)) {
                    let held = Held {
                        role: Some(role),
                        joined_at_ms,
                        join_scene,
                        inviter,
                        left_at_ms,
                    };
                    initial.insert((g, m), held);
                }
            }
        }
        let none_stored = initial.is_empty();
        let t = self.t;
        let folding = tokio::task::spawn_blocking(move || {
            let folded = fold(initial, changes);
            let rows = membership_rows(t, &folded);
            (folded, rows)
        });
        restore(c, deferred).await?;
        let (folded, rows) = folding
            .await
            .map_err(|e| StoreError::Commit(format!("bulk load: the fold failed: {e}")))?;
        if folded.is_empty() {
            return Ok(());
        }
        // The history is the blocks' join and leave events (`block::Implied`): no row of it
        // is written. Rows that dwarf the table go in without its foreign keys and
        // secondary index.
        let held: i64 =
            sqlx::query_scalar("select count(*) from (select 1 from group_membership limit $1) t")
                .bind(folded.len() as i64 / 2 + 1)
                .fetch_one(&mut *c)
                .await?;
        let mut lifted = if super::dwarfs(folded.len() as u64, held) {
            let mut lifted = defer_indexes(c, &["group_membership_member"]).await?;
            lifted.extend(lift_foreign_keys(c, &["group_membership"]).await?);
            lifted
        } else {
            Vec::new()
        };
        // With the table locked by the keys' removal and none of the rows stored before,
        // every membership row is new: COPY puts them straight in, and the primary key is
        // built once after them (a row's unique key is its fold key).
        let direct = none_stored && !lifted.is_empty();
        if direct {
            let key = lift_primary_key(c, "group_membership").await?;
            lifted.splice(0..0, [INDEX_MEMORY.to_owned(), key]);
        }
        self.write_membership(c, &rows, direct).await?;
        restore(c, lifted).await
    }

    /// Writes the folded membership rows (as [`membership_rows`] makes them). `direct`:
    /// every row is new and goes into `group_membership` without the upsert.
    async fn write_membership(
        &mut self,
        c: &mut PgConnection,
        rows: &[u8],
        direct: bool,
    ) -> Result<()> {
        if direct {
            let statement = "copy group_membership (tenant_id, group_id, member_id, role, joined_at_ms, join_scene, inviter_member_id, left_at_ms) from stdin";
            return copy(c, statement, rows).await;
        }
        sqlx::query(TEMP_MEMBERSHIP).execute(&mut *c).await?;
        copy(c, "copy bulk_membership from stdin", rows).await?;
        sqlx::query(MOVE_MEMBERSHIP).execute(&mut *c).await?;
        Ok(())
    }
}
