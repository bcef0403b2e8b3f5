//! Reverse-reachable (RR) sets: sampling them under IC and LT, storing a collection, and
//! estimating the spread of seed sets from fresh samples.
//!
//! An RR set is the set of nodes that would have activated a uniformly random root in one
//! random realisation of the model; `n · P(RR set meets S)` is the expected spread of `S`
//! (Borgs et al. 2014). RR set `i` of a collection is drawn from `Rng::stream(seed, i)`, so a
//! collection depends on the seed and its size only, never on the thread count.

use super::csr::Csr;
use super::probability::{Model, Resolved};
use super::rng::Rng;

/// The graph and resolved model RR sets are drawn under.
#[derive(Clone, Copy)]
pub(crate) struct RrModel<'a> {
    pub(crate) g: &'a Csr,
    pub(crate) probs: &'a Resolved,
    /// LT weights per out-edge id (empty under IC).
    pub(crate) lt: &'a [f32],
    pub(crate) model: Model,
}

/// Draws RR sets on one graph; owns epoch-stamped scratch space so a sample allocates nothing.
pub(crate) struct RrSampler<'a> {
    g: &'a Csr,
    probs: &'a Resolved,
    /// LT weights per out-edge id (empty under IC).
    lt: &'a [f32],
    model: Model,
    stamp: Vec<u32>,
    epoch: u32,
}

impl<'a> RrSampler<'a> {
    pub(crate) fn new(m: RrModel<'a>) -> Self {
        let RrModel {
            g,
            probs,
            lt,
            model,
        } = m;
        Self {
            g,
            probs,
            lt,
            model,
            stamp: vec![0; g.node_count() as usize],
            epoch: 0,
        }
    }

    /// Appends one RR set (root first) to `out`.
    pub(crate) fn sample(&mut self, rng: &mut Rng, out: &mut Vec<u32>) {
        self.epoch = self.epoch.wrapping_add(1);
        if self.epoch == 0 {
            self.stamp.fill(0);
            self.epoch = 1;
        }
        let root = rng.below(self.g.node_count());
        let start = out.len();
        out.push(root);
        self.stamp[root as usize] = self.epoch;
        match self.model {
            Model::IndependentCascade => self.ic(rng, out, start),
            Model::LinearThreshold => self.lt_walk(rng, out, root),
        }
    }

    fn ic(&mut self, rng: &mut Rng, out: &mut Vec<u32>, start: usize) {
        let off = self.g.in_offsets();
        let sources = self.g.sources();
        let epoch = self.epoch;
        let mut head = start;
        while head < out.len() {
            let v = out[head] as usize;
            head += 1;
            let (a, b) = (off[v], off[v + 1]);
            let ln_q = match self.probs {
                Resolved::Uniform { ln_q, .. } => *ln_q,
                Resolved::PerTarget { ln_q, .. } => ln_q[v],
                Resolved::PerEdge { thresholds, .. } => {
                    let ids = &self.g.in_edge_ids(v as u32);
                    for (k, &e) in ids.iter().enumerate() {
                        let u = sources[a + k];
                        if self.stamp[u as usize] != epoch
                            && rng.next_u32() < thresholds[e as usize]
                        {
                            self.stamp[u as usize] = epoch;
                            out.push(u);
                        }
                    }
                    continue;
                }
            };
            // Every in-edge of v has the same probability: jump from success to success.
            let mut i = a as u64;
            loop {
                i = i.saturating_add(rng.geometric(ln_q));
                if i >= b as u64 {
                    break;
                }
                let u = sources[i as usize];
                if self.stamp[u as usize] != epoch {
                    self.stamp[u as usize] = epoch;
                    out.push(u);
                }
                i += 1;
            }
        }
    }

    /// Under LT each node has at most one "live" in-edge, chosen with probability equal to its
    /// weight; the RR set is the reverse walk along live edges until it stops or loops.
    fn lt_walk(&mut self, rng: &mut Rng, out: &mut Vec<u32>, root: u32) {
        let mut v = root;
        loop {
            let nb = self.g.in_neighbors(v);
            if nb.is_empty() {
                return;
            }
            let x = rng.next_f64();
            let pick = match self.probs {
                Resolved::PerTarget { .. } => Some(nb[(x * nb.len() as f64) as usize % nb.len()]),
                _ => {
                    let mut acc = 0.0f64;
                    let ids = self.g.in_edge_ids(v);
                    ids.iter()
                        .position(|&e| {
                            acc += f64::from(self.lt[e as usize]);
                            x < acc
                        })
                        .map(|k| nb[k])
                }
            };
            match pick {
                Some(u) if self.stamp[u as usize] != self.epoch => {
                    self.stamp[u as usize] = self.epoch;
                    out.push(u);
                    v = u;
                }
                _ => return,
            }
        }
    }
}

