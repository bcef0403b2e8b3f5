//! A bulk load's map from a file's member or group ids to the tenant's, and the external ids
//! (`import:<file id>`) the file's ids are kept under.

use std::collections::{HashMap, HashSet};

use crate::{Result, StoreError};

/// The prefix of the external ids a bulk load files members and groups under.
pub const EXTERNAL_PREFIX: &str = "import:";

/// A file's id as stored in `member.external_userid` / `chat_group.external_chat_id`.
pub fn external_id(id: i64) -> String {
    format!("{EXTERNAL_PREFIX}{id}")
}

/// The file's id of a stored external id made by [`external_id`].
pub fn file_id(external: &str) -> Option<i64> {
    let n = external.strip_prefix(EXTERNAL_PREFIX)?;
    let id: i64 = n.parse().ok()?;
    (id.to_string() == n).then_some(id)
}

/// The first and the last external id of the range every [`external_id`] falls in (`;`
/// follows `:` in byte order).
pub(crate) const EXTERNAL_RANGE: (&str, &str) = (EXTERNAL_PREFIX, "import;");

/// File ids below this are kept in a dense array (8 bytes each, allocated up to the largest
/// seen), the rest in a hash map. A file's ids are mostly small and dense (the benchmark's
/// run to about a million), and an array lookup is one memory access.
const DENSE_IDS: i64 = 1 << 24;

/// File ids → the tenant's ids, and which of those this load created.
#[derive(Debug, Default)]
pub(crate) struct IdMap {
    dense: Vec<i64>,
    sparse: HashMap<i64, i64>,
    created: HashSet<i64>,
}

impl IdMap {
    /// The tenant's id of file id `file`, which must be mapped.
    pub(crate) fn get(&self, file: i64) -> Result<i64> {
        self.find(file)
            .ok_or_else(|| StoreError::Commit(format!("bulk load: file id {file} was not mapped")))
    }

    fn find(&self, file: i64) -> Option<i64> {
        if (0..DENSE_IDS).contains(&file) {
            self.dense.get(file as usize).copied().filter(|id| *id != 0)
        } else {
            self.sparse.get(&file).copied()
        }
    }

    /// Maps `file` to the stored `id`.
    pub(crate) fn insert(&mut self, file: i64, id: i64) {
        if (0..DENSE_IDS).contains(&file) {
            let i = file as usize;
            if i >= self.dense.len() {
                // Doubling, so growing costs a constant per id.
                let len = (i + 1).max(self.dense.len() * 2).min(DENSE_IDS as usize);
                self.dense.resize(len, 0);
            }
            self.dense[i] = id;
        } else {
            self.sparse.insert(file, id);
        }
    }

    /// Maps `file` to `id`, which this load created.
    pub(crate) fn insert_created(&mut self, file: i64, id: i64) {
        self.insert(file, id);
        self.created.insert(id);
    }

    /// True when this load created the tenant's `id`.
    pub(crate) fn created(&self, id: i64) -> bool {
        self.created.contains(&id)
    }

    /// The file ids of `wanted` not mapped yet, sorted, without repeats.
    pub(crate) fn missing(&self, wanted: impl Iterator<Item = i64>) -> Vec<i64> {
        let mut v: Vec<i64> = wanted.filter(|f| self.find(*f).is_none()).collect();
        v.sort_unstable();
        v.dedup();
        v
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn external_ids_round_trip_and_reject_lookalikes() {
        assert_eq!(file_id(&external_id(42)), Some(42));
        assert_eq!(file_id(&external_id(-3)), Some(-3));
        assert_eq!(file_id("import:042"), None);
        assert_eq!(file_id("wm:42"), None);
        let (lo, hi) = EXTERNAL_RANGE;
        let e = external_id(9_999_999);
        assert!(lo <= e.as_str() && e.as_str() < hi);
    }

    #[test]
    fn small_and_large_file_ids_map_alike() {
        let mut m = IdMap::default();
        m.insert(5, 50);
        m.insert_created(1 << 40, 60);
        assert_eq!(m.get(5).ok(), Some(50));
        assert_eq!(m.get(1 << 40).ok(), Some(60));
        assert!(m.created(60) && !m.created(50));
        assert_eq!(m.missing([5, 7, 7, 1 << 40, 6].into_iter()), vec![6, 7]);
        assert!(m.get(7).is_err());
    }
}
