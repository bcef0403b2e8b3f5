//! The embedded store's bulk load: one connection of its own, one `BEGIN IMMEDIATE`
//! transaction, multi-row prepared inserts with plain bound values (no JSON, no string per
//! row), a page cache large enough for the event indexes, `synchronous = full` at commit.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use quanzi_domain::TenantId;
use rusqlite::{Connection, OpenFlags, TransactionBehavior, params};
use sqlx::sqlite::SqlitePool;
use tokio::sync::mpsc::Receiver;

use super::{
    BulkEvent, BulkOutcome, BulkSetup, Change, EXTERNAL_PREFIX, EventBatch, Feed, Held, IdMap,
    change_of, external_id, file_id, fold, is_membership, mapped,
};
use crate::event::NEW_KEYS_SQLITE;
use crate::{Result, StoreError};

/// Page cache of the load's connection, KiB: the three event indexes of ten million rows
/// stay in memory, so inserting into them in file order does not read pages back.
const CACHE_KIB: i64 = 1_048_576;
/// Set before the deferred index builds. SQLite's sorter cuts its input into runs the size
/// of the page cache and sorts them on worker threads: with a 64 MiB cache two threads sort
/// several runs at once, where one 1 GiB run sorted on one thread took 25% longer (dirty
/// pages beyond the smaller cache go to the WAL, as they would at the commit). The runs go
/// to temporary files: kept in memory instead (`temp_store = memory`), merging them took
/// twice as long.
const INDEX_BUILD: &str =
    "pragma temp_store = file; pragma cache_size = -65536; pragma threads = 2;";
/// Event rows per insert statement.
const ROWS: usize = 200;
/// Bound values per event row.
const EVENT_PARAMS: usize = 7;
/// Member rows per insert statement.
const MEMBER_ROWS: usize = 200;
/// Membership rows per statement (history and current rows).
const MEMBERSHIP_ROWS: usize = 200;

// The multi-row inserts say `or ignore`: a statement of many rows that may abort half-way
// makes SQLite copy every page it touches to a statement journal first, which cost more
// than the inserting itself. With `or ignore` none can abort; the only constraint that can
// fire on an event is its idempotency key (a duplicate, counted), and every other insert
// checks that all its rows went in (see `all_in`).

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

const EVENT_HEAD: &str = "insert or ignore into event (tenant_id, received_at_ms, idempotency_key, kind, member_id, group_id, occurred_at_ms, amount_fen, product)";
const MEMBER_HEAD: &str = "insert or ignore into member (tenant_id, gender, interests, spending_tier, lifecycle_stage, custom, created_at_ms, updated_at_ms, district, source_channel, name, external_userid)";
const HISTORY_HEAD: &str =
    "insert or ignore into membership_change (tenant_id, group_id, member_id, change, role, at_ms)";
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
    events: [String; 2],
    members: [String; 2],
    history: [String; 2],
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
            events: both(EVENT_HEAD, 2, EVENT_PARAMS, ROWS, ""),
            members: both(MEMBER_HEAD, 10, 2, MEMBER_ROWS, ""),
            history: both(HISTORY_HEAD, 1, 5, MEMBERSHIP_ROWS, ""),
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
        members: IdMap::default(),
        groups: IdMap::default(),
        changes: Vec::new(),
        seq: 0,
        out: BulkOutcome::default(),
    };
    load.preload()?;
    let deferred = defer_indexes(&tx, setup.expected_rows)?;
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
    if !deferred.is_empty() {
        tx.execute_batch(INDEX_BUILD)?;
    }
    for sql in &deferred {
        tx.execute_batch(sql)?;
    }
    let indexed = started.elapsed();
    load.membership()?;
    let mut out = load.out;
    let folded = started.elapsed();
    tx.commit()?;
    tracing::debug!(
        indexes_ms = indexed.as_millis() as u64,
        membership_ms = (folded - indexed).as_millis() as u64,
        commit_ms = (started.elapsed() - folded).as_millis() as u64,
        "bulk commit"
    );
    out.committed = true;
    Ok(out)
}

/// When [`super::dwarfs`] says so, drops the event table's secondary indexes (not
/// the idempotency key's, which finds duplicates) and answers their `create index`
/// statements, to be run once the rows are in. DDL is transactional, so a rollback puts them
/// back, and readers see the old schema until the commit.
fn defer_indexes(tx: &Connection, expected_rows: u64) -> Result<Vec<String>> {
    let ever: i64 = tx.query_row("select coalesce(max(event_id), 0) from event", [], |r| {
        r.get(0)
    })?;
    if !super::dwarfs(expected_rows, ever) {
        return Ok(Vec::new());
    }
    let mut st = tx.prepare(
        "select name, sql from sqlite_master where type = 'index' and tbl_name = 'event'
         and sql is not null and name <> 'event_idempotency' order by name",
    )?;
    let indexes = st
        .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    for (name, _) in &indexes {
        tx.execute_batch(&format!("drop index \"{}\"", name.replace('"', "\"\"")))?;
    }
    Ok(indexes.into_iter().map(|(_, sql)| sql).collect())
}

struct Load<'a> {
    tx: &'a Connection,
    t: i64,
    setup: &'a BulkSetup,
    sql: Sql,
    members: IdMap,
    groups: IdMap,
    changes: Vec<Change>,
    seq: u64,
    out: BulkOutcome,
}

