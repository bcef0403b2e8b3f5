//! Tests of PageRank against hand-solved small graphs and a naive reference.

use super::*;
use crate::graph::testgen::power_law_graph;

fn pr(n: u32, edges: &[(u32, u32, f32)], threads: usize) -> PageRank {
    let g = Csr::from_edges(n, edges.iter().copied()).unwrap();
    let opts = PageRankOptions {
        tolerance: 1e-12,
        max_iterations: 1000,
        threads,
        ..Default::default()
    };
    pagerank(&g, &opts)
}

fn assert_close(got: &[f64], want: &[f64], tol: f64) {
    assert_eq!(got.len(), want.len());
    for (g, w) in got.iter().zip(want) {
        assert!((g - w).abs() < tol, "got {got:?}, want {want:?}");
    }
}

#[test]
fn a_cycle_ranks_everyone_equally() {
    let r = pr(3, &[(0, 1, 1.0), (1, 2, 1.0), (2, 0, 1.0)], 1);
    assert_close(&r.scores, &[1.0 / 3.0; 3], 1e-9);
    assert!(r.converged);
}

#[test]
fn a_dangling_node_spreads_its_rank_uniformly() {
    // 0→1, 0→2, 1→2; node 2 is dangling. With d = 0.85, n = 3 and t = 0.05 + 0.85·r2/3:
    // r0 = t, r1 = t + 0.425·r0 = 1.425·r0, r2 = t + 0.425·r0 + 0.85·r1 = 2.63625·r0,
    // so r0 = 1/5.06125.
    let r0 = 1.0 / 5.06125;
    for threads in [1, 2, 3] {
        let r = pr(3, &[(0, 1, 1.0), (0, 2, 1.0), (1, 2, 1.0)], threads);
        assert_close(&r.scores, &[r0, 1.425 * r0, 2.63625 * r0], 1e-9);
    }
}

#[test]
fn an_isolated_node_gets_teleport_and_dangling_share_only() {
    // A 3-cycle plus isolated node 3: r3 = 0.15/4 + 0.85·r3/4, so r3 = 0.0375/0.7875.
    let r3 = 0.0375 / 0.7875;
    let r = pr(4, &[(0, 1, 1.0), (1, 2, 1.0), (2, 0, 1.0)], 2);
    let rest = (1.0 - r3) / 3.0;
    assert_close(&r.scores, &[rest, rest, rest, r3], 1e-9);
}

#[test]
fn weights_split_a_nodes_rank_in_proportion() {
    // 0→1 (weight 3), 0→2 (weight 1), 1→0, 2→0: r2 = 0.05 + 0.85·r0/4,
    // r1 = 0.05 + 0.85·3·r0/4, r0 = 0.05 + 0.85·(r1 + r2) ⇒ r0 = 0.135/0.2775.
    let r0 = 0.135 / 0.2775;
    let r = pr(3, &[(0, 1, 3.0), (0, 2, 1.0), (1, 0, 1.0), (2, 0, 1.0)], 2);
    assert_close(
        &r.scores,
        &[r0, 0.05 + 0.6375 * r0, 0.05 + 0.2125 * r0],
        1e-9,
    );
    // Parallel edges merge: 0→1 given as 1 + 2 behaves like weight 3.
    let merged = pr(
        3,
        &[
            (0, 1, 1.0),
            (0, 1, 2.0),
            (0, 2, 1.0),
            (1, 0, 1.0),
            (2, 0, 1.0),
        ],
        1,
    );
    assert_close(&merged.scores, &r.scores, 1e-12);
}

/// A dense, obviously correct power iteration.
fn naive_pagerank(g: &Csr, d: f64, iterations: usize) -> Vec<f64> {
    let n = g.node_count() as usize;
    let mut r = vec![1.0 / n as f64; n];
    for _ in 0..iterations {
        let dangling: f64 = (0..g.node_count())
            .filter(|&u| g.out_degree(u) == 0)
            .map(|u| r[u as usize])
            .sum();
        let mut next = vec![(1.0 - d) / n as f64 + d * dangling / n as f64; n];
        for u in 0..g.node_count() {
            let wout = g.weighted_out_degree(u);
            if wout > 0.0 {
                for (&v, &w) in g.out_neighbors(u).iter().zip(g.out_weights(u)) {
                    next[v as usize] += d * r[u as usize] * f64::from(w) / wout;
                }
            }
        }
        r = next;
    }
    r
}

#[test]
fn converges_to_the_naive_fixed_point_on_generated_graphs() {
    for (seed, weighted) in [(1, false), (2, true)] {
        let g = power_law_graph(2_000, 12_000, seed, weighted);
        let fast = pagerank(&g, &PageRankOptions::default());
        assert!(fast.converged, "{} iterations", fast.iterations);
        assert!(fast.last_change <= 1e-6);
        assert!((fast.scores.iter().sum::<f64>() - 1.0).abs() < 1e-9);
        let reference = naive_pagerank(&g, 0.85, 200);
        let l1: f64 = fast
            .scores
            .iter()
            .zip(&reference)
            .map(|(a, b)| (a - b).abs())
            .sum();
        // Stopping at an L1 step of 1e-6 leaves an error below 1e-6 · d / (1 − d).
        assert!(l1 < 1e-5, "L1 distance {l1}");
        assert_eq!(top_k(&fast.scores, 10), top_k(&reference, 10));
    }
}

#[test]
fn top_k_orders_by_score_then_id() {
    assert_eq!(top_k(&[0.1, 0.5, 0.5, 0.2], 3), vec![1, 2, 3]);
    assert_eq!(top_k(&[0.1, 0.2], 5), vec![1, 0]);
}
