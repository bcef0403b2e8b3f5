//! Live codes (活码): one stable code per poster, partner shop or store that sends each
//! newcomer to a group with room, and the routing rules that choose among its groups.

use serde::{Deserialize, Serialize};

use crate::error::Invalid;
use crate::member::SpendingTier;
use crate::{GroupId, name_enum, text};

mod input;
pub mod staff;

pub use input::{LiveCodeInput, NewLiveCode};

/// How long a scan holds a place in the group it was sent to, waiting for the join.
pub const SEAT_HOLD_MS: i64 = 30 * 60 * 1000;
/// How long WeChat keeps a group's own QR image valid.
pub const GROUP_QR_VALID_MS: i64 = 7 * 24 * 3600 * 1000;
/// How long before a group QR expires its operator is alerted.
pub const GROUP_QR_ALERT_MS: i64 = 24 * 3600 * 1000;
/// Rules a code may carry at most.
pub const MAX_RULES: usize = 50;

name_enum! {
    /// Where a live code is shown.
    LiveCodeKind {
        /// A poster (海报).
        Poster = "poster",
        /// A partner shop of an alliance (合作门店).
        Partner = "partner",
        /// One of the merchant's own stores (门店活码).
        Store = "store",
        /// A staff contact code spread over several staff (渠道活码).
        Staff = "staff",
    }
}

/// What is known of a visitor that routing can use: from the link's parameters, the
/// two-question form, or their member record.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Traits {
    /// District (区域).
    pub district: Option<String>,
    /// Interests.
    pub interests: Vec<String>,
    /// Value tier.
    pub tier: Option<SpendingTier>,
}

/// A routing rule: a visitor matching every condition it sets goes to its groups.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RouteRule {
    /// Only visitors of this district.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub district: Option<String>,
    /// Only visitors with this interest.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interest: Option<String>,
    /// Only visitors of this value tier (`none`, `low`, `mid`, `high`, `vip`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tier: Option<String>,
    /// The groups, in the order they are filled.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<i64>))]
    pub group_ids: Vec<GroupId>,
}

impl RouteRule {
    /// Whether `t` meets every condition of the rule.
    pub fn matches(&self, t: &Traits) -> bool {
        let eq = |want: &Option<String>, have: Option<&str>| {
            want.as_deref()
                .is_none_or(|w| have.is_some_and(|h| h.eq_ignore_ascii_case(w)))
        };
        eq(&self.district, t.district.as_deref())
            && self
                .interest
                .as_deref()
                .is_none_or(|w| t.interests.iter().any(|i| i.eq_ignore_ascii_case(w)))
            && eq(&self.tier, t.tier.map(SpendingTier::as_str))
    }

    /// Checks the rule's values, its groups among `known`.
    pub fn check(&self, e: &mut Invalid, at: usize) {
        let field = |f: &str| format!("rules[{at}].{f}");
        for (name, v) in [("district", &self.district), ("interest", &self.interest)] {
            if let Some(v) = v {
                text::required(e, &field(name), v, 64);
            }
        }
        if let Some(t) = &self.tier
            && SpendingTier::parse(t).is_none()
        {
            e.push(
                field("tier"),
                format!("must be one of: {}", SpendingTier::expected()),
            );
        }
        if self.group_ids.is_empty() {
            e.push(field("group_ids"), "must name at least one group");
        }
    }
}

/// The groups a visitor with `t` may be sent to: the first matching rule's groups, else the
/// code's own pool.
pub fn candidates<'a>(rules: &'a [RouteRule], pool: &'a [GroupId], t: &Traits) -> &'a [GroupId] {
    rules
        .iter()
        .find(|r| r.matches(t))
        .map_or(pool, |r| &r.group_ids)
}

/// A group as routing sees it at the moment of a scan.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Room {
    /// The group.
    pub group: GroupId,
    /// Current members plus the places held by scans not yet joined.
    pub load: i64,
    /// The size the group should stay below.
    pub advised: i64,
    /// The size it may never pass.
    pub hard: i64,
}

/// Where a scan goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Route {
    /// To this group, holding a place in it.
    Group(GroupId),
    /// Every candidate is at its hard capacity: a new group must be opened.
    Full,
}

/// Chooses a group among `rooms` (in the code's order): the first below its advised size;
/// else the least loaded below its hard capacity; else [`Route::Full`]. A group at its hard
/// capacity is never chosen.
pub fn route(rooms: &[Room]) -> Route {
    if let Some(r) = rooms.iter().find(|r| r.load < r.advised.min(r.hard)) {
        return Route::Group(r.group);
    }
    rooms
        .iter()
        .filter(|r| r.load < r.hard)
        .min_by_key(|r| r.load)
        .map_or(Route::Full, |r| Route::Group(r.group))
}

/// The name of the `n`-th group opened from a template named `base` (南山店群 → 南山店群 3).
pub fn opened_name(base: &str, n: usize) -> String {
    let base = base.trim_end_matches(|c: char| c.is_ascii_digit() || c == ' ');
    let name = format!("{base} {n}");
    name.chars().take(64).collect()
}

/// Checks a code's slug: the stable part of its URL.
pub fn check_slug(e: &mut Invalid, field: &str, slug: &str) -> Option<String> {
    let ok = (2..=40).contains(&slug.len())
        && slug
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    if !ok {
        e.push(field, "must be 2 to 40 lower-case letters, digits or -");
        return None;
    }
    Some(slug.to_string())
}

#[cfg(test)]
mod tests;
