//! PostgreSQL's bulk load: each batch goes in with the COPY protocol into a temporary table
//! (not WAL-logged), then into `event` with one `INSERT … SELECT … ON CONFLICT DO NOTHING`
//! that keeps the file's order; membership history and rows go in with COPY as well. All in
//! one transaction.

use std::collections::{HashMap, HashSet};
use std::io::Write;
use std::sync::atomic::{AtomicU64, Ordering};

use quanzi_domain::TenantId;
use sqlx::postgres::{PgArguments, PgPool};
use sqlx::query::QueryAs;
use sqlx::{PgConnection, Postgres};
use tokio::sync::mpsc::Receiver;

use super::{
    BulkOutcome, BulkSetup, Change, EventBatch, Feed, Held, IdMap, external_id, file_id, fold,
};
use crate::Result;

/// Bytes of COPY data per message.
const COPY_CHUNK: usize = 1 << 20;

const TEMP_EVENT: &str =
    "create temp table bulk_event (seq bigint not null, idempotency_key text not null,
    kind text not null, member_id bigint not null, group_id bigint, occurred_at_ms bigint not null,
    amount_fen bigint, product text) on commit drop";

/// Moves the batch from the temporary table into `event` in file order, and answers the new
/// joins and leaves, then one row (kind `''`) whose first column counts the new events.
const MOVE_EVENTS: &str = "with ins as (
    insert into event (tenant_id, received_at_ms, idempotency_key, kind, member_id, group_id, occurred_at_ms, amount_fen, product)
    select $1, $2, idempotency_key, kind, member_id, group_id, occurred_at_ms, amount_fen, product
    from bulk_event order by seq
    on conflict (tenant_id, idempotency_key) do nothing
    returning event_id, kind, member_id, group_id, occurred_at_ms)
  select event_id, kind, member_id, group_id, occurred_at_ms from ins where kind in ('join', 'leave')
  union all select count(*), '', 0, null, 0 from ins";

const TEMP_MEMBERSHIP: &str =
    "create temp table bulk_membership (group_id bigint not null, member_id bigint not null,
    role text not null, joined_at_ms bigint not null, join_scene text, inviter_member_id bigint,
    left_at_ms bigint) on commit drop";

const MOVE_MEMBERSHIP: &str = "insert into group_membership (tenant_id, group_id, member_id, role, joined_at_ms, join_scene, inviter_member_id, left_at_ms)
    select $1, group_id, member_id, role, joined_at_ms, join_scene, inviter_member_id, left_at_ms from bulk_membership
    on conflict (tenant_id, group_id, member_id) do update set role = excluded.role,
      joined_at_ms = excluded.joined_at_ms, join_scene = excluded.join_scene,
      inviter_member_id = excluded.inviter_member_id, left_at_ms = excluded.left_at_ms";

/// Runs the load; see the module documentation of `bulk`.
pub(super) async fn load(
    pool: &PgPool,
    tenant: TenantId,
    setup: &BulkSetup,
    mut feed: Receiver<Feed>,
    written: &AtomicU64,
) -> Result<BulkOutcome> {
    let mut tx = pool.begin().await?;
    let c: &mut PgConnection = &mut tx;
    sqlx::query(TEMP_EVENT).execute(&mut *c).await?;
    let mut load = Load {
        t: tenant.0,
        setup,
        members: IdMap::default(),
        groups: IdMap::default(),
        changes: Vec::new(),
        seq: 0,
        out: BulkOutcome::default(),
        buf: Vec::new(),
    };
    load.preload(c).await?;
    loop {
        match feed.recv().await {
            Some(Feed::Rows(batch)) => {
                load.batch(c, &batch).await?;
                written.fetch_add(batch.len() as u64, Ordering::Relaxed);
            }
            Some(Feed::Commit) => break,
            // The reader gave up: dropping the transaction rolls it back.
            None => return Ok(BulkOutcome::default()),
        }
    }
    load.membership(c).await?;
    tx.commit().await?;
    Ok(BulkOutcome {
        committed: true,
        ..load.out
    })
}

struct Load<'a> {
    t: i64,
    setup: &'a BulkSetup,
    members: IdMap,
    groups: IdMap,
    changes: Vec<Change>,
    seq: i64,
    out: BulkOutcome,
    buf: Vec<u8>,
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

/// Sends `data` with `COPY … FROM STDIN` (`copy` is the statement).
async fn copy(c: &mut PgConnection, statement: &str, data: &[u8]) -> Result<()> {
    let mut w = c.copy_in_raw(statement).await?;
    for chunk in data.chunks(COPY_CHUNK) {
        w.send(chunk).await?;
    }
    w.finish().await?;
    Ok(())
}

