//! The one membership rule: how joins and leaves change who is in a group. The API's event
//! batches, the imports and WeCom's callbacks all fold their changes through [`fold`], so a
//! membership ends the same whichever way its changes arrived.
//!
//! A join opens a membership the member does not have (with the join's role, scene and
//! inviter) or reopens a closed one (role kept, joined time, scene and inviter the join's);
//! an open one is left as it is. A leave closes an open membership. Changes apply in time
//! order, ties in the order they were given. Every change is also a line of the history,
//! whether or not it changed the state.

use std::collections::HashMap;

use crate::group::GroupRole;
use crate::{GroupId, MemberId};

/// One member's membership of one group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Membership {
    /// Role in the group.
    pub role: GroupRole,
    /// When they (last) joined, unix ms.
    pub joined_at_ms: i64,
    /// How they came in.
    pub join_scene: Option<String>,
    /// Who invited them.
    pub inviter: Option<MemberId>,
    /// When they left, unix ms; none while they are in.
    pub left_at_ms: Option<i64>,
}

/// What happened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// The member joined.
    Join {
        /// The role a new membership gets.
        role: GroupRole,
        /// How they came in.
        join_scene: Option<String>,
        /// Who invited them.
        inviter: Option<MemberId>,
    },
    /// The member left.
    Leave,
}

/// A change of one member in one group at a time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dated {
    /// Group.
    pub group: GroupId,
    /// Member.
    pub member: MemberId,
    /// When, unix ms.
    pub at_ms: i64,
    /// What.
    pub change: Change,
}

/// The membership after `change` at `at_ms`, given the one before (none: never a member).
pub fn apply(before: Option<&Membership>, change: &Change, at_ms: i64) -> Option<Membership> {
    match (change, before) {
        (
            Change::Join {
                role,
                join_scene,
                inviter,
            },
            None,
        ) => Some(Membership {
            role: *role,
            joined_at_ms: at_ms,
            join_scene: join_scene.clone(),
            inviter: *inviter,
            left_at_ms: None,
        }),
        (
            Change::Join {
                join_scene,
                inviter,
                ..
            },
            Some(m),
        ) if m.left_at_ms.is_some() => Some(Membership {
            role: m.role,
            joined_at_ms: at_ms,
            join_scene: join_scene.clone(),
            inviter: *inviter,
            left_at_ms: None,
        }),
        (Change::Leave, Some(m)) if m.left_at_ms.is_none() => Some(Membership {
            left_at_ms: Some(at_ms),
            ..m.clone()
        }),
        (_, m) => m.cloned(),
    }
}

/// A (group, member) pair.
pub type Pair = (GroupId, MemberId);

/// Applies `changes` (in time order, ties in the order given) to the memberships `stored`
/// holds for the pairs they touch, and answers the memberships whose state changed, in pair
/// order; the pairs missing from `stored` had none.
pub fn fold(stored: &HashMap<Pair, Membership>, changes: &[Dated]) -> Vec<(Pair, Membership)> {
    let mut order: Vec<usize> = (0..changes.len()).collect();
    order.sort_by_key(|&i| changes[i].at_ms);
    let mut now: HashMap<Pair, Option<Membership>> = HashMap::new();
    for i in order {
        let c = &changes[i];
        let key = (c.group, c.member);
        let slot = now.entry(key).or_insert_with(|| stored.get(&key).cloned());
        *slot = apply(slot.as_ref(), &c.change, c.at_ms);
    }
    let mut out: Vec<(Pair, Membership)> = now
        .into_iter()
        .filter_map(|(key, m)| {
            let m = m?;
            (stored.get(&key) != Some(&m)).then_some((key, m))
        })
        .collect();
    out.sort_by_key(|(k, _)| (k.0.0, k.1.0));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn join(member: i64, at_ms: i64) -> Dated {
        Dated {
            group: GroupId(1),
            member: MemberId(member),
            at_ms,
            change: Change::Join {
                role: GroupRole::Member,
                join_scene: Some("qr".into()),
                inviter: None,
            },
        }
    }

    fn leave(member: i64, at_ms: i64) -> Dated {
        Dated {
            group: GroupId(1),
            member: MemberId(member),
            at_ms,
            change: Change::Leave,
        }
    }

    fn state(changed: &[(Pair, Membership)], member: i64) -> Option<&Membership> {
        changed
            .iter()
            .find(|(k, _)| k.1 == MemberId(member))
            .map(|(_, m)| m)
    }

    #[test]
    fn changes_apply_in_time_order_whatever_order_they_arrive_in() {
        let changed = fold(&HashMap::new(), &[leave(7, 20), join(7, 10)]);
        let m = state(&changed, 7).map(|m| (m.joined_at_ms, m.left_at_ms));
        assert_eq!(m, Some((10, Some(20))));
    }

    #[test]
    fn a_join_reopens_a_closed_membership_and_keeps_its_role() {
        let stored = HashMap::from([(
            (GroupId(1), MemberId(7)),
            Membership {
                role: GroupRole::Kol,
                joined_at_ms: 1,
                join_scene: None,
                inviter: None,
                left_at_ms: Some(5),
            },
        )]);
        let changed = fold(&stored, &[join(7, 10)]);
        let m = state(&changed, 7).cloned();
        assert_eq!(m.as_ref().map(|m| m.role), Some(GroupRole::Kol));
        assert_eq!(m.as_ref().map(|m| m.joined_at_ms), Some(10));
        assert_eq!(m.and_then(|m| m.join_scene), Some("qr".into()));
    }

    #[test]
    fn a_join_of_a_member_already_in_changes_nothing() {
        let first = fold(&HashMap::new(), &[join(7, 10)]);
        let stored: HashMap<Pair, Membership> = first.into_iter().collect();
        assert!(fold(&stored, &[join(7, 20)]).is_empty());
    }

    #[test]
    fn a_leave_of_a_member_never_in_changes_nothing() {
        assert!(fold(&HashMap::new(), &[leave(7, 10)]).is_empty());
    }

    #[test]
    fn equal_times_keep_the_order_given() {
        let changed = fold(&HashMap::new(), &[join(7, 10), leave(7, 10)]);
        assert_eq!(state(&changed, 7).and_then(|m| m.left_at_ms), Some(10));
        let changed = fold(&HashMap::new(), &[leave(7, 10), join(7, 10)]);
        assert_eq!(state(&changed, 7).map(|m| m.left_at_ms), Some(None));
    }
}
