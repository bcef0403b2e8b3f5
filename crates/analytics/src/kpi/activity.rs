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
    /// Per dense group: the sum over the range's days of its DAU.
    pub group_dau_sum: Vec<u64>,
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
    let [_, cur] = series_split(ix, scope, days.start, threads, true);
    cur
}

/// [`series`] without the rolling WAU/MAU (left empty), so the 29 days before the range are
/// not read: what the groups table needs.
pub fn range_activity(ix: &EventIndex, scope: &Scope, threads: usize) -> Series {
    let days = scope.index_days();
    let [_, mut cur] = series_split(ix, scope, days.start, threads, false);
    cur.wau.clear();
    cur.mau.clear();
    cur
}

/// The series of the range and of the same length of time just before it, in one pass (the
/// overview's cards compare the two). Per-group figures are the range's only.
pub fn series_with_previous(ix: &EventIndex, scope: &Scope, threads: usize) -> [Series; 2] {
    let both = Scope {
        days: scope.previous().days.start..scope.days.end,
        ..scope.clone()
    };
    let split = (scope.days.start - BASE_DAY).max(0);
    series_split(ix, &both, split, threads, true)
}

/// One pass over `scope`'s days; days before `split` (index numbering) make the first series,
/// the rest the second.
fn series_split(
    ix: &EventIndex,
    scope: &Scope,
    split: i32,
    threads: usize,
    rolling: bool,
) -> [Series; 2] {
    let days = scope.index_days();
    let split = split.clamp(days.start, days.end);
    let nd = days.len();
    let ng = ix.groups.len();
    let look_back = if rolling { days.start - 29 } else { days.start };
    let c = &ix.ev;
    struct Part {
        dau: Vec<u32>,
        wau: Vec<i32>,
        mau: Vec<i32>,
        joins: Vec<u32>,
        leaves: Vec<u32>,
        events: Vec<u64>,
        active: [u32; 2],
        seen: [u32; 2],
        g_active: Vec<u32>,
        g_events: Vec<u64>,
        g_messages: Vec<u64>,
        g_dau_sum: Vec<u64>,
    }
    let parts = par_members(&ix.ev_starts, threads, |ms| {
        let mut p = Part {
            dau: vec![0; nd],
            wau: vec![0; nd + 1],
            mau: vec![0; nd + 1],
            joins: vec![0; nd],
            leaves: vec![0; nd],
            events: vec![0; nd],
            active: [0; 2],
            seen: [0; 2],
            g_active: vec![0; ng],
            g_events: vec![0; ng],
            g_messages: vec![0; ng],
            g_dau_sum: vec![0; ng],
        };
        let mut groups_seen: Vec<u32> = Vec::with_capacity(8);
        let mut groups_today: Vec<u32> = Vec::with_capacity(8);
        for m in ms {
            if !scope.keeps_member(m as u32) {
                continue;
            }
            let b = ix.ev_starts[m + 1] as usize;
            let (mut last_day, mut wau_to, mut mau_to) = (i32::MIN, i32::MIN, i32::MIN);
            let (mut active, mut seen) = ([false; 2], [false; 2]);
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
                let w = usize::from(d >= split);
                let di = (d - days.start) as usize;
                if in_range {
                    seen[w] = true;
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
                    groups_today.clear();
                    cover(&mut p.wau, &mut wau_to, d, 7, days.start);
                    cover(&mut p.mau, &mut mau_to, d, 30, days.start);
                    if in_range {
                        p.dau[di] += 1;
                    }
                }
                if in_range {
                    active[w] = true;
                    p.events[di] += 1;
                    if g != NO_GROUP && w == 1 {
                        let gi = g as usize;
                        p.g_events[gi] += 1;
                        if k == Kind::Message as u8 {
                            p.g_messages[gi] += 1;
                        }
                        if !groups_seen.contains(&g) {
                            groups_seen.push(g);
                            p.g_active[gi] += 1;
                        }
                        if !groups_today.contains(&g) {
                            groups_today.push(g);
                            p.g_dau_sum[gi] += 1;
                        }
                    }
                }
            }
            for w in 0..2 {
                p.active[w] += u32::from(active[w]);
                p.seen[w] += u32::from(seen[w]);
            }
        }
        p
    });
    let mut it = parts.into_iter();
    let Some(mut acc) = it.next() else {
        return [Series::default(), Series::default()];
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
        for w in 0..2 {
            acc.active[w] += p.active[w];
            acc.seen[w] += p.seen[w];
        }
        add(&mut acc.g_active, &p.g_active);
        add64(&mut acc.g_events, &p.g_events);
        add64(&mut acc.g_messages, &p.g_messages);
        add64(&mut acc.g_dau_sum, &p.g_dau_sum);
    }
    let (wau, mau) = (prefix(&acc.wau, nd), prefix(&acc.mau, nd));
    let cut = (split - days.start) as usize;
    let window = |w: usize, r: std::ops::Range<usize>| Series {
        days: days.start + r.start as i32 + BASE_DAY..days.start + r.end as i32 + BASE_DAY,
        dau: acc.dau[r.clone()].to_vec(),
        wau: wau[r.clone()].to_vec(),
        mau: mau[r.clone()].to_vec(),
        joins: acc.joins[r.clone()].to_vec(),
        leaves: acc.leaves[r.clone()].to_vec(),
        events: acc.events[r].to_vec(),
        active_members: acc.active[w],
        seen_members: acc.seen[w],
        ..Series::default()
    };
    let first = window(0, 0..cut);
    let mut second = window(1, cut..nd);
    second.group_active = acc.g_active;
    second.group_events = acc.g_events;
    second.group_messages = acc.g_messages;
    second.group_dau_sum = acc.g_dau_sum;
    [first, second]
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
    let end = scope.days.end;
    silence_at(ix, scope, n_days, &[end], threads)
        .pop()
        .unwrap_or_default()
}

