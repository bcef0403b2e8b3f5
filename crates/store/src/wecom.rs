//! A tenant's WeCom connection (corp id, callback token and key, API secret) and the member
//! versions of its customer groups as last seen.

use quanzi_domain::TenantId;

use crate::{Db, Result, Tx, on_pool, on_tx};

/// A tenant's WeCom connection, secrets included: never render it whole.
#[derive(Clone, sqlx::FromRow)]
pub struct WecomConnection {
    /// Owner.
    pub tenant_id: i64,
    /// 企业ID, also the ReceiveId of its callbacks.
    pub corp_id: String,
    /// Callback Token.
    pub token: String,
    /// Callback EncodingAESKey (43 characters).
    pub encoding_aes_key: String,
    /// Secret of the customer-contact API (for the sync), when set.
    pub api_secret: Option<String>,
    /// Last change, unix ms.
    pub updated_at_ms: i64,
}

impl std::fmt::Debug for WecomConnection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WecomConnection")
            .field("tenant_id", &self.tenant_id)
            .field("corp_id", &self.corp_id)
            .finish_non_exhaustive()
    }
}

// `api_base` (a per-tenant WeCom API base) is no longer read or written: the base is the
// server's setting, so a tenant cannot send the corp secret elsewhere.
const COLUMNS: &str = "tenant_id, corp_id, token, encoding_aes_key, api_secret, updated_at_ms";

/// The tenant's connection.
pub async fn connection(db: &Db, tenant: TenantId) -> Result<Option<WecomConnection>> {
    let sql = format!("select {COLUMNS} from wecom_connection where tenant_id = $1");
    on_pool!(db, p => sqlx::query_as::<_, WecomConnection>(sqlx::AssertSqlSafe(sql))
        .bind(tenant.0).fetch_optional(p).await.map_err(Into::into))
}

/// Creates or replaces the tenant's connection (validated by the caller).
pub async fn put_connection(tx: &mut Tx, c: &WecomConnection) -> Result<()> {
    on_tx!(tx, conn => sqlx::query(
        "insert into wecom_connection (tenant_id, corp_id, token, encoding_aes_key, api_secret,
            api_base, created_at_ms, updated_at_ms)
         values ($1, $2, $3, $4, $5, null, $6, $6)
         on conflict (tenant_id) do update set corp_id = excluded.corp_id, token = excluded.token,
            encoding_aes_key = excluded.encoding_aes_key, api_secret = excluded.api_secret,
            api_base = null, updated_at_ms = excluded.updated_at_ms")
        .bind(c.tenant_id).bind(&c.corp_id).bind(&c.token).bind(&c.encoding_aes_key)
        .bind(&c.api_secret).bind(c.updated_at_ms).execute(conn).await.map(|r| r.rows_affected()))?;
    Ok(())
}

