//! Tests of the role scores and KOL ranking on a hand-made community.

use super::*;
use crate::graph::build::{InteractionKind, build_interaction_graph};

const DAY: i64 = 86_400_000;
const NOW: i64 = 1_000 * DAY;

fn ev(member: u32, kind: InteractionKind, group: Option<u32>, at_ms: i64) -> InteractionEvent {
    InteractionEvent {
        member,
        kind,
        group,
        at_ms,
    }
}

fn community() -> Vec<InteractionEvent> {
    use InteractionKind::*;
    let t = NOW - 10 * DAY;
    vec![
        // Member 0 posts three messages; 1 replies to two, 2 re-shares one.
        ev(0, Message { message: 1 }, Some(10), t),
        ev(0, Message { message: 2 }, Some(10), t + DAY),
        ev(0, Message { message: 3 }, Some(10), t + 2 * DAY),
        ev(
            1,
            Reply {
                to: 0,
                message: Some(1),
            },
            Some(11),
            t + 3 * DAY,
        ),
        ev(
            1,
            Reply {
                to: 0,
                message: Some(2),
            },
            Some(11),
            t + 3 * DAY,
        ),
        ev(
            2,
            Reshare {
                of: 0,
                message: Some(1),
            },
            Some(12),
            t + 4 * DAY,
        ),
        // Member 3 invites 4 and 5; 4 joins and orders ¥100 + ¥23.45; 5 only visits.
        ev(3, Invite { invitee: 4 }, None, t),
        ev(3, Invite { invitee: 5 }, None, t),
        ev(4, Join, Some(10), t + DAY + 5 * 3_600_000),
        ev(4, Order { amount_fen: 10_000 }, None, t + 2 * DAY),
        ev(4, Order { amount_fen: 2_345 }, None, t + 3 * DAY),
        // Member 6 invites 4 later: no credit (first touch wins).
        ev(6, Invite { invitee: 4 }, None, t + DAY),
        // A share of 1's brings visitor 7, who joins.
        ev(
            1,
            ShareLedTo {
                node: 7,
                joined: true,
            },
            None,
            t + 5 * DAY,
        ),
    ]
}

fn scores() -> Vec<MemberScores> {
    let events = community();
    let opts = GraphBuildOptions::as_of(NOW);
    let g = build_interaction_graph(9, &events, &opts).unwrap();
    member_scores(&g, &events, &opts, &ScoreOptions::default())
}

#[test]
fn mavens_are_members_whose_messages_draw_responses() {
    let s = scores();
    assert_eq!(
        (s[0].messages, s[0].messages_responded, s[0].responses),
        (3, 2, 3)
    );
    assert_eq!(
        s[0].explanations.maven,
        "2 of 3 messages (67%) drew replies or re-shares; 3 responses in all."
    );
    let top = kol_ranking(&s, Role::Maven, 3, &|_| true);
    assert_eq!(top.len(), 1);
    assert_eq!(top[0].member, 0);
}

#[test]
fn salesmen_are_credited_first_touch_with_joins_orders_and_gmv() {
    let s = scores();
    assert_eq!(
        (s[3].brought, s[3].brought_joined, s[3].brought_ordered),
        (2, 1, 1)
    );
    assert_eq!(s[3].brought_gmv_fen, 12_345);
    assert_eq!(
        s[3].explanations.salesman,
        "Brought 2 people: 1 joined, 1 ordered, GMV ¥123.45."
    );
    assert_eq!(s[6].brought, 0);
    assert_eq!((s[1].brought, s[1].brought_joined), (1, 1));
    let top = kol_ranking(&s, Role::Salesman, 10, &|_| true);
    assert_eq!(top.iter().map(|k| k.member).collect::<Vec<_>>(), vec![3, 1]);
    // Excluding member 3 (e.g. staff) leaves 1 on top.
    let top = kol_ranking(&s, Role::Salesman, 10, &|m| m != 3);
    assert_eq!(top[0].member, 1);
}

#[test]
fn influence_connector_engagement_and_core_follow_the_interactions() {
    let s = scores();
    let top = kol_ranking(&s, Role::Influencer, 1, &|_| true);
    assert_eq!(top[0].member, 0, "{top:?}");
    // 0's neighbours 1 and 2 are active in groups 11 and 12; 0 in 10.
    assert_eq!(s[0].connector_groups, 3);
    assert_eq!(kol_ranking(&s, Role::Connector, 1, &|_| true)[0].member, 0);
    // 0 sits between 1 and 2, and 2 is a leaf.
    assert!(
        s[0].betweenness > 0.0 && s[2].betweenness == 0.0,
        "{:?}",
        s[0]
    );
    assert!(
        s[0].explanations
            .connector
            .starts_with("Has ties into 3 groups; on ")
    );
    // Node 8 never appears: no activity, no ties.
    assert_eq!(
        (s[8].engagement_level, s[8].connector_groups, s[8].k_shell),
        (0, 0, 0)
    );
    assert_eq!(
        s[8].explanations.engagement,
        "Level 0 of 10: no activity yet."
    );
    assert!(
        s.iter()
            .filter(|x| x.engagement > 0.0)
            .all(|x| (1..=10).contains(&x.engagement_level))
    );
    assert_eq!(s.iter().map(|x| x.engagement_level).max(), Some(10));
    assert!(s[0].inner_core && s[0].k_shell >= 1);
    let sum: f64 = s.iter().map(|x| x.influence).sum();
    assert!((sum - 1.0).abs() < 1e-9);
}

#[test]
fn wilson_bound_prefers_many_responses_over_one_lucky_message() {
    assert_eq!(wilson_lower_bound(0, 0), 0.0);
    assert!(wilson_lower_bound(1, 1) < wilson_lower_bound(40, 50));
    assert!(wilson_lower_bound(5, 10) < 0.5);
}

#[test]
fn a_group_kol_list_ranks_only_that_groups_members() {
    let events = community();
    let s = scores();
    let in_11 = group_members(&events, 9, 11, NOW);
    assert_eq!(in_11.iter().filter(|&&x| x).count(), 1);
    let top = kol_ranking(&s, Role::Engaged, 5, &|m| in_11[m as usize]);
    assert_eq!(top.iter().map(|k| k.member).collect::<Vec<_>>(), vec![1]);
}
