//! Operators, their database-stored sessions, and API keys (stored hashed).

use quanzi_domain::access::{ApiScope, OperatorRole};
use quanzi_domain::{OperatorId, TenantId};

use crate::{Db, Result, Tx, now_ms, on_pool, on_tx};

/// An operator account.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Operator {
    /// Id.
    pub operator_id: i64,
    /// Tenant.
    pub tenant_id: i64,
    /// Login email (unique).
    pub email: String,
    /// Name shown in the UI.
    pub display_name: String,
    /// owner, admin, operator or viewer.
    pub role: String,
    /// Argon2id PHC string; never serialized.
    pub password_hash: String,
    /// Creation time.
    pub created_at_ms: i64,
}

const OPERATOR_COLS: &str =
    "operator_id, tenant_id, email, display_name, role, password_hash, created_at_ms";

/// Creates an operator with an already-hashed password.
pub async fn create_operator(
    tx: &mut Tx,
    tenant: TenantId,
    email: &str,
    name: &str,
    role: OperatorRole,
    hash: &str,
) -> Result<Operator> {
    let now = now_ms();
    on_tx!(tx, c => sqlx::query_as::<_, Operator>(
        "insert into operator (tenant_id, email, display_name, role, password_hash, created_at_ms)
         values ($1, $2, $3, $4, $5, $6)
         returning operator_id, tenant_id, email, display_name, role, password_hash, created_at_ms")
        .bind(tenant.0).bind(email).bind(name).bind(role.as_str()).bind(hash).bind(now)
        .fetch_one(c).await.map_err(Into::into))
}

/// Finds an operator by login email.
pub async fn operator_by_email(db: &Db, email: &str) -> Result<Option<Operator>> {
    let sql = format!("select {OPERATOR_COLS} from operator where email = $1");
    on_pool!(db, p => sqlx::query_as::<_, Operator>(sqlx::AssertSqlSafe(sql)).bind(email).fetch_optional(p).await.map_err(Into::into))
}

/// Lists a tenant's operators.
pub async fn operators(db: &Db, tenant: TenantId) -> Result<Vec<Operator>> {
    let sql =
        format!("select {OPERATOR_COLS} from operator where tenant_id = $1 order by operator_id");
    on_pool!(db, p => sqlx::query_as::<_, Operator>(sqlx::AssertSqlSafe(sql)).bind(tenant.0).fetch_all(p).await.map_err(Into::into))
}

/// A live session joined with its operator.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SessionView {
    /// Tenant.
    pub tenant_id: i64,
    /// Operator.
    pub operator_id: i64,
    /// Operator's name.
    pub display_name: String,
    /// Operator's email.
    pub email: String,
    /// Operator's role.
    pub role: String,
    /// The token forms must echo.
    pub csrf_token: String,
    /// Expiry, unix ms.
    pub expires_at_ms: i64,
    /// The tenant's display name.
    pub tenant_name: String,
    /// The tenant's time zone.
    pub tenant_time_zone: String,
}

/// Stores a session under the hash of its cookie token.
pub async fn create_session(
    db: &Db,
    session_hash: &str,
    tenant: TenantId,
    operator: OperatorId,
    csrf: &str,
    ttl_ms: i64,
) -> Result<()> {
    let now = now_ms();
    on_pool!(db, p => sqlx::query(
        "insert into session (session_hash, tenant_id, operator_id, csrf_token, created_at_ms, expires_at_ms)
         values ($1, $2, $3, $4, $5, $6)")
        .bind(session_hash).bind(tenant.0).bind(operator.0).bind(csrf).bind(now).bind(now + ttl_ms)
        .execute(p).await.map(|r| r.rows_affected()))?;
    Ok(())
}

/// Finds an unexpired session.
pub async fn session(db: &Db, session_hash: &str) -> Result<Option<SessionView>> {
    on_pool!(db, p => sqlx::query_as::<_, SessionView>(
        "select s.tenant_id, s.operator_id, o.display_name, o.email, o.role, s.csrf_token, s.expires_at_ms, t.name as tenant_name, t.time_zone as tenant_time_zone
         from session s join operator o on o.operator_id = s.operator_id and o.tenant_id = s.tenant_id
         join tenant t on t.tenant_id = s.tenant_id
         where s.session_hash = $1 and s.expires_at_ms > $2")
        .bind(session_hash).bind(now_ms()).fetch_optional(p).await.map_err(Into::into))
}

/// Ends a session (logout) and sweeps expired ones.
pub async fn delete_session(db: &Db, session_hash: &str) -> Result<()> {
    on_pool!(db, p => sqlx::query("delete from session where session_hash = $1 or expires_at_ms < $2")
        .bind(session_hash).bind(now_ms()).execute(p).await.map(|r| r.rows_affected()))?;
    Ok(())
}

/// An API key's public part.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ApiKey {
    /// Id.
    pub api_key_id: i64,
    /// Tenant.
    pub tenant_id: i64,
    /// What it is for.
    pub name: String,
    /// The first characters of the key, to recognise it.
    pub prefix: String,
    /// read or write.
    pub scope: String,
    /// Creation time.
    pub created_at_ms: i64,
    /// Revocation time, if revoked.
    pub revoked_at_ms: Option<i64>,
}

/// Stores a new API key by the hash of its secret.
pub async fn create_api_key(
    tx: &mut Tx,
    tenant: TenantId,
    name: &str,
    prefix: &str,
    key_hash: &str,
    scope: ApiScope,
) -> Result<ApiKey> {
    let now = now_ms();
    on_tx!(tx, c => sqlx::query_as::<_, ApiKey>(
        "insert into api_key (tenant_id, name, prefix, key_hash, scope, created_at_ms) values ($1, $2, $3, $4, $5, $6)
         returning api_key_id, tenant_id, name, prefix, scope, created_at_ms, revoked_at_ms")
        .bind(tenant.0).bind(name).bind(prefix).bind(key_hash).bind(scope.as_str()).bind(now)
        .fetch_one(c).await.map_err(Into::into))
}

/// Finds an unrevoked key by the hash of its secret.
pub async fn api_key_by_hash(db: &Db, key_hash: &str) -> Result<Option<ApiKey>> {
    on_pool!(db, p => sqlx::query_as::<_, ApiKey>(
        "select api_key_id, tenant_id, name, prefix, scope, created_at_ms, revoked_at_ms
         from api_key where key_hash = $1 and revoked_at_ms is null")
        .bind(key_hash).fetch_optional(p).await.map_err(Into::into))
}

/// Lists a tenant's keys.
pub async fn api_keys(db: &Db, tenant: TenantId) -> Result<Vec<ApiKey>> {
    on_pool!(db, p => sqlx::query_as::<_, ApiKey>(
        "select api_key_id, tenant_id, name, prefix, scope, created_at_ms, revoked_at_ms
         from api_key where tenant_id = $1 order by api_key_id")
        .bind(tenant.0).fetch_all(p).await.map_err(Into::into))
}

/// Revokes a key of the tenant; false when there is no such key.
pub async fn revoke_api_key(db: &Db, tenant: TenantId, id: i64) -> Result<bool> {
    let r = on_pool!(db, p => sqlx::query("update api_key set revoked_at_ms = $1 where tenant_id = $2 and api_key_id = $3 and revoked_at_ms is null")
        .bind(now_ms()).bind(tenant.0).bind(id).execute(p).await.map(|r| r.rows_affected()))?;
    Ok(r > 0)
}
