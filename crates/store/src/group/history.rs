//! The join/leave history of a group or a member, newest first, page by page on a keyset:
//! the `membership_change` rows, read on their (tenant, group or member, time, id) index.
//!
//! The order is (time desc, id desc); [`HistoryKey`] is that key of one change, so a page goes
//! on strictly after the last one shown, equal times included.

use quanzi_domain::{GroupId, MemberId, TenantId};

use crate::{Db, Result, on_pool};

/// Whose membership changes a history read wants.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Scope {
    /// A group's.
    Group(i64),
    /// A member's.
    Member(i64),
}

/// One entry of the join/leave history.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct MembershipChange {
    /// Group.
    pub group_id: i64,
    /// Group name.
    pub group_name: String,
    /// Member.
    pub member_id: i64,
    /// Member name.
    pub member_name: String,
    /// join, leave or role.
    pub change: String,
    /// Role (for join and role changes).
    pub role: Option<String>,
    /// Join scene.
    pub join_scene: Option<String>,
    /// Inviter.
    pub inviter_member_id: Option<i64>,
    /// When.
    pub at_ms: i64,
    /// The change's `membership_change_id`.
    pub sort_id: i64,
}

/// Where a change sorts: (time, id); newer is greater.
pub type HistoryKey = [i64; 2];

impl MembershipChange {
    /// This change's place in the history's order.
    pub fn key(&self) -> HistoryKey {
        [self.at_ms, self.sort_id]
    }
}

const HISTORY: &str = "select h.group_id, g.name as group_name, h.member_id, m.name as member_name, h.change, h.role, h.join_scene, h.inviter_member_id, h.at_ms,
    h.membership_change_id as sort_id
    from membership_change h join chat_group g on g.group_id = h.group_id join member m on m.member_id = h.member_id";

/// The latest membership changes of a group.
pub async fn history_of_group(
    db: &Db,
    tenant: TenantId,
    group: GroupId,
    limit: i64,
) -> Result<Vec<MembershipChange>> {
    history(db, tenant, Scope::Group(group.0), None, limit).await
}

/// The groups a member is or was in, latest change first.
pub async fn history_of_member(
    db: &Db,
    tenant: TenantId,
    member: MemberId,
    limit: i64,
) -> Result<Vec<MembershipChange>> {
    history(db, tenant, Scope::Member(member.0), None, limit).await
}

/// A page of a group's history: the `limit` changes after `before` (a change's key).
pub async fn history_page_of_group(
    db: &Db,
    tenant: TenantId,
    group: GroupId,
    before: Option<HistoryKey>,
    limit: i64,
) -> Result<Vec<MembershipChange>> {
    history(db, tenant, Scope::Group(group.0), before, limit).await
}

/// A page of a member's history: the `limit` changes after `before` (a change's key).
pub async fn history_page_of_member(
    db: &Db,
    tenant: TenantId,
    member: MemberId,
    before: Option<HistoryKey>,
    limit: i64,
) -> Result<Vec<MembershipChange>> {
    history(db, tenant, Scope::Member(member.0), before, limit).await
}

/// The statement of a page of stored changes of `scope`, after `before`: `$1` tenant, `$2`
/// limit, then the cursor's time and id. Only integers are spliced in.
pub(crate) fn rows_query(scope: Scope, before: Option<HistoryKey>) -> String {
    let only = match scope {
        Scope::Group(g) => format!("h.group_id = {g}"),
        Scope::Member(m) => format!("h.member_id = {m}"),
    };
    let after = match before {
        None => "",
        Some(_) => " and h.at_ms <= $3 and (h.at_ms < $3 or h.membership_change_id < $4)",
    };
    format!(
        "{HISTORY} where h.tenant_id = $1 and {only}{after} order by h.at_ms desc, h.membership_change_id desc limit $2"
    )
}

/// The latest `limit` membership changes of `scope` after `before`, newest first.
async fn history(
    db: &Db,
    tenant: TenantId,
    scope: Scope,
    before: Option<HistoryKey>,
    limit: i64,
) -> Result<Vec<MembershipChange>> {
    let sql = rows_query(scope, before);
    let [at, id] = before.unwrap_or_default();
    on_pool!(db, p => {
        let q = sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(tenant.0).bind(limit);
        let q = if before.is_some() { q.bind(at).bind(id) } else { q };
        q.fetch_all(p).await.map_err(Into::into)
    })
}
