//! The directed weighted graph in compressed sparse rows, with its transpose kept alongside.
//!
//! Nodes are `u32` ids `0..n`; edge weights are `f32`. Parallel edges are merged by summing
//! their weights, so every `(source, target)` pair appears at most once. Each row is sorted
//! by neighbour id. Out-edges are numbered `0..m` in row order ("edge ids"); the in-rows keep
//! the id of the out-edge each entry mirrors, so per-edge data (e.g. learned probabilities)
//! can be read in either direction.

use std::fmt;
use std::ops::Range;

/// Why a graph could not be built.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GraphError {
    /// An edge names a node id at or beyond the node count.
    NodeOutOfRange {
        /// The offending node id.
        node: u32,
        /// The graph's node count.
        n: u32,
    },
    /// Source, target and weight arrays differ in length.
    LengthMismatch,
    /// More edges than `u32` edge ids can number.
    TooManyEdges,
}

impl fmt::Display for GraphError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NodeOutOfRange { node, n } => {
                write!(f, "node {node} is out of range for a graph of {n} nodes")
            }
            Self::LengthMismatch => f.write_str("edge arrays differ in length"),
            Self::TooManyEdges => f.write_str("more than 2^32 - 1 edges"),
        }
    }
}

impl std::error::Error for GraphError {}

/// A directed weighted graph in compressed sparse rows, with out- and in-adjacency.
#[derive(Debug, Clone, Default)]
pub struct Csr {
    n: u32,
    out_offsets: Vec<usize>,
    out_targets: Vec<u32>,
    out_weights: Vec<f32>,
    in_offsets: Vec<usize>,
    in_sources: Vec<u32>,
    in_weights: Vec<f32>,
    in_edge_ids: Vec<u32>,
    unit_weights: bool,
}

impl Csr {
    /// Builds a graph of `n` nodes from `(source, target, weight)` triples; parallel edges
    /// are merged by summing their weights. Self-loops are kept.
    pub fn from_edges<I>(n: u32, edges: I) -> Result<Self, GraphError>
    where
        I: IntoIterator<Item = (u32, u32, f32)>,
    {
        let (mut src, mut dst, mut w) = (Vec::new(), Vec::new(), Vec::new());
        for (s, d, x) in edges {
            src.push(s);
            dst.push(d);
            w.push(x);
        }
        Self::from_arrays(n, &src, &dst, Some(&w))
    }

    /// Builds a graph of `n` nodes from parallel arrays (weight 1 for every edge when
    /// `weights` is `None`); parallel edges are merged by summing their weights.
    pub fn from_arrays(
        n: u32,
        src: &[u32],
        dst: &[u32],
        weights: Option<&[f32]>,
    ) -> Result<Self, GraphError> {
        if src.len() != dst.len() || weights.is_some_and(|w| w.len() != src.len()) {
            return Err(GraphError::LengthMismatch);
        }
        if src.len() >= u32::MAX as usize {
            return Err(GraphError::TooManyEdges);
        }
        if let Some(&node) = src.iter().chain(dst).find(|&&x| x >= n) {
            return Err(GraphError::NodeOutOfRange { node, n });
        }
        let nu = n as usize;
        let weight = |i: usize| weights.map_or(1.0, |w| w[i]);
        // Pass 1: bucket the edges by target (a stable counting sort).
        let by_dst_off = offsets_from_counts(nu, dst.iter().copied());
        let mut cursor = by_dst_off.clone();
        let mut by_dst = vec![0u32; src.len()];
        for (i, &d) in dst.iter().enumerate() {
            let slot = &mut cursor[d as usize];
            by_dst[*slot] = i as u32;
            *slot += 1;
        }
        // Pass 2: bucket by source, visiting edges in target order, so every row comes out
        // sorted by target and parallel edges are adjacent.
        let raw_off = offsets_from_counts(nu, src.iter().copied());
        let mut cursor = raw_off.clone();
        let mut raw_t = vec![0u32; src.len()];
        let mut raw_w = vec![0f32; src.len()];
        for &e in &by_dst {
            let e = e as usize;
            let slot = &mut cursor[src[e] as usize];
            raw_t[*slot] = dst[e];
            raw_w[*slot] = weight(e);
            *slot += 1;
        }
        drop(by_dst);
        // Pass 3: merge parallel edges in place.
        let mut out_offsets = vec![0usize; nu + 1];
        let mut len = 0usize;
        for u in 0..nu {
            let start = len;
            for i in raw_off[u]..raw_off[u + 1] {
                if len > start && raw_t[len - 1] == raw_t[i] {
                    raw_w[len - 1] += raw_w[i];
                } else {
                    raw_t[len] = raw_t[i];
                    raw_w[len] = raw_w[i];
                    len += 1;
                }
            }
            out_offsets[u + 1] = len;
        }
        raw_t.truncate(len);
        raw_w.truncate(len);
        raw_t.shrink_to_fit();
        raw_w.shrink_to_fit();
        let unit_weights = raw_w.iter().all(|&x| x == 1.0);
        let mut g = Self {
            n,
            out_offsets,
            out_targets: raw_t,
            out_weights: raw_w,
            unit_weights,
            ..Self::default()
        };
        g.build_in_rows();
        Ok(g)
    }

