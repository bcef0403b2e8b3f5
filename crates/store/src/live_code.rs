//! Live codes, the groups each fills, the seats scans hold in them, and groups' own QR images.

use quanzi_domain::live_code::NewLiveCode;
use quanzi_domain::{GroupId, MemberId, TenantId};

use crate::{Db, Result, Tx, on_pool, on_tx};

mod routing;

pub use routing::{
    PoolStamp, RoomRow, Stamp, add_opened, hold, lock, pool as pool_tx, pool_stamp, qr_valid_until,
    rooms, seat, served_since, stamp,
};

/// A live code as stored (rules, staff and tags as JSON text).
#[derive(Debug, Clone, sqlx::FromRow, PartialEq, Eq)]
pub struct LiveCode {
    /// Id.
    pub live_code_id: i64,
    /// URL slug.
    pub slug: String,
    /// Name.
    pub name: String,
    /// Kind.
    pub kind: String,
    /// Store.
    pub store: Option<String>,
    /// Template group.
    pub template_group_id: Option<i64>,
    /// Lead gift.
    pub gift_id: Option<i64>,
    /// Two-question form (0/1).
    pub ask: i64,
    /// Routing rules, JSON.
    pub rules: String,
    /// Staff, JSON.
    pub staff: String,
    /// Backup staff.
    pub backup_staff: Option<String>,
    /// Welcome message.
    pub welcome: Option<String>,
    /// Auto tags, JSON.
    pub auto_tags: String,
    /// WeCom contact-way or join-way config id.
    pub wecom_config_id: Option<String>,
    /// WeCom's QR for it.
    pub wecom_qr_url: Option<String>,
    /// When archived.
    pub archived_at_ms: Option<i64>,
    /// Created.
    pub created_at_ms: i64,
    /// Changed.
    pub updated_at_ms: i64,
}

const COLS: &str = "live_code_id, slug, name, kind, store, template_group_id, gift_id, ask, rules, staff, backup_staff, welcome, auto_tags, wecom_config_id, wecom_qr_url, archived_at_ms, created_at_ms, updated_at_ms";

fn json<T: serde::Serialize>(v: &T) -> String {
    serde_json::to_string(v).unwrap_or_else(|_| "[]".into())
}

/// Creates a code with its pool of groups.
pub async fn create(tx: &mut Tx, tenant: TenantId, c: &NewLiveCode, now: i64) -> Result<LiveCode> {
    let sql = format!("insert into live_code (tenant_id, slug, name, kind, store, template_group_id, gift_id, ask, rules, staff,
        backup_staff, welcome, auto_tags, created_at_ms, updated_at_ms)
        values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $14) returning {COLS}");
    let row = on_tx!(tx, k => sqlx::query_as::<_, LiveCode>(sqlx::AssertSqlSafe(sql)).bind(tenant.0).bind(&c.slug).bind(&c.name)
        .bind(c.kind.as_str()).bind(&c.store).bind(c.template_group_id.map(|g| g.0)).bind(c.gift_id).bind(i64::from(c.ask))
        .bind(json(&c.rules)).bind(json(&c.staff)).bind(&c.backup_staff).bind(&c.welcome).bind(json(&c.auto_tags)).bind(now)
        .fetch_one(k).await)?;
    set_pool(tx, tenant, row.live_code_id, &c.group_ids).await?;
    Ok(row)
}