/// The secrets of every tenant's connection, for the server-key maintenance (sealing old
/// plaintext, rotation): (tenant, token, encoding_aes_key, api_secret).
pub async fn all_secrets(tx: &mut Tx) -> Result<Vec<ConnectionSecrets>> {
    on_tx!(tx, c => sqlx::query_as::<_, ConnectionSecrets>(
        "select tenant_id, token, encoding_aes_key, api_secret from wecom_connection
         order by tenant_id")
        .fetch_all(c).await.map_err(Into::into))
}

/// A connection's stored secrets (as the store holds them: sealed, or plaintext from before).
#[derive(Clone, sqlx::FromRow)]
pub struct ConnectionSecrets {
    /// Owner.
    pub tenant_id: i64,
    /// Callback Token.
    pub token: String,
    /// Callback EncodingAESKey.
    pub encoding_aes_key: String,
    /// Customer-contact API secret.
    pub api_secret: Option<String>,
}

/// Replaces a connection's stored secrets (the server-key maintenance).
pub async fn put_secrets(tx: &mut Tx, s: &ConnectionSecrets) -> Result<()> {
    on_tx!(tx, c => sqlx::query(
        "update wecom_connection set token = $2, encoding_aes_key = $3, api_secret = $4
         where tenant_id = $1")
        .bind(s.tenant_id).bind(&s.token).bind(&s.encoding_aes_key).bind(&s.api_secret)
        .execute(c).await.map(|r| r.rows_affected()))?;
    Ok(())
}

/// The member version held for a customer group, if any.
pub async fn chat_version(tx: &mut Tx, tenant: TenantId, chat_id: &str) -> Result<Option<String>> {
    let v: Option<Option<String>> = on_tx!(tx, c => sqlx::query_scalar(
        "select mem_ver from wecom_chat where tenant_id = $1 and chat_id = $2")
        .bind(tenant.0).bind(chat_id).fetch_optional(c).await)?;
    Ok(v.flatten())
}

/// Records the member version (and owner, when known) now held for a customer group.
pub async fn put_chat_version(
    tx: &mut Tx,
    tenant: TenantId,
    chat_id: &str,
    mem_ver: Option<&str>,
    owner: Option<&str>,
    now_ms: i64,
) -> Result<()> {
    on_tx!(tx, c => sqlx::query(
        "insert into wecom_chat (tenant_id, chat_id, mem_ver, owner_userid, updated_at_ms)
         values ($1, $2, $3, $4, $5)
         on conflict (tenant_id, chat_id) do update set
            mem_ver = coalesce(excluded.mem_ver, wecom_chat.mem_ver),
            owner_userid = coalesce(excluded.owner_userid, wecom_chat.owner_userid),
            updated_at_ms = excluded.updated_at_ms")
        .bind(tenant.0).bind(chat_id).bind(mem_ver).bind(owner).bind(now_ms).execute(c).await.map(|r| r.rows_affected()))?;
    Ok(())
}

/// The tenant's member by WeCom external_userid, in an open transaction.
pub async fn member_by_external(
    tx: &mut Tx,
    tenant: TenantId,
    external_userid: &str,
) -> Result<Option<i64>> {
    on_tx!(tx, c => sqlx::query_scalar::<_, i64>(
        "select member_id from member where tenant_id = $1 and external_userid = $2")
        .bind(tenant.0).bind(external_userid).fetch_optional(c).await.map_err(Into::into))
}

/// The tenant's group by WeCom chat_id, in an open transaction.
pub async fn group_by_chat(tx: &mut Tx, tenant: TenantId, chat_id: &str) -> Result<Option<i64>> {
    on_tx!(tx, c => sqlx::query_scalar::<_, i64>(
        "select group_id from chat_group where tenant_id = $1 and external_chat_id = $2")
        .bind(tenant.0).bind(chat_id).fetch_optional(c).await.map_err(Into::into))
}

/// Member ids currently in a group, in an open transaction.
pub async fn current_members(
    tx: &mut Tx,
    tenant: TenantId,
    group_id: i64,
) -> Result<Vec<(i64, Option<String>)>> {
    on_tx!(tx, c => sqlx::query_as::<_, (i64, Option<String>)>(
        "select gm.member_id, m.external_userid from group_membership gm
         join member m on m.tenant_id = gm.tenant_id and m.member_id = gm.member_id
         where gm.tenant_id = $1 and gm.group_id = $2 and gm.left_at_ms is null")
        .bind(tenant.0).bind(group_id).fetch_all(c).await.map_err(Into::into))
}

/// Every tenant with a connection, for the nightly schedules.
pub async fn connected_tenants(db: &Db) -> Result<Vec<i64>> {
    on_pool!(db, p => sqlx::query_scalar::<_, i64>("select tenant_id from wecom_connection order by tenant_id")
        .fetch_all(p).await.map_err(Into::into))
}

/// Sets a member's acquisition channel when it has none (a WeCom `State`).
pub async fn set_source_if_empty(
    tx: &mut Tx,
    tenant: TenantId,
    member_id: i64,
    source: &str,
) -> Result<()> {
    on_tx!(tx, c => sqlx::query(
        "update member set source_channel = $3 where tenant_id = $1 and member_id = $2
         and (source_channel is null or source_channel = '')")
        .bind(tenant.0).bind(member_id).bind(source).execute(c).await.map(|r| r.rows_affected()))?;
    Ok(())
}

/// Makes a member's current membership of a group agree with the latest join or leave in
/// its history, whatever order the changes arrived in: a join applied after a later leave
/// is closed again, a leave applied after a later join is reopened.
pub async fn settle_membership(
    tx: &mut Tx,
    tenant: TenantId,
    group_id: i64,
    member_id: i64,
) -> Result<()> {
    let latest: Option<(String, i64)> = on_tx!(&mut *tx, c => sqlx::query_as(
        "select change, at_ms from membership_change
         where tenant_id = $1 and group_id = $2 and member_id = $3 and change in ('join', 'leave')
         order by at_ms desc, membership_change_id desc limit 1")
        .bind(tenant.0).bind(group_id).bind(member_id).fetch_optional(c).await)?;
    let sql = match latest.as_ref().map(|(c, _)| c.as_str()) {
        Some("leave") => {
            "update group_membership set left_at_ms = $4
             where tenant_id = $1 and group_id = $2 and member_id = $3 and left_at_ms is null"
        }
        Some("join") => {
            "update group_membership set left_at_ms = null, joined_at_ms = $4
             where tenant_id = $1 and group_id = $2 and member_id = $3 and left_at_ms is not null"
        }
        _ => return Ok(()),
    };
    let at = latest.map(|(_, at)| at).unwrap_or_default();
    on_tx!(tx, c => sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(tenant.0).bind(group_id).bind(member_id).bind(at).execute(c).await.map(|r| r.rows_affected()))?;
    Ok(())
}

/// The tenant's member by WeChat unionid, in an open transaction.
pub async fn member_by_unionid(
    tx: &mut Tx,
    tenant: TenantId,
    unionid: &str,
) -> Result<Option<i64>> {
    on_tx!(tx, c => sqlx::query_scalar::<_, i64>(
        "select member_id from member where tenant_id = $1 and unionid = $2")
        .bind(tenant.0).bind(unionid).fetch_optional(c).await.map_err(Into::into))
}

/// Gives a member known by unionid its WeCom external_userid (when it has none).
pub async fn link_external(
    tx: &mut Tx,
    tenant: TenantId,
    member_id: i64,
    external_userid: &str,
) -> Result<()> {
    on_tx!(tx, c => sqlx::query(
        "update member set external_userid = $3 where tenant_id = $1 and member_id = $2
         and external_userid is null")
        .bind(tenant.0).bind(member_id).bind(external_userid).execute(c).await.map(|r| r.rows_affected()))?;
    Ok(())
}