    fn build_in_rows(&mut self) {
        let nu = self.n as usize;
        let in_offsets = offsets_from_counts(nu, self.out_targets.iter().copied());
        let m = self.out_targets.len();
        let mut cursor = in_offsets.clone();
        let mut in_sources = vec![0u32; m];
        let mut in_weights = vec![0f32; m];
        let mut in_edge_ids = vec![0u32; m];
        for u in 0..nu {
            for e in self.out_offsets[u]..self.out_offsets[u + 1] {
                let slot = &mut cursor[self.out_targets[e] as usize];
                in_sources[*slot] = u as u32;
                in_weights[*slot] = self.out_weights[e];
                in_edge_ids[*slot] = e as u32;
                *slot += 1;
            }
        }
        self.in_offsets = in_offsets;
        self.in_sources = in_sources;
        self.in_weights = in_weights;
        self.in_edge_ids = in_edge_ids;
    }

    /// The same graph with every edge reversed (out- and in-rows swapped; edge ids renumbered
    /// in the new row order).
    #[must_use]
    pub fn transposed(&self) -> Self {
        let mut g = Self {
            n: self.n,
            out_offsets: self.in_offsets.clone(),
            out_targets: self.in_sources.clone(),
            out_weights: self.in_weights.clone(),
            unit_weights: self.unit_weights,
            ..Self::default()
        };
        g.build_in_rows();
        g
    }

    /// The number of nodes.
    #[must_use]
    pub fn node_count(&self) -> u32 {
        self.n
    }

    /// The number of (merged) edges.
    #[must_use]
    pub fn edge_count(&self) -> usize {
        self.out_targets.len()
    }

    /// Whether every edge has weight exactly 1 (lets kernels skip the weights).
    #[must_use]
    pub fn has_unit_weights(&self) -> bool {
        self.unit_weights
    }

    /// The ids of `u`'s out-edges (indices into [`Csr::targets`] and [`Csr::weights`]).
    #[must_use]
    pub fn out_edge_range(&self, u: u32) -> Range<usize> {
        self.out_offsets[u as usize]..self.out_offsets[u as usize + 1]
    }

    /// The nodes `u` points to, ascending.
    #[must_use]
    pub fn out_neighbors(&self, u: u32) -> &[u32] {
        &self.out_targets[self.out_edge_range(u)]
    }

    /// The weights of `u`'s out-edges, aligned with [`Csr::out_neighbors`].
    #[must_use]
    pub fn out_weights(&self, u: u32) -> &[f32] {
        &self.out_weights[self.out_edge_range(u)]
    }

    /// The positions of `v`'s in-edges in the in-row arrays.
    #[must_use]
    pub fn in_edge_range(&self, v: u32) -> Range<usize> {
        self.in_offsets[v as usize]..self.in_offsets[v as usize + 1]
    }

    /// The nodes pointing to `v`, ascending.
    #[must_use]
    pub fn in_neighbors(&self, v: u32) -> &[u32] {
        &self.in_sources[self.in_edge_range(v)]
    }

    /// The weights of `v`'s in-edges, aligned with [`Csr::in_neighbors`].
    #[must_use]
    pub fn in_weights(&self, v: u32) -> &[f32] {
        &self.in_weights[self.in_edge_range(v)]
    }

    /// The out-edge ids of `v`'s in-edges, aligned with [`Csr::in_neighbors`].
    #[must_use]
    pub fn in_edge_ids(&self, v: u32) -> &[u32] {
        &self.in_edge_ids[self.in_edge_range(v)]
    }

    /// The number of out-edges of `u`.
    #[must_use]
    pub fn out_degree(&self, u: u32) -> u32 {
        (self.out_offsets[u as usize + 1] - self.out_offsets[u as usize]) as u32
    }

    /// The number of in-edges of `v`.
    #[must_use]
    pub fn in_degree(&self, v: u32) -> u32 {
        (self.in_offsets[v as usize + 1] - self.in_offsets[v as usize]) as u32
    }

