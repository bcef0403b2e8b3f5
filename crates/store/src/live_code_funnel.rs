//! What each live code did: scans, visitors, seats and joins, and groups' own QR images
//! with their expiry.

use quanzi_domain::{GroupId, MemberId, TenantId};

use crate::{Db, Result, Tx, on_pool, on_tx};

/// A code's funnel.
#[derive(Debug, Clone, sqlx::FromRow, PartialEq, Eq, Default)]
pub struct Funnel {
    /// Code.
    pub live_code_id: i64,
    /// Visits of its landing page.
    pub scans: i64,
    /// Distinct members who visited.
    pub visitors: i64,
    /// Seats held in a group.
    pub seated: i64,
    /// Seats that turned into a join.
    pub joined: i64,
}

/// The funnel of every code of the tenant, or of code `only`; scans are the `visit` events
/// whose reference is `lc:{id}`.
pub async fn funnels(db: &Db, tenant: TenantId, only: Option<i64>) -> Result<Vec<Funnel>> {
    on_pool!(db, p => sqlx::query_as::<_, Funnel>(
        "select c.live_code_id,
            (select count(*) from event e where e.tenant_id = c.tenant_id and e.kind = 'visit' and e.reference = 'lc:' || c.live_code_id) as scans,
            (select count(distinct e.member_id) from event e where e.tenant_id = c.tenant_id and e.kind = 'visit' and e.reference = 'lc:' || c.live_code_id) as visitors,
            (select count(*) from live_code_seat s where s.tenant_id = c.tenant_id and s.live_code_id = c.live_code_id) as seated,
            (select count(*) from live_code_seat s where s.tenant_id = c.tenant_id and s.live_code_id = c.live_code_id and s.joined_at_ms is not null) as joined
         from live_code c where c.tenant_id = $1 and ($2 is null or c.live_code_id = $2) order by c.live_code_id desc")
        .bind(tenant.0).bind(only).fetch_all(p).await.map_err(Into::into))
}

/// A group's own QR image.
#[derive(Debug, Clone, sqlx::FromRow, PartialEq, Eq)]
pub struct GroupQr {
    /// Group.
    pub group_id: i64,
    /// The image.
    pub image: Vec<u8>,
    /// Its content type.
    pub content_type: String,
    /// Uploaded.
    pub uploaded_at_ms: i64,
    /// WeChat's expiry.
    pub expires_at_ms: i64,
}

/// Stores a group's QR image, replacing the previous one.
pub async fn put_qr(
    tx: &mut Tx,
    tenant: TenantId,
    group: GroupId,
    image: &[u8],
    content_type: &str,
    now: i64,
    expires_at_ms: i64,
) -> Result<()> {
    on_tx!(tx, k => sqlx::query("insert into group_qr (tenant_id, group_id, image, content_type, uploaded_at_ms, expires_at_ms) values ($1, $2, $3, $4, $5, $6)
        on conflict (tenant_id, group_id) do update set image = excluded.image, content_type = excluded.content_type,
            uploaded_at_ms = excluded.uploaded_at_ms, expires_at_ms = excluded.expires_at_ms, alerted_at_ms = null")
        .bind(tenant.0).bind(group.0).bind(image).bind(content_type).bind(now).bind(expires_at_ms).execute(k).await.map(|_| ()).map_err(Into::into))
}

/// A group's QR image when it has one that has not expired at `now`.
pub async fn live_qr(
    db: &Db,
    tenant: TenantId,
    group: GroupId,
    now: i64,
) -> Result<Option<GroupQr>> {
    on_pool!(db, p => sqlx::query_as::<_, GroupQr>("select group_id, image, content_type, uploaded_at_ms, expires_at_ms from group_qr
        where tenant_id = $1 and group_id = $2 and expires_at_ms > $3")
        .bind(tenant.0).bind(group.0).bind(now).fetch_optional(p).await.map_err(Into::into))
}

/// Whether the member holds a place in the group through some code: joined, or held and
/// not expired at `now`.
pub async fn has_place(
    db: &Db,
    tenant: TenantId,
    member: MemberId,
    group: GroupId,
    now: i64,
) -> Result<bool> {
    let n: i64 = on_pool!(db, p => sqlx::query_scalar("select count(*) from live_code_seat where tenant_id = $1 and member_id = $2
        and group_id = $3 and (joined_at_ms is not null or expires_at_ms > $4)")
        .bind(tenant.0).bind(member.0).bind(group.0).bind(now).fetch_one(p).await)?;
    Ok(n > 0)
}

/// Each group's QR expiry (expired ones included), for the operator's pages.
pub async fn qr_expiries(db: &Db, tenant: TenantId) -> Result<Vec<(i64, i64)>> {
    on_pool!(db, p => sqlx::query_as("select group_id, expires_at_ms from group_qr where tenant_id = $1")
        .bind(tenant.0).fetch_all(p).await.map_err(Into::into))
}

/// Takes the tenant's QR images expiring before `before_ms` that were not alerted yet,
/// marking them alerted: (group, expires at).
pub async fn take_expiring(
    tx: &mut Tx,
    tenant: TenantId,
    before_ms: i64,
    now: i64,
) -> Result<Vec<(i64, i64)>> {
    on_tx!(tx, k => sqlx::query_as("update group_qr set alerted_at_ms = $3 where tenant_id = $1 and alerted_at_ms is null and expires_at_ms < $2
        returning group_id, expires_at_ms")
        .bind(tenant.0).bind(before_ms).bind(now).fetch_all(k).await.map_err(Into::into))
}
