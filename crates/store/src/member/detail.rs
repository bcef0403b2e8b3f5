//! A member with their tags and current groups in one statement: the API's member read is its
//! hottest read, and as three statements it took three turns on the read pool.

use quanzi_domain::{MemberId, TenantId};

use super::{COLS, Member, MemberRow};
use crate::group::MemberGroup;
use crate::tag::Tag;
use crate::{Db, Result, StoreError, on_pool};

#[derive(sqlx::FromRow)]
struct DetailRow {
    #[sqlx(flatten)]
    member: MemberRow,
    tags: String,
    groups: String,
}

/// The member's tags and current groups as JSON arrays, ordered as [`crate::tag::of_member`]
/// and [`crate::group::groups_of_member`] order them: `agg(object, order)` is the backend's
/// ordered JSON aggregate.
fn statement(agg: fn(&str, &str) -> String, object: &str) -> String {
    let tags = agg(
        &format!(
            "{object}('tag_id', t.tag_id, 'tag_group_id', t.tag_group_id, 'group_name', g.name, 'name', t.name)"
        ),
        "g.name, t.name",
    );
    let groups = agg(
        &format!(
            "{object}('group_id', gm.group_id, 'name', cg.name, 'role', gm.role, 'joined_at_ms', gm.joined_at_ms)"
        ),
        "gm.joined_at_ms",
    );
    format!(
        "select {COLS},
            (select {tags} from member_tag mt
                join tag t on t.tag_id = mt.tag_id and t.tenant_id = mt.tenant_id
                join tag_group g on g.tag_group_id = t.tag_group_id and g.tenant_id = t.tenant_id
              where mt.tenant_id = m.tenant_id and mt.member_id = m.member_id) as tags,
            (select {groups} from group_membership gm
                join chat_group cg on cg.group_id = gm.group_id and cg.tenant_id = gm.tenant_id
              where gm.tenant_id = m.tenant_id and gm.member_id = m.member_id and gm.left_at_ms is null) as groups
         from member m where m.tenant_id = $1 and m.member_id = $2"
    )
}

/// The member with their tags and current groups; `None` when the tenant has no such member.
pub async fn detail(
    db: &Db,
    tenant: TenantId,
    id: MemberId,
) -> Result<Option<(Member, Vec<Tag>, Vec<MemberGroup>)>> {
    let sql = match db {
        Db::Sqlite(..) => statement(
            |v, order| format!("json_group_array({v} order by {order})"),
            "json_object",
        ),
        Db::Postgres(..) => statement(
            |v, order| format!("coalesce(json_agg({v} order by {order}), '[]')::text"),
            "json_build_object",
        ),
    };
    let row: Option<DetailRow> = on_pool!(db, p => sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(tenant.0).bind(id.0).fetch_optional(p).await)?;
    let Some(row) = row else {
        return Ok(None);
    };
    let decode = |e: serde_json::Error| StoreError::Db(sqlx::Error::Decode(Box::new(e)));
    let tags = serde_json::from_str(&row.tags).map_err(decode)?;
    let groups = serde_json::from_str(&row.groups).map_err(decode)?;
    Ok(Some((row.member.into(), tags, groups)))
}
