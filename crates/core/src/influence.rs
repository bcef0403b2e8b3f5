//! Influence: a tenant's interaction graph built from its events, member scores and the KOL
//! list, seed selection (IMM against top-degree, PageRank and degree-discount) and spread
//! simulation. Each is a run: asked for, stored with its parameters and seed, computed by a
//! background job that reports progress, and kept with its result.
//!
//! How events become edges (the `properties` keys an API client sends):
//! - `message`: content, identified by `message_id` (the client's id, e.g. WeCom's msgid; the
//!   event otherwise); `reply_to_member_id` (and `reply_to_message_id`) makes it a reply,
//!   `mention_member_ids` mentions;
//! - `reaction`: a response to `reply_to_member_id` (and `reply_to_message_id`);
//! - `share`: content put out; `of_member_id` (and `of_message_id`) makes it a re-share;
//! - `click`, `visit`: `sharer_member_id` is whose share brought the member;
//! - `join`: `inviter_member_id` invited the member; `referral`: `invitee_member_id` joined
//!   through the member; `order`: a purchase (its amount counts for whoever brought the buyer).
//!
//! Members still at lifecycle stage `prospect` are outside the community: reach among them
//! is reach beyond the circle.

use std::collections::{HashMap, HashSet};

use quanzi_analytics::graph::build::{
    GraphBuildOptions, InteractionEvent, InteractionGraph, InteractionKind, build_interaction_graph,
};
use quanzi_analytics::graph::diffusion::{Model, ProbabilityModel, SpreadOptions, simulate};
use quanzi_analytics::graph::imm::{
    ImmOptions, degree_discount, imm, top_k_by_out_degree, top_k_by_score,
};
use quanzi_analytics::graph::learn::learn_probabilities;
use quanzi_analytics::graph::pagerank::{PageRankOptions, pagerank};
use quanzi_analytics::graph::roles::{MemberScores, Role, ScoreOptions, member_scores, role_score};
use quanzi_domain::{Invalid, TenantId};
use quanzi_store::analytics::ScanRow;
use quanzi_store::influence::{self as store, RunRow, ScoreRow};
use quanzi_store::jobs::NewJob;
use quanzi_store::member::MemberFilter;
use quanzi_store::{Db, now_ms};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::jobs::{Claimed, JobContext, JobError};
use crate::{CoreError, Result};

/// The job kind that computes a run (payload `{"run_id": …}`; without one, a scores run
/// with default parameters is created, for the nightly schedule).
pub const RUN_JOB: &str = "influence.run";

/// Roles in the order the KOL list shows them, with their API names and score columns.
pub const ROLES: [(Role, &str, &str); 6] = [
    (Role::Influencer, "influencer", "score_influencer"),
    (Role::Connector, "connector", "score_connector"),
    (Role::Maven, "maven", "score_maven"),
    (Role::Salesman, "salesman", "score_salesman"),
    (Role::Engaged, "engaged", "score_engaged"),
    (Role::Core, "core", "score_core"),
];

/// The most seeds or members one run may take.
pub const MAX_K: usize = 200;
/// The most Monte Carlo runs one simulation may take.
pub const MAX_RUNS: u32 = 100_000;
/// Neighbours kept per member for the neighbourhood view.
pub const NEIGHBOURS: usize = 12;

/// A run as an operator or API client asks for it; every field but `kind` is optional, and
/// an unknown field is refused (a misspelt `exclude_tag_id` must not seed the staff).
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RunRequest {
    /// `scores`, `seeds` or `simulate`.
    pub kind: String,
    /// Seeds to choose (`seeds`), 1-200 (default 10).
    pub k: Option<i64>,
    /// IMM's ε in [0.05, 0.5] (default 0.1): the guarantee is 1 − 1/e − ε.
    pub epsilon: Option<f64>,
    /// `ic` (Independent Cascade, default) or `lt` (Linear Threshold).
    pub model: Option<String>,
    /// `learned` (from past cascades, default), `weighted_cascade` or `constant`.
    pub probability: Option<String>,
    /// The edge probability when `probability` is `constant`, in (0, 1].
    pub p: Option<f64>,
    /// Seed candidates: current members of this group.
    pub group_id: Option<i64>,
    /// Seed candidates: members with this tag.
    pub tag_id: Option<i64>,
    /// Seed candidates: members at this lifecycle stage.
    pub lifecycle_stage: Option<String>,
    /// Never seed members with this tag (e.g. staff).
    pub exclude_tag_id: Option<i64>,
    /// The members to seed (`simulate`), 1-200 ids.
    pub member_ids: Option<Vec<i64>>,
    /// Monte Carlo runs of each spread estimate, 1-100000 (default 1000).
    pub runs: Option<i64>,
    /// The random seed, 0 or more (default 42): the same seed gives the same result.
    pub seed: Option<i64>,
}

