//! The embedded store's member and group timelines, off the commit path (migrations 0024,
//! 0025): `event_member_ix` and `event_group_ix` hold `(tenant, bucket, member or group,
//! time, event id)` of every event up to `event_index_mark`, and a reader takes the events
//! after the mark from the event table itself. The checkpoint thread ([`crate::checkpoint`])
//! catches them up every round, a bulk load before its commit: the new entries go in sorted,
//! so a leaf is written once for all the events that land on it instead of once per commit.
//!
//! The bucket is the event id's high bits ([`BUCKET_SHIFT`]): a round's events, spread over
//! thousands of members, land on the leaves of the last bucket only. Keyed by member first,
//! they landed on nearly every leaf of the table, so a round rewrote the whole timeline and
//! cost more as the table grew (0.7 s a round under the write lock at 2.8M events, with the
//! ingest waiting). A reader seeks the member in each bucket: one seek per 524,288 events.
//!
//! The tables are derived: [`REBUILD`] makes them again from the events. On PostgreSQL the
//! timelines are the event table's own indexes (its writers do not share one commit path),
//! and [`ids`] reads the event table.

use rusqlite::Connection;

use crate::{Db, Result};

/// Which timeline.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Axis {
    /// A member's events.
    Member,
    /// A group's events.
    Group,
}

impl Axis {
    /// The derived table of this timeline (SQLite).
    pub(crate) fn table(self) -> &'static str {
        match self {
            Axis::Member => "event_member_ix",
            Axis::Group => "event_group_ix",
        }
    }

    /// The event column this timeline is keyed by.
    pub(crate) fn column(self) -> &'static str {
        match self {
            Axis::Member => "member_id",
            Axis::Group => "group_id",
        }
    }
}

/// The condition on `event` (no alias) that keeps the events after the mark, the ones the
/// derived tables do not hold yet.
pub(crate) const AFTER_MARK: &str =
    "event_id > (select through_event_id from event_index_mark where id = 1)";

/// An event's bucket on the timelines is its id shifted right by this: 524,288 events a
/// bucket. Smaller buckets make a round's writes smaller and a reader's seeks more.
pub(crate) const BUCKET_SHIFT: u32 = 19;

/// The mark's bucket, as a scalar subquery.
const MARK_BUCKET: &str = "(select through_event_id >> 19 from event_index_mark where id = 1)";

/// Buckets 0 through `last` (an SQL expression), as a subquery for `in (…)`.
pub(crate) fn buckets_through(last: &str) -> String {
    format!(
        "with recursive b(n) as (select 0 union all select n + 1 from b where n < {last}) select n from b"
    )
}

/// The last bucket the timelines held at mark `through`.
pub(crate) fn last_bucket(through: i64) -> i64 {
    through >> BUCKET_SHIFT
}

/// The mark: every event up to this id is on the timelines (0 on PostgreSQL, which has no
/// derived timelines).
pub(crate) async fn mark(db: &Db) -> Result<i64> {
    match db {
        Db::Sqlite(p, _) => Ok(sqlx::query_scalar(
            "select through_event_id from event_index_mark where id = 1",
        )
        .fetch_optional(p)
        .await?
        .unwrap_or(0)),
        Db::Postgres(..) => Ok(0),
    }
}

/// A subquery of the ids of the events on one timeline: tenant `tenant`, member or group
/// `key` (SQL expressions, e.g. an outer column or a placeholder), and `cond`, a condition
/// on the alias `x` of the timeline's rows (`x.occurred_at_ms`, `x.event_id`; empty for none).
pub(crate) fn ids(sqlite: bool, axis: Axis, tenant: &str, key: &str, cond: &str) -> String {
    let col = axis.column();
    let cond = if cond.is_empty() {
        String::new()
    } else {
        format!(" and {cond}")
    };
    if !sqlite {
        return format!(
            "select x.event_id from event x where x.tenant_id = {tenant} and x.{col} = {key}{cond}"
        );
    }
    format!(
        "select x.event_id from {table} x where x.tenant_id = {tenant} and x.bucket in ({buckets})
            and x.{col} = {key}{cond}
         union all select x.event_id from event x where x.{AFTER_MARK} and x.tenant_id = {tenant} and x.{col} = {key}{cond}",
        table = axis.table(),
        buckets = buckets_through(MARK_BUCKET),
    )
}

/// Adds every event after the mark to both timelines, in key order, and moves the mark to
/// the last event. Runs inside a write transaction.
const CATCH_UP: &str = "
insert into event_member_ix (tenant_id, bucket, member_id, occurred_at_ms, event_id)
    select tenant_id, event_id >> 19, member_id, occurred_at_ms, event_id from event
    where event_id > (select through_event_id from event_index_mark where id = 1)
    order by 1, 2, 3, 4, 5;
