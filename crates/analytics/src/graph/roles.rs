//! Per-member scores with a one-line English explanation each — influence, engagement,
//! connector, maven, salesman, k-shell — and the KOL ranking by role.
//!
//! The explanations are plain English sentences built from the figures; the UI translates
//! them (the figures are in the struct too, for a template that prefers them).

use super::betweenness::betweenness;
use super::build::{GraphBuildOptions, InteractionEvent, InteractionGraph};
use super::components::{Undirected, core_numbers_undirected};
use super::pagerank::{PageRankOptions, pagerank};
use super::signals::{connector_groups, engagement, levels, maven, salesman};

pub use super::signals::activity_weight;

/// The roles a member can be ranked by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Role {
    /// High PageRank on the endorsement graph (whose content others engage with).
    Influencer,
    /// Ties into many groups, deep in the k-shell structure (Gladwell's connector).
    Connector,
    /// Content that draws replies and re-shares (Gladwell's maven).
    Maven,
    /// Brings people who join and buy (Gladwell's salesman).
    Salesman,
    /// Most active, recent activity weighing most.
    Engaged,
    /// Deepest in the k-core decomposition.
    Core,
}

/// One member's scores and their explanations.
#[derive(Debug, Clone, PartialEq)]
pub struct MemberScores {
    /// The node id.
    pub member: u32,
    /// PageRank on the endorsement direction (sums to 1 over all nodes).
    pub influence: f64,
    /// Decayed weighted activity.
    pub engagement: f64,
    /// Engagement level 0–10 (0: no activity; 1–10: deciles among active members).
    pub engagement_level: u8,
    /// Distinct groups among the member's neighbours (and their own).
    pub connector_groups: u32,
    /// Share of other node pairs whose shortest paths run through the member (undirected,
    /// estimated from sampled sources on large graphs).
    pub betweenness: f64,
    /// Core number on the undirected view.
    pub k_shell: u32,
    /// Whether the member is in the graph's innermost core.
    pub inner_core: bool,
    /// Messages posted (with ids).
    pub messages: u32,
    /// Of those, messages that drew a reply or re-share from someone else.
    pub messages_responded: u32,
    /// Replies and re-shares received in all.
    pub responses: u32,
    /// People first brought by the member (invited, referred, or reached by a share).
    pub brought: u32,
    /// Of those, people who joined.
    pub brought_joined: u32,
    /// Of those, people who ordered after being brought.
    pub brought_ordered: u32,
    /// GMV of those people's orders after being brought, in fen.
    pub brought_gmv_fen: i64,
    /// One explanation line per role.
    pub explanations: Explanations,
}

/// One-line English explanations, one per role.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Explanations {
    /// Why the influence score is what it is.
    pub influence: String,
    /// Why the engagement level is what it is.
    pub engagement: String,
    /// Why the member is (or is not) a connector.
    pub connector: String,
    /// Why the member is (or is not) a maven.
    pub maven: String,
    /// Why the member is (or is not) a salesman.
    pub salesman: String,
    /// The member's k-shell position.
    pub core: String,
}

/// A member's place in a KOL list.
#[derive(Debug, Clone, PartialEq)]
pub struct KolEntry {
    /// The node id.
    pub member: u32,
    /// The role ranked by.
    pub role: Role,
    /// The role's score (higher is better).
    pub score: f64,
    /// The role's explanation line.
    pub explanation: String,
}

/// Parameters of [`member_scores`] beyond the graph's build options.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ScoreOptions {
    /// PageRank parameters for the influence score.
    pub pagerank: PageRankOptions,
    /// Source nodes sampled for betweenness (exact when at least the node count).
    pub betweenness_samples: u32,
    /// Seed of the betweenness sample.
    pub seed: u64,
}

impl Default for ScoreOptions {
    fn default() -> Self {
        Self {
            pagerank: PageRankOptions::default(),
            betweenness_samples: 256,
            seed: 42,
        }
    }
}

