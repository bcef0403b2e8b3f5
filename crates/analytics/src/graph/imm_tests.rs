//! Tests of IMM against exhaustive search, the degree heuristics and its own reproducibility.

use super::*;
use crate::graph::diffusion::{SpreadOptions, simulate};
use crate::graph::testgen::power_law_graph;

fn mc(g: &Csr, p: &ProbabilityModel, model: Model, seeds: &[u32], runs: u32) -> f64 {
    let opts = SpreadOptions {
        runs,
        seed: 5,
        threads: 2,
    };
    simulate(g, p, model, seeds, None, &opts)
        .unwrap()
        .mean_reach
}

/// All `k`-subsets of `0..n`.
fn subsets(n: u32, k: usize) -> Vec<Vec<u32>> {
    if k == 0 {
        return vec![Vec::new()];
    }
    let mut out = Vec::new();
    for last in (k as u32 - 1)..n {
        for mut s in subsets(last, k - 1) {
            s.push(last);
            out.push(s);
        }
    }
    out
}

fn small_graph(seed: u64) -> Csr {
    power_law_graph(12, 30, seed, false)
}

#[test]
fn imm_is_within_its_guarantee_of_the_exhaustive_best_set() {
    let eps = 0.1;
    let cases = [
        (
            Model::IndependentCascade,
            ProbabilityModel::Constant(0.3),
            2,
        ),
        (
            Model::IndependentCascade,
            ProbabilityModel::WeightedCascade,
            3,
        ),
        (Model::LinearThreshold, ProbabilityModel::WeightedCascade, 2),
    ];
    for (i, (model, p, k)) in cases.into_iter().enumerate() {
        let g = small_graph(20 + i as u64);
        let opts = ImmOptions {
            k,
            epsilon: eps,
            model,
            seed: 3,
            ..ImmOptions::default()
        };
        let res = imm(&g, &p, &opts, None).unwrap();
        assert_eq!(res.seeds.len(), k);
        let best = subsets(12, k)
            .iter()
            .map(|s| mc(&g, &p, model, s, 1_000))
            .fold(0.0, f64::max);
        let got = mc(&g, &p, model, &res.seeds, 4_000);
        let bound = (1.0 - 1.0 / std::f64::consts::E - eps) * best;
        assert!(
            got >= bound,
            "{model:?} {p:?}: IMM {got:.3} < bound {bound:.3} (best {best:.3})"
        );
        // For small k greedy coverage guarantees 1 − (1 − 1/k)^k, which is tighter.
        let greedy = (1.0 - (1.0 - 1.0 / k as f64).powi(k as i32) - eps) * best;
        assert!(
            got >= greedy,
            "{model:?} {p:?}: IMM {got:.3} < greedy bound {greedy:.3}"
        );
    }
}

#[test]
fn imm_beats_top_degree_on_a_power_law_graph() {
    let g = power_law_graph(2_000, 10_000, 4, false);
    let p = ProbabilityModel::WeightedCascade;
    let opts = ImmOptions {
        k: 10,
        epsilon: 0.2,
        ..ImmOptions::default()
    };
    let res = imm(&g, &p, &opts, None).unwrap();
    let degree = top_k_by_out_degree(&g, 10, None);
    let ic = Model::IndependentCascade;
    let est = rr_spread_estimate(&g, &p, ic, &[&res.seeds, &degree], 100_000, 77, 2).unwrap();
    assert!(
        est[0] > est[1],
        "IMM {:.1} vs top-degree {:.1}",
        est[0],
        est[1]
    );
    // The collection's own estimate agrees with fresh samples.
    assert!(
        (res.estimated_spread - est[0]).abs() < 0.1 * est[0],
        "{res:?} vs {est:?}"
    );
    let gains: f64 = res.marginal_gains.iter().sum();
    assert!((gains - res.estimated_spread).abs() < 1e-6 * res.estimated_spread);
    assert!(res.marginal_gains.windows(2).all(|w| w[0] >= w[1]));
}

#[test]
fn excluded_nodes_are_never_seeds() {
    let g = power_law_graph(1_000, 5_000, 6, false);
    let p = ProbabilityModel::Constant(0.05);
    let top = top_k_by_out_degree(&g, 20, None);
    let mut cand = vec![true; 1_000];
    top.iter().for_each(|&u| cand[u as usize] = false);
    let opts = ImmOptions {
        k: 15,
        epsilon: 0.3,
        ..ImmOptions::default()
    };
    let res = imm(&g, &p, &opts, Some(&cand)).unwrap();
    assert_eq!(res.seeds.len(), 15);
    assert!(res.seeds.iter().all(|&s| cand[s as usize]));
    let dd = degree_discount(&g, 15, 0.05, Some(&cand));
    assert!(dd.iter().all(|&s| cand[s as usize]));
    // Only two candidates: both are chosen, nothing else.
    let mut two = vec![false; 1_000];
    two[5] = true;
    two[9] = true;
    let res = imm(&g, &p, &ImmOptions { k: 5, ..opts }, Some(&two)).unwrap();
    let mut seeds = res.seeds.clone();
    seeds.sort_unstable();
    assert_eq!(seeds, vec![5, 9]);
}

#[test]
fn the_same_seed_gives_the_same_seeds_whatever_the_thread_count() {
    let g = power_law_graph(800, 4_000, 8, false);
    let p = ProbabilityModel::WeightedCascade;
    for model in [Model::IndependentCascade, Model::LinearThreshold] {
        let base = ImmOptions {
            k: 5,
            epsilon: 0.3,
            model,
            seed: 1,
            threads: 1,
            ..ImmOptions::default()
        };
        let a = imm(&g, &p, &base, None).unwrap();
        let b = imm(&g, &p, &ImmOptions { threads: 2, ..base }, None).unwrap();
        assert_eq!(a, b);
    }
}

#[test]
fn bad_parameters_are_refused() {
    let g = small_graph(1);
    let p = ProbabilityModel::Constant(0.1);
    let zero = ImmOptions {
        k: 0,
        ..ImmOptions::default()
    };
    assert!(imm(&g, &p, &zero, None).is_err());
    let eps = ImmOptions {
        epsilon: 1.5,
        ..ImmOptions::default()
    };
    assert!(imm(&g, &p, &eps, None).is_err());
    assert!(imm(&g, &p, &ImmOptions::default(), Some(&[true])).is_err());
    assert!(rr_spread_estimate(&g, &p, Model::IndependentCascade, &[&[99]], 10, 1, 1).is_err());
}

#[test]
fn ln_choose_matches_small_binomials() {
    assert!((ln_choose(5, 2) - 10f64.ln()).abs() < 1e-12);
    assert!((ln_choose(10, 10)).abs() < 1e-12);
    assert!((ln_choose(52, 5) - 2_598_960f64.ln()).abs() < 1e-9);
}
