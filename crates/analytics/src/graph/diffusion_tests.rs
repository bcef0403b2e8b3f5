//! Tests of the IC and LT simulators against exact values and an independent reference.

use super::*;
use crate::graph::testgen::power_law_graph;

fn chain(n: u32) -> Csr {
    Csr::from_edges(n, (0..n - 1).map(|i| (i, i + 1, 1.0))).unwrap()
}

fn opts(runs: u32, seed: u64) -> SpreadOptions {
    SpreadOptions {
        runs,
        seed,
        threads: 2,
    }
}

#[test]
fn ic_on_a_chain_matches_the_exact_expectation() {
    // From node 0 with p = 0.5: E[reach] = 1 + 1/2 + 1/4 + 1/8.
    let g = chain(4);
    let est = simulate(
        &g,
        &ProbabilityModel::Constant(0.5),
        Model::IndependentCascade,
        &[0],
        None,
        &opts(40_000, 1),
    )
    .unwrap();
    assert!((est.mean_reach - 1.875).abs() < 0.02, "{est:?}");
    assert!(est.ci95.0 < 1.875 && 1.875 < est.ci95.1 + 0.01);
    assert_eq!(est.per_generation.len(), 4);
    assert!((est.per_generation[0] - 1.0).abs() < 1e-12);
    assert!((est.per_generation[1] - 0.5).abs() < 0.02);
}

#[test]
fn lt_on_a_chain_with_full_weights_reaches_everyone() {
    // Weighted cascade on a chain gives each edge weight 1: every threshold is met.
    let g = chain(5);
    let est = simulate(
        &g,
        &ProbabilityModel::WeightedCascade,
        Model::LinearThreshold,
        &[0],
        None,
        &opts(100, 2),
    )
    .unwrap();
    assert_eq!(est.mean_reach, 5.0);
    assert_eq!(est.std_dev, 0.0);
    assert_eq!(est.per_generation, vec![1.0; 5]);
}

#[test]
fn lt_activation_needs_the_summed_weight_of_active_in_neighbours() {
    // 0→2 and 1→2, each with weight 1/2 (weighted cascade). Seeding 0 alone activates 2
    // with probability 1/2; seeding both always does.
    let g = Csr::from_edges(3, [(0, 2, 1.0), (1, 2, 1.0)]).unwrap();
    let wc = ProbabilityModel::WeightedCascade;
    let one = simulate(
        &g,
        &wc,
        Model::LinearThreshold,
        &[0],
        None,
        &opts(20_000, 3),
    )
    .unwrap();
    assert!((one.mean_reach - 1.5).abs() < 0.02, "{one:?}");
    let both = simulate(
        &g,
        &wc,
        Model::LinearThreshold,
        &[0, 1],
        None,
        &opts(100, 3),
    )
    .unwrap();
    assert_eq!(both.mean_reach, 3.0);
}

#[test]
fn visitors_outside_the_member_set_are_counted_apart() {
    let g = Csr::from_edges(4, [(0, 1, 1.0), (0, 2, 1.0), (0, 3, 1.0)]).unwrap();
    let outside = [false, true, false, true];
    let est = simulate(
        &g,
        &ProbabilityModel::Constant(1.0),
        Model::IndependentCascade,
        &[0],
        Some(&outside),
        &opts(10, 4),
    )
    .unwrap();
    assert_eq!(est.mean_reach, 4.0);
    assert_eq!(est.mean_outside, 2.0);
    assert_eq!(est.mean_members, 2.0);
}

#[test]
fn the_same_seed_gives_the_same_estimate_whatever_the_thread_count() {
    let g = power_law_graph(1_000, 6_000, 5, false);
    let m = ProbabilityModel::Constant(0.08);
    let seeds = [1, 2, 3, 50];
    for model in [Model::IndependentCascade, Model::LinearThreshold] {
        let a = simulate(
            &g,
            &m,
            model,
            &seeds,
            None,
            &SpreadOptions {
                runs: 300,
                seed: 9,
                threads: 1,
            },
        )
        .unwrap();
        let b = simulate(
            &g,
            &m,
            model,
            &seeds,
            None,
            &SpreadOptions {
                runs: 300,
                seed: 9,
                threads: 2,
            },
        )
        .unwrap();
        let c = simulate(
            &g,
            &m,
            model,
            &seeds,
            None,
            &SpreadOptions {
                runs: 300,
                seed: 10,
                threads: 2,
            },
        )
        .unwrap();
        assert_eq!(a, b);
        assert_ne!(a.mean_reach, c.mean_reach);
    }
}

