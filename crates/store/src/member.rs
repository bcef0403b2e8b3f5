//! Members: create, patch, get, filtered cursor listing, merging.

use quanzi_domain::member::{MemberPatch, NewMember};
use quanzi_domain::{MemberId, TenantId};

mod listing;
mod merge;
mod on;

pub(crate) use listing::list_query;
pub use listing::{MemberFilter, count_matching, ids, list};
pub use merge::merge;
pub use on::{create_on, set_source_on};

use crate::timeline::{self, Axis};
use crate::{Arg, Db, Result, SqlBuf, Tx, bind_args, now_ms, on_pool, on_tx};

/// A member as stored and served.
#[derive(Debug, Clone, PartialEq)]
pub struct Member {
    /// Id.
    pub member_id: i64,
    /// Tenant.
    pub tenant_id: i64,
    /// Display name.
    pub name: String,
    /// unknown, female or male.
    pub gender: String,
    /// District.
    pub district: Option<String>,
    /// Interests.
    pub interests: Vec<String>,
    /// none, low, mid, high or vip.
    pub spending_tier: String,
    /// Lifecycle stage.
    pub lifecycle_stage: String,
    /// Acquisition channel.
    pub source_channel: Option<String>,
    /// WeCom external_userid.
    pub external_userid: Option<String>,
    /// WeChat unionid.
    pub unionid: Option<String>,
    /// Phone; masked (`138****5678`) for viewers and read-only API keys.
    pub phone: Option<String>,
    /// Custom field values.
    pub custom: serde_json::Value,
    /// Set when this member was merged into another.
    pub merged_into: Option<i64>,
    /// Creation time.
    pub created_at_ms: i64,
    /// Last change.
    pub updated_at_ms: i64,
}

#[derive(sqlx::FromRow)]
struct MemberRow {
    member_id: i64,
    tenant_id: i64,
    name: String,
    gender: String,
    district: Option<String>,
    interests: String,
    spending_tier: String,
    lifecycle_stage: String,
    source_channel: Option<String>,
    external_userid: Option<String>,
    unionid: Option<String>,
    phone: Option<String>,
    custom: String,
    merged_into: Option<i64>,
    created_at_ms: i64,
    updated_at_ms: i64,
}

impl From<MemberRow> for Member {
    fn from(r: MemberRow) -> Self {
        Member {
            member_id: r.member_id,
            tenant_id: r.tenant_id,
            name: r.name,
            gender: r.gender,
            district: r.district,
            interests: serde_json::from_str(&r.interests).unwrap_or_default(),
            spending_tier: r.spending_tier,
            lifecycle_stage: r.lifecycle_stage,
            source_channel: r.source_channel,
            external_userid: r.external_userid,
            unionid: r.unionid,
            phone: r.phone,
            custom: serde_json::from_str(&r.custom)
                .unwrap_or(serde_json::Value::Object(Default::default())),
            merged_into: r.merged_into,
            created_at_ms: r.created_at_ms,
            updated_at_ms: r.updated_at_ms,
        }
    }
}

const COLS: &str = "member_id, tenant_id, name, gender, district, interests, spending_tier, lifecycle_stage, \
    source_channel, external_userid, unionid, phone, custom, merged_into, created_at_ms, updated_at_ms";

fn insert_args(tenant: TenantId, m: &NewMember, created_at_ms: i64) -> Vec<Arg> {
    vec![
        Arg::I64(tenant.0),
        Arg::Str(m.name.clone()),
        Arg::Str(m.gender.as_str().into()),
        Arg::OptStr(m.district.clone()),
        Arg::Str(serde_json::to_string(&m.interests).unwrap_or_else(|_| "[]".into())),
        Arg::Str(m.spending_tier.as_str().into()),
        Arg::Str(m.lifecycle_stage.as_str().into()),
        Arg::OptStr(m.source_channel.clone()),
        Arg::OptStr(m.external.external_userid.clone()),
        Arg::OptStr(m.external.unionid.clone()),
        Arg::OptStr(m.external.phone.clone()),
        Arg::Str(serde_json::to_string(&m.custom).unwrap_or_else(|_| "{}".into())),
        Arg::I64(created_at_ms),
    ]
}

