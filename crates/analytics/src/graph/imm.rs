//! Influence maximization by IMM (Tang, Shi and Xiao, SIGMOD 2015) under IC and LT.
//!
//! Phase 1 (sampling) halves a guess `x` of the optimum until `n · F_R(S) ≥ (1 + ε′) · x` on
//! `λ′ / x` RR sets, which gives a lower bound `LB` of the optimal spread; phase 2 grows the
//! collection to `θ = λ* / LB` sets and runs greedy maximum coverage, whose seed set has spread
//! at least `(1 − 1/e − ε) · OPT` with probability `1 − 1/n^ℓ`. As in the paper, phase 2
//! reuses phase 1's sets (Chen 2018 notes the analysis then needs fresh sets; the difference
//! is immaterial in practice and costs a second sampling). The greedy step is lazy: a
//! max-heap of stale coverage counts, re-checked when popped.
//!
//! A candidate mask restricts who may be a seed (everyone still counts as reached); the bound
//! then uses `C(candidates, k)` and the guarantee is relative to the best candidate set.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use super::csr::{Csr, offsets_from_counts};
use super::probability::{
    DiffusionError, Model, Prepared, ProbabilityModel, check_mask, check_nodes,
};
use super::rr::{RrCollection, rr_estimate};

pub use super::heuristics::{degree_discount, top_k_by_out_degree, top_k_by_score};

/// Parameters of [`imm`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ImmOptions {
    /// Seeds to choose.
    pub k: usize,
    /// Approximation slack ε in `(0, 1)`: the guarantee is `1 − 1/e − ε`.
    pub epsilon: f64,
    /// Confidence: the guarantee holds with probability `1 − 1/n^ℓ`.
    pub ell: f64,
    /// RNG seed: the same seed gives the same seeds.
    pub seed: u64,
    /// Worker threads for RR sampling.
    pub threads: usize,
    /// Diffusion model.
    pub model: Model,
}

impl Default for ImmOptions {
    fn default() -> Self {
        Self {
            k: 50,
            epsilon: 0.1,
            ell: 1.0,
            seed: 42,
            threads: 2,
            model: Model::IndependentCascade,
        }
    }
}

/// The seeds chosen by [`imm`] with the sampling figures behind them.
#[derive(Debug, Clone, PartialEq)]
pub struct ImmResult {
    /// The seeds, in greedy order (best marginal gain first).
    pub seeds: Vec<u32>,
    /// Estimated spread of `seeds` from the final RR collection (`n · F_R(S)`).
    pub estimated_spread: f64,
    /// Estimated marginal spread of each seed when added, aligned with `seeds`.
    pub marginal_gains: Vec<f64>,
    /// RR sets in the final collection (θ).
    pub rr_sets: usize,
    /// The lower bound of the optimal spread found in phase 1.
    pub lower_bound: f64,
}

/// Chooses `opts.k` seeds maximising expected spread, with the `1 − 1/e − ε` guarantee.
/// `candidates` (one flag per node) restricts who may be a seed.
pub fn imm(
    g: &Csr,
    probs: &ProbabilityModel,
    opts: &ImmOptions,
    candidates: Option<&[bool]>,
) -> Result<ImmResult, DiffusionError> {
    let n_nodes = g.node_count();
    if opts.k == 0 {
        return Err(DiffusionError::InvalidParameter("k must be at least 1"));
    }
    if !(opts.epsilon > 0.0 && opts.epsilon < 1.0) {
        return Err(DiffusionError::InvalidParameter(
            "epsilon must lie in (0, 1)",
        ));
    }
    check_mask(candidates, n_nodes)?;
    let prep = Prepared::new(g, probs, opts.model)?;
    let n_cand = candidates.map_or(n_nodes as usize, |c| c.iter().filter(|&&x| x).count());
    if n_nodes < 2 || n_cand == 0 {
        let seeds = top_k_by_out_degree(g, opts.k, candidates);
        let spread = seeds.len() as f64;
        return Ok(ImmResult {
            marginal_gains: vec![1.0; seeds.len()],
            seeds,
            estimated_spread: spread,
            rr_sets: 0,
            lower_bound: spread,
        });
    }
    let n = f64::from(n_nodes);
    let k = opts.k.min(n_cand);
    let ln_n = n.ln();
    let ell = opts.ell * (1.0 + std::f64::consts::LN_2 / ln_n);
    let log_cnk = ln_choose(n_cand as u64, k as u64);
    let eps = opts.epsilon;
    let eps_p = std::f64::consts::SQRT_2 * eps;
    let e_factor = 1.0 - 1.0 / std::f64::consts::E;
    let mut rr = RrCollection::new();
    let extend = |rr: &mut RrCollection, target: f64| {
        let target = target.ceil().min(1e12) as usize;
        rr.extend_to(target, g, &prep, opts.seed, opts.threads);
    };

    // Phase 1: a lower bound of OPT.
    let lambda_p =
        (2.0 + 2.0 / 3.0 * eps_p) * (log_cnk + ell * ln_n + n.log2().ln()) * n / (eps_p * eps_p);
    let mut lb = 1.0;
    // The last greedy run and the collection size it saw: phase 2 reuses it when θ asks for
    // no more sets than phase 1 already drew.
    let mut last: Option<(usize, Selection)> = None;
    let rounds = (n.log2() as u32).saturating_sub(1).max(1);
    for i in 1..=rounds {
        let x = n / 2f64.powi(i as i32);
        extend(&mut rr, lambda_p / x);
        let sel = select(&rr, n_nodes, k, candidates);
        let spread = n * sel.covered as f64 / rr.len() as f64;
        last = Some((rr.len(), sel));
        if spread >= (1.0 + eps_p) * x {
            lb = spread / (1.0 + eps_p);
            break;
        }
    }
    // Phase 2: θ sets, then greedy.
    let alpha = (ell * ln_n + std::f64::consts::LN_2).sqrt();
    let beta = (e_factor * (log_cnk + ell * ln_n + std::f64::consts::LN_2)).sqrt();
    let lambda_star = 2.0 * n * (e_factor * alpha + beta).powi(2) / (eps * eps);
    extend(&mut rr, lambda_star / lb);
    let sel = match last {
        Some((len, sel)) if len == rr.len() => sel,
        _ => select(&rr, n_nodes, k, candidates),
    };
    let scale = n / rr.len() as f64;
    let mut seeds = sel.seeds;
    let mut marginal_gains: Vec<f64> = sel.gains.iter().map(|&c| c as f64 * scale).collect();
    if seeds.len() < k {
        // Fewer candidates reach any RR set than k: fill with the best remaining by degree.
        let mut taken = vec![false; n_nodes as usize];
        seeds.iter().for_each(|&s| taken[s as usize] = true);
        let fill = top_k_by_out_degree(g, n_nodes as usize, candidates);
        for u in fill
            .into_iter()
            .filter(|&u| !taken[u as usize])
            .take(k - seeds.len())
        {
            seeds.push(u);
            marginal_gains.push(0.0);
        }
    }
    Ok(ImmResult {
        seeds,
        estimated_spread: sel.covered as f64 * scale,
        marginal_gains,
        rr_sets: rr.len(),
        lower_bound: lb,
    })
}

