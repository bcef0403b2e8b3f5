//! Weighted PageRank by power iteration, pulled along in-edges, split over threads.
//!
//! Node `u` passes `d · rank(u) · w(u,v) / W_out(u)` to each out-neighbour `v`; nodes with no
//! out-edges (dangling) spread their rank uniformly over all nodes; everyone receives the
//! teleport share `(1 − d) / n`. Iteration stops when the L1 change of the rank vector is at
//! most the tolerance (the convention of networkit's `PageRank` with `Norm.L1_NORM`).
//!
//! For speed the nodes are renumbered in descending out-degree order for the iterations:
//! in social graphs most edges start at few nodes, and keeping those nodes' contributions
//! together keeps them in cache; each thread writes its rows' ranks and next contributions
//! in one sequential pass. The contributions are `f32` (half
//! the cache footprint) unless the tolerance is below 1e-7, where `f32` rounding (an L1 noise
//! floor near 1e-7) could stop convergence; sums are always `f64`.

use std::ops::Range;

use super::csr::Csr;

/// Parameters of [`pagerank`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PageRankOptions {
    /// The damping factor `d` (probability of following an edge), usually 0.85.
    pub damping: f64,
    /// Stop when the L1 change of the rank vector in one iteration is at most this.
    pub tolerance: f64,
    /// Stop after this many iterations even if not converged.
    pub max_iterations: u32,
    /// Worker threads (1 = run on the caller's thread).
    pub threads: usize,
}

impl Default for PageRankOptions {
    fn default() -> Self {
        Self {
            damping: 0.85,
            tolerance: 1e-6,
            max_iterations: 100,
            threads: 2,
        }
    }
}

/// The result of [`pagerank`].
#[derive(Debug, Clone, PartialEq)]
pub struct PageRank {
    /// One score per node; the scores sum to 1.
    pub scores: Vec<f64>,
    /// Iterations run.
    pub iterations: u32,
    /// Whether the tolerance was reached before `max_iterations`.
    pub converged: bool,
    /// The L1 change in the last iteration.
    pub last_change: f64,
}

/// Weighted PageRank of `g` along its edge direction (rank flows from source to target).
#[must_use]
pub fn pagerank(g: &Csr, opts: &PageRankOptions) -> PageRank {
    if opts.tolerance < 1e-7 {
        pagerank_with::<f64>(g, opts)
    } else {
        pagerank_with::<f32>(g, opts)
    }
}

/// The storage type of the per-source contributions.
trait Contribution: Copy + Default + Send + Sync + Into<f64> {
    fn from_f64(x: f64) -> Self;
}

impl Contribution for f32 {
    #[inline]
    fn from_f64(x: f64) -> Self {
        x as f32
    }
}

impl Contribution for f64 {
    #[inline]
    fn from_f64(x: f64) -> Self {
        x
    }
}

