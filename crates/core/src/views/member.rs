//! A member, and the record of an erased one, as the API and the pages show them.

use quanzi_domain::{MemberId, TenantId};
use serde::Serialize;

/// A member as stored and served.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Member {
    /// Id.
    #[cfg_attr(feature = "openapi", schema(value_type = i64))]
    pub member_id: MemberId,
    /// Tenant.
    #[cfg_attr(feature = "openapi", schema(value_type = i64))]
    pub tenant_id: TenantId,
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
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub custom: serde_json::Value,
    /// Set when this member was merged into another.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<i64>))]
    pub merged_into: Option<MemberId>,
    /// Creation time.
    pub created_at_ms: i64,
    /// Last change.
    pub updated_at_ms: i64,
}

from_row!(quanzi_store::member::Member => Member {
    name, gender, district, interests, spending_tier, lifecycle_stage, source_channel,
    external_userid, unionid, phone, custom, created_at_ms, updated_at_ms;
    member_id: MemberId, tenant_id: TenantId;
    merged_into: MemberId
});

/// One logged erasure: who erased which member id, and when; no personal data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MemberErasure {
    /// The erased member's (pseudonymous) id.
    #[cfg_attr(feature = "openapi", schema(value_type = i64))]
    pub member_id: MemberId,
    /// Who erased it: `operator:<id>` or `api_key:<id>`.
    pub erased_by: String,
    /// When, unix ms.
    pub erased_at_ms: i64,
}

from_row!(quanzi_store::erasure::MemberErasure => MemberErasure {
    erased_by, erased_at_ms;
    member_id: MemberId;
});
