//! The embedded store's bulk load: one connection of its own, one `BEGIN IMMEDIATE`
//! transaction, a block per batch, members and membership through multi-row prepared
//! inserts with plain bound values (no JSON, no string per row), `synchronous = full` at
//! commit.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use quanzi_domain::TenantId;
use rusqlite::{Connection, OpenFlags, TransactionBehavior, params};
use sqlx::sqlite::SqlitePool;
use tokio::sync::mpsc::Receiver;

use super::{
    BulkEvent, BulkOutcome, BulkSetup, DERIVED_KEYS, EXTERNAL_PREFIX, EventBatch, FastMap, FastSet,
    Feed, Held, Shape, external_id, file_id, fold,
};
use crate::block::{self, Encoded};
use crate::writer::numbered;
use crate::{Result, StoreError};

/// Page cache of the load's connection, KiB: the member indexes of a million members stay
/// in memory, so inserting into them does not read pages back.
const CACHE_KIB: i64 = 262_144;
/// Set before the deferred index builds. SQLite's sorter cuts its input into runs the size
/// of the page cache and sorts them on worker threads: with a 64 MiB cache two threads sort
/// several runs at once. The runs go to temporary files: kept in memory instead
/// (`temp_store = memory`), merging them took twice as long.
const INDEX_BUILD: &str =
    "pragma temp_store = file; pragma cache_size = -65536; pragma threads = 2;";
/// Member rows per insert statement.
const MEMBER_ROWS: usize = 200;
/// Membership rows per statement.
const MEMBERSHIP_ROWS: usize = 200;

// The multi-row inserts say `or ignore`: a statement of many rows that may abort half-way
// makes SQLite copy every page it touches to a statement journal first, which cost more
// than the inserting itself. With `or ignore` none can abort, and every insert checks that
// all its rows went in (see `all_in`).

/// The file the pool's main database is in.
pub(super) async fn file_of(pool: &SqlitePool) -> Result<String> {
    let rows: Vec<(i64, String, String)> = sqlx::query_as("pragma database_list")
        .fetch_all(pool)
        .await?;
    rows.into_iter()
        .find(|(_, name, _)| name == "main")
        .map(|(_, _, file)| file)
        .filter(|f| !f.is_empty())
        .ok_or_else(|| StoreError::BadUrl("the embedded store has no file".into()))
}

fn open(path: &str) -> rusqlite::Result<Connection> {
    let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
        | OpenFlags::SQLITE_OPEN_NO_MUTEX
        | OpenFlags::SQLITE_OPEN_URI;
    let conn = Connection::open_with_flags(path, flags)?;
    conn.busy_timeout(Duration::from_secs(30))?;
    // Foreign keys are off on this connection only: every member and group a row refers to
    // was read or created in this transaction under the write lock, so none can be missing,
    // and an enforced key would make SQLite keep a statement journal for every insert.
    conn.execute_batch(&format!(
        "pragma synchronous = full; pragma foreign_keys = off; pragma temp_store = memory;
         pragma cache_size = -{CACHE_KIB}; pragma threads = 1;"
    ))?;
    conn.set_prepared_statement_cache_capacity(16);
    Ok(conn)
}

/// `insert … values` of `rows` rows of `per_row` values after `common` shared ones, each row
/// `(?1 … ?common, then its own)`; `tail` ends the statement.
fn values_sql(head: &str, common: usize, per_row: usize, rows: usize, tail: &str) -> String {
    let mut sql = String::from(head);
    let mut p = common + 1;
    for r in 0..rows {
        sql.push_str(if r == 0 { " values (" } else { ", (" });
        let mut first = true;
        for c in 1..=common {
            if !first {
                sql.push_str(", ");
            }
            first = false;
            sql.push_str(&format!("?{c}"));
        }
        for _ in 0..per_row {
            if !first {
                sql.push_str(", ");
            }
            first = false;
            sql.push_str(&format!("?{p}"));
            p += 1;
        }
        sql.push(')');
    }
    sql.push_str(tail);
    sql
}

const MEMBER_HEAD: &str = "insert or ignore into member (tenant_id, gender, interests, spending_tier, lifecycle_stage, custom, created_at_ms, updated_at_ms, district, source_channel, name, external_userid)";
const MEMBERSHIP_HEAD: &str = "insert or ignore into group_membership (tenant_id, group_id, member_id, role, joined_at_ms, join_scene, inviter_member_id, left_at_ms)";
/// A stored membership's new state: `?1` tenant, `?2` group, `?3` member, then role,
/// joined, scene, inviter, left.
const MEMBERSHIP_UPDATE: &str = "update group_membership set role = ?4, joined_at_ms = ?5, join_scene = ?6,
    inviter_member_id = ?7, left_at_ms = ?8 where tenant_id = ?1 and group_id = ?2 and member_id = ?3";