#[test]
fn bad_requests_are_refused() {
    let g = chain(3);
    let ic = Model::IndependentCascade;
    let err = simulate(
        &g,
        &ProbabilityModel::Constant(1.5),
        ic,
        &[0],
        None,
        &opts(1, 0),
    );
    assert_eq!(err.unwrap_err(), DiffusionError::InvalidProbability(1.5));
    let err = simulate(
        &g,
        &ProbabilityModel::Learned(vec![0.1]),
        ic,
        &[0],
        None,
        &opts(1, 0),
    );
    assert!(matches!(
        err,
        Err(DiffusionError::LearnedLengthMismatch {
            expected: 2,
            got: 1
        })
    ));
    let err = simulate(
        &g,
        &ProbabilityModel::Constant(0.1),
        ic,
        &[7],
        None,
        &opts(1, 0),
    );
    assert_eq!(err.unwrap_err(), DiffusionError::NodeOutOfRange(7));
}

/// A straightforward IC reference: breadth-first, one coin per edge, its own xorshift RNG.
fn reference_ic(
    g: &Csr,
    prob: &dyn Fn(u32, u32, usize) -> f64,
    seeds: &[u32],
    runs: u32,
) -> (f64, f64) {
    let mut state: u64 = 0x1234_5678_9ABC_DEF1;
    let mut coin = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state >> 11) as f64 / (1u64 << 53) as f64
    };
    let mut sizes = Vec::new();
    for _ in 0..runs {
        let mut active = std::collections::HashSet::new();
        let mut frontier: Vec<u32> = seeds.to_vec();
        active.extend(seeds.iter().copied());
        while let Some(u) = frontier.pop() {
            for e in g.out_edge_range(u) {
                let v = g.targets()[e];
                if !active.contains(&v) && coin() < prob(u, v, e) {
                    active.insert(v);
                    frontier.push(v);
                }
            }
        }
        sizes.push(active.len() as f64);
    }
    let mean = sizes.iter().sum::<f64>() / f64::from(runs);
    let var = sizes.iter().map(|s| (s - mean).powi(2)).sum::<f64>() / f64::from(runs - 1);
    (mean, var)
}

#[test]
fn ic_mean_spread_agrees_with_an_independent_reference() {
    let g = power_law_graph(600, 3_000, 7, false);
    let seeds = [3, 17, 400, 599];
    let learned: Vec<f32> = (0..g.edge_count())
        .map(|e| 0.05 + 0.1 * ((e % 7) as f32 / 7.0))
        .collect();
    type Prob<'a> = Box<dyn Fn(u32, u32, usize) -> f64 + 'a>;
    let cases: Vec<(ProbabilityModel, Prob)> = vec![
        (ProbabilityModel::Constant(0.15), Box::new(|_, _, _| 0.15)),
        (
            ProbabilityModel::WeightedCascade,
            Box::new(|_, v, _| 1.0 / f64::from(g.in_degree(v))),
        ),
        (
            ProbabilityModel::Learned(learned.clone()),
            Box::new(|_, _, e| f64::from(learned[e])),
        ),
    ];
    for (model, prob) in cases {
        let runs = 1_000;
        let est = simulate(
            &g,
            &model,
            Model::IndependentCascade,
            &seeds,
            None,
            &opts(runs, 11),
        )
        .unwrap();
        let (ref_mean, ref_var) = reference_ic(&g, prob.as_ref(), &seeds, runs);
        let se = (est.std_dev.powi(2) / f64::from(runs) + ref_var / f64::from(runs)).sqrt();
        let z = (est.mean_reach - ref_mean) / se;
        assert!(
            z.abs() < 4.0,
            "{model:?}: {} vs {ref_mean} (z = {z:.2})",
            est.mean_reach
        );
        assert!(est.mean_reach > seeds.len() as f64);
    }
}
