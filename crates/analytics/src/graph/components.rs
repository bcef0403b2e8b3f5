//! Structure of the undirected view: weakly connected components (union-find) and the
//! k-core decomposition (Batagelj–Zaversnik bucket algorithm).

use super::csr::Csr;

/// Weakly connected components of a graph.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Components {
    /// Component id per node, `0..count`, numbered in order of each component's lowest node.
    pub labels: Vec<u32>,
    /// Node count per component id.
    pub sizes: Vec<u32>,
}

impl Components {
    /// The number of components.
    #[must_use]
    pub fn count(&self) -> usize {
        self.sizes.len()
    }

    /// The size of the largest component (0 for an empty graph).
    #[must_use]
    pub fn largest(&self) -> u32 {
        self.sizes.iter().copied().max().unwrap_or(0)
    }
}

/// Weakly connected components by union-find (union by index, path halving) over the edges.
#[must_use]
pub fn weakly_connected_components(g: &Csr) -> Components {
    let n = g.node_count() as usize;
    let mut parent: Vec<u32> = (0..g.node_count()).collect();
    let off = g.out_offsets();
    let targets = g.targets();
    for u in 0..n {
        let mut ru = find(&mut parent, u as u32);
        for &v in &targets[off[u]..off[u + 1]] {
            let rv = find(&mut parent, v);
            if rv != ru {
                // Link the higher root under the lower: roots stay each set's minimum, so
                // labels come out in order of lowest member without another pass.
                if rv < ru {
                    parent[ru as usize] = rv;
                    ru = rv;
                } else {
                    parent[rv as usize] = ru;
                }
            }
        }
    }
    let mut labels = vec![0u32; n];
    let mut sizes = Vec::new();
    for u in 0..n {
        let r = find(&mut parent, u as u32) as usize;
        let label = if r == u {
            sizes.push(0);
            (sizes.len() - 1) as u32
        } else {
            // r < u, so its label is already set.
            labels[r]
        };
        labels[u] = label;
        sizes[label as usize] += 1;
    }
    Components { labels, sizes }
}

#[inline]
fn find(parent: &mut [u32], mut x: u32) -> u32 {
    loop {
        let p = parent[x as usize];
        if p == x {
            return x;
        }
        let gp = parent[p as usize];
        parent[x as usize] = gp;
        x = gp;
    }
}

/// The undirected simple view of a graph: each node's distinct neighbours over in- and
/// out-edges, self-loops dropped, as CSR offsets and neighbour lists.
#[derive(Debug, Clone)]
pub struct Undirected {
    /// Row offsets, `n + 1` entries.
    pub offsets: Vec<usize>,
    /// Neighbours, each row ascending.
    pub neighbors: Vec<u32>,
}

impl Undirected {
    /// Builds the undirected view of `g` by merging each node's sorted in- and out-rows.
    #[must_use]
    pub fn of(g: &Csr) -> Self {
        let n = g.node_count();
        let mut offsets = Vec::with_capacity(n as usize + 1);
        offsets.push(0);
        let mut neighbors = Vec::with_capacity(g.edge_count() * 2);
        for u in 0..n {
            let (a, b) = (g.out_neighbors(u), g.in_neighbors(u));
            let (mut i, mut j) = (0, 0);
            while i < a.len() || j < b.len() {
                let x = if j == b.len() || (i < a.len() && a[i] <= b[j]) {
                    let x = a[i];
                    i += 1;
                    if j < b.len() && b[j] == x {
                        j += 1;
                    }
                    x
                } else {
                    let x = b[j];
                    j += 1;
                    x
                };
                if x != u {
                    neighbors.push(x);
                }
            }
            offsets.push(neighbors.len());
        }
        Self { offsets, neighbors }
    }

    /// The degree of `u` in the undirected view.
    #[must_use]
    pub fn degree(&self, u: u32) -> u32 {
        (self.offsets[u as usize + 1] - self.offsets[u as usize]) as u32
    }

    /// The neighbours of `u` in the undirected view.
    #[must_use]
    pub fn neighbors(&self, u: u32) -> &[u32] {
        &self.neighbors[self.offsets[u as usize]..self.offsets[u as usize + 1]]
    }
}

/// Core numbers (k-shell index) of every node on the undirected simple view, by the
/// Batagelj–Zaversnik O(m) bucket algorithm: node `u` is in the k-core iff `core[u] >= k`.
#[must_use]
pub fn core_numbers(g: &Csr) -> Vec<u32> {
    let u = Undirected::of(g);
    core_numbers_undirected(&u)
}

