//! Silence: lurkers (members who have not spoken for `n` days) and dead groups (no message
//! for `n` days), as of one or several ends of a range.

use crate::index::{BASE_DAY, EventIndex, Kind, KindMask, NO_GROUP};
use crate::kpi::{Scope, par_members};

/// Silence in the community as of the end of the range.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Silence {
    /// Members in a kept group (joined and not left since) who have not spoken (message or
    /// reaction) in the last `n` days of the range.
    pub lurkers: u32,
    /// Members in a kept group as of the end of the range.
    pub members: u32,
    /// Of [`Silence::members`], those active (an event of the scope's active kinds in a kept
    /// group, or in none when the scope keeps every group) in the range ending there: the
    /// numerator of the active rate, never above `members`.
    pub active_members: u32,
    /// Per dense group: of its members at the end, those active in it during the range.
    pub group_active: Vec<u32>,
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
    // Each end's range starts the scope's length before it.
    let span = scope.days.end - scope.days.start;
    let empty = || Silence {
        group_active: vec![0; ng],
        group_lurkers: vec![0; ng],
        group_members: vec![0; ng],
        group_last_message: vec![None; ng],
        ..Silence::default()
    };
    // Per member and group: (group, in it now, last day spoken, last day with a message,
    // last active day).
    type State = Vec<(u32, bool, i32, i32, i32)>;
    let tally = |s: &mut Silence, state: &State, active: i32, end: i32| {
        let quiet_from = end - n_days;
        let from = end - span;
        let mut member_here = false;
        let mut spoke_anywhere = false;
        for &(g, inside, spoke, wrote, acted) in state {
            let gi = g as usize;
            if wrote > i32::MIN {
                let last = &mut s.group_last_message[gi];
                *last = Some(last.map_or(wrote, |l: i32| l.max(wrote)));
            }
            if inside {
                member_here = true;
                s.group_members[gi] += 1;
                s.group_active[gi] += u32::from(acted >= from);
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
            s.active_members += u32::from(active >= from);
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
            let (mut k, mut last, mut active) = (0, 0, i32::MIN);
            for i in ix.ev_starts[m] as usize..ix.ev_starts[m + 1] as usize {
                let d = i32::from(c.day[i]);
                while k < ends.len() && d >= ends[k] {
                    tally(&mut out[k], &state, active, ends[k]);
                    k += 1;
                }
                if d >= last_end {
                    break;
                }
                let g = c.group[i];
                if !scope.keeps_group(g) {
                    continue;
                }
                let kind = c.kind[i];
                let acts = scope.active_kinds.has(kind);
                if acts {
                    active = d;
                }
                if g == NO_GROUP {
                    continue;
                }
                // Most of a member's events are in the group of the one before.
                let slot = if state.get(last).is_some_and(|s| s.0 == g) {
                    last
                } else {
                    match state.iter().position(|s| s.0 == g) {
                        Some(p) => p,
                        None => {
                            state.push((g, false, i32::MIN, i32::MIN, i32::MIN));
                            state.len() - 1
                        }
                    }
                };
                last = slot;
                if acts {
                    state[slot].4 = d;
                }
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
                tally(&mut out[k], &state, active, ends[k]);
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
            a.active_members += p.active_members;
            for g in 0..ng {
                a.group_active[g] += p.group_active[g];
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
