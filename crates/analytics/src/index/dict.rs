//! Dense `u32` numbers for outside ids (members, groups, products), so kernels index flat
//! arrays instead of hashing.

use std::collections::HashMap;

/// Dense numbering of outside ids.
#[derive(Debug, Default, Clone)]
pub struct Dict<K: std::hash::Hash + Eq + Clone> {
    ids: Vec<K>,
    of: HashMap<K, u32>,
}

impl<K: std::hash::Hash + Eq + Clone> Dict<K> {
    /// The dense number of `k`, numbering it if new.
    pub fn intern(&mut self, k: &K) -> u32 {
        if let Some(&n) = self.of.get(k) {
            return n;
        }
        let n = self.ids.len() as u32;
        self.ids.push(k.clone());
        self.of.insert(k.clone(), n);
        n
    }

    /// The dense number of `k`, if known.
    pub fn get(&self, k: &K) -> Option<u32> {
        self.of.get(k).copied()
    }

    /// The outside id of dense number `n`.
    pub fn id(&self, n: u32) -> Option<&K> {
        self.ids.get(n as usize)
    }

    /// How many ids are numbered.
    pub fn len(&self) -> usize {
        self.ids.len()
    }

    /// True when nothing is numbered.
    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }

    /// All outside ids in dense order.
    pub fn ids(&self) -> &[K] {
        &self.ids
    }
}