fn pagerank_with<T: Contribution>(g: &Csr, opts: &PageRankOptions) -> PageRank {
    let n = g.node_count() as usize;
    if n == 0 {
        return PageRank {
            scores: Vec::new(),
            iterations: 0,
            converged: true,
            last_change: 0.0,
        };
    }
    let threads = opts.threads.max(1);
    let p = Permuted::new(g, threads);
    let d = opts.damping;
    let nf = n as f64;
    // All state is in slot order.
    let mut rank = vec![1.0 / nf; n];
    let mut next = vec![0.0f64; n];
    let mut contrib: Vec<T> = p.inv_wout.iter().map(|&iw| T::from_f64(iw / nf)).collect();
    let mut contrib_next = vec![T::default(); n];
    let mut dangling = p.inv_wout.iter().filter(|&&iw| iw == 0.0).count() as f64 / nf;
    let mut iterations = 0;
    let mut last_change = f64::INFINITY;
    while iterations < opts.max_iterations {
        let base = (1.0 - d) / nf + d * dangling / nf;
        let parts: Vec<(f64, f64)> = std::thread::scope(|s| {
            let mut rest = next.as_mut_slice();
            let mut rest_c = contrib_next.as_mut_slice();
            let mut handles = Vec::new();
            for r in &p.ranges {
                let (chunk, tail) = rest.split_at_mut(r.len());
                rest = tail;
                let (chunk_c, tail_c) = rest_c.split_at_mut(r.len());
                rest_c = tail_c;
                let (p, rank, contrib, r) = (&p, &rank, &contrib, r.clone());
                let sweep = Sweep {
                    p,
                    range: r,
                    contrib,
                    rank,
                    base,
                    d,
                };
                handles.push(s.spawn(move || {
                    if p.weights.is_empty() {
                        sweep.run::<false>(chunk, chunk_c)
                    } else {
                        sweep.run::<true>(chunk, chunk_c)
                    }
                }));
            }
            handles
                .into_iter()
                .map(|h| h.join().unwrap_or_else(|e| std::panic::resume_unwind(e)))
                .collect()
        });
        let change: f64 = parts.iter().map(|x| x.0).sum();
        dangling = parts.iter().map(|x| x.1).sum();
        std::mem::swap(&mut rank, &mut next);
        std::mem::swap(&mut contrib, &mut contrib_next);
        iterations += 1;
        last_change = change;
        if change <= opts.tolerance {
            break;
        }
    }
    let mut scores = vec![0.0f64; n];
    for (&u, &r) in p.order.iter().zip(&rank) {
        scores[u as usize] = r;
    }
    // Renormalise away the rounding drift so the scores sum to exactly 1.
    let total: f64 = scores.iter().sum();
    if total > 0.0 {
        scores.iter_mut().for_each(|x| *x /= total);
    }
    PageRank {
        scores,
        iterations,
        converged: last_change <= opts.tolerance,
        last_change,
    }
}

/// The nodes ranked `k` highest by `scores` (ties broken by lower id), best first.
#[must_use]
pub fn top_k(scores: &[f64], k: usize) -> Vec<u32> {
    top_k_among((0..scores.len() as u32).collect(), scores, k)
}

/// The `k` of `idx` ranked highest by `scores` (ties broken by lower id), best first.
pub(crate) fn top_k_among(mut idx: Vec<u32>, scores: &[f64], k: usize) -> Vec<u32> {
    let cmp = |a: &u32, b: &u32| {
        scores[*b as usize]
            .total_cmp(&scores[*a as usize])
            .then(a.cmp(b))
    };
    if k < idx.len() {
        idx.select_nth_unstable_by(k, cmp);
        idx.truncate(k);
    }
    idx.sort_unstable_by(cmp);
    idx
}

/// The in-rows renumbered into "slots" by descending out-degree: row `i` is node `order[i]`,
/// and sources are slots too, so the hot contributions sit together at the front.
struct Permuted {
    /// Slot → node.
    order: Vec<u32>,
    /// Row offsets in slot order.
    offsets: Vec<usize>,
    /// In-edge sources as slots.
    sources: Vec<u32>,
    /// In-edge weights aligned with `sources` (empty when every weight is 1).
    weights: Vec<f32>,
    /// 1 / weighted out-degree per slot (0 for dangling nodes).
    inv_wout: Vec<f64>,
    /// Slot ranges with about equal work, one per thread.
    ranges: Vec<Range<usize>>,
}

