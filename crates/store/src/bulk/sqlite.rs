//! The embedded store's bulk load: one connection of its own ([`crate::sqlite::open`]) in one
//! `BEGIN IMMEDIATE` transaction under the process's write lock; events through the writer's
//! prepared multi-row inserts ([`crate::writer::insert_events`]), members through multi-row
//! inserts with plain bound values, membership by [`crate::membership::apply_sqlite`]; then
//! the member and group timelines catch up ([`crate::timeline`]), sorted, before the commit.

use quanzi_domain::TenantId;
use std::collections::HashSet;

use quanzi_domain::event::NewEvent;
use quanzi_domain::membership::Pair;
use rusqlite::{Connection, TransactionBehavior, params};
use tokio::sync::mpsc::Receiver;

use super::ids::EXTERNAL_RANGE;
use super::{
    BulkOutcome, BulkSetup, Feed, FileEvent, Ids, KeyForm, Mapped, Shape, external_id, file_id,
};
use crate::writer::{Statements, insert_events};
use crate::{Result, StoreError};

/// Page cache of the load's connection, KiB: the indexes a load writes into stay in memory,
/// so inserting into them does not read pages back.
const CACHE_KIB: i64 = 1_048_576;
/// Rows per multi-row insert of members, memberships and history.
const ROWS: usize = 100;

/// `insert … values` of `rows` rows of `per_row` values after `common` shared ones, each row
/// `(?1 … ?common, then its own)`; `tail` ends the statement.
fn values_sql(head: &str, common: usize, per_row: usize, rows: usize, tail: &str) -> String {
    let mut sql = String::from(head);
    let mut p = common + 1;
    for r in 0..rows {
        sql.push_str(if r == 0 { " values (" } else { ", (" });
        let cols: Vec<String> = (1..=common)
            .map(|c| format!("?{c}"))
            .chain((0..per_row).map(|k| format!("?{}", p + k)))
            .collect();
        p += per_row;
        sql.push_str(&cols.join(", "));
        sql.push(')');
    }
    sql.push_str(tail);
    sql
}

const MEMBER_HEAD: &str = "insert into member (tenant_id, gender, interests, spending_tier, lifecycle_stage, custom, created_at_ms, updated_at_ms, district, source_channel, name, external_userid)";

/// The statement texts, made once: each a [`ROWS`]-row and a one-row form.
struct Sql {
    events: Statements,
    members: [String; 2],
}

impl Sql {
    fn new() -> Sql {
        let both = |head: &str, common: usize, per: usize, tail: &str| {
            [
                values_sql(head, common, per, ROWS, tail),
                values_sql(head, common, per, 1, tail),
            ]
        };
        Sql {
            events: Statements::new(),
            members: both(MEMBER_HEAD, 10, 2, ""),
        }
    }
}

/// Runs the load on this (blocking) thread; see the module documentation of `bulk`.
pub(super) fn load(
    path: &str,
    tenant: TenantId,
    setup: &BulkSetup,
    mut feed: Receiver<Feed>,
) -> Result<BulkOutcome> {
    let mut conn = crate::sqlite::open(path, CACHE_KIB)?;
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    // Foreign keys are checked at the commit, not by each statement: a statement that cannot
    // abort needs no statement journal (a copy of every page it touches). A violation still
    // fails the commit, and the load with it.
    tx.execute_batch("pragma defer_foreign_keys = on")?;
    let mut load = Load {
        tx: &tx,
        t: tenant,
        setup,
        sql: Sql::new(),
        shape: Shape::default(),
        other_forms: false,
    };
    load.preload()?;
    let (lo, hi) = KeyForm::File.other_range();
    load.other_forms = tx.query_row(super::OTHER_FORM_KEYS, params![tenant.0, lo, hi], |r| {
        r.get(0)
    })?;
    let before: i64 = tx.query_row("select coalesce(max(event_id), 0) from event", [], |r| {
        r.get(0)
    })?;
    loop {
        match feed.blocking_recv() {
            Some(Feed::Rows(batch)) => load.batch(batch)?,
            Some(Feed::Commit) => break,
            // The reader gave up: dropping the transaction rolls it back.
            None => return Ok(BulkOutcome::default()),
        }
    }
    let after: i64 = tx.query_row("select coalesce(max(event_id), 0) from event", [], |r| {
        r.get(0)
    })?;
    // Under the only write lock, every id between is this load's.
    if after > before {
        load.shape.first_event_id = Some(before + 1);
        load.shape.last_event_id = Some(after);
    }
    load.membership()?;
    load.record()?;
    // The load's events join the timelines in key order, in the same transaction.
    crate::timeline::catch_up(&tx)?;
    let mut out = load.shape.out;
    tx.commit()?;
    out.committed = true;
    Ok(out)
}

