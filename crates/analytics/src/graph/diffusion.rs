//! Spread simulation: Monte Carlo Independent Cascade and Linear Threshold with a seeded RNG.
//!
//! A simulator owns epoch-stamped state arrays sized to the graph, so one cascade allocates
//! nothing and costs time in proportion to the edges it touches, not to the graph. Run `r`
//! of a [`simulate`] call draws from `Rng::stream(seed, r)`, and all totals are integers, so
//! the estimate depends on the seed alone, whatever the thread count.

use super::csr::Csr;
use super::probability::{Resolved, check_nodes};
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

/// Reusable state for running cascades on one graph under one model.
#[derive(Debug)]
pub struct Simulator<'g> {
    g: &'g Csr,
    probs: Resolved,
    /// Linear Threshold weights per out-edge (empty for Independent Cascade).
    lt: Vec<f32>,
    model: Model,
    outside: Option<&'g [bool]>,
    stamp: Vec<u32>,
    epoch: u32,
    /// LT per-node state, valid where `stamp == epoch`: threshold and summed in-weight.
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
        let n = g.node_count() as usize;
        if outside.is_some_and(|o| o.len() != n) {
            return Err(DiffusionError::MaskLengthMismatch);
        }
        let probs = Resolved::new(g, probs)?;
        let lt = match model {
            Model::LinearThreshold => probs.lt_weights(g),
            Model::IndependentCascade => Vec::new(),
        };
        let lt_n = if model == Model::LinearThreshold {
            n
        } else {
            0
        };
        Ok(Self {
            g,
            probs,
            lt,
            model,
            outside,
            stamp: vec![0; n],
            epoch: 0,
            lt_threshold: vec![0.0; lt_n],
            lt_sum: vec![0.0; lt_n],
            active: vec![false; lt_n],
            frontier: Vec::new(),
            next: Vec::new(),
            generations: Vec::new(),
        })
    }

    /// Newly activated nodes per generation in the last cascade (index 0: the seeds).
    #[must_use]
    pub fn generations(&self) -> &[u32] {
        &self.generations
    }

    /// Runs one cascade from `seeds` (ids outside the graph and repeats are ignored).
    pub fn run(&mut self, seeds: &[u32], rng: &mut Rng) -> Cascade {
        self.epoch = self.epoch.wrapping_add(1);
        if self.epoch == 0 {
            self.stamp.fill(0);
            self.epoch = 1;
        }
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
            match self.model {
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
        match self.model {
            Model::IndependentCascade => self.stamp[v as usize] == self.epoch,
            Model::LinearThreshold => {
                self.stamp[v as usize] == self.epoch && self.active[v as usize]
            }
        }
    }

    #[inline]
    fn activate(&mut self, v: u32, out: &mut Cascade) {
        self.stamp[v as usize] = self.epoch;
        if self.model == Model::LinearThreshold {
            self.active[v as usize] = true;
        }
        out.reached += 1;
        if self.outside.is_some_and(|o| o[v as usize]) {
            out.outside += 1;
        }
    }

    fn ic_step(&mut self, rng: &mut Rng, out: &mut Cascade) {
        let Self {
            g,
            probs,
            outside,
            stamp,
            epoch,
            frontier,
            next,
            ..
        } = self;
        let epoch = *epoch;
        next.clear();
        let off = g.out_offsets();
        let targets = g.targets();
        let outside = *outside;
        let mut hit = |stamp: &mut [u32], v: u32, out: &mut Cascade| {
            stamp[v as usize] = epoch;
            out.reached += 1;
            if outside.is_some_and(|o| o[v as usize]) {
                out.outside += 1;
            }
            next.push(v);
        };
        for &u in frontier.iter() {
            let (a, b) = (off[u as usize], off[u as usize + 1]);
            match &*probs {
                Resolved::Uniform { ln_q, .. } => {
                    // Geometric skips: one draw per success instead of one per edge.
                    let mut i = a as u64;
                    loop {
                        i = i.saturating_add(rng.geometric(*ln_q));
                        if i >= b as u64 {
                            break;
                        }
                        let v = targets[i as usize];
                        if stamp[v as usize] != epoch {
                            hit(stamp, v, out);
                        }
                        i += 1;
                    }
                }
                Resolved::PerTarget { thresholds, .. } => {
                    for &v in &targets[a..b] {
                        if stamp[v as usize] != epoch && rng.next_u32() < thresholds[v as usize] {
                            hit(stamp, v, out);
                        }
                    }
                }
                Resolved::PerEdge { thresholds, .. } => {
                    for e in a..b {
                        let v = targets[e];
                        if stamp[v as usize] != epoch && rng.next_u32() < thresholds[e] {
                            hit(stamp, v, out);
                        }
                    }
                }
            }
        }
    }

    fn lt_step(&mut self, rng: &mut Rng, out: &mut Cascade) {
        let Self {
            g,
            lt,
            outside,
            stamp,
            epoch,
            lt_threshold,
            lt_sum,
            active,
            frontier,
            next,
            ..
        } = self;
        let (epoch, outside) = (*epoch, *outside);
        next.clear();
        let off = g.out_offsets();
        let targets = g.targets();
        for &u in frontier.iter() {
            let (a, b) = (off[u as usize], off[u as usize + 1]);
            for (&v, &w) in targets[a..b].iter().zip(&lt[a..b]) {
                let v = v as usize;
                if stamp[v] != epoch {
                    // First touch this cascade: draw the threshold lazily. A threshold in
                    // (0, 1] keeps weight-0 edges from activating anyone.
                    stamp[v] = epoch;
                    active[v] = false;
                    lt_threshold[v] = (1.0 - rng.next_f64()) as f32;
                    lt_sum[v] = 0.0;
                } else if active[v] {
                    continue;
                }
                lt_sum[v] += w;
                if lt_sum[v] >= lt_threshold[v] {
                    active[v] = true;
                    out.reached += 1;
                    if outside.is_some_and(|o| o[v]) {
                        out.outside += 1;
                    }
                    next.push(v as u32);
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
    let threads = opts.threads.clamp(1, opts.runs as usize);
    let base = Simulator::with_model(g, probs, model, outside)?;
    let parts: Vec<Totals> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..threads)
            .map(|t| {
                let lo = u64::from(opts.runs) * t as u64 / threads as u64;
                let hi = u64::from(opts.runs) * (t as u64 + 1) / threads as u64;
                let mut sim = base.fork();
                s.spawn(move || {
                    let mut tot = Totals::default();
                    for r in lo..hi {
                        let mut rng = Rng::stream(opts.seed, r);
                        let c = sim.run(seeds, &mut rng);
                        tot.add(c, sim.generations());
                    }
                    tot
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap_or_else(|e| std::panic::resume_unwind(e)))
            .collect()
    });
    let mut tot = Totals::default();
    for p in parts {
        tot.merge(p);
    }
    Ok(tot.estimate(opts.runs))
}

impl Simulator<'_> {
    /// A fresh simulator sharing this one's graph and resolved probabilities.
    fn fork(&self) -> Self {
        Self {
            g: self.g,
            probs: self.probs.clone(),
            lt: self.lt.clone(),
            model: self.model,
            outside: self.outside,
            stamp: vec![0; self.stamp.len()],
            epoch: 0,
            lt_threshold: vec![0.0; self.lt_threshold.len()],
            lt_sum: vec![0.0; self.lt_sum.len()],
            active: vec![false; self.active.len()],
            frontier: Vec::new(),
            next: Vec::new(),
            generations: Vec::new(),
        }
    }
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
