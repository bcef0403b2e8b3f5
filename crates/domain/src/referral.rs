//! Referral programmes (裂变): the rules an operator composes, the causes they reward, and
//! the reward ledger's rules — each cause once, the budget and the member cap never
//! exceeded, a reversal only after a grant.

use serde::{Deserialize, Serialize};

use crate::error::Invalid;
use crate::{name_enum, text};

pub mod guard;
pub mod ledger;
#[cfg(test)]
mod tests;

name_enum! {
    /// What a reward is paid in.
    RewardKind {
        /// Loyalty points (积分).
        Points = "points",
        /// A coupon (优惠券).
        Coupon = "coupon",
        /// A gift in store.
        Gift = "gift",
        /// Cash, paid outside Quanzi from an export.
        Cash = "cash",
    }
}

/// One reward: what it is and what it costs the programme's budget.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RewardSpec {
    /// `points`, `coupon`, `gift` or `cash`.
    pub kind: RewardKind,
    /// Points, coupon or gift count, or cash in fen.
    pub amount: i64,
    /// What it costs the budget, fen.
    pub value_fen: i64,
}

/// Invite friends who join a group and stay.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct InviteRule {
    /// Days the friend must stay in a group before the reward is approved (0–90).
    pub stay_days: i64,
    /// The inviter's reward per friend.
    pub reward: RewardSpec,
    /// The friend's own reward (double-sided), if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub invitee_reward: Option<RewardSpec>,
}

/// A reward at a number of friends brought (3, 5, 10…).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Milestone {
    /// Friends who joined and stayed.
    pub friends: i64,
    /// The reward at that number.
    pub reward: RewardSpec,
}

/// A friend's first order or top-up brings the inviter the big reward (大奖).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FirstOrderRule {
    /// The order must be at least this, fen.
    pub min_amount_fen: i64,
    /// The inviter's reward.
    pub reward: RewardSpec,
    /// The friend's reward, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub invitee_reward: Option<RewardSpec>,
}

/// The rules of a programme; each part is optional.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReferralRules {
    /// Per friend who joins and stays.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub invite: Option<InviteRule>,
    /// At 3, 5, 10… friends.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub milestones: Vec<Milestone>,
    /// Per new visitor a member's share (to Moments) brings.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub share_visit: Option<RewardSpec>,
    /// A friend's first order or top-up.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_order: Option<FirstOrderRule>,
}

impl ReferralRules {
    /// Checks every part; fields are named under `rules.`.
    pub fn check(&self, e: &mut Invalid) {
        let spec = |e: &mut Invalid, f: &str, s: &RewardSpec| {
            if !(1..=10_000_000).contains(&s.amount) {
                e.push(
                    format!("rules.{f}.amount"),
                    "must be between 1 and 10000000",
                );
            }
            if !(0..=10_000_000).contains(&s.value_fen) {
                e.push(
                    format!("rules.{f}.value_fen"),
                    "must be between 0 and 10000000",
                );
            }
        };
        if let Some(i) = &self.invite {
            if !(0..=90).contains(&i.stay_days) {
                e.push("rules.invite.stay_days", "must be between 0 and 90");
            }
            spec(e, "invite.reward", &i.reward);
            if let Some(r) = &i.invitee_reward {
                spec(e, "invite.invitee_reward", r);
            }
        }
        let mut last = 0;
        for (k, m) in self.milestones.iter().enumerate() {
            if m.friends <= last || m.friends > 10_000 {
                e.push(
                    format!("rules.milestones[{k}].friends"),
                    "must rise from one milestone to the next, up to 10000",
                );
            }
            last = m.friends;
            spec(e, &format!("milestones[{k}].reward"), &m.reward);
        }
        if let Some(s) = &self.share_visit {
            spec(e, "share_visit", s);
        }
        if let Some(o) = &self.first_order {
            if !(0..=100_000_000).contains(&o.min_amount_fen) {
                e.push(
                    "rules.first_order.min_amount_fen",
                    "must be between 0 and 100000000",
                );
            }
            spec(e, "first_order.reward", &o.reward);
            if let Some(r) = &o.invitee_reward {
                spec(e, "first_order.invitee_reward", r);
            }
        }
        if self.invite.is_none()
            && self.milestones.is_empty()
            && self.share_visit.is_none()
            && self.first_order.is_none()
        {
            e.push("rules", "set at least one rule");
        }
        if !self.milestones.is_empty() && self.invite.is_none() {
            e.push(
                "rules.invite",
                "milestones count invited friends: set the invite rule",
            );
        }
    }

    /// The next milestone above `friends`, for the progress page ("已邀请 3/5").
    pub fn next_milestone(&self, friends: i64) -> Option<&Milestone> {
        self.milestones.iter().find(|m| m.friends > friends)
    }
}

/// A programme as a client sends it.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ProgramInput {
    /// Name shown to members.
    pub name: Option<String>,
    /// URL slug of its share links.
    pub slug: Option<String>,
    /// The live code friends land on.
    pub live_code_id: Option<i64>,
    /// Its rules.
    pub rules: Option<ReferralRules>,
    /// Total budget, fen.
    pub budget_fen: Option<i64>,
    /// What one member may earn at most, fen.
    pub member_cap_fen: Option<i64>,
}

/// A validated programme.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewProgram {
    /// Name.
    pub name: String,
    /// Slug.
    pub slug: String,
    /// Landing code.
    pub live_code_id: Option<i64>,
    /// Rules.
    pub rules: ReferralRules,
    /// Budget, fen.
    pub budget_fen: i64,
    /// Member cap, fen.
    pub member_cap_fen: Option<i64>,
}

impl ProgramInput {
    /// Validates the input.
    pub fn into_new(self) -> Result<NewProgram, Invalid> {
        let mut e = Invalid::default();
        let name = text::present(&mut e, "name", self.name.as_deref(), 64);
        let slug = text::present(&mut e, "slug", self.slug.as_deref(), 40)
            .and_then(|s| crate::live_code::check_slug(&mut e, "slug", s.trim()));
        let rules = self.rules.unwrap_or_default();
        rules.check(&mut e);
        let budget_fen = self.budget_fen.unwrap_or(0);
        if !(0..=1_000_000_000).contains(&budget_fen) {
            e.push("budget_fen", "must be between 0 and 1000000000");
        }
        if self
            .member_cap_fen
            .is_some_and(|c| !(0..=1_000_000_000).contains(&c))
        {
            e.push("member_cap_fen", "must be between 0 and 1000000000");
        }
        e.or_ok(NewProgram {
            name: name.unwrap_or_default(),
            slug: slug.unwrap_or_default(),
            live_code_id: self.live_code_id,
            rules,
            budget_fen,
            member_cap_fen: self.member_cap_fen,
        })
    }
}
