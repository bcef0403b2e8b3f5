//! Edge activation probabilities for the diffusion models: learned per edge, weighted cascade
//! (1 / in-degree of the target) or one constant, resolved once per graph.

use std::fmt;

use super::csr::Csr;
use super::rng::threshold;

/// Where the edge activation probabilities come from.
#[derive(Debug, Clone, PartialEq)]
pub enum ProbabilityModel {
    /// One probability per out-edge id of the graph (learned from past cascades).
    Learned(Vec<f32>),
    /// Weighted cascade: edge `u → v` fires with probability `1 / in_degree(v)`.
    WeightedCascade,
    /// Every edge fires with the same probability.
    Constant(f64),
}

/// Which diffusion model to run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Model {
    /// Independent Cascade: each newly active node gets one chance to activate each
    /// out-neighbour, with the edge's probability.
    #[default]
    IndependentCascade,
    /// Linear Threshold: a node becomes active when the summed weights of its active
    /// in-neighbours reach its uniformly random threshold. Edge weights are the edge
    /// probabilities, scaled down per target where they sum above 1.
    LinearThreshold,
}

/// Why a diffusion or seed-selection request was refused.
#[derive(Debug, Clone, PartialEq)]
pub enum DiffusionError {
    /// Learned probabilities were given for a different number of edges.
    LearnedLengthMismatch {
        /// The graph's edge count.
        expected: usize,
        /// The number of probabilities given.
        got: usize,
    },
    /// A probability is negative, above 1 or not a number.
    InvalidProbability(f64),
    /// A node id is not in the graph.
    NodeOutOfRange(u32),
    /// A mask (outside set, candidates) does not have one entry per node.
    MaskLengthMismatch,
    /// A parameter is outside its domain (k = 0, ε ∉ (0, 1), zero runs …).
    InvalidParameter(&'static str),
}

impl fmt::Display for DiffusionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::LearnedLengthMismatch { expected, got } => {
                write!(
                    f,
                    "{got} learned probabilities for a graph of {expected} edges"
                )
            }
            Self::InvalidProbability(p) => write!(f, "{p} is not a probability"),
            Self::NodeOutOfRange(u) => write!(f, "node {u} is not in the graph"),
            Self::MaskLengthMismatch => f.write_str("a node mask needs one entry per node"),
            Self::InvalidParameter(what) => write!(f, "invalid parameter: {what}"),
        }
    }
}

impl std::error::Error for DiffusionError {}

/// A diffusion model resolved against one graph: the probabilities and, under Linear
/// Threshold, the edge weights.
#[derive(Debug, Clone)]
pub(crate) struct Prepared {
    pub(crate) model: Model,
    pub(crate) probs: Resolved,
    /// Linear Threshold weights per out-edge id (empty under Independent Cascade).
    pub(crate) lt: Vec<f32>,
}

impl Prepared {
    /// Resolves `probs` for `g` under `model`, validating learned probabilities.
    pub(crate) fn new(
        g: &Csr,
        probs: &ProbabilityModel,
        model: Model,
    ) -> Result<Self, DiffusionError> {
        let probs = Resolved::new(g, probs)?;
        let lt = match model {
            Model::LinearThreshold => probs.lt_weights(g),
            Model::IndependentCascade => Vec::new(),
        };
        Ok(Self { model, probs, lt })
    }
}

/// Probabilities resolved against one graph, in the forms the samplers need.
#[derive(Debug, Clone)]
pub(crate) enum Resolved {
    /// One probability for every edge, with `ln(1 − p)` for geometric skipping.
    Uniform { p: f64, ln_q: f64 },
    /// One probability per target node (weighted cascade): the 32-bit threshold and
    /// `ln(1 − p)` per node.
    PerTarget {
        thresholds: Vec<u32>,
        ln_q: Vec<f64>,
        p: Vec<f64>,
    },
    /// One probability per out-edge id, as 32-bit thresholds and as numbers.
    PerEdge { thresholds: Vec<u32>, p: Vec<f32> },
}

impl Resolved {
    /// Resolves `model` for `g`, validating learned probabilities.
    fn new(g: &Csr, model: &ProbabilityModel) -> Result<Self, DiffusionError> {
        match model {
            ProbabilityModel::Constant(p) => {
                check(*p)?;
                Ok(Self::Uniform {
                    p: *p,
                    ln_q: (1.0 - p).ln(),
                })
            }
            ProbabilityModel::WeightedCascade => {
                let p: Vec<f64> = (0..g.node_count())
                    .map(|v| match g.in_degree(v) {
                        0 => 0.0,
                        d => 1.0 / f64::from(d),
                    })
                    .collect();
                Ok(Self::PerTarget {
                    thresholds: p.iter().map(|&x| threshold(x)).collect(),
                    ln_q: p.iter().map(|&x| (1.0 - x).ln()).collect(),
                    p,
                })
            }
            ProbabilityModel::Learned(p) => {
                if p.len() != g.edge_count() {
                    return Err(DiffusionError::LearnedLengthMismatch {
                        expected: g.edge_count(),
                        got: p.len(),
                    });
                }
                for &x in p {
                    check(f64::from(x))?;
                }
                Ok(Self::PerEdge {
                    thresholds: p.iter().map(|&x| threshold(f64::from(x))).collect(),
                    p: p.clone(),
                })
            }
        }
    }

    /// The probability of out-edge `e`, which points at `v`.
    #[inline]
    fn prob(&self, e: usize, v: u32) -> f64 {
        match self {
            Self::Uniform { p, .. } => *p,
            Self::PerTarget { p, .. } => p[v as usize],
            Self::PerEdge { p, .. } => f64::from(p[e]),
        }
    }

    /// Linear Threshold weights per out-edge id: the probabilities, scaled per target so
    /// that each node's in-weights sum to at most 1.
    fn lt_weights(&self, g: &Csr) -> Vec<f32> {
        let mut in_sum = vec![0f64; g.node_count() as usize];
        for v in 0..g.node_count() {
            for &e in g.in_edge_ids(v) {
                in_sum[v as usize] += self.prob(e as usize, v);
            }
        }
        g.targets()
            .iter()
            .enumerate()
            .map(|(e, &v)| (self.prob(e, v) / in_sum[v as usize].max(1.0)) as f32)
            .collect()
    }
}

fn check(p: f64) -> Result<(), DiffusionError> {
    if (0.0..=1.0).contains(&p) {
        Ok(())
    } else {
        Err(DiffusionError::InvalidProbability(p))
    }
}

/// Checks that every id in `nodes` is below `n`.
pub(crate) fn check_nodes(nodes: &[u32], n: u32) -> Result<(), DiffusionError> {
    match nodes.iter().find(|&&u| u >= n) {
        Some(&u) => Err(DiffusionError::NodeOutOfRange(u)),
        None => Ok(()),
    }
}

/// Checks that a node mask, if given, has one entry per node of a graph of `n` nodes.
pub(crate) fn check_mask(mask: Option<&[bool]>, n: u32) -> Result<(), DiffusionError> {
    if mask.is_some_and(|m| m.len() != n as usize) {
        Err(DiffusionError::MaskLengthMismatch)
    } else {
        Ok(())
    }
}
