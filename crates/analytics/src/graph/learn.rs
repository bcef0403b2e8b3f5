//! Edge activation probabilities learned from past cascades (the Bernoulli estimate of
//! Goyal, Bonchi and Lakshmanan 2010), smoothed toward weighted cascade where data is thin.
//!
//! For an edge `u → v`: the attempts are the content `u` put out (messages and re-shares),
//! the successes the times `v` took it up (replied to or re-shared `u`, or visited or joined
//! through `u`'s share). The estimate is `(successes + α · p₀) / (attempts + α)` with the
//! weighted-cascade prior `p₀ = 1 / in_degree(v)` and prior strength `α`, so an edge with no
//! history keeps `p₀` and a well-observed edge follows its data.

use std::collections::HashMap;

use super::build::{InteractionEvent, InteractionGraph, InteractionKind};
use super::diffusion::ProbabilityModel;

/// Learns one probability per edge of `graph` from the `events` it was built from (events
/// after `as_of_ms` are ignored); `prior_strength` is α, the weight of the prior in
/// pseudo-attempts (2 is a mild choice). Returns [`ProbabilityModel::Learned`].
#[must_use]
pub fn learn_probabilities(
    graph: &InteractionGraph,
    events: &[InteractionEvent],
    as_of_ms: i64,
    prior_strength: f64,
) -> ProbabilityModel {
    let g = &graph.graph;
    let n = g.node_count();
    let mut attempts = vec![0u32; n as usize];
    let mut successes: HashMap<(u32, u32), u32> = HashMap::new();
    for e in events
        .iter()
        .filter(|e| e.at_ms <= as_of_ms && e.member < n)
    {
        let taken_up = match e.kind {
            InteractionKind::Message { .. } => {
                attempts[e.member as usize] += 1;
                None
            }
            InteractionKind::Reshare { of, .. } => {
                attempts[e.member as usize] += 1;
                Some((of, e.member))
            }
            InteractionKind::Reply { to, .. } => Some((to, e.member)),
            InteractionKind::ShareLedTo { node, .. } => Some((e.member, node)),
            _ => None,
        };
        if let Some((u, v)) = taken_up
            && u != v
            && u < n
            && v < n
        {
            *successes.entry((u, v)).or_insert(0) += 1;
        }
    }
    let alpha = prior_strength.max(0.0);
    let mut p = Vec::with_capacity(g.edge_count());
    for u in 0..n {
        for &v in g.out_neighbors(u) {
            let prior = 1.0 / f64::from(g.in_degree(v).max(1));
            let s = f64::from(successes.get(&(u, v)).copied().unwrap_or(0));
            // A success without a recorded attempt (e.g. a share's visit) is an attempt too.
            let a = f64::from(attempts[u as usize]).max(s);
            let est = if a + alpha > 0.0 {
                (s + alpha * prior) / (a + alpha)
            } else {
                prior
            };
            p.push(est.clamp(0.0, 1.0) as f32);
        }
    }
    ProbabilityModel::Learned(p)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graph::build::{GraphBuildOptions, build_interaction_graph};

    fn ev(member: u32, kind: InteractionKind) -> InteractionEvent {
        InteractionEvent {
            member,
            kind,
            group: None,
            at_ms: 0,
        }
    }

    #[test]
    fn observed_edges_follow_their_data_and_others_keep_the_prior() {
        use InteractionKind::*;
        let mut events = Vec::new();
        // Member 0 posts 10 messages; 1 replies 8 times; 2 was mentioned once by 0.
        for m in 0..10 {
            events.push(ev(0, Message { message: m }));
        }
        for _ in 0..8 {
            events.push(ev(
                1,
                Reply {
                    to: 0,
                    message: None,
                },
            ));
        }
        events.push(ev(0, Mention { to: 2 }));
        let g = build_interaction_graph(3, &events, &GraphBuildOptions::as_of(0)).unwrap();
        let ProbabilityModel::Learned(p) = learn_probabilities(&g, &events, 0, 2.0) else {
            panic!("learned probabilities expected");
        };
        assert_eq!(g.graph.out_neighbors(0), &[1, 2]);
        // 0 → 1: (8 + 2 · 1) / (10 + 2); 0 → 2: no take-up, (0 + 2 · 1) / (10 + 2).
        assert!((p[0] - 10.0 / 12.0).abs() < 1e-6, "{p:?}");
        assert!((p[1] - 2.0 / 12.0).abs() < 1e-6, "{p:?}");
        let silent = learn_probabilities(&g, &[], 0, 2.0);
        assert_eq!(silent, ProbabilityModel::Learned(vec![1.0, 1.0]));
    }
}
