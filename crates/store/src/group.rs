//! Chat groups, current membership with roles, and the join/leave history.

use quanzi_domain::group::{GroupPatch, GroupRole, NewGroup};
use quanzi_domain::membership::{Change, Dated};
use quanzi_domain::{GroupId, MemberId, TenantId};

pub(crate) mod history;
mod on;

pub use on::{create_on, get_on};

pub use history::{
    HistoryKey, MembershipChange, history_of_group, history_of_member, history_page_of_group,
    history_page_of_member,
};

use crate::on::On;
use crate::{Arg, Db, Result, SqlBuf, Tx, bind_args, now_ms, on_pool, on_tx};

/// A group with its current size.
#[derive(Debug, Clone, sqlx::FromRow, PartialEq)]
pub struct Group {
    /// Id.
    pub group_id: i64,
    /// Tenant.
    pub tenant_id: i64,
    /// Name.
    pub name: String,
    /// district, interest, value_tier, vip, seed or other.
    pub dimension: String,
    /// Theme (群主题).
    pub theme: Option<String>,
    /// Rules (群规).
    pub rules: Option<String>,
    /// Hard capacity (≤ 500).
    pub capacity_hard: i64,
    /// Advised capacity (about 200).
    pub capacity_advised: i64,
    /// WeCom chat_id.
    pub external_chat_id: Option<String>,
    /// Current members.
    pub size: i64,
    /// Creation time.
    pub created_at_ms: i64,
    /// Last change.
    pub updated_at_ms: i64,
    /// When the group was archived, if it is.
    pub archived_at_ms: Option<i64>,
}

const SELECT: &str = "select g.group_id, g.tenant_id, g.name, g.dimension, g.theme, g.rules, g.capacity_hard, g.capacity_advised,
    g.external_chat_id,
    (select count(*) from group_membership gm where gm.tenant_id = g.tenant_id and gm.group_id = g.group_id and gm.left_at_ms is null) as size,
    g.created_at_ms, g.updated_at_ms, g.archived_at_ms from chat_group g";

/// Creates a group.
pub async fn create(
    tx: &mut Tx,
    tenant: TenantId,
    g: &NewGroup,
    created_at_ms: i64,
) -> Result<Group> {
    create_on(&mut On::Tx(tx), tenant, g, created_at_ms).await
}

/// Gets a group of the tenant.
pub async fn get(db: &Db, tenant: TenantId, id: GroupId) -> Result<Option<Group>> {
    let sql = format!("{SELECT} where g.tenant_id = $1 and g.group_id = $2");
    on_pool!(db, p => sqlx::query_as::<_, Group>(sqlx::AssertSqlSafe(sql)).bind(tenant.0).bind(id.0).fetch_optional(p).await.map_err(Into::into))
}

/// Gets a group inside a transaction.
pub async fn get_tx(tx: &mut Tx, tenant: TenantId, id: GroupId) -> Result<Option<Group>> {
    get_on(&mut On::Tx(tx), tenant, id).await
}

/// Lists groups by id, optionally by dimension, after a cursor.
pub async fn list(
    db: &Db,
    tenant: TenantId,
    dimension: Option<&str>,
    after: Option<i64>,
    limit: i64,
) -> Result<Vec<Group>> {
    let (sql, args) = list_query(tenant, dimension, after, limit, db.is_sqlite());
    on_pool!(db, p => bind_args!(sqlx::query_as::<_, Group>(sqlx::AssertSqlSafe(sql)), args).fetch_all(p).await.map_err(Into::into))
}

/// The statement and arguments of [`list`]: on the key `chat_group_pkey` in its order.
pub(crate) fn list_query(
    tenant: TenantId,
    dimension: Option<&str>,
    after: Option<i64>,
    limit: i64,
    sqlite: bool,
) -> (String, Vec<Arg>) {
    let mut b = SqlBuf::new(SELECT);
    b.push(" where g.tenant_id = ");
    b.bind(Arg::I64(tenant.0));
    if let Some(d) = dimension {
        b.push(" and g.dimension = ");
        b.bind(Arg::Str(d.to_string()));
    }
    if let Some(a) = after {
        b.push(" and g.group_id > ");
        b.bind(Arg::I64(a));
    }
    b.push(" order by g.group_id limit ");
    b.bind(Arg::I64(limit));
    b.finish(sqlite)
}