/// `(first, rows)` of the statements that write `len` rows: `full` rows each while that
/// many are left, then one by one (the two statement texts of [`Sql`]).
fn chunks(len: usize, full: usize) -> impl Iterator<Item = (usize, usize)> {
    let whole = len / full * full;
    let full_ones = (0..whole).step_by(full).map(move |first| (first, full));
    full_ones.chain((whole..len).map(|first| (first, 1)))
}

/// An error unless a statement stored all of its `rows` rows.
fn all_in(stored: usize, rows: usize, what: &str) -> Result<()> {
    if stored == rows {
        return Ok(());
    }
    Err(StoreError::Commit(format!(
        "bulk load: {stored} of {rows} {what} rows were stored"
    )))
}

/// The statement texts, made once.
struct Sql {
    members: [String; 2],
    membership: [String; 2],
}

impl Sql {
    fn new() -> Sql {
        let both = |head: &str, common: usize, per: usize, rows: usize, tail: &str| {
            [
                values_sql(head, common, per, rows, tail),
                values_sql(head, common, per, 1, tail),
            ]
        };
        Sql {
            members: both(MEMBER_HEAD, 10, 2, MEMBER_ROWS, ""),
            membership: both(MEMBERSHIP_HEAD, 1, 7, MEMBERSHIP_ROWS, ""),
        }
    }
}

/// Runs the load on this (blocking) thread; see the module documentation of `bulk`.
pub(super) fn load(
    path: &str,
    tenant: TenantId,
    setup: &BulkSetup,
    mut feed: Receiver<Feed>,
    written: &AtomicU64,
) -> Result<BulkOutcome> {
    let mut conn = open(path)?;
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let mut load = Load {
        tx: &tx,
        t: tenant.0,
        setup,
        sql: Sql::new(),
        shape: Shape::default(),
    };
    load.preload()?;
    // Members keep their indexes while they are created: that work overlaps the reading of
    // the file, where the same indexes built at the end would lengthen the load's tail.
    loop {
        match feed.blocking_recv() {
            Some(Feed::Rows(batch)) => {
                let started = std::time::Instant::now();
                load.batch(&batch)?;
                tracing::debug!(
                    rows = batch.len(),
                    ms = started.elapsed().as_millis() as u64,
                    "bulk batch"
                );
                written.fetch_add(batch.len() as u64, Ordering::Relaxed);
            }
            Some(Feed::Commit) => break,
            // The reader gave up: dropping the transaction rolls it back.
            None => return Ok(BulkOutcome::default()),
        }
    }
    let started = std::time::Instant::now();
    let deferred = load.membership()?;
    if !deferred.is_empty() {
        tx.execute_batch(INDEX_BUILD)?;
    }
    for sql in &deferred {
        tx.execute_batch(sql)?;
    }
    let mut out = load.shape.out;
    let folded = started.elapsed();
    tx.commit()?;
    tracing::debug!(
        membership_ms = folded.as_millis() as u64,
        commit_ms = (started.elapsed() - folded).as_millis() as u64,
        "bulk commit"
    );
    out.committed = true;
    Ok(out)
}

