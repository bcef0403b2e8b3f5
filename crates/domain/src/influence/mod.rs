//! Influence runs' parameters: the validated form a run is stored with (`RunParams`), and
//! the request an operator or API client sends for one (`RunRequest`, in `request`) with every
//! range checked.

mod request;

pub use request::RunRequest;

use serde::{Deserialize, Serialize};

/// The most seeds or members one run may take.
pub const MAX_K: usize = 200;
/// The most Monte Carlo runs one simulation may take.
pub const MAX_RUNS: u32 = 100_000;

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
    /// True when any filter is set (otherwise every member may be a seed).
    pub fn any(&self) -> bool {
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
