//! Spread simulation: Monte Carlo Independent Cascade and Linear Threshold with a seeded RNG.
//!
//! A simulator owns node marks and state arrays sized to the graph, so one cascade allocates
//! nothing and costs time in proportion to the edges it touches, not to the graph. Run `r`
//! of a [`simulate`] call draws from `Rng::stream(seed, r)`, and all totals are integers, so
//! the estimate depends on the seed alone, whatever the thread count.

use std::borrow::Cow;

use super::csr::Csr;
use super::marks::Marks;
use super::par::par_ranges;
use super::probability::{Prepared, Resolved, check_mask, check_nodes};
use super::rng::Rng;

pub use super::probability::{DiffusionError, Model, ProbabilityModel};

/// One cascade's outcome.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Cascade {
    /// Nodes active at the end, seeds included.
    pub reached: u32,
    /// Of those, nodes flagged as outside the member set (visitors, not yet members).
    pub outside: u32,
}

impl Cascade {
    /// Counts `v` as reached.
    #[inline]
    fn count(&mut self, v: u32, outside: Option<&[bool]>) {
        self.reached += 1;
        if outside.is_some_and(|o| o[v as usize]) {
            self.outside += 1;
        }
    }
}

/// Reusable state for running cascades on one graph under one model.
#[derive(Debug)]
pub struct Simulator<'g> {
    g: &'g Csr,
    prep: Cow<'g, Prepared>,
    outside: Option<&'g [bool]>,
    /// Nodes touched in this cascade: active under IC; under LT, with a drawn threshold.
    touched: Marks,
    /// LT per-node state, valid where touched: threshold, summed in-weight, active.
    lt_threshold: Vec<f32>,
    lt_sum: Vec<f32>,
    active: Vec<bool>,
    frontier: Vec<u32>,
    next: Vec<u32>,
    generations: Vec<u32>,
}

/// An Independent Cascade simulator.
pub type IcSimulator<'g> = Simulator<'g>;

impl<'g> Simulator<'g> {
    /// An Independent Cascade simulator for `g`.
    pub fn new(g: &'g Csr, probs: &ProbabilityModel) -> Result<Self, DiffusionError> {
        Self::with_model(g, probs, Model::IndependentCascade, None)
    }

    /// A simulator for `g` under `model`; `outside` flags the nodes that are not members
    /// (one entry per node), counted separately in [`Cascade::outside`].
    pub fn with_model(
        g: &'g Csr,
        probs: &ProbabilityModel,
        model: Model,
        outside: Option<&'g [bool]>,
    ) -> Result<Self, DiffusionError> {
        check_mask(outside, g.node_count())?;
        let prep = Prepared::new(g, probs, model)?;
        Ok(Self::prepared(g, Cow::Owned(prep), outside))
    }

    /// A simulator on an already resolved model (`outside` already checked).
    fn prepared(g: &'g Csr, prep: Cow<'g, Prepared>, outside: Option<&'g [bool]>) -> Self {
        let n = g.node_count() as usize;
        let lt_n = if prep.model == Model::LinearThreshold {
            n
        } else {
            0
        };
        Self {
            g,
            prep,
            outside,
            touched: Marks::new(n),
            lt_threshold: vec![0.0; lt_n],
            lt_sum: vec![0.0; lt_n],
            active: vec![false; lt_n],
            frontier: Vec::new(),
            next: Vec::new(),
            generations: Vec::new(),
        }
    }

    /// Newly activated nodes per generation in the last cascade (index 0: the seeds).
    #[must_use]
    pub fn generations(&self) -> &[u32] {
        &self.generations
    }

    /// Runs one cascade from `seeds` (ids outside the graph and repeats are ignored).
    pub fn run(&mut self, seeds: &[u32], rng: &mut Rng) -> Cascade {
        self.touched.clear();
        self.frontier.clear();
        self.generations.clear();
        let mut out = Cascade::default();
        for &s in seeds {
            if s < self.g.node_count() && !self.is_active(s) {
                self.activate(s, &mut out);
                self.frontier.push(s);
            }
        }
        self.generations.push(out.reached);
        while !self.frontier.is_empty() {
            let before = out.reached;
            match self.prep.model {
                Model::IndependentCascade => self.ic_step(rng, &mut out),
                Model::LinearThreshold => self.lt_step(rng, &mut out),
            }
            std::mem::swap(&mut self.frontier, &mut self.next);
            if out.reached > before {
                self.generations.push(out.reached - before);
            }
        }
        out
    }

    #[inline]
    fn is_active(&self, v: u32) -> bool {
        self.touched.is_marked(v)
            && (self.prep.model == Model::IndependentCascade || self.active[v as usize])
    }

    #[inline]
    fn activate(&mut self, v: u32, out: &mut Cascade) {
        self.touched.mark(v);
        if self.prep.model == Model::LinearThreshold {
            self.active[v as usize] = true;
        }
        out.count(v, self.outside);
    }

    fn ic_step(&mut self, rng: &mut Rng, out: &mut Cascade) {
        let Self {
            g,
            prep,
            outside,
            touched,
            frontier,
            next,
            ..
        } = self;
        let outside = *outside;
        next.clear();
        let targets = g.targets();
        let mut hit = |touched: &mut Marks, v: u32| {
            if touched.mark(v) {
                out.count(v, outside);
                next.push(v);
            }
        };
        for &u in frontier.iter() {
            let edges = g.out_edge_range(u);
            match &prep.probs {
                // Geometric skips: one draw per success instead of one per edge.
                Resolved::Uniform { ln_q, .. } => {
                    for e in rng.successes(*ln_q, edges) {
                        hit(touched, targets[e]);
                    }
                }
                Resolved::PerTarget { thresholds, .. } => {
                    for &v in &targets[edges] {
                        if !touched.is_marked(v) && rng.next_u32() < thresholds[v as usize] {
                            hit(touched, v);
                        }
                    }
                }
                Resolved::PerEdge { thresholds, .. } => {
                    for e in edges {
                        let v = targets[e];
                        if !touched.is_marked(v) && rng.next_u32() < thresholds[e] {
                            hit(touched, v);
                        }
                    }
                }
            }
        }
    }

