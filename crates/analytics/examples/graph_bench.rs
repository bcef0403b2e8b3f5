//! Graph benchmark driver for `bench/graph.sh`: times Quanzi's PageRank, WCC, Independent
//! Cascade and IMM on the shared benchmark graphs and writes the figures as JSON.
//!
//! Usage: `graph_bench <data dir> <results json> [pagerank wcc ic imm_wc]` (all by
//! default). The graphs are read from `<data dir>/graph_{1m,100k}.bin` (little-endian `u64 n`,
//! `u64 m`, `m` × `u32` sources, `m` × `u32` targets), written from the shared `.npz` files
//! by `bench/graph_convert.py`. Like the shared Python scripts, every timed run first waits
//! (at most 90 s) for the machine to be quiet, since the benchmark machines are shared.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::fmt::Write as _;
use std::time::{Duration, Instant};

use quanzi_analytics::graph::components::weakly_connected_components;
use quanzi_analytics::graph::csr::Csr;
use quanzi_analytics::graph::diffusion::{
    IcSimulator, Model, ProbabilityModel, SpreadOptions, simulate,
};
use quanzi_analytics::graph::imm::{
    ImmOptions, degree_discount, imm, rr_spread_estimate, top_k_by_out_degree,
};
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

/// Machine-wide busy CPU seconds since boot (all cores), from /proc/stat.
fn busy_cpu_s() -> f64 {
    let stat = std::fs::read_to_string("/proc/stat").unwrap_or_default();
    let v: Vec<f64> = stat
        .lines()
        .next()
        .unwrap_or("")
        .split_whitespace()
        .skip(1)
        .take(8)
        .filter_map(|x| x.parse().ok())
        .collect();
    if v.len() < 8 {
        return 0.0;
    }
    (v.iter().sum::<f64>() - v[3] - v[4]) / 100.0
}

/// Waits until other processes use under 0.15 cores, as the shared scripts do, for at most
/// `$BENCH_QUIET_WAIT_S` seconds (default 90).
fn wait_for_quiet() {
    let max_wait: u64 = std::env::var("BENCH_QUIET_WAIT_S")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(90);
    let t0 = Instant::now();
    loop {
        let b0 = busy_cpu_s();
        std::thread::sleep(Duration::from_secs(2));
        let load = (busy_cpu_s() - b0) / 2.0;
        if load < 0.15 || t0.elapsed() > Duration::from_secs(max_wait) {
            return;
        }
        eprintln!("  (machine busy: {load:.2} cores used by other processes; waiting)");
        std::thread::sleep(Duration::from_secs(5));
    }
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
        let times: Vec<String> = self.times.iter().map(|t| format!("{t:.5}")).collect();
        format!(
            "{{\"times_s\": [{}], \"min_s\": {:.5}, \"median_s\": {:.5}}}",
            times.join(", "),
            self.min(),
            self.median()
        )
    }
}

fn time<T>(runs: usize, label: &str, mut f: impl FnMut() -> T) -> (Timing, T) {
    let mut times = Vec::new();
    let mut last = None;
    for i in 0..runs {
        wait_for_quiet();
        let t0 = Instant::now();
        let r = f();
        let dt = t0.elapsed().as_secs_f64();
        eprintln!("  quanzi {label} run {}/{runs}: {dt:.4} s", i + 1);
        times.push(dt);
        last = Some(r);
    }
    (Timing { times }, last.unwrap())
}

#[derive(Default)]
struct Report(Vec<(String, String)>);

impl Report {
    fn put(&mut self, key: impl Into<String>, val: impl Into<String>) {
        self.0.push((key.into(), val.into()));
    }
    fn json(&self) -> String {
        let mut s = String::from("{\n");
        for (i, (k, v)) in self.0.iter().enumerate() {
            let sep = if i + 1 < self.0.len() { "," } else { "" };
            writeln!(s, "  \"{k}\": {v}{sep}").unwrap();
        }
        s.push_str("}\n");
        s
    }
}

fn structure(g: &Csr, tag: &str, what: &[&str], r: &mut Report) {
    if what.contains(&"pagerank") {
        let opts = PageRankOptions {
            damping: 0.85,
            tolerance: 1e-6,
            max_iterations: 100,
            threads: 2,
        };
        let (t, pr) = time(3, &format!("pagerank {tag}"), || pagerank(g, &opts));
        r.put(format!("pagerank_{tag}"), t.json());
        r.put(
            format!("pagerank_{tag}_iterations"),
            pr.iterations.to_string(),
        );
        r.put(
            format!("pagerank_{tag}_top100"),
            format!("{:?}", top_k(&pr.scores, 100)),
        );
    }
    if what.contains(&"wcc") {
        let (t, c) = time(3, &format!("wcc {tag}"), || weakly_connected_components(g));
        r.put(format!("wcc_{tag}"), t.json());
        r.put(format!("wcc_{tag}_components"), c.count().to_string());
    }
}

