//! Tests of the interaction graph's edges, weights, decay and co-activity sampling.

use super::*;

const MONTH: i64 = 30 * 86_400_000;
const NOW: i64 = 100 * MONTH;

fn ev(member: u32, kind: InteractionKind, group: Option<u32>, at_ms: i64) -> InteractionEvent {
    InteractionEvent {
        member,
        kind,
        group,
        at_ms,
    }
}

fn weight(g: &InteractionGraph, u: u32, v: u32) -> Option<f32> {
    let i = g.graph.out_neighbors(u).iter().position(|&x| x == v)?;
    Some(g.graph.out_weights(u)[i])
}

#[test]
fn direct_interactions_point_the_way_influence_flows() {
    use InteractionKind::*;
    let events = [
        ev(
            1,
            Reply {
                to: 0,
                message: None,
            },
            None,
            NOW,
        ),
        ev(0, Mention { to: 2 }, None, NOW),
        ev(
            3,
            Reshare {
                of: 0,
                message: Some(7),
            },
            None,
            NOW,
        ),
        ev(0, Invite { invitee: 4 }, None, NOW),
        ev(2, Referral { new_member: 5 }, None, NOW),
        ev(
            2,
            ShareLedTo {
                node: 6,
                joined: false,
            },
            None,
            NOW,
        ),
        ev(2, Mention { to: 2 }, None, NOW), // self-mention: no edge
    ];
    let g = build_interaction_graph(7, &events, &GraphBuildOptions::as_of(NOW)).unwrap();
    assert_eq!(g.graph.out_neighbors(0), &[1, 2, 3, 4]);
    assert_eq!(g.graph.out_neighbors(2), &[5, 6]);
    assert_eq!(g.graph.edge_count(), 6);
    assert!(g.graph.weights().iter().all(|&w| w == 10.0));
}

#[test]
fn weights_sum_per_edge_and_decay_ten_percent_per_idle_month() {
    use InteractionKind::*;
    let events = [
        ev(
            1,
            Reply {
                to: 0,
                message: None,
            },
            None,
            NOW - 5 * MONTH,
        ),
        ev(
            1,
            Reply {
                to: 0,
                message: None,
            },
            None,
            NOW - 2 * MONTH,
        ),
        ev(0, Mention { to: 2 }, None, NOW - MONTH / 2),
        ev(0, Mention { to: 3 }, None, NOW + 1), // after as_of: ignored
    ];
    let g = build_interaction_graph(4, &events, &GraphBuildOptions::as_of(NOW)).unwrap();
    // 10 + 10, last touched two months ago: 20 · 0.9².
    assert!((weight(&g, 0, 1).unwrap() - 16.2).abs() < 1e-4);
    assert!((weight(&g, 0, 2).unwrap() - 10.0 * 0.9f32.powf(0.5)).abs() < 1e-4);
    assert_eq!(weight(&g, 0, 3), None);
    assert_eq!(
        g.last_at_ms[g.graph.out_edge_range(0).start],
        NOW - 2 * MONTH
    );
}

#[test]
fn co_activity_links_members_of_the_same_group_hour() {
    use InteractionKind::*;
    let hour = 3_600_000;
    let t = NOW - NOW % hour;
    let events = [
        ev(0, Message { message: 1 }, Some(9), t + 10),
        ev(1, Other, Some(9), t + 20),
        ev(2, Message { message: 2 }, Some(9), t + hour - 1),
        ev(2, Other, Some(9), t + 5),    // same node twice: one link
        ev(3, Other, Some(9), t + hour), // next hour
        ev(4, Other, Some(8), t + 30),   // other group
    ];
    let g = build_interaction_graph(5, &events, &GraphBuildOptions::as_of(NOW + hour)).unwrap();
    assert_eq!(g.graph.edge_count(), 6);
    assert_eq!(g.graph.out_neighbors(0), &[1, 2]);
    assert_eq!(g.graph.out_neighbors(2), &[0, 1]);
    assert!(g.graph.out_neighbors(3).is_empty() && g.graph.out_neighbors(4).is_empty());
}

#[test]
fn a_crowded_group_hour_is_sampled_with_each_members_weight_kept() {
    let m = 200u32;
    let events: Vec<_> = (0..m)
        .map(|u| ev(u, InteractionKind::Other, Some(1), NOW))
        .collect();
    let opts = GraphBuildOptions::as_of(NOW);
    let g = build_interaction_graph(m, &events, &opts).unwrap();
    assert_eq!(g.graph.edge_count(), (m as usize) * opts.coactivity_cap);
    for u in 0..m {
        assert_eq!(g.graph.out_degree(u) as usize, opts.coactivity_cap);
        assert!((g.graph.weighted_out_degree(u) - f64::from(m - 1)).abs() < 1e-3);
    }
}

#[test]
fn unknown_nodes_are_refused() {
    let events = [ev(0, InteractionKind::Invite { invitee: 5 }, None, NOW)];
    assert!(build_interaction_graph(3, &events, &GraphBuildOptions::as_of(NOW)).is_err());
}
