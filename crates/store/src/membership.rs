//! Storing membership changes: the joins and leaves of new events (or of a group page, or of
//! WeCom) folded into `group_membership` by the domain's one rule
//! ([`quanzi_domain::membership::fold`]), every change a `membership_change` row. One
//! implementation per driver: on a transaction ([`apply`], both stores) and on the embedded
//! store's own connections ([`apply_sqlite`]: the event writer and bulk loads).

use std::collections::HashMap;

use quanzi_domain::TenantId;
use quanzi_domain::event::NewEvent;
use quanzi_domain::group::GroupRole;
use quanzi_domain::membership::{Change, Dated, Membership, Pair, fold};
use quanzi_domain::{GroupId, MemberId};

use crate::{Result, Tx, on_tx};

/// A stored membership: `$1` tenant, `$2` group, `$3` member.
pub(crate) const STORED_SQL: &str =
    "select role, joined_at_ms, join_scene, inviter_member_id, left_at_ms
    from group_membership where tenant_id = $1 and group_id = $2 and member_id = $3";
/// A membership's new state: `$1` tenant, `$2` group, `$3` member, then role, joined, scene,
/// inviter, left.
pub(crate) const UPSERT_SQL: &str = "insert into group_membership (tenant_id, group_id, member_id, role, joined_at_ms, join_scene, inviter_member_id, left_at_ms)
    values ($1, $2, $3, $4, $5, $6, $7, $8)
    on conflict (tenant_id, group_id, member_id) do update set role = excluded.role,
      joined_at_ms = excluded.joined_at_ms, join_scene = excluded.join_scene,
      inviter_member_id = excluded.inviter_member_id, left_at_ms = excluded.left_at_ms";
/// A change in the history: `$1` tenant, `$2` group, `$3` member, then change, role, scene,
/// inviter, at.
pub(crate) const HISTORY_SQL: &str = "insert into membership_change (tenant_id, group_id, member_id, change, role, join_scene, inviter_member_id, at_ms)
    values ($1, $2, $3, $4, $5, $6, $7, $8)";

/// [`STORED_SQL`], [`UPSERT_SQL`] and [`HISTORY_SQL`] with SQLite's `?N` placeholders, made
/// once.
static SQLITE: std::sync::LazyLock<[String; 3]> =
    std::sync::LazyLock::new(|| [STORED_SQL, UPSERT_SQL, HISTORY_SQL].map(crate::writer::numbered));

/// The membership changes of the new events (`new` indexes `events`): each join or leave
/// with a group, a join as an ordinary member with its scene and inviter.
pub fn changes(events: &[NewEvent], new: &[usize]) -> Vec<Dated> {
    new.iter()
        .filter_map(|&i| {
            let e = events.get(i)?;
            let group = e.group_id?;
            let change = if e.kind.is_join() {
                Change::Join {
                    role: GroupRole::Member,
                    join_scene: e.join_scene(),
                    inviter: e.inviter(),
                }
            } else if e.kind.is_leave() {
                Change::Leave
            } else {
                return None;
            };
            Some(Dated {
                group,
                member: e.member_id,
                at_ms: e.occurred_at_ms,
                change,
            })
        })
        .collect()
}

/// The history row of a change: change name, role, scene, inviter.
pub(crate) fn history_fields(
    c: &Change,
) -> (
    &'static str,
    Option<&'static str>,
    Option<&str>,
    Option<i64>,
) {
    match c {
        Change::Join {
            role,
            join_scene,
            inviter,
        } => (
            "join",
            Some(role.as_str()),
            join_scene.as_deref(),
            inviter.map(|m| m.0),
        ),
        Change::Leave => ("leave", None, None, None),
    }
}

/// A stored membership row as the domain's value (an unknown role reads as member).
pub(crate) fn membership_of(
    role: &str,
    joined_at_ms: i64,
    join_scene: Option<String>,
    inviter: Option<i64>,
    left_at_ms: Option<i64>,
) -> Membership {
    Membership {
        role: GroupRole::parse(role).unwrap_or(GroupRole::Member),
        joined_at_ms,
        join_scene,
        inviter: inviter.map(MemberId),
        left_at_ms,
    }
}

/// The pairs `changes` touch, sorted, without repeats.
fn pairs(changes: &[Dated]) -> Vec<Pair> {
    let mut p: Vec<Pair> = changes.iter().map(|c| (c.group, c.member)).collect();
    p.sort_by_key(|(g, m)| (g.0, m.0));
    p.dedup();
    p
}