/// Applies a patch; `None` when there is no such group.
pub async fn update(
    tx: &mut Tx,
    tenant: TenantId,
    id: GroupId,
    p: &GroupPatch,
) -> Result<Option<Group>> {
    let mut b = SqlBuf::new("update chat_group set updated_at_ms = ");
    b.bind(Arg::I64(now_ms()));
    let set = |b: &mut SqlBuf, col: &str, a: Arg| {
        b.push(", ").push(col).push(" = ");
        b.bind(a);
    };
    if let Some(v) = &p.name {
        set(&mut b, "name", Arg::Str(v.clone()))
    }
    if let Some(v) = p.dimension {
        set(&mut b, "dimension", Arg::Str(v.as_str().into()))
    }
    if let Some(v) = &p.theme {
        set(&mut b, "theme", Arg::OptStr(v.clone()))
    }
    if let Some(v) = &p.rules {
        set(&mut b, "rules", Arg::OptStr(v.clone()))
    }
    if let Some(v) = p.capacity_hard {
        set(&mut b, "capacity_hard", Arg::I64(v))
    }
    if let Some(v) = p.capacity_advised {
        set(&mut b, "capacity_advised", Arg::I64(v))
    }
    if let Some(v) = &p.external_chat_id {
        set(&mut b, "external_chat_id", Arg::OptStr(v.clone()))
    }
    b.push(" where tenant_id = ");
    b.bind(Arg::I64(tenant.0));
    b.push(" and group_id = ");
    b.bind(Arg::I64(id.0));
    let (sql, args) = b.finish(tx.is_sqlite());
    let r = on_tx!(tx, c => bind_args!(sqlx::query(sqlx::AssertSqlSafe(sql)), args).execute(c).await.map(|r| r.rows_affected()))?;
    if r == 0 {
        return Ok(None);
    }
    get_tx(tx, tenant, id).await
}

/// Details of a join.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct JoinInfo {
    /// Role in the group.
    pub role: Option<GroupRole>,
    /// How they came in (poster, partner_shop, referral, qr, invite…).
    pub join_scene: Option<String>,
    /// Who invited them.
    pub inviter: Option<MemberId>,
}

/// Records a join at `at_ms`: membership (re)opened, history appended. Idempotent for a
/// member already in the group (only the history grows).
pub async fn join(
    tx: &mut Tx,
    tenant: TenantId,
    group: GroupId,
    member: MemberId,
    info: &JoinInfo,
    at_ms: i64,
) -> Result<()> {
    let change = Change::Join {
        role: info.role.unwrap_or(GroupRole::Member),
        join_scene: info.join_scene.clone(),
        inviter: info.inviter,
    };
    let dated = Dated {
        group,
        member,
        at_ms,
        change,
    };
    crate::membership::apply(tx, tenant, &[dated]).await
}

/// Records a leave at `at_ms`.
pub async fn leave(
    tx: &mut Tx,
    tenant: TenantId,
    group: GroupId,
    member: MemberId,
    at_ms: i64,
) -> Result<()> {
    let dated = Dated {
        group,
        member,
        at_ms,
        change: Change::Leave,
    };
    crate::membership::apply(tx, tenant, &[dated]).await
}

/// Changes a current member's role; false when they are not in the group.
pub async fn set_role(
    tx: &mut Tx,
    tenant: TenantId,
    group: GroupId,
    member: MemberId,
    role: GroupRole,
) -> Result<bool> {
    let now = now_ms();
    let r = on_tx!(tx, c => sqlx::query("update group_membership set role = $4 where tenant_id = $1 and group_id = $2 and member_id = $3 and left_at_ms is null")
        .bind(tenant.0).bind(group.0).bind(member.0).bind(role.as_str()).execute(&mut *c).await.map(|r| r.rows_affected()))?;
    if r == 0 {
        return Ok(false);
    }
    on_tx!(tx, c => sqlx::query("insert into membership_change (tenant_id, group_id, member_id, change, role, at_ms) values ($1, $2, $3, 'role', $4, $5)")
        .bind(tenant.0).bind(group.0).bind(member.0).bind(role.as_str()).bind(now).execute(c).await.map(|r| r.rows_affected()))?;
    Ok(true)
}

/// A current member of a group, with their name.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct GroupMember {
    /// Member id.
    pub member_id: i64,
    /// Member name.
    pub name: String,
    /// Role in the group.
    pub role: String,
    /// When they joined.
    pub joined_at_ms: i64,
    /// How they joined.
    pub join_scene: Option<String>,
    /// Who invited them.
    pub inviter_member_id: Option<i64>,
}

/// A page of a group's current members: `$1` tenant, `$2` group, `$3` the member-id cursor,
/// `$4` limit; on the membership's primary key in its order.
pub(crate) const MEMBERS: &str = "select gm.member_id, m.name, gm.role, gm.joined_at_ms, gm.join_scene, gm.inviter_member_id
    from group_membership gm join member m on m.member_id = gm.member_id and m.tenant_id = gm.tenant_id
    where gm.tenant_id = $1 and gm.group_id = $2 and gm.left_at_ms is null and gm.member_id > $3
    order by gm.member_id limit $4";

/// Current members of a group by member id, after a member-id cursor.
pub async fn members(
    db: &Db,
    tenant: TenantId,
    group: GroupId,
    after: Option<i64>,
    limit: i64,
) -> Result<Vec<GroupMember>> {
    on_pool!(db, p => sqlx::query_as::<_, GroupMember>(MEMBERS)
        .bind(tenant.0).bind(group.0).bind(after.unwrap_or(0)).bind(limit).fetch_all(p).await.map_err(Into::into))
}