const INSERT_HEAD: &str = "insert into member (tenant_id, name, gender, district, interests, spending_tier, lifecycle_stage, \
    source_channel, external_userid, unionid, phone, custom, created_at_ms, updated_at_ms) values ";

/// The insert of one member (`$1` tenant … `$13` created and updated at), answering
/// `returning`.
pub(crate) fn insert_one(returning: &str) -> String {
    format!(
        "{INSERT_HEAD}($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $13) returning {returning}"
    )
}

/// Creates a member.
pub async fn create(tx: &mut Tx, tenant: TenantId, m: &NewMember) -> Result<Member> {
    create_at(tx, tenant, m, now_ms()).await
}

/// Creates a member with a given creation time (imports and the demo keep history).
pub async fn create_at(
    tx: &mut Tx,
    tenant: TenantId,
    m: &NewMember,
    created_at_ms: i64,
) -> Result<Member> {
    let sql = insert_one(COLS);
    let row: MemberRow = on_tx!(tx, c => bind_args!(sqlx::query_as(sqlx::AssertSqlSafe(sql)), insert_args(tenant, m, created_at_ms)).fetch_one(c).await)?;
    Ok(row.into())
}

/// Creates many members in few statements; returns their ids in input order.
pub async fn create_many(
    tx: &mut Tx,
    tenant: TenantId,
    members: &[(NewMember, i64)],
) -> Result<Vec<MemberId>> {
    let mut ids = Vec::with_capacity(members.len());
    for chunk in members.chunks(500) {
        let mut b = SqlBuf::new(INSERT_HEAD);
        for (i, (m, at)) in chunk.iter().enumerate() {
            b.push(if i == 0 { "(" } else { ", (" });
            let args = insert_args(tenant, m, *at);
            for (j, a) in args.into_iter().enumerate() {
                if j > 0 {
                    b.push(", ");
                }
                b.bind(a);
            }
            // updated_at starts equal to created_at
            b.push(", ").bind(Arg::I64(*at)).push(")");
        }
        b.push(" returning member_id");
        let (sql, args) = b.finish(tx.is_sqlite());
        let mut got: Vec<i64> = on_tx!(tx, c => bind_args!(sqlx::query_scalar(sqlx::AssertSqlSafe(sql)), args).fetch_all(c).await)?;
        // RETURNING order follows VALUES order on both backends for a single insert, but sort to be safe:
        // ids are assigned in VALUES order.
        got.sort_unstable();
        ids.extend(got.into_iter().map(MemberId));
    }
    Ok(ids)
}

/// Gets a member of the tenant.
pub async fn get(db: &Db, tenant: TenantId, id: MemberId) -> Result<Option<Member>> {
    let sql = format!("select {COLS} from member where tenant_id = $1 and member_id = $2");
    let row: Option<MemberRow> = on_pool!(db, p => sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(tenant.0).bind(id.0).fetch_optional(p).await)?;
    Ok(row.map(Into::into))
}

/// Gets a member inside a transaction.
pub async fn get_tx(tx: &mut Tx, tenant: TenantId, id: MemberId) -> Result<Option<Member>> {
    let sql = format!("select {COLS} from member where tenant_id = $1 and member_id = $2");
    let row: Option<MemberRow> = on_tx!(tx, c => sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(tenant.0).bind(id.0).fetch_optional(c).await)?;
    Ok(row.map(Into::into))
}

