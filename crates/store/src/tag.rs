//! Tags in tag groups, and which members carry them.

use quanzi_domain::tag::TagName;
use quanzi_domain::{MemberId, TagId, TenantId};

use crate::{Db, Result, Tx, on_pool, on_tx};

/// A tag with its group's name.
#[derive(Debug, Clone, sqlx::FromRow, PartialEq, Eq)]
pub struct Tag {
    /// Id.
    pub tag_id: i64,
    /// Tag group id.
    pub tag_group_id: i64,
    /// Tag group name.
    pub group_name: String,
    /// Tag name.
    pub name: String,
}

/// Finds or creates the tag (and its group); returns its id.
pub async fn ensure(tx: &mut Tx, tenant: TenantId, t: &TagName) -> Result<TagId> {
    let group_id: i64 = on_tx!(tx, c => {
        sqlx::query("insert into tag_group (tenant_id, name) values ($1, $2) on conflict do nothing")
            .bind(tenant.0).bind(&t.group).execute(&mut *c).await.map(|r| r.rows_affected())?;
        sqlx::query_scalar("select tag_group_id from tag_group where tenant_id = $1 and name = $2")
            .bind(tenant.0).bind(&t.group).fetch_one(&mut *c).await
    })?;
    let id: i64 = on_tx!(tx, c => {
        sqlx::query("insert into tag (tenant_id, tag_group_id, name) values ($1, $2, $3) on conflict do nothing")
            .bind(tenant.0).bind(group_id).bind(&t.name).execute(&mut *c).await.map(|r| r.rows_affected())?;
        sqlx::query_scalar("select tag_id from tag where tenant_id = $1 and tag_group_id = $2 and name = $3")
            .bind(tenant.0).bind(group_id).bind(&t.name).fetch_one(&mut *c).await
    })?;
    Ok(TagId(id))
}

const TAG_SELECT: &str = "select t.tag_id, t.tag_group_id, g.name as group_name, t.name from tag t
    join tag_group g on g.tag_group_id = t.tag_group_id and g.tenant_id = t.tenant_id";

/// All the tenant's tags, by group then name.
pub async fn list(db: &Db, tenant: TenantId) -> Result<Vec<Tag>> {
    let sql = format!("{TAG_SELECT} where t.tenant_id = $1 order by g.name, t.name");
    on_pool!(db, p => sqlx::query_as::<_, Tag>(sqlx::AssertSqlSafe(sql)).bind(tenant.0).fetch_all(p).await.map_err(Into::into))
}

/// The tags a member carries.
pub async fn of_member(db: &Db, tenant: TenantId, member: MemberId) -> Result<Vec<Tag>> {
    let sql = format!(
        "{TAG_SELECT} join member_tag mt on mt.tag_id = t.tag_id and mt.tenant_id = t.tenant_id
        where t.tenant_id = $1 and mt.member_id = $2 order by g.name, t.name"
    );
    on_pool!(db, p => sqlx::query_as::<_, Tag>(sqlx::AssertSqlSafe(sql)).bind(tenant.0).bind(member.0).fetch_all(p).await.map_err(Into::into))
}

/// Puts tag `tag` on every member in `members` (already checked to be the tenant's).
/// Returns how many taggings were new.
pub async fn tag_members(
    tx: &mut Tx,
    tenant: TenantId,
    tag: TagId,
    members: &[MemberId],
) -> Result<u64> {
    each_member(tx, "insert into member_tag (tenant_id, member_id, tag_id) values ($1, $2, $3) on conflict do nothing", tenant, tag, members).await
}

/// Removes tag `tag` from every member in `members`; returns how many were removed.
pub async fn untag_members(
    tx: &mut Tx,
    tenant: TenantId,
    tag: TagId,
    members: &[MemberId],
) -> Result<u64> {
    each_member(
        tx,
        "delete from member_tag where tenant_id = $1 and member_id = $2 and tag_id = $3",
        tenant,
        tag,
        members,
    )
    .await
}

async fn each_member(
    tx: &mut Tx,
    sql: &'static str,
    tenant: TenantId,
    tag: TagId,
    members: &[MemberId],
) -> Result<u64> {
    let mut n = 0;
    for m in members {
        n += on_tx!(tx, c => sqlx::query(sql).bind(tenant.0).bind(m.0).bind(tag.0).execute(c).await.map(|r| r.rows_affected()))?;
    }
    Ok(n)
}

/// Finds a tag of the tenant by id.
pub async fn get(db: &Db, tenant: TenantId, tag: TagId) -> Result<Option<Tag>> {
    let sql = format!("{TAG_SELECT} where t.tenant_id = $1 and t.tag_id = $2");
    on_pool!(db, p => sqlx::query_as::<_, Tag>(sqlx::AssertSqlSafe(sql)).bind(tenant.0).bind(tag.0).fetch_optional(p).await.map_err(Into::into))
}