/// The diffusion model of a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ModelName {
    /// Independent Cascade.
    Ic,
    /// Linear Threshold.
    Lt,
}

/// Where a run's edge probabilities come from.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "source", content = "p")]
pub enum Probability {
    /// Learned from past share / visit / join cascades, weighted cascade where thin.
    Learned,
    /// 1 / in-degree of the target.
    WeightedCascade,
    /// One constant.
    Constant(f64),
}

/// Who may be a seed.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Candidates {
    /// Current members of this group.
    pub group_id: Option<i64>,
    /// Members with this tag.
    pub tag_id: Option<i64>,
    /// Members at this lifecycle stage.
    pub lifecycle_stage: Option<String>,
    /// Never members with this tag.
    pub exclude_tag_id: Option<i64>,
}

impl Candidates {
    fn any(&self) -> bool {
        self.group_id.is_some()
            || self.tag_id.is_some()
            || self.lifecycle_stage.is_some()
            || self.exclude_tag_id.is_some()
    }
}

/// A validated run, as stored with it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum RunParams {
    /// Scores of every member and the KOL list.
    Scores {
        /// Seed of the betweenness sample.
        seed: u64,
    },
    /// Choose `k` seeds.
    Seeds {
        /// Seeds to choose.
        k: usize,
        /// IMM's ε.
        epsilon: f64,
        /// The diffusion model.
        model: ModelName,
        /// Edge probabilities.
        probability: Probability,
        /// Who may be a seed.
        candidates: Candidates,
        /// Monte Carlo runs of each comparison.
        runs: u32,
        /// Random seed.
        seed: u64,
    },
    /// Simulate seeding `member_ids`.
    Simulate {
        /// The seeds.
        member_ids: Vec<i64>,
        /// The diffusion model.
        model: ModelName,
        /// Edge probabilities.
        probability: Probability,
        /// Monte Carlo runs.
        runs: u32,
        /// Random seed.
        seed: u64,
    },
}

impl RunParams {
    /// The stored kind name.
    pub fn kind(&self) -> &'static str {
        match self {
            RunParams::Scores { .. } => "scores",
            RunParams::Seeds { .. } => "seeds",
            RunParams::Simulate { .. } => "simulate",
        }
    }
}