impl Load<'_> {
    /// The tenant's members and groups filed under the bulk prefix.
    async fn preload(&mut self, c: &mut PgConnection) -> Result<()> {
        for (sql, map) in [
            (
                "select external_userid, member_id from member where tenant_id = $1 and external_userid like 'import:%'",
                &mut self.members,
            ),
            (
                "select external_chat_id, group_id from chat_group where tenant_id = $1 and external_chat_id like 'import:%'",
                &mut self.groups,
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
        Ok(())
    }

    async fn batch(&mut self, c: &mut PgConnection, b: &EventBatch) -> Result<()> {
        self.create_members(c, b).await?;
        self.create_groups(c, b).await?;
        self.buf.clear();
        let buf = &mut self.buf;
        for (i, e) in b.rows().iter().enumerate() {
            let kind = self.setup.kind(e);
            number(buf, Some(self.seq + i as i64));
            buf.push(b'\t');
            field(buf, b.key(i));
            buf.push(b'\t');
            field(buf, kind);
            buf.push(b'\t');
            number(buf, self.members.ids.get(&e.member).copied());
            buf.push(b'\t');
            number(buf, e.group.and_then(|g| self.groups.ids.get(&g).copied()));
            buf.push(b'\t');
            number(buf, Some(e.occurred_at_ms));
            buf.push(b'\t');
            number(buf, e.amount_fen);
            buf.push(b'\t');
            match b.product(i) {
                Some(p) => field(buf, p),
                None => buf.extend_from_slice(b"\\N"),
            }
            buf.push(b'\n');
        }
        self.seq += b.len() as i64;
        copy(c, "copy bulk_event from stdin", &self.buf).await?;
        let rows: Vec<(i64, String, i64, Option<i64>, i64)> = sqlx::query_as(MOVE_EVENTS)
            .bind(self.t)
            .bind(self.setup.now_ms)
            .fetch_all(&mut *c)
            .await?;
        for (id, kind, member, group, at_ms) in rows {
            match (kind.as_str(), group) {
                ("", _) => {
                    self.out.imported += id as u64;
                    self.out.duplicates += b.len() as u64 - id as u64;
                }
                (k, Some(group)) => self.changes.push(Change {
                    at_ms,
                    seq: id as u64,
                    group,
                    member,
                    join: k == "join",
                }),
                _ => {}
            }
        }
        sqlx::query("truncate bulk_event").execute(&mut *c).await?;
        Ok(())
    }

    /// Creates the batch's members the tenant does not have yet.
    async fn create_members(&mut self, c: &mut PgConnection, b: &EventBatch) -> Result<()> {
        let missing = self.members.missing(b.rows().iter().map(|e| e.member));
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
        self.out.members_created += create(c, &mut self.members, &missing, name, insert).await?;
        Ok(())
    }

    /// Creates the batch's groups the tenant does not have yet.
    async fn create_groups(&mut self, c: &mut PgConnection, b: &EventBatch) -> Result<()> {
        let missing = self.groups.missing(b.rows().iter().filter_map(|e| e.group));
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
        self.out.groups_created += create(c, &mut self.groups, &missing, name, insert).await?;
        Ok(())
    }

    /// Folds the joins and leaves into membership and writes the history and the rows.
    async fn membership(&mut self, c: &mut PgConnection) -> Result<()> {
        let changes = std::mem::take(&mut self.changes);
        if changes.is_empty() {
            return Ok(());
        }
        let stored = |ch: &Change| {
            self.members.existing.contains(&ch.member) && self.groups.existing.contains(&ch.group)
        };
        let pairs: HashSet<(i64, i64)> = changes
            .iter()
            .filter(|ch| stored(ch))
            .map(|ch| (ch.group, ch.member))
            .collect();
        let mut initial: HashMap<(i64, i64), Held> = HashMap::new();
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
        let folded = fold(initial, changes);
        let buf = &mut self.buf;
        buf.clear();
        for ch in &folded.history {
            let _ = writeln!(
                buf,
                "{}\t{}\t{}\t{}\t{}\t{}",
                self.t,
                ch.group,
                ch.member,
                if ch.join { "join" } else { "leave" },
                if ch.join { "member" } else { "\\N" },
                ch.at_ms
            );
        }
        copy(
            c,
            "copy membership_change (tenant_id, group_id, member_id, change, role, at_ms) from stdin",
            &self.buf,
        )
        .await?;
        if folded.rows.is_empty() {
            return Ok(());
        }
        let buf = &mut self.buf;
        buf.clear();
        for ((group, member), h) in &folded.rows {
            let _ = write!(buf, "{group}\t{member}\t");
            field(buf, h.role());
            buf.push(b'\t');
            number(buf, Some(h.joined_at_ms));
            buf.push(b'\t');
            match &h.join_scene {
                Some(s) => field(buf, s),
                None => buf.extend_from_slice(b"\\N"),
            }
            buf.push(b'\t');
            number(buf, h.inviter);
            buf.push(b'\t');
            number(buf, h.left_at_ms);
            buf.push(b'\n');
        }
        sqlx::query(TEMP_MEMBERSHIP).execute(&mut *c).await?;
        copy(c, "copy bulk_membership from stdin", &self.buf).await?;
        sqlx::query(MOVE_MEMBERSHIP)
            .bind(self.t)
            .execute(&mut *c)
            .await?;
        Ok(())
    }
}