struct Load<'a> {
    tx: &'a Connection,
    t: TenantId,
    setup: &'a BulkSetup,
    sql: Sql,
    shape: Shape,
    /// Whether the tenant has derived keys in the sorted form ([`super::OTHER_FORM_KEYS`]).
    other_forms: bool,
}

impl Load<'_> {
    /// The tenant's members and groups filed under the external ids of a load.
    fn preload(&mut self) -> Result<()> {
        if matches!(self.setup.ids, Ids::Tenant) {
            return Ok(());
        }
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
            let mut rows = st.query(params![self.t.0, EXTERNAL_RANGE.0, EXTERNAL_RANGE.1])?;
            while let Some(r) = rows.next()? {
                let ext: String = r.get(0)?;
                if let Some(f) = file_id(&ext) {
                    map.insert(f, r.get(1)?);
                }
            }
        }
        Ok(())
    }

    fn batch(&mut self, batch: Vec<FileEvent>) -> Result<()> {
        if let Ids::CreateMissing { .. } = &self.setup.ids {
            let (members, groups) = self.shape.missing(&batch);
            self.create_members(&members)?;
            self.create_groups(&groups)?;
        }
        let mapped = self
            .shape
            .map(&self.setup.ids, batch, KeyForm::File, self.other_forms)?;
        let events = if self.other_forms {
            self.without_other_forms(mapped)?
        } else {
            mapped.events
        };
        let new = insert_events(
            self.tx,
            &self.sql.events,
            self.t,
            self.setup.now_ms,
            &events,
        )?;
        self.shape.stored(&events, &new);
        Ok(())
    }

    /// The batch's events but those whose derived key the tenant has in the sorted form (a
    /// database moved from PostgreSQL), which are counted as duplicates.
    fn without_other_forms(&mut self, mapped: Mapped) -> Result<Vec<NewEvent>> {
        let mut stored = HashSet::new();
        let mut st = self
            .tx
            .prepare_cached("select 1 from event where tenant_id = ?1 and idempotency_key = ?2")?;
        for k in mapped.other_form_keys() {
            if st.exists(params![self.t.0, k])? {
                stored.insert(k.to_string());
            }
        }
        let keep: Vec<bool> = (0..mapped.events.len())
            .map(|i| !mapped.stored_in(i, &stored))
            .collect();
        let before = keep.len();
        let events: Vec<NewEvent> = mapped
            .events
            .into_iter()
            .zip(keep)
            .filter_map(|(e, k)| k.then_some(e))
            .collect();
        self.shape.out.duplicates += (before - events.len()) as u64;
        Ok(events)
    }

    /// Creates the members of file ids `missing`.
    fn create_members(&mut self, missing: &[i64]) -> Result<()> {
        let Ids::CreateMissing { member: m, .. } = &self.setup.ids else {
            return Ok(());
        };
        let interests = serde_json::to_string(&m.interests).unwrap_or_else(|_| "[]".into());
        let custom = serde_json::to_string(&m.custom).unwrap_or_else(|_| "{}".into());
        let now = self.setup.now_ms;
        let t = self.t.0;
        for chunk in missing.chunks(ROWS) {
            let full = chunk.len() == ROWS;
            let parts: Vec<&[i64]> = if full {
                vec![chunk]
            } else {
                chunk.chunks(1).collect()
            };
            for part in parts {
                let mut st = self
                    .tx
                    .prepare_cached(&self.sql.members[usize::from(!full)])?;
                st.raw_bind_parameter(1, t)?;
                st.raw_bind_parameter(2, m.gender.as_str())?;
                st.raw_bind_parameter(3, &interests)?;
                st.raw_bind_parameter(4, m.spending_tier.as_str())?;
                st.raw_bind_parameter(5, m.lifecycle_stage.as_str())?;
                st.raw_bind_parameter(6, &custom)?;
                st.raw_bind_parameter(7, now)?;
                st.raw_bind_parameter(8, now)?;
                st.raw_bind_parameter(9, &m.district)?;
                st.raw_bind_parameter(10, &m.source_channel)?;
                for (r, id) in part.iter().enumerate() {
                    st.raw_bind_parameter(11 + 2 * r, m.name.replace("{id}", &id.to_string()))?;
                    st.raw_bind_parameter(12 + 2 * r, external_id(*id))?;
                }
                let stored = st.raw_execute()?;
                if stored != part.len() {
                    return Err(StoreError::Commit(format!(
                        "bulk load: {stored} of {} members were stored",
                        part.len()
                    )));
                }
                // One statement's rows get consecutive ids, in the order of its values.
                let first = self.tx.last_insert_rowid() - part.len() as i64 + 1;
                for (r, id) in part.iter().enumerate() {
                    self.shape.members.insert_created(*id, first + r as i64);
                }
            }
        }
        self.shape.out.members_created += missing.len() as u64;
        Ok(())
    }

    /// Creates the groups of file ids `missing`.
    fn create_groups(&mut self, missing: &[i64]) -> Result<()> {
        let Ids::CreateMissing { group: g, .. } = &self.setup.ids else {
            return Ok(());
        };
        let mut st = self.tx.prepare_cached(
            "insert into chat_group (tenant_id, name, dimension, theme, rules, capacity_hard, capacity_advised, external_chat_id, created_at_ms, updated_at_ms)
             values (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?9)",
        )?;
        for id in missing {
            st.execute(params![
                self.t.0,
                g.name.replace("{id}", &id.to_string()),
                g.dimension.as_str(),
                g.theme,
                g.rules,
                g.capacity_hard,
                g.capacity_advised,
                external_id(*id),
                self.setup.now_ms
            ])?;
            let gid = self.tx.last_insert_rowid();
            self.shape.groups.insert_created(*id, gid);
        }
        self.shape.out.groups_created += missing.len() as u64;
        Ok(())
    }

    /// Folds the joins and leaves into membership and writes the changed rows and the
    /// history; pairs of a member or group this load created have nothing stored.
    fn membership(&mut self) -> Result<()> {
        let (members, groups) = (&self.shape.members, &self.shape.groups);
        let may_be_stored = |(g, m): &Pair| !groups.created(g.0) && !members.created(m.0);
        crate::membership::apply_sqlite(self.tx, self.t, &self.shape.changes, may_be_stored)?;
        Ok(())
    }

    /// Records the load in `event_load`.
    fn record(&self) -> Result<()> {
        let s = &self.shape;
        self.tx.execute(
            "insert into event_load (tenant_id, first_event_id, last_event_id, events, duplicates,
                members_created, groups_created, loaded_at_ms) values (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            params![
                self.t.0,
                s.first_event_id,
                s.last_event_id,
                s.out.imported as i64,
                s.out.duplicates as i64,
                s.out.members_created as i64,
                s.out.groups_created as i64,
                self.setup.now_ms
            ],
        )?;
        Ok(())
    }
}
