//! Groups, their members, a member's groups and the join/leave history as the API and the pages
//! show them.

use quanzi_domain::{GroupId, MemberId, TenantId};
use serde::Serialize;

/// A group with its current size.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Group {
    /// Id.
    #[cfg_attr(feature = "openapi", schema(value_type = i64))]
    pub group_id: GroupId,
    /// Tenant.
    #[cfg_attr(feature = "openapi", schema(value_type = i64))]
    pub tenant_id: TenantId,
    /// Name.
    pub name: String,
    /// district, interest, value_tier, vip, seed or other.
    pub dimension: String,
    /// Theme (群主题).
    pub theme: Option<String>,
    /// Rules (群规).
    pub rules: Option<String>,
    /// Hard capacity (≤ 500).
    pub capacity_hard: i64,
    /// Advised capacity (about 200).
    pub capacity_advised: i64,
    /// WeCom chat_id.
    pub external_chat_id: Option<String>,
    /// Current members.
    pub size: i64,
    /// Creation time.
    pub created_at_ms: i64,
    /// Last change.
    pub updated_at_ms: i64,
    /// When the group was archived (hidden from the lists, closed to joins), if it is.
    pub archived_at_ms: Option<i64>,
}

from_row!(quanzi_store::group::Group => Group {
    name, dimension, theme, rules, capacity_hard, capacity_advised, external_chat_id, size,
    created_at_ms, updated_at_ms, archived_at_ms;
    group_id: GroupId, tenant_id: TenantId;
});

/// A current member of a group, with their name.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct GroupMember {
    /// Member id.
    #[cfg_attr(feature = "openapi", schema(value_type = i64))]
    pub member_id: MemberId,
    /// Member name.
    pub name: String,
    /// Role in the group.
    pub role: String,
    /// When they joined.
    pub joined_at_ms: i64,
    /// How they joined.
    pub join_scene: Option<String>,
    /// Who invited them.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<i64>))]
    pub inviter_member_id: Option<MemberId>,
}

from_row!(quanzi_store::group::GroupMember => GroupMember {
    name, role, joined_at_ms, join_scene;
    member_id: MemberId;
    inviter_member_id: MemberId
});

/// A member's current groups with their role.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MemberGroup {
    /// Group.
    #[cfg_attr(feature = "openapi", schema(value_type = i64))]
    pub group_id: GroupId,
    /// Group name.
    pub name: String,
    /// Role.
    pub role: String,
    /// Joined.
    pub joined_at_ms: i64,
}

from_row!(quanzi_store::group::MemberGroup => MemberGroup {
    name, role, joined_at_ms;
    group_id: GroupId;
});

/// One entry of the join/leave history.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MembershipChange {
    /// Group.
    #[cfg_attr(feature = "openapi", schema(value_type = i64))]
    pub group_id: GroupId,
    /// Group name.
    pub group_name: String,
    /// Member.
    #[cfg_attr(feature = "openapi", schema(value_type = i64))]
    pub member_id: MemberId,
    /// Member name.
    pub member_name: String,
    /// join, leave or role.
    pub change: String,
    /// Role (for join and role changes).
    pub role: Option<String>,
    /// Join scene.
    pub join_scene: Option<String>,
    /// Inviter.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<i64>))]
    pub inviter_member_id: Option<MemberId>,
    /// When.
    pub at_ms: i64,
    /// The change's `membership_change_id`.
    #[serde(skip)]
    #[cfg_attr(feature = "openapi", schema(ignore))]
    pub sort_id: i64,
}

from_row!(quanzi_store::group::MembershipChange => MembershipChange {
    group_name, member_name, change, role, join_scene, at_ms, sort_id;
    group_id: GroupId, member_id: MemberId;
    inviter_member_id: MemberId
});

impl MembershipChange {
    /// This change's place in the history's order: (time, id); newer is greater.
    pub fn key(&self) -> [i64; 2] {
        [self.at_ms, self.sort_id]
    }
}
