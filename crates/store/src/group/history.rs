//! The join/leave history of a group or a member, newest first, page by page on a keyset:
//! the `membership_change` rows (read on their (tenant, group or member, time, id) index) and
//! the changes the tenant's event blocks imply ([`block::Implied`]), merged by time.
//!
//! The order is (time desc, stored before implied, id desc); [`HistoryKey`] is that key of one
//! change, so a page goes on strictly after the last one shown, equal times included.

use std::collections::{BTreeSet, HashMap};

use quanzi_domain::group::GroupRole;
use quanzi_domain::{GroupId, MemberId, TenantId};
use serde::Serialize;

use crate::block::{self, Scope};
use crate::{Db, Result, on_pool};

/// One entry of the join/leave history.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
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
    /// 1 for a stored change, 0 for one a block implies (stored first at one time).
    #[serde(skip)]
    #[cfg_attr(feature = "openapi", schema(ignore))]
    pub stored: i64,
    /// The change's id among its kind (`membership_change_id` or the event id).
    #[serde(skip)]
    #[cfg_attr(feature = "openapi", schema(ignore))]
    pub sort_id: i64,
}

/// Where a change sorts: (time, 1 stored / 0 implied, id); newer is greater.
pub type HistoryKey = [i64; 3];

impl MembershipChange {
    /// This change's place in the history's order.
    pub fn key(&self) -> HistoryKey {
        [self.at_ms, self.stored, self.sort_id]
    }
}

const HISTORY: &str = "select h.group_id, g.name as group_name, h.member_id, m.name as member_name, h.change, h.role, h.join_scene, h.inviter_member_id, h.at_ms,
    cast(1 as bigint) as stored, h.membership_change_id as sort_id
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
        Scope::Pair { group, member } => format!("h.group_id = {group} and h.member_id = {member}"),
    };
    // A stored change sorts after the cursor when older, or at its time when the cursor is a
    // stored change of a greater id (an implied cursor at that time comes after every stored).
    let after = match before {
        None => String::new(),
        Some([_, 1, _]) => {
            " and h.at_ms <= $3 and (h.at_ms < $3 or h.membership_change_id < $4)".into()
        }
        Some(_) => " and h.at_ms < $3 and $4 = $4".into(),
    };
    format!(
        "{HISTORY} where h.tenant_id = $1 and {only}{after} order by h.at_ms desc, h.membership_change_id desc limit $2"
    )
}

/// The latest `limit` membership changes of `scope` after `before`, newest first: the
/// `membership_change` rows and the changes the tenant's event blocks imply, merged.
async fn history(
    db: &Db,
    tenant: TenantId,
    scope: Scope,
    before: Option<HistoryKey>,
    limit: i64,
) -> Result<Vec<MembershipChange>> {
    let sql = rows_query(scope, before);
    let [at, _, id] = before.unwrap_or_default();
    let rows: Vec<MembershipChange> = on_pool!(db, p => {
        let q = sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(tenant.0).bind(limit);
        let q = if before.is_some() { q.bind(at).bind(id) } else { q };
        q.fetch_all(p).await
    })?;
    let implied =
        block::implied_changes(block::Read::Pool(db), tenant, scope, before, limit).await?;
    if implied.is_empty() {
        return Ok(rows);
    }
    let members = names_of(
        db,
        tenant,
        "member",
        "member_id",
        implied.iter().map(|c| c.member),
    )
    .await?;
    let groups = names_of(
        db,
        tenant,
        "chat_group",
        "group_id",
        implied.iter().map(|c| c.group),
    )
    .await?;
    let implied = implied.into_iter().filter_map(|c| {
        Some(MembershipChange {
            group_id: c.group,
            group_name: groups.get(&c.group)?.clone(),
            member_id: c.member,
            member_name: members.get(&c.member)?.clone(),
            change: if c.join { "join" } else { "leave" }.into(),
            role: c.join.then(|| GroupRole::Member.as_str().to_owned()),
            join_scene: None,
            inviter_member_id: None,
            at_ms: c.at_ms,
            stored: 0,
            sort_id: c.event_id,
        })
    });
    let mut all: Vec<MembershipChange> = rows.into_iter().chain(implied).collect();
    all.sort_by_key(|c| std::cmp::Reverse(c.key()));
    all.truncate(usize::try_from(limit).unwrap_or(0));
    Ok(all)
}

/// The names of the tenant's rows of `table` (`member` or `chat_group`, keyed by `column`)
/// among `ids`.
async fn names_of(
    db: &Db,
    tenant: TenantId,
    table: &str,
    column: &str,
    ids: impl Iterator<Item = i64>,
) -> Result<HashMap<i64, String>> {
    let ids: BTreeSet<i64> = ids.collect();
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let list = ids.iter().map(i64::to_string).collect::<Vec<_>>().join(",");
    // Integers only: nothing the caller sent is spliced in.
    let sql =
        format!("select {column}, name from {table} where tenant_id = $1 and {column} in ({list})");
    let rows: Vec<(i64, String)> = on_pool!(db, p => sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(tenant.0).fetch_all(p).await)?;
    Ok(rows.into_iter().collect())
}
