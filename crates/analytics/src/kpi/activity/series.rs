//! The DAU/WAU/MAU series of a range with its joins and leaves, and per-group totals, in one
//! pass over the members (optionally with the period before it).

use std::ops::Range;

use super::first_from;
use crate::index::{BASE_DAY, EventIndex, Kind, NO_GROUP};
use crate::kpi::{Scope, par_members};

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
