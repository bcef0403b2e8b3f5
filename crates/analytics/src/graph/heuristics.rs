//! Instant seed heuristics to compare IMM against: top-k by out-degree, top-k by any score
//! (e.g. PageRank) and degree discount (Chen, Wang and Yang, KDD 2009).

use std::cmp::{Ordering, Reverse};
use std::collections::BinaryHeap;

use super::csr::Csr;
use super::pagerank::top_k_among;

/// The `k` nodes with the most out-edges (ties by lower id), among `candidates` if given.
#[must_use]
pub fn top_k_by_out_degree(g: &Csr, k: usize, candidates: Option<&[bool]>) -> Vec<u32> {
    let scores: Vec<f64> = (0..g.node_count())
        .map(|u| f64::from(g.out_degree(u)))
        .collect();
    top_k_by_score(&scores, k, candidates)
}

/// The `k` nodes with the highest `scores` (ties by lower id), among `candidates` if given.
#[must_use]
pub fn top_k_by_score(scores: &[f64], k: usize, candidates: Option<&[bool]>) -> Vec<u32> {
    let idx = (0..scores.len() as u32)
        .filter(|&u| candidates.is_none_or(|c| c.get(u as usize).copied().unwrap_or(false)))
        .collect();
    top_k_among(idx, scores, k)
}

#[derive(PartialEq)]
struct Key(f64, Reverse<u32>);

impl Eq for Key {}

impl PartialOrd for Key {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Key {
    fn cmp(&self, other: &Self) -> Ordering {
        self.0.total_cmp(&other.0).then(self.1.cmp(&other.1))
    }
}

/// Degree discount for IC with edge probability `p`, adapted to directed graphs: a node's
/// value is its out-degree not counting edges into seeds, discounted by the chance that seeds
/// pointing at it activate it anyway: `(d_v − s_v) · (1 − t_v · p)`, where `s_v` counts
/// seeds among its out-neighbours and `t_v` seeds among its in-neighbours. Chooses `k` nodes
/// greedily, among `candidates` if given.
#[must_use]
pub fn degree_discount(g: &Csr, k: usize, p: f64, candidates: Option<&[bool]>) -> Vec<u32> {
    let n = g.node_count() as usize;
    let allowed = |u: usize| candidates.is_none_or(|c| c.get(u).copied().unwrap_or(false));
    let mut s = vec![0u32; n];
    let mut t = vec![0u32; n];
    let mut chosen = vec![false; n];
    let value = |u: usize, s: &[u32], t: &[u32]| {
        let d = f64::from(g.out_degree(u as u32)) - f64::from(s[u]);
        d * (1.0 - f64::from(t[u]) * p).max(0.0)
    };
    let mut heap: BinaryHeap<Key> = (0..n)
        .filter(|&u| allowed(u))
        .map(|u| Key(value(u, &s, &t), Reverse(u as u32)))
        .collect();
    let mut seeds = Vec::with_capacity(k);
    while seeds.len() < k {
        let Some(Key(score, Reverse(u))) = heap.pop() else {
            break;
        };
        let ui = u as usize;
        if chosen[ui] {
            continue;
        }
        let now = value(ui, &s, &t);
        if now < score {
            heap.push(Key(now, Reverse(u)));
            continue;
        }
        chosen[ui] = true;
        seeds.push(u);
        for &v in g.out_neighbors(u) {
            t[v as usize] += 1;
        }
        for &v in g.in_neighbors(u) {
            s[v as usize] += 1;
        }
    }
    seeds
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn degree_heuristics_pick_hubs_and_respect_candidates() {
        // Hub 0 points at 1..=5; node 6 points at 1, 2, 3; node 7 points at 8.
        let mut edges: Vec<(u32, u32, f32)> = (1..=5).map(|v| (0, v, 1.0)).collect();
        edges.extend([(6, 1, 1.0), (6, 2, 1.0), (6, 3, 1.0), (7, 8, 1.0)]);
        let g = Csr::from_edges(9, edges).unwrap();
        assert_eq!(top_k_by_out_degree(&g, 2, None), vec![0, 6]);
        let mut cand = vec![true; 9];
        cand[0] = false;
        assert_eq!(top_k_by_out_degree(&g, 2, Some(&cand)), vec![6, 7]);
        assert_eq!(degree_discount(&g, 2, 0.1, None), vec![0, 6]);
        assert_eq!(degree_discount(&g, 3, 0.1, Some(&cand)), vec![6, 7, 1]);
    }

    #[test]
    fn degree_discount_skips_a_neighbour_of_a_seed() {
        // 0 → {1,2,3,4}, 1 → {5,6,7}, 8 → {9,10,11}: after seeding 0, node 1 (pointed at by
        // the seed) is discounted below node 8 of the same out-degree.
        let mut edges: Vec<(u32, u32, f32)> = (1..=4).map(|v| (0, v, 1.0)).collect();
        edges.extend([(1, 5, 1.0), (1, 6, 1.0), (1, 7, 1.0)]);
        edges.extend([(8, 9, 1.0), (8, 10, 1.0), (8, 11, 1.0)]);
        let g = Csr::from_edges(12, edges).unwrap();
        assert_eq!(top_k_by_out_degree(&g, 2, None), vec![0, 1]);
        assert_eq!(degree_discount(&g, 2, 0.1, None), vec![0, 8]);
    }
}
