//! How a programme's rules and rewards read on the pages: a reward as "积分 100" or
//! "现金 ¥5.00", a cause as "邀请好友入群", the rules as one sentence each.

use quanzi_domain::referral::{ReferralRules, RewardKind, RewardSpec};

use super::super::Layout;
use super::super::format::{thousands, yuan};

/// A reward of `kind` and `amount` (fen for cash).
pub fn reward_text(l: &Layout, kind: &str, amount: i64) -> String {
    let name = l.code("reward_kind", kind);
    match RewardKind::parse(kind) {
        Some(RewardKind::Cash) => format!("{name} {}", yuan(amount)),
        Some(RewardKind::Points) => format!("{name} {}", thousands(amount)),
        _ => format!("{name} ×{}", thousands(amount)),
    }
}

/// A reward spec with what it costs the budget.
fn spec_text(l: &Layout, s: &RewardSpec) -> String {
    let reward = reward_text(l, s.kind.as_str(), s.amount);
    if s.kind == RewardKind::Cash && s.value_fen == s.amount {
        reward
    } else {
        format!(
            "{reward}{}",
            l.t("growth.rules.costs")
                .replace("{value}", &yuan(s.value_fen))
        )
    }
}

/// A reward's cause (`join:42`, `milestone:5`…) as the operator reads it.
pub fn cause_text(l: &Layout, cause: &str) -> String {
    let (kind, rest) = cause.split_once(':').unwrap_or((cause, ""));
    if kind == "milestone" {
        l.t("growth.cause.milestone_n").replace("{n}", rest)
    } else {
        l.code("cause", kind)
    }
}

/// The rules, one sentence each.
pub fn summary(l: &Layout, r: &ReferralRules) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(i) = &r.invite {
        let mut s = l
            .t("growth.rules.invite")
            .replace("{days}", &i.stay_days.to_string())
            .replace("{reward}", &spec_text(l, &i.reward));
        if let Some(f) = &i.invitee_reward {
            s.push_str(
                &l.t("growth.rules.friend_gets")
                    .replace("{reward}", &spec_text(l, f)),
            );
        }
        out.push(s);
    }
    for m in &r.milestones {
        out.push(
            l.t("growth.rules.milestone")
                .replace("{n}", &m.friends.to_string())
                .replace("{reward}", &spec_text(l, &m.reward)),
        );
    }
    if let Some(s) = &r.share_visit {
        out.push(
            l.t("growth.rules.share_visit")
                .replace("{reward}", &spec_text(l, s)),
        );
    }
    if let Some(o) = &r.first_order {
        let mut s = l
            .t("growth.rules.first_order")
            .replace("{min}", &yuan(o.min_amount_fen))
            .replace("{reward}", &spec_text(l, &o.reward));
        if let Some(f) = &o.invitee_reward {
            s.push_str(
                &l.t("growth.rules.friend_gets")
                    .replace("{reward}", &spec_text(l, f)),
            );
        }
        out.push(s);
    }
    out
}