impl RunRequest {
    /// Checks every field; each error names its field.
    pub fn validate(&self) -> Result<RunParams> {
        let mut bad = Invalid(Vec::new());
        let seed = match self.seed {
            None => 42,
            Some(s) if s >= 0 => s as u64,
            Some(_) => {
                bad.push("seed", "must be 0 or more");
                0
            }
        };
        let runs = match self.runs {
            None => 1000,
            Some(r) if (1..=i64::from(MAX_RUNS)).contains(&r) => r as u32,
            Some(_) => {
                bad.push("runs", format!("must be between 1 and {MAX_RUNS}"));
                1
            }
        };
        let model = match self.model.as_deref().map(str::trim) {
            None | Some("") | Some("ic") => ModelName::Ic,
            Some("lt") => ModelName::Lt,
            Some(_) => {
                bad.push("model", "must be ic or lt");
                ModelName::Ic
            }
        };
        let probability = match self.probability.as_deref().map(str::trim) {
            None | Some("") | Some("learned") => Probability::Learned,
            Some("weighted_cascade") => Probability::WeightedCascade,
            Some("constant") => match self.p {
                Some(p) if p > 0.0 && p <= 1.0 => Probability::Constant(p),
                Some(_) => {
                    bad.push("p", "must be above 0 and at most 1");
                    Probability::Learned
                }
                None => {
                    bad.push("p", "is required when probability is constant");
                    Probability::Learned
                }
            },
            Some(_) => {
                bad.push(
                    "probability",
                    "must be learned, weighted_cascade or constant",
                );
                Probability::Learned
            }
        };
        if self.p.is_some() && self.probability.as_deref().map(str::trim) != Some("constant") {
            bad.push("p", "is only taken when probability is constant");
        }
        let kind = self.kind.trim();
        let params = match kind {
            "scores" => RunParams::Scores { seed },
            "seeds" => {
                let k = match self.k {
                    None => 10,
                    Some(k) if (1..=MAX_K as i64).contains(&k) => k as usize,
                    Some(_) => {
                        bad.push("k", format!("must be between 1 and {MAX_K}"));
                        1
                    }
                };
                let epsilon = match self.epsilon {
                    None => 0.1,
                    Some(e) if (0.05..=0.5).contains(&e) => e,
                    Some(_) => {
                        bad.push("epsilon", "must be between 0.05 and 0.5");
                        0.1
                    }
                };
                let lifecycle_stage = match self.lifecycle_stage.as_deref().map(str::trim) {
                    None | Some("") => None,
                    Some(s) => match quanzi_domain::member::LifecycleStage::parse(s) {
                        Some(_) => Some(s.to_string()),
                        None => {
                            bad.push("lifecycle_stage", "is not a lifecycle stage");
                            None
                        }
                    },
                };
                for (field, v) in [
                    ("group_id", self.group_id),
                    ("tag_id", self.tag_id),
                    ("exclude_tag_id", self.exclude_tag_id),
                ] {
                    if v.is_some_and(|v| v <= 0) {
                        bad.push(field, "must be a positive id");
                    }
                }
                RunParams::Seeds {
                    k,
                    epsilon,
                    model,
                    probability,
                    candidates: Candidates {
                        group_id: self.group_id,
                        tag_id: self.tag_id,
                        lifecycle_stage,
                        exclude_tag_id: self.exclude_tag_id,
                    },
                    runs,
                    seed,
                }
            }
            "simulate" => {
                let member_ids = match &self.member_ids {
                    Some(ids) if !ids.is_empty() && ids.len() <= MAX_K => {
                        let mut ids = ids.clone();
                        ids.sort_unstable();
                        ids.dedup();
                        ids
                    }
                    Some(_) => {
                        bad.push("member_ids", format!("must hold 1 to {MAX_K} member ids"));
                        Vec::new()
                    }
                    None => {
                        bad.push("member_ids", "is required to simulate");
                        Vec::new()
                    }
                };
                RunParams::Simulate {
                    member_ids,
                    model,
                    probability,
                    runs,
                    seed,
                }
            }
            _ => {
                bad.push("kind", "must be scores, seeds or simulate");
                RunParams::Scores { seed }
            }
        };
        if kind != "seeds" {
            for (field, set) in [
                ("k", self.k.is_some()),
                ("epsilon", self.epsilon.is_some()),
                ("group_id", self.group_id.is_some()),
                ("tag_id", self.tag_id.is_some()),
                ("lifecycle_stage", self.lifecycle_stage.is_some()),
                ("exclude_tag_id", self.exclude_tag_id.is_some()),
            ] {
                if set {
                    bad.push(field, "is only taken by seeds runs");
                }
            }
        }
        if kind != "simulate" && self.member_ids.is_some() {
            bad.push("member_ids", "is only taken by simulate runs");
        }
        if kind == "scores" {
            for (field, set) in [
                ("model", self.model.is_some()),
                ("probability", self.probability.is_some()),
                ("runs", self.runs.is_some()),
            ] {
                if set {
                    bad.push(field, "is not taken by scores runs");
                }
            }
        }
        if bad.is_empty() {
            Ok(params)
        } else {
            Err(CoreError::Invalid(bad))
        }
    }
}

/// A run as the API shows it.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Run {
    /// Id.
    pub run_id: i64,
    /// `scores`, `seeds` or `simulate`.
    pub kind: String,
    /// `pending`, `running`, `done` or `failed`.
    pub state: String,
    /// 0 to 1.
    pub progress: f64,
    /// What it is doing now.
    pub stage: Option<String>,
    /// Its parameters, as validated.
    pub params: serde_json::Value,
    /// Its result, once done.
    pub result: Option<serde_json::Value>,
    /// Why it failed.
    pub error: Option<String>,
    /// Asked for at, unix ms.
    pub created_at_ms: i64,
    /// Started at, unix ms.
    pub started_at_ms: Option<i64>,
    /// Finished at, unix ms.
    pub finished_at_ms: Option<i64>,
}

impl From<RunRow> for Run {
    fn from(r: RunRow) -> Self {
        Run {
            run_id: r.run_id,
            kind: r.kind,
            state: r.state,
            progress: r.progress,
            stage: r.stage,
            params: serde_json::from_str(&r.params).unwrap_or_default(),
            result: r.result.and_then(|s| serde_json::from_str(&s).ok()),
            error: r.error,
            created_at_ms: r.created_at_ms,
            started_at_ms: r.started_at_ms,
            finished_at_ms: r.finished_at_ms,
        }
    }
}

