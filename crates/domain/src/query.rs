//! What a page of a listing asks for: the filters and cursors of the member and event
//! listings, built by the edges from a request and read by the store's queries. Ids are
//! typed; cursors are the listing's sort keys.

use crate::{GroupId, MemberId, TagId};

/// Filters for listing members; every field narrows the list.
#[derive(Debug, Clone, Default)]
pub struct MemberFilter {
    /// Substring of name, phone, external_userid or unionid.
    pub q: Option<String>,
    /// Exact district.
    pub district: Option<String>,
    /// Exact gender.
    pub gender: Option<String>,
    /// Exact spending tier.
    pub spending_tier: Option<String>,
    /// Exact lifecycle stage.
    pub lifecycle_stage: Option<String>,
    /// Exact source channel.
    pub source_channel: Option<String>,
    /// Carries this tag.
    pub tag_id: Option<TagId>,
    /// Currently in this group.
    pub group_id: Option<GroupId>,
    /// Only these members (a selection), at most [`MAX_SELECTION`].
    pub ids: Option<Vec<MemberId>>,
    /// Only ids greater than this (the cursor).
    pub after: Option<i64>,
    /// Only ids smaller than this, the page just before it (the cursor back); the page is
    /// still listed by ascending id.
    pub before: Option<i64>,
    /// Page size.
    pub limit: i64,
}

/// The most members one selection (of a list, for tagging, exporting or adding to a group)
/// may hold.
pub const MAX_SELECTION: usize = 10_000;

/// Filters and cursor for listing events.
#[derive(Debug, Clone, Default)]
pub struct EventFilter {
    /// Only this member's.
    pub member_id: Option<MemberId>,
    /// Only this group's.
    pub group_id: Option<GroupId>,
    /// Only this kind.
    pub kind: Option<String>,
    /// Cursor: only events below this id (newest id first), or, in a timeline (a member or a
    /// group asked for), below the pair (`before_at_ms`, `before`).
    pub before: Option<i64>,
    /// The time half of a timeline's cursor (none: any time).
    pub before_at_ms: Option<i64>,
    /// Page size.
    pub limit: i64,
}

impl EventFilter {
    /// Whether the listing is a timeline: ordered by (time, id) rather than id.
    pub fn by_time(&self) -> bool {
        self.member_id.is_some() || self.group_id.is_some()
    }
}
