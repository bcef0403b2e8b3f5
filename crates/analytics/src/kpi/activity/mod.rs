//! Activity kernels: DAU per group and day, stickiness (DAU/MAU), the DAU/WAU/MAU series with
//! joins and leaves, per-group activity, dead groups and lurkers.

use std::ops::Range;

use super::{Scope, par_members};
use crate::index::{BASE_DAY, EventIndex, NO_GROUP};

/// Distinct active members per group and day.
#[derive(Debug, Clone, PartialEq)]
pub struct GroupDays {
    /// The days (since 1970-01-01, tenant zone), end exclusive.
    pub days: Range<i32>,
    /// Groups in the index (dense numbers `0..n_groups`).
    pub n_groups: usize,
    /// `dau[g * n_days + d]`: distinct active members of group `g` on day `days.start + d`.
    pub dau: Vec<u32>,
}

impl GroupDays {
    /// Number of days.
    pub fn n_days(&self) -> usize {
        (self.days.end - self.days.start).max(0) as usize
    }

    /// DAU of dense group `g` on day `day` (since 1970).
    pub fn get(&self, g: usize, day: i32) -> u32 {
        let d = (day - self.days.start) as usize;
        self.dau[g * self.n_days() + d]
    }
}

/// The first event of member run `a..b` on or after index day `from` (days since 2000).
#[inline]
pub(super) fn first_from(days: &[u16], a: usize, b: usize, from: i32) -> usize {
    a + days[a..b].partition_point(|&d| i32::from(d) < from)
}

pub(super) fn sum_into(parts: Vec<Vec<u32>>) -> Vec<u32> {
    let mut it = parts.into_iter();
    let mut acc = it.next().unwrap_or_default();
    for p in it {
        for (a, b) in acc.iter_mut().zip(p) {
            *a += b;
        }
    }
    acc
}

/// DAU per group and day: distinct members with an active event in the group that day.
pub fn dau_by_group_day(ix: &EventIndex, scope: &Scope, threads: usize) -> GroupDays {
    let days = scope.index_days();
    let nd = days.len();
    let ng = ix.groups.len();
    let c = &ix.ev;
    let parts = par_members(&ix.ev_starts, threads, |ms| {
        let mut counts = vec![0u32; ng * nd];
        let mut seen: Vec<u32> = Vec::with_capacity(8);
        for m in ms {
            if !scope.keeps_member(m as u32) {
                continue;
            }
            let b = ix.ev_starts[m + 1] as usize;
            let mut cur = u16::MAX;
            for i in first_from(&c.day, ix.ev_starts[m] as usize, b, days.start)..b {
                let d = c.day[i];
                if i32::from(d) >= days.end {
                    break;
                }
                let g = c.group[i];
                if g == NO_GROUP || !scope.active_kinds.has(c.kind[i]) || !scope.keeps_group(g) {
                    continue;
                }
                if d != cur {
                    cur = d;
                    seen.clear();
                }
                if !seen.contains(&g) {
                    seen.push(g);
                    counts[g as usize * nd + (i32::from(d) - days.start) as usize] += 1;
                }
            }
        }
        counts
    });
    GroupDays {
        days: days.start + BASE_DAY..days.end + BASE_DAY,
        n_groups: ng,
        dau: sum_into(parts),
    }
}

/// Stickiness of one group over one period.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Stickiness {
    /// Dense group number.
    pub group: u32,
    /// Period number from the start of the range (0, 1, …).
    pub period: u32,
    /// Sum over the period's days of the group's DAU.
    pub dau_sum: u64,
    /// Distinct active members over the period.
    pub mau: u32,
    /// Days in the period.
    pub period_days: u32,
}

impl Stickiness {
    /// Average DAU over the period's days.
    pub fn avg_dau(&self) -> f64 {
        self.dau_sum as f64 / f64::from(self.period_days)
    }

    /// DAU/MAU: average DAU over distinct members of the period.
    pub fn ratio(&self) -> f64 {
        if self.mau == 0 {
            0.0
        } else {
            self.avg_dau() / f64::from(self.mau)
        }
    }
}

/// DAU/MAU stickiness per group per period of `period_days` days from the start of the range.
/// Only (group, period) pairs with activity are returned, ordered by group then period.
pub fn stickiness(
    ix: &EventIndex,
    scope: &Scope,
    period_days: u32,
    threads: usize,
) -> Vec<Stickiness> {
    let days = scope.index_days();
    let pd = period_days.max(1) as i32;
    let np = ((days.len() as i32 + pd - 1) / pd).max(0) as usize;
    let ng = ix.groups.len();
    let c = &ix.ev;
    // Per part: dau sums and mau per (group, period).
    let parts = par_members(&ix.ev_starts, threads, |ms| {
        let mut dau_sum = vec![0u32; ng * np];
        let mut mau = vec![0u32; ng * np];
        let mut seen_day: Vec<u32> = Vec::with_capacity(8);
        let mut seen_period: Vec<u32> = Vec::with_capacity(8);
        for m in ms {
            if !scope.keeps_member(m as u32) {
                continue;
            }
            let b = ix.ev_starts[m + 1] as usize;
            let (mut cur_day, mut cur_period) = (u16::MAX, usize::MAX);
            for i in first_from(&c.day, ix.ev_starts[m] as usize, b, days.start)..b {
                let d = c.day[i];
                if i32::from(d) >= days.end {
                    break;
                }
                let g = c.group[i];
                if g == NO_GROUP || !scope.active_kinds.has(c.kind[i]) || !scope.keeps_group(g) {
                    continue;
                }
                let p = ((i32::from(d) - days.start) / pd) as usize;
                if d != cur_day {
                    cur_day = d;
                    seen_day.clear();
                }
                if p != cur_period {
                    cur_period = p;
                    seen_period.clear();
                }
                let cell = g as usize * np + p;
                if !seen_day.contains(&g) {
                    seen_day.push(g);
                    dau_sum[cell] += 1;
                }
                if !seen_period.contains(&g) {
                    seen_period.push(g);
                    mau[cell] += 1;
                }
            }
        }
        (dau_sum, mau)
    });
    let (sums, maus): (Vec<_>, Vec<_>) = parts.into_iter().unzip();
    let (sums, maus) = (sum_into(sums), sum_into(maus));
    let mut out = Vec::new();
    for g in 0..ng {
        for p in 0..np {
            let cell = g * np + p;
            if maus[cell] > 0 {
                out.push(Stickiness {
                    group: g as u32,
                    period: p as u32,
                    dau_sum: u64::from(sums[cell]),
                    mau: maus[cell],
                    period_days: pd as u32,
                });
            }
        }
    }
    out
}

mod series;
mod silence;

pub use series::{Series, range_activity, series, series_with_previous};
pub use silence::{Silence, silence, silence_at};

#[cfg(test)]
mod tests;