/// [`core_numbers`] on an already built undirected view.
#[must_use]
pub fn core_numbers_undirected(ug: &Undirected) -> Vec<u32> {
    let n = ug.offsets.len() - 1;
    let mut deg: Vec<u32> = (0..n as u32).map(|u| ug.degree(u)).collect();
    let max_deg = deg.iter().copied().max().unwrap_or(0) as usize;
    // bin[d] = first position of degree-d nodes in `vert`.
    let mut bin = vec![0usize; max_deg + 1];
    for &d in &deg {
        bin[d as usize] += 1;
    }
    let mut start = 0;
    for b in bin.iter_mut() {
        let c = *b;
        *b = start;
        start += c;
    }
    let mut pos = vec![0usize; n];
    let mut vert = vec![0u32; n];
    for v in 0..n {
        let d = deg[v] as usize;
        pos[v] = bin[d];
        vert[pos[v]] = v as u32;
        bin[d] += 1;
    }
    for d in (1..=max_deg).rev() {
        bin[d] = bin[d - 1];
    }
    bin[0] = 0;
    for i in 0..n {
        let v = vert[i];
        for &u in ug.neighbors(v) {
            let u = u as usize;
            if deg[u] > deg[v as usize] {
                // Move u to the front of its degree bucket, then shrink its degree.
                let du = deg[u] as usize;
                let pu = pos[u];
                let pw = bin[du];
                let w = vert[pw] as usize;
                if u != w {
                    pos[u] = pw;
                    vert[pu] = w as u32;
                    pos[w] = pu;
                    vert[pw] = u as u32;
                }
                bin[du] += 1;
                deg[u] -= 1;
            }
        }
    }
    deg
}

#[cfg(test)]
mod tests {
    use super::*;

    fn graph(n: u32, edges: &[(u32, u32)]) -> Csr {
        Csr::from_edges(n, edges.iter().map(|&(u, v)| (u, v, 1.0))).unwrap()
    }

    #[test]
    fn components_follow_edges_in_either_direction() {
        // {0, 1, 2} through 0→1 and 2→1; {3, 4} through 4→3; {5} alone.
        let g = graph(6, &[(0, 1), (2, 1), (4, 3)]);
        let c = weakly_connected_components(&g);
        assert_eq!(c.labels, vec![0, 0, 0, 1, 1, 2]);
        assert_eq!(c.sizes, vec![3, 2, 1]);
        assert_eq!(c.count(), 3);
        assert_eq!(c.largest(), 3);
    }

    #[test]
    fn a_long_chain_built_backwards_is_one_component() {
        let edges: Vec<(u32, u32)> = (0..999).rev().map(|i| (i + 1, i)).collect();
        let c = weakly_connected_components(&graph(1000, &edges));
        assert_eq!(c.count(), 1);
        assert!(c.labels.iter().all(|&l| l == 0));
    }

    #[test]
    fn core_numbers_of_a_clique_with_a_tail() {
        // A 4-clique {0,1,2,3} (directed one way, reciprocal pair 0↔1), a triangle-less
        // tail 3–4–5, and an isolated node 6; node 4 also links 1.
        let g = graph(
            7,
            &[
                (0, 1),
                (1, 0),
                (0, 2),
                (0, 3),
                (1, 2),
                (1, 3),
                (2, 3),
                (3, 4),
                (4, 5),
                (4, 1),
            ],
        );
        assert_eq!(core_numbers(&g), vec![3, 3, 3, 3, 2, 1, 0]);
    }

    #[test]
    fn core_numbers_of_a_star_and_a_cycle() {
        let star = graph(5, &[(0, 1), (0, 2), (0, 3), (0, 4)]);
        assert_eq!(core_numbers(&star), vec![1; 5]);
        let cycle = graph(5, &[(0, 1), (1, 2), (2, 3), (3, 4), (4, 0), (2, 2)]);
        assert_eq!(core_numbers(&cycle), vec![2; 5]);
    }

    #[test]
    fn core_numbers_match_peeling_on_a_generated_graph() {
        let g = crate::graph::testgen::power_law_graph(500, 3_000, 9, false);
        let ug = Undirected::of(&g);
        let fast = core_numbers_undirected(&ug);
        // Naive peeling: for each k, repeatedly delete nodes of degree < k.
        let n = 500;
        let mut naive = vec![0u32; n];
        let mut k = 1;
        loop {
            let mut alive = vec![true; n];
            loop {
                let mut changed = false;
                for v in 0..n {
                    let d = ug
                        .neighbors(v as u32)
                        .iter()
                        .filter(|&&u| alive[u as usize])
                        .count();
                    if alive[v] && d < k {
                        alive[v] = false;
                        changed = true;
                    }
                }
                if !changed {
                    break;
                }
            }
            if !alive.iter().any(|&a| a) {
                break;
            }
            for v in 0..n {
                if alive[v] {
                    naive[v] = k as u32;
                }
            }
            k += 1;
        }
        assert_eq!(fast, naive);
    }
}
