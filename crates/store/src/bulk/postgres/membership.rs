//! The bulk load's memberships on PostgreSQL: the stored rows of the pairs the load touched
//! read once, the joins and leaves folded in, the rows of members and groups the load created
//! copied in, the others upserted from arrays, and the history copied in by member and time.

use std::collections::HashMap;

use quanzi_domain::membership::{Membership, Pair};
use quanzi_domain::{GroupId, MemberId};
use sqlx::postgres::PgConnection;

use super::super::copy_text::{CopyRow, copy};
use super::Load;
use crate::Result;
use crate::membership::{history_fields, membership_of};

/// The `COPY` of the memberships of members and groups the load created.
const MEMBERSHIP_COPY: &str = "copy group_membership (tenant_id, group_id, member_id, role,
    joined_at_ms, join_scene, inviter_member_id, left_at_ms) from stdin";
/// The `COPY` of the membership history.
const HISTORY_COPY: &str = "copy membership_change (tenant_id, group_id, member_id, change, role,
    join_scene, inviter_member_id, at_ms) from stdin";

impl Load<'_> {
    /// Folds the joins and leaves into membership; upserts the changed rows and copies the
    /// history in.
    pub(super) async fn membership(&mut self, c: &mut PgConnection) -> Result<()> {
        let pairs = self.shape.stored_pairs();
        let mut stored: HashMap<Pair, Membership> = HashMap::new();
        for chunk in pairs.chunks(50_000) {
            let groups: Vec<i64> = chunk.iter().map(|p| p.0.0).collect();
            let members: Vec<i64> = chunk.iter().map(|p| p.1.0).collect();
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
                "select m.group_id, m.member_id, m.role, m.joined_at_ms, m.join_scene, m.inviter_member_id, m.left_at_ms
                 from unnest($2::bigint[], $3::bigint[]) as u(g, m)
                 join group_membership m on m.tenant_id = $1 and m.group_id = u.g and m.member_id = u.m",
            )
            .bind(self.t.0)
            .bind(&groups)
            .bind(&members)
            .fetch_all(&mut *c)
            .await?;
            for (g, m, role, joined, scene, inviter, left) in rows {
                let held = membership_of(&role, joined, scene, inviter, left);
                stored.insert((GroupId(g), MemberId(m)), held);
            }
        }
        let folded = self.shape.folded(&stored);
        // A pair with a member or group this load created has no stored row and no other
        // writer can make one (it cannot see them yet): those are copied in, by member, so the
        // member index and the foreign-key checks go through the members in order.
        let (mut fresh, changed): (Vec<_>, Vec<_>) = folded.into_iter().partition(|((g, m), _)| {
            self.shape.groups.created(g.0) || self.shape.members.created(m.0)
        });
        fresh.sort_by_key(|((g, m), _)| (m.0, g.0));
        let mut buf = Vec::with_capacity(fresh.len() * 48);
        for ((g, m), h) in &fresh {
            CopyRow::start(&mut buf)
                .int(self.t.0)
                .int(g.0)
                .int(m.0)
                .field(h.role.as_str())
                .int(h.joined_at_ms)
                .text(h.join_scene.as_deref())
                .number(h.inviter.map(|i| i.0))
                .number(h.left_at_ms)
                .end();
        }
        copy(c, MEMBERSHIP_COPY, &buf).await?;
        for chunk in changed.chunks(50_000) {
            let col = |f: fn(&(Pair, Membership)) -> Option<i64>| -> Vec<Option<i64>> {
                chunk.iter().map(f).collect()
            };
            let roles: Vec<&str> = chunk.iter().map(|(_, h)| h.role.as_str()).collect();
            let scenes: Vec<Option<&str>> =
                chunk.iter().map(|(_, h)| h.join_scene.as_deref()).collect();
            sqlx::query(
                "insert into group_membership (tenant_id, group_id, member_id, role, joined_at_ms,
                    join_scene, inviter_member_id, left_at_ms)
                 select $1, u.g, u.m, u.r, u.j, u.s, u.i, u.l
                 from unnest($2::bigint[], $3::bigint[], $4::text[], $5::bigint[], $6::text[], $7::bigint[], $8::bigint[])
                    as u(g, m, r, j, s, i, l)
                 on conflict (tenant_id, group_id, member_id) do update set role = excluded.role,
                    joined_at_ms = excluded.joined_at_ms, join_scene = excluded.join_scene,
                    inviter_member_id = excluded.inviter_member_id, left_at_ms = excluded.left_at_ms",
            )
            .bind(self.t.0)
            .bind(col(|(k, _)| Some(k.0.0)))
            .bind(col(|(k, _)| Some(k.1.0)))
            .bind(&roles)
            .bind(col(|(_, h)| Some(h.joined_at_ms)))
            .bind(&scenes)
            .bind(col(|(_, h)| h.inviter.map(|i| i.0)))
            .bind(col(|(_, h)| h.left_at_ms))
            .execute(&mut *c)
            .await?;
        }
        // The history by member, then time (stable: a pair's changes keep their order).
        let mut changes = std::mem::take(&mut self.shape.changes);
        changes.sort_by_key(|ch| (ch.member.0, ch.at_ms));
        buf.clear();
        for ch in &changes {
            let (change, role, scene, inviter) = history_fields(&ch.change);
            CopyRow::start(&mut buf)
                .int(self.t.0)
                .int(ch.group.0)
                .int(ch.member.0)
                .field(change)
                .text(role)
                .text(scene)
                .number(inviter)
                .int(ch.at_ms)
                .end();
        }
        copy(c, HISTORY_COPY, &buf).await?;
        self.shape.changes = changes;
        Ok(())
    }
}
