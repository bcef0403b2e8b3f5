//! Activity kernels: DAU per group and day, stickiness (DAU/MAU), the DAU/WAU/MAU series with
//! joins and leaves, per-group activity, dead groups and lurkers.

use std::ops::Range;

use super::{Scope, par_members};
use crate::index::{BASE_DAY, EventIndex, Kind, KindMask, NO_GROUP};

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
fn first_from(days: &[u16], a: usize, b: usize, from: i32) -> usize {
    a + days[a..b].partition_point(|&d| i32::from(d) < from)
}

fn sum_into(parts: Vec<Vec<u32>>) -> Vec<u32> {
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

/// Day-by-day activity and growth over a range, and per-group totals.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Series {
    /// The days (since 1970-01-01, tenant zone), end exclusive.
    pub days: Range<i32>,
    /// Distinct active members per day.
    pub dau: Vec<u32>,
    /// Distinct active members over the 7 days ending each day.
    pub wau: Vec<u32>,
    /// Distinct active members over the 30 days ending each day.
    pub mau: Vec<u32>,
    /// Join events per day.
    pub joins: Vec<u32>,
    /// Leave events per day.
    pub leaves: Vec<u32>,
    /// Active events (of the scope's active kinds) per day.
    pub events: Vec<u64>,
    /// Distinct active members over the whole range.
    pub active_members: u32,
    /// Distinct members with any event (of any kind) in the range.
    pub seen_members: u32,
    /// Per dense group: distinct active members over the range.
    pub group_active: Vec<u32>,
    /// Per dense group: active events over the range.
    pub group_events: Vec<u64>,
    /// Per dense group: messages over the range.
    pub group_messages: Vec<u64>,
}

impl Series {
    /// Average DAU over the range.
    pub fn avg_dau(&self) -> f64 {
        if self.dau.is_empty() {
            0.0
        } else {
            self.dau.iter().map(|&d| f64::from(d)).sum::<f64>() / self.dau.len() as f64
        }
    }

    /// DAU/MAU on average over the range (average DAU over distinct actives of the range when
    /// the range is 30 days or shorter, else the mean of daily DAU/MAU).
    pub fn stickiness(&self) -> f64 {
        if self.dau.len() <= 30 {
            if self.active_members == 0 {
                0.0
            } else {
                self.avg_dau() / f64::from(self.active_members)
            }
        } else {
            let (mut s, mut n) = (0.0, 0usize);
            for (d, m) in self.dau.iter().zip(&self.mau) {
                if *m > 0 {
                    s += f64::from(*d) / f64::from(*m);
                    n += 1;
                }
            }
            if n == 0 { 0.0 } else { s / n as f64 }
        }
    }
}

/// Per-member accumulation for the rolling windows: each active day covers the window days it
/// counts towards; a difference array adds each member once per day.
fn cover(diff: &mut [i32], covered_to: &mut i32, day: i32, window: i32, lo: i32) {
    let start = day.max(*covered_to);
    let end = day + window;
    if end > start {
        let n = diff.len() as i32 - 1;
        let (s, e) = ((start - lo).clamp(0, n), (end - lo).clamp(0, n));
        if e > s {
            diff[s as usize] += 1;
            diff[e as usize] -= 1;
        }
        *covered_to = end;
    }
}

fn prefix(diff: &[i32], n: usize) -> Vec<u32> {
    let mut run = 0i64;
    diff.iter()
        .take(n)
        .map(|&d| {
            run += i64::from(d);
            run.max(0) as u32
        })
        .collect()
}

