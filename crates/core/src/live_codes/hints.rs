//! Groups believed full, per tenant: routing looks at them last, so a code that opened many
//! groups reads the loads of few. A hint can only make routing look at a group later, never
//! put anyone past a cap: the loads are read in the scan's transaction, and a new group is
//! opened only on the loads of every group. A group found full long enough ago is looked at
//! again by a few scans at a time, oldest first (a member may have left, a seat expired), so
//! the hints never run out all at once.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::sync::{Arc, Mutex};

/// How long a group found at its hard capacity is believed full before scans look at it
/// again.
const BELIEVED_MS: i64 = 30_000;
/// Groups believed full for longer a scan looks at again, at most.
const RECHECK: usize = 4;

/// What one scan is told: the groups believed full, and those of them to look at again.
#[derive(Debug, Clone, Default)]
pub(crate) struct Told {
    /// Groups believed full.
    pub(crate) skip: Arc<HashSet<i64>>,
    /// Of those, the ones this scan looks at all the same.
    pub(crate) recheck: Vec<i64>,
}

impl Told {
    /// Whether routing looks at `group` among the first.
    pub(crate) fn likely(&self, group: i64) -> bool {
        !self.skip.contains(&group) || self.recheck.contains(&group)
    }
}

#[derive(Debug, Default)]
struct Tenant {
    /// group → when it was last found full.
    seen: HashMap<i64, i64>,
    /// (when, group), oldest first.
    order: BTreeSet<(i64, i64)>,
    /// The groups of `seen`, shared with the scans.
    skip: Arc<HashSet<i64>>,
}

/// The hints of every tenant of one scanner.
#[derive(Debug, Default)]
pub(crate) struct FullHints(Mutex<HashMap<i64, Tenant>>);

impl FullHints {
    /// What a scan of tenant `t` at `now` is told.
    pub(crate) fn tell(&self, t: i64, now: i64) -> Told {
        let Ok(map) = self.0.lock() else {
            return Told::default();
        };
        let Some(h) = map.get(&t) else {
            return Told::default();
        };
        let recheck = h
            .order
            .iter()
            .take_while(|(at, _)| at + BELIEVED_MS <= now)
            .take(RECHECK)
            .map(|(_, g)| *g)
            .collect();
        Told {
            skip: h.skip.clone(),
            recheck,
        }
    }

    /// What a scan of tenant `t` found at `now`: groups at their hard capacity and groups
    /// with room.
    pub(crate) fn learn(&self, t: i64, now: i64, full: &[i64], roomy: &[i64]) {
        if full.is_empty() && roomy.is_empty() {
            return;
        }
        let Ok(mut map) = self.0.lock() else {
            return;
        };
        let h = map.entry(t).or_default();
        for g in full {
            match h.seen.insert(*g, now) {
                Some(at) => {
                    h.order.remove(&(at, *g));
                }
                None => {
                    Arc::make_mut(&mut h.skip).insert(*g);
                }
            }
            h.order.insert((now, *g));
        }
        for g in roomy {
            if let Some(at) = h.seen.remove(g) {
                h.order.remove(&(at, *g));
                Arc::make_mut(&mut h.skip).remove(g);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_full_group_is_skipped_then_looked_at_again_a_few_at_a_time_oldest_first() {
        let h = FullHints::default();
        assert!(h.tell(1, 0).likely(7));
        h.learn(1, 0, &[1, 2, 3, 4, 5, 6], &[]);
        h.learn(1, 10, &[7], &[]);
        let told = h.tell(1, 20);
        assert!((1..=7).all(|g| !told.likely(g)), "all believed full");
        assert!(
            h.tell(2, 20).likely(1),
            "another tenant's hints are its own"
        );
        // Past the belief, four at a time, oldest first; the last one found full is still
        // believed.
        let told = h.tell(1, BELIEVED_MS + 5);
        assert_eq!(told.recheck.len(), RECHECK);
        assert!(!told.likely(7));
        // Found full again: believed again from now; found with room: no longer skipped.
        h.learn(1, BELIEVED_MS + 5, &told.recheck[..2], &told.recheck[2..]);
        let later = h.tell(1, BELIEVED_MS + 6);
        assert!(told.recheck[2..].iter().all(|g| later.likely(*g)));
        assert!(told.recheck[..2].iter().all(|g| !later.likely(*g)));
        assert_eq!(later.skip.len(), 5);
    }
}
