//! What the pages and the API read of influence: a member's stored scores and ties, the KOL
//! list by role, and a member's neighbourhood graph.

use std::collections::HashSet;

use quanzi_analytics::graph::roles::Role;
use quanzi_domain::{GroupId, Invalid, MemberId, TenantId};
use quanzi_store::Db;
use quanzi_store::influence::{self as store, ScoreRow};
use serde::Serialize;

use crate::{CoreError, Result};

/// Roles in the order the KOL list shows them, with their API names and score columns.
pub const ROLES: [(Role, &str, &str); 6] = [
    (Role::Influencer, "influencer", "score_influencer"),
    (Role::Connector, "connector", "score_connector"),
    (Role::Maven, "maven", "score_maven"),
    (Role::Salesman, "salesman", "score_salesman"),
    (Role::Engaged, "engaged", "score_engaged"),
    (Role::Core, "core", "score_core"),
];

/// The role named `name` in the API.
pub fn role_by_name(name: &str) -> Option<(Role, &'static str, &'static str)> {
    ROLES.iter().copied().find(|(_, n, _)| *n == name)
}

/// A member's stored scores, as the API and the pages show them.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MemberInfluence {
    /// The member.
    pub member_id: i64,
    /// The scores run that computed them.
    pub run_id: i64,
    /// PageRank on the endorsement graph (sums to 1 over the tenant).
    pub influence: f64,
    /// Rank by influence, 1 = most influential (0: no influence).
    pub influence_rank: i64,
    /// Decayed weighted activity.
    pub engagement: f64,
    /// Engagement level, 0 (no activity) to 10.
    pub engagement_level: i64,
    /// Groups the member has ties into.
    pub connector_groups: i64,
    /// Share of shortest paths between others that run through the member.
    pub betweenness: f64,
    /// Core number (k-shell).
    pub k_shell: i64,
    /// In the innermost core.
    pub inner_core: bool,
    /// Messages posted.
    pub messages: i64,
    /// Messages that drew replies or re-shares.
    pub messages_responded: i64,
    /// Replies and re-shares received.
    pub responses: i64,
    /// People the member brought (invited, referred, or reached by a share).
    pub brought: i64,
    /// Of those, people who joined.
    pub brought_joined: i64,
    /// Of those, people who ordered.
    pub brought_ordered: i64,
    /// Their GMV after being brought, fen.
    pub brought_gmv_fen: i64,
    /// The score of each role.
    pub role_scores: std::collections::BTreeMap<String, f64>,
    /// Roles the member ranks at the top of (badges).
    pub roles: Vec<String>,
    /// One English line per role.
    pub explanations: std::collections::BTreeMap<String, String>,
    /// Strongest ties.
    pub ties: Vec<Tie>,
}

/// One of a member's strongest ties.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Tie {
    /// The other member.
    pub member_id: i64,
    /// Weight of the member's influence on them.
    pub weight_out: f64,
    /// Weight of their influence on the member.
    pub weight_in: f64,
}

impl From<ScoreRow> for MemberInfluence {
    fn from(r: ScoreRow) -> Self {
        let role_scores = ROLES
            .iter()
            .zip([
                r.score_influencer,
                r.score_connector,
                r.score_maven,
                r.score_salesman,
                r.score_engaged,
                r.score_core,
            ])
            .map(|((_, name, _), x)| (name.to_string(), x))
            .collect();
        MemberInfluence {
            member_id: r.member_id,
            run_id: r.run_id,
            influence: r.influence,
            influence_rank: r.influence_rank,
            engagement: r.engagement,
            engagement_level: r.engagement_level,
            connector_groups: r.connector_groups,
            betweenness: r.betweenness,
            k_shell: r.k_shell,
            inner_core: r.inner_core != 0,
            messages: r.messages,
            messages_responded: r.messages_responded,
            responses: r.responses,
            brought: r.brought,
            brought_joined: r.brought_joined,
            brought_ordered: r.brought_ordered,
            brought_gmv_fen: r.brought_gmv_fen,
            role_scores,
            roles: serde_json::from_str(&r.roles).unwrap_or_default(),
            explanations: serde_json::from_str(&r.explanations).unwrap_or_default(),
            ties: parse_neighbours(&r.neighbours)
                .into_iter()
                .map(|(member_id, weight_out, weight_in)| Tie {
                    member_id,
                    weight_out,
                    weight_in,
                })
                .collect(),
        }
    }
}

/// One line of a KOL list.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct KolEntry {
    /// 1 = first.
    pub rank: usize,
    /// The member's name.
    pub name: String,
    /// The role's score.
    pub score: f64,
    /// Why, in one English line.
    pub explanation: String,
    /// All of the member's scores.
    pub member: MemberInfluence,
}

