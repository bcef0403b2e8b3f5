//! Who a visitor of the member pages is: their identities (openid, visitor key), the tenant's
//! member-page settings (link secret, official account), revoked links and single-use OAuth
//! states.

use quanzi_domain::{MemberId, TenantId};

use rusqlite::{OptionalExtension, params};

use crate::on::{On, prepare};
use crate::{Db, Result, Tx, on_pool, on_tx};

/// A tenant's member-page settings as stored (secrets sealed).
#[derive(Debug, Clone, sqlx::FromRow, PartialEq, Eq)]
pub struct H5Settings {
    /// The sealed secret member links and the pages' tokens are signed with.
    pub link_secret: String,
    /// The official account's appid, when WeChat web OAuth is configured.
    pub oauth_appid: Option<String>,
    /// Its sealed secret.
    pub oauth_secret: Option<String>,
    /// `snsapi_base` or `snsapi_userinfo`.
    pub oauth_scope: Option<String>,
    /// Last change.
    pub updated_at_ms: i64,
}

/// The tenant's settings, if any were made.
pub async fn settings(db: &Db, tenant: TenantId) -> Result<Option<H5Settings>> {
    on_pool!(db, p => sqlx::query_as::<_, H5Settings>(
        "select link_secret, oauth_appid, oauth_secret, oauth_scope, updated_at_ms from h5_settings where tenant_id = $1")
        .bind(tenant.0).fetch_optional(p).await.map_err(Into::into))
}

/// Stores `sealed_secret` as the link secret unless the tenant has one; answers the one kept.
pub async fn ensure_link_secret(
    tx: &mut Tx,
    tenant: TenantId,
    sealed_secret: &str,
    now: i64,
) -> Result<String> {
    on_tx!(tx, c => {
        sqlx::query("insert into h5_settings (tenant_id, link_secret, updated_at_ms) values ($1, $2, $3) on conflict do nothing")
            .bind(tenant.0).bind(sealed_secret).bind(now).execute(&mut *c).await?;
        sqlx::query_scalar("select link_secret from h5_settings where tenant_id = $1")
            .bind(tenant.0).fetch_one(&mut *c).await.map_err(Into::into)
    })
}

/// Sets (or clears, with `None`) the official account used for WeChat web OAuth.
pub async fn set_oauth(
    tx: &mut Tx,
    tenant: TenantId,
    oauth: Option<(&str, &str, &str)>,
    now: i64,
) -> Result<()> {
    let (appid, secret, scope) = match oauth {
        Some((a, s, sc)) => (Some(a), Some(s), Some(sc)),
        None => (None, None, None),
    };
    on_tx!(tx, c => sqlx::query("update h5_settings set oauth_appid = $2, oauth_secret = $3, oauth_scope = $4, updated_at_ms = $5 where tenant_id = $1")
        .bind(tenant.0).bind(appid).bind(secret).bind(scope).bind(now).execute(c).await.map(|_| ()).map_err(Into::into))
}

/// The member an identity (`openid` or `visitor`) belongs to.
pub async fn member_of(
    tx: &mut Tx,
    tenant: TenantId,
    kind: &str,
    value: &str,
) -> Result<Option<MemberId>> {
    member_of_on(&mut On::Tx(tx), tenant, kind, value).await
}

/// The member an identity belongs to, read outside a transaction.
pub async fn member_of_db(
    db: &Db,
    tenant: TenantId,
    kind: &str,
    value: &str,
) -> Result<Option<MemberId>> {
    let id: Option<i64> = on_pool!(db, p => sqlx::query_scalar(MEMBER_OF)
        .bind(tenant.0).bind(kind).bind(value).fetch_optional(p).await)?;
    Ok(id.map(MemberId))
}

/// Records that `member` is known by the identity; an identity already recorded keeps its
/// member.
pub async fn add(
    tx: &mut Tx,
    tenant: TenantId,
    kind: &str,
    value: &str,
    member: MemberId,
    now: i64,
) -> Result<()> {
    add_on(&mut On::Tx(tx), tenant, kind, value, member, now).await
}

/// The identities of a member, as (kind, value).
pub async fn of_member(
    db: &Db,
    tenant: TenantId,
    member: MemberId,
) -> Result<Vec<(String, String)>> {
    on_pool!(db, p => sqlx::query_as("select kind, value from member_identity where tenant_id = $1 and member_id = $2 order by kind, value")
        .bind(tenant.0).bind(member.0).fetch_all(p).await.map_err(Into::into))
}

/// When the member's links were last revoked: links issued before are refused.
pub async fn revoked_at(db: &Db, tenant: TenantId, member: MemberId) -> Result<Option<i64>> {
    on_pool!(db, p => sqlx::query_scalar("select revoked_at_ms from member_link_revocation where tenant_id = $1 and member_id = $2")
        .bind(tenant.0).bind(member.0).fetch_optional(p).await.map_err(Into::into))
}

