//! Graph benchmark driver for `bench/graph.sh`: times Quanzi's PageRank, WCC, Independent
//! Cascade and IMM on the shared benchmark graphs and writes the figures as JSON.
//!
//! Usage: `graph_bench <data dir> <results json> [pagerank|wcc|ic|imm ...]`. The graphs are
//! read from `<data dir>/graph_{1m,100k}.bin` (little-endian `u64 n`, `u64 m`, `m` × `u32`
//! sources, `m` × `u32` targets), written from the `.npz` files by `bench/graph.sh`.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::fmt::Write as _;
use std::time::Instant;

use quanzi_analytics::graph::components::weakly_connected_components;
use quanzi_analytics::graph::csr::Csr;
use quanzi_analytics::graph::diffusion::{IcSimulator, Model, ProbabilityModel, SpreadOptions};
use quanzi_analytics::graph::imm::{ImmOptions, imm, rr_spread_estimate, top_k_by_out_degree};
use quanzi_analytics::graph::pagerank::{PageRankOptions, pagerank, top_k};
use quanzi_analytics::graph::rng::Rng;

fn load(path: &str) -> Csr {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let word = |i: usize| u64::from_le_bytes(bytes[i * 8..i * 8 + 8].try_into().unwrap());
    let (n, m) = (word(0) as usize, word(1) as usize);
    let ints = |start: usize| -> Vec<u32> {
        bytes[start..start + 4 * m]
            .chunks_exact(4)
            .map(|c| u32::from_le_bytes(c.try_into().unwrap()))
            .collect()
    };
    let src = ints(16);
    let dst = ints(16 + 4 * m);
    Csr::from_arrays(n as u32, &src, &dst, None).unwrap()
}

struct Timing {
    times: Vec<f64>,
}

impl Timing {
    fn min(&self) -> f64 {
        self.times.iter().copied().fold(f64::INFINITY, f64::min)
    }
    fn median(&self) -> f64 {
        let mut t = self.times.clone();
        t.sort_by(f64::total_cmp);
        t[t.len() / 2]
    }
    fn json(&self) -> String {
        format!(
            "{{\"times_s\": {:?}, \"min_s\": {:.5}, \"median_s\": {:.5}}}",
            self.times,
            self.min(),
            self.median()
        )
    }
}

