//! Test-only graph generators (directed Chung-Lu power-law graphs from a seed).

use super::csr::Csr;
use super::rng::Rng;

/// A directed power-law graph in the manner of the shared benchmark's Chung-Lu generator:
/// sources ∝ (i + 10)^-1/1.6, targets ∝ (i + 10)^-1/1.2, self-loops dropped, duplicates merged.
pub fn power_law_graph(n: u32, m: usize, seed: u64, weighted: bool) -> Csr {
    let cdf = |exp: f64| {
        let mut acc = 0.0;
        let mut c: Vec<f64> = (0..n)
            .map(|i| {
                acc += (f64::from(i) + 10.0).powf(-exp);
                acc
            })
            .collect();
        c.iter_mut().for_each(|x| *x /= acc);
        c
    };
    let (out_cdf, in_cdf) = (cdf(1.0 / 1.6), cdf(1.0 / 1.2));
    let mut rng = Rng::new(seed);
    // Shuffle rank → id so that hubs are not the low ids.
    let mut perm: Vec<u32> = (0..n).collect();
    for i in (1..n as usize).rev() {
        let j = rng.below(i as u32 + 1) as usize;
        perm.swap(i, j);
    }
    let pick = |rng: &mut Rng, c: &[f64]| {
        let x = rng.next_f64();
        perm[c.partition_point(|&y| y < x).min(n as usize - 1)]
    };
    let mut edges = Vec::with_capacity(m);
    while edges.len() < m {
        let (u, v) = (pick(&mut rng, &out_cdf), pick(&mut rng, &in_cdf));
        if u != v {
            let w = if weighted {
                1.0 + rng.below(10) as f32
            } else {
                1.0
            };
            edges.push((u, v, w));
        }
    }
    match Csr::from_edges(n, edges) {
        Ok(g) => g,
        Err(e) => panic!("generated an invalid graph: {e}"),
    }
}
