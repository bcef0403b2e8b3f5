//! Per-node marks that clear in O(1), so a traversal costs time in proportion to the nodes it
//! touches, not to the graph.

/// Node marks: a node is marked when its stamp equals the current epoch.
#[derive(Debug, Clone)]
pub(crate) struct Marks {
    stamp: Vec<u32>,
    epoch: u32,
}

impl Marks {
    /// Marks for `n` nodes, none marked.
    pub(crate) fn new(n: usize) -> Self {
        Self {
            stamp: vec![0; n],
            epoch: 1,
        }
    }

    /// Unmarks every node.
    pub(crate) fn clear(&mut self) {
        self.epoch = self.epoch.wrapping_add(1);
        if self.epoch == 0 {
            self.stamp.fill(0);
            self.epoch = 1;
        }
    }

    /// Whether `v` is marked.
    #[inline]
    pub(crate) fn is_marked(&self, v: u32) -> bool {
        self.stamp[v as usize] == self.epoch
    }

    /// Marks `v`; returns whether it was unmarked before.
    #[inline]
    pub(crate) fn mark(&mut self, v: u32) -> bool {
        let s = &mut self.stamp[v as usize];
        let fresh = *s != self.epoch;
        *s = self.epoch;
        fresh
    }
}