/// Archives the group (`at` the time) or brings it back (`None`); `None` when there is no
/// such group.
pub async fn set_archived(
    tx: &mut Tx,
    tenant: TenantId,
    id: GroupId,
    at: Option<i64>,
) -> Result<Option<Group>> {
    on_tx!(tx, c => sqlx::query("update chat_group set archived_at_ms = $3, updated_at_ms = $4 where tenant_id = $1 and group_id = $2")
        .bind(tenant.0).bind(id.0).bind(at).bind(now_ms()).execute(c).await.map(|_| ()))?;
    let sql = format!("{SELECT} where g.tenant_id = $1 and g.group_id = $2");
    on_tx!(tx, c => sqlx::query_as::<_, Group>(sqlx::AssertSqlSafe(sql)).bind(tenant.0).bind(id.0).fetch_optional(c).await.map_err(Into::into))
}

/// A group's current size, hard capacity and archive time, read in `tx` after locking the
/// group's row (on PostgreSQL; SQLite's write transactions are serial already), so a join
/// decided on them cannot race another: `None` when there is no such group.
pub async fn lock_for_join(
    tx: &mut Tx,
    tenant: TenantId,
    group: GroupId,
) -> Result<Option<(i64, i64, Option<i64>)>> {
    let lock = if tx.is_sqlite() { "" } else { " for update" };
    let sql = format!(
        "select capacity_hard, archived_at_ms from chat_group where tenant_id = $1 and group_id = $2{lock}"
    );
    let row: Option<(i64, Option<i64>)> = on_tx!(tx, c => sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(tenant.0).bind(group.0).fetch_optional(c).await)?;
    let Some((hard, archived)) = row else {
        return Ok(None);
    };
    let size: i64 = on_tx!(tx, c => sqlx::query_scalar(
        "select count(*) from group_membership where tenant_id = $1 and group_id = $2 and left_at_ms is null")
        .bind(tenant.0).bind(group.0).fetch_one(c).await)?;
    Ok(Some((size, hard, archived)))
}

/// The ids of a group's current members.
pub async fn member_ids(db: &Db, tenant: TenantId, group: GroupId) -> Result<Vec<i64>> {
    on_pool!(db, p => sqlx::query_scalar::<_, i64>(
        "select member_id from group_membership where tenant_id = $1 and group_id = $2 and left_at_ms is null")
        .bind(tenant.0).bind(group.0).fetch_all(p).await.map_err(Into::into))
}

/// Count of current members by role.
pub async fn role_counts(db: &Db, tenant: TenantId, group: GroupId) -> Result<Vec<(String, i64)>> {
    on_pool!(db, p => sqlx::query_as::<_, (String, i64)>(
        "select role, count(*) from group_membership where tenant_id = $1 and group_id = $2 and left_at_ms is null group by role order by role")
        .bind(tenant.0).bind(group.0).fetch_all(p).await.map_err(Into::into))
}

/// A member's current groups with their role.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct MemberGroup {
    /// Group.
    pub group_id: i64,
    /// Group name.
    pub name: String,
    /// Role.
    pub role: String,
    /// Joined.
    pub joined_at_ms: i64,
}

/// The groups a member is currently in.
pub async fn groups_of_member(
    db: &Db,
    tenant: TenantId,
    member: MemberId,
) -> Result<Vec<MemberGroup>> {
    on_pool!(db, p => sqlx::query_as::<_, MemberGroup>(
        "select gm.group_id, g.name, gm.role, gm.joined_at_ms from group_membership gm join chat_group g on g.group_id = gm.group_id
         where gm.tenant_id = $1 and gm.member_id = $2 and gm.left_at_ms is null order by gm.joined_at_ms")
        .bind(tenant.0).bind(member.0).fetch_all(p).await.map_err(Into::into))
}

/// Every group's id and name (no sizes), for labelling.
pub async fn names(db: &Db, tenant: TenantId) -> Result<std::collections::HashMap<i64, String>> {
    let rows: Vec<(i64, String)> = on_pool!(db, p => sqlx::query_as("select group_id, name from chat_group where tenant_id = $1")
        .bind(tenant.0).fetch_all(p).await)?;
    Ok(rows.into_iter().collect())
}

/// Of `ids`, those that are groups of the tenant (the ones known to exist without a look-up,
/// [`crate::known`]).
pub async fn existing(
    db: &Db,
    tenant: TenantId,
    ids: &[i64],
) -> Result<std::collections::HashSet<i64>> {
    crate::known::existing(db, crate::known::Kind::Group, tenant, ids).await
}

/// Ids of the groups a member is currently in, inside a transaction.
pub async fn groups_of_member_tx(
    tx: &mut Tx,
    tenant: TenantId,
    member: MemberId,
) -> Result<Vec<i64>> {
    on_tx!(tx, c => sqlx::query_scalar::<_, i64>("select group_id from group_membership where tenant_id = $1 and member_id = $2 and left_at_ms is null")
        .bind(tenant.0).bind(member.0).fetch_all(c).await.map_err(Into::into))
}