/// Validates `req` against the tenant's data, stores the run and enqueues its job in one
/// transaction.
pub async fn request(db: &Db, t: TenantId, req: &RunRequest) -> Result<Run> {
    let params = req.validate()?;
    check_references(db, t, &params).await?;
    let text = serde_json::to_string(&params).map_err(|e| CoreError::Conflict(e.to_string()))?;
    let now = now_ms();
    let mut tx = db.begin().await?;
    let run_id = store::create_run(&mut tx, t, params.kind(), &text, now).await?;
    let mut job = NewJob::new(RUN_JOB, json!({ "run_id": run_id }), now);
    job.max_attempts = 3;
    job.backoff_ms = 5_000;
    quanzi_store::jobs::enqueue(&mut tx, t, &job, now).await?;
    if matches!(params, RunParams::Scores { .. }) {
        // Once a tenant has scores, they are kept fresh every night.
        let next = crate::schedule::next_after(NIGHTLY_CRON, now).unwrap_or(now + 86_400_000);
        quanzi_store::jobs::put_schedule(
            &mut tx,
            t,
            NIGHTLY,
            NIGHTLY_CRON,
            RUN_JOB,
            &json!({}),
            next,
        )
        .await?;
    }
    tx.commit().await?;
    get(db, t, run_id).await
}

/// The name of the nightly scores schedule.
pub const NIGHTLY: &str = "influence-nightly";
/// When it runs, Asia/Shanghai: 03:30, after the nightly WeCom sync.
pub const NIGHTLY_CRON: &str = "30 3 * * *";

/// Refuses ids of groups, tags and members the tenant does not have.
async fn check_references(db: &Db, t: TenantId, params: &RunParams) -> Result<()> {
    let mut bad = Invalid(Vec::new());
    match params {
        RunParams::Scores { .. } => {}
        RunParams::Seeds { candidates, .. } => {
            if let Some(g) = candidates.group_id
                && quanzi_store::group::get(db, t, quanzi_domain::GroupId(g))
                    .await?
                    .is_none()
            {
                bad.push("group_id", "no such group");
            }
            for (field, tag) in [
                ("tag_id", candidates.tag_id),
                ("exclude_tag_id", candidates.exclude_tag_id),
            ] {
                if let Some(tag) = tag
                    && quanzi_store::tag::get(db, t, quanzi_domain::TagId(tag))
                        .await?
                        .is_none()
                {
                    bad.push(field, "no such tag");
                }
            }
        }
        RunParams::Simulate { member_ids, .. } => {
            let known = quanzi_store::member::existing(db, t, member_ids).await?;
            let missing: Vec<String> = member_ids
                .iter()
                .filter(|m| !known.contains(m))
                .map(i64::to_string)
                .collect();
            if !missing.is_empty() {
                bad.push(
                    "member_ids",
                    format!("no such members: {}", missing.join(", ")),
                );
            }
        }
    }
    if bad.is_empty() {
        Ok(())
    } else {
        Err(CoreError::Invalid(bad))
    }
}

/// One run of the tenant.
pub async fn get(db: &Db, t: TenantId, run_id: i64) -> Result<Run> {
    store::get_run(db, t, run_id)
        .await?
        .map(Run::from)
        .ok_or(CoreError::NotFound("run"))
}

/// The tenant's latest runs, newest first.
pub async fn list(db: &Db, t: TenantId, kind: Option<&str>, limit: i64) -> Result<Vec<Run>> {
    if let Some(k) = kind
        && !["scores", "seeds", "simulate"].contains(&k)
    {
        return Err(Invalid::one("kind", "must be scores, seeds or simulate").into());
    }
    Ok(store::list_runs(db, t, kind, limit)
        .await?
        .into_iter()
        .map(Run::from)
        .collect())
}

