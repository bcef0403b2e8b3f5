//! Members listed by a filter: the page on the member key, the ids of a segment, the count.

use quanzi_domain::TenantId;

use super::{COLS, Member, MemberRow};
use crate::{Arg, Db, Result, SqlBuf, bind_args, on_pool};

pub use quanzi_domain::query::MemberFilter;

/// The `select … where` of a member filter, before paging.
fn filtered(select: &str, tenant: TenantId, f: &MemberFilter) -> SqlBuf {
    let mut b = SqlBuf::new(&format!("select {select} from member m where tenant_id = "));
    b.bind(Arg::I64(tenant.0));
    b.push(" and merged_into is null");
    if let Some(q) = &f.q {
        let like = format!(
            "%{}%",
            q.replace('\\', "\\\\")
                .replace('%', "\\%")
                .replace('_', "\\_")
        );
        b.push(" and (name like ");
        b.bind(Arg::Str(like.clone()));
        for col in ["phone", "external_userid", "unionid"] {
            b.push(" escape '\\' or ").push(col).push(" like ");
            b.bind(Arg::Str(like.clone()));
        }
        b.push(" escape '\\')");
    }
    for (col, v) in [
        ("district", &f.district),
        ("gender", &f.gender),
        ("spending_tier", &f.spending_tier),
        ("lifecycle_stage", &f.lifecycle_stage),
        ("source_channel", &f.source_channel),
    ] {
        if let Some(v) = v {
            b.push(" and ").push(col).push(" = ");
            b.bind(Arg::Str(v.clone()));
        }
    }
    if let Some(t) = f.tag_id {
        b.push(" and exists (select 1 from member_tag mt where mt.tenant_id = m.tenant_id and mt.member_id = m.member_id and mt.tag_id = ");
        b.bind(Arg::I64(t.0));
        b.push(")");
    }
    if let Some(g) = f.group_id {
        b.push(" and exists (select 1 from group_membership gm where gm.tenant_id = m.tenant_id and gm.member_id = m.member_id and gm.left_at_ms is null and gm.group_id = ");
        b.bind(Arg::I64(g.0));
        b.push(")");
    }
    if let Some(ids) = &f.ids {
        b.push(" and member_id in (");
        if ids.is_empty() {
            b.push("null");
        }
        for (i, id) in ids.iter().enumerate() {
            if i > 0 {
                b.push(", ");
            }
            b.bind(Arg::I64(id.0));
        }
        b.push(")");
    }
    if let Some(a) = f.after {
        b.push(" and member_id > ");
        b.bind(Arg::I64(a));
    }
    if let Some(x) = f.before {
        b.push(" and member_id < ");
        b.bind(Arg::I64(x));
    }
    b
}

/// Lists members by ascending id; merged members are left out.
pub async fn list(db: &Db, tenant: TenantId, f: &MemberFilter) -> Result<Vec<Member>> {
    let (sql, args) = list_query(tenant, f, db.is_sqlite());
    let rows: Vec<MemberRow> = on_pool!(db, p => bind_args!(sqlx::query_as(sqlx::AssertSqlSafe(sql)), args).fetch_all(p).await)?;
    let mut out: Vec<Member> = rows.into_iter().map(Into::into).collect();
    // A page before a cursor is read backwards from it; it is listed forwards.
    if f.before.is_some() {
        out.reverse();
    }
    Ok(out)
}

/// The statement and arguments of a page of [`list`]: on the key `member_pkey` in its order.
pub(crate) fn list_query(tenant: TenantId, f: &MemberFilter, sqlite: bool) -> (String, Vec<Arg>) {
    let mut b = filtered(COLS, tenant, f);
    let order = if f.before.is_some() { " desc" } else { "" };
    b.push(" order by member_id").push(order).push(" limit ");
    b.bind(Arg::I64(f.limit));
    b.finish(sqlite)
}

/// The ids of every member the filter keeps (a segment), ignoring `limit`.
pub async fn ids(db: &Db, tenant: TenantId, f: &MemberFilter) -> Result<Vec<i64>> {
    let (sql, args) = filtered("member_id", tenant, f).finish(db.is_sqlite());
    on_pool!(db, p => bind_args!(sqlx::query_scalar::<_, i64>(sqlx::AssertSqlSafe(sql)), args).fetch_all(p).await.map_err(Into::into))
}

/// Counts the members the filter keeps, ignoring the cursor and `limit`.
pub async fn count_matching(db: &Db, tenant: TenantId, f: &MemberFilter) -> Result<i64> {
    let f = MemberFilter {
        after: None,
        before: None,
        ..f.clone()
    };
    let (sql, args) = filtered("count(*)", tenant, &f).finish(db.is_sqlite());
    on_pool!(db, p => bind_args!(sqlx::query_scalar::<_, i64>(sqlx::AssertSqlSafe(sql)), args).fetch_one(p).await.map_err(Into::into))
}