/// The KOL list: the top `limit` members by `role`, in a group or the whole tenant.
pub async fn kol(
    db: &Db,
    t: TenantId,
    role: &str,
    group: Option<GroupId>,
    limit: i64,
) -> Result<Vec<KolEntry>> {
    let Some((_, name, col)) = role_by_name(role) else {
        return Err(Invalid::one(
            "role",
            "must be influencer, connector, maven, salesman, engaged or core",
        )
        .into());
    };
    if !(1..=200).contains(&limit) {
        return Err(Invalid::one("limit", "must be between 1 and 200").into());
    }
    if let Some(g) = group
        && quanzi_store::group::get(db, t, g).await?.is_none()
    {
        return Err(Invalid::one("group_id", "no such group").into());
    }
    Ok(store::kol(db, t, col, group.map(|g| g.0), limit)
        .await?
        .into_iter()
        .enumerate()
        .map(|(i, k)| {
            let member = MemberInfluence::from(k.scores);
            KolEntry {
                rank: i + 1,
                name: k.name,
                score: member.role_scores.get(name).copied().unwrap_or(0.0),
                explanation: member.explanations.get(name).cloned().unwrap_or_default(),
                member,
            }
        })
        .collect())
}

/// A member's scores (`None` until a scores run has covered them).
pub async fn member(db: &Db, t: TenantId, member_id: MemberId) -> Result<Option<MemberInfluence>> {
    Ok(store::scores_of(db, t, &[member_id.0])
        .await?
        .into_iter()
        .next()
        .map(|r| MemberInfluence::from(r.scores)))
}

/// A member's neighbourhood: the member, their strongest ties, and the ties among those.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Neighbourhood {
    /// The member in the middle.
    pub member_id: i64,
    /// Nodes: the member and their neighbours, with names and scores.
    pub nodes: Vec<NeighbourNode>,
    /// Directed ties `from → to` with their weight (influence flows from → to).
    pub edges: Vec<NeighbourEdge>,
}

/// A node of a [`Neighbourhood`].
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NeighbourNode {
    /// Member id.
    pub member_id: i64,
    /// Name.
    pub name: String,
    /// Influence (PageRank) score, when scored.
    pub influence: f64,
    /// Roles they rank at the top of.
    pub roles: Vec<String>,
}

/// An edge of a [`Neighbourhood`].
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NeighbourEdge {
    /// Source member.
    pub from: i64,
    /// Target member.
    pub to: i64,
    /// Decayed weight.
    pub weight: f64,
}

/// A stored neighbours column: `[[member_id, weight_out, weight_in], …]`.
fn parse_neighbours(s: &str) -> Vec<(i64, f64, f64)> {
    serde_json::from_str(s).unwrap_or_default()
}

/// The neighbourhood of a scored member.
pub async fn neighbourhood(db: &Db, t: TenantId, member_id: MemberId) -> Result<Neighbourhood> {
    let member_id = member_id.0;
    let centre = store::scores_of(db, t, &[member_id])
        .await?
        .into_iter()
        .next()
        .ok_or(CoreError::NotFound("member scores"))?;
    let mut ids: Vec<i64> = parse_neighbours(&centre.scores.neighbours)
        .iter()
        .map(|n| n.0)
        .collect();
    let mut rows = store::scores_of(db, t, &ids).await?;
    ids.push(member_id);
    rows.push(centre);
    let inside: HashSet<i64> = ids.iter().copied().collect();
    let mut edges = Vec::new();
    let mut seen = HashSet::new();
    for r in rows.iter().map(|r| &r.scores) {
        for (other, w_out, w_in) in parse_neighbours(&r.neighbours) {
            if !inside.contains(&other) {
                continue;
            }
            for (from, to, w) in [(r.member_id, other, w_out), (other, r.member_id, w_in)] {
                if w > 0.0 && seen.insert((from, to)) {
                    edges.push(NeighbourEdge {
                        from,
                        to,
                        weight: w,
                    });
                }
            }
        }
    }
    let nodes = ids
        .iter()
        .map(|id| {
            let row = rows.iter().find(|r| r.scores.member_id == *id);
            NeighbourNode {
                member_id: *id,
                name: row.map(|r| r.name.clone()).unwrap_or_default(),
                influence: row.map_or(0.0, |r| r.scores.influence),
                roles: row
                    .map(|r| serde_json::from_str(&r.scores.roles).unwrap_or_default())
                    .unwrap_or_default(),
            }
        })
        .collect();
    Ok(Neighbourhood {
        member_id,
        nodes,
        edges,
    })
}
