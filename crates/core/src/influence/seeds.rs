//! A seeds run's computation: who may be a seed, IMM's choice of `k` seeds, and the spread of
//! that choice side by side with top-degree, PageRank and degree-discount seeds.

use std::collections::HashSet;

use quanzi_analytics::graph::build::InteractionGraph;
use quanzi_analytics::graph::diffusion::ProbabilityModel;
use quanzi_analytics::graph::imm::{
    ImmOptions, ImmResult, degree_discount, imm, top_k_by_out_degree, top_k_by_score,
};
use quanzi_analytics::graph::pagerank::{PageRankOptions, pagerank};
use quanzi_domain::TenantId;
use quanzi_domain::influence::{Candidates, ModelName, Probability};
use quanzi_store::Db;
use quanzi_store::member::MemberFilter;
use serde_json::json;

use super::graph_input::Loaded;
use super::spread::{model_of, probabilities, round2, spread};
use crate::jobs::JobError;

/// The parameters of a seeds run that its computation reads.
#[derive(Debug, Clone, Copy)]
pub(super) struct SeedsRun {
    /// Seeds to choose.
    pub k: usize,
    /// IMM's ε.
    pub epsilon: f64,
    /// The diffusion model.
    pub model: ModelName,
    /// Edge probabilities.
    pub probability: Probability,
    /// Monte Carlo runs of each comparison.
    pub runs: u32,
    /// Random seed.
    pub seed: u64,
    /// The graph's time, unix ms.
    pub as_of: i64,
}

/// IMM's choice and what the comparison needs of the graph.
pub(super) struct Chosen {
    loaded: Loaded,
    ig: InteractionGraph,
    probs: ProbabilityModel,
    mask: Option<Vec<bool>>,
    imm: ImmResult,
}

/// Chooses `run.k` seeds among the candidates of `mask` (`None`: everyone) with IMM.
pub(super) fn choose(
    loaded: Loaded,
    ig: InteractionGraph,
    mask: Option<Vec<bool>>,
    run: &SeedsRun,
) -> Result<Chosen, JobError> {
    let probs = probabilities(&ig, &loaded, run.probability, run.as_of);
    let opts = ImmOptions {
        k: run.k,
        epsilon: run.epsilon,
        seed: run.seed,
        model: model_of(run.model),
        ..ImmOptions::default()
    };
    let imm = imm(&ig.graph, &probs, &opts, mask.as_deref())
        .map_err(|e| JobError::Fatal(e.to_string()))?;
    Ok(Chosen {
        loaded,
        ig,
        probs,
        mask,
        imm,
    })
}

/// The result of a seeds run: IMM's seeds with their marginal gains, and the spread of IMM's
/// seeds next to those of the baselines.
pub(super) fn compare(
    c: Chosen,
    run: &SeedsRun,
    graph: serde_json::Value,
    count: usize,
) -> Result<serde_json::Value, JobError> {
    let Chosen {
        loaded,
        ig,
        probs,
        mask,
        imm: r,
    } = c;
    let k = run.k;
    let influence = pagerank(&ig.graph.transposed(), &PageRankOptions::default()).scores;
    let p_dd = match run.probability {
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
        let est = spread(
            &ig,
            &probs,
            run.model,
            set,
            &loaded.outside,
            run.runs,
            run.seed,
        )?;
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
}

/// The candidate flags of a seeds run (`None`: everyone may be a seed).
pub(super) async fn candidate_mask(
    db: &Db,
    t: TenantId,
    ids: &[i64],
    c: &Candidates,
) -> std::result::Result<Option<Vec<bool>>, JobError> {
    if !c.any() {
        return Ok(None);
    }
    let filter = MemberFilter {
        group_id: c.group_id.map(quanzi_domain::GroupId),
        tag_id: c.tag_id.map(quanzi_domain::TagId),
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
                tag_id: Some(quanzi_domain::TagId(tag)),
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