/// The DAU/WAU/MAU series, joins and leaves per day, and per-group activity over the range.
pub fn series(ix: &EventIndex, scope: &Scope, threads: usize) -> Series {
    let days = scope.index_days();
    let nd = days.len();
    let ng = ix.groups.len();
    let look_back = days.start - 29;
    let c = &ix.ev;
    struct Part {
        dau: Vec<u32>,
        wau: Vec<i32>,
        mau: Vec<i32>,
        joins: Vec<u32>,
        leaves: Vec<u32>,
        events: Vec<u64>,
        active: u32,
        seen: u32,
        g_active: Vec<u32>,
        g_events: Vec<u64>,
        g_messages: Vec<u64>,
    }
    let parts = par_members(&ix.ev_starts, threads, |ms| {
        let mut p = Part {
            dau: vec![0; nd],
            wau: vec![0; nd + 1],
            mau: vec![0; nd + 1],
            joins: vec![0; nd],
            leaves: vec![0; nd],
            events: vec![0; nd],
            active: 0,
            seen: 0,
            g_active: vec![0; ng],
            g_events: vec![0; ng],
            g_messages: vec![0; ng],
        };
        let mut groups_seen: Vec<u32> = Vec::with_capacity(8);
        for m in ms {
            if !scope.keeps_member(m as u32) {
                continue;
            }
            let b = ix.ev_starts[m + 1] as usize;
            let (mut last_day, mut wau_to, mut mau_to) = (i32::MIN, i32::MIN, i32::MIN);
            let (mut any_active, mut any_seen) = (false, false);
            groups_seen.clear();
            for i in first_from(&c.day, ix.ev_starts[m] as usize, b, look_back)..b {
                let d = i32::from(c.day[i]);
                if d >= days.end {
                    break;
                }
                let g = c.group[i];
                if !scope.keeps_group(g) {
                    continue;
                }
                let k = c.kind[i];
                let in_range = d >= days.start;
                let di = (d - days.start) as usize;
                if in_range {
                    any_seen = true;
                    if k == Kind::Join as u8 {
                        p.joins[di] += 1;
                    } else if k == Kind::Leave as u8 {
                        p.leaves[di] += 1;
                    }
                }
                if !scope.active_kinds.has(k) {
                    continue;
                }
                if d != last_day {
                    last_day = d;
                    cover(&mut p.wau, &mut wau_to, d, 7, days.start);
                    cover(&mut p.mau, &mut mau_to, d, 30, days.start);
                    if in_range {
                        p.dau[di] += 1;
                    }
                }
                if in_range {
                    any_active = true;
                    p.events[di] += 1;
                    if g != NO_GROUP {
                        p.g_events[g as usize] += 1;
                        if k == Kind::Message as u8 {
                            p.g_messages[g as usize] += 1;
                        }
                        if !groups_seen.contains(&g) {
                            groups_seen.push(g);
                            p.g_active[g as usize] += 1;
                        }
                    }
                }
            }
            p.active += u32::from(any_active);
            p.seen += u32::from(any_seen);
        }
        p
    });
    let mut it = parts.into_iter();
    let Some(mut acc) = it.next() else {
        return Series::default();
    };
    for p in it {
        let add = |a: &mut [u32], b: &[u32]| a.iter_mut().zip(b).for_each(|(x, y)| *x += y);
        let add64 = |a: &mut [u64], b: &[u64]| a.iter_mut().zip(b).for_each(|(x, y)| *x += y);
        let addi = |a: &mut [i32], b: &[i32]| a.iter_mut().zip(b).for_each(|(x, y)| *x += y);
        add(&mut acc.dau, &p.dau);
        addi(&mut acc.wau, &p.wau);
        addi(&mut acc.mau, &p.mau);
        add(&mut acc.joins, &p.joins);
        add(&mut acc.leaves, &p.leaves);
        add64(&mut acc.events, &p.events);
        acc.active += p.active;
        acc.seen += p.seen;
        add(&mut acc.g_active, &p.g_active);
        add64(&mut acc.g_events, &p.g_events);
        add64(&mut acc.g_messages, &p.g_messages);
    }
    Series {
        days: days.start + BASE_DAY..days.end + BASE_DAY,
        dau: acc.dau,
        wau: prefix(&acc.wau, nd),
        mau: prefix(&acc.mau, nd),
        joins: acc.joins,
        leaves: acc.leaves,
        events: acc.events,
        active_members: acc.active,
        seen_members: acc.seen,
        group_active: acc.g_active,
        group_events: acc.g_events,
        group_messages: acc.g_messages,
    }
}