/// A growing collection of RR sets, stored flat.
#[derive(Debug, Default)]
pub(crate) struct RrCollection {
    pub(crate) offsets: Vec<usize>,
    pub(crate) nodes: Vec<u32>,
}

impl RrCollection {
    pub(crate) fn new() -> Self {
        Self {
            offsets: vec![0],
            nodes: Vec::new(),
        }
    }

    pub(crate) fn len(&self) -> usize {
        self.offsets.len() - 1
    }

    /// Grows the collection to `target` sets, set `i` drawn from `Rng::stream(seed, i)`.
    pub(crate) fn extend_to(&mut self, target: usize, m: RrModel<'_>, seed: u64, threads: usize) {
        let from = self.len();
        if target <= from {
            return;
        }
        let threads = threads.clamp(1, target - from);
        let parts: Vec<(Vec<usize>, Vec<u32>)> = std::thread::scope(|s| {
            let handles: Vec<_> = (0..threads)
                .map(|t| {
                    let lo = from + (target - from) * t / threads;
                    let hi = from + (target - from) * (t + 1) / threads;
                    s.spawn(move || {
                        let mut sampler = RrSampler::new(m);
                        let mut lens = Vec::with_capacity(hi - lo);
                        let mut nodes = Vec::new();
                        for i in lo..hi {
                            let before = nodes.len();
                            sampler.sample(&mut Rng::stream(seed, i as u64), &mut nodes);
                            lens.push(nodes.len() - before);
                        }
                        (lens, nodes)
                    })
                })
                .collect();
            handles
                .into_iter()
                .map(|h| h.join().unwrap_or_else(|e| std::panic::resume_unwind(e)))
                .collect()
        });
        for (lens, nodes) in parts {
            let mut end = self.nodes.len();
            for l in lens {
                end += l;
                self.offsets.push(end);
            }
            self.nodes.extend_from_slice(&nodes);
        }
    }

    pub(crate) fn set(&self, i: usize) -> &[u32] {
        &self.nodes[self.offsets[i]..self.offsets[i + 1]]
    }
}

/// Estimates the spread of several seed sets (at most 64) from `samples` fresh RR sets:
/// `n ·` the share of RR sets each seed set meets. Returns one estimate per seed set.
pub(crate) fn rr_estimate(
    m: RrModel<'_>,
    sets: &[&[u32]],
    samples: usize,
    seed: u64,
    threads: usize,
) -> Vec<f64> {
    let g = m.g;
    let mut mask = vec![0u64; g.node_count() as usize];
    for (j, s) in sets.iter().take(64).enumerate() {
        for &u in *s {
            mask[u as usize] |= 1 << j;
        }
    }
    let threads = threads.clamp(1, samples.max(1));
    let counts: Vec<Vec<u64>> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..threads)
            .map(|t| {
                let (lo, hi) = (samples * t / threads, samples * (t + 1) / threads);
                let bits = &mask;
                s.spawn(move || {
                    let mut sampler = RrSampler::new(m);
                    let mut buf = Vec::new();
                    let mut hits = vec![0u64; 64];
                    for i in lo..hi {
                        buf.clear();
                        sampler.sample(&mut Rng::stream(seed, i as u64), &mut buf);
                        let hit = buf.iter().fold(0u64, |acc, &u| acc | bits[u as usize]);
                        for (j, h) in hits.iter_mut().enumerate() {
                            *h += (hit >> j) & 1;
                        }
                    }
                    hits
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap_or_else(|e| std::panic::resume_unwind(e)))
            .collect()
    });
    let n = f64::from(g.node_count());
    (0..sets.len().min(64))
        .map(|j| {
            let hits: u64 = counts.iter().map(|c| c[j]).sum();
            n * hits as f64 / samples.max(1) as f64
        })
        .collect()
}