/// Drops the secondary indexes of `tables` (not the ones a primary key or a unique
/// constraint stands on, which have no SQL of their own) and answers their `create index`
/// statements, to be run once the rows are in: an index built by sorting costs a fraction of
/// one kept up row by row. DDL is transactional, so a rollback puts them back, and readers
/// see the old schema until the commit; the load holds the only write lock, so a unique index
/// built again proves what the dropped one would have enforced.
fn defer_indexes(tx: &Connection, tables: &[&str]) -> Result<Vec<String>> {
    let mut out = Vec::new();
    for table in tables {
        let mut st = tx.prepare(
            "select name, sql from sqlite_master where type = 'index' and tbl_name = ?1
             and sql is not null order by name",
        )?;
        let indexes = st
            .query_map([table], |r| {
                Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        for (name, sql) in indexes {
            tx.execute_batch(&format!("drop index \"{}\"", name.replace('"', "\"\"")))?;
            out.push(sql);
        }
    }
    Ok(out)
}

struct Load<'a> {
    tx: &'a Connection,
    t: i64,
    setup: &'a BulkSetup,
    sql: Sql,
    shape: Shape,
}

impl Load<'_> {
    /// The tenant's members and groups filed under [`EXTERNAL_PREFIX`].
    fn preload(&mut self) -> Result<()> {
        // `;` follows `:` in byte order: the range is every id with the prefix.
        let end = format!("{};", EXTERNAL_PREFIX.trim_end_matches(':'));
        for (sql, map) in [
            (
                "select external_userid, member_id from member where tenant_id = ?1 and external_userid >= ?2 and external_userid < ?3",
                &mut self.shape.members,
            ),
            (
                "select external_chat_id, group_id from chat_group where tenant_id = ?1 and external_chat_id >= ?2 and external_chat_id < ?3",
                &mut self.shape.groups,
            ),
        ] {
            let mut st = self.tx.prepare(sql)?;
            let mut rows = st.query(params![self.t, EXTERNAL_PREFIX, end])?;
            while let Some(r) = rows.next()? {
                let ext: String = r.get(0)?;
                if let Some(f) = file_id(&ext) {
                    map.stored(f, r.get(1)?);
                }
            }
        }
        self.preload_keys()
    }

    /// The file-derived keys the tenant holds, in its blocks and its event rows.
    fn preload_keys(&mut self) -> Result<()> {
        let mut st = self
            .tx
            .prepare("select data from event_block where tenant_id = ?1")?;
        let mut rows = st.query(params![self.t])?;
        while let Some(r) = rows.next()? {
            let data = r.get_ref(0)?.as_blob().map_err(rusqlite::Error::from)?;
            self.shape.held.add_block(data)?;
        }
        let mut st = self.tx.prepare(
            "select idempotency_key from event where tenant_id = ?1 and idempotency_key >= ?2 and idempotency_key < ?3",
        )?;
        let mut rows = st.query(params![self.t, DERIVED_KEYS.0, DERIVED_KEYS.1])?;
        while let Some(r) = rows.next()? {
            self.shape
                .held
                .add_key(r.get_ref(0)?.as_str().map_err(rusqlite::Error::from)?);
        }
        Ok(())
    }

    fn batch(&mut self, b: &EventBatch) -> Result<()> {
        self.create_members(b.rows())?;
        self.create_groups(b.rows())?;
        let members = self
            .shape
            .members
            .column(b.rows().iter().map(|e| e.member))?;
        let cols = self.shape.prepare(self.setup, &members, b)?;
        if cols.is_empty() {
            return Ok(());
        }
        let first = self.reserve_ids(cols.len() as i64)?;
        let e = Encoded::of(&cols, first, self.setup.now_ms);
        let m = &e.meta;
        let mut st = self.tx.prepare_cached(&numbered(block::INSERT))?;
        st.execute(params![
            self.t,
            m.first_event_id,
            m.last_event_id,
            m.rows,
            m.first_line,
            m.last_line,
            m.min_at_ms,
            m.max_at_ms,
            m.received_at_ms,
            e.filter,
            e.who,
            e.data
        ])?;
        Ok(())
    }

    /// Takes `n` event ids from the event table's sequence, answering the first: past every
    /// id a row or a block has had, so rows inserted later get ids above them.
    fn reserve_ids(&mut self, n: i64) -> Result<i64> {
        let top: i64 = self.tx.query_row(
            "select max(coalesce((select seq from sqlite_sequence where name = 'event'), 0),
                        coalesce((select max(event_id) from event), 0),
                        coalesce((select max(last_event_id) from event_block), 0))",
            [],
            |r| r.get(0),
        )?;
        let set = self.tx.execute(
            "update sqlite_sequence set seq = ?1 where name = 'event'",
            [top + n],
        )?;
        if set == 0 {
            self.tx.execute(
                "insert into sqlite_sequence (name, seq) values ('event', ?1)",
                [top + n],
            )?;
        }
        Ok(top + 1)
    }

    /// Creates the batch's members the tenant does not have yet.
    fn create_members(&mut self, rows: &[BulkEvent]) -> Result<()> {
        let missing = self.shape.members.missing(rows.iter().map(|e| e.member));
        let m = &self.setup.member;
        let interests = serde_json::to_string(&m.interests).unwrap_or_else(|_| "[]".into());
        let custom = serde_json::to_string(&m.custom).unwrap_or_else(|_| "{}".into());
        for (done, n) in chunks(missing.len(), MEMBER_ROWS) {
            let mut st = self
                .tx
                .prepare_cached(&self.sql.members[usize::from(n != MEMBER_ROWS)])?;
            st.raw_bind_parameter(1, self.t)?;
            st.raw_bind_parameter(2, m.gender.as_str())?;
            st.raw_bind_parameter(3, &interests)?;
            st.raw_bind_parameter(4, m.spending_tier.as_str())?;
            st.raw_bind_parameter(5, m.lifecycle_stage.as_str())?;
            st.raw_bind_parameter(6, &custom)?;
            st.raw_bind_parameter(7, self.setup.now_ms)?;
            st.raw_bind_parameter(8, self.setup.now_ms)?;
            st.raw_bind_parameter(9, &m.district)?;
            st.raw_bind_parameter(10, &m.source_channel)?;
            for (r, id) in missing[done..done + n].iter().enumerate() {
                st.raw_bind_parameter(11 + 2 * r, self.setup.member_name(*id))?;
                st.raw_bind_parameter(12 + 2 * r, external_id(*id))?;
            }
            all_in(st.raw_execute()?, n, "member")?;
            // One statement's rows get consecutive ids, in the order of its values.
            let first = self.tx.last_insert_rowid() - n as i64 + 1;
            for (r, id) in missing[done..done + n].iter().enumerate() {
                self.shape.members.ids.insert(*id, first + r as i64);
            }
        }
        self.shape.out.members_created += missing.len() as u64;
        Ok(())
    }

    /// Creates the batch's groups the tenant does not have yet.
    fn create_groups(&mut self, rows: &[BulkEvent]) -> Result<()> {
        let missing = self
            .shape
            .groups
            .missing(rows.iter().filter_map(|e| e.group));
        let g = &self.setup.group;
        let mut st = self.tx.prepare_cached(
            "insert into chat_group (tenant_id, name, dimension, theme, rules, capacity_hard, capacity_advised, external_chat_id, created_at_ms, updated_at_ms)
             values (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?9)",
        )?;
        for id in &missing {
            st.execute(params![
                self.t,
                self.setup.group_name(*id),
                g.dimension.as_str(),
                g.theme,
                g.rules,
                g.capacity_hard,
                g.capacity_advised,
                external_id(*id),
                self.setup.now_ms
            ])?;
            self.shape
                .groups
                .ids
                .insert(*id, self.tx.last_insert_rowid());
        }
        self.shape.out.groups_created += missing.len() as u64;
        Ok(())
    }

    /// Folds the joins and leaves into membership and writes the rows; rows that dwarf the
    /// table go in without its secondary index, whose statement it answers.
    fn membership(&mut self) -> Result<Vec<String>> {
        let changes = std::mem::take(&mut self.shape.changes);
        let mut initial: FastMap<(i64, i64), Held> = FastMap::default();
        {
            let mut st = self.tx.prepare_cached(
                "select role, joined_at_ms, join_scene, inviter_member_id, left_at_ms from group_membership
                 where tenant_id = ?1 and group_id = ?2 and member_id = ?3",
            )?;
            for c in &changes {
                let key = (c.group, c.member);
                let stored = self.shape.members.existing.contains(&c.member)
                    && self.shape.groups.existing.contains(&c.group);
                if !stored || initial.contains_key(&key) {
                    continue;
                }
                let mut rows = st.query(params![self.t, c.group, c.member])?;
                if let Some(r) = rows.next()? {
                    let held = Held {
                        role: Some(r.get(0)?),
                        joined_at_ms: r.get(1)?,
                        join_scene: r.get(2)?,
                        inviter: r.get(3)?,
                        left_at_ms: r.get(4)?,
                    };
                    initial.insert(key, held);
                }
            }
        }
        let stored: FastSet<(i64, i64)> = initial.keys().copied().collect();
        let folded = fold(initial, changes);
        // The history is the blocks' join and leave events (`block::Implied`): no row of it
        // is written. Rows that dwarf the table go in without its secondary index.
        let held: i64 = self.tx.query_row(
            "select count(*) from (select 1 from group_membership limit ?1)",
            [folded.len() as i64 / 2 + 1],
            |r| r.get(0),
        )?;
        let deferred = if super::dwarfs(folded.len() as u64, held) {
            defer_indexes(self.tx, &["group_membership"])?
        } else {
            Vec::new()
        };
        let (old, rows): (Vec<_>, Vec<_>) = folded.iter().partition(|(k, _)| stored.contains(k));
        for ((group, member), held) in old {
            self.tx.prepare_cached(MEMBERSHIP_UPDATE)?.execute(params![
                self.t,
                group,
                member,
                held.role(),
                held.joined_at_ms,
                held.join_scene,
                held.inviter,
                held.left_at_ms
            ])?;
        }
        for (done, n) in chunks(rows.len(), MEMBERSHIP_ROWS) {
            let mut st = self
                .tx
                .prepare_cached(&self.sql.membership[usize::from(n != MEMBERSHIP_ROWS)])?;
            st.raw_bind_parameter(1, self.t)?;
            for (r, ((group, member), held)) in rows[done..done + n].iter().enumerate() {
                let p = 2 + 7 * r;
                st.raw_bind_parameter(p, group)?;
                st.raw_bind_parameter(p + 1, member)?;
                st.raw_bind_parameter(p + 2, held.role())?;
                st.raw_bind_parameter(p + 3, held.joined_at_ms)?;
                st.raw_bind_parameter(p + 4, &held.join_scene)?;
                st.raw_bind_parameter(p + 5, held.inviter)?;
                st.raw_bind_parameter(p + 6, held.left_at_ms)?;
            }
            all_in(st.raw_execute()?, n, "membership")?;
        }
        Ok(deferred)
    }
}