insert into event_group_ix (tenant_id, bucket, group_id, occurred_at_ms, event_id)
    select tenant_id, event_id >> 19, group_id, occurred_at_ms, event_id from event
    where event_id > (select through_event_id from event_index_mark where id = 1)
      and group_id is not null
    order by 1, 2, 3, 4, 5;
update event_index_mark set through_event_id =
    max(through_event_id, (select coalesce(max(event_id), 0) from event))
    where id = 1;";

/// Empties both timelines and makes them again from every event (after events were written
/// under ids below the mark: the event blocks' conversion).
pub(crate) const REBUILD: &str = "
delete from event_member_ix;
delete from event_group_ix;
update event_index_mark set through_event_id = 0 where id = 1;";

/// Whether events were written after the mark (a read; an error answers no: a store not
/// yet migrated has no mark).
pub(crate) fn pending(conn: &Connection) -> bool {
    conn.query_row(
        "select coalesce((select max(event_id) from event), 0) >
                (select through_event_id from event_index_mark where id = 1)",
        [],
        |r| r.get::<_, bool>(0),
    )
    .unwrap_or(false)
}

/// Catches both timelines up, inside the caller's write transaction.
pub(crate) fn catch_up(conn: &Connection) -> rusqlite::Result<()> {
    conn.execute_batch(CATCH_UP)
}

/// Catches the timelines up now, in a transaction of its own (SQLite; nothing to do on
/// PostgreSQL). The checkpoint thread does this every round; a test that wants the derived
/// tables complete at once calls it.
pub async fn catch_up_now(db: &Db) -> Result<()> {
    if let Db::Sqlite(..) = db {
        let mut tx = db.begin().await?;
        crate::on_tx!(&mut tx, c => sqlx::raw_sql(CATCH_UP).execute(&mut *c).await.map(|_| ()))?;
        tx.commit().await?;
    }
    Ok(())
}

/// How many events the timelines do not hold yet: the ones after the mark (0 on PostgreSQL).
pub async fn lag(db: &Db) -> Result<i64> {
    match db {
        Db::Sqlite(p, _) => Ok(sqlx::query_scalar(
            "select count(*) from event where event_id > (select through_event_id from event_index_mark where id = 1)",
        )
        .fetch_one(p)
        .await?),
        Db::Postgres(..) => Ok(0),
    }
}

/// Moves member `from`'s timeline to member `to`, inside the caller's transaction, once
/// the events themselves were moved (a merge); nothing on PostgreSQL, whose timelines are the
/// event table's indexes.
pub(crate) async fn move_member(tx: &mut crate::Tx, tenant: i64, from: i64, to: i64) -> Result<()> {
    if let crate::Tx::Sqlite(t, _) = tx {
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "update event_member_ix set member_id = $2
               where tenant_id = $1 and bucket in ({}) and member_id = $3",
            buckets_through(MARK_BUCKET)
        )))
        .bind(tenant)
        .bind(to)
        .bind(from)
        .execute(&mut **t)
        .await?;
    }
    Ok(())
}

/// Drops the tenant's entries from both timelines, inside the caller's transaction (the
/// tenant is being deleted); nothing on PostgreSQL.
pub(crate) async fn forget_tenant(tx: &mut crate::Tx, tenant: i64) -> Result<()> {
    if let crate::Tx::Sqlite(t, _) = tx {
        for sql in [
            "delete from event_member_ix where tenant_id = $1",
            "delete from event_group_ix where tenant_id = $1",
        ] {
            sqlx::query(sql).bind(tenant).execute(&mut **t).await?;
        }
    }
    Ok(())
}

/// Makes both timelines again from the events, inside the caller's transaction (SQLite).
pub(crate) async fn rebuild(tx: &mut crate::Tx) -> Result<()> {
    if let crate::Tx::Sqlite(t, _) = tx {
        sqlx::raw_sql(REBUILD).execute(&mut **t).await?;
        sqlx::raw_sql(CATCH_UP).execute(&mut **t).await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_statements_bucket_by_the_one_shift() {
        let shift = format!(">> {BUCKET_SHIFT}");
        assert_eq!(CATCH_UP.matches(&shift).count(), 2, "{CATCH_UP}");
        assert!(MARK_BUCKET.contains(&shift), "{MARK_BUCKET}");
        let migration = include_str!("../migrations/sqlite/0025_timeline_buckets.sql");
        assert_eq!(migration.matches(&shift).count(), 2);
        assert_eq!(last_bucket((1 << BUCKET_SHIFT) - 1), 0);
        assert_eq!(last_bucket(1 << BUCKET_SHIFT), 1);
    }
}