/// Revokes every link of the member issued before `now`.
pub async fn revoke(tx: &mut Tx, tenant: TenantId, member: MemberId, now: i64) -> Result<()> {
    on_tx!(tx, c => sqlx::query("insert into member_link_revocation (tenant_id, member_id, revoked_at_ms) values ($1, $2, $3)
        on conflict (tenant_id, member_id) do update set revoked_at_ms = excluded.revoked_at_ms")
        .bind(tenant.0).bind(member.0).bind(now).execute(c).await.map(|_| ()).map_err(Into::into))
}

/// Records a fresh OAuth state's nonce, valid until `expires_at_ms`, and drops the
/// tenant's states that expired before `now` (the table holds only what may still come back).
pub async fn new_state(
    db: &Db,
    tenant: TenantId,
    nonce: &str,
    now: i64,
    expires_at_ms: i64,
) -> Result<()> {
    let mut tx = db.begin().await?;
    on_tx!(&mut tx, c => {
        sqlx::query("delete from oauth_state where tenant_id = $1 and expires_at_ms < $2")
            .bind(tenant.0).bind(now).execute(&mut *c).await?;
        sqlx::query("insert into oauth_state (tenant_id, nonce, expires_at_ms) values ($1, $2, $3)")
            .bind(tenant.0).bind(nonce).bind(expires_at_ms).execute(&mut *c).await.map(|_| ())
    })?;
    tx.commit().await
}

/// Uses a state's nonce: true the first time, before it expires; false when it is unknown,
/// expired or used (a replay).
pub async fn use_state(tx: &mut Tx, tenant: TenantId, nonce: &str, now: i64) -> Result<bool> {
    let n = on_tx!(tx, c => sqlx::query("update oauth_state set used_at_ms = $3 where tenant_id = $1 and nonce = $2 and used_at_ms is null and expires_at_ms > $3")
        .bind(tenant.0).bind(nonce).bind(now).execute(c).await.map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

/// The member with this unionid, if any (merged members are followed by the caller).
pub async fn member_by_unionid(
    tx: &mut Tx,
    tenant: TenantId,
    unionid: &str,
) -> Result<Option<MemberId>> {
    let id: Option<i64> = on_tx!(tx, c => sqlx::query_scalar("select member_id from member where tenant_id = $1 and unionid = $2")
        .bind(tenant.0).bind(unionid).fetch_optional(c).await)?;
    Ok(id.map(MemberId))
}

/// The member with this phone, if any.
pub async fn member_by_phone(
    tx: &mut Tx,
    tenant: TenantId,
    phone: &str,
) -> Result<Option<MemberId>> {
    let id: Option<i64> = on_tx!(tx, c => sqlx::query_scalar("select member_id from member where tenant_id = $1 and phone = $2")
        .bind(tenant.0).bind(phone).fetch_optional(c).await)?;
    Ok(id.map(MemberId))
}

const MEMBER_OF: &str =
    "select member_id from member_identity where tenant_id = $1 and kind = $2 and value = $3";
const ADD: &str = "insert into member_identity (tenant_id, kind, value, member_id, created_at_ms) values ($1, $2, $3, $4, $5) on conflict do nothing";

/// [`member_of`] in a unit's transaction ([`On`]).
pub async fn member_of_on(
    on: &mut On<'_>,
    tenant: TenantId,
    kind: &str,
    value: &str,
) -> Result<Option<MemberId>> {
    let id: Option<i64> = match on {
        On::Tx(tx) => on_tx!(&mut **tx, c => sqlx::query_scalar(MEMBER_OF)
            .bind(tenant.0).bind(kind).bind(value).fetch_optional(c).await)?,
        On::Writer(c) => prepare(c, MEMBER_OF)?
            .query_row(params![tenant.0, kind, value], |r| r.get(0))
            .optional()?,
    };
    Ok(id.map(MemberId))
}

/// [`add`] in a unit's transaction ([`On`]).
pub async fn add_on(
    on: &mut On<'_>,
    tenant: TenantId,
    kind: &str,
    value: &str,
    member: MemberId,
    now: i64,
) -> Result<()> {
    match on {
        On::Tx(tx) => on_tx!(&mut **tx, c => sqlx::query(ADD)
            .bind(tenant.0).bind(kind).bind(value).bind(member.0).bind(now).execute(c).await.map(|_| ()))?,
        On::Writer(c) => {
            prepare(c, ADD)?.execute(params![tenant.0, kind, value, member.0, now])?;
        }
    }
    Ok(())
}
