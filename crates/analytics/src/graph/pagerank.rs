//! Weighted PageRank by power iteration, pulled along in-edges, split over threads.
//!
//! Node `u` passes `d · rank(u) · w(u,v) / W_out(u)` to each out-neighbour `v`; nodes with no
//! out-edges (dangling) spread their rank uniformly over all nodes; everyone receives the
//! teleport share `(1 − d) / n`. Iteration stops when the L1 change of the rank vector is at
//! most the tolerance (the convention of networkit's `PageRank` with `Norm.L1_NORM`).
//!
//! For speed the hot loop reads each source's contribution from an array laid out in
//! descending out-degree order: in social graphs most edges start at few nodes, and keeping
//! those nodes' contributions together keeps them in cache. The contributions are `f32` (half
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
    let layout = Layout::new(g);
    let d = opts.damping;
    let nf = n as f64;
    let inv_wout: Vec<f64> = (0..g.node_count())
        .map(|u| {
            let w = if g.has_unit_weights() {
                f64::from(g.out_degree(u))
            } else {
                g.weighted_out_degree(u)
            };
            if w > 0.0 { 1.0 / w } else { 0.0 }
        })
        .collect();
    let mut rank = vec![1.0 / nf; n];
    let mut next = vec![0.0f64; n];
    let mut contrib = vec![T::default(); n];
    let threads = opts.threads.max(1);
    let ranges = split_by_work(g, threads);
    let contrib_ranges = split_even(n, threads);
    let mut iterations = 0;
    let mut last_change = f64::INFINITY;
    while iterations < opts.max_iterations {
        // Contributions in slot order, and the dangling mass.
        let dangling: f64 = std::thread::scope(|s| {
            let mut rest = contrib.as_mut_slice();
            let mut handles = Vec::new();
            for r in &contrib_ranges {
                let (chunk, tail) = rest.split_at_mut(r.len());
                rest = tail;
                let (rank, layout, inv_wout) = (&rank, &layout, &inv_wout);
                let start = r.start;
                handles.push(s.spawn(move || {
                    let mut dangling = 0.0;
                    for (i, c) in chunk.iter_mut().enumerate() {
                        let u = layout.order[start + i] as usize;
                        let iw = inv_wout[u];
                        if iw == 0.0 {
                            dangling += rank[u];
                        }
                        *c = T::from_f64(rank[u] * iw);
                    }
                    dangling
                }));
            }
            handles
                .into_iter()
                .map(|h| h.join().unwrap_or_else(|e| std::panic::resume_unwind(e)))
                .sum()
        });
        let base = (1.0 - d) / nf + d * dangling / nf;
        let change: f64 = std::thread::scope(|s| {
            let mut rest = next.as_mut_slice();
            let mut handles = Vec::new();
            for r in &ranges {
                let (chunk, tail) = rest.split_at_mut(r.len());
                rest = tail;
                let (rank, layout, contrib) = (&rank, &layout, &contrib);
                let r = r.clone();
                handles.push(s.spawn(move || {
                    if g.has_unit_weights() {
                        sweep::<false, T>(g, layout, r, contrib, rank, chunk, base, d)
                    } else {
                        sweep::<true, T>(g, layout, r, contrib, rank, chunk, base, d)
                    }
                }));
            }
            handles
                .into_iter()
                .map(|h| h.join().unwrap_or_else(|e| std::panic::resume_unwind(e)))
                .sum()
        });
        std::mem::swap(&mut rank, &mut next);
        iterations += 1;
        last_change = change;
        if change <= opts.tolerance {
            break;
        }
    }
    // Renormalise away the rounding drift so the scores sum to exactly 1.
    let total: f64 = rank.iter().sum();
    if total > 0.0 {
        rank.iter_mut().for_each(|x| *x /= total);
    }
    PageRank {
        scores: rank,
        iterations,
        converged: last_change <= opts.tolerance,
        last_change,
    }
}

/// The nodes ranked `k` highest by `scores` (ties broken by lower id), best first.
#[must_use]
pub fn top_k(scores: &[f64], k: usize) -> Vec<u32> {
    let mut idx: Vec<u32> = (0..scores.len() as u32).collect();
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

/// Sources renumbered into "slots" by descending out-degree, for cache locality.
struct Layout {
    /// Slot → node.
    order: Vec<u32>,
    /// In-edge sources as slots, aligned with `Csr::sources`.
    slot_sources: Vec<u32>,
}

impl Layout {
    fn new(g: &Csr) -> Self {
        let n = g.node_count() as usize;
        // Counting sort by out-degree, descending; stable in node id.
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
        let mut slot_sources = vec![0u32; g.sources().len()];
        let half = slot_sources.len() / 2;
        let (lo, hi) = slot_sources.split_at_mut(half);
        let (src_lo, src_hi) = g.sources().split_at(half);
        let slot_of = &slot_of;
        let remap = move |out: &mut [u32], src: &[u32]| {
            for (o, &u) in out.iter_mut().zip(src) {
                *o = slot_of[u as usize];
            }
        };
        std::thread::scope(|s| {
            s.spawn(move || remap(hi, src_hi));
            remap(lo, src_lo);
        });
        Self {
            order,
            slot_sources,
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn sweep<const WEIGHTED: bool, T: Contribution>(
    g: &Csr,
    layout: &Layout,
    range: Range<usize>,
    contrib: &[T],
    rank: &[f64],
    next: &mut [f64],
    base: f64,
    d: f64,
) -> f64 {
    let off = g.in_offsets();
    let src = &layout.slot_sources;
    let w = g.in_weights_all();
    let mut change = 0.0;
    for (out, v) in next.iter_mut().zip(range) {
        let (a, b) = (off[v], off[v + 1]);
        let mut s = 0.0f64;
        if WEIGHTED {
            for (&u, &x) in src[a..b].iter().zip(&w[a..b]) {
                s += contrib[u as usize].into() * f64::from(x);
            }
        } else {
            // Four independent sums, so the adds do not wait on each other.
            let row = &src[a..b];
            let mut quads = row.chunks_exact(4);
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
        change += (val - rank[v]).abs();
        *out = val;
    }
    change
}

/// Contiguous node ranges with about equal in-edges + nodes each.
fn split_by_work(g: &Csr, parts: usize) -> Vec<Range<usize>> {
    let n = g.node_count() as usize;
    let off = g.in_offsets();
    let total = off[n] + n;
    let mut ranges = Vec::with_capacity(parts);
    let mut start = 0;
    for p in 1..=parts {
        let goal = total * p / parts;
        let mut end = start;
        while end < n && off[end] + end < goal {
            end += 1;
        }
        if p == parts {
            end = n;
        }
        ranges.push(start..end);
        start = end;
    }
    ranges
}

fn split_even(n: usize, parts: usize) -> Vec<Range<usize>> {
    (0..parts)
        .map(|p| n * p / parts..n * (p + 1) / parts)
        .collect()
}

#[cfg(test)]
#[path = "pagerank_tests.rs"]
mod tests;