/// Expected spread of each of `sets` (at most 64), estimated from `samples` fresh RR sets
/// drawn with `seed`: unbiased, and far cheaper than Monte Carlo on large graphs.
pub fn rr_spread_estimate(
    g: &Csr,
    probs: &ProbabilityModel,
    model: Model,
    sets: &[&[u32]],
    samples: usize,
    seed: u64,
    threads: usize,
) -> Result<Vec<f64>, DiffusionError> {
    for s in sets {
        check_nodes(s, g.node_count())?;
    }
    if sets.len() > 64 {
        return Err(DiffusionError::InvalidParameter(
            "at most 64 seed sets at once",
        ));
    }
    if samples == 0 || g.node_count() == 0 {
        return Err(DiffusionError::InvalidParameter(
            "samples must be at least 1",
        ));
    }
    let prep = Prepared::new(g, probs, model)?;
    Ok(rr_estimate(g, &prep, sets, samples, seed, threads))
}

struct Selection {
    seeds: Vec<u32>,
    gains: Vec<u64>,
    covered: u64,
}

/// Greedy maximum coverage of the RR sets by `k` candidate nodes (lazy evaluation).
fn select(rr: &RrCollection, n: u32, k: usize, candidates: Option<&[bool]>) -> Selection {
    let nu = n as usize;
    // Inverted index: node → the RR sets containing it.
    let off = offsets_from_counts(nu, rr.nodes.iter().copied());
    let mut cursor = off.clone();
    let mut sets_of = vec![0u32; rr.nodes.len()];
    for i in 0..rr.len() {
        for &u in rr.set(i) {
            sets_of[cursor[u as usize]] = i as u32;
            cursor[u as usize] += 1;
        }
    }
    drop(cursor);
    let mut coverage: Vec<u64> = (0..nu).map(|u| (off[u + 1] - off[u]) as u64).collect();
    let allowed = |u: usize| candidates.is_none_or(|c| c[u]);
    let mut heap: BinaryHeap<(u64, Reverse<u32>)> = (0..nu)
        .filter(|&u| allowed(u) && coverage[u] > 0)
        .map(|u| (coverage[u], Reverse(u as u32)))
        .collect();
    let mut covered_set = vec![false; rr.len()];
    let mut sel = Selection {
        seeds: Vec::with_capacity(k),
        gains: Vec::new(),
        covered: 0,
    };
    while sel.seeds.len() < k {
        let Some((c, Reverse(u))) = heap.pop() else {
            break;
        };
        let u = u as usize;
        if c != coverage[u] {
            if coverage[u] > 0 {
                heap.push((coverage[u], Reverse(u as u32)));
            }
            continue;
        }
        sel.seeds.push(u as u32);
        sel.gains.push(c);
        sel.covered += c;
        for &s in &sets_of[off[u]..off[u + 1]] {
            if !covered_set[s as usize] {
                covered_set[s as usize] = true;
                for &w in rr.set(s as usize) {
                    coverage[w as usize] -= 1;
                }
            }
        }
    }
    sel
}

/// `ln C(n, k)`.
fn ln_choose(n: u64, k: u64) -> f64 {
    let k = k.min(n - k.min(n));
    (0..k)
        .map(|i| ((n - i) as f64).ln() - ((i + 1) as f64).ln())
        .sum()
}

#[cfg(test)]
#[path = "imm_tests.rs"]
mod tests;