fn influence_maximization(g: &Csr, what: &[&str], r: &mut Report) {
    for (tag, model, p) in [("wc", ProbabilityModel::WeightedCascade, 0.1)] {
        if !what.contains(&format!("imm_{tag}").as_str()) {
            continue;
        }
        let ic = Model::IndependentCascade;
        let opts = ImmOptions {
            k: 50,
            epsilon: 0.1,
            ell: 1.0,
            seed: 42,
            threads: 2,
            model: ic,
        };
        let (t, res) = time(1, &format!("imm k=50 eps=0.1 1m IC {tag}"), || {
            imm(g, &model, &opts, None).unwrap()
        });
        r.put(format!("imm_1m_{tag}"), t.json());
        r.put(format!("imm_1m_{tag}_rr_sets"), res.rr_sets.to_string());
        r.put(
            format!("imm_1m_{tag}_own_estimate"),
            format!("{:.1}", res.estimated_spread),
        );
        let degree = top_k_by_out_degree(g, 50, None);
        let (td, dd) = time(1, "degree discount k=50", || {
            degree_discount(g, 50, p, None)
        });
        r.put(format!("degree_discount_1m_{tag}"), td.json());
        // Spread of each set on the same fresh RR sets (a paired comparison), and by MC.
        let samples = 300_000;
        let est =
            rr_spread_estimate(g, &model, ic, &[&res.seeds, &degree, &dd], samples, 7, 2).unwrap();
        r.put(format!("imm_1m_{tag}_rr_samples"), samples.to_string());
        r.put(
            format!("imm_1m_{tag}_rr_spread"),
            format!(
                "{{\"imm\": {:.1}, \"top_degree\": {:.1}, \"degree_discount\": {:.1}}}",
                est[0], est[1], est[2]
            ),
        );
        let sim_opts = SpreadOptions {
            runs: 100,
            seed: 11,
            threads: 2,
        };
        let mut mc = Vec::new();
        for (name, seeds) in [
            ("imm", &res.seeds),
            ("top_degree", &degree),
            ("degree_discount", &dd),
        ] {
            let e = simulate(g, &model, ic, seeds, None, &sim_opts).unwrap();
            mc.push(format!(
                "\"{name}\": [{:.1}, {:.1}, {:.1}]",
                e.mean_reach, e.ci95.0, e.ci95.1
            ));
        }
        r.put(
            format!("imm_1m_{tag}_mc100_mean_ci95"),
            format!("{{{}}}", mc.join(", ")),
        );
    }
}

fn independent_cascade(g: &Csr, r: &mut Report) {
    let model = ProbabilityModel::Constant(0.01);
    let mut sim = IcSimulator::new(g, &model).unwrap();
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
    let mut sizes = Vec::with_capacity(seed_sets.len());
    let mut crng = Rng::new(43);
    let label = format!("ic 100k p=0.01 100 seeds x {cascades} cascades");
    let (t, ()) = time(3, &label, || {
        total = 0;
        sizes.clear();
        for s in &seed_sets {
            let reached = sim.run(s, &mut crng).reached;
            total += u64::from(reached);
            sizes.push(reached);
        }
    });
    let per = |x: f64| format!("{:.9}", x / f64::from(cascades));
    r.put("ic_100k_per_cascade_min_s", per(t.min()));
    r.put("ic_100k_per_cascade_median_s", per(t.median()));
    r.put(
        "ic_100k_mean_cascade",
        format!("{:.2}", total as f64 / f64::from(cascades)),
    );
    sizes.sort_unstable();
    r.put("ic_100k_median_cascade", sizes[sizes.len() / 2].to_string());
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let (data, out) = (&args[1], &args[2]);
    let what: Vec<&str> = if args.len() > 3 {
        args[3..].iter().map(String::as_str).collect()
    } else {
        vec!["pagerank", "wcc", "ic", "imm_wc"]
    };
    let mut r = Report::default();
    for tag in ["1m", "100k"] {
        let wanted = |w: &&str| match *w {
            "pagerank" | "wcc" => true,
            "ic" => tag == "100k",
            "imm_wc" => tag == "1m",
            _ => false,
        };
        if !what.iter().any(wanted) {
            continue;
        }
        let t0 = Instant::now();
        let g = load(&format!("{data}/graph_{tag}.bin"));
        r.put(
            format!("load_build_{tag}_s"),
            format!("{:.3}", t0.elapsed().as_secs_f64()),
        );
        structure(&g, tag, &what, &mut r);
        if tag == "1m" {
            influence_maximization(&g, &what, &mut r);
        } else if what.contains(&"ic") {
            independent_cascade(&g, &mut r);
        }
    }
    let json = r.json();
    std::fs::write(out, &json).unwrap();
    print!("{json}");
}