impl Load<'_> {
    /// The tenant's members and groups filed under [`EXTERNAL_PREFIX`].
    fn preload(&mut self) -> Result<()> {
        // `;` follows `:` in byte order: the range is every id with the prefix.
        let end = format!("{};", EXTERNAL_PREFIX.trim_end_matches(':'));
        for (sql, map) in [
            (
                "select external_userid, member_id from member where tenant_id = ?1 and external_userid >= ?2 and external_userid < ?3",
                &mut self.members,
            ),
            (
                "select external_chat_id, group_id from chat_group where tenant_id = ?1 and external_chat_id >= ?2 and external_chat_id < ?3",
                &mut self.groups,
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
        Ok(())
    }

    fn batch(&mut self, b: &EventBatch) -> Result<()> {
        self.create_members(b.rows())?;
        self.create_groups(b.rows())?;
        for (first, n) in chunks(b.len(), ROWS) {
            self.insert(b, first, n)?;
        }
        Ok(())
    }

    /// Inserts events `from..from + n` of the batch with one statement.
    fn insert(&mut self, b: &EventBatch, from: usize, n: usize) -> Result<()> {
        let mut st = self
            .tx
            .prepare_cached(&self.sql.events[usize::from(n != ROWS)])?;
        st.raw_bind_parameter(1, self.t)?;
        st.raw_bind_parameter(2, self.setup.now_ms)?;
        let mut p = 3;
        let mut membership = false;
        for i in from..from + n {
            let e = &b.rows()[i];
            let kind = self.setup.kind(e);
            membership |= is_membership(kind);
            let member = mapped(&self.members, e.member)?;
            let group = e.group.map(|g| mapped(&self.groups, g)).transpose()?;
            st.raw_bind_parameter(p, b.key(i))?;
            st.raw_bind_parameter(p + 1, kind)?;
            st.raw_bind_parameter(p + 2, member)?;
            st.raw_bind_parameter(p + 3, group)?;
            st.raw_bind_parameter(p + 4, e.occurred_at_ms)?;
            st.raw_bind_parameter(p + 5, e.amount_fen)?;
            st.raw_bind_parameter(p + 6, b.product(i))?;
            p += EVENT_PARAMS;
        }
        let inserted = st.raw_execute()?;
        drop(st);
        self.out.imported += inserted as u64;
        self.out.duplicates += (n - inserted) as u64;
        if membership && inserted > 0 {
            let new: Option<HashSet<String>> = if inserted == n {
                None
            } else {
                // Under the only write lock one statement's new rows get consecutive ids.
                let last = self.tx.last_insert_rowid();
                let mut q = self.tx.prepare_cached(NEW_KEYS_SQLITE)?;
                let keys = q
                    .query_map(params![last - inserted as i64, last], |r| r.get(0))?
                    .collect::<rusqlite::Result<HashSet<String>>>()?;
                Some(keys)
            };
            for i in from..from + n {
                let e = &b.rows()[i];
                let kind = self.setup.kind(e);
                if is_membership(kind) && new.as_ref().is_none_or(|k| k.contains(b.key(i))) {
                    let seq = self.seq + (i - from) as u64;
                    let c = change_of(self.setup, &self.members, &self.groups, e, seq);
                    self.changes.extend(c);
                }
            }
        }
        self.seq += n as u64;
        Ok(())
    }

    /// Creates the batch's members the tenant does not have yet.
    fn create_members(&mut self, rows: &[BulkEvent]) -> Result<()> {
        let missing = self.members.missing(rows.iter().map(|e| e.member));
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
                self.members.ids.insert(*id, first + r as i64);
            }
        }
        self.out.members_created += missing.len() as u64;
        Ok(())
    }

    /// Creates the batch's groups the tenant does not have yet.
    fn create_groups(&mut self, rows: &[BulkEvent]) -> Result<()> {
        let missing = self.groups.missing(rows.iter().filter_map(|e| e.group));
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
            self.groups.ids.insert(*id, self.tx.last_insert_rowid());
        }
        self.out.groups_created += missing.len() as u64;
        Ok(())
    }

    /// Folds the joins and leaves into membership and writes the history and the rows.
    fn membership(&mut self) -> Result<()> {
        let changes = std::mem::take(&mut self.changes);
        let mut initial: HashMap<(i64, i64), Held> = HashMap::new();
        {
            let mut st = self.tx.prepare_cached(
                "select role, joined_at_ms, join_scene, inviter_member_id, left_at_ms from group_membership
                 where tenant_id = ?1 and group_id = ?2 and member_id = ?3",
            )?;
            for c in &changes {
                let key = (c.group, c.member);
                let stored = self.members.existing.contains(&c.member)
                    && self.groups.existing.contains(&c.group);
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
        let stored: HashSet<(i64, i64)> = initial.keys().copied().collect();
        let folded = fold(initial, changes);
        let h = &folded.history;
        for (done, n) in chunks(h.len(), MEMBERSHIP_ROWS) {
            let mut st = self
                .tx
                .prepare_cached(&self.sql.history[usize::from(n != MEMBERSHIP_ROWS)])?;
            st.raw_bind_parameter(1, self.t)?;
            for (r, c) in h[done..done + n].iter().enumerate() {
                let p = 2 + 5 * r;
                st.raw_bind_parameter(p, c.group)?;
                st.raw_bind_parameter(p + 1, c.member)?;
                st.raw_bind_parameter(p + 2, if c.join { "join" } else { "leave" })?;
                st.raw_bind_parameter(p + 3, c.join.then_some("member"))?;
                st.raw_bind_parameter(p + 4, c.at_ms)?;
            }
            all_in(st.raw_execute()?, n, "membership history")?;
        }
        let (old, rows): (Vec<_>, Vec<_>) =
            folded.rows.iter().partition(|(k, _)| stored.contains(k));
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
        Ok(())
    }
}