/// [`silence`] as of several ends (days since 1970, ascending) in one pass: the overview asks
/// for the end of the range and the end of the period before it.
pub fn silence_at(
    ix: &EventIndex,
    scope: &Scope,
    n_days: i32,
    ends: &[i32],
    threads: usize,
) -> Vec<Silence> {
    let ends: Vec<i32> = ends.iter().map(|e| (e - BASE_DAY).max(0)).collect();
    let last_end = ends.iter().copied().max().unwrap_or(0);
    let ng = ix.groups.len();
    let c = &ix.ev;
    let speaking = KindMask::SPEAKING;
    let empty = || Silence {
        group_lurkers: vec![0; ng],
        group_members: vec![0; ng],
        group_last_message: vec![None; ng],
        ..Silence::default()
    };
    // Per member and group: (group, in it now, last day spoken, last day with a message).
    type State = Vec<(u32, bool, i32, i32)>;
    let tally = |s: &mut Silence, state: &State, end: i32| {
        let quiet_from = end - n_days;
        let mut member_here = false;
        let mut spoke_anywhere = false;
        for &(g, inside, spoke, wrote) in state {
            let gi = g as usize;
            if wrote > i32::MIN {
                let last = &mut s.group_last_message[gi];
                *last = Some(last.map_or(wrote, |l: i32| l.max(wrote)));
            }
            if inside {
                member_here = true;
                s.group_members[gi] += 1;
                if spoke >= quiet_from {
                    spoke_anywhere = true;
                } else {
                    s.group_lurkers[gi] += 1;
                }
            }
        }
        if member_here {
            s.members += 1;
            s.lurkers += u32::from(!spoke_anywhere);
        }
    };
    let parts = par_members(&ix.ev_starts, threads, |ms| {
        let mut out: Vec<Silence> = ends.iter().map(|_| empty()).collect();
        let mut state: State = Vec::with_capacity(8);
        for m in ms {
            if !scope.keeps_member(m as u32) {
                continue;
            }
            state.clear();
            let (mut k, mut last) = (0, 0);
            for i in ix.ev_starts[m] as usize..ix.ev_starts[m + 1] as usize {
                let d = i32::from(c.day[i]);
                while k < ends.len() && d >= ends[k] {
                    tally(&mut out[k], &state, ends[k]);
                    k += 1;
                }
                if d >= last_end {
                    break;
                }
                let g = c.group[i];
                if g == NO_GROUP || !scope.keeps_group(g) {
                    continue;
                }
                let kind = c.kind[i];
                // Most of a member's events are in the group of the one before.
                let slot = if state.get(last).is_some_and(|s| s.0 == g) {
                    last
                } else {
                    match state.iter().position(|s| s.0 == g) {
                        Some(p) => p,
                        None => {
                            state.push((g, false, i32::MIN, i32::MIN));
                            state.len() - 1
                        }
                    }
                };
                last = slot;
                if kind == Kind::Join as u8 {
                    state[slot].1 = true;
                } else if kind == Kind::Leave as u8 {
                    state[slot].1 = false;
                } else if speaking.has(kind) {
                    state[slot].2 = d;
                    if kind == Kind::Message as u8 {
                        state[slot].3 = d;
                    }
                }
            }
            while k < ends.len() {
                tally(&mut out[k], &state, ends[k]);
                k += 1;
            }
        }
        out
    });
    let mut it = parts.into_iter();
    let mut acc = it.next().unwrap_or_default();
    for part in it {
        for (a, p) in acc.iter_mut().zip(part) {
            a.lurkers += p.lurkers;
            a.members += p.members;
            for g in 0..ng {
                a.group_lurkers[g] += p.group_lurkers[g];
                a.group_members[g] += p.group_members[g];
                a.group_last_message[g] = match (a.group_last_message[g], p.group_last_message[g]) {
                    (Some(x), Some(y)) => Some(x.max(y)),
                    (x, y) => x.or(y),
                };
            }
        }
    }
    for s in &mut acc {
        for l in s.group_last_message.iter_mut().flatten() {
            *l += BASE_DAY;
        }
    }
    acc
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::index::IndexRow;

    /// A small community: 60 members over 5 groups and 70 days, kinds spread by a fixed LCG.
    fn community() -> EventIndex {
        let mut ix = EventIndex::new(8 * 3600);
        let mut x: u64 = 42;
        let kinds = [
            "join", "message", "reaction", "click", "leave", "message", "order", "join",
        ];
        for id in 0..6000i64 {
            x = x
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            let r = x >> 33;
            let day = 20_000 + (r % 70) as i64;
            ix.push(&IndexRow {
                event_id: id + 1,
                member_id: (r / 70 % 60) as i64,
                group_id: Some((r / 4200 % 5) as i64),
                kind: kinds[(r / 21_000 % 8) as usize],
                occurred_at_ms: (day * 86_400 + (r % 86_400) as i64) * 1000,
                amount_fen: 100,
                product: None,
            });
        }
        ix.compact();
        ix
    }

    #[test]
    fn one_pass_with_the_previous_period_equals_two_passes() {
        let ix = community();
        let scope = Scope::days(20_040..20_060);
        let plain = range_activity(&ix, &scope, 2);
        let [old, cur] = series_with_previous(&ix, &scope, 1);
        assert_eq!(
            (&plain.dau, &plain.group_dau_sum),
            (&cur.dau, &cur.group_dau_sum)
        );
        assert_eq!(
            (plain.active_members, &plain.group_active),
            (cur.active_members, &cur.group_active)
        );
        assert_eq!(cur, series(&ix, &scope, 2));
        let prev = series(&ix, &scope.previous(), 1);
        assert_eq!((old.dau, old.wau, old.mau), (prev.dau, prev.wau, prev.mau));
        assert_eq!(
            (old.active_members, old.seen_members),
            (prev.active_members, prev.seen_members)
        );
        assert_eq!((old.joins, old.leaves), (prev.joins, prev.leaves));
        assert!(cur.active_members > 0 && cur.dau.iter().any(|&d| d > 1));
        // The groups' DAU sums equal the group-day matrix.
        let gd = dau_by_group_day(&ix, &scope, 1);
        for g in 0..gd.n_groups {
            let sum: u64 = scope.days.clone().map(|d| u64::from(gd.get(g, d))).sum();
            assert_eq!(cur.group_dau_sum[g], sum, "group {g}");
        }
    }

    #[test]
    fn silence_at_several_ends_equals_one_end_at_a_time() {
        let ix = community();
        let ends = [20_030, 20_050, 20_071];
        let all = silence_at(&ix, &Scope::days(0..1), 7, &ends, 2);
        for (s, &end) in all.iter().zip(&ends) {
            let one = silence(&ix, &Scope::days(end - 10..end), 7, 1);
            assert_eq!(s, &one, "end {end}");
        }
        assert!(all[2].members > 0 && all[2].lurkers > 0 && all[2].lurkers < all[2].members);
        assert!(all[0].is_dead(0, 20_030, 100) == all[0].group_last_message[0].is_none());
    }
}
