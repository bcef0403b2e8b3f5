//! Tenants, operators, sessions, API keys and tags as the API and the pages show them.

use quanzi_domain::access::{ApiScope, OperatorRole};
use quanzi_domain::{ApiKeyId, OperatorId, TagGroupId, TagId, TenantId};
use serde::Serialize;

/// A tenant as stored.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Tenant {
    /// Id.
    #[cfg_attr(feature = "openapi", schema(value_type = i64))]
    pub tenant_id: TenantId,
    /// URL-safe unique name, e.g. `xianfeng`.
    pub slug: String,
    /// Display name.
    pub name: String,
    /// IANA time zone used to bucket days.
    pub time_zone: String,
    /// Creation time, unix ms.
    pub created_at_ms: i64,
}

impl From<quanzi_store::tenant::Tenant> for Tenant {
    fn from(row: quanzi_store::tenant::Tenant) -> Self {
        let quanzi_store::tenant::Tenant {
            tenant_id,
            slug,
            name,
            time_zone,
            created_at_ms,
        } = row;
        Tenant {
            tenant_id: TenantId(tenant_id),
            slug,
            name,
            time_zone,
            created_at_ms,
        }
    }
}

/// An operator account.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Operator {
    /// Id.
    #[cfg_attr(feature = "openapi", schema(value_type = i64))]
    pub operator_id: OperatorId,
    /// Tenant.
    #[cfg_attr(feature = "openapi", schema(value_type = i64))]
    pub tenant_id: TenantId,
    /// Login email (unique).
    pub email: String,
    /// Name shown in the UI.
    pub display_name: String,
    /// owner, admin, operator or viewer.
    pub role: String,
    /// Creation time.
    pub created_at_ms: i64,
}

impl From<quanzi_store::access::Operator> for Operator {
    fn from(row: quanzi_store::access::Operator) -> Self {
        let quanzi_store::access::Operator {
            operator_id,
            tenant_id,
            email,
            display_name,
            role,
            password_hash: _,
            created_at_ms,
        } = row;
        Operator {
            operator_id: OperatorId(operator_id),
            tenant_id: TenantId(tenant_id),
            email,
            display_name,
            role,
            created_at_ms,
        }
    }
}

/// A live session joined with its operator.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SessionView {
    /// Tenant.
    #[cfg_attr(feature = "openapi", schema(value_type = i64))]
    pub tenant_id: TenantId,
    /// Operator.
    #[cfg_attr(feature = "openapi", schema(value_type = i64))]
    pub operator_id: OperatorId,
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

impl From<quanzi_store::access::SessionView> for SessionView {
    fn from(row: quanzi_store::access::SessionView) -> Self {
        let quanzi_store::access::SessionView {
            tenant_id,
            operator_id,
            display_name,
            email,
            role,
            csrf_token,
            expires_at_ms,
            tenant_name,
            tenant_time_zone,
        } = row;
        SessionView {
            tenant_id: TenantId(tenant_id),
            operator_id: OperatorId(operator_id),
            display_name,
            email,
            role,
            csrf_token,
            expires_at_ms,
            tenant_name,
            tenant_time_zone,
        }
    }
}

/// An API key's public part.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ApiKey {
    /// Id.
    #[cfg_attr(feature = "openapi", schema(value_type = i64))]
    pub api_key_id: ApiKeyId,
    /// Tenant.
    #[cfg_attr(feature = "openapi", schema(value_type = i64))]
    pub tenant_id: TenantId,
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

impl From<quanzi_store::access::ApiKey> for ApiKey {
    fn from(row: quanzi_store::access::ApiKey) -> Self {
        let quanzi_store::access::ApiKey {
            api_key_id,
            tenant_id,
            name,
            prefix,
            scope,
            created_at_ms,
            revoked_at_ms,
        } = row;
        ApiKey {
            api_key_id: ApiKeyId(api_key_id),
            tenant_id: TenantId(tenant_id),
            name,
            prefix,
            scope,
            created_at_ms,
            revoked_at_ms,
        }
    }
}

/// A tag with its group's name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Tag {
    /// Id.
    #[cfg_attr(feature = "openapi", schema(value_type = i64))]
    pub tag_id: TagId,
    /// Tag group id.
    #[cfg_attr(feature = "openapi", schema(value_type = i64))]
    pub tag_group_id: TagGroupId,
    /// Tag group name.
    pub group_name: String,
    /// Tag name.
    pub name: String,
}

impl From<quanzi_store::tag::Tag> for Tag {
    fn from(row: quanzi_store::tag::Tag) -> Self {
        let quanzi_store::tag::Tag {
            tag_id,
            tag_group_id,
            group_name,
            name,
        } = row;
        Tag {
            tag_id: TagId(tag_id),
            tag_group_id: TagGroupId(tag_group_id),
            group_name,
            name,
        }
    }
}

impl Operator {
    /// The parsed role (viewer if the stored value is unknown).
    pub fn role(&self) -> OperatorRole {
        OperatorRole::parse(&self.role).unwrap_or(OperatorRole::Viewer)
    }
}

impl ApiKey {
    /// The parsed scope (read if unknown).
    pub fn scope(&self) -> ApiScope {
        ApiScope::parse(&self.scope).unwrap_or(ApiScope::Read)
    }
}
