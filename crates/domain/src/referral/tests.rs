#![allow(clippy::unwrap_used)]

use std::collections::HashMap;

use proptest::prelude::*;

use super::guard::{HoldReason, Signals, hold_reason, network};
use super::ledger::{NoGrant, RewardAction, RewardState, Standing, may_grant};
use super::*;

/// A ledger kept by the rules alone, as the store keeps it.
#[derive(Default)]
struct Model {
    rows: HashMap<(i64, String), (RewardState, i64)>,
    spent: i64,
    granted: Vec<(i64, String)>,
}

impl Model {
    fn member_fen(&self, m: i64) -> i64 {
        self.rows
            .iter()
            .filter(|((who, _), (s, _))| *who == m && s.counts())
            .map(|(_, (_, v))| v)
            .sum()
    }

    fn grant(&mut self, m: i64, cause: &str, value: i64, budget: i64, cap: Option<i64>) {
        let s = Standing {
            cause_taken: self.rows.contains_key(&(m, cause.to_string())),
            budget_fen: budget,
            spent_fen: self.spent,
            member_cap_fen: cap,
            member_fen: self.member_fen(m),
        };
        if may_grant(&s, value).is_ok() {
            self.rows
                .insert((m, cause.to_string()), (RewardState::Pending, value));
            self.spent += value;
            self.granted.push((m, cause.to_string()));
        }
    }

    fn act(&mut self, m: i64, cause: &str, a: RewardAction) {
        if let Some((s, v)) = self.rows.get_mut(&(m, cause.to_string()))
            && let Some(next) = s.after(a)
        {
            if s.counts() && !next.counts() {
                self.spent -= *v;
            }
            *s = next;
        }
    }
}

#[derive(Debug, Clone)]
enum Op {
    Join(i64, i64),
    Leave(i64, i64),
    Approve(i64, i64),
    Pay(i64, i64),
    RetryLast,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        (0i64..4, 0i64..12).prop_map(|(a, b)| Op::Join(a, b)),
        (0i64..4, 0i64..12).prop_map(|(a, b)| Op::Leave(a, b)),
        (0i64..4, 0i64..12).prop_map(|(a, b)| Op::Approve(a, b)),
        (0i64..4, 0i64..12).prop_map(|(a, b)| Op::Pay(a, b)),
        Just(Op::RetryLast),
    ]
}

proptest! {
    /// Whatever the order of joins, leaves, retries and duplicate causes: each cause is
    /// rewarded at most once, the budget and the caps hold, and only a grant is reversed.
    #[test]
    fn each_cause_once_and_the_budget_holds(
        ops in proptest::collection::vec(op(), 0..80),
        budget in 0i64..2_000,
        cap in proptest::option::of(0i64..600),
        value in 1i64..300,
    ) {
        let mut m = Model::default();
        let mut last: Option<Op> = None;
        for o in ops {
            let o = match o { Op::RetryLast => match last.clone() { Some(l) => l, None => continue }, o => o };
            match &o {
                Op::Join(inviter, friend) => m.grant(*inviter, &ledger::join_cause(*friend), value, budget, cap),
                Op::Leave(inviter, friend) => m.act(*inviter, &ledger::join_cause(*friend), RewardAction::Reverse),
                Op::Approve(inviter, friend) => m.act(*inviter, &ledger::join_cause(*friend), RewardAction::Approve),
                Op::Pay(inviter, friend) => m.act(*inviter, &ledger::join_cause(*friend), RewardAction::Pay),
                Op::RetryLast => {}
            }
            last = Some(o);
            let counted: i64 = m.rows.values().filter(|(s, _)| s.counts()).map(|(_, v)| v).sum();
            prop_assert_eq!(counted, m.spent);
            prop_assert!(m.spent <= budget);
            if let Some(c) = cap {
                for who in 0..4 { prop_assert!(m.member_fen(who) <= c); }
            }
        }
        let mut seen = std::collections::HashSet::new();
        for g in &m.granted { prop_assert!(seen.insert(g.clone()), "granted twice: {:?}", g); }
        for (k, (s, _)) in &m.rows {
            if *s == RewardState::Reversed { prop_assert!(m.granted.contains(k)); }
        }
    }
}

#[test]
fn a_paid_or_refused_reward_cannot_move_back() {
    assert_eq!(RewardState::Paid.after(RewardAction::Reverse), None);
    assert_eq!(RewardState::Rejected.after(RewardAction::Approve), None);
    assert_eq!(RewardState::Reversed.after(RewardAction::Pay), None);
    assert_eq!(RewardState::Pending.after(RewardAction::Pay), None);
    assert_eq!(
        RewardState::Held.after(RewardAction::Approve),
        Some(RewardState::Approved)
    );
}

#[test]
fn the_budget_and_the_cap_refuse_what_would_pass_them() {
    let s = Standing {
        cause_taken: false,
        budget_fen: 100,
        spent_fen: 90,
        member_cap_fen: Some(50),
        member_fen: 45,
    };
    assert_eq!(may_grant(&s, 11), Err(NoGrant::OverBudget));
    assert_eq!(may_grant(&s, 6), Err(NoGrant::OverCap));
    assert_eq!(may_grant(&s, 5), Ok(()));
    assert_eq!(
        may_grant(
            &Standing {
                cause_taken: true,
                ..s
            },
            1
        ),
        Err(NoGrant::Duplicate)
    );
}

#[test]
fn guards_hold_for_the_first_reason_that_applies() {
    assert_eq!(hold_reason(&Signals::default()), None);
    let s = Signals {
        self_invite: true,
        recent_joins: 9,
        ..Default::default()
    };
    assert_eq!(hold_reason(&s), Some(HoldReason::SelfInvite));
    let s = Signals {
        recent_joins: 6,
        ..Default::default()
    };
    assert_eq!(hold_reason(&s), Some(HoldReason::Velocity));
    let s = Signals {
        same_network: 4,
        ..Default::default()
    };
    assert_eq!(hold_reason(&s), Some(HoldReason::IpCluster));
    assert_eq!(network("10.1.2.3").as_deref(), Some("10.1.2"));
    assert_eq!(network("2001:db8:1:2::9").as_deref(), Some("2001:db8:1:2"));
    assert_eq!(network("nope"), None);
}

#[test]
fn programme_inputs_name_their_fields() {
    let p = ProgramInput {
        name: Some("老带新".into()),
        slug: Some("invite".into()),
        rules: Some(ReferralRules {
            milestones: vec![
                Milestone {
                    friends: 5,
                    reward: RewardSpec {
                        kind: RewardKind::Points,
                        amount: 50,
                        value_fen: 50,
                    },
                },
                Milestone {
                    friends: 3,
                    reward: RewardSpec {
                        kind: RewardKind::Points,
                        amount: 0,
                        value_fen: 30,
                    },
                },
            ],
            ..Default::default()
        }),
        budget_fen: Some(-1),
        ..Default::default()
    };
    let e = p.into_new().err().unwrap_or_default();
    let fields: Vec<_> = e.0.iter().map(|f| f.field.as_str()).collect();
    assert_eq!(
        fields,
        [
            "rules.milestones[1].friends",
            "rules.milestones[1].reward.amount",
            "rules.invite",
            "budget_fen"
        ]
    );
}
