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

from_row!(quanzi_store::tenant::Tenant => Tenant {
    slug, name, time_zone, created_at_ms;
    tenant_id: TenantId;
});

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

from_row!(quanzi_store::access::SessionView => SessionView {
    display_name, email, role, csrf_token, expires_at_ms, tenant_name, tenant_time_zone;
    tenant_id: TenantId, operator_id: OperatorId;
});

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

from_row!(quanzi_store::access::ApiKey => ApiKey {
    name, prefix, scope, created_at_ms, revoked_at_ms;
    api_key_id: ApiKeyId, tenant_id: TenantId;
});

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

from_row!(quanzi_store::tag::Tag => Tag {
    group_name, name;
    tag_id: TagId, tag_group_id: TagGroupId;
});

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