/// Scores every node of `graph` from the same `events` it was built from. `opts` must be
/// the build options (for `as_of_ms` and the decay).
#[must_use]
pub fn member_scores(
    graph: &InteractionGraph,
    events: &[InteractionEvent],
    opts: &GraphBuildOptions,
    score_opts: &ScoreOptions,
) -> Vec<MemberScores> {
    let g = &graph.graph;
    let n = g.node_count() as usize;
    let events: Vec<&InteractionEvent> = events
        .iter()
        .filter(|e| e.at_ms <= opts.as_of_ms && e.member < g.node_count())
        .collect();
    // Influence: rank flows along endorsements, i.e. against the influence edges.
    let influence = pagerank(&g.transposed(), &score_opts.pagerank).scores;
    let engagement = engagement(&events, n, opts);
    let levels = levels(&engagement);
    let ug = Undirected::of(g);
    let core = core_numbers_undirected(&ug);
    let between = betweenness(&ug, score_opts.betweenness_samples, score_opts.seed);
    let max_core = core.iter().copied().max().unwrap_or(0);
    let groups = connector_groups(&events, &ug, n);
    let maven = maven(&events, n);
    let sales = salesman(&events, n);
    let avg = 1.0 / n.max(1) as f64;
    let mut by_influence: Vec<u32> = (0..n as u32).collect();
    by_influence.sort_by(|&a, &b| influence[b as usize].total_cmp(&influence[a as usize]));
    let mut influence_rank = vec![0u32; n];
    for (r, &u) in by_influence.iter().enumerate() {
        influence_rank[u as usize] = r as u32 + 1;
    }
    let active = engagement.iter().filter(|&&x| x > 0.0).count();
    (0..n)
        .map(|u| {
            let (msgs, responded, responses) = maven[u];
            let s = sales[u];
            let explanations = Explanations {
                influence: format!(
                    "Influence {:.1}× the community average (rank {} of {n}) from who replies to, \
                     re-shares and follows up on this member.",
                    influence[u] / avg,
                    influence_rank[u]
                ),
                engagement: if levels[u] == 0 {
                    "Level 0 of 10: no activity yet.".to_string()
                } else {
                    format!(
                        "Level {} of 10: activity score {:.1} (recent months weigh most), among \
                         {active} active members.",
                        levels[u], engagement[u]
                    )
                },
                connector: format!(
                    "Has ties into {} groups; on {:.1}% of shortest paths between others; \
                     k-shell {} of at most {max_core}.",
                    groups[u],
                    100.0 * between[u],
                    core[u]
                ),
                maven: if msgs == 0 {
                    format!(
                        "No identified messages yet; {responses} replies or re-shares received."
                    )
                } else {
                    format!(
                        "{responded} of {msgs} messages ({:.0}%) drew replies or re-shares; \
                         {responses} responses in all.",
                        100.0 * f64::from(responded) / f64::from(msgs)
                    )
                },
                salesman: format!(
                    "Brought {} people: {} joined, {} ordered, GMV ¥{}.{:02}.",
                    s.brought,
                    s.joined,
                    s.ordered,
                    s.gmv_fen / 100,
                    (s.gmv_fen % 100).abs()
                ),
                core: if core[u] == max_core && max_core > 0 {
                    format!("In the innermost core (k-shell {}).", core[u])
                } else {
                    format!("k-shell {} of at most {max_core}.", core[u])
                },
            };
            MemberScores {
                member: u as u32,
                influence: influence[u],
                engagement: engagement[u],
                engagement_level: levels[u],
                connector_groups: groups[u],
                betweenness: between[u],
                k_shell: core[u],
                inner_core: max_core > 0 && core[u] == max_core,
                messages: msgs,
                messages_responded: responded,
                responses,
                brought: s.brought,
                brought_joined: s.joined,
                brought_ordered: s.ordered,
                brought_gmv_fen: s.gmv_fen,
                explanations,
            }
        })
        .collect()
}

/// The role's score of one member (higher is better).
#[must_use]
pub fn role_score(s: &MemberScores, role: Role) -> f64 {
    match role {
        Role::Influencer => s.influence,
        // Groups first; betweenness (at most 0.5 here) and then the k-shell break ties.
        Role::Connector => {
            f64::from(s.connector_groups) + 0.5 * s.betweenness + f64::from(s.k_shell) / 1e6
        }
        Role::Maven => wilson_lower_bound(s.messages_responded, s.messages),
        // GMV in yuan, plus one per join so that joins without orders still count.
        Role::Salesman => s.brought_gmv_fen as f64 / 100.0 + f64::from(s.brought_joined),
        Role::Engaged => s.engagement,
        Role::Core => f64::from(s.k_shell) + s.influence,
    }
}

/// The top `limit` members by `role` among those `include` accepts (e.g. members of one
/// group, non-staff), skipping zero scores; ties by lower id.
#[must_use]
pub fn kol_ranking(
    scores: &[MemberScores],
    role: Role,
    limit: usize,
    include: &dyn Fn(u32) -> bool,
) -> Vec<KolEntry> {
    let mut list: Vec<(f64, &MemberScores)> = scores
        .iter()
        .filter(|s| include(s.member))
        .map(|s| (role_score(s, role), s))
        .filter(|(x, _)| *x > 0.0)
        .collect();
    list.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.member.cmp(&b.1.member)));
    list.truncate(limit);
    list.into_iter()
        .map(|(score, s)| KolEntry {
            member: s.member,
            role,
            score,
            explanation: match role {
                Role::Influencer => s.explanations.influence.clone(),
                Role::Connector => s.explanations.connector.clone(),
                Role::Maven => s.explanations.maven.clone(),
                Role::Salesman => s.explanations.salesman.clone(),
                Role::Engaged => s.explanations.engagement.clone(),
                Role::Core => s.explanations.core.clone(),
            },
        })
        .collect()
}

/// Flags the nodes with any event in `group` up to `as_of_ms`, e.g. for a per-group KOL list
/// (`kol_ranking(.., &|m| in_group[m as usize])`).
#[must_use]
pub fn group_members(events: &[InteractionEvent], n: u32, group: u32, as_of_ms: i64) -> Vec<bool> {
    let mut flags = vec![false; n as usize];
    for e in events {
        if e.group == Some(group) && e.at_ms <= as_of_ms && e.member < n {
            flags[e.member as usize] = true;
        }
    }
    flags
}

/// The lower end of the 95% Wilson interval of `k` successes in `n` trials (0 when n = 0):
/// a share that does not reward one lucky message.
#[must_use]
pub fn wilson_lower_bound(k: u32, n: u32) -> f64 {
    if n == 0 {
        return 0.0;
    }
    let (k, n, z) = (f64::from(k), f64::from(n), 1.96f64);
    let p = k / n;
    let denom = 1.0 + z * z / n;
    let centre = p + z * z / (2.0 * n);
    let margin = z * ((p * (1.0 - p) + z * z / (4.0 * n)) / n).sqrt();
    ((centre - margin) / denom).max(0.0)
}

#[cfg(test)]
#[path = "roles_tests.rs"]
mod tests;