fn time<T>(runs: usize, label: &str, mut f: impl FnMut() -> T) -> (Timing, T) {
    let mut times = Vec::new();
    let mut last = None;
    for i in 0..runs {
        let t0 = Instant::now();
        let r = f();
        let dt = t0.elapsed().as_secs_f64();
        eprintln!("  quanzi {label} run {}/{runs}: {dt:.4} s", i + 1);
        times.push(dt);
        last = Some(r);
    }
    (Timing { times }, last.unwrap())
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let data = &args[1];
    let out = &args[2];
    let what: Vec<&str> = if args.len() > 3 {
        args[3..].iter().map(String::as_str).collect()
    } else {
        vec!["pagerank", "wcc", "ic", "imm"]
    };
    let mut json = String::from("{\n");
    let mut first = true;
    let mut put = |key: &str, val: String| {
        if !first {
            json.push_str(",\n");
        }
        first = false;
        write!(json, "  \"{key}\": {val}").unwrap();
    };
    let needs_1m = what
        .iter()
        .any(|w| ["pagerank", "wcc", "imm", "prprobe"].contains(w));
    let g1m = needs_1m.then(|| {
        let (t, g) = time(1, "load+build 1m", || load(&format!("{data}/graph_1m.bin")));
        put("build_1m", t.json());
        g
    });
    if let Some(g) = &g1m {
        if what.contains(&"pagerank") {
            let opts = PageRankOptions {
                damping: 0.85,
                tolerance: 1e-6,
                max_iterations: 100,
                threads: 2,
            };
            let (t, pr) = time(3, "pagerank 1m", || pagerank(g, &opts));
            put("pagerank_1m", t.json());
            put("pagerank_1m_iterations", pr.iterations.to_string());
            let top = top_k(&pr.scores, 100);
            put("pagerank_1m_top100", format!("{top:?}"));
        }
        if what.contains(&"prprobe") {
            for (iters, threads) in [(0, 2), (1, 2), (11, 1), (11, 2)] {
                let opts = PageRankOptions {
                    damping: 0.85,
                    tolerance: 1e-6,
                    max_iterations: iters,
                    threads,
                };
                time(
                    3,
                    &format!("pagerank {iters} iterations {threads} threads"),
                    || pagerank(g, &opts),
                );
            }
        }
        if what.contains(&"wcc") {
            let (t, c) = time(3, "wcc 1m", || weakly_connected_components(g));
            put("wcc_1m", t.json());
            put("wcc_1m_components", c.count().to_string());
            put("wcc_1m_largest", c.largest().to_string());
        }
        if what.contains(&"imm") {
            let model = ProbabilityModel::WeightedCascade;
            let opts = ImmOptions {
                k: 50,
                epsilon: 0.1,
                ell: 1.0,
                seed: 42,
                threads: 2,
                model: Model::IndependentCascade,
            };
            let (t, res) = time(1, "imm k=50 eps=0.1 1m (IC, weighted cascade)", || {
                imm(g, &model, &opts, None).unwrap()
            });
            put("imm_1m", t.json());
            put("imm_1m_rr_sets", res.rr_sets.to_string());
            put(
                "imm_1m_estimated_spread",
                format!("{:.1}", res.estimated_spread),
            );
            let degree = top_k_by_out_degree(g, 50, None);
            let (te, (s_imm, s_deg)) = time(1, "rr spread estimate (independent sets)", || {
                let s = rr_spread_estimate(
                    g,
                    &model,
                    Model::IndependentCascade,
                    &[&res.seeds, &degree],
                    200_000,
                    7,
                    2,
                )
                .unwrap();
                (s[0], s[1])
            });
            put("imm_1m_spread_check_s", format!("{:.3}", te.min()));
            put("imm_1m_spread_imm", format!("{s_imm:.1}"));
            put("imm_1m_spread_top_degree", format!("{s_deg:.1}"));
            let sim_opts = SpreadOptions {
                runs: 200,
                seed: 11,
                threads: 2,
            };
            let mc = |seeds: &[u32]| {
                quanzi_analytics::graph::diffusion::simulate(
                    g,
                    &model,
                    Model::IndependentCascade,
                    seeds,
                    None,
                    &sim_opts,
                )
                .unwrap()
                .mean_reach
            };
            put("imm_1m_mc_spread_imm", format!("{:.1}", mc(&res.seeds)));
            put("imm_1m_mc_spread_top_degree", format!("{:.1}", mc(&degree)));
        }
    }
    drop(g1m);
    if what.contains(&"ic") {
        let (_, g) = time(1, "load+build 100k", || {
            load(&format!("{data}/graph_100k.bin"))
        });
        let model = ProbabilityModel::Constant(0.01);
        let mut sim = IcSimulator::new(&g, &model).unwrap();
        let n = g.node_count();
        let cascades = 20_000u32;
        let mut rng = Rng::new(42);
        let seed_sets: Vec<Vec<u32>> = (0..cascades)
            .map(|_| {
                let mut s = Vec::with_capacity(100);
                while s.len() < 100 {
                    let x = rng.below(n);
                    if !s.contains(&x) {
                        s.push(x);
                    }
                }
                s
            })
            .collect();
        let mut total = 0u64;
        let mut crng = Rng::new(43);
        let (t, _) = time(3, "ic 100k p=0.01 100 seeds x 20000 cascades", || {
            total = 0;
            for s in &seed_sets {
                total += u64::from(sim.run(s, &mut crng).reached);
            }
        });
        put(
            "ic_100k_per_cascade_s",
            format!("{:.9}", t.min() / f64::from(cascades)),
        );
        put(
            "ic_100k_per_cascade_median_s",
            format!("{:.9}", t.median() / f64::from(cascades)),
        );
        put(
            "ic_100k_mean_cascade",
            format!("{:.2}", total as f64 / f64::from(cascades)),
        );
    }
    json.push_str("\n}\n");
    std::fs::write(out, &json).unwrap();
    print!("{json}");
}
