//! Reverse-reachable (RR) sets: sampling them under IC and LT, storing a collection, and
//! estimating the spread of seed sets from fresh samples.
//!
//! An RR set is the set of nodes that would have activated a uniformly random root in one
//! random realisation of the model; `n · P(RR set meets S)` is the expected spread of `S`
//! (Borgs et al. 2014). RR set `i` of a collection is drawn from `Rng::stream(seed, i)`, so a
//! collection depends on the seed and its size only, never on the thread count.

use super::csr::Csr;
use super::marks::Marks;
use super::par::par_ranges;
use super::probability::{Model, Prepared, Resolved};
use super::rng::Rng;

/// Draws RR sets on one graph; owns the node marks, so a sample allocates nothing.
pub(crate) struct RrSampler<'a> {
    g: &'a Csr,
    p: &'a Prepared,
    marks: Marks,
}

impl<'a> RrSampler<'a> {
    pub(crate) fn new(g: &'a Csr, p: &'a Prepared) -> Self {
        Self {
            g,
            p,
            marks: Marks::new(g.node_count() as usize),
        }
    }

    /// Appends one RR set (root first) to `out`.
    pub(crate) fn sample(&mut self, rng: &mut Rng, out: &mut Vec<u32>) {
        self.marks.clear();
        let root = rng.below(self.g.node_count());
        let start = out.len();
        out.push(root);
        self.marks.mark(root);
        match self.p.model {
            Model::IndependentCascade => self.ic(rng, out, start),
            Model::LinearThreshold => self.lt_walk(rng, out, root),
        }
    }

    fn ic(&mut self, rng: &mut Rng, out: &mut Vec<u32>, start: usize) {
        let (g, marks) = (self.g, &mut self.marks);
        let mut head = start;
        while head < out.len() {
            let v = out[head];
            head += 1;
            let sources = g.in_neighbors(v);
            let ln_q = match &self.p.probs {
                Resolved::Uniform { ln_q, .. } => *ln_q,
                Resolved::PerTarget { ln_q, .. } => ln_q[v as usize],
                Resolved::PerEdge { thresholds, .. } => {
                    for (&u, &e) in sources.iter().zip(g.in_edge_ids(v)) {
                        if !marks.is_marked(u) && rng.next_u32() < thresholds[e as usize] {
                            marks.mark(u);
                            out.push(u);
                        }
                    }
                    continue;
                }
            };
            // Every in-edge of v has the same probability: jump from success to success.
            for i in rng.successes(ln_q, 0..sources.len()) {
                if marks.mark(sources[i]) {
                    out.push(sources[i]);
                }
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
            let pick = match self.p.probs {
                Resolved::PerTarget { .. } => Some(nb[(x * nb.len() as f64) as usize % nb.len()]),
                _ => {
                    let mut acc = 0.0f64;
                    let ids = self.g.in_edge_ids(v);
                    ids.iter()
                        .position(|&e| {
                            acc += f64::from(self.p.lt[e as usize]);
                            x < acc
                        })
                        .map(|k| nb[k])
                }
            };
            match pick {
                Some(u) if self.marks.mark(u) => {
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
    pub(crate) fn extend_to(
        &mut self,
        target: usize,
        g: &Csr,
        p: &Prepared,
        seed: u64,
        threads: usize,
    ) {
        let from = self.len();
        if target <= from {
            return;
        }
        let parts = par_ranges(target - from, threads, |r| {
            let mut sampler = RrSampler::new(g, p);
            let mut lens = Vec::with_capacity(r.len());
            let mut nodes = Vec::new();
            for i in r {
                let before = nodes.len();
                sampler.sample(&mut Rng::stream(seed, (from + i) as u64), &mut nodes);
                lens.push(nodes.len() - before);
            }
            (lens, nodes)
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
    g: &Csr,
    p: &Prepared,
    sets: &[&[u32]],
    samples: usize,
    seed: u64,
    threads: usize,
) -> Vec<f64> {
    let mut mask = vec![0u64; g.node_count() as usize];
    for (j, s) in sets.iter().take(64).enumerate() {
        for &u in *s {
            mask[u as usize] |= 1 << j;
        }
    }
    let counts = par_ranges(samples, threads, |r| {
        let mut sampler = RrSampler::new(g, p);
        let mut buf = Vec::new();
        let mut hits = vec![0u64; 64];
        for i in r {
            buf.clear();
            sampler.sample(&mut Rng::stream(seed, i as u64), &mut buf);
            let hit = buf.iter().fold(0u64, |acc, &u| acc | mask[u as usize]);
            for (j, h) in hits.iter_mut().enumerate() {
                *h += (hit >> j) & 1;
            }
        }
        hits
    });
    let n = f64::from(g.node_count());
    (0..sets.len().min(64))
        .map(|j| {
            let hits: u64 = counts.iter().map(|c| c[j]).sum();
            n * hits as f64 / samples.max(1) as f64
        })
        .collect()
}
