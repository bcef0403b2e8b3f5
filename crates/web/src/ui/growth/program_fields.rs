//! The programme form's fields that are not plain text: a reward typed as kind, amount and
//! value (cash and values in yuan), and where a use-case's error on a rule lands in the form.

use quanzi_domain::referral::{RewardKind, RewardSpec};

use super::super::Layout;
use super::super::form::{FormErrors, label};
use super::{Pairs, fen, whole, yuan_field};

/// The label prefix of the form's fields in the locale files.
pub const PREFIX: &str = "program_form";

/// A reward as typed: kind, amount (yuan for cash), value in yuan.
#[derive(Debug, Default, Clone)]
pub struct Spec {
    /// `points`, `coupon`, `gift` or `cash`.
    pub kind: String,
    /// Points or a count, or yuan for cash.
    pub amount: String,
    /// What it costs the budget, yuan.
    pub value: String,
}

impl Spec {
    /// The reward typed under `{prefix}_kind`, `{prefix}_amount`, `{prefix}_value`.
    pub fn read(p: &Pairs, prefix: &str) -> Spec {
        Spec {
            kind: p.get(&format!("{prefix}_kind")).to_string(),
            amount: p.get(&format!("{prefix}_amount")).to_string(),
            value: p.get(&format!("{prefix}_value")).to_string(),
        }
    }

    /// A stored reward as typed (none: empty fields).
    pub fn of(s: Option<&RewardSpec>) -> Spec {
        let Some(s) = s else {
            return Spec::default();
        };
        Spec {
            kind: s.kind.as_str().to_string(),
            amount: match s.kind {
                RewardKind::Cash => yuan_field(s.amount),
                _ => s.amount.to_string(),
            },
            value: yuan_field(s.value_fen),
        }
    }

    /// The reward, when an amount was typed; a cash amount is in yuan, and a cash reward
    /// without a value costs the budget what it pays.
    pub fn input(&self, l: &Layout, errs: &mut FormErrors, prefix: &str) -> Option<RewardSpec> {
        if self.amount.is_empty() {
            return None;
        }
        let kind = RewardKind::parse(&self.kind).unwrap_or(RewardKind::Points);
        // A milestone's fields are all filed under its row (`ms2`).
        let row = prefix.starts_with("ms");
        let named = |f: &str| {
            if row {
                prefix.to_string()
            } else {
                format!("{prefix}_{f}")
            }
        };
        let labels = |f: &str| field_label(l, f);
        let amount = match kind {
            RewardKind::Cash => fen(l, errs, &labels, &named("amount"), &self.amount),
            _ => whole(l, errs, &labels, &named("amount"), &self.amount),
        }?;
        let value = fen(l, errs, &labels, &named("value"), &self.value);
        let value_fen = value.unwrap_or(if kind == RewardKind::Cash { amount } else { 0 });
        Some(RewardSpec {
            kind,
            amount,
            value_fen,
        })
    }
}

/// The form field of a use-case's field (`rules.invite.reward.value_fen` → `invite_value`,
/// `rules.milestones[2].friends` → `ms2`).
pub fn form_field(field: &str) -> String {
    if let Some(k) = field
        .strip_prefix("rules.milestones[")
        .and_then(|r| r.split(']').next())
    {
        return format!("ms{k}");
    }
    let field = field.replace("value_fen", "value");
    for (from, to) in [
        ("rules.invite.invitee_reward.", "invitee_"),
        ("rules.invite.reward.", "invite_"),
        ("rules.invite.", "invite_"),
        ("rules.first_order.invitee_reward.", "fo_invitee_"),
        ("rules.first_order.reward.", "fo_"),
        ("rules.first_order.min_amount_fen", "fo_min"),
        ("rules.share_visit.", "sv_"),
    ] {
        if let Some(rest) = field.strip_prefix(from) {
            return format!("{to}{rest}");
        }
    }
    match field.as_str() {
        "budget_fen" => "budget".into(),
        "member_cap_fen" => "member_cap".into(),
        "rules.invite" => "rules".into(),
        _ => field,
    }
}

/// The label of a form field: a milestone's is numbered (`里程碑 2`).
pub fn field_label(l: &Layout, field: &str) -> String {
    match field
        .strip_prefix("ms")
        .and_then(|i| i.parse::<usize>().ok())
    {
        Some(i) => l
            .t("program_form.milestone_n")
            .replace("{n}", &(i + 1).to_string()),
        None => label(l, PREFIX, field),
    }
}

/// The fields of the rewards the form shows beside their inputs.
pub const SPEC_FIELDS: [&str; 11] = [
    "invite_stay_days",
    "invite_amount",
    "invite_value",
    "invitee_amount",
    "invitee_value",
    "sv_amount",
    "sv_value",
    "fo_amount",
    "fo_value",
    "fo_invitee_amount",
    "fo_invitee_value",
];

#[cfg(test)]
mod tests {
    use super::form_field;

    #[test]
    fn a_rules_error_lands_beside_the_field_that_typed_it() {
        assert_eq!(form_field("rules.invite.reward.value_fen"), "invite_value");
        assert_eq!(
            form_field("rules.invite.invitee_reward.amount"),
            "invitee_amount"
        );
        assert_eq!(form_field("rules.invite.stay_days"), "invite_stay_days");
        assert_eq!(form_field("rules.milestones[2].friends"), "ms2");
        assert_eq!(form_field("rules.first_order.min_amount_fen"), "fo_min");
        assert_eq!(
            form_field("rules.first_order.invitee_reward.value_fen"),
            "fo_invitee_value"
        );
        assert_eq!(form_field("rules.share_visit.amount"), "sv_amount");
        assert_eq!(form_field("budget_fen"), "budget");
        assert_eq!(form_field("rules.invite"), "rules");
    }
}