impl Permuted {
    fn new(g: &Csr, threads: usize) -> Self {
        let n = g.node_count() as usize;
        let max_deg = (0..g.node_count())
            .map(|u| g.out_degree(u))
            .max()
            .unwrap_or(0) as usize;
        let mut count = vec![0usize; max_deg + 2];
        for u in 0..g.node_count() {
            count[max_deg - g.out_degree(u) as usize + 1] += 1;
        }
        for i in 0..=max_deg {
            count[i + 1] += count[i];
        }
        let mut order = vec![0u32; n];
        let mut slot_of = vec![0u32; n];
        for u in 0..g.node_count() {
            let c = &mut count[max_deg - g.out_degree(u) as usize];
            order[*c] = u;
            slot_of[u as usize] = *c as u32;
            *c += 1;
        }
        let mut offsets = Vec::with_capacity(n + 1);
        offsets.push(0usize);
        for &u in &order {
            offsets.push(offsets[offsets.len() - 1] + g.in_degree(u) as usize);
        }
        let ranges = split_by_work(&offsets, threads);
        let weighted = !g.has_unit_weights();
        let m = g.edge_count();
        let mut sources = vec![0u32; m];
        let mut weights = vec![0f32; if weighted { m } else { 0 }];
        std::thread::scope(|s| {
            let mut rest = sources.as_mut_slice();
            let mut rest_w = weights.as_mut_slice();
            for r in &ranges {
                let len = offsets[r.end] - offsets[r.start];
                let (chunk, tail) = rest.split_at_mut(len);
                rest = tail;
                let (chunk_w, tail_w) = rest_w.split_at_mut(if weighted { len } else { 0 });
                rest_w = tail_w;
                let (order, slot_of, r) = (&order, &slot_of, r.clone());
                s.spawn(move || {
                    let mut at = 0;
                    for &v in &order[r] {
                        let row = g.in_neighbors(v);
                        for (o, &u) in chunk[at..at + row.len()].iter_mut().zip(row) {
                            *o = slot_of[u as usize];
                        }
                        if weighted {
                            chunk_w[at..at + row.len()].copy_from_slice(g.in_weights(v));
                        }
                        at += row.len();
                    }
                });
            }
        });
        let inv_wout = order
            .iter()
            .map(|&u| {
                let w = if weighted {
                    g.weighted_out_degree(u)
                } else {
                    f64::from(g.out_degree(u))
                };
                if w > 0.0 { 1.0 / w } else { 0.0 }
            })
            .collect();
        Self {
            order,
            offsets,
            sources,
            weights,
            inv_wout,
            ranges,
        }
    }
}

/// One thread's share of an iteration.
struct Sweep<'a, T> {
    p: &'a Permuted,
    range: Range<usize>,
    contrib: &'a [T],
    rank: &'a [f64],
    base: f64,
    d: f64,
}

impl<T: Contribution> Sweep<'_, T> {
    /// Writes the new ranks and contributions of the range; returns the L1 change and the
    /// new dangling mass.
    fn run<const WEIGHTED: bool>(&self, next: &mut [f64], contrib_next: &mut [T]) -> (f64, f64) {
        let Self {
            p,
            contrib,
            rank,
            base,
            d,
            ..
        } = *self;
        let (off, src, w) = (&p.offsets, &p.sources, &p.weights);
        let mut change = 0.0;
        let mut dangling = 0.0;
        for ((i, out), c) in self
            .range
            .clone()
            .zip(next.iter_mut())
            .zip(contrib_next.iter_mut())
        {
            let (a, b) = (off[i], off[i + 1]);
            let mut s = 0.0f64;
            if WEIGHTED {
                for (&u, &x) in src[a..b].iter().zip(&w[a..b]) {
                    s += contrib[u as usize].into() * f64::from(x);
                }
            } else {
                // Four independent sums, so the adds do not wait on each other.
                let mut quads = src[a..b].chunks_exact(4);
                let mut acc = [0.0f64; 4];
                for q in &mut quads {
                    acc[0] += contrib[q[0] as usize].into();
                    acc[1] += contrib[q[1] as usize].into();
                    acc[2] += contrib[q[2] as usize].into();
                    acc[3] += contrib[q[3] as usize].into();
                }
                for &u in quads.remainder() {
                    s += contrib[u as usize].into();
                }
                s += (acc[0] + acc[1]) + (acc[2] + acc[3]);
            }
            let val = base + d * s;
            change += (val - rank[i]).abs();
            *out = val;
            let iw = p.inv_wout[i];
            if iw == 0.0 {
                dangling += val;
            }
            *c = T::from_f64(val * iw);
        }
        (change, dangling)
    }
}

/// Contiguous row ranges with about equal in-edges + rows each.
fn split_by_work(offsets: &[usize], parts: usize) -> Vec<Range<usize>> {
    let n = offsets.len() - 1;
    let total = offsets[n] + n;
    let mut ranges = Vec::with_capacity(parts);
    let mut start = 0;
    for p in 1..=parts {
        let goal = total * p / parts;
        let end = if p == parts {
            n
        } else {
            // First row index whose cumulative work reaches the goal.
            (start..n).find(|&e| offsets[e] + e >= goal).unwrap_or(n)
        };
        ranges.push(start..end);
        start = end;
    }
    ranges
}

#[cfg(test)]
#[path = "pagerank_tests.rs"]
mod tests;
