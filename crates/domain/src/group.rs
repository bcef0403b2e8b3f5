//! Chat groups (社群): the group matrix by dimension, theme, rules, capacity and roles.

use serde::Deserialize;

use crate::error::Invalid;
use crate::name_enum;
use crate::text;

/// WeChat's hard limit on a customer group.
pub const HARD_CAPACITY_MAX: i64 = 500;
/// The size the articles advise for a lively group.
pub const ADVISED_CAPACITY_DEFAULT: i64 = 200;

name_enum! {
    /// Along which line a group is cut in the group matrix (社群矩阵).
    GroupDimension {
        /// By place (按市区划分).
        District = "district",
        /// By interest (宝妈, 养生, 健身…).
        Interest = "interest",
        /// By value tier.
        ValueTier = "value_tier",
        /// A VIP group.
        Vip = "vip",
        /// A seed-user group (种子用户).
        Seed = "seed",
        /// Anything else.
        Other = "other",
    }
}

name_enum! {
    /// A member's role inside one group (群员结构).
    GroupRole {
        /// 群主.
        Owner = "owner",
        /// 群管理员.
        Admin = "admin",
        /// KOL / expert (达人).
        Kol = "kol",
        /// Seed user (种子用户).
        Seed = "seed",
        /// Ordinary member.
        Member = "member",
    }
}

/// A group as a client sends it, for create and patch.
#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct GroupInput {
    /// Group name (required on create).
    pub name: Option<String>,
    /// `district`, `interest`, `value_tier`, `vip`, `seed` or `other`.
    pub dimension: Option<String>,
    /// Theme (群主题).
    pub theme: Option<String>,
    /// Rules text (群规).
    pub rules: Option<String>,
    /// Hard capacity, at most 500.
    pub capacity_hard: Option<i64>,
    /// Advised capacity, at most the hard one (default 200).
    pub capacity_advised: Option<i64>,
    /// WeCom chat_id.
    pub external_chat_id: Option<String>,
}

/// A validated new group.
#[derive(Debug, Clone, PartialEq)]
pub struct NewGroup {
    /// Name.
    pub name: String,
    /// Dimension.
    pub dimension: GroupDimension,
    /// Theme.
    pub theme: Option<String>,
    /// Rules text.
    pub rules: Option<String>,
    /// Hard capacity.
    pub capacity_hard: i64,
    /// Advised capacity.
    pub capacity_advised: i64,
    /// WeCom chat_id.
    pub external_chat_id: Option<String>,
}

/// A validated partial update of a group.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct GroupPatch {
    /// New name.
    pub name: Option<String>,
    /// New dimension.
    pub dimension: Option<GroupDimension>,
    /// New theme (or cleared).
    pub theme: Option<Option<String>>,
    /// New rules (or cleared).
    pub rules: Option<Option<String>>,
    /// New hard capacity.
    pub capacity_hard: Option<i64>,
    /// New advised capacity.
    pub capacity_advised: Option<i64>,
    /// New WeCom chat_id (or cleared).
    pub external_chat_id: Option<Option<String>>,
}

/// Checks capacities: 1 ≤ advised ≤ hard ≤ 500.
pub fn check_capacity(e: &mut Invalid, hard: i64, advised: i64) {
    if !(1..=HARD_CAPACITY_MAX).contains(&hard) {
        e.push(
            "capacity_hard",
            format!("must be between 1 and {HARD_CAPACITY_MAX}"),
        );
    } else if !(1..=hard).contains(&advised) {
        e.push("capacity_advised", "must be between 1 and capacity_hard");
    }
}

impl GroupInput {
    fn dimension(&self, e: &mut Invalid) -> Option<GroupDimension> {
        let raw = self.dimension.as_deref()?;
        let d = GroupDimension::parse(raw.trim());
        if d.is_none() {
            e.push(
                "dimension",
                format!("must be one of: {}", GroupDimension::expected()),
            );
        }
        d
    }

    /// Validates a create request.
    pub fn into_new(self) -> Result<NewGroup, Invalid> {
        let mut e = Invalid::default();
        let name = match &self.name {
            Some(n) => text::required(&mut e, "name", n, 64),
            None => {
                e.push("name", "is required");
                None
            }
        };
        let dimension = self.dimension(&mut e).unwrap_or(GroupDimension::Other);
        let hard = self.capacity_hard.unwrap_or(HARD_CAPACITY_MAX);
        let advised = self
            .capacity_advised
            .unwrap_or(ADVISED_CAPACITY_DEFAULT.min(hard));
        check_capacity(&mut e, hard, advised);
        let g = NewGroup {
            name: name.unwrap_or_default(),
            dimension,
            theme: text::optional(&mut e, "theme", self.theme.as_deref(), 200),
            rules: text::optional(&mut e, "rules", self.rules.as_deref(), 4000),
            capacity_hard: hard,
            capacity_advised: advised,
            external_chat_id: text::optional(
                &mut e,
                "external_chat_id",
                self.external_chat_id.as_deref(),
                128,
            ),
        };
        e.or_ok(g)
    }

    /// Validates an update request; capacities are checked against the stored ones.
    pub fn into_patch(self, stored_hard: i64, stored_advised: i64) -> Result<GroupPatch, Invalid> {
        let mut e = Invalid::default();
        let name = self
            .name
            .as_deref()
            .and_then(|n| text::required(&mut e, "name", n, 64));
        let dimension = self.dimension(&mut e);
        let hard = self.capacity_hard.unwrap_or(stored_hard);
        let advised = self.capacity_advised.unwrap_or(stored_advised.min(hard));
        if self.capacity_hard.is_some() || self.capacity_advised.is_some() {
            check_capacity(&mut e, hard, advised);
        }
        let opt = |e: &mut Invalid, f: &str, v: &Option<String>, max| {
            v.as_deref().map(|s| text::optional(e, f, Some(s), max))
        };
        let p = GroupPatch {
            name,
            dimension,
            theme: opt(&mut e, "theme", &self.theme, 200),
            rules: opt(&mut e, "rules", &self.rules, 4000),
            capacity_hard: self.capacity_hard,
            capacity_advised: (self.capacity_hard.is_some() || self.capacity_advised.is_some())
                .then_some(advised),
            external_chat_id: opt(&mut e, "external_chat_id", &self.external_chat_id, 128),
        };
        e.or_ok(p)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn capacity_above_wechat_limit_is_refused() {
        let r = GroupInput {
            name: Some("南山1群".into()),
            capacity_hard: Some(501),
            ..Default::default()
        }
        .into_new();
        assert_eq!(
            r.err().map(|e| e.0[0].field.clone()).as_deref(),
            Some("capacity_hard")
        );
    }

    #[test]
    fn defaults_are_500_hard_and_200_advised() {
        let g = GroupInput {
            name: Some("宝妈群".into()),
            ..Default::default()
        }
        .into_new();
        assert_eq!(
            g.map(|g| (g.capacity_hard, g.capacity_advised, g.dimension)),
            Ok((500, 200, GroupDimension::Other))
        );
    }

    #[test]
    fn advised_above_hard_is_refused_on_patch() {
        let r = GroupInput {
            capacity_advised: Some(300),
            ..Default::default()
        }
        .into_patch(250, 200);
        assert_eq!(
            r.err().map(|e| e.0[0].field.clone()).as_deref(),
            Some("capacity_advised")
        );
    }
}
