//! Spread estimates: the diffusion model and edge probabilities of a run, and the Monte Carlo
//! reach of a seed set inside and outside the community.

use quanzi_analytics::graph::build::InteractionGraph;
use quanzi_analytics::graph::diffusion::{Model, ProbabilityModel, SpreadOptions, simulate};
use quanzi_analytics::graph::learn::learn_probabilities;
use quanzi_domain::influence::{ModelName, Probability};
use serde_json::json;

use super::graph_input::Loaded;
use crate::jobs::JobError;

/// The analytics model of a run's model name.
pub(super) fn model_of(m: ModelName) -> Model {
    match m {
        ModelName::Ic => Model::IndependentCascade,
        ModelName::Lt => Model::LinearThreshold,
    }
}

/// The edge probabilities a run asked for.
pub(super) fn probabilities(
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

/// Rounded to two decimals, as results show numbers.
pub(super) fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

/// Monte Carlo spread of `set` as JSON: mean reach with its 95% interval, inside and
/// outside the community, and by generation.
pub(super) fn spread(
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