/// The latest finished scores run, which the KOL list and member scores come from.
pub async fn latest_scores(db: &Db, t: TenantId) -> Result<Option<Run>> {
    Ok(store::latest_done(db, t, "scores").await?.map(Run::from))
}

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
    group: Option<i64>,
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
        && quanzi_store::group::get(db, t, quanzi_domain::GroupId(g))
            .await?
            .is_none()
    {
        return Err(Invalid::one("group_id", "no such group").into());
    }
    Ok(store::kol(db, t, col, group, limit)
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
pub async fn member(db: &Db, t: TenantId, member_id: i64) -> Result<Option<MemberInfluence>> {
    Ok(store::scores_of(db, t, &[member_id])
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

fn parse_neighbours(s: &str) -> Vec<(i64, f64, f64)> {
    serde_json::from_str(s).unwrap_or_default()
}

/// The neighbourhood of a scored member.
pub async fn neighbourhood(db: &Db, t: TenantId, member_id: i64) -> Result<Neighbourhood> {
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

/// The tenant's graph input: dense node ids, who is outside, the events as the graph sees
/// them, and members' names.
struct Loaded {
    ids: Vec<i64>,
    names: Vec<String>,
    outside: Vec<bool>,
    events: Vec<InteractionEvent>,
    event_count: usize,
}

#[derive(Deserialize, Default)]
struct Links {
    message_id: Option<serde_json::Value>,
    reply_to_member_id: Option<i64>,
    reply_to_message_id: Option<serde_json::Value>,
    mention_member_ids: Option<Vec<i64>>,
    of_member_id: Option<i64>,
    of_message_id: Option<serde_json::Value>,
    sharer_member_id: Option<i64>,
    inviter_member_id: Option<i64>,
    invitee_member_id: Option<i64>,
}

async fn load(db: &Db, t: TenantId, as_of_ms: i64) -> Result<Loaded> {
    let started = std::time::Instant::now();
    let members = store::graph_members(db, t).await?;
    let members_ms = started.elapsed().as_millis() as u64;
    let mut ids = Vec::with_capacity(members.len());
    let mut names = Vec::with_capacity(members.len());
    let mut outside = Vec::with_capacity(members.len());
    for m in members {
        ids.push(m.member_id);
        names.push(m.name);
        outside.push(m.lifecycle_stage == "prospect");
    }
    let start = Mapper {
        index: ids_index(&ids),
        groups: HashMap::new(),
        out: Vec::new(),
        rows: 0,
    };
    let m = quanzi_store::analytics::scan_events_with_properties(db, t, start, move |m, r| {
        if r.occurred_at_ms <= as_of_ms && r.kind != "leave" && r.kind != "refund" {
            m.add(r);
        }
    })
    .await?;
    let ms = started.elapsed().as_millis() as u64;
    tracing::info!(
        members_ms,
        ms,
        rows = m.rows,
        events = m.out.len(),
        "graph input read"
    );
    Ok(Loaded {
        ids,
        names,
        outside,
        events: m.out,
        event_count: m.rows,
    })
}

fn ids_index(ids: &[i64]) -> HashMap<i64, u32> {
    ids.iter()
        .enumerate()
        .map(|(i, &m)| (m, i as u32))
        .collect()
}

/// Turns stored events into the graph's events; rows naming members the tenant no longer
/// has (merged away) are skipped.
struct Mapper {
    /// Member id to node.
    index: HashMap<i64, u32>,
    /// Group id to dense group.
    groups: HashMap<i64, u32>,
    /// The graph's events.
    out: Vec<InteractionEvent>,
    /// Stored events read.
    rows: usize,
}

impl Mapper {
    fn add(&mut self, r: &ScanRow<'_>) {
        self.rows += 1;
        let (index, groups, out) = (&self.index, &mut self.groups, &mut self.out);
        let Some(&member) = index.get(&r.member_id) else {
            return;
        };
        let next = groups.len() as u32;
        let group = r.group_id.map(|g| *groups.entry(g).or_insert(next));
        // Every key the graph reads ends in `_id` (or `_ids`); most events carry none.
        let links: Links = if r.properties.contains("_id") {
            serde_json::from_str(r.properties).unwrap_or_default()
        } else {
            Links::default()
        };
        let node = |id: Option<i64>| id.and_then(|m| index.get(&m).copied());
        let at_ms = r.occurred_at_ms;
        let mut push = |member: u32, kind: InteractionKind, group: Option<u32>| {
            out.push(InteractionEvent {
                member,
                kind,
                group,
                at_ms,
            });
        };
        let message = match &links.message_id {
            Some(id) => message_key(id),
            None => u64::try_from(r.event_id).unwrap_or(0),
        };
        let replied = links.reply_to_message_id.as_ref().map(message_key);
        match r.kind {
            "message" => {
                push(member, InteractionKind::Message { message }, group);
                if let Some(to) = node(links.reply_to_member_id) {
                    push(
                        member,
                        InteractionKind::Reply {
                            to,
                            message: replied,
                        },
                        None,
                    );
                }
                for to in links.mention_member_ids.iter().flatten() {
                    if let Some(to) = node(Some(*to)) {
                        push(member, InteractionKind::Mention { to }, None);
                    }
                }
            }
            "reaction" => match node(links.reply_to_member_id) {
                Some(to) => push(
                    member,
                    InteractionKind::Reply {
                        to,
                        message: replied,
                    },
                    group,
                ),
                None => push(member, InteractionKind::Other, group),
            },
            "share" => match node(links.of_member_id) {
                Some(of) => {
                    let message = links.of_message_id.as_ref().map(message_key);
                    push(member, InteractionKind::Reshare { of, message }, group);
                }
                None => push(member, InteractionKind::Message { message }, group),
            },
            "click" | "visit" => {
                push(member, InteractionKind::Other, group);
                if let Some(sharer) = node(links.sharer_member_id) {
                    let kind = InteractionKind::ShareLedTo {
                        node: member,
                        joined: false,
                    };
                    push(sharer, kind, None);
                }
            }
            "join" => {
                push(member, InteractionKind::Join, group);
                if let Some(inviter) = node(links.inviter_member_id) {
                    push(inviter, InteractionKind::Invite { invitee: member }, None);
                }
            }
            "referral" => match node(links.invitee_member_id) {
                Some(new_member) => {
                    push(member, InteractionKind::Referral { new_member }, None);
                }
                None => push(member, InteractionKind::Other, group),
            },
            "order" => push(
                member,
                InteractionKind::Order {
                    amount_fen: r.amount_fen,
                },
                group,
            ),
            _ => push(member, InteractionKind::Other, group),
        }
    }
}

/// A client's message id (a string or a number) as the graph's message key: FNV-1a of its
/// text with the top bit set, so it never meets an event id.
fn message_key(id: &serde_json::Value) -> u64 {
    let text = match id {
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in text.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h | (1 << 63)
}

/// Runs one `influence.run` job.
pub async fn run_job(ctx: &JobContext, c: &Claimed) -> std::result::Result<(), JobError> {
    let t = c.tenant();
    let payload = c.payload()?;
    let run_id = match payload.get("run_id").and_then(serde_json::Value::as_i64) {
        Some(id) => id,
        None => {
            let text = serde_json::to_string(&RunParams::Scores { seed: 42 })
                .map_err(|e| JobError::Fatal(e.to_string()))?;
            let mut tx = ctx.db.begin().await?;
            let id = store::create_run(&mut tx, t, "scores", &text, now_ms()).await?;
            tx.commit().await?;
            id
        }
    };
    let outcome = compute(ctx, c, t, run_id).await;
    if let Err(e) = &outcome {
        let last_try = c.job.attempts >= c.job.max_attempts;
        if matches!(e, JobError::Fatal(_)) || last_try {
            store::fail_run(&ctx.db, t, run_id, &e.to_string(), now_ms()).await?;
        }
    }
    outcome
}

async fn compute(
    ctx: &JobContext,
    c: &Claimed,
    t: TenantId,
    run_id: i64,
) -> std::result::Result<(), JobError> {
    let db = &ctx.db;
    let Some(run) = store::get_run(db, t, run_id).await? else {
        c.finish(db).await?;
        return Ok(());
    };
    if !store::start_run(db, t, run_id, now_ms()).await? {
        // Already done or failed: a duplicate job.
        c.finish(db).await?;
        return Ok(());
    }
    let params: RunParams = serde_json::from_str(&run.params)
        .map_err(|e| JobError::Fatal(format!("stored parameters are unreadable: {e}")))?;
    let as_of = now_ms();
    let mut stages = Stages::new(db, t, run_id);
    stages.next(0.05, "load").await?;
    let loaded = load(db, t, as_of).await?;
    stages.next(0.25, "graph").await?;
    let events = loaded.event_count;
    let (loaded, ig) = blocking(move || {
        let opts = GraphBuildOptions::as_of(as_of);
        let ig = build_interaction_graph(loaded.ids.len() as u32, &loaded.events, &opts)
            .map_err(|e| JobError::Fatal(e.to_string()));
        ig.map(|ig| (loaded, ig))
    })
    .await?;
    let graph = json!({
        "nodes": ig.graph.node_count(),
        "edges": ig.graph.edge_count(),
        "events": events,
        "as_of_ms": as_of,
    });
    match params {
        RunParams::Scores { seed } => {
            stages.next(0.45, "scores").await?;
            let (rows, top) =
                blocking(move || Ok(score_rows(&loaded, &ig, as_of, seed, run_id))).await?;
            stages.next(0.9, "save").await?;
            let result = json!({ "graph": graph, "scored": rows.len(), "top": top });
            let mut tx = db.begin().await?;
            store::replace_scores(&mut tx, t, &rows, db.is_sqlite()).await?;
            store::finish_run(&mut tx, t, run_id, &result.to_string(), now_ms()).await?;
            if c.finish_in(&mut tx).await? {
                tx.commit().await?;
            }
        }
        RunParams::Seeds {
            k,
            epsilon,
            model,
            probability,
            candidates,
            runs,
            seed,
        } => {
            let mask = candidate_mask(db, t, &loaded.ids, &candidates).await?;
            let count = mask
                .as_ref()
                .map_or(loaded.ids.len(), |m| m.iter().filter(|x| **x).count());
            if count < k {
                let who = if count == 1 { "member" } else { "members" };
                return Err(JobError::Fatal(format!(
                    "{k} seeds asked for, but only {count} {who} may be seeds"
                )));
            }
            stages.next(0.4, "imm").await?;
            let chosen = blocking(move || {
                let probs = probabilities(&ig, &loaded, probability, as_of);
                let opts = ImmOptions {
                    k,
                    epsilon,
                    seed,
                    model: model_of(model),
                    ..ImmOptions::default()
                };
                let r = imm(&ig.graph, &probs, &opts, mask.as_deref())
                    .map_err(|e| JobError::Fatal(e.to_string()))?;
                Ok((loaded, ig, probs, mask, r))
            })
            .await?;
            stages.next(0.7, "compare").await?;
            let (loaded, ig, probs, mask, r) = chosen;
            let result = blocking(move || {
                let influence = pagerank(&ig.graph.transposed(), &PageRankOptions::default()).scores;
                let p_dd = match probability {
                    Probability::Constant(p) => p,
                    _ => 0.01,
                };
                let sets: [(&str, Vec<u32>); 4] = [
                    ("imm", r.seeds.clone()),
                    ("degree", top_k_by_out_degree(&ig.graph, k, mask.as_deref())),
                    ("pagerank", top_k_by_score(&influence, k, mask.as_deref())),
                    (
                        "degree_discount",
                        degree_discount(&ig.graph, k, p_dd, mask.as_deref()),
                    ),
                ];
                let mut comparison = Vec::new();
                for (method, set) in &sets {
                    let est = spread(&ig, &probs, model, set, &loaded.outside, runs, seed)?;
                    comparison.push(json!({
                        "method": method,
                        "member_ids": set.iter().map(|&u| loaded.ids[u as usize]).collect::<Vec<_>>(),
                        "spread": est,
                    }));
                }
                let seeds: Vec<_> = r
                    .seeds
                    .iter()
                    .zip(&r.marginal_gains)
                    .map(|(&u, g)| {
                        json!({
                            "member_id": loaded.ids[u as usize],
                            "name": loaded.names[u as usize],
                            "marginal_gain": round2(*g),
                        })
                    })
                    .collect();
                Ok(json!({
                    "graph": graph,
                    "candidates": count,
                    "seeds": seeds,
                    "imm": {
                        "estimated_spread": round2(r.estimated_spread),
                        "rr_sets": r.rr_sets,
                        "lower_bound": round2(r.lower_bound),
                    },
                    "comparison": comparison,
                }))
            })
            .await?;
            finish(ctx, c, t, run_id, &result).await?;
        }
        RunParams::Simulate {
            member_ids,
            model,
            probability,
            runs,
            seed,
        } => {
            stages.next(0.5, "simulate").await?;
            let result = blocking(move || {
                let index = ids_index(&loaded.ids);
                let set: Vec<u32> = member_ids
                    .iter()
                    .filter_map(|m| index.get(m).copied())
                    .collect();
                if set.is_empty() {
                    return Err(JobError::Fatal(
                        "none of the members is in the graph".into(),
                    ));
                }
                let probs = probabilities(&ig, &loaded, probability, as_of);
                let est = spread(&ig, &probs, model, &set, &loaded.outside, runs, seed)?;
                Ok(json!({ "graph": graph, "member_ids": member_ids, "spread": est }))
            })
            .await?;
            finish(ctx, c, t, run_id, &result).await?;
        }
    }
    Ok(())
}

/// A run's progress as it goes from stage to stage; each stage's time goes to the log.
struct Stages<'a> {
    db: &'a Db,
    t: TenantId,
    run_id: i64,
    stage: &'static str,
    since: std::time::Instant,
}

impl<'a> Stages<'a> {
    fn new(db: &'a Db, t: TenantId, run_id: i64) -> Self {
        Stages {
            db,
            t,
            run_id,
            stage: "start",
            since: std::time::Instant::now(),
        }
    }

    /// Ends the current stage and records `progress` (0 to 1) at the start of `stage`.
    async fn next(&mut self, progress: f64, stage: &'static str) -> quanzi_store::Result<()> {
        let ms = self.since.elapsed().as_millis() as u64;
        tracing::info!(
            run = self.run_id,
            stage = self.stage,
            ms,
            "influence run stage done"
        );
        self.stage = stage;
        self.since = std::time::Instant::now();
        store::set_progress(self.db, self.t, self.run_id, progress, stage).await
    }
}

async fn finish(
    ctx: &JobContext,
    c: &Claimed,
    t: TenantId,
    run_id: i64,
    result: &serde_json::Value,
) -> std::result::Result<(), JobError> {
    let mut tx = ctx.db.begin().await?;
    store::finish_run(&mut tx, t, run_id, &result.to_string(), now_ms()).await?;
    if c.finish_in(&mut tx).await? {
        tx.commit().await?;
    }
    Ok(())
}

async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> std::result::Result<T, JobError> + Send + 'static,
) -> std::result::Result<T, JobError> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| JobError::Retry(format!("computation stopped: {e}")))?
}

fn model_of(m: ModelName) -> Model {
    match m {
        ModelName::Ic => Model::IndependentCascade,
        ModelName::Lt => Model::LinearThreshold,
    }
}

fn probabilities(
    ig: &InteractionGraph,
    loaded: &Loaded,
    p: Probability,
    as_of: i64,
) -> ProbabilityModel {
    match p {
        Probability::Learned => learn_probabilities(ig, &loaded.events, as_of, 2.0),
        Probability::WeightedCascade => ProbabilityModel::WeightedCascade,
        Probability::Constant(p) => ProbabilityModel::Constant(p),
    }
}

fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

/// Monte Carlo spread of `set` as JSON: mean reach with its 95% interval, inside and
/// outside the community, and by generation.
fn spread(
    ig: &InteractionGraph,
    probs: &ProbabilityModel,
    model: ModelName,
    set: &[u32],
    outside: &[bool],
    runs: u32,
    seed: u64,
) -> std::result::Result<serde_json::Value, JobError> {
    let opts = SpreadOptions {
        runs,
        seed,
        threads: 2,
    };
    let e = simulate(&ig.graph, probs, model_of(model), set, Some(outside), &opts)
        .map_err(|e| JobError::Fatal(e.to_string()))?;
    Ok(json!({
        "runs": e.runs,
        "mean_reach": round2(e.mean_reach),
        "ci95": [round2(e.ci95.0), round2(e.ci95.1)],
        "std_dev": round2(e.std_dev),
        "mean_members": round2(e.mean_members),
        "mean_outside": round2(e.mean_outside),
        "per_generation": e.per_generation.iter().map(|x| round2(*x)).collect::<Vec<_>>(),
    }))
}

/// The candidate flags of a seeds run (`None`: everyone may be a seed).
async fn candidate_mask(
    db: &Db,
    t: TenantId,
    ids: &[i64],
    c: &Candidates,
) -> std::result::Result<Option<Vec<bool>>, JobError> {
    if !c.any() {
        return Ok(None);
    }
    let filter = MemberFilter {
        group_id: c.group_id,
        tag_id: c.tag_id,
        lifecycle_stage: c.lifecycle_stage.clone(),
        ..MemberFilter::default()
    };
    let allowed: HashSet<i64> = quanzi_store::member::ids(db, t, &filter)
        .await?
        .into_iter()
        .collect();
    let excluded: HashSet<i64> = match c.exclude_tag_id {
        Some(tag) => {
            let f = MemberFilter {
                tag_id: Some(tag),
                ..MemberFilter::default()
            };
            quanzi_store::member::ids(db, t, &f)
                .await?
                .into_iter()
                .collect()
        }
        None => HashSet::new(),
    };
    Ok(Some(
        ids.iter()
            .map(|m| allowed.contains(m) && !excluded.contains(m))
            .collect(),
    ))
}

/// The stored rows of a scores run and the top five of each role.
fn score_rows(
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
