//! A scores run's computation: every member's scores and roles, the badges of each role's
//! top members, and each member's strongest ties, as the rows the store keeps.

use std::collections::HashMap;

use quanzi_analytics::graph::build::{GraphBuildOptions, InteractionGraph};
use quanzi_analytics::graph::roles::{MemberScores, Role, ScoreOptions, member_scores, role_score};
use quanzi_store::influence::ScoreRow;
use serde_json::json;

use super::ROLES;
use super::graph_input::Loaded;
use super::spread::round2;

/// Neighbours kept per member for the neighbourhood view.
pub const NEIGHBOURS: usize = 12;

/// The stored rows of a scores run and the top five of each role.
pub(super) fn score_rows(
    loaded: &Loaded,
    ig: &InteractionGraph,
    as_of: i64,
    seed: u64,
    run_id: i64,
) -> (Vec<ScoreRow>, serde_json::Value) {
    let opts = GraphBuildOptions::as_of(as_of);
    let score_opts = ScoreOptions {
        seed,
        ..ScoreOptions::default()
    };
    let scores = member_scores(ig, &loaded.events, &opts, &score_opts);
    let n = scores.len();
    let badge = (n / 100).max(10);
    let mut roles: Vec<Vec<&'static str>> = vec![Vec::new(); n];
    let mut top = serde_json::Map::new();
    let mut ranks = vec![0i64; n];
    for (role, name, _) in ROLES {
        let mut order: Vec<(f64, u32)> = scores
            .iter()
            .map(|s| (role_score(s, role), s.member))
            .filter(|(x, _)| *x > 1e-9)
            .collect();
        order.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
        for (_, u) in order.iter().take(badge) {
            roles[*u as usize].push(name);
        }
        if role == Role::Influencer {
            for (r, (_, u)) in order.iter().enumerate() {
                ranks[*u as usize] = r as i64 + 1;
            }
        }
        top.insert(
            name.to_string(),
            order
                .iter()
                .take(5)
                .map(|(_, u)| json!(loaded.ids[*u as usize]))
                .collect(),
        );
    }
    let rows = scores
        .iter()
        .filter(|s| {
            s.engagement > 0.0 || ig.graph.out_degree(s.member) + ig.graph.in_degree(s.member) > 0
        })
        .map(|s| {
            row(
                s,
                loaded,
                ig,
                &roles[s.member as usize],
                ranks[s.member as usize],
                run_id,
            )
        })
        .collect();
    (rows, serde_json::Value::Object(top))
}

/// The stored row of one member.
fn row(
    s: &MemberScores,
    loaded: &Loaded,
    ig: &InteractionGraph,
    roles: &[&str],
    rank: i64,
    run_id: i64,
) -> ScoreRow {
    let e = &s.explanations;
    let explanations = json!({
        "influencer": e.influence, "engaged": e.engagement, "connector": e.connector,
        "maven": e.maven, "salesman": e.salesman, "core": e.core,
    });
    ScoreRow {
        member_id: loaded.ids[s.member as usize],
        run_id,
        influence: s.influence,
        influence_rank: rank,
        engagement: s.engagement,
        engagement_level: i64::from(s.engagement_level),
        connector_groups: i64::from(s.connector_groups),
        betweenness: s.betweenness,
        k_shell: i64::from(s.k_shell),
        inner_core: i64::from(s.inner_core),
        messages: i64::from(s.messages),
        messages_responded: i64::from(s.messages_responded),
        responses: i64::from(s.responses),
        brought: i64::from(s.brought),
        brought_joined: i64::from(s.brought_joined),
        brought_ordered: i64::from(s.brought_ordered),
        brought_gmv_fen: s.brought_gmv_fen,
        score_influencer: role_score(s, Role::Influencer),
        score_connector: role_score(s, Role::Connector),
        score_maven: role_score(s, Role::Maven),
        score_salesman: role_score(s, Role::Salesman),
        score_engaged: role_score(s, Role::Engaged),
        score_core: role_score(s, Role::Core),
        roles: serde_json::to_string(roles).unwrap_or_else(|_| "[]".into()),
        explanations: explanations.to_string(),
        neighbours: neighbours(ig, s.member, &loaded.ids),
    }
}

/// The member's strongest ties as JSON `[[member_id, weight_out, weight_in], …]`.
fn neighbours(ig: &InteractionGraph, u: u32, ids: &[i64]) -> String {
    let g = &ig.graph;
    let mut ties: HashMap<u32, (f64, f64)> = HashMap::new();
    for (v, w) in g.out_neighbors(u).iter().zip(g.out_weights(u)) {
        ties.entry(*v).or_default().0 += f64::from(*w);
    }
    for (v, w) in g.in_neighbors(u).iter().zip(g.in_weights(u)) {
        ties.entry(*v).or_default().1 += f64::from(*w);
    }
    let mut list: Vec<(u32, f64, f64)> = ties.into_iter().map(|(v, (o, i))| (v, o, i)).collect();
    list.sort_by(|a, b| (b.1 + b.2).total_cmp(&(a.1 + a.2)).then(a.0.cmp(&b.0)));
    list.truncate(NEIGHBOURS);
    let out: Vec<(i64, f64, f64)> = list
        .into_iter()
        .map(|(v, o, i)| (ids[v as usize], round2(o), round2(i)))
        .collect();
    serde_json::to_string(&out).unwrap_or_else(|_| "[]".into())
}