    /// The sum of `u`'s out-edge weights.
    #[must_use]
    pub fn weighted_out_degree(&self, u: u32) -> f64 {
        self.out_weights(u).iter().map(|&w| f64::from(w)).sum()
    }

    /// The sum of `v`'s in-edge weights.
    #[must_use]
    pub fn weighted_in_degree(&self, v: u32) -> f64 {
        self.in_weights(v).iter().map(|&w| f64::from(w)).sum()
    }

    /// All out-row offsets (`n + 1` entries).
    #[must_use]
    pub fn out_offsets(&self) -> &[usize] {
        &self.out_offsets
    }

    /// All edge targets in edge-id order.
    #[must_use]
    pub fn targets(&self) -> &[u32] {
        &self.out_targets
    }

    /// All edge weights in edge-id order.
    #[must_use]
    pub fn weights(&self) -> &[f32] {
        &self.out_weights
    }

    /// All in-row offsets (`n + 1` entries).
    #[must_use]
    pub fn in_offsets(&self) -> &[usize] {
        &self.in_offsets
    }

    /// All in-edge sources in in-row order.
    #[must_use]
    pub fn sources(&self) -> &[u32] {
        &self.in_sources
    }

    /// All in-edge weights in in-row order.
    #[must_use]
    pub fn in_weights_all(&self) -> &[f32] {
        &self.in_weights
    }

    /// Every edge as `(source, target, weight)`, in edge-id order.
    pub fn edges(&self) -> impl Iterator<Item = (u32, u32, f32)> + '_ {
        (0..self.n).flat_map(move |u| {
            self.out_edge_range(u)
                .map(move |e| (u, self.out_targets[e], self.out_weights[e]))
        })
    }
}

/// Prefix sums of per-node counts: `n + 1` offsets.
pub(crate) fn offsets_from_counts(n: usize, nodes: impl Iterator<Item = u32>) -> Vec<usize> {
    let mut off = vec![0usize; n + 1];
    for x in nodes {
        off[x as usize + 1] += 1;
    }
    for i in 0..n {
        off[i + 1] += off[i];
    }
    off
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parallel_edges_merge_by_summing_and_rows_are_sorted() {
        let g = Csr::from_edges(
            4,
            [
                (0, 2, 1.0),
                (0, 1, 2.0),
                (0, 2, 3.0),
                (3, 0, 1.0),
                (1, 2, 1.0),
            ],
        )
        .unwrap();
        assert_eq!(g.edge_count(), 4);
        assert_eq!(g.out_neighbors(0), &[1, 2]);
        assert_eq!(g.out_weights(0), &[2.0, 4.0]);
        assert_eq!(g.in_neighbors(2), &[0, 1]);
        assert_eq!(g.in_weights(2), &[4.0, 1.0]);
        assert_eq!(g.out_degree(0), 2);
        assert_eq!(g.in_degree(0), 1);
        assert_eq!(g.out_degree(2), 0);
        assert!((g.weighted_out_degree(0) - 6.0).abs() < 1e-9);
        assert!(!g.has_unit_weights());
        for v in 0..4 {
            for (&u, &e) in g.in_neighbors(v).iter().zip(g.in_edge_ids(v)) {
                assert_eq!(g.targets()[e as usize], v);
                assert!(g.out_edge_range(u).contains(&(e as usize)));
            }
        }
    }

    #[test]
    fn transposing_twice_gives_the_same_edges() {
        let edges = [(0, 1, 1.0), (1, 2, 2.0), (2, 0, 3.0), (2, 1, 4.0)];
        let g = Csr::from_edges(3, edges).unwrap();
        let t = g.transposed();
        assert_eq!(t.out_neighbors(1), &[0, 2]);
        let back: Vec<_> = t.transposed().edges().collect();
        assert_eq!(back, g.edges().collect::<Vec<_>>());
    }

    #[test]
    fn out_of_range_nodes_are_refused() {
        let err = Csr::from_edges(2, [(0, 2, 1.0)]).unwrap_err();
        assert_eq!(err, GraphError::NodeOutOfRange { node: 2, n: 2 });
        assert!(Csr::from_arrays(3, &[0], &[1, 2], None).is_err());
    }

    #[test]
    fn an_unweighted_build_has_unit_weights() {
        let g = Csr::from_arrays(3, &[0, 1], &[1, 2], None).unwrap();
        assert!(g.has_unit_weights());
        assert_eq!(g.edges().count(), 2);
    }
}
