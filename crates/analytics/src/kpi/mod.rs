//! KPI kernels over an [`EventIndex`]: what the dashboard and the API ask of a tenant's events,
//! for a date range and a set of groups or members, answered by linear passes over the
//! member-sorted columns.

pub mod activity;
pub mod commerce;
pub mod funnel;
#[cfg(test)]
mod overflow_tests;
pub mod retention;

use std::ops::Range;

use crate::index::{BASE_DAY, EventIndex, KindMask, NO_GROUP};

/// What a KPI is asked over: days, groups, members and the kinds that count as activity.
#[derive(Debug, Clone)]
pub struct Scope {
    /// Days in the tenant's zone, days since 1970-01-01; the end is exclusive.
    pub days: Range<i32>,
    /// Dense group numbers to keep (`None`: every event, with or without a group).
    pub groups: Option<Vec<bool>>,
    /// Dense member numbers to keep (a segment; `None`: everyone).
    pub members: Option<Vec<bool>>,
    /// The kinds that make a member active.
    pub active_kinds: KindMask,
}

impl Scope {
    /// Every member and group over `days`, with interactions (not joins or leaves) as activity.
    pub fn days(days: Range<i32>) -> Scope {
        Scope {
            days,
            groups: None,
            members: None,
            active_kinds: KindMask::INTERACTIONS,
        }
    }

    /// Keeps only the given groups (store ids); ids the index has never seen keep nothing.
    pub fn with_groups(mut self, ix: &EventIndex, group_ids: &[i64]) -> Scope {
        let mut mask = vec![false; ix.groups.len()];
        for g in group_ids {
            if let Some(n) = ix.groups.get(g) {
                mask[n as usize] = true;
            }
        }
        self.groups = Some(mask);
        self
    }

    /// Keeps only the given members (store ids).
    pub fn with_members(mut self, ix: &EventIndex, member_ids: &[i64]) -> Scope {
        let mut mask = vec![false; ix.members.len()];
        for m in member_ids {
            if let Some(n) = ix.members.get(m) {
                mask[n as usize] = true;
            }
        }
        self.members = Some(mask);
        self
    }

    /// Number of days in the range.
    pub fn n_days(&self) -> usize {
        (self.days.end - self.days.start).max(0) as usize
    }

    /// The same length of time just before this one.
    pub fn previous(&self) -> Scope {
        let len = self.days.end - self.days.start;
        Scope {
            days: self.days.start - len..self.days.start,
            ..self.clone()
        }
    }

    /// The day range in the index's numbering (days since 2000-01-01), clamped to what it holds.
    pub(crate) fn index_days(&self) -> Range<i32> {
        let lo = (self.days.start - BASE_DAY).max(0);
        let hi = (self.days.end - BASE_DAY).max(lo);
        lo..hi
    }

    /// True when events of dense group `g` (or [`NO_GROUP`]) are kept.
    #[inline]
    pub fn keeps_group(&self, g: u32) -> bool {
        match &self.groups {
            None => true,
            Some(mask) => g != NO_GROUP && mask.get(g as usize).copied().unwrap_or(false),
        }
    }

    /// True when dense member `m` is kept.
    #[inline]
    pub fn keeps_member(&self, m: u32) -> bool {
        match &self.members {
            None => true,
            Some(mask) => mask.get(m as usize).copied().unwrap_or(false),
        }
    }
}

/// A value and the same value over the previous period, for a KPI card.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Compared {
    /// This period.
    pub value: f64,
    /// The period before, of the same length.
    pub previous: f64,
}

impl Compared {
    /// Relative change from the previous period (`None` when it was 0).
    pub fn change(&self) -> Option<f64> {
        (self.previous != 0.0).then(|| (self.value - self.previous) / self.previous)
    }
}

/// Runs `f` over member ranges split across up to `threads` threads (by event count) and
/// returns the partial results in member order. Kernels fold the parts.
pub(crate) fn par_members<R: Send>(
    starts: &[u32],
    threads: usize,
    f: impl Fn(Range<usize>) -> R + Sync,
) -> Vec<R> {
    let n_members = starts.len().saturating_sub(1);
    let total = starts.last().copied().unwrap_or(0) as usize;
    let threads = threads.clamp(1, 8);
    if threads == 1 || total < 200_000 {
        return vec![f(0..n_members)];
    }
    let mut cuts = vec![0usize];
    for t in 1..threads {
        let target = (total * t / threads) as u32;
        let m = starts.partition_point(|&s| s < target).min(n_members);
        cuts.push(m.max(*cuts.last().unwrap_or(&0)));
    }
    cuts.push(n_members);
    std::thread::scope(|s| {
        let f = &f;
        let handles: Vec<_> = cuts
            .windows(2)
            .map(|w| {
                let r = w[0]..w[1];
                s.spawn(move || f(r))
            })
            .collect();
        handles
            .into_iter()
            .map(|h| match h.join() {
                Ok(r) => r,
                Err(p) => std::panic::resume_unwind(p),
            })
            .collect()
    })
}

/// Threads the kernels use: the machine's cores, at most 8.
pub fn default_threads() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get().min(8))
}