/// Silence in the community as of the end of the range.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Silence {
    /// Members in a kept group (joined and not left since) who have not spoken (message or
    /// reaction) in the last `n` days of the range.
    pub lurkers: u32,
    /// Members in a kept group as of the end of the range.
    pub members: u32,
    /// Per dense group: its lurkers.
    pub group_lurkers: Vec<u32>,
    /// Per dense group: members as of the end of the range (joins minus leaves seen).
    pub group_members: Vec<u32>,
    /// Per dense group: the last day (since 1970) anyone sent a message, if ever.
    pub group_last_message: Vec<Option<i32>>,
}

impl Silence {
    /// True when dense group `g` had no message in the `n` days ending at `end_day` (exclusive).
    pub fn is_dead(&self, g: usize, end_day: i32, n: i32) -> bool {
        match self.group_last_message.get(g).copied().flatten() {
            None => true,
            Some(d) => d < end_day - n,
        }
    }
}

/// Lurkers (members with no message or reaction for `n_days` before the end of the range) and
/// the last message day of each group, from everything before the end of the range.
pub fn silence(ix: &EventIndex, scope: &Scope, n_days: i32, threads: usize) -> Silence {
    let end = scope.index_days().end;
    let quiet_from = end - n_days;
    let ng = ix.groups.len();
    let c = &ix.ev;
    let speaking = KindMask::SPEAKING;
    let parts = par_members(&ix.ev_starts, threads, |ms| {
        let mut s = Silence {
            group_lurkers: vec![0; ng],
            group_members: vec![0; ng],
            group_last_message: vec![None; ng],
            ..Silence::default()
        };
        // Per member: (group, in the group now, spoke lately in it).
        let mut state: Vec<(u32, bool, bool)> = Vec::with_capacity(8);
        for m in ms {
            if !scope.keeps_member(m as u32) {
                continue;
            }
            state.clear();
            let mut spoke_anywhere = false;
            for i in ix.ev_starts[m] as usize..ix.ev_starts[m + 1] as usize {
                let d = i32::from(c.day[i]);
                if d >= end {
                    break;
                }
                let g = c.group[i];
                if g == NO_GROUP || !scope.keeps_group(g) {
                    continue;
                }
                let k = c.kind[i];
                let slot = match state.iter().position(|s| s.0 == g) {
                    Some(p) => p,
                    None => {
                        state.push((g, false, false));
                        state.len() - 1
                    }
                };
                if k == Kind::Join as u8 {
                    state[slot].1 = true;
                } else if k == Kind::Leave as u8 {
                    state[slot].1 = false;
                } else if speaking.has(k) {
                    if d >= quiet_from {
                        state[slot].2 = true;
                        spoke_anywhere = true;
                    }
                    if k == Kind::Message as u8 {
                        let last = &mut s.group_last_message[g as usize];
                        *last = Some(last.map_or(d, |l: i32| l.max(d)));
                    }
                }
            }
            let mut member_here = false;
            for &(g, inside, spoke) in &state {
                if inside {
                    member_here = true;
                    s.group_members[g as usize] += 1;
                    if !spoke {
                        s.group_lurkers[g as usize] += 1;
                    }
                }
            }
            if member_here {
                s.members += 1;
                if !spoke_anywhere {
                    s.lurkers += 1;
                }
            }
        }
        s
    });
    let mut it = parts.into_iter();
    let mut acc = it.next().unwrap_or_default();
    for p in it {
        acc.lurkers += p.lurkers;
        acc.members += p.members;
        for g in 0..ng {
            acc.group_lurkers[g] += p.group_lurkers[g];
            acc.group_members[g] += p.group_members[g];
            acc.group_last_message[g] = match (acc.group_last_message[g], p.group_last_message[g]) {
                (Some(a), Some(b)) => Some(a.max(b)),
                (a, b) => a.or(b),
            };
        }
    }
    for l in acc.group_last_message.iter_mut().flatten() {
        *l += BASE_DAY;
    }
    acc
}