/// Applies a patch; `None` when the member does not exist in the tenant.
pub async fn update(
    tx: &mut Tx,
    tenant: TenantId,
    id: MemberId,
    patch: &MemberPatch,
) -> Result<Option<Member>> {
    let Some(current) = get_tx(tx, tenant, id).await? else {
        return Ok(None);
    };
    let mut b = SqlBuf::new("update member set updated_at_ms = ");
    b.bind(Arg::I64(now_ms()));
    let set = |b: &mut SqlBuf, col: &str, a: Arg| {
        b.push(", ").push(col).push(" = ");
        b.bind(a);
    };
    if let Some(v) = &patch.name {
        set(&mut b, "name", Arg::Str(v.clone()))
    }
    if let Some(v) = patch.gender {
        set(&mut b, "gender", Arg::Str(v.as_str().into()))
    }
    if let Some(v) = &patch.district {
        set(&mut b, "district", Arg::OptStr(v.clone()))
    }
    if let Some(v) = &patch.interests {
        set(
            &mut b,
            "interests",
            Arg::Str(serde_json::to_string(v).unwrap_or_else(|_| "[]".into())),
        )
    }
    if let Some(v) = patch.spending_tier {
        set(&mut b, "spending_tier", Arg::Str(v.as_str().into()))
    }
    if let Some(v) = patch.lifecycle_stage {
        set(&mut b, "lifecycle_stage", Arg::Str(v.as_str().into()))
    }
    if let Some(v) = &patch.source_channel {
        set(&mut b, "source_channel", Arg::OptStr(v.clone()))
    }
    if let Some(v) = &patch.external_userid {
        set(&mut b, "external_userid", Arg::OptStr(v.clone()))
    }
    if let Some(v) = &patch.unionid {
        set(&mut b, "unionid", Arg::OptStr(v.clone()))
    }
    if let Some(v) = &patch.phone {
        set(&mut b, "phone", Arg::OptStr(v.clone()))
    }
    if let Some(v) = &patch.custom {
        let mut merged = current.custom.as_object().cloned().unwrap_or_default();
        for (k, val) in v {
            if val.is_null() {
                merged.remove(k);
            } else {
                merged.insert(k.clone(), val.clone());
            }
        }
        set(
            &mut b,
            "custom",
            Arg::Str(serde_json::Value::Object(merged).to_string()),
        );
    }
    b.push(" where tenant_id = ");
    b.bind(Arg::I64(tenant.0));
    b.push(" and member_id = ");
    b.bind(Arg::I64(id.0));
    let (sql, args) = b.finish(tx.is_sqlite());
    on_tx!(tx, c => bind_args!(sqlx::query(sqlx::AssertSqlSafe(sql)), args).execute(c).await.map(|r| r.rows_affected()))?;
    get_tx(tx, tenant, id).await
}

/// How many events name the member.
pub async fn event_count(db: &Db, tenant: TenantId, member: MemberId) -> Result<i64> {
    let sql = format!(
        "select count(*) from ({}) n",
        timeline::ids(db.is_sqlite(), Axis::Member, "$1", "$2", "")
    );
    on_pool!(db, p => sqlx::query_scalar::<_, i64>(sqlx::AssertSqlSafe(sql))
        .bind(tenant.0).bind(member.0).fetch_one(p).await.map_err(Into::into))
}

/// Counts the tenant's (unmerged) members.
pub async fn count(db: &Db, tenant: TenantId) -> Result<i64> {
    on_pool!(db, p => sqlx::query_scalar::<_, i64>("select count(*) from member where tenant_id = $1 and merged_into is null")
        .bind(tenant.0).fetch_one(p).await.map_err(Into::into))
}

/// Of `ids`, those that are members of the tenant. Reads the `(tenant_id, member_id)` key
/// alone, never the rows, and only for ids not already known to exist ([`crate::known`]): an
/// ingest batch asks for a thousand members at once.
pub async fn existing(
    db: &Db,
    tenant: TenantId,
    ids: &[i64],
) -> Result<std::collections::HashSet<i64>> {
    crate::known::existing(db, crate::known::Kind::Member, tenant, ids).await
}

/// Of `ids`, those that are members of the tenant, with their names.
pub async fn names(
    db: &Db,
    tenant: TenantId,
    ids: &[i64],
) -> Result<std::collections::HashMap<i64, String>> {
    let mut out = std::collections::HashMap::new();
    for chunk in ids.chunks(5000) {
        let sql = format!(
            "select member_id, name from member where tenant_id = $1 and member_id in ({})",
            crate::id_list(chunk)
        );
        let got: Vec<(i64, String)> = on_pool!(db, p => sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(tenant.0).fetch_all(p).await)?;
        out.extend(got);
    }
    Ok(out)
}

/// The districts the tenant's members live in, for filters.
pub async fn districts(db: &Db, tenant: TenantId) -> Result<Vec<String>> {
    on_pool!(db, p => sqlx::query_scalar::<_, String>(
        "select distinct district from member where tenant_id = $1 and district is not null and merged_into is null order by district")
        .bind(tenant.0).fetch_all(p).await.map_err(Into::into))
}
