//! Betweenness centrality on the undirected view: Brandes' algorithm, exact or from a seeded
//! sample of source nodes (Brandes and Pich 2007), for the connector role.

use super::components::Undirected;
use super::rng::Rng;

/// Betweenness of every node on the unweighted undirected view `ug`, as the share of
/// node pairs (not counting the node itself) whose shortest paths run through it, in
/// `[0, 1]`. With `samples >= n` every node is a source (exact); otherwise `samples` sources
/// drawn with `seed` give an unbiased estimate.
#[must_use]
pub fn betweenness(ug: &Undirected, samples: u32, seed: u64) -> Vec<f64> {
    let n = ug.offsets.len() - 1;
    let mut bc = vec![0.0f64; n];
    if n < 3 {
        return bc;
    }
    let sources: Vec<u32> = if samples as usize >= n {
        (0..n as u32).collect()
    } else {
        // Distinct sources by a partial Fisher–Yates shuffle.
        let mut rng = Rng::new(seed);
        let mut all: Vec<u32> = (0..n as u32).collect();
        for i in 0..samples as usize {
            let j = i + rng.below((n - i) as u32) as usize;
            all.swap(i, j);
        }
        all.truncate(samples as usize);
        all
    };
    let mut dist = vec![u32::MAX; n];
    let mut sigma = vec![0.0f64; n];
    let mut delta = vec![0.0f64; n];
    let mut order: Vec<u32> = Vec::with_capacity(n);
    for &s in &sources {
        // Breadth-first search counting shortest paths.
        order.clear();
        dist[s as usize] = 0;
        sigma[s as usize] = 1.0;
        order.push(s);
        let mut head = 0;
        while head < order.len() {
            let v = order[head];
            head += 1;
            let dv = dist[v as usize];
            for &w in ug.neighbors(v) {
                let w = w as usize;
                if dist[w] == u32::MAX {
                    dist[w] = dv + 1;
                    order.push(w as u32);
                }
                if dist[w] == dv + 1 {
                    sigma[w] += sigma[v as usize];
                }
            }
        }
        // Dependencies, farthest first.
        for &w in order.iter().rev() {
            let w = w as usize;
            let dw = dist[w];
            for &v in ug.neighbors(w as u32) {
                let v = v as usize;
                if dist[v] != u32::MAX && dist[v] + 1 == dw {
                    delta[v] += sigma[v] / sigma[w] * (1.0 + delta[w]);
                }
            }
            if w != s as usize {
                bc[w] += delta[w];
            }
        }
        for &v in &order {
            let v = v as usize;
            dist[v] = u32::MAX;
            sigma[v] = 0.0;
            delta[v] = 0.0;
        }
    }
    // Each unordered pair is seen from both ends over all sources: halve, scale the sample up
    // to all sources, and divide by the number of pairs that exclude the node.
    let scale = n as f64 / sources.len() as f64 / 2.0;
    let pairs = ((n - 1) * (n - 2)) as f64 / 2.0;
    bc.iter_mut().for_each(|x| *x = *x * scale / pairs);
    bc
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graph::csr::Csr;

    fn undirected(n: u32, edges: &[(u32, u32)]) -> Undirected {
        Undirected::of(&Csr::from_edges(n, edges.iter().map(|&(u, v)| (u, v, 1.0))).unwrap())
    }

    #[test]
    fn the_middle_of_a_path_and_the_centre_of_a_star_carry_the_paths() {
        // Path 0–1–2–3: node 1 is on the paths 0–2 and 0–3 (2 of the 3 pairs without it).
        let bc = betweenness(&undirected(4, &[(0, 1), (2, 1), (2, 3)]), 100, 0);
        let want = [0.0, 2.0 / 3.0, 2.0 / 3.0, 0.0];
        for (g, w) in bc.iter().zip(want) {
            assert!((g - w).abs() < 1e-12, "{bc:?}");
        }
        // Star: the centre is on every path between leaves.
        let bc = betweenness(&undirected(5, &[(0, 1), (0, 2), (3, 0), (4, 0)]), 100, 0);
        assert!(
            (bc[0] - 1.0).abs() < 1e-12 && bc[1..].iter().all(|&x| x == 0.0),
            "{bc:?}"
        );
    }

    #[test]
    fn two_shortest_paths_share_the_credit() {
        // A 4-cycle 0–1–2–3–0: the pair (0, 2) has two shortest paths, via 1 and via 3.
        let bc = betweenness(&undirected(4, &[(0, 1), (1, 2), (2, 3), (3, 0)]), 100, 0);
        for x in bc {
            assert!((x - 1.0 / 6.0).abs() < 1e-12);
        }
    }

    #[test]
    fn sampled_sources_estimate_the_exact_values() {
        let g = crate::graph::testgen::power_law_graph(300, 1_200, 3, false);
        let ug = Undirected::of(&g);
        let exact = betweenness(&ug, 300, 0);
        let approx = betweenness(&ug, 150, 7);
        let top = exact.iter().copied().fold(0.0, f64::max);
        let hub = exact.iter().position(|&x| x == top).unwrap();
        assert!(
            (approx[hub] - top).abs() < 0.25 * top,
            "{} vs {top}",
            approx[hub]
        );
        assert_eq!(betweenness(&ug, 150, 7), approx);
    }
}