/// Replaces a code's settings and pool; groups it opened itself stay in its pool. Its
/// `updated_at_ms` moves on even within one millisecond: a scan tells the code's versions
/// apart by it ([`Stamp`]).
pub async fn update(
    tx: &mut Tx,
    tenant: TenantId,
    id: i64,
    c: &NewLiveCode,
    now: i64,
) -> Result<Option<LiveCode>> {
    let sql = format!("update live_code set slug = $3, name = $4, kind = $5, store = $6, template_group_id = $7, gift_id = $8,
        ask = $9, rules = $10, staff = $11, backup_staff = $12, welcome = $13, auto_tags = $14,
        updated_at_ms = case when updated_at_ms >= $15 then updated_at_ms + 1 else $15 end
        where tenant_id = $1 and live_code_id = $2 returning {COLS}");
    let row = on_tx!(tx, k => sqlx::query_as::<_, LiveCode>(sqlx::AssertSqlSafe(sql)).bind(tenant.0).bind(id).bind(&c.slug).bind(&c.name)
        .bind(c.kind.as_str()).bind(&c.store).bind(c.template_group_id.map(|g| g.0)).bind(c.gift_id).bind(i64::from(c.ask))
        .bind(json(&c.rules)).bind(json(&c.staff)).bind(&c.backup_staff).bind(&c.welcome).bind(json(&c.auto_tags)).bind(now)
        .fetch_optional(k).await)?;
    if row.is_some() {
        on_tx!(tx, k => sqlx::query("delete from live_code_group where tenant_id = $1 and live_code_id = $2 and opened_at_ms is null")
            .bind(tenant.0).bind(id).execute(k).await.map(|_| ()))?;
        set_pool(tx, tenant, id, &c.group_ids).await?;
    }
    Ok(row)
}

async fn set_pool(tx: &mut Tx, tenant: TenantId, code: i64, groups: &[GroupId]) -> Result<()> {
    for (i, g) in groups.iter().enumerate() {
        on_tx!(tx, k => sqlx::query("insert into live_code_group (tenant_id, live_code_id, group_id, position) values ($1, $2, $3, $4)
            on conflict (tenant_id, live_code_id, group_id) do update set position = excluded.position")
            .bind(tenant.0).bind(code).bind(g.0).bind(i as i64).execute(k).await.map(|_| ()))?;
    }
    Ok(())
}

/// A code by id.
pub async fn get(db: &Db, tenant: TenantId, id: i64) -> Result<Option<LiveCode>> {
    let sql = format!("select {COLS} from live_code where tenant_id = $1 and live_code_id = $2");
    on_pool!(db, p => sqlx::query_as::<_, LiveCode>(sqlx::AssertSqlSafe(sql)).bind(tenant.0).bind(id).fetch_optional(p).await.map_err(Into::into))
}

/// A code by id, in a transaction.
pub async fn get_tx(tx: &mut Tx, tenant: TenantId, id: i64) -> Result<Option<LiveCode>> {
    let sql = format!("select {COLS} from live_code where tenant_id = $1 and live_code_id = $2");
    on_tx!(tx, k => sqlx::query_as::<_, LiveCode>(sqlx::AssertSqlSafe(sql)).bind(tenant.0).bind(id).fetch_optional(k).await.map_err(Into::into))
}

/// A code by its slug.
pub async fn by_slug(db: &Db, tenant: TenantId, slug: &str) -> Result<Option<LiveCode>> {
    let sql = format!("select {COLS} from live_code where tenant_id = $1 and slug = $2");
    on_pool!(db, p => sqlx::query_as::<_, LiveCode>(sqlx::AssertSqlSafe(sql)).bind(tenant.0).bind(slug).fetch_optional(p).await.map_err(Into::into))
}

/// Every code of the tenant, newest first.
pub async fn list(db: &Db, tenant: TenantId) -> Result<Vec<LiveCode>> {
    let sql = format!(
        "select {COLS} from live_code where tenant_id = $1 order by live_code_id desc limit 500"
    );
    on_pool!(db, p => sqlx::query_as::<_, LiveCode>(sqlx::AssertSqlSafe(sql)).bind(tenant.0).fetch_all(p).await.map_err(Into::into))
}

/// Archives a code or brings it back.
pub async fn set_archived(
    tx: &mut Tx,
    tenant: TenantId,
    id: i64,
    at: Option<i64>,
    now: i64,
) -> Result<bool> {
    let n = on_tx!(tx, k => sqlx::query("update live_code set archived_at_ms = $3,
        updated_at_ms = case when updated_at_ms >= $4 then updated_at_ms + 1 else $4 end where tenant_id = $1 and live_code_id = $2")
        .bind(tenant.0).bind(id).bind(at).bind(now).execute(k).await.map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

/// Records WeCom's config id and QR for the code.
pub async fn set_wecom(
    tx: &mut Tx,
    tenant: TenantId,
    id: i64,
    config_id: &str,
    qr_url: Option<&str>,
) -> Result<()> {
    on_tx!(tx, k => sqlx::query("update live_code set wecom_config_id = $3, wecom_qr_url = $4 where tenant_id = $1 and live_code_id = $2")
        .bind(tenant.0).bind(id).bind(config_id).bind(qr_url).execute(k).await.map(|_| ()).map_err(Into::into))
}

/// Whether a live code with a WeCom join way fills `group`.
pub async fn has_join_way(tx: &mut Tx, tenant: TenantId, group: GroupId) -> Result<bool> {
    let n: i64 = on_tx!(tx, k => sqlx::query_scalar("select count(*) from live_code_group p join live_code c
        on c.tenant_id = p.tenant_id and c.live_code_id = p.live_code_id
        where p.tenant_id = $1 and p.group_id = $2 and c.wecom_config_id is not null and c.kind <> 'staff'")
        .bind(tenant.0).bind(group.0).fetch_one(k).await)?;
    Ok(n > 0)
}

/// A group of a code's pool: (group, position, opened by the code at).
pub async fn pool(db: &Db, tenant: TenantId, code: i64) -> Result<Vec<(i64, i64, Option<i64>)>> {
    on_pool!(db, p => sqlx::query_as("select group_id, position, opened_at_ms from live_code_group where tenant_id = $1 and live_code_id = $2 order by position")
        .bind(tenant.0).bind(code).fetch_all(p).await.map_err(Into::into))
}

/// The pools of every code of the tenant: (code, group), in each code's order.
pub async fn pools(db: &Db, tenant: TenantId) -> Result<Vec<(i64, i64)>> {
    on_pool!(db, p => sqlx::query_as("select live_code_id, group_id from live_code_group where tenant_id = $1 order by live_code_id, position")
        .bind(tenant.0).fetch_all(p).await.map_err(Into::into))
}

/// A member's seat in a code.
#[derive(Debug, Clone, sqlx::FromRow, PartialEq, Eq)]
pub struct Seat {
    /// The group held, none for a staff code or when every group was full.
    pub group_id: Option<i64>,
    /// The staff member chosen by a staff code.
    pub staff_userid: Option<String>,
    /// Scanned.
    pub scanned_at_ms: i64,
    /// Held until.
    pub expires_at_ms: i64,
    /// When the member joined the group.
    pub joined_at_ms: Option<i64>,
    /// The referral programme whose share link brought them.
    pub program_id: Option<i64>,
    /// Who shared that link.
    pub inviter_member_id: Option<i64>,
    /// The visitor's network (/24), for the fraud guards.
    pub network: Option<String>,
}

pub(crate) const SEAT_COLS: &str = "group_id, staff_userid, scanned_at_ms, expires_at_ms, joined_at_ms, program_id, inviter_member_id, network";

/// Marks the member's seats in `group` joined; answers the codes whose seat it was.
pub async fn joined(
    tx: &mut Tx,
    tenant: TenantId,
    member: MemberId,
    group: GroupId,
    now: i64,
) -> Result<Vec<i64>> {
    on_tx!(tx, k => sqlx::query_scalar("update live_code_seat set joined_at_ms = $4
        where tenant_id = $1 and member_id = $2 and group_id = $3 and joined_at_ms is null returning live_code_id")
        .bind(tenant.0).bind(member.0).bind(group.0).bind(now).fetch_all(k).await.map_err(Into::into))
}