    fn lt_step(&mut self, rng: &mut Rng, out: &mut Cascade) {
        let Self {
            g,
            prep,
            outside,
            touched,
            lt_threshold,
            lt_sum,
            active,
            frontier,
            next,
            ..
        } = self;
        next.clear();
        let targets = g.targets();
        for &u in frontier.iter() {
            for e in g.out_edge_range(u) {
                let v = targets[e];
                let vi = v as usize;
                if touched.mark(v) {
                    // First touch this cascade: draw the threshold lazily. A threshold in
                    // (0, 1] keeps weight-0 edges from activating anyone.
                    active[vi] = false;
                    lt_threshold[vi] = (1.0 - rng.next_f64()) as f32;
                    lt_sum[vi] = 0.0;
                } else if active[vi] {
                    continue;
                }
                lt_sum[vi] += prep.lt[e];
                if lt_sum[vi] >= lt_threshold[vi] {
                    active[vi] = true;
                    out.count(v, *outside);
                    next.push(v);
                }
            }
        }
    }
}

/// Parameters of [`simulate`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SpreadOptions {
    /// Monte Carlo runs.
    pub runs: u32,
    /// RNG seed: the same seed gives the same estimate.
    pub seed: u64,
    /// Worker threads.
    pub threads: usize,
}

impl Default for SpreadOptions {
    fn default() -> Self {
        Self {
            runs: 1000,
            seed: 42,
            threads: 2,
        }
    }
}

/// The Monte Carlo estimate of a seed set's spread.
#[derive(Debug, Clone, PartialEq)]
pub struct SpreadEstimate {
    /// Runs averaged.
    pub runs: u32,
    /// Mean number of active nodes at the end (seeds included).
    pub mean_reach: f64,
    /// Sample standard deviation of the reach.
    pub std_dev: f64,
    /// 95% confidence interval of the mean reach (normal approximation).
    pub ci95: (f64, f64),
    /// Mean reach among nodes flagged outside the member set.
    pub mean_outside: f64,
    /// Mean reach among members (`mean_reach − mean_outside`).
    pub mean_members: f64,
    /// Mean newly active nodes per generation (index 0: the seeds).
    pub per_generation: Vec<f64>,
}

/// Estimates the spread of `seeds` on `g` by Monte Carlo under `model`.
pub fn simulate(
    g: &Csr,
    probs: &ProbabilityModel,
    model: Model,
    seeds: &[u32],
    outside: Option<&[bool]>,
    opts: &SpreadOptions,
) -> Result<SpreadEstimate, DiffusionError> {
    check_nodes(seeds, g.node_count())?;
    if opts.runs == 0 {
        return Err(DiffusionError::InvalidParameter("runs must be at least 1"));
    }
    check_mask(outside, g.node_count())?;
    let prep = Prepared::new(g, probs, model)?;
    let parts = par_ranges(opts.runs as usize, opts.threads, |runs| {
        let mut sim = Simulator::prepared(g, Cow::Borrowed(&prep), outside);
        let mut tot = Totals::default();
        for r in runs {
            let c = sim.run(seeds, &mut Rng::stream(opts.seed, r as u64));
            tot.add(c, sim.generations());
        }
        tot
    });
    let mut tot = Totals::default();
    for p in parts {
        tot.merge(p);
    }
    Ok(tot.estimate(opts.runs))
}

#[derive(Default)]
struct Totals {
    reach: u64,
    reach_sq: u128,
    outside: u64,
    generations: Vec<u64>,
}

impl Totals {
    fn add(&mut self, c: Cascade, gens: &[u32]) {
        self.reach += u64::from(c.reached);
        self.reach_sq += u128::from(c.reached) * u128::from(c.reached);
        self.outside += u64::from(c.outside);
        if self.generations.len() < gens.len() {
            self.generations.resize(gens.len(), 0);
        }
        for (t, &x) in self.generations.iter_mut().zip(gens) {
            *t += u64::from(x);
        }
    }

    fn merge(&mut self, o: Self) {
        self.reach += o.reach;
        self.reach_sq += o.reach_sq;
        self.outside += o.outside;
        if self.generations.len() < o.generations.len() {
            self.generations.resize(o.generations.len(), 0);
        }
        for (t, x) in self.generations.iter_mut().zip(o.generations) {
            *t += x;
        }
    }

    fn estimate(&self, runs: u32) -> SpreadEstimate {
        let r = f64::from(runs);
        let mean = self.reach as f64 / r;
        let var = if runs > 1 {
            ((self.reach_sq as f64 - r * mean * mean) / (r - 1.0)).max(0.0)
        } else {
            0.0
        };
        let sd = var.sqrt();
        let half = 1.96 * sd / r.sqrt();
        let outside = self.outside as f64 / r;
        SpreadEstimate {
            runs,
            mean_reach: mean,
            std_dev: sd,
            ci95: (mean - half, mean + half),
            mean_outside: outside,
            mean_members: mean - outside,
            per_generation: self.generations.iter().map(|&x| x as f64 / r).collect(),
        }
    }
}

#[cfg(test)]
#[path = "diffusion_tests.rs"]
mod tests;