/// The changes in time order (ties in the order given), as the history is written.
fn in_time_order(changes: &[Dated]) -> Vec<&Dated> {
    let mut v: Vec<&Dated> = changes.iter().collect();
    v.sort_by_key(|c| c.at_ms);
    v
}

type StoredRow = (String, i64, Option<String>, Option<i64>, Option<i64>);

/// Applies `changes` in an open transaction: memberships by the domain's rule, every change
/// in the history.
pub async fn apply(tx: &mut Tx, tenant: TenantId, changes: &[Dated]) -> Result<()> {
    if changes.is_empty() {
        return Ok(());
    }
    let mut stored: HashMap<Pair, Membership> = HashMap::new();
    for (g, m) in pairs(changes) {
        let row: Option<StoredRow> = on_tx!(&mut *tx, c => sqlx::query_as(STORED_SQL)
            .bind(tenant.0).bind(g.0).bind(m.0).fetch_optional(&mut *c).await)?;
        if let Some((role, joined, scene, inviter, left)) = row {
            stored.insert((g, m), membership_of(&role, joined, scene, inviter, left));
        }
    }
    for ((g, m), h) in fold(&stored, changes) {
        on_tx!(&mut *tx, c => sqlx::query(UPSERT_SQL)
            .bind(tenant.0).bind(g.0).bind(m.0).bind(h.role.as_str()).bind(h.joined_at_ms)
            .bind(&h.join_scene).bind(h.inviter.map(|i| i.0)).bind(h.left_at_ms)
            .execute(&mut *c).await.map(|_| ()))?;
    }
    for ch in in_time_order(changes) {
        let (change, role, scene, inviter) = history_fields(&ch.change);
        on_tx!(&mut *tx, c => sqlx::query(HISTORY_SQL)
            .bind(tenant.0).bind(ch.group.0).bind(ch.member.0).bind(change).bind(role)
            .bind(scene).bind(inviter).bind(ch.at_ms)
            .execute(&mut *c).await.map(|_| ()))?;
    }
    Ok(())
}

/// [`apply`] on one of the embedded store's own connections, in its open transaction;
/// `may_be_stored(pair)` false skips looking up a pair known to have no membership (one a
/// bulk load created).
pub(crate) fn apply_sqlite(
    conn: &rusqlite::Connection,
    tenant: TenantId,
    changes: &[Dated],
    may_be_stored: impl Fn(&Pair) -> bool,
) -> rusqlite::Result<()> {
    use rusqlite::params;
    let [stored_sql, upsert_sql, history_sql] = &*SQLITE;
    if changes.is_empty() {
        return Ok(());
    }
    let mut stored: HashMap<Pair, Membership> = HashMap::new();
    {
        let mut st = conn.prepare_cached(stored_sql)?;
        for pair in pairs(changes).into_iter().filter(|p| may_be_stored(p)) {
            let mut rows = st.query(params![tenant.0, pair.0.0, pair.1.0])?;
            if let Some(r) = rows.next()? {
                let role: String = r.get(0)?;
                let held = membership_of(&role, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?);
                stored.insert(pair, held);
            }
        }
    }
    let mut st = conn.prepare_cached(upsert_sql)?;
    for ((g, m), h) in fold(&stored, changes) {
        st.execute(params![
            tenant.0,
            g.0,
            m.0,
            h.role.as_str(),
            h.joined_at_ms,
            h.join_scene,
            h.inviter.map(|i| i.0),
            h.left_at_ms
        ])?;
    }
    let mut st = conn.prepare_cached(history_sql)?;
    for ch in in_time_order(changes) {
        let (change, role, scene, inviter) = history_fields(&ch.change);
        st.execute(params![
            tenant.0,
            ch.group.0,
            ch.member.0,
            change,
            role,
            scene,
            inviter,
            ch.at_ms
        ])?;
    }
    Ok(())
}

/// The groups among `changes` that someone joined, without repeats.
pub(crate) fn joined_groups(changes: &[Dated]) -> Vec<GroupId> {
    let mut v: Vec<GroupId> = changes
        .iter()
        .filter(|c| matches!(c.change, Change::Join { .. }))
        .map(|c| c.group)
        .collect();
    v.sort_by_key(|g| g.0);
    v.dedup();
    v
}
