//! Tenants (merchants) and their tenant-wide definitions: custom fields and event kinds.

use quanzi_domain::TenantId;
use quanzi_domain::member::{CustomFieldDef, CustomFieldKind};

use crate::{Db, Result, Tx, now_ms, on_pool, on_tx};

/// A tenant as stored.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Tenant {
    /// Id.
    pub tenant_id: i64,
    /// URL-safe unique name, e.g. `xianfeng`.
    pub slug: String,
    /// Display name.
    pub name: String,
    /// IANA time zone used to bucket days.
    pub time_zone: String,
    /// Creation time, unix ms.
    pub created_at_ms: i64,
}

/// Creates a tenant.
pub async fn create(tx: &mut Tx, slug: &str, name: &str) -> Result<Tenant> {
    let now = now_ms();
    on_tx!(tx, c => sqlx::query_as::<_, Tenant>(
        "insert into tenant (slug, name, time_zone, created_at_ms) values ($1, $2, $4, $3)
         returning tenant_id, slug, name, time_zone, created_at_ms")
        .bind(slug).bind(name).bind(now).bind(quanzi_domain::zone::DEFAULT_TIME_ZONE).fetch_one(c).await.map_err(Into::into))
}

/// Finds a tenant by slug.
pub async fn by_slug(db: &Db, slug: &str) -> Result<Option<Tenant>> {
    on_pool!(db, p => sqlx::query_as::<_, Tenant>(
        "select tenant_id, slug, name, time_zone, created_at_ms from tenant where slug = $1")
        .bind(slug).fetch_optional(p).await.map_err(Into::into))
}

/// Finds a tenant by id.
pub async fn get(db: &Db, tenant: TenantId) -> Result<Option<Tenant>> {
    on_pool!(db, p => sqlx::query_as::<_, Tenant>(
        "select tenant_id, slug, name, time_zone, created_at_ms from tenant where tenant_id = $1")
        .bind(tenant.0).fetch_optional(p).await.map_err(Into::into))
}

/// Deletes a tenant and everything it owns (used to recreate the demo).
pub async fn delete(tx: &mut Tx, tenant: TenantId) -> Result<()> {
    crate::timeline::forget_tenant(tx, tenant.0).await?;
    // Tables without a cascading foreign key to tenant are cleared explicitly.
    for sql in [
        "delete from event where tenant_id = $1",
        "delete from membership_change where tenant_id = $1",
        "delete from group_membership where tenant_id = $1",
        "delete from member_tag where tenant_id = $1",
        "delete from tenant where tenant_id = $1",
    ] {
        on_tx!(tx, c => sqlx::query(sql).bind(tenant.0).execute(c).await.map(|r| r.rows_affected()))?;
    }
    Ok(())
}

#[derive(sqlx::FromRow)]
struct FieldRow {
    field_key: String,
    label: String,
    kind: String,
}

/// The tenant's custom member fields.
pub async fn custom_fields(db: &Db, tenant: TenantId) -> Result<Vec<CustomFieldDef>> {
    let rows: Vec<FieldRow> = on_pool!(db, p => sqlx::query_as(
        "select field_key, label, kind from custom_field where tenant_id = $1 order by field_key")
        .bind(tenant.0).fetch_all(p).await)?;
    Ok(rows
        .into_iter()
        .map(|r| CustomFieldDef {
            key: r.field_key,
            label: r.label,
            kind: CustomFieldKind::parse(&r.kind).unwrap_or(CustomFieldKind::Text),
        })
        .collect())
}

/// Defines (or redefines) a custom member field.
pub async fn put_custom_field(tx: &mut Tx, tenant: TenantId, def: &CustomFieldDef) -> Result<()> {
    on_tx!(tx, c => sqlx::query(
        "insert into custom_field (tenant_id, field_key, label, kind) values ($1, $2, $3, $4)
         on conflict (tenant_id, field_key) do update set label = excluded.label, kind = excluded.kind")
        .bind(tenant.0).bind(&def.key).bind(&def.label).bind(def.kind.as_str()).execute(c).await.map(|r| r.rows_affected()))?;
    Ok(())
}

/// The tenant's custom event kinds.
pub async fn custom_kinds(db: &Db, tenant: TenantId) -> Result<Vec<String>> {
    on_pool!(db, p => sqlx::query_scalar::<_, String>(
        "select name from custom_event_kind where tenant_id = $1 order by name")
        .bind(tenant.0).fetch_all(p).await.map_err(Into::into))
}

/// Adds a custom event kind (no-op when it exists).
pub async fn add_custom_kind(tx: &mut Tx, tenant: TenantId, name: &str) -> Result<()> {
    on_tx!(tx, c => sqlx::query(
        "insert into custom_event_kind (tenant_id, name) values ($1, $2) on conflict do nothing")
        .bind(tenant.0).bind(name).execute(c).await.map(|r| r.rows_affected()))?;
    Ok(())
}
